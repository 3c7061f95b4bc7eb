/*
 * source_ctm_api.c - the `ctm_api` source: CallTrackingMetrics calls read
 * live from the calls list endpoint (README.md), turned into the same
 * `call` events as the `calltracking` source makes from an export of the
 * same calls (its mapping, call_event.c, is linked in, not copied).
 *
 * The first produce() lists the calls of the window (ctm_list.c): from the
 * `start` option, or on a resumed or later run from the position's mark,
 * to `end` or the run's start less `settle`; keeps those not taken yet
 * and sorts them oldest first.  Each produce() then hands up to
 * max_records of them to the mapping and moves the mark
 * (plugins/common/hwmark.h) past them, so the position after any produce()
 * resumes with nothing missing or repeated.
 *
 * HTTP is the live sources' client (plugins/common/httpsource.h): HTTP
 * Basic with the access key and secret key (never logged), 429 waits
 * Retry-After, 5xx, dropped connections and damaged answers back off and
 * retry up to max_retries, 401/403 stop the run as a configuration error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/record.h>
#include <touchflow/time.h>
#include "../../common/httpsource.h"
#include "../calltracking/call_event.h"
#include "ctm_list.h"
#include "../../common/hwmark.h"

#define DEFAULT_ENDPOINT "https://api.calltrackingmetrics.com/api/v1"

typedef struct source_ctm_api {
  tf_ctx *ctx;
  const tf_host *host;
  httpsource *http;
  call_mapping mapping; /* settings: strings borrowed from the config */
  ctm_query query;
  int64_t start_ms, end_ms, settle_ms; /* INT64_MIN / INT64_MAX: unset */
  hwmark mark;                         /* the position */
  ctm_list list;                       /* this run's calls, oldest first */
  size_t next;
  int listed;
  json_t *first_page; /* page 1 as init() fetched it, with its path */
  char first_path[256];
  int64_t watermark;
} source_ctm_api;

static const tf_option source_ctm_api_options[] = {
    {"endpoint", TF_OPT_STRING, DEFAULT_ENDPOINT, 0, 0, 0, NULL,
     "Base URL of the CTM API (calls are listed from "
     "<endpoint>/accounts/<account_id>/calls.json)."},
    {"account_id", TF_OPT_INT, NULL, TF_OPT_REQUIRED, 0, 0, NULL,
     "The CTM account whose calls are read (a positive integer)."},
    {"access_key", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0, 0,
     NULL,
     "CTM API access key, the HTTP Basic user; must be a \"${ENV}\" "
     "reference. Never logged."},
    {"secret_key", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0, 0,
     NULL,
     "CTM API secret key, the HTTP Basic password; must be a \"${ENV}\" "
     "reference. Never logged."},
    {"start", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "First run only: take calls at or after this time (ISO-8601, e.g. "
     "2026-01-01 or 2026-01-01T00:00:00Z); sent as start_date. Unset: all "
     "the calls the API lists without a start_date."},
    {"end", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "Take calls before this time (ISO-8601); sent as end_date. Unset: up "
     "to the run's start less `settle`."},
    {"settle", TF_OPT_DURATION, "1h", TF_OPT_RANGE, 0, 604800000, NULL,
     "Calls younger than this when the run starts are left for the next "
     "run: a call is listed once it ends, with the unix_time of its start, "
     "so a long call would otherwise come in below the mark and be missed."},
    {"per_page", TF_OPT_INT, "100", TF_OPT_RANGE, 1, 1000, NULL,
     "Calls per page asked of the list endpoint (per_page); the source "
     "follows whatever page size the API answers with."},
    HTTPSOURCE_RETRY_OPTIONS,
    {"bizible_id_field", TF_OPT_STRING, CALL_CTM_BIZIBLE_ID_FIELD, 0, 0, 0,
     NULL,
     "Where a call holds the BizibleId: a field name or a dotted path, as "
     "in the calltracking source."},
    {"phone_field", TF_OPT_STRING, CALL_CTM_PHONE_FIELD, 0, 0, 0, NULL,
     "Where a call holds the caller's phone number: a field name or a "
     "dotted path, as in the calltracking source."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Config ------------------------------------------------------------- */

/* The time option `name` into *ms (unchanged when unset).  Non-zero when
 * it is set but not a time. */
static int time_option(const tf_config *cfg, const char *name, int64_t *ms)
{
  const char *text = tf_config_string(cfg, name);

  return text && tf_time_parse(text, ms) != TF_OK;
}

static int source_ctm_api_check(const tf_config *cfg, tf_problem_fn problem,
                                void *ud)
{
  static const char *const fields[] = {"bizible_id_field", "phone_field"};
  int64_t start = INT64_MIN, end = INT64_MAX;
  int rc = TF_OK;
  size_t i;

  if (tf_config_int(cfg, "account_id") < 1) {
    problem(ud, "account_id", "must be a positive integer");
    rc = TF_ERR_CONFIG;
  }
  if (!httpsource_url_ok(tf_config_string(cfg, "endpoint"))) {
    problem(ud, "endpoint", "must be an http:// or https:// URL");
    rc = TF_ERR_CONFIG;
  }
  if (time_option(cfg, "start", &start)) {
    problem(ud, "start", "must be an ISO-8601 date or time");
    rc = TF_ERR_CONFIG;
  }
  if (time_option(cfg, "end", &end)) {
    problem(ud, "end", "must be an ISO-8601 date or time");
    rc = TF_ERR_CONFIG;
  } else if (end <= start) {
    problem(ud, "end", "must be after `start`");
    rc = TF_ERR_CONFIG;
  }
  for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    const char *value = tf_config_string(cfg, fields[i]);

    if (!value || !*value) {
      problem(ud, fields[i], "must name a field");
      rc = TF_ERR_CONFIG;
    }
  }
  return rc;
}

/* The HTTP client, with the keys. */
static int open_http(source_ctm_api *s, const tf_config *cfg)
{
  httpsource_options o = {
      .service = "CTM API",
      .credential = "access key and secret key",
      .auth_hint = "check the environment variables the `access_key` and "
                   "`secret_key` options name, and that the keys may read "
                   "the account's calls",
      .retry_malformed = 1};
  int rc;

  httpsource_configure(cfg, &o);
  rc = httpsource_new(s->ctx, s->host, &o, &s->http);
  if (rc == TF_OK)
    rc = httpsource_set_basic(s->http, tf_config_string(cfg, "access_key"),
                              tf_config_string(cfg, "secret_key"));
  return rc;
}

static void read_window(source_ctm_api *s, const tf_config *cfg)
{
  s->start_ms = INT64_MIN;
  s->end_ms = INT64_MAX;
  time_option(cfg, "start", &s->start_ms);
  time_option(cfg, "end", &s->end_ms);
  s->settle_ms = tf_config_int(cfg, "settle");
  s->query.account_id = tf_config_int(cfg, "account_id");
  s->query.per_page = (long)tf_config_int(cfg, "per_page");
  s->query.end_ms = s->end_ms;
  s->query.empty_retries = (int)tf_config_int(cfg, "max_retries");
}

/* The window of this run: from the mark (a resumed or later run) or
 * `start`, to `end` or now less `settle`. */
static void set_window(source_ctm_api *s)
{
  int64_t now = (int64_t)time(NULL) * 1000 - s->settle_ms;

  s->query.from_ms = s->mark.ms != INT64_MIN ? s->mark.ms : s->start_ms;
  s->query.to_ms = s->end_ms < now ? s->end_ms : now;
}

/* --- Lifecycle ---------------------------------------------------------- */

static void source_ctm_api_fini(void *state)
{
  source_ctm_api *s = state;

  if (!s)
    return;
  ctm_list_free(&s->list);
  hwmark_clear(&s->mark);
  json_decref(s->first_page);
  tf_builder_free(s->mapping.builder);
  httpsource_free(s->http);
  free(s);
}

static int source_ctm_api_init(tf_ctx *ctx, const tf_host *host,
                               const tf_config *cfg, void **state)
{
  source_ctm_api *s = calloc(1, sizeof(*s));
  call_settings *set;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  s->watermark = TF_WATERMARK_UNKNOWN;
  hwmark_init(&s->mark, HWMARK_NONE);
  rc = tf_check_logged(source_ctm_api_check, cfg, ctx, host);
  if (rc == TF_OK)
    rc = open_http(s, cfg);
  set = &s->mapping.settings;
  set->type = CALL_CTM_CALL;
  set->bizible_id_field = tf_config_string(cfg, "bizible_id_field");
  set->phone_field = tf_config_string(cfg, "phone_field");
  set->order = NULL; /* the calls go out sorted */
  if (rc == TF_OK && !(s->mapping.builder = tf_builder_new()))
    rc = TF_ERR_NOMEM;
  read_window(s, cfg);
  set_window(s);
  /* Page 1 now, so that refused keys (401/403) or a wrong account are a
   * refused config (exit 2) before anything runs; tried once: an endpoint
   * down or busy is asked again by produce(). */
  if (rc == TF_OK)
    rc = ctm_list_path(&s->query, 1, s->first_path, sizeof(s->first_path));
  if (rc == TF_OK) {
    httpsource_set_mode(s->http, HTTPSOURCE_PROBE);
    rc = httpsource_probe_end(
        s->http,
        ctm_list_page(s->http, ctx, host, &s->query, 1, &s->first_page));
  }
  if (rc != TF_OK) {
    source_ctm_api_fini(s);
    return rc;
  }
  *state = s;
  return TF_OK;
}

/* Lists this run's calls; init()'s page 1 serves when seek() left the
 * window as it was. */
static int list_calls(source_ctm_api *s)
{
  char path[256];
  json_t *first = s->first_page;
  int rc;

  s->first_page = NULL;
  set_window(s);
  rc = ctm_list_path(&s->query, 1, path, sizeof(path));
  if (rc == TF_OK && strcmp(path, s->first_path) != 0) {
    json_decref(first);
    first = NULL;
  }
  if (rc == TF_OK)
    rc = ctm_list_all(&s->list, s->http, s->ctx, s->host, &s->query, &s->mark,
                      first);
  else
    json_decref(first);
  if (rc == TF_OK)
    s->host->log(s->ctx, TF_LOG_INFO,
                 "CTM API: %zu call(s) to take (%zu list page(s))", s->list.n,
                 s->list.pages);
  return rc;
}

/* Hands one listed call to calltracking's mapping, which emits its event
 * or rejects it; then the call is taken. */
static int take_call(source_ctm_api *s, const ctm_call *c)
{
  tf_origin origin = {"calls", strtol(c->id, NULL, 10)};
  size_t len = strlen(c->text);
  tf_record *rec = c->text[0] == '{'
                       ? tf_record_parse(c->text, len, &origin, NULL, 0)
                       : tf_record_new_raw(c->text, len, &origin);
  int rc;

  if (!rec)
    return TF_ERR_NOMEM;
  if (c->text[0] != '{') /* as calltracking rejects it in a page */
    rc = s->host->reject(s->ctx, rec, "invalid_field",
                         "a call of the list is not an object");
  else
    rc = source_calltracking_map_call_with(&s->mapping, s->ctx, s->host, rec);
  tf_record_unref(rec);
  if (rc != TF_OK || c->ms == INT64_MIN)
    return rc;
  s->watermark = c->ms;
  return hwmark_take(&s->mark, c->id, c->ms);
}

static int source_ctm_api_produce(void *state, tf_ctx *ctx, size_t max)
{
  source_ctm_api *s = state;
  size_t done = 0;
  int rc;

  (void)ctx;
  if (!s->listed) {
    rc = list_calls(s);
    /* Given up on a stop signal: TF_MORE, nothing taken, so that the host
     * stops (a call after it lists again). */
    if (rc != TF_OK && httpsource_interrupted(s->http)) {
      ctm_list_free(&s->list);
      return TF_MORE;
    }
    if (rc != TF_OK)
      return rc;
    s->listed = 1;
  }
  while (s->next < s->list.n && done < (max ? max : 1)) {
    rc = take_call(s, &s->list.calls[s->next]);
    if (rc != TF_OK)
      return rc;
    s->next++;
    done++;
  }
  return s->next < s->list.n ? TF_MORE : TF_DONE;
}

/* {"mark_ms": ..., "ids_at_mark": [...]} ({} before any call is taken). */
static int source_ctm_api_position(void *state, json_t **position)
{
  source_ctm_api *s = state;
  json_t *pos = json_object();
  int rc = pos ? hwmark_save(&s->mark, pos, "mark_ms") : TF_ERR_NOMEM;

  if (rc != TF_OK) {
    json_decref(pos);
    return rc;
  }
  *position = pos;
  return TF_OK;
}

static int source_ctm_api_seek(void *state, const json_t *position)
{
  source_ctm_api *s = state;
  char why[128];
  int rc = hwmark_load(&s->mark, position, "mark_ms", why, sizeof(why));

  if (rc == TF_ERR_INVAL)
    s->host->log(s->ctx, TF_LOG_ERROR, "cannot resume from the position: %s",
                 why);
  return rc;
}

static int64_t source_ctm_api_watermark(void *state)
{
  source_ctm_api *s = state;

  return s->watermark;
}

/* check-connection: init() tried the first page once with the keys; one
 * more fetch of it, tried once with short time limits, proves them and
 * the endpoint, changing no position. */
static int source_ctm_api_check_connection(void *state, tf_ctx *ctx)
{
  source_ctm_api *s = state;
  json_t *page = NULL;
  int rc;

  httpsource_set_mode(s->http, HTTPSOURCE_CHECK);
  rc = ctm_list_page(s->http, ctx, s->host, &s->query, 1, &page);
  httpsource_set_mode(s->http, HTTPSOURCE_RUN);
  json_decref(page);
  return rc;
}

static const tf_source_plugin source_ctm_api_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "ctm_api",
    .base.version = "1.0.0",
    .base.description =
        "Reads CallTrackingMetrics calls live from the CTM REST API "
        "(incremental by unix_time) and emits the same call events as the "
        "calltracking source.",
    .base.license = "MIT",
    .base.options = source_ctm_api_options,
    .base.init = source_ctm_api_init,
    .base.fini = source_ctm_api_fini,
    .produce = source_ctm_api_produce,
    .watermark = source_ctm_api_watermark,
    .position = source_ctm_api_position,
    .seek = source_ctm_api_seek,
    .base.check = source_ctm_api_check,
    .check_connection = source_ctm_api_check_connection,
};

TF_SOURCE_PLUGIN(source_ctm_api, source_ctm_api_plugin)
