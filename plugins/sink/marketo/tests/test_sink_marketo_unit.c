/*
 * test_sink_marketo_unit.c - the marketo sink without a network: the
 * config refusals of check() and init()
 * (docs/attribution-rules.md#marketo-lead-matching, "Required mapping"; seed
 * 004 "Mappages obligatoires"), record mapping, the queue's merge and per-key
 * serialisation, the string map, the rate limiter and the retry classes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include "../settings.h"
#include "../mapping.h"
#include "../queue.h"
#include "../ratelimit.h"
#include "../retry.h"
#include "../strmap.h"
#include "instance.h"

#define BASE_CONFIG                                                            \
  "\"endpoint\": \"http://127.0.0.1:1\", \"client_id\": \"c\", "               \
  "\"client_secret\": \"s3cr3t-value\""
#define FULL_MAPPING                                                           \
  "\"mapping\": {\"email\": \"email\", \"firstName\": \"first\", "             \
  "\"lastName\": \"last\"}"

static void setup(void)
{
  harness_reset();
}

static void teardown(void)
{
  harness_done();
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

/* Reads a config through the option table and mkto_config_read. */
static int read_config(mkto_config *cfg, const char *body)
{
  char text[2048];
  json_t *given;
  tf_config *tc = NULL;
  int rc;

  snprintf(text, sizeof(text), "{" BASE_CONFIG ", %s}", body);
  given = json_loads(text, 0, NULL);
  ck_assert_ptr_nonnull(given);
  ck_assert_int_eq(tf_options_validate(mkto_options, given, NULL, "config",
                                       NULL, diag_fail, NULL, &tc),
                   TF_OK);
  memset(cfg, 0, sizeof(*cfg));
  rc = mkto_config_read(cfg, tc, tf_check_ctx(harness),
                        tf_check_host_table(harness));
  tf_config_free(tc);
  json_decref(given);
  return rc;
}

/* init() itself refuses, before any network call (the endpoint is a
 * closed port: a call would fail differently and slowly). */
static int init_with(const char *body)
{
  char text[2048];
  sink_instance sink;
  int rc;

  snprintf(text, sizeof(text), "{" BASE_CONFIG ", %s}", body);
  rc = sink_start(&sink, text);
  sink_stop(&sink);
  return rc;
}

START_TEST(domain_dedupe_field_lead_id_and_ecid_are_config_errors)
{
  static const char *const fields[] = {"id",     "ID",   "leadId",
                                       "LEADID", "ECID", "ecid"};
  size_t i;

  for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    char body[512];

    tf_check_clear(harness);
    snprintf(body, sizeof(body),
             "\"sync_type\": \"profile\", \"dedupe_field\": \"%s\", "
             "\"mapping\": {\"%s\": \"x\", \"email\": \"email\", "
             "\"firstName\": \"f\", \"lastName\": \"l\"}",
             fields[i], fields[i]);
    ck_assert_int_eq(init_with(body), TF_ERR_CONFIG);
    ck_assert_msg(tf_check_log_contains(harness, "dedupe_field: \""), "%s: %s",
                  fields[i], harness_log_text());
  }
}
END_TEST

START_TEST(seed_required_mapping_to_create_needs_email_first_last_name)
{
  ck_assert_int_eq(init_with("\"sync_type\": \"profile\", \"mapping\": "
                             "{\"email\": \"email\", \"lastName\": \"l\"}"),
                   TF_ERR_CONFIG);
  ck_assert(
      tf_check_log_contains(harness, "\"firstName\" must be mapped to create"));
  ck_assert(!tf_check_log_contains(harness, "\"lastName\" must be mapped"));
  ck_assert(!tf_check_log_contains(harness, "s3cr3t-value"));
}
END_TEST

START_TEST(update_only_and_audience_need_only_the_dedupe_field_mapped)
{
  mkto_config cfg;

  ck_assert_int_eq(read_config(&cfg, "\"sync_type\": \"profile\", "
                                     "\"person_action\": \"update_only\", "
                                     "\"mapping\": {\"email\": \"e\"}"),
                   TF_OK);
  ck_assert(cfg.write_profile && !cfg.can_create && !cfg.add_to_list);
  mkto_config_clear(&cfg);
  ck_assert_int_eq(read_config(&cfg, "\"sync_type\": \"audience\", "
                                     "\"list_id\": 1001, "
                                     "\"mapping\": {\"email\": \"e\"}"),
                   TF_OK);
  ck_assert(!cfg.write_profile && !cfg.can_create && cfg.add_to_list);
  ck_assert_int_eq(cfg.list_id, 1001);
  mkto_config_clear(&cfg);
}
END_TEST

START_TEST(dedupe_field_must_be_mapped)
{
  ck_assert_int_eq(init_with("\"sync_type\": \"profile\", \"dedupe_field\": "
                             "\"customerId\", " FULL_MAPPING),
                   TF_ERR_CONFIG);
  ck_assert(tf_check_log_contains(harness,
                                  "dedupe field \"customerId\" is not mapped"));
}
END_TEST

START_TEST(audience_types_need_list_id)
{
  ck_assert_int_eq(
      init_with("\"sync_type\": \"audience\", \"mapping\": {\"email\": \"e\"}"),
      TF_ERR_CONFIG);
  ck_assert(tf_check_log_contains(harness,
                                  "missing option \"list_id\", required by "
                                  "sync_type audience"));
  tf_check_clear(harness);
  ck_assert_int_eq(
      init_with("\"sync_type\": \"audience_and_profile\", " FULL_MAPPING),
      TF_ERR_CONFIG);
  ck_assert(tf_check_log_contains(harness,
                                  "missing option \"list_id\", required by "
                                  "sync_type audience_and_profile"));
}
END_TEST

START_TEST(mapping_values_must_be_paths_and_lead_id_cannot_be_written)
{
  ck_assert_int_eq(init_with("\"sync_type\": \"profile\", \"person_action\": "
                             "\"update_only\", \"mapping\": {\"email\": "
                             "\"e\", \"score\": 5, \"id\": \"lead_id\"}"),
                   TF_ERR_CONFIG);
  ck_assert(
      tf_check_log_contains(harness, "mapping.score: must be a record path"));
  ck_assert(
      tf_check_log_contains(harness, "mapping.id: the Marketo lead id cannot"));
}
END_TEST

START_TEST(endpoint_must_be_http_and_loses_trailing_rest)
{
  mkto_config cfg;

  ck_assert_int_eq(init_with("\"sync_type\": \"profile\", \"endpoint\": "
                             "\"ftp://x\", " FULL_MAPPING),
                   TF_ERR_CONFIG);
  ck_assert(
      tf_check_log_contains(harness, "endpoint: \"ftp://x\" is not an http"));
  ck_assert_int_eq(read_config(&cfg, "\"sync_type\": \"profile\", "
                                     "\"endpoint\": \"https://1-A.mktorest.com"
                                     "/rest/\", " FULL_MAPPING),
                   TF_OK);
  ck_assert_str_eq(cfg.endpoint, "https://1-A.mktorest.com");
  mkto_config_clear(&cfg);
}
END_TEST

/* --- check(): the same refusals, with paths, without the network ----- */

static char problems[4096];

static void collect_problem(void *ud, const char *path, const char *message)
{
  size_t used = strlen(problems);

  (void)ud;
  snprintf(problems + used, sizeof(problems) - used, "%s: %s\n", path, message);
}

/* mkto_config_check on BASE_CONFIG plus body; problems gets one
 * "PATH: message" line per problem. */
static int check_config(const char *body)
{
  char text[2048];
  json_t *given;
  tf_config *tc = NULL;
  int rc;

  snprintf(text, sizeof(text), "{" BASE_CONFIG ", %s}", body);
  given = json_loads(text, 0, NULL);
  ck_assert_ptr_nonnull(given);
  ck_assert_int_eq(tf_options_validate(mkto_options, given, NULL, "config",
                                       NULL, diag_fail, NULL, &tc),
                   TF_OK);
  problems[0] = '\0';
  rc = mkto_config_check(tc, collect_problem, NULL);
  tf_config_free(tc);
  json_decref(given);
  return rc;
}

START_TEST(check_reports_every_problem_at_its_path)
{
  ck_assert_int_eq(
      check_config("\"endpoint\": \"ftp://x\", \"sync_type\": "
                   "\"audience_and_profile\", \"dedupe_field\": \"ECID\", "
                   "\"retry_base\": \"10s\", \"retry_cap\": \"1s\", "
                   "\"mapping\": {\"ECID\": \"x\", \"score\": 5, "
                   "\"email\": \"e\", \"lastName\": \"l\"}"),
      TF_ERR_CONFIG);
  ck_assert_str_eq(
      problems,
      "endpoint: \"ftp://x\" is not an http:// or https:// URL\n"
      "dedupe_field: \"ECID\" is not allowed (Lead ID and ECID cannot match "
      "leads); use email or a custom id field\n"
      "mapping.score: must be a record path (a non-empty string)\n"
      "mapping: \"firstName\" must be mapped to create leads (person_action "
      "update_and_create needs email, firstName and lastName)\n"
      ": missing option \"list_id\", required by sync_type "
      "audience_and_profile (the static list leads are added to)\n"
      "retry_base: longer than retry_cap (the longest backoff)\n");
  ck_assert(strstr(problems, "s3cr3t-value") == NULL);
}
END_TEST

START_TEST(check_accepts_what_init_reads)
{
  mkto_config cfg;

  ck_assert_int_eq(check_config("\"sync_type\": \"profile\", " FULL_MAPPING),
                   TF_OK);
  ck_assert_str_eq(problems, "");
  ck_assert_int_eq(check_config("\"sync_type\": \"audience\", \"list_id\": "
                                "7, \"mapping\": {\"email\": \"e\"}"),
                   TF_OK);
  ck_assert_str_eq(problems, "");
  ck_assert_int_eq(read_config(&cfg, "\"sync_type\": \"audience\", "
                                     "\"list_id\": 7, \"mapping\": "
                                     "{\"email\": \"e\"}"),
                   TF_OK);
  mkto_config_clear(&cfg);
}
END_TEST

START_TEST(check_refuses_the_lead_id_mapped_and_an_unmapped_dedupe_field)
{
  ck_assert_int_eq(check_config("\"sync_type\": \"profile\", "
                                "\"person_action\": \"update_only\", "
                                "\"dedupe_field\": \"customerId\", "
                                "\"mapping\": {\"Id\": \"lead_id\"}"),
                   TF_ERR_CONFIG);
  ck_assert_str_eq(problems,
                   "mapping.Id: the Marketo lead id cannot be written\n"
                   "mapping: the dedupe field \"customerId\" is not mapped "
                   "(add \"customerId\": \"<record path>\")\n");
  ck_assert_int_eq(check_config("\"sync_type\": \"profile\", "
                                "\"dedupe_field\": \"\", \"mapping\": {}"),
                   TF_ERR_CONFIG);
  ck_assert(strstr(problems, "dedupe_field: must not be empty\n"));
  ck_assert(strstr(problems, "mapping: must map at least one field\n"));
}
END_TEST

START_TEST(options_have_contract_names_defaults_and_limits)
{
  static const char *const names[] = {
      "endpoint",      "client_id",    "client_secret", "sync_type",
      "person_action", "dedupe_field", "partition",     "list_id",
      "mapping",       "batch_size",   "max_in_flight", "max_calls_per_20s"};
  const tf_option *opt;
  size_t i;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    opt = tf_options_find(mkto_options, names[i]);
    ck_assert_msg(opt != NULL, "%s", names[i]);
    ck_assert_msg(opt->description && opt->description[0], "%s", names[i]);
  }
  ck_assert(tf_options_find(mkto_options, "client_secret")->flags &
            TF_OPT_SECRET);
  ck_assert_str_eq(tf_options_find(mkto_options, "dedupe_field")->default_value,
                   "email");
  ck_assert_str_eq(tf_options_find(mkto_options, "partition")->default_value,
                   "Default");
  opt = tf_options_find(mkto_options, "batch_size");
  ck_assert(opt->max == 300 && strcmp(opt->default_value, "300") == 0);
  ck_assert(tf_options_find(mkto_options, "max_in_flight")->max == 10);
  ck_assert(tf_options_find(mkto_options, "max_calls_per_20s")->max == 100);
}
END_TEST

/* --- Mapping ---------------------------------------------------------- */

static int map_json(const char *record, const char *mapping, json_t **fields,
                    char **key, const char **code)
{
  mkto_config cfg;
  char message[512];
  tf_record *rec = tf_record_new(json_loads(record, 0, NULL));
  int rc;

  memset(&cfg, 0, sizeof(cfg));
  cfg.dedupe_field = "email";
  cfg.mapping = json_loads(mapping, 0, NULL);
  ck_assert_ptr_nonnull(rec);
  rc = mkto_map_record(&cfg, rec, fields, key, code, message, sizeof(message));
  json_decref(cfg.mapping);
  tf_record_unref(rec);
  return rc;
}

START_TEST(mapping_copies_paths_and_leaves_out_missing_and_null)
{
  json_t *fields;
  char *key;
  const char *code;

  ck_assert_int_eq(
      map_json("{\"p\": {\"mail\": \"a@x.com\", \"fn\": null}, \"n\": 3}",
               "{\"email\": \"p.mail\", \"firstName\": \"p.fn\", "
               "\"lastName\": \"p.ln\", \"score\": \"n\"}",
               &fields, &key, &code),
      TF_OK);
  ck_assert_str_eq(key, "a@x.com");
  ck_assert_int_eq(json_object_size(fields), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(fields, "score")), 3);
  ck_assert_ptr_null(json_object_get(fields, "firstName"));
  json_decref(fields);
  free(key);
}
END_TEST

START_TEST(mapping_rejects_records_that_cannot_be_sent)
{
  json_t *fields;
  char *key;
  const char *code;

  ck_assert_int_eq(
      map_json("{\"e\": null}", "{\"email\": \"e\"}", &fields, &key, &code),
      TF_ERR_INVAL);
  ck_assert_str_eq(code, "missing_dedupe_value");
  ck_assert_int_eq(map_json("{\"e\": \"a,b@x.com\"}", "{\"email\": \"e\"}",
                            &fields, &key, &code),
                   TF_ERR_INVAL);
  ck_assert_str_eq(code, "invalid_dedupe_value");
  ck_assert_int_eq(map_json("{\"e\": \"a@x.com\", \"o\": {\"k\": 1}}",
                            "{\"email\": \"e\", \"city\": \"o\"}", &fields,
                            &key, &code),
                   TF_ERR_INVAL);
  ck_assert_str_eq(code, "invalid_field");
  ck_assert_int_eq(
      map_json("{\"e\": 42}", "{\"email\": \"e\"}", &fields, &key, &code),
      TF_OK);
  ck_assert_str_eq(key, "42");
  json_decref(fields);
  free(key);
}
END_TEST

/* --- Queue ------------------------------------------------------------ */

static void queue_add(mkto_queue *q, const char *email, const char *first)
{
  json_t *obj = json_pack("{ssss}", "email", email, "firstName", first);
  tf_record *rec = tf_record_new(json_deep_copy(obj));

  ck_assert_int_eq(mkto_queue_add(q, strdup(email), obj, rec), TF_OK);
  tf_record_unref(rec);
}

START_TEST(duplicates_in_a_batch_merge_in_order_last_wins)
{
  mkto_queue q;
  mkto_group *out[4];

  ck_assert_int_eq(mkto_queue_init(&q), TF_OK);
  queue_add(&q, "ann@x.com", "Ann");
  queue_add(&q, "bob@x.com", "Bob");
  queue_add(&q, "ANN@x.com", "Annie");
  ck_assert_int_eq(q.n_groups, 2);
  ck_assert_int_eq(q.n_merged, 1);
  ck_assert_int_eq(mkto_queue_take(&q, out, 4, 1 << 20), 2);
  ck_assert_str_eq(out[0]->key, "ann@x.com");
  ck_assert_int_eq(out[0]->n_records, 2);
  ck_assert_str_eq(
      json_string_value(json_object_get(out[0]->fields, "firstName")), "Annie");
  mkto_group_free(out[0]);
  mkto_group_free(out[1]);
  mkto_queue_clear(&q);
}
END_TEST

START_TEST(a_dedupe_value_waits_while_its_batch_runs)
{
  mkto_queue q;
  mkto_group *out[4];

  ck_assert_int_eq(mkto_queue_init(&q), TF_OK);
  queue_add(&q, "ann@x.com", "Ann");
  ck_assert_int_eq(mkto_queue_take(&q, out, 4, 1 << 20), 1);
  queue_add(&q, "ann@x.com", "Annie");
  queue_add(&q, "bob@x.com", "Bob");
  ck_assert_int_eq(mkto_queue_ready(&q, 10), 1);
  ck_assert_int_eq(mkto_queue_take(&q, out + 1, 4, 1 << 20), 1);
  ck_assert_str_eq(out[1]->key, "bob@x.com");
  mkto_queue_release(&q, "ann@x.com");
  ck_assert_int_eq(mkto_queue_take(&q, out + 2, 4, 1 << 20), 1);
  ck_assert_str_eq(out[2]->key, "ann@x.com");
  mkto_group_free(out[0]);
  mkto_group_free(out[1]);
  mkto_group_free(out[2]);
  mkto_queue_clear(&q);
}
END_TEST

START_TEST(a_batch_stays_under_the_byte_budget)
{
  mkto_queue q;
  mkto_group *out[4];
  size_t n;

  ck_assert_int_eq(mkto_queue_init(&q), TF_OK);
  queue_add(&q, "a@x.com", "A");
  queue_add(&q, "b@x.com", "B");
  queue_add(&q, "c@x.com", "C");
  n = mkto_queue_take(&q, out, 4, 100);
  ck_assert_int_eq(n, 1);
  mkto_group_free(out[0]);
  mkto_queue_clear(&q);
}
END_TEST

/* --- Building blocks -------------------------------------------------- */

START_TEST(strmap_folds_ascii_case_and_grows)
{
  mkto_strmap *m = mkto_strmap_new();
  char key[32];
  int i, one = 1;

  ck_assert_ptr_nonnull(m);
  ck_assert_int_eq(mkto_strmap_put(m, "Ann@X.com", &one), TF_OK);
  ck_assert_ptr_eq(mkto_strmap_get(m, "ann@x.COM"), &one);
  for (i = 0; i < 1000; i++) {
    snprintf(key, sizeof(key), "k%d", i);
    ck_assert_int_eq(mkto_strmap_put(m, key, &one), TF_OK);
  }
  ck_assert_int_eq(mkto_strmap_count(m), 1001);
  mkto_strmap_remove(m, "K500");
  ck_assert_ptr_null(mkto_strmap_get(m, "k500"));
  ck_assert_ptr_eq(mkto_strmap_get(m, "k999"), &one);
  mkto_strmap_free(m);
}
END_TEST

START_TEST(rate_limiter_holds_a_slot_from_start_to_one_window_after_answer)
{
  mkto_ratelimit rl;

  ck_assert_int_eq(mkto_ratelimit_init(&rl, 3, 1000), TF_OK);
  mkto_ratelimit_start(&rl);
  mkto_ratelimit_finish(&rl, 50);
  mkto_ratelimit_start(&rl);
  mkto_ratelimit_finish(&rl, 150);
  ck_assert_int_eq(mkto_ratelimit_wait(&rl, 160), 0);
  mkto_ratelimit_start(&rl);
  /* Two answers in the window and one call running: the oldest answer
   * (50) leaves the 1 s window (+2 %) at 1070. */
  ck_assert_int_eq(mkto_ratelimit_wait(&rl, 210), 860);
  mkto_ratelimit_finish(&rl, 250);
  ck_assert_int_eq(mkto_ratelimit_wait(&rl, 1069), 1);
  ck_assert_int_eq(mkto_ratelimit_wait(&rl, 1070), 0);
  mkto_ratelimit_start(&rl);
  mkto_ratelimit_start(&rl);
  mkto_ratelimit_start(&rl);
  /* Every slot is a running call: only an answer frees one. */
  ck_assert_int_eq(mkto_ratelimit_wait(&rl, 1100), 1020);
  mkto_ratelimit_clear(&rl);
}
END_TEST

START_TEST(retry_classes_follow_formats_1_4)
{
  static const char *const backoff[] = {"502", "604", "606", "608",
                                        "611", "615", "713"};
  unsigned seed = 7;
  size_t i;
  int attempt;

  for (i = 0; i < sizeof(backoff) / sizeof(backoff[0]); i++)
    ck_assert_int_eq(mkto_retry_class_of(backoff[i]), MKTO_BACKOFF);
  ck_assert_int_eq(mkto_retry_class_of("601"), MKTO_REAUTH);
  ck_assert_int_eq(mkto_retry_class_of("602"), MKTO_REAUTH);
  ck_assert_int_eq(mkto_retry_class_of("603"), MKTO_FATAL);
  ck_assert_int_eq(mkto_retry_class_of("607"), MKTO_FAIL);
  ck_assert_int_eq(mkto_retry_class_of("1005"), MKTO_FAIL);
  for (attempt = 0; attempt < 12; attempt++) {
    for (i = 0; i < 200; i++) {
      int64_t ms = mkto_backoff_ms(100, 3000, attempt, &seed);
      int64_t ceiling = attempt < 5 ? 100 << attempt : 3000;

      ck_assert(ms >= 0 && ms <= ceiling);
    }
  }
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("sink_marketo_unit");
  TCase *tc = tcase_create("unit");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, domain_dedupe_field_lead_id_and_ecid_are_config_errors);
  tcase_add_test(tc,
                 seed_required_mapping_to_create_needs_email_first_last_name);
  tcase_add_test(tc,
                 update_only_and_audience_need_only_the_dedupe_field_mapped);
  tcase_add_test(tc, dedupe_field_must_be_mapped);
  tcase_add_test(tc, audience_types_need_list_id);
  tcase_add_test(tc,
                 mapping_values_must_be_paths_and_lead_id_cannot_be_written);
  tcase_add_test(tc, endpoint_must_be_http_and_loses_trailing_rest);
  tcase_add_test(tc, check_reports_every_problem_at_its_path);
  tcase_add_test(tc, check_accepts_what_init_reads);
  tcase_add_test(tc,
                 check_refuses_the_lead_id_mapped_and_an_unmapped_dedupe_field);
  tcase_add_test(tc, options_have_contract_names_defaults_and_limits);
  tcase_add_test(tc, mapping_copies_paths_and_leaves_out_missing_and_null);
  tcase_add_test(tc, mapping_rejects_records_that_cannot_be_sent);
  tcase_add_test(tc, duplicates_in_a_batch_merge_in_order_last_wins);
  tcase_add_test(tc, a_dedupe_value_waits_while_its_batch_runs);
  tcase_add_test(tc, a_batch_stays_under_the_byte_budget);
  tcase_add_test(tc, strmap_folds_ascii_case_and_grows);
  tcase_add_test(
      tc, rate_limiter_holds_a_slot_from_start_to_one_window_after_answer);
  tcase_add_test(tc, retry_classes_follow_formats_1_4);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
