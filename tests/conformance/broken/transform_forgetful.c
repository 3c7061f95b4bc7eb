/*
 * transform_forgetful.c - broken on purpose: counts the records it copies
 * and emits the count at flush(), but its snapshot() saves nothing, so a
 * restored instance counts only what came after the snapshot.
 * Conformance must fail "transform_snapshot_restore" only.
 */
#include "copy_transform.h"
#include <touchflow/record_json.h>

typedef struct forgetful {
  copier c; /* first: copier_process takes the state as a copier */
  int64_t seen;
} forgetful;

static int forgetful_init(tf_ctx *ctx, const tf_host *host,
                          const tf_config *cfg, void **state)
{
  forgetful *f = calloc(1, sizeof(*f));

  (void)cfg;
  if (!f)
    return TF_ERR_NOMEM;
  f->c.ctx = ctx;
  f->c.host = host;
  *state = f;
  return TF_OK;
}

static int forgetful_process(void *state, tf_ctx *ctx, const tf_batch *batch)
{
  forgetful *f = state;

  f->seen += (int64_t)tf_batch_count(batch);
  return copier_process(state, ctx, batch);
}

/* The count, once. */
static int forgetful_flush(void *state, tf_ctx *ctx)
{
  forgetful *f = state;
  tf_record *out;

  (void)ctx;
  if (f->seen < 0)
    return TF_OK;
  out = tf_record_new(json_pack("{s:I}", "count", (json_int_t)f->seen));
  f->seen = -1;
  return out ? f->c.host->emit(f->c.ctx, out) : TF_ERR_NOMEM;
}

static int forgetful_snapshot(void *state, json_t **snapshot)
{
  (void)state;
  *snapshot = json_object(); /* the defect: the count is not saved */
  return *snapshot ? TF_OK : TF_ERR_NOMEM;
}

static int forgetful_restore(void *state, const json_t *snapshot)
{
  (void)state;
  (void)snapshot;
  return TF_OK;
}

static const tf_transform_plugin forgetful_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "forgetful",
    .base.version = "1.0.0",
    .base.description = "Broken on purpose: its snapshot forgets its count.",
    .base.license = "MIT",
    .base.init = forgetful_init,
    .base.fini = copier_fini,
    .process = forgetful_process,
    .flush = forgetful_flush,
    .snapshot = forgetful_snapshot,
    .restore = forgetful_restore,
};

TF_TRANSFORM_PLUGIN(transform_forgetful, forgetful_plugin)
