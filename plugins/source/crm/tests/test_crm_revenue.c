/*
 * test_crm_revenue.c - the `crm` source's Opportunity and
 * OpportunityContactRole objects over the fixture exports in tests/data
 * (the events docs/attribution-rules.md#attribution-models-and-revenue
 * needs), and the exact reading of amounts.
 */
#include <check.h>
#include <string.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include <touchflow/touchflow.h>
#include "../crm_revenue.h"

const tf_plugin *source_crm_LTX_tf_plugin_entry(void);

static tf_check_host *run(const char *path, const char *object)
{
  tf_check_host *h = tf_check_host_new(source_crm_LTX_tf_plugin_entry(), "c");
  char config[512], msg[1024];

  snprintf(config, sizeof(config), "{\"path\": \"%s\", \"object\": \"%s\"}",
           path, object);
  ck_assert_msg(tf_check_host_init_text(h, config, CRM_FIXTURES) == TF_OK, "%s",
                tf_check_messages_text(h, msg, sizeof(msg)));
  ck_assert_int_eq(tf_check_produce_all(h, 64, 100), TF_DONE);
  return h;
}

static const json_t *field(tf_check_host *h, size_t i, const char *key)
{
  ck_assert_uint_gt(tf_check_emitted_count(h), i);
  return tf_record_get(tf_check_emitted_get(h, i), key);
}

/* Amounts are read as exact cents, never through a double. */
START_TEST(amounts_are_exact_cents)
{
  int64_t c = 0;

  ck_assert_int_eq(crm_parse_amount("12500.5", 7, &c), 0);
  ck_assert_int_eq(c, 1250050);
  ck_assert_int_eq(crm_parse_amount("-0.07", 5, &c), 0);
  ck_assert_int_eq(c, -7);
  ck_assert_int_eq(crm_parse_amount("100.000", 7, &c), 0);
  ck_assert_int_eq(c, 10000);
  ck_assert_int_eq(crm_parse_amount("999999999999999.99", 18, &c), 0);
  ck_assert_int_eq(c, 99999999999999999);
  ck_assert_int_eq(crm_parse_amount("1000000000000000", 16, &c), -1);
  ck_assert_int_eq(crm_parse_amount("10.005", 6, &c), -1);
  ck_assert_int_eq(crm_parse_amount("1,000", 5, &c), -1);
  ck_assert_int_eq(crm_parse_amount("1.2e3", 5, &c), -1);
  ck_assert_int_eq(crm_parse_amount("5.", 2, &c), -1);
  ck_assert_int_eq(crm_parse_amount(".5", 2, &c), -1);
  ck_assert_int_eq(crm_parse_amount("", 0, &c), -1);
}
END_TEST

/* An Opportunity export (Bulk API CSV): amount as text and cents, the
 * CloseDate's last instant (a date covers its whole UTC day), the flags;
 * bad rows dead-lettered with their reason. */
START_TEST(opportunities_from_csv)
{
  tf_check_host *h = run("opportunities.csv", "Opportunity");

  ck_assert_uint_eq(tf_check_emitted_count(h), 3);
  ck_assert_str_eq(json_string_value(field(h, 0, "event")), "opportunity");
  ck_assert_str_eq(json_string_value(field(h, 0, "opportunity_id")),
                   "0065e00000Opp01AAA");
  ck_assert_str_eq(json_string_value(field(h, 0, "amount")), "12500.50");
  ck_assert_int_eq(json_integer_value(field(h, 0, "amount_cents")), 1250050);
  ck_assert_str_eq(json_string_value(field(h, 0, "currency")), "USD");
  ck_assert_str_eq(json_string_value(field(h, 0, "ts")),
                   "2024-03-06T10:00:00.000Z");
  /* 2024-03-20T23:59:59.999Z */
  ck_assert_int_eq(json_integer_value(field(h, 0, "close_ts_ms")),
                   1710979199999);
  ck_assert(json_is_true(field(h, 0, "is_won")));
  ck_assert(json_is_true(field(h, 0, "is_closed")));
  ck_assert_str_eq(json_string_value(field(h, 0, "stage")), "Closed Won");
  /* no Amount: null, not 0 */
  ck_assert(json_is_null(field(h, 1, "amount")));
  ck_assert(json_is_null(field(h, 1, "amount_cents")));
  ck_assert(json_is_false(field(h, 1, "is_closed")));
  /* a CloseDate with a time is that instant */
  ck_assert_int_eq(json_integer_value(field(h, 2, "close_ts_ms")),
                   1711121400000);
  ck_assert_uint_eq(tf_check_reject_count(h), 4);
  ck_assert_str_eq(tf_check_reject_get(h, 0)->code, "invalid_field");
  ck_assert_ptr_nonnull(strstr(tf_check_reject_get(h, 0)->message, "1,000"));
  ck_assert_str_eq(tf_check_reject_get(h, 1)->code, "invalid_field");
  ck_assert_str_eq(tf_check_reject_get(h, 2)->code, "invalid_field");
  ck_assert_ptr_nonnull(strstr(tf_check_reject_get(h, 2)->message, "IsWon"));
  ck_assert_str_eq(tf_check_reject_get(h, 3)->code, "missing_field");
  tf_check_host_free(h);
}
END_TEST

/* REST JSON: real numbers and booleans; an exponent is refused rather
 * than read through a double; a deleted record is dead-lettered. */
START_TEST(opportunities_from_json)
{
  tf_check_host *h = run("opportunities.ndjson", "Opportunity");

  ck_assert_uint_eq(tf_check_emitted_count(h), 1);
  ck_assert_int_eq(json_integer_value(field(h, 0, "amount_cents")), 120025);
  ck_assert_uint_eq(tf_check_reject_count(h), 2);
  ck_assert_str_eq(tf_check_reject_get(h, 0)->code, "invalid_field");
  ck_assert_str_eq(tf_check_reject_get(h, 1)->code, "deleted_record");
  tf_check_host_free(h);
}
END_TEST

START_TEST(contact_roles)
{
  tf_check_host *h =
      run("opportunity_contact_roles.csv", "OpportunityContactRole");

  ck_assert_uint_eq(tf_check_emitted_count(h), 2);
  ck_assert_str_eq(json_string_value(field(h, 0, "event")),
                   "opportunity_contact");
  ck_assert_str_eq(json_string_value(field(h, 0, "opportunity_id")),
                   "0065e00000Opp01AAA");
  ck_assert_str_eq(json_string_value(field(h, 0, "contact_id")),
                   "0035e00000QwErtAAB");
  ck_assert_str_eq(json_string_value(field(h, 0, "role")), "Decision Maker");
  ck_assert(json_is_true(field(h, 0, "is_primary")));
  ck_assert(json_is_null(field(h, 1, "role")));
  ck_assert_uint_eq(tf_check_reject_count(h), 1);
  ck_assert_str_eq(tf_check_reject_get(h, 0)->code, "missing_field");
  tf_check_host_free(h);
}
END_TEST

static TCase *revenue_tests(void)
{
  TCase *tc = tcase_create("revenue");

  tcase_add_test(tc, amounts_are_exact_cents);
  tcase_add_test(tc, opportunities_from_csv);
  tcase_add_test(tc, opportunities_from_json);
  tcase_add_test(tc, contact_roles);
  return tc;
}

TF_CHECK_MAIN("crm_revenue", revenue_tests)
