/*
 * ratelimit.c - sliding-window call limiter (see ratelimit.h).
 *
 * The window is stretched by 2 % so that a call the server sees a little
 * later than we started it still falls outside the window the server counts.
 */
#include <stdlib.h>
#include <touchflow/error.h>
#include "ratelimit.h"

int mkto_ratelimit_init(mkto_ratelimit *rl, int max_calls, int64_t window_ms)
{
  rl->starts = calloc((size_t)max_calls, sizeof(*rl->starts));
  if (!rl->starts)
    return TF_ERR_NOMEM;
  rl->max_calls = max_calls;
  rl->head = 0;
  rl->count = 0;
  rl->window_ms = window_ms + window_ms / 50;
  return TF_OK;
}

void mkto_ratelimit_clear(mkto_ratelimit *rl)
{
  free(rl->starts);
  rl->starts = NULL;
}

int64_t mkto_ratelimit_wait(const mkto_ratelimit *rl, int64_t now)
{
  int64_t free_at;

  if (rl->count < rl->max_calls)
    return 0;
  free_at = rl->starts[rl->head] + rl->window_ms;
  return free_at > now ? free_at - now : 0;
}

void mkto_ratelimit_note(mkto_ratelimit *rl, int64_t now)
{
  if (rl->count < rl->max_calls) {
    rl->starts[(rl->head + rl->count) % rl->max_calls] = now;
    rl->count++;
    return;
  }
  rl->starts[rl->head] = now;
  rl->head = (rl->head + 1) % rl->max_calls;
}
