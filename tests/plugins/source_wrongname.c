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

static const tf_plugin wrongname_plugin = {
    TF_PLUGIN_HEADER,
    TF_KIND_SOURCE,
    "other",
    "1.0.0",
    "Broken on purpose: its name differs from its file's.",
    "MIT",
    NULL,
    wn_init,
    wn_fini,
    wn_produce,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(source_wrongname, wrongname_plugin)
