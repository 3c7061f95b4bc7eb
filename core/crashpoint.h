/*
 * crashpoint.h - fault injection for the crash tests (internal).
 *
 * With TOUCHFLOW_CRASH_AT=N in the environment, the Nth crash point the
 * process passes kills it with SIGKILL, as the OOM killer or a power cut
 * would: nothing is flushed, no handler runs.  Crash points sit where a
 * crash is most interesting: between batches, inside a checkpoint write
 * (before and after the rename), around each sink's commit.  Without the
 * variable a crash point costs one branch.  TOUCHFLOW_CRASH_SIGNAL=TERM
 * (or INT, HUP) sends that signal instead, to test a clean stop at an
 * exact point.  tests/e2e/checkpoint.sh and
 * bench/crash.sh use it; TOUCHFLOW_CRASH_COUNT=FILE writes the number of
 * points a run passed, so a test can pick points across the whole run,
 * and TOUCHFLOW_CRASH_TRACE=FILE writes every point passed, one a line,
 * as its number and `where` ("17 checkpoint written, not renamed"), so a
 * test can pick points of one kind (tests/e2e/attribution_crash.sh).
 */
#ifndef TF_CORE_CRASHPOINT_H
#define TF_CORE_CRASHPOINT_H

/* One crash point; `where` names it in TOUCHFLOW_CRASH_TRACE. */
void tf__crash_point(const char *where);

/* Writes the count to TOUCHFLOW_CRASH_COUNT, when set, and closes the
 * trace (at exit). */
void tf__crash_points_report(void);

/* Test only: with TOUCHFLOW_TEST_BATCH_DELAY_MS=N in the environment, the
 * runner sleeps N ms after each turn of its loop (one batch moved), so a
 * test can watch a short run from outside while it runs
 * (tests/e2e/metrics.sh).  Without the variable it costs one branch. */
void tf__test_batch_delay(void);

#endif
