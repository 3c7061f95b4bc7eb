/*
 * merge.h - the session_merge engine, without the plugin glue.
 *
 * Events go in one by one (sm_merge_add).  Hits, calls and chats wait (in
 * the spool, spool.h) until the watermark passes them; the watermark is
 * the host's input watermark minus allowed_lateness (sm_merge_advance).
 * Then they are handled in one global event-time order: hits build sessions,
 * form fills, calls and chats become conversion touchpoints, and a closed
 * session without a conversion becomes a Web Visit.  CRM events become
 * touchpoints at once (they join nothing); persons are only counted (the caller
 * passes them on).  Touchpoints collect in an outbox that sm_merge_drain
 * empties in (date, touchpoint_id) order.
 *
 * Memory: the spool's records (within memory_budget, the rest spilled to
 * disk), one small struct per open session and per event being resolved;
 * everything is freed as soon as it is resolved, but for up to
 * SM_SPARE_VISITORS emptied visitors and SM_SPARE_SESSIONS closed sessions
 * kept for reuse (merge_internal.h).
 */
#ifndef SM_MERGE_H
#define SM_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "event.h"
#include "outbox.h"
#include "rules.h"

typedef struct sm_settings {
  int64_t timeout;       /* session_timeout, ms (> 0) */
  int64_t lateness;      /* allowed_lateness, ms (>= 0) */
  size_t memory_budget;  /* bytes of waiting records before they spill */
  const char *spill_dir; /* borrowed; NULL or "": $TMPDIR, else /tmp */
  int chat_enabled;
  int emit_web_visits;
  const sm_rules *rules; /* borrowed; may be NULL */
  /* Hits, calls and chats dated after future_limit (epoch ms) are
   * rejected as ts_in_future; 0: no limit.  The plugin sets it to the
   * clock at init plus max_future (ms), which the message names. */
  int64_t future_limit;
  int64_t max_future;
  /* Called (when not NULL) with a one-line warning for the log. */
  void (*warn)(void *ud, const char *message);
  void *warn_ud;
} sm_settings;

/* What became of one record given to sm_merge_add. */
typedef enum sm_verdict {
  SM_HELD,    /* waits for the watermark */
  SM_DONE,    /* a CRM event: its touchpoint is in the outbox */
  SM_PASS,    /* a person: the caller passes the record on unchanged */
  SM_SKIPPED, /* a chat while chat_enabled is false (counted) */
  SM_REJECTED /* bad, late or in the future: the caller dead-letters it
                 (why says why) */
} sm_verdict;

/* The counters shown in the run summary. */
typedef enum sm_counter {
  SM_N_SESSIONS,
  SM_N_WEB_VISITS,
  SM_N_WEB_FORMS,
  SM_N_POST_CONVERSION_FORMS,
  SM_N_WEB_CHATS,
  SM_N_CHATS_JOINED_BY_EMAIL,
  SM_N_CHATS_WITHOUT_SESSION,
  SM_N_CHATS_DISABLED,
  SM_N_CALLS_MERGED,
  SM_N_CALLS_WITHOUT_SESSION,
  SM_N_CRM_ACTIVITIES,
  SM_N_CRM_CAMPAIGNS,
  SM_N_PERSONS,
  SM_N_LATE,
  SM_N_IN_FUTURE,
  SM_N_SPILLED, /* records written to spill files (the spool's total) */
  SM_COUNTER_COUNT
} sm_counter;

typedef struct sm_merge sm_merge;

/* A new engine (settings are copied; what they point to stays borrowed
 * and must outlive the engine).  NULL on ENOMEM. */
sm_merge *sm_merge_new(const sm_settings *settings);

/* Frees everything still held, resolved or not.  NULL-safe. */
void sm_merge_free(sm_merge *m);

/* Takes one record (borrowed; a held event takes its own reference).
 * Sets *verdict, and why when it is SM_REJECTED (an event before the
 * watermark is rejected as late).  Returns TF_OK, TF_ERR_NOMEM or
 * TF_ERR_IO (a spill file failed: sm_merge_error says why). */
int sm_merge_add(sm_merge *m, tf_record *rec, sm_verdict *verdict,
                 sm_problem *why);

/* The input watermark rose to wm: no event before it follows.  Moves the
 * watermark to wm - allowed_lateness (it never goes back) and resolves
 * everything before it.  TF_OK, TF_ERR_NOMEM or TF_ERR_IO. */
int sm_merge_advance(sm_merge *m, int64_t wm);

/* Resolves everything (end of input).  TF_OK, TF_ERR_NOMEM or TF_ERR_IO. */
int sm_merge_finish(sm_merge *m);

/* Resolves the end of input in parts: takes events from the spool until
 * max_ready touchpoints wait in the outbox (0: no bound), and sets *done
 * once everything is resolved.  Call sm_merge_drain and again until done,
 * so that the touchpoints of a large spilled input never wait all at
 * once.  TF_OK, TF_ERR_NOMEM or TF_ERR_IO. */
int sm_merge_finish_some(sm_merge *m, size_t max_ready, int *done);

/* The last spill-file error ("" when none). */
const char *sm_merge_error(const sm_merge *m);

/* Emits the resolved touchpoints (see outbox.h). */
int sm_merge_drain(sm_merge *m, sm_emit_fn emit, void *ud);

/* The counter's value, and its name in the run summary. */
int64_t sm_merge_count(const sm_merge *m, sm_counter which);
const char *sm_counter_name(sm_counter which);

/* Events waiting (in memory or spilled) plus open sessions. */
size_t sm_merge_held(const sm_merge *m);

/* Estimated bytes of the waiting records held in memory. */
size_t sm_merge_spool_bytes(const sm_merge *m);

/* Everything that changes later output, as JSON (README.md "State"):
 * the spool's records (memory and runs) with their order keys, every
 * visitor's waiting events and open session, the outbox, the watermark
 * and the counters.  *out is a new reference.  TF_OK, TF_ERR_NOMEM or
 * TF_ERR_IO (a run could not be read). */
int sm_merge_snapshot(sm_merge *m, json_t **out);

/* Puts a fresh engine (made with the same settings) in the state of snap
 * (borrowed).  TF_OK, or a negative code with err saying why. */
int sm_merge_restore(sm_merge *m, const json_t *snap, char *err, size_t errlen);

/* The current watermark (INT64_MIN until the first sm_merge_advance). */
int64_t sm_merge_watermark(const sm_merge *m);

#endif
