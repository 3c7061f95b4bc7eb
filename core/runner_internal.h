/*
 * runner_internal.h - the runner's state, shared by runner.c, host_table.c
 * and summary.c.
 */
#ifndef TF_CORE_RUNNER_INTERNAL_H
#define TF_CORE_RUNNER_INTERNAL_H

#include "deadletter.h"
#include "runner.h"
#include "stage.h"

typedef struct tf__runner {
  const tf__pipeline *p;
  const tf__run_options *opt;
  tf__stage *stages;  /* same indexes as p->stages */
  size_t next_source; /* round-robin position in p->order */
  tf__dead_letter *dead_letter;
  int failed;          /* a stage failed for good: exit 1 */
  int stop;            /* no more batches move */
  unsigned rand_state; /* backoff jitter */
  double started;      /* monotonic seconds */
  int progress_on;
  int progress_shown; /* a progress line is on screen */
  double progress_drawn;
  uint64_t records_read;           /* emitted by sources */
  struct tf__state_dir *state_dir; /* NULL without --state-dir */
  uint64_t checkpoints;            /* the last checkpoint's sequence */
  uint64_t next_checkpoint;        /* records_read that triggers the next */
  int resumed;                     /* started from a checkpoint */
  int incremental;                 /* went on after the last complete run */
  int nothing_new;            /* incremental, and the inputs had nothing new */
  int signal;                 /* the signal that stopped the run */
  int sources_stopped;        /* a signal asked the unbounded sources to stop */
  uint64_t checkpointed_read; /* records_read at the last checkpoint */
  uint64_t idle_read;         /* records_read when idle_since was set */
  double idle_since;          /* monotonic: records_read last changed */
  /* Metrics (run_metrics.h): whether stage calls are timed, when the run
   * started (Unix seconds), checkpoints written by this process, the
   * endpoint and when it last got a fresh exposition (monotonic). */
  int timing;
  double start_wall;
  uint64_t checkpoints_taken;
  struct tf__metrics_server *metrics_server;
  double metrics_published;
} tf__runner;

/* Prints one line to stderr, first clearing the progress line if shown.
 * Control characters are escaped; with --log-format json the line becomes
 * {"time", "level": "info", "message"} (without the "touchflow: "). */
void tf__runner_print_line(tf__runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One log line of a stage: "touchflow: STAGE: LEVEL: message", or with
 * --log-format json {"time", "level", "stage", "message"}. */
void tf__runner_log(tf__runner *r, const char *level, const char *stage,
                    const char *message);

/* Writes one JSON log object (a new reference, stolen) as a line. */
void tf__log_json_line(json_t *obj);

/* summary.c */
double tf__now(void);
void tf__progress_update(tf__runner *r);
void tf__progress_clear(tf__runner *r);
void tf__summary_print(tf__runner *r, double elapsed);

#endif
