/*
 * ratelimit.h - a client-side limit of calls per sliding time window.
 *
 * Marketo counts REST calls per instance over a sliding 20 s window (606
 * beyond 100).  The limiter remembers when each of the last max_calls calls
 * started; a new call may start when fewer than max_calls started within
 * the window.  Times are monotonic milliseconds.
 */
#ifndef MKTO_RATELIMIT_H
#define MKTO_RATELIMIT_H

#include <stdint.h>

typedef struct mkto_ratelimit {
  int64_t *starts; /* ring of the last max_calls start times */
  int max_calls;
  int head;  /* index of the oldest start */
  int count; /* starts remembered, <= max_calls */
  int64_t window_ms;
} mkto_ratelimit;

/* TF_OK or TF_ERR_NOMEM.  max_calls >= 1. */
int mkto_ratelimit_init(mkto_ratelimit *rl, int max_calls, int64_t window_ms);

/* Frees the ring. */
void mkto_ratelimit_clear(mkto_ratelimit *rl);

/* 0 when a call may start at `now`, else the milliseconds to wait. */
int64_t mkto_ratelimit_wait(const mkto_ratelimit *rl, int64_t now);

/* Records that a call started at `now`. */
void mkto_ratelimit_note(mkto_ratelimit *rl, int64_t now);

#endif
