/*
 * test_timeorder.c - the event-time order check (timeorder.h) on
 * libtouchflow-check's host (tf_check_host_new(NULL, ...)): with the promise
 * off everything passes and nothing is promised; with it on the watermark is
 * the latest time, a record before it is dead-lettered as out_of_order with
 * both times and never emitted, counted, and logged once; a hold keeps the
 * watermark and the check where they were; the latest time goes into a resume
 * position and comes back from it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include <touchflow/attribution.h>

static tf_check_host *host; /* no plugin: the functions are called here */
static tf_ctx *ctx;
static const tf_host *host_table;

static void setup(void)
{
  host = tf_check_host_new(NULL, "src");
  ck_assert_ptr_nonnull(host);
  ctx = tf_check_ctx(host);
  host_table = tf_check_host_table(host);
}

/* The check counts out_of_order and in_future, and nothing else. */
static void teardown(void)
{
  const char *name;
  json_t *total;

  json_object_foreach ((json_t *)tf_check_metrics_json(host), name, total)
    ck_assert_msg(strcmp(name, "out_of_order") == 0 ||
                      strcmp(name, "in_future") == 0,
                  "unexpected metric %s", name);
  tf_check_host_free(host);
}

static const tf_batch *emitted(void)
{
  return tf_check_emitted(host);
}

static int64_t metric(const char *name)
{
  return tf_check_metric(host, name);
}

static const char *last_log(void)
{
  return tf_check_last_log(host);
}

/* How many rejects, and how many warnings were logged. */
static size_t n_rejects(void)
{
  return tf_check_reject_count(host);
}

static int warnings(void)
{
  size_t i;
  int n = 0;

  for (i = 0; i < tf_check_log_count(host); i++) {
    tf_log_level level;

    tf_check_log_line(host, i, &level);
    n += level == TF_LOG_WARN;
  }
  return n;
}

/* 2026-03-01T10:00:00Z plus m minutes, in epoch milliseconds. */
#define AT(m) (1772359200000LL + (m)*60000LL)

/* A record {"n": n} from line n of "in.ndjson". */
static tf_record *record(int n)
{
  tf_origin origin = {"in.ndjson", n};
  tf_record *place = tf_record_new_raw(NULL, 0, &origin);
  tf_record *rec = tf_record_derive(place, json_pack("{s:i}", "n", n));

  tf_record_unref(place);
  ck_assert_ptr_nonnull(rec);
  return rec;
}

static void emit(tf_time_order *order, int n, int64_t ts)
{
  ck_assert_int_eq(tf_time_order_emit(order, ctx, host_table, record(n), ts),
                   TF_OK);
}

static json_int_t emitted_n(size_t i)
{
  return json_integer_value(tf_record_get(tf_batch_get(emitted(), i), "n"));
}

/* The code or message of reject i. */
static const char *reject_string(size_t i, const char *key)
{
  const tf_check_reject *r = tf_check_reject_get(host, i);

  ck_assert_ptr_nonnull(r);
  return strcmp(key, "code") == 0 ? r->code : r->message;
}

/* The "n" of the record reject i names. */
static json_int_t reject_n(size_t i)
{
  const tf_check_reject *r = tf_check_reject_get(host, i);

  ck_assert_ptr_nonnull(r);
  return json_integer_value(tf_record_get(r->record, "n"));
}

START_TEST(test_off_emits_everything_and_promises_nothing)
{
  tf_time_order order;

  tf_time_order_init(&order, 0);
  emit(&order, 1, AT(10));
  ck_assert(tf_time_order_watermark(&order) == TF_WATERMARK_UNKNOWN);
  emit(&order, 2, AT(5));
  ck_assert(tf_time_order_watermark(&order) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_uint_eq(n_rejects(), 0);
  ck_assert_int_eq(metric("out_of_order"), 0);
}
END_TEST

START_TEST(test_null_order_emits_unchecked)
{
  ck_assert_int_eq(tf_time_order_emit(NULL, ctx, host_table, record(1), AT(1)),
                   TF_OK);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert(tf_time_order_watermark(NULL) == TF_WATERMARK_UNKNOWN);
}
END_TEST

START_TEST(test_sorted_watermark_is_the_latest_time)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  ck_assert(tf_time_order_watermark(&order) == TF_WATERMARK_UNKNOWN);
  emit(&order, 1, AT(0));
  ck_assert(tf_time_order_watermark(&order) == AT(0));
  emit(&order, 2, AT(5));
  emit(&order, 3, AT(5));
  ck_assert(tf_time_order_watermark(&order) == AT(5));
  ck_assert_uint_eq(tf_batch_count(emitted()), 3);
  ck_assert_uint_eq(n_rejects(), 0);
}
END_TEST

START_TEST(test_earlier_record_is_dead_lettered_not_emitted)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(62) + 3000);
  emit(&order, 2, AT(0));
  emit(&order, 3, AT(90));
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_int_eq(emitted_n(0), 1);
  ck_assert_int_eq(emitted_n(1), 3);
  ck_assert_uint_eq(n_rejects(), 1);
  ck_assert_str_eq(reject_string(0, "code"), "out_of_order");
  ck_assert_str_eq(reject_string(0, "message"),
                   "event time 2026-03-01T10:00:00Z is before "
                   "2026-03-01T11:02:03Z, the time of an earlier record, but "
                   "the input is declared sorted_by_time: sort the input or "
                   "set sorted_by_time to false");
  ck_assert_int_eq(reject_n(0), 2);
  ck_assert(tf_time_order_watermark(&order) == AT(90));
}
END_TEST

/* 9999-12-31T00:00:00Z in epoch milliseconds. */
#define YEAR_9999 253402214400000LL

/* One record dated 9999 (far after the clock) in a sorted input is passed
 * on but moves neither the watermark nor the order check: the real records
 * after it are emitted, not dead-lettered as out_of_order (issue 15). */
START_TEST(test_far_future_record_does_not_drag_the_watermark)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(0));
  emit(&order, 2, YEAR_9999);
  ck_assert(tf_time_order_watermark(&order) == AT(0));
  emit(&order, 3, AT(10));
  emit(&order, 4, YEAR_9999);
  emit(&order, 5, AT(20));
  ck_assert(tf_time_order_watermark(&order) == AT(20));
  ck_assert_uint_eq(tf_batch_count(emitted()), 5);
  ck_assert_uint_eq(n_rejects(), 0);
  ck_assert_int_eq(metric("out_of_order"), 0);
  ck_assert_int_eq(metric("in_future"), 2);
  ck_assert_int_eq(warnings(), 1);
  ck_assert_ptr_nonnull(strstr(last_log(),
                               "in.ndjson:2: event time "
                               "9999-12-31T00:00:00Z is more than a "
                               "day after the clock"));
}
END_TEST

/* The wall clock now, in epoch milliseconds. */
static int64_t wall_ms(void)
{
  struct timespec t;

  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The clock is read once and kept while records stay within a day of it:
 * a record just past that day is still counted, just before it is not. */
START_TEST(test_future_is_judged_against_the_clock_each_time)
{
  const int64_t hour = 3600 * 1000LL, now = wall_ms();
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, now - hour);
  emit(&order, 2, now + 23 * hour);
  ck_assert_int_eq(metric("in_future"), 0);
  emit(&order, 3, now + 25 * hour);
  ck_assert_int_eq(metric("in_future"), 1);
  emit(&order, 4, now + 24 * hour - 60000);
  emit(&order, 5, now + 26 * hour);
  ck_assert_int_eq(metric("in_future"), 2);
  ck_assert(tf_time_order_watermark(&order) == now + 24 * hour - 60000);
  ck_assert_uint_eq(n_rejects(), 0);
}
END_TEST

/* The first record being the far-future one promises nothing either. */
START_TEST(test_far_future_first_record_promises_nothing)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, YEAR_9999);
  ck_assert(tf_time_order_watermark(&order) == TF_WATERMARK_UNKNOWN);
  emit(&order, 2, AT(0));
  ck_assert(tf_time_order_watermark(&order) == AT(0));
  ck_assert_uint_eq(n_rejects(), 0);
}
END_TEST

START_TEST(test_watermark_does_not_go_back)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(30));
  emit(&order, 2, AT(10));
  ck_assert(tf_time_order_watermark(&order) == AT(30));
  emit(&order, 3, AT(30));
  ck_assert(tf_time_order_watermark(&order) == AT(30));
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
}
END_TEST

START_TEST(test_out_of_order_is_counted_and_logged_once)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(30));
  emit(&order, 2, AT(10));
  emit(&order, 3, AT(20));
  emit(&order, 4, AT(29));
  ck_assert_int_eq(metric("out_of_order"), 3);
  ck_assert_uint_eq(n_rejects(), 3);
  ck_assert_int_eq(warnings(), 1);
  ck_assert_ptr_nonnull(strstr(last_log(), "in.ndjson:2: event time"));
  ck_assert_ptr_nonnull(strstr(last_log(), "out_of_order"));
}
END_TEST

START_TEST(test_message_shows_milliseconds_when_they_differ)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(0) + 500);
  emit(&order, 2, AT(0) + 250);
  ck_assert_ptr_nonnull(strstr(reject_string(0, "message"),
                               "event time 2026-03-01T10:00:00.250Z is "
                               "before 2026-03-01T10:00:00.500Z"));
}
END_TEST

START_TEST(test_emit_event_reads_ts_ms)
{
  tf_time_order order;
  json_t *late = tf_event_new("hit", AT(1), NULL, NULL, "web", "b");

  tf_time_order_init(&order, 1);
  ck_assert_int_eq(
      tf_time_order_emit_event(
          &order, ctx, host_table,
          tf_record_new(tf_event_new("hit", AT(2), NULL, NULL, "web", "a"))),
      TF_OK);
  ck_assert(tf_time_order_watermark(&order) == AT(2));
  ck_assert_int_eq(
      tf_time_order_emit_event(&order, ctx, host_table, tf_record_new(late)),
      TF_OK);
  ck_assert_uint_eq(n_rejects(), 1);
  ck_assert_int_eq(tf_time_order_emit_event(
                       &order, ctx, host_table,
                       tf_record_new(json_pack("{s:s}", "ts_ms", "soon"))),
                   TF_OK);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert(tf_time_order_watermark(&order) == AT(2));
}
END_TEST

START_TEST(test_hold_keeps_the_watermark_and_checks_against_it)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(10));
  tf_time_order_hold(&order);
  tf_time_order_hold(&order);
  emit(&order, 2, AT(40));
  ck_assert(tf_time_order_watermark(&order) == AT(10));
  emit(&order, 3, AT(20));
  emit(&order, 4, AT(5));
  ck_assert_uint_eq(tf_batch_count(emitted()), 3);
  ck_assert_uint_eq(n_rejects(), 1);
  ck_assert_ptr_nonnull(strstr(reject_string(0, "message"),
                               "event time 2026-03-01T10:05:00Z is before "
                               "2026-03-01T10:10:00Z"));
  tf_time_order_release(&order);
  ck_assert(tf_time_order_watermark(&order) == AT(40));
  emit(&order, 5, AT(30));
  ck_assert_uint_eq(n_rejects(), 2);
  tf_time_order_hold(NULL);
  tf_time_order_release(NULL);
}
END_TEST

START_TEST(test_hold_before_the_first_record_promises_nothing)
{
  tf_time_order order;

  tf_time_order_init(&order, 1);
  tf_time_order_hold(&order);
  emit(&order, 1, AT(30));
  emit(&order, 2, AT(10));
  ck_assert(tf_time_order_watermark(&order) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(n_rejects(), 0);
  tf_time_order_release(&order);
  ck_assert(tf_time_order_watermark(&order) == AT(30));
}
END_TEST

START_TEST(test_position_round_trip_keeps_the_latest_time)
{
  tf_time_order a, b;
  json_t *pos = json_pack("{s:s, s:i}", "file", "in.ndjson", "line", 2);

  tf_time_order_init(&a, 1);
  emit(&a, 1, AT(0));
  emit(&a, 2, AT(45));
  ck_assert_int_eq(tf_time_order_save(&a, pos), TF_OK);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   AT(45));
  tf_time_order_init(&b, 1);
  ck_assert_int_eq(tf_time_order_restore(&b, pos), TF_OK);
  ck_assert(tf_time_order_watermark(&b) == AT(45));
  emit(&b, 3, AT(44));
  ck_assert_uint_eq(n_rejects(), 1);
  json_decref(pos);
}
END_TEST

START_TEST(test_position_round_trip_keeps_a_hold)
{
  tf_time_order a, b, c;
  json_t *pos = json_object(), *early = json_object();

  tf_time_order_init(&a, 1);
  emit(&a, 1, AT(10));
  tf_time_order_hold(&a);
  emit(&a, 2, AT(40));
  ck_assert_int_eq(tf_time_order_save(&a, pos), TF_OK);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "held_ts_ms")),
                   AT(10));
  tf_time_order_init(&b, 1);
  ck_assert_int_eq(tf_time_order_restore(&b, pos), TF_OK);
  ck_assert(tf_time_order_watermark(&b) == AT(10));
  emit(&b, 3, AT(20)); /* after the held watermark: not out of order */
  ck_assert_uint_eq(n_rejects(), 0);
  tf_time_order_release(&b);
  ck_assert(tf_time_order_watermark(&b) == AT(40));
  /* A hold that began before the first record keeps an unknown one. */
  tf_time_order_init(&c, 1);
  tf_time_order_hold(&c);
  ck_assert_int_eq(tf_time_order_save(&c, early), TF_OK);
  ck_assert(json_is_null(json_object_get(early, "held_ts_ms")));
  tf_time_order_init(&b, 1);
  ck_assert_int_eq(tf_time_order_restore(&b, early), TF_OK);
  emit(&b, 4, AT(50));
  ck_assert(tf_time_order_watermark(&b) == TF_WATERMARK_UNKNOWN);
  json_decref(pos);
  json_decref(early);
}
END_TEST

START_TEST(test_position_without_the_time_starts_afresh)
{
  tf_time_order order;
  json_t *old = json_pack("{s:s, s:i}", "file", "in.ndjson", "line", 2);

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(30));
  ck_assert_int_eq(tf_time_order_restore(&order, old), TF_OK);
  ck_assert(tf_time_order_watermark(&order) == TF_WATERMARK_UNKNOWN);
  emit(&order, 2, AT(10));
  ck_assert_uint_eq(n_rejects(), 0);
  json_decref(old);
}
END_TEST

START_TEST(test_nothing_is_saved_off_or_before_the_first_record)
{
  tf_time_order off, fresh;
  json_t *pos = json_object();

  tf_time_order_init(&off, 0);
  emit(&off, 1, AT(30));
  tf_time_order_init(&fresh, 1);
  ck_assert_int_eq(tf_time_order_save(&off, pos), TF_OK);
  ck_assert_int_eq(tf_time_order_save(&fresh, pos), TF_OK);
  ck_assert_uint_eq(json_object_size(pos), 0);
  ck_assert_int_eq(tf_time_order_save(&fresh, NULL), TF_ERR_INVAL);
  json_decref(pos);
}
END_TEST

START_TEST(test_malformed_time_in_position_is_invalid)
{
  tf_time_order order;
  json_t *pos = json_pack("{s:s}", "max_ts_ms", "10:00");

  tf_time_order_init(&order, 1);
  emit(&order, 1, AT(30));
  ck_assert_int_eq(tf_time_order_restore(&order, pos), TF_ERR_INVAL);
  ck_assert(tf_time_order_watermark(&order) == AT(30));
  json_decref(pos);
}
END_TEST

START_TEST(test_option_entry_is_a_bool_defaulting_to_false)
{
  static const tf_option table[] = {TF_SORTED_BY_TIME_OPTION,
                                    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};
  const tf_option *opt = tf_options_find(table, "sorted_by_time");

  ck_assert_ptr_nonnull(opt);
  ck_assert_int_eq(opt->type, TF_OPT_BOOL);
  ck_assert_str_eq(opt->default_value, "false");
  ck_assert_ptr_nonnull(strstr(opt->description, "out_of_order"));
}
END_TEST

static Suite *timeorder_suite(void)
{
  Suite *s = suite_create("timeorder");
  TCase *check = tcase_create("check");
  TCase *position = tcase_create("position");

  tcase_add_checked_fixture(check, setup, teardown);
  tcase_add_test(check, test_off_emits_everything_and_promises_nothing);
  tcase_add_test(check, test_null_order_emits_unchecked);
  tcase_add_test(check, test_sorted_watermark_is_the_latest_time);
  tcase_add_test(check, test_earlier_record_is_dead_lettered_not_emitted);
  tcase_add_test(check, test_far_future_record_does_not_drag_the_watermark);
  tcase_add_test(check, test_far_future_first_record_promises_nothing);
  tcase_add_test(check, test_future_is_judged_against_the_clock_each_time);
  tcase_add_test(check, test_watermark_does_not_go_back);
  tcase_add_test(check, test_out_of_order_is_counted_and_logged_once);
  tcase_add_test(check, test_message_shows_milliseconds_when_they_differ);
  tcase_add_test(check, test_emit_event_reads_ts_ms);
  tcase_add_test(check, test_hold_keeps_the_watermark_and_checks_against_it);
  tcase_add_test(check, test_hold_before_the_first_record_promises_nothing);
  tcase_add_test(check, test_option_entry_is_a_bool_defaulting_to_false);
  suite_add_tcase(s, check);

  tcase_add_checked_fixture(position, setup, teardown);
  tcase_add_test(position, test_position_round_trip_keeps_the_latest_time);
  tcase_add_test(position, test_position_round_trip_keeps_a_hold);
  tcase_add_test(position, test_position_without_the_time_starts_afresh);
  tcase_add_test(position,
                 test_nothing_is_saved_off_or_before_the_first_record);
  tcase_add_test(position, test_malformed_time_in_position_is_invalid);
  suite_add_tcase(s, position);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(timeorder_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
