/*
 * copy_transform.h - the correct transform the broken test transforms
 * start from: emits a copy of every record with "copied": true added and
 * rejects raw records.  Each broken transform includes it and changes one
 * thing.
 */
#ifndef TF_TESTS_COPY_TRANSFORM_H
#define TF_TESTS_COPY_TRANSFORM_H

#include <stdlib.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct copier {
  tf_ctx *ctx;
  const tf_host *host;
  void *extra; /* what a broken variant allocates */
} copier;

static inline int copier_init(tf_ctx *ctx, const tf_host *host,
                              const tf_config *cfg, void **state)
{
  copier *c = calloc(1, sizeof(*c));

  if (!c)
    return TF_ERR_NOMEM;
  c->ctx = ctx;
  c->host = host;
  *state = c;
  return TF_OK;
}

static inline void copier_fini(void *state)
{
  free(state);
}

/* The copy of one record, emitted; raw records are rejected. */
static inline int copier_one(copier *c, const tf_record *rec)
{
  json_t *obj = tf_record_copy_json(rec);
  tf_record *out;

  if (!obj)
    return tf_record_json(rec) ? TF_ERR_NOMEM
                               : c->host->reject(c->ctx, rec, "not_json",
                                                 "the record is not JSON");
  if (json_object_set_new(obj, "copied", json_true()) != 0) {
    json_decref(obj);
    return TF_ERR_NOMEM;
  }
  out = tf_record_derive(rec, obj);
  return out ? c->host->emit(c->ctx, out) : TF_ERR_NOMEM;
}

static inline int copier_process(void *state, tf_ctx *ctx,
                                 const tf_batch *batch)
{
  size_t i;
  int rc = TF_OK;

  for (i = 0; i < tf_batch_count(batch) && rc == TF_OK; i++)
    rc = copier_one(state, tf_batch_get(batch, i));
  return rc;
}

#endif
