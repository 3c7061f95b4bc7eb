/*
 * source_noentry.c - broken test plugin: a module without the
 * tf_plugin_entry entry point.
 */
int source_noentry_LTX_something_else(void);
int source_noentry_LTX_something_else(void)
{
  return 42;
}
