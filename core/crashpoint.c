/*
 * crashpoint.c - fault injection for the crash tests, and the test-only
 * batch delay (crashpoint.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crashpoint.h"

static long crash_at = -1; /* -1: not read yet; 0: never */
static int crash_signal = SIGKILL;
static long passed;
static FILE *trace; /* TOUCHFLOW_CRASH_TRACE: every point passed, named */

static void read_environment(void)
{
  const char *at = getenv("TOUCHFLOW_CRASH_AT");
  const char *sig = getenv("TOUCHFLOW_CRASH_SIGNAL");
  const char *trace_path = getenv("TOUCHFLOW_CRASH_TRACE");

  if (trace_path && *trace_path)
    trace = fopen(trace_path, "w");
  crash_at = at ? strtol(at, NULL, 10) : 0;
  if (crash_at < 0)
    crash_at = 0;
  if (sig && strcmp(sig, "TERM") == 0)
    crash_signal = SIGTERM;
  else if (sig && strcmp(sig, "INT") == 0)
    crash_signal = SIGINT;
  else if (sig && strcmp(sig, "HUP") == 0)
    crash_signal = SIGHUP;
}

void tf__crash_point(const char *where)
{
  if (crash_at < 0)
    read_environment();
  passed++;
  if (trace)
    fprintf(trace, "%ld %s\n", passed, where);
  if (crash_at > 0 && passed == crash_at)
    kill(getpid(), crash_signal);
}

void tf__crash_points_report(void)
{
  const char *path = getenv("TOUCHFLOW_CRASH_COUNT");
  FILE *f;

  if (trace) {
    fclose(trace);
    trace = NULL;
  }
  if (!path || !(f = fopen(path, "w")))
    return;
  fprintf(f, "%ld\n", passed);
  fclose(f);
}

void tf__test_batch_delay(void)
{
  static long delay_ms = -1; /* -1: not read yet */
  struct timespec ts;

  if (delay_ms < 0) {
    const char *v = getenv("TOUCHFLOW_TEST_BATCH_DELAY_MS");

    delay_ms = v ? strtol(v, NULL, 10) : 0;
    if (delay_ms < 0 || delay_ms > 10000)
      delay_ms = 0;
  }
  if (delay_ms == 0)
    return;
  ts.tv_sec = delay_ms / 1000;
  ts.tv_nsec = (delay_ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}
