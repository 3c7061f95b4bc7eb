/*
 * signals.c - catches the first stop signal (signals.h).
 */
#include <signal.h>
#include <string.h>

#include "signals.h"

static volatile sig_atomic_t caught;

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

static void on_signal(int sig)
{
  caught = sig;
}

void tf__signals_install(void)
{
  struct sigaction sa;
  size_t i;

  caught = 0;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* A second signal takes the default action; a read or write the signal
   * interrupts goes on (the runner stops at the next batch boundary). */
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  for (i = 0; i < N_STOP_SIGNALS; i++)
    sigaction(stop_signals[i], &sa, NULL);
}

int tf__signal_caught(void)
{
  return caught;
}

void tf__signals_restore(void)
{
  size_t i;

  for (i = 0; i < N_STOP_SIGNALS; i++)
    signal(stop_signals[i], SIG_DFL);
}
