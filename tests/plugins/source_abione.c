/*
 * source_abione.c - broken test plugin: the first members of an ABI 1.1
 * descriptor (16-bit major 1, 16-bit minor 1, then struct_size), as a
 * plugin built with the old SDK returns them.  The host must refuse it and
 * name ABI 1.
 */
#include <stdint.h>
#include <touchflow/touchflow.h>

typedef struct abi1_header {
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t struct_size;
  tf_plugin_kind kind;
  const char *name;
} abi1_header;

static const abi1_header abione = {1, 1, 256, TF_KIND_SOURCE, "abione"};

const tf_plugin *source_abione_LTX_tf_plugin_entry(void);
const tf_plugin *source_abione_LTX_tf_plugin_entry(void)
{
  /* Only the version header is read before the ABI is known to match. */
  return (const tf_plugin *)(const void *)&abione;
}
