/*
 * test_source_crm.c - tests of the `crm` source: the Salesforce record ->
 * event mapping of each object called directly with hand-made records,
 * then whole runs of the plugin over the fixture exports in tests/data
 * through a tf_check_host (<touchflow/check.h>: emit collects records, reject
 * collects codes and messages, metric sums counters).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include "../crm_event.h"

const tf_plugin *source_crm_LTX_tf_plugin_entry(void);

#define UID "277d79d01678498fea067c9b631bf6df"

/* Every test starts with an empty collecting host (<touchflow/check.h>):
 * the tests drive the plugin and its functions through its table and ctx,
 * and read what it collected. */
static tf_check_host *harness;

static void setup(void)
{
  harness = tf_check_host_new(source_crm_LTX_tf_plugin_entry(), "crm");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  tf_check_host_free(harness);
}

/* --- Calling the mapping directly ------------------------------------- */

/* Maps one record of `object` parsed from json, as read from line 9 of
 * export.csv. */
static void map_json(crm_object object, const char *json)
{
  crm_settings set = {object, NULL};
  tf_origin origin = {"export.csv", 9};
  char err[256];
  tf_record *rec =
      tf_record_parse(json, strlen(json), &origin, err, sizeof(err));

  ck_assert_msg(rec != NULL, "bad test JSON: %s", err);
  ck_assert_int_eq(source_crm_map_record(&set, tf_check_ctx(harness),
                                         tf_check_host_table(harness), rec),
                   TF_OK);
  tf_record_unref(rec);
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

/* The only outcome so far is one reject with this code, and its message
 * holds `part`. */
static void expect_only_reject(const char *code, const char *part)
{
  json_t *r = json_array_get(tf_check_rejects_json(harness), 0);
  const char *message = json_string_value(json_object_get(r, "message"));

  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 0);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_str_eq(json_string_value(json_object_get(r, "code")), code);
  ck_assert_msg(strstr(message, part) != NULL, "message \"%s\" lacks \"%s\"",
                message, part);
}

/* docs/attribution-rules.md#crm-touchpoints: "A CRM Task gives a CRM Activity
 * dated at its CreatedDate, medium = its Type." */
START_TEST(crm_rule_task_is_an_activity_dated_at_created_date)
{
  map_json(CRM_TASK, "{\"Id\":\"00T5e00000AbCdFAAV\",\"Type\":\"Chat\","
                     "\"Subject\":\"Chat with Jane\",\"ActivityDate\":"
                     "\"2024-03-07\",\"CreatedDate\":"
                     "\"2024-03-05T16:00:00.000+0000\"}");
  expect_event(0, "{\"event\":\"crm_activity\",\"ts\":"
                  "\"2024-03-05T16:00:00.000Z\",\"ts_ms\":1709654400000,"
                  "\"biz_uid\":null,\"email\":null,\"origin\":\"crm\","
                  "\"source_record_id\":\"00T5e00000AbCdFAAV\","
                  "\"activity_type\":\"Chat\",\"subject\":\"Chat with "
                  "Jane\"}");
}
END_TEST

START_TEST(test_task_bizible_id_is_kept_lowercased)
{
  map_json(CRM_TASK, "{\"Id\":\"00T5e00000AbCdEAAV\",\"Type\":\"Call\","
                     "\"CreatedDate\":\"2024-03-05T14:19:02.000Z\","
                     "\"bizible2__BizibleId__c\":"
                     "\"277D79D01678498FEA067C9B631BF6DF\"}");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
}
END_TEST

START_TEST(test_task_invalid_bizible_id_is_rejected)
{
  map_json(CRM_TASK, "{\"Id\":\"00T5e00000AbCdEAAV\",\"Type\":\"Call\","
                     "\"CreatedDate\":\"2024-03-05T14:19:02.000Z\","
                     "\"bizible2__BizibleId__c\":\"xyz\"}");
  expect_only_reject("invalid_bizible_id", "\"xyz\"");
}
END_TEST

START_TEST(test_task_empty_type_gives_empty_activity_type)
{
  map_json(CRM_TASK, "{\"Id\":\"00T5e00000AbCdGAAV\",\"Type\":\"\","
                     "\"Subject\":\"\",\"CreatedDate\":\"2024-03-05\"}");
  ck_assert_str_eq(event_string(0, "activity_type"), "");
  ck_assert(json_is_null(json_object_get(event(0), "subject")));
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-05T00:00:00.000Z");
}
END_TEST

START_TEST(test_task_without_created_date_is_missing_field)
{
  map_json(CRM_TASK, "{\"Id\":\"00T5e00000AbCdGAAV\",\"Type\":\"Call\","
                     "\"CreatedDate\":\"\"}");
  expect_only_reject("missing_field", "CreatedDate is missing");
}
END_TEST

START_TEST(test_record_without_id_is_missing_field)
{
  map_json(CRM_TASK, "{\"Type\":\"Call\",\"CreatedDate\":\"2024-03-05\"}");
  expect_only_reject("missing_field", "Id is missing");
}
END_TEST

START_TEST(test_unreadable_created_date_is_invalid_timestamp)
{
  map_json(CRM_LEAD, "{\"Id\":\"00Q5e00000XyZ12EAF\","
                     "\"CreatedDate\":\"03/05/2024 14:19\"}");
  expect_only_reject("invalid_timestamp", "CreatedDate \"03/05/2024 14:19\"");
}
END_TEST

/* The ts of a Task with this CreatedDate. */
static const char *ts_of_created(const char *created)
{
  char json[256];

  snprintf(json, sizeof(json),
           "{\"Id\":\"00T5e00000AbCdEAAV\",\"CreatedDate\":\"%s\"}", created);
  map_json(CRM_TASK, json);
  return event_string(tf_batch_count(tf_check_emitted(harness)) - 1, "ts");
}

START_TEST(test_salesforce_datetime_forms)
{
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02.000Z"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02.000+0000"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T09:19:02.000-05:00"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02+00:00"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05T14:19:02Z"),
                   "2024-03-05T14:19:02.000Z");
  ck_assert_str_eq(ts_of_created("2024-03-05"), "2024-03-05T00:00:00.000Z");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

START_TEST(test_deleted_record_is_rejected)
{
  map_json(CRM_TASK, "{\"Id\":\"00T5e00000AbCdIAAV\",\"IsDeleted\":\"true\","
                     "\"CreatedDate\":\"2024-03-01T10:00:00Z\"}");
  expect_only_reject("deleted_record", "00T5e00000AbCdIAAV");
}
END_TEST

START_TEST(test_data_loader_upper_case_headers_are_found)
{
  map_json(CRM_LEAD, "{\"ID\":\"00Q5e00000XyZ12EAF\",\"FIRSTNAME\":\"Jane\","
                     "\"LASTNAME\":\"Doe\",\"COMPANY\":\"Acme\",\"EMAIL\":"
                     "\"Jane@Acme.com\",\"CREATEDDATE\":\"2024-02-28\"}");
  ck_assert_str_eq(event_string(0, "person_id"), "00Q5e00000XyZ12EAF");
  ck_assert_str_eq(event_string(0, "company"), "Acme");
  ck_assert_str_eq(event_string(0, "email"), "jane@acme.com");
}
END_TEST

#define MEMBER_HEAD                                                            \
  "{\"Id\":\"00v5e00000Cm001AAA\",\"CampaignId\":\"7015e000000Chat1AAA\","     \
  "\"LeadId\":\"00Q5e00000XyZ12EAF\",\"ContactId\":\"\","                      \
  "\"CreatedDate\":\"2024-03-01T09:00:00.000Z\","

/* docs/attribution-rules.md#crm-touchpoints: "A CampaignMember gives a CRM
 * Campaign dated at FirstRespondedDate when HasResponded, else CreatedDate;
 * campaign = its CampaignId." */
START_TEST(crm_rule_responded_member_is_dated_at_first_responded_date)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           MEMBER_HEAD "\"HasResponded\":\"true\",\"FirstRespondedDate\":"
                       "\"2024-03-06\",\"Email\":\"Jane.Doe@Acme.com\"}");
  expect_event(0, "{\"event\":\"crm_campaign\",\"ts\":"
                  "\"2024-03-06T00:00:00.000Z\",\"ts_ms\":1709683200000,"
                  "\"biz_uid\":null,\"email\":\"jane.doe@acme.com\","
                  "\"origin\":\"crm\",\"source_record_id\":"
                  "\"00v5e00000Cm001AAA\",\"campaign_id\":"
                  "\"7015e000000Chat1AAA\",\"lead_id\":\"00Q5e00000XyZ12EAF\","
                  "\"contact_id\":null}");
  ck_assert_int_eq(metric("dated_by_first_responded_date"), 1);
}
END_TEST

/* docs/attribution-rules.md#crm-touchpoints: "... dated at FirstRespondedDate
 * when HasResponded, else CreatedDate". */
START_TEST(crm_rule_member_not_responded_is_dated_at_created_date)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           MEMBER_HEAD "\"HasResponded\":\"false\",\"FirstRespondedDate\":"
                       "\"2024-03-06\"}");
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-01T09:00:00.000Z");
  ck_assert_int_eq(metric("dated_by_created_date"), 1);
}
END_TEST

/* docs/attribution-rules.md#crm-touchpoints, as above, with REST JSON
 * booleans. */
START_TEST(crm_rule_has_responded_json_booleans)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           MEMBER_HEAD "\"HasResponded\":true,\"FirstRespondedDate\":"
                       "\"2024-03-06\"}");
  map_json(CRM_CAMPAIGN_MEMBER,
           MEMBER_HEAD "\"HasResponded\":false,\"FirstRespondedDate\":null}");
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-06T00:00:00.000Z");
  ck_assert_str_eq(event_string(1, "ts"), "2024-03-01T09:00:00.000Z");
}
END_TEST

START_TEST(test_responded_without_first_responded_date_keeps_created_date)
{
  map_json(CRM_CAMPAIGN_MEMBER, MEMBER_HEAD "\"HasResponded\":\"TRUE\","
                                            "\"FirstRespondedDate\":\"\"}");
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-01T09:00:00.000Z");
  ck_assert_int_eq(metric("responded_without_first_responded_date"), 1);
}
END_TEST

START_TEST(test_has_responded_must_be_true_or_false)
{
  map_json(CRM_CAMPAIGN_MEMBER, MEMBER_HEAD "\"HasResponded\":\"yes\"}");
  expect_only_reject("invalid_field", "HasResponded \"yes\"");
}
END_TEST

START_TEST(test_bad_first_responded_date_is_invalid_timestamp)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           MEMBER_HEAD "\"HasResponded\":true,\"FirstRespondedDate\":"
                       "\"2024-13-01\"}");
  expect_only_reject("invalid_timestamp", "FirstRespondedDate \"2024-13-01\"");
}
END_TEST

START_TEST(test_member_without_campaign_id_is_missing_field)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           "{\"Id\":\"00v5e00000Cm003AAA\",\"CampaignId\":\"\","
           "\"LeadId\":\"00Q5e00000XyZ13EAF\",\"CreatedDate\":\"2024-03-02\"}");
  expect_only_reject("missing_field", "CampaignId is missing");
}
END_TEST

START_TEST(test_member_without_lead_or_contact_is_missing_field)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           "{\"Id\":\"00v5e00000Cm003AAA\",\"CampaignId\":\"7015e000000Web01AAA"
           "\",\"LeadId\":\"\",\"ContactId\":null,\"CreatedDate\":"
           "\"2024-03-02\"}");
  expect_only_reject("missing_field", "LeadId and ContactId");
}
END_TEST

START_TEST(test_member_of_a_contact_has_contact_id)
{
  map_json(CRM_CAMPAIGN_MEMBER,
           "{\"Id\":\"00v5e00000Cm002AAA\",\"CampaignId\":\"7015e000000Web01AAA"
           "\",\"ContactId\":\"0035e00000QwErtAAB\",\"CreatedDate\":"
           "\"2024-03-02T11:30:00.000+0000\"}");
  ck_assert(json_is_null(json_object_get(event(0), "lead_id")));
  ck_assert_str_eq(event_string(0, "contact_id"), "0035e00000QwErtAAB");
}
END_TEST

START_TEST(test_lead_becomes_person)
{
  map_json(CRM_LEAD, "{\"Id\":\"00Q5e00000XyZ12EAF\",\"FirstName\":\"Jane\","
                     "\"LastName\":\"Doe\",\"Company\":\"Acme Analytics\","
                     "\"Email\":\"Jane.Doe@Acme.com\",\"CreatedDate\":"
                     "\"2024-02-28T17:05:00.000Z\"}");
  expect_event(0, "{\"event\":\"person\",\"ts\":\"2024-02-28T17:05:00.000Z\","
                  "\"ts_ms\":1709139900000,\"biz_uid\":null,"
                  "\"email\":\"jane.doe@acme.com\",\"origin\":\"crm\","
                  "\"source_record_id\":\"00Q5e00000XyZ12EAF\","
                  "\"person_id\":\"00Q5e00000XyZ12EAF\",\"first_name\":"
                  "\"Jane\",\"last_name\":\"Doe\",\"company\":"
                  "\"Acme Analytics\"}");
}
END_TEST

START_TEST(test_person_fields_may_be_null)
{
  map_json(CRM_LEAD, "{\"Id\":\"00Q5e00000XyZ13EAF\",\"FirstName\":\"\","
                     "\"LastName\":\"Smith\",\"Company\":null,"
                     "\"CreatedDate\":\"2024-02-29\"}");
  ck_assert(json_is_null(json_object_get(event(0), "first_name")));
  ck_assert(json_is_null(json_object_get(event(0), "company")));
  ck_assert(json_is_null(json_object_get(event(0), "email")));
}
END_TEST

START_TEST(test_contact_company_is_its_account_name)
{
  map_json(CRM_CONTACT, "{\"Id\":\"0035e00000QwErtAAB\",\"LastName\":\"Lee\","
                        "\"Account\":{\"Name\":\"Example Org\"},"
                        "\"Company\":\"ignored\",\"CreatedDate\":"
                        "\"2023-11-20T10:15:30.000+0000\"}");
  map_json(CRM_CONTACT, "{\"Id\":\"0035e00000QwEruAAB\",\"LastName\":\"Roe\","
                        "\"Account.Name\":\"Roe Inc\",\"CreatedDate\":"
                        "\"2023-11-21\"}");
  ck_assert_str_eq(event_string(0, "company"), "Example Org");
  ck_assert_str_eq(event_string(1, "company"), "Roe Inc");
}
END_TEST

START_TEST(test_input_record_is_left_alone)
{
  const char *json = "{\"Id\":\"00Q5e00000XyZ12EAF\",\"Email\":\"A@B.C\","
                     "\"CreatedDate\":\"2024-02-28\"}";
  crm_settings set = {CRM_LEAD, NULL};
  tf_origin origin = {"leads.csv", 5};
  tf_record *rec = tf_record_parse(json, strlen(json), &origin, NULL, 0);
  json_t *before = tf_record_copy_json(rec);

  ck_assert_int_eq(source_crm_map_record(&set, tf_check_ctx(harness),
                                         tf_check_host_table(harness), rec),
                   TF_OK);
  ck_assert(json_equal(before, tf_record_json(rec)));
  ck_assert_str_eq(
      tf_record_origin(tf_batch_get(tf_check_emitted(harness), 0)).file,
      "leads.csv");
  ck_assert_int_eq(
      tf_record_origin(tf_batch_get(tf_check_emitted(harness), 0)).line, 5);
  json_decref(before);
  tf_record_unref(rec);
}
END_TEST

/* --- Whole runs over the fixtures ------------------------------------- */

/* The last problem the option table reported. */
static char config_problem[1024];

static void diag_collect(void *ud, const char *path, const char *message)
{
  snprintf(config_problem, sizeof(config_problem), "%s: %s", path, message);
}

/* Validates a config against the plugin's table, base folder tests/data;
 * returns what tf_options_validate returned. */
static int configure(const char *config_json, tf_config **cfg)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_crm_LTX_tf_plugin_entry());
  json_t *given = json_loads(config_json, 0, NULL);
  int rc;

  ck_assert_ptr_nonnull(given);
  rc = tf_options_validate(plugin->base.options, given, NULL, "config",
                           CRM_FIXTURES, diag_collect, NULL, cfg);
  json_decref(given);
  return rc;
}

static void run_fixture(const char *config_json)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_crm_LTX_tf_plugin_entry());
  tf_config *cfg;
  void *state;
  int rc;

  ck_assert_int_eq(configure(config_json, &cfg), TF_OK);
  ck_assert_int_eq(plugin->base.init(tf_check_ctx(harness),
                                     tf_check_host_table(harness), cfg, &state),
                   TF_OK);
  do {
    rc = plugin->produce(state, tf_check_ctx(harness), 2);
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

START_TEST(test_object_is_required)
{
  tf_config *cfg = NULL;

  ck_assert_int_eq(configure("{\"path\": \"tasks.csv\"}", &cfg), TF_ERR_CONFIG);
  ck_assert_ptr_null(cfg);
  ck_assert_ptr_nonnull(strstr(config_problem, "object"));
}
END_TEST

START_TEST(test_object_must_be_a_known_object)
{
  tf_config *cfg = NULL;

  ck_assert_int_eq(
      configure("{\"path\": \"tasks.csv\", \"object\": \"Account\"}", &cfg),
      TF_ERR_CONFIG);
  ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_tasks_csv_export)
{
  run_fixture("{\"path\": \"tasks.csv\", \"object\": \"Task\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
  ck_assert_str_eq(event_string(1, "activity_type"), "Chat");
  ck_assert_str_eq(event_string(1, "ts"), "2024-03-05T16:00:00.000Z");
  ck_assert(json_is_null(json_object_get(event(1), "biz_uid")));
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 3);
  expect_reject_at(0, "missing_field", 6);
  expect_reject_at(1, "invalid_bizible_id", 7);
  expect_reject_at(2, "deleted_record", 8);
}
END_TEST

START_TEST(test_campaign_members_csv_export)
{
  run_fixture("{\"path\": \"campaign_members.csv\", "
              "\"object\": \"CampaignMember\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-06T00:00:00.000Z");
  ck_assert_str_eq(event_string(0, "email"), "jane.doe@acme.com");
  ck_assert_str_eq(event_string(1, "ts"), "2024-03-02T11:30:00.000Z");
  ck_assert_str_eq(event_string(1, "contact_id"), "0035e00000QwErtAAB");
  ck_assert_str_eq(event_string(2, "ts"), "2024-03-03T08:00:00.000Z");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject_at(0, "missing_field", 4);
  ck_assert_int_eq(metric("responded_without_first_responded_date"), 1);
}
END_TEST

START_TEST(test_campaign_members_rest_ndjson)
{
  run_fixture("{\"path\": \"campaign_members.ndjson\", "
              "\"object\": \"CampaignMember\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(event_string(0, "ts"), "2024-03-06T00:00:00.000Z");
  ck_assert_str_eq(event_string(1, "ts"), "2024-03-04T12:00:00.000Z");
  ck_assert_str_eq(event_string(1, "email"), "jane.doe@acme.com");
  expect_reject_at(0, "invalid_field", 3);
}
END_TEST

START_TEST(test_leads_data_loader_export)
{
  run_fixture("{\"path\": \"leads.csv\", \"object\": \"Lead\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(event_string(0, "company"), "Acme Analytics");
  ck_assert(json_is_null(json_object_get(event(1), "first_name")));
  expect_reject_at(0, "missing_field", 4);
}
END_TEST

START_TEST(test_contacts_rest_ndjson)
{
  run_fixture("{\"path\": \"contacts.ndjson\", \"object\": \"Contact\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(event_string(0, "company"), "Example Org");
  ck_assert_str_eq(event_string(0, "email"), "pat.lee@example.org");
  ck_assert(json_is_null(json_object_get(event(1), "company")));
  ck_assert_str_eq(event_string(1, "ts"), "2023-11-21T00:00:00.000Z");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* --- sorted_by_time ---------------------------------------------------- */

/* leads_sorted.csv: Leads created at 09:00, 10:00, 09:30 (out of order) on
 * 2024-03-01, then on 2024-03-02 (a date: midnight UTC). */
#define AT_09_00 1709283600000LL
#define AT_10_00 1709287200000LL
#define AT_MAR_2 1709337600000LL
#define SORTED_LEADS                                                           \
  "{\"path\": \"leads_sorted.csv\", \"object\": \"Lead\", "                    \
  "\"sorted_by_time\": true}"

typedef struct instance {
  const tf_source_plugin *plugin;
  tf_config *cfg;
  void *state;
} instance;

static void start(instance *in, const char *config_json)
{
  in->plugin = tf_plugin_source(source_crm_LTX_tf_plugin_entry());
  ck_assert_int_eq(configure(config_json, &in->cfg), TF_OK);
  ck_assert_int_eq(in->plugin->base.init(tf_check_ctx(harness),
                                         tf_check_host_table(harness), in->cfg,
                                         &in->state),
                   TF_OK);
}

static void stop(instance *in)
{
  in->plugin->base.fini(in->state);
  tf_config_free(in->cfg);
}

/* Produces a record at a time to the end; after each TF_MORE appends the
 * watermark to wms and checks it never goes back. */
static void run_watching(instance *in, json_t *wms)
{
  int64_t last = TF_WATERMARK_UNKNOWN;
  int rc;

  while ((rc = in->plugin->produce(in->state, tf_check_ctx(harness), 1)) ==
         TF_MORE) {
    int64_t wm = in->plugin->watermark(in->state);

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

START_TEST(test_sorted_leads_watermark_and_out_of_order)
{
  static const int64_t want[] = {AT_09_00, AT_10_00, AT_10_00, AT_MAR_2};
  json_t *wms = json_array();
  json_t *r;
  instance in;

  start(&in, SORTED_LEADS);
  run_watching(&in, wms);
  stop(&in);
  ck_assert_uint_eq(json_array_size(wms), 4);
  for (size_t i = 0; i < 4; i++)
    ck_assert(wm_at(wms, i) == want[i]);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject_at(0, "out_of_order", 4);
  r = json_array_get(tf_check_rejects_json(harness), 0);
  ck_assert_str_eq(json_string_value(json_object_get(r, "message")),
                   "event time 2024-03-01T09:30:00Z is before "
                   "2024-03-01T10:00:00Z, the time of an earlier record, but "
                   "the input is declared sorted_by_time: sort the input or "
                   "set sorted_by_time to false");
  ck_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(r, "record"), "person_id")),
                   "00Q5e00000SrT03EAF");
  ck_assert_int_eq(metric("out_of_order"), 1);
  json_decref(wms);
}
END_TEST

START_TEST(test_unsorted_leads_promise_nothing)
{
  json_t *wms = json_array();
  instance in;

  start(&in, "{\"path\": \"leads_sorted.csv\", \"object\": \"Lead\"}");
  run_watching(&in, wms);
  stop(&in);
  for (size_t i = 0; i < json_array_size(wms); i++)
    ck_assert(wm_at(wms, i) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 4);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  json_decref(wms);
}
END_TEST

START_TEST(test_resumed_leads_keep_the_latest_time)
{
  json_t *wms = json_array(), *pos;
  instance a, b;

  start(&a, SORTED_LEADS);
  ck_assert_int_eq(a.plugin->produce(a.state, tf_check_ctx(harness), 2),
                   TF_MORE);
  ck_assert_int_eq(a.plugin->position(a.state, &pos), TF_OK);
  stop(&a);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   AT_10_00);
  start(&b, SORTED_LEADS);
  ck_assert_int_eq(b.plugin->seek(b.state, pos), TF_OK);
  json_decref(pos);
  ck_assert(b.plugin->watermark(b.state) == AT_10_00);
  run_watching(&b, wms);
  stop(&b);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  expect_reject_at(0, "out_of_order", 4);
  ck_assert(wm_at(wms, 0) == AT_10_00);
  ck_assert(wm_at(wms, 1) == AT_MAR_2);
  json_decref(wms);
}
END_TEST

static Suite *source_crm_suite(void)
{
  Suite *s = suite_create("source_crm");
  TCase *task = tcase_create("task");
  TCase *member = tcase_create("campaign_member");
  TCase *person = tcase_create("person");
  TCase *run = tcase_create("run");

  tcase_add_checked_fixture(task, setup, teardown);
  tcase_add_test(task, crm_rule_task_is_an_activity_dated_at_created_date);
  tcase_add_test(task, test_task_bizible_id_is_kept_lowercased);
  tcase_add_test(task, test_task_invalid_bizible_id_is_rejected);
  tcase_add_test(task, test_task_empty_type_gives_empty_activity_type);
  tcase_add_test(task, test_task_without_created_date_is_missing_field);
  tcase_add_test(task, test_record_without_id_is_missing_field);
  tcase_add_test(task, test_unreadable_created_date_is_invalid_timestamp);
  tcase_add_test(task, test_salesforce_datetime_forms);
  tcase_add_test(task, test_deleted_record_is_rejected);
  tcase_add_test(task, test_data_loader_upper_case_headers_are_found);
  suite_add_tcase(s, task);

  tcase_add_checked_fixture(member, setup, teardown);
  tcase_add_test(member,
                 crm_rule_responded_member_is_dated_at_first_responded_date);
  tcase_add_test(member,
                 crm_rule_member_not_responded_is_dated_at_created_date);
  tcase_add_test(member, crm_rule_has_responded_json_booleans);
  tcase_add_test(
      member, test_responded_without_first_responded_date_keeps_created_date);
  tcase_add_test(member, test_has_responded_must_be_true_or_false);
  tcase_add_test(member, test_bad_first_responded_date_is_invalid_timestamp);
  tcase_add_test(member, test_member_without_campaign_id_is_missing_field);
  tcase_add_test(member, test_member_without_lead_or_contact_is_missing_field);
  tcase_add_test(member, test_member_of_a_contact_has_contact_id);
  suite_add_tcase(s, member);

  tcase_add_checked_fixture(person, setup, teardown);
  tcase_add_test(person, test_lead_becomes_person);
  tcase_add_test(person, test_person_fields_may_be_null);
  tcase_add_test(person, test_contact_company_is_its_account_name);
  tcase_add_test(person, test_input_record_is_left_alone);
  suite_add_tcase(s, person);

  tcase_add_checked_fixture(run, setup, teardown);
  tcase_add_test(run, test_object_is_required);
  tcase_add_test(run, test_object_must_be_a_known_object);
  tcase_add_test(run, test_tasks_csv_export);
  tcase_add_test(run, test_campaign_members_csv_export);
  tcase_add_test(run, test_campaign_members_rest_ndjson);
  tcase_add_test(run, test_leads_data_loader_export);
  tcase_add_test(run, test_contacts_rest_ndjson);
  tcase_add_test(run, test_sorted_leads_watermark_and_out_of_order);
  tcase_add_test(run, test_unsorted_leads_promise_nothing);
  tcase_add_test(run, test_resumed_leads_keep_the_latest_time);
  suite_add_tcase(s, run);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(source_crm_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
