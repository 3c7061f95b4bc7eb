/*
 * sink_nats.c - the `nats` sink: publishes records to a JetStream stream,
 * spread over partitions by a key field, for merge workers (the `nats`
 * source) to consume (docs/scale-out.md).
 *
 * Owns the stream's creation or check at init(), how a record becomes a
 * message (its JSON text unchanged as the body, its origin in headers, a
 * message id for JetStream's duplicate window), the bound on publishes in
 * flight, sending again what the server did not acknowledge, the commit
 * point (snapshot: every publish acknowledged), the watermark markers each
 * partition gets when the input watermark rises (advance(), at most every
 * watermark_every records or watermark_interval) and the end-of-input
 * marker each partition gets at flush().
 *
 * A marker W promises that no record published to the partition after it
 * has an event time before W, so it is published only once every record
 * before it is acknowledged (stored first), and never past a record held
 * for its route (published at the end: W stays at the earliest held time).
 *
 * Message ids: "PRODUCER-HASH-K", HASH the FNV-1a 64 of the record's
 * origin (file:line) and bytes, K how many records right before it had the
 * same HASH (a source making several equal records of one line).  A record
 * sent again (after a crash, a lost acknowledgement, an ingest run again
 * with other flags) carries the same id, and JetStream stores it once
 * within the stream's duplicate window.  A record without an origin gets
 * "PRODUCER-nN-HASH", N its ordinal in this sink's output (in the
 * snapshot): the runner is deterministic, so a run resumed or repeated
 * with the same flags numbers it the same.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/record_json.h> /* a record without text is dumped */
#include <touchflow/value.h>
#include "../../common/monotonic.h"
#include "tfnats.h"

typedef struct sink_nats {
  tf_ctx *ctx;
  const tf_host *host;
  tfnats_conn conn;
  const tf_config *cfg;
  const char *prefix;
  const char *producer;
  const char *key;
  const char *route; /* NULL: records without the key are not routed */
  const char *time_field;
  json_t *routes; /* route value -> partition, from records with a key */
  json_t *held;   /* records waiting for the end of input (array) */
  unsigned partitions;
  int64_t timeout_ms;
  int max_retries;
  uint64_t count;     /* records published: the next record's ordinal */
  uint64_t last_hash; /* the id hash of the last record with an origin */
  uint64_t repeat;    /* how many before it in a row had that hash */
  int flushed;

  /* Watermark markers: the earliest event time among held records
   * (TF_WATERMARK_END: none held; UNKNOWN: one without a time), the last
   * watermark published, records published since, and when (monotonic
   * ms). */
  int64_t held_min;
  int64_t wm_sent;
  uint64_t since_marks;
  int64_t marks_at;
  int64_t wm_every, wm_interval;

  /* Filled by libnats' thread (on_publish_error), drained by ours. */
  pthread_mutex_t mu;
  natsMsg **failed;
  size_t nfailed, capfailed;
  int lost; /* a failed message could not be kept: the commit must fail */
  char last_error[256];
} sink_nats;

static const char *const retention_values[] = {"limits", "interest",
                                               "workqueue", NULL};
static const char *const storage_values[] = {"file", "memory", NULL};

static const tf_option sink_nats_options[] = {
    TFNATS_OPTIONS,
    {"partition_key", TF_OPT_STRING, "biz_uid", 0, 0, 0, NULL,
     "The field (dotted path) whose value picks a record's partition: "
     "FNV-1a 32 of its text modulo partitions, the same on every machine. "
     "A record without it: see route_by."},
    {"route_by", TF_OPT_STRING, "email", 0, 0, 0, NULL,
     "A record without partition_key goes to the partition of the first "
     "record with the key that had the same value in this field (a chat "
     "without BizibleId joins the session of the visitor who gave its "
     "email). Such records wait for the end of input, so every record "
     "with the key was seen first. \"\": no routing, to partition "
     "fnv1a32(\"\") mod partitions."},
    {"producer", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "This ingest's name in message ids and end-of-input markers. Unset: "
     "the stage id. Give each ingest pipeline writing one stream its own."},
    {"time_field", TF_OPT_STRING, "ts_ms", 0, 0, 0, NULL,
     "The field (dotted path) with a record's event time in epoch "
     "milliseconds: a watermark published never passes a record held for "
     "its route (route_by)."},
    {"watermark_every", TF_OPT_INT, "10000", TF_OPT_RANGE, 0, 1000000000, NULL,
     "When the input watermark rises (sources that declare their order, "
     "docs/event-time.md), publish it on every partition once this many "
     "records were published since the last markers, or watermark_interval "
     "passed. Markers cost one message per partition and a wait for every "
     "publish in flight. 0: none mid-stream (the end of input always)."},
    {"watermark_interval", TF_OPT_DURATION, "1s", TF_OPT_RANGE, 0, 3600000,
     NULL,
     "Publish a risen watermark when this long passed since the last "
     "markers, however few records came (0: only by watermark_every)."},
    {"max_in_flight", TF_OPT_INT, "4096", TF_OPT_RANGE, 1, 1000000, NULL,
     "Publishes sent and not yet acknowledged at most; write() waits when "
     "there are that many (flow control: memory stays bounded when the "
     "server is slow)."},
    {"max_retries", TF_OPT_INT, "8", TF_OPT_RANGE, 0, 1000, NULL,
     "How often a publish the server did not acknowledge is sent again "
     "(with doubling waits from reconnect_wait) before the run fails."},
    {"retention", TF_OPT_ENUM, "limits", 0, 0, 0, retention_values,
     "When creating the stream: limits (kept until deleted), interest or "
     "workqueue (removed once the merge workers acknowledge them)."},
    {"storage", TF_OPT_ENUM, "file", 0, 0, 0, storage_values,
     "When creating the stream: file (survives a server restart) or "
     "memory."},
    {"replicas", TF_OPT_INT, "1", TF_OPT_RANGE, 1, 5, NULL,
     "When creating the stream: copies kept in a NATS cluster."},
    {"duplicate_window", TF_OPT_DURATION, "10m", TF_OPT_RANGE, 1000,
     604800000.0, NULL,
     "When creating the stream: how long JetStream remembers message ids, "
     "so a batch sent again (after a crash or a lost acknowledgement) within "
     "it is stored once."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int sink_nats_check(const tf_config *cfg, tf_problem_fn problem,
                           void *ud)
{
  int rc = tfnats_check(cfg, problem, ud);
  const char *key = tf_config_string(cfg, "partition_key");
  const char *producer = tf_config_string(cfg, "producer");

  if (!*key) {
    tf_problemf(problem, ud, "partition_key", "must name a field");
    rc = TF_ERR_CONFIG;
  }
  if (producer && (!*producer || strpbrk(producer, " \t\r\n"))) {
    tf_problemf(problem, ud, "producer", "must be a word without spaces");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* --- Publishing ------------------------------------------------------- */

/* libnats' thread: a publish failed (no acknowledgement in time, the
 * server refused it, the connection broke).  Keep the message (it holds
 * its id) to send again from write() or the commit. */
static void on_publish_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
  sink_nats *s = closure;

  pthread_mutex_lock(&s->mu);
  snprintf(s->last_error, sizeof(s->last_error), "%s%s%s",
           natsStatus_GetText(pae->Err), pae->ErrText ? ": " : "",
           pae->ErrText ? pae->ErrText : "");
  if (s->nfailed == s->capfailed) {
    size_t cap = s->capfailed ? s->capfailed * 2 : 64;
    natsMsg **v = realloc(s->failed, cap * sizeof(*v));

    if (!v) {
      s->lost = 1;
      pthread_mutex_unlock(&s->mu);
      return;
    }
    s->failed = v;
    s->capfailed = cap;
  }
  s->failed[s->nfailed++] = pae->Msg;
  pae->Msg = NULL; /* ours now: libnats does not destroy it */
  pthread_mutex_unlock(&s->mu);
}

static void sleep_ms(int64_t ms)
{
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* Publishes m (stolen) asynchronously, waiting while max_in_flight are
 * pending.  TF_OK or TF_ERR_IO (logged). */
static int publish(sink_nats *s, natsMsg *m)
{
  jsPubOptions po;
  natsStatus st;
  int64_t wait = tf_config_int(s->cfg, "reconnect_wait");

  jsPubOptions_Init(&po);
  po.MaxWait = s->timeout_ms;
  for (int attempt = 0;; attempt++) {
    st = js_PublishMsgAsync(s->conn.js, &m, &po);
    if (st == NATS_OK)
      return TF_OK;
    if (attempt >= s->max_retries)
      break;
    /* Stalled (max_in_flight pending past request_timeout) or the
     * connection is down and reconnecting: wait and try again. */
    sleep_ms(wait);
    if (wait < 8000)
      wait *= 2;
  }
  natsMsg_Destroy(m);
  s->host->log(s->ctx, TF_LOG_ERROR, "cannot publish to NATS at %s: %s",
               s->conn.url, natsStatus_GetText(st));
  return TF_ERR_IO;
}

/* Sends again what failed; returns how many were sent, or -1. */
static int resend_failed(sink_nats *s)
{
  natsMsg **v;
  size_t n;

  pthread_mutex_lock(&s->mu);
  v = s->failed;
  n = s->nfailed;
  s->failed = NULL;
  s->nfailed = s->capfailed = 0;
  pthread_mutex_unlock(&s->mu);
  for (size_t i = 0; i < n; i++)
    if (publish(s, v[i]) != TF_OK) {
      for (size_t j = i + 1; j < n; j++)
        natsMsg_Destroy(v[j]);
      free(v);
      return -1;
    }
  free(v);
  return (int)n;
}

/* The commit point: every publish so far acknowledged by the stream. */
static int commit(sink_nats *s)
{
  jsPubOptions po;
  int64_t wait = tf_config_int(s->cfg, "reconnect_wait");

  jsPubOptions_Init(&po);
  po.MaxWait = s->timeout_ms;
  for (int attempt = 0;; attempt++) {
    natsStatus st;
    int resent = resend_failed(s);
    int pending;

    if (resent < 0)
      return TF_ERR_IO;
    st = js_PublishAsyncComplete(s->conn.js, &po);
    pthread_mutex_lock(&s->mu);
    pending = s->nfailed > 0;
    if (s->lost) {
      pthread_mutex_unlock(&s->mu);
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "out of memory keeping a failed publish to send again");
      return TF_ERR_NOMEM;
    }
    pthread_mutex_unlock(&s->mu);
    if (st == NATS_OK && !pending)
      return TF_OK;
    if (attempt >= s->max_retries) {
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "NATS at %s did not acknowledge every record after %d "
                   "attempts: %s",
                   s->conn.url, attempt + 1,
                   pending ? s->last_error : natsStatus_GetText(st));
      return TF_ERR_IO;
    }
    s->host->metric(s->ctx, "publish_retries", 1);
    sleep_ms(wait);
    if (wait < 8000)
      wait *= 2;
  }
}

/* A message: body the record's JSON text, headers its origin and id. */
static natsStatus make_message(sink_nats *s, const char *bytes, size_t len,
                               const char *file, long line_no, unsigned p,
                               natsMsg **out)
{
  char subject[512], id[TFNATS_ID_MAX], line[32];
  natsStatus st;

  if (tfnats_subject(subject, sizeof(subject), s->prefix, p) != 0)
    return NATS_INVALID_ARG;
  tfnats_msg_id(id, sizeof(id), s->producer, file, line_no, bytes, len,
                s->count, &s->last_hash, &s->repeat);
  snprintf(line, sizeof(line), "%ld", line_no);
  st = natsMsg_Create(out, subject, NULL, bytes, (int)len); /* copies */
  if (st == NATS_OK)
    st = natsMsgHeader_Set(*out, "Nats-Msg-Id", id);
  if (st == NATS_OK)
    st = natsMsgHeader_Set(*out, TFNATS_H_KIND, TFNATS_KIND_RECORD);
  if (st == NATS_OK && file)
    st = natsMsgHeader_Set(*out, TFNATS_H_FILE, file);
  if (st == NATS_OK && line_no > 0)
    st = natsMsgHeader_Set(*out, TFNATS_H_LINE, line);
  if (st != NATS_OK) {
    natsMsg_Destroy(*out);
    *out = NULL;
  }
  return st;
}

/* Publishes one record's text to partition p; counts it.  TF_OK or an
 * error (logged). */
static int publish_record(sink_nats *s, const char *bytes, size_t len,
                          const char *file, long line, unsigned p)
{
  natsMsg *m = NULL;
  natsStatus st = make_message(s, bytes, len, file, line, p, &m);

  if (st != NATS_OK) {
    s->host->log(s->ctx, TF_LOG_ERROR, "cannot make a message: %s",
                 natsStatus_GetText(st));
    return TF_ERR_NOMEM;
  }
  if (publish(s, m) != TF_OK)
    return TF_ERR_IO;
  s->count++;
  s->since_marks++;
  s->host->metric(s->ctx, "published", 1);
  return TF_OK;
}

/* The text of a string field (or the raw JSON of another value); NULL
 * when absent or null. */
static const char *field_text(const tf_record *rec, const char *path,
                              size_t *len)
{
  const tf_value *v = tf_record_value_path(rec, path);
  tf_type t = tf_value_type(v);

  *len = 0;
  if (!v || t == TF_TYPE_NULL || t == TF_TYPE_INVALID)
    return NULL;
  return t == TF_TYPE_STRING ? tf_value_string(v, len) : tf_value_raw(v, len);
}

/* A held record's event time lowers held_min (UNKNOWN without one). */
static void note_held_time(sink_nats *s, const json_t *ts)
{
  int64_t t = json_is_integer(ts) ? (int64_t)json_integer_value(ts)
                                  : TF_WATERMARK_UNKNOWN;

  if (t < s->held_min)
    s->held_min = t;
}

/* A record without the key waits for the end of input when its route
 * field (an email) was not seen yet on a record with the key. */
static int hold(sink_nats *s, const tf_record *rec, const char *bytes,
                size_t len, const char *route, size_t rlen)
{
  tf_origin o = tf_record_origin(rec);
  int64_t ts;
  json_t *h =
      json_pack("{s:s%,s:s?,s:I,s:s%}", "text", bytes, len, "file", o.file,
                "line", (json_int_t)o.line, "route", route, rlen);

  if (h &&
      tf_value_int64(tf_record_value_path(rec, s->time_field), &ts) == TF_OK &&
      json_object_set_new(h, "ts", json_integer(ts)) != 0) {
    json_decref(h);
    h = NULL;
  }
  if (!h || json_array_append_new(s->held, h) != 0)
    return TF_ERR_NOMEM;
  note_held_time(s, json_object_get(h, "ts"));
  s->host->metric(s->ctx, "held_for_route", 1);
  return TF_OK;
}

/* The partition of a record, from its key, else from its route field's
 * partition remembered; -1: hold it. */
static int partition_of(sink_nats *s, const tf_record *rec)
{
  size_t klen, rlen;
  const char *key = field_text(rec, s->key, &klen);
  const char *route = s->route ? field_text(rec, s->route, &rlen) : NULL;
  char buf[1024];
  unsigned p;

  if (key) {
    p = tfnats_partition(key, klen, s->partitions);
    if (route && rlen < sizeof(buf)) {
      memcpy(buf, route, rlen);
      buf[rlen] = '\0';
      if (!json_object_get(s->routes, buf))
        json_object_set_new(s->routes, buf, json_integer(p));
    }
    return (int)p;
  }
  if (route && rlen < sizeof(buf)) {
    const json_t *known;

    memcpy(buf, route, rlen);
    buf[rlen] = '\0';
    known = json_object_get(s->routes, buf);
    return known ? (int)json_integer_value(known) : -1;
  }
  return (int)tfnats_partition("", 0, s->partitions);
}

static tf_sink_result sink_nats_write(void *state, tf_ctx *ctx,
                                      const tf_batch *batch)
{
  sink_nats *s = state;
  size_t n = tf_batch_count(batch);

  if (resend_failed(s) < 0)
    return TF_SINK_ERROR;
  for (size_t i = 0; i < n; i++) {
    const tf_record *rec = tf_batch_get(batch, i);
    size_t len = 0, rlen = 0;
    const char *bytes;
    char *dumped = NULL; /* a record made from a json_t has no text yet */
    tf_origin o = tf_record_origin(rec);
    int p, rc;

    if (!tf_record_has_json(rec)) {
      if (s->host->reject(ctx, rec, "not_json",
                          "the record holds no JSON object") != TF_OK)
        return TF_SINK_ERROR;
      continue;
    }
    bytes = tf_record_bytes(rec, &len);
    if (!bytes) {
      dumped = json_dumps(tf_record_json(rec), JSON_COMPACT);
      if (!dumped)
        return TF_SINK_ERROR;
      bytes = dumped;
      len = strlen(dumped);
    }
    p = partition_of(s, rec);
    if (p < 0) {
      const char *route = field_text(rec, s->route, &rlen);

      rc = hold(s, rec, bytes, len, route, rlen);
    } else {
      rc = publish_record(s, bytes, len, o.file, o.line, (unsigned)p);
    }
    free(dumped);
    if (rc != TF_OK)
      return TF_SINK_ERROR;
  }
  return TF_SINK_OK;
}

/* End of input: the held records go to the partition their route field
 * got (or the keyless partition when it never got one). */
static int release_held(sink_nats *s)
{
  size_t i;
  json_t *h;

  json_array_foreach (s->held, i, h) {
    const char *route = json_string_value(json_object_get(h, "route"));
    const json_t *known = json_object_get(s->routes, route);
    unsigned p = known ? (unsigned)json_integer_value(known)
                       : tfnats_partition("", 0, s->partitions);
    const json_t *text = json_object_get(h, "text");
    int rc;

    if (!known)
      s->host->metric(s->ctx, "route_unknown", 1);
    rc =
        publish_record(s, json_string_value(text), json_string_length(text),
                       json_string_value(json_object_get(h, "file")),
                       (long)json_integer_value(json_object_get(h, "line")), p);
    if (rc != TF_OK)
      return rc;
  }
  json_array_clear(s->held);
  s->held_min = TF_WATERMARK_END;
  return TF_OK;
}

/* --- Watermarks --------------------------------------------------------- */

/* Whether markers may be published now: bounded overhead. */
static int markers_due(const sink_nats *s)
{
  if (s->wm_every == 0)
    return 0;
  if (s->since_marks >= (uint64_t)s->wm_every)
    return 1;
  return s->wm_interval > 0 && monotonic_ms() - s->marks_at >= s->wm_interval;
}

/* The input watermark rose (every record before it was given to write()):
 * when due, publish it, held back to the earliest held record, on every
 * partition once every record before is acknowledged. */
static int sink_nats_advance(void *state, tf_ctx *ctx, int64_t watermark)
{
  sink_nats *s = state;
  int64_t wm = watermark < s->held_min ? watermark : s->held_min;
  int rc;

  if (wm == TF_WATERMARK_UNKNOWN || wm <= s->wm_sent || !markers_due(s))
    return TF_OK;
  rc = commit(s);
  for (unsigned p = 0; rc == TF_OK && p < s->partitions; p++) {
    natsMsg *m = NULL;
    natsStatus st =
        tfnats_marker(&m, s->prefix, p, s->producer, TFNATS_KIND_WATERMARK, wm);

    if (st != NATS_OK) {
      s->host->log(ctx, TF_LOG_ERROR, "cannot make a watermark marker: %s",
                   natsStatus_GetText(st));
      return TF_ERR_NOMEM;
    }
    rc = publish(s, m);
  }
  if (rc != TF_OK)
    return rc;
  s->wm_sent = wm;
  s->since_marks = 0;
  s->marks_at = monotonic_ms();
  s->host->metric(ctx, "watermark_markers", (int64_t)s->partitions);
  return TF_OK;
}

/* Every partition gets an end-of-input marker, published synchronously
 * once every record is acknowledged (so it is stored after them). */
static int sink_nats_flush(void *state, tf_ctx *ctx)
{
  sink_nats *s = state;
  int rc;

  if (s->flushed)
    return TF_OK;
  rc = release_held(s);
  if (rc == TF_OK)
    rc = commit(s);
  for (unsigned p = 0; rc == TF_OK && p < s->partitions; p++) {
    natsMsg *m = NULL;
    jsPubAck *ack = NULL;
    jsErrCode ec = 0;
    natsStatus st =
        tfnats_marker(&m, s->prefix, p, s->producer, TFNATS_KIND_END, 0);

    for (int attempt = 0; st == NATS_OK; attempt++) {
      st = js_PublishMsg(&ack, s->conn.js, m, NULL, &ec);
      jsPubAck_Destroy(ack);
      ack = NULL;
      if (st == NATS_OK || attempt >= s->max_retries)
        break;
      sleep_ms(tf_config_int(s->cfg, "reconnect_wait") << (attempt % 6));
      st = NATS_OK;
    }
    natsMsg_Destroy(m);
    if (st != NATS_OK) {
      s->host->log(ctx, TF_LOG_ERROR,
                   "cannot publish the end of partition %u to NATS at %s: "
                   "%s",
                   p, s->conn.url, natsStatus_GetText(st));
      rc = TF_ERR_IO;
    }
  }
  if (rc == TF_OK)
    s->flushed = 1;
  return rc;
}

static int sink_nats_snapshot(void *state, json_t **snapshot)
{
  sink_nats *s = state;
  int rc = commit(s);

  if (rc != TF_OK)
    return rc;
  char hash[17];

  snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)s->last_hash);
  *snapshot =
      json_pack("{s:I,s:s,s:I,s:O,s:O}", "published", (json_int_t)s->count,
                "last_hash", hash, "repeat", (json_int_t)s->repeat, "held",
                s->held, "routes", s->routes);
  return *snapshot ? TF_OK : TF_ERR_NOMEM;
}

static int sink_nats_restore(void *state, const json_t *snapshot)
{
  sink_nats *s = state;
  json_int_t n = json_integer_value(json_object_get(snapshot, "published"));

  if (!json_is_integer(json_object_get(snapshot, "published")) || n < 0)
    return TF_ERR_INVAL;
  s->count = (uint64_t)n;
  s->last_hash =
      strtoull(json_string_value(json_object_get(snapshot, "last_hash"))
                   ? json_string_value(json_object_get(snapshot, "last_hash"))
                   : "0",
               NULL, 16);
  s->repeat = (uint64_t)json_integer_value(json_object_get(snapshot, "repeat"));
  if (json_is_array(json_object_get(snapshot, "held"))) {
    size_t i;
    json_t *h;

    json_decref(s->held);
    s->held = json_deep_copy(json_object_get(snapshot, "held"));
    s->held_min = TF_WATERMARK_END;
    json_array_foreach (s->held, i, h)
      note_held_time(s, json_object_get(h, "ts"));
  }
  if (json_is_object(json_object_get(snapshot, "routes"))) {
    json_decref(s->routes);
    s->routes = json_deep_copy(json_object_get(snapshot, "routes"));
  }
  return s->held && s->routes ? TF_OK : TF_ERR_NOMEM;
}

/* --- The stream --------------------------------------------------------- */

static int has_subject(const jsStreamConfig *sc, const char *subject)
{
  for (int i = 0; i < sc->SubjectsLen; i++)
    if (strcmp(sc->Subjects[i], subject) == 0)
      return 1;
  return 0;
}

/* Creates the stream, or checks that the one there holds our subjects. */
static int ensure_stream(sink_nats *s)
{
  const char *name = tf_config_string(s->cfg, "stream");
  const char *retention = tf_config_string(s->cfg, "retention");
  char subject[512];
  const char *subjects[1] = {subject};
  jsStreamInfo *si = NULL;
  jsStreamConfig sc;
  jsErrCode ec = 0;
  natsStatus st;

  snprintf(subject, sizeof(subject), "%s.*", s->prefix);
  st = js_GetStreamInfo(&si, s->conn.js, name, NULL, &ec);
  if (st == NATS_OK) {
    int ok = has_subject(si->Config, subject);

    jsStreamInfo_Destroy(si);
    if (ok)
      return TF_OK;
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "the stream %s at %s does not hold the subjects %s: another "
                 "subject_prefix, or another stream name is needed",
                 name, s->conn.url, subject);
    return TF_ERR_CONFIG;
  }
  if (st != NATS_NOT_FOUND && ec != JSStreamNotFoundErr) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot look up the stream %s at %s: %s (JetStream error "
                 "%d; is the server started with JetStream, -js?)",
                 name, s->conn.url, natsStatus_GetText(st), (int)ec);
    return TF_ERR_IO;
  }
  jsStreamConfig_Init(&sc);
  sc.Name = name;
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Retention = strcmp(retention, "interest") == 0    ? js_InterestPolicy
                 : strcmp(retention, "workqueue") == 0 ? js_WorkQueuePolicy
                                                       : js_LimitsPolicy;
  sc.Storage = strcmp(tf_config_string(s->cfg, "storage"), "memory") == 0
                   ? js_MemoryStorage
                   : js_FileStorage;
  sc.Replicas = tf_config_int(s->cfg, "replicas");
  sc.Duplicates = tf_config_int(s->cfg, "duplicate_window") * 1000000;
  st = js_AddStream(&si, s->conn.js, &sc, NULL, &ec);
  jsStreamInfo_Destroy(si);
  if (st != NATS_OK) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot create the stream %s at %s: %s (JetStream error %d)",
                 name, s->conn.url, natsStatus_GetText(st), (int)ec);
    return TF_ERR_IO;
  }
  s->host->log(s->ctx, TF_LOG_INFO, "created the stream %s (%s) at %s", name,
               subject, s->conn.url);
  return TF_OK;
}

/* --- Lifecycle -------------------------------------------------------- */

static void sink_nats_fini(void *state)
{
  sink_nats *s = state;

  if (!s)
    return;
  tfnats_close(&s->conn); /* no more callbacks after this */
  for (size_t i = 0; i < s->nfailed; i++)
    natsMsg_Destroy(s->failed[i]);
  free(s->failed);
  json_decref(s->routes);
  json_decref(s->held);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static int sink_nats_init(tf_ctx *ctx, const tf_host *host,
                          const tf_config *cfg, void **state)
{
  int rc = tf_check_logged(sink_nats_check, cfg, ctx, host);
  sink_nats *s;
  jsOptions jo;

  if (rc != TF_OK)
    return rc;
  s = calloc(1, sizeof(*s));
  if (!s)
    return TF_ERR_NOMEM;
  pthread_mutex_init(&s->mu, NULL);
  s->ctx = ctx;
  s->host = host;
  s->cfg = cfg;
  s->prefix = tf_config_string(cfg, "subject_prefix");
  s->key = tf_config_string(cfg, "partition_key");
  s->producer = tf_config_string(cfg, "producer");
  if (!s->producer)
    s->producer = host->stage_id(ctx);
  s->time_field = tf_config_string(cfg, "time_field");
  s->held_min = TF_WATERMARK_END;
  s->wm_sent = TF_WATERMARK_UNKNOWN;
  s->wm_every = tf_config_int(cfg, "watermark_every");
  s->wm_interval = tf_config_int(cfg, "watermark_interval");
  s->marks_at = monotonic_ms();
  s->route = tf_config_string(cfg, "route_by");
  if (s->route && !*s->route)
    s->route = NULL;
  s->routes = json_object();
  s->held = json_array();
  if (!s->routes || !s->held) {
    sink_nats_fini(s);
    return TF_ERR_NOMEM;
  }
  s->partitions = (unsigned)tf_config_int(cfg, "partitions");
  s->timeout_ms = tf_config_int(cfg, "request_timeout");
  s->max_retries = (int)tf_config_int(cfg, "max_retries");
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = tf_config_int(cfg, "max_in_flight");
  jo.PublishAsync.StallWait = s->timeout_ms;
  jo.PublishAsync.ErrHandler = on_publish_error;
  jo.PublishAsync.ErrHandlerClosure = s;
  rc = tfnats_connect(&s->conn, cfg, ctx, host, "touchflow nats sink", &jo);
  if (rc == TF_OK)
    rc = ensure_stream(s);
  if (rc != TF_OK) {
    sink_nats_fini(s);
    return rc;
  }
  *state = s;
  return TF_OK;
}

static const tf_sink_plugin sink_nats_plugin = {
    TF_SINK_HEADER,
    .base.name = "nats",
    .base.version = "0.1.0",
    .base.description = "Publishes records to a NATS JetStream stream, "
                        "partitioned by a key field, for merge workers.",
    .base.license = "MIT",
    .base.options = sink_nats_options,
    .base.check = sink_nats_check,
    .base.init = sink_nats_init,
    .base.fini = sink_nats_fini,
    .write = sink_nats_write,
    .flush = sink_nats_flush,
    .snapshot = sink_nats_snapshot,
    .restore = sink_nats_restore,
    .advance = sink_nats_advance,
};
TF_SINK_PLUGIN(sink_nats, sink_nats_plugin)
