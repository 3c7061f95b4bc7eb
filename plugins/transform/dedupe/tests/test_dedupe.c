/*
 * test_dedupe.c - tests of the `dedupe` transform's general dedupe, driven
 * on libtouchflow-check's host (instance.h): the whole-record and
 * field-list keys, the count window (LRU bound) and the event-time window (with
 * its max_entries bound), records passed through or rejected, config errors,
 * flush, the untouched input batch, snapshot/restore, and the key hash itself.
 * The Drift rules are in test_drift_rules.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../dedupe_cache.h"
#include "../dedupe_key.h"
#include "instance.h"
#include <touchflow/record_json.h>

#define BY_ID "{\"key\": [\"touchpoint_id\"]"

/* Asserts that the emitted records have these touchpoint ids, in order. */
static void assert_emitted_ids(const char *const *ids, size_t n)
{
  size_t i;

  ck_assert_uint_eq(tf_batch_count(emitted()), n);
  for (i = 0; i < n; i++)
    assert_emitted_field(i, "touchpoint_id", ids[i]);
}

/* Adds a touchpoint with id and date, other fields fixed. */
static void add_dated(const char *id, const char *date)
{
  add_touchpoint(id, "Web Visit", date, "cpc", "spring");
}

/* --- The descriptor --------------------------------------------------- */

START_TEST(descriptor)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_dedupe_LTX_tf_plugin_entry());
  size_t i;

  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(p->base.abi_major, TF_ABI_MAJOR);
  ck_assert_int_eq(p->base.kind, TF_KIND_TRANSFORM);
  ck_assert_str_eq(p->base.name, "dedupe");
  ck_assert_ptr_nonnull(p->process);
  ck_assert_ptr_nonnull(p->flush);
  ck_assert_ptr_nonnull(p->snapshot);
  ck_assert_ptr_nonnull(p->restore);
  ck_assert_uint_eq(tf_options_count(p->base.options), 6);
  for (i = 0; p->base.options[i].name; i++)
    ck_assert_ptr_nonnull(p->base.options[i].description);
  ck_assert_str_eq(tf_options_find(p->base.options, "window")->default_value,
                   "100000");
}
END_TEST

/* --- Keys ------------------------------------------------------------- */

START_TEST(whole_record_repeat_is_dropped)
{
  instance in;

  start(&in, "{}");
  add("{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"n\": 1}");
  add("{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"n\": 1}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  stop(&in);
}
END_TEST

START_TEST(whole_record_key_ignores_field_order)
{
  instance in;

  start(&in, "{}");
  add("{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\","
      " \"x\": {\"a\": 1, \"b\": [1, {\"c\": 2, \"d\": 3}]}}");
  add("{\"x\": {\"b\": [1, {\"d\": 3, \"c\": 2}], \"a\": 1},"
      " \"type\": \"Web Visit\", \"touchpoint_id\": \"t1\"}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

START_TEST(whole_record_key_ignores_spacing_and_escapes)
{
  instance in;

  start(&in, "{}");
  add("{\"touchpoint_id\":\"t\\u00e9\",\"type\":\"Web Visit\"}");
  add("{ \"touchpoint_id\" : \"t\xc3\xa9\" , \"type\" : \"Web Visit\" }");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  stop(&in);
}
END_TEST

START_TEST(whole_record_key_tells_values_apart)
{
  static const char *const records[] = {
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"n\": 1}",
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"n\": \"1\"}",
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"n\": 2}",
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"n\": null}",
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\"}",
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Form\", \"n\": 1}"};
  instance in;
  size_t i;

  start(&in, "{}");
  for (i = 0; i < 6; i++)
    add(records[i]);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 6);
  ck_assert_int_eq(metric("dropped_duplicate"), 0);
  stop(&in);
}
END_TEST

START_TEST(key_fields_decide_what_repeats)
{
  static const char *const kept[] = {"t1", "t2"};
  instance in;

  start(&in, "{\"key\": [\"touchpoint_id\", \"type\"]}");
  add_touchpoint("t1", "Call", "2026-03-01T10:00:00Z", "Call", NULL);
  add_touchpoint("t1", "Call", "2026-03-02T11:00:00Z", "phone", "c9");
  add_touchpoint("t2", "Call", "2026-03-01T10:00:00Z", "Call", NULL);
  process(&in);
  assert_emitted_ids(kept, 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

START_TEST(key_field_may_be_nested_path)
{
  instance in;

  start(&in, "{\"key\": [\"extra.ids.0\"]}");
  add("{\"touchpoint_id\": \"a\", \"extra\": {\"ids\": [\"x\", \"y\"]}}");
  add("{\"touchpoint_id\": \"b\", \"extra\": {\"ids\": [\"x\"]}}");
  add("{\"touchpoint_id\": \"c\", \"extra\": {\"ids\": [\"y\", \"x\"]}}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  assert_emitted_field(1, "touchpoint_id", "c");
  stop(&in);
}
END_TEST

START_TEST(key_values_are_not_run_together)
{
  instance in;

  start(&in, "{\"key\": [\"source\", \"medium\"]}");
  add("{\"type\": \"Web Visit\", \"source\": \"1\", \"medium\": \"23\"}");
  add("{\"type\": \"Web Visit\", \"source\": \"12\", \"medium\": \"3\"}");
  add("{\"type\": \"Web Visit\", \"source\": \"23\", \"medium\": \"1\"}");
  add("{\"type\": \"Web Visit\", \"source\": \"1,\", \"medium\": \"23\"}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 4);
  stop(&in);
}
END_TEST

START_TEST(key_value_may_be_object_in_any_field_order)
{
  instance in;

  start(&in, "{\"key\": [\"utm\"]}");
  add("{\"type\": \"Web Visit\", \"utm\": {\"s\": \"g\", \"m\": \"cpc\"}}");
  add("{\"type\": \"Web Form\", \"utm\": {\"m\": \"cpc\", \"s\": \"g\"}}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  stop(&in);
}
END_TEST

START_TEST(absent_key_field_passes_record_on)
{
  instance in;

  start(&in, "{\"key\": [\"email\", \"type\"]}");
  add("{\"touchpoint_id\": \"t1\", \"type\": \"Web Form\"}");
  add("{\"touchpoint_id\": \"t1\", \"type\": \"Web Form\"}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_int_eq(metric("passed_missing_key"), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 0);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  stop(&in);
}
END_TEST

START_TEST(null_key_field_passes_record_on)
{
  instance in;

  start(&in, "{\"key\": [\"email\"]}");
  add("{\"touchpoint_id\": \"t1\", \"type\": \"CRM Campaign\","
      " \"email\": null}");
  add("{\"touchpoint_id\": \"t2\", \"type\": \"CRM Campaign\","
      " \"email\": null}");
  add("{\"touchpoint_id\": \"t3\", \"type\": \"Web Form\","
      " \"email\": \"a@x.io\"}");
  add("{\"touchpoint_id\": \"t4\", \"type\": \"Web Form\","
      " \"email\": \"a@x.io\"}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 3);
  ck_assert_int_eq(metric("passed_missing_key"), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

/* --- The count window -------------------------------------------------- */

START_TEST(count_window_forgets_least_recently_seen_at_bound)
{
  static const char *const kept[] = {"A", "B", "C", "B", "A", "C"};
  static const char *const seen[] = {"A", "B", "A", "C", "B", "A", "C"};
  instance in;
  size_t i;

  /* window 2: A B | A repeats and becomes the most recent | C forgets B |
   * B is new again and forgets A | A is new again and forgets C | C new. */
  start(&in, BY_ID ", \"window\": \"2\"}");
  for (i = 0; i < 7; i++)
    add_dated(seen[i], "2026-03-01T10:00:00Z");
  process(&in);
  assert_emitted_ids(kept, 6);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

START_TEST(count_window_remembers_exactly_window_keys)
{
  static const char *const kept[] = {"A", "B", "C", "D", "B"};
  instance in;

  start(&in, BY_ID ", \"window\": \"3\"}");
  add_dated("A", NULL);
  add_dated("B", NULL);
  add_dated("C", NULL);
  add_dated("A", NULL); /* 3 keys held: a repeat */
  add_dated("D", NULL); /* forgets B, the least recently seen */
  add_dated("C", NULL); /* still held */
  add_dated("B", NULL); /* forgotten: kept, forgets A */
  process(&in);
  assert_emitted_ids(kept, 5);
  ck_assert_int_eq(metric("dropped_duplicate"), 2);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  stop(&in);
}
END_TEST

START_TEST(count_window_holds_many_keys)
{
  char id[32];
  instance in;
  int i;

  start(&in, BY_ID ", \"window\": \"4096\"}");
  for (i = 0; i < 5000; i++) {
    snprintf(id, sizeof(id), "t%d", i);
    add_dated(id, NULL);
  }
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 5000);
  /* t0..t903 were forgotten; t904..t4999 are held. */
  for (i = 1000; i < 5000; i += 100) {
    snprintf(id, sizeof(id), "t%d", i);
    add_dated(id, NULL);
  }
  add_dated("t904", NULL);  /* held, now the most recent */
  add_dated("t903", NULL);  /* forgotten: kept, forgets t905 */
  add_dated("t905", NULL);  /* kept, forgets t906 */
  add_dated("t4999", NULL); /* still held */
  process(&in);
  ck_assert_int_eq(metric("dropped_duplicate"), 40 + 2);
  ck_assert_uint_eq(tf_batch_count(emitted()), 5002);
  assert_emitted_field(5000, "touchpoint_id", "t903");
  assert_emitted_field(5001, "touchpoint_id", "t905");
  stop(&in);
}
END_TEST

START_TEST(default_window_is_count_of_100000)
{
  char id[32];
  instance in;
  int i;

  start(&in, BY_ID "}");
  for (i = 0; i <= 100000; i++) {
    snprintf(id, sizeof(id), "t%d", i);
    add_dated(id, NULL);
  }
  process(&in);
  add_dated("t1", NULL); /* held: among the last 100000 */
  add_dated("t0", NULL); /* forgotten */
  process(&in);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  ck_assert_uint_eq(tf_batch_count(emitted()), 100002);
  stop(&in);
}
END_TEST

START_TEST(count_window_does_not_read_date)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"10\"}");
  add_dated("A", NULL);
  add_dated("A", "not a date");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  stop(&in);
}
END_TEST

/* --- The duration window ----------------------------------------------- */

START_TEST(duration_window_drops_repeat_inside_window)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("A", "2026-03-01T10:59:59.999Z");
  add_dated("B", "2026-03-01T10:30:00Z");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

START_TEST(duration_window_keeps_repeat_at_exactly_window)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("A", "2026-03-01T11:00:00.000Z");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 0);
  stop(&in);
}
END_TEST

START_TEST(duration_window_dropped_repeat_does_not_extend_window)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"60m\"}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("A", "2026-03-01T10:40:00Z"); /* dropped */
  add_dated("A", "2026-03-01T11:10:00Z"); /* 70 min after the kept one */
  add_dated("A", "2026-03-01T11:20:00Z"); /* 10 min after the kept one */
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  assert_emitted_field(1, "date", "2026-03-01T11:10:00Z");
  ck_assert_int_eq(metric("dropped_duplicate"), 2);
  stop(&in);
}
END_TEST

START_TEST(duration_window_looks_both_ways_in_time)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:30:00Z");
  add_dated("A", "2026-03-01T10:00:00Z"); /* 30 min before: a repeat */
  add_dated("A", "2026-03-01T09:00:00Z"); /* 90 min before: kept */
  add_dated("A", "2026-03-01T10:45:00Z"); /* near the latest kept: repeat */
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  assert_emitted_field(1, "date", "2026-03-01T09:00:00Z");
  ck_assert_int_eq(metric("dropped_duplicate"), 2);
  stop(&in);
}
END_TEST

START_TEST(duration_window_compares_instants_not_text)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"30s\"}");
  add_dated("A", "2026-03-01T12:00:00Z");
  add_dated("A", "2026-03-01T07:00:10-05:00");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  stop(&in);
}
END_TEST

START_TEST(duration_window_rejects_touchpoint_without_date)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", NULL);
  add_dated("B", "yesterday");
  add("{\"touchpoint_id\": \"C\", \"date\": 1772366400}");
  add_dated("D", "2026-03-01T10:00:00Z");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert_uint_eq(json_array_size(rejects()), 3);
  ck_assert_str_eq(reject_code(0), "invalid_date");
  ck_assert_str_eq(reject_code(1), "invalid_date");
  ck_assert_str_eq(reject_code(2), "invalid_date");
  ck_assert_str_eq(reject_message(1), "date: \"yesterday\" is not an ISO-8601 "
                                      "time (needed by the duration window)");
  stop(&in);
}
END_TEST

START_TEST(duration_window_forgets_keys_past_window)
{
  json_t *snap = NULL;
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("B", "2026-03-01T10:30:00Z");
  add_dated("C", "2026-03-01T11:15:00Z");
  process(&in);
  ck_assert_int_eq(in.plugin->snapshot(in.state, &snap), TF_OK);
  /* A (75 min before C) is forgotten, B (45 min) is held. */
  ck_assert_uint_eq(json_array_size(json_object_get(snap, "entries")), 2);
  json_decref(snap);
  stop(&in);
}
END_TEST

START_TEST(duration_window_max_entries_bounds_memory)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1d\", \"max_entries\": 2}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("B", "2026-03-01T10:01:00Z");
  add_dated("C", "2026-03-01T10:02:00Z"); /* forgets A inside its window */
  add_dated("A", "2026-03-01T10:03:00Z"); /* so A passes again */
  add_dated("C", "2026-03-01T10:04:00Z"); /* still held: dropped */
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 4);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  ck_assert_int_eq(metric("evicted_in_window"), 2);
  assert_logged("warning: max_entries (2) is too small for window 1d");
  ck_assert_ptr_null(strstr(strstr(logs(), "too small") + 1, "too small"));
  stop(&in);
}
END_TEST

START_TEST(duration_window_eviction_past_window_is_not_counted)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\", \"max_entries\": 1}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("B", "2026-03-01T12:00:00Z"); /* forgets A, now past its window */
  ck_assert_int_eq(metric("evicted_in_window"), 0);
  add_dated("C", "2026-03-01T12:10:00Z"); /* forgets B, inside its window */
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 3);
  ck_assert_int_eq(metric("evicted_in_window"), 1);
  stop(&in);
}
END_TEST

/* --- What passes and what is rejected ---------------------------------- */

START_TEST(non_touchpoint_passes_through_unchanged)
{
  static const char person[] =
      "{\"event\": \"person\", \"person_id\": \"00Q1\", \"email\": \"a@x.io\","
      " \"ts\": \"2026-03-01T10:00:00.000Z\"}";
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\", \"chat_integration_enabled_at\":"
                   " \"2026-01-01\", \"chat_campaign_ids\": [\"701A\"]}");
  size_t i;

  add(person);
  add(person);
  add("{\"event\": \"person\", \"campaign\": \"701A\","
      " \"date\": \"2026-03-01T00:00:00Z\"}");
  add("{\"event\": \"person\"}");
  process_keeping_input(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 4);
  for (i = 0; i < 4; i++)
    ck_assert_ptr_eq(tf_batch_get(emitted(), i), tf_batch_get(test_input, i));
  ck_assert_int_eq(metric("passed_non_touchpoint"), 4);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  stop(&in);
}
END_TEST

START_TEST(kept_record_is_passed_not_copied)
{
  instance in;

  start(&in, "{}");
  add_dated("A", "2026-03-01T10:00:00Z");
  process_keeping_input(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert_ptr_eq(tf_batch_get(emitted(), 0), tf_batch_get(test_input, 0));
  stop(&in);
}
END_TEST

START_TEST(raw_record_is_rejected)
{
  tf_origin origin = {"in.ndjson", 3};
  instance in;

  start(&in, "{}");
  ck_assert_int_eq(
      tf_batch_push(test_input, tf_record_new_raw("{oops", 5, &origin)), TF_OK);
  add_dated("A", NULL);
  process(&in);
  ck_assert_uint_eq(json_array_size(rejects()), 1);
  ck_assert_str_eq(reject_code(0), "not_an_object");
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  stop(&in);
}
END_TEST

START_TEST(input_batch_unchanged)
{
  char *before[3], *after;
  instance in;
  size_t i;

  start(&in, "{\"chat_integration_enabled_at\": \"2026-03-01\","
             " \"chat_activity_types\": [\"Chat\"]}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_touchpoint("B", "CRM Activity", "2026-03-02T00:00:00Z", "Chat", NULL);
  for (i = 0; i < 3; i++)
    before[i] = json_dumps(tf_record_json(tf_batch_get(test_input, i)), 0);
  process_keeping_input(&in);
  ck_assert_uint_eq(tf_batch_count(test_input), 3);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  for (i = 0; i < 3; i++) {
    after = json_dumps(tf_record_json(tf_batch_get(test_input, i)), 0);
    ck_assert_str_eq(before[i], after);
    free(after);
    free(before[i]);
  }
  stop(&in);
}
END_TEST

START_TEST(flush_twice_is_harmless)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:00:00Z");
  process(&in);
  ck_assert_int_eq(flush(&in), TF_OK);
  ck_assert_int_eq(flush(&in), TF_OK);
  ck_assert_uint_eq(tf_batch_count(emitted()), 1);
  ck_assert_uint_eq(json_array_size(rejects()), 0);
  stop(&in);
}
END_TEST

START_TEST(many_batches_share_one_memory)
{
  instance in;

  start(&in, BY_ID "}");
  add_dated("A", NULL);
  process(&in);
  add_dated("B", NULL);
  add_dated("A", NULL);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

/* --- Config ------------------------------------------------------------ */

START_TEST(window_accepts_count_or_duration)
{
  static const char *const good[] = {"1",   "100000", "10000000", "250ms",
                                     "30s", "30m",    "24h",      "7d"};
  char config[128];
  instance in;
  size_t i;

  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    snprintf(config, sizeof(config), "{\"window\": \"%s\"}", good[i]);
    start(&in, config);
    stop(&in);
  }
}
END_TEST

START_TEST(bad_window_is_refused)
{
  static const char *const bad[] = {"",     "abc",  "0",        "0s", "-5",
                                    "1.5h", "24 h", "10000001", "3w"};
  char config[128];
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    clear_logs();
    snprintf(config, sizeof(config), "{\"window\": \"%s\"}", bad[i]);
    start_refused(config);
    assert_logged("error: window: ");
  }
}
END_TEST

START_TEST(window_as_json_number_is_refused_by_host)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_dedupe_LTX_tf_plugin_entry());
  json_t *given = json_pack("{s:i}", "window", 100);
  tf_config *cfg = NULL;

  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       NULL, NULL, NULL, &cfg),
                   TF_ERR_CONFIG);
  ck_assert_ptr_null(cfg);
  json_decref(given);
}
END_TEST

START_TEST(max_entries_with_count_window_is_refused)
{
  start_refused("{\"window\": \"500\", \"max_entries\": 100}");
  assert_logged("error: max_entries: applies only when window is a duration");
}
END_TEST

START_TEST(bad_key_is_refused)
{
  start_refused("{\"key\": []}");
  assert_logged("error: key: empty list");
  clear_logs();
  start_refused("{\"key\": [\"email\", \"a..b\", \"\", \".x\"]}");
  assert_logged("key[1]: \"a..b\" is not a field path");
  assert_logged("key[2]: \"\" is not a field path");
  assert_logged("key[3]: \".x\" is not a field path");
  ck_assert_ptr_null(strstr(logs(), "key[0]"));
}
END_TEST

START_TEST(every_config_problem_is_reported)
{
  start_refused("{\"key\": [], \"window\": \"soon\","
                " \"chat_integration_enabled_at\": \"March\"}");
  assert_logged("error: key: ");
  assert_logged("error: window: ");
  assert_logged("error: chat_integration_enabled_at: \"March\"");
}
END_TEST

START_TEST(check_reports_each_problem_at_its_path)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_dedupe_LTX_tf_plugin_entry());
  json_t *given = json_loads("{\"key\": [\"a\", \"\"], \"window\": \"500\","
                             " \"max_entries\": 10,"
                             " \"chat_campaign_ids\": []}",
                             0, NULL);
  char problems[8192];
  tf_config *cfg = NULL;

  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       NULL, NULL, NULL, &cfg),
                   TF_OK);
  ck_assert_int_eq(check_config(cfg, problems), TF_ERR_CONFIG);
  ck_assert_str_eq(problems,
                   "error: key[1]: \"\" is not a field path (non-empty names "
                   "separated by dots)\n"
                   "error: max_entries: applies only when window is a "
                   "duration; with a record count (\"500\") the count is the "
                   "bound\n"
                   "error: chat_campaign_ids: empty list (leave the option "
                   "out instead)\n"
                   "error: chat_campaign_ids: needs "
                   "chat_integration_enabled_at (the date the Drift "
                   "integration was switched on)\n");
  tf_config_free(cfg);
  json_decref(given);
}
END_TEST

/* --- Snapshot and restore ---------------------------------------------- */

/* Takes a snapshot of in's state, stops it, starts a new instance with
 * config and restores the snapshot into it. */
static void resume(instance *in, const char *config)
{
  json_t *snap = NULL;
  char *text;

  ck_assert_int_eq(in->plugin->snapshot(in->state, &snap), TF_OK);
  ck_assert_ptr_nonnull(snap);
  text = json_dumps(snap, 0); /* survives a round trip through text */
  json_decref(snap);
  snap = json_loads(text, 0, NULL);
  free(text);
  stop(in);
  start(in, config);
  ck_assert_int_eq(in->plugin->restore(in->state, snap), TF_OK);
  json_decref(snap);
}

START_TEST(restore_remembers_keys)
{
  instance in;

  start(&in, "{}");
  add_dated("A", "2026-03-01T10:00:00Z");
  process(&in);
  resume(&in, "{}");
  add_dated("A", "2026-03-01T10:00:00Z");
  add_dated("B", "2026-03-01T10:00:00Z");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

START_TEST(restore_keeps_recency_order)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"2\"}");
  add_dated("A", NULL);
  add_dated("B", NULL);
  add_dated("A", NULL); /* A becomes the most recent */
  process(&in);
  resume(&in, BY_ID ", \"window\": \"2\"}");
  add_dated("C", NULL); /* forgets B */
  add_dated("A", NULL);
  add_dated("B", NULL);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 4);
  assert_emitted_field(3, "touchpoint_id", "B");
  ck_assert_int_eq(metric("dropped_duplicate"), 2);
  stop(&in);
}
END_TEST

START_TEST(restore_into_smaller_window_keeps_most_recent)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"10\"}");
  add_dated("A", NULL);
  add_dated("B", NULL);
  add_dated("C", NULL);
  process(&in);
  resume(&in, BY_ID ", \"window\": \"2\"}");
  add_dated("C", NULL);
  add_dated("B", NULL);
  add_dated("A", NULL);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 4);
  assert_emitted_field(3, "touchpoint_id", "A");
  stop(&in);
}
END_TEST

START_TEST(restore_keeps_times_of_duration_window)
{
  instance in;

  start(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:00:00Z");
  process(&in);
  resume(&in, BY_ID ", \"window\": \"1h\"}");
  add_dated("A", "2026-03-01T10:59:00Z"); /* dropped */
  add_dated("A", "2026-03-01T11:00:00Z"); /* kept */
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 2);
  assert_emitted_field(1, "date", "2026-03-01T11:00:00Z");
  ck_assert_int_eq(metric("dropped_duplicate"), 1);
  stop(&in);
}
END_TEST

/* Restores text into a fresh instance of config; expects a refusal that
 * logs `why`, and an empty memory afterwards. */
static void restore_refused(const char *config, const char *text,
                            const char *why)
{
  json_t *snap = json_loads(text, JSON_DECODE_ANY, NULL);
  json_t *after = NULL;
  instance in;

  ck_assert_msg(snap != NULL, "bad test snapshot: %s", text);
  clear_logs();
  start(&in, config);
  ck_assert_int_eq(in.plugin->restore(in.state, snap), TF_ERR_INVAL);
  assert_logged(why);
  ck_assert_int_eq(in.plugin->snapshot(in.state, &after), TF_OK);
  ck_assert_uint_eq(json_array_size(json_object_get(after, "entries")), 0);
  json_decref(after);
  json_decref(snap);
  stop(&in);
}

START_TEST(restore_refuses_other_key)
{
  restore_refused(BY_ID "}",
                  "{\"format\": 1, \"key\": null, \"window\": \"100000\","
                  " \"latest\": null, \"entries\": []}",
                  "error: restore: the saved state was made with another key");
}
END_TEST

START_TEST(restore_refuses_other_kind_of_window)
{
  restore_refused("{\"window\": \"1h\"}",
                  "{\"format\": 1, \"key\": null, \"window\": \"100000\","
                  " \"latest\": null, \"entries\": []}",
                  "error: restore: the saved state was made with window "
                  "\"100000\"");
}
END_TEST

START_TEST(restore_refuses_malformed_state)
{
  static const char *const entries[] = {
      "7",
      "[\"0123456789abcdef0123456789abcdeg\", 0]",
      "[\"0123456789abcdef0123456789abcde\", 0]",
      "[\"0123456789ABCDEF0123456789ABCDEF\", 0]",
      "[\"0123456789abcdef0123456789abcdef\", \"0\"]",
      "[\"0123456789abcdef0123456789abcdef\", 0, 1]",
      "[\"00000000000000000000000000000000\", 1]",
      "{}"};
  char text[512];
  size_t i;

  restore_refused("{}", "[]", "error: restore: not a dedupe snapshot");
  restore_refused("{}", "{\"format\": 2, \"key\": null, \"window\": \"1\"}",
                  "error: restore: not a dedupe snapshot");
  restore_refused("{}",
                  "{\"format\": 1, \"key\": null, \"window\": \"5\","
                  " \"latest\": \"x\", \"entries\": []}",
                  "error: restore: malformed entries");
  restore_refused("{}",
                  "{\"format\": 1, \"key\": null, \"window\": \"5\","
                  " \"latest\": null, \"entries\": {}}",
                  "error: restore: malformed entries");
  for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
    snprintf(text, sizeof(text),
             "{\"format\": 1, \"key\": null, \"window\": \"5\","
             " \"latest\": null, \"entries\":"
             " [[\"00000000000000000000000000000000\", 0], %s]}",
             entries[i]);
    restore_refused("{}", text, "error: restore: malformed entries");
  }
}
END_TEST

/* --- The key hash and the cache ---------------------------------------- */

static void assert_fnv(const char *text, const char *hex)
{
  dedupe_hash h = dedupe_hash_start();
  char got[33];

  dedupe_hash_bytes(&h, text, strlen(text));
  dedupe_hash_to_hex(h, got);
  ck_assert_str_eq(got, hex);
}

START_TEST(key_hash_is_fnv1a_128)
{
  assert_fnv("", "6c62272e07bb014262b821756295c58d");
  assert_fnv("a", "d228cb696f1a8caf78912b704e4a8964");
  assert_fnv("foobar", "343e1662793c64bf6f0d3597ba446f18");
  assert_fnv("{\"a\":1,\"b\":[true,null]}", "db35cae0647bc5fd977cdca63a6bd2d2");
}
END_TEST

START_TEST(key_hash_of_record_is_hash_of_canonical_text)
{
  static const char text[] = "{\"b\": [true, null], \"a\": 1}";
  tf_record *rec = tf_record_parse(text, strlen(text), NULL, NULL, 0);
  dedupe_key whole = {NULL};
  dedupe_hash h, back;
  char hex[33];

  ck_assert_int_eq(dedupe_key_hash(&whole, rec, &h), TF_OK);
  dedupe_hash_to_hex(h, hex);
  ck_assert_str_eq(hex, "db35cae0647bc5fd977cdca63a6bd2d2");
  ck_assert_int_eq(dedupe_hash_from_hex(hex, &back), 1);
  ck_assert(back.hi == h.hi && back.lo == h.lo);
  tf_record_unref(rec);
}
END_TEST

/* The hash of the text jansson's canonical dump writes for json. */
static dedupe_hash jansson_canonical_hash(const json_t *json)
{
  char *text =
      json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  dedupe_hash h = dedupe_hash_start();

  ck_assert_ptr_nonnull(text);
  dedupe_hash_bytes(&h, text, strlen(text));
  free(text);
  return h;
}

/* Records whose canonical text has every case the value index must write
 * as jansson does: escapes, control characters, NUL, non-ASCII, '/',
 * integers (-0), doubles of every form, nested and empty containers, keys
 * needing escapes and keys that are prefixes of others (a key cannot hold
 * NUL: both refuse it). */
static const char *const canonical_cases[] = {
    "{\"b\": [true, null], \"a\": 1}",
    "{\"s\": \"caf\\u00e9 \\/ \\\" \\\\ \\b\\f\\n\\r\\t \\u0001\\u001f "
    "\\u007f \\u2028 \\ud83d\\ude00 \\u0000 end\"}",
    "{\"i\": -0, \"j\": 0, \"k\": -12, \"l\": 9223372036854775807,"
    " \"m\": -9223372036854775808}",
    "{\"d\": [0.1, 1.50, 1e5, 1E-7, -0.0, 0.0, 2.5e300, 1e-320, 123456789.125,"
    " 1.7976931348623157e308, 3.0e+2, 1e22, 1e21, 100000000000000000.0]}",
    "{\"o\": {\"z\": {}, \"a\": [], \"ab\": {\"b\": 1, \"a\": [{\"y\": 2,"
    " \"x\": 3}]}, \"a\\u0001\": 0}}",
    "{\"k\\\"ey\": 1, \"k\": 2, \"k\\u0001\": 3, \"\\u00e9\": 4, \"e\": 5,"
    " \"\": 6}",
    "{\"t\": \"1\", \"u\": 1, \"v\": 1.0, \"w\": null, \"x\": false}",
};

START_TEST(key_hash_matches_jansson_canonical_text)
{
  dedupe_key whole = {NULL};
  size_t i;

  for (i = 0; i < sizeof(canonical_cases) / sizeof(canonical_cases[0]); i++) {
    const char *text = canonical_cases[i];
    tf_record *rec = tf_record_parse(text, strlen(text), NULL, NULL, 0);
    json_t *tree = json_loads(text, JSON_ALLOW_NUL, NULL);
    dedupe_hash h, want;
    char got_hex[33], want_hex[33];

    ck_assert_msg(rec != NULL, "record %zu refused", i);
    ck_assert_msg(tree != NULL, "record %zu refused by jansson", i);
    ck_assert_int_eq(dedupe_key_hash(&whole, rec, &h), TF_OK);
    want = jansson_canonical_hash(tree);
    dedupe_hash_to_hex(h, got_hex);
    dedupe_hash_to_hex(want, want_hex);
    ck_assert_msg(strcmp(got_hex, want_hex) == 0, "record %zu: %s != %s", i,
                  got_hex, want_hex);
    ck_assert_uint_eq(tf_record_debug_state(rec) & TF_RECORD_HAS_TREE, 0);
    tf_record_unref(rec);
    /* a record made from a json_t hashes the same */
    rec = tf_record_new(json_deep_copy(tree));
    ck_assert_int_eq(dedupe_key_hash(&whole, rec, &h), TF_OK);
    ck_assert(h.hi == want.hi && h.lo == want.lo);
    json_decref(tree);
    tf_record_unref(rec);
  }
}
END_TEST

START_TEST(key_fields_hash_matches_jansson_canonical_text)
{
  static const char text[] =
      "{\"s\": \"a\\/b\\u00e9\", \"n\": {\"y\": [1.50, -0], \"x\": \"\\t\"},"
      " \"l\": [\"p\", {\"q\": 0.1}], \"d\": 1e2}";
  json_t *paths = json_pack("[ssss]", "s", "n", "l.1.q", "d");
  json_t *tree = json_loads(text, 0, NULL);
  json_t *values = json_pack(
      "[OOOO]", json_object_get(tree, "s"), json_object_get(tree, "n"),
      json_object_get(json_array_get(json_object_get(tree, "l"), 1), "q"),
      json_object_get(tree, "d"));
  tf_record *rec = tf_record_parse(text, strlen(text), NULL, NULL, 0);
  dedupe_key key = {paths};
  dedupe_hash h, want;

  ck_assert_ptr_nonnull(values);
  ck_assert_int_eq(dedupe_key_hash(&key, rec, &h), TF_OK);
  want = jansson_canonical_hash(values);
  ck_assert(h.hi == want.hi && h.lo == want.lo);
  ck_assert_uint_eq(tf_record_debug_state(rec), TF_RECORD_HAS_INDEX);
  json_decref(values);
  json_decref(tree);
  json_decref(paths);
  tf_record_unref(rec);
}
END_TEST

/* "1", 1 and 1.0 are three keys; 1.0 and 1.00 one. */
START_TEST(key_types_differ_numbers_by_value)
{
  instance in;

  start(&in, BY_ID "}");
  add("{\"touchpoint_id\": \"1\"}");
  add("{\"touchpoint_id\": 1}");
  add("{\"touchpoint_id\": 1.0}");
  add("{\"touchpoint_id\": 1.00}");
  add("{\"touchpoint_id\": 10e-1}");
  add("{\"touchpoint_id\": -0}");
  add("{\"touchpoint_id\": 0}");
  add("{\"touchpoint_id\": \"\\u0031\"}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(emitted()), 4);
  ck_assert_int_eq(metric("dropped_duplicate"), 4);
  stop(&in);
}
END_TEST

/* A kept record is the input record itself: no copy, no jansson tree. */
START_TEST(pass_through_is_same_record_without_tree)
{
  static const char *const texts[] = {
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\","
      " \"date\": \"2026-03-01T10:00:00Z\", \"x\": {\"b\": 1, \"a\": [2]}}",
      "{\"person\": \"p1\"}",                               /* non-touchpoint */
      "{\"type\": \"Web Visit\", \"touchpoint_id\": null}", /* no key */
      "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\","
      " \"date\": \"2026-03-01T10:00:00Z\", \"x\": {\"b\": 1, \"a\": [2]}}"};
  const char *configs[] = {"{}", BY_ID "}", BY_ID ", \"window\": \"1h\"}",
                           BY_ID ", \"chat_integration_enabled_at\": "
                                 "\"2026-03-04\", \"chat_activity_types\": "
                                 "[\"Chat\"]}"};
  size_t c, i;

  for (c = 0; c < sizeof(configs) / sizeof(configs[0]); c++) {
    instance in;

    start(&in, configs[c]);
    for (i = 0; i < 4; i++)
      add(texts[i]);
    process_keeping_input(&in);
    ck_assert_uint_eq(tf_batch_count(emitted()), 3);
    for (i = 0; i < tf_batch_count(emitted()); i++) {
      const tf_record *got = tf_batch_get(emitted(), i);
      size_t len;

      ck_assert_ptr_eq(got, tf_batch_get(test_input, i));
      ck_assert_str_eq(tf_record_bytes(got, &len), texts[i]);
      ck_assert_uint_eq(tf_record_debug_state(got) & TF_RECORD_HAS_TREE, 0);
    }
    tf_batch_clear(test_input);
    stop(&in);
    host_teardown();
    host_setup();
  }
}
END_TEST

START_TEST(cache_reuses_slots_of_dropped_keys)
{
  dedupe_cache *c = dedupe_cache_new(3);
  dedupe_hash k[5] = {{0, 1}, {0, 2}, {1, 3}, {2, 4}, {3, 5}};
  dedupe_hash oldest;
  int64_t time;
  int evicted;
  int i;

  ck_assert_ptr_nonnull(c);
  ck_assert_ptr_null(dedupe_cache_new(0));
  for (i = 0; i < 3; i++)
    ck_assert_int_eq(dedupe_cache_add(c, k[i], i, &evicted, &time), TF_OK);
  dedupe_cache_drop_oldest(c);
  dedupe_cache_drop_oldest(c);
  ck_assert_int_eq(dedupe_cache_oldest(c, &oldest, &time), 1);
  ck_assert(oldest.hi == k[2].hi && oldest.lo == k[2].lo && time == 2);
  ck_assert_int_eq(dedupe_cache_add(c, k[3], 3, &evicted, &time), TF_OK);
  ck_assert_int_eq(evicted, 0);
  ck_assert_int_eq(dedupe_cache_add(c, k[4], 4, &evicted, &time), TF_OK);
  ck_assert_int_eq(evicted, 0);
  ck_assert_int_eq(dedupe_cache_add(c, k[0], 5, &evicted, &time), TF_OK);
  ck_assert_int_eq(evicted, 1);
  ck_assert_int_eq(time, 2);
  ck_assert_int_eq(dedupe_cache_touch(c, k[2], NULL), 0);
  ck_assert_int_eq(dedupe_cache_touch(c, k[3], &time), 1);
  ck_assert_int_eq(time, 3);
  ck_assert_int_eq(dedupe_cache_set_time(c, k[1], 9), 0);
  dedupe_cache_free(c);
}
END_TEST

static Suite *dedupe_suite(void)
{
  Suite *s = suite_create("transform_dedupe");
  TCase *tc = tcase_create("dedupe");

  tcase_add_checked_fixture(tc, host_setup, host_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, descriptor);
  tcase_add_test(tc, whole_record_repeat_is_dropped);
  tcase_add_test(tc, whole_record_key_ignores_field_order);
  tcase_add_test(tc, whole_record_key_ignores_spacing_and_escapes);
  tcase_add_test(tc, whole_record_key_tells_values_apart);
  tcase_add_test(tc, key_fields_decide_what_repeats);
  tcase_add_test(tc, key_field_may_be_nested_path);
  tcase_add_test(tc, key_values_are_not_run_together);
  tcase_add_test(tc, key_value_may_be_object_in_any_field_order);
  tcase_add_test(tc, absent_key_field_passes_record_on);
  tcase_add_test(tc, null_key_field_passes_record_on);
  tcase_add_test(tc, count_window_forgets_least_recently_seen_at_bound);
  tcase_add_test(tc, count_window_remembers_exactly_window_keys);
  tcase_add_test(tc, count_window_holds_many_keys);
  tcase_add_test(tc, default_window_is_count_of_100000);
  tcase_add_test(tc, count_window_does_not_read_date);
  tcase_add_test(tc, duration_window_drops_repeat_inside_window);
  tcase_add_test(tc, duration_window_keeps_repeat_at_exactly_window);
  tcase_add_test(tc, duration_window_dropped_repeat_does_not_extend_window);
  tcase_add_test(tc, duration_window_looks_both_ways_in_time);
  tcase_add_test(tc, duration_window_compares_instants_not_text);
  tcase_add_test(tc, duration_window_rejects_touchpoint_without_date);
  tcase_add_test(tc, duration_window_forgets_keys_past_window);
  tcase_add_test(tc, duration_window_max_entries_bounds_memory);
  tcase_add_test(tc, duration_window_eviction_past_window_is_not_counted);
  tcase_add_test(tc, non_touchpoint_passes_through_unchanged);
  tcase_add_test(tc, kept_record_is_passed_not_copied);
  tcase_add_test(tc, raw_record_is_rejected);
  tcase_add_test(tc, input_batch_unchanged);
  tcase_add_test(tc, flush_twice_is_harmless);
  tcase_add_test(tc, many_batches_share_one_memory);
  tcase_add_test(tc, window_accepts_count_or_duration);
  tcase_add_test(tc, bad_window_is_refused);
  tcase_add_test(tc, window_as_json_number_is_refused_by_host);
  tcase_add_test(tc, max_entries_with_count_window_is_refused);
  tcase_add_test(tc, bad_key_is_refused);
  tcase_add_test(tc, every_config_problem_is_reported);
  tcase_add_test(tc, check_reports_each_problem_at_its_path);
  tcase_add_test(tc, restore_remembers_keys);
  tcase_add_test(tc, restore_keeps_recency_order);
  tcase_add_test(tc, restore_into_smaller_window_keeps_most_recent);
  tcase_add_test(tc, restore_keeps_times_of_duration_window);
  tcase_add_test(tc, restore_refuses_other_key);
  tcase_add_test(tc, restore_refuses_other_kind_of_window);
  tcase_add_test(tc, restore_refuses_malformed_state);
  tcase_add_test(tc, key_hash_is_fnv1a_128);
  tcase_add_test(tc, key_hash_of_record_is_hash_of_canonical_text);
  tcase_add_test(tc, key_hash_matches_jansson_canonical_text);
  tcase_add_test(tc, key_fields_hash_matches_jansson_canonical_text);
  tcase_add_test(tc, key_types_differ_numbers_by_value);
  tcase_add_test(tc, pass_through_is_same_record_without_tree);
  tcase_add_test(tc, cache_reuses_slots_of_dropped_keys);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(dedupe_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
