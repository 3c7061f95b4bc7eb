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

static const tf_source_plugin lossy_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "lossy",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: resuming skips a record.",
    .base.license = "MIT",
    .base.options = counter_options,
    .base.init = counter_init,
    .base.fini = counter_fini,
    .produce = counter_produce,
    .position = counter_position,
    .seek = lossy_seek,
};

TF_SOURCE_PLUGIN(source_lossy, lossy_plugin)
