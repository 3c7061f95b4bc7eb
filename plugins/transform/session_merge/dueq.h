/*
 * dueq.h - the visitors ordered by what they wait for next.
 *
 * A priority queue of visitors keyed by (due_ts, due_rank, biz_uid): the
 * top is the visitor whose next step comes first in event time.  Taking
 * steps from the top, across all visitors, handles every event in one
 * global time order, which is what lets a chat without a BizibleId look up
 * the form fills made before it.
 *
 * Three parts hold the visitors.  Most keys come in increasing order: a
 * session's end is its last hit's time plus the timeout, and events are
 * parked in time order, hits handled in time order.  So two FIFO rings take
 * them, one for the session ends (negative due_rank), one for the events:
 * a key greater in (due_ts, due_rank) than the last one appended to its
 * ring goes at the ring's end, in O(1), and leaves it from the front.  Any
 * other key goes into a binary min-heap.  The top is the earliest of the
 * heap's top and the rings' fronts.  Each visitor records where it is (its
 * heap index, or its ring and slot), so a visitor whose key changed is
 * moved in O(1) (ring) or O(log n) (heap); a visitor taken out of the
 * middle of a ring leaves an empty slot, skipped when it reaches the
 * front.
 */
#ifndef SM_DUEQ_H
#define SM_DUEQ_H

#include <stddef.h>
#include <stdint.h>
#include "visitor.h"

/* A ring slot: the key the visitor was appended with (kept when the slot
 * is emptied, v NULL, so that the ring stays sorted). */
typedef struct sm_dueq_slot {
  int64_t ts;
  int rank;
  sm_visitor *v; /* borrowed; NULL: emptied */
} sm_dueq_slot;

/* A FIFO ring of visitors whose keys increase from front to back. */
typedef struct sm_dueq_ring {
  sm_dueq_slot *slots; /* owned; cap (a power of two) slots */
  size_t cap;
  size_t head; /* slots [head, tail) are in use, counted from the start */
  size_t tail;
} sm_dueq_ring;

/* The ring of session ends (negative due_rank) and the ring of events. */
#define SM_DUEQ_RINGS 2

typedef struct sm_dueq {
  sm_visitor **items; /* owned heap array; the visitors are borrowed */
  size_t count;
  size_t cap;
  sm_dueq_ring rings[SM_DUEQ_RINGS];
} sm_dueq;

/* Puts v in the queue or, when it is already there, moves it to the place
 * of its current due key.  TF_OK or TF_ERR_NOMEM. */
int sm_dueq_set(sm_dueq *q, sm_visitor *v);

/* Takes v out of the queue (nothing when it is not queued). */
void sm_dueq_remove(sm_dueq *q, sm_visitor *v);

/* The visitor due first, or NULL when the queue is empty. */
sm_visitor *sm_dueq_top(const sm_dueq *q);

/* Every queued visitor once, in no particular order: start with *at 0;
 * NULL after the last. */
sm_visitor *sm_dueq_walk(const sm_dueq *q, size_t *at);

/* Frees the arrays (not the visitors). */
void sm_dueq_clear(sm_dueq *q);

#endif
