/*
 * merge.c - the engine's intake and scheduling: checks each event, sends
 * late ones back, keeps the watermark, parks hits, calls and chats with
 * their visitor, and takes visitors' steps in global event-time order as
 * far as the watermark allows (resolve.c decides what each step yields).
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
    "late"};

/* Registers the origins the watermark waits for. */
static int expect_origins(sm_merge *m, const json_t *origins)
{
  const json_t *origin;
  size_t i;

  json_array_foreach (origins, i, origin) {
    if (json_is_string(origin) &&
        sm_watermark_expect(&m->wm, json_string_value(origin)) != TF_OK)
      return TF_ERR_NOMEM;
  }
  return TF_OK;
}

sm_merge *sm_merge_new(const sm_settings *settings)
{
  sm_merge *m = calloc(1, sizeof(*m));

  if (!m)
    return NULL;
  m->set = *settings;
  sm_watermark_init(&m->wm, settings->lateness);
  m->visitors = sm_table_new();
  m->emails = sm_emails_new();
  if (!m->visitors || !m->emails ||
      expect_origins(m, settings->wait_for_origins) != TF_OK) {
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
  sm_watermark_clear(&m->wm);
  sm_outbox_clear(&m->out);
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

/* Fills why for an event older than the watermark. */
static void explain_late(const sm_merge *m, const sm_event *ev, sm_problem *why)
{
  char at[TF_TIME_ISO_LEN], mark[TF_TIME_ISO_LEN];

  tf_time_format_ms(ev->ts, at, sizeof(at));
  tf_time_format_ms(sm_watermark_value(&m->wm), mark, sizeof(mark));
  why->code = "late";
  snprintf(why->message, sizeof(why->message),
           "event time %s is before the watermark %s (latest time seen "
           "minus allowed_lateness of %" PRId64
           " ms): its session may already be resolved",
           at, mark, m->set.lateness);
}

/* Warns, once per origin, that its events come late, with what to do:
 * when its very first event is late, the source was read after the others
 * had moved the watermark on; otherwise it is more out of order than
 * allowed_lateness. */
static void warn_late_origin(const sm_merge *m, const sm_event *ev,
                             int first_event)
{
  char at[TF_TIME_ISO_LEN], message[512];

  if (!m->set.warn)
    return;
  tf_time_format_ms(ev->ts, at, sizeof(at));
  if (first_event)
    snprintf(message, sizeof(message),
             "the first event of origin \"%.60s\" (%s) is behind the "
             "watermark, so its older events are late: list every origin in "
             "wait_for_origins, or raise allowed_lateness",
             ev->origin, at);
  else
    snprintf(message, sizeof(message),
             "events of origin \"%.60s\" arrive further out of time order "
             "than allowed_lateness (the first late one is of %s); they are "
             "dead-lettered as late: raise allowed_lateness",
             ev->origin, at);
  m->set.warn(m->set.warn_ud, message);
}

/* Hits, calls and chats: late, or held until the watermark passes.  Late
 * events still count for their stream, so that a stream that is behind
 * holds the watermark back until it catches up. */
static int take_timed(sm_merge *m, const sm_event *ev, sm_verdict *verdict,
                      sm_problem *why)
{
  int is_new = !sm_watermark_knows(&m->wm, ev->origin);
  int late = ev->ts < sm_watermark_value(&m->wm);
  int rc;

  if (late) {
    explain_late(m, ev, why);
    m->counts[SM_N_LATE]++;
  }
  rc = sm_watermark_note(&m->wm, ev->origin, ev->ts);
  if (rc != TF_OK)
    return rc;
  if (late && sm_watermark_first_late(&m->wm, ev->origin))
    warn_late_origin(m, ev, is_new);
  *verdict = late ? SM_REJECTED : SM_HELD;
  return late ? TF_OK : hold(m, ev);
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

int sm_merge_release(sm_merge *m)
{
  return run(m, sm_watermark_value(&m->wm), 0);
}

int sm_merge_finish(sm_merge *m)
{
  return run(m, INT64_MAX, 1);
}

int sm_merge_drain(sm_merge *m, sm_emit_fn emit, void *ud)
{
  return sm_outbox_drain(&m->out, emit, ud);
}

int64_t sm_merge_count(const sm_merge *m, sm_counter which)
{
  return m->counts[which];
}

const char *sm_counter_name(sm_counter which)
{
  return counter_names[which];
}

size_t sm_merge_held(const sm_merge *m)
{
  return m->waiting + m->open_sessions;
}

int64_t sm_merge_watermark(const sm_merge *m)
{
  return sm_watermark_value(&m->wm);
}
