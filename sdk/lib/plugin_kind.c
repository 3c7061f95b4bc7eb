/*
 * plugin_kind.c - the plugin kinds (plugin.h): their names, and the whole
 * descriptor behind a base.
 */
#include <stddef.h>
#include <touchflow/plugin.h>

const char *tf_plugin_kind_name(tf_plugin_kind kind)
{
  switch (kind) {
  case TF_KIND_SOURCE: return "source";
  case TF_KIND_TRANSFORM: return "transform";
  case TF_KIND_SINK: return "sink";
  }
  return "unknown";
}

/* The base is the first member of every kind's descriptor, so a pointer to
 * it is a pointer to the descriptor (C11 6.7.2.1p15). */
static int is_kind(const tf_plugin *p, tf_plugin_kind kind, size_t size)
{
  return p && p->kind == kind && p->struct_size >= size;
}

const tf_source_plugin *tf_plugin_source(const tf_plugin *p)
{
  /* stop, appended after 2.0, may be missing: TF_PLUGIN_HAS reads it. */
  return is_kind(p, TF_KIND_SOURCE, offsetof(tf_source_plugin, stop))
             ? (const tf_source_plugin *)p
             : NULL;
}

const tf_transform_plugin *tf_plugin_transform(const tf_plugin *p)
{
  return is_kind(p, TF_KIND_TRANSFORM, sizeof(tf_transform_plugin))
             ? (const tf_transform_plugin *)p
             : NULL;
}

const tf_sink_plugin *tf_plugin_sink(const tf_plugin *p)
{
  return is_kind(p, TF_KIND_SINK, TF_SINK_PLUGIN_SIZE_2_0)
             ? (const tf_sink_plugin *)p
             : NULL;
}
