/*
 * transform_copy.c - the correct transform the broken ones are variants
 * of; conformance must pass it, so each variant fails for its one change.
 */
#include "copy_transform.h"

static const tf_plugin copy_plugin = {
    TF_PLUGIN_HEADER,
    TF_KIND_TRANSFORM,
    "copy",
    "1.0.0",
    "Test transform: copies records, adding \"copied\" (conformance "
    "control).",
    "MIT",
    NULL,
    copier_init,
    copier_fini,
    NULL,
    copier_process,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(transform_copy, copy_plugin)
