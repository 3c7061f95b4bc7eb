/*
 * runner_internal.h - the runner's state, shared by runner.c, host_table.c
 * and summary.c.
 */
#ifndef TF_CORE_RUNNER_INTERNAL_H
#define TF_CORE_RUNNER_INTERNAL_H

#include "deadletter.h"
#include "runner.h"
#include "stage.h"

typedef struct tf_runner {
  const tf_pipeline *p;
  const tf_run_options *opt;
  tf_stage *stages;   /* same indexes as p->stages */
  size_t next_source; /* round-robin position in p->order */
  tf_dead_letter *dead_letter;
  int failed;          /* a stage failed for good: exit 1 */
  int stop;            /* no more batches move */
  unsigned rand_state; /* backoff jitter */
  double started;      /* monotonic seconds */
  int progress_on;
  int progress_shown; /* a progress line is on screen */
  double progress_drawn;
  uint64_t records_read; /* emitted by sources */
} tf_runner;

/* Prints one line to stderr, first clearing the progress line if shown. */
void tf_runner_print_line(tf_runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* summary.c */
double tf_now(void);
void tf_progress_update(tf_runner *r);
void tf_progress_clear(tf_runner *r);
void tf_summary_print(tf_runner *r, double elapsed);

#endif
