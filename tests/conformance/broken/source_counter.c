/*
 * source_counter.c - the correct source the broken ones are variants of;
 * conformance must pass it, so each variant fails for its one change.
 */
#include "counter_source.h"

static const tf_plugin counter_plugin = {
    TF_PLUGIN_HEADER,
    TF_KIND_SOURCE,
    "counter",
    "1.0.0",
    "Test source: {\"n\": 0}, {\"n\": 1}, ... (conformance control).",
    "MIT",
    counter_options,
    counter_init,
    counter_fini,
    counter_produce,
    NULL,
    NULL,
    NULL,
    counter_position,
    counter_seek,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(source_counter, counter_plugin)
