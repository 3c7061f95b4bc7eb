/*
 * test_drift_rules.c - tests of docs/attribution-rules.md#drift-chat-rule-3 in
 * the `dedupe` transform, driven on libtouchflow-check's host:
 *
 *   "Before the integration existed, teams tracked Drift chats through the
 *    CRM. On the day the integration is switched on (the activation date
 *    D), those old paths would double count one chat, so:
 *    - campaign sync rules: members added to the chat campaign on or after
 *      D would make a `CRM Campaign` touchpoint beside the `Web Chat` one ->
 *      drop the CRM one;
 *    - CRM campaigns: the chat campaigns' touchpoint end date is D ->
 *      campaign-member touchpoints dated on or after D are dropped;
 *    - activity rules: CRM Tasks for chats count only when `CreatedDate`
 *      < D.
 *    The dedupe transform implements these rules from config (D as an
 *    ISO-8601 date, which means 00:00:00Z, or datetime; which campaigns;
 *    which activity types), and reports how many it dropped and why. "On or
 *    after D" includes D itself."
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../drift_rules.h"
#include "instance.h"

#define CAMPAIGN "701Hs000001AbCd"
#define CHAT_RULES                                                             \
  "\"chat_campaign_ids\": [\"" CAMPAIGN "\", \"701Hs000002XyZw\"],"            \
  " \"chat_activity_types\": [\"Chat\", \"Drift\"]"
#define D_DATE                                                                 \
  "{\"chat_integration_enabled_at\": \"2026-03-01\", " CHAT_RULES "}"
#define D_DATETIME                                                             \
  "{\"chat_integration_enabled_at\": "                                         \
  "\"2026-03-01T09:30:00+01:00\", " CHAT_RULES "}"

static void add_campaign_member(const char *id, const char *date,
                                const char *campaign)
{
  add_touchpoint(id, "CRM Campaign", date, "CRM Campaign", campaign);
}

static void add_activity(const char *id, const char *date, const char *type)
{
  add_touchpoint(id, "CRM Activity", date, type, NULL);
}

/* Runs the pending input through a new instance of config; returns the
 * number of records emitted.  Nothing may be dead-lettered. */
static size_t run(const char *config)
{
  instance in;

  start(&in, config);
  process(&in);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  ck_assert_int_eq(flush(&in), TF_OK);
  stop(&in);
  return tf_batch_count(emitted());
}

/* --- Campaign rule ("campaign sync rules" and "CRM campaigns") ----------- */

/* "campaign-member touchpoints dated on or after D are dropped";
 * "On or after D" includes D itself. */
START_TEST(drift_rule_3_campaign_member_dated_at_D_is_dropped)
{
  add_campaign_member("m1", "2026-03-01T00:00:00Z", CAMPAIGN);
  add_campaign_member("m2", "2026-03-01T00:00:00.000+00:00", CAMPAIGN);
  ck_assert_uint_eq(run(D_DATE), 0);
  ck_assert_int_eq(metric("dropped_chat_campaign"), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 0);
}
END_TEST

/* "members added to the chat campaign on or after D ... drop the CRM one":
 * one millisecond before D the member still counts. */
START_TEST(drift_rule_3_campaign_member_one_ms_before_D_is_kept)
{
  add_campaign_member("m1", "2026-02-28T23:59:59.999Z", CAMPAIGN);
  ck_assert_uint_eq(run(D_DATE), 1);
  ck_assert_int_eq(metric("dropped_chat_campaign"), 0);
}
END_TEST

/* "drop the CRM one": dropped, counted, never dead-lettered. */
START_TEST(drift_rule_3_campaign_member_after_D_is_dropped_not_dead_lettered)
{
  add_campaign_member("m1", "2026-04-15T08:00:00Z", CAMPAIGN);
  add_campaign_member("m2", "2027-01-01T00:00:00Z", "701Hs000002XyZw");
  add_touchpoint("w1", "Web Chat", "2026-04-15T08:00:00Z", "chat", NULL);
  ck_assert_uint_eq(run(D_DATE), 1);
  assert_emitted_field(0, "touchpoint_id", "w1");
  ck_assert_int_eq(metric("dropped_chat_campaign"), 2);
}
END_TEST

/* "the chat campaigns' touchpoint end date is D": other campaigns go on. */
START_TEST(drift_rule_3_other_campaign_is_kept)
{
  add_campaign_member("m1", "2026-04-15T08:00:00Z", "701Hs000009Other");
  add_campaign_member("m2", "2026-04-15T08:00:00Z", NULL);
  ck_assert_uint_eq(run(D_DATE), 2);
  ck_assert_int_eq(metric("dropped_chat_campaign"), 0);
}
END_TEST

/* The campaign rule is about `CRM Campaign` touchpoints only. */
START_TEST(drift_rule_3_campaign_rule_needs_crm_campaign_type)
{
  add_touchpoint("w1", "Web Visit", "2026-04-15T08:00:00Z", "cpc", CAMPAIGN);
  add_touchpoint("a1", "CRM Activity", "2026-04-15T08:00:00Z", "Call",
                 CAMPAIGN);
  ck_assert_uint_eq(run(D_DATE), 2);
}
END_TEST

/* "which campaigns": a 15-character Salesforce id names the same campaign
 * as its 18-character form, either way round. */
START_TEST(drift_rule_3_campaign_id_matches_15_and_18_character_forms)
{
  add_campaign_member("m1", "2026-04-15T08:00:00Z", CAMPAIGN "IAQ");
  add_campaign_member("m2", "2026-04-15T08:00:00Z", "701Hs000002XyZw");
  add_campaign_member("m3", "2026-04-15T08:00:00Z", "701hs000001abcdIAQ");
  ck_assert_uint_eq(run("{\"chat_integration_enabled_at\": \"2026-03-01\","
                        " \"chat_campaign_ids\": [\"" CAMPAIGN "\","
                        " \"701Hs000002XyZwAAA\"]}"),
                    1);
  assert_emitted_field(0, "touchpoint_id", "m3");
  ck_assert(drift_same_crm_id("701Hs000001AbCd", "701Hs000001AbCdIAQ"));
  ck_assert(drift_same_crm_id("701Hs000001AbCdIAQ", "701Hs000001AbCd"));
  ck_assert(!drift_same_crm_id("701Hs000001AbCd", "701Hs000001AbCe"));
  ck_assert(!drift_same_crm_id("701Hs000001AbC-", "701Hs000001AbC-IAQ"));
  ck_assert(!drift_same_crm_id("701Hs000001AbCd", "701Hs000001AbCdIA"));
}
END_TEST

/* --- Activity rule ------------------------------------------------------- */

/* "CRM Tasks for chats count only when CreatedDate < D": at D they do not. */
START_TEST(drift_rule_3_chat_activity_dated_at_D_is_dropped)
{
  add_activity("a1", "2026-03-01T00:00:00Z", "Chat");
  add_activity("a2", "2026-03-01T00:00:00.000Z", "Drift");
  ck_assert_uint_eq(run(D_DATE), 0);
  ck_assert_int_eq(metric("dropped_chat_activity"), 2);
}
END_TEST

/* "count only when CreatedDate < D": one millisecond before D counts. */
START_TEST(drift_rule_3_chat_activity_one_ms_before_D_is_kept)
{
  add_activity("a1", "2026-02-28T23:59:59.999Z", "Chat");
  ck_assert_uint_eq(run(D_DATE), 1);
  ck_assert_int_eq(metric("dropped_chat_activity"), 0);
}
END_TEST

/* "CRM Tasks for chats": a Task type is the same whatever its case. */
START_TEST(drift_rule_3_chat_activity_type_matches_any_case)
{
  add_activity("a1", "2026-05-01T10:00:00Z", "chat");
  add_activity("a2", "2026-05-01T10:00:00Z", "DRIFT");
  ck_assert_uint_eq(run(D_DATE), 0);
  ck_assert_int_eq(metric("dropped_chat_activity"), 2);
}
END_TEST

/* "CRM Tasks for chats": Tasks of other types (calls, emails) still count,
 * and so do merged call touchpoints whose type is the Task type. */
START_TEST(drift_rule_3_other_activity_is_kept)
{
  add_activity("a1", "2026-05-01T10:00:00Z", "Call");
  add_activity("a2", "2026-05-01T10:00:00Z", NULL);
  add_activity("a3", "2026-05-01T10:00:00Z", "Chatter");
  add_touchpoint("c1", "Call", "2026-05-01T10:00:00Z", "Call", NULL);
  ck_assert_uint_eq(run(D_DATE), 4);
  ck_assert_int_eq(metric("dropped_chat_activity"), 0);
}
END_TEST

/* The `Web Chat` touchpoint is the one that stays. */
START_TEST(drift_rule_3_web_chat_after_D_is_kept)
{
  add_touchpoint("w1", "Web Chat", "2026-05-01T10:00:00Z", "Chat", CAMPAIGN);
  ck_assert_uint_eq(run(D_DATE), 1);
}
END_TEST

/* --- The activation date D ---------------------------------------------- */

/* "D as an ISO-8601 date, which means 00:00:00Z". */
START_TEST(drift_rule_3_D_as_date_means_midnight_utc)
{
  add_activity("a1", "2026-02-28T23:59:59.999Z", "Chat");
  add_activity("a2", "2026-03-01T00:00:00Z", "Chat");
  add_activity("a3", "2026-02-28T19:00:00-05:00", "Chat"); /* = D */
  ck_assert_uint_eq(run(D_DATE), 1);
  assert_emitted_field(0, "touchpoint_id", "a1");
}
END_TEST

/* "or datetime": D = 2026-03-01T09:30:00+01:00, that is 08:30:00Z. */
START_TEST(drift_rule_3_D_as_datetime_with_offset)
{
  add_campaign_member("m1", "2026-03-01T08:29:59.999Z", CAMPAIGN);
  add_campaign_member("m2", "2026-03-01T08:30:00Z", CAMPAIGN);
  add_activity("a1", "2026-03-01T08:29:59.999Z", "Chat");
  add_activity("a2", "2026-03-01T09:30:00+01:00", "Chat");
  ck_assert_uint_eq(run(D_DATETIME), 2);
  assert_emitted_field(0, "touchpoint_id", "m1");
  assert_emitted_field(1, "touchpoint_id", "a1");
  ck_assert_int_eq(metric("dropped_chat_campaign"), 1);
  ck_assert_int_eq(metric("dropped_chat_activity"), 1);
}
END_TEST

/* Without D the rules are off: nothing is dropped for being a chat path. */
START_TEST(drift_rule_3_off_without_activation_date)
{
  add_campaign_member("m1", "2026-04-15T08:00:00Z", CAMPAIGN);
  add_activity("a1", "2026-04-15T08:00:00Z", "Chat");
  ck_assert_uint_eq(run("{}"), 2);
  ck_assert_int_eq(metric("dropped_chat_campaign"), 0);
}
END_TEST

/* --- Reporting ------------------------------------------------------------ */

/* "reports how many it dropped and why": a counter per rule, and a line per
 * rule at the end of the run. */
START_TEST(drift_rule_3_reports_each_rule_and_why)
{
  instance in;

  start(&in, D_DATE);
  add_campaign_member("m1", "2026-03-02T00:00:00Z", CAMPAIGN);
  add_campaign_member("m2", "2026-03-03T00:00:00Z", CAMPAIGN);
  add_activity("a1", "2026-03-02T00:00:00Z", "Chat");
  process(&in);
  ck_assert_int_eq(metric("dropped_chat_campaign"), 2);
  ck_assert_int_eq(metric("dropped_chat_activity"), 1);
  ck_assert_int_eq(flush(&in), TF_OK);
  ck_assert_int_eq(flush(&in), TF_OK);
  assert_logged("info: Drift chat rule 3: dropped_chat_campaign: 2 dropped "
                "(CRM Campaign touchpoints of the chat campaigns (campaign "
                "sync rules, campaign touchpoint end date) dated on or after "
                "2026-03-01T00:00:00.000Z)\n");
  assert_logged("info: Drift chat rule 3: dropped_chat_activity: 1 dropped "
                "(CRM Activity touchpoints of the chat Task types (activity "
                "rules) dated on or after 2026-03-01T00:00:00.000Z)\n");
  ck_assert_ptr_null(strstr(strstr(logs(), "dropped_chat_activity") + 1,
                            "dropped_chat_activity"));
  stop(&in);
}
END_TEST

/* A rule given no list reports nothing. */
START_TEST(drift_rule_3_reports_only_configured_rules)
{
  instance in;

  start(&in, "{\"chat_integration_enabled_at\": \"2026-03-01\","
             " \"chat_activity_types\": [\"Chat\"]}");
  add_campaign_member("m1", "2026-03-02T00:00:00Z", CAMPAIGN);
  process(&in);
  ck_assert_int_eq(flush(&in), TF_OK);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  assert_logged("dropped_chat_activity: 0 dropped");
  ck_assert_ptr_null(strstr(logs(), "dropped_chat_campaign"));
  stop(&in);
}
END_TEST

/* --- Interplay with the dedupe and bad records ---------------------------- */

/* A chat-path touchpoint without a usable date cannot be compared with D:
 * it is dead-lettered, not guessed. */
START_TEST(drift_rule_3_touchpoint_without_date_is_rejected)
{
  instance in;

  start(&in, D_DATE);
  add_campaign_member("m1", NULL, CAMPAIGN);
  add_activity("a1", "01/03/2026", "Chat");
  add_activity("a2", NULL, "Call");
  process(&in);
  ck_assert_uint_eq(json_array_size(rejects()), 2);
  ck_assert_str_eq(reject_code(0), "invalid_date");
  ck_assert_str_eq(reject_message(0), "date: missing or not a string (needed "
                                      "to compare with "
                                      "chat_integration_enabled_at)");
  ck_assert_str_eq(reject_code(1), "invalid_date");
  ck_assert_str_eq(reject_message(1), "date: \"01/03/2026\" is not an "
                                      "ISO-8601 time (needed to compare with "
                                      "chat_integration_enabled_at)");
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  assert_emitted_field(0, "touchpoint_id", "a2");
  stop(&in);
}
END_TEST

/* The rules run before the dedupe: a repeated chat-path touchpoint is
 * counted as a chat drop each time, and a kept one (before D) is deduped. */
START_TEST(drift_rule_3_runs_before_dedupe)
{
  add_activity("a1", "2026-03-05T00:00:00Z", "Chat");
  add_activity("a1", "2026-03-05T00:00:00Z", "Chat");
  add_activity("a0", "2026-02-05T00:00:00Z", "Chat");
  add_activity("a0", "2026-02-05T00:00:00Z", "Chat");
  ck_assert_uint_eq(run(D_DATE), 1);
  ck_assert_int_eq(metric("dropped_chat_activity"), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
}
END_TEST

/* --- Config --------------------------------------------------------------- */

START_TEST(drift_rule_3_bad_activation_date_is_refused)
{
  static const char *const bad[] = {"March 1st", "2026-02-30",
                                    "2026-03-01T25:00:00Z",
                                    "2026-03-01 garbage", ""};
  char config[256];
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    clear_logs();
    snprintf(config, sizeof(config),
             "{\"chat_integration_enabled_at\": \"%s\", " CHAT_RULES "}",
             bad[i]);
    start_refused(config);
    assert_logged("error: chat_integration_enabled_at: \"");
    assert_logged("is not an ISO-8601 date");
  }
}
END_TEST

START_TEST(drift_rule_3_lists_without_activation_date_are_refused)
{
  start_refused("{" CHAT_RULES "}");
  assert_logged("error: chat_campaign_ids: needs chat_integration_enabled_at");
  assert_logged("error: chat_activity_types: needs "
                "chat_integration_enabled_at");
}
END_TEST

START_TEST(drift_rule_3_activation_date_without_lists_is_refused)
{
  start_refused("{\"chat_integration_enabled_at\": \"2026-03-01\"}");
  assert_logged("error: chat_integration_enabled_at: set, but neither "
                "chat_campaign_ids nor chat_activity_types is");
}
END_TEST

START_TEST(drift_rule_3_empty_list_or_id_is_refused)
{
  start_refused("{\"chat_integration_enabled_at\": \"2026-03-01\","
                " \"chat_campaign_ids\": [],"
                " \"chat_activity_types\": [\"Chat\", \"\"]}");
  assert_logged("error: chat_campaign_ids: empty list");
  assert_logged("error: chat_activity_types[1]: expected a non-empty string");
}
END_TEST

static Suite *drift_suite(void)
{
  Suite *s = suite_create("transform_dedupe_drift");
  TCase *tc = tcase_create("drift_rule_3");

  tcase_add_checked_fixture(tc, host_setup, host_teardown);
  tcase_add_test(tc, drift_rule_3_campaign_member_dated_at_D_is_dropped);
  tcase_add_test(tc, drift_rule_3_campaign_member_one_ms_before_D_is_kept);
  tcase_add_test(
      tc, drift_rule_3_campaign_member_after_D_is_dropped_not_dead_lettered);
  tcase_add_test(tc, drift_rule_3_other_campaign_is_kept);
  tcase_add_test(tc, drift_rule_3_campaign_rule_needs_crm_campaign_type);
  tcase_add_test(tc,
                 drift_rule_3_campaign_id_matches_15_and_18_character_forms);
  tcase_add_test(tc, drift_rule_3_chat_activity_dated_at_D_is_dropped);
  tcase_add_test(tc, drift_rule_3_chat_activity_one_ms_before_D_is_kept);
  tcase_add_test(tc, drift_rule_3_chat_activity_type_matches_any_case);
  tcase_add_test(tc, drift_rule_3_other_activity_is_kept);
  tcase_add_test(tc, drift_rule_3_web_chat_after_D_is_kept);
  tcase_add_test(tc, drift_rule_3_D_as_date_means_midnight_utc);
  tcase_add_test(tc, drift_rule_3_D_as_datetime_with_offset);
  tcase_add_test(tc, drift_rule_3_off_without_activation_date);
  tcase_add_test(tc, drift_rule_3_reports_each_rule_and_why);
  tcase_add_test(tc, drift_rule_3_reports_only_configured_rules);
  tcase_add_test(tc, drift_rule_3_touchpoint_without_date_is_rejected);
  tcase_add_test(tc, drift_rule_3_runs_before_dedupe);
  tcase_add_test(tc, drift_rule_3_bad_activation_date_is_refused);
  tcase_add_test(tc, drift_rule_3_lists_without_activation_date_are_refused);
  tcase_add_test(tc, drift_rule_3_activation_date_without_lists_is_refused);
  tcase_add_test(tc, drift_rule_3_empty_list_or_id_is_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(drift_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
