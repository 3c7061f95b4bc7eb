/*
 * sf_client.h - the salesforce_api source's Salesforce client: the OAuth
 * 2.0 client credentials token, and authenticated calls to the instance
 * with the retries and the error rules of README.md ("Errors and
 * retries"), over plugins/common/httpsource.h.
 */
#ifndef SOURCE_SALESFORCE_API_SF_CLIENT_H
#define SOURCE_SALESFORCE_API_SF_CLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <touchflow/plugin.h>
#include "../../common/httpsource.h"

/* Returned by sf_client calls when Salesforce answered
 * REQUEST_LIMIT_EXCEEDED: the org's API requests are used up for now (the
 * message is logged).  Not a TF_ERR_* code: the source stops cleanly. */
#define SF_LIMIT_EXCEEDED 2 /* TF_DONE is 1 */

typedef struct sf_client_settings {
  const char *login_url;     /* where the token is asked for, no '/' at end */
  const char *client_id;     /* borrowed, secret */
  const char *client_secret; /* borrowed, secret */
  const char *api_version;   /* "v60.0" */
  int max_retries;
  long timeout_ms;
  int64_t backoff_ms;
  long batch_size; /* Sforce-Query-Options batchSize of REST queries */
} sf_client_settings;

typedef struct sf_client sf_client;

/* A new client (*out, owned by the caller, freed by sf_client_free); the
 * settings' strings are copied.  Asks for no token yet.  TF_OK or
 * TF_ERR_NOMEM. */
int sf_client_new(tf_ctx *ctx, const tf_host *host,
                  const sf_client_settings *set, sf_client **out);
void sf_client_free(sf_client *c);

/* Asks the token endpoint for an access token (client credentials).
 * TF_OK; TF_ERR_CONFIG when the credentials or the URL are refused (logged,
 * naming the options, never their values); TF_ERR_IO. */
int sf_client_login(sf_client *c);

/* GETs path (absolute on the instance, e.g. "/services/data/v60.0/query?q=
 * ..." or a nextRecordsUrl) and parses the JSON object answered into *out
 * (caller owns).  Logs in first when there is no token; INVALID_SESSION_ID
 * renews the token once.  TF_OK; SF_LIMIT_EXCEEDED; TF_ERR_CONFIG (a
 * refused token or query, logged with Salesforce's message); TF_ERR_IO. */
int sf_client_get_json(sf_client *c, const char *path, json_t **out);

/* POSTs the JSON body to path and parses the JSON object answered. */
int sf_client_post_json(sf_client *c, const char *path, const json_t *body,
                        json_t **out);

/* GETs path and hands back the raw body (*body, caller frees, NUL-ended,
 * *len bytes) and the Sforce-Locator header (*locator, caller frees; NULL
 * when absent).  For Bulk API 2.0 results (CSV). */
int sf_client_get_text(sf_client *c, const char *path, char **body, size_t *len,
                       char **locator);

/* The path of the API version: "/services/data/v60.0". */
const char *sf_client_api_path(const sf_client *c);

/* The client's HTTP client (borrowed): its mode (check-connection, init's
 * probe) and httpsource_interrupted(), whether a stop signal ended the
 * last call. */
httpsource *sf_client_http(sf_client *c);

/* Sleeps ms milliseconds, or less when a stop signal comes: TF_OK, or
 * TF_ERR_IO with httpsource_interrupted(sf_client_http(c)) set. */
int sf_client_sleep(sf_client *c, int64_t ms);

/* Escapes text for a URL query (caller frees with free()). NULL: ENOMEM. */
char *sf_client_escape(sf_client *c, const char *text);

#endif
