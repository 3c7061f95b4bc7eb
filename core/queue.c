/*
 * queue.c - bounded FIFO of shared batches (queue.h).
 */
#include <stdlib.h>
#include <touchflow/error.h>

#include "queue.h"

tf__shared_batch *tf__shared_batch_new(tf_batch *batch)
{
  tf__shared_batch *sb = malloc(sizeof(*sb));

  if (!sb) {
    tf_batch_free(batch);
    return NULL;
  }
  sb->batch = batch;
  sb->refs = 1;
  return sb;
}

void tf__shared_batch_unref(tf__shared_batch *sb)
{
  if (!sb || --sb->refs > 0)
    return;
  tf_batch_free(sb->batch);
  free(sb);
}

int tf__queue_init(tf__queue *q, size_t limit)
{
  q->cap = limit < 4 ? 4 : limit;
  q->items = calloc(q->cap, sizeof(*q->items));
  q->head = q->count = 0;
  q->limit = limit;
  return q->items ? TF_OK : TF_ERR_NOMEM;
}

void tf__queue_cleanup(tf__queue *q)
{
  tf__shared_batch *sb;

  while ((sb = tf__queue_pop(q)) != NULL)
    tf__shared_batch_unref(sb);
  free(q->items);
  q->items = NULL;
}

static int queue_grow(tf__queue *q)
{
  size_t cap = q->cap * 2, i;
  tf__shared_batch **items = calloc(cap, sizeof(*items));

  if (!items)
    return TF_ERR_NOMEM;
  for (i = 0; i < q->count; i++)
    items[i] = q->items[(q->head + i) % q->cap];
  free(q->items);
  q->items = items;
  q->head = 0;
  q->cap = cap;
  return TF_OK;
}

int tf__queue_push(tf__queue *q, tf__shared_batch *sb)
{
  if (q->count == q->cap && queue_grow(q) < 0)
    return TF_ERR_NOMEM;
  sb->refs++;
  q->items[(q->head + q->count) % q->cap] = sb;
  q->count++;
  return TF_OK;
}

tf__shared_batch *tf__queue_pop(tf__queue *q)
{
  tf__shared_batch *sb;

  if (q->count == 0)
    return NULL;
  sb = q->items[q->head];
  q->head = (q->head + 1) % q->cap;
  q->count--;
  return sb;
}

int tf__queue_has_room(const tf__queue *q)
{
  return q->count < q->limit;
}

int tf__queue_empty(const tf__queue *q)
{
  return q->count == 0;
}
