/*
 * metrics_server.c - GET /metrics over libmicrohttpd (metrics_server.h).
 *
 * libmicrohttpd rather than a socket loop of our own: it parses HTTP, keeps
 * slow or broken clients from blocking anything, and is packaged and
 * maintained.  The server runs its own thread with the stop signals
 * blocked, so SIGINT and SIGTERM reach the run's thread as before.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_server.h"

struct tf__metrics_server {
  struct MHD_Daemon *daemon;
  pthread_mutex_t lock;
  char *text; /* the last exposition published; under lock */
};

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status,
                                 const char *text, int copy)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      strlen(text), (void *)text,
      copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);
  enum MHD_Result ret;

  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          status == MHD_HTTP_OK ? TF_METRICS_CONTENT_TYPE
                                                : "text/plain; charset=utf-8");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* A copy of the published text, or NULL (none yet, or ENOMEM). */
static char *published(tf__metrics_server *srv)
{
  char *copy = NULL;

  pthread_mutex_lock(&srv->lock);
  if (srv->text)
    copy = strdup(srv->text);
  pthread_mutex_unlock(&srv->lock);
  return copy;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
  tf__metrics_server *srv = cls;
  char *text;

  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
      strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
    return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                     "touchflow: only GET /metrics is served\n", 1);
  if (strcmp(url, "/metrics") != 0)
    return send_text(c, MHD_HTTP_NOT_FOUND,
                     "touchflow: the metrics are at /metrics\n", 1);
  text = published(srv);
  if (!text)
    return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                     "touchflow: no metrics yet\n", 1);
  return send_text(c, MHD_HTTP_OK, text, 0);
}

/* Starts the daemon with the stop signals blocked, so that its thread
 * inherits a mask that leaves them to the run's thread. */
static struct MHD_Daemon *start_daemon(tf__metrics_server *srv, int fd)
{
  sigset_t block, old;
  struct MHD_Daemon *d;

  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, answer, srv,
                       MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                       MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
                       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                       MHD_OPTION_END);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return d;
}

tf__metrics_server *tf__metrics_server_start(tf__listen_addr *a, char *err,
                                             size_t errlen)
{
  tf__metrics_server *srv = calloc(1, sizeof(*srv));
  int fd;

  if (!srv) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  fd = tf__listen_addr_bind(a, err, errlen);
  if (fd < 0)
    goto out_free;
  pthread_mutex_init(&srv->lock, NULL);
  srv->daemon = start_daemon(srv, fd);
  if (!srv->daemon) {
    snprintf(err, errlen, "cannot start the HTTP server on %s", a->text);
    pthread_mutex_destroy(&srv->lock);
    goto out_free;
  }
  return srv;
out_free:
  free(srv);
  return NULL;
}

void tf__metrics_server_publish(tf__metrics_server *srv, char *text)
{
  char *old;

  if (!text)
    return;
  pthread_mutex_lock(&srv->lock);
  old = srv->text;
  srv->text = text;
  pthread_mutex_unlock(&srv->lock);
  free(old);
}

void tf__metrics_server_stop(tf__metrics_server *srv)
{
  if (!srv)
    return;
  MHD_stop_daemon(srv->daemon);
  pthread_mutex_destroy(&srv->lock);
  free(srv->text);
  free(srv);
}
