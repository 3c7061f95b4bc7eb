/*
 * outbox.h - touchpoints ready to leave, emitted in a deterministic order.
 *
 * What one process() or flush() call resolves is collected here, then
 * emitted sorted by date and touchpoint_id, so that the output never
 * depends on hash-table order or on which visitor was looked at first.
 */
#ifndef SM_OUTBOX_H
#define SM_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/record.h>
#include "touchpoint.h"

typedef struct sm_ready {
  int64_t ts;
  char id[SM_TP_ID_SIZE]; /* rec's touchpoint_id */
  tf_record *rec;         /* owned reference */
} sm_ready;

typedef struct sm_outbox {
  sm_ready *items;   /* owned */
  sm_ready *scratch; /* owned: the sort's, room for cap / 2 */
  size_t count;
  size_t cap;
  int unsorted; /* an item came before the one added ahead of it */
} sm_outbox;

/* Passes rec on; steals the reference.  TF_OK or a negative code. */
typedef int (*sm_emit_fn)(void *ud, tf_record *rec);

/* Adds a touchpoint dated ts whose touchpoint_id is id (copied: at most
 * SM_TP_ID_SIZE - 1 bytes); steals
 * rec (dropped on ENOMEM).  TF_OK or TF_ERR_NOMEM. */
int sm_outbox_add(sm_outbox *o, tf_record *rec, int64_t ts, const char *id);

/* Emits everything sorted by (ts, touchpoint_id) and empties the outbox.
 * On the first failing emit the rest is dropped and its code returned. */
int sm_outbox_drain(sm_outbox *o, sm_emit_fn emit, void *ud);

/* Drops every held reference and frees the array. */
void sm_outbox_clear(sm_outbox *o);

#endif
