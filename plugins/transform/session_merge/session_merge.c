/*
 * session_merge.c - the `session_merge` transform: attribution events in,
 * touchpoints out (docs/events.md -> docs/contract.md#the-touchpoint-record).
 *
 * Owns the plugin glue only: the option table, reading the validated
 * config (and checking the rules inside channel_rules: the host only
 * checks that it is a list of objects), and moving records between the host and
 * the engine (merge.h): rejects to the dead-letter output, persons passed
 * through by reference, resolved touchpoints emitted after each batch, counters
 * reported as metrics.  The attribution itself lives in resolve.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchflow/plugin.h>
#include "merge.h"
#include "rules.h"

#define MS_PER_SECOND 1000.0
/* Touchpoints emitted per flush() call at the end of input. */
#define SM_FLUSH_CHUNK 4096
#define MS_PER_DAY (86400.0 * MS_PER_SECOND)

typedef struct session_merge {
  tf_ctx *ctx;
  const tf_host *host;
  sm_rules *rules;
  sm_merge *merge;
  int64_t reported[SM_COUNTER_COUNT]; /* counter values already reported */
} session_merge;

static const tf_option session_merge_options[] = {
    {"session_timeout", TF_OPT_DURATION, "30m", TF_OPT_RANGE, MS_PER_SECOND,
     MS_PER_DAY, NULL,
     "Inactivity that ends a web session. A session covers [first hit, last "
     "hit + session_timeout): a hit or a call exactly this long after the "
     "last hit is outside it."},
    {"chat_enabled", TF_OPT_BOOL, "true", 0, 0, 0, NULL,
     "false: chat events make no touchpoint at all (they are counted as "
     "chats_disabled)."},
    {"emit_web_visits", TF_OPT_BOOL, "true", 0, 0, 0, NULL,
     "A web session without a conversion (form fill, chat, merged call) "
     "yields one Web Visit touchpoint dated at its first hit. false: none."},
    {"channel_rules", TF_OPT_LIST, NULL, TF_OPT_OBJECTS, 0, 0, NULL,
     "Rules tried before the default channel table, first match wins: "
     "objects {\"channel\": one of the nine channels, \"source\": optional, "
     "\"medium\": optional, \"match\": {condition: [values]}} where a "
     "condition is utm_source, utm_medium, utm_campaign, utm_term, "
     "utm_content (\"*\": any value), referrer_host, page_host (host "
     "patterns: \"linkedin.com\" covers its subdomains, \"google.*\" any "
     "country suffix) or param (query parameter names). Every condition "
     "must hold; one of its values is enough."},
    {"allowed_lateness", TF_OPT_DURATION, "0s", TF_OPT_RANGE, 0,
     30 * MS_PER_DAY, NULL,
     "A margin for inputs whose watermark is an estimate (a live feed): "
     "sessions are resolved only once the host's input watermark minus this "
     "has passed them, and an event older than that is dead-lettered as "
     "late. With inputs that end (files) the host's watermark is exact and "
     "0s is right: a larger value only holds events longer."},
    {"max_future", TF_OPT_DURATION, "1d", TF_OPT_RANGE, 0, 36500.0 * MS_PER_DAY,
     NULL,
     "A hit, call or chat dated more than this after the clock when the "
     "run starts has not happened yet (a wrong clock or time field, a year "
     "9999): it is dead-lettered as ts_in_future instead of making a "
     "touchpoint dated in the future."},
    {"memory_budget", TF_OPT_SIZE, "256M", TF_OPT_RANGE, 64.0 * 1024,
     1024.0 * 1024 * 1024 * 1024, NULL,
     "Memory for events waiting for the watermark (an input that promises no "
     "time order makes every event wait until it ends). Beyond it, waiting "
     "events are written to time-sorted temporary files in spill_dir and "
     "merged back, so any input size runs in flat memory."},
    {"spill_dir", TF_OPT_STRING, NULL, TF_OPT_PATH, 0, 0, NULL,
     "Folder for the temporary spill files (unlinked as soon as created). "
     "Default: $TMPDIR, else /tmp."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* The wall clock in epoch ms (0 when it cannot be read: no limit). */
static int64_t now_ms(void)
{
  struct timespec now;

  if (clock_gettime(CLOCK_REALTIME, &now) != 0)
    return 0;
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void log_warning(void *ud, const char *message)
{
  session_merge *sm = ud;

  sm->host->log(sm->ctx, TF_LOG_WARN, "%s", message);
}

/* Logs one channel_rules problem as a config error. */
static void log_rule_problem(void *ud, const char *path, const char *message)
{
  session_merge *sm = ud;

  sm->host->log(sm->ctx, TF_LOG_ERROR, "%s: %s", path, message);
}

/* The plugin's check(): builds the channel_rules with every problem
 * reported at its path ("channel_rules[2].match.utm_mediun"), then frees
 * them.  init() builds them with the same sm_rules_new, so the two agree. */
static int session_merge_check(const tf_config *config, tf_problem_fn problem,
                               void *ud)
{
  sm_rules *rules = NULL;
  int rc = sm_rules_new(tf_config_json(config, "channel_rules"), problem, ud,
                        &rules);

  sm_rules_free(rules);
  return rc;
}

static void session_merge_fini(void *state)
{
  session_merge *sm = state;

  if (!sm)
    return;
  sm_merge_free(sm->merge);
  sm_rules_free(sm->rules);
  free(sm);
}

static int session_merge_init(tf_ctx *ctx, const tf_host *host,
                              const tf_config *config, void **state)
{
  session_merge *sm = calloc(1, sizeof(*sm));
  sm_settings set;
  int rc;

  *state = NULL;
  if (!sm)
    return TF_ERR_NOMEM;
  sm->ctx = ctx;
  sm->host = host;
  rc = sm_rules_new(tf_config_json(config, "channel_rules"), log_rule_problem,
                    sm, &sm->rules);
  if (rc != TF_OK)
    goto out_free_state;
  set.timeout = tf_config_int(config, "session_timeout");
  set.lateness = tf_config_int(config, "allowed_lateness");
  set.chat_enabled = tf_config_bool(config, "chat_enabled");
  set.emit_web_visits = tf_config_bool(config, "emit_web_visits");
  set.memory_budget = (size_t)tf_config_int(config, "memory_budget");
  set.spill_dir = tf_config_string(config, "spill_dir");
  set.rules = sm->rules;
  set.max_future = tf_config_int(config, "max_future");
  set.future_limit = now_ms();
  if (set.future_limit != 0)
    set.future_limit += set.max_future;
  set.warn = log_warning;
  set.warn_ud = sm;
  sm->merge = sm_merge_new(&set);
  if (!sm->merge) {
    rc = TF_ERR_NOMEM;
    goto out_free_state;
  }
  *state = sm;
  return TF_OK;

out_free_state:
  session_merge_fini(sm);
  return rc;
}

/* Reports what each counter gained since the last report. */
static void report_counters(session_merge *sm)
{
  int i;

  for (i = 0; i < SM_COUNTER_COUNT; i++) {
    int64_t now = sm_merge_count(sm->merge, (sm_counter)i);

    if (now != sm->reported[i])
      sm->host->metric(sm->ctx, sm_counter_name((sm_counter)i),
                       now - sm->reported[i]);
    sm->reported[i] = now;
  }
}

static int emit_to_host(void *ud, tf_record *rec)
{
  session_merge *sm = ud;

  return sm->host->emit(sm->ctx, rec);
}

/* Logs why the engine failed (a spill file), and passes the code on. */
static int engine_failed(session_merge *sm, int rc)
{
  if (rc == TF_ERR_IO)
    sm->host->log(sm->ctx, TF_LOG_ERROR, "%s", sm_merge_error(sm->merge));
  return rc;
}

/* Hands one record to the engine and acts on its verdict. */
static int take(session_merge *sm, tf_record *rec)
{
  sm_verdict verdict;
  sm_problem why;
  int rc = sm_merge_add(sm->merge, rec, &verdict, &why);

  if (rc != TF_OK)
    return rc;
  if (verdict == SM_REJECTED)
    return sm->host->reject(sm->ctx, rec, why.code, why.message);
  if (verdict == SM_PASS)
    return sm->host->emit(sm->ctx, tf_record_ref(rec));
  return TF_OK;
}

static int session_merge_process(void *state, tf_ctx *ctx,
                                 const tf_batch *batch)
{
  session_merge *sm = state;
  size_t i, n = tf_batch_count(batch);
  int rc = TF_OK;

  (void)ctx;
  for (i = 0; i < n && rc == TF_OK; i++)
    rc = take(sm, tf_batch_get(batch, i));
  if (rc == TF_OK)
    rc = sm_merge_drain(sm->merge, emit_to_host, sm);
  report_counters(sm);
  return engine_failed(sm, rc);
}

/* The host's input watermark rose: resolve what it has passed. */
static int session_merge_advance(void *state, tf_ctx *ctx, int64_t watermark)
{
  session_merge *sm = state;
  int rc;

  (void)ctx;
  rc = sm_merge_advance(sm->merge, watermark);
  if (rc == TF_OK)
    rc = sm_merge_drain(sm->merge, emit_to_host, sm);
  report_counters(sm);
  return engine_failed(sm, rc);
}

static int session_merge_flush(void *state, tf_ctx *ctx)
{
  session_merge *sm = state;
  int rc, done = 1;

  (void)ctx;
  /* A 1.1 host (it has watermark()) calls flush again on TF_FLUSH_AGAIN:
   * emit a batch at a time rather than everything spilled at once. */
  if (TF_HOST_HAS(sm->host, watermark))
    rc = sm_merge_finish_some(sm->merge, SM_FLUSH_CHUNK, &done);
  else
    rc = sm_merge_finish(sm->merge);
  if (rc == TF_OK)
    rc = sm_merge_drain(sm->merge, emit_to_host, sm);
  report_counters(sm);
  if (rc == TF_OK && !done)
    return TF_FLUSH_AGAIN;
  return engine_failed(sm, rc);
}

/* The checkpoint (docs/checkpoints.md; README.md "State"): everything the
 * engine holds.  The host calls it between batches, with the outbox
 * drained. */
static int session_merge_snapshot(void *state, json_t **snapshot)
{
  session_merge *sm = state;

  return engine_failed(sm, sm_merge_snapshot(sm->merge, snapshot));
}

/* Puts a fresh instance in the snapshot's state; the counters it restores
 * were reported by the run that took it. */
static int session_merge_restore(void *state, const json_t *snapshot)
{
  session_merge *sm = state;
  char err[512];
  int rc = sm_merge_restore(sm->merge, snapshot, err, sizeof(err));
  int i;

  if (rc != TF_OK) {
    sm->host->log(sm->ctx, TF_LOG_ERROR, "cannot restore the snapshot: %s",
                  err);
    return rc;
  }
  for (i = 0; i < SM_COUNTER_COUNT; i++)
    sm->reported[i] = sm_merge_count(sm->merge, (sm_counter)i);
  return TF_OK;
}

static const tf_transform_plugin session_merge_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "session_merge",
    .base.version = "1.0.0",
    .base.description =
        "Turns hits, calls, chats and CRM events into attribution touchpoints: "
        "web sessions per BizibleId, channels, and call and chat conversions "
        "merged into the session they happened in.",
    .base.license = "MIT",
    .base.options = session_merge_options,
    .base.init = session_merge_init,
    .base.fini = session_merge_fini,
    .process = session_merge_process,
    .flush = session_merge_flush,
    .advance = session_merge_advance,
    .snapshot = session_merge_snapshot,
    .restore = session_merge_restore,
    .base.check = session_merge_check,
};

TF_TRANSFORM_PLUGIN(transform_session_merge, session_merge_plugin)
