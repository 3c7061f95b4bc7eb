/*
 * test_sink_marketo.c - the marketo sink against the Marketo REST emulator
 * (tests/marketo/emulator.py), driven through a tf_check_host
 * (tests/instance.h) the way the runner drives it: init, write() in batches,
 * flush, fini.
 *
 * Every test seeds the emulator, runs the sink and checks the emulator's
 * lead database (GET /_emulator/leads): which leads exist, in which
 * partition, with which fields and list memberships, and that every record
 * was delivered exactly once or dead-lettered with its reason.  Names say
 * which rule they prove: `seed_` the matching table of seed 004
 * ("Comportement de correspondance des leads"), `domain_`
 * docs/attribution-rules.md#marketo-lead-matching, `fault_` the limits and
 * error classes of docs/formats.md#limits and docs/formats.md#error-codes.
 * Exits 77 (skipped) without python3.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include "emulator.h"
#include "instance.h"

/* Fast backoff so that fault tests take milliseconds, not seconds. */
#define FAST_RETRY                                                             \
  "\"retry_base\": \"10ms\", \"retry_cap\": \"200ms\", "                       \
  "\"connect_timeout\": \"2s\", \"request_timeout\": \"10s\""
#define MAPPING                                                                \
  "\"mapping\": {\"email\": \"email\", \"firstName\": \"first\", "             \
  "\"lastName\": \"last\", \"company\": \"company\"}"
#define PARTITIONS "\"partitions\": [\"Default\", \"EMEA\"], \"lists\": [1001]"

static sink_instance sink;

static void setup(void)
{
  harness_reset();
  memset(&sink, 0, sizeof(sink));
}

static void teardown(void)
{
  sink_stop(&sink);
  harness_done();
}

/* --- Helpers ---------------------------------------------------------- */

/* Starts the sink with the emulator's endpoint and credentials plus
 * `options` (JSON members, printf-style); returns init's code. */
static int start(const char *fmt, ...) TF_PRINTF(1, 2);
static int start(const char *fmt, ...)
{
  char options[2048], config[4096];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(options, sizeof(options), fmt, ap);
  va_end(ap);
  snprintf(config, sizeof(config),
           "{\"endpoint\": \"http://127.0.0.1:%d\", \"client_id\": \"%s\", "
           "\"client_secret\": \"%s\", %s}",
           emulator_port(), EMU_CLIENT_ID, EMU_CLIENT_SECRET, options);
  return sink_start(&sink, config);
}

/* Starts the sink, which must accept its config. */
static void start_ok(const char *options)
{
  ck_assert_msg(start("%s", options) == TF_OK, "init failed: %s",
                harness_log_text());
}

/* write() the records (batches of 512, like the runner), no flush. */
static void send_some(json_t *records)
{
  ck_assert_int_eq(sink_write_json(&sink, records, 512), TF_SINK_OK);
  json_decref(records);
}

/* write() every record (batches of 512, like the runner), then flush(). */
static void send_all(json_t *records)
{
  ck_assert_int_eq(sink_write_json(&sink, records, 512), TF_SINK_OK);
  ck_assert_msg(sink.plugin->flush(sink.state, tf_check_ctx(harness)) == TF_OK,
                "flush failed: %s", harness_log_text());
  json_decref(records);
}

/* One record; last may be NULL (left out). */
static json_t *person(const char *email, const char *first, const char *last,
                      const char *company)
{
  json_t *p = json_pack("{ssss}", "email", email, "first", first);

  if (last)
    json_object_set_new(p, "last", json_string(last));
  if (company)
    json_object_set_new(p, "company", json_string(company));
  return p;
}

/* n people p<i>@<domain>, i from `from`. */
static json_t *people(int from, int n, const char *domain)
{
  json_t *list = json_array();
  char email[128], first[32];
  int i;

  for (i = from; i < from + n; i++) {
    snprintf(email, sizeof(email), "p%d@%s", i, domain);
    snprintf(first, sizeof(first), "P%d", i);
    json_array_append_new(list, person(email, first, "Person", "Acme"));
  }
  return list;
}

/* The leads of the dump with this email (a new array). */
static json_t *leads_with(const json_t *db, const char *email)
{
  json_t *out = json_array();
  const json_t *lead;
  size_t i;

  json_array_foreach (json_object_get(db, "leads"), i, lead) {
    const char *e = json_string_value(json_object_get(lead, "email"));

    if (e && strcmp(e, email) == 0)
      json_array_append(out, (json_t *)lead);
  }
  return out;
}

/* The one lead with this email (fails when there are none or several). */
static const json_t *the_lead(const json_t *db, const char *email)
{
  json_t *found = leads_with(db, email);
  const json_t *lead;

  ck_assert_msg(json_array_size(found) == 1, "%zu leads with %s",
                json_array_size(found), email);
  lead = json_array_get(found, 0);
  json_decref(found);
  return lead;
}

static const char *field(const json_t *lead, const char *name)
{
  return json_string_value(json_object_get(lead, name));
}

static size_t lead_count(const json_t *db)
{
  return json_array_size(json_object_get(db, "leads"));
}

static int in_list(const json_t *lead, int list_id)
{
  const json_t *id;
  size_t i;

  json_array_foreach (json_object_get(lead, "lists"), i, id) {
    if (json_integer_value(id) == list_id)
      return 1;
  }
  return 0;
}

/* Every email of p<from>..p<from+n-1>@domain is exactly one lead. */
static void assert_each_once(const json_t *db, int from, int n,
                             const char *domain)
{
  json_t *by_email = json_object();
  const json_t *lead;
  char email[128];
  size_t i;
  int k;

  json_array_foreach (json_object_get(db, "leads"), i, lead) {
    const char *e = field(lead, "email");
    json_int_t seen = json_integer_value(json_object_get(by_email, e));

    if (e)
      json_object_set_new(by_email, e, json_integer(seen + 1));
  }
  for (k = from; k < from + n; k++) {
    snprintf(email, sizeof(email), "p%d@%s", k, domain);
    ck_assert_msg(
        json_integer_value(json_object_get(by_email, email)) == 1,
        "%s: %lld leads", email,
        (long long)json_integer_value(json_object_get(by_email, email)));
  }
  json_decref(by_email);
}

static json_int_t stat_of(const json_t *stats, const char *group,
                          const char *key)
{
  return json_integer_value(
      json_object_get(json_object_get(stats, group), key));
}

static void assert_no_rejects(void)
{
  ck_assert_msg(
      tf_check_reject_count(harness) == 0, "%zu rejects, first: %s: %s",
      tf_check_reject_count(harness),
      tf_check_reject_count(harness) ? tf_check_reject_get(harness, 0)->code
                                     : "",
      tf_check_reject_count(harness) ? tf_check_reject_get(harness, 0)->message
                                     : "");
}

static const tf_check_reject *reject_of(const char *email)
{
  size_t i;

  for (i = 0; i < tf_check_reject_count(harness); i++) {
    const char *e = json_string_value(json_object_get(
        tf_record_json(tf_check_reject_get(harness, i)->record), "email"));

    if (e && strcmp(e, email) == 0)
      return tf_check_reject_get(harness, i);
  }
  ck_abort_msg("no reject for %s", email);
  return NULL;
}

/* A seed with ann in EMEA (company Old, updated 2026-01-02). */
#define SEED_ANN                                                               \
  "{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET                 \
  "\"}, " PARTITIONS                                                           \
  ", \"leads\": [{\"email\": \"ann@x.com\", \"firstName\": "                   \
  "\"Ann\", \"lastName\": \"Lee\", \"company\": \"Old\", \"partition\": "      \
  "\"EMEA\", \"updatedAt\": \"2026-01-02T00:00:00Z\"}]}"

static json_t *ann_bob_cara(void)
{
  json_t *r = json_array();

  json_array_append_new(r, person("ann@x.com", "Ann", "Lee", "New"));
  json_array_append_new(r, person("bob@x.com", "Bob", "Stone", "Bobco"));
  json_array_append_new(r, person("cara@x.com", "Cara", "Diaz", "Caraco"));
  return r;
}

/* --- Seed 004: the matching table, one test per row ------------------- */

START_TEST(
    seed_profile_update_and_create_updates_match_creates_rest_in_partition)
{
  json_t *db;
  const json_t *ann;

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"profile\", \"person_action\": "
           "\"update_and_create\", \"partition\": \"EMEA\", " MAPPING);
  send_all(ann_bob_cara());
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 3);
  ann = the_lead(db, "ann@x.com");
  ck_assert_int_eq(json_integer_value(json_object_get(ann, "id")), 1);
  ck_assert_str_eq(field(ann, "company"), "New");
  ck_assert_str_eq(field(the_lead(db, "bob@x.com"), "partition"), "EMEA");
  ck_assert_str_eq(field(the_lead(db, "cara@x.com"), "partition"), "EMEA");
  ck_assert_str_eq(field(the_lead(db, "cara@x.com"), "lastName"), "Diaz");
  ck_assert(!in_list(ann, 1001));
  ck_assert_int_eq(tf_check_metric(harness, "leads_updated"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "leads_created"), 2);
  assert_no_rejects();
  json_decref(db);
}
END_TEST

START_TEST(seed_profile_update_only_updates_match_never_creates)
{
  json_t *db;

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"profile\", \"person_action\": "
           "\"update_only\", " MAPPING);
  send_all(ann_bob_cara());
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 1);
  ck_assert_str_eq(field(the_lead(db, "ann@x.com"), "company"), "New");
  ck_assert_int_eq(tf_check_reject_count(harness), 2);
  ck_assert_str_eq(reject_of("bob@x.com")->code, "not_found");
  ck_assert(strstr(reject_of("cara@x.com")->message, "update_only"));
  ck_assert_int_eq(tf_check_metric(harness, "leads_created"), 0);
  json_decref(db);
}
END_TEST

START_TEST(seed_audience_only_adds_existing_leads_to_list_never_writes)
{
  json_t *db, *stats;
  const json_t *ann;

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"audience\", \"list_id\": 1001, " MAPPING);
  send_all(ann_bob_cara());
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 1);
  ann = the_lead(db, "ann@x.com");
  ck_assert(in_list(ann, 1001));
  ck_assert_str_eq(field(ann, "company"), "Old");
  ck_assert_str_eq(field(ann, "updatedAt"), "2026-01-02T00:00:00Z");
  ck_assert_int_eq(stat_of(stats, "calls", "POST /rest/v1/leads.json"), 0);
  ck_assert_str_eq(reject_of("bob@x.com")->code, "not_found");
  ck_assert_str_eq(reject_of("cara@x.com")->code, "not_found");
  ck_assert_int_eq(tf_check_metric(harness, "leads_added_to_list"), 1);
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(seed_audience_and_profile_update_and_create_lists_updated_and_new)
{
  json_t *db;
  const json_t *ann, *bob;

  emu_reset(SEED_ANN);
  start_ok(
      "\"sync_type\": \"audience_and_profile\", \"list_id\": 1001, " MAPPING);
  send_all(ann_bob_cara());
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 3);
  ann = the_lead(db, "ann@x.com");
  bob = the_lead(db, "bob@x.com");
  ck_assert_str_eq(field(ann, "company"), "New");
  ck_assert_str_eq(field(ann, "partition"), "EMEA");
  ck_assert(in_list(ann, 1001));
  ck_assert_str_eq(field(bob, "partition"), "Default");
  ck_assert(in_list(bob, 1001));
  ck_assert(in_list(the_lead(db, "cara@x.com"), 1001));
  ck_assert_int_eq(tf_check_metric(harness, "leads_added_to_list"), 3);
  assert_no_rejects();
  json_decref(db);
}
END_TEST

START_TEST(seed_audience_and_profile_update_only_lists_matches_never_creates)
{
  json_t *db;
  const json_t *ann;

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"audience_and_profile\", \"person_action\": "
           "\"update_only\", \"list_id\": 1001, " MAPPING);
  send_all(ann_bob_cara());
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 1);
  ann = the_lead(db, "ann@x.com");
  ck_assert_str_eq(field(ann, "company"), "New");
  ck_assert(in_list(ann, 1001));
  ck_assert_str_eq(reject_of("bob@x.com")->code, "not_found");
  ck_assert_str_eq(reject_of("cara@x.com")->code, "not_found");
  json_decref(db);
}
END_TEST

/* --- docs/attribution-rules.md: matching, partitions, required fields */

START_TEST(domain_duplicates_in_two_partitions_only_newest_is_updated)
{
  json_t *db, *anns, *records = json_array();
  const json_t *lead;
  size_t i;

  emu_reset("{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET
            "\"}, " PARTITIONS ", \"leads\": ["
            "{\"email\": \"ann@x.com\", \"company\": \"Old-D\", \"partition\": "
            "\"Default\", \"updatedAt\": \"2025-01-01T00:00:00Z\"},"
            "{\"email\": \"ann@x.com\", \"company\": \"Old-E\", \"partition\": "
            "\"EMEA\", \"updatedAt\": \"2026-01-02T00:00:00Z\"},"
            "{\"email\": \"bob@x.com\", \"company\": \"Old-D\", \"partition\": "
            "\"Default\", \"updatedAt\": \"2026-03-01T00:00:00Z\"},"
            "{\"email\": \"bob@x.com\", \"company\": \"Old-E\", \"partition\": "
            "\"EMEA\", \"updatedAt\": \"2026-02-01T00:00:00Z\"}]}");
  start_ok("\"sync_type\": \"profile\", " MAPPING);
  json_array_append_new(records, person("ann@x.com", "Ann", "Lee", "New"));
  json_array_append_new(records, person("bob@x.com", "Bob", "Stone", "New"));
  send_all(records);
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 4);
  anns = leads_with(db, "ann@x.com");
  json_array_foreach (anns, i, lead) {
    if (strcmp(field(lead, "partition"), "EMEA") == 0) {
      ck_assert_str_eq(field(lead, "company"), "New");
    } else {
      ck_assert_str_eq(field(lead, "company"), "Old-D");
      ck_assert_str_eq(field(lead, "updatedAt"), "2025-01-01T00:00:00Z");
    }
  }
  json_decref(anns);
  anns = leads_with(db, "bob@x.com");
  json_array_foreach (anns, i, lead)
    ck_assert_str_eq(
        field(lead, "company"),
        strcmp(field(lead, "partition"), "Default") == 0 ? "New" : "Old-E");
  json_decref(anns);
  ck_assert_int_eq(tf_check_metric(harness, "leads_updated"), 2);
  assert_no_rejects();
  json_decref(db);
}
END_TEST

START_TEST(domain_new_leads_land_in_the_configured_partition)
{
  json_t *db, *requests, *stats;
  const json_t *req;
  size_t i;
  int creates = 0;

  emu_reset("{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET
            "\"}, " PARTITIONS "}");
  start_ok("\"sync_type\": \"profile\", \"partition\": \"EMEA\", " MAPPING);
  send_all(people(0, 20, "new.com"));
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 20);
  for (i = 0; i < 20; i++)
    ck_assert_str_eq(
        field(json_array_get(json_object_get(db, "leads"), i), "partition"),
        "EMEA");
  requests = emu_call("GET", "/_emulator/requests?since=0", NULL);
  json_array_foreach (json_object_get(requests, "requests"), i, req) {
    const json_t *body = json_object_get(req, "body");

    if (strcmp(field(req, "method"), "POST") != 0 ||
        !json_object_get(body, "action"))
      continue;
    ck_assert_str_eq(field(body, "action"), "createOnly");
    ck_assert_str_eq(field(body, "partitionName"), "EMEA");
    ck_assert_str_eq(field(body, "lookupField"), "email");
    creates++;
  }
  ck_assert_int_eq(creates, 1);
  stats = emu_stats();
  ck_assert_int_eq(
      stat_of(stats, "calls", "GET /rest/v1/leads/partitions.json"), 1);
  json_decref(stats);
  json_decref(requests);
  json_decref(db);
}
END_TEST

START_TEST(domain_record_missing_required_field_cannot_create_a_lead)
{
  json_t *db, *records = json_array();

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"profile\", " MAPPING);
  json_array_append_new(records, person("ann@x.com", "Ann", NULL, "New"));
  json_array_append_new(records, person("dan@x.com", "Dan", NULL, "Danco"));
  json_array_append_new(records, person("eve@x.com", "Eve", "Ito", NULL));
  send_all(records);
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 2);
  ck_assert_str_eq(field(the_lead(db, "ann@x.com"), "company"), "New");
  ck_assert_str_eq(field(the_lead(db, "ann@x.com"), "lastName"), "Lee");
  ck_assert_int_eq(tf_check_reject_count(harness), 1);
  ck_assert_str_eq(reject_of("dan@x.com")->code, "missing_required_field");
  ck_assert(strstr(reject_of("dan@x.com")->message, "lastName"));
  json_decref(db);
}
END_TEST

START_TEST(duplicate_dedupe_values_in_a_batch_merge_in_order_last_wins)
{
  json_t *db, *records = json_array();
  const json_t *dan;

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"profile\", " MAPPING);
  json_array_append_new(records, person("dan@x.com", "Dan", "Ray", "First"));
  json_array_append_new(records, person("ann@x.com", "Ann", "Lee", "A1"));
  json_array_append_new(records, person("dan@x.com", "Daniel", NULL, "Last"));
  json_array_append_new(records, person("ann@x.com", "Annie", "Lee", NULL));
  send_all(records);
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 2);
  dan = the_lead(db, "dan@x.com");
  ck_assert_str_eq(field(dan, "firstName"), "Daniel");
  ck_assert_str_eq(field(dan, "lastName"), "Ray");
  ck_assert_str_eq(field(dan, "company"), "Last");
  ck_assert_str_eq(field(the_lead(db, "ann@x.com"), "firstName"), "Annie");
  ck_assert_str_eq(field(the_lead(db, "ann@x.com"), "company"), "A1");
  ck_assert_int_eq(tf_check_metric(harness, "records_merged"), 2);
  ck_assert_int_eq(tf_check_metric(harness, "leads_created"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "leads_updated"), 1);
  assert_no_rejects();
  json_decref(db);
}
END_TEST

START_TEST(record_level_skip_is_dead_lettered_with_its_code_never_retried)
{
  json_t *db, *stats, *records = people(0, 3, "ok.com");

  emu_reset(SEED_ANN);
  start_ok("\"sync_type\": \"profile\", " MAPPING);
  json_array_append_new(records,
                        person("jos\xc3\xa9@x.com", "Jose", "Perez", NULL));
  send_all(records);
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 4);
  assert_each_once(db, 0, 3, "ok.com");
  ck_assert_int_eq(tf_check_reject_count(harness), 1);
  ck_assert_str_eq(tf_check_reject_get(harness, 0)->code, "marketo_1001");
  ck_assert_int_eq(tf_check_metric(harness, "skipped_1001"), 1);
  ck_assert_int_eq(stat_of(stats, "calls", "POST /rest/v1/leads.json"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "retries"), 0);
  json_decref(stats);
  json_decref(db);
}
END_TEST

/* --- Faults: limits and error classes --------------------------------- */

#define EMPTY_SEED                                                             \
  "{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET                 \
  "\"}, " PARTITIONS "}"

START_TEST(fault_rate_limit_606_mid_run_is_retried_after_backoff)
{
  json_t *db, *stats;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"profile\", \"batch_size\": 100, " FAST_RETRY
           ", " MAPPING);
  send_some(people(0, 200, "r.com"));
  emu_fault("{\"code\": \"606\", \"next\": 3}");
  send_all(people(200, 200, "r.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 400);
  assert_each_once(db, 0, 400, "r.com");
  ck_assert_int_eq(stat_of(stats, "errors", "606"), 3);
  ck_assert_int_ge(tf_check_metric(harness, "retries"), 3);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(fault_client_rate_limiter_keeps_under_the_server_window)
{
  json_t *db, *stats;

  emu_reset("{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET
            "\"}, " PARTITIONS ", \"rate_limit\": 6, \"rate_window_s\": 1}");
  start_ok("\"sync_type\": \"profile\", \"batch_size\": 50, "
           "\"max_calls_per_20s\": 6, \"rate_window\": \"1500ms\", " FAST_RETRY
           ", " MAPPING);
  send_all(people(0, 500, "w.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 500);
  assert_each_once(db, 0, 500, "w.com");
  ck_assert_int_eq(stat_of(stats, "errors", "606"), 0);
  ck_assert_int_eq(tf_check_metric(harness, "api_calls"), 21);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(fault_token_expiry_602_mid_run_renews_and_retries)
{
  json_t *db, *stats, *answer;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"profile\", \"batch_size\": 100, " FAST_RETRY
           ", " MAPPING);
  send_some(people(0, 300, "t.com"));
  answer = emu_call("POST", "/_emulator/expire_tokens", NULL);
  ck_assert_int_eq(json_integer_value(json_object_get(answer, "expired")), 1);
  json_decref(answer);
  send_all(people(300, 300, "t.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 600);
  assert_each_once(db, 0, 600, "t.com");
  ck_assert_int_ge(stat_of(stats, "errors", "602"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "token_renewals"), 1);
  ck_assert_int_eq(json_integer_value(json_object_get(stats, "tokens_issued")),
                   2);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

/* A 3 s token is renewed after 2.25 s, while still valid: no call sees
 * 602 (calls take 150 ms, one at a time, 20 of them). */
START_TEST(domain_token_is_renewed_before_it_expires)
{
  json_t *db, *stats;

  emu_reset("{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET
            "\"}, " PARTITIONS ", \"token_ttl_s\": 3}");
  emu_fault("{\"latency_ms\": 150}");
  start_ok("\"sync_type\": \"profile\", \"batch_size\": 20, "
           "\"max_in_flight\": 1, " FAST_RETRY ", " MAPPING);
  send_all(people(0, 200, "k.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 200);
  assert_each_once(db, 0, 200, "k.com");
  ck_assert_int_eq(stat_of(stats, "errors", "602"), 0);
  ck_assert_int_ge(tf_check_metric(harness, "token_renewals"), 1);
  ck_assert_int_ge(json_integer_value(json_object_get(stats, "tokens_issued")),
                   2);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(fault_615_storm_is_retried_and_in_flight_stays_capped)
{
  json_t *db, *stats;

  emu_reset(EMPTY_SEED);
  emu_fault("{\"latency_ms\": 30}");
  start_ok("\"sync_type\": \"profile\", \"batch_size\": 20, "
           "\"max_in_flight\": 4, \"max_retries\": 12, " FAST_RETRY
           ", " MAPPING);
  emu_fault("{\"code\": \"615\", \"next\": 12}");
  send_all(people(0, 400, "c.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 400);
  assert_each_once(db, 0, 400, "c.com");
  ck_assert_int_eq(stat_of(stats, "errors", "615"), 12);
  ck_assert_int_le(json_integer_value(json_object_get(stats, "max_in_flight")),
                   4);
  ck_assert_int_ge(json_integer_value(json_object_get(stats, "max_in_flight")),
                   2);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(fault_dropped_connections_are_retried_exactly_once)
{
  json_t *db, *stats;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"profile\", " FAST_RETRY ", " MAPPING);
  emu_fault("{\"drop\": true, \"next\": 2}");
  emu_fault("{\"drop_after\": true, \"endpoint\": \"POST "
            "/rest/v1/leads.json\"}");
  send_all(people(0, 50, "d.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 50);
  assert_each_once(db, 0, 50, "d.com");
  ck_assert_int_eq(json_integer_value(json_object_get(stats, "dropped")), 3);
  /* The dropped create was applied: its retry met 1005 for every lead,
   * which were looked up again and updated. */
  ck_assert_int_eq(tf_check_metric(harness, "rechecks"), 50);
  ck_assert_int_eq(tf_check_metric(harness, "leads_updated"), 50);
  ck_assert_int_eq(stat_of(stats, "reasons", "1005"), 50);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(domain_create_race_1005_is_looked_up_again_and_updated)
{
  json_t *db, *records = json_array();
  const json_t *eve;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"audience_and_profile\", \"list_id\": 1001, "
           "\"partition\": \"EMEA\", " FAST_RETRY ", " MAPPING);
  emu_fault("{\"endpoint\": \"POST /rest/v1/leads.json\", \"seed_leads\": "
            "[{\"email\": \"eve@x.com\", \"firstName\": \"Other\", "
            "\"company\": \"Racer\", \"partition\": \"EMEA\"}]}");
  json_array_append_new(records, person("eve@x.com", "Eve", "Ito", NULL));
  json_array_append_new(records, person("fay@x.com", "Fay", "Li", NULL));
  send_all(records);
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 2);
  eve = the_lead(db, "eve@x.com");
  ck_assert_str_eq(field(eve, "firstName"), "Eve");
  ck_assert_str_eq(field(eve, "company"), "Racer");
  ck_assert_str_eq(field(eve, "partition"), "EMEA");
  ck_assert(in_list(eve, 1001));
  ck_assert(in_list(the_lead(db, "fay@x.com"), 1001));
  ck_assert_int_eq(tf_check_metric(harness, "rechecks"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "leads_created"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "leads_updated"), 1);
  assert_no_rejects();
  json_decref(db);
}
END_TEST

START_TEST(fault_uri_414_retries_lookup_as_post_method_get)
{
  json_t *db, *stats;

  emu_reset("{\"clients\": {\"" EMU_CLIENT_ID "\": \"" EMU_CLIENT_SECRET
            "\"}, " PARTITIONS ", \"max_uri_bytes\": 1024}");
  start_ok("\"sync_type\": \"profile\", " FAST_RETRY ", " MAPPING);
  send_all(people(0, 100, "a-rather-long-domain-name.example.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 100);
  assert_each_once(db, 0, 100, "a-rather-long-domain-name.example.com");
  ck_assert_int_eq(stat_of(stats, "http_status", "414"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "get_as_post"), 1);
  ck_assert_int_eq(stat_of(stats, "calls", "GET /rest/v1/leads.json"), 1);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(long_lookup_url_goes_as_post_method_get_without_a_414)
{
  json_t *db, *stats;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"profile\", " MAPPING);
  send_all(people(0, 300, "a-rather-long-domain-name.example.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 300);
  ck_assert_int_eq(stat_of(stats, "http_status", "414"), 0);
  ck_assert_int_eq(tf_check_metric(harness, "get_as_post"), 1);
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(fault_retries_exhausted_dead_letter_batch_with_last_error)
{
  json_t *db;
  size_t i;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"profile\", \"max_retries\": 2, " FAST_RETRY
           ", " MAPPING);
  emu_fault("{\"code\": \"606\", \"next\": 3}");
  send_all(people(0, 10, "x.com"));
  db = emu_leads();
  ck_assert_int_eq(lead_count(db), 0);
  ck_assert_int_eq(tf_check_reject_count(harness), 10);
  for (i = 0; i < 10; i++) {
    ck_assert_str_eq(tf_check_reject_get(harness, i)->code, "marketo_606");
    ck_assert(strstr(tf_check_reject_get(harness, i)->message,
                     "gave up after 2 retries"));
  }
  ck_assert_int_eq(tf_check_metric(harness, "retries"), 2);
  json_decref(db);
}
END_TEST

START_TEST(fault_server_5xx_and_timeouts_are_retried)
{
  json_t *db, *stats;

  emu_reset(EMPTY_SEED);
  start_ok(
      "\"sync_type\": \"profile\", \"retry_base\": \"10ms\", "
      "\"retry_cap\": \"100ms\", \"request_timeout\": \"300ms\", " MAPPING);
  emu_fault("{\"http_status\": 503}");
  emu_fault("{\"latency_ms\": 1500, \"next\": 1}");
  emu_fault("{\"code\": \"604\"}");
  send_all(people(0, 30, "f.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 30);
  assert_each_once(db, 0, 30, "f.com");
  ck_assert_int_eq(tf_check_metric(harness, "retries"), 3);
  assert_no_rejects();
  json_decref(stats);
  json_decref(db);
}
END_TEST

START_TEST(fault_credentials_revoked_mid_run_fail_the_sink_clearly)
{
  json_t *answer, *records;
  tf_sink_result verdict;
  int flushed;

  emu_reset(EMPTY_SEED);
  start_ok("\"sync_type\": \"profile\", " FAST_RETRY ", " MAPPING);
  answer = emu_call("POST", "/_emulator/config",
                    "{\"clients\": {\"" EMU_CLIENT_ID "\": \"rotated\"}}");
  json_decref(answer);
  json_decref(emu_call("POST", "/_emulator/expire_tokens", NULL));
  records = people(0, 400, "v.com");
  verdict = sink_write_json(&sink, records, 512);
  json_decref(records);
  flushed = sink.plugin->flush(sink.state, tf_check_ctx(harness));
  ck_assert(verdict == TF_SINK_ERROR || flushed != TF_OK);
  ck_assert_int_ne(flushed, TF_OK);
  ck_assert_msg(
      tf_check_log_contains(harness, "refused the client credentials"), "%s",
      harness_log_text());
  ck_assert(!tf_check_log_contains(harness, EMU_CLIENT_SECRET));
  ck_assert_int_eq(tf_check_reject_count(harness), 0);
}
END_TEST

/* --- init() refusals against the emulator ----------------------------- */

START_TEST(init_refuses_an_unknown_partition_before_any_record)
{
  json_t *stats;

  emu_reset(EMPTY_SEED);
  ck_assert_int_eq(start("\"sync_type\": \"profile\", \"partition\": "
                         "\"APAC\", " MAPPING),
                   TF_ERR_CONFIG);
  ck_assert(
      tf_check_log_contains(harness, "partition: \"APAC\" does not exist"));
  ck_assert(tf_check_log_contains(harness, "\"Default\", \"EMEA\""));
  stats = emu_stats();
  ck_assert_int_eq(stat_of(stats, "calls", "POST /rest/v1/leads.json"), 0);
  ck_assert_int_eq(stat_of(stats, "calls", "GET /rest/v1/leads.json"), 0);
  json_decref(stats);
}
END_TEST

START_TEST(init_refuses_bad_credentials_without_showing_the_secret)
{
  emu_reset("{\"clients\": {\"" EMU_CLIENT_ID
            "\": \"another-secret\"}, " PARTITIONS "}");
  ck_assert_int_eq(start("\"sync_type\": \"profile\", " MAPPING),
                   TF_ERR_CONFIG);
  ck_assert_msg(
      tf_check_log_contains(harness, "refused the client credentials"), "%s",
      harness_log_text());
  ck_assert(tf_check_log_contains(harness, "HTTP 401"));
  ck_assert(!tf_check_log_contains(harness, EMU_CLIENT_SECRET));
}
END_TEST

START_TEST(init_refuses_invalid_dedupe_mapping_and_list_before_the_network)
{
  json_t *stats;

  emu_reset(EMPTY_SEED);
  ck_assert_int_eq(start("\"sync_type\": \"profile\", \"dedupe_field\": "
                         "\"ECID\", \"mapping\": {\"ECID\": \"e\"}"),
                   TF_ERR_CONFIG);
  sink_stop(&sink);
  ck_assert_int_eq(start("\"sync_type\": \"profile\", \"mapping\": "
                         "{\"email\": \"email\"}"),
                   TF_ERR_CONFIG);
  sink_stop(&sink);
  ck_assert_int_eq(start("\"sync_type\": \"audience\", " MAPPING),
                   TF_ERR_CONFIG);
  stats = emu_stats();
  ck_assert_int_eq(json_integer_value(json_object_get(stats, "calls_total")),
                   0);
  ck_assert_int_eq(json_integer_value(json_object_get(stats, "identity_calls")),
                   0);
  json_decref(stats);
}
END_TEST

/* --- Volume ----------------------------------------------------------- */

/* 10,000 records through audience_and_profile with Marketo's real limits
 * (100 calls / 20 s, 10 in flight) and 20 ms per call on the server: nine
 * in ten are existing leads in EMEA (one in a hundred with an older twin in
 * Default), one in ten are new.  (Mostly updates because the emulator's
 * createOnly scans its whole database for every record.) */
START_TEST(ten_thousand_leads_end_to_end_within_marketo_limits)
{
  json_t *seed = json_pack("{s{ss}s[ss]s[i]s[]}", "clients", EMU_CLIENT_ID,
                           EMU_CLIENT_SECRET, "partitions", "Default", "EMEA",
                           "lists", 1001, "leads");
  json_t *leads = json_object_get(seed, "leads"), *db, *stats;
  json_t *emails = json_object();
  char email[64], *text;
  const json_t *lead;
  size_t i, listed = 0;

  for (i = 0; i < 10000; i++) {
    snprintf(email, sizeof(email), "p%zu@big.com", i);
    if (i % 10 != 0)
      json_array_append_new(
          leads, json_pack("{ssssssssss}", "email", email, "firstName", "Old",
                           "lastName", "Seed", "partition", "EMEA", "updatedAt",
                           "2026-01-02T00:00:00Z"));
    if (i % 100 == 1)
      json_array_append_new(
          leads, json_pack("{ssssssssss}", "email", email, "firstName", "Twin",
                           "lastName", "Seed", "partition", "Default",
                           "updatedAt", "2025-01-02T00:00:00Z"));
  }
  ck_assert_int_eq(json_array_size(leads), 9100);
  text = json_dumps(seed, JSON_COMPACT);
  emu_reset(text);
  free(text);
  json_decref(seed);
  emu_fault("{\"latency_ms\": 20}");
  start_ok("\"sync_type\": \"audience_and_profile\", \"list_id\": 1001, "
           "\"retry_base\": \"100ms\", \"retry_cap\": \"2s\", " MAPPING);
  send_all(people(0, 10000, "big.com"));
  db = emu_leads();
  stats = emu_stats();
  ck_assert_int_eq(lead_count(db), 10100);
  json_array_foreach (json_object_get(db, "leads"), i, lead) {
    const char *first = field(lead, "firstName");

    ck_assert_msg(strcmp(first, "Old") != 0, "%s not updated",
                  field(lead, "email"));
    if (strcmp(first, "Twin") == 0) {
      ck_assert(!in_list(lead, 1001));
    } else {
      /* Seeded leads have ids 1..9100; created ones come after. */
      ck_assert_str_eq(field(lead, "partition"),
                       json_integer_value(json_object_get(lead, "id")) <= 9100
                           ? "EMEA"
                           : "Default");
      ck_assert(in_list(lead, 1001));
      json_object_set_new(emails, field(lead, "email"), json_true());
      listed++;
    }
  }
  /* One lead per record's email, besides the seeded twins. */
  ck_assert_int_eq(listed, 10000);
  ck_assert_int_eq(json_object_size(emails), 10000);
  json_decref(emails);
  ck_assert_int_eq(tf_check_metric(harness, "leads_updated"), 9000);
  ck_assert_int_eq(tf_check_metric(harness, "leads_created"), 1000);
  ck_assert_int_eq(tf_check_metric(harness, "leads_added_to_list"), 10000);
  ck_assert_int_eq(stat_of(stats, "errors", "606"), 0);
  ck_assert_int_eq(stat_of(stats, "errors", "615"), 0);
  ck_assert_int_le(json_integer_value(json_object_get(stats, "max_in_flight")),
                   10);
  assert_no_rejects();
  fprintf(
      stderr,
      "10,000 leads: %lld API calls (partitions 1, lookups %lld, sync "
      "%lld, list %lld), %lld retries, max %lld in flight\n",
      (long long)tf_check_metric(harness, "api_calls"),
      (long long)stat_of(stats, "calls", "GET /rest/v1/leads.json"),
      (long long)stat_of(stats, "calls", "POST /rest/v1/leads.json"),
      (long long)stat_of(stats, "calls",
                         "POST /rest/v1/lists/{listId}/leads.json"),
      (long long)tf_check_metric(harness, "retries"),
      (long long)json_integer_value(json_object_get(stats, "max_in_flight")));
  json_decref(stats);
  json_decref(db);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("sink_marketo");
  TCase *tc = tcase_create("emulator");
  TCase *big = tcase_create("volume");

  tcase_add_unchecked_fixture(tc, emulator_start, emulator_stop);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(
      tc,
      seed_profile_update_and_create_updates_match_creates_rest_in_partition);
  tcase_add_test(tc, seed_profile_update_only_updates_match_never_creates);
  tcase_add_test(tc,
                 seed_audience_only_adds_existing_leads_to_list_never_writes);
  tcase_add_test(
      tc, seed_audience_and_profile_update_and_create_lists_updated_and_new);
  tcase_add_test(
      tc, seed_audience_and_profile_update_only_lists_matches_never_creates);
  tcase_add_test(tc,
                 domain_duplicates_in_two_partitions_only_newest_is_updated);
  tcase_add_test(tc, domain_new_leads_land_in_the_configured_partition);
  tcase_add_test(tc, domain_record_missing_required_field_cannot_create_a_lead);
  tcase_add_test(tc,
                 duplicate_dedupe_values_in_a_batch_merge_in_order_last_wins);
  tcase_add_test(
      tc, record_level_skip_is_dead_lettered_with_its_code_never_retried);
  tcase_add_test(tc, fault_rate_limit_606_mid_run_is_retried_after_backoff);
  tcase_add_test(tc, fault_client_rate_limiter_keeps_under_the_server_window);
  tcase_add_test(tc, fault_token_expiry_602_mid_run_renews_and_retries);
  tcase_add_test(tc, domain_token_is_renewed_before_it_expires);
  tcase_add_test(tc, fault_615_storm_is_retried_and_in_flight_stays_capped);
  tcase_add_test(tc, fault_dropped_connections_are_retried_exactly_once);
  tcase_add_test(tc, domain_create_race_1005_is_looked_up_again_and_updated);
  tcase_add_test(tc, fault_uri_414_retries_lookup_as_post_method_get);
  tcase_add_test(tc, long_lookup_url_goes_as_post_method_get_without_a_414);
  tcase_add_test(tc, fault_retries_exhausted_dead_letter_batch_with_last_error);
  tcase_add_test(tc, fault_server_5xx_and_timeouts_are_retried);
  tcase_add_test(tc, fault_credentials_revoked_mid_run_fail_the_sink_clearly);
  tcase_add_test(tc, init_refuses_an_unknown_partition_before_any_record);
  tcase_add_test(tc, init_refuses_bad_credentials_without_showing_the_secret);
  tcase_add_test(
      tc, init_refuses_invalid_dedupe_mapping_and_list_before_the_network);
  suite_add_tcase(s, tc);
  tcase_add_unchecked_fixture(big, emulator_start, emulator_stop);
  tcase_add_checked_fixture(big, setup, teardown);
  tcase_set_timeout(big, 240);
  tcase_add_test(big, ten_thousand_leads_end_to_end_within_marketo_limits);
  suite_add_tcase(s, big);
  return s;
}

int main(void)
{
  const char *missing = emulator_missing();
  SRunner *sr;
  int failed;

  if (missing) {
    printf("SKIP: the Marketo emulator cannot run: %s\n", missing);
    return 77;
  }
  sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
