/*
 * source_badabi.c - broken test plugin: built for ABI major 99.
 */
#include <touchflow/touchflow.h>

static const tf_source_plugin badabi_plugin = {
    .base.abi_major = 99,
    .base.struct_size = sizeof(tf_source_plugin),
    .base.kind = TF_KIND_SOURCE,
    .base.name = "badabi",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: wrong ABI major.",
    .base.license = "MIT",
};

TF_SOURCE_PLUGIN(source_badabi, badabi_plugin)
