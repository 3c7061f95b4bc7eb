/*
 * stopsignal.c - stop signals held back during a request (stopsignal.h).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "monotonic.h"
#include "stopsignal.h"

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static int ignored(int sig)
{
  struct sigaction sa;

  return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

void stopsignal_hold(stopsignal *st)
{
  size_t i;

  st->taken = 0;
  sigemptyset(&st->watched);
  pthread_sigmask(SIG_BLOCK, NULL, &st->old);
  for (i = 0; i < N_STOP; i++)
    if (sigismember(&st->old, stop_signals[i]) != 1)
      sigaddset(&st->watched, stop_signals[i]);
  pthread_sigmask(SIG_BLOCK, &st->watched, NULL);
}

int stopsignal_pending(const stopsignal *st)
{
  sigset_t pending;
  size_t i;

  if (st->taken)
    return 1;
  if (sigpending(&pending) != 0)
    return 0;
  for (i = 0; i < N_STOP; i++)
    if (sigismember(&st->watched, stop_signals[i]) == 1 &&
        sigismember(&pending, stop_signals[i]) == 1 &&
        !ignored(stop_signals[i]))
      return 1;
  return 0;
}

int stopsignal_wait(stopsignal *st, int64_t ms)
{
  int64_t end = monotonic_ms() + ms, left = ms;

  if (stopsignal_pending(st))
    return 1;
  while (left > 0) {
    struct timespec ts;
    int sig;

    ts.tv_sec = (time_t)(left / 1000);
    ts.tv_nsec = (long)(left % 1000) * 1000000L;
    sig = sigtimedwait(&st->watched, NULL, &ts);
    if (sig > 0 && !ignored(sig)) {
      st->taken = sig;
      return 1;
    }
    if (sig < 0 && errno != EINTR && errno != EAGAIN) {
      nanosleep(&ts, NULL); /* cannot wait for signals: a plain wait */
      return 0;
    }
    left = end - monotonic_ms();
  }
  return 0;
}

void stopsignal_release(stopsignal *st)
{
  pthread_sigmask(SIG_SETMASK, &st->old, NULL);
  if (st->taken)
    raise(st->taken);
  st->taken = 0;
}
