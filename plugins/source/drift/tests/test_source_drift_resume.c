/*
 * test_source_drift_resume.c - the `drift` source's position() and seek():
 * a run is stopped after every produce() call, a fresh instance seeks to
 * the position reported there, and what it emits and dead-letters from
 * then on must be exactly what the uninterrupted run did after that point
 * (webhook conversations open across the position, identifications,
 * chats decided at the end of input and drained over several calls, with
 * and without sorted_by_time).  Also: a finished run's position is the
 * start of an incremental run that reads only what was appended.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/touchflow.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>

const tf_plugin *source_drift_LTX_tf_plugin_entry(void);

#define T(s) (1700000000000LL + (s)*1000LL)
#define BIZ "277d79d01678498fea067c9b631bf6df"

static char dir[64];

static void write_file(const char *name, const char *mode, const char *text)
{
  char path[128];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, mode);
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* A line of a.ndjson or b.ndjson, printf-style with T() times. */
static const char *linef(const char *fmt, long long a, long long b)
{
  static char buf[512];

  snprintf(buf, sizeof(buf), fmt, a, b);
  return buf;
}

static void add(const char *name, const char *text)
{
  write_file(name, "a", text);
  write_file(name, "a", "\n");
}

/* Webhook conversations open across files, an identification, a goal, a
 * REST conversation, records after a chat, bad lines; some chats out of
 * time order (dead-lettered out_of_order under sorted_by_time). */
static void setup(void)
{
  snprintf(dir, sizeof(dir), "/tmp/tf-drift-resume-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  add("a.ndjson", linef("{\"id\":50,\"contactId\":5,\"messages\":[{"
                        "\"createdAt\":%lld,\"author\":{\"type\":\"contact\"},"
                        "\"body\":\"first@a.com\"}]}",
                        T(2), 0));
  add("a.ndjson", linef("{\"type\":\"new_conversation\",\"data\":{\"id\":100,"
                        "\"contactId\":7,\"createdAt\":%lld}}",
                        T(0), 0));
  add("a.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "100,\"author\":{\"type\":\"contact\",\"id\":7},"
            "\"body\":\"hi\",\"createdAt\":%lld}}",
            T(1), 0));
  add("a.ndjson",
      linef("{\"type\":\"contact_identified\",\"data\":{\"id\":7,\"createdAt\":"
            "%lld,\"attributes\":{\"email\":\"X@a.com\",\"biz_uid\":\"" BIZ
            "\"}}}",
            T(2), 0));
  add("a.ndjson", linef("{\"id\":200,\"contactId\":8,\"createdAt\":%lld,"
                        "\"messages\":[{\"createdAt\":%lld,\"author\":{"
                        "\"type\":\"contact\"},\"body\":\"me@b.com\"}]}",
                        T(3), T(3)));
  add("a.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "300,\"author\":{\"type\":\"contact\",\"id\":9},"
            "\"body\":\"c@c.com\",\"createdAt\":%lld}}",
            T(4), 0));
  add("a.ndjson", "not json");
  add("a.ndjson",
      "{\"type\":\"playbook_goal_met\",\"data\":{\"conversationId\":"
      "100,\"contactEmail\":\"goal@a.com\"}}");
  add("a.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "200,\"author\":{\"type\":\"contact\"},\"body\":"
            "\"x@b.com\",\"createdAt\":%lld}}",
            T(1), 0));
  add("a.ndjson", "{\"foo\":1}");
  add("b.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "400,\"author\":{\"type\":\"contact\"},\"body\":"
            "\"d@d.com\",\"createdAt\":%lld}}",
            T(5), 0));
  add("b.ndjson", linef("{\"id\":300,\"contactId\":9,\"messages\":[{"
                        "\"createdAt\":%lld,\"author\":{\"type\":\"contact\"},"
                        "\"body\":\"late@c.com\"}]}",
                        T(6), 0));
  add("b.ndjson", linef("{\"id\":250,\"contactId\":3,\"messages\":[{"
                        "\"createdAt\":%lld,\"author\":{\"type\":\"contact\"},"
                        "\"body\":\"early@e.com\"}]}",
                        T(-5), 0));
  add("b.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "500,\"author\":{\"type\":\"user\"},\"body\":"
            "\"bot@x.com\",\"createdAt\":%lld}}",
            T(7), 0));
  add("b.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "600,\"author\":{\"type\":\"contact\"},\"body\":"
            "\"f@f.com\",\"createdAt\":%lld}}",
            T(8), 0));
}

static void teardown(void)
{
  char cmd[96];

  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* What a run handed on: records and dead letters as text, in order. */
typedef struct output {
  json_t *records, *rejects;
} output;

static void collect(tf_check_host *h, size_t from_record, size_t from_reject,
                    output *out)
{
  size_t i;

  out->records = json_array();
  for (i = from_record; i < tf_check_emitted_count(h); i++) {
    tf_record *rec = tf_check_emitted_get(h, i);
    tf_origin o = tf_record_origin(rec);
    char *text = tf_check_record_text(rec);
    char line[1024];

    snprintf(line, sizeof(line), "%s:%ld %s", o.file ? o.file : "-", o.line,
             text);
    free(text);
    json_array_append_new(out->records, json_string(line));
  }
  out->rejects = json_array();
  for (i = from_reject; i < tf_check_reject_count(h); i++) {
    const tf_check_reject *r = tf_check_reject_get(h, i);
    char line[1024];

    snprintf(line, sizeof(line), "%s:%ld %s %s",
             r->origin.file ? r->origin.file : "-", r->origin.line, r->code,
             r->message);
    json_array_append_new(out->rejects, json_string(line));
  }
}

static void output_free(output *out)
{
  json_decref(out->records);
  json_decref(out->rejects);
}

static void expect_equal(const json_t *want, const json_t *got,
                         const char *what, size_t at)
{
  char *w = json_dumps(want, JSON_INDENT(1)),
       *g = json_dumps(got, JSON_INDENT(1));

  ck_assert_msg(json_equal(want, got),
                "%s after produce() call %zu: expected\n%s\ngot\n%s", what, at,
                w, g);
  free(w);
  free(g);
}

static tf_check_host *started(const char *config)
{
  tf_check_host *h =
      tf_check_host_new(source_drift_LTX_tf_plugin_entry(), "chats");

  ck_assert_ptr_nonnull(h);
  ck_assert_int_eq(tf_check_host_init_text(h, config, dir), TF_OK);
  return h;
}

/* One entry per produce() call of the uninterrupted run. */
typedef struct stop_point {
  json_t *position;
  size_t records, rejects;
} stop_point;

#define MAX_STOPS 64

/* Runs config uninterrupted, max records a call, keeping the position
 * after every call; then resumes a fresh instance from each and checks it
 * hands on exactly the rest. */
static void check_resume_everywhere(const char *config, size_t max)
{
  tf_check_host *full = started(config);
  stop_point stops[MAX_STOPS];
  size_t n = 0, i;
  int rc;

  do {
    rc = tf_check_produce(full, max);
    ck_assert_int_ge(rc, 0);
    ck_assert_uint_lt(n, MAX_STOPS);
    ck_assert_int_eq(tf_check_position(full, &stops[n].position), TF_OK);
    stops[n].records = tf_check_emitted_count(full);
    stops[n].rejects = tf_check_reject_count(full);
    n++;
  } while (rc == TF_MORE);
  ck_assert_uint_gt(tf_check_emitted_count(full), 0);
  for (i = 0; i < n; i++) {
    tf_check_host *resumed = started(config);
    json_t *again = NULL, *saved;
    output want, got;

    ck_assert_int_eq(tf_check_seek(resumed, stops[i].position), TF_OK);
    /* The chat state put back is the state saved (the files' part is the
     * file source's, which reports where it stands only after produce). */
    ck_assert_int_eq(tf_check_position(resumed, &again), TF_OK);
    saved = json_deep_copy(stops[i].position);
    json_object_del(saved, "input");
    json_object_del(again, "input");
    expect_equal(saved, again, "the chat state after seek()", i + 1);
    json_decref(saved);
    json_decref(again);
    ck_assert_int_eq(tf_check_produce_all(resumed, max, 1000), TF_DONE);
    collect(full, stops[i].records, stops[i].rejects, &want);
    collect(resumed, 0, 0, &got);
    expect_equal(want.records, got.records, "the chats resumed", i + 1);
    expect_equal(want.rejects, got.rejects, "the dead letters resumed", i + 1);
    output_free(&want);
    output_free(&got);
    tf_check_host_free(resumed);
  }
  for (i = 0; i < n; i++)
    json_decref(stops[i].position);
  tf_check_host_free(full);
}

START_TEST(resume_after_every_produce_unsorted)
{
  check_resume_everywhere("{\"path\": \"*.ndjson\"}", 1);
  check_resume_everywhere("{\"path\": \"*.ndjson\", \"read_ahead\": false}", 2);
}
END_TEST

START_TEST(resume_after_every_produce_sorted)
{
  tf_check_host *h;

  check_resume_everywhere("{\"path\": \"*.ndjson\", \"sorted_by_time\": true}",
                          1);
  check_resume_everywhere("{\"path\": \"*.ndjson\", \"sorted_by_time\": true}",
                          3);
  /* The data does exercise the order check and the hold. */
  h = started("{\"path\": \"*.ndjson\", \"sorted_by_time\": true}");
  ck_assert_int_eq(tf_check_produce_all(h, 100, 100), TF_DONE);
  ck_assert_int_gt(tf_check_metric(h, "out_of_order"), 0);
  tf_check_host_free(h);
}
END_TEST

/* Open conversations are in the position, and a chat decided at the end
 * of input is in it until it went out. */
START_TEST(position_holds_open_conversations_and_pending_chats)
{
  tf_check_host *h = started("{\"path\": \"*.ndjson\"}");
  json_t *pos;
  int rc;

  ck_assert_int_eq(tf_check_produce(h, 5), TF_MORE);
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  ck_assert_str_eq(json_string_value(json_object_get(pos, "phase")), "reading");
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "open")), 1);
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "contacts")), 1);
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "emitted")), 2);
  json_decref(pos);
  do {
    rc = tf_check_produce(h, 1);
    ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
    if (rc == TF_MORE &&
        strcmp(json_string_value(json_object_get(pos, "phase")), "draining") ==
            0)
      ck_assert_uint_gt(json_array_size(json_object_get(pos, "pending")), 0);
    json_decref(pos);
  } while (rc == TF_MORE);
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  ck_assert_str_eq(json_string_value(json_object_get(pos, "phase")), "reading");
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "open")), 0);
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "pending")), 0);
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "emitted")),
                    tf_check_emitted_count(h));
  json_decref(pos);
  tf_check_host_free(h);
}
END_TEST

/* An incremental run: the finished run's position, then lines appended. */
START_TEST(incremental_run_reads_what_was_appended)
{
  tf_check_host *first = started("{\"path\": \"*.ndjson\"}"), *next;
  json_t *pos;

  ck_assert_int_eq(tf_check_produce_all(first, 4, 100), TF_DONE);
  ck_assert_int_eq(tf_check_position(first, &pos), TF_OK);
  add("b.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "400,\"author\":{\"type\":\"contact\"},\"body\":"
            "\"d2@d.com\",\"createdAt\":%lld}}",
            T(1), 0));
  add("b.ndjson",
      linef("{\"type\":\"new_message\",\"data\":{\"conversationId\":"
            "700,\"author\":{\"type\":\"contact\"},\"body\":"
            "\"g@g.com\",\"createdAt\":%lld}}",
            T(9), 0));
  next = started("{\"path\": \"*.ndjson\"}");
  ck_assert_int_eq(tf_check_seek(next, pos), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(next, 4, 100), TF_DONE);
  /* 400's chat went out at the end of the first run: not again. */
  ck_assert_uint_eq(tf_check_emitted_count(next), 1);
  ck_assert_str_eq(
      tf_record_get_string(tf_check_emitted_get(next, 0), "source_record_id"),
      "700");
  ck_assert_int_eq(tf_check_metric(next, "records_after_chat"), 1);
  ck_assert_uint_eq(tf_check_reject_count(next), 0);
  json_decref(pos);
  tf_check_host_free(first);
  tf_check_host_free(next);
}
END_TEST

/* A real position with one member replaced (value NULL: removed). */
static json_t *spoiled(const json_t *base, const char *key, const char *value)
{
  json_t *pos = json_deep_copy(base);

  if (value)
    json_object_set_new(pos, key, json_loads(value, JSON_DECODE_ANY, NULL));
  else
    json_object_del(pos, key);
  return pos;
}

START_TEST(malformed_position_is_refused_naming_the_problem)
{
  static const char *const key[] = {"input", "phase", "open", "emitted",
                                    "pending"};
  static const char *const value[] = {NULL, "\"later\"", "[{\"id\": \"x\"}]",
                                      "[5, 5]", "[{\"ts\": 1}]"};
  static const char *const said[] = {"\"input\"", "\"phase\"", "\"open\"[0]",
                                     "\"emitted\"[1]", "pending but"};
  tf_check_host *first = started("{\"path\": \"*.ndjson\"}");
  json_t *base;
  size_t i;

  ck_assert_int_eq(tf_check_produce(first, 3), TF_MORE);
  ck_assert_int_eq(tf_check_position(first, &base), TF_OK);
  for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
    tf_check_host *h = started("{\"path\": \"*.ndjson\"}");
    json_t *pos = spoiled(base, key[i], value[i]);

    ck_assert_int_eq(tf_check_seek(h, pos), TF_ERR_INVAL);
    ck_assert_msg(tf_check_log_contains(h, said[i]),
                  "position %zu: the log does not name %s: %s", i, said[i],
                  tf_check_last_log(h));
    json_decref(pos);
    tf_check_host_free(h);
  }
  json_decref(base);
  tf_check_host_free(first);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("source_drift_resume");
  TCase *tc = tcase_create("core");
  SRunner *sr;
  int failed;

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, resume_after_every_produce_unsorted);
  tcase_add_test(tc, resume_after_every_produce_sorted);
  tcase_add_test(tc, position_holds_open_conversations_and_pending_chats);
  tcase_add_test(tc, incremental_run_reads_what_was_appended);
  tcase_add_test(tc, malformed_position_is_refused_naming_the_problem);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
