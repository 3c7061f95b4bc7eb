/*
 * http.h - HTTP exchanges over one curl multi handle, with a cap on
 * requests in flight and the client-side rate limiter.
 *
 * An exchange is one request and its response.  Its owner fills the request
 * part and submits it; http.c borrows it (and the strings it points to)
 * until it calls done(), once, from mkto_http_step().  The owner may submit
 * the same exchange again (a retry) from done() or later.  Nothing happens
 * between calls of mkto_http_step(): the sink drives the transfers from
 * write() and flush(), on the host's thread.
 */
#ifndef MKTO_HTTP_H
#define MKTO_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct mkto_http mkto_http;
typedef struct mkto_exchange mkto_exchange;
typedef void (*mkto_exchange_done)(void *ud, mkto_exchange *ex);

struct mkto_exchange {
  /* The request, borrowed until done(). */
  const char *url;
  const char *body;          /* NULL: GET; else POST with this body */
  const char *content_type;  /* of the body */
  const char *authorization; /* a whole header line, or NULL */
  int counted;               /* goes through the rate limiter */
  int64_t not_before;        /* monotonic ms; not started before */
  mkto_exchange_done done;
  void *ud;

  /* The response, valid in done(). */
  long status;         /* HTTP status; 0 when none arrived */
  int transport_error; /* a CURLcode; 0 when the exchange completed */
  int timed_out;       /* the transport error was a timeout */
  char error[256];     /* text of the transport error (never a URL query) */
  char *response;      /* the body, NUL-terminated; owned by the exchange */
  size_t response_len;

  /* Private to http.c. */
  void *easy;
  void *headers;
  size_t response_cap;
  mkto_exchange *next;
};

/* Monotonic clock in milliseconds. */
int64_t mkto_now_ms(void);

/* A transport; TF_OK or a negative code.  Timeouts in milliseconds. */
int mkto_http_new(mkto_http **out, int max_in_flight, int max_calls,
                  int64_t window_ms, int64_t connect_timeout_ms,
                  int64_t request_timeout_ms);

/* Stops every transfer and forgets every exchange without calling done().
 * NULL-safe. */
void mkto_http_free(mkto_http *http);

/* Queues ex (borrowed) to start when not_before has passed, the limiter
 * allows and fewer than max_in_flight requests are open.  Clears its
 * previous response. */
void mkto_http_submit(mkto_http *http, mkto_exchange *ex);

/* Starts what may start, moves transfers on, waits up to max_wait_ms for
 * something to happen and calls done() of every finished exchange.
 * Returns TF_OK, or TF_ERR_IO when curl itself failed. */
int mkto_http_step(mkto_http *http, int64_t max_wait_ms);

/* Frees an exchange's response buffer. */
void mkto_exchange_clear(mkto_exchange *ex);

/* "a%40b.com" for "a@b.com": percent-encodes all but RFC 3986 unreserved
 * characters.  A new string the caller frees, or NULL on ENOMEM. */
char *mkto_url_escape(const char *text);

#endif
