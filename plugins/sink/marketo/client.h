/*
 * client.h - REST calls to Marketo: the token, the response envelope,
 * retries with backoff and the GET-as-POST form for long queries.
 *
 * A call is sent and forgotten by its caller: its done() runs exactly once
 * from mkto_client_step(), with the parsed answer or with the error that
 * ended it, after the client renewed the token (601/602) and retried
 * transient failures up to max_retries.  Errors that make the whole run
 * pointless (bad credentials, 603 access denied) instead mark the client
 * failed: done() is then never called, and the sink stops with an error.
 */
#ifndef MKTO_CLIENT_H
#define MKTO_CLIENT_H

#include <jansson.h>
#include <touchflow/host.h>
#include "settings.h"

typedef struct mkto_client mkto_client;

/* How a call ended.  Success: code is NULL and body is the answer
 * (success:true).  Failure: code is "marketo_<code>" (a Marketo
 * response-level error), "http_<status>", "http_timeout",
 * "http_connection" or "marketo_bad_response", and message says what
 * happened; body is NULL.  Everything is borrowed for the callback. */
typedef struct mkto_outcome {
  const json_t *body;
  const char *code;
  const char *message;
} mkto_outcome;

typedef void (*mkto_call_done)(void *ud, const mkto_outcome *outcome);

/* A client for cfg (borrowed for its life).  TF_OK or TF_ERR_NOMEM. */
int mkto_client_new(mkto_client **out, const mkto_config *cfg, tf_ctx *ctx,
                    const tf_host *host);

/* Drops every open call without calling its done().  NULL-safe. */
void mkto_client_free(mkto_client *client);

/* GET path?query.  query (may be NULL) is already URL-encoded.  When the
 * URL would pass 8 KB, or Marketo answers 414, the call is sent as POST
 * path?_method=GET with the query as a form body.  TF_OK or TF_ERR_NOMEM
 * (then done() is never called). */
int mkto_client_get(mkto_client *client, const char *path, const char *query,
                    mkto_call_done done, void *ud);

/* POST path with a JSON body (borrowed: copied). */
int mkto_client_post_json(mkto_client *client, const char *path,
                          const char *body, mkto_call_done done, void *ud);

/* Moves calls on; waits up to max_wait_ms when nothing is ready. */
void mkto_client_step(mkto_client *client, int64_t max_wait_ms);

/* NULL while the client works; else why it failed for good (no secret in
 * it).  Then no call will finish. */
const char *mkto_client_failure(const mkto_client *client);

/* Marks the client failed for good with this reason (e.g. the dead-letter
 * output could not be written). */
void mkto_client_fail(mkto_client *client, const char *reason);

/* 1 when the failure is Identity refusing the credentials (a config
 * error), 0 for any other (Marketo unreachable, out of retries). */
int mkto_client_credentials_refused(const mkto_client *client);

/* The n-th item of a result array as Marketo describes one lead's
 * outcome: its id (0 when absent), status, and for "skipped" the first
 * reason's code and message (accepts `reasons` and `reason`). */
typedef struct mkto_item {
  int64_t id;
  const char *status;
  const char *code;    /* NULL unless skipped with a reason */
  const char *message; /* NULL unless skipped with a reason */
  char code_text[24];  /* code when Marketo sent it as a number */
} mkto_item;
void mkto_item_read(const json_t *item, mkto_item *out);

#endif
