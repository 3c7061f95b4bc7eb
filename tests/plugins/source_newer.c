/*
 * source_newer.c - test plugin built as a future SDK would build it: its
 * descriptor has a member appended after ABI 2.0, so its struct_size is
 * larger than this host's tf_source_plugin.  The host must load it and
 * ignore the member it does not know (plugin.h, "How the ABI grows").
 */
#include <touchflow/touchflow.h>

typedef struct future_source_plugin {
  tf_source_plugin v2;
  int (*appended_later)(void *state); /* a member this host does not know */
} future_source_plugin;

static int newer_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                      void **state)
{
  (void)ctx, (void)host, (void)cfg;
  *state = NULL;
  return TF_OK;
}

static void newer_fini(void *state)
{
  (void)state;
}

static int newer_produce(void *state, tf_ctx *ctx, size_t max)
{
  (void)state, (void)ctx, (void)max;
  return TF_DONE;
}

static int never_called(void *state)
{
  (void)state;
  return TF_ERR_PLUGIN;
}

static const future_source_plugin newer_plugin = {
    .v2.base.abi_major = TF_ABI_MAJOR,
    .v2.base.struct_size = sizeof(future_source_plugin),
    .v2.base.kind = TF_KIND_SOURCE,
    .v2.base.name = "newer",
    .v2.base.version = "1.0.0",
    .v2.base.description = "Built with a member appended after ABI 2.0.",
    .v2.base.license = "MIT",
    .v2.base.init = newer_init,
    .v2.base.fini = newer_fini,
    .v2.produce = newer_produce,
    .appended_later = never_called,
};

TF_SOURCE_PLUGIN(source_newer, newer_plugin.v2)
