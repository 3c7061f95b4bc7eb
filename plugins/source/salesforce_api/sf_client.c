/*
 * sf_client.c - HTTP for the salesforce_api source (sf_client.h): one
 * blocking libcurl easy handle.
 *
 * Owns the retries (429 waits Retry-After; 5xx, a dropped connection and
 * an answer that is not the JSON promised back off and retry up to
 * max_retries), the token (asked for with the client credentials flow,
 * renewed once on INVALID_SESSION_ID), and turning Salesforce's error
 * answers ([{"errorCode", "message"}]) into the source's codes.  The
 * secrets and the token are sent, never logged, and wiped when freed.
 */
#include "sf_client.h"
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct sf_client {
  tf_ctx *ctx;
  const tf_host *host;
  CURL *curl;
  sf_client_settings set; /* strings owned */
  char api_path[64];
  char *token;    /* "Authorization: Bearer ..." */
  char *instance; /* the instance_url of the token, no '/' at the end */
};

typedef struct reply {
  long status; /* 0: no answer (transport error) */
  char *body;
  size_t len, cap;
  long retry_after; /* seconds; -1 when absent */
  char *locator;    /* Sforce-Locator */
} reply;

/* --- libcurl callbacks ------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
  reply *r = ud;
  size_t len = size * n;

  if (r->len + len + 1 > r->cap) {
    size_t cap = (r->len + len + 1) * 2;
    char *b = realloc(r->body, cap);

    if (!b)
      return 0;
    r->body = b;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, len);
  r->len += len;
  r->body[r->len] = '\0';
  return len;
}

/* The value of header `name` (with its ':') in data, trimmed, into buf. */
static int header_value(const char *data, size_t len, const char *name,
                        char *buf, size_t size)
{
  size_t k = strlen(name);

  if (len <= k || strncasecmp(data, name, k) != 0)
    return 0;
  data += k;
  len -= k;
  while (len > 0 && (*data == ' ' || *data == '\t'))
    data++, len--;
  while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n' ||
                     data[len - 1] == ' '))
    len--;
  if (len >= size)
    len = size - 1;
  memcpy(buf, data, len);
  buf[len] = '\0';
  return 1;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
  reply *r = ud;
  size_t len = size * n;
  char buf[256], *end;

  if (header_value(data, len, "retry-after:", buf, sizeof(buf))) {
    long v;

    errno = 0;
    v = strtol(buf, &end, 10);
    /* Only delta-seconds; an HTTP date counts as absent. */
    r->retry_after = errno == 0 && end != buf && !*end && v >= 0 ? v : -1;
  } else if (header_value(data, len, "sforce-locator:", buf, sizeof(buf))) {
    free(r->locator);
    r->locator = strcmp(buf, "null") == 0 || !*buf ? NULL : strdup(buf);
  }
  return len;
}

static void sleep_ms(int64_t ms)
{
  struct timespec ts;

  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static void reply_clear(reply *r)
{
  free(r->body);
  free(r->locator);
  memset(r, 0, sizeof(*r));
  r->retry_after = -1;
}

/* --- One request, with retries ----------------------------------------- */

/* One exchange: method (GET or POST) url, the headers and the body (NULL:
 * none).  r is cleared first.  CURLE_OK or libcurl's error. */
static CURLcode exchange(sf_client *c, const char *method, const char *url,
                         struct curl_slist *headers, const char *body,
                         reply *r)
{
  CURLcode cc;

  reply_clear(r);
  curl_easy_reset(c->curl);
  curl_easy_setopt(c->curl, CURLOPT_URL, url);
  curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->set.timeout_ms);
  curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
  if (strcmp(method, "POST") == 0)
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : "");
  cc = curl_easy_perform(c->curl);
  if (cc == CURLE_OK)
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
  return cc;
}

/* The wait before retry number attempt + 1. */
static int64_t retry_wait(const sf_client *c, const reply *r, int attempt)
{
  int64_t wait;

  if (r->status == 429 && r->retry_after >= 0)
    return (int64_t)r->retry_after * 1000;
  wait = c->set.backoff_ms << (attempt < 16 ? attempt : 16);
  return wait > 60000 ? 60000 : wait;
}

/* exchange() until an answer that is not 429 or 5xx, retrying as the file
 * comment says.  `what` names the call in messages ("GET /services/...").
 * TF_OK with r holding the answer; TF_ERR_IO after max_retries. */
static int request(sf_client *c, const char *method, const char *url,
                   struct curl_slist *headers, const char *body,
                   const char *what, reply *r)
{
  int attempt;

  for (attempt = 0;; attempt++) {
    CURLcode cc = exchange(c, method, url, headers, body, r);
    int64_t wait;

    if (cc == CURLE_OK && r->status != 429 && r->status < 500)
      return TF_OK;
    if (attempt >= c->set.max_retries) {
      if (cc != CURLE_OK)
        c->host->log(c->ctx, TF_LOG_ERROR,
                     "Salesforce API: %s failed after %d attempts: %s", what,
                     attempt + 1, curl_easy_strerror(cc));
      else
        c->host->log(c->ctx, TF_LOG_ERROR,
                     "Salesforce API: %s failed after %d attempts: HTTP %ld",
                     what, attempt + 1, r->status);
      return TF_ERR_IO;
    }
    wait = retry_wait(c, r, attempt);
    if (cc != CURLE_OK)
      c->host->log(c->ctx, TF_LOG_WARN,
                   "Salesforce API: %s: %s; retrying in %lld ms", what,
                   curl_easy_strerror(cc), (long long)wait);
    else
      c->host->log(c->ctx, TF_LOG_WARN,
                   "Salesforce API: %s: HTTP %ld; retrying in %lld ms", what,
                   r->status, (long long)wait);
    c->host->metric(c->ctx, "http_retries", 1);
    sleep_ms(wait);
  }
}

/* --- Token ------------------------------------------------------------- */

static char *dup_trimmed(const char *url)
{
  char *s = strdup(url);
  size_t n = s ? strlen(s) : 0;

  while (n > 0 && s[n - 1] == '/')
    s[--n] = '\0';
  return s;
}

static void wipe(char *s)
{
  if (!s)
    return;
  memset(s, 0, strlen(s));
  free(s);
}

/* "grant_type=client_credentials&client_id=..&client_secret=.." */
static char *token_form(sf_client *c)
{
  char *id = curl_easy_escape(c->curl, c->set.client_id, 0);
  char *secret = curl_easy_escape(c->curl, c->set.client_secret, 0);
  size_t n = (id ? strlen(id) : 0) + (secret ? strlen(secret) : 0) + 80;
  char *form = id && secret ? malloc(n) : NULL;

  if (form)
    snprintf(form, n,
             "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
             secret);
  if (secret)
    memset(secret, 0, strlen(secret));
  curl_free(id);
  curl_free(secret);
  return form;
}

/* Keeps the token and instance_url of a token answer. */
static int keep_token(sf_client *c, const json_t *answer)
{
  const char *tok = json_string_value(json_object_get(answer, "access_token"));
  const char *inst = json_string_value(json_object_get(answer, "instance_url"));
  size_t n;

  if (!tok || !*tok) {
    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API: the token answer of %s/services/oauth2/token "
                 "has no access_token",
                 c->set.login_url);
    return TF_ERR_IO;
  }
  wipe(c->token);
  free(c->instance);
  n = strlen(tok) + 32;
  c->token = malloc(n);
  /* No instance_url (UNCONFIRMED that it is always there): the login URL,
   * a My Domain URL, serves the API too. */
  c->instance = dup_trimmed(inst && *inst ? inst : c->set.login_url);
  if (!c->token || !c->instance)
    return TF_ERR_NOMEM;
  snprintf(c->token, n, "Authorization: Bearer %s", tok);
  return TF_OK;
}

int sf_client_login(sf_client *c)
{
  size_t n = strlen(c->set.login_url) + 32;
  char *url = malloc(n), *form = token_form(c);
  struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
  reply r = {0, NULL, 0, 0, -1, NULL};
  json_t *answer = NULL;
  int rc = url && form && h ? TF_OK : TF_ERR_NOMEM;

  if (rc == TF_OK) {
    snprintf(url, n, "%s/services/oauth2/token", c->set.login_url);
    rc = request(c, "POST", url, h, form, "POST /services/oauth2/token", &r);
  }
  if (rc == TF_OK && r.status == 200)
    answer = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
  if (rc == TF_OK && answer)
    rc = keep_token(c, answer);
  else if (rc == TF_OK && r.status == 200) {
    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API: the token answer is not JSON");
    rc = TF_ERR_IO;
  } else if (rc == TF_OK) {
    json_t *err = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
    const char *e = json_string_value(json_object_get(err, "error"));

    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API refused the client credentials (HTTP %ld%s%s "
                 "from %s): check `endpoint` and the "
                 "environment variables the `client_id` and `client_secret` "
                 "options name, and that the connected app allows the client "
                 "credentials flow",
                 r.status, e ? ", " : "", e ? e : "", url);
    json_decref(err);
    rc = TF_ERR_CONFIG;
  }
  json_decref(answer);
  if (r.body)
    memset(r.body, 0, r.len); /* the token */
  reply_clear(&r);
  curl_slist_free_all(h);
  wipe(form);
  free(url);
  return rc;
}

/* --- Authenticated calls ----------------------------------------------- */

/* The first errorCode and message of an error answer ([{...}] or {...}). */
static void error_of(const reply *r, const char **code, const char **msg,
                     json_t **holder)
{
  json_t *e = json_loadb(r->body ? r->body : "", r->len, 0, NULL);
  const json_t *first = json_is_array(e) ? json_array_get(e, 0) : e;

  *holder = e;
  *code = json_string_value(json_object_get(first, "errorCode"));
  *msg = json_string_value(json_object_get(first, "message"));
  if (!*code)
    *code = "";
  if (!*msg)
    *msg = "";
}

/* The answer of an error status as a code; logged. */
static int refused(sf_client *c, const reply *r, const char *what)
{
  const char *code, *msg;
  json_t *holder;
  int rc;

  error_of(r, &code, &msg, &holder);
  if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0) {
    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API: %s: REQUEST_LIMIT_EXCEEDED (%s): the org's "
                 "API request limit is used up; the run stops here, keeping "
                 "what it read, and the next run goes on from there",
                 what, msg);
    c->host->metric(c->ctx, "request_limit_exceeded", 1);
    rc = SF_LIMIT_EXCEEDED;
  } else {
    c->host->log(c->ctx, TF_LOG_ERROR, "Salesforce API: %s: HTTP %ld %s%s%s",
                 what, r->status, code, *code ? ": " : "", msg);
    rc = r->status == 401 || r->status == 403 || r->status == 400 ||
                 r->status == 404
             ? TF_ERR_CONFIG
             : TF_ERR_IO;
  }
  json_decref(holder);
  return rc;
}

static int is_invalid_session(const reply *r)
{
  const char *code, *msg;
  json_t *holder;
  int yes;

  if (r->status != 401)
    return 0;
  error_of(r, &code, &msg, &holder);
  yes = strcmp(code, "INVALID_SESSION_ID") == 0 || !*code;
  json_decref(holder);
  return yes;
}

/* method path on the instance with the token, renewing it once; TF_OK
 * with a 200 answer in r. */
static int call(sf_client *c, const char *method, const char *path,
                const char *json_body, reply *r)
{
  char what[160];
  int renewed = 0, rc = c->token ? TF_OK : sf_client_login(c);

  snprintf(what, sizeof(what), "%s %.140s", method, path);
  while (rc == TF_OK) {
    size_t n = strlen(c->instance) + strlen(path) + 1;
    char *url = malloc(n), opts[64];
    struct curl_slist *h = curl_slist_append(NULL, c->token);

    snprintf(opts, sizeof(opts), "Sforce-Query-Options: batchSize=%ld",
             c->set.batch_size);
    if (h)
      h = curl_slist_append(h, opts);
    if (h && json_body)
      h = curl_slist_append(h, "Content-Type: application/json");
    if (!url || !h) {
      free(url);
      curl_slist_free_all(h);
      return TF_ERR_NOMEM;
    }
    snprintf(url, n, "%s%s", c->instance, path);
    rc = request(c, method, url, h, json_body, what, r);
    curl_slist_free_all(h);
    free(url);
    if (rc != TF_OK || r->status == 200)
      return rc;
    if (!is_invalid_session(r) || renewed)
      return refused(c, r, what);
    c->host->log(c->ctx, TF_LOG_INFO,
                 "Salesforce API: %s: the session expired "
                 "(INVALID_SESSION_ID); asking for a new token",
                 what);
    c->host->metric(c->ctx, "token_renewals", 1);
    renewed = 1;
    rc = sf_client_login(c);
  }
  return rc;
}

/* call() whose 200 answer must be a JSON object; one that is not (cut
 * short, malformed) is retried like a 5xx. */
static int call_json(sf_client *c, const char *method, const char *path,
                     const char *json_body, json_t **out)
{
  reply r = {0, NULL, 0, 0, -1, NULL};
  int attempt, rc = TF_OK;

  *out = NULL;
  for (attempt = 0; rc == TF_OK; attempt++) {
    json_error_t jerr;

    rc = call(c, method, path, json_body, &r);
    if (rc != TF_OK)
      break;
    *out = json_loadb(r.body ? r.body : "", r.len, 0, &jerr);
    if (json_is_object(*out))
      break;
    json_decref(*out);
    *out = NULL;
    if (attempt >= c->set.max_retries) {
      c->host->log(c->ctx, TF_LOG_ERROR,
                   "Salesforce API: %s %.140s: the answer is not a JSON object "
                   "(%s), %d attempts",
                   method, path, jerr.text, attempt + 1);
      rc = TF_ERR_IO;
      break;
    }
    c->host->log(c->ctx, TF_LOG_WARN,
                 "Salesforce API: %s %.140s: the answer is not a JSON object "
                 "(%s); retrying",
                 method, path, jerr.text);
    c->host->metric(c->ctx, "http_retries", 1);
    sleep_ms(retry_wait(c, &r, attempt));
  }
  reply_clear(&r);
  return rc;
}

int sf_client_get_json(sf_client *c, const char *path, json_t **out)
{
  return call_json(c, "GET", path, NULL, out);
}

int sf_client_post_json(sf_client *c, const char *path, const json_t *body,
                        json_t **out)
{
  char *text = json_dumps(body, JSON_COMPACT);
  int rc = text ? call_json(c, "POST", path, text, out) : TF_ERR_NOMEM;

  free(text);
  return rc;
}

int sf_client_get_text(sf_client *c, const char *path, char **body,
                       size_t *len, char **locator)
{
  reply r = {0, NULL, 0, 0, -1, NULL};
  int rc = call(c, "GET", path, NULL, &r);

  if (rc == TF_OK) {
    *body = r.body ? r.body : strdup("");
    *len = r.len;
    *locator = r.locator;
    r.body = NULL;
    r.locator = NULL;
    if (!*body)
      rc = TF_ERR_NOMEM;
  }
  reply_clear(&r);
  return rc;
}

/* --- Lifecycle --------------------------------------------------------- */

int sf_client_new(tf_ctx *ctx, const tf_host *host,
                  const sf_client_settings *set, sf_client **out)
{
  sf_client *c = calloc(1, sizeof(*c));

  *out = NULL;
  if (!c)
    return TF_ERR_NOMEM;
  c->ctx = ctx;
  c->host = host;
  c->set = *set;
  c->set.login_url = dup_trimmed(set->login_url);
  c->set.client_id = strdup(set->client_id ? set->client_id : "");
  c->set.client_secret = strdup(set->client_secret ? set->client_secret : "");
  c->set.api_version = strdup(set->api_version);
  c->curl = curl_easy_init();
  if (!c->set.login_url || !c->set.client_id || !c->set.client_secret ||
      !c->set.api_version || !c->curl) {
    sf_client_free(c);
    return TF_ERR_NOMEM;
  }
  snprintf(c->api_path, sizeof(c->api_path), "/services/data/%s",
           c->set.api_version);
  *out = c;
  return TF_OK;
}

void sf_client_free(sf_client *c)
{
  if (!c)
    return;
  if (c->curl)
    curl_easy_cleanup(c->curl);
  free((char *)c->set.login_url);
  wipe((char *)c->set.client_id);
  wipe((char *)c->set.client_secret);
  free((char *)c->set.api_version);
  wipe(c->token);
  free(c->instance);
  free(c);
}

const char *sf_client_api_path(const sf_client *c)
{
  return c->api_path;
}

char *sf_client_escape(sf_client *c, const char *text)
{
  char *e = curl_easy_escape(c->curl, text, 0);
  char *copy = e ? strdup(e) : NULL;

  curl_free(e);
  return copy;
}
