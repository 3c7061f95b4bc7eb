/*
 * test_source_salesforce_api.c - the salesforce_api source against
 * tests/salesforce/emulator.py (started for each test on a free port of
 * 127.0.0.1), driven through a tf_check_host: paging, stopping after some
 * pages and resuming, the next incremental run, every fault the emulator
 * injects, the token renewed once, REQUEST_LIMIT_EXCEEDED, refused
 * credentials, records changing while paged, and Bulk API 2.0.
 *
 * The fixture tests/data/tasks.csv holds 12 Tasks 00T5e0000000000AAA ..
 * 011, SystemModstamp shared by groups of three (so the position needs
 * the ids at the mark); Task 7 has no BizibleId.
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include <touchflow/touchflow.h>

const tf_plugin *source_salesforce_api_LTX_tf_plugin_entry(void);

#define SECRET "s3cret-value"
#define NTASKS 12

static tf_check_host *harness;
static int page_size; /* the source's page_size; 5 unless a test says */
static pid_t emulator;
static char workdir[256], datafile[300], base[64];

/* --- The emulator ------------------------------------------------------ */

static void copy_file(const char *from, const char *to)
{
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[4096];
  size_t n;

  ck_assert_ptr_nonnull(in);
  ck_assert_ptr_nonnull(out);
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
    ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
  fclose(in);
  fclose(out);
}

static void start_emulator(void)
{
  char portfile[300], port[16] = "", data[320];
  int i;

  snprintf(portfile, sizeof(portfile), "%s/port", workdir);
  snprintf(data, sizeof(data), "Task=%s", datafile);
  emulator = fork();
  ck_assert_int_ge(emulator, 0);
  if (emulator == 0) {
    execlp("python3", "python3", SF_EMULATOR, "--port", "0", "--port-file",
           portfile, "--data", data, "--client-id", "cid", "--client-secret",
           SECRET, "--page-size", "5", "--bulk-polls", "2", (char *)NULL);
    _exit(127);
  }
  for (i = 0; i < 100 && !port[0]; i++) {
    FILE *f = fopen(portfile, "r");

    if (f) {
      if (!fgets(port, sizeof(port), f))
        port[0] = '\0';
      fclose(f);
    }
    if (!port[0]) {
      struct timespec ts = {0, 100000000L};

      nanosleep(&ts, NULL);
    }
  }
  ck_assert_msg(port[0], "the emulator did not start");
  snprintf(base, sizeof(base), "http://127.0.0.1:%s", port);
}

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
  char *buf = ud;
  size_t have = strlen(buf), len = size * n;

  if (have + len < 65536) {
    memcpy(buf + have, data, len);
    buf[have + len] = '\0';
  }
  return len;
}

/* A control call; body NULL: GET.  The answer, parsed (caller owns). */
static json_t *ctl(const char *path, const char *body)
{
  static char answer[65536];
  char url[256];
  CURL *c = curl_easy_init();
  json_t *j;

  answer[0] = '\0';
  snprintf(url, sizeof(url), "%s%s", base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
  if (body)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
  curl_easy_cleanup(c);
  j = json_loads(answer, 0, NULL);
  ck_assert_ptr_nonnull(j);
  return j;
}

static void fault(const char *json)
{
  json_decref(ctl("/_emulator/fault", json));
}

static json_int_t stat(const char *name)
{
  json_t *s = ctl("/_emulator/stats", NULL);
  json_int_t v = json_integer_value(json_object_get(s, name));

  json_decref(s);
  return v;
}

/* The i-th SOQL text the emulator was asked (copied into buf). */
static const char *soql(size_t i, char *buf, size_t len)
{
  json_t *s = ctl("/_emulator/stats", NULL);
  const char *q =
      json_string_value(json_array_get(json_object_get(s, "soql"), i));

  snprintf(buf, len, "%s", q ? q : "");
  json_decref(s);
  return buf;
}

static void setup(void)
{
  snprintf(workdir, sizeof(workdir), "/tmp/tf-sfapi-test-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(workdir));
  snprintf(datafile, sizeof(datafile), "%s/tasks.csv", workdir);
  copy_file(SF_FIXTURES "/tasks.csv", datafile);
  start_emulator();
  page_size = 5;
  harness = tf_check_host_new(source_salesforce_api_LTX_tf_plugin_entry(),
                              "salesforce");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  char cmd[300];

  tf_check_host_free(harness);
  kill(emulator, SIGTERM);
  waitpid(emulator, NULL, 0);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", workdir);
  ck_assert_int_eq(system(cmd), 0);
}

/* --- Running the source ------------------------------------------------ */

/* Starts the source with the options `more` ("" or ", \"k\": v ..."). */
static int start(const char *more)
{
  char config[1024];

  snprintf(config, sizeof(config),
           "{\"endpoint\": \"%s\", \"client_id\": \"cid\", "
           "\"client_secret\": \"" SECRET "\", \"object\": \"Task\", "
           "\"page_size\": %d, \"backoff\": \"10ms\", \"max_retries\": 3, "
           "\"bulk_poll_interval\": \"10ms\"%s}",
           base, page_size, more);
  return tf_check_host_init_text(harness, config, NULL);
}

static const char *event_id(size_t i)
{
  const json_t *e = tf_record_json(tf_check_emitted_get(harness, i));

  return json_string_value(json_object_get(e, "source_record_id"));
}

/* The emitted events' source ids, in order, joined by ' ' into buf. */
static const char *emitted_ids(char *buf, size_t len)
{
  size_t i, n = tf_check_emitted_count(harness), at = 0;

  buf[0] = '\0';
  for (i = 0; i < n && at < len; i++)
    at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? " " : "",
                           event_id(i) ? event_id(i) + 12 : "?");
  return buf;
}

static const char *all_ids =
    "000AAA 001AAA 002AAA 003AAA 004AAA 005AAA 006AAA 007AAA 008AAA 009AAA "
    "010AAA 011AAA";

/* No log line holds the secret or a token. */
static void expect_no_secret(void)
{
  char buf[16384];

  tf_check_messages_text(harness, buf, sizeof(buf));
  ck_assert_ptr_null(strstr(buf, SECRET));
  ck_assert_ptr_null(strstr(buf, "!emu"));
}

/* --- Tests ------------------------------------------------------------- */

START_TEST(test_rest_pages)
{
  char ids[512], q[512];

  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), all_ids);
  ck_assert_str_eq(
      json_string_value(json_object_get(
          tf_record_json(tf_check_emitted_get(harness, 0)), "event")),
      "crm_activity");
  ck_assert_int_eq(stat("queries"), 1);
  ck_assert_int_eq(stat("pages"), 3); /* 5 + 5 + 2 */
  ck_assert_int_eq(stat("tokens"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "pages"), 3);
  soql(0, q, sizeof(q));
  ck_assert_ptr_nonnull(strstr(q, "FROM Task ORDER BY SystemModstamp, Id"));
  ck_assert_ptr_nonnull(strstr(q, "bizible2__BizibleId__c"));
  expect_no_secret();
}
END_TEST

/* Stopped after 2 pages (10 records), resumed by another instance from
 * the position: the last 2, nothing repeated, and the query starts at the
 * mark. */
START_TEST(test_stop_and_resume)
{
  char ids[512], q[512];
  json_t *pos = NULL;

  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_produce(harness, 5), TF_MORE);
  ck_assert_int_eq(tf_check_produce(harness, 5), TF_MORE);
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  ck_assert_int_eq(stat("pages"), 2);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)),
                   "000AAA 001AAA 002AAA 003AAA 004AAA 005AAA 006AAA 007AAA "
                   "008AAA 009AAA");
  /* Records 9, 10, 11 share a SystemModstamp: only 9 is taken at it. */
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "ids_at_mark")), 1);
  tf_check_clear(harness);
  ck_assert_int_eq(start(""), TF_OK); /* a new instance */
  ck_assert_int_eq(tf_check_seek(harness, pos), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 5, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), "010AAA 011AAA");
  ck_assert_int_eq(tf_check_metric(harness, "already_taken"), 1);
  soql(1, q, sizeof(q));
  ck_assert_ptr_nonnull(
      strstr(q, "WHERE SystemModstamp >= 2026-03-04T10:00:00.000Z"));
  json_decref(pos);
}
END_TEST

/* Appends a Task to the data file. */
static void add_task(const char *n, const char *stamp, const char *subject)
{
  FILE *f = fopen(datafile, "a");

  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "\"00T5e0000000%sAAA\",\"00Q5e0000000%sAAA\",\"%s\",\"Call\","
          "\"false\",\"2026-02-20T09:00:00.000Z\",\"%s\","
          "\"00000000000000000000000000abd%s\",\"\"\n",
          n, n, subject, stamp, n);
  fclose(f);
}

/* The next run from a finished run's position takes only the new records,
 * one at exactly the mark's millisecond included. */
START_TEST(test_incremental_run)
{
  char ids[512];
  json_t *pos = NULL;

  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 100, 100), TF_DONE);
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  add_task("012", "2026-03-04T10:00:00.000Z", "at the mark");
  add_task("013", "2026-03-05T10:00:00.000Z", "after it");
  tf_check_clear(harness);
  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_seek(harness, pos), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 100, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), "012AAA 013AAA");
  json_decref(pos);
  /* A third run finds nothing new. */
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  tf_check_clear(harness);
  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_seek(harness, pos), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 100, 100), TF_DONE);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 0);
  json_decref(pos);
}
END_TEST

/* 429 (Retry-After), 500, 503, a dropped connection, a malformed answer
 * and an empty page: every record once, every fault met. */
START_TEST(test_faults)
{
  char ids[512];

  page_size = 2; /* 6 pages: each fault is met by a request of its own */
  ck_assert_int_eq(start(""), TF_OK);
  fault("{\"kind\": \"429\", \"retry_after\": 1}");
  fault("{\"kind\": \"500\", \"after\": 2}");
  fault("{\"kind\": \"503\", \"after\": 4}");
  fault("{\"kind\": \"drop\", \"after\": 6}");
  fault("{\"kind\": \"malformed\", \"after\": 8}");
  fault("{\"kind\": \"empty\", \"after\": 10}");
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), all_ids);
  ck_assert_int_eq(stat("faults_served"), 6);
  ck_assert_int_ge(stat("after_429_ms"), 900);
  ck_assert(tf_check_log_contains(harness, "HTTP 429"));
  ck_assert(tf_check_log_contains(harness, "HTTP 500"));
  ck_assert(tf_check_log_contains(harness, "partial file"));
  ck_assert(tf_check_log_contains(harness, "HTTP 503"));
  ck_assert(tf_check_log_contains(harness, "not a JSON object"));
  expect_no_secret();
}
END_TEST

/* max_retries 500s in a row fail the run, naming the request. */
START_TEST(test_retries_run_out)
{
  ck_assert_int_eq(start(""), TF_OK);
  fault("{\"kind\": \"500\", \"count\": 4}");
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_ERR_IO);
  ck_assert(
      tf_check_log_contains(harness, "failed after 4 attempts: HTTP 500"));
}
END_TEST

/* The token expires mid-run: renewed once, the run goes on. */
START_TEST(test_token_expiry)
{
  char ids[512];

  ck_assert_int_eq(start(""), TF_OK);
  fault("{\"kind\": \"expire\", \"after\": 1}");
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), all_ids);
  ck_assert_int_eq(stat("tokens"), 2);
  ck_assert_int_eq(tf_check_metric(harness, "token_renewals"), 1);
  expect_no_secret();
}
END_TEST

/* A new token refused again: no second renewal, a config error. */
START_TEST(test_token_refused_twice)
{
  ck_assert_int_eq(start(""), TF_OK);
  fault("{\"kind\": \"expire\", \"count\": 2}");
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_ERR_CONFIG);
  ck_assert_int_eq(stat("tokens"), 2);
  ck_assert(tf_check_log_contains(harness, "INVALID_SESSION_ID"));
}
END_TEST

/* REQUEST_LIMIT_EXCEEDED on the second page: the run ends cleanly with a
 * message, the position holds the first page, the next run the rest. */
START_TEST(test_request_limit)
{
  char ids[512];
  json_t *pos = NULL;

  ck_assert_int_eq(start(""), TF_OK);
  fault("{\"kind\": \"limit\", \"after\": 1}");
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_DONE);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 5);
  ck_assert(tf_check_log_contains(harness, "REQUEST_LIMIT_EXCEEDED"));
  ck_assert_int_eq(tf_check_metric(harness, "request_limit_exceeded"), 1);
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  tf_check_clear(harness);
  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_seek(harness, pos), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)),
                   "005AAA 006AAA 007AAA 008AAA 009AAA 010AAA 011AAA");
  json_decref(pos);
}
END_TEST

/* Wrong client secret: init fails as a config error naming the options,
 * never showing the values. */
START_TEST(test_bad_credentials)
{
  char config[512], buf[8192];

  snprintf(config, sizeof(config),
           "{\"endpoint\": \"%s\", \"client_id\": \"cid\", "
           "\"client_secret\": \"wrong-pass\", \"object\": \"Lead\"}",
           base);
  ck_assert_int_eq(tf_check_host_init_text(harness, config, NULL),
                   TF_ERR_CONFIG);
  tf_check_messages_text(harness, buf, sizeof(buf));
  ck_assert_ptr_nonnull(strstr(buf, "refused the client credentials"));
  ck_assert_ptr_nonnull(strstr(buf, "client_secret"));
  ck_assert_ptr_null(strstr(buf, "wrong-pass"));
  ck_assert_int_eq(stat("queries"), 0);
}
END_TEST

/* Records change after the first page was read: the query's pages stay
 * those of its snapshot; the next run takes the changed records (one
 * already taken, one not yet read) and a new one, once each. */
START_TEST(test_changed_while_paging)
{
  char ids[512], cmd[700];
  json_t *pos = NULL;

  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_produce(harness, 5), TF_MORE);
  snprintf(cmd, sizeof(cmd),
           "sed -i -e '/00T5e0000000002AAA/s/2026-03-01T10:00:00.000Z/"
           "2026-03-09T10:00:00.000Z/' -e '/00T5e0000000008AAA/s/"
           "2026-03-03T10:00:00.000Z/2026-03-09T10:00:00.000Z/' %s",
           datafile);
  ck_assert_int_eq(system(cmd), 0);
  add_task("012", "2026-03-08T10:00:00.000Z", "new");
  ck_assert_int_eq(tf_check_produce_all(harness, 5, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), all_ids);
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  tf_check_clear(harness);
  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_seek(harness, pos), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 5, 100), TF_DONE);
  ck_assert_str_eq(emitted_ids(ids, sizeof(ids)), "012AAA 002AAA 008AAA");
  json_decref(pos);
}
END_TEST

/* Bulk API 2.0: the same events as the REST query, in pages of 5 by
 * locator, after polling the job. */
START_TEST(test_bulk)
{
  char rest[4096], bulk[4096];
  size_t i, n;

  ck_assert_int_eq(start(""), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 100, 100), TF_DONE);
  n = tf_check_emitted_count(harness);
  rest[0] = '\0';
  for (i = 0; i < n; i++) {
    char *t = tf_check_record_text(tf_check_emitted_get(harness, i));

    strncat(rest, t, sizeof(rest) - strlen(rest) - 1);
    free(t);
  }
  tf_check_clear(harness);
  ck_assert_int_eq(start(", \"api\": \"bulk\""), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 4, 100), TF_DONE);
  ck_assert_uint_eq(tf_check_emitted_count(harness), n);
  bulk[0] = '\0';
  for (i = 0; i < n; i++) {
    char *t = tf_check_record_text(tf_check_emitted_get(harness, i));

    strncat(bulk, t, sizeof(bulk) - strlen(bulk) - 1);
    free(t);
  }
  ck_assert_str_eq(bulk, rest);
  ck_assert_int_eq(stat("bulk_jobs"), 1);
  ck_assert_int_eq(stat("bulk_results"), 3);
  ck_assert_int_ge(stat("bulk_polls"), 3);
}
END_TEST

/* task_events call: calltracking's call events; Task 7 (no BizibleId) is
 * dead-lettered as calltracking does, and still taken. */
START_TEST(test_call_events)
{
  json_t *pos = NULL;

  ck_assert_int_eq(start(", \"task_events\": \"call\""), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(harness, 100, 100), TF_DONE);
  ck_assert_uint_eq(tf_check_emitted_count(harness), NTASKS - 1);
  ck_assert_str_eq(
      json_string_value(json_object_get(
          tf_record_json(tf_check_emitted_get(harness, 0)), "event")),
      "call");
  ck_assert_uint_eq(tf_check_reject_count(harness), 1);
  ck_assert_str_eq(tf_check_reject_get(harness, 0)->code, "missing_bizible_id");
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  ck_assert_uint_eq(json_array_size(json_object_get(pos, "ids_at_mark")), 3);
  json_decref(pos);
}
END_TEST

START_TEST(test_config_checks)
{
  char buf[4096];

  ck_assert_int_eq(
      tf_check_host_init_text(harness,
                              "{\"client_id\": \"a\", \"client_secret\": "
                              "\"b\", \"object\": \"Lead\", \"task_events\": "
                              "\"call\", \"extra_fields\": [\"x y\"], "
                              "\"since\": \"yesterday\"}",
                              NULL),
      TF_ERR_CONFIG);
  tf_check_messages_text(harness, buf, sizeof(buf));
  ck_assert_ptr_nonnull(strstr(buf, "task_events"));
  ck_assert_ptr_nonnull(strstr(buf, "extra_fields"));
  ck_assert_ptr_nonnull(strstr(buf, "since"));
  ck_assert_int_eq(stat("tokens"), 0);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("source_salesforce_api");
  TCase *tc = tcase_create("emulator");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_rest_pages);
  tcase_add_test(tc, test_stop_and_resume);
  tcase_add_test(tc, test_incremental_run);
  tcase_add_test(tc, test_faults);
  tcase_add_test(tc, test_retries_run_out);
  tcase_add_test(tc, test_token_expiry);
  tcase_add_test(tc, test_token_refused_twice);
  tcase_add_test(tc, test_request_limit);
  tcase_add_test(tc, test_bad_credentials);
  tcase_add_test(tc, test_changed_while_paging);
  tcase_add_test(tc, test_bulk);
  tcase_add_test(tc, test_call_events);
  tcase_add_test(tc, test_config_checks);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(suite());
  int failed;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  curl_global_cleanup();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
