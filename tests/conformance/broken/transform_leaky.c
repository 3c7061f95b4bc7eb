/*
 * transform_leaky.c - broken on purpose: init() allocates a buffer that
 * fini() never frees.  Conformance must fail "init_fini_cycles" only.
 */
#include "copy_transform.h"

static int leaky_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                      void **state)
{
  int rc = copier_init(ctx, host, cfg, state);
  copier *c = *state;

  if (rc != TF_OK)
    return rc;
  c->extra = malloc(4096);
  if (!c->extra) {
    free(c);
    return TF_ERR_NOMEM;
  }
  return TF_OK;
}

static const tf_transform_plugin leaky_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "leaky",
    .base.version = "1.0.0",
    .base.description =
        "Broken on purpose: fini() does not free what init() allocated.",
    .base.license = "MIT",
    .base.init = leaky_init,
    .base.fini = copier_fini,
    .process = copier_process,
};

TF_TRANSFORM_PLUGIN(transform_leaky, leaky_plugin)
