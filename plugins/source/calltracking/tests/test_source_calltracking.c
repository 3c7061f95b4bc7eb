/*
 * test_source_calltracking.c - tests of the `calltracking` source: the
 * Task and CTM call -> event mapping called directly with hand-made
 * records, the config defaults, then whole runs of the plugin over the
 * fixture files in tests/data through a tf_check_host (<touchflow/check.h>:
 * emit collects records, reject collects codes and messages, metric sums
 * counters).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include "../call_event.h"

const tf_plugin *source_calltracking_LTX_tf_plugin_entry(void);

#define UID "277d79d01678498fea067c9b631bf6df"
#define UID2 "08c1063cb0a64349ad0d2d862f5cc700"

/* Every test starts with an empty collecting host (<touchflow/check.h>):
 * the tests drive the plugin and its functions through its table and ctx,
 * and read what it collected. */
static tf_check_host *harness;

static void setup(void)
{
  harness =
      tf_check_host_new(source_calltracking_LTX_tf_plugin_entry(), "calls");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  tf_check_host_free(harness);
}

/* --- Calling the mapping directly ------------------------------------- */

static const call_settings task_settings = {CALL_TASK, "bizible2__BizibleId__c",
                                            NULL, NULL};
static const call_settings ctm_settings = {
    CALL_CTM_CALL, "custom_fields.bizible_id", "caller_number", NULL};

/* Maps one record parsed from json, as read from line 17 of tasks.csv. */
static void map_with(const call_settings *set, const char *json)
{
  tf_origin origin = {"tasks.csv", 17};
  char err[256];
  tf_record *rec =
      tf_record_parse(json, strlen(json), &origin, err, sizeof(err));

  ck_assert_msg(rec != NULL, "bad test JSON: %s", err);
  ck_assert_int_eq(
      source_calltracking_map_call((void *)set, tf_check_ctx(harness),
                                   tf_check_host_table(harness), rec),
      TF_OK);
  tf_record_unref(rec);
}

static void map_task(const char *json)
{
  map_with(&task_settings, json);
}

static const json_t *event(size_t i)
{
  ck_assert_uint_gt(tf_batch_count(tf_check_emitted(harness)), i);
  return tf_record_json(tf_batch_get(tf_check_emitted(harness), i));
}

static const char *event_string(size_t i, const char *field)
{
  return json_string_value(json_object_get(event(i), field));
}

static json_int_t metric(const char *name)
{
  return json_integer_value(
      json_object_get(tf_check_metrics_json(harness), name));
}

/* The i-th event equals the JSON text `want`, every field of it. */
static void expect_event(size_t i, const char *want)
{
  json_t *expected = json_loads(want, 0, NULL);
  char *got = json_dumps(event(i), JSON_SORT_KEYS);

  ck_assert_ptr_nonnull(expected);
  ck_assert_msg(json_equal(expected, event(i)), "event %zu is %s", i, got);
  free(got);
  json_decref(expected);
}

static const char *reject_string(size_t i, const char *field)
{
  return json_string_value(json_object_get(
      json_array_get(tf_check_rejects_json(harness), i), field));
}

static void expect_message_has(size_t i, const char *part)
{
  const char *message = reject_string(i, "message");

  ck_assert_ptr_nonnull(message);
  ck_assert_msg(strstr(message, part) != NULL, "message \"%s\" lacks \"%s\"",
                message, part);
}

/* The only outcome so far is one reject with this code, and its message
 * holds `part`. */
static void expect_only_reject(const char *code, const char *part)
{
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 0);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_str_eq(reject_string(0, "code"), code);
  expect_message_has(0, part);
}

#define TASK_HEAD                                                              \
  "{\"Id\":\"00T5e00000AbCdEAAV\",\"WhoId\":\"00Q5e00000XyZ12EAF\","           \
  "\"Subject\":\"Inbound call from (617) 555-0123\",\"Type\":\"Call\","        \
  "\"CreatedDate\":\"2024-03-05T14:19:02.000Z\","

START_TEST(test_task_becomes_call_event)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"" UID "\","
                     "\"bizible2__Bizible_Touchpoint_Date__c\":"
                     "\"2024-03-05T14:14:00.000Z\"}");
  expect_event(0, "{\"event\":\"call\",\"ts\":\"2024-03-05T14:14:00.000Z\","
                  "\"ts_ms\":1709648040000,\"biz_uid\":\"" UID "\","
                  "\"email\":null,\"origin\":\"calltracking\","
                  "\"source_record_id\":\"00T5e00000AbCdEAAV\","
                  "\"call_type\":\"Call\",\"subject\":\"Inbound call from "
                  "(617) 555-0123\",\"who_id\":\"00Q5e00000XyZ12EAF\","
                  "\"phone\":null}");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* docs/attribution-rules.md#call-rule-1: "Task without a BizibleId: no
 * touchpoint. The record is rejected with a clear reason (the vendor must be
 * told) and goes to the dead-letter output; the run continues." */
START_TEST(call_rule_1_task_without_bizible_id_is_dead_lettered)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"\"}");
  expect_only_reject("missing_bizible_id", "00T5e00000AbCdEAAV");
  expect_message_has(0, "bizible2__BizibleId__c");
  expect_message_has(0, "vendor");
  ck_assert_str_eq(
      json_string_value(json_object_get(
          json_object_get(json_array_get(tf_check_rejects_json(harness), 0),
                          "record"),
          "Id")),
      "00T5e00000AbCdEAAV");
  ck_assert_int_eq(metric("missing_bizible_id"), 1);
}
END_TEST

/* docs/attribution-rules.md#call-rule-1, as above: a Task whose BizibleId field
 * is absent altogether (null in NDJSON, or no such column) is the same case. */
START_TEST(call_rule_1_task_with_null_or_absent_bizible_id_is_dead_lettered)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":null}");
  map_task(TASK_HEAD "\"Status\":\"Completed\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 0);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 2);
  ck_assert_str_eq(reject_string(0, "code"), "missing_bizible_id");
  ck_assert_str_eq(reject_string(1, "code"), "missing_bizible_id");
}
END_TEST

/* docs/attribution-rules.md#call-rule-1: "...; the run continues." The next
 * Task is mapped as usual. */
START_TEST(call_rule_1_mapping_goes_on_after_a_task_without_bizible_id)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"\"}");
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"" UID "\"}");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
}
END_TEST

/* docs/attribution-rules.md#calls: "The call time is the Task's
 * bizible2__Bizible_Touchpoint_Date__c when set, else its CreatedDate." */
START_TEST(call_time_is_the_touchpoint_date_when_set)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"" UID "\","
                     "\"bizible2__Bizible_Touchpoint_Date__c\":"
                     "\"2024-03-06T09:58:30.000-05:00\"}");
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-06T14:58:30.000Z");
  ck_assert_int_eq(metric("dated_by_touchpoint_date"), 1);
}
END_TEST

/* docs/attribution-rules.md#calls: "The call time is the Task's
 * bizible2__Bizible_Touchpoint_Date__c when set, else its CreatedDate." */
START_TEST(call_time_is_created_date_when_touchpoint_date_is_empty)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"" UID "\","
                     "\"bizible2__Bizible_Touchpoint_Date__c\":\"\"}");
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-05T14:19:02.000Z");
  ck_assert_int_eq(json_integer_value(json_object_get(event(0), "ts_ms")),
                   1709648342000);
  ck_assert_int_eq(metric("dated_by_created_date"), 1);
}
END_TEST

START_TEST(test_bad_touchpoint_date_is_rejected_not_replaced)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"" UID "\","
                     "\"bizible2__Bizible_Touchpoint_Date__c\":"
                     "\"05/03/2024 16:40\"}");
  expect_only_reject("invalid_timestamp",
                     "bizible2__Bizible_Touchpoint_Date__c \"05/03/2024 "
                     "16:40\"");
}
END_TEST

START_TEST(test_task_without_any_date_is_rejected)
{
  map_task("{\"Id\":\"00T5e00000AbCdEAAV\",\"Type\":\"Call\","
           "\"bizible2__BizibleId__c\":\"" UID "\"}");
  expect_only_reject("invalid_timestamp", "CreatedDate");
}
END_TEST

/* The ts of a Task with this CreatedDate. */
static const char *ts_of_created(const char *created)
{
  char json[512];

  snprintf(json, sizeof(json),
           "{\"Id\":\"00T5e00000AbCdEAAV\",\"Type\":\"Call\","
           "\"CreatedDate\":\"%s\",\"bizible2__BizibleId__c\":\"" UID "\"}",
           created);
  map_task(json);
  return event_string(tf_batch_count(tf_check_emitted(harness)) - 1, "ts");
}

START_TEST(test_salesforce_datetime_forms)
{
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02.000Z"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02.000+0000"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T15:19:02+01:00"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02Z"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05"), "2024-03-05T00:00:00.000Z");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

START_TEST(test_empty_type_gives_empty_call_type)
{
  map_task("{\"Id\":\"00T5e00000AbCdGAAV\",\"Type\":\"\",\"Subject\":\"\","
           "\"WhoId\":\"\",\"CreatedDate\":\"2024-03-05T15:30:00.000+0000\","
           "\"bizible2__BizibleId__c\":\"" UID2 "\"}");
  ck_assert_str_eq(event_string(0, "call_type"), "");
  ck_assert(json_is_null(json_object_get(event(0), "subject")));
  ck_assert(json_is_null(json_object_get(event(0), "who_id")));
}
END_TEST

START_TEST(test_null_type_gives_empty_call_type)
{
  map_task("{\"Id\":\"00T5e00000AbCdGAAV\",\"Type\":null,"
           "\"CreatedDate\":\"2024-03-05T15:30:00.000+0000\","
           "\"bizible2__BizibleId__c\":\"" UID2 "\"}");
  ck_assert_str_eq(event_string(0, "call_type"), "");
}
END_TEST

START_TEST(test_data_loader_upper_case_headers_are_found)
{
  map_task("{\"ID\":\"00T5e00000AbCdEAAV\",\"TYPE\":\"Call\","
           "\"CREATEDDATE\":\"2024-03-05T14:19:02.000Z\","
           "\"BIZIBLE2__BIZIBLEID__C\":\"" UID "\"}");
  ck_assert_str_eq(event_string(0, "source_record_id"), "00T5e00000AbCdEAAV");
  ck_assert_str_eq(event_string(0, "call_type"), "Call");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
}
END_TEST

START_TEST(test_bizible_id_field_may_be_a_dotted_path)
{
  const call_settings set = {CALL_TASK, "Who.BizibleId__c", NULL, NULL};

  map_with(&set, "{\"Id\":\"00T5e00000AbCdEAAV\",\"Type\":\"Call\","
                 "\"CreatedDate\":\"2024-03-05T14:19:02.000Z\","
                 "\"Who\":{\"BizibleId__c\":\"" UID "\"}}");
  map_with(&set, "{\"Id\":\"00T5e00000AbCdFAAV\",\"Type\":\"Call\","
                 "\"CreatedDate\":\"2024-03-05T14:19:02.000Z\","
                 "\"Who.BizibleId__c\":\"" UID2 "\"}");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
  ck_assert_str_eq(event_string(1, "biz_uid"), UID2);
}
END_TEST

START_TEST(test_task_invalid_bizible_id_is_rejected)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":\"08c1063cb0a64349ad0d2d86"
                     "2f5cc70\"}");
  expect_only_reject("invalid_bizible_id",
                     "bizible2__BizibleId__c \"08c1063cb0a64349ad0d2d862f5cc70"
                     "\"");
}
END_TEST

START_TEST(test_task_uppercase_bizible_id_is_lowercased)
{
  map_task(TASK_HEAD "\"bizible2__BizibleId__c\":"
                     "\"277D79D01678498FEA067C9B631BF6DF\"}");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
}
END_TEST

START_TEST(test_task_without_id_is_missing_field)
{
  map_task("{\"Type\":\"Call\",\"CreatedDate\":\"2024-03-05T14:19:02Z\","
           "\"bizible2__BizibleId__c\":\"" UID "\"}");
  expect_only_reject("missing_field", "Id is missing");
}
END_TEST

START_TEST(test_deleted_task_is_rejected)
{
  map_task(TASK_HEAD "\"IsDeleted\":\"true\","
                     "\"bizible2__BizibleId__c\":\"" UID "\"}");
  map_task(TASK_HEAD "\"IsDeleted\":false,"
                     "\"bizible2__BizibleId__c\":\"" UID "\"}");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_str_eq(reject_string(0, "code"), "deleted_record");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
}
END_TEST

START_TEST(test_task_phone_comes_from_phone_field)
{
  const call_settings set = {CALL_TASK, "bizible2__BizibleId__c",
                             "CTM_Caller_Number__c", NULL};

  map_with(&set, TASK_HEAD "\"bizible2__BizibleId__c\":\"" UID "\","
                           "\"CTM_Caller_Number__c\":\"+16175550123\"}");
  ck_assert_str_eq(event_string(0, "phone"), "+16175550123");
}
END_TEST

START_TEST(test_non_string_subject_is_invalid_field)
{
  map_task("{\"Id\":\"00T5e00000AbCdEAAV\",\"Subject\":[\"a\"],"
           "\"CreatedDate\":\"2024-03-05T14:19:02Z\","
           "\"bizible2__BizibleId__c\":\"" UID "\"}");
  expect_only_reject("invalid_field", "Subject is an array");
}
END_TEST

START_TEST(test_input_record_is_left_alone)
{
  const char *json = TASK_HEAD "\"bizible2__BizibleId__c\":"
                               "\"277D79D01678498FEA067C9B631BF6DF\"}";
  tf_origin origin = {"tasks.csv", 4};
  tf_record *rec = tf_record_parse(json, strlen(json), &origin, NULL, 0);
  json_t *before = tf_record_copy_json(rec);

  ck_assert_int_eq(source_calltracking_map_call(
                       (void *)&task_settings, tf_check_ctx(harness),
                       tf_check_host_table(harness), rec),
                   TF_OK);
  ck_assert(json_equal(before, tf_record_json(rec)));
  ck_assert_int_eq(
      tf_record_origin(tf_batch_get(tf_check_emitted(harness), 0)).line, 4);
  json_decref(before);
  tf_record_unref(rec);
}
END_TEST

#define CTM_CALL                                                               \
  "{\"id\":98765432,\"direction\":\"inbound\",\"called_at\":\"2024-03-05 "     \
  "09:14 AM -05:00\",\"unix_time\":1709648040,\"caller_number\":"              \
  "\"+16175550123\",\"source\":\"Google Ads\",\"email\":\"Jo@Acme.COM\","      \
  "\"custom_fields\":{\"bizible_id\":\"" UID "\"}}"

START_TEST(test_ctm_call_becomes_call_event)
{
  map_with(&ctm_settings, CTM_CALL);
  expect_event(0, "{\"event\":\"call\",\"ts\":\"2024-03-05T14:14:00.000Z\","
                  "\"ts_ms\":1709648040000,\"biz_uid\":\"" UID "\","
                  "\"email\":\"jo@acme.com\",\"origin\":\"calltracking\","
                  "\"source_record_id\":\"98765432\",\"call_type\":\"Call\","
                  "\"subject\":null,\"who_id\":null,"
                  "\"phone\":\"+16175550123\"}");
}
END_TEST

START_TEST(test_ctm_call_without_bizible_id_is_rejected)
{
  map_with(&ctm_settings, "{\"id\":98765434,\"unix_time\":1709652000}");
  expect_only_reject("missing_bizible_id", "custom_fields.bizible_id");
  expect_message_has(0, "98765434");
}
END_TEST

START_TEST(test_ctm_bizible_id_field_is_configurable)
{
  const call_settings set = {CALL_CTM_CALL, "visitor.biz_uid", NULL, NULL};

  map_with(&set, "{\"id\":\"98765432\",\"unix_time\":\"1709648040\","
                 "\"visitor\":{\"biz_uid\":\"" UID "\"}}");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-05T14:14:00.000Z");
  ck_assert(json_is_null(json_object_get(event(0), "phone")));
}
END_TEST

START_TEST(test_ctm_unix_time_in_milliseconds_is_rejected)
{
  map_with(&ctm_settings, "{\"id\":98765435,\"unix_time\":1709653000000,"
                          "\"custom_fields\":{\"bizible_id\":\"" UID "\"}}");
  expect_only_reject("invalid_timestamp", "milliseconds");
}
END_TEST

START_TEST(test_ctm_call_without_unix_time_is_rejected)
{
  map_with(&ctm_settings, "{\"id\":98765435,\"called_at\":\"2024-03-05\","
                          "\"custom_fields\":{\"bizible_id\":\"" UID "\"}}");
  expect_only_reject("invalid_timestamp", "unix_time");
}
END_TEST

START_TEST(test_ctm_api_page_gives_one_event_per_call)
{
  map_with(&ctm_settings,
           "{\"calls\":[" CTM_CALL ",{\"id\":98765434,\"unix_time\":"
           "1709652000},7],\"page\":1,\"total_pages\":1}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  ck_assert_str_eq(event_string(0, "source_record_id"), "98765432");
  ck_assert_int_eq(
      tf_record_origin(tf_batch_get(tf_check_emitted(harness), 0)).line, 17);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 2);
  ck_assert_str_eq(reject_string(0, "code"), "missing_bizible_id");
  ck_assert_int_eq(
      json_integer_value(json_object_get(
          json_object_get(json_array_get(tf_check_rejects_json(harness), 0),
                          "record"),
          "id")),
      98765434);
  ck_assert_str_eq(reject_string(1, "code"), "invalid_field");
  expect_message_has(1, "calls[2]");
}
END_TEST

/* --- The config ------------------------------------------------------- */

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

/* Starts the plugin with a config, base folder tests/data. */
static int start(const char *config_json, tf_config **cfg, void **state)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_calltracking_LTX_tf_plugin_entry());
  json_t *given = json_loads(config_json, 0, NULL);

  ck_assert_ptr_nonnull(given);
  ck_assert_int_eq(tf_options_validate(plugin->base.options, given, NULL,
                                       "config", CALLTRACKING_FIXTURES,
                                       diag_fail, NULL, cfg),
                   TF_OK);
  json_decref(given);
  return plugin->base.init(tf_check_ctx(harness), tf_check_host_table(harness),
                           *cfg, state);
}

START_TEST(test_empty_bizible_id_field_fails_init)
{
  tf_config *cfg;
  void *state;

  ck_assert_int_eq(
      start("{\"path\": \"tasks.csv\", \"bizible_id_field\": \"\"}", &cfg,
            &state),
      TF_ERR_CONFIG);
  ck_assert_ptr_null(state);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "bizible_id_field"));
  tf_config_free(cfg);
}
END_TEST

START_TEST(test_record_type_must_be_task_or_ctm_call)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_calltracking_LTX_tf_plugin_entry());
  const tf_option *opt = tf_options_find(plugin->base.options, "record_type");

  ck_assert_ptr_nonnull(opt);
  ck_assert_str_eq(opt->default_value, "task");
  ck_assert_str_eq(opt->allowed[0], "task");
  ck_assert_str_eq(opt->allowed[1], "ctm_call");
  ck_assert_ptr_null(opt->allowed[2]);
  ck_assert_ptr_nonnull(tf_options_find(plugin->base.options, "path"));
}
END_TEST

/* --- Whole runs over the fixtures ------------------------------------- */

static void run_fixture(const char *config_json)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_calltracking_LTX_tf_plugin_entry());
  tf_config *cfg;
  void *state;
  int rc;

  ck_assert_int_eq(start(config_json, &cfg, &state), TF_OK);
  do {
    rc = plugin->produce(state, tf_check_ctx(harness), 3);
  } while (rc == TF_MORE);
  ck_assert_int_eq(rc, TF_DONE);
  plugin->base.fini(state);
  tf_config_free(cfg);
}

static void expect_reject_at(size_t i, const char *code, long line)
{
  json_t *r = json_array_get(tf_check_rejects_json(harness), i);

  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(json_string_value(json_object_get(r, "code")), code);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "line")), line);
}

/* docs/attribution-rules.md#call-rule-1 over a real Bulk API export: the Task
 * without a BizibleId (line 3) is dead-lettered and "the run continues": the
 * Tasks after it, one of them spanning two lines, are mapped. */
START_TEST(call_rule_1_run_continues_over_a_salesforce_csv_export)
{
  run_fixture("{\"path\": \"tasks.csv\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-05T14:14:00.000Z");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
  ck_assert_str_eq(event_string(1, "source_record_id"), "00T5e00000AbCdGAAV");
  ck_assert_str_eq(event_string(1, "call_type"), "");
  ck_assert_str_eq(event_string(1, "ts"), "2024-03-05T15:30:00.000Z");
  ck_assert_int_eq(
      tf_record_origin(tf_batch_get(tf_check_emitted(harness), 1)).line, 4);
  ck_assert_str_eq(event_string(2, "ts"), "2024-03-06T14:58:30.000Z");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 3);
  expect_reject_at(0, "missing_bizible_id", 3);
  expect_reject_at(1, "invalid_timestamp", 6);
  expect_reject_at(2, "invalid_bizible_id", 7);
}
END_TEST

START_TEST(test_salesforce_rest_ndjson_fixture)
{
  run_fixture("{\"path\": \"tasks.ndjson\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(event_string(0, "who_id"), "00Q5e00000XyZ17EAF");
  expect_reject_at(0, "missing_bizible_id", 2);
}
END_TEST

START_TEST(test_ctm_calls_fixture)
{
  run_fixture("{\"path\": \"ctm_calls.ndjson\", \"record_type\": "
              "\"ctm_call\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(event_string(0, "source_record_id"), "98765432");
  ck_assert_str_eq(event_string(0, "phone"), "+16175550123");
  ck_assert_str_eq(event_string(1, "biz_uid"), UID2);
  ck_assert_str_eq(event_string(1, "email"), "pat@example.org");
  ck_assert_str_eq(event_string(1, "ts"), "2024-03-05T15:03:20.000Z");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 2);
  expect_reject_at(0, "missing_bizible_id", 2);
  expect_reject_at(1, "invalid_timestamp", 3);
}
END_TEST

/* --- sorted_by_time ---------------------------------------------------- */

/* ctm_sorted.ndjson: call 1 at 14:14:00, an API page with call 2 at 14:15:00
 * and call 3 at 14:14:30 (out of order), call 4 at 14:16:00. */
#define AT_14_14 1709648040000LL
#define AT_14_15 1709648100000LL
#define AT_14_16 1709648160000LL
#define SORTED_CTM                                                             \
  "{\"path\": \"ctm_sorted.ndjson\", \"record_type\": \"ctm_call\", "          \
  "\"sorted_by_time\": true}"

/* Produces a record at a time from a started plugin to the end; after each
 * TF_MORE appends the watermark to wms and checks it never goes back. */
static void run_watching(void *state, json_t *wms)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_calltracking_LTX_tf_plugin_entry());
  int64_t last = TF_WATERMARK_UNKNOWN;
  int rc;

  while ((rc = plugin->produce(state, tf_check_ctx(harness), 1)) == TF_MORE) {
    int64_t wm = plugin->watermark(state);

    ck_assert_msg(wm >= last, "the watermark went back");
    json_array_append_new(wms, json_integer((json_int_t)wm));
    last = wm;
  }
  ck_assert_int_eq(rc, TF_DONE);
}

static int64_t wm_at(const json_t *wms, size_t i)
{
  return (int64_t)json_integer_value(json_array_get(wms, i));
}

static void stop(void *state, tf_config *cfg)
{
  source_calltracking_LTX_tf_plugin_entry()->fini(state);
  tf_config_free(cfg);
}

/* One input record gives several calls: the rule holds for each call. */
START_TEST(test_sorted_watermark_and_out_of_order_call_in_a_page)
{
  json_t *wms = json_array();
  tf_config *cfg;
  void *state;

  ck_assert_int_eq(start(SORTED_CTM, &cfg, &state), TF_OK);
  run_watching(state, wms);
  stop(state, cfg);
  ck_assert_uint_eq(json_array_size(wms), 3);
  ck_assert(wm_at(wms, 0) == AT_14_14);
  ck_assert(wm_at(wms, 1) == AT_14_15);
  ck_assert(wm_at(wms, 2) == AT_14_16);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  ck_assert_str_eq(event_string(1, "source_record_id"), "2");
  ck_assert_str_eq(event_string(2, "source_record_id"), "4");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject_at(0, "out_of_order", 2);
  expect_message_has(0, "event time 2024-03-05T14:14:30Z is before "
                        "2024-03-05T14:15:00Z, the time of an earlier record");
  expect_message_has(0, "sorted_by_time");
  ck_assert_int_eq(metric("out_of_order"), 1);
  json_decref(wms);
}
END_TEST

START_TEST(test_unsorted_calls_promise_nothing)
{
  json_t *wms = json_array();
  tf_config *cfg;
  void *state;

  ck_assert_int_eq(start("{\"path\": \"ctm_sorted.ndjson\", "
                         "\"record_type\": \"ctm_call\"}",
                         &cfg, &state),
                   TF_OK);
  run_watching(state, wms);
  stop(state, cfg);
  for (size_t i = 0; i < json_array_size(wms); i++)
    ck_assert(wm_at(wms, i) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 4);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  json_decref(wms);
}
END_TEST

START_TEST(test_resumed_calls_keep_the_latest_time)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_calltracking_LTX_tf_plugin_entry());
  json_t *wms = json_array(), *pos;
  tf_config *cfg;
  void *state;

  ck_assert_int_eq(start(SORTED_CTM, &cfg, &state), TF_OK);
  ck_assert_int_eq(plugin->produce(state, tf_check_ctx(harness), 2), TF_MORE);
  ck_assert_int_eq(plugin->position(state, &pos), TF_OK);
  stop(state, cfg);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "line")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   AT_14_15);
  tf_check_clear(harness);
  ck_assert_int_eq(start(SORTED_CTM, &cfg, &state), TF_OK);
  ck_assert_int_eq(plugin->seek(state, pos), TF_OK);
  json_decref(pos);
  ck_assert(plugin->watermark(state) == AT_14_15);
  run_watching(state, wms);
  stop(state, cfg);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  ck_assert_str_eq(event_string(0, "source_record_id"), "4");
  ck_assert(wm_at(wms, 0) == AT_14_16);
  json_decref(wms);
}
END_TEST

static Suite *source_calltracking_suite(void)
{
  Suite *s = suite_create("source_calltracking");
  TCase *task = tcase_create("task");
  TCase *ctm = tcase_create("ctm_call");
  TCase *run = tcase_create("run");

  tcase_add_checked_fixture(task, setup, teardown);
  tcase_add_test(task, test_task_becomes_call_event);
  tcase_add_test(task, call_rule_1_task_without_bizible_id_is_dead_lettered);
  tcase_add_test(
      task, call_rule_1_task_with_null_or_absent_bizible_id_is_dead_lettered);
  tcase_add_test(task,
                 call_rule_1_mapping_goes_on_after_a_task_without_bizible_id);
  tcase_add_test(task, call_time_is_the_touchpoint_date_when_set);
  tcase_add_test(task, call_time_is_created_date_when_touchpoint_date_is_empty);
  tcase_add_test(task, test_bad_touchpoint_date_is_rejected_not_replaced);
  tcase_add_test(task, test_task_without_any_date_is_rejected);
  tcase_add_test(task, test_salesforce_datetime_forms);
  tcase_add_test(task, test_empty_type_gives_empty_call_type);
  tcase_add_test(task, test_null_type_gives_empty_call_type);
  tcase_add_test(task, test_data_loader_upper_case_headers_are_found);
  tcase_add_test(task, test_bizible_id_field_may_be_a_dotted_path);
  tcase_add_test(task, test_task_invalid_bizible_id_is_rejected);
  tcase_add_test(task, test_task_uppercase_bizible_id_is_lowercased);
  tcase_add_test(task, test_task_without_id_is_missing_field);
  tcase_add_test(task, test_deleted_task_is_rejected);
  tcase_add_test(task, test_task_phone_comes_from_phone_field);
  tcase_add_test(task, test_non_string_subject_is_invalid_field);
  tcase_add_test(task, test_input_record_is_left_alone);
  suite_add_tcase(s, task);

  tcase_add_checked_fixture(ctm, setup, teardown);
  tcase_add_test(ctm, test_ctm_call_becomes_call_event);
  tcase_add_test(ctm, test_ctm_call_without_bizible_id_is_rejected);
  tcase_add_test(ctm, test_ctm_bizible_id_field_is_configurable);
  tcase_add_test(ctm, test_ctm_unix_time_in_milliseconds_is_rejected);
  tcase_add_test(ctm, test_ctm_call_without_unix_time_is_rejected);
  tcase_add_test(ctm, test_ctm_api_page_gives_one_event_per_call);
  suite_add_tcase(s, ctm);

  tcase_add_checked_fixture(run, setup, teardown);
  tcase_add_test(run, test_empty_bizible_id_field_fails_init);
  tcase_add_test(run, test_record_type_must_be_task_or_ctm_call);
  tcase_add_test(run, call_rule_1_run_continues_over_a_salesforce_csv_export);
  tcase_add_test(run, test_salesforce_rest_ndjson_fixture);
  tcase_add_test(run, test_ctm_calls_fixture);
  tcase_add_test(run, test_sorted_watermark_and_out_of_order_call_in_a_page);
  tcase_add_test(run, test_unsorted_calls_promise_nothing);
  tcase_add_test(run, test_resumed_calls_keep_the_latest_time);
  suite_add_tcase(s, run);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(source_calltracking_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
