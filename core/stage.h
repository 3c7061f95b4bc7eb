/*
 * stage.h - one running stage: its plugin instance, queue and counters.
 *
 * struct tf_ctx, the opaque handle plugins pass back to the host, is the
 * first member of a stage, so the host turns a ctx back into its stage
 * without a lookup.
 */
#ifndef TF_CORE_STAGE_H
#define TF_CORE_STAGE_H

#include <stdint.h>
#include <touchflow/plugin.h>

#include "histogram.h"
#include "pipeline.h"
#include "queue.h"

struct tf__runner;

struct tf_ctx {
  struct tf__stage *stage;
};

typedef struct tf__metric {
  char *name;
  int64_t value;
} tf__metric;

typedef struct tf__stage {
  struct tf_ctx ctx;
  const tf__stage_def *def;
  const tf_plugin *plugin;
  /* The whole descriptor: the one of the stage's kind is set. */
  const tf_source_plugin *source;
  const tf_transform_plugin *transform;
  const tf_sink_plugin *sink;
  struct tf__runner *runner;
  void *state;
  int initialized;
  int done;     /* a source that returned TF_DONE (or failed) */
  int failed;   /* failed for good */
  tf__queue in; /* batches waiting for this stage */
  struct tf__stage **consumers;
  size_t n_consumers;
  tf_batch *out; /* records emitted during the current callback */
  /* Event time (docs/event-time.md): the watermark of what this stage
   * emits, and the input watermark last handed to it (the smallest of its
   * inputs' wm_out); TF_WATERMARK_UNKNOWN at first. */
  int64_t wm_out;
  int64_t wm_in;
  uint64_t n_in, n_out, n_rejected, n_retries;
  tf__metric *metrics;
  size_t n_metrics;
  /* Seconds per produce(), process() or write() with its retries; only
   * kept when the run's metrics are asked for (run_metrics.h). */
  tf__histogram batch_seconds;
  /* A source on a thread of its own (source_thread.h), started at its
   * first produce; NULL before, and for the others.  `position` is the
   * position() that came with the last result taken (a new reference,
   * when the run keeps checkpoints), what a checkpoint records for it. */
  struct tf__source_thread *thread;
  int thread_tried;
  json_t *position;
  int position_rc;
} tf__stage;

/* The host function table (host_table.c). */
const tf_host *tf__host_table(void);

/* host_table.c: adds delta to the stage's metric called name (made at 0
 * the first time). */
void tf__stage_metric(tf__stage *stage, const char *name, int64_t delta);

/* host_table.c: log one line for a stage. */
void tf__stage_log(tf__stage *stage, tf_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
