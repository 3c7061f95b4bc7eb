/*
 * source_thread.h - a source's produce() on a thread of its own (internal).
 *
 * A source whose descriptor sets TF_SOURCE_OWN_THREAD (plugin.h) is read
 * ahead of the pipeline: a thread started for the stage calls produce()
 * with the run's batch size, then watermark() and, when the run keeps
 * checkpoints, position(), and queues what came of that call as one
 * tf__produced, up to `depth` of them ahead.  What the source asks of the
 * host on that thread is kept in the tf__produced instead of acting on the
 * runner: emitted records in its batch, rejects, log lines and metrics in
 * `ops`, in call order.  The pipeline thread takes the results one by one,
 * when its scheduler would have called produce(), and replays them
 * (take_produced and replay_ops in runner.c), so the pipeline sees the same
 * batches, watermarks, dead letters, metrics and positions in the same
 * order as when it calls produce() itself: the output does not depend on
 * how the two threads are timed.
 *
 * The plugin's callbacks are called on the source thread only between
 * tf__source_thread_start and tf__source_thread_stop, never at the same
 * time as another callback of the stage.
 */
#ifndef TF_CORE_SOURCE_THREAD_H
#define TF_CORE_SOURCE_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <touchflow/batch.h>
#include <touchflow/host.h>

struct tf__stage;

/* One thing the source asked of the host, other than emit. */
typedef enum tf__op_kind {
  TF__OP_REJECT, /* rec, code, text (the message) */
  TF__OP_LOG,    /* level, text (the formatted line) */
  TF__OP_METRIC  /* text (the name), delta */
} tf__op_kind;

typedef struct tf__op {
  tf__op_kind kind;
  tf_record *rec; /* a reference */
  char *code;
  char *text;
  tf_log_level level;
  int64_t delta;
} tf__op;

/* What one produce() call gave.  Owned by whoever holds it; freed with
 * tf__produced_free. */
typedef struct tf__produced {
  int rc;            /* produce()'s result */
  tf_batch *batch;   /* the records it emitted, in order */
  int64_t watermark; /* watermark() after it (TF_MORE and a watermark()),
                        else TF_WATERMARK_UNKNOWN */
  json_t *position;  /* position() after it, when positions are kept */
  int position_rc;   /* position()'s result then (TF_OK without one) */
  double seconds;    /* how long produce() took */
  tf__op *ops;       /* rejects, logs and metrics in call order; metrics
                        of one name summed at their first place */
  size_t n_ops, cap_ops;
  int failed_capture; /* an op could not be kept (out of memory) */
} tf__produced;

void tf__produced_free(tf__produced *p);

typedef struct tf__source_thread tf__source_thread;

/* Starts the thread for stage s: it produces batches of batch_size
 * records, keeps positions when keep_positions, builds every emitted
 * record's value index when index_records (a transform will read them),
 * and stays at most depth results ahead.  NULL on failure (the stage then
 * produces on the pipeline thread). */
tf__source_thread *tf__source_thread_start(struct tf__stage *s,
                                           size_t batch_size, size_t depth,
                                           int keep_positions,
                                           int index_records);

/* Waits for the next result and hands it over in *out (the caller frees
 * it): 1.  0 when interrupted() answered non-zero while waiting (it is
 * asked every 50 ms); the result is then taken by a later call.
 * TF_ERR_NOMEM when the source thread ended because it could not keep a
 * result. */
int tf__source_thread_take(tf__source_thread *t, int (*interrupted)(void),
                           tf__produced **out);

/* Stops the thread (after its current produce() call) and frees what it
 * had produced and not handed over.  NULL-safe. */
void tf__source_thread_stop(tf__source_thread *t);

/* host_table.c: the result the calling thread is producing into, or NULL
 * on the pipeline thread.  The host functions keep what a source asks on
 * its own thread in it. */
tf__produced *tf__source_thread_capture(void);

/* Keeps one op in p; text and code are copied, rec referenced.  Metrics
 * of a name already kept are added to it. */
void tf__produced_add_op(tf__produced *p, tf__op_kind kind,
                         const tf_record *rec, const char *code,
                         const char *text, tf_log_level level, int64_t delta);

#endif
