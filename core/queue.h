/*
 * queue.h - a bounded FIFO of batches between stages.
 *
 * A batch sent to several consumers (fan-out) is shared: each queue entry
 * holds a reference to one tf__shared_batch, and the records inside are never
 * copied.  Capacity is counted in batches; the runner only lets a source
 * produce when every queue downstream of it has room, which bounds memory.
 */
#ifndef TF_CORE_QUEUE_H
#define TF_CORE_QUEUE_H

#include <stddef.h>
#include <touchflow/batch.h>

typedef struct tf__shared_batch {
  tf_batch *batch;
  unsigned refs;
} tf__shared_batch;

/* Wraps batch (stolen) with one reference.  NULL on ENOMEM (batch freed). */
tf__shared_batch *tf__shared_batch_new(tf_batch *batch);
void tf__shared_batch_unref(tf__shared_batch *sb);

typedef struct tf__queue {
  tf__shared_batch **items; /* ring buffer */
  size_t head, count, cap;
  size_t limit; /* the bound the runner respects before producing */
} tf__queue;

int tf__queue_init(tf__queue *q, size_t limit);
void tf__queue_cleanup(tf__queue *q); /* drops what is left */

/* Appends a reference to sb (taken here).  May exceed `limit`: the bound is
 * enforced by the runner before it produces, not by refusing records. */
int tf__queue_push(tf__queue *q, tf__shared_batch *sb);

/* Removes the oldest entry; the caller owns its reference. NULL if empty. */
tf__shared_batch *tf__queue_pop(tf__queue *q);

int tf__queue_has_room(const tf__queue *q);

/* 1 when nothing waits in the queue. */
int tf__queue_empty(const tf__queue *q);

#endif
