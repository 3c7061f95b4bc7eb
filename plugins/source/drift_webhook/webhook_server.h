/*
 * webhook_server.h - the HTTP side of the drift_webhook source: a
 * libmicrohttpd daemon on its own thread that takes Drift webhook POSTs,
 * checks them and appends the events to the spool (README.md, "HTTP").
 *
 * The server thread never calls the host: what it counts goes to atomic
 * counters that the source reads from produce(), on the pipeline thread.
 */
#ifndef WEBHOOK_SERVER_H
#define WEBHOOK_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "webhook_spool.h"

/* What the server answered, by kind (see README.md, "Counters"). */
enum webhook_count {
  WEBHOOK_ACCEPTED,     /* 200, spooled */
  WEBHOOK_IGNORED,      /* 200, a type that makes no chat: not spooled */
  WEBHOOK_UNAUTHORIZED, /* 401 */
  WEBHOOK_TOO_LARGE,    /* 413 */
  WEBHOOK_MALFORMED,    /* 400 */
  WEBHOOK_FULL,         /* 503 */
  WEBHOOK_FAILED,       /* 500: the spool could not be written */
  WEBHOOK_NCOUNTS
};

extern const char *const webhook_count_names[WEBHOOK_NCOUNTS];

typedef struct webhook_server_options {
  const char *listen;   /* [ADDR:]PORT, [IPV6]:PORT; borrowed */
  const char *token;    /* the verification token; copied */
  size_t max_body;      /* larger bodies: 413 */
  unsigned retry_after; /* seconds, in a 503 */
  unsigned max_clients; /* connections at once */
  webhook_spool *spool; /* borrowed, must outlive the server */
} webhook_server_options;

typedef struct webhook_server webhook_server;

/* 1 when spec is a listen address webhook_server_start takes; else 0
 * with err saying what is wrong (no I/O). */
int webhook_listen_valid(const char *spec, char *err, size_t errlen);

/* Starts the daemon; the port it listens on (the chosen one for port 0)
 * in *port.  NULL with err saying why. */
webhook_server *webhook_server_start(const webhook_server_options *o,
                                     unsigned *port, char *err, size_t errlen);

/* Counter `which` since the last call (reads and resets it). */
int64_t webhook_server_take(webhook_server *srv, enum webhook_count which);

/* Stops taking requests and frees the server; in-flight requests end
 * first.  NULL-safe. */
void webhook_server_stop(webhook_server *srv);

#endif
