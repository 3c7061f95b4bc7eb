/*
 * transform_crashy.c - broken on purpose: init() divides by its "every"
 * option unchecked, so "every": 0 (which the table allows) crashes it.
 * Conformance must fail "config_edge_values" only.
 */
#include "copy_transform.h"

static const tf_option crashy_options[] = {
    {"every", TF_OPT_INT, "1", 0, 0, 0, NULL,
     "Keep one record out of this many (all of them: 1)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static volatile int64_t buckets = 1024;

static int crashy_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                       void **state)
{
  int64_t every = tf_config_int(cfg, "every");

  if (buckets / every < 0) {
    host->log(ctx, TF_LOG_ERROR, "every: must not be negative");
    return TF_ERR_CONFIG;
  }
  return copier_init(ctx, host, cfg, state);
}

static const tf_transform_plugin crashy_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "crashy",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: a zero option crashes init().",
    .base.license = "MIT",
    .base.options = crashy_options,
    .base.init = crashy_init,
    .base.fini = copier_fini,
    .process = copier_process,
};

TF_TRANSFORM_PLUGIN(transform_crashy, crashy_plugin)
