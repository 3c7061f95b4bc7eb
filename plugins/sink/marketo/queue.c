/*
 * queue.c - pending groups and busy keys (see queue.h).  Owns the pending
 * groups until mkto_queue_take() hands them to a batch.
 */
#include <stdlib.h>
#include <touchflow/error.h>
#include "queue.h"

int mkto_queue_init(mkto_queue *queue)
{
  queue->head = queue->tail = NULL;
  queue->n_groups = 0;
  queue->n_merged = 0;
  queue->pending = mkto_strmap_new();
  queue->busy = mkto_strmap_new();
  if (!queue->pending || !queue->busy) {
    mkto_queue_clear(queue);
    return TF_ERR_NOMEM;
  }
  return TF_OK;
}

void mkto_queue_clear(mkto_queue *queue)
{
  while (queue->head) {
    mkto_group *next = queue->head->next;

    mkto_group_free(queue->head);
    queue->head = next;
  }
  queue->tail = NULL;
  queue->n_groups = 0;
  mkto_strmap_free(queue->pending);
  mkto_strmap_free(queue->busy);
  queue->pending = queue->busy = NULL;
}

int mkto_queue_add(mkto_queue *queue, char *key, json_t *fields, tf_record *rec)
{
  mkto_group *group = mkto_strmap_get(queue->pending, key);

  if (group) {
    free(key);
    queue->n_merged++;
    return mkto_group_merge(group, fields, rec);
  }
  group = mkto_group_new(key, fields, rec);
  if (!group)
    return TF_ERR_NOMEM;
  if (mkto_strmap_put(queue->pending, group->key, group) != TF_OK) {
    mkto_group_free(group);
    return TF_ERR_NOMEM;
  }
  if (queue->tail)
    queue->tail->next = group;
  else
    queue->head = group;
  queue->tail = group;
  queue->n_groups++;
  return TF_OK;
}

static int is_ready(const mkto_queue *queue, const mkto_group *group)
{
  return mkto_strmap_get(queue->busy, group->key) == NULL;
}

size_t mkto_queue_ready(const mkto_queue *queue, size_t max)
{
  const mkto_group *group;
  size_t n = 0;

  for (group = queue->head; group && n < max; group = group->next)
    n += is_ready(queue, group);
  return n;
}

static size_t json_bytes(const json_t *fields)
{
  return json_dumpb(fields, NULL, 0, JSON_COMPACT) + 16;
}

size_t mkto_queue_take(mkto_queue *queue, mkto_group **out, size_t max,
                       size_t max_bytes)
{
  mkto_group *prev = NULL, *group = queue->head;
  size_t n = 0, bytes = 0;

  while (group && n < max) {
    mkto_group *next = group->next;
    size_t size;

    if (!is_ready(queue, group)) {
      prev = group;
      group = next;
      continue;
    }
    size = json_bytes(group->fields);
    if (n > 0 && bytes + size > max_bytes)
      break;
    if (mkto_strmap_put(queue->busy, group->key, group) != TF_OK)
      break;
    bytes += size;
    mkto_strmap_remove(queue->pending, group->key);
    if (prev)
      prev->next = next;
    else
      queue->head = next;
    if (queue->tail == group)
      queue->tail = prev;
    group->next = NULL;
    queue->n_groups--;
    out[n++] = group;
    group = next;
  }
  return n;
}

void mkto_queue_release(mkto_queue *queue, const char *key)
{
  mkto_strmap_remove(queue->busy, key);
}
