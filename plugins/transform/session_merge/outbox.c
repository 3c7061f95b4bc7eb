/*
 * outbox.c - the resolved touchpoints of one call, sorted before they are
 * emitted.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "outbox.h"

#define FIRST_CAPACITY 64

int sm_outbox_add(sm_outbox *o, tf_record *rec, int64_t ts, const char *id)
{
  sm_ready *grown;
  size_t cap, n;

  if (o->count == o->cap) {
    cap = o->cap ? o->cap * 2 : FIRST_CAPACITY;
    grown = realloc(o->items, cap * sizeof(*grown));
    if (!grown) {
      tf_record_unref(rec);
      return TF_ERR_NOMEM;
    }
    o->items = grown;
    o->cap = cap;
  }
  o->items[o->count].ts = ts;
  n = strnlen(id, SM_TP_ID_SIZE - 1);
  memcpy(o->items[o->count].id, id, n);
  o->items[o->count].id[n] = '\0';
  o->items[o->count++].rec = rec;
  return TF_OK;
}

static int compare_ready(const void *pa, const void *pb)
{
  const sm_ready *a = pa, *b = pb;

  if (a->ts != b->ts)
    return a->ts < b->ts ? -1 : 1;
  return strcmp(a->id, b->id);
}

int sm_outbox_drain(sm_outbox *o, sm_emit_fn emit, void *ud)
{
  size_t i;
  int rc = TF_OK;

  if (o->count == 0)
    return TF_OK;
  qsort(o->items, o->count, sizeof(*o->items), compare_ready);
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
  memset(o, 0, sizeof(*o));
}
