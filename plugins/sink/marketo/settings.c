/*
 * settings.c - the marketo sink's option table, its own config checks (the
 * plugin's check(): `touchflow validate` shows them, and init() runs them
 * again through mkto_config_read) and reading the settings.
 *
 * Owns mkto_config: copies of the strings it keeps and a reference to the
 * mapping object.  Every problem names the option it is about (its JSON
 * path inside the config); none quotes the client secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/configcheck.h>
#include <touchflow/error.h>
#include "settings.h"

static const char *const sync_types[] = {"audience", "profile",
                                         "audience_and_profile", NULL};
static const char *const person_actions[] = {"update_and_create", "update_only",
                                             NULL};

const tf_option mkto_options[] = {
    {"endpoint", TF_OPT_STRING, NULL, TF_OPT_REQUIRED, 0, 0, NULL,
     "REST base URL of the Marketo instance, e.g. "
     "https://123-ABC-456.mktorest.com (a trailing /rest is accepted). The "
     "token comes from <endpoint>/identity/oauth/token."},
    {"client_id", TF_OPT_STRING, NULL, TF_OPT_REQUIRED, 0, 0, NULL,
     "Client Id of the Marketo custom service (Admin > LaunchPoint)."},
    {"client_secret", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0,
     0, NULL,
     "Client Secret of the custom service; must be a \"${ENV}\" reference. "
     "Never logged."},
    {"sync_type", TF_OPT_ENUM, NULL, TF_OPT_REQUIRED, 0, 0, sync_types,
     "audience: add existing leads to the static list list_id, never update "
     "or create; profile: update (and create) leads, no list; "
     "audience_and_profile: both."},
    {"person_action", TF_OPT_ENUM, "update_and_create", 0, 0, 0, person_actions,
     "Profile sync types: update_and_create updates the matching lead and "
     "creates the rest in `partition`; update_only never creates "
     "(unmatched records are dead-lettered as not_found). Ignored by "
     "audience."},
    {"dedupe_field", TF_OPT_STRING, "email", 0, 0, 0, NULL,
     "Marketo field that matches records to existing leads, across all "
     "partitions; must be a key of `mapping`. id, leadId and ECID are not "
     "allowed."},
    {"partition", TF_OPT_STRING, "Default", 0, 0, 0, NULL,
     "Lead partition where new leads are created; must exist (checked at "
     "start)."},
    {"list_id", TF_OPT_INT, NULL, TF_OPT_RANGE, 1, 2147483647.0, NULL,
     "Id of the static list the audience sync types add leads to; required "
     "for them."},
    {"mapping", TF_OPT_OBJECT, NULL, TF_OPT_REQUIRED, 0, 0, NULL,
     "Marketo field -> record path (dotted, e.g. \"contact.email\"). Must "
     "map the dedupe field; to create leads also email, firstName and "
     "lastName. Missing or null values are left out (never cleared)."},
    {"batch_size", TF_OPT_INT, "300", TF_OPT_RANGE, 1, 300, NULL,
     "Leads per Marketo call (lookup, sync, list add)."},
    {"max_in_flight", TF_OPT_INT, "10", TF_OPT_RANGE, 1, 10, NULL,
     "Most HTTP requests open at once (Marketo allows 10 per instance)."},
    {"max_calls_per_20s", TF_OPT_INT, "100", TF_OPT_RANGE, 1, 100, NULL,
     "Most REST calls started in any rate_window (Marketo allows 100 per 20 "
     "s per instance, shared by every integration)."},
    {"rate_window", TF_OPT_DURATION, "20s", TF_OPT_RANGE, 100, 60000, NULL,
     "Length of the sliding window of max_calls_per_20s. Marketo's is 20s; "
     "shorter windows are for emulators."},
    {"connect_timeout", TF_OPT_DURATION, "10s", TF_OPT_RANGE, 100, 300000, NULL,
     "Longest wait for a connection."},
    {"request_timeout", TF_OPT_DURATION, "60s", TF_OPT_RANGE, 100, 1800000,
     NULL, "Longest wait for a whole request; then it is retried."},
    {"max_retries", TF_OPT_INT, "6", TF_OPT_RANGE, 0, 20, NULL,
     "Retries of one call on 502, 604, 606, 608, 611, 615, 713, HTTP 5xx, "
     "timeouts and dropped connections; then its records are dead-lettered "
     "with the last error."},
    {"retry_base", TF_OPT_DURATION, "1s", TF_OPT_RANGE, 1, 60000, NULL,
     "Backoff before retry n is random in [0, min(retry_cap, retry_base * "
     "2^n)] (full jitter)."},
    {"retry_cap", TF_OPT_DURATION, "30s", TF_OPT_RANGE, 1, 600000, NULL,
     "Longest backoff before one retry."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int copy_string(char **dst, const char *src)
{
  *dst = strdup(src ? src : "");
  return *dst ? TF_OK : TF_ERR_NOMEM;
}

/* Keeps "http(s)://host[:port][/path]" without trailing '/' or "/rest".
 * mkto_config_check has made sure of the scheme. */
static int read_endpoint(mkto_config *cfg, const tf_config *given)
{
  size_t len;

  if (copy_string(&cfg->endpoint, tf_config_string(given, "endpoint")) != TF_OK)
    return TF_ERR_NOMEM;
  len = strlen(cfg->endpoint);
  while (len > 0 && cfg->endpoint[len - 1] == '/')
    cfg->endpoint[--len] = '\0';
  if (len >= 5 && strcmp(cfg->endpoint + len - 5, "/rest") == 0)
    cfg->endpoint[len - 5] = '\0';
  return TF_OK;
}

static void read_sync_type(mkto_config *cfg, const tf_config *given)
{
  const char *type = tf_config_string(given, "sync_type");
  const char *action = tf_config_string(given, "person_action");

  if (strcmp(type, "audience") == 0)
    cfg->sync_type = MKTO_SYNC_AUDIENCE;
  else if (strcmp(type, "profile") == 0)
    cfg->sync_type = MKTO_SYNC_PROFILE;
  else
    cfg->sync_type = MKTO_SYNC_AUDIENCE_AND_PROFILE;
  cfg->add_to_list = cfg->sync_type != MKTO_SYNC_PROFILE;
  cfg->write_profile = cfg->sync_type != MKTO_SYNC_AUDIENCE;
  cfg->can_create =
      cfg->write_profile && strcmp(action, "update_and_create") == 0;
}

/* --- Checks (mkto_config_check): the config alone, no I/O ------------- */

static int check_endpoint(const tf_config *given, tf_problem_fn problem,
                          void *ud)
{
  const char *url = tf_config_string(given, "endpoint");

  if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
    return TF_OK;
  tf_problemf(problem, ud, "endpoint",
              "\"%s\" is not an http:// or https:// URL", url);
  return TF_ERR_CONFIG;
}

/* docs/attribution-rules.md#marketo-lead-matching: Lead ID and ECID are not
 * allowed as the dedupe field. */
static int check_dedupe_field(const char *field, tf_problem_fn problem,
                              void *ud)
{
  static const char *const forbidden[] = {"id", "leadId", "ECID", NULL};
  size_t i;

  if (field[0] == '\0') {
    problem(ud, "dedupe_field", "must not be empty");
    return TF_ERR_CONFIG;
  }
  for (i = 0; forbidden[i]; i++) {
    if (strcasecmp(field, forbidden[i]) == 0) {
      tf_problemf(problem, ud, "dedupe_field",
                  "\"%s\" is not allowed (Lead ID and ECID cannot match "
                  "leads); use email or a custom id field",
                  field);
      return TF_ERR_CONFIG;
    }
  }
  return TF_OK;
}

/* Every value a non-empty record path; the lead id cannot be mapped. */
static int check_mapping_values(const json_t *mapping, tf_problem_fn problem,
                                void *ud)
{
  const char *field;
  const json_t *path;
  char at[320];
  int rc = TF_OK;

  if (json_object_size(mapping) == 0) {
    problem(ud, "mapping", "must map at least one field");
    return TF_ERR_CONFIG;
  }
  json_object_foreach ((json_t *)mapping, field, path) {
    snprintf(at, sizeof(at), "mapping.%s", field);
    if (!json_is_string(path) || json_string_length(path) == 0) {
      problem(ud, at, "must be a record path (a non-empty string)");
      rc = TF_ERR_CONFIG;
    }
    if (strcasecmp(field, "id") == 0) {
      problem(ud, at, "the Marketo lead id cannot be written");
      rc = TF_ERR_CONFIG;
    }
  }
  return rc;
}

/* The dedupe field, and to create leads email, firstName and lastName. */
static int check_mapping_required(const json_t *mapping,
                                  const char *dedupe_field, int can_create,
                                  tf_problem_fn problem, void *ud)
{
  static const char *const for_create[] = {"email", "firstName", "lastName",
                                           NULL};
  size_t i;
  int rc = TF_OK;

  if (!json_object_get(mapping, dedupe_field)) {
    tf_problemf(problem, ud, "mapping",
                "the dedupe field \"%s\" is not mapped (add \"%s\": "
                "\"<record path>\")",
                dedupe_field, dedupe_field);
    rc = TF_ERR_CONFIG;
  }
  for (i = 0; can_create && for_create[i]; i++) {
    if (!json_object_get(mapping, for_create[i])) {
      tf_problemf(problem, ud, "mapping",
                  "\"%s\" must be mapped to create leads (person_action "
                  "update_and_create needs email, firstName and lastName)",
                  for_create[i]);
      rc = TF_ERR_CONFIG;
    }
  }
  return rc;
}

static int check_list_id(const tf_config *given, int add_to_list,
                         tf_problem_fn problem, void *ud)
{
  if (!add_to_list || tf_config_given(given, "list_id"))
    return TF_OK;
  tf_problemf(problem, ud, "",
              "missing option \"list_id\", required by sync_type %s (the "
              "static list leads are added to)",
              tf_config_string(given, "sync_type"));
  return TF_ERR_CONFIG;
}

static int check_retry(const tf_config *given, tf_problem_fn problem, void *ud)
{
  if (tf_config_int(given, "retry_base") <= tf_config_int(given, "retry_cap"))
    return TF_OK;
  problem(ud, "retry_base", "longer than retry_cap (the longest backoff)");
  return TF_ERR_CONFIG;
}

int mkto_config_check(const tf_config *given, tf_problem_fn problem, void *ud)
{
  const char *dedupe_field = tf_config_string(given, "dedupe_field");
  const json_t *mapping = tf_config_json(given, "mapping");
  mkto_config sync = {0};
  int rc = TF_OK;

  read_sync_type(&sync, given);
  if (check_endpoint(given, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_dedupe_field(dedupe_field, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_mapping_values(mapping, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_mapping_required(mapping, dedupe_field, sync.can_create, problem,
                             ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_list_id(given, sync.add_to_list, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_retry(given, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  return rc;
}

/* --- Reading (mkto_config_read) --------------------------------------- */

/* Options a sync type does not use are worth a warning, not a refusal. */
static void warn_ignored(const mkto_config *cfg, const tf_config *given,
                         tf_ctx *ctx, const tf_host *host)
{
  if (!cfg->add_to_list && tf_config_given(given, "list_id"))
    host->log(ctx, TF_LOG_WARN, "list_id: ignored by sync_type profile");
  if (!cfg->write_profile && tf_config_given(given, "person_action"))
    host->log(ctx, TF_LOG_WARN,
              "person_action: ignored by sync_type "
              "audience (it never updates or creates)");
}

static void read_numbers(mkto_config *cfg, const tf_config *given)
{
  cfg->batch_size = (int)tf_config_int(given, "batch_size");
  cfg->max_in_flight = (int)tf_config_int(given, "max_in_flight");
  cfg->max_calls = (int)tf_config_int(given, "max_calls_per_20s");
  cfg->rate_window_ms = tf_config_int(given, "rate_window");
  cfg->connect_timeout_ms = tf_config_int(given, "connect_timeout");
  cfg->request_timeout_ms = tf_config_int(given, "request_timeout");
  cfg->max_retries = (int)tf_config_int(given, "max_retries");
  cfg->retry_base_ms = tf_config_int(given, "retry_base");
  cfg->retry_cap_ms = tf_config_int(given, "retry_cap");
}

static int read_strings(mkto_config *cfg, const tf_config *given)
{
  if (copy_string(&cfg->client_id, tf_config_string(given, "client_id")) ||
      copy_string(&cfg->client_secret,
                  tf_config_string(given, "client_secret")) ||
      copy_string(&cfg->dedupe_field,
                  tf_config_string(given, "dedupe_field")) ||
      copy_string(&cfg->partition, tf_config_string(given, "partition")))
    return TF_ERR_NOMEM;
  cfg->mapping = json_incref((json_t *)tf_config_json(given, "mapping"));
  return TF_OK;
}

int mkto_config_read(mkto_config *cfg, const tf_config *given, tf_ctx *ctx,
                     const tf_host *host)
{
  int rc = tf_check_logged(mkto_config_check, given, ctx, host);

  if (rc != TF_OK)
    return rc;
  read_sync_type(cfg, given);
  read_numbers(cfg, given);
  cfg->list_id = tf_config_int(given, "list_id");
  rc = read_strings(cfg, given);
  if (rc == TF_OK)
    rc = read_endpoint(cfg, given);
  if (rc == TF_OK)
    warn_ignored(cfg, given, ctx, host);
  return rc;
}

void mkto_config_clear(mkto_config *cfg)
{
  free(cfg->endpoint);
  free(cfg->client_id);
  free(cfg->client_secret);
  free(cfg->dedupe_field);
  free(cfg->partition);
  json_decref(cfg->mapping);
  memset(cfg, 0, sizeof(*cfg));
}
