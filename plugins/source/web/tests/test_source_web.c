/*
 * test_source_web.c - tests of the `web` source: the hit -> event mapping
 * called directly with hand-made records, then whole runs of the plugin
 * over the fixture files in tests/data through a tf_check_host
 * (<touchflow/check.h>: emit collects records, reject collects codes and
 * messages, metric sums counters), with and without sorted_by_time.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include "../web_hit.h"

const tf_plugin *source_web_LTX_tf_plugin_entry(void);

#define UID "277d79d01678498fea067c9b631bf6df"

/* Every test starts with an empty collecting host (<touchflow/check.h>):
 * the tests drive the plugin and its functions through its table and ctx,
 * and read what it collected. */
static tf_check_host *harness;

static void setup(void)
{
  harness = tf_check_host_new(source_web_LTX_tf_plugin_entry(), "hits");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  tf_check_host_free(harness);
}

/* --- Calling the mapping directly ------------------------------------- */

/* Maps one record parsed from json, as read from line 7 of hits.ndjson. */
static void map_json(const char *json)
{
  tf_origin origin = {"hits.ndjson", 7};
  char err[256];
  tf_record *rec =
      tf_record_parse(json, strlen(json), &origin, err, sizeof(err));

  ck_assert_msg(rec != NULL, "bad test JSON: %s", err);
  ck_assert_int_eq(source_web_map_hit(NULL, tf_check_ctx(harness),
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

START_TEST(test_page_view_becomes_hit_event)
{
  map_json("{\"id\":\"h1\",\"biz_uid\":\"" UID "\","
           "\"ts\":\"2026-03-01T12:17:05.123Z\","
           "\"url\":\"https://www.acme.com/pricing?utm_source=google\","
           "\"referrer\":\"https://www.google.com/\",\"event\":\"page_view\"}");
  expect_event(0, "{\"event\":\"hit\",\"ts\":\"2026-03-01T12:17:05.123Z\","
                  "\"ts_ms\":1772367425123,\"biz_uid\":\"" UID "\","
                  "\"email\":null,\"origin\":\"web\",\"source_record_id\":"
                  "\"h1\",\"hit_type\":\"page_view\",\"url\":\"https://"
                  "www.acme.com/pricing?utm_source=google\",\"referrer\":"
                  "\"https://www.google.com/\",\"form_url\":null}");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* Fields are found by their exact key among any others, whatever their
 * order; escaped text is written unescaped, whole. */
START_TEST(test_fields_found_among_others_and_unescaped)
{
  map_json("{\"URL\":\"https://wrong.example/\",\"extra\":[1,{\"url\":1}],"
           "\"tz\":1,\"iD\":2,\"referrex\":3,\"_biz_uix\":4,\"emaim\":5,"
           "\"referrer\":\"https://x.example/a\\\"b\\u00e9\\/c\","
           "\"event\":\"page_view\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\\u00e9t\\u00e9?q=\\\"1\\\"\","
           "\"Biz_Uid\":\"x\",\"biz_uid\":\"" UID "\"}");
  ck_assert_str_eq(event_string(0, "url"),
                   "https://www.acme.com/\u00e9t\u00e9?q=\"1\"");
  ck_assert_str_eq(event_string(0, "referrer"),
                   "https://x.example/a\"b\u00e9/c");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* The event's exact bytes: text the input held without escapes (UTF-8,
 * DEL, '/') is copied as it stands, escaped text is written unescaped and
 * escaped again only where JSON needs it, as jansson's dump would. */
START_TEST(test_event_text_is_exact_for_plain_and_escaped_strings)
{
  static const char *const want[] = {
      "{\"event\":\"hit\",\"ts\":\"2026-03-01T12:17:05.123Z\","
      "\"ts_ms\":1772367425123,\"biz_uid\":\"" UID "\",\"email\":null,"
      "\"origin\":\"web\",\"source_record_id\":\"h1\",\"hit_type\":"
      "\"form_submit\",\"url\":\"https://a.example/\xc3\xa9/\x7f?q=1\","
      "\"referrer\":\"https://r.example/a/b\xc3\xa9\\t\\\"\",\"form_url\":"
      "\"https://a.example/\xc3\xa9/\x7f?q=1\"}",
      "{\"event\":\"hit\",\"ts\":\"2026-03-01T12:17:05.123Z\","
      "\"ts_ms\":1772367425123,\"biz_uid\":\"" UID "\",\"email\":null,"
      "\"origin\":\"web\",\"source_record_id\":\"h2\",\"hit_type\":"
      "\"page_view\",\"url\":\"https://b.example/\\u001F\",\"referrer\":"
      "\"r\",\"form_url\":null}"};
  const char *bytes;
  size_t len, i;
  char *dumped;

  map_json("{\"id\":\"h1\",\"biz_uid\":\"" UID "\","
           "\"ts\":\"2026-03-01T12:17:05.123Z\","
           "\"event\":\"form\\u005fsubmit\","
           "\"url\":\"https://a.example/\xc3\xa9/\x7f?q=1\","
           "\"referrer\":\"https://r.example/a\\/b\\u00e9\\t\\\"\"}");
  map_json("{\"id\":\"h2\",\"biz_uid\":\"" UID "\","
           "\"ts\":\"2026-03-01T12:17:05.123Z\",\"event\":\"page_view\","
           "\"url\":\"https://b.example/\\u001f\",\"referrer\":\"r\"}");
  for (i = 0; i < 2; i++) {
    bytes = tf_record_bytes(tf_batch_get(tf_check_emitted(harness), i), &len);
    ck_assert_uint_eq(len, strlen(want[i]));
    ck_assert_msg(memcmp(bytes, want[i], len) == 0, "event %zu is %.*s", i,
                  (int)len, bytes);
    dumped = json_dumps(event(i), JSON_COMPACT);
    ck_assert_str_eq(dumped, want[i]);
    free(dumped);
  }
  ck_assert_str_eq(event_string(0, "url"),
                   "https://a.example/\xc3\xa9/\x7f?q=1");
  ck_assert_str_eq(event_string(0, "form_url"),
                   "https://a.example/\xc3\xa9/\x7f?q=1");
  ck_assert_str_eq(event_string(1, "url"), "https://b.example/\x1f");
}
END_TEST

START_TEST(test_form_submit_keeps_lowercased_email_and_form_url)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/demo\",\"event\":\"form_submit\","
           "\"email\":\"Jane.Doe@Acme.COM\","
           "\"form_url\":\"https://www.acme.com/demo#form\"}");
  ck_assert_str_eq(event_string(0, "hit_type"), "form_submit");
  ck_assert_str_eq(event_string(0, "email"), "jane.doe@acme.com");
  ck_assert_str_eq(event_string(0, "form_url"),
                   "https://www.acme.com/demo#form");
}
END_TEST

START_TEST(test_form_submit_without_email_has_null_email)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/demo\",\"event\":\"form_submit\"}");
  ck_assert(json_is_null(json_object_get(event(0), "email")));
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

START_TEST(test_form_submit_without_form_url_uses_the_page)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/demo\",\"event\":\"form_submit\"}");
  ck_assert_str_eq(event_string(0, "form_url"), "https://www.acme.com/demo");
}
END_TEST

START_TEST(test_page_view_has_null_form_url)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\","
           "\"form_url\":\"https://www.acme.com/form\"}");
  ck_assert(json_is_null(json_object_get(event(0), "form_url")));
}
END_TEST

START_TEST(test_cookie_name_biz_uid_is_accepted)
{
  map_json("{\"_biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
}
END_TEST

START_TEST(test_uppercase_bizible_id_is_lowercased)
{
  map_json("{\"biz_uid\":\"277D79D01678498FEA067C9B631BF6DF\","
           "\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  ck_assert_str_eq(event_string(0, "biz_uid"), UID);
}
END_TEST

START_TEST(test_missing_bizible_id_is_rejected)
{
  map_json("{\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("missing_bizible_id", "biz_uid");
}
END_TEST

START_TEST(test_empty_bizible_id_is_missing)
{
  map_json("{\"biz_uid\":\"\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("missing_bizible_id", "biz_uid");
}
END_TEST

START_TEST(test_short_bizible_id_is_invalid)
{
  map_json("{\"biz_uid\":\"277d79d0167849\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("invalid_bizible_id", "\"277d79d0167849\"");
}
END_TEST

START_TEST(test_non_hex_bizible_id_is_invalid)
{
  map_json("{\"biz_uid\":\"277d79d01678498fea067c9b631bf6dz\","
           "\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("invalid_bizible_id", "biz_uid");
}
END_TEST

START_TEST(test_long_bizible_id_is_invalid)
{
  map_json("{\"_biz_uid\":\"" UID "0\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("invalid_bizible_id", "_biz_uid");
}
END_TEST

/* One hit with this "ts" value (JSON text); returns its ts_ms. */
static json_int_t ts_ms_of(const char *ts_json)
{
  char json[512];

  snprintf(json, sizeof(json),
           "{\"biz_uid\":\"" UID "\",\"ts\":%s,"
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}",
           ts_json);
  map_json(json);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  return json_integer_value(json_object_get(event(0), "ts_ms"));
}

START_TEST(test_ts_with_offset_is_converted_to_utc)
{
  ck_assert_int_eq(ts_ms_of("\"2026-03-01T07:17:05-05:00\""), 1772367425000);
  ck_assert_str_eq(event_string(0, "ts"), "2026-03-01T12:17:05.000Z");
}
END_TEST

START_TEST(test_ts_with_fraction_keeps_milliseconds)
{
  ck_assert_int_eq(ts_ms_of("\"2026-03-01T13:17:05.1234+01:00\""),
                   1772367425123);
}
END_TEST

START_TEST(test_ts_epoch_milliseconds_number)
{
  ck_assert_int_eq(ts_ms_of("1772367425000"), 1772367425000);
  ck_assert_str_eq(event_string(0, "ts"), "2026-03-01T12:17:05.000Z");
}
END_TEST

START_TEST(test_ts_epoch_milliseconds_string)
{
  ck_assert_int_eq(ts_ms_of("\"1772367425000\""), 1772367425000);
}
END_TEST

START_TEST(test_ts_epoch_seconds_is_rejected)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":1772367425,"
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("invalid_timestamp", "1772367425");
}
END_TEST

START_TEST(test_unparseable_ts_is_rejected_naming_the_value)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-02-30T10:00:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("invalid_timestamp", "ts \"2026-02-30T10:00:00Z\"");
}
END_TEST

START_TEST(test_missing_ts_is_rejected)
{
  map_json("{\"biz_uid\":\"" UID "\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  expect_only_reject("invalid_timestamp", "ts is missing");
}
END_TEST

START_TEST(test_unknown_event_is_rejected)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"click\"}");
  expect_only_reject("invalid_event", "\"click\"");
}
END_TEST

START_TEST(test_missing_event_is_rejected)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\"}");
  expect_only_reject("invalid_event", "event is missing");
}
END_TEST

START_TEST(test_missing_url_is_rejected)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"event\":\"page_view\"}");
  expect_only_reject("missing_field", "url");
}
END_TEST

START_TEST(test_non_string_url_is_invalid_field)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":{\"href\":\"x\"},\"event\":\"page_view\"}");
  expect_only_reject("invalid_field", "url is an object");
}
END_TEST

START_TEST(test_integer_id_is_source_record_id)
{
  map_json("{\"id\":4711,\"biz_uid\":\"" UID "\","
           "\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  ck_assert_str_eq(event_string(0, "source_record_id"), "4711");
}
END_TEST

START_TEST(test_without_id_source_record_id_is_file_and_line)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  ck_assert_str_eq(event_string(0, "source_record_id"), "hits.ndjson:7");
}
END_TEST

START_TEST(test_csv_empty_fields_are_null)
{
  map_json("{\"id\":\"\",\"biz_uid\":\"" UID "\","
           "\"ts\":\"2026-03-01T12:20:00Z\",\"url\":\"https://www.acme.com/\","
           "\"referrer\":\"\",\"event\":\"form_submit\",\"email\":\"\","
           "\"form_url\":\"\"}");
  ck_assert(json_is_null(json_object_get(event(0), "referrer")));
  ck_assert(json_is_null(json_object_get(event(0), "email")));
  ck_assert_str_eq(event_string(0, "form_url"), "https://www.acme.com/");
  ck_assert_str_eq(event_string(0, "source_record_id"), "hits.ndjson:7");
}
END_TEST

START_TEST(test_event_keeps_the_input_origin_and_leaves_input_alone)
{
  const char *json = "{\"biz_uid\":\"277D79D01678498FEA067C9B631BF6DF\","
                     "\"ts\":\"2026-03-01T12:20:00Z\",\"email\":\"A@B.C\","
                     "\"url\":\"https://www.acme.com/\","
                     "\"event\":\"page_view\"}";
  tf_origin origin = {"hits.ndjson", 3};
  tf_record *rec = tf_record_parse(json, strlen(json), &origin, NULL, 0);
  json_t *before = tf_record_copy_json(rec);
  tf_origin got;

  ck_assert_int_eq(source_web_map_hit(NULL, tf_check_ctx(harness),
                                      tf_check_host_table(harness), rec),
                   TF_OK);
  got = tf_record_origin(tf_batch_get(tf_check_emitted(harness), 0));
  ck_assert_str_eq(got.file, "hits.ndjson");
  ck_assert_int_eq(got.line, 3);
  ck_assert(json_equal(before, tf_record_json(rec)));
  json_decref(before);
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_hits_are_counted_by_type)
{
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:20:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:21:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"page_view\"}");
  map_json("{\"biz_uid\":\"" UID "\",\"ts\":\"2026-03-01T12:22:00Z\","
           "\"url\":\"https://www.acme.com/\",\"event\":\"form_submit\"}");
  ck_assert_int_eq(json_integer_value(json_object_get(
                       tf_check_metrics_json(harness), "page_view")),
                   2);
  ck_assert_int_eq(json_integer_value(json_object_get(
                       tf_check_metrics_json(harness), "form_submit")),
                   1);
}
END_TEST

/* --- Whole runs over the fixtures ------------------------------------- */

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

/* Runs the plugin over a fixture file until it is done. */
static void run_fixture(const char *config_json)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_web_LTX_tf_plugin_entry());
  json_t *given = json_loads(config_json, 0, NULL);
  tf_config *cfg;
  void *state;
  int rc;

  ck_assert_ptr_nonnull(given);
  ck_assert_int_eq(tf_options_validate(plugin->base.options, given, NULL,
                                       "config", WEB_FIXTURES, diag_fail, NULL,
                                       &cfg),
                   TF_OK);
  json_decref(given);
  ck_assert_int_eq(plugin->base.init(tf_check_ctx(harness),
                                     tf_check_host_table(harness), cfg, &state),
                   TF_OK);
  do {
    rc = plugin->produce(state, tf_check_ctx(harness), 4);
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

START_TEST(test_gzip_ndjson_fixture)
{
  run_fixture("{\"path\": \"hits.ndjson.gz\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 4);
  ck_assert_str_eq(event_string(0, "source_record_id"), "h1");
  ck_assert_str_eq(event_string(1, "email"), "jane.doe@acme.com");
  ck_assert_str_eq(event_string(1, "ts"), "2026-03-01T12:20:00.000Z");
  ck_assert_str_eq(event_string(2, "biz_uid"),
                   "08c1063cb0a64349ad0d2d862f5cc700");
  ck_assert_str_eq(event_string(2, "source_record_id"), "hits.ndjson.gz:3");
  ck_assert_str_eq(event_string(3, "ts"), "2026-03-01T12:40:00.000Z");
  ck_assert(json_is_null(json_object_get(event(3), "email")));
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 5);
  expect_reject_at(0, "missing_bizible_id", 4);
  expect_reject_at(1, "invalid_bizible_id", 5);
  expect_reject_at(2, "invalid_timestamp", 6);
  expect_reject_at(3, "invalid_event", 7);
  expect_reject_at(4, "invalid_json", 8);
}
END_TEST

START_TEST(test_csv_fixture_with_crlf)
{
  run_fixture("{\"path\": \"hits.csv\"}");
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  expect_event(1, "{\"event\":\"hit\",\"ts\":\"2026-03-01T12:19:00.500Z\","
                  "\"ts_ms\":1772367540500,\"biz_uid\":\"" UID "\","
                  "\"email\":\"bob@example.com\",\"origin\":\"web\","
                  "\"source_record_id\":\"h11\",\"hit_type\":\"form_submit\","
                  "\"url\":\"https://www.acme.com/demo\",\"referrer\":null,"
                  "\"form_url\":\"https://www.acme.com/demo\"}");
  ck_assert_str_eq(event_string(0, "url"),
                   "https://www.acme.com/?utm_source=linkedin&utm_medium="
                   "social");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject_at(0, "missing_bizible_id", 4);
}
END_TEST

START_TEST(test_options_are_the_file_source_options)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_web_LTX_tf_plugin_entry());

  ck_assert_str_eq(plugin->base.name, "web");
  ck_assert_int_eq(plugin->base.kind, TF_KIND_SOURCE);
  ck_assert_ptr_nonnull(tf_options_find(plugin->base.options, "path"));
  ck_assert_ptr_nonnull(tf_options_find(plugin->base.options, "compression"));
  ck_assert_str_eq(
      tf_options_find(plugin->base.options, "sorted_by_time")->default_value,
      "false");
  ck_assert_uint_eq(tf_options_count(plugin->base.options), 8);
  ck_assert_ptr_nonnull(plugin->watermark);
}
END_TEST

/* --- sorted_by_time ---------------------------------------------------- */

/* sorted-1.ndjson then sorted-2.ndjson (name order); s5 is out of order. */
#define AT_10_00 1772359200000LL
#define AT_10_05 1772359500000LL
#define AT_11_02_03 1772362923000LL
#define AT_11_30 1772364600000LL
#define SORTED "{\"path\": \"sorted-*.ndjson\", \"sorted_by_time\": true}"

typedef struct instance {
  const tf_source_plugin *plugin;
  tf_config *cfg;
  void *state;
} instance;

static void start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);

  ck_assert_ptr_nonnull(given);
  in->plugin = tf_plugin_source(source_web_LTX_tf_plugin_entry());
  ck_assert_int_eq(tf_options_validate(in->plugin->base.options, given, NULL,
                                       "config", WEB_FIXTURES, diag_fail, NULL,
                                       &in->cfg),
                   TF_OK);
  json_decref(given);
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
 * watermark to the array wms and checks that it never goes back. */
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

static json_int_t wm_at(const json_t *wms, size_t i)
{
  return json_integer_value(json_array_get(wms, i));
}

START_TEST(test_sorted_watermark_is_the_latest_hit_time)
{
  static const int64_t want[] = {AT_10_00,    AT_10_05,    AT_10_05,
                                 AT_11_02_03, AT_11_02_03, AT_11_30};
  json_t *wms = json_array();
  instance in;

  start(&in, SORTED);
  ck_assert(in.plugin->watermark(in.state) == TF_WATERMARK_UNKNOWN);
  run_watching(&in, wms);
  stop(&in);
  ck_assert_uint_eq(json_array_size(wms), 6);
  for (size_t i = 0; i < 6; i++)
    ck_assert_msg(wm_at(wms, i) == want[i], "watermark %zu is %lld", i,
                  (long long)wm_at(wms, i));
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 5);
  ck_assert_str_eq(event_string(3, "source_record_id"), "s4");
  ck_assert_str_eq(event_string(4, "source_record_id"), "s6");
  json_decref(wms);
}
END_TEST

START_TEST(test_hit_out_of_order_is_dead_lettered)
{
  json_t *wms = json_array();
  instance in;

  start(&in, SORTED);
  run_watching(&in, wms);
  stop(&in);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject_at(0, "out_of_order", 2);
  ck_assert_str_eq(
      json_string_value(json_object_get(
          json_array_get(tf_check_rejects_json(harness), 0), "message")),
      "event time 2026-03-01T10:00:00Z is before 2026-03-01T11:02:03Z, the "
      "time of an earlier record, but the input is declared sorted_by_time: "
      "sort the input or set sorted_by_time to false");
  ck_assert_str_eq(
      json_string_value(json_object_get(
          json_object_get(json_array_get(tf_check_rejects_json(harness), 0),
                          "record"),
          "source_record_id")),
      "s5");
  ck_assert_int_eq(json_integer_value(json_object_get(
                       tf_check_metrics_json(harness), "out_of_order")),
                   1);
  ck_assert_ptr_nonnull(
      strstr(tf_check_last_log(harness), "sorted-2.ndjson:2"));
  ck_assert(wm_at(wms, 4) == AT_11_02_03);
  json_decref(wms);
}
END_TEST

START_TEST(test_unsorted_by_default_promises_nothing)
{
  json_t *wms = json_array();
  instance in;

  start(&in, "{\"path\": \"sorted-*.ndjson\"}");
  run_watching(&in, wms);
  stop(&in);
  ck_assert_uint_eq(json_array_size(wms), 6);
  for (size_t i = 0; i < 6; i++)
    ck_assert(wm_at(wms, i) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 6);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  json_decref(wms);
}
END_TEST

START_TEST(test_resume_keeps_the_latest_time)
{
  json_t *wms = json_array(), *pos;
  instance a, b;

  start(&a, SORTED);
  ck_assert_int_eq(a.plugin->produce(a.state, tf_check_ctx(harness), 4),
                   TF_MORE);
  ck_assert_int_eq(a.plugin->position(a.state, &pos), TF_OK);
  stop(&a);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   AT_11_02_03);
  start(&b, SORTED);
  ck_assert_int_eq(b.plugin->seek(b.state, pos), TF_OK);
  json_decref(pos);
  ck_assert(b.plugin->watermark(b.state) == AT_11_02_03);
  run_watching(&b, wms);
  stop(&b);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 5);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject_at(0, "out_of_order", 2);
  ck_assert(wm_at(wms, 0) == AT_11_02_03);
  json_decref(wms);
}
END_TEST

static Suite *source_web_suite(void)
{
  Suite *s = suite_create("source_web");
  TCase *map = tcase_create("map");
  TCase *run = tcase_create("run");

  tcase_add_checked_fixture(map, setup, teardown);
  tcase_add_test(map, test_page_view_becomes_hit_event);
  tcase_add_test(map, test_fields_found_among_others_and_unescaped);
  tcase_add_test(map, test_event_text_is_exact_for_plain_and_escaped_strings);
  tcase_add_test(map, test_form_submit_keeps_lowercased_email_and_form_url);
  tcase_add_test(map, test_form_submit_without_email_has_null_email);
  tcase_add_test(map, test_form_submit_without_form_url_uses_the_page);
  tcase_add_test(map, test_page_view_has_null_form_url);
  tcase_add_test(map, test_cookie_name_biz_uid_is_accepted);
  tcase_add_test(map, test_uppercase_bizible_id_is_lowercased);
  tcase_add_test(map, test_missing_bizible_id_is_rejected);
  tcase_add_test(map, test_empty_bizible_id_is_missing);
  tcase_add_test(map, test_short_bizible_id_is_invalid);
  tcase_add_test(map, test_non_hex_bizible_id_is_invalid);
  tcase_add_test(map, test_long_bizible_id_is_invalid);
  tcase_add_test(map, test_ts_with_offset_is_converted_to_utc);
  tcase_add_test(map, test_ts_with_fraction_keeps_milliseconds);
  tcase_add_test(map, test_ts_epoch_milliseconds_number);
  tcase_add_test(map, test_ts_epoch_milliseconds_string);
  tcase_add_test(map, test_ts_epoch_seconds_is_rejected);
  tcase_add_test(map, test_unparseable_ts_is_rejected_naming_the_value);
  tcase_add_test(map, test_missing_ts_is_rejected);
  tcase_add_test(map, test_unknown_event_is_rejected);
  tcase_add_test(map, test_missing_event_is_rejected);
  tcase_add_test(map, test_missing_url_is_rejected);
  tcase_add_test(map, test_non_string_url_is_invalid_field);
  tcase_add_test(map, test_integer_id_is_source_record_id);
  tcase_add_test(map, test_without_id_source_record_id_is_file_and_line);
  tcase_add_test(map, test_csv_empty_fields_are_null);
  tcase_add_test(map, test_event_keeps_the_input_origin_and_leaves_input_alone);
  tcase_add_test(map, test_hits_are_counted_by_type);
  suite_add_tcase(s, map);

  tcase_add_checked_fixture(run, setup, teardown);
  tcase_add_test(run, test_gzip_ndjson_fixture);
  tcase_add_test(run, test_csv_fixture_with_crlf);
  tcase_add_test(run, test_options_are_the_file_source_options);
  tcase_add_test(run, test_sorted_watermark_is_the_latest_hit_time);
  tcase_add_test(run, test_hit_out_of_order_is_dead_lettered);
  tcase_add_test(run, test_unsorted_by_default_promises_nothing);
  tcase_add_test(run, test_resume_keeps_the_latest_time);
  suite_add_tcase(s, run);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(source_web_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
