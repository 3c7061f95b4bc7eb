/*
 * auth.h - the OAuth access token: fetched from the Identity endpoint with
 * client credentials, cached, renewed before it expires and when a call
 * says it is invalid or expired (601/602).
 *
 * At most one token request is open at a time.  Callers ask for the
 * Authorization header; when there is no valid token they get NULL, a
 * request is on its way, and ready() is called when it ends (with a token,
 * or failed for good: see mkto_auth.failed).
 */
#ifndef MKTO_AUTH_H
#define MKTO_AUTH_H

#include <stdint.h>
#include <touchflow/host.h>
#include "settings.h"
#include "http.h"

typedef void (*mkto_auth_ready)(void *ud);

typedef struct mkto_auth {
  mkto_http *http;        /* borrowed */
  const mkto_config *cfg; /* borrowed */
  tf_ctx *ctx;
  const tf_host *host;
  char *url;    /* the Identity URL; holds the secret: never logged */
  char *header; /* "Authorization: Bearer <token>", or NULL */
  int64_t renew_at, expires_at; /* monotonic ms */
  int fetching;
  int attempt; /* retries of the open request */
  int fetched; /* tokens received so far */
  int failed;  /* for good; message says why */
  int refused; /* Identity refused the credentials (a config error) */
  char message[512];
  unsigned seed; /* backoff jitter */
  mkto_exchange ex;
  mkto_auth_ready ready;
  void *ud;
} mkto_auth;

/* TF_OK or TF_ERR_NOMEM.  Nothing is sent yet. */
int mkto_auth_init(mkto_auth *auth, mkto_http *http, const mkto_config *cfg,
                   tf_ctx *ctx, const tf_host *host, mkto_auth_ready ready,
                   void *ud);

/* Frees what auth holds (the transport must be freed first, or idle). */
void mkto_auth_clear(mkto_auth *auth);

/* The header line of a valid token (borrowed until the next call into
 * auth), or NULL: then a token request is open (or auth failed). */
const char *mkto_auth_header(mkto_auth *auth);

/* A call sent with `header` was refused with 601/602: forget that token
 * unless it was already replaced. */
void mkto_auth_invalidate(mkto_auth *auth, const char *header);

#endif
