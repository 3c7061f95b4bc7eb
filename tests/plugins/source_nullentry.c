/*
 * source_nullentry.c - broken test plugin: the entry point returns NULL.
 */
#include <touchflow/touchflow.h>

const tf_plugin *source_nullentry_LTX_tf_plugin_entry(void);
const tf_plugin *source_nullentry_LTX_tf_plugin_entry(void)
{
  return NULL;
}
