/*
 * source_badabi.c - broken test plugin: built for ABI major 99.
 */
#include <touchflow/touchflow.h>

static const tf_plugin badabi_plugin = {99,
                                        0,
                                        sizeof(tf_plugin),
                                        TF_KIND_SOURCE,
                                        "badabi",
                                        "1.0.0",
                                        "Broken on purpose: wrong ABI major.",
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

TF_PLUGIN_DEFINE(source_badabi, badabi_plugin)
