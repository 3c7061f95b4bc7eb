/*
 * httpsource.c - the live sources' HTTP client (httpsource.h): requests
 * with credentials, the retry policy (429 Retry-After, 5xx and transport
 * errors with backoff) and JSON answers.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <touchflow/error.h>
#include "httpsource.h"
#include "stopsignal.h"

#define MAX_URL 8192
#define MAX_WAIT_MS 60000
/* Check and probe modes: the connection's and the request's time limits
 * (or timeout_ms when shorter). */
#define CHECK_CONNECT_MS 3000L
#define CHECK_TIMEOUT_MS 10000L

struct httpsource {
  tf_ctx *ctx;
  const tf_host *host;
  CURL *curl;
  char *service, *endpoint, *credential, *auth_hint;
  char *keep_header;  /* "name:" of the answer header to keep, or NULL */
  char *extra_header; /* sent with every request, or NULL */
  long timeout_ms;
  int max_retries, retry_malformed;
  int64_t backoff_ms;
  char *bearer;          /* "Authorization: Bearer ..." or NULL */
  char *user, *password; /* HTTP Basic, or NULL */
  httpsource_mode mode;
  int interrupted; /* the last request was given up on a stop signal */
  int retryable;   /* a probe failed on what the run retries (429, ...) */
  /* A probe's failed attempt: the wait the retry policy owes before the
   * next request, which counts as that attempt's retry. */
  int64_t owed_ms;
  int owed_attempts;
  stopsignal stop; /* during a request */
  char errbuf[CURL_ERROR_SIZE];
};

/* An answer being received, its Retry-After and the header to keep. */
typedef struct receiving {
  httpsource_response *r;
  size_t cap;
  long retry_after;        /* seconds; -1 when absent */
  const char *keep_header; /* "name:", or NULL */
} receiving;

static void wipe_free(char *secret)
{
  if (secret) {
    memset(secret, 0, strlen(secret));
    free(secret);
  }
}

static void forget_credentials(httpsource *hs)
{
  wipe_free(hs->bearer);
  wipe_free(hs->user);
  wipe_free(hs->password);
  hs->bearer = hs->user = hs->password = NULL;
}

void httpsource_free(httpsource *hs)
{
  if (!hs)
    return;
  forget_credentials(hs);
  if (hs->curl)
    curl_easy_cleanup(hs->curl);
  free(hs->service);
  free(hs->endpoint);
  free(hs->credential);
  free(hs->auth_hint);
  free(hs->keep_header);
  free(hs->extra_header);
  free(hs);
}

static char *dup_or(const char *s, const char *fallback)
{
  return strdup(s ? s : fallback);
}

int httpsource_new(tf_ctx *ctx, const tf_host *host,
                   const httpsource_options *o, httpsource **out)
{
  httpsource *hs = calloc(1, sizeof(*hs));
  size_t n;

  *out = NULL;
  if (!hs)
    return TF_ERR_NOMEM;
  hs->ctx = ctx;
  hs->host = host;
  hs->timeout_ms = o->timeout_ms;
  hs->max_retries = o->max_retries;
  hs->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 1;
  hs->retry_malformed = o->retry_malformed;
  hs->service = dup_or(o->service, "API");
  hs->endpoint = dup_or(o->endpoint, "");
  hs->credential = dup_or(o->credential, "credentials");
  hs->auth_hint = dup_or(o->auth_hint, "check the credentials");
  if (o->keep_header) {
    n = strlen(o->keep_header) + 2;
    hs->keep_header = malloc(n);
    if (hs->keep_header)
      snprintf(hs->keep_header, n, "%s:", o->keep_header);
  }
  hs->curl = curl_easy_init();
  if (!hs->service || !hs->endpoint || !hs->credential || !hs->auth_hint ||
      (o->keep_header && !hs->keep_header) || !hs->curl) {
    httpsource_free(hs);
    return TF_ERR_NOMEM;
  }
  n = strlen(hs->endpoint);
  while (n > 0 && hs->endpoint[n - 1] == '/')
    hs->endpoint[--n] = '\0';
  *out = hs;
  return TF_OK;
}

void httpsource_configure(const tf_config *cfg, httpsource_options *o)
{
  o->endpoint = tf_config_string(cfg, "endpoint");
  o->max_retries = (int)tf_config_int(cfg, "max_retries");
  o->timeout_ms = (long)tf_config_int(cfg, "timeout");
  o->backoff_ms = tf_config_int(cfg, "backoff");
}

int httpsource_url_ok(const char *url)
{
  return url &&
         (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0);
}

int httpsource_set_bearer(httpsource *hs, const char *token)
{
  size_t n = strlen(token ? token : "") + 32;

  forget_credentials(hs);
  hs->bearer = malloc(n);
  if (!hs->bearer)
    return TF_ERR_NOMEM;
  snprintf(hs->bearer, n, "Authorization: Bearer %s", token ? token : "");
  return TF_OK;
}

int httpsource_set_basic(httpsource *hs, const char *user, const char *password)
{
  forget_credentials(hs);
  hs->user = strdup(user ? user : "");
  hs->password = strdup(password ? password : "");
  if (!hs->user || !hs->password) {
    forget_credentials(hs);
    return TF_ERR_NOMEM;
  }
  return TF_OK;
}

void httpsource_response_free(httpsource_response *r)
{
  if (!r)
    return;
  free(r->body);
  free(r->kept);
  r->body = NULL;
  r->kept = NULL;
  r->len = 0;
}

int httpsource_set_header(httpsource *hs, const char *header)
{
  free(hs->extra_header);
  hs->extra_header = header ? strdup(header) : NULL;
  return !header || hs->extra_header ? TF_OK : TF_ERR_NOMEM;
}

char *httpsource_escape(httpsource *hs, const char *text)
{
  char *esc = curl_easy_escape(hs->curl, text, 0);
  char *copy = esc ? strdup(esc) : NULL;

  curl_free(esc);
  return copy;
}

/* --- One attempt --------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
  receiving *rv = ud;
  httpsource_response *r = rv->r;
  size_t len = size * n;

  if (r->len + len + 1 > rv->cap) {
    size_t cap = (r->len + len + 1) * 2;
    char *b = realloc(r->body, cap);

    if (!b)
      return 0;
    r->body = b;
    rv->cap = cap;
  }
  memcpy(r->body + r->len, data, len);
  r->len += len;
  r->body[r->len] = '\0';
  return len;
}

/* Keeps the value of the header rv->keep_header, trimmed. */
static void keep(receiving *rv, const char *data, size_t len)
{
  size_t k = strlen(rv->keep_header);

  data += k;
  len -= k;
  while (len > 0 && (*data == ' ' || *data == '\t'))
    data++, len--;
  while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n' ||
                     data[len - 1] == ' ' || data[len - 1] == '\t'))
    len--;
  free(rv->r->kept);
  rv->r->kept = malloc(len + 1);
  if (rv->r->kept) {
    memcpy(rv->r->kept, data, len);
    rv->r->kept[len] = '\0';
  }
}

/* Retry-After in delta-seconds; an HTTP date counts as absent. */
static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
  receiving *rv = ud;
  size_t len = size * n;
  static const char name[] = "retry-after:";

  if (rv->keep_header && len > strlen(rv->keep_header) &&
      strncasecmp(data, rv->keep_header, strlen(rv->keep_header)) == 0) {
    keep(rv, data, len);
    return len;
  }
  if (len > sizeof(name) - 1 &&
      strncasecmp(data, name, sizeof(name) - 1) == 0) {
    char buf[32], *end;
    size_t k = len - (sizeof(name) - 1);
    long v;

    if (k >= sizeof(buf))
      k = sizeof(buf) - 1;
    memcpy(buf, data + sizeof(name) - 1, k);
    buf[k] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    while (*end == ' ' || *end == '\r' || *end == '\n' || *end == '\t')
      end++;
    rv->retry_after = errno == 0 && end != buf && !*end && v >= 0 ? v : -1;
  }
  return len;
}

/* A stop signal ends a transfer in flight (libcurl calls this at least
 * about once a second, also while it connects or waits). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
  httpsource *hs = ud;

  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  return stopsignal_pending(&hs->stop);
}

static long at_most(long ms, long cap)
{
  return ms < cap ? ms : cap;
}

/* The handle set for one attempt of method url. */
static void prepare(httpsource *hs, const char *method, const char *url,
                    const char *body, struct curl_slist *headers, receiving *rv)
{
  CURL *c = hs->curl;

  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, rv);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, rv);
  if (hs->mode == HTTPSOURCE_RUN) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, hs->timeout_ms);
  } else {
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     at_most(hs->timeout_ms, CHECK_CONNECT_MS));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     at_most(hs->timeout_ms, CHECK_TIMEOUT_MS));
  }
  hs->errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, hs->errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, hs);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (hs->user) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, hs->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, hs->password);
  }
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  else if (strcmp(method, "POST") == 0 && !body)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
}

/* h with line appended; NULL (h freed) on ENOMEM.  h NULL stays NULL. */
static struct curl_slist *append(struct curl_slist *h, const char *line)
{
  struct curl_slist *more;

  if (!h || !line)
    return h;
  more = curl_slist_append(h, line);
  if (!more)
    curl_slist_free_all(h);
  return more;
}

static struct curl_slist *headers_for(const httpsource *hs,
                                      const char *content_type)
{
  struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
  char ct[256];

  h = append(h, hs->bearer);
  h = append(h, hs->extra_header);
  if (content_type) {
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    h = append(h, ct);
  }
  return h;
}

/* The wait before retry number attempt + 1. */
static int64_t wait_before_retry(const httpsource *hs, long status,
                                 long retry_after, int attempt)
{
  int64_t wait;

  if (status == 429 && retry_after >= 0)
    return (int64_t)retry_after * 1000;
  wait = hs->backoff_ms << (attempt < 16 ? attempt : 16);
  return wait > MAX_WAIT_MS ? MAX_WAIT_MS : wait;
}

/* The URL of target: a whole http(s) URL, or a path under the endpoint. */
static int url_of(const httpsource *hs, const char *target, char *url)
{
  int whole = httpsource_url_ok(target);
  int n = whole ? snprintf(url, MAX_URL, "%s", target)
                : snprintf(url, MAX_URL, "%s%s", hs->endpoint, target);

  return n > 0 && n < MAX_URL ? TF_OK : TF_ERR_TOOLONG;
}

/* Logs a failed attempt (a retry to come, or the last one). */
static void log_attempt(httpsource *hs, int level, const char *method,
                        const char *target, CURLcode cc, long status,
                        const char *what, int attempts, int64_t wait)
{
  char why[CURL_ERROR_SIZE + 64];

  if (what)
    snprintf(why, sizeof(why), "%s", what);
  else if (cc != CURLE_OK && strstr(hs->errbuf, curl_easy_strerror(cc)))
    snprintf(why, sizeof(why), "%s", hs->errbuf); /* names the host too */
  else if (cc != CURLE_OK && hs->errbuf[0])
    snprintf(why, sizeof(why), "%.60s (%.255s)", curl_easy_strerror(cc),
             hs->errbuf);
  else if (cc != CURLE_OK)
    snprintf(why, sizeof(why), "%s", curl_easy_strerror(cc));
  else
    snprintf(why, sizeof(why), "HTTP %ld", status);
  if (hs->mode == HTTPSOURCE_CHECK)
    hs->host->log(hs->ctx, TF_LOG_ERROR,
                  "%s: %s %s: %s (tried once: checking the connection)",
                  hs->service, method, target, why);
  else if (hs->mode == HTTPSOURCE_PROBE)
    hs->host->log(hs->ctx, TF_LOG_WARN,
                  "%s: %s %s: %s; tried once at start, asked again when "
                  "reading (in %lld ms)",
                  hs->service, method, target, why, (long long)wait);
  else if (level == TF_LOG_WARN)
    hs->host->log(hs->ctx, TF_LOG_WARN, "%s: %s %s: %s; retrying in %lld ms",
                  hs->service, method, target, why, (long long)wait);
  else
    hs->host->log(hs->ctx, TF_LOG_ERROR,
                  "%s: %s %s failed after %d "
                  "attempts: %s",
                  hs->service, method, target, attempts, why);
}

/* --- Requests ------------------------------------------------------------ */

/* A request given up on a stop signal: TF_ERR_IO, said at info level (the
 * run stops; nothing failed). */
static int stopped(httpsource *hs, const char *method, const char *target)
{
  hs->interrupted = 1;
  hs->host->log(hs->ctx, TF_LOG_INFO,
                "%s: %s %s: a stop signal arrived; the request is given up "
                "and the position kept",
                hs->service, method, target);
  return TF_ERR_IO;
}

/* The retries ran out (none in check and probe modes): TF_ERR_IO, logged.
 * A probe's failure the run's policy would retry is a warning with the
 * wait the run owes. */
static int given_up(httpsource *hs, const char *method, const char *target,
                    const char *url, CURLcode cc, long status, const char *what,
                    long retry_after, int attempt)
{
  if (hs->mode == HTTPSOURCE_PROBE && attempt < hs->max_retries) {
    hs->retryable = 1;
    hs->owed_ms = wait_before_retry(hs, cc == CURLE_OK ? status : 0,
                                    retry_after, attempt);
    hs->owed_attempts = attempt + 1;
    log_attempt(hs, TF_LOG_WARN, method, target, cc, status, what, attempt + 1,
                hs->owed_ms);
  } else {
    log_attempt(hs, TF_LOG_ERROR, method, url, cc, status, what, attempt + 1,
                0);
  }
  return TF_ERR_IO;
}

/* Before a run's request, the wait a failed probe left owed; *attempt is
 * then the probe's count.  TF_OK, or TF_ERR_IO when a stop signal ended
 * the wait (still owed). */
static int pay_owed(httpsource *hs, const char *method, const char *target,
                    int *attempt)
{
  if (hs->mode != HTTPSOURCE_RUN || !hs->owed_attempts)
    return TF_OK;
  if (stopsignal_wait(&hs->stop, hs->owed_ms))
    return stopped(hs, method, target);
  *attempt = hs->owed_attempts;
  hs->owed_attempts = 0;
  return TF_OK;
}

/* Retries after the first attempt: none in check and probe modes. */
static int retries_of(const httpsource *hs)
{
  return hs->mode == HTTPSOURCE_RUN ? hs->max_retries : 0;
}

/* One request with the retry policy; when json is set, a 200 answer is
 * also parsed into *json (a JSON object), and retried when it is not and
 * retry_malformed is set. */
static int perform(httpsource *hs, const char *method, const char *target,
                   const char *body, const char *content_type,
                   httpsource_response *out, json_t **json)
{
  char *url = malloc(MAX_URL);
  struct curl_slist *headers = headers_for(hs, content_type);
  receiving rv = {out, 0, -1, hs->keep_header};
  int attempt, rc;

  out->status = 0;
  out->body = NULL;
  out->kept = NULL;
  out->len = 0;
  hs->interrupted = hs->retryable = 0;
  rc = url && headers ? url_of(hs, target, url) : TF_ERR_NOMEM;
  stopsignal_hold(&hs->stop);
  attempt = 0;
  if (rc == TF_OK)
    rc = pay_owed(hs, method, target, &attempt);
  for (; rc == TF_OK; attempt++) {
    CURLcode cc;
    json_error_t jerr;
    char what[256];
    int retry;

    out->len = 0;
    free(out->kept);
    out->kept = NULL;
    rv.retry_after = -1;
    what[0] = '\0';
    prepare(hs, method, url, body, headers, &rv);
    cc = curl_easy_perform(hs->curl);
    if (cc == CURLE_ABORTED_BY_CALLBACK) {
      rc = stopped(hs, method, target);
      break;
    }
    out->status = 0;
    if (cc == CURLE_OK)
      curl_easy_getinfo(hs->curl, CURLINFO_RESPONSE_CODE, &out->status);
    if (cc == CURLE_OK && json && out->status == 200) {
      *json = json_loadb(out->body ? out->body : "", out->len, 0, &jerr);
      if (*json && json_is_object(*json))
        break;
      json_decref(*json);
      *json = NULL;
      snprintf(what, sizeof(what), "the answer is not a JSON object (%s)",
               jerr.text);
      if (!hs->retry_malformed) {
        hs->host->log(hs->ctx, TF_LOG_ERROR, "%s: %s %s: %s", hs->service,
                      method, target, what);
        rc = TF_ERR_IO;
        break;
      }
    }
    retry =
        cc != CURLE_OK || out->status == 429 || out->status >= 500 || what[0];
    if (!retry)
      break;
    if (attempt >= retries_of(hs)) {
      rc = given_up(hs, method, target, url, cc, out->status,
                    what[0] ? what : NULL, rv.retry_after, attempt);
      break;
    }
    {
      int64_t wait = wait_before_retry(hs, cc == CURLE_OK ? out->status : 0,
                                       rv.retry_after, attempt);

      log_attempt(hs, TF_LOG_WARN, method, target, cc, out->status,
                  what[0] ? what : NULL, attempt + 1, wait);
      if (stopsignal_wait(&hs->stop, wait))
        rc = stopped(hs, method, target);
    }
  }
  stopsignal_release(&hs->stop);
  curl_slist_free_all(headers);
  free(url);
  if (rc != TF_OK)
    httpsource_response_free(out);
  else if (!out->body && !(out->body = calloc(1, 1)))
    rc = TF_ERR_NOMEM;
  return rc;
}

int httpsource_request(httpsource *hs, const char *method, const char *target,
                       const char *body, const char *content_type,
                       httpsource_response *out)
{
  return perform(hs, method, target, body, content_type, out, NULL);
}

/* A 401/403 answer, naming the whole URL (never the credentials). */
static void log_refused(httpsource *hs, const char *target, long status)
{
  char *url = malloc(MAX_URL);
  int whole = url && url_of(hs, target, url) == TF_OK;

  hs->host->log(hs->ctx, TF_LOG_ERROR,
                "%s refused the %s (HTTP %ld on GET %s): %s", hs->service,
                hs->credential, status, whole ? url : target, hs->auth_hint);
  free(url);
}

int httpsource_get_json(httpsource *hs, const char *target, json_t **out)
{
  httpsource_response r;
  int rc;

  *out = NULL;
  rc = perform(hs, "GET", target, NULL, NULL, &r, out);
  if (rc != TF_OK)
    return rc;
  if (r.status == 200)
    rc = TF_OK;
  else if (r.status == 401 || r.status == 403) {
    log_refused(hs, target, r.status);
    rc = TF_ERR_CONFIG;
  } else if (r.status == 404)
    rc = TF_ERR_NOTFOUND;
  else {
    hs->host->log(hs->ctx, TF_LOG_ERROR, "%s: GET %s: HTTP %ld", hs->service,
                  target, r.status);
    rc = TF_ERR_IO;
  }
  httpsource_response_free(&r);
  return rc;
}

void httpsource_set_mode(httpsource *hs, httpsource_mode mode)
{
  hs->mode = mode;
}

int httpsource_probe_end(httpsource *hs, int rc)
{
  hs->mode = HTTPSOURCE_RUN;
  if (rc == TF_ERR_IO && (hs->retryable || hs->interrupted))
    return TF_OK;
  hs->owed_attempts = 0;
  return rc;
}

int httpsource_interrupted(const httpsource *hs)
{
  return hs->interrupted;
}

int httpsource_sleep(httpsource *hs, int64_t ms)
{
  int rc = TF_OK;

  hs->interrupted = 0;
  stopsignal_hold(&hs->stop);
  if (stopsignal_wait(&hs->stop, ms))
    rc = stopped(hs, "waiting", "before the next request");
  stopsignal_release(&hs->stop);
  return rc;
}
