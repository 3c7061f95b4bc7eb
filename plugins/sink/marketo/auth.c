/*
 * auth.c - the access token cache (see auth.h).
 *
 * Owns the Identity URL (it carries the client secret as a query parameter,
 * as the Identity API wants: it is never logged, and curl's error texts name
 * the host only), the current token's header line and the one exchange that
 * fetches a token.
 *
 * Renewal: a token is renewed in the background once 3/4 of its life or all
 * but 60 s of it has passed, while it is still used.  Identity hands out the
 * same token again when asked before it expires; such a token is then kept
 * until it expires (a call answered 602 renews it and is sent again).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <touchflow/error.h>
#include "auth.h"
#include "retry.h"

#define RENEW_MARGIN_MS 60000

static void on_token(void *ud, mkto_exchange *ex);

static char *identity_url(const mkto_config *cfg)
{
  char *id = mkto_url_escape(cfg->client_id);
  char *secret = mkto_url_escape(cfg->client_secret);
  char *url = NULL;
  size_t size;

  if (!id || !secret)
    goto out_free_escaped;
  size = strlen(cfg->endpoint) + strlen(id) + strlen(secret) + 96;
  url = malloc(size);
  if (url)
    snprintf(url, size,
             "%s/identity/oauth/token?grant_type=client_credentials"
             "&client_id=%s&client_secret=%s",
             cfg->endpoint, id, secret);
out_free_escaped:
  if (secret)
    memset(secret, 0, strlen(secret));
  free(secret);
  free(id);
  return url;
}

int mkto_auth_init(mkto_auth *auth, mkto_http *http, const mkto_config *cfg,
                   tf_ctx *ctx, const tf_host *host, mkto_auth_ready ready,
                   void *ud)
{
  memset(auth, 0, sizeof(*auth));
  auth->http = http;
  auth->cfg = cfg;
  auth->ctx = ctx;
  auth->host = host;
  auth->ready = ready;
  auth->ud = ud;
  auth->seed = (unsigned)mkto_now_ms() ^ 0x5bd1e995u;
  auth->url = identity_url(cfg);
  if (!auth->url)
    return TF_ERR_NOMEM;
  auth->ex.url = auth->url;
  auth->ex.done = on_token;
  auth->ex.ud = auth;
  return TF_OK;
}

void mkto_auth_clear(mkto_auth *auth)
{
  if (auth->url)
    memset(auth->url, 0, strlen(auth->url));
  free(auth->url);
  free(auth->header);
  mkto_exchange_clear(&auth->ex);
  auth->url = NULL;
  auth->header = NULL;
}

static void fetch(mkto_auth *auth, int64_t not_before)
{
  auth->fetching = 1;
  auth->ex.not_before = not_before;
  mkto_http_submit(auth->http, &auth->ex);
}

const char *mkto_auth_header(mkto_auth *auth)
{
  int64_t now = mkto_now_ms();

  if (auth->failed)
    return NULL;
  if (auth->header && now < auth->expires_at) {
    if (now >= auth->renew_at && !auth->fetching)
      fetch(auth, 0);
    return auth->header;
  }
  if (!auth->fetching)
    fetch(auth, 0);
  return NULL;
}

void mkto_auth_invalidate(mkto_auth *auth, const char *header)
{
  if (!auth->header || !header || strcmp(auth->header, header) != 0)
    return;
  free(auth->header);
  auth->header = NULL;
}

static void fail(mkto_auth *auth, const char *fmt, ...) TF_PRINTF(2, 3);
static void fail(mkto_auth *auth, const char *fmt, ...)
{
  va_list ap;

  auth->failed = 1;
  va_start(ap, fmt);
  vsnprintf(auth->message, sizeof(auth->message), fmt, ap);
  va_end(ap);
}

/* Stores the token of a 200 answer; TF_OK, TF_ERR_PARSE or TF_ERR_NOMEM. */
static int take_token(mkto_auth *auth, const json_t *body)
{
  const char *token = json_string_value(json_object_get(body, "access_token"));
  json_int_t ttl = json_integer_value(json_object_get(body, "expires_in"));
  int64_t now = mkto_now_ms(), margin;
  size_t size;
  char *header;

  if (!token || token[0] == '\0' || ttl <= 0)
    return TF_ERR_PARSE;
  size = strlen(token) + sizeof("Authorization: Bearer ");
  header = malloc(size);
  if (!header)
    return TF_ERR_NOMEM;
  snprintf(header, size, "Authorization: Bearer %s", token);
  auth->expires_at = now + (int64_t)ttl * 1000;
  margin = (int64_t)ttl * 1000 / 4;
  if (margin > RENEW_MARGIN_MS)
    margin = RENEW_MARGIN_MS;
  auth->renew_at = auth->expires_at - margin;
  if (auth->header && strcmp(auth->header, header) == 0)
    auth->renew_at = auth->expires_at;
  free(auth->header);
  auth->header = header;
  if (auth->fetched++ > 0)
    auth->host->metric(auth->ctx, "token_renewals", 1);
  return TF_OK;
}

/* A 401 or other refusal: the error_description of the OAuth answer. */
static void refuse(mkto_auth *auth, const json_t *body)
{
  const char *why =
      json_string_value(json_object_get(body, "error_description"));
  char detail[256];

  if (!why)
    why = json_string_value(json_object_get(body, "error"));
  snprintf(detail, sizeof(detail), "HTTP %ld%s%s", auth->ex.status,
           why ? ": " : "", why ? why : "");
  auth->refused = 1;
  fail(auth,
       "Marketo refused the client credentials (%s from "
       "%s/identity/oauth/token); check client_id and client_secret",
       detail, auth->cfg->endpoint);
}

/* A transport error or 5xx: retry with backoff, up to max_retries. */
static int retry_later(mkto_auth *auth, const char *why)
{
  if (auth->attempt >= auth->cfg->max_retries) {
    fail(auth, "cannot get an access token from %s/identity/oauth/token: %s",
         auth->cfg->endpoint, why);
    return 0;
  }
  auth->host->metric(auth->ctx, "retries", 1);
  fetch(auth, mkto_now_ms() + mkto_backoff_ms(auth->cfg->retry_base_ms,
                                              auth->cfg->retry_cap_ms,
                                              auth->attempt++, &auth->seed));
  return 1;
}

static void on_token(void *ud, mkto_exchange *ex)
{
  mkto_auth *auth = ud;
  json_t *body = NULL;
  char why[300];
  int rc;

  auth->fetching = 0;
  if (ex->transport_error) {
    if (retry_later(auth, ex->error))
      return;
    goto out_ready;
  }
  if (ex->status >= 500) {
    snprintf(why, sizeof(why), "HTTP %ld", ex->status);
    if (retry_later(auth, why))
      return;
    goto out_ready;
  }
  body = ex->response ? json_loads(ex->response, 0, NULL) : NULL;
  if (ex->status != 200) {
    refuse(auth, body);
    goto out_ready;
  }
  rc = take_token(auth, body);
  if (rc == TF_ERR_NOMEM)
    fail(auth, "%s", "out of memory");
  else if (rc != TF_OK)
    fail(auth, "%s", "Identity answered 200 without an access token");
  else
    auth->attempt = 0;
out_ready:
  json_decref(body);
  mkto_exchange_clear(ex);
  auth->ready(auth->ud);
}
