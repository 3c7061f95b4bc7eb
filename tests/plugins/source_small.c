/*
 * source_small.c - broken test plugin: the right ABI major, but a
 * struct_size too small for a source descriptor (declared as the base
 * only, without the source's members).
 */
#include <touchflow/touchflow.h>

static int small_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                      void **state)
{
  (void)ctx, (void)host, (void)cfg;
  *state = NULL;
  return TF_OK;
}

static void small_fini(void *state)
{
  (void)state;
}

static const tf_plugin small_plugin = {
    .abi_major = TF_ABI_MAJOR,
    .struct_size = sizeof(tf_plugin),
    .kind = TF_KIND_SOURCE,
    .name = "small",
    .version = "1.0.0",
    .description = "Broken on purpose: only the base of a descriptor.",
    .license = "MIT",
    .init = small_init,
    .fini = small_fini,
};

const tf_plugin *source_small_LTX_tf_plugin_entry(void);
const tf_plugin *source_small_LTX_tf_plugin_entry(void)
{
  return &small_plugin;
}
