/*
 * source_nats.c - the `nats` source: a merge worker's share of the records
 * an ingest pipeline's `nats` sink published (docs/scale-out.md).
 *
 * Owns partition ownership (worker K of N takes the partitions p with
 * p mod N = K-1), one durable pull consumer per owned partition, the
 * partitions' watermarks, reading them in a fixed order so that a worker's
 * output is deterministic, the resume position, and when messages are
 * acknowledged.
 *
 * Event time.  A partition's watermark is the smallest over the producers
 * (`producers`) of the last watermark marker each published on it (an
 * ended producer counts as the end; one not heard from yet as unknown);
 * the source's is the smallest over its partitions.  It reads the
 * partition with the lowest watermark (the first among equals) up to its
 * next marker, then chooses again: the order depends only on what the
 * stream holds, never on when it arrived.  produce() returns after every
 * marker, so the host learns each watermark right where it was published.
 * Without markers (an ingest whose sources promise no order) every
 * watermark is unknown: each partition is read to its end, then the next.
 *
 * The checkpoint protocol.  The position is, per owned partition, the
 * stream sequence of the last message passed on, and the producers whose
 * end marker was seen.  It, not the consumer's acknowledgements, is what
 * a resumed worker goes on from: at its first produce() the worker
 * re-creates each consumer to deliver from that sequence + 1, so messages
 * delivered to a crashed worker and never acknowledged are read once, in
 * order, and a message redelivered with a sequence already passed is
 * dropped.  Acknowledgements (AckAll) only tell the server what may be
 * forgotten: a message is acknowledged once a checkpoint that covers it is
 * durable, which the worker knows when the host asks for the next position
 * (a checkpoint is written, fsynced and renamed after every sink committed,
 * before the run goes on; docs/checkpoints.md).  So nothing is
 * acknowledged before everything that came from it is committed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include "../../sink/nats/tfnats.h"

typedef struct part {
  unsigned id;
  natsSubscription *sub;
  uint64_t seq;        /* stream sequence of the last message passed on */
  json_t *ended;       /* producers whose end marker was seen (array) */
  natsMsg *last;       /* the message at seq, kept to acknowledge later */
  natsMsg *ack;        /* the message at the last position(): acknowledged at
                          the next one, when that position is durable */
  json_t *marks;       /* producer -> its last watermark on the partition */
  natsMsgList pending; /* fetched, not handled yet: from index next */
  int next;
} part;

typedef struct source_nats {
  tf_ctx *ctx;
  const tf_host *host;
  const tf_config *cfg;
  tfnats_conn conn;
  unsigned worker, workers, partitions;
  int64_t producers;
  part *parts;
  size_t nparts;
  int started; /* consumers made */
  int sought;  /* seek() ran: the first produce() only reports the
                  watermark restored, as the run before did */
  int waiting_logged;
  int64_t idle_ms;
  int64_t wm_logged; /* the last watermark logged (debug) */
} source_nats;

static const tf_option source_nats_options[] = {
    TFNATS_OPTIONS,
    {"worker", TF_OPT_STRING, "1/1", 0, 0, 0, NULL,
     "This worker's share, \"K/N\": worker K of N (1 <= K <= N) reads the "
     "partitions p with p mod N = K-1. From the command line: "
     "\"${TF_WORKER}\" and TF_WORKER=2/4 in the environment."},
    {"consumer", TF_OPT_STRING, "touchflow", 0, 0, 0, NULL,
     "Durable consumer names are CONSUMER_pP (one per partition). Two merge "
     "pipelines reading one stream need different names."},
    {"producers", TF_OPT_INT, "1", TF_OPT_RANGE, 1, 1000, NULL,
     "How many ingest pipelines (distinct `producer`s) write the stream: a "
     "partition ends when that many end markers were read."},
    {"fetch_wait", TF_OPT_DURATION, "1s", TF_OPT_RANGE, 1, 60000, NULL,
     "How long one fetch waits for messages before produce() returns with "
     "none (the worker then waits again)."},
    {"ack_wait", TF_OPT_DURATION, "30m", TF_OPT_RANGE, 1000, 86400000.0, NULL,
     "The consumers' AckWait: how long the server waits for an "
     "acknowledgement before delivering a message again (a redelivered "
     "message already passed on is dropped). Longer than the time between "
     "two checkpoints."},
    {"idle_timeout", TF_OPT_DURATION, "0", TF_OPT_RANGE, 0, 604800000.0, NULL,
     "Fail when no message arrives for this long before the end of input "
     "(0: wait for the end markers however long it takes)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* "K/N" -> K, N; 0 or -1. */
static int parse_worker(const char *text, unsigned *k, unsigned *n)
{
  char *end;
  unsigned long a, b;

  if (!text || *text < '0' || *text > '9')
    return -1;
  a = strtoul(text, &end, 10);
  if (*end != '/' || end[1] < '0' || end[1] > '9')
    return -1;
  b = strtoul(end + 1, &end, 10);
  if (*end || a < 1 || b < 1 || a > b || b > 4096)
    return -1;
  *k = (unsigned)a;
  *n = (unsigned)b;
  return 0;
}

static int source_nats_check(const tf_config *cfg, tf_problem_fn problem,
                             void *ud)
{
  int rc = tfnats_check(cfg, problem, ud);
  unsigned k, n;
  const char *consumer = tf_config_string(cfg, "consumer");

  if (parse_worker(tf_config_string(cfg, "worker"), &k, &n) != 0) {
    tf_problemf(problem, ud, "worker",
                "\"%s\" is not \"K/N\" with 1 <= K <= N <= 4096",
                tf_config_string(cfg, "worker"));
    rc = TF_ERR_CONFIG;
  } else if (n > (unsigned)tf_config_int(cfg, "partitions")) {
    tf_problemf(problem, ud, "worker",
                "%u workers for %lld partitions: some would read nothing", n,
                (long long)tf_config_int(cfg, "partitions"));
    rc = TF_ERR_CONFIG;
  }
  if (!*consumer || strpbrk(consumer, " .*>\t\r\n/")) {
    tf_problemf(problem, ud, "consumer",
                "a consumer name holds no space, \".\", \"/\", \"*\" or "
                "\">\"");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* --- Consuming -------------------------------------------------------- */

/* Frees what p fetched and did not handle (read again from p->seq). */
static void drop_pending(part *p)
{
  natsMsgList_Destroy(&p->pending);
  p->pending.Msgs = NULL;
  p->pending.Count = 0;
  p->next = 0;
}

static int part_done(const source_nats *s, const part *p)
{
  return (int64_t)json_array_size(p->ended) >= s->producers;
}

static int has_ended(const part *p, const char *producer)
{
  size_t i;
  json_t *v;

  json_array_foreach (p->ended, i, v)
    if (strcmp(json_string_value(v), producer) == 0)
      return 1;
  return 0;
}

/* The partition's watermark: the smallest of its producers' last markers
 * (an ended producer: END); UNKNOWN until every producer was heard of. */
static int64_t part_watermark(const source_nats *s, const part *p)
{
  int64_t low = TF_WATERMARK_END, heard = (int64_t)json_array_size(p->ended);
  const char *producer;
  json_t *v;

  if (part_done(s, p))
    return TF_WATERMARK_END;
  json_object_foreach (p->marks, producer, v) {
    if (has_ended(p, producer))
      continue;
    heard++;
    if (json_integer_value(v) < low)
      low = json_integer_value(v);
  }
  return heard < s->producers ? TF_WATERMARK_UNKNOWN : low;
}

/* The partition to read next: not ended, the lowest watermark, the first
 * among equals; NULL when every one ended. */
static part *next_part(source_nats *s)
{
  part *best = NULL;
  int64_t best_wm = TF_WATERMARK_END;

  for (size_t i = 0; i < s->nparts; i++) {
    part *p = &s->parts[i];
    int64_t wm = part_watermark(s, p);

    if (!part_done(s, p) && (!best || wm < best_wm)) {
      best = p;
      best_wm = wm;
    }
  }
  return best;
}

/* No record emitted later is before the smallest partition watermark. */
static int64_t source_nats_watermark(void *state)
{
  source_nats *s = state;
  int64_t low = TF_WATERMARK_END;

  for (size_t i = 0; i < s->nparts; i++) {
    int64_t wm = part_watermark(s, &s->parts[i]);

    if (wm < low)
      low = wm;
  }
  if (low == TF_WATERMARK_END)
    return TF_WATERMARK_UNKNOWN;
  if (low > s->wm_logged) {
    s->host->log(s->ctx, TF_LOG_DEBUG, "watermark of the partitions: %lld",
                 (long long)low);
    s->wm_logged = low;
  }
  return low;
}

/* (Re)creates partition p's durable consumer to deliver from p->seq + 1.
 * TF_OK, TF_ERR_IO (logged), or 1: the stream does not exist yet (the
 * ingest creates it at its start; workers may start first). */
static int subscribe(source_nats *s, part *p)
{
  const char *stream = tf_config_string(s->cfg, "stream");
  char subject[512], durable[300];
  jsSubOptions so;
  jsErrCode ec = 0;
  natsStatus st;

  tfnats_subject(subject, sizeof(subject),
                 tf_config_string(s->cfg, "subject_prefix"), p->id);
  snprintf(durable, sizeof(durable), "%s_p%u",
           tf_config_string(s->cfg, "consumer"), p->id);
  natsSubscription_Destroy(p->sub);
  p->sub = NULL;
  drop_pending(p);
  st = js_DeleteConsumer(s->conn.js, stream, durable, NULL, &ec);
  if (ec == JSStreamNotFoundErr)
    return 1;
  if (st != NATS_OK && st != NATS_NOT_FOUND && ec != JSConsumerNotFoundErr) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot reset the consumer %s of the stream %s at %s: %s "
                 "(JetStream error %d)",
                 durable, stream, s->conn.url, natsStatus_GetText(st), (int)ec);
    return TF_ERR_IO;
  }
  jsSubOptions_Init(&so);
  so.Stream = stream;
  so.Config.Durable = durable;
  so.Config.AckPolicy = js_AckAll;
  so.Config.AckWait = tf_config_int(s->cfg, "ack_wait") * 1000000;
  /* Messages are acknowledged only once a checkpoint covers them (none
   * without --state-dir): no bound on those pending, or delivery would
   * stop at the server default (1000).  libnats sends no value <= 0. */
  so.Config.MaxAckPending = INT32_MAX;
  if (p->seq > 0) {
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = p->seq + 1;
  } else {
    so.Config.DeliverPolicy = js_DeliverAll;
  }
  ec = 0;
  st = js_PullSubscribe(&p->sub, s->conn.js, subject, durable, NULL, &so, &ec);
  if (st != NATS_OK && ec == JSStreamNotFoundErr)
    return 1;
  if (st != NATS_OK) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot consume %s from the stream %s at %s: %s (JetStream "
                 "error %d; the ingest pipeline creates the stream)",
                 subject, stream, s->conn.url, natsStatus_GetText(st), (int)ec);
    return TF_ERR_IO;
  }
  return TF_OK;
}

static void keep_last(part *p, natsMsg *m)
{
  if (p->last != p->ack)
    natsMsg_Destroy(p->last);
  p->last = m;
}

/* A watermark marker of partition p: the producer's watermark rises.  1
 * when it did, else 0. */
static int take_watermark(part *p, natsMsg *m)
{
  const char *producer = NULL, *value = NULL;
  const json_t *old;
  char *end;
  long long w;

  natsMsgHeader_Get(m, TFNATS_H_PRODUCER, &producer);
  natsMsgHeader_Get(m, TFNATS_H_WATERMARK, &value);
  if (!producer || !value)
    return 0;
  w = strtoll(value, &end, 10);
  old = json_object_get(p->marks, producer);
  if (*end || end == value || has_ended(p, producer) ||
      (old && w <= json_integer_value(old)))
    return 0;
  return json_object_set_new(p->marks, producer, json_integer(w)) == 0;
}

/* An end marker of partition p: 1 when its producer had not ended. */
static int take_end(part *p, natsMsg *m)
{
  const char *producer = NULL;

  natsMsgHeader_Get(m, TFNATS_H_PRODUCER, &producer);
  if (!producer || has_ended(p, producer))
    return 0;
  return json_array_append_new(p->ended, json_string(producer)) == 0;
}

/* One message of partition p: a record to emit, or a marker.  Takes m.
 * TF_OK, 1 after a marker that moved the partition's watermark or ended a
 * producer, or an error. */
static int handle(source_nats *s, part *p, natsMsg *m, size_t *emitted)
{
  jsMsgMetaData *meta = NULL;
  const char *kind = NULL, *file = NULL, *line = NULL;
  uint64_t seq;
  int rc = TF_OK;

  if (natsMsg_GetMetaData(&meta, m) != NATS_OK) {
    s->host->log(s->ctx, TF_LOG_WARN,
                 "a message without JetStream "
                 "metadata was ignored");
    natsMsg_Destroy(m);
    return TF_OK;
  }
  seq = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  if (seq <= p->seq) { /* redelivered: passed on before */
    s->host->metric(s->ctx, "redelivered_dropped", 1);
    natsMsg_Destroy(m);
    return TF_OK;
  }
  natsMsgHeader_Get(m, TFNATS_H_KIND, &kind);
  if (kind && strcmp(kind, TFNATS_KIND_END) == 0) {
    rc = take_end(p, m);
  } else if (kind && strcmp(kind, TFNATS_KIND_WATERMARK) == 0) {
    rc = take_watermark(p, m);
  } else if (kind && strcmp(kind, TFNATS_KIND_RECORD) == 0) {
    tf_origin o = {NULL, 0};
    char err[256];
    tf_record *rec;

    natsMsgHeader_Get(m, TFNATS_H_FILE, &file);
    natsMsgHeader_Get(m, TFNATS_H_LINE, &line);
    o.file = file;
    o.line = line ? strtol(line, NULL, 10) : 0;
    rec = tf_record_parse(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m),
                          &o, err, sizeof(err));
    if (!rec) {
      tf_record *raw = tf_record_new_raw(natsMsg_GetData(m),
                                         (size_t)natsMsg_GetDataLength(m), &o);

      rc = raw ? tf_rejectf(s->host, s->ctx, raw, "invalid_json",
                            "stream sequence %llu: %s", (unsigned long long)seq,
                            err)
               : TF_ERR_NOMEM;
      tf_record_unref(raw);
    } else {
      rc = s->host->emit(s->ctx, rec);
      (*emitted)++;
    }
  } else {
    s->host->metric(s->ctx, "foreign_messages", 1);
  }
  p->seq = seq;
  keep_last(p, m);
  return rc;
}

/* The consumers of the partitions not ended.  TF_OK, an error, or 1: the
 * stream is not there yet. */
static int start(source_nats *s)
{
  for (size_t i = 0; i < s->nparts; i++)
    if (!part_done(s, &s->parts[i])) {
      int rc = subscribe(s, &s->parts[i]);

      if (rc != TF_OK)
        return rc;
    }
  s->started = 1;
  return TF_OK;
}

/* Nothing to read for another fetch_wait: fails past idle_timeout. */
static int idle(source_nats *s, int64_t wait, const char *what)
{
  int64_t limit = tf_config_int(s->cfg, "idle_timeout");

  s->idle_ms += wait;
  if (limit > 0 && s->idle_ms >= limit) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "%s at %s for %lld ms (idle_timeout): is the ingest "
                 "running?",
                 what, s->conn.url, (long long)s->idle_ms);
    return TF_ERR_IO;
  }
  return TF_MORE;
}

/* Fetches about max messages of p into its pending list.  TF_OK, 1
 * (nothing came: the host calls again) or an error.
 *
 * libnats 3.4 hands over every message already queued for the
 * subscription (delivered for an earlier fetch after it had stopped
 * waiting) into an array of `batch` slots without checking its size:
 * asking for fewer than are queued overruns the heap.  So the batch asked
 * is max plus what is queued plus a margin for what lands meanwhile; what
 * comes beyond max waits in the pending list. */
static int fetch(source_nats *s, part *p, size_t max)
{
  int64_t wait = tf_config_int(s->cfg, "fetch_wait");
  natsMsgList list = {NULL, 0};
  jsErrCode ec = 0;
  int queued = 0, bytes = 0;
  natsStatus st;

  drop_pending(p);
  if (natsSubscription_GetPending(p->sub, &queued, &bytes) != NATS_OK ||
      queued < 0)
    queued = 0;
  st =
      natsSubscription_Fetch(&list, p->sub, (int)(2 * max) + queued, wait, &ec);
  if (st == NATS_OK && list.Count > 0) {
    p->pending = list; /* handled from p->next = 0 on */
    s->idle_ms = 0;
    return TF_OK;
  }
  natsMsgList_Destroy(&list);
  if (st == NATS_TIMEOUT || st == NATS_OK)
    return idle(s, wait, "no message") < 0 ? TF_ERR_IO : 1;
  if (natsConnection_Status(s->conn.nc) == NATS_CONN_STATUS_CLOSED) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "the connection to NATS at %s is closed (reconnection "
                 "given up): %s",
                 s->conn.url, natsStatus_GetText(st));
    return TF_ERR_IO;
  }
  /* Reconnecting: libnats retries with backoff; wait for it. */
  s->host->metric(s->ctx, "fetch_errors", 1);
  nats_Sleep(wait);
  return idle(s, wait, "cannot fetch") < 0 ? TF_ERR_IO : 1;
}

/* Emits up to max records of the partitions, the one with the lowest
 * watermark first; returns after a marker, so that the host asks the
 * watermark there. */
static int read_partitions(source_nats *s, size_t max)
{
  size_t emitted = 0;

  while (emitted < max) {
    part *p = next_part(s);
    int rc;

    if (!p)
      return TF_DONE;
    if (p->next >= p->pending.Count) {
      rc = fetch(s, p, max);
      if (rc != TF_OK)
        return rc == 1 ? TF_MORE : rc;
    }
    while (p->next < p->pending.Count && emitted < max) {

      natsMsg *m = p->pending.Msgs[p->next];

      p->pending.Msgs[p->next++] = NULL;
      rc = handle(s, p, m, &emitted);
      if (rc != TF_OK)
        return rc == 1 ? TF_MORE : rc;
    }
  }
  return TF_MORE;
}

static int source_nats_produce(void *state, tf_ctx *ctx, size_t max)
{
  source_nats *s = state;
  int64_t wait = tf_config_int(s->cfg, "fetch_wait");

  if (!s->started) {
    int rc = start(s);

    if (rc == 1) {
      if (!s->waiting_logged)
        s->host->log(ctx, TF_LOG_INFO,
                     "waiting for the stream %s at %s (the ingest creates "
                     "it)",
                     tf_config_string(s->cfg, "stream"), s->conn.url);
      s->waiting_logged = 1;
      nats_Sleep(wait);
      return idle(s, wait, "no stream");
    }
    if (rc != TF_OK)
      return rc;
  }
  if (s->sought) { /* the watermark restored first, before any record */
    s->sought = 0;
    if (source_nats_watermark(s) != TF_WATERMARK_UNKNOWN)
      return TF_MORE;
  }
  return read_partitions(s, max);
}

/* --- Position --------------------------------------------------------- */

static int source_nats_position(void *state, json_t **position)
{
  source_nats *s = state;
  json_t *parts = json_object();
  char key[16];

  if (!parts)
    return TF_ERR_NOMEM;
  for (size_t i = 0; i < s->nparts; i++) {
    part *p = &s->parts[i];

    /* The position asked before this one is durable now: acknowledge
     * what it covered (AckAll: every message up to it). */
    if (p->ack) {
      natsMsg_Ack(p->ack, NULL);
      if (p->ack != p->last)
        natsMsg_Destroy(p->ack);
      p->ack = NULL;
    }
    p->ack = p->last;
    snprintf(key, sizeof(key), "%u", p->id);
    json_object_set_new(parts, key,
                        json_pack("{s:I,s:o,s:o}", "seq", (json_int_t)p->seq,
                                  "ended", json_deep_copy(p->ended), "marks",
                                  json_deep_copy(p->marks)));
  }
  *position =
      json_pack("{s:s,s:I,s:o}", "worker", tf_config_string(s->cfg, "worker"),
                "partitions", (json_int_t)s->partitions, "seq", parts);
  return *position ? TF_OK : TF_ERR_NOMEM;
}

static int source_nats_seek(void *state, const json_t *position)
{
  source_nats *s = state;
  const json_t *parts = json_object_get(position, "seq");
  const char *worker = json_string_value(json_object_get(position, "worker"));

  if (!worker || strcmp(worker, tf_config_string(s->cfg, "worker")) != 0 ||
      json_integer_value(json_object_get(position, "partitions")) !=
          (json_int_t)s->partitions ||
      !json_is_object(parts)) {
    s->host->log(
        s->ctx, TF_LOG_ERROR,
        "the checkpoint was taken by worker %s of %lld partitions, "
        "this is worker %s of %u: each worker needs its own state "
        "directory, and a new partitioning --reset-state",
        worker ? worker : "?",
        (long long)json_integer_value(json_object_get(position, "partitions")),
        tf_config_string(s->cfg, "worker"), s->partitions);
    return TF_ERR_INVAL;
  }
  for (size_t i = 0; i < s->nparts; i++) {
    part *p = &s->parts[i];
    char key[16];
    const json_t *e;

    snprintf(key, sizeof(key), "%u", p->id);
    e = json_object_get(parts, key);
    if (!json_is_integer(json_object_get(e, "seq")) ||
        !json_is_array(json_object_get(e, "ended")))
      return TF_ERR_INVAL;
    p->seq = (uint64_t)json_integer_value(json_object_get(e, "seq"));
    json_decref(p->ended);
    p->ended = json_deep_copy(json_object_get(e, "ended"));
    json_decref(p->marks);
    p->marks = json_is_object(json_object_get(e, "marks"))
                   ? json_deep_copy(json_object_get(e, "marks"))
                   : json_object(); /* a position from before markers */
    if (!p->ended || !p->marks)
      return TF_ERR_NOMEM;
  }
  s->sought = 1;
  return TF_OK;
}

/* --- Lifecycle -------------------------------------------------------- */

static void source_nats_fini(void *state)
{
  source_nats *s = state;

  if (!s)
    return;
  for (size_t i = 0; i < s->nparts; i++) {
    part *p = &s->parts[i];

    natsSubscription_Destroy(p->sub);
    if (p->ack != p->last)
      natsMsg_Destroy(p->ack);
    natsMsg_Destroy(p->last);
    drop_pending(p);
    json_decref(p->ended);
    json_decref(p->marks);
  }
  free(s->parts);
  tfnats_close(&s->conn);
  free(s);
}

static int source_nats_init(tf_ctx *ctx, const tf_host *host,
                            const tf_config *cfg, void **state)
{
  int rc = tf_check_logged(source_nats_check, cfg, ctx, host);
  source_nats *s;

  if (rc != TF_OK)
    return rc;
  s = calloc(1, sizeof(*s));
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  s->cfg = cfg;
  parse_worker(tf_config_string(cfg, "worker"), &s->worker, &s->workers);
  s->partitions = (unsigned)tf_config_int(cfg, "partitions");
  s->producers = tf_config_int(cfg, "producers");
  s->wm_logged = TF_WATERMARK_UNKNOWN;
  s->parts = calloc(s->partitions, sizeof(*s->parts));
  if (!s->parts) {
    free(s);
    return TF_ERR_NOMEM;
  }
  for (unsigned p = s->worker - 1; p < s->partitions; p += s->workers) {
    part *np = &s->parts[s->nparts++];

    np->id = p;
    np->ended = json_array();
    np->marks = json_object();
    if (!np->ended || !np->marks) {
      source_nats_fini(s);
      return TF_ERR_NOMEM;
    }
  }
  rc = tfnats_connect(&s->conn, cfg, ctx, host, "touchflow nats source", NULL);
  if (rc != TF_OK) {
    source_nats_fini(s);
    return rc;
  }
  *state = s;
  return TF_OK;
}

/* check-connection: init() connected; the stream is looked up (never
 * created: the ingest pipeline's nats sink creates it). */
static int source_nats_check_connection(void *state, tf_ctx *ctx)
{
  source_nats *s = state;
  const char *stream = tf_config_string(s->cfg, "stream");
  jsStreamInfo *si = NULL;
  jsErrCode ec = 0;
  natsStatus st = js_GetStreamInfo(&si, s->conn.js, stream, NULL, &ec);

  (void)ctx;
  jsStreamInfo_Destroy(si);
  if (st == NATS_OK)
    return TF_OK;
  if (st == NATS_NOT_FOUND || ec == JSStreamNotFoundErr)
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "the stream %s does not exist at %s (yet: the ingest "
                 "pipeline's nats sink creates it; a run would wait for it)",
                 stream, s->conn.url);
  else
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot look up the stream %s at %s: %s (JetStream error "
                 "%d; is the server started with JetStream, -js?)",
                 stream, s->conn.url, natsStatus_GetText(st), (int)ec);
  return TF_ERR_IO;
}

static const tf_source_plugin source_nats_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "nats",
    .base.version = "0.1.0",
    .base.description = "Reads this worker's partitions of a NATS "
                        "JetStream stream written by the nats sink.",
    .base.license = "MIT",
    .base.options = source_nats_options,
    .base.check = source_nats_check,
    .base.init = source_nats_init,
    .base.fini = source_nats_fini,
    .produce = source_nats_produce,
    .watermark = source_nats_watermark,
    .position = source_nats_position,
    .seek = source_nats_seek,
    .check_connection = source_nats_check_connection,
};
TF_SOURCE_PLUGIN(source_nats, source_nats_plugin)
