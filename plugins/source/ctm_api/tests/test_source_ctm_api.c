/*
 * test_source_ctm_api.c - the `ctm_api` source against the CTM emulator
 * (tests/ctm/emulator.py, started once for all tests and reset before
 * each): paging, the same events as the `calltracking` source reading the
 * same calls from an export file, stopping and resuming with nothing
 * missing or repeated, the incremental mark, every fault the emulator
 * injects, a stop signal during a Retry-After and during a request in
 * flight, and refused keys.  Skipped (exit 77) without python3.
 */
#include <check.h>
#include <curl/curl.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include <touchflow/touchflow.h>

const tf_plugin *source_ctm_api_LTX_tf_plugin_entry(void);
const tf_plugin *source_calltracking_LTX_tf_plugin_entry(void);

#define CALLS CTM_API_FIXTURES "/calls.ndjson"
#define KEY "ak-test-0001"
#define SECRET "sk-Zq81-very-secret"
#define NCALLS 23
#define NEVENTS 19           /* every fifth call has no BizibleId */
#define LAST_TIME 1772458440 /* the newest call's unix_time */

/* --- The emulator ----------------------------------------------------- */

static pid_t emulator = -1;
static char dir[64], port_file[96], base[64];

static void start_emulator(void)
{
  const char *src = getenv("TF_SRCDIR");
  char script[1024];
  int waited;
  FILE *f;

  snprintf(script, sizeof(script), "%s/tests/ctm/emulator.py", src ? src : ".");
  strcpy(dir, "/tmp/tf_ctm_XXXXXX");
  if (!mkdtemp(dir))
    abort();
  snprintf(port_file, sizeof(port_file), "%s/port", dir);
  emulator = fork();
  if (emulator == 0) {
    int null = open("/dev/null", O_WRONLY);

    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execlp("python3", "python3", script, "--port", "0", "--port-file",
           port_file, "--data", CALLS, "--account", "12345", "--access-key",
           KEY, "--secret-key", SECRET, (char *)NULL);
    _exit(127);
  }
  for (waited = 0; waited < 10000; waited += 20) {
    int port = 0;

    if ((f = fopen(port_file, "r")) != NULL) {
      if (fscanf(f, "%d", &port) != 1)
        port = 0;
      fclose(f);
    }
    if (port > 0) {
      snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
      return;
    }
    if (waitpid(emulator, NULL, WNOHANG) != 0)
      break;
    nanosleep(&(struct timespec){0, 20000000L}, NULL);
  }
  fprintf(stderr, "the CTM emulator did not start (%s)\n", script);
  exit(EXIT_FAILURE);
}

static void stop_emulator(void)
{
  if (emulator > 0) {
    kill(emulator, SIGTERM);
    waitpid(emulator, NULL, 0);
  }
  unlink(port_file);
  rmdir(dir);
}

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
  char **buf = ud;
  size_t len = *buf ? strlen(*buf) : 0;
  char *grown = realloc(*buf, len + size * n + 1);

  if (!grown)
    return 0;
  memcpy(grown + len, data, size * n);
  grown[len + size * n] = '\0';
  *buf = grown;
  return size * n;
}

/* A control call (POST with body, or GET); the answer parsed. */
static json_t *control(const char *path, const char *body)
{
  CURL *curl = curl_easy_init();
  char url[256], *answer = NULL;
  json_t *parsed;

  snprintf(url, sizeof(url), "%s%s", base, path);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  if (body)
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  ck_assert_int_eq(curl_easy_perform(curl), CURLE_OK);
  curl_easy_cleanup(curl);
  parsed = json_loads(answer ? answer : "", 0, NULL);
  free(answer);
  ck_assert_ptr_nonnull(parsed);
  return parsed;
}

static void emu(const char *path, const char *body)
{
  json_decref(control(path, body));
}

/* A number from the emulator's statistics. */
static json_int_t stat_int(const char *name)
{
  json_t *stats = control("/_emulator/stats", NULL);
  json_int_t v = json_integer_value(json_object_get(stats, name));

  json_decref(stats);
  return v;
}

/* The page numbers served, as "1,2,3". */
static void stat_pages(char *buf, size_t len)
{
  json_t *stats = control("/_emulator/stats", NULL);
  const json_t *v;
  size_t i, used = 0;

  buf[0] = '\0';
  json_array_foreach (json_object_get(stats, "pages"), i, v)
    used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? "," : "",
                             (long long)json_integer_value(v));
  json_decref(stats);
}

/* --- Running the source ----------------------------------------------- */

static tf_check_host *source_host(const char *extra)
{
  tf_check_host *h =
      tf_check_host_new(source_ctm_api_LTX_tf_plugin_entry(), "ctm");
  char config[1024], msg[1024];

  ck_assert_ptr_nonnull(h);
  snprintf(config, sizeof(config),
           "{\"endpoint\": \"%s/api/v1\", \"account_id\": 12345, "
           "\"access_key\": \"" KEY "\", \"secret_key\": \"" SECRET "\", "
           "\"per_page\": 5, \"backoff\": \"10ms\", \"max_retries\": 2%s%s}",
           base, extra ? ", " : "", extra ? extra : "");
  ck_assert_msg(tf_check_host_init_text(h, config, NULL) == TF_OK, "%s",
                tf_check_messages_text(h, msg, sizeof(msg)));
  return h;
}

/* The events calltracking makes from the same calls as an export file. */
static tf_batch *file_events(void)
{
  tf_check_host *h =
      tf_check_host_new(source_calltracking_LTX_tf_plugin_entry(), "file");
  tf_batch *copy = tf_batch_new();
  size_t i;

  ck_assert_int_eq(tf_check_host_init_text(h,
                                           "{\"path\": \"" CALLS
                                           "\", \"record_type\": "
                                           "\"ctm_call\"}",
                                           NULL),
                   TF_OK);
  ck_assert_int_eq(tf_check_produce_all(h, 64, 1000), TF_DONE);
  for (i = 0; i < tf_check_emitted_count(h); i++)
    ck_assert_int_eq(
        tf_batch_push(copy, tf_record_ref(tf_check_emitted_get(h, i))), TF_OK);
  tf_check_host_free(h);
  return copy;
}

static void assert_same_events(const tf_batch *got)
{
  tf_batch *expected = file_events();
  char msg[2048];

  ck_assert_int_eq(tf_batch_count(expected), NEVENTS);
  ck_assert_msg(tf_check_compare_batches(got, expected, msg, sizeof(msg)) ==
                    TF_OK,
                "%s", msg);
  tf_batch_free(expected);
}

/* Runs to the end; all events, rejects checked. */
static void run_all(tf_check_host *h)
{
  char msg[1024];

  ck_assert_msg(tf_check_produce_all(h, 4, 1000) == TF_DONE, "%s",
                tf_check_messages_text(h, msg, sizeof(msg)));
}

static void setup(void)
{
  emu("/_emulator/reset", "{}");
}

/* --- Paging and the same events --------------------------------------- */

START_TEST(test_pages_give_calltracking_events)
{
  tf_check_host *h = source_host(NULL);
  char pages[128];
  size_t i;

  run_all(h);
  stat_pages(pages, sizeof(pages));
  ck_assert_str_eq(pages, "1,2,3,4,5");
  assert_same_events(tf_check_emitted(h));
  ck_assert_uint_eq(tf_check_reject_count(h), NCALLS - NEVENTS);
  for (i = 0; i < tf_check_reject_count(h); i++)
    ck_assert_str_eq(tf_check_reject_get(h, i)->code, "missing_bizible_id");
  ck_assert_int_eq(tf_check_metric(h, "missing_bizible_id"), NCALLS - NEVENTS);
  tf_check_host_free(h);
}
END_TEST

START_TEST(test_start_window)
{
  /* 2026-03-02T06:10:00Z: calls 10 (06:10) and later. */
  tf_check_host *h = source_host("\"start\": \"2026-03-02T06:10:00Z\"");
  json_t *stats;
  const char *query;

  run_all(h);
  ck_assert_uint_eq(tf_check_emitted_count(h) + tf_check_reject_count(h),
                    NCALLS - 10);
  stats = control("/_emulator/stats", NULL);
  query =
      json_string_value(json_array_get(json_object_get(stats, "queries"), 0));
  ck_assert_ptr_nonnull(strstr(query, "start_date=2026-03-01"));
  json_decref(stats);
  tf_check_host_free(h);
}
END_TEST

/* --- Stopping and resuming -------------------------------------------- */

/* Produces `calls` records' worth, then resumes a new instance from the
 * position: the two runs together give every event once. */
START_TEST(test_stop_and_resume)
{
  tf_check_host *first = source_host(NULL), *second;
  tf_batch *all = tf_batch_new();
  json_t *pos = NULL;
  size_t i;

  ck_assert_int_eq(tf_check_produce(first, 4), TF_MORE);
  ck_assert_int_eq(tf_check_produce(first, 4), TF_MORE);
  ck_assert_int_eq(tf_check_position(first, &pos), TF_OK);
  for (i = 0; i < tf_check_emitted_count(first); i++)
    ck_assert_int_eq(
        tf_batch_push(all, tf_record_ref(tf_check_emitted_get(first, i))),
        TF_OK);
  ck_assert_uint_lt(tf_batch_count(all), NEVENTS);
  second = source_host(NULL);
  ck_assert_int_eq(tf_check_seek(second, pos), TF_OK);
  run_all(second);
  for (i = 0; i < tf_check_emitted_count(second); i++)
    ck_assert_int_eq(
        tf_batch_push(all, tf_record_ref(tf_check_emitted_get(second, i))),
        TF_OK);
  assert_same_events(all);
  json_decref(pos);
  tf_batch_free(all);
  tf_check_host_free(first);
  tf_check_host_free(second);
}
END_TEST

/* The list fails after two pages (a 500 past max_retries): nothing was
 * taken, the resumed run takes everything. */
START_TEST(test_fail_after_pages_and_resume)
{
  tf_check_host *first = source_host(NULL), *second;
  json_t *pos = NULL;

  emu("/_emulator/fault", "{\"kind\": \"500\", \"count\": 3, \"after\": 1}");
  ck_assert_int_eq(tf_check_produce(first, 4), TF_ERR_IO);
  ck_assert(tf_check_log_contains(first, "failed after 3 attempts: HTTP 500"));
  ck_assert_int_eq(tf_check_emitted_count(first), 0);
  ck_assert_int_eq(tf_check_position(first, &pos), TF_OK);
  second = source_host(NULL);
  ck_assert_int_eq(tf_check_seek(second, pos), TF_OK);
  run_all(second);
  assert_same_events(tf_check_emitted(second));
  json_decref(pos);
  tf_check_host_free(first);
  tf_check_host_free(second);
}
END_TEST

/* --- Incremental ------------------------------------------------------ */

/* New calls: one at exactly the mark's second (a new id), two later. */
#define ARRIVALS                                                               \
  "[{\"id\": 98779001, \"unix_time\": 1772458440, \"custom_fields\": "         \
  "{\"bizible_id\": \"11111111111111111111111111111111\"}}, "                  \
  "{\"id\": 98779002, \"unix_time\": 1772460000, \"custom_fields\": "          \
  "{\"bizible_id\": \"22222222222222222222222222222222\"}}, "                  \
  "{\"id\": 98779003, \"unix_time\": 1772461000, \"custom_fields\": "          \
  "{\"bizible_id\": \"33333333333333333333333333333333\"}}]"

static const char *id_of(tf_check_host *h, size_t i)
{
  return tf_record_get_string(tf_check_emitted_get(h, i), "source_record_id");
}

START_TEST(test_incremental_mark)
{
  tf_check_host *h = source_host(NULL);
  json_t *pos = NULL, *ids;

  run_all(h);
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "mark_ms")),
                   LAST_TIME * 1000LL);
  ids = json_object_get(pos, "ids_at_mark");
  ck_assert_str_eq(json_string_value(json_array_get(ids, 0)), "98770022");
  tf_check_host_free(h);
  /* The calls arrive once page 2 of this run's list is served: they are
   * then on page 1, already read; the next run takes them. */
  emu("/_emulator/config",
      "{\"arrive_after_page\": 2, \"arrive\": " ARRIVALS "}");
  h = source_host(NULL);
  ck_assert_int_eq(tf_check_seek(h, pos), TF_OK);
  run_all(h);
  ck_assert_int_eq(tf_check_emitted_count(h), 0);
  json_decref(pos);
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  tf_check_host_free(h);
  h = source_host(NULL);
  ck_assert_int_eq(tf_check_seek(h, pos), TF_OK);
  run_all(h);
  ck_assert_int_eq(tf_check_emitted_count(h), 3);
  ck_assert_str_eq(id_of(h, 0), "98779001");
  ck_assert_str_eq(id_of(h, 1), "98779002");
  ck_assert_str_eq(id_of(h, 2), "98779003");
  json_decref(pos);
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  tf_check_host_free(h);
  h = source_host(NULL);
  ck_assert_int_eq(tf_check_seek(h, pos), TF_OK);
  run_all(h);
  ck_assert_int_eq(tf_check_emitted_count(h) + tf_check_reject_count(h), 0);
  json_decref(pos);
  tf_check_host_free(h);
}
END_TEST

/* Calls arriving while the list is paged shift the pages: page 2 repeats
 * the end of page 1.  No call twice; the new ones wait for the next run
 * (they are above everything taken). */
START_TEST(test_calls_arrive_while_paging)
{
  tf_check_host *h = source_host(NULL);

  emu("/_emulator/config",
      "{\"arrive_after_page\": 1, \"arrive\": " ARRIVALS "}");
  run_all(h);
  assert_same_events(tf_check_emitted(h));
  ck_assert_uint_eq(tf_check_reject_count(h), NCALLS - NEVENTS);
  tf_check_host_free(h);
}
END_TEST

/* A call without unix_time and a call that is not an object are
 * dead-lettered with their reasons; the others go out. */
START_TEST(test_broken_calls_rejected)
{
  tf_check_host *h = source_host(NULL);
  size_t i, no_time = 0, not_object = 0;

  emu("/_emulator/config",
      "{\"arrive_after_page\": 1, \"arrive\": [{\"id\": 98779100, "
      "\"custom_fields\": {\"bizible_id\": "
      "\"44444444444444444444444444444444\"}}, \"not a call\"]}");
  tf_check_host_free(h); /* its page 1 let them in */
  h = source_host(NULL);
  run_all(h);
  assert_same_events(tf_check_emitted(h));
  ck_assert_uint_eq(tf_check_reject_count(h), NCALLS - NEVENTS + 2);
  for (i = 0; i < tf_check_reject_count(h); i++) {
    const tf_check_reject *r = tf_check_reject_get(h, i);

    no_time += strcmp(r->code, "invalid_timestamp") == 0 &&
               strstr(r->message, "98779100 has no unix_time") != NULL;
    not_object += strcmp(r->code, "invalid_field") == 0;
  }
  ck_assert_uint_eq(no_time, 1);
  ck_assert_uint_eq(not_object, 1);
  tf_check_host_free(h);
}
END_TEST

/* --- Faults ------------------------------------------------------------ */

static void run_through(const char *fault)
{
  tf_check_host *h = source_host(NULL);

  emu("/_emulator/fault", fault);
  run_all(h);
  assert_same_events(tf_check_emitted(h));
  ck_assert_int_ge(stat_int("faults_served"), 1);
  tf_check_host_free(h);
}

START_TEST(test_429_waits_retry_after)
{
  json_int_t waited;

  run_through("{\"kind\": \"429\", \"count\": 1, \"after\": 2, "
              "\"retry_after\": 1}");
  waited = stat_int("after_429_ms");
  ck_assert_msg(waited >= 1000 && waited < 3000, "waited %lld ms",
                (long long)waited);
}
END_TEST

/* A stop signal, as the runner takes it: a flag, the handler then reset. */
static volatile sig_atomic_t stop_signals;

static void on_stop(int sig)
{
  (void)sig;
  stop_signals++;
}

/* Installs on_stop for SIGTERM as the runner installs its handler. */
static void catch_stop(void)
{
  struct sigaction sa;

  stop_signals = 0;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop;
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ck_assert_int_eq(sigaction(SIGTERM, &sa, NULL), 0);
}

/* Sends SIGTERM to this process 200 ms after the emulator served its
 * first fault (so, inside the request that met it), or 300 ms after it
 * started when after_fault is NULL. */
static void *term_after(void *after_fault)
{
  while (after_fault && stat_int("faults_served") < 1)
    nanosleep(&(struct timespec){0, 50000000L}, NULL);
  nanosleep(&(struct timespec){0, after_fault ? 200000000L : 300000000L}, NULL);
  kill(getpid(), SIGTERM);
  return NULL;
}

/* term_after in a thread blocking every signal, as the runner's threads
 * do, so that the signal is the test thread's. */
static pthread_t start_terminator(int after_fault)
{
  static int yes = 1;
  sigset_t all, old;
  pthread_t t;

  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  ck_assert_int_eq(
      pthread_create(&t, NULL, term_after, after_fault ? &yes : NULL), 0);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return t;
}

static double now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SIGTERM in a 300 s Retry-After (page 2 of the list): produce() returns
 * TF_MORE at once with nothing taken and the position as it was, the
 * handler ran once; a produce() after it lists again and takes every
 * call once. */
START_TEST(test_stop_signal_ends_retry_after)
{
  tf_check_host *h = source_host(NULL);
  json_t *before = NULL, *after = NULL;
  double started;
  pthread_t terminator;
  int rc;

  catch_stop();
  ck_assert_int_eq(tf_check_position(h, &before), TF_OK);
  emu("/_emulator/fault", "{\"kind\": \"429\", \"count\": 1, \"after\": 1, "
                          "\"retry_after\": 300}");
  terminator = start_terminator(1);
  started = now_s();
  rc = tf_check_produce(h, 4);
  ck_assert_msg(now_s() - started < 10, "produce() took %.1f s",
                now_s() - started);
  pthread_join(terminator, NULL);
  ck_assert_int_eq(rc, TF_MORE);
  ck_assert_int_eq(stop_signals, 1);
  ck_assert_uint_eq(tf_check_emitted_count(h) + tf_check_reject_count(h), 0);
  ck_assert(tf_check_log_contains(h, "a stop signal arrived"));
  ck_assert_int_eq(tf_check_position(h, &after), TF_OK);
  ck_assert(json_equal(before, after));
  emu("/_emulator/reset", "{}");
  run_all(h);
  assert_same_events(tf_check_emitted(h));
  ck_assert_uint_eq(tf_check_reject_count(h), NCALLS - NEVENTS);
  json_decref(before);
  json_decref(after);
  tf_check_host_free(h);
}
END_TEST

/* A request in flight to a server that never answers ends on SIGTERM
 * within about a second (libcurl alone would wait out `timeout`): init()'s
 * first request is given up and init() goes on (reading would ask again),
 * the handler ran once. */
START_TEST(test_stop_signal_ends_transfer)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  tf_check_host *h =
      tf_check_host_new(source_ctm_api_LTX_tf_plugin_entry(), "ctm");
  char config[512];
  double started, took;
  pthread_t terminator;
  int rc;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ck_assert_int_eq(listen(fd, 4), 0); /* connections wait, unanswered */
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  snprintf(config, sizeof(config),
           "{\"endpoint\": \"http://127.0.0.1:%d/api/v1\", \"account_id\": 1, "
           "\"access_key\": \"" KEY "\", \"secret_key\": \"" SECRET "\", "
           "\"timeout\": \"60s\"}",
           ntohs(a.sin_port));
  catch_stop();
  terminator = start_terminator(0);
  started = now_s();
  rc = tf_check_host_init_text(h, config, NULL);
  took = now_s() - started;
  pthread_join(terminator, NULL);
  ck_assert_int_eq(rc, TF_OK);
  ck_assert_msg(took < 5, "init() took %.1f s", took);
  ck_assert_int_eq(stop_signals, 1);
  ck_assert(tf_check_log_contains(h, "a stop signal arrived"));
  tf_check_host_free(h);
  close(fd);
}
END_TEST

START_TEST(test_500_503_retried)
{
  emu("/_emulator/fault", "{\"kind\": \"503\", \"count\": 1, \"after\": 3}");
  run_through("{\"kind\": \"500\", \"count\": 2, \"after\": 1}");
  ck_assert_int_eq(stat_int("faults_served"), 3);
}
END_TEST

START_TEST(test_dropped_connection_retried)
{
  run_through("{\"kind\": \"drop\", \"count\": 2, \"after\": 1}");
}
END_TEST

START_TEST(test_malformed_json_retried)
{
  run_through("{\"kind\": \"malformed\", \"count\": 1, \"after\": 2}");
}
END_TEST

START_TEST(test_malformed_json_past_retries)
{
  tf_check_host *h = source_host(NULL);

  emu("/_emulator/fault", "{\"kind\": \"malformed\", \"count\": 3, "
                          "\"after\": 1}");
  ck_assert_int_eq(tf_check_produce(h, 4), TF_ERR_IO);
  ck_assert(tf_check_log_contains(h, "not a JSON object"));
  ck_assert_int_eq(tf_check_emitted_count(h), 0);
  tf_check_host_free(h);
}
END_TEST

START_TEST(test_empty_page_asked_again)
{
  char pages[128];

  run_through("{\"kind\": \"empty\", \"count\": 1, \"after\": 2}");
  stat_pages(pages, sizeof(pages));
  ck_assert_str_eq(pages, "1,2,3,4,4,5"); /* page 1 came with init() */
}
END_TEST

START_TEST(test_empty_window)
{
  tf_check_host *h = source_host("\"start\": \"2027-01-01\"");

  run_all(h);
  ck_assert_int_eq(tf_check_emitted_count(h) + tf_check_reject_count(h), 0);
  tf_check_host_free(h);
}
END_TEST

/* --- Credentials and config -------------------------------------------- */

static int logs_contain_secret(tf_check_host *h, const char *secret)
{
  size_t i;

  for (i = 0; i < tf_check_log_count(h); i++)
    if (strstr(tf_check_log_line(h, i, NULL), secret))
      return 1;
  return 0;
}

/* A new host whose init() with this account and secret key returned
 * *rc. */
static tf_check_host *init_with(int account, const char *secret, int *rc)
{
  tf_check_host *h =
      tf_check_host_new(source_ctm_api_LTX_tf_plugin_entry(), "ctm");
  char config[512];

  snprintf(config, sizeof(config),
           "{\"endpoint\": \"%s/api/v1\", \"account_id\": %d, "
           "\"access_key\": \"" KEY "\", \"secret_key\": \"%s\"}",
           base, account, secret);
  *rc = tf_check_host_init_text(h, config, NULL);
  return h;
}

START_TEST(test_bad_keys_refused)
{
  int rc;
  tf_check_host *h = init_with(12345, "wrong-s3cret", &rc);

  ck_assert_int_eq(rc, TF_ERR_CONFIG);
  ck_assert(tf_check_log_contains(h, "refused the access key and secret key"));
  ck_assert(!logs_contain_secret(h, "wrong-s3cret"));
  ck_assert(!logs_contain_secret(h, KEY));
  ck_assert_int_eq(stat_int("auth_failures"), 1);
  tf_check_host_free(h);
}
END_TEST

START_TEST(test_401_mid_run)
{
  tf_check_host *h = source_host(NULL);

  emu("/_emulator/fault", "{\"kind\": \"401\", \"count\": 1}");
  ck_assert_int_eq(tf_check_produce(h, 4), TF_ERR_CONFIG);
  ck_assert(!logs_contain_secret(h, SECRET));
  tf_check_host_free(h);
}
END_TEST

START_TEST(test_wrong_account)
{
  int rc;
  tf_check_host *h = init_with(999, SECRET, &rc);

  ck_assert_int_eq(rc, TF_ERR_CONFIG);
  ck_assert(tf_check_log_contains(h, "HTTP 404"));
  tf_check_host_free(h);
}
END_TEST

/* Refused by check(), before any request, each naming its option. */
static void assert_refused(const char *config, const char *option)
{
  tf_check_host *h =
      tf_check_host_new(source_ctm_api_LTX_tf_plugin_entry(), "ctm");
  char msg[1024];

  ck_assert_int_eq(tf_check_host_init_text(h, config, NULL), TF_ERR_CONFIG);
  tf_check_messages_text(h, msg, sizeof(msg));
  ck_assert_msg(strstr(msg, option) != NULL, "%s", msg);
  ck_assert_int_eq(stat_int("requests"), 0);
  tf_check_host_free(h);
}

START_TEST(test_bad_options_refused)
{
  assert_refused("{\"account_id\": 1, \"access_key\": \"a\", "
                 "\"secret_key\": \"b\", \"start\": \"2026-03-02\", "
                 "\"end\": \"2026-03-01\"}",
                 "end");
  assert_refused("{\"account_id\": 0, \"access_key\": \"a\", "
                 "\"secret_key\": \"b\"}",
                 "account_id");
  assert_refused("{\"account_id\": 1, \"access_key\": \"a\", "
                 "\"secret_key\": \"b\", \"start\": \"yesterday\"}",
                 "start");
  assert_refused("{\"account_id\": 1, \"access_key\": \"a\", "
                 "\"secret_key\": \"b\", \"endpoint\": \"ftp://x\"}",
                 "endpoint");
}
END_TEST

static TCase *tests(void)
{
  TCase *tc = tcase_create("emulator");

  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_pages_give_calltracking_events);
  tcase_add_test(tc, test_start_window);
  tcase_add_test(tc, test_stop_and_resume);
  tcase_add_test(tc, test_fail_after_pages_and_resume);
  tcase_add_test(tc, test_incremental_mark);
  tcase_add_test(tc, test_calls_arrive_while_paging);
  tcase_add_test(tc, test_broken_calls_rejected);
  tcase_add_test(tc, test_429_waits_retry_after);
  tcase_add_test(tc, test_stop_signal_ends_retry_after);
  tcase_add_test(tc, test_stop_signal_ends_transfer);
  tcase_add_test(tc, test_500_503_retried);
  tcase_add_test(tc, test_dropped_connection_retried);
  tcase_add_test(tc, test_malformed_json_retried);
  tcase_add_test(tc, test_malformed_json_past_retries);
  tcase_add_test(tc, test_empty_page_asked_again);
  tcase_add_test(tc, test_empty_window);
  tcase_add_test(tc, test_bad_keys_refused);
  tcase_add_test(tc, test_401_mid_run);
  tcase_add_test(tc, test_wrong_account);
  tcase_add_test(tc, test_bad_options_refused);
  return tc;
}

int main(void)
{
  Suite *suite = suite_create("source_ctm_api");
  SRunner *runner;
  int failed;

  if (system("python3 -c '' >/dev/null 2>&1") != 0) {
    fprintf(stderr, "python3 is not available: skipped\n");
    return 77;
  }
  start_emulator();
  suite_add_tcase(suite, tests());
  runner = srunner_create(suite);
  srunner_run_all(runner, CK_ENV);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  stop_emulator();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
