/*
 * sf_client.c - the Salesforce calls of the salesforce_api source
 * (sf_client.h), over the live sources' shared HTTP client
 * (plugins/common/httpsource.h: libcurl, the token sent and never logged,
 * 429 Retry-After, 5xx and dropped connections retried with backoff).
 *
 * Owns the token (asked for with the client credentials flow, renewed
 * once on INVALID_SESSION_ID), retrying a 200 whose body is not the JSON
 * promised, and turning Salesforce's error answers ([{"errorCode",
 * "message"}]) into the source's codes.  The secrets are wiped when freed.
 */
#include "sf_client.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../../common/httpsource.h"

struct sf_client {
  tf_ctx *ctx;
  const tf_host *host;
  httpsource *http;       /* endpoint: the login URL */
  sf_client_settings set; /* strings owned */
  char api_path[64];
  int has_token;
  char *instance; /* the instance_url of the token, no '/' at the end */
};

typedef httpsource_response reply;

httpsource *sf_client_http(sf_client *c)
{
  return c->http;
}

int sf_client_sleep(sf_client *c, int64_t ms)
{
  return httpsource_sleep(c->http, ms);
}

static void reply_clear(reply *r)
{
  httpsource_response_free(r);
  r->status = 0;
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
  char *id = httpsource_escape(c->http, c->set.client_id);
  char *secret = httpsource_escape(c->http, c->set.client_secret);
  size_t n = (id ? strlen(id) : 0) + (secret ? strlen(secret) : 0) + 80;
  char *form = id && secret ? malloc(n) : NULL;

  if (form)
    snprintf(form, n,
             "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
             secret);
  free(id);
  wipe(secret);
  return form;
}

/* Keeps the token and instance_url of a token answer. */
static int keep_token(sf_client *c, const json_t *answer)
{
  const char *tok = json_string_value(json_object_get(answer, "access_token"));
  const char *inst = json_string_value(json_object_get(answer, "instance_url"));

  if (!tok || !*tok) {
    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API: the token answer of %s/services/oauth2/token "
                 "has no access_token",
                 c->set.login_url);
    return TF_ERR_IO;
  }
  free(c->instance);
  /* No instance_url (UNCONFIRMED that it is always there): the login URL,
   * a My Domain URL, serves the API too. */
  c->instance = dup_trimmed(inst && *inst ? inst : c->set.login_url);
  if (!c->instance || httpsource_set_bearer(c->http, tok) != TF_OK)
    return TF_ERR_NOMEM;
  c->has_token = 1;
  return TF_OK;
}

int sf_client_login(sf_client *c)
{
  char *form = token_form(c);
  reply r = {0, NULL, 0, NULL};
  json_t *answer = NULL;
  int rc =
      form ? httpsource_request(c->http, "POST", "/services/oauth2/token", form,
                                "application/x-www-form-urlencoded", &r)
           : TF_ERR_NOMEM;

  if (rc == TF_OK && r.status == 200)
    answer = json_loadb(r.body, r.len, 0, NULL);
  if (rc == TF_OK && answer)
    rc = keep_token(c, answer);
  else if (rc == TF_OK && r.status == 200) {
    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API: the token answer is not JSON");
    rc = TF_ERR_IO;
  } else if (rc == TF_OK) {
    json_t *err = json_loadb(r.body, r.len, 0, NULL);
    const char *e = json_string_value(json_object_get(err, "error"));

    c->host->log(c->ctx, TF_LOG_ERROR,
                 "Salesforce API refused the client credentials (HTTP %ld%s%s "
                 "from %s/services/oauth2/token): check `endpoint` and the "
                 "environment variables the `client_id` and `client_secret` "
                 "options name, and that the connected app allows the client "
                 "credentials flow",
                 r.status, e ? ", " : "", e ? e : "", c->set.login_url);
    json_decref(err);
    rc = TF_ERR_CONFIG;
  }
  json_decref(answer);
  if (r.body)
    memset(r.body, 0, r.len); /* the token */
  reply_clear(&r);
  wipe(form);
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
  int renewed = 0, rc = c->has_token ? TF_OK : sf_client_login(c);

  snprintf(what, sizeof(what), "%s %.140s", method, path);
  while (rc == TF_OK) {
    size_t n = strlen(c->instance) + strlen(path) + 1;
    char *url = malloc(n);

    if (!url)
      return TF_ERR_NOMEM;
    snprintf(url, n, "%s%s", c->instance, path);
    reply_clear(r);
    rc = httpsource_request(c->http, method, url, json_body,
                            json_body ? "application/json" : NULL, r);
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
 * short, malformed) is asked again after `backoff`, up to max_retries
 * times. */
static int call_json(sf_client *c, const char *method, const char *path,
                     const char *json_body, json_t **out)
{
  reply r = {0, NULL, 0, NULL};
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
    rc = sf_client_sleep(c, c->set.backoff_ms);
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

int sf_client_get_text(sf_client *c, const char *path, char **body, size_t *len,
                       char **locator)
{
  reply r = {0, NULL, 0, NULL};
  int rc = call(c, "GET", path, NULL, &r);

  if (rc == TF_OK) {
    *body = r.body ? r.body : strdup("");
    *len = r.len;
    *locator = r.kept && *r.kept && strcmp(r.kept, "null") != 0 ? r.kept : NULL;
    if (!*locator)
      free(r.kept);
    r.body = NULL;
    r.kept = NULL;
    if (!*body)
      rc = TF_ERR_NOMEM;
  }
  reply_clear(&r);
  return rc;
}

/* --- Lifecycle --------------------------------------------------------- */

/* The shared HTTP client (plugins/common/httpsource.h) of the settings,
 * sending the batch size with every request. */
static int open_http(sf_client *c)
{
  char opts[64];
  httpsource_options o = {.service = "Salesforce API",
                          .endpoint = c->set.login_url,
                          .timeout_ms = c->set.timeout_ms,
                          .max_retries = c->set.max_retries,
                          .backoff_ms = c->set.backoff_ms,
                          .credential = "token",
                          .auth_hint = "check the client credentials",
                          .keep_header = "Sforce-Locator"};
  int rc = httpsource_new(c->ctx, c->host, &o, &c->http);

  snprintf(opts, sizeof(opts), "Sforce-Query-Options: batchSize=%ld",
           c->set.batch_size);
  return rc == TF_OK ? httpsource_set_header(c->http, opts) : rc;
}

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
  if (!c->set.login_url || !c->set.client_id || !c->set.client_secret ||
      !c->set.api_version || open_http(c) != TF_OK) {
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
  httpsource_free(c->http);
  free((char *)c->set.login_url);
  wipe((char *)c->set.client_id);
  wipe((char *)c->set.client_secret);
  free((char *)c->set.api_version);
  free(c->instance);
  free(c);
}

const char *sf_client_api_path(const sf_client *c)
{
  return c->api_path;
}

char *sf_client_escape(sf_client *c, const char *text)
{
  return httpsource_escape(c->http, text);
}
