/*
 * source_wrongname.c - broken test plugin: the file says "wrongname" but
 * the descriptor says "other".
 */
#include <stdlib.h>
#include <touchflow/touchflow.h>

static int wn_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                   void **state)
{
  *state = NULL;
  return TF_OK;
}

static void wn_fini(void *state)
{
  (void)state;
}

static int wn_produce(void *state, tf_ctx *ctx, size_t max)
{
  return TF_DONE;
}

static const tf_source_plugin wrongname_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "other",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: its name differs from its file's.",
    .base.license = "MIT",
    .base.init = wn_init,
    .base.fini = wn_fini,
    .produce = wn_produce,
};

TF_SOURCE_PLUGIN(source_wrongname, wrongname_plugin)
