/*
 * source_counter.c - the correct source the broken ones are variants of;
 * conformance must pass it, so each variant fails for its one change.
 */
#include "counter_source.h"

static const tf_plugin counter_plugin = {
    TF_PLUGIN_HEADER,
    .kind = TF_KIND_SOURCE,
    .name = "counter",
    .version = "1.0.0",
    .description =
        "Test source: {\"n\": 0}, {\"n\": 1}, ... (conformance control).",
    .license = "MIT",
    .options = counter_options,
    .init = counter_init,
    .fini = counter_fini,
    .produce = counter_produce,
    .position = counter_position,
    .seek = counter_seek,
};

TF_PLUGIN_DEFINE(source_counter, counter_plugin)
