/*
 * test_time.c - timestamps (sdk/lib/time.c): every accepted ISO 8601 form,
 * the strict refusals, leap years, offsets, epoch numbers from JSON and
 * formatting round trips.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "touchflow/error.h"
#include "touchflow/time.h"

/* 2026-03-01T12:17:05Z */
#define T0 INT64_C(1772367425000)

static int64_t parse_ok(const char *text)
{
  int64_t ms = -42;

  ck_assert_msg(tf_time_parse(text, &ms) == TF_OK, "refused %s", text);
  return ms;
}

static void assert_refused(const char *text)
{
  int64_t ms = 7;

  ck_assert_msg(tf_time_parse(text, &ms) == TF_ERR_PARSE, "accepted %s", text);
  ck_assert_int_eq(ms, 7);
}

START_TEST(test_zulu)
{
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05Z"), T0);
}
END_TEST

START_TEST(test_fraction_in_milliseconds)
{
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.123Z"), T0 + 123);
}
END_TEST

START_TEST(test_fraction_of_any_length_is_truncated)
{
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.1Z"), T0 + 100);
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.12Z"), T0 + 120);
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.123456789Z"), T0 + 123);
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.9999Z"), T0 + 999);
}
END_TEST

START_TEST(test_offset_without_colon)
{
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.000+0000"), T0);
  ck_assert_int_eq(parse_ok("2026-03-01T13:47:05+0130"), T0);
}
END_TEST

START_TEST(test_offset_with_colon)
{
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05+00:00"), T0);
  ck_assert_int_eq(parse_ok("2026-03-01T14:17:05.5+02:00"), T0 + 500);
}
END_TEST

START_TEST(test_negative_offset)
{
  ck_assert_int_eq(parse_ok("2026-03-01T07:17:05-05:00"), T0);
  ck_assert_int_eq(parse_ok("2026-03-01T07:17:05-0500"), T0);
  /* A negative offset that moves the time into the next day. */
  ck_assert_int_eq(parse_ok("2026-02-28T21:17:05-15:00"), T0);
}
END_TEST

START_TEST(test_space_instead_of_t)
{
  ck_assert_int_eq(parse_ok("2026-03-01 12:17:05"), T0);
  ck_assert_int_eq(parse_ok("2026-03-01 12:17:05.250+00:00"), T0 + 250);
}
END_TEST

START_TEST(test_no_offset_is_utc)
{
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05"), T0);
}
END_TEST

START_TEST(test_date_only_is_midnight_utc)
{
  ck_assert_int_eq(parse_ok("2026-03-01"),
                   T0 - (12 * 3600 + 17 * 60 + 5) * INT64_C(1000));
  ck_assert_int_eq(parse_ok("1970-01-01"), 0);
}
END_TEST

START_TEST(test_before_the_epoch)
{
  ck_assert_int_eq(parse_ok("1969-12-31T23:59:59.999Z"), -1);
  ck_assert_int_eq(parse_ok("1900-03-01"), INT64_C(-2203891200000));
  ck_assert_int_eq(parse_ok("0001-01-01"), INT64_C(-62135596800000));
}
END_TEST

START_TEST(test_leap_years)
{
  ck_assert_int_eq(parse_ok("2024-02-29"), INT64_C(1709164800000));
  ck_assert_int_eq(parse_ok("2000-02-29T23:59:59Z"), INT64_C(951868799000));
  assert_refused("2026-02-29");
  assert_refused("1900-02-29");
  assert_refused("2100-02-29");
}
END_TEST

START_TEST(test_impossible_dates_are_refused)
{
  assert_refused("2026-02-30");
  assert_refused("2026-04-31");
  assert_refused("2026-13-01");
  assert_refused("2026-00-10");
  assert_refused("2026-01-00");
  assert_refused("2026-01-32");
}
END_TEST

START_TEST(test_impossible_times_are_refused)
{
  assert_refused("2026-03-01T24:00:00Z");
  assert_refused("2026-03-01T12:60:00Z");
  assert_refused("2026-03-01T12:17:60Z");
  assert_refused("2026-03-01T12:17:05+24:00");
  assert_refused("2026-03-01T12:17:05+01:60");
}
END_TEST

START_TEST(test_trailing_garbage_is_refused)
{
  assert_refused("2026-03-01T12:17:05Zjunk");
  assert_refused("2026-03-01T12:17:05Z ");
  assert_refused("2026-03-01x");
  assert_refused("2026-03-01T12:17:05+00:00:00");
  assert_refused("2026-03-01T12:17:05.123.4Z");
}
END_TEST

START_TEST(test_malformed_text_is_refused)
{
  assert_refused("");
  assert_refused("2026");
  assert_refused("26-03-01");
  assert_refused("2026-3-01");
  assert_refused("2026/03/01");
  assert_refused("2026-03-01T");
  assert_refused("2026-03-01T12:17");
  assert_refused("2026-03-01T12:17:05.Z");
  assert_refused("2026-03-01T12:17:05+5");
  assert_refused("2026-03-01T12:17:05+05:");
  assert_refused("2026-03-01Z");
  assert_refused(" 2026-03-01");
}
END_TEST

START_TEST(test_null_arguments_are_invalid)
{
  int64_t ms;

  ck_assert_int_eq(tf_time_parse(NULL, &ms), TF_ERR_INVAL);
  ck_assert_int_eq(tf_time_parse("2026-03-01", NULL), TF_ERR_INVAL);
}
END_TEST

START_TEST(test_json_string_is_parsed)
{
  json_t *v = json_string("2026-03-01T07:17:05-05:00");
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(v, TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, T0);
  json_decref(v);
}
END_TEST

START_TEST(test_json_integer_seconds)
{
  json_t *v = json_integer(1772367425);
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(v, TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, T0);
  json_decref(v);
}
END_TEST

START_TEST(test_json_integer_milliseconds)
{
  json_t *v = json_integer(1528293067340);
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(v, TF_EPOCH_MILLISECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, INT64_C(1528293067340));
  json_decref(v);
}
END_TEST

START_TEST(test_json_negative_epoch)
{
  json_t *v = json_integer(-86400);
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(v, TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, -86400000);
  json_decref(v);
}
END_TEST

START_TEST(test_json_numeric_string)
{
  json_t *s = json_string("1772367425");
  json_t *m = json_string("1772367425123");
  json_t *neg = json_string("-1");
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(s, TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, T0);
  ck_assert_int_eq(tf_time_from_json(m, TF_EPOCH_MILLISECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, T0 + 123);
  ck_assert_int_eq(tf_time_from_json(neg, TF_EPOCH_MILLISECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, -1);
  json_decref(s);
  json_decref(m);
  json_decref(neg);
}
END_TEST

START_TEST(test_json_bad_numeric_strings)
{
  static const char *const bad[] = {
      "", "-", "12a", "+12", " 12", "1.5", "99999999999999999999"};
  int64_t ms = 0;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    json_t *v = json_string(bad[i]);

    ck_assert_msg(tf_time_from_json(v, TF_EPOCH_SECONDS, &ms) == TF_ERR_PARSE,
                  "accepted \"%s\"", bad[i]);
    json_decref(v);
  }
}
END_TEST

START_TEST(test_json_seconds_overflow_is_refused)
{
  json_t *v = json_integer(INT64_C(9223372036854776));
  json_t *s = json_string("-9223372036854776");
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(v, TF_EPOCH_SECONDS, &ms), TF_ERR_PARSE);
  ck_assert_int_eq(tf_time_from_json(s, TF_EPOCH_SECONDS, &ms), TF_ERR_PARSE);
  json_decref(v);
  json_decref(s);
}
END_TEST

START_TEST(test_json_null_is_not_found)
{
  json_t *v = json_null();
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(NULL, TF_EPOCH_SECONDS, &ms),
                   TF_ERR_NOTFOUND);
  ck_assert_int_eq(tf_time_from_json(v, TF_EPOCH_SECONDS, &ms),
                   TF_ERR_NOTFOUND);
  json_decref(v);
}
END_TEST

START_TEST(test_json_other_types_are_refused)
{
  json_t *real = json_real(1.5);
  json_t *yes = json_true();
  json_t *obj = json_object();
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(real, TF_EPOCH_SECONDS, &ms),
                   TF_ERR_PARSE);
  ck_assert_int_eq(tf_time_from_json(yes, TF_EPOCH_SECONDS, &ms), TF_ERR_PARSE);
  ck_assert_int_eq(tf_time_from_json(obj, TF_EPOCH_SECONDS, &ms), TF_ERR_PARSE);
  json_decref(real);
  json_decref(yes);
  json_decref(obj);
}
END_TEST

START_TEST(test_json_bad_unit_is_invalid)
{
  json_t *v = json_integer(1);
  int64_t ms = 0;

  ck_assert_int_eq(tf_time_from_json(v, (tf_epoch_unit)7, &ms), TF_ERR_INVAL);
  json_decref(v);
}
END_TEST

START_TEST(test_format_whole_seconds)
{
  char buf[TF_TIME_ISO_LEN];

  tf_time_format(T0 + 999, buf, sizeof(buf));
  ck_assert_str_eq(buf, "2026-03-01T12:17:05Z");
  tf_time_format(0, buf, sizeof(buf));
  ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_format_milliseconds)
{
  char buf[TF_TIME_ISO_LEN];

  tf_time_format_ms(T0 + 7, buf, sizeof(buf));
  ck_assert_str_eq(buf, "2026-03-01T12:17:05.007Z");
}
END_TEST

START_TEST(test_format_before_the_epoch)
{
  char buf[TF_TIME_ISO_LEN];

  tf_time_format_ms(-1, buf, sizeof(buf));
  ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
  tf_time_format(INT64_C(-62135596800000), buf, sizeof(buf));
  ck_assert_str_eq(buf, "0001-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_format_extreme_values_fit)
{
  char buf[TF_TIME_ISO_LEN];

  tf_time_format_ms(INT64_MAX, buf, sizeof(buf));
  ck_assert_uint_lt(strlen(buf), TF_TIME_ISO_LEN);
  tf_time_format_ms(INT64_MIN, buf, sizeof(buf));
  ck_assert_uint_lt(strlen(buf), TF_TIME_ISO_LEN);
}
END_TEST

START_TEST(test_format_truncates_to_the_buffer)
{
  char buf[8];

  tf_time_format(T0, buf, sizeof(buf));
  ck_assert_str_eq(buf, "2026-03");
}
END_TEST

/* The formatter agrees with gmtime_r + snprintf (the C library's calendar)
 * on random times from year 1 to 9999, and with milliseconds. */
START_TEST(test_format_agrees_with_gmtime)
{
  unsigned long long state = 99;
  /* 0001-01-01 and 9999-12-31T23:59:59.999 */
  const int64_t from = INT64_C(-62135596800000);
  const int64_t span = INT64_C(253402300799999) - from;

  for (int i = 0; i < 200000; i++) {
    char got[TF_TIME_ISO_LEN], got_ms[TF_TIME_ISO_LEN], want[64];
    int64_t ms, secs;
    time_t tt;
    struct tm tm;

    state = state * 6364136223846793005ull + 1442695040888963407ull;
    ms = from + (int64_t)((state >> 11) % (unsigned long long)span);
    if (i % 4 == 0)
      ms = from + (int64_t)((state >> 11) % 1000); /* near the first day */
    secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    tt = (time_t)secs;
    ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
    tf_time_format(ms, got, sizeof(got));
    tf_time_format_ms(ms, got_ms, sizeof(got_ms));
    snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    ck_assert_str_eq(got, want);
    snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(ms - secs * 1000));
    ck_assert_str_eq(got_ms, want);
  }
}
END_TEST

/* Past year 9999 and before year 0 the text is still the year, in full. */
START_TEST(test_format_years_past_four_digits)
{
  char buf[TF_TIME_ISO_LEN];

  tf_time_format_ms(INT64_C(253402300800000), buf, sizeof(buf));
  ck_assert_str_eq(buf, "10000-01-01T00:00:00.000Z");
  tf_time_format(INT64_C(-62167219200001), buf, sizeof(buf));
  ck_assert_str_eq(buf, "-001-12-31T23:59:59Z");
  tf_time_format_ms(INT64_MAX, buf, sizeof(buf));
  ck_assert_str_eq(buf, "292278994-08-17T07:12:55.807Z");
  tf_time_format_ms(INT64_C(253402300800000), buf, 12);
  ck_assert_str_eq(buf, "10000-01-01");
}
END_TEST

static void assert_round_trips(int64_t from, int64_t to, int64_t step)
{
  char buf[TF_TIME_ISO_LEN];

  for (int64_t ms = from; ms < to; ms += step) {
    int64_t back = 0;

    tf_time_format_ms(ms, buf, sizeof(buf));
    if (tf_time_parse(buf, &back) != TF_OK || back != ms)
      ck_abort_msg("%lld formats as %s, which parses as %lld", (long long)ms,
                   buf, (long long)back);
  }
}

START_TEST(test_round_trip_every_day_1970_to_2100)
{
  /* Each step is a day and 1:02:03.001, so every clock field moves. */
  assert_round_trips(0, INT64_C(4133980800000), INT64_C(86400000) + 3723001);
}
END_TEST

START_TEST(test_round_trip_years_1_to_9999)
{
  assert_round_trips(INT64_C(-62135596800000), INT64_C(253402300799999),
                     INT64_C(97) * 86400000 + 3723001);
}
END_TEST

START_TEST(test_round_trip_whole_seconds)
{
  char buf[TF_TIME_ISO_LEN];
  int64_t back = 0;

  tf_time_format(INT64_C(951868799000), buf, sizeof(buf));
  ck_assert_str_eq(buf, "2000-02-29T23:59:59Z");
  ck_assert_int_eq(tf_time_parse(buf, &back), TF_OK);
  ck_assert_int_eq(back, INT64_C(951868799000));
}
END_TEST

/* The form "YYYY-MM-DDTHH:MM:SS.mmmZ" is read by a fast path of its own
 * (time.c).  Every byte of such texts replaced by each of a set of
 * others must read as the same text with "+0000" for its Z, which the
 * general parser reads: the same time, or refused both ways. */
START_TEST(test_canonical_form_reads_as_the_general_form)
{
  static const char *const texts[] = {
      "2026-03-01T12:17:05.123Z", "2024-02-29T23:59:59.999Z",
      "2023-02-28T00:00:00.000Z", "1970-01-01T00:00:00.001Z",
      "0000-12-31T09:09:09.090Z", "9999-12-31T23:59:59.999Z"};
  static const char others[] = "0123456789-:.TZ+/ a\x7f";
  char fast[32], general[32];
  int64_t a, b;
  int ra, rb;

  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    for (size_t at = 0; at < 23; at++) {
      for (size_t k = 0; k < sizeof(others) - 1; k++) {
        snprintf(fast, sizeof(fast), "%s", texts[i]);
        fast[at] = others[k];
        snprintf(general, sizeof(general), "%.23s+0000", fast);
        a = b = 7;
        ra = tf_time_parse(fast, &a);
        rb = tf_time_parse(general, &b);
        ck_assert_msg(ra == rb && a == b, "%s: %d %lld, %s: %d %lld", fast, ra,
                      (long long)a, general, rb, (long long)b);
      }
    }
  }
  /* Shorter or longer than the form: the general parser's answer. */
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.1234Z"), T0 + 123);
  assert_refused("2026-03-01T12:17:05.123Zx");
  ck_assert_int_eq(parse_ok("2026-03-01T12:17:05.123"), T0 + 123);
}
END_TEST

START_TEST(test_tz_environment_is_ignored)
{
  int64_t ms = 0;

  setenv("TZ", "America/New_York", 1);
  ck_assert_int_eq(tf_time_parse("2026-03-01 12:17:05", &ms), TF_OK);
  ck_assert_int_eq(ms, T0);
  setenv("TZ", "Asia/Kolkata", 1);
  ck_assert_int_eq(tf_time_parse("2026-03-01", &ms), TF_OK);
  ck_assert_int_eq(ms, T0 - (12 * 3600 + 17 * 60 + 5) * INT64_C(1000));
}
END_TEST

static Suite *time_suite(void)
{
  Suite *s = suite_create("time");
  TCase *parse = tcase_create("parse");
  TCase *json = tcase_create("json");
  TCase *format = tcase_create("format");

  tcase_add_test(parse, test_zulu);
  tcase_add_test(parse, test_fraction_in_milliseconds);
  tcase_add_test(parse, test_fraction_of_any_length_is_truncated);
  tcase_add_test(parse, test_offset_without_colon);
  tcase_add_test(parse, test_offset_with_colon);
  tcase_add_test(parse, test_negative_offset);
  tcase_add_test(parse, test_space_instead_of_t);
  tcase_add_test(parse, test_no_offset_is_utc);
  tcase_add_test(parse, test_date_only_is_midnight_utc);
  tcase_add_test(parse, test_before_the_epoch);
  tcase_add_test(parse, test_leap_years);
  tcase_add_test(parse, test_impossible_dates_are_refused);
  tcase_add_test(parse, test_impossible_times_are_refused);
  tcase_add_test(parse, test_trailing_garbage_is_refused);
  tcase_add_test(parse, test_malformed_text_is_refused);
  tcase_add_test(parse, test_null_arguments_are_invalid);
  tcase_add_test(parse, test_canonical_form_reads_as_the_general_form);
  tcase_add_test(parse, test_tz_environment_is_ignored);
  suite_add_tcase(s, parse);

  tcase_add_test(json, test_json_string_is_parsed);
  tcase_add_test(json, test_json_integer_seconds);
  tcase_add_test(json, test_json_integer_milliseconds);
  tcase_add_test(json, test_json_negative_epoch);
  tcase_add_test(json, test_json_numeric_string);
  tcase_add_test(json, test_json_bad_numeric_strings);
  tcase_add_test(json, test_json_seconds_overflow_is_refused);
  tcase_add_test(json, test_json_null_is_not_found);
  tcase_add_test(json, test_json_other_types_are_refused);
  tcase_add_test(json, test_json_bad_unit_is_invalid);
  suite_add_tcase(s, json);

  /* The sweeps below compare hundreds of thousands of dates with gmtime:
   * about a second on a free core, but Check's default 4 s is not a
   * bound to hold on a loaded machine or under sanitizers.  Speed lives
   * in bench/, not in a test's timeout. */
  tcase_set_timeout(format, 120);
  tcase_add_test(format, test_format_whole_seconds);
  tcase_add_test(format, test_format_milliseconds);
  tcase_add_test(format, test_format_before_the_epoch);
  tcase_add_test(format, test_format_extreme_values_fit);
  tcase_add_test(format, test_format_truncates_to_the_buffer);
  tcase_add_test(format, test_format_agrees_with_gmtime);
  tcase_add_test(format, test_format_years_past_four_digits);
  tcase_add_test(format, test_round_trip_every_day_1970_to_2100);
  tcase_add_test(format, test_round_trip_years_1_to_9999);
  tcase_add_test(format, test_round_trip_whole_seconds);
  suite_add_tcase(s, format);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(time_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
