/*
 * ratelimit.h - a client-side limit of calls per sliding time window.
 *
 * Marketo counts REST calls per instance when they arrive, over a sliding
 * 20 s window (606 beyond 100).  We cannot see when a call arrives, only
 * that it arrived before its answer came back.  So a call holds a slot from
 * the moment it starts until one window after its answer: then the server
 * never counts more than max_calls in any window, however slowly requests
 * travel.  Times are monotonic milliseconds.
 */
#ifndef MKTO_RATELIMIT_H
#define MKTO_RATELIMIT_H

#include <stdint.h>

typedef struct mkto_ratelimit {
  int64_t *done; /* ring of the last max_calls answer times, oldest first */
  int max_calls;
  int head;    /* index of the oldest answer time */
  int count;   /* answer times remembered, <= max_calls */
  int running; /* calls started and not answered */
  int64_t window_ms;
} mkto_ratelimit;

/* TF_OK or TF_ERR_NOMEM.  max_calls >= 1. */
int mkto_ratelimit_init(mkto_ratelimit *rl, int max_calls, int64_t window_ms);

/* Frees the ring. */
void mkto_ratelimit_clear(mkto_ratelimit *rl);

/* 0 when a call may start at `now`, else the milliseconds to wait (the
 * window length when only an answer can free a slot). */
int64_t mkto_ratelimit_wait(const mkto_ratelimit *rl, int64_t now);

/* A call started at `now`. */
void mkto_ratelimit_start(mkto_ratelimit *rl);

/* A started call ended (answered or failed) at `now`. */
void mkto_ratelimit_finish(mkto_ratelimit *rl, int64_t now);

#endif
