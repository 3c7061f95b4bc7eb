/*
 * dueq.c - FIFO rings for keys that come in increasing order and a binary
 * min-heap for the others, with each visitor's place kept in the visitor,
 * so any visitor can be moved or removed.
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

/* --- the heap ----------------------------------------------------------- */

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

static int heap_push(sm_dueq *q, sm_visitor *v)
{
  if (q->count == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : FIRST_CAPACITY;
    sm_visitor **items = realloc(q->items, cap * sizeof(*items));

    if (!items)
      return TF_ERR_NOMEM;
    q->items = items;
    q->cap = cap;
  }
  place(q, q->count++, v);
  sift_up(q, v->heap_index);
  return TF_OK;
}

static void heap_remove(sm_dueq *q, sm_visitor *v)
{
  size_t i = v->heap_index;
  sm_visitor *last = q->items[--q->count];

  v->heap_index = SIZE_MAX;
  if (i == q->count)
    return;
  place(q, i, last);
  sift_up(q, i);
  sift_down(q, last->heap_index);
}

/* --- the rings ---------------------------------------------------------- */

static sm_dueq_slot *slot(const sm_dueq_ring *r, size_t at)
{
  return &r->slots[at & (r->cap - 1)];
}

/* The ring v's key would go to: session ends and events apart. */
static int ring_of(const sm_visitor *v)
{
  return v->due_rank < 0 ? 0 : 1;
}

/* 1 when v's key may be appended to r: greater in (due_ts, due_rank) than
 * the last slot's (equal keys go to the heap, which orders them by
 * biz_uid). */
static int fits(const sm_dueq_ring *r, const sm_visitor *v)
{
  const sm_dueq_slot *last;

  if (r->head == r->tail)
    return 1;
  last = slot(r, r->tail - 1);
  return v->due_ts > last->ts ||
         (v->due_ts == last->ts && v->due_rank > last->rank);
}

/* Doubles r; the slots keep their positions counted from the start, so
 * the visitors' ring_slot stay right. */
static int ring_grow(sm_dueq_ring *r)
{
  size_t cap = r->cap ? r->cap * 2 : FIRST_CAPACITY, at;
  sm_dueq_slot *slots = malloc(cap * sizeof(*slots));

  if (!slots)
    return TF_ERR_NOMEM;
  for (at = r->head; at != r->tail; at++)
    slots[at & (cap - 1)] = *slot(r, at);
  free(r->slots);
  r->slots = slots;
  r->cap = cap;
  return TF_OK;
}

static int ring_push(sm_dueq *q, int which, sm_visitor *v)
{
  sm_dueq_ring *r = &q->rings[which];
  sm_dueq_slot *s;

  if (r->tail - r->head == r->cap && ring_grow(r) != TF_OK)
    return TF_ERR_NOMEM;
  s = slot(r, r->tail);
  s->ts = v->due_ts;
  s->rank = v->due_rank;
  s->v = v;
  v->ring = which;
  v->ring_slot = r->tail++;
  return TF_OK;
}

/* Empties v's slot, then drops the emptied slots at the front, so a
 * ring's front slot always holds a visitor (or the ring is empty). */
static void ring_remove(sm_dueq *q, sm_visitor *v)
{
  sm_dueq_ring *r = &q->rings[v->ring];

  slot(r, v->ring_slot)->v = NULL;
  v->ring = -1;
  while (r->head != r->tail && !slot(r, r->head)->v)
    r->head++;
}

/* --- the queue ---------------------------------------------------------- */

int sm_dueq_set(sm_dueq *q, sm_visitor *v)
{
  int which = ring_of(v);

  if (v->ring >= 0) {
    const sm_dueq_slot *s = slot(&q->rings[v->ring], v->ring_slot);

    if (s->ts == v->due_ts && s->rank == v->due_rank)
      return TF_OK;
    ring_remove(q, v);
  }
  if (v->heap_index != SIZE_MAX) {
    if (!fits(&q->rings[which], v)) {
      sift_up(q, v->heap_index);
      sift_down(q, v->heap_index);
      return TF_OK;
    }
    heap_remove(q, v);
  }
  if (fits(&q->rings[which], v))
    return ring_push(q, which, v);
  return heap_push(q, v);
}

void sm_dueq_remove(sm_dueq *q, sm_visitor *v)
{
  if (v->ring >= 0)
    ring_remove(q, v);
  else if (v->heap_index != SIZE_MAX)
    heap_remove(q, v);
}

/* The earlier of a and b; either may be NULL. */
static sm_visitor *earlier(sm_visitor *a, sm_visitor *b)
{
  if (!a || !b)
    return a ? a : b;
  return before(b, a) ? b : a;
}

sm_visitor *sm_dueq_top(const sm_dueq *q)
{
  sm_visitor *top = q->count ? q->items[0] : NULL;
  int i;

  for (i = 0; i < SM_DUEQ_RINGS; i++) {
    const sm_dueq_ring *r = &q->rings[i];

    if (r->head != r->tail)
      top = earlier(top, slot(r, r->head)->v);
  }
  return top;
}

sm_visitor *sm_dueq_walk(const sm_dueq *q, size_t *at)
{
  size_t skip = q->count;
  sm_visitor *v;
  int i;

  if (*at < q->count)
    return q->items[(*at)++];
  for (i = 0; i < SM_DUEQ_RINGS; i++) {
    const sm_dueq_ring *r = &q->rings[i];

    while (*at - skip < r->tail - r->head) {
      v = slot(r, r->head + (*at - skip))->v;
      (*at)++;
      if (v)
        return v;
    }
    skip += r->tail - r->head;
  }
  return NULL;
}

void sm_dueq_clear(sm_dueq *q)
{
  int i;

  free(q->items);
  for (i = 0; i < SM_DUEQ_RINGS; i++)
    free(q->rings[i].slots);
  memset(q, 0, sizeof(*q));
}
