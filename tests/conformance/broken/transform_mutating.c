/*
 * transform_mutating.c - broken on purpose: process() marks every input
 * record in place (casting away const) before passing it on.  Conformance
 * must fail "transform_input_unchanged" only.
 */
#include "copy_transform.h"
#include <touchflow/record_json.h>

static int mutating_process(void *state, tf_ctx *ctx, const tf_batch *batch)
{
  copier *c = state;
  size_t i;

  for (i = 0; i < tf_batch_count(batch); i++) {
    tf_record *rec = tf_batch_get(batch, i);
    json_t *obj = (json_t *)tf_record_json(rec);
    int rc;

    if (!obj) {
      rc = c->host->reject(ctx, rec, "not_json", "the record is not JSON");
      if (rc != TF_OK)
        return rc;
      continue;
    }
    json_object_set_new(obj, "seen", json_true());
    rc = c->host->emit(ctx, tf_record_ref(rec));
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

static const tf_transform_plugin mutating_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "mutating",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: changes its input records.",
    .base.license = "MIT",
    .base.init = copier_init,
    .base.fini = copier_fini,
    .process = mutating_process,
};

TF_TRANSFORM_PLUGIN(transform_mutating, mutating_plugin)
