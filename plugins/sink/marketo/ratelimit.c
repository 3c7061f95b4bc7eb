/*
 * ratelimit.c - sliding-window call limiter (see ratelimit.h).
 *
 * The window is stretched by 2 % against clock differences between us and
 * the server.
 */
#include <stdlib.h>
#include <touchflow/error.h>
#include "ratelimit.h"

int mkto_ratelimit_init(mkto_ratelimit *rl, int max_calls, int64_t window_ms)
{
  rl->done = calloc((size_t)max_calls, sizeof(*rl->done));
  if (!rl->done)
    return TF_ERR_NOMEM;
  rl->max_calls = max_calls;
  rl->head = 0;
  rl->count = 0;
  rl->running = 0;
  rl->window_ms = window_ms + window_ms / 50;
  return TF_OK;
}

void mkto_ratelimit_clear(mkto_ratelimit *rl)
{
  free(rl->done);
  rl->done = NULL;
}

/* The i-th oldest remembered answer time. */
static int64_t answered(const mkto_ratelimit *rl, int i)
{
  return rl->done[(rl->head + i) % rl->max_calls];
}

int64_t mkto_ratelimit_wait(const mkto_ratelimit *rl, int64_t now)
{
  int expired = 0, recent, excess;

  while (expired < rl->count && answered(rl, expired) + rl->window_ms <= now)
    expired++;
  recent = rl->count - expired;
  if (rl->running + recent < rl->max_calls)
    return 0;
  if (rl->running >= rl->max_calls)
    return rl->window_ms;
  /* This many recent answers must leave the window first. */
  excess = rl->running + recent - rl->max_calls + 1;
  return answered(rl, expired + excess - 1) + rl->window_ms - now;
}

void mkto_ratelimit_start(mkto_ratelimit *rl)
{
  rl->running++;
}

void mkto_ratelimit_finish(mkto_ratelimit *rl, int64_t now)
{
  rl->running--;
  if (rl->count < rl->max_calls) {
    rl->done[(rl->head + rl->count) % rl->max_calls] = now;
    rl->count++;
    return;
  }
  rl->done[rl->head] = now;
  rl->head = (rl->head + 1) % rl->max_calls;
}
