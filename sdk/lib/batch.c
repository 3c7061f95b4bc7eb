/*
 * batch.c - a growable array of record references (batch.h).
 */
#include <stdlib.h>
#include <touchflow/batch.h>
#include <touchflow/error.h>

struct tf_batch {
  tf_record **records;
  size_t count;
  size_t capacity;
};

tf_batch *tf_batch_new(void)
{
  return calloc(1, sizeof(tf_batch));
}

size_t tf_batch_count(const tf_batch *batch)
{
  return batch ? batch->count : 0;
}

tf_record *tf_batch_get(const tf_batch *batch, size_t i)
{
  if (!batch || i >= batch->count)
    return NULL;
  return batch->records[i];
}

int tf_batch_push(tf_batch *batch, tf_record *rec)
{
  if (batch->count == batch->capacity) {
    size_t cap = batch->capacity ? batch->capacity * 2 : 64;
    tf_record **grown = realloc(batch->records, cap * sizeof(*grown));

    if (!grown) {
      tf_record_unref(rec);
      return TF_ERR_NOMEM;
    }
    batch->records = grown;
    batch->capacity = cap;
  }
  batch->records[batch->count++] = rec;
  return TF_OK;
}

void tf_batch_clear(tf_batch *batch)
{
  size_t i;

  if (!batch)
    return;
  for (i = 0; i < batch->count; i++)
    tf_record_unref(batch->records[i]);
  batch->count = 0;
}

void tf_batch_free(tf_batch *batch)
{
  if (!batch)
    return;
  tf_batch_clear(batch);
  free(batch->records);
  free(batch);
}
