/*
 * outbox.c - the resolved touchpoints of one call, sorted before they are
 * emitted.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "outbox.h"
#include "sort.h"

#define FIRST_CAPACITY 64

/* The drain's order: date, then touchpoint_id. */
static int ready_before(const sm_ready *a, const sm_ready *b)
{
  if (a->ts != b->ts)
    return a->ts < b->ts;
  return strcmp(a->id, b->id) < 0;
}

SM_SORT_DEFINE(sort_ready, sm_ready, ready_before)

/* Grows items (and the sort's scratch) to hold one more.  TF_OK or
 * TF_ERR_NOMEM (then nothing changed). */
static int make_room(sm_outbox *o)
{
  size_t cap = o->cap ? o->cap * 2 : FIRST_CAPACITY;
  sm_ready *grown = realloc(o->scratch, cap / 2 * sizeof(*grown));

  if (!grown)
    return TF_ERR_NOMEM;
  o->scratch = grown;
  grown = realloc(o->items, cap * sizeof(*grown));
  if (!grown)
    return TF_ERR_NOMEM;
  o->items = grown;
  o->cap = cap;
  return TF_OK;
}

int sm_outbox_add(sm_outbox *o, tf_record *rec, int64_t ts, const char *id)
{
  sm_ready *it;
  size_t n;

  if (o->count == o->cap && make_room(o) != TF_OK) {
    tf_record_unref(rec);
    return TF_ERR_NOMEM;
  }
  it = &o->items[o->count];
  it->ts = ts;
  n = strnlen(id, SM_TP_ID_SIZE - 1);
  memcpy(it->id, id, n);
  it->id[n] = '\0';
  it->rec = rec;
  if (o->count > 0 && ready_before(it, it - 1))
    o->unsorted = 1;
  o->count++;
  return TF_OK;
}

int sm_outbox_drain(sm_outbox *o, sm_emit_fn emit, void *ud)
{
  size_t i;
  int rc = TF_OK;

  if (o->count == 0)
    return TF_OK;
  if (o->unsorted)
    sort_ready(o->items, o->count, o->scratch);
  o->unsorted = 0;
  for (i = 0; i < o->count; i++) {
    if (rc == TF_OK)
      rc = emit(ud, o->items[i].rec);
    else
      tf_record_unref(o->items[i].rec);
  }
  o->count = 0;
  return rc;
}

void sm_outbox_clear(sm_outbox *o)
{
  size_t i;

  for (i = 0; i < o->count; i++)
    tf_record_unref(o->items[i].rec);
  free(o->items);
  free(o->scratch);
  memset(o, 0, sizeof(*o));
}
