/*
 * runner.h - moves records through a checked pipeline (internal).
 *
 * Deterministic: stages run in a fixed order, so the same input gives the
 * same output.  Every stage runs on the pipeline thread, except the
 * produce() calls of sources that allow a thread of their own
 * (source_thread.h), whose results the pipeline takes in the same order.
 * Between stages sit bounded queues of batches (queue.h); a source produces
 * only when every queue downstream of it has room, and downstream stages are
 * drained first, so memory stays bounded by queue_limit batches per edge
 * whatever the input size.  Records move by reference: no copy, no
 * re-serialisation between stages.
 */
#ifndef TF_CORE_RUNNER_H
#define TF_CORE_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

typedef enum tf__progress_mode {
  TF_PROGRESS_AUTO = 0, /* on when stderr is a terminal */
  TF_PROGRESS_ALWAYS,
  TF_PROGRESS_NEVER
} tf__progress_mode;

typedef struct tf__run_options {
  size_t batch_size;  /* records asked of a source per produce() */
  size_t queue_limit; /* batches per queue before sources pause */
  tf__progress_mode progress;
  int quiet;              /* no summary */
  unsigned sink_retries;  /* RETRY verdicts allowed per batch */
  unsigned retry_base_ms; /* full-jitter backoff base ... */
  unsigned retry_cap_ms;  /* ... and cap */
  /* Checkpoints (docs/checkpoints.md): the state directory (NULL: none),
   * whether to forget its checkpoint first, and how many records sources
   * read between two checkpoints. */
  const char *state_dir;
  int reset_state;
  uint64_t checkpoint_every;
  /* For machines (docs/operations.md): where to write the run's outcome as
   * JSON (NULL: nowhere), and log lines as JSON objects on stderr. */
  const char *summary_json;
  int log_json;
  /* Metrics (docs/operations.md#metrics): the address of the endpoint
   * (NULL: none; checked by the command line), and the file written for
   * node-exporter's textfile collector at the end (NULL: none). */
  const char *metrics_listen;
  const char *metrics_textfile;
  /* Sources that allow it (TF_SOURCE_OWN_THREAD) produce on a thread of
   * their own, ahead of the pipeline (source_thread.h); 0: every stage on
   * the pipeline thread.  The output is the same either way. */
  int source_threads;
} tf__run_options;

/* Defaults: batch 512, queue 4, progress auto, 5 retries, 100 ms .. 5 s,
 * no state directory, a checkpoint every 100,000 records read, source
 * threads on. */
void tf__run_options_default(tf__run_options *opt);

/* Runs the pipeline and returns the exit status of docs/contract.md: 0 every
 * record delivered or dead-lettered, 1 a stage failed, 2 a plugin refused
 * its config at init (before any record moved) or the state directory
 * cannot be used; 128 + the signal's number after SIGINT, SIGTERM or
 * SIGHUP stopped it (nothing committed; with a state directory, a
 * checkpoint to resume from was written). */
int tf__run(const tf__pipeline *p, const tf__run_options *opt);

#endif
