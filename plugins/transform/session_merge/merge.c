/*
 * merge.c - the engine's intake and scheduling: checks each event, sends
 * late ones back, spools hits, calls and chats until the watermark passes
 * them, then parks them with their visitor and takes visitors' steps in
 * global event-time order as far as the watermark allows (resolve.c
 * decides what each step yields).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "merge_internal.h"

/* The key of the visitor that holds chats without a BizibleId. */
#define NO_BIZIBLE_ID ""

static const char *const counter_names[SM_COUNTER_COUNT] = {
    "sessions",
    "web_visits",
    "web_forms",
    "post_conversion_forms",
    "web_chats",
    "chats_joined_by_email",
    "chats_without_session",
    "chats_disabled",
    "calls_merged",
    "calls_without_session",
    "crm_activities",
    "crm_campaigns",
    "persons",
    "late",
    "spilled_records"};

sm_merge *sm_merge_new(const sm_settings *settings)
{
  sm_merge *m = calloc(1, sizeof(*m));

  if (!m)
    return NULL;
  m->set = *settings;
  m->wm = INT64_MIN;
  m->visitors = sm_table_new();
  m->emails = sm_emails_new();
  m->spool = sm_spool_new(settings->memory_budget, settings->spill_dir);
  m->builder = tf_builder_new();
  if (!m->visitors || !m->emails || !m->spool || !m->builder) {
    sm_merge_free(m);
    return NULL;
  }
  return m;
}

void sm_merge_free(sm_merge *m)
{
  sm_visitor *v;

  if (!m)
    return;
  while (m->visitors && (v = sm_table_any(m->visitors)) != NULL) {
    sm_table_remove(m->visitors, v->biz_uid);
    sm_visitor_free(v);
  }
  sm_table_free(m->visitors);
  sm_emails_free(m->emails);
  sm_dueq_clear(&m->due);
  sm_spool_free(m->spool);
  sm_outbox_clear(&m->out);
  tf_builder_free(m->builder);
  free(m);
}

/* Computes what v waits for next: its session's end when that comes no
 * later than its next event, else its next event.  0 when v waits for
 * nothing (no session, no event). */
static int compute_due(const sm_merge *m, sm_visitor *v)
{
  const sm_event *next = sm_visitor_next(v);
  int64_t end;

  if (v->session) {
    end = sm_session_end(v->session, m->set.timeout);
    if (!next || end <= next->ts) {
      v->due_ts = end;
      v->due_rank = SM_RANK_CLOSE;
      return 1;
    }
  }
  if (!next)
    return 0;
  v->due_ts = next->ts;
  v->due_rank = (int)next->kind;
  return 1;
}

/* Requeues v after a change, or frees it when it holds nothing. */
static int refresh(sm_merge *m, sm_visitor *v)
{
  if (compute_due(m, v))
    return sm_dueq_set(&m->due, v);
  sm_dueq_remove(&m->due, v);
  sm_table_remove(m->visitors, v->biz_uid);
  sm_visitor_free(v);
  return TF_OK;
}

/* The visitor of biz_uid, created when new; NULL on ENOMEM. */
static sm_visitor *visitor_of(sm_merge *m, const char *biz_uid)
{
  sm_visitor *v = sm_table_get(m->visitors, biz_uid);

  if (v)
    return v;
  v = sm_visitor_new(biz_uid);
  if (v && sm_table_put(m->visitors, v->biz_uid, v) != TF_OK) {
    sm_visitor_free(v);
    return NULL;
  }
  return v;
}

/* Parks a hit, call or chat with its visitor. */
static int hold(sm_merge *m, const sm_event *ev)
{
  sm_visitor *v = visitor_of(m, ev->biz_uid ? ev->biz_uid : NO_BIZIBLE_ID);
  int pushed, requeued;

  if (!v)
    return TF_ERR_NOMEM;
  pushed = sm_visitor_push(v, ev);
  if (pushed == TF_OK)
    m->waiting++;
  requeued = refresh(m, v);
  return pushed != TF_OK ? pushed : requeued;
}

/* Fills why for an event older than the watermark, and warns once. */
static void explain_late(sm_merge *m, const sm_event *ev, sm_problem *why)
{
  char at[TF_TIME_ISO_LEN], mark[TF_TIME_ISO_LEN], message[512];

  tf_time_format_ms(ev->ts, at, sizeof(at));
  tf_time_format_ms(m->wm, mark, sizeof(mark));
  why->code = "late";
  snprintf(why->message, sizeof(why->message),
           "event time %s is before the watermark %s: an input promised "
           "that no event before it would follow, and its session may "
           "already be resolved",
           at, mark);
  m->counts[SM_N_LATE]++;
  if (m->late_warned || !m->set.warn)
    return;
  m->late_warned = 1;
  snprintf(message, sizeof(message),
           "an event of origin \"%.60s\" (%s) came after the input watermark "
           "had passed it (%s): a source declared sorted_by_time broke its "
           "promise, or an upstream plugin reports a wrong watermark; such "
           "events are dead-lettered as late (allowed_lateness gives an "
           "unreliable watermark a margin)",
           ev->origin, at, mark);
  m->set.warn(m->set.warn_ud, message);
}

/* Hits, calls and chats: late, or spooled until the watermark passes. */
static int take_timed(sm_merge *m, const sm_event *ev, sm_verdict *verdict,
                      sm_problem *why)
{
  if (ev->ts < m->wm) {
    explain_late(m, ev, why);
    *verdict = SM_REJECTED;
    return TF_OK;
  }
  *verdict = SM_HELD;
  return sm_spool_add(m->spool, ev->ts, ev->rec);
}

int sm_merge_add(sm_merge *m, tf_record *rec, sm_verdict *verdict,
                 sm_problem *why)
{
  sm_event ev;

  if (sm_event_read(rec, &ev, why) != 0) {
    *verdict = SM_REJECTED;
    return TF_OK;
  }
  switch (ev.kind) {
  case SM_PERSON:
    m->counts[SM_N_PERSONS]++;
    *verdict = SM_PASS;
    return TF_OK;
  case SM_CRM_ACTIVITY:
  case SM_CRM_CAMPAIGN: *verdict = SM_DONE; return sm_resolve_crm(m, &ev);
  case SM_CHAT:
    if (!m->set.chat_enabled) {
      m->counts[SM_N_CHATS_DISABLED]++;
      *verdict = SM_SKIPPED;
      return TF_OK;
    }
    break;
  case SM_HIT:
  case SM_CALL: break;
  }
  return take_timed(m, &ev, verdict, why);
}

/* Takes steps from the queue's top while its due time is before limit (or
 * always, with everything). */
static int run(sm_merge *m, int64_t limit, int everything)
{
  sm_visitor *v;
  int rc;

  while ((v = sm_dueq_top(&m->due)) != NULL &&
         (everything || v->due_ts < limit)) {
    rc = sm_resolve_step(m, v);
    if (rc == TF_OK)
      rc = refresh(m, v);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Parks one record taken from the spool with its visitor, after taking
 * every step due before its time: records leave the spool in time order,
 * so nothing later can change those steps, and resolving as they come
 * keeps memory to the open sessions even when the whole input was
 * spooled.  It was read as an event before it was spooled, so it reads
 * again. */
static int park(void *ud, tf_record *rec)
{
  sm_merge *m = ud;
  sm_event ev;
  sm_problem why;
  int rc;

  if (sm_event_read(rec, &ev, &why) != 0)
    return TF_ERR_INVAL;
  rc = run(m, ev.ts, 0);
  return rc == TF_OK ? hold(m, &ev) : rc;
}

int sm_merge_advance(sm_merge *m, int64_t wm)
{
  int64_t target =
      wm < INT64_MIN + m->set.lateness ? INT64_MIN : wm - m->set.lateness;
  int rc;

  if (target <= m->wm)
    return TF_OK;
  rc = sm_spool_take(m->spool, target, park, m);
  if (rc != TF_OK)
    return rc;
  m->wm = target;
  return run(m, target, 0);
}

/* How park() says that enough touchpoints wait in the outbox. */
#define SM_PAUSE 1

/* park(), pausing the take once max_ready touchpoints wait. */
static int park_some(void *ud, tf_record *rec)
{
  sm_merge *m = ud;
  int rc = park(m, rec);

  if (rc == TF_OK && m->max_ready && m->out.count >= m->max_ready)
    return SM_PAUSE;
  return rc;
}

int sm_merge_finish_some(sm_merge *m, size_t max_ready, int *done)
{
  int rc;

  *done = 0;
  m->max_ready = max_ready;
  rc = sm_spool_take(m->spool, INT64_MAX, park_some, m);
  m->max_ready = 0;
  if (rc == SM_PAUSE)
    return TF_OK;
  if (rc != TF_OK)
    return rc;
  *done = 1;
  return run(m, INT64_MAX, 1);
}

int sm_merge_finish(sm_merge *m)
{
  int done;

  return sm_merge_finish_some(m, 0, &done);
}

const char *sm_merge_error(const sm_merge *m)
{
  return sm_spool_error(m->spool);
}

int sm_merge_drain(sm_merge *m, sm_emit_fn emit, void *ud)
{
  return sm_outbox_drain(&m->out, emit, ud);
}

int64_t sm_merge_count(const sm_merge *m, sm_counter which)
{
  if (which == SM_N_SPILLED)
    return (int64_t)sm_spool_records_spilled(m->spool);
  return m->counts[which];
}

const char *sm_counter_name(sm_counter which)
{
  return counter_names[which];
}

size_t sm_merge_held(const sm_merge *m)
{
  return m->waiting + m->open_sessions + (size_t)sm_spool_count(m->spool);
}

size_t sm_merge_spool_bytes(const sm_merge *m)
{
  return sm_spool_bytes(m->spool);
}

int64_t sm_merge_watermark(const sm_merge *m)
{
  return m->wm;
}
