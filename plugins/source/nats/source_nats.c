/*
 * source_nats.c - the `nats` source: a merge worker's share of the records
 * an ingest pipeline's `nats` sink published (docs/scale-out.md).
 *
 * Owns partition ownership (worker K of N takes the partitions p with
 * p mod N = K-1), one durable pull consumer per owned partition, reading
 * them in a fixed order (each partition to its end-of-input marker, then
 * the next) so that a worker's output is deterministic, the resume
 * position, and when messages are acknowledged.
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
  uint64_t seq;  /* stream sequence of the last message passed on */
  json_t *ended; /* producers whose end marker was seen (array) */
  natsMsg *last; /* the message at seq, kept to acknowledge later */
  natsMsg *ack;  /* the message at the last position(): acknowledged at
                    the next one, when that position is durable */
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
  size_t current; /* the partition being read */
  int started;    /* consumers made */
  int waiting_logged;
  int64_t idle_ms;
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

static int part_done(const source_nats *s, const part *p)
{
  return (int64_t)json_array_size(p->ended) >= s->producers;
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

/* One message of partition p: a record to emit, or an end marker.  Takes
 * m.  TF_OK or an error. */
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
    const char *producer = NULL;
    size_t i;
    json_t *v;

    natsMsgHeader_Get(m, TFNATS_H_PRODUCER, &producer);
    json_array_foreach (p->ended, i, v)
      if (producer && strcmp(json_string_value(v), producer) == 0)
        break;
    if (producer && i == json_array_size(p->ended))
      json_array_append_new(p->ended, json_string(producer));
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

static int source_nats_produce(void *state, tf_ctx *ctx, size_t max)
{
  source_nats *s = state;
  size_t emitted = 0;
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
  while (emitted < max) {
    natsMsgList list = {NULL, 0};
    jsErrCode ec = 0;
    natsStatus st;
    part *p;

    while (s->current < s->nparts && part_done(s, &s->parts[s->current]))
      s->current++;
    if (s->current == s->nparts)
      return TF_DONE;
    p = &s->parts[s->current];
    st = natsSubscription_Fetch(&list, p->sub, (int)(max - emitted), wait, &ec);
    if (st == NATS_TIMEOUT || (st == NATS_OK && list.Count == 0)) {
      natsMsgList_Destroy(&list);
      if (emitted > 0)
        break;
      return idle(s, wait, "no message"); /* the host calls again */
    }
    if (st != NATS_OK) {
      natsMsgList_Destroy(&list);
      if (natsConnection_Status(s->conn.nc) == NATS_CONN_STATUS_CLOSED) {
        s->host->log(ctx, TF_LOG_ERROR,
                     "the connection to NATS at %s is closed (reconnection "
                     "given up): %s",
                     s->conn.url, natsStatus_GetText(st));
        return TF_ERR_IO;
      }
      /* Reconnecting: libnats retries with backoff; wait for it. */
      s->host->metric(ctx, "fetch_errors", 1);
      nats_Sleep(wait);
      return idle(s, wait, "cannot fetch");
    }
    s->idle_ms = 0;
    for (int i = 0; i < list.Count; i++) {
      natsMsg *m = list.Msgs[i];
      int rc;

      list.Msgs[i] = NULL;
      rc = handle(s, p, m, &emitted);
      if (rc != TF_OK) {
        natsMsgList_Destroy(&list);
        return rc;
      }
    }
    natsMsgList_Destroy(&list);
  }
  return TF_MORE;
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
                        json_pack("{s:I,s:o}", "seq", (json_int_t)p->seq,
                                  "ended", json_deep_copy(p->ended)));
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
    if (!p->ended)
      return TF_ERR_NOMEM;
  }
  s->current = 0;
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
    json_decref(p->ended);
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
  s->parts = calloc(s->partitions, sizeof(*s->parts));
  if (!s->parts) {
    free(s);
    return TF_ERR_NOMEM;
  }
  for (unsigned p = s->worker - 1; p < s->partitions; p += s->workers) {
    s->parts[s->nparts].id = p;
    s->parts[s->nparts].ended = json_array();
    if (!s->parts[s->nparts++].ended) {
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
    .position = source_nats_position,
    .seek = source_nats_seek,
};
TF_SOURCE_PLUGIN(source_nats, source_nats_plugin)
