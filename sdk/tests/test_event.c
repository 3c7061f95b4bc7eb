/*
 * test_event.c - the common part of an attribution event
 * (sdk/lib/event.c): its fields in docs/events.md's order, how each is
 * written, and what makes building it fail.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "touchflow/event.h"

#define UID "277d79d01678498fea067c9b631bf6df"
/* 2026-03-01T12:17:05.123Z */
#define T0 INT64_C(1772367425123)

/* The event as compact JSON text, keys in their order; the caller frees. */
static char *dump(const json_t *event)
{
  char *text = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);

  ck_assert_ptr_nonnull(text);
  return text;
}

START_TEST(test_common_fields_in_order)
{
  json_t *event =
      tf_event_new("hit", T0, UID, "jane@acme.com", "web", "hits.ndjson:7");
  char *text = dump(event);

  ck_assert_str_eq(text, "{\"event\":\"hit\","
                         "\"ts\":\"2026-03-01T12:17:05.123Z\","
                         "\"ts_ms\":1772367425123,"
                         "\"biz_uid\":\"" UID "\","
                         "\"email\":\"jane@acme.com\","
                         "\"origin\":\"web\","
                         "\"source_record_id\":\"hits.ndjson:7\"}");
  free(text);
  json_decref(event);
}
END_TEST

START_TEST(test_caller_owns_the_only_reference)
{
  json_t *event = tf_event_new("call", T0, UID, NULL, "calltracking", "1");

  ck_assert_ptr_nonnull(event);
  ck_assert_uint_eq(event->refcount, 1);
  json_decref(event);
}
END_TEST

START_TEST(test_ts_is_written_with_milliseconds)
{
  json_t *event =
      tf_event_new("person", INT64_C(1709596800000), NULL, NULL, "crm", "00Q1");

  ck_assert_str_eq(json_string_value(json_object_get(event, "ts")),
                   "2024-03-05T00:00:00.000Z");
  ck_assert_int_eq(json_integer_value(json_object_get(event, "ts_ms")),
                   INT64_C(1709596800000));
  json_decref(event);
}
END_TEST

/* The email field of an event built with `email`, as a new string. */
static char *email_of(const char *email)
{
  json_t *event = tf_event_new("chat", T0, NULL, email, "drift", "42");
  char *got;

  ck_assert_ptr_nonnull(event);
  got = strdup(json_string_value(json_object_get(event, "email")));
  json_decref(event);
  return got;
}

START_TEST(test_email_is_lowercased)
{
  char *got = email_of("Jane.DOE@Acme.COM");

  ck_assert_str_eq(got, "jane.doe@acme.com");
  free(got);
}
END_TEST

START_TEST(test_email_keeps_bytes_beyond_ascii)
{
  char *got = email_of("J\xc3\x89R\xc3\x94ME@x.fr");

  ck_assert_str_eq(got, "j\xc3\x89r\xc3\x94me@x.fr");
  free(got);
}
END_TEST

START_TEST(test_email_of_the_caller_is_not_changed)
{
  char email[] = "Jane@Acme.com";
  json_t *event = tf_event_new("person", T0, NULL, email, "crm", "00Q1");

  ck_assert_str_eq(email, "Jane@Acme.com");
  json_decref(event);
}
END_TEST

START_TEST(test_absent_biz_uid_and_email_are_null)
{
  json_t *event = tf_event_new("crm_activity", T0, NULL, NULL, "crm", "00T1");

  ck_assert(json_is_null(json_object_get(event, "biz_uid")));
  ck_assert(json_is_null(json_object_get(event, "email")));
  ck_assert_uint_eq(json_object_size(event), 7);
  json_decref(event);
}
END_TEST

START_TEST(test_missing_type_origin_or_id_gives_null)
{
  ck_assert_ptr_null(tf_event_new(NULL, T0, UID, NULL, "web", "1"));
  ck_assert_ptr_null(tf_event_new("hit", T0, UID, NULL, NULL, "1"));
  ck_assert_ptr_null(tf_event_new("hit", T0, UID, NULL, "web", NULL));
}
END_TEST

START_TEST(test_invalid_utf8_gives_null)
{
  ck_assert_ptr_null(tf_event_new("hit", T0, UID, "a\xff@b.c", "web", "1"));
  ck_assert_ptr_null(tf_event_new("hit", T0, UID, NULL, "web", "\xc3"));
}
END_TEST

START_TEST(test_type_fields_can_be_added_after)
{
  json_t *event = tf_event_new("hit", T0, UID, NULL, "web", "h1");
  char *text;

  ck_assert_int_eq(
      json_object_update_new(
          event, json_pack("{s:s, s:n}", "hit_type", "page_view", "referrer")),
      0);
  text = dump(event);
  ck_assert_ptr_nonnull(strstr(text, "\"source_record_id\":\"h1\","
                                     "\"hit_type\":\"page_view\","
                                     "\"referrer\":null}"));
  free(text);
  json_decref(event);
}
END_TEST

static Suite *event_suite(void)
{
  Suite *s = suite_create("event");
  TCase *tc = tcase_create("common");

  tcase_add_test(tc, test_common_fields_in_order);
  tcase_add_test(tc, test_caller_owns_the_only_reference);
  tcase_add_test(tc, test_ts_is_written_with_milliseconds);
  tcase_add_test(tc, test_email_is_lowercased);
  tcase_add_test(tc, test_email_keeps_bytes_beyond_ascii);
  tcase_add_test(tc, test_email_of_the_caller_is_not_changed);
  tcase_add_test(tc, test_absent_biz_uid_and_email_are_null);
  tcase_add_test(tc, test_missing_type_origin_or_id_gives_null);
  tcase_add_test(tc, test_invalid_utf8_gives_null);
  tcase_add_test(tc, test_type_fields_can_be_added_after);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(event_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
