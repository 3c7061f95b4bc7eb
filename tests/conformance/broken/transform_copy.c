/*
 * transform_copy.c - the correct transform the broken ones are variants
 * of; conformance must pass it, so each variant fails for its one change.
 */
#include "copy_transform.h"

static const tf_transform_plugin copy_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "copy",
    .base.version = "1.0.0",
    .base.description =
        "Test transform: copies records, adding \"copied\" (conformance "
        "control).",
    .base.license = "MIT",
    .base.init = copier_init,
    .base.fini = copier_fini,
    .process = copier_process,
};

TF_TRANSFORM_PLUGIN(transform_copy, copy_plugin)
