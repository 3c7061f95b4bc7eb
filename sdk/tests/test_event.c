/*
 * test_event.c - the common part of an attribution event
 * (sdk/lib/event.c): its fields in docs/events.md's order, how each is
 * written, and what makes building it fail; the same with a tf_builder
 * (the fast path): the exact bytes, and no jansson tree for the input read
 * or the event built.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "touchflow/error.h"
#include "touchflow/event.h"
#include "touchflow/fields.h"

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

/* --- Building with a tf_builder: the fast path ------------------------ */

/* A record parsed from json; the caller drops it. */
static tf_record *parse(const char *json, long line)
{
  tf_origin origin = {"hits.ndjson", line};
  char err[256];
  tf_record *rec =
      tf_record_parse(json, strlen(json), &origin, err, sizeof(err));

  ck_assert_msg(rec != NULL, "bad test JSON: %s", err);
  return rec;
}

/* rec's bytes are exactly want. */
static void expect_bytes(const tf_record *rec, const char *want)
{
  size_t len = 0;
  const char *got = tf_record_bytes(rec, &len);

  ck_assert_ptr_nonnull(got);
  ck_assert_str_eq(got, want);
  ck_assert_uint_eq(len, strlen(want));
}

#define HIT_IN                                                                 \
  "{\"id\": \"h1\", \"biz_uid\": \"277D79D01678498FEA067C9B631BF6DF\", "       \
  "\"ts\": \"2026-03-01T13:17:05.123+01:00\", \"event\": \"form_submit\", "    \
  "\"url\": \"https://www.acme.com/pricing?utm_source=google&x=\\u00e9\", "    \
  "\"referrer\": null, \"email\": \"Jane.Doe@ACME.com\", \"extra\": [1]}"
#define HIT_OUT                                                                \
  "{\"event\":\"hit\",\"ts\":\"2026-03-01T12:17:05.123Z\","                    \
  "\"ts_ms\":1772367425123,\"biz_uid\":\"" UID "\","                           \
  "\"email\":\"jane.doe@acme.com\",\"origin\":\"web\","                        \
  "\"source_record_id\":\"h1\",\"hit_type\":\"form_submit\","                  \
  "\"url\":\"https://www.acme.com/pricing?utm_source=google&x=\xc3\xa9\","     \
  "\"referrer\":null,\"form_url\":\"https://www.acme.com/pricing?utm_source="  \
  "google&x=\xc3\xa9\"}"

/* Reads a hit as the web source does (fields.h's tf_value forms) and
 * builds its event; the input gets an index and no tree, and the event's
 * bytes are exactly the JSON text expected, the text of the same event
 * built as a json_t. */
START_TEST(test_built_event_is_the_expected_text_and_reads_no_tree)
{
  tf_record *in = parse(HIT_IN, 7), *out = NULL;
  tf_builder *b = tf_builder_new();
  const tf_value *root = tf_record_root(in);
  const char *id, *url, *referrer, *email, *type;
  char uid[TF_BIZIBLE_ID_LEN + 1];
  tf_field_problem why;
  int64_t ts = 0;
  json_t *slow;
  char *slow_text;

  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(
      tf_field_required_text_of(tf_value_get(root, "id"), "id", &id, &why),
      TF_OK);
  ck_assert_int_eq(tf_field_bizible_id_of(tf_value_get(root, "biz_uid"),
                                          "biz_uid", uid, &why),
                   TF_OK);
  ck_assert_int_eq(tf_field_epoch_time_of(tf_value_get(root, "ts"),
                                          TF_EPOCH_MILLISECONDS, &ts),
                   TF_OK);
  ck_assert_int_eq(
      tf_field_text_of(tf_value_get(root, "event"), "event", &type, &why),
      TF_OK);
  ck_assert_int_eq(
      tf_field_text_of(tf_value_get(root, "url"), "url", &url, &why), TF_OK);
  ck_assert_int_eq(tf_field_text_of(tf_value_get(root, "referrer"), "referrer",
                                    &referrer, &why),
                   TF_OK);
  ck_assert_int_eq(tf_field_text(in, "EMAIL", &email, &why),
                   TF_OK); /* the lookup rule */
  ck_assert_ptr_null(referrer);

  ck_assert_int_eq(tf_event_begin(b, "hit", ts, uid, email, "web", id), TF_OK);
  ck_assert_int_eq(tf_event_text(b, "hit_type", type), TF_OK);
  ck_assert_int_eq(tf_event_text(b, "url", url), TF_OK);
  ck_assert_int_eq(tf_event_text(b, "referrer", referrer), TF_OK);
  ck_assert_int_eq(tf_event_text(b, "form_url", url), TF_OK);
  ck_assert_int_eq(tf_event_finish(b, in, &out), TF_OK);

  ck_assert_uint_eq(tf_record_debug_state(in) & TF_RECORD_HAS_TREE, 0);
  ck_assert_uint_eq(tf_record_debug_state(in), TF_RECORD_HAS_INDEX);
  ck_assert_uint_eq(tf_record_debug_state(out), 0);
  expect_bytes(out, HIT_OUT);
  ck_assert_str_eq(tf_record_origin(out).file, "hits.ndjson");
  ck_assert_int_eq(tf_record_origin(out).line, 7);

  /* the slow path writes the same text */
  slow = tf_event_new("hit", ts, uid, email, "web", id);
  ck_assert_int_eq(
      json_object_update_new(slow, json_pack("{s:s, s:s, s:n, s:s}", "hit_type",
                                             type, "url", url, "referrer",
                                             "form_url", url)),
      0);
  slow_text = dump(slow);
  ck_assert_str_eq(slow_text, HIT_OUT);
  free(slow_text);
  json_decref(slow);

  tf_record_unref(out);
  tf_record_unref(in);
  tf_builder_free(b);
}
END_TEST

START_TEST(test_builder_is_reused_and_nulls_are_written)
{
  tf_builder *b = tf_builder_new();
  tf_record *out = NULL;

  ck_assert_ptr_nonnull(b);
  /* a record left half built is dropped by the next begin */
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, UID, NULL, "web", "x"), TF_OK);
  ck_assert_int_eq(tf_event_begin(b, "person", INT64_C(1709596800000), NULL,
                                  NULL, "crm", "00Q1"),
                   TF_OK);
  ck_assert_int_eq(tf_event_text(b, "company", NULL), TF_OK);
  ck_assert_int_eq(tf_event_finish(b, NULL, &out), TF_OK);
  expect_bytes(out, "{\"event\":\"person\",\"ts\":\"2024-03-05T00:00:00.000Z\","
                    "\"ts_ms\":1709596800000,\"biz_uid\":null,\"email\":null,"
                    "\"origin\":\"crm\",\"source_record_id\":\"00Q1\","
                    "\"company\":null}");
  ck_assert_ptr_null(tf_record_origin(out).file);
  tf_record_unref(out);

  ck_assert_int_eq(
      tf_event_begin(b, "call", T0, UID, "A\"B\\c@x.io\n", "calltracking", "1"),
      TF_OK);
  ck_assert_int_eq(tf_event_finish(b, NULL, &out), TF_OK);
  expect_bytes(out, "{\"event\":\"call\",\"ts\":\"2026-03-01T12:17:05.123Z\","
                    "\"ts_ms\":1772367425123,\"biz_uid\":\"" UID "\","
                    "\"email\":\"a\\\"b\\\\c@x.io\\n\",\"origin\":"
                    "\"calltracking\",\"source_record_id\":\"1\"}");
  tf_record_unref(out);
  tf_builder_free(b);
}
END_TEST

START_TEST(test_long_email_is_lowercased)
{
  tf_builder *b = tf_builder_new();
  tf_record *out = NULL;
  char email[600], want[800];

  memset(email, 'Q', 500);
  strcpy(email + 500, "@ACME.COM");
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, NULL, email, "web", "1"),
                   TF_OK);
  ck_assert_int_eq(tf_event_finish(b, NULL, &out), TF_OK);
  memset(email, 'q', 500);
  strcpy(email + 500, "@acme.com");
  snprintf(want, sizeof(want),
           "{\"event\":\"hit\",\"ts\":\"2026-03-01T12:17:05.123Z\","
           "\"ts_ms\":1772367425123,\"biz_uid\":null,\"email\":\"%s\","
           "\"origin\":\"web\",\"source_record_id\":\"1\"}",
           email);
  expect_bytes(out, want);
  tf_record_unref(out);
  tf_builder_free(b);
}
END_TEST

START_TEST(test_begin_refuses_what_tf_event_new_refuses)
{
  tf_builder *b = tf_builder_new();
  tf_record *out = NULL;

  ck_assert_int_eq(tf_event_begin(b, NULL, T0, UID, NULL, "web", "1"),
                   TF_ERR_INVAL);
  ck_assert_int_eq(tf_event_finish(b, NULL, &out), TF_ERR_INVAL);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, UID, NULL, NULL, "1"),
                   TF_ERR_INVAL);
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, UID, NULL, "web", NULL),
                   TF_ERR_INVAL);
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, UID, "a\xff@b.c", "web", "1"),
                   TF_ERR_INVAL);
  ck_assert_int_eq(tf_event_text(b, "url", "u"), TF_ERR_INVAL); /* sticky */
  ck_assert_int_eq(tf_event_finish(b, NULL, &out), TF_ERR_INVAL);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, UID, NULL, "web", "\xc3"),
                   TF_ERR_INVAL);
  /* and works again after */
  ck_assert_int_eq(tf_event_begin(b, "hit", T0, UID, NULL, "web", "1"), TF_OK);
  ck_assert_int_eq(tf_event_finish(b, NULL, &out), TF_OK);
  tf_record_unref(out);
  tf_builder_free(b);
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
  tc = tcase_create("builder");
  tcase_add_test(tc, test_built_event_is_the_expected_text_and_reads_no_tree);
  tcase_add_test(tc, test_builder_is_reused_and_nulls_are_written);
  tcase_add_test(tc, test_long_email_is_lowercased);
  tcase_add_test(tc, test_begin_refuses_what_tf_event_new_refuses);
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
