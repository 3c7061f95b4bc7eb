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

static const tf_source_plugin wrongabi_plugin = {
    .base.abi_major = TF_ABI_MAJOR + 1,
    .base.struct_size = sizeof(tf_source_plugin),
    .base.kind = TF_KIND_SOURCE,
    .base.name = "wrongabi",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: built for another ABI major.",
    .base.license = "MIT",
    .base.init = wrongabi_init,
    .base.fini = wrongabi_fini,
    .produce = wrongabi_produce,
};

TF_SOURCE_PLUGIN(source_wrongabi, wrongabi_plugin)
