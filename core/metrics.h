/*
 * metrics.h - the run's metrics in the Prometheus text format (internal).
 *
 * A snapshot is a plain copy of what the run counts at one moment: per
 * stage records in, out, rejected, sink retries, queued batches, the
 * latency histogram and the plugin's own counters, plus dead letters by
 * reason, checkpoints and when the run started (and ended).
 * tf__metrics_snapshot_take() fills one from the runner, on the run's
 * thread; tf__metrics_render() turns any snapshot into the text exposition
 * format 0.0.4 and touches nothing else, so tests build snapshots by hand.
 * Names, types and labels are listed in docs/operations.md#metrics; they
 * are part of the outside contract and are only ever added to.
 */
#ifndef TF_CORE_METRICS_H
#define TF_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/plugin.h>

#include "histogram.h"
#include "stage.h"

/* The Content-Type of the exposition. */
#define TF_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct tf__metrics_stage {
  const char *id, *plugin; /* borrowed */
  tf_plugin_kind kind;
  uint64_t in, out, rejected, retries;
  int failed;
  size_t queued; /* batches waiting in the stage's queue (not sources) */
  tf__histogram batch_seconds;
  const tf__metric *counters; /* the plugin's counters; borrowed */
  size_t n_counters;
} tf__metrics_stage;

typedef struct tf__metrics_reason {
  const char *reason; /* borrowed */
  uint64_t count;
} tf__metrics_reason;

typedef struct tf__metrics_snapshot {
  const char *version;  /* touchflow's */
  const char *pipeline; /* its name, or its file when unnamed */
  double start_time;    /* Unix seconds */
  uint64_t records_read;
  int has_checkpoints; /* run with --state-dir */
  uint64_t checkpoints;
  const tf__metrics_stage *stages;
  size_t n_stages;
  const tf__metrics_reason *reasons;
  size_t n_reasons;
  int ended; /* the run is over: exit_status and end_time are set */
  int exit_status;
  double end_time;
} tf__metrics_snapshot;

/* The exposition of snap, a NUL-terminated string the caller frees; NULL
 * on ENOMEM.  Every family has one # HELP and one # TYPE line, label
 * values are escaped, histogram buckets are cumulative. */
char *tf__metrics_render(const tf__metrics_snapshot *snap);

struct tf__runner;

/* Fills snap from the runner (whose strings it borrows: valid until the
 * runner changes them, so render on the run's thread).  Allocates the
 * stage and reason arrays: free them with tf__metrics_snapshot_cleanup.
 * TF_OK or TF_ERR_NOMEM. */
int tf__metrics_snapshot_take(const struct tf__runner *r,
                              tf__metrics_snapshot *snap);
void tf__metrics_snapshot_cleanup(tf__metrics_snapshot *snap);

#endif
