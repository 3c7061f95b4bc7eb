/*
 * retry.h - what to do with a failed Marketo call, and how long to wait.
 *
 * The classes follow docs/formats.md#error-codes and
 * docs/attribution-rules.md#marketo-lead-matching: 601/602 renew the token and
 * retry; 502, 604, 606, 608, 611, 615 and 713 back off and retry; 603 (access
 * denied) cannot be fixed by retrying or by skipping records, so it stops the
 * run; every other code fails the call for good.
 */
#ifndef MKTO_RETRY_H
#define MKTO_RETRY_H

#include <stdint.h>

typedef enum mkto_retry_class {
  MKTO_FAIL,    /* give up on this call: its records are dead-lettered */
  MKTO_BACKOFF, /* transient: wait, then send again */
  MKTO_REAUTH,  /* the token is invalid or expired: renew, send again */
  MKTO_FATAL    /* the run cannot go on */
} mkto_retry_class;

/* The class of a response-level Marketo error code ("606"). */
mkto_retry_class mkto_retry_class_of(const char *code);

/* Full jitter: a random delay in [0, min(cap_ms, base_ms * 2^attempt)]
 * (attempt counts from 0).  seed is the caller's rand_r() state. */
int64_t mkto_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt,
                        unsigned *seed);

#endif
