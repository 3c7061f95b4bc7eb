/*
 * merge.c - the engine's intake and scheduling: checks each event, sends
 * late ones back, spools hits, calls and chats until the watermark passes
 * them, then parks them with their visitor and takes visitors' steps in
 * global event-time order as far as the watermark allows (resolve.c
 * decides what each step yields).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "channel.h"
#include "merge_internal.h"
#include "signals.h"

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
    "in_future",
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
  while (m->nspare_visitors > 0)
    sm_visitor_free(m->spare_visitors[--m->nspare_visitors]);
  while (m->nspare_sessions > 0)
    sm_session_free(m->spare_sessions[--m->nspare_sessions]);
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

/* Requeues v after a change, or forgets it when it holds nothing (kept
 * as a spare while there is room, else freed). */
static int refresh(sm_merge *m, sm_visitor *v)
{
  if (compute_due(m, v))
    return sm_dueq_set(&m->due, v);
  sm_dueq_remove(&m->due, v);
  sm_table_remove_hashed(m->visitors, v->biz_uid, v->key_hash);
  if (m->nspare_visitors < SM_SPARE_VISITORS)
    m->spare_visitors[m->nspare_visitors++] = v;
  else
    sm_visitor_free(v);
  return TF_OK;
}

/* A visitor of biz_uid holding nothing: a spare one when it fits, else a
 * new one.  NULL on ENOMEM. */
static sm_visitor *fresh_visitor(sm_merge *m, const char *biz_uid)
{
  sm_visitor *v;

  if (m->nspare_visitors > 0) {
    v = m->spare_visitors[--m->nspare_visitors];
    if (sm_visitor_reuse(v, biz_uid))
      return v;
    sm_visitor_free(v);
  }
  return sm_visitor_new(biz_uid);
}

/* The visitor of biz_uid, created when new; NULL on ENOMEM.  Its key is
 * hashed once: for the lookup, the entry and the removal. */
static sm_visitor *visitor_of(sm_merge *m, const char *biz_uid)
{
  uint64_t hash = sm_table_hash(biz_uid);
  sm_visitor *v = sm_table_get_hashed(m->visitors, biz_uid, hash);

  if (v)
    return v;
  v = fresh_visitor(m, biz_uid);
  if (!v)
    return NULL;
  v->key_hash = hash;
  if (sm_table_put_hashed(m->visitors, v->biz_uid, hash, v) != TF_OK) {
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
           "event time rule: event time %s is before the watermark %s: an "
           "input promised "
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

/* A duration in ms as the option would be written: 1d, 36h, 90m, 5s. */
static void format_duration(int64_t ms, char *out, size_t len)
{
  static const struct {
    int64_t ms;
    const char *unit;
  } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};

  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
    if (ms % units[i].ms == 0) {
      snprintf(out, len, "%lld%s", (long long)(ms / units[i].ms),
               units[i].unit);
      return;
    }
  snprintf(out, len, "%lldms", (long long)ms);
}

/* Fills why for an event dated after the future limit: no real visit,
 * call or chat has happened yet, and its touchpoint would be dated in the
 * future (a wrong clock on the device, a wrong field, a year 9999). */
static void explain_future(sm_merge *m, const sm_event *ev, sm_problem *why)
{
  char at[TF_TIME_ISO_LEN], start[TF_TIME_ISO_LEN], margin[24];

  tf_time_format(ev->ts - ev->ts % 1000, at, sizeof(at));
  tf_time_format(m->set.future_limit - m->set.max_future, start, sizeof(start));
  format_duration(m->set.max_future, margin, sizeof(margin));
  why->code = "ts_in_future";
  snprintf(why->message, sizeof(why->message),
           "event time rule: event time %s is more than max_future (%s) "
           "after the run's "
           "start (%s): it has not happened yet (a wrong clock or time "
           "field)",
           at, margin, start);
  m->counts[SM_N_IN_FUTURE]++;
}

/* Hits, calls and chats: in the future, late, or spooled until the
 * watermark passes. */
static int take_timed(sm_merge *m, const sm_event *ev, sm_verdict *verdict,
                      sm_problem *why)
{
  if (m->set.future_limit != 0 && ev->ts > m->set.future_limit) {
    explain_future(m, ev, why);
    *verdict = SM_REJECTED;
    return TF_OK;
  }
  if (ev->ts < m->wm) {
    explain_late(m, ev, why);
    *verdict = SM_REJECTED;
    return TF_OK;
  }
  *verdict = SM_HELD;
  return sm_spool_add(m->spool, ev->ts, ev->rec, ev);
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
 * spooled.  The spool gives back the event read when the record came
 * (kept): a record that went through a run file or a snapshot comes
 * without one and is read again. */
static int park(void *ud, tf_record *rec, const sm_event *kept)
{
  sm_merge *m = ud;
  sm_event ev;
  sm_problem why;
  int rc;

  if (!kept) {
    if (sm_event_read(rec, &ev, &why) != 0)
      return TF_ERR_INVAL;
    kept = &ev;
  }
  rc = run(m, kept->ts, 0);
  return rc == TF_OK ? hold(m, kept) : rc;
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
static int park_some(void *ud, tf_record *rec, const sm_event *kept)
{
  sm_merge *m = ud;
  int rc = park(m, rec, kept);

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

/* --- snapshot and restore ----------------------------------------------- */

#define SM_SNAPSHOT_VERSION 1

/* int64 values are written as strings: not every JSON reader keeps them. */
static json_t *i64_json(int64_t v)
{
  return json_sprintf("%" PRId64, v);
}

static int json_i64(const json_t *j, int64_t *out)
{
  const char *s = json_string_value(j);
  char *end;
  long long v;

  if (!s || !*s)
    return -1;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = (int64_t)v;
  return 0;
}

/* The record's JSON text as the spool writes it (see spool.c). */
static const char *text_of(const tf_record *rec, size_t *len)
{
  const char *text = tf_record_bytes(rec, len);

  if (text || !tf_record_has_json(rec))
    return text;
  return tf_value_raw(tf_record_root(rec), len);
}

/* {"json": text, "file": origin file or null, "line": n}, plus "ts" and
 * "seq" when with_key. */
static json_t *record_json(const tf_record *rec, int with_key, int64_t ts,
                           uint64_t seq)
{
  size_t len = 0;
  const char *text = text_of(rec, &len);
  tf_origin origin = tf_record_origin(rec);
  json_t *o = json_object();

  if (!o || !text ||
      json_object_set_new(o, "json", json_stringn(text, len)) != 0 ||
      json_object_set_new(o, "file",
                          origin.file ? json_string(origin.file)
                                      : json_null()) != 0 ||
      json_object_set_new(o, "line", json_integer(origin.line)) != 0 ||
      (with_key &&
       (json_object_set_new(o, "ts", i64_json(ts)) != 0 ||
        json_object_set_new(o, "seq", i64_json((int64_t)seq)) != 0))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The record a record_json() value describes (a new reference), or NULL
 * after filling err. */
static tf_record *record_of(const json_t *j, char *err, size_t errlen)
{
  const char *text = json_string_value(json_object_get(j, "json"));
  const json_t *file = json_object_get(j, "file");
  const json_t *line = json_object_get(j, "line");
  tf_origin origin;
  char why[256];
  tf_record *rec;

  if (!text || (file && !json_is_null(file) && !json_is_string(file)) ||
      !json_is_integer(line)) {
    snprintf(err, errlen, "a held record is not {json, file, line}");
    return NULL;
  }
  origin.file = json_string_value(file);
  origin.line = (long)json_integer_value(line);
  rec = tf_record_parse(text, json_string_length(json_object_get(j, "json")),
                        &origin, why, sizeof(why));
  if (!rec)
    snprintf(err, errlen, "a held record does not parse: %s", why);
  return rec;
}

typedef struct spool_dump {
  json_t *memory;
  json_t *runs;
} spool_dump;

static int dump_spooled(void *ud, long where, int64_t ts, uint64_t seq,
                        size_t bytes, const tf_record *rec)
{
  spool_dump *d = ud;
  json_t *to = d->memory, *j;

  if (where >= 0) {
    while (json_array_size(d->runs) <= (size_t)where)
      if (json_array_append_new(d->runs, json_array()) != 0)
        return TF_ERR_NOMEM;
    to = json_array_get(d->runs, (size_t)where);
  }
  j = record_json(rec, 1, ts, seq);
  if (j && where < 0 &&
      json_object_set_new(j, "cost", json_integer((json_int_t)bytes)) != 0) {
    json_decref(j);
    return TF_ERR_NOMEM;
  }
  return json_array_append_new(to, j) == 0 ? TF_OK : TF_ERR_NOMEM;
}

static json_t *session_json(const sm_session *s)
{
  json_t *o = json_object(), *emails = json_array();
  size_t i;

  if (!o || !emails)
    goto fail;
  for (i = 0; i < s->nemails; i++)
    if (json_array_append_new(
            emails, json_pack("{s:s, s:o}", "email", s->emails[i].email,
                              "last_ts", i64_json(s->emails[i].last_ts))) != 0)
      goto fail;
  if (json_object_set_new(o, "first", record_json(s->first, 0, 0, 0)) != 0 ||
      json_object_set_new(o, "last_ts", i64_json(s->last_ts)) != 0 ||
      json_object_set_new(o, "converted", json_boolean(s->converted)) != 0 ||
      json_object_set_new(o, "conversion_id",
                          s->conversion_id ? json_string(s->conversion_id)
                                           : json_null()) != 0 ||
      json_object_set_new(o, "emails", emails) != 0) {
    emails = NULL;
    goto fail;
  }
  return o;

fail:
  json_decref(emails);
  json_decref(o);
  return NULL;
}

static json_t *visitor_json(const sm_visitor *v)
{
  json_t *o = json_object(), *pending = json_array();
  size_t i;

  if (!o || !pending)
    goto fail;
  for (i = v->head; i < v->count; i++)
    if (json_array_append_new(pending,
                              record_json(v->pending[i].rec, 0, 0, 0)) != 0)
      goto fail;
  if (json_object_set_new(o, "biz_uid", json_string(v->biz_uid)) != 0 ||
      json_object_set_new(o, "pending", pending) != 0) {
    pending = NULL;
    goto fail;
  }
  if (v->session &&
      json_object_set_new(o, "session", session_json(v->session)) != 0)
    goto fail;
  return o;

fail:
  json_decref(pending);
  json_decref(o);
  return NULL;
}

int sm_merge_snapshot(sm_merge *m, json_t **out)
{
  json_t *snap = json_object(), *counts = json_object();
  json_t *visitors = json_array(), *outbox = json_array(), *spool;
  spool_dump d = {json_array(), json_array()};
  sm_visitor *v;
  size_t i;
  int rc = TF_ERR_NOMEM;

  *out = NULL;
  if (!snap || !counts || !visitors || !outbox || !d.memory || !d.runs)
    goto fail;
  for (i = 0; i < SM_COUNTER_COUNT; i++)
    if (i != SM_N_SPILLED && json_object_set_new(counts, counter_names[i],
                                                 i64_json(m->counts[i])) != 0)
      goto fail;
  for (i = 0; (v = sm_dueq_walk(&m->due, &i)) != NULL;)
    if (json_array_append_new(visitors, visitor_json(v)) != 0)
      goto fail;
  for (i = 0; i < m->out.count; i++)
    if (json_array_append_new(
            outbox,
            json_pack("{s:o, s:s, s:o}", "ts", i64_json(m->out.items[i].ts),
                      "id", m->out.items[i].id, "record",
                      record_json(m->out.items[i].rec, 0, 0, 0))) != 0)
      goto fail;
  rc = sm_spool_each(m->spool, dump_spooled, &d);
  if (rc != TF_OK)
    goto fail;
  rc = TF_ERR_NOMEM;
  spool =
      json_pack("{s:o, s:o, s:o, s:o, s:o}", "next_seq",
                i64_json((int64_t)sm_spool_next_seq(m->spool)), "runs_written",
                i64_json((int64_t)sm_spool_runs_written(m->spool)), "spilled",
                i64_json((int64_t)sm_spool_records_spilled(m->spool)), "memory",
                d.memory, "runs", d.runs);
  d.memory = d.runs = NULL;
  if (!spool)
    goto fail;
  if (json_object_set_new(snap, "version", json_integer(SM_SNAPSHOT_VERSION)) ||
      json_object_set_new(snap, "session_timeout", i64_json(m->set.timeout)) ||
      json_object_set_new(snap, "allowed_lateness",
                          i64_json(m->set.lateness)) ||
      json_object_set_new(snap, "watermark", i64_json(m->wm)) ||
      json_object_set_new(snap, "late_warned", json_boolean(m->late_warned)) ||
      json_object_set_new(snap, "counters", counts) ||
      json_object_set_new(snap, "spool", spool) ||
      json_object_set_new(snap, "visitors", visitors) ||
      json_object_set_new(snap, "outbox", outbox)) {
    counts = visitors = outbox = NULL;
    goto fail;
  }
  *out = snap;
  return TF_OK;

fail:
  json_decref(d.memory);
  json_decref(d.runs);
  json_decref(counts);
  json_decref(visitors);
  json_decref(outbox);
  json_decref(snap);
  return rc;
}

/* Restores the open session s_json of v: its first hit classified again
 * (the same rules give the same web fields), then what it learnt since. */
static int restore_session(sm_merge *m, sm_visitor *v, const json_t *sj,
                           char *err, size_t errlen)
{
  tf_record *first = record_of(json_object_get(sj, "first"), err, errlen);
  const json_t *conv = json_object_get(sj, "conversion_id");
  const json_t *emails = json_object_get(sj, "emails"), *e;
  sm_event hit;
  sm_problem why;
  sm_signals sig;
  sm_class cls;
  size_t i;
  int rc;

  if (!first)
    return TF_ERR_INVAL;
  if (sm_event_read(first, &hit, &why) != 0 || hit.kind != SM_HIT ||
      !json_is_array(emails) ||
      (conv && !json_is_null(conv) && !json_is_string(conv))) {
    snprintf(err, errlen, "an open session of \"%.60s\" does not read back",
             v->biz_uid);
    tf_record_unref(first);
    return TF_ERR_INVAL;
  }
  rc = sm_signals_read(hit.url, hit.referrer, &sig);
  if (rc == TF_OK) {
    sm_classify(m->set.rules, &sig, &cls);
    rc = sm_session_new(&hit, &cls, &v->session);
    sm_signals_clear(&sig);
  }
  tf_record_unref(first);
  if (rc != TF_OK)
    return rc;
  m->open_sessions++;
  if (json_i64(json_object_get(sj, "last_ts"), &v->session->last_ts) != 0) {
    snprintf(err, errlen, "an open session has no last_ts");
    return TF_ERR_INVAL;
  }
  v->session->converted = json_is_true(json_object_get(sj, "converted"));
  if (json_is_string(conv)) {
    v->session->conversion_id = strdup(json_string_value(conv));
    if (!v->session->conversion_id)
      return TF_ERR_NOMEM;
  }
  json_array_foreach (emails, i, e) {
    const char *email = json_string_value(json_object_get(e, "email"));
    int64_t ts;

    if (!email || json_i64(json_object_get(e, "last_ts"), &ts) != 0) {
      snprintf(err, errlen, "a session email does not read back");
      return TF_ERR_INVAL;
    }
    rc = sm_session_note_form(v->session, email, ts);
    if (rc == TF_OK)
      rc = sm_emails_add(m->emails, email, v);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

static int restore_visitor(sm_merge *m, const json_t *vj, char *err,
                           size_t errlen)
{
  const char *biz = json_string_value(json_object_get(vj, "biz_uid"));
  const json_t *pending = json_object_get(vj, "pending"), *pj;
  const json_t *sj = json_object_get(vj, "session");
  sm_visitor *v;
  size_t i;
  int rc = TF_OK;

  if (!biz || !json_is_array(pending) || sm_table_get(m->visitors, biz)) {
    snprintf(err, errlen, "a visitor does not read back");
    return TF_ERR_INVAL;
  }
  v = visitor_of(m, biz);
  if (!v)
    return TF_ERR_NOMEM;
  if (sj && !json_is_null(sj))
    rc = restore_session(m, v, sj, err, errlen);
  json_array_foreach (pending, i, pj) {
    tf_record *rec;
    sm_event ev;
    sm_problem why;

    if (rc != TF_OK)
      break;
    rec = record_of(pj, err, errlen);
    if (!rec) {
      rc = TF_ERR_INVAL;
      break;
    }
    if (sm_event_read(rec, &ev, &why) != 0) {
      snprintf(err, errlen, "a waiting event does not read back: %s",
               why.message);
      rc = TF_ERR_INVAL;
    } else {
      rc = sm_visitor_push(v, &ev);
      if (rc == TF_OK)
        m->waiting++;
    }
    tf_record_unref(rec);
  }
  /* Requeued (or freed) even after a failure, so that fini frees it. */
  if (rc == TF_OK)
    return refresh(m, v);
  refresh(m, v);
  return rc;
}

/* One spooled record {json, file, line, ts, seq}: its record and key. */
static tf_record *spooled_of(const json_t *j, int64_t *ts, uint64_t *seq,
                             char *err, size_t errlen)
{
  int64_t s;
  tf_record *rec;
  sm_event ev;
  sm_problem why;

  if (json_i64(json_object_get(j, "ts"), ts) != 0 ||
      json_i64(json_object_get(j, "seq"), &s) != 0 || s < 0) {
    snprintf(err, errlen, "a spooled record has no ts or seq");
    return NULL;
  }
  *seq = (uint64_t)s;
  rec = record_of(j, err, errlen);
  /* Read it as sm_merge_add did, so that it costs what it cost. */
  if (rec && sm_event_read(rec, &ev, &why) != 0) {
    snprintf(err, errlen, "a spooled record does not read back: %s",
             why.message);
    tf_record_unref(rec);
    return NULL;
  }
  return rec;
}

static int restore_spool(sm_merge *m, const json_t *sj, char *err,
                         size_t errlen)
{
  const json_t *memory = json_object_get(sj, "memory"), *runs, *run, *j;
  int64_t next_seq, runs_written, spilled, ts;
  uint64_t seq;
  size_t i, k;
  tf_record *rec;
  int rc = TF_OK;

  runs = json_object_get(sj, "runs");
  if (!json_is_array(memory) || !json_is_array(runs) ||
      json_i64(json_object_get(sj, "next_seq"), &next_seq) != 0 ||
      json_i64(json_object_get(sj, "runs_written"), &runs_written) != 0 ||
      json_i64(json_object_get(sj, "spilled"), &spilled) != 0) {
    snprintf(err, errlen, "the spool does not read back");
    return TF_ERR_INVAL;
  }
  json_array_foreach (memory, i, j) {
    json_int_t cost = json_integer_value(json_object_get(j, "cost"));

    rec = spooled_of(j, &ts, &seq, err, errlen);
    if (!rec)
      return TF_ERR_INVAL;
    rc = sm_spool_restore_memory(m->spool, ts, seq, cost > 0 ? (size_t)cost : 0,
                                 rec);
    tf_record_unref(rec);
    if (rc != TF_OK)
      return rc;
  }
  json_array_foreach (runs, k, run) {
    if (!json_is_array(run) || json_array_size(run) == 0)
      continue;
    rc = sm_spool_restore_run_begin(m->spool);
    json_array_foreach (run, i, j) {
      if (rc != TF_OK)
        break;
      rec = spooled_of(j, &ts, &seq, err, errlen);
      if (!rec) {
        rc = TF_ERR_INVAL;
        break;
      }
      rc = sm_spool_restore_run_add(m->spool, ts, seq, rec);
      tf_record_unref(rec);
    }
    if (rc == TF_OK)
      rc = sm_spool_restore_run_end(m->spool);
    if (rc != TF_OK)
      return rc;
  }
  sm_spool_restore_counters(m->spool, (uint64_t)next_seq,
                            (uint64_t)runs_written, (uint64_t)spilled);
  return TF_OK;
}

int sm_merge_restore(sm_merge *m, const json_t *snap, char *err, size_t errlen)
{
  const json_t *counts = json_object_get(snap, "counters");
  const json_t *visitors = json_object_get(snap, "visitors");
  const json_t *outbox = json_object_get(snap, "outbox"), *j;
  int64_t timeout, lateness, v64;
  size_t i;
  int rc;

  err[0] = '\0';
  if (!json_is_object(snap) || json_integer_value(json_object_get(
                                   snap, "version")) != SM_SNAPSHOT_VERSION) {
    snprintf(err, errlen, "not a session_merge snapshot of version %d",
             SM_SNAPSHOT_VERSION);
    return TF_ERR_INVAL;
  }
  if (json_i64(json_object_get(snap, "session_timeout"), &timeout) != 0 ||
      json_i64(json_object_get(snap, "allowed_lateness"), &lateness) != 0 ||
      timeout != m->set.timeout || lateness != m->set.lateness) {
    snprintf(err, errlen,
             "the snapshot was taken with another "
             "session_timeout or allowed_lateness");
    return TF_ERR_INVAL;
  }
  if (json_i64(json_object_get(snap, "watermark"), &m->wm) != 0 ||
      !json_is_object(counts) || !json_is_array(visitors) ||
      !json_is_array(outbox)) {
    snprintf(err, errlen,
             "the snapshot lacks its watermark, counters, "
             "visitors or outbox");
    return TF_ERR_INVAL;
  }
  m->late_warned = json_is_true(json_object_get(snap, "late_warned"));
  for (i = 0; i < SM_COUNTER_COUNT; i++)
    if (i != SM_N_SPILLED &&
        json_i64(json_object_get(counts, counter_names[i]), &v64) == 0)
      m->counts[i] = v64;
  rc = restore_spool(m, json_object_get(snap, "spool"), err, errlen);
  json_array_foreach (visitors, i, j) {
    if (rc != TF_OK)
      break;
    rc = restore_visitor(m, j, err, errlen);
  }
  json_array_foreach (outbox, i, j) {
    const char *id = json_string_value(json_object_get(j, "id"));
    tf_record *rec;

    if (rc != TF_OK)
      break;
    if (!id || json_i64(json_object_get(j, "ts"), &v64) != 0) {
      snprintf(err, errlen, "an outbox entry does not read back");
      return TF_ERR_INVAL;
    }
    rec = record_of(json_object_get(j, "record"), err, errlen);
    if (!rec)
      return TF_ERR_INVAL;
    rc = sm_outbox_add(&m->out, rec, v64, id);
  }
  if (rc != TF_OK && !err[0])
    snprintf(err, errlen, "%s",
             rc == TF_ERR_IO ? sm_merge_error(m) : "out of memory");
  return rc;
}
