/*
 * httpsource.h - the HTTP client the live sources share (drift_api,
 * ctm_api): one blocking libcurl easy handle per source instance, built
 * into each plugin module that uses it (plugins/common/Makefile.inc,
 * HTTPSOURCE_SOURCES); not part of the SDK.
 *
 * What it owns, so that each source keeps only its API's shapes:
 *   - the base URL (requests name a path under it, or a whole URL);
 *   - the credentials: a Bearer token or HTTP Basic user and password,
 *     sent on every request and never logged (the memory is wiped when
 *     replaced or freed);
 *   - the retry policy: HTTP 429 waits Retry-After (delta-seconds; else
 *     the backoff), 5xx and transport errors (refused or dropped
 *     connections, timeouts) back off (backoff_ms, doubled at each retry,
 *     at most 60 s) and retry up to max_retries times; each retry is
 *     logged as a warning, running out of retries as an error;
 *   - stop signals: SIGINT, SIGTERM and SIGHUP end a retry's wait and a
 *     transfer in flight at once (within about a second); the request is
 *     given up (TF_ERR_IO, httpsource_interrupted() set, said at info
 *     level) and the signal is then handled as if it had just arrived
 *     (stopsignal.h).  The source returns TF_MORE from produce() with its
 *     position as it was, so that the host sees the signal and stops
 *     with a checkpoint that resumes exactly;
 *   - modes: the run's retry policy, or one attempt with short time
 *     limits for check-connection and for init()'s first request
 *     (httpsource_set_mode);
 *   - for JSON reads (httpsource_get_json): 200 with a JSON object is the
 *     answer; 401/403 is a configuration error naming the credentials;
 *     404 is TF_ERR_NOTFOUND, not logged (the caller decides); anything
 *     else is logged and TF_ERR_IO.
 *
 * Messages start with the service name given at creation ("Drift API",
 * "CTM API") and name the method and path, never the credentials.
 * Not thread-safe: one client per source instance.
 */
#ifndef PLUGINS_COMMON_HTTPSOURCE_H
#define PLUGINS_COMMON_HTTPSOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <touchflow/host.h>
#include <touchflow/options.h>

typedef struct httpsource httpsource;

/* The retry options every live source offers, for its option table; read
 * by httpsource_configure. */
#define HTTPSOURCE_RETRY_OPTIONS                                               \
  {"max_retries",                                                              \
   TF_OPT_INT,                                                                 \
   "5",                                                                        \
   TF_OPT_RANGE,                                                               \
   0,                                                                          \
   100,                                                                        \
   NULL,                                                                       \
   "Retries of one request after a 429, a 5xx or a dropped connection "        \
   "before the run fails."},                                                   \
      {"timeout", TF_OPT_DURATION, "30s", TF_OPT_RANGE,                        \
       1,         3600000,         NULL,  "Time limit of one HTTP request."},  \
  {                                                                            \
    "backoff", TF_OPT_DURATION, "1s", TF_OPT_RANGE, 1, 600000, NULL,           \
        "First wait before retrying a 5xx or a dropped connection; doubled "   \
        "at "                                                                  \
        "each retry, up to 60 s."                                              \
  }

/* What httpsource_new needs; the strings are copied. */
typedef struct httpsource_options {
  const char *service;  /* in every message, e.g. "Drift API" */
  const char *endpoint; /* base URL; trailing slashes are dropped */
  long timeout_ms;      /* one request's time limit */
  int max_retries;      /* retries of one request after 429/5xx/transport */
  int64_t backoff_ms;   /* the first wait before a retry */
  /* The 401/403 message: "<service> refused the <credential> (HTTP 401 on
   * GET <path>): <auth_hint>".  credential e.g. "token"; auth_hint says
   * what to check (which option names which environment variable). */
  const char *credential;
  const char *auth_hint;
  /* Non-zero: a 200 answer httpsource_get_json cannot parse as a JSON
   * object (a truncated or damaged body) is retried like a 5xx; zero: it
   * fails at once. */
  int retry_malformed;
  /* The name of one answer header to keep (e.g. "Sforce-Locator"), in
   * httpsource_response.kept; NULL: none. */
  const char *keep_header;
} httpsource_options;

/* Fills o's endpoint (from the string option `endpoint`), max_retries,
 * timeout_ms and backoff_ms (from HTTPSOURCE_RETRY_OPTIONS) from cfg; the
 * other fields are left alone.  The endpoint string is borrowed from cfg. */
void httpsource_configure(const tf_config *cfg, httpsource_options *o);

/* Non-zero when url starts with http:// or https:// (for check()). */
int httpsource_url_ok(const char *url);

/* A new client logging through host with ctx (both borrowed, must outlive
 * it) into *out.  TF_OK or TF_ERR_NOMEM (libcurl's handle too). */
int httpsource_new(tf_ctx *ctx, const tf_host *host,
                   const httpsource_options *options, httpsource **out);

/* How requests are made from now on. */
typedef enum httpsource_mode {
  /* The retry policy of the file comment. */
  HTTPSOURCE_RUN = 0,
  /* check-connection: one attempt, no retry, the connection given at most
   * 3 s and the request 10 s (timeout_ms when shorter); a failure is
   * logged as an error naming the whole URL and curl's reason. */
  HTTPSOURCE_CHECK,
  /* init()'s first request: as HTTPSOURCE_CHECK, but a failure is a
   * warning; end it with httpsource_probe_end. */
  HTTPSOURCE_PROBE
} httpsource_mode;

void httpsource_set_mode(httpsource *hs, httpsource_mode mode);

/* Ends a probe: back to HTTPSOURCE_RUN.  Returns rc, the probe's code, or
 * TF_OK when rc is TF_ERR_IO on what the run's policy retries (the
 * service unreachable, 429, 5xx, a damaged answer with retry_malformed)
 * and max_retries allows a retry, or when a stop signal came: the source
 * then makes the request again when it reads, and the wait the policy
 * owes (Retry-After, the first backoff) is made before it, the probe
 * counting as the first attempt.  A refused credential or a wrong answer
 * stays a failure of init(). */
int httpsource_probe_end(httpsource *hs, int rc);

/* 1 when the last request (or httpsource_sleep) returned TF_ERR_IO
 * because a stop signal came: nothing was logged as an error, and the
 * caller gives up what it was doing, keeping its position. */
int httpsource_interrupted(const httpsource *hs);

/* Waits ms milliseconds, or less when a stop signal comes: TF_OK, or
 * TF_ERR_IO with httpsource_interrupted() set.  For a source's own waits
 * (polling a job). */
int httpsource_sleep(httpsource *hs, int64_t ms);

/* Frees the client, wiping the credentials.  NULL-safe. */
void httpsource_free(httpsource *hs);

/* Sends "Authorization: Bearer <token>" from now on (replacing any
 * credential set before: a renewed token).  TF_OK or TF_ERR_NOMEM. */
int httpsource_set_bearer(httpsource *hs, const char *token);

/* Sends HTTP Basic user:password from now on (replacing any credential
 * set before).  TF_OK or TF_ERR_NOMEM. */
int httpsource_set_basic(httpsource *hs, const char *user,
                         const char *password);

/* Sends `header` ("Name: value", copied) with every request from now on,
 * besides the credentials; NULL: none any more.  TF_OK or TF_ERR_NOMEM. */
int httpsource_set_header(httpsource *hs, const char *header);

/* One request's answer after the retries.  body is NUL-terminated (""
 * when empty) and owned by the caller: httpsource_response_free.  kept is
 * the value of the options' keep_header (trimmed; NULL when absent or not
 * asked for), owned likewise. */
typedef struct httpsource_response {
  long status;
  char *body;
  size_t len;
  char *kept;
} httpsource_response;

void httpsource_response_free(httpsource_response *r);

/* One request: method ("GET", "POST", ...) on target, a path under the
 * endpoint ("/calls.json?page=2") or a whole http(s) URL; body (may be
 * NULL) sent with content_type.  Retries 429, 5xx and transport errors as
 * the file comment says; any other status is returned in *out with TF_OK
 * (the caller reads 2xx and 4xx answers itself).  TF_ERR_IO (logged) when
 * the retries ran out; TF_ERR_NOMEM; TF_ERR_TOOLONG for a URL over 8 KB. */
int httpsource_request(httpsource *hs, const char *method, const char *target,
                       const char *body, const char *content_type,
                       httpsource_response *out);

/* GET target and parse the answer as a JSON object into *out (a new
 * reference).  TF_OK; TF_ERR_CONFIG (401/403, logged with the hint);
 * TF_ERR_NOTFOUND (404, not logged); TF_ERR_IO (200 but not a JSON
 * object, logged with jansson's reason and retried first when
 * retry_malformed is set; another status; the retries ran out; all
 * logged); TF_ERR_NOMEM. */
int httpsource_get_json(httpsource *hs, const char *target, json_t **out);

/* text URL-escaped (for a query parameter), in a new string the caller
 * frees with free().  NULL on ENOMEM. */
char *httpsource_escape(httpsource *hs, const char *text);

#endif
