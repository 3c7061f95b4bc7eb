/*
 * test_drift_webhook.c - the drift_webhook source through a tf_check_host
 * (<touchflow/check.h>), with a real HTTP client (libcurl) posting to its
 * server on 127.0.0.1: tokens, limits, the spool, the chat events
 * (compared with the drift source reading the same events from a file)
 * and resuming from a position.
 */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include <touchflow/touchflow.h>
#include "../webhook_spool.h"

const tf_plugin *source_drift_webhook_LTX_tf_plugin_entry(void);
const tf_plugin *source_drift_LTX_tf_plugin_entry(void);

#define TOKEN "vt_abc123"
#define WEBHOOKS DRIFT_FIXTURES "/webhooks.ndjson"

static char dir[64];
static char spool[128];
static tf_check_host *harness;
static unsigned port;

static void setup(void)
{
  snprintf(dir, sizeof(dir), "/tmp/test_drift_webhook.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(spool, sizeof(spool), "%s/spool.ndjson", dir);
  harness = NULL;
}

static void teardown(void)
{
  tf_check_host_free(harness);
  unlink(spool);
  rmdir(dir);
}

/* The port the instance logged it listens on. */
static unsigned logged_port(tf_check_host *h)
{
  size_t i;

  for (i = 0; i < tf_check_log_count(h); i++) {
    const char *p = strstr(tf_check_log_line(h, i, NULL), "(port ");
    if (p)
      return (unsigned)atoi(p + 6);
  }
  return 0;
}

/* A new instance on a free port with the spool and extra options (JSON
 * members with a leading comma, or ""). */
static tf_check_host *start_with(const char *extra)
{
  tf_check_host *h =
      tf_check_host_new(source_drift_webhook_LTX_tf_plugin_entry(), "hooks");
  char config[1024];
  int rc;

  ck_assert_ptr_nonnull(h);
  snprintf(config, sizeof(config),
           "{\"listen\": \"127.0.0.1:0\", \"token\": \"" TOKEN "\", "
           "\"spool\": \"%s\", \"decide_after\": 0%s}",
           spool, extra);
  rc = tf_check_host_init_text(h, config, NULL);
  ck_assert_msg(rc == TF_OK, "init: %d %s", rc, tf_check_last_log(h));
  port = logged_port(h);
  ck_assert_uint_gt(port, 0);
  return h;
}

static void start(const char *extra)
{
  harness = start_with(extra);
}

typedef struct answer {
  long status;
  char retry_after[32];
} answer;

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
  answer *a = ud;
  size_t len = size * n;

  if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
    size_t k = strcspn(data + 12, "\r\n");
    snprintf(a->retry_after, sizeof(a->retry_after), "%.*s", (int)k, data + 12);
  }
  return len;
}

static size_t discard(char *data, size_t size, size_t n, void *ud)
{
  (void)data;
  (void)ud;
  return size * n;
}

/* POSTs body (len bytes) with the token header when not NULL; chunked
 * sends it without a Content-Length. */
static answer post_bytes(const char *body, size_t len, const char *token,
                         int chunked)
{
  CURL *curl = curl_easy_init();
  struct curl_slist *headers = NULL;
  char url[64], header[128];
  answer a;
  CURLcode rc;

  memset(&a, 0, sizeof(a));
  ck_assert_ptr_nonnull(curl);
  snprintf(url, sizeof(url), "http://127.0.0.1:%u/drift", port);
  headers = curl_slist_append(headers, "Content-Type: application/json");
  if (token) {
    snprintf(header, sizeof(header), "X-Verification-Token: %s", token);
    headers = curl_slist_append(headers, header);
  }
  if (chunked)
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  if (!chunked)
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  rc = curl_easy_perform(curl);
  ck_assert_msg(rc == CURLE_OK, "POST: %s", curl_easy_strerror(rc));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return a;
}

static long post(const char *body, const char *token)
{
  return post_bytes(body, strlen(body), token, 0).status;
}

static long spool_size(void)
{
  struct stat st;

  return stat(spool, &st) == 0 ? (long)st.st_size : -1;
}

/* Posts every line of the fixture (each carries its token in the body). */
static size_t post_fixture(void)
{
  FILE *f = fopen(WEBHOOKS, "r");
  char line[8192];
  size_t n = 0;

  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\n")] = '\0';
    ck_assert_int_eq(post(line, NULL), 200);
    n++;
  }
  fclose(f);
  return n;
}

/* Stops the source and produces until TF_DONE (max records a call). */
static void stop_and_drain(tf_check_host *h, size_t max)
{
  const tf_source_plugin *src = tf_plugin_source(tf_check_plugin(h));

  ck_assert_int_eq(src->stop(tf_check_state(h)), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(h, max, 1000), TF_DONE);
}

/* The records of a batch as one JSON array text (new, caller frees). */
static char *records_text(const tf_batch *b)
{
  json_t *all = json_array();
  char *text;
  size_t i;

  for (i = 0; i < tf_batch_count(b); i++) {
    const json_t *chat = tf_record_json(tf_batch_get(b, i));

    ck_assert_ptr_nonnull(chat);
    json_array_append_new(all, json_deep_copy(chat));
  }
  ck_assert_uint_eq(json_array_size(all), tf_batch_count(b));
  text = json_dumps(all, JSON_COMPACT);
  json_decref(all);
  return text;
}

/* What the drift source emits for the fixture file, as JSON text. */
static char *drift_chats(void)
{
  tf_check_host *h =
      tf_check_host_new(source_drift_LTX_tf_plugin_entry(), "chats");
  char *text;

  ck_assert_int_eq(
      tf_check_host_init_text(h, "{\"path\": \"" WEBHOOKS "\"}", NULL), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(h, 100, 1000), TF_DONE);
  text = records_text(tf_check_emitted(h));
  ck_assert_uint_eq(tf_check_emitted_count(h), 2); /* the fixture's chats */
  tf_check_host_free(h);
  return text;
}

/* Reads the whole spool into a new string. */
static char *spool_text(void)
{
  FILE *f = fopen(spool, "r");
  long n = spool_size();
  char *text = calloc(1, (size_t)n + 1);

  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq((long)fread(text, 1, (size_t)n, f), n);
  fclose(f);
  return text;
}

#define EVENT                                                                  \
  "{\"type\":\"new_message\",\"orgId\":1,\"data\":{\"id\":1,"                  \
  "\"conversationId\":7,\"type\":\"chat\",\"body\":\"a@b.co\","                \
  "\"author\":{\"type\":\"contact\",\"id\":3},\"createdAt\":1700000000000}}"
#define EVENT_WITH_TOKEN(t)                                                    \
  "{\"type\":\"new_message\",\"token\":\"" t "\",\"orgId\":1,\"data\":{"       \
  "\"id\":2,\"conversationId\":7,\"type\":\"chat\",\"body\":\"hi\","           \
  "\"author\":{\"type\":\"contact\",\"id\":3},\"createdAt\":1700000001000}}"

START_TEST(test_token_header_and_body)
{
  char *text;

  start("");
  ck_assert_int_eq(post(EVENT, TOKEN), 200);
  ck_assert_int_eq(post(EVENT_WITH_TOKEN(TOKEN), NULL), 200);
  text = spool_text();
  ck_assert_ptr_null(strstr(text, TOKEN)); /* never spooled */
  ck_assert_ptr_null(strstr(text, "\"token\""));
  ck_assert_ptr_nonnull(strstr(text, "\"a@b.co\""));
  ck_assert_ptr_nonnull(strchr(text, '\n'));
  ck_assert_ptr_nonnull(strchr(strchr(text, '\n') + 1, '\n'));
  free(text);
  ck_assert_int_eq(tf_check_produce(harness, 10), TF_MORE);
  ck_assert_int_eq(tf_check_metric(harness, "requests_accepted"), 2);
}
END_TEST

START_TEST(test_wrong_token_401)
{
  start("");
  ck_assert_int_eq(post(EVENT, "vt_abc124"), 401);
  ck_assert_int_eq(post(EVENT, "vt_abc12"), 401);
  ck_assert_int_eq(post(EVENT, ""), 401);
  ck_assert_int_eq(post(EVENT, NULL), 401);
  ck_assert_int_eq(post(EVENT_WITH_TOKEN("nope"), NULL), 401);
  /* A wrong header is not saved by a right body token. */
  ck_assert_int_eq(post(EVENT_WITH_TOKEN(TOKEN), "nope"), 401);
  ck_assert_int_eq(post("{\"type\":", NULL), 401); /* no token at all */
  ck_assert_int_eq(spool_size(), 0);
  ck_assert_int_eq(tf_check_produce(harness, 10), TF_MORE);
  ck_assert_int_eq(tf_check_metric(harness, "requests_unauthorized"), 7);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 0);
}
END_TEST

START_TEST(test_oversize_413)
{
  char *big = malloc(4096);

  start(", \"max_body\": 1024");
  memset(big, ' ', 4095);
  big[4095] = '\0';
  memcpy(big, EVENT, strlen(EVENT)); /* valid JSON, padded with spaces */
  ck_assert_int_eq(post_bytes(big, 4095, TOKEN, 0).status, 413);
  ck_assert_int_eq(post_bytes(big, 4095, TOKEN, 1).status, 413);
  ck_assert_int_eq(post_bytes(big, 1024, TOKEN, 0).status, 200); /* at it */
  free(big);
  ck_assert_int_eq(tf_check_produce(harness, 10), TF_MORE);
  ck_assert_int_eq(tf_check_metric(harness, "requests_too_large"), 2);
  ck_assert_int_eq(tf_check_metric(harness, "requests_accepted"), 1);
}
END_TEST

START_TEST(test_malformed_400)
{
  start("");
  ck_assert_int_eq(post("{\"type\":", TOKEN), 400);
  ck_assert_int_eq(post("[1, 2]", TOKEN), 400);
  ck_assert_int_eq(post("{\"data\": {}}", TOKEN), 400);
  ck_assert_int_eq(post("{\"type\": 5, \"data\": {}}", TOKEN), 400);
  ck_assert_int_eq(post("{\"type\":\"a\",\"type\":\"b\"}", TOKEN), 400);
  ck_assert_int_eq(spool_size(), 0);
  ck_assert_int_eq(tf_check_produce(harness, 10), TF_MORE);
  ck_assert_int_eq(tf_check_metric(harness, "requests_malformed"), 5);
}
END_TEST

START_TEST(test_unknown_type_counted)
{
  start("");
  ck_assert_int_eq(post("{\"type\":\"conversation_inactive\",\"data\":"
                        "{\"conversationId\":7}}",
                        TOKEN),
                   200);
  ck_assert_int_eq(post("{\"type\":\"brand_new_type\",\"data\":{}}", TOKEN),
                   200);
  ck_assert_int_eq(spool_size(), 0);
  stop_and_drain(harness, 10);
  ck_assert_int_eq(tf_check_metric(harness, "events_ignored"), 2);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 0);
  ck_assert_uint_eq(tf_check_reject_count(harness), 0);
  tf_check_host_fini(harness); /* logs the totals */
  ck_assert(tf_check_log_contains(harness, "2 of types that make no chat"));
}
END_TEST

START_TEST(test_spool_full_503)
{
  answer a;
  int accepted = 0;

  start(", \"spool_limit\": 1024, \"retry_after\": \"7s\"");
  do {
    a = post_bytes(EVENT, strlen(EVENT), TOKEN, 0);
    if (a.status == 200)
      accepted++;
  } while (a.status == 200 && accepted < 100);
  ck_assert_int_eq(a.status, 503);
  ck_assert_str_eq(a.retry_after, " 7");
  /* Over the limit by at most one line, and only whole lines. */
  ck_assert_int_eq(spool_size(), accepted * (long)(strlen(EVENT) + 1));
  ck_assert_int_gt(spool_size(), 1024);
  ck_assert_int_eq(post(EVENT, TOKEN), 503);
  /* The pipeline reads the backlog: requests are taken again. */
  ck_assert_int_eq(tf_check_produce(harness, 1000), TF_MORE);
  ck_assert_int_eq(post(EVENT, TOKEN), 200);
  ck_assert_int_eq(tf_check_metric(harness, "requests_refused_full"), 2);
}
END_TEST

START_TEST(test_same_events_as_drift)
{
  char *want = drift_chats(), *got;

  start("");
  ck_assert_uint_eq(post_fixture(), 11);
  stop_and_drain(harness, 1);
  got = records_text(tf_check_emitted(harness));
  ck_assert_str_eq(got, want);
  ck_assert_int_eq(tf_check_metric(harness, "events_ignored"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "requests_accepted"), 10);
  free(got);
  free(want);
}
END_TEST

START_TEST(test_decide_after_idle)
{
  struct timespec t0, t1;
  int rc, calls = 0;

  start(", \"decide_after\": \"300ms\"");
  post_fixture();
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do {
    rc = tf_check_produce(harness, 100);
    calls++;
  } while (rc == TF_MORE && tf_check_emitted_count(harness) < 2 && calls < 100);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ck_assert_int_eq(rc, TF_MORE); /* unbounded: never done by itself */
  ck_assert_uint_eq(tf_check_emitted_count(harness), 2);
  /* Idle calls wait instead of spinning: about 300 ms took few calls. */
  ck_assert_int_le(calls, 10);
  ck_assert_double_ge((double)(t1.tv_sec - t0.tv_sec) +
                          (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                      0.3);
}
END_TEST

START_TEST(test_resume_from_position)
{
  char *want = drift_chats(), *got;
  tf_check_host *second;
  json_t *pos, *bad;
  json_t *all = json_array();
  size_t i;

  start("");
  post_fixture();
  /* Two calls of 4: 8 of the 10 spooled events read, nothing decided. */
  ck_assert_int_eq(tf_check_produce(harness, 4), TF_MORE);
  ck_assert_int_eq(tf_check_produce(harness, 4), TF_MORE);
  ck_assert_int_eq(tf_check_position(harness, &pos), TF_OK);
  ck_assert_int_lt(json_integer_value(json_object_get(pos, "spool_offset")),
                   spool_size());
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "spool_line")), 9);
  tf_check_host_free(harness); /* a crash would lose no more */
  harness = start_with("");
  /* Not the start of a line: refused. */
  bad = json_deep_copy(pos);
  json_object_set_new(
      bad, "spool_offset",
      json_integer(json_integer_value(json_object_get(pos, "spool_offset")) -
                   3));
  ck_assert_int_eq(tf_check_seek(harness, bad), TF_ERR_INVAL);
  json_decref(bad);
  tf_check_host_free(harness);
  second = start_with("");
  harness = second;
  ck_assert_int_eq(tf_check_seek(second, pos), TF_OK);
  json_decref(pos);
  stop_and_drain(second, 100);
  got = records_text(tf_check_emitted(second));
  ck_assert_str_eq(got, want);
  free(got);
  free(want);
  for (i = 0; i < tf_check_reject_count(second); i++)
    json_array_append_new(all,
                          json_string(tf_check_reject_get(second, i)->code));
  ck_assert_uint_eq(json_array_size(all), 0);
  json_decref(all);
}
END_TEST

START_TEST(test_torn_spool_line_dropped)
{
  FILE *f = fopen(spool, "w");

  ck_assert_ptr_nonnull(f);
  fputs(EVENT "\n{\"type\":\"new_mess", f);
  fclose(f);
  start("");
  ck_assert_int_eq(spool_size(), (long)strlen(EVENT) + 1);
  ck_assert_int_eq(post(EVENT_WITH_TOKEN(TOKEN), NULL), 200);
  stop_and_drain(harness, 10);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 1);
  ck_assert_uint_eq(tf_check_reject_count(harness), 0);
}
END_TEST

START_TEST(test_check_rejects_listen)
{
  tf_check_host *h =
      tf_check_host_new(source_drift_webhook_LTX_tf_plugin_entry(), "hooks");
  char config[512];

  snprintf(
      config, sizeof(config),
      "{\"listen\": \"localhost:80\", \"token\": \"x\", \"spool\": \"%s\"}",
      spool);
  ck_assert_int_eq(tf_check_host_init_text(h, config, NULL), TF_ERR_CONFIG);
  snprintf(config, sizeof(config),
           "{\"listen\": \"127.0.0.1:70000\", \"token\": \"x\", "
           "\"spool\": \"%s\"}",
           spool);
  ck_assert_int_eq(tf_check_host_init_text(h, config, NULL), TF_ERR_CONFIG);
  ck_assert_int_eq(spool_size(), -1); /* nothing opened */
  tf_check_host_free(h);
}
END_TEST

/* --- Trimming the spool ----------------------------------------------- */

/* Posts event n: a message with an email in conversation 100 + n. */
static void post_event(int n)
{
  char body[512];

  snprintf(body, sizeof(body),
           "{\"type\":\"new_message\",\"orgId\":1,\"data\":{\"id\":%d,"
           "\"conversationId\":%d,\"type\":\"chat\",\"body\":\"it is "
           "user%d@example.com, with some words to make the line longer\","
           "\"author\":{\"type\":\"contact\",\"id\":%d},"
           "\"createdAt\":%lld}}",
           5000 + n, 100 + n, n, 9000 + n, 1700000000000LL + n * 1000LL);
  ck_assert_int_eq(post(body, TOKEN), 200);
}

static void post_events(int first, int count)
{
  int n;

  for (n = first; n < first + count; n++)
    post_event(n);
}

/* The disk blocks (512 bytes) of the spool. */
static long long spool_blocks(void)
{
  struct stat st;

  ck_assert_int_eq(stat(spool, &st), 0);
  return (long long)st.st_blocks;
}

/* Reads count more lines (produce() reading up to max at a time), then
 * the position: a new reference. */
static json_t *read_then_position(tf_check_host *h, long count, size_t max)
{
  json_t *pos;

  while (count > 0) {
    size_t n = (size_t)count < max ? (size_t)count : max;

    ck_assert_int_eq(tf_check_produce(h, n), TF_MORE);
    count -= (long)n;
  }
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  return pos;
}

static long long offset_of(const json_t *pos)
{
  return (long long)json_integer_value(json_object_get(pos, "spool_offset"));
}

/* 1 when bytes [from, to) of text are all NUL. */
static int all_nul(const char *text, long long from, long long to)
{
  long long i;

  for (i = from; i < to; i++)
    if (text[i] != '\0')
      return 0;
  return 1;
}

/* The conversation ids of the chats emitted, sorted, as text. */
static char *chat_conversations(tf_check_host *h)
{
  const tf_batch *b = tf_check_emitted(h);
  char *text = calloc(tf_batch_count(b) + 1, 16);
  size_t i, used = 0;

  ck_assert_ptr_nonnull(text);
  for (i = 0; i < tf_batch_count(b); i++) {
    const char *id =
        tf_record_get_string(tf_batch_get(b, i), "source_record_id");

    ck_assert_ptr_nonnull(id);
    used += (size_t)snprintf(text + used, 16, "%s ", id);
  }
  return text;
}

/* The chats' conversations first..first+count-1 as chat_conversations
 * writes them (the fixture's emit them in conversation order). */
static char *conversations(int first, int count)
{
  char *text = calloc((size_t)count + 1, 16);
  size_t used = 0;
  int n;

  for (n = first; n < first + count; n++)
    used += (size_t)snprintf(text + used, 16, "%d ", 100 + n);
  return text;
}

/* The stopped source emitted exactly one chat for each of the
 * conversations of events first..first+count-1 (none lost, none twice),
 * and no dead letter. */
static void assert_chats(tf_check_host *h, int first, int count)
{
  char *got = chat_conversations(h), *want = conversations(first, count);

  ck_assert_str_eq(got, want);
  ck_assert_uint_eq(tf_check_reject_count(h), 0);
  free(got);
  free(want);
}

/* Two checkpoints (position() twice): the lines before the first one's
 * offset are punched out (disk blocks freed, zeros read), the rest of the
 * spool is byte for byte as written. */
START_TEST(test_trim_frees_what_a_checkpoint_covers)
{
  json_t *p1, *p2;
  char *before, *after;
  long long blocks, size;

  start("");
  post_events(0, 120); /* about 30 KB: several blocks */
  before = spool_text();
  size = spool_size();
  blocks = spool_blocks();
  p1 = read_then_position(harness, 80, 1000);
  ck_assert_int_eq(json_integer_value(json_object_get(p1, "spool_line")), 81);
  ck_assert_int_eq(spool_blocks(), blocks); /* one position: nothing yet */
  p2 = read_then_position(harness, 20, 1000);
  ck_assert_int_lt(spool_blocks(), blocks);
  ck_assert_int_eq(spool_size(), size); /* offsets stay valid */
  after = spool_text();
  ck_assert(all_nul(after, 0, offset_of(p1)));
  ck_assert_int_eq(memcmp(after + offset_of(p1), before + offset_of(p1),
                          (size_t)(size - offset_of(p1))),
                   0);
  /* The disk bytes freed: what the block count dropped by (whole blocks;
   * how many the layout of the file system gives back may vary). */
  ck_assert_int_eq(tf_check_metric(harness, "spool_bytes_freed"),
                   (blocks - spool_blocks()) * 512);
  ck_assert_int_gt(tf_check_metric(harness, "spool_bytes_freed"), 0);
  /* Appending and the backlog go on as before. */
  post_events(120, 5);
  ck_assert_int_gt(spool_size(), size);
  json_decref(p1);
  json_decref(p2);
  free(before);
  free(after);
}
END_TEST

/* A crash after the second checkpoint: the resumed source reads exactly
 * the events after it, with the chat state of the freed ones from the
 * checkpoint: every conversation makes its chat exactly once. */
START_TEST(test_trim_resume_after_a_checkpoint)
{
  json_t *p0, *p1, *p2;
  tf_check_host *second;

  start("");
  post_events(0, 100);
  p0 = read_then_position(harness, 20, 7);
  p1 = read_then_position(harness, 20, 7);
  p2 = read_then_position(harness, 30, 7); /* frees below p1 */
  post_events(100, 10); /* accepted, not read: the crash comes */
  tf_check_host_free(harness);
  harness = start_with("");
  /* A position before the freed part's end: its events are gone. */
  ck_assert_int_eq(tf_check_seek(harness, p0), TF_ERR_INVAL);
  ck_assert(
      tf_check_log_contains(harness, "was freed after a later checkpoint"));
  tf_check_host_free(harness);
  /* The end of the freed part is a line start: the first checkpoint's
   * position would resume (it is not the one a run resumes from). */
  harness = start_with("");
  ck_assert_int_eq(tf_check_seek(harness, p1), TF_OK);
  tf_check_host_free(harness);
  second = start_with("");
  harness = second;
  ck_assert_int_eq(tf_check_seek(second, p2), TF_OK);
  stop_and_drain(second, 100);
  assert_chats(second, 0, 110);
  json_decref(p0);
  json_decref(p1);
  json_decref(p2);
}
END_TEST

/* A run from offset 0 of a trimmed spool (--reset-state, or no
 * --state-dir) steps over the freed part, says so, and reads the lines
 * kept: no malformed line, no dead letter. */
START_TEST(test_trim_fresh_read_skips_the_freed_part)
{
  json_t *p1, *p2;

  start("");
  post_events(0, 120);
  p1 = read_then_position(harness, 90, 1000);
  p2 = read_then_position(harness, 30, 1000);
  ck_assert_int_gt(offset_of(p1), 16384);
  tf_check_host_free(harness);
  harness = start_with("");
  stop_and_drain(harness, 1000);
  assert_chats(harness, 90, 30);
  ck_assert(tf_check_log_contains(harness, "were freed after a checkpoint"));
  json_decref(p1);
  json_decref(p2);
}
END_TEST

/* Everything read and checkpointed twice: the whole spool is freed.
 * Opening it keeps its size (a torn line after the freed part is cut
 * back to it), and the run resumes there. */
START_TEST(test_trim_all_of_the_spool)
{
  json_t *p1, *p2;
  FILE *f;

  start("");
  post_events(0, 60);
  ck_assert_int_gt(spool_blocks() * 512, 3 * 4096);
  p1 = read_then_position(harness, 60, 1000);
  p2 = read_then_position(harness, 0, 1000);
  ck_assert_int_eq(offset_of(p2), spool_size());
  /* 14 KB freed but for the last block, only zeroed (it is partial). */
  ck_assert_int_le(spool_blocks() * 512, 4096);
  tf_check_host_free(harness);
  f = fopen(spool, "a");
  ck_assert_ptr_nonnull(f);
  fputs("{\"type\":\"new_mess", f); /* a crash in a write */
  fclose(f);
  harness = start_with("");
  ck_assert_int_eq(spool_size(), offset_of(p2));
  ck_assert_int_eq(tf_check_seek(harness, p2), TF_OK);
  post_events(60, 3);
  stop_and_drain(harness, 1000);
  assert_chats(harness, 0, 63);
  json_decref(p1);
  json_decref(p2);
}
END_TEST

/* Without checkpoints (a run without --state-dir calls no position()),
 * and with "trim": false, the spool keeps every byte and block. */
START_TEST(test_trim_not_without_checkpoints_or_when_off)
{
  json_t *p1, *p2;
  char *before, *after;
  long long blocks;

  start("");
  post_events(0, 100);
  before = spool_text();
  blocks = spool_blocks();
  stop_and_drain(harness, 7);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 100);
  ck_assert_int_eq(spool_blocks(), blocks);
  after = spool_text();
  ck_assert_str_eq(after, before);
  free(after);
  tf_check_host_free(harness);
  harness = start_with(", \"trim\": false");
  post_events(100, 20);
  p1 = read_then_position(harness, 100, 1000);
  p2 = read_then_position(harness, 20, 1000);
  ck_assert_int_ge(spool_blocks(), blocks);
  after = spool_text();
  ck_assert_int_eq(memcmp(after, before, strlen(before)), 0);
  ck_assert_int_eq(tf_check_metric(harness, "spool_bytes_freed"), 0);
  json_decref(p1);
  json_decref(p2);
  free(before);
  free(after);
}
END_TEST

static int punches;

/* A file system without hole punching. */
static int refuse_punch(int fd, uint64_t offset, uint64_t len)
{
  (void)fd;
  (void)offset;
  (void)len;
  punches++;
  errno = EOPNOTSUPP;
  return -1;
}

/* A file system that refuses: one warning naming the spool and the
 * reason, no further try, and the run goes on with the whole spool. */
START_TEST(test_trim_refused_warns_once)
{
  json_t *pos[4];
  char reason[256];
  size_t i, warnings = 0;
  int k;

  webhook_spool_punch = refuse_punch;
  start("");
  post_events(0, 40);
  for (k = 0; k < 4; k++)
    pos[k] = read_then_position(harness, 10, 1000);
  ck_assert_int_eq(punches, 1);
  snprintf(reason, sizeof(reason), "%s: %s", spool, strerror(EOPNOTSUPP));
  for (i = 0; i < tf_check_log_count(harness); i++) {
    tf_log_level level;
    const char *text = tf_check_log_line(harness, i, &level);

    if (level == TF_LOG_WARN) {
      warnings++;
      ck_assert_msg(strstr(text, reason) != NULL, "warning: %s", text);
    }
  }
  ck_assert_uint_eq(warnings, 1);
  post_events(40, 5);
  stop_and_drain(harness, 1000);
  ck_assert_uint_eq(tf_check_emitted_count(harness), 45);
  ck_assert_int_eq(tf_check_metric(harness, "spool_bytes_freed"), 0);
  for (k = 0; k < 4; k++)
    json_decref(pos[k]);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("drift_webhook");
  TCase *tc = tcase_create("receiver");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_token_header_and_body);
  tcase_add_test(tc, test_wrong_token_401);
  tcase_add_test(tc, test_oversize_413);
  tcase_add_test(tc, test_malformed_400);
  tcase_add_test(tc, test_unknown_type_counted);
  tcase_add_test(tc, test_spool_full_503);
  tcase_add_test(tc, test_same_events_as_drift);
  tcase_add_test(tc, test_decide_after_idle);
  tcase_add_test(tc, test_resume_from_position);
  tcase_add_test(tc, test_torn_spool_line_dropped);
  tcase_add_test(tc, test_check_rejects_listen);
  tcase_add_test(tc, test_trim_frees_what_a_checkpoint_covers);
  tcase_add_test(tc, test_trim_resume_after_a_checkpoint);
  tcase_add_test(tc, test_trim_fresh_read_skips_the_freed_part);
  tcase_add_test(tc, test_trim_all_of_the_spool);
  tcase_add_test(tc, test_trim_not_without_checkpoints_or_when_off);
  tcase_add_test(tc, test_trim_refused_warns_once);
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
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
