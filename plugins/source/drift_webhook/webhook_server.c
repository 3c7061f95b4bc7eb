/*
 * webhook_server.c - Drift webhook POSTs into the spool (webhook_server.h).
 *
 * One request: the body is gathered (refused with 413 as soon as it is
 * over max_body, or at once when Content-Length says so), then, in this
 * order: the token (header X-Verification-Token, else the body's "token";
 * compared in constant time) -> 401; JSON that is not an object with a
 * string "type" -> 400; a type the drift rules do not read -> 200, counted,
 * not spooled; a backlog over the spool limit -> 503 with Retry-After;
 * otherwise the event, without its token, is appended to the spool as one
 * compact line and fsynced, then answered 200.
 *
 * The daemon runs one thread (MHD's internal polling thread), so requests
 * are taken one at a time, with the stop signals blocked in it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../drift/drift_chat.h"
#include "webhook_server.h"

#define TOKEN_HEADER "X-Verification-Token"

const char *const webhook_count_names[WEBHOOK_NCOUNTS] = {
    "requests_accepted",  "events_ignored",     "requests_unauthorized",
    "requests_too_large", "requests_malformed", "requests_refused_full",
    "requests_failed"};

struct webhook_server {
  struct MHD_Daemon *daemon;
  char *token;
  size_t max_body;
  unsigned retry_after;
  webhook_spool *spool;
  atomic_llong counts[WEBHOOK_NCOUNTS];
};

/* One request's body as it arrives. */
typedef struct request {
  char *body;
  size_t len, cap;
  int too_large;
} request;

/* --- Listen address ------------------------------------------------------ */

/* Splits "[ADDR]:PORT", "ADDR:PORT" or "PORT" into host (default
 * 127.0.0.1) and port text.  0, or -1 with err. */
static int split_listen(const char *spec, char *host, size_t hostlen,
                        const char **port, char *err, size_t errlen)
{
  const char *colon = strrchr(spec, ':');
  size_t n;

  snprintf(host, hostlen, "127.0.0.1");
  *port = spec;
  if (colon) {
    const char *h = spec;

    n = (size_t)(colon - spec);
    if (n > 1 && spec[0] == '[' && spec[n - 1] == ']') {
      h++;
      n -= 2;
    }
    if (n == 0 || n >= hostlen) {
      snprintf(err, errlen,
               "\"%s\": the address before the port is empty "
               "or too long",
               spec);
      return -1;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    *port = colon + 1;
  }
  n = strspn(*port, "0123456789");
  if (n == 0 || (*port)[n] != '\0' || n > 5 || atol(*port) > 65535) {
    snprintf(err, errlen,
             "\"%s\": expected [ADDR:]PORT with PORT 0 to 65535 "
             "(0: any free port)",
             spec);
    return -1;
  }
  return 0;
}

/* The numeric address of spec in *res (freeaddrinfo), or -1 with err. */
static int resolve_listen(const char *spec, struct addrinfo **res, char *err,
                          size_t errlen)
{
  struct addrinfo hints;
  char host[64];
  const char *port;
  int rc;

  if (split_listen(spec, host, sizeof(host), &port, err, errlen) != 0)
    return -1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo(host, port, &hints, res);
  if (rc != 0) {
    snprintf(err, errlen,
             "\"%s\": \"%s\" is not a numeric IPv4 or IPv6 "
             "address (%s)",
             spec, host, gai_strerror(rc));
    return -1;
  }
  return 0;
}

int webhook_listen_valid(const char *spec, char *err, size_t errlen)
{
  struct addrinfo *res;

  if (resolve_listen(spec, &res, err, errlen) != 0)
    return 0;
  freeaddrinfo(res);
  return 1;
}

/* --- Answers ------------------------------------------------------------- */

static enum MHD_Result reply(webhook_server *srv, struct MHD_Connection *c,
                             unsigned status, enum webhook_count which,
                             const char *text)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result ret;
  char seconds[16];

  if ((int)which >= 0)
    atomic_fetch_add(&srv->counts[which], 1);
  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "text/plain; charset=utf-8");
  if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
    snprintf(seconds, sizeof(seconds), "%u", srv->retry_after);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
  }
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* 1 when given equals want; the time taken depends on want's length only. */
static int token_equal(const char *given, const char *want)
{
  size_t m = strlen(given), n = strlen(want), i;
  unsigned char diff = m != n;

  for (i = 0; i < n; i++)
    diff |= (unsigned char)want[i] ^ (unsigned char)(i < m ? given[i] : 0);
  return diff == 0;
}

static int authorized(const webhook_server *srv, struct MHD_Connection *c,
                      const json_t *event)
{
  const char *given =
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, TOKEN_HEADER);

  if (!given)
    given = json_string_value(json_object_get(event, "token"));
  return given && token_equal(given, srv->token);
}

/* Spools the event (its token removed) and answers. */
static enum MHD_Result spool_event(webhook_server *srv,
                                   struct MHD_Connection *c, json_t *event)
{
  char *line;
  size_t len;
  int rc;

  json_object_del(event, "token");
  line = json_dumps(event, JSON_COMPACT);
  if (!line)
    return reply(srv, c, MHD_HTTP_INTERNAL_SERVER_ERROR, WEBHOOK_FAILED,
                 "out of memory\n");
  len = strlen(line);
  line[len] = '\n'; /* replaces the NUL: the line is len + 1 bytes */
  rc = webhook_spool_append(srv->spool, line, len + 1);
  free(line);
  if (rc == 1)
    return reply(srv, c, MHD_HTTP_SERVICE_UNAVAILABLE, WEBHOOK_FULL,
                 "the spool is full: retry later\n");
  if (rc < 0)
    return reply(srv, c, MHD_HTTP_INTERNAL_SERVER_ERROR, WEBHOOK_FAILED,
                 "cannot write the spool\n");
  return reply(srv, c, MHD_HTTP_OK, WEBHOOK_ACCEPTED, "ok\n");
}

static enum MHD_Result complete(webhook_server *srv, struct MHD_Connection *c,
                                request *rq)
{
  json_error_t jerr;
  json_t *event;
  const char *type;
  enum MHD_Result ret;

  if (rq->too_large)
    return reply(srv, c, 413 /* Content Too Large */, WEBHOOK_TOO_LARGE,
                 "the body is over max_body\n");
  event = json_loadb(rq->body ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES,
                     &jerr);
  if (!authorized(srv, c, event)) {
    json_decref(event);
    return reply(srv, c, MHD_HTTP_UNAUTHORIZED, WEBHOOK_UNAUTHORIZED,
                 "wrong or missing verification token\n");
  }
  type = json_string_value(json_object_get(event, "type"));
  if (!type || !*type)
    ret = reply(srv, c, MHD_HTTP_BAD_REQUEST, WEBHOOK_MALFORMED,
                event ? "not a webhook event: a JSON object with a string "
                        "\"type\" is expected\n"
                      : "the body is not JSON\n");
  else if (!drift_chat_event_used(type))
    ret = reply(srv, c, MHD_HTTP_OK, WEBHOOK_IGNORED, "ignored\n");
  else
    ret = spool_event(srv, c, event);
  json_decref(event);
  return ret;
}

/* Adds a piece of the body; past max_body only notes that it is. */
static int gather(webhook_server *srv, request *rq, const char *data,
                  size_t len)
{
  if (rq->too_large || rq->len + len > srv->max_body) {
    rq->too_large = 1;
    return 0;
  }
  if (rq->len + len > rq->cap) {
    size_t cap = (rq->len + len) * 2;
    char *b;

    if (cap > srv->max_body)
      cap = srv->max_body;
    b = realloc(rq->body, cap);
    if (!b)
      return -1;
    rq->body = b;
    rq->cap = cap;
  }
  memcpy(rq->body + rq->len, data, len);
  rq->len += len;
  return 0;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
  webhook_server *srv = cls;
  request *rq = *con_cls;
  const char *length;

  (void)url;
  (void)version;
  if (!rq) {
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
      return reply(srv, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                   (enum webhook_count) - 1, "Drift webhooks are POSTed\n");
    length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > srv->max_body)
      return reply(srv, c, 413 /* Content Too Large */, WEBHOOK_TOO_LARGE,
                   "the body is over max_body\n");
    rq = calloc(1, sizeof(*rq));
    if (!rq)
      return MHD_NO;
    *con_cls = rq;
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (gather(srv, rq, upload_data, *upload_data_size) != 0)
      return MHD_NO;
    *upload_data_size = 0;
    return MHD_YES;
  }
  return complete(srv, c, rq);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  request *rq = *con_cls;

  (void)cls;
  (void)c;
  (void)toe;
  if (rq) {
    free(rq->body);
    free(rq);
    *con_cls = NULL;
  }
}

/* --- Daemon -------------------------------------------------------------- */

/* Starts the daemon with the stop signals blocked, so that its thread
 * leaves them to the run's thread. */
static struct MHD_Daemon *start_daemon(webhook_server *srv,
                                       const struct addrinfo *ai,
                                       unsigned max_clients)
{
  sigset_t block, old;
  struct MHD_Daemon *d;
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;

  if (ai->ai_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  d = MHD_start_daemon(flags, 0, NULL, NULL, answer, srv, MHD_OPTION_SOCK_ADDR,
                       ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, request_done,
                       srv, MHD_OPTION_CONNECTION_LIMIT, max_clients,
                       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                       MHD_OPTION_LISTEN_BACKLOG_SIZE, max_clients,
                       MHD_OPTION_END);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return d;
}

webhook_server *webhook_server_start(const webhook_server_options *o,
                                     unsigned *port, char *err, size_t errlen)
{
  webhook_server *srv = calloc(1, sizeof(*srv));
  struct addrinfo *ai = NULL;
  const union MHD_DaemonInfo *info;

  if (!srv || !(srv->token = strdup(o->token))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  srv->max_body = o->max_body;
  srv->retry_after = o->retry_after;
  srv->spool = o->spool;
  if (resolve_listen(o->listen, &ai, err, errlen) != 0)
    goto fail;
  srv->daemon = start_daemon(srv, ai, o->max_clients);
  freeaddrinfo(ai);
  if (!srv->daemon) {
    snprintf(err, errlen,
             "cannot listen on %s (address in use, or not "
             "one of this machine's)",
             o->listen);
    goto fail;
  }
  info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
  *port = info ? info->port : 0;
  return srv;
fail:
  webhook_server_stop(srv);
  return NULL;
}

int64_t webhook_server_take(webhook_server *srv, enum webhook_count which)
{
  return (int64_t)atomic_exchange(&srv->counts[which], 0);
}

void webhook_server_stop(webhook_server *srv)
{
  if (!srv)
    return;
  if (srv->daemon)
    MHD_stop_daemon(srv->daemon);
  if (srv->token) {
    memset(srv->token, 0, strlen(srv->token));
    free(srv->token);
  }
  free(srv);
}
