/*
 * dueq.h - the visitors ordered by what they wait for next.
 *
 * A binary min-heap of visitors keyed by (due_ts, due_rank, biz_uid): the
 * top is the visitor whose next step comes first in event time.  Taking
 * steps from the top, across all visitors, handles every event in one
 * global time order, which is what lets a chat without a BizibleId look up
 * the form fills made before it.  Each visitor records its heap index, so
 * a visitor whose key changed is moved in O(log n).
 */
#ifndef SM_DUEQ_H
#define SM_DUEQ_H

#include <stddef.h>
#include "visitor.h"

typedef struct sm_dueq {
  sm_visitor **items; /* owned array; the visitors are borrowed */
  size_t count;
  size_t cap;
} sm_dueq;

/* Puts v in the queue or, when it is already there, moves it to the place
 * of its current due key.  TF_OK or TF_ERR_NOMEM. */
int sm_dueq_set(sm_dueq *q, sm_visitor *v);

/* Takes v out of the queue (nothing when it is not queued). */
void sm_dueq_remove(sm_dueq *q, sm_visitor *v);

/* The visitor due first, or NULL when the queue is empty. */
sm_visitor *sm_dueq_top(const sm_dueq *q);

/* Frees the array (not the visitors). */
void sm_dueq_clear(sm_dueq *q);

#endif
