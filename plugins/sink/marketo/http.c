/*
 * http.c - the transport: curl multi, the in-flight cap and the rate
 * limiter (see http.h).
 *
 * Owns the multi handle, one easy handle per exchange in flight (the multi
 * handle keeps connections alive between them) and the queue of exchanges
 * waiting to start.  Exchanges themselves belong to their owners.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <touchflow/error.h>
#include "../../common/monotonic.h"
#include "http.h"
#include "ratelimit.h"

/* A response larger than this is an error: Marketo's are far smaller. */
#define MAX_RESPONSE (64u * 1024u * 1024u)

struct mkto_http {
  CURLM *multi;
  mkto_ratelimit limiter;
  mkto_exchange *queue_head, *queue_tail;
  mkto_exchange *running; /* in flight, linked through next */
  mkto_exchange *failed;  /* could not start; completed by collect() */
  size_t queued;
  int in_flight;
  int max_in_flight;
  long connect_timeout_ms;
  long request_timeout_ms;
};

int64_t mkto_now_ms(void)
{
  return monotonic_ms();
}

int mkto_http_new(mkto_http **out, int max_in_flight, int max_calls,
                  int64_t window_ms, int64_t connect_timeout_ms,
                  int64_t request_timeout_ms)
{
  mkto_http *http = calloc(1, sizeof(*http));

  *out = NULL;
  if (!http)
    return TF_ERR_NOMEM;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    goto out_free_http;
  http->multi = curl_multi_init();
  if (!http->multi)
    goto out_global_cleanup;
  if (mkto_ratelimit_init(&http->limiter, max_calls, window_ms) != TF_OK)
    goto out_multi_cleanup;
  http->max_in_flight = max_in_flight;
  http->connect_timeout_ms = (long)connect_timeout_ms;
  http->request_timeout_ms = (long)request_timeout_ms;
  *out = http;
  return TF_OK;

out_multi_cleanup:
  curl_multi_cleanup(http->multi);
out_global_cleanup:
  curl_global_cleanup();
out_free_http:
  free(http);
  return TF_ERR_NOMEM;
}

static void release_easy(mkto_http *http, mkto_exchange *ex)
{
  curl_multi_remove_handle(http->multi, ex->easy);
  curl_easy_cleanup(ex->easy);
  curl_slist_free_all(ex->headers);
  ex->easy = NULL;
  ex->headers = NULL;
}

void mkto_http_free(mkto_http *http)
{
  mkto_exchange *ex;

  if (!http)
    return;
  for (ex = http->running; ex; ex = ex->next)
    release_easy(http, ex);
  curl_multi_cleanup(http->multi);
  mkto_ratelimit_clear(&http->limiter);
  curl_global_cleanup();
  free(http);
}

void mkto_exchange_clear(mkto_exchange *ex)
{
  free(ex->response);
  ex->response = NULL;
  ex->response_len = 0;
  ex->response_cap = 0;
}

void mkto_http_submit(mkto_http *http, mkto_exchange *ex)
{
  mkto_exchange_clear(ex);
  ex->status = 0;
  ex->transport_error = 0;
  ex->timed_out = 0;
  ex->error[0] = '\0';
  ex->next = NULL;
  if (http->queue_tail)
    http->queue_tail->next = ex;
  else
    http->queue_head = ex;
  http->queue_tail = ex;
  http->queued++;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
  mkto_exchange *ex = ud;
  size_t len = size * n, need = ex->response_len + len + 1;

  if (need > MAX_RESPONSE)
    return 0;
  if (need > ex->response_cap) {
    size_t cap = ex->response_cap ? ex->response_cap : 4096;
    char *grown;

    while (cap < need)
      cap *= 2;
    grown = realloc(ex->response, cap);
    if (!grown)
      return 0;
    ex->response = grown;
    ex->response_cap = cap;
  }
  memcpy(ex->response + ex->response_len, data, len);
  ex->response_len += len;
  ex->response[ex->response_len] = '\0';
  return len;
}

static int add_header(struct curl_slist **list, const char *line)
{
  struct curl_slist *grown = curl_slist_append(*list, line);

  if (!grown)
    return TF_ERR_NOMEM;
  *list = grown;
  return TF_OK;
}

static int build_headers(mkto_exchange *ex, struct curl_slist **list)
{
  char line[128];

  *list = NULL;
  if (add_header(list, "Accept: application/json") != TF_OK ||
      add_header(list, "Expect:") != TF_OK)
    return TF_ERR_NOMEM;
  if (ex->authorization && add_header(list, ex->authorization) != TF_OK)
    return TF_ERR_NOMEM;
  if (ex->body) {
    snprintf(line, sizeof(line), "Content-Type: %s", ex->content_type);
    if (add_header(list, line) != TF_OK)
      return TF_ERR_NOMEM;
  }
  return TF_OK;
}

static void set_options(mkto_http *http, mkto_exchange *ex, CURL *easy)
{
  curl_easy_setopt(easy, CURLOPT_URL, ex->url);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)ex);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, ex);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, ex->error);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, http->connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, http->request_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "touchflow-marketo/1.0");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, ex->headers);
  if (ex->body) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, ex->body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(ex->body));
  }
}

/* An exchange that could not start completes, in collect(), with a
 * transport error. */
static void fail_start(mkto_http *http, mkto_exchange *ex, int code)
{
  ex->transport_error = code;
  snprintf(ex->error, sizeof(ex->error), "cannot start the request: %s",
           curl_easy_strerror((CURLcode)code));
  ex->next = http->failed;
  http->failed = ex;
}

static void start(mkto_http *http, mkto_exchange *ex)
{
  CURL *easy = curl_easy_init();
  struct curl_slist *headers = NULL;

  if (!easy || build_headers(ex, &headers) != TF_OK) {
    curl_slist_free_all(headers);
    if (easy)
      curl_easy_cleanup(easy);
    fail_start(http, ex, CURLE_OUT_OF_MEMORY);
    return;
  }
  ex->easy = easy;
  ex->headers = headers;
  set_options(http, ex, easy);
  if (curl_multi_add_handle(http->multi, easy) != CURLM_OK) {
    curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
    ex->easy = NULL;
    ex->headers = NULL;
    fail_start(http, ex, CURLE_FAILED_INIT);
    return;
  }
  ex->next = http->running;
  http->running = ex;
  http->in_flight++;
}

static void unlink_running(mkto_http *http, mkto_exchange *ex)
{
  mkto_exchange **p = &http->running;

  while (*p && *p != ex)
    p = &(*p)->next;
  if (*p)
    *p = ex->next;
  ex->next = NULL;
}

static int may_start(mkto_http *http, const mkto_exchange *ex, int64_t now)
{
  if (ex->not_before > now)
    return 0;
  return !ex->counted || mkto_ratelimit_wait(&http->limiter, now) == 0;
}

/* Unlinks ex, whose predecessor in the queue is prev (NULL: the head). */
static void unqueue(mkto_http *http, mkto_exchange *prev, mkto_exchange *ex)
{
  if (prev)
    prev->next = ex->next;
  else
    http->queue_head = ex->next;
  if (http->queue_tail == ex)
    http->queue_tail = prev;
  ex->next = NULL;
  http->queued--;
}

/* Starts queued exchanges, oldest first, that may start now. */
static void start_due(mkto_http *http, int64_t now)
{
  mkto_exchange *prev = NULL, *ex = http->queue_head;

  while (ex && http->in_flight < http->max_in_flight) {
    mkto_exchange *next = ex->next;

    if (!may_start(http, ex, now)) {
      prev = ex;
      ex = next;
      continue;
    }
    unqueue(http, prev, ex);
    if (ex->counted)
      mkto_ratelimit_start(&http->limiter);
    start(http, ex);
    ex = next;
  }
}

/* Milliseconds until a queued exchange may start, capped at `cap`. */
static int64_t next_start_in(const mkto_http *http, int64_t now, int64_t cap)
{
  const mkto_exchange *ex;
  int64_t best = cap;

  if (http->in_flight >= http->max_in_flight)
    return cap;
  for (ex = http->queue_head; ex; ex = ex->next) {
    int64_t wait = ex->not_before > now ? ex->not_before - now : 0;

    if (ex->counted) {
      int64_t limit = mkto_ratelimit_wait(&http->limiter, now);

      if (limit > wait)
        wait = limit;
    }
    if (wait < best)
      best = wait;
  }
  return best;
}

/* Calls done() of every finished transfer; returns how many finished. */
static int collect(mkto_http *http)
{
  CURLMsg *msg;
  int left, finished = 0;

  while (http->failed) {
    mkto_exchange *ex = http->failed;

    http->failed = ex->next;
    ex->next = NULL;
    if (ex->counted)
      mkto_ratelimit_finish(&http->limiter, mkto_now_ms());
    finished++;
    ex->done(ex->ud, ex);
  }
  while ((msg = curl_multi_info_read(http->multi, &left))) {
    mkto_exchange *ex = NULL;

    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&ex);
    ex->transport_error = (int)msg->data.result;
    ex->timed_out = msg->data.result == CURLE_OPERATION_TIMEDOUT;
    if (msg->data.result == CURLE_OK)
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &ex->status);
    else if (ex->error[0] == '\0')
      snprintf(ex->error, sizeof(ex->error), "%s",
               curl_easy_strerror(msg->data.result));
    release_easy(http, ex);
    unlink_running(http, ex);
    http->in_flight--;
    if (ex->counted)
      mkto_ratelimit_finish(&http->limiter, mkto_now_ms());
    finished++;
    ex->done(ex->ud, ex);
  }
  return finished;
}

/* Exchanges queued, in flight or failed to start. */
static size_t mkto_http_busy(const mkto_http *http)
{
  size_t failed = 0;
  const mkto_exchange *ex;

  for (ex = http->failed; ex; ex = ex->next)
    failed++;
  return http->queued + (size_t)http->in_flight + failed;
}

int mkto_http_step(mkto_http *http, int64_t max_wait_ms)
{
  int running = 0;
  int64_t now = mkto_now_ms(), wait;

  if (mkto_http_busy(http) == 0)
    return TF_OK;
  start_due(http, now);
  if (http->failed) {
    collect(http);
    return TF_OK;
  }
  if (curl_multi_perform(http->multi, &running) != CURLM_OK)
    return TF_ERR_IO;
  if (collect(http) > 0)
    return TF_OK;
  wait = next_start_in(http, now, max_wait_ms);
  if (wait > 0 &&
      curl_multi_poll(http->multi, NULL, 0, (int)wait, NULL) != CURLM_OK)
    return TF_ERR_IO;
  if (curl_multi_perform(http->multi, &running) != CURLM_OK)
    return TF_ERR_IO;
  collect(http);
  start_due(http, mkto_now_ms());
  return TF_OK;
}

char *mkto_url_escape(const char *text)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t len = strlen(text), i, o = 0;
  char *out = malloc(len * 3 + 1);

  if (!out)
    return NULL;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];

    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
  return out;
}
