/*
 * source_hasty.c - broken on purpose: the counter with an event time
 * (ts_ms = n seconds) whose watermark() promises one second too far, so
 * the next record comes behind it.  Conformance must fail
 * "source_watermark" only.
 */
#include "counter_source.h"

static int hasty_produce(void *state, tf_ctx *ctx, size_t max)
{
  counter *c = state;
  size_t n;

  for (n = 0; n < max && c->next < c->end; n++, c->next++)
    if (counter_emit(c, json_pack("{s:I, s:I}", "n", (json_int_t)c->next,
                                  "ts_ms", (json_int_t)c->next * 1000)) < 0)
      return TF_ERR_NOMEM;
  return c->next < c->end ? TF_MORE : TF_DONE;
}

/* The next record's time is next * 1000: the promise should stop there. */
static int64_t hasty_watermark(void *state)
{
  return (((counter *)state)->next + 1) * 1000;
}

static const tf_source_plugin hasty_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "hasty",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: its watermark runs ahead of its "
                        "records.",
    .base.license = "MIT",
    .base.options = counter_options,
    .base.init = counter_init,
    .base.fini = counter_fini,
    .produce = hasty_produce,
    .position = counter_position,
    .seek = counter_seek,
    .watermark = hasty_watermark,
};

TF_SOURCE_PLUGIN(source_hasty, hasty_plugin)
