/*
 * touchflow/batch.h - a read-only run of records handed to a stage.
 *
 * The host moves records in batches.  A batch passed to a transform or a
 * sink is borrowed for the duration of the call: the plugin may read it and
 * take references to its records (tf_record_ref) but must not change it.
 * Plugins never create batches; they emit records one by one through the
 * host table (see host.h).
 */
#ifndef TOUCHFLOW_BATCH_H
#define TOUCHFLOW_BATCH_H

#include <stddef.h>
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_batch tf_batch;

/* Number of records in the batch. */
size_t tf_batch_count(const tf_batch *batch);

/* The i-th record (0-based), borrowed; NULL when i is out of range. */
tf_record *tf_batch_get(const tf_batch *batch, size_t i);

/* For hosts: the touchflow runner, the conformance suite and plugin tests. */

/* An empty batch; NULL on ENOMEM.  Free with tf_batch_free(). */
tf_batch *tf_batch_new(void);

/* Appends rec, stealing the caller's reference.  Returns TF_OK or
 * TF_ERR_NOMEM (then the reference is dropped). */
int tf_batch_push(tf_batch *batch, tf_record *rec);

/* Drops every record's reference and empties the batch (keeps capacity). */
void tf_batch_clear(tf_batch *batch);

/* Drops every record's reference and frees the batch.  NULL-safe. */
void tf_batch_free(tf_batch *batch);

#ifdef __cplusplus
}
#endif
#endif
