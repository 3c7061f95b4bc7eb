/*
 * metrics_server.h - the HTTP endpoint of `run --metrics-listen`
 * (internal; docs/operations.md#metrics).
 *
 * libmicrohttpd serves GET /metrics on its own thread.  That thread never
 * reads the run's counters: the run's thread renders the exposition and
 * publishes the text here (tf__metrics_server_publish), and each request
 * answers with a copy of the last text published, taken under a mutex.
 * Other paths answer 404, other methods than GET and HEAD 405.
 */
#ifndef TF_CORE_METRICS_SERVER_H
#define TF_CORE_METRICS_SERVER_H

#include <stddef.h>

#include "listen_addr.h"

typedef struct tf__metrics_server tf__metrics_server;

/* Binds a (with port 0, a then names the port chosen) and starts the
 * server thread.  NULL with err naming the address and the reason. */
tf__metrics_server *tf__metrics_server_start(tf__listen_addr *a, char *err,
                                             size_t errlen);

/* Replaces the text requests get; text is stolen (NULL is ignored). */
void tf__metrics_server_publish(tf__metrics_server *srv, char *text);

/* Stops the thread, closes the socket, frees srv.  NULL-safe. */
void tf__metrics_server_stop(tf__metrics_server *srv);

#endif
