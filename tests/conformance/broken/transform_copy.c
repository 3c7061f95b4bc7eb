/*
 * transform_copy.c - the correct transform the broken ones are variants
 * of; conformance must pass it, so each variant fails for its one change.
 */
#include "copy_transform.h"

static const tf_plugin copy_plugin = {
    TF_PLUGIN_HEADER,
    .kind = TF_KIND_TRANSFORM,
    .name = "copy",
    .version = "1.0.0",
    .description =
        "Test transform: copies records, adding \"copied\" (conformance "
        "control).",
    .license = "MIT",
    .init = copier_init,
    .fini = copier_fini,
    .process = copier_process,
};

TF_PLUGIN_DEFINE(transform_copy, copy_plugin)
