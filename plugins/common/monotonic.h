/*
 * monotonic.h - milliseconds of the monotonic clock, for the bundled
 * plugins' timeouts, rate limits and intervals (never for event time,
 * which comes from the records: docs/event-time.md).
 *
 * Header only: a plugin includes it and lists it in its _SOURCES.
 */
#ifndef TF_PLUGINS_MONOTONIC_H
#define TF_PLUGINS_MONOTONIC_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since an unspecified start; never goes back. */
static inline int64_t monotonic_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
