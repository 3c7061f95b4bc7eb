/*
 * source_drift_webhook.c - the `drift_webhook` source: Drift webhook
 * events received over HTTP (README.md), turned into the same `chat`
 * events as the file-based `drift` source.
 *
 * init() opens the spool and starts the HTTP server (webhook_server.c),
 * which appends every accepted event to the spool and fsyncs it before
 * answering 200.  produce(), on the pipeline thread, reads the spool from
 * the position on, one NDJSON line per event, and hands each to drift's
 * own chat rules (drift_chat, linked from plugins/source/drift), exactly
 * as the drift source reads a webhook log.  Webhook events never say that
 * a conversation is over: the open conversations are decided (as drift
 * does at the end of its input) once the spool has been quiet for
 * decide_after, and when the source is stopped.  With nothing to read,
 * produce() waits up to WAIT_MS for the spool to grow and returns TF_MORE
 * without a record.  The position is the spool offset, its line number
 * and drift_chat's state.
 *
 * Trimming: the host calls position() only to save a checkpoint, and a
 * save that fails ends the run; so when position() is called, the offset
 * the previous call returned is in a durable checkpoint, and so is the
 * offset seek() resumed from.  Everything before that offset is never
 * read again (the chat state it built is in the checkpoint), and
 * position() punches it out of the spool (webhook_spool_free) when
 * `trim` is on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include "../../common/monotonic.h"
#include "../drift/drift_chat.h"
#include "webhook_server.h"
#include "webhook_spool.h"

#define WAIT_MS 150              /* longest wait of one idle produce() */
#define FIRST_BUFFER (64 * 1024) /* spool read buffer; grows for long lines */

typedef struct source_drift_webhook {
  tf_ctx *ctx;
  const tf_host *host;
  drift_chat *chat;
  webhook_spool spool;
  int spool_open;
  int spool_created; /* init() made the spool file (it was not there) */
  char *spool_path;
  webhook_server *server;
  char *buf;
  size_t cap;
  uint64_t offset; /* the next line to read */
  long line;       /* its line number, 1-based */
  int64_t decide_after_ms;
  int64_t end_when_idle_ms;
  int undecided;     /* events read since the conversations were decided */
  int64_t last_read; /* monotonic ms of the last event read */
  int stopping;      /* stop(): read what was accepted, decide, end */
  int started;       /* the server ran: fini logs its totals */
  int64_t totals[WEBHOOK_NCOUNTS];

  /* Trimming (option `trim`): committed is the offset of the last
   * position() or seek(), when committed_set. */
  int trim;
  int committed_set;
  uint64_t committed;
} source_drift_webhook;

static const tf_option source_drift_webhook_options[] = {
    {"listen", TF_OPT_STRING, "127.0.0.1:0", 0, 0, 0, NULL,
     "Where the HTTP server listens: PORT (on 127.0.0.1), IPV4:PORT or "
     "[IPV6]:PORT, numeric. Port 0: any free port. The address and port "
     "are logged when the server starts."},
    {"token", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0, 0, NULL,
     "The Drift app's verification token, checked against the "
     "X-Verification-Token header or else the body's \"token\"; must be a "
     "\"${ENV}\" reference. Never logged, never spooled."},
    {"spool", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "The spool file (NDJSON, created when missing) where accepted events "
     "are kept, fsynced, before the 200 answer; the source reads it. "
     "Relative to the pipeline file's folder."},
    {"spool_limit", TF_OPT_SIZE, "64M", TF_OPT_RANGE, 1024, 1099511627776.0,
     NULL,
     "Largest backlog (spooled bytes not yet read by the pipeline); past "
     "it requests are answered 503 with Retry-After."},
    {"max_body", TF_OPT_SIZE, "1M", TF_OPT_RANGE, 256, 67108864, NULL,
     "Largest request body; a larger one is answered 413."},
    {"retry_after", TF_OPT_DURATION, "5s", TF_OPT_RANGE, 1000, 3600000, NULL,
     "The Retry-After of a 503 (whole seconds are sent)."},
    {"max_clients", TF_OPT_INT, "64", TF_OPT_RANGE, 1, 1024, NULL,
     "Connections served at once (more wait in the listen backlog)."},
    {"decide_after", TF_OPT_DURATION, "60s", TF_OPT_RANGE, 0, 86400000, NULL,
     "Decide the open conversations (emit their chats) once no event has "
     "arrived for this long, as the drift source does at the end of its "
     "input. 0: only when the run stops."},
    {"end_when_idle", TF_OPT_DURATION, "0", TF_OPT_RANGE, 0, 86400000, NULL,
     "End the input (decide, emit, TF_DONE: the run finishes) once the "
     "spool is read and no event has arrived for this long: for draining a "
     "spool in a batch run. 0: never; the run ends on SIGTERM or Ctrl-C."},
    {"trim", TF_OPT_BOOL, "true", 0, 0, 0, NULL,
     "Free the disk space of the spool lines that a durable checkpoint "
     "covers (touchflow run --state-dir; without one nothing is freed), "
     "by punching them out of the file (Linux). false: the spool keeps "
     "every line. A host that resumes from older positions than the last "
     "one (the conformance suite) needs false."},
    DRIFT_CHAT_OPTIONS,
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* Hands the server's counters to the host (on the pipeline thread). */
static void publish_counts(source_drift_webhook *s)
{
  int64_t n;
  int i;

  if (!s->server)
    return;
  for (i = 0; i < WEBHOOK_NCOUNTS; i++) {
    n = webhook_server_take(s->server, (enum webhook_count)i);
    if (n) {
      s->host->metric(s->ctx, webhook_count_names[i], n);
      s->totals[i] += n;
    }
  }
}

/* Stops the server for good, with its last counts published. */
static void stop_server(source_drift_webhook *s)
{
  publish_counts(s);
  webhook_server_stop(s->server);
  s->server = NULL;
}

/* --- Reading the spool --------------------------------------------------- */

/* One spool line to drift's chat rules, as the drift source reads a line
 * of a webhook log. */
static int handle_line(source_drift_webhook *s, const char *text, size_t len)
{
  tf_origin origin;
  tf_record *rec;
  char err[256];
  int rc;

  origin.file = s->spool_path;
  origin.line = s->line;
  rec = tf_record_parse(text, len, &origin, err, sizeof(err));
  if (!rec) {
    /* Only a spool edited by hand can hold this: the server writes JSON. */
    rec = tf_record_new_raw(text, len, &origin);
    if (!rec)
      return TF_ERR_NOMEM;
    rc = tf_rejectf(s->host, s->ctx, rec, "invalid_json", "%s", err);
  } else {
    rc = drift_chat_handle(s->chat, rec);
  }
  tf_record_unref(rec);
  return rc;
}

/* Reads the spool from the offset into the buffer.  A NUL byte where a
 * line starts is the part of the spool a checkpoint covered and a run
 * freed (trim): a reader that starts before it (--reset-state, a run
 * without --state-dir) goes on at the first line kept, and says so. */
static long read_spool(source_drift_webhook *s)
{
  long n = webhook_spool_read(&s->spool, s->offset, s->buf, s->cap);
  uint64_t to;

  if (n <= 0 || s->buf[0] != '\0')
    return n;
  to = webhook_spool_skip_freed(&s->spool, s->offset);
  s->host->log(s->ctx, TF_LOG_INFO,
               "the spool %s: bytes %llu to %llu were freed after a "
               "checkpoint (trim) and are skipped; reading goes on at the "
               "first line kept, counted as line %ld",
               s->spool_path, (unsigned long long)s->offset,
               (unsigned long long)to, s->line);
  s->offset = to;
  return webhook_spool_read(&s->spool, s->offset, s->buf, s->cap);
}

/* Reads up to max whole lines from the offset on; their number in *got. */
static int read_lines(source_drift_webhook *s, size_t max, size_t *got)
{
  long n = read_spool(s);
  size_t start = 0;
  char *nl;
  int rc;

  *got = 0;
  if (n < 0) {
    s->host->log(s->ctx, TF_LOG_ERROR, "cannot read the spool %s",
                 s->spool_path);
    return TF_ERR_IO;
  }
  while (*got < max &&
         (nl = memchr(s->buf + start, '\n', (size_t)n - start)) != NULL) {
    size_t len = (size_t)(nl - (s->buf + start));

    rc = handle_line(s, s->buf + start, len);
    if (rc != TF_OK)
      return rc;
    start += len + 1;
    s->offset += len + 1;
    s->line++;
    (*got)++;
  }
  if (*got == 0 && (size_t)n == s->cap) { /* a line longer than the buffer */
    char *b = realloc(s->buf, s->cap * 2);

    if (!b)
      return TF_ERR_NOMEM;
    s->buf = b;
    s->cap *= 2;
  }
  webhook_spool_consume(&s->spool, s->offset);
  return TF_OK;
}

/* Emits decided chats; TF_MORE until the run is over. */
static int drain(source_drift_webhook *s, size_t max)
{
  size_t emitted = 0;
  int rc = drift_chat_drain(s->chat, max ? max : 1, &emitted);

  if (rc == TF_DONE && !s->stopping)
    return TF_MORE;
  return rc;
}

/* Decides every open conversation (the drift source's end of input). */
static int decide(source_drift_webhook *s, size_t max)
{
  int rc = drift_chat_finish(s->chat);

  s->undecided = 0;
  return rc == TF_OK ? drain(s, max) : rc;
}

/* The run stops: no request is taken any more; produce() reads what was
 * accepted, decides the open conversations and returns TF_DONE. */
static int source_drift_webhook_stop(void *state)
{
  source_drift_webhook *s = state;

  if (s->server)
    stop_server(s);
  s->stopping = 1;
  return TF_OK;
}

static int source_drift_webhook_produce(void *state, tf_ctx *ctx, size_t max)
{
  source_drift_webhook *s = state;
  int64_t idle_ms;
  size_t got;
  int rc;

  (void)ctx;
  publish_counts(s);
  if (drift_chat_draining(s->chat))
    return drain(s, max);
  rc = read_lines(s, max ? max : 1, &got);
  if (rc != TF_OK)
    return rc;
  if (got) {
    s->undecided = 1;
    s->last_read = monotonic_ms();
    return TF_MORE;
  }
  idle_ms = monotonic_ms() - s->last_read;
  if (!s->stopping && s->end_when_idle_ms > 0 && idle_ms >= s->end_when_idle_ms)
    source_drift_webhook_stop(s);
  if (s->stopping)
    return decide(s, max);
  if (s->undecided && s->decide_after_ms > 0 && idle_ms >= s->decide_after_ms)
    return decide(s, max);
  webhook_spool_wait(&s->spool, s->offset, WAIT_MS);
  return TF_MORE;
}

/* --- Position ------------------------------------------------------------ */

/* Frees the spool below the offset of the last checkpoint, which is
 * durable now (the top of this file).  A file system that cannot punch
 * holes is named once; the spool then grows as it did before. */
static void trim_committed(source_drift_webhook *s)
{
  uint64_t freed;

  if (!s->trim || !s->committed_set)
    return;
  if (webhook_spool_free(&s->spool, s->committed, &freed) != 0)
    s->host->log(s->ctx, TF_LOG_WARN,
                 "cannot free the checkpointed part of the spool %s: %s; "
                 "it is kept whole for the rest of this run",
                 s->spool_path, strerror(errno));
  /* Now, not at the next produce(): the checkpoint of a stopping run is
   * the last call (this checkpoint's counters were taken before it). */
  if (freed)
    s->host->metric(s->ctx, "spool_bytes_freed", (int64_t)freed);
}

/* {"spool_offset": N, "spool_line": L, drift_chat's state}.  Called for a
 * checkpoint: the one before it is durable, its offset is freed. */
static int source_drift_webhook_position(void *state, json_t **position)
{
  source_drift_webhook *s = state;
  json_t *pos = json_object();
  int rc = pos ? TF_OK : TF_ERR_NOMEM;

  trim_committed(s);
  if (rc == TF_OK &&
      (json_object_set_new(pos, "spool_offset",
                           json_integer((json_int_t)s->offset)) != 0 ||
       json_object_set_new(pos, "spool_line", json_integer(s->line)) != 0))
    rc = TF_ERR_NOMEM;
  rc = drift_chat_position(s->chat, pos, rc, position);
  if (rc == TF_OK) {
    s->committed = s->offset;
    s->committed_set = 1;
  }
  return rc;
}

/* 1 when offset is the start of a line of the spool: after a newline,
 * or where the part freed by trimming ends (a NUL byte before it, none
 * at it).  0 when it is not; -1 when it is in the freed part. */
static int line_start(source_drift_webhook *s, uint64_t offset)
{
  char c[2];
  long n;

  if (offset == 0)
    return 1;
  n = webhook_spool_read(&s->spool, offset - 1, c, 2);
  if (n >= 1 && c[0] == '\n')
    return 1;
  if (n >= 1 && c[0] == '\0')
    return n == 1 || c[1] != '\0' ? 1 : -1;
  return 0;
}

static int source_drift_webhook_seek(void *state, const json_t *position)
{
  source_drift_webhook *s = state;
  const json_t *off = json_object_get(position, "spool_offset");
  const json_t *line = json_object_get(position, "spool_line");
  int rc;

  if (!json_is_integer(off) || !json_is_integer(line) ||
      json_integer_value(off) < 0 || json_integer_value(line) < 1) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume from the position: \"spool_offset\" or "
                 "\"spool_line\" is missing or negative");
    return TF_ERR_INVAL;
  }
  rc = line_start(s, (uint64_t)json_integer_value(off));
  if (rc < 0) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume from the position: offset %lld of the spool "
                 "%s was freed after a later checkpoint (trim): the events "
                 "there are gone; resume from the last checkpoint, or use "
                 "--reset-state to read what the spool kept",
                 (long long)json_integer_value(off), s->spool_path);
    return TF_ERR_INVAL;
  }
  if (rc == 0) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume from the position: offset %lld is not the "
                 "start of a line of the spool %s (was the spool replaced "
                 "or cut?); use --reset-state with an empty spool",
                 (long long)json_integer_value(off), s->spool_path);
    return TF_ERR_INVAL;
  }
  s->offset = (uint64_t)json_integer_value(off);
  s->line = (long)json_integer_value(line);
  s->committed = s->offset; /* the checkpoint resumed from is durable */
  s->committed_set = 1;
  webhook_spool_consume(&s->spool, s->offset);
  return drift_chat_load(s->chat, position);
}

/* --- Plugin -------------------------------------------------------------- */

static void source_drift_webhook_fini(void *state)
{
  source_drift_webhook *s = state;

  if (!s)
    return;
  if (s->server)
    stop_server(s);
  if (s->started)
    s->host->log(s->ctx, TF_LOG_INFO,
                 "%lld events accepted, %lld of types that make no chat "
                 "ignored; refused: %lld unauthorized, %lld too large, %lld "
                 "malformed, %lld spool full, %lld spool errors",
                 (long long)s->totals[WEBHOOK_ACCEPTED],
                 (long long)s->totals[WEBHOOK_IGNORED],
                 (long long)s->totals[WEBHOOK_UNAUTHORIZED],
                 (long long)s->totals[WEBHOOK_TOO_LARGE],
                 (long long)s->totals[WEBHOOK_MALFORMED],
                 (long long)s->totals[WEBHOOK_FULL],
                 (long long)s->totals[WEBHOOK_FAILED]);
  if (s->spool_open)
    webhook_spool_close(&s->spool);
  drift_chat_free(s->chat);
  free(s->spool_path);
  free(s->buf);
  free(s);
}

static int source_drift_webhook_check(const tf_config *cfg,
                                      tf_problem_fn problem, void *ud)
{
  const char *listen = tf_config_string(cfg, "listen");
  char err[256];
  int rc = drift_chat_options_check(cfg, problem, ud);

  if (!listen || !webhook_listen_valid(listen, err, sizeof(err))) {
    problem(ud, "listen", listen ? err : "is required");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* Opens the spool and starts the server (the last step: nothing is
 * accepted before the source can read it). */
static int start(source_drift_webhook *s, const tf_config *cfg)
{
  webhook_server_options o;
  char err[512];
  unsigned port;

  s->spool_created = access(s->spool_path, F_OK) != 0;
  if (webhook_spool_open(&s->spool, s->spool_path,
                         (uint64_t)tf_config_int(cfg, "spool_limit"), err,
                         sizeof(err)) != 0) {
    s->host->log(s->ctx, TF_LOG_ERROR, "%s", err);
    return TF_ERR_IO;
  }
  s->spool_open = 1;
  o.listen = tf_config_string(cfg, "listen");
  o.token = tf_config_string(cfg, "token");
  o.max_body = (size_t)tf_config_int(cfg, "max_body");
  o.retry_after = (unsigned)((tf_config_int(cfg, "retry_after") + 999) / 1000);
  o.max_clients = (unsigned)tf_config_int(cfg, "max_clients");
  o.spool = &s->spool;
  s->server = webhook_server_start(&o, &port, err, sizeof(err));
  if (!s->server) {
    s->host->log(s->ctx, TF_LOG_ERROR, "listen: %s", err);
    return TF_ERR_IO;
  }
  s->started = 1;
  s->host->log(s->ctx, TF_LOG_INFO,
               "listening for Drift webhooks on %s (port %u), spool %s",
               o.listen, port, s->spool_path);
  return TF_OK;
}

static int source_drift_webhook_init(tf_ctx *ctx, const tf_host *host,
                                     const tf_config *cfg, void **state)
{
  source_drift_webhook *s = calloc(1, sizeof(*s));
  drift_chat_options options;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  s->line = 1;
  s->decide_after_ms = tf_config_int(cfg, "decide_after");
  s->end_when_idle_ms = tf_config_int(cfg, "end_when_idle");
  s->trim = tf_config_bool(cfg, "trim");
  s->last_read = monotonic_ms();
  rc = tf_check_logged(source_drift_webhook_check, cfg, ctx, host);
  if (rc != TF_OK)
    goto fail;
  rc = TF_ERR_NOMEM;
  s->cap = FIRST_BUFFER;
  s->buf = malloc(s->cap);
  s->spool_path = strdup(tf_config_string(cfg, "spool"));
  if (!s->buf || !s->spool_path)
    goto fail;
  drift_chat_options_read(cfg, NULL, &options);
  rc = drift_chat_new(ctx, host, &options, &s->chat);
  if (rc == TF_OK)
    rc = start(s, cfg);
  if (rc != TF_OK)
    goto fail;
  *state = s;
  return TF_OK;
fail:
  source_drift_webhook_fini(s);
  return rc;
}

/* check-connection: init() bound the listen address (or failed saying
 * why); release it at once, and remove the spool file when init() made it
 * and no event came in meanwhile, so the check leaves nothing behind. */
static int source_drift_webhook_check_connection(void *state, tf_ctx *ctx)
{
  source_drift_webhook *s = state;

  (void)ctx;
  stop_server(s);
  if (s->spool_created && s->spool.length == 0 && unlink(s->spool_path) != 0)
    s->host->log(s->ctx, TF_LOG_WARN, "cannot remove the empty spool %s",
                 s->spool_path);
  return TF_OK;
}

static const tf_source_plugin source_drift_webhook_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "drift_webhook",
    .base.version = "1.0.0",
    .base.description =
        "Receives Drift webhook events over HTTP (verified, spooled and "
        "fsynced before the answer) and emits the same chat events as the "
        "drift source.",
    .base.license = "MIT",
    .base.options = source_drift_webhook_options,
    .base.check = source_drift_webhook_check,
    .base.init = source_drift_webhook_init,
    .base.fini = source_drift_webhook_fini,
    .produce = source_drift_webhook_produce,
    .position = source_drift_webhook_position,
    .seek = source_drift_webhook_seek,
    .stop = source_drift_webhook_stop,
    .check_connection = source_drift_webhook_check_connection,
};

TF_SOURCE_PLUGIN(source_drift_webhook, source_drift_webhook_plugin)
