/*
 * client.c - REST calls: token, envelope, retry classes, GET-as-POST (see
 * client.h).
 *
 * Owns the transport, the token cache and every open call.  A call waits
 * for a token when there is none (parked), is sent, and when its exchange
 * ends is classified: success, token renewal, backoff and retry, or the
 * end of the call with an error code for its records.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "auth.h"
#include "client.h"
#include "http.h"
#include "retry.h"

/* Marketo answers 414 past 8 KB of URI; switch to POST before that. */
#define MAX_GET_URL 8000
/* Token renewals one call may ask for before it gives up. */
#define MAX_RENEWALS 3

typedef struct mkto_call mkto_call;

struct mkto_client {
  const mkto_config *cfg;
  tf_ctx *ctx;
  const tf_host *host;
  mkto_http *http;
  mkto_auth auth;
  mkto_call *calls;  /* every open call */
  mkto_call *parked; /* waiting for a token */
  unsigned seed;
  int failed;
  char failure[600];
};

struct mkto_call {
  mkto_client *client;
  char *path;
  char *query;  /* GET: the encoded query, or NULL */
  char *url;    /* as sent */
  char *body;   /* POST body, or NULL */
  char *token;  /* the Authorization line it was sent with */
  int is_get;   /* a GET (possibly sent as POST _method=GET) */
  int as_post;  /* a GET sent as POST */
  int attempt;  /* retries so far */
  int renewals; /* token renewals so far */
  mkto_exchange ex;
  mkto_call_done done;
  void *ud;
  mkto_call *prev, *next; /* open calls */
  mkto_call *parked_next;
  char code[32];
  char message[512];
};

static void on_exchange(void *ud, mkto_exchange *ex);
static void on_token_ready(void *ud);

int mkto_client_new(mkto_client **out, const mkto_config *cfg, tf_ctx *ctx,
                    const tf_host *host)
{
  mkto_client *client = calloc(1, sizeof(*client));
  int rc;

  *out = NULL;
  if (!client)
    return TF_ERR_NOMEM;
  client->cfg = cfg;
  client->ctx = ctx;
  client->host = host;
  client->seed = (unsigned)mkto_now_ms() ^ 0x9e3779b9u;
  rc = mkto_http_new(&client->http, cfg->max_in_flight, cfg->max_calls,
                     cfg->rate_window_ms, cfg->connect_timeout_ms,
                     cfg->request_timeout_ms);
  if (rc != TF_OK)
    goto out_free_client;
  rc = mkto_auth_init(&client->auth, client->http, cfg, ctx, host,
                      on_token_ready, client);
  if (rc != TF_OK)
    goto out_free_http;
  *out = client;
  return TF_OK;

out_free_http:
  mkto_auth_clear(&client->auth);
  mkto_http_free(client->http);
out_free_client:
  free(client);
  return rc;
}

static void call_free(mkto_call *call)
{
  mkto_exchange_clear(&call->ex);
  free(call->path);
  free(call->query);
  free(call->url);
  free(call->body);
  free(call->token);
  free(call);
}

void mkto_client_free(mkto_client *client)
{
  if (!client)
    return;
  mkto_http_free(client->http);
  while (client->calls) {
    mkto_call *call = client->calls;

    client->calls = call->next;
    call_free(call);
  }
  mkto_auth_clear(&client->auth);
  free(client);
}

const char *mkto_client_failure(const mkto_client *client)
{
  return client->failed ? client->failure : NULL;
}

int mkto_client_credentials_refused(const mkto_client *client)
{
  return client->auth.refused;
}

void mkto_client_fail(mkto_client *client, const char *reason)
{
  if (client->failed)
    return;
  client->failed = 1;
  snprintf(client->failure, sizeof(client->failure), "%s", reason);
  client->host->log(client->ctx, TF_LOG_ERROR, "%s", reason);
}

void mkto_client_step(mkto_client *client, int64_t max_wait_ms)
{
  if (client->failed)
    return;
  if (mkto_http_step(client->http, max_wait_ms) != TF_OK)
    mkto_client_fail(client, "the HTTP transport (libcurl) failed");
}

/* --- Sending ---------------------------------------------------------- */

static void park(mkto_call *call)
{
  call->parked_next = call->client->parked;
  call->client->parked = call;
}

/* Sends the call now or, without a valid token, when one arrives. */
static void send_call(mkto_call *call, int64_t not_before)
{
  mkto_client *client = call->client;
  const char *header;

  if (client->failed)
    return;
  header = mkto_auth_header(&client->auth);
  if (!header) {
    if (client->auth.failed)
      mkto_client_fail(client, client->auth.message);
    else
      park(call);
    return;
  }
  free(call->token);
  call->token = strdup(header);
  if (!call->token) {
    mkto_client_fail(client, "out of memory");
    return;
  }
  call->ex.url = call->url;
  call->ex.body = call->body;
  call->ex.authorization = call->token;
  call->ex.counted = 1;
  call->ex.not_before = not_before;
  client->host->metric(client->ctx, "api_calls", 1);
  mkto_http_submit(client->http, &call->ex);
}

static void on_token_ready(void *ud)
{
  mkto_client *client = ud;
  mkto_call *call = client->parked;

  client->parked = NULL;
  if (client->auth.failed) {
    mkto_client_fail(client, client->auth.message);
    return;
  }
  while (call) {
    mkto_call *next = call->parked_next;

    send_call(call, 0);
    call = next;
  }
}

static char *join3(const char *a, const char *b, const char *c)
{
  size_t size = strlen(a) + strlen(b) + strlen(c) + 1;
  char *out = malloc(size);

  if (out)
    snprintf(out, size, "%s%s%s", a, b, c);
  return out;
}

/* Builds url and body: a GET, a GET as POST, or a POST. */
static int build_request(mkto_call *call)
{
  const char *endpoint = call->client->cfg->endpoint;
  char *base = join3(endpoint, call->path, "");

  if (!base)
    return TF_ERR_NOMEM;
  free(call->url);
  call->url = NULL;
  if (call->is_get && !call->as_post && call->query &&
      strlen(base) + 1 + strlen(call->query) > MAX_GET_URL)
    call->as_post = 1;
  if (call->is_get && call->as_post) {
    call->url = join3(base, "?_method=GET", "");
    free(call->body);
    call->body = strdup(call->query ? call->query : "");
    call->ex.content_type = "application/x-www-form-urlencoded";
    if (call->body)
      call->client->host->metric(call->client->ctx, "get_as_post", 1);
  } else if (call->is_get) {
    call->url =
        join3(base, call->query ? "?" : "", call->query ? call->query : "");
  } else {
    call->url = strdup(base);
    call->ex.content_type = "application/json";
  }
  free(base);
  if (!call->url || (call->as_post && !call->body))
    return TF_ERR_NOMEM;
  return TF_OK;
}

static mkto_call *call_new(mkto_client *client, const char *path,
                           mkto_call_done done, void *ud)
{
  mkto_call *call = calloc(1, sizeof(*call));

  if (!call)
    return NULL;
  call->client = client;
  call->done = done;
  call->ud = ud;
  call->ex.done = on_exchange;
  call->ex.ud = call;
  call->path = strdup(path);
  if (!call->path) {
    free(call);
    return NULL;
  }
  return call;
}

static void call_open(mkto_call *call)
{
  mkto_client *client = call->client;

  call->next = client->calls;
  if (client->calls)
    client->calls->prev = call;
  client->calls = call;
  send_call(call, 0);
}

int mkto_client_get(mkto_client *client, const char *path, const char *query,
                    mkto_call_done done, void *ud)
{
  mkto_call *call = call_new(client, path, done, ud);

  if (!call)
    return TF_ERR_NOMEM;
  call->is_get = 1;
  if ((query && !(call->query = strdup(query))) ||
      build_request(call) != TF_OK) {
    call_free(call);
    return TF_ERR_NOMEM;
  }
  call_open(call);
  return TF_OK;
}

int mkto_client_post_json(mkto_client *client, const char *path,
                          const char *body, mkto_call_done done, void *ud)
{
  mkto_call *call = call_new(client, path, done, ud);

  if (!call)
    return TF_ERR_NOMEM;
  call->body = strdup(body);
  if (!call->body || build_request(call) != TF_OK) {
    call_free(call);
    return TF_ERR_NOMEM;
  }
  call_open(call);
  return TF_OK;
}

/* --- Answers ---------------------------------------------------------- */

static void call_close(mkto_call *call, const json_t *body)
{
  mkto_client *client = call->client;
  mkto_outcome outcome;

  if (call->prev)
    call->prev->next = call->next;
  else
    client->calls = call->next;
  if (call->next)
    call->next->prev = call->prev;
  outcome.body = body;
  outcome.code = body ? NULL : call->code;
  outcome.message = body ? NULL : call->message;
  call->done(call->ud, &outcome);
  call_free(call);
}

static void set_error(mkto_call *call, const char *code, const char *fmt, ...)
    TF_PRINTF(3, 4);
static void set_error(mkto_call *call, const char *code, const char *fmt, ...)
{
  va_list ap;

  snprintf(call->code, sizeof(call->code), "%s", code);
  va_start(ap, fmt);
  vsnprintf(call->message, sizeof(call->message), fmt, ap);
  va_end(ap);
}

/* A transient failure: send again after a backoff, or give up. */
static void retry_or_close(mkto_call *call)
{
  mkto_client *client = call->client;
  const mkto_config *cfg = client->cfg;
  size_t len = strlen(call->message);

  if (call->attempt >= cfg->max_retries) {
    snprintf(call->message + len, sizeof(call->message) - len,
             " (gave up after %d retries)", call->attempt);
    client->host->log(client->ctx, TF_LOG_WARN, "%s %s: %s",
                      call->is_get ? "GET" : "POST", call->path, call->message);
    call_close(call, NULL);
    return;
  }
  client->host->metric(client->ctx, "retries", 1);
  client->host->log(client->ctx, TF_LOG_DEBUG, "%s %s: %s; retrying",
                    call->is_get ? "GET" : "POST", call->path, call->message);
  send_call(call, mkto_now_ms() +
                      mkto_backoff_ms(cfg->retry_base_ms, cfg->retry_cap_ms,
                                      call->attempt++, &client->seed));
}

/* The first error of a success:false envelope, code as text. */
static void envelope_error(const json_t *body, char *code, size_t code_len,
                           const char **message)
{
  const json_t *err = json_array_get(json_object_get(body, "errors"), 0);
  const json_t *c = json_object_get(err, "code");

  if (json_is_integer(c))
    snprintf(code, code_len, "%lld", (long long)json_integer_value(c));
  else
    snprintf(code, code_len, "%s",
             json_is_string(c) ? json_string_value(c) : "unknown");
  *message = json_string_value(json_object_get(err, "message"));
  if (!*message)
    *message = "(no message)";
}

static void on_refused(mkto_call *call, const json_t *body)
{
  mkto_client *client = call->client;
  char code[16], prefixed[32], text[400];
  const char *message;

  envelope_error(body, code, sizeof(code), &message);
  snprintf(prefixed, sizeof(prefixed), "marketo_%s", code);
  snprintf(text, sizeof(text), "Marketo error %s: %s", code, message);
  set_error(call, prefixed, "%s", text);
  switch (mkto_retry_class_of(code)) {
  case MKTO_REAUTH:
    if (call->renewals++ >= MAX_RENEWALS) {
      call_close(call, NULL);
      return;
    }
    mkto_auth_invalidate(&client->auth, call->token);
    send_call(call, 0);
    return;
  case MKTO_BACKOFF: retry_or_close(call); return;
  case MKTO_FATAL:
    snprintf(text, sizeof(text),
             "Marketo denied access (%s: %s); check the API user's "
             "permissions and IP allowlist",
             code, message);
    mkto_client_fail(client, text);
    return;
  case MKTO_FAIL: call_close(call, NULL); return;
  }
}

static void on_answer(mkto_call *call, mkto_exchange *ex)
{
  json_t *body = json_loads(ex->response ? ex->response : "", 0, NULL);

  if (!json_is_object(body)) {
    set_error(call, "marketo_bad_response", "%s",
              "the answer is not a JSON object");
    retry_or_close(call);
  } else if (json_is_true(json_object_get(body, "success"))) {
    call_close(call, body);
  } else {
    on_refused(call, body);
  }
  json_decref(body);
}

static void on_exchange(void *ud, mkto_exchange *ex)
{
  mkto_call *call = ud;
  char status[32];

  snprintf(status, sizeof(status), "http_%ld", ex->status);
  if (ex->transport_error) {
    set_error(call, ex->timed_out ? "http_timeout" : "http_connection", "%s",
              ex->error);
    retry_or_close(call);
  } else if (ex->status == 414 && call->is_get && !call->as_post) {
    call->as_post = 1;
    if (build_request(call) != TF_OK)
      mkto_client_fail(call->client, "out of memory");
    else
      send_call(call, 0);
  } else if (ex->status >= 500) {
    set_error(call, status, "Marketo answered HTTP %s", status + 5);
    retry_or_close(call);
  } else if (ex->status == 401) {
    mkto_client_fail(call->client,
                     "Marketo answered HTTP 401 to a REST call; check the "
                     "endpoint and the credentials");
  } else if (ex->status != 200) {
    set_error(call, status, "Marketo answered HTTP %s", status + 5);
    call_close(call, NULL);
  } else {
    on_answer(call, ex);
  }
}

void mkto_item_read(const json_t *item, mkto_item *out)
{
  const json_t *reasons = json_object_get(item, "reasons");
  const json_t *reason = json_is_array(reasons)
                             ? json_array_get(reasons, 0)
                             : json_object_get(item, "reason");
  const json_t *code = json_object_get(reason, "code");

  out->id = json_integer_value(json_object_get(item, "id"));
  out->status = json_string_value(json_object_get(item, "status"));
  out->code = NULL;
  out->message = NULL;
  if (!reason)
    return;
  if (json_is_integer(code)) {
    snprintf(out->code_text, sizeof(out->code_text), "%lld",
             (long long)json_integer_value(code));
    out->code = out->code_text;
  } else {
    out->code = json_string_value(code);
  }
  out->message = json_string_value(json_object_get(reason, "message"));
}
