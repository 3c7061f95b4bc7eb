/*
 * stopsignal.h - the stop signals (SIGINT, SIGTERM, SIGHUP) held back
 * while a live source talks to its service, so that a retry's wait and a
 * transfer in flight end as soon as one arrives (httpsource.h).
 *
 * A plugin cannot read the runner's "a signal was caught" flag through
 * the ABI, and a signal that arrives while libcurl polls its socket is
 * swallowed by libcurl (it retries the poll).  So, around one request,
 * the stop signals the thread does not block already are blocked: one
 * that arrives stays pending, which stopsignal_pending() sees, and a wait
 * takes it at once (sigtimedwait).  stopsignal_release() puts the mask
 * back: a pending stop signal is then handled as if it had just arrived,
 * and one the wait took is raised again, so the host's handler (or the
 * default action) sees it exactly once.  An ignored stop signal (SIG_IGN)
 * is not a stop.
 *
 * For the calling thread only; one stopsignal per request, not shared.
 */
#ifndef PLUGINS_COMMON_STOPSIGNAL_H
#define PLUGINS_COMMON_STOPSIGNAL_H

#include <signal.h>
#include <stdint.h>

typedef struct stopsignal {
  sigset_t watched; /* the stop signals blocked here (not before) */
  sigset_t old;     /* the thread's mask before */
  int taken;        /* a stop signal the wait took, to raise again; 0 */
} stopsignal;

/* Blocks the stop signals the calling thread does not block already. */
void stopsignal_hold(stopsignal *st);

/* 1 when a watched stop signal (not ignored) is pending or was taken. */
int stopsignal_pending(const stopsignal *st);

/* Waits ms milliseconds, or less: 1 when a stop signal ended the wait
 * (it is kept for stopsignal_release), 0 when the time ran out. */
int stopsignal_wait(stopsignal *st, int64_t ms);

/* Puts the thread's mask back and raises a stop signal the wait took. */
void stopsignal_release(stopsignal *st);

#endif
