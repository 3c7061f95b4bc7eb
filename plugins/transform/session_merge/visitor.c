/*
 * visitor.c - a visitor's waiting events: a sorted array consumed from
 * the front, compacted when it needs to grow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "visitor.h"

#define FIRST_CAPACITY 4
/* Room for a biz_uid of up to 47 bytes (a BizibleId has 32), so that a
 * visitor can be reused for the next one. */
#define BIZ_UID_ROOM 48

/* v's fields for biz_uid (which fits in its room), with nothing waiting. */
static void start(sm_visitor *v, const char *biz_uid, size_t len)
{
  memcpy(v->biz_uid, biz_uid, len);
  v->head = v->count = 0;
  v->session = NULL;
  v->due_ts = 0;
  v->due_rank = 0;
  v->heap_index = SIZE_MAX;
  v->ring = -1;
  v->ring_slot = 0;
}

sm_visitor *sm_visitor_new(const char *biz_uid)
{
  size_t len = strlen(biz_uid) + 1;
  size_t room = len > BIZ_UID_ROOM ? len : BIZ_UID_ROOM;
  /* One allocation: the visitor, then its biz_uid. */
  sm_visitor *v = calloc(1, sizeof(*v) + room);

  if (!v)
    return NULL;
  v->biz_uid = (char *)(v + 1);
  v->biz_uid_room = room;
  start(v, biz_uid, len);
  return v;
}

int sm_visitor_reuse(sm_visitor *v, const char *biz_uid)
{
  size_t len = strlen(biz_uid) + 1;

  if (len > v->biz_uid_room)
    return 0;
  start(v, biz_uid, len);
  return 1;
}

void sm_visitor_free(sm_visitor *v)
{
  size_t i;

  if (!v)
    return;
  for (i = v->head; i < v->count; i++)
    tf_record_unref(v->pending[i].rec);
  free(v->pending);
  sm_session_free(v->session);
  free(v);
}

/* Makes room for one more event at the end. */
static int make_room(sm_visitor *v)
{
  sm_event *grown;
  size_t cap;

  if (v->head > 0) {
    memmove(v->pending, v->pending + v->head,
            (v->count - v->head) * sizeof(*v->pending));
    v->count -= v->head;
    v->head = 0;
  }
  if (v->count < v->cap)
    return TF_OK;
  cap = v->cap ? v->cap * 2 : FIRST_CAPACITY;
  grown = realloc(v->pending, cap * sizeof(*grown));
  if (!grown)
    return TF_ERR_NOMEM;
  v->pending = grown;
  v->cap = cap;
  return TF_OK;
}

/* Index of the first waiting event that ev sorts before. */
static size_t insertion_point(const sm_visitor *v, const sm_event *ev)
{
  size_t lo = v->head, hi = v->count;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (sm_event_compare(&v->pending[mid], ev) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int sm_visitor_push(sm_visitor *v, const sm_event *ev)
{
  size_t at;

  if (v->count == v->cap && make_room(v) != TF_OK)
    return TF_ERR_NOMEM;
  at = insertion_point(v, ev);
  memmove(v->pending + at + 1, v->pending + at,
          (v->count - at) * sizeof(*v->pending));
  v->pending[at] = *ev;
  tf_record_ref(ev->rec);
  v->count++;
  return TF_OK;
}

const sm_event *sm_visitor_next(const sm_visitor *v)
{
  return v->head < v->count ? &v->pending[v->head] : NULL;
}

void sm_visitor_pop(sm_visitor *v, sm_event *ev)
{
  *ev = v->pending[v->head++];
  if (v->head == v->count)
    v->head = v->count = 0;
}

size_t sm_visitor_waiting(const sm_visitor *v)
{
  return v->count - v->head;
}
