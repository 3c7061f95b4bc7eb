/*
 * visitor.h - one BizibleId's state: the events that wait for the
 * watermark, in the order they will be handled, and the open session.
 *
 * Chats that come without a BizibleId wait in a visitor of their own whose
 * biz_uid is "" (it never has a session).
 */
#ifndef SM_VISITOR_H
#define SM_VISITOR_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "session.h"

typedef struct sm_visitor {
  char *biz_uid;       /* allocated with the visitor (freed with it); "" for
                          chats without a BizibleId */
  size_t biz_uid_room; /* bytes allocated for biz_uid */
  uint64_t key_hash;   /* sm_table_hash(biz_uid), set by the engine */
  sm_event *pending;   /* owned; [head, count) wait, sorted by
                          sm_event_compare; each holds a record reference */
  size_t head;
  size_t count;
  size_t cap;
  sm_session *session; /* owned: the open session, or NULL */
  /* What the visitor waits for next (see merge.c), and its place in the
   * due queue (dueq.h): its index in the heap (SIZE_MAX: not there), or
   * its ring (-1: none) and slot in it. */
  int64_t due_ts;
  int due_rank;
  size_t heap_index;
  int ring;
  size_t ring_slot;
} sm_visitor;

/* A new visitor with nothing waiting; NULL on ENOMEM. */
sm_visitor *sm_visitor_new(const char *biz_uid);

/* Drops the waiting events' references and frees the session.  NULL-safe. */
void sm_visitor_free(sm_visitor *v);

/* Makes v, which holds nothing (no waiting event, no session), a new
 * visitor of biz_uid, keeping its allocations: its waiting events' array,
 * and its biz_uid's room when biz_uid fits in it.  0 when it does not fit
 * (v is then unchanged), else 1. */
int sm_visitor_reuse(sm_visitor *v, const char *biz_uid);

/* Adds ev in its place, taking a new reference to ev->rec.  TF_OK or
 * TF_ERR_NOMEM. */
int sm_visitor_push(sm_visitor *v, const sm_event *ev);

/* The first waiting event (borrowed), or NULL. */
const sm_event *sm_visitor_next(const sm_visitor *v);

/* Moves the first waiting event into *ev: the caller now owns its record
 * reference.  Only when sm_visitor_next is not NULL. */
void sm_visitor_pop(sm_visitor *v, sm_event *ev);

/* Number of waiting events. */
size_t sm_visitor_waiting(const sm_visitor *v);

#endif
