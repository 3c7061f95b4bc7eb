/*
 * marketo.c - the `marketo` sink: plugin glue.
 *
 * Owns the sink's state: the settings, the REST client, the queue of
 * records waiting for a batch and the running batches (jobs).  write()
 * maps each record to lead fields and queues it, starts a batch for every
 * full batch_size of leads (up to max_in_flight batches at once) and moves
 * the calls on; it blocks only while a full batch waits for room.  flush()
 * sends what is left and waits until every record is delivered or
 * dead-lettered.  The partition check at init() also proves the
 * credentials before any record moves.
 *
 * Checkpoints: snapshot() is a commit point, so it delivers what is
 * queued, as flush() does, before the host records the checkpoint; the
 * snapshot itself is empty.  After a crash the records since the last
 * checkpoint are sent again, which the lookup-then-sync by the dedupe
 * field makes harmless (at least once, idempotent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/plugin.h>
#include "client.h"
#include "settings.h"
#include "group.h"
#include "job.h"
#include "mapping.h"
#include "queue.h"

/* Sync Leads takes 1 MB; keep a batch's fields under this. */
#define MAX_BATCH_BYTES (900u * 1024u)
/* Longest wait of one step; write() and flush() loop on steps. */
#define STEP_MS 1000

typedef struct mkto_sink {
  tf_ctx *ctx;
  const tf_host *host;
  mkto_config cfg;
  mkto_client *client;
  mkto_env env;
  mkto_queue queue;
  mkto_job *jobs; /* running batches */
  int n_jobs;
  int partition_rc; /* 1 while the partition check runs, then a tf code */
} mkto_sink;

static void marketo_fini(void *state);

/* --- Partition check -------------------------------------------------- */

static void list_names(const json_t *result, char *buf, size_t len)
{
  const json_t *p;
  size_t i, used = 0;

  buf[0] = '\0';
  json_array_foreach (result, i, p) {
    const char *name = json_string_value(json_object_get(p, "name"));

    if (name && used < len)
      used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"",
                               used ? ", " : "", name);
  }
}

static void on_partitions(void *ud, const mkto_outcome *outcome)
{
  mkto_sink *s = ud;
  const json_t *result, *p;
  char names[512];
  size_t i;

  if (outcome->code) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "partition: cannot read the lead partitions: %s",
                 outcome->message);
    s->partition_rc =
        strncmp(outcome->code, "http_", 5) == 0 ? TF_ERR_IO : TF_ERR_CONFIG;
    return;
  }
  result = json_object_get(outcome->body, "result");
  json_array_foreach (result, i, p) {
    const char *name = json_string_value(json_object_get(p, "name"));

    if (name && strcmp(name, s->cfg.partition) == 0) {
      s->partition_rc = TF_OK;
      return;
    }
  }
  list_names(result, names, sizeof(names));
  s->host->log(s->ctx, TF_LOG_ERROR,
               "partition: \"%s\" does not exist in this Marketo instance "
               "(partitions: %s)",
               s->cfg.partition, names[0] ? names : "none");
  s->partition_rc = TF_ERR_CONFIG;
}

/* GET /rest/v1/leads/partitions.json, waited for.  Refused credentials
 * and unknown partitions are config errors; an unreachable Marketo is
 * TF_ERR_IO. */
static int check_partition(mkto_sink *s)
{
  s->partition_rc = 1;
  if (mkto_client_get(s->client, "/rest/v1/leads/partitions.json", NULL,
                      on_partitions, s) != TF_OK)
    return TF_ERR_NOMEM;
  while (s->partition_rc == 1 && !mkto_client_failure(s->client))
    mkto_client_step(s->client, STEP_MS);
  if (s->partition_rc == 1) /* the client failed before any answer */
    return mkto_client_credentials_refused(s->client) ? TF_ERR_CONFIG
                                                      : TF_ERR_IO;
  return s->partition_rc;
}

/* --- Lifecycle -------------------------------------------------------- */

static int marketo_init(tf_ctx *ctx, const tf_host *host,
                        const tf_config *config, void **state)
{
  mkto_sink *s = calloc(1, sizeof(*s));
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  rc = mkto_config_read(&s->cfg, config, ctx, host);
  if (rc != TF_OK)
    goto out_free_sink;
  rc = mkto_queue_init(&s->queue);
  if (rc != TF_OK)
    goto out_free_sink;
  rc = mkto_client_new(&s->client, &s->cfg, ctx, host);
  if (rc != TF_OK)
    goto out_free_sink;
  s->env.cfg = &s->cfg;
  s->env.client = s->client;
  s->env.ctx = ctx;
  s->env.host = host;
  rc = check_partition(s);
  if (rc != TF_OK)
    goto out_free_sink;
  *state = s;
  return TF_OK;

out_free_sink:
  marketo_fini(s);
  return rc;
}

static void marketo_fini(void *state)
{
  mkto_sink *s = state;

  if (!s)
    return;
  mkto_client_free(s->client);
  while (s->jobs) {
    mkto_job *next = s->jobs->next;

    mkto_job_free(s->jobs);
    s->jobs = next;
  }
  if (s->queue.pending)
    mkto_queue_clear(&s->queue);
  mkto_config_clear(&s->cfg);
  free(s);
}

/* --- Batches ---------------------------------------------------------- */

/* Frees finished jobs and frees their dedupe values for later batches. */
static void sweep(mkto_sink *s)
{
  mkto_job **link = &s->jobs;

  while (*link) {
    mkto_job *job = *link;
    size_t i;

    if (!job->finished) {
      link = &job->next;
      continue;
    }
    *link = job->next;
    for (i = 0; i < job->n; i++)
      mkto_queue_release(&s->queue, job->groups[i]->key);
    mkto_job_free(job);
    s->n_jobs--;
  }
}

/* Starts batches while there is room: full ones, or any when flushing. */
static void start_jobs(mkto_sink *s, int flushing)
{
  size_t want = (size_t)s->cfg.batch_size;
  mkto_group *groups[300];

  while (s->n_jobs < s->cfg.max_in_flight && !mkto_client_failure(s->client)) {
    size_t ready = mkto_queue_ready(&s->queue, want), n;
    mkto_job *job;

    if (ready == 0 || (!flushing && ready < want))
      return;
    n = mkto_queue_take(&s->queue, groups, want, MAX_BATCH_BYTES);
    if (mkto_job_start(&job, &s->env, groups, n) != TF_OK) {
      mkto_client_fail(s->client, "out of memory");
      return;
    }
    job->next = s->jobs;
    s->jobs = job;
    s->n_jobs++;
  }
}

/* write(): may return once no full batch waits and the queue is small. */
static int may_return(mkto_sink *s)
{
  size_t want = (size_t)s->cfg.batch_size;

  return mkto_queue_ready(&s->queue, want) < want &&
         s->queue.n_groups < 4 * want;
}

/* Moves batches on until the condition of the caller holds. */
static void pump(mkto_sink *s, int flushing)
{
  for (;;) {
    sweep(s);
    start_jobs(s, flushing);
    if (mkto_client_failure(s->client))
      return;
    if (flushing && s->n_jobs == 0 && s->queue.n_groups == 0)
      return;
    if (!flushing && may_return(s)) {
      mkto_client_step(s->client, 0);
      sweep(s);
      return;
    }
    mkto_client_step(s->client, STEP_MS);
  }
}

/* --- Writing ---------------------------------------------------------- */

static int queue_record(mkto_sink *s, tf_record *rec)
{
  json_t *fields;
  char *key, message[512];
  const char *code = NULL;
  size_t merged = s->queue.n_merged;
  int rc;

  rc = mkto_map_record(&s->cfg, rec, &fields, &key, &code, message,
                       sizeof(message));
  if (rc == TF_ERR_INVAL)
    return s->host->reject(s->ctx, rec, code, message);
  if (rc != TF_OK)
    return rc;
  rc = mkto_queue_add(&s->queue, key, fields, rec);
  if (s->queue.n_merged != merged)
    s->host->metric(s->ctx, "records_merged", 1);
  return rc;
}

static tf_sink_result marketo_write(void *state, tf_ctx *ctx,
                                    const tf_batch *batch)
{
  mkto_sink *s = state;
  size_t i;
  int rc = TF_OK;

  (void)ctx;
  for (i = 0; i < tf_batch_count(batch) && rc == TF_OK; i++)
    rc = queue_record(s, tf_batch_get(batch, i));
  if (rc != TF_OK) {
    s->host->log(s->ctx, TF_LOG_ERROR, "cannot queue a record: %s",
                 tf_strerror(rc));
    return TF_SINK_ERROR;
  }
  pump(s, 0);
  return mkto_client_failure(s->client) ? TF_SINK_ERROR : TF_SINK_OK;
}

static int marketo_flush(void *state, tf_ctx *ctx)
{
  mkto_sink *s = state;

  (void)ctx;
  pump(s, 1);
  return mkto_client_failure(s->client) ? TF_ERR_PLUGIN : TF_OK;
}

static int marketo_snapshot(void *state, json_t **snapshot)
{
  mkto_sink *s = state;

  *snapshot = NULL;
  pump(s, 1);
  if (mkto_client_failure(s->client))
    return TF_ERR_PLUGIN;
  *snapshot = json_object();
  return *snapshot ? TF_OK : TF_ERR_NOMEM;
}

/* Nothing to take back: what was delivered stays delivered. */
static int marketo_restore(void *state, const json_t *snapshot)
{
  (void)state;
  return json_is_object(snapshot) ? TF_OK : TF_ERR_PARSE;
}

/* check-connection: init() got a token and read the partitions; reading
 * them again proves the connection once more and writes nothing. */
static int marketo_check_connection(void *state, tf_ctx *ctx)
{
  (void)ctx;
  return check_partition(state);
}

static const tf_sink_plugin marketo_plugin = {
    TF_SINK_HEADER,
    .base.name = "marketo",
    .base.version = "1.0.0",
    .base.description =
        "Streams people to Marketo Engage: matches leads across partitions by "
        "a dedupe field, updates the newest match, creates the rest, adds them "
        "to a static list.",
    .base.license = "MIT",
    .base.options = mkto_options,
    .base.init = marketo_init,
    .base.fini = marketo_fini,
    .write = marketo_write,
    .flush = marketo_flush,
    .snapshot = marketo_snapshot,
    .restore = marketo_restore,
    .base.check = mkto_config_check,
    .check_connection = marketo_check_connection,
};

TF_SINK_PLUGIN(sink_marketo, marketo_plugin)
