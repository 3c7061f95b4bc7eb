/*
 * transform_dedupe.c - the `dedupe` transform: drops repeated touchpoints
 * and applies docs/attribution-rules.md#drift-chat-rule-3 (touchpoints of the
 * old CRM chat paths dated on or after the integration's activation date).
 *
 * Owns the plugin descriptor, the option table, the config checks
 * (check(), which init() runs too), how `window` is read (a record count or
 * an event-time duration), the order in which a record is judged (raw ->
 * rejected; not a touchpoint -> passed; Drift rule -> dropped; repeated key
 * -> dropped; else passed), the counters, and the snapshot of the
 * remembered keys.  The key and its hash live in dedupe_key.c, the bounded
 * key set in dedupe_cache.c, the Drift rules in drift_rules.c.
 *
 * Kept records are passed on as they are (a new reference, never a copy);
 * dropped ones are counted, not dead-lettered; only records that cannot be
 * judged go to host->reject().  Records are read through their value index
 * (touchflow/value.h), never parsed into a jansson tree, so a kept record
 * reaches the sink as the bytes it was read from.  The config and the
 * snapshot are jansson.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/time.h>
#include <touchflow/value.h>
#include "dedupe_cache.h"
#include "dedupe_key.h"
#include "drift_rules.h"

#define SNAPSHOT_FORMAT 1
#define NO_TIME INT64_MIN

typedef enum window_kind { WINDOW_COUNT, WINDOW_DURATION } window_kind;

typedef struct transform_dedupe {
  tf_ctx *ctx;
  const tf_host *host;
  dedupe_key key;
  const char *window_text; /* borrowed from the config */
  window_kind window_kind;
  int64_t window;      /* records (count) or milliseconds (duration) */
  size_t max_entries;  /* how many keys the cache may hold */
  dedupe_cache *cache; /* owned */
  int64_t latest_ms;   /* latest `date` seen (duration), or NO_TIME */
  int warned_eviction;
  drift_rules drift;
  int64_t drift_dropped[DRIFT_RULE_COUNT];
  int flushed;
} transform_dedupe;

static const tf_option transform_dedupe_options[] = {
    {"key", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "Field paths (dotted, array elements by index) whose values together "
     "make a record's key. Default: the whole record (field order does not "
     "matter). A record where a key field is absent or null is passed on "
     "without dedupe (counted in passed_missing_key)."},
    {"window", TF_OPT_STRING, "100000", 0, 0, 0, NULL,
     "How far back a repeat is looked for. A record count written as digits "
     "only (\"100000\": the last 100000 distinct keys, least recently seen "
     "forgotten first; a bare number is a count, not seconds), or an "
     "event-time duration with a unit (\"250ms\", \"30s\", \"30m\", \"24h\", "
     "\"7d\": a record is dropped when one with its key was kept less than "
     "that before or after it, by `date`)."},
    {"max_entries", TF_OPT_INT, "1000000", TF_OPT_RANGE, 1, DEDUPE_CACHE_MAX,
     NULL,
     "With a duration window: the most keys remembered (about 44 bytes "
     "each); the least recently seen is forgotten first, counted in "
     "evicted_in_window when still inside the window. With a count window "
     "the count is the bound and this option is refused."},
    {"chat_integration_enabled_at", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "The Drift activation date D: an ISO-8601 date (\"2026-03-01\", "
     "meaning 00:00:00Z) or date and time (\"2026-03-01T09:30:00Z\", "
     "offsets allowed). From D on, touchpoints of the old CRM chat paths "
     "are dropped (docs/attribution-rules.md#drift-chat-rule-3). Needs "
     "chat_campaign_ids or chat_activity_types."},
    {"chat_campaign_ids", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "CRM ids of the chat campaigns: their `CRM Campaign` touchpoints dated "
     "on or after D are dropped (dropped_chat_campaign). A 15-character "
     "Salesforce id also matches its 18-character form."},
    {"chat_activity_types", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "Task types of chats (\"Chat\", \"Drift\"; any case): `CRM Activity` "
     "touchpoints with such a `medium` dated on or after D are dropped "
     "(dropped_chat_activity)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Checking the config (check(): no I/O, no state) ---------------------- */

/* 1 when text is one or more decimal digits only. */
static int is_count_text(const char *text)
{
  if (!*text)
    return 0;
  for (; *text; text++)
    if (*text < '0' || *text > '9')
      return 0;
  return 1;
}

/* Parses `window`: digits only are a record count (1 to DEDUPE_CACHE_MAX),
 * anything else must be a positive duration with a unit.  *kind says which
 * it was read as, even when the value is refused (TF_ERR_CONFIG). */
static int parse_window(const char *text, window_kind *kind, int64_t *window)
{
  unsigned long long n;

  if (!is_count_text(text)) {
    *kind = WINDOW_DURATION;
    return tf_parse_duration(text, window) == TF_OK && *window > 0
               ? TF_OK
               : TF_ERR_CONFIG;
  }
  *kind = WINDOW_COUNT;
  n = strtoull(text, NULL, 10);
  if (n < 1 || n > DEDUPE_CACHE_MAX)
    return TF_ERR_CONFIG;
  *window = (int64_t)n;
  return TF_OK;
}

static int check_key(const tf_config *config, tf_problem_fn problem, void *ud)
{
  const json_t *paths = tf_config_json(config, "key");
  const json_t *path;
  char at[32];
  size_t i;
  int rc = TF_OK;

  if (paths && json_array_size(paths) == 0) {
    problem(ud, "key", "empty list (leave it out to use the whole record)");
    return TF_ERR_CONFIG;
  }
  json_array_foreach (paths, i, path) {
    if (dedupe_key_path_is_valid(json_string_value(path)))
      continue;
    snprintf(at, sizeof(at), "key[%zu]", i);
    tf_problemf(problem, ud, at,
                "\"%s\" is not a field path (non-empty names separated by "
                "dots)",
                json_string_value(path));
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* The window, and max_entries, which bounds a duration window only. */
static int check_window(const tf_config *config, tf_problem_fn problem,
                        void *ud)
{
  const char *text = tf_config_string(config, "window");
  window_kind kind;
  int64_t window;

  if (parse_window(text, &kind, &window) != TF_OK) {
    if (kind == WINDOW_COUNT)
      tf_problemf(problem, ud, "window",
                  "a record count must be from 1 to %u, got %s",
                  DEDUPE_CACHE_MAX, text);
    else
      tf_problemf(problem, ud, "window",
                  "expected a record count (\"100000\") or a duration with "
                  "a unit (\"250ms\", \"30s\", \"30m\", \"24h\", "
                  "\"7d\"), got \"%s\"",
                  text);
    return TF_ERR_CONFIG;
  }
  if (kind != WINDOW_COUNT || !tf_config_given(config, "max_entries"))
    return TF_OK;
  tf_problemf(problem, ud, "max_entries",
              "applies only when window is a duration; with a record count "
              "(\"%s\") the count is the bound",
              text);
  return TF_ERR_CONFIG;
}

/* The plugin's check(), which init() runs too: every problem reported. */
static int transform_dedupe_check(const tf_config *config,
                                  tf_problem_fn problem, void *ud)
{
  int rc = check_key(config, problem, ud);

  if (check_window(config, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (drift_rules_check(config, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  return rc;
}

/* --- Reading the checked config ------------------------------------------- */

static void read_config(transform_dedupe *t, const tf_config *config)
{
  t->key.paths = tf_config_json(config, "key");
  t->window_text = tf_config_string(config, "window");
  parse_window(t->window_text, &t->window_kind, &t->window);
  t->max_entries = t->window_kind == WINDOW_COUNT
                       ? (size_t)t->window
                       : (size_t)tf_config_int(config, "max_entries");
  drift_rules_read(&t->drift, config);
}

/* --- Lifecycle ------------------------------------------------------------ */

static void transform_dedupe_fini(void *state)
{
  transform_dedupe *t = state;

  if (!t)
    return;
  dedupe_cache_free(t->cache);
  free(t);
}

static int transform_dedupe_init(tf_ctx *ctx, const tf_host *host,
                                 const tf_config *config, void **state)
{
  transform_dedupe *t = calloc(1, sizeof(*t));
  int rc;

  if (!t)
    return TF_ERR_NOMEM;
  t->ctx = ctx;
  t->host = host;
  t->latest_ms = NO_TIME;
  rc = tf_check_logged(transform_dedupe_check, config, ctx, host);
  if (rc != TF_OK)
    goto out_free_state;
  read_config(t, config);
  t->cache = dedupe_cache_new(t->max_entries);
  if (!t->cache) {
    rc = TF_ERR_NOMEM;
    host->log(ctx, TF_LOG_ERROR, "%s", tf_strerror(rc));
    goto out_free_state;
  }
  host->log(ctx, TF_LOG_DEBUG, "window %s: %s, at most %zu keys",
            t->window_text,
            t->window_kind == WINDOW_COUNT ? "a record count"
                                           : "an event-time duration",
            t->max_entries);
  *state = t;
  return TF_OK;

out_free_state:
  transform_dedupe_fini(t);
  return rc;
}

/* --- Judging one record --------------------------------------------------- */

/* Passes rec on unchanged (the same record, one more reference). */
static int pass(transform_dedupe *t, tf_record *rec)
{
  return t->host->emit(t->ctx, tf_record_ref(rec));
}

/* A touchpoint has a touchpoint_id or a type
 * (docs/contract.md#the-touchpoint-record), of any value, null included; person
 * events and other shapes have neither. */
static int is_touchpoint(const tf_record *rec)
{
  return tf_record_value(rec, "touchpoint_id") || tf_record_value(rec, "type");
}

/* Reads the touchpoint's `date`; rejects the record (*rejected = 1) when it
 * is missing or not an ISO-8601 time, saying what it was needed for. */
static int read_date(transform_dedupe *t, const tf_record *rec,
                     const char *needed_for, int64_t *ms, int *rejected)
{
  const char *text = tf_value_string(tf_record_value(rec, "date"), NULL);

  *rejected = 0;
  if (text && tf_time_parse(text, ms) == TF_OK)
    return TF_OK;
  *rejected = 1;
  if (!text)
    return tf_rejectf(t->host, t->ctx, rec, "invalid_date",
                      "date: missing or not a string (needed %s)", needed_for);
  return tf_rejectf(t->host, t->ctx, rec, "invalid_date",
                    "date: \"%s\" is not an ISO-8601 time (needed %s)", text,
                    needed_for);
}

/* Applies a Drift rule to a touchpoint it matched; *done = 1 when the
 * record was dropped or rejected. */
static int apply_drift(transform_dedupe *t, const tf_record *rec,
                       drift_rule rule, int *done)
{
  int64_t ms;
  int rc = read_date(t, rec, "to compare with chat_integration_enabled_at", &ms,
                     done);

  if (rc != TF_OK || *done)
    return rc;
  if (!drift_rules_after_activation(&t->drift, ms))
    return TF_OK;
  *done = 1;
  t->drift_dropped[rule]++;
  t->host->metric(t->ctx, drift_rule_metric(rule), 1);
  return TF_OK;
}

static int drop_duplicate(transform_dedupe *t)
{
  t->host->metric(t->ctx, "dropped_duplicate", 1);
  return TF_OK;
}

/* Distance between two times in ms, without overflow. */
static uint64_t distance(int64_t a, int64_t b)
{
  return a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

/* 1 when a key kept at ms can no longer repeat within the window of the
 * latest date seen. */
static int is_past_window(const transform_dedupe *t, int64_t ms)
{
  return t->latest_ms > ms && distance(t->latest_ms, ms) >= (uint64_t)t->window;
}

/* Warns (once) and counts when the cache bound forgot a key whose window
 * was still open: a repeat of it would now pass. */
static void note_eviction(transform_dedupe *t, int64_t evicted_ms)
{
  if (is_past_window(t, evicted_ms))
    return;
  t->host->metric(t->ctx, "evicted_in_window", 1);
  if (t->warned_eviction)
    return;
  t->warned_eviction = 1;
  t->host->log(t->ctx, TF_LOG_WARN,
               "max_entries (%zu) is too small for window %s: keys are "
               "forgotten inside their window, so some repeats may pass "
               "(counted in evicted_in_window)",
               t->max_entries, t->window_text);
}

/* Forgets keys that no record within the window of the latest date seen
 * could repeat: the least recently seen, while they are that old. */
static void forget_expired(transform_dedupe *t)
{
  dedupe_hash key;
  int64_t ms;

  while (dedupe_cache_oldest(t->cache, &key, &ms) && is_past_window(t, ms))
    dedupe_cache_drop_oldest(t->cache);
}

/* Count window: a key among the last `window` distinct ones is a repeat. */
static int dedupe_by_count(transform_dedupe *t, tf_record *rec, dedupe_hash h)
{
  int rc;

  if (dedupe_cache_touch(t->cache, h, NULL))
    return drop_duplicate(t);
  rc = dedupe_cache_add(t->cache, h, 0, NULL, NULL);
  if (rc != TF_OK)
    return rc;
  return pass(t, rec);
}

/* Duration window: a repeat is dated less than `window` from the latest
 * kept record of its key (a dropped repeat does not move that time). */
static int dedupe_by_time(transform_dedupe *t, tf_record *rec, dedupe_hash h)
{
  int64_t ms, kept_ms, evicted_ms;
  int evicted = 0, rejected;
  int rc = read_date(t, rec, "by the duration window", &ms, &rejected);

  if (rc != TF_OK || rejected)
    return rc;
  if (dedupe_cache_touch(t->cache, h, &kept_ms)) {
    if (distance(ms, kept_ms) < (uint64_t)t->window)
      return drop_duplicate(t);
    dedupe_cache_set_time(t->cache, h, ms > kept_ms ? ms : kept_ms);
  } else {
    rc = dedupe_cache_add(t->cache, h, ms, &evicted, &evicted_ms);
    if (rc != TF_OK)
      return rc;
  }
  if (ms > t->latest_ms)
    t->latest_ms = ms;
  if (evicted)
    note_eviction(t, evicted_ms);
  forget_expired(t);
  return pass(t, rec);
}

static int dedupe_record(transform_dedupe *t, tf_record *rec)
{
  dedupe_hash h;
  int rc = dedupe_key_hash(&t->key, rec, &h);

  if (rc == TF_ERR_NOTFOUND) {
    t->host->metric(t->ctx, "passed_missing_key", 1);
    return pass(t, rec);
  }
  if (rc != TF_OK)
    return rc;
  if (t->window_kind == WINDOW_COUNT)
    return dedupe_by_count(t, rec, h);
  return dedupe_by_time(t, rec, h);
}

static int judge_record(transform_dedupe *t, tf_record *rec)
{
  drift_rule rule;
  int done = 0;
  int rc;

  if (!tf_record_has_json(rec))
    return tf_rejectf(t->host, t->ctx, rec, "not_an_object",
                      "the record is raw text, not a JSON object");
  /* holding JSON, a record reads as invalid only when its index cannot be
   * built: out of memory */
  if (tf_value_type(tf_record_root(rec)) != TF_TYPE_OBJECT)
    return TF_ERR_NOMEM;
  if (!is_touchpoint(rec)) {
    t->host->metric(t->ctx, "passed_non_touchpoint", 1);
    return pass(t, rec);
  }
  rule = drift_rules_match(&t->drift, rec);
  if (rule != DRIFT_RULE_NONE) {
    rc = apply_drift(t, rec, rule, &done);
    if (rc != TF_OK || done)
      return rc;
  }
  return dedupe_record(t, rec);
}

static int transform_dedupe_process(void *state, tf_ctx *ctx,
                                    const tf_batch *batch)
{
  transform_dedupe *t = state;
  size_t i, n = tf_batch_count(batch);
  int rc;

  for (i = 0; i < n; i++) {
    rc = judge_record(t, tf_batch_get(batch, i));
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Nothing is held back; the first flush logs what the Drift rules dropped
 * and why (the counters also show in the run summary). */
static int transform_dedupe_flush(void *state, tf_ctx *ctx)
{
  transform_dedupe *t = state;
  char since[TF_TIME_ISO_LEN];
  const json_t *lists[DRIFT_RULE_COUNT] = {NULL, t->drift.campaign_ids,
                                           t->drift.activity_types};
  int rule;

  if (t->flushed || !t->drift.enabled)
    return TF_OK;
  t->flushed = 1;
  tf_time_format_ms(t->drift.activation_ms, since, sizeof(since));
  for (rule = DRIFT_RULE_CAMPAIGN; rule < DRIFT_RULE_COUNT; rule++) {
    if (!lists[rule])
      continue;
    t->host->log(t->ctx, TF_LOG_INFO,
                 "Drift chat rule 3: %s: %" PRId64 " dropped (%s dated on or "
                 "after %s)",
                 drift_rule_metric(rule), t->drift_dropped[rule],
                 drift_rule_reason(rule), since);
  }
  return TF_OK;
}

/* --- Snapshot and restore ------------------------------------------------- */

/* Appends one remembered key as ["hex", ms]. */
static int snapshot_entry(void *ud, dedupe_hash key, int64_t time)
{
  char hex[33];
  json_t *entry;

  dedupe_hash_to_hex(key, hex);
  entry = json_pack("[sI]", hex, (json_int_t)time);
  return !entry || json_array_append_new(ud, entry) != 0;
}

/* {"format": 1, "key": [...] | null, "window": "...", "latest": ms | null,
 *  "entries": [["hex", ms], ...]} with the least recently seen key first. */
static int transform_dedupe_snapshot(void *state, json_t **snapshot)
{
  transform_dedupe *t = state;
  json_t *entries = json_array();
  json_t *out;

  if (!entries || dedupe_cache_walk(t->cache, snapshot_entry, entries) != 0)
    goto out_free_entries;
  out = json_pack("{si so ss so so}", "format", SNAPSHOT_FORMAT, "key",
                  t->key.paths ? json_deep_copy(t->key.paths) : json_null(),
                  "window", t->window_text, "latest",
                  t->latest_ms == NO_TIME ? json_null()
                                          : json_integer(t->latest_ms),
                  "entries", entries);
  if (!out)
    return TF_ERR_NOMEM;
  *snapshot = out;
  return TF_OK;

out_free_entries:
  json_decref(entries);
  return TF_ERR_NOMEM;
}

/* The kind of window a snapshot was taken with. */
static window_kind kind_of_window_text(const char *text)
{
  return is_count_text(text) ? WINDOW_COUNT : WINDOW_DURATION;
}

/* Refuses a snapshot taken with another key or another kind of window: its
 * hashes or times would not mean the same thing. */
static int check_snapshot_fits(transform_dedupe *t, const json_t *snap)
{
  const json_t *key = json_object_get(snap, "key");
  const char *window = json_string_value(json_object_get(snap, "window"));
  const json_t *mine = t->key.paths ? t->key.paths : json_null();

  if (json_integer_value(json_object_get(snap, "format")) != SNAPSHOT_FORMAT ||
      !key || !window) {
    t->host->log(t->ctx, TF_LOG_ERROR, "restore: not a dedupe snapshot");
    return TF_ERR_INVAL;
  }
  if (!json_equal((json_t *)key, (json_t *)mine)) {
    t->host->log(t->ctx, TF_LOG_ERROR,
                 "restore: the saved state was made with another key; run "
                 "without the saved state to start afresh");
    return TF_ERR_INVAL;
  }
  if (kind_of_window_text(window) != t->window_kind) {
    t->host->log(t->ctx, TF_LOG_ERROR,
                 "restore: the saved state was made with window \"%s\", "
                 "which is not the same kind (count or duration) as \"%s\"",
                 window, t->window_text);
    return TF_ERR_INVAL;
  }
  return TF_OK;
}

/* Adds one saved ["hex", ms] entry; TF_ERR_INVAL when malformed. */
static int restore_entry(transform_dedupe *t, const json_t *entry)
{
  const char *hex = json_string_value(json_array_get(entry, 0));
  const json_t *time = json_array_get(entry, 1);
  dedupe_hash h;

  if (json_array_size(entry) != 2 || !hex || !json_is_integer(time) ||
      !dedupe_hash_from_hex(hex, &h) || dedupe_cache_touch(t->cache, h, NULL))
    return TF_ERR_INVAL;
  return dedupe_cache_add(t->cache, h, json_integer_value(time), NULL, NULL);
}

static int restore_entries(transform_dedupe *t, const json_t *snap)
{
  const json_t *entries = json_object_get(snap, "entries");
  const json_t *latest = json_object_get(snap, "latest");
  const json_t *entry;
  size_t i;
  int rc;

  if (!json_is_array(entries) ||
      !(json_is_null(latest) || json_is_integer(latest)))
    return TF_ERR_INVAL;
  t->latest_ms = json_is_integer(latest) ? json_integer_value(latest) : NO_TIME;
  json_array_foreach (entries, i, entry) {
    rc = restore_entry(t, entry);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Replaces the remembered keys with the snapshot's.  A snapshot of more keys
 * than the cache holds keeps the most recently seen ones.  On failure the
 * cache is left empty. */
static int transform_dedupe_restore(void *state, const json_t *snapshot)
{
  transform_dedupe *t = state;
  int rc = check_snapshot_fits(t, snapshot);

  if (rc != TF_OK)
    return rc;
  dedupe_cache_clear(t->cache);
  rc = restore_entries(t, snapshot);
  if (rc == TF_OK)
    return TF_OK;
  dedupe_cache_clear(t->cache);
  t->latest_ms = NO_TIME;
  t->host->log(t->ctx, TF_LOG_ERROR, "restore: %s",
               rc == TF_ERR_NOMEM ? tf_strerror(rc)
                                  : "malformed entries in the saved state");
  return rc;
}

static const tf_transform_plugin transform_dedupe_descriptor = {
    TF_TRANSFORM_HEADER,
    .base.name = "dedupe",
    .base.version = "0.1.0",
    .base.description =
        "Drops repeated touchpoints and the old CRM chat touchpoints from the "
        "Drift activation date on.",
    .base.license = "MIT",
    .base.options = transform_dedupe_options,
    .base.init = transform_dedupe_init,
    .base.fini = transform_dedupe_fini,
    .process = transform_dedupe_process,
    .flush = transform_dedupe_flush,
    .snapshot = transform_dedupe_snapshot,
    .restore = transform_dedupe_restore,
    .base.check = transform_dedupe_check,
};

TF_TRANSFORM_PLUGIN(transform_dedupe, transform_dedupe_descriptor)
