/*
 * source_wrongabi.c - broken on purpose: a complete source built for ABI
 * major 2.  The loader refuses it; conformance must fail "descriptor".
 */
#include <touchflow/touchflow.h>

static int wrongabi_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                         void **state)
{
  *state = NULL;
  return TF_OK;
}

static void wrongabi_fini(void *state)
{
}

static int wrongabi_produce(void *state, tf_ctx *ctx, size_t max)
{
  return TF_DONE;
}

static const tf_plugin wrongabi_plugin = {
    .abi_major = TF_ABI_MAJOR + 1,
    .abi_minor = 0,
    .struct_size = sizeof(tf_plugin),
    .kind = TF_KIND_SOURCE,
    .name = "wrongabi",
    .version = "1.0.0",
    .description = "Broken on purpose: built for another ABI major.",
    .license = "MIT",
    .init = wrongabi_init,
    .fini = wrongabi_fini,
    .produce = wrongabi_produce,
};

TF_PLUGIN_DEFINE(source_wrongabi, wrongabi_plugin)
