/*
 * queue.h - a bounded FIFO of batches between stages.
 *
 * A batch sent to several consumers (fan-out) is shared: each queue entry
 * holds a reference to one tf_shared_batch, and the records inside are never
 * copied.  Capacity is counted in batches; the runner only lets a source
 * produce when every queue downstream of it has room, which bounds memory.
 */
#ifndef TF_CORE_QUEUE_H
#define TF_CORE_QUEUE_H

#include <stddef.h>
#include <touchflow/batch.h>

typedef struct tf_shared_batch {
  tf_batch *batch;
  unsigned refs;
} tf_shared_batch;

/* Wraps batch (stolen) with one reference.  NULL on ENOMEM (batch freed). */
tf_shared_batch *tf_shared_batch_new(tf_batch *batch);
void tf_shared_batch_unref(tf_shared_batch *sb);

typedef struct tf_queue {
  tf_shared_batch **items; /* ring buffer */
  size_t head, count, cap;
  size_t limit; /* the bound the runner respects before producing */
} tf_queue;

int tf_queue_init(tf_queue *q, size_t limit);
void tf_queue_cleanup(tf_queue *q); /* drops what is left */

/* Appends a reference to sb (taken here).  May exceed `limit`: the bound is
 * enforced by the runner before it produces, not by refusing records. */
int tf_queue_push(tf_queue *q, tf_shared_batch *sb);

/* Removes the oldest entry; the caller owns its reference. NULL if empty. */
tf_shared_batch *tf_queue_pop(tf_queue *q);

int tf_queue_has_room(const tf_queue *q);

/* 1 when nothing waits in the queue. */
int tf_queue_empty(const tf_queue *q);

#endif
