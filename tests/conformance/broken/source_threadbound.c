/*
 * source_threadbound.c - broken on purpose: the counter, declared free to
 * run on a thread of its own (TF_SOURCE_OWN_THREAD), that keeps its step
 * in a thread-local variable set by init().  On the thread init() ran on
 * it counts 0, 1, 2...; on any other the step reads 0 and every record is
 * {"n": 0} until the count is reached.  Conformance must fail
 * "source_own_thread" only.
 */
#include "counter_source.h"

static _Thread_local int64_t step;

static int threadbound_init(tf_ctx *ctx, const tf_host *host,
                            const tf_config *cfg, void **state)
{
  step = 1;
  return counter_init(ctx, host, cfg, state);
}

static int threadbound_produce(void *state, tf_ctx *ctx, size_t max)
{
  counter *c = state;
  size_t n;

  for (n = 0; n < max && c->next < c->end; n++, c->next++)
    if (counter_emit(c, json_pack("{s:I}", "n", (json_int_t)(c->next * step))) <
        0)
      return TF_ERR_NOMEM;
  return c->next < c->end ? TF_MORE : TF_DONE;
}

static const tf_source_plugin threadbound_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "threadbound",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: allows a thread of its own but "
                        "keeps state in a thread-local variable.",
    .base.license = "MIT",
    .base.options = counter_options,
    .base.init = threadbound_init,
    .base.fini = counter_fini,
    .produce = threadbound_produce,
    .position = counter_position,
    .seek = counter_seek,
    .flags = TF_SOURCE_OWN_THREAD,
};

TF_SOURCE_PLUGIN(source_threadbound, threadbound_plugin)
