/*
 * source_newminor.c - broken test plugin: claims an ABI minor newer than
 * the host's, as a plugin built against a future SDK would.
 */
#include <touchflow/touchflow.h>

static const tf_plugin newminor_plugin = {
    .abi_major = TF_ABI_MAJOR,
    .abi_minor = TF_ABI_MINOR + 1,
    .struct_size = sizeof(tf_plugin),
    .kind = TF_KIND_SOURCE,
    .name = "newminor",
    .version = "1.0.0",
    .description = "Broken on purpose: ABI minor from the future.",
    .license = "MIT",
};

TF_PLUGIN_DEFINE(source_newminor, newminor_plugin)
