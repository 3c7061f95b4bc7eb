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

static const tf_plugin leaky_plugin = {
    TF_PLUGIN_HEADER,
    TF_KIND_TRANSFORM,
    "leaky",
    "1.0.0",
    "Broken on purpose: fini() does not free what init() allocated.",
    "MIT",
    NULL,
    leaky_init,
    copier_fini,
    NULL,
    copier_process,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(transform_leaky, leaky_plugin)
