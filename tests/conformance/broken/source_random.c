/*
 * source_random.c - broken on purpose: a nondeterministic source.  Its
 * first record carries the number of the instance (how many times init ran
 * in this process), so the same input gives different output on a second
 * run.  Conformance must fail "source_deterministic" only: resuming never
 * replays the first record, so the resume checks still pass.
 */
#include "counter_source.h"

static int instances;

static int random_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                       void **state)
{
  instances++;
  return counter_init(ctx, host, cfg, state);
}

static int random_produce(void *state, tf_ctx *ctx, size_t max)
{
  counter *c = state;

  if (c->next == 0 && max > 0) {
    if (counter_emit(c, json_pack("{s:I, s:i}", "n", (json_int_t)0, "run",
                                  instances)) < 0)
      return TF_ERR_NOMEM;
    c->next = 1;
    max--;
  }
  return counter_produce(state, ctx, max);
}

static const tf_source_plugin random_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "random",
    .base.version = "1.0.0",
    .base.description =
        "Broken on purpose: its first record differs from run to run.",
    .base.license = "MIT",
    .base.options = counter_options,
    .base.init = random_init,
    .base.fini = counter_fini,
    .produce = random_produce,
    .position = counter_position,
    .seek = counter_seek,
};

TF_SOURCE_PLUGIN(source_random, random_plugin)
