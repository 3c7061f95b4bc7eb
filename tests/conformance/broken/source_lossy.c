/*
 * source_lossy.c - broken on purpose: seek() resumes one record after the
 * reported position, so a resumed run loses a record.  Conformance must
 * fail "source_resume" only (seeking to the end still gives nothing).
 */
#include "counter_source.h"

static int lossy_seek(void *state, const json_t *pos)
{
  if (!json_is_integer(pos))
    return TF_ERR_INVAL;
  ((counter *)state)->next = json_integer_value(pos) + 1;
  return TF_OK;
}

static const tf_plugin lossy_plugin = {
    TF_PLUGIN_HEADER,
    TF_KIND_SOURCE,
    "lossy",
    "1.0.0",
    "Broken on purpose: resuming skips a record.",
    "MIT",
    counter_options,
    counter_init,
    counter_fini,
    counter_produce,
    NULL,
    NULL,
    NULL,
    counter_position,
    lossy_seek,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(source_lossy, lossy_plugin)
