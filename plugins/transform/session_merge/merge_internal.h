/*
 * merge_internal.h - the engine's state, shared by merge.c (intake and
 * scheduling) and resolve.c (the attribution rules applied to one
 * visitor's next step).
 */
#ifndef SM_MERGE_INTERNAL_H
#define SM_MERGE_INTERNAL_H

#include <touchflow/builder.h>
#include "dueq.h"
#include "emails.h"
#include "merge.h"
#include "outbox.h"
#include "table.h"
#include "spool.h"
#include "visitor.h"

/* The due rank of a session's end: before any event of the same time. */
#define SM_RANK_CLOSE (-1)

/* Visitors that held nothing any more and closed sessions, kept for the
 * next new ones (with their arrays): as many as a sorted input frees
 * between two advances. */
#define SM_SPARE_VISITORS 256
#define SM_SPARE_SESSIONS 256

struct sm_merge {
  sm_settings set;
  sm_table *visitors; /* biz_uid ("" for chats without one) -> sm_visitor,
                         owned */
  sm_dueq due;        /* every visitor with something due */
  sm_emails *emails;  /* form emails of open sessions */
  sm_spool *spool;    /* hits, calls and chats the watermark has not passed */
  int64_t wm;         /* events before it are resolved or late */
  int late_warned;    /* the late warning was logged */
  size_t max_ready;   /* sm_merge_finish_some's bound, 0 when none */
  sm_outbox out;
  tf_builder *builder; /* writes every touchpoint, one after the other */
  int64_t counts[SM_COUNTER_COUNT];
  size_t waiting; /* events held by all visitors (taken from the spool) */
  size_t open_sessions;
  sm_visitor *spare_visitors[SM_SPARE_VISITORS]; /* owned, holding nothing */
  size_t nspare_visitors;
  sm_session *spare_sessions[SM_SPARE_SESSIONS]; /* owned, released */
  size_t nspare_sessions;
};

/* Takes v's next step (due rank SM_RANK_CLOSE: close its session; else
 * handle its first waiting event).  TF_OK or TF_ERR_NOMEM. */
int sm_resolve_step(sm_merge *m, sm_visitor *v);

/* Closes v's open session: emails leave the index and, without a
 * conversion, a Web Visit is queued.  TF_OK or TF_ERR_NOMEM. */
int sm_resolve_close(sm_merge *m, sm_visitor *v);

/* Queues the touchpoint of a crm_activity or crm_campaign event. */
int sm_resolve_crm(sm_merge *m, const sm_event *ev);

#endif
