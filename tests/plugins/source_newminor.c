/*
 * source_newminor.c - broken test plugin: claims an ABI minor newer than
 * the host's, as a plugin built against a future SDK would.
 */
#include <touchflow/touchflow.h>

static const tf_plugin newminor_plugin = {
    TF_ABI_MAJOR,
    TF_ABI_MINOR + 1,
    sizeof(tf_plugin),
    TF_KIND_SOURCE,
    "newminor",
    "1.0.0",
    "Broken on purpose: ABI minor from the future.",
    "MIT",
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(source_newminor, newminor_plugin)
