/*
 * source_salesforce_api.c - the `salesforce_api` source: Salesforce
 * records read live from the Salesforce API (README.md) and turned into
 * the very events the file-based `crm` and `calltracking` sources make of
 * the same records, by their own mappings (crm_event.c, crm_revenue.c,
 * call_event.c, linked from those plugins).
 *
 * Owns the plugin descriptor, its options, and the run: one SOQL query
 * from the mark (sf_soql.c), its pages (sf_pager.c: REST or Bulk API 2.0,
 * over sf_client.c), each record handed to the mapping unless the mark
 * says it was taken (plugins/common/hwmark.h), then taken.  The position is the
 * mark. REQUEST_LIMIT_EXCEEDED ends the run early and cleanly (TF_DONE): what
 * was taken is kept, and the next run goes on from there.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include <touchflow/fields.h>
#include <touchflow/plugin.h>
#include <touchflow/record_json.h>
#include <touchflow/time.h>
#include "../calltracking/call_event.h"
#include "../crm/crm_event.h"
#include "../crm/crm_revenue.h"
#include "sf_client.h"
#include "../../common/hwmark.h"
#include "sf_pager.h"
#include "sf_soql.h"

#define TASK_BIZIBLE_ID_FIELD "bizible2__BizibleId__c"

typedef struct source_sf {
  tf_ctx *ctx;
  const tf_host *host;
  const char *object; /* from the config */
  const json_t *extra_fields;
  sf_client *client;
  sf_pager_settings paging;
  /* The mapping: the crm source's, or calltracking's for Task calls. */
  tf_file_source_map_fn map;
  crm_mapping crm;
  call_mapping call;
  void *map_ud;
  tf_builder *builder; /* every event is written with it */
  hwmark mark;
  sf_pager *pager; /* this run's query; NULL before the first produce() */
  json_t *page;    /* the page being handed out */
  size_t page_next;
  long seq; /* records read this run: the origin's line */
  int finished;
} source_sf;

/* In the order of enum crm_object. */
static const char *const objects[] = {
    "Task",        "CampaignMember",         "Lead", "Contact",
    "Opportunity", "OpportunityContactRole", NULL};
static const char *const task_events[] = {"crm_activity", "call", NULL};
static const char *const apis[] = {"rest", "bulk", NULL};

static const tf_option source_sf_options[] = {
    {"endpoint", TF_OPT_STRING, "https://login.salesforce.com", 0, 0, 0, NULL,
     "Where the OAuth token is asked for (<endpoint>/services/oauth2/token): "
     "your My Domain URL (https://<domain>.my.salesforce.com). The API is "
     "then called at the token's instance_url."},
    {"client_id", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0, 0,
     NULL,
     "The connected app's consumer key; must be a \"${ENV}\" reference. "
     "Never logged."},
    {"client_secret", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0,
     0, NULL,
     "The connected app's consumer secret; must be a \"${ENV}\" reference. "
     "Never logged."},
    {"object", TF_OPT_ENUM, NULL, TF_OPT_REQUIRED, 0, 0, objects,
     "The Salesforce object read, mapped as the crm source maps it (Task: "
     "crm_activity; CampaignMember: crm_campaign; Lead, Contact: person; "
     "Opportunity: opportunity; OpportunityContactRole: "
     "opportunity_contact)."},
    {"task_events", TF_OPT_ENUM, "crm_activity", 0, 0, 0, task_events,
     "Task only: crm_activity (as the crm source) or call (Tasks written by "
     "call tracking, as the calltracking source with record_type task)."},
    {"phone_field", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "task_events call only: the Task field holding the caller's number (as "
     "calltracking's phone_field); it is added to the query."},
    {"extra_fields", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "More fields to select besides the object's defaults (README.md), "
     "e.g. [\"CurrencyIsoCode\"] in a multi-currency org."},
    {"api", TF_OPT_ENUM, "rest", 0, 0, 0, apis,
     "rest: the REST query endpoint, paged by nextRecordsUrl. bulk: a Bulk "
     "API 2.0 query job (for large volumes: fewer API calls)."},
    {"page_size", TF_OPT_INT, "2000", TF_OPT_RANGE, 1, 1000000, NULL,
     "Records per page: the REST batchSize (Salesforce keeps it within 200 "
     "to 2000) or the Bulk results' maxRecords."},
    {"bulk_poll_interval", TF_OPT_DURATION, "2s", TF_OPT_RANGE, 1, 600000, NULL,
     "bulk: the wait between two polls of the job's state."},
    {"bulk_timeout", TF_OPT_DURATION, "30m", TF_OPT_RANGE, 1, 86400000, NULL,
     "bulk: the longest a query job may take before the run fails."},
    {"api_version", TF_OPT_STRING, "v60.0", 0, 0, 0, NULL,
     "The REST API version, as in /services/data/v60.0."},
    {"since", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "First run only: records modified (SystemModstamp) at or after this "
     "time (ISO-8601). Unset: all."},
    {"max_retries", TF_OPT_INT, "5", TF_OPT_RANGE, 0, 100, NULL,
     "Retries of one request after a 429, a 5xx, a dropped connection or a "
     "malformed answer before the run fails."},
    {"timeout", TF_OPT_DURATION, "60s", TF_OPT_RANGE, 1, 3600000, NULL,
     "Time limit of one HTTP request."},
    {"backoff", TF_OPT_DURATION, "1s", TF_OPT_RANGE, 1, 600000, NULL,
     "First wait before a retry (doubled at each, up to 60 s); a 429's "
     "Retry-After wins."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Config ------------------------------------------------------------ */

static int check_fields(const tf_config *cfg, tf_problem_fn problem, void *ud)
{
  const json_t *extra = tf_config_json(cfg, "extra_fields");
  const char *phone = tf_config_string(cfg, "phone_field");
  const json_t *v;
  size_t i;
  int rc = TF_OK;

  json_array_foreach (extra, i, v)
    if (!sf_soql_field_ok(json_string_value(v))) {
      problem(ud, "extra_fields",
              "each must be a field name (letters, digits, '_'; '.' between "
              "names)");
      rc = TF_ERR_CONFIG;
      break;
    }
  if (phone && !sf_soql_field_ok(phone)) {
    problem(ud, "phone_field", "must be a field name");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

static int source_sf_check(const tf_config *cfg, tf_problem_fn problem,
                           void *ud)
{
  const char *endpoint = tf_config_string(cfg, "endpoint");
  const char *object = tf_config_string(cfg, "object");
  const char *since = tf_config_string(cfg, "since");
  const char *version = tf_config_string(cfg, "api_version");
  int calls = strcmp(tf_config_string(cfg, "task_events"), "call") == 0;
  int64_t ms;
  int rc = check_fields(cfg, problem, ud);

  if (!endpoint || (strncmp(endpoint, "http://", 7) != 0 &&
                    strncmp(endpoint, "https://", 8) != 0)) {
    problem(ud, "endpoint", "must be an http:// or https:// URL");
    rc = TF_ERR_CONFIG;
  }
  if (since && tf_time_parse(since, &ms) != TF_OK) {
    problem(ud, "since", "must be an ISO-8601 date or time");
    rc = TF_ERR_CONFIG;
  }
  if (!version || version[0] != 'v' || !sf_soql_field_ok(version + 1) ||
      strlen(version) > 16) {
    problem(ud, "api_version", "must look like v60.0");
    rc = TF_ERR_CONFIG;
  }
  if (tf_config_given(cfg, "task_events") && object &&
      strcmp(object, "Task") != 0) {
    problem(ud, "task_events", "only applies to object Task");
    rc = TF_ERR_CONFIG;
  }
  if (tf_config_given(cfg, "phone_field") && !calls) {
    problem(ud, "phone_field", "only applies to task_events call");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

static crm_object object_index(const char *name)
{
  size_t i;

  for (i = 0; name && objects[i]; i++)
    if (strcmp(name, objects[i]) == 0)
      return (crm_object)i;
  return CRM_TASK;
}

/* The mapping of the configured object: the crm source's, or for
 * task_events call the calltracking source's (with its Task defaults). */
static void choose_mapping(source_sf *s, const tf_config *cfg, tf_builder *b)
{
  crm_object obj = object_index(s->object);

  if (obj == CRM_TASK &&
      strcmp(tf_config_string(cfg, "task_events"), "call") == 0) {
    s->call.settings.type = CALL_TASK;
    s->call.settings.bizible_id_field = TASK_BIZIBLE_ID_FIELD;
    s->call.settings.phone_field = tf_config_string(cfg, "phone_field");
    s->call.settings.order = NULL;
    s->call.builder = b;
    s->map = source_calltracking_map_call_with;
    s->map_ud = &s->call;
    return;
  }
  s->crm.settings.object = obj;
  s->crm.settings.order = NULL;
  s->crm.builder = b;
  s->map = obj >= CRM_OPPORTUNITY ? crm_revenue_map_record_with
                                  : source_crm_map_record_with;
  s->map_ud = &s->crm;
}

static sf_client_settings client_settings(const tf_config *cfg)
{
  sf_client_settings set;

  set.login_url = tf_config_string(cfg, "endpoint");
  set.client_id = tf_config_string(cfg, "client_id");
  set.client_secret = tf_config_string(cfg, "client_secret");
  set.api_version = tf_config_string(cfg, "api_version");
  set.max_retries = (int)tf_config_int(cfg, "max_retries");
  set.timeout_ms = (long)tf_config_int(cfg, "timeout");
  set.backoff_ms = tf_config_int(cfg, "backoff");
  set.batch_size = (long)tf_config_int(cfg, "page_size");
  return set;
}

/* --- Records ----------------------------------------------------------- */

/* One record of a page: rejected without an Id or SystemModstamp, passed
 * over when the mark says it was taken, else mapped and taken. */
static int handle(source_sf *s, json_t *obj)
{
  tf_field_problem why = {NULL, ""};
  tf_origin origin;
  tf_record *rec;
  const char *id = NULL;
  char *text;
  int64_t ms = 0;
  int found = 0, rc;

  json_object_del(obj, "attributes");
  text = json_dumps(obj, JSON_COMPACT);
  if (!text)
    return TF_ERR_NOMEM;
  origin.file = s->object;
  origin.line = ++s->seq;
  rec = tf_record_parse(text, strlen(text), &origin, NULL, 0);
  free(text);
  if (!rec)
    return TF_ERR_NOMEM;
  if (tf_field_required_text(rec, "Id", &id, &why) ||
      tf_field_salesforce_time(rec, "SystemModstamp", &ms, &found, &why) ||
      (!found &&
       tf_field_complain(&why, "missing_field", "SystemModstamp is missing"))) {
    rc = s->host->reject(s->ctx, rec, why.code, why.message);
  } else if (hwmark_taken(&s->mark, id, ms)) {
    s->host->metric(s->ctx, "already_taken", 1);
    rc = TF_OK;
  } else {
    rc = s->map(s->map_ud, s->ctx, s->host, rec);
    if (rc == TF_OK)
      rc = hwmark_take(&s->mark, id, ms);
  }
  tf_record_unref(rec);
  return rc;
}

/* Starts this run's query, from the mark. */
static int start_query(source_sf *s)
{
  char *soql = sf_soql_build(
      s->object, s->extra_fields,
      s->mark.ms == HWMARK_NONE ? -1 : (s->mark.ms < 0 ? 0 : s->mark.ms));
  int rc;

  if (!soql)
    return TF_ERR_NOMEM;
  s->host->log(s->ctx, TF_LOG_INFO, "Salesforce API: %s", soql);
  rc = sf_pager_new(s->ctx, s->host, s->client, &s->paging, soql, &s->pager);
  free(soql);
  return rc;
}

/* The next page into s->page; TF_DONE at the end (or at the request
 * limit). */
static int next_page(source_sf *s)
{
  int rc = s->pager ? TF_OK : start_query(s);

  json_decref(s->page);
  s->page = NULL;
  s->page_next = 0;
  if (rc == TF_OK)
    rc = sf_pager_next(s->pager, &s->page);
  if (rc == TF_OK)
    s->host->metric(s->ctx, "pages", 1);
  if (rc == TF_DONE || rc == SF_LIMIT_EXCEEDED) {
    s->host->log(s->ctx, TF_LOG_INFO,
                 "Salesforce API: %s: %ld record(s) read in %zu page(s)%s",
                 s->object, s->seq, sf_pager_pages(s->pager),
                 rc == TF_DONE ? "" : ", stopped by REQUEST_LIMIT_EXCEEDED");
    s->finished = 1;
    rc = TF_DONE;
  }
  return rc;
}

/* --- Plugin ------------------------------------------------------------ */

static void source_sf_fini(void *state)
{
  source_sf *s = state;

  if (!s)
    return;
  json_decref(s->page);
  sf_pager_free(s->pager);
  sf_client_free(s->client);
  hwmark_clear(&s->mark);
  tf_builder_free(s->builder);
  free(s);
}

static int source_sf_init(tf_ctx *ctx, const tf_host *host,
                          const tf_config *cfg, void **state)
{
  source_sf *s = calloc(1, sizeof(*s));
  sf_client_settings cs = client_settings(cfg);
  const char *since = tf_config_string(cfg, "since");
  int64_t ms = HWMARK_NONE;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  rc = tf_check_logged(source_sf_check, cfg, ctx, host);
  if (rc != TF_OK) {
    free(s);
    return rc;
  }
  s->object = tf_config_string(cfg, "object");
  s->extra_fields = tf_config_json(cfg, "extra_fields");
  if (since && tf_time_parse(since, &ms) != TF_OK)
    ms = HWMARK_NONE;
  hwmark_init(&s->mark, ms);
  s->paging.bulk = strcmp(tf_config_string(cfg, "api"), "bulk") == 0;
  s->paging.bulk_page = (long)tf_config_int(cfg, "page_size");
  s->paging.bulk_poll_ms = tf_config_int(cfg, "bulk_poll_interval");
  s->paging.bulk_wait_ms = tf_config_int(cfg, "bulk_timeout");
  s->builder = tf_builder_new();
  rc = s->builder ? sf_client_new(ctx, host, &cs, &s->client) : TF_ERR_NOMEM;
  choose_mapping(s, cfg, s->builder);
  /* The token now, so that refused credentials are a refused config (exit
   * 2) before anything runs; tried once: a login endpoint down or busy is
   * asked again by the first call of produce(). */
  if (rc == TF_OK) {
    httpsource_set_mode(sf_client_http(s->client), HTTPSOURCE_PROBE);
    rc = httpsource_probe_end(sf_client_http(s->client),
                              sf_client_login(s->client));
  }
  if (rc != TF_OK) {
    source_sf_fini(s);
    return rc;
  }
  *state = s;
  return TF_OK;
}

static int source_sf_produce(void *state, tf_ctx *ctx, size_t max)
{
  source_sf *s = state;
  size_t done = 0;
  int rc;

  (void)ctx;
  if (s->finished)
    return TF_DONE;
  while (done < (max ? max : 1)) {
    if (s->page && s->page_next < json_array_size(s->page)) {
      rc = handle(s, json_array_get(s->page, s->page_next++));
      if (rc != TF_OK)
        return rc;
      done++;
      continue;
    }
    rc = next_page(s);
    /* Given up on a stop signal: TF_MORE, the pager where it was, so
     * that the host stops (a call after it asks the same page again). */
    if (rc != TF_OK && httpsource_interrupted(sf_client_http(s->client)))
      return TF_MORE;
    if (rc != TF_OK)
      return rc;
  }
  return TF_MORE;
}

/* {"object": ..., "modstamp_ms": MARK, "ids_at_mark": [...]}. */
static int source_sf_position(void *state, json_t **position)
{
  source_sf *s = state;
  json_t *pos = json_pack("{s:s}", "object", s->object);
  int rc = pos ? hwmark_save(&s->mark, pos, "modstamp_ms") : TF_ERR_NOMEM;

  if (rc != TF_OK) {
    json_decref(pos);
    return rc;
  }
  *position = pos;
  return TF_OK;
}

static int source_sf_seek(void *state, const json_t *position)
{
  source_sf *s = state;
  const char *object = json_string_value(json_object_get(position, "object"));
  char why[128];
  int rc;

  if (object && strcmp(object, s->object) != 0) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume from the position: it is of object %s, the "
                 "source reads %s",
                 object, s->object);
    return TF_ERR_INVAL;
  }
  rc = hwmark_load(&s->mark, position, "modstamp_ms", why, sizeof(why));
  if (rc == TF_ERR_INVAL)
    s->host->log(s->ctx, TF_LOG_ERROR, "cannot resume from the position: %s",
                 why);
  return rc;
}

/* check-connection: a new token (init() tried once to get one already),
 * then the cheapest query on the object: one Id, read and dropped; each
 * tried once with short time limits. */
static int source_sf_check_connection(void *state, tf_ctx *ctx)
{
  source_sf *s = state;
  char path[256];
  json_t *answer = NULL;
  int rc;

  (void)ctx;
  httpsource_set_mode(sf_client_http(s->client), HTTPSOURCE_CHECK);
  rc = sf_client_login(s->client);
  snprintf(path, sizeof(path),
           "%s/query?q=SELECT+Id+FROM+%s+ORDER+BY+SystemModstamp,+Id+LIMIT+1",
           sf_client_api_path(s->client), s->object);
  if (rc == TF_OK)
    rc = sf_client_get_json(s->client, path, &answer);
  httpsource_set_mode(sf_client_http(s->client), HTTPSOURCE_RUN);
  json_decref(answer);
  return rc < 0 ? rc : rc == TF_OK ? TF_OK : TF_ERR_IO;
}

static const tf_source_plugin source_sf_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "salesforce_api",
    .base.version = "1.0.0",
    .base.description =
        "Reads Salesforce records live (OAuth client credentials; REST query "
        "or Bulk API 2.0; incremental by SystemModstamp) and emits the same "
        "events as the crm and calltracking sources.",
    .base.license = "MIT",
    .base.options = source_sf_options,
    .base.init = source_sf_init,
    .check_connection = source_sf_check_connection,
    .base.fini = source_sf_fini,
    .produce = source_sf_produce,
    .position = source_sf_position,
    .seek = source_sf_seek,
    .base.check = source_sf_check,
};

TF_SOURCE_PLUGIN(source_salesforce_api, source_sf_plugin)
