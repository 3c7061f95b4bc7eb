/*
 * source_badabi.c - broken test plugin: built for ABI major 99.
 */
#include <touchflow/touchflow.h>

static const tf_plugin badabi_plugin = {
    .abi_major = 99,
    .abi_minor = 0,
    .struct_size = sizeof(tf_plugin),
    .kind = TF_KIND_SOURCE,
    .name = "badabi",
    .version = "1.0.0",
    .description = "Broken on purpose: wrong ABI major.",
    .license = "MIT",
};

TF_PLUGIN_DEFINE(source_badabi, badabi_plugin)
