/*
 * dueq.c - a binary min-heap of visitors with their index kept in each
 * visitor, so any visitor can be moved or removed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "dueq.h"

#define FIRST_CAPACITY 64

/* 1 when a is due before b. */
static int before(const sm_visitor *a, const sm_visitor *b)
{
  if (a->due_ts != b->due_ts)
    return a->due_ts < b->due_ts;
  if (a->due_rank != b->due_rank)
    return a->due_rank < b->due_rank;
  return strcmp(a->biz_uid, b->biz_uid) < 0;
}

static void place(sm_dueq *q, size_t i, sm_visitor *v)
{
  q->items[i] = v;
  v->heap_index = i;
}

static void sift_up(sm_dueq *q, size_t i)
{
  sm_visitor *v = q->items[i];

  while (i > 0 && before(v, q->items[(i - 1) / 2])) {
    place(q, i, q->items[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  place(q, i, v);
}

static void sift_down(sm_dueq *q, size_t i)
{
  sm_visitor *v = q->items[i];

  for (;;) {
    size_t child = 2 * i + 1;

    if (child >= q->count)
      break;
    if (child + 1 < q->count && before(q->items[child + 1], q->items[child]))
      child++;
    if (!before(q->items[child], v))
      break;
    place(q, i, q->items[child]);
    i = child;
  }
  place(q, i, v);
}

static int grow(sm_dueq *q)
{
  size_t cap = q->cap ? q->cap * 2 : FIRST_CAPACITY;
  sm_visitor **items = realloc(q->items, cap * sizeof(*items));

  if (!items)
    return TF_ERR_NOMEM;
  q->items = items;
  q->cap = cap;
  return TF_OK;
}

int sm_dueq_set(sm_dueq *q, sm_visitor *v)
{
  size_t i = v->heap_index;

  if (i == SIZE_MAX) {
    if (q->count == q->cap && grow(q) != TF_OK)
      return TF_ERR_NOMEM;
    i = q->count++;
    place(q, i, v);
  }
  sift_up(q, i);
  sift_down(q, v->heap_index);
  return TF_OK;
}

void sm_dueq_remove(sm_dueq *q, sm_visitor *v)
{
  size_t i = v->heap_index;
  sm_visitor *last;

  if (i == SIZE_MAX)
    return;
  v->heap_index = SIZE_MAX;
  last = q->items[--q->count];
  if (i == q->count)
    return;
  place(q, i, last);
  sift_up(q, i);
  sift_down(q, last->heap_index);
}

sm_visitor *sm_dueq_top(const sm_dueq *q)
{
  return q->count ? q->items[0] : NULL;
}

void sm_dueq_clear(sm_dueq *q)
{
  free(q->items);
  memset(q, 0, sizeof(*q));
}
