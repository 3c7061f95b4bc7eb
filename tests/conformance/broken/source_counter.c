/*
 * source_counter.c - the correct source the broken ones are variants of;
 * conformance must pass it, so each variant fails for its one change.
 */
#include "counter_source.h"

static const tf_source_plugin counter_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "counter",
    .base.version = "1.0.0",
    .base.description =
        "Test source: {\"n\": 0}, {\"n\": 1}, ... (conformance control).",
    .base.license = "MIT",
    .base.options = counter_options,
    .base.init = counter_init,
    .base.fini = counter_fini,
    .produce = counter_produce,
    .position = counter_position,
    .seek = counter_seek,
    /* Nothing ties it to a thread: source_own_thread runs it on another. */
    .flags = TF_SOURCE_OWN_THREAD,
};

TF_SOURCE_PLUGIN(source_counter, counter_plugin)
