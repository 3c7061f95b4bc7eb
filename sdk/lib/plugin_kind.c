/*
 * plugin_kind.c - the names of the plugin kinds (plugin.h).
 */
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
