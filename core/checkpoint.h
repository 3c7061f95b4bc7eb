/*
 * checkpoint.h - consistent checkpoints of a run and resuming from them
 * (internal; docs/checkpoints.md).
 *
 * A checkpoint is taken at a batch boundary with every queue drained, so
 * no record is in flight: it holds every source's position, every
 * stateful transform's snapshot, every sink's committed state (sinks
 * without snapshot() are at-least-once), the dead-letter file's length,
 * and the runner's own scheduling state (round robin, watermarks, ended
 * sources), so that a resumed run makes the very same choices as an
 * uninterrupted one and writes byte-identical output.
 *
 * Stages are matched by id, plugin and a fingerprint of their config as
 * written; a checkpoint of another pipeline is refused naming what
 * changed.
 */
#ifndef TF_CORE_CHECKPOINT_H
#define TF_CORE_CHECKPOINT_H

#include <stddef.h>
#include <jansson.h>

#include "runner_internal.h"

/* The format's name and version, written into every checkpoint. */
#define TF_CHECKPOINT_FORMAT "touchflow-checkpoint"
#define TF_CHECKPOINT_VERSION 1

/* Whether every stage can take part: sources need position()/seek(); a
 * transform that holds state between calls (it has flush() or advance())
 * needs snapshot()/restore().  TF_OK, or TF_ERR_UNSUPPORTED with err
 * naming the stage and what it lacks. */
int tf__checkpoint_supported(const tf__runner *r, char *err, size_t errlen);

/* Takes a checkpoint of the drained runner with the given status
 * ("running" while records move, "interrupted" after a signal).  Syncs the
 * dead-letter file and asks every stage for its state.  A new reference,
 * or NULL with err set (a stage failed to report its state). */
json_t *tf__checkpoint_take(tf__runner *r, const char *status, char *err,
                            size_t errlen);

/* Checks that cp was written by this pipeline and puts every stage (after
 * init), the dead-letter file and the runner back where cp says.  TF_OK, or
 * TF_ERR_CONFIG (another pipeline: err names the stage and what changed),
 * TF_ERR_PARSE (not a checkpoint of this version), or a stage's error. */
int tf__checkpoint_restore(tf__runner *r, const json_t *cp, char *err,
                           size_t errlen);

/* The checkpoint of a run that finished and committed (status
 * "complete"): what the next run of the pipeline goes on from, an
 * incremental run.  Per stage: id, plugin, kind and config fingerprint;
 * a source's position after its last record; the snapshot of a
 * transform that carries its state from run to run (it has snapshot() and
 * no advance(): its state is not a window of event time);
 * and the dead-letter file's path and length.  A new reference, or NULL
 * with err set. */
json_t *tf__checkpoint_take_complete(tf__runner *r, char *err, size_t errlen);

/* Starts an incremental run from a complete checkpoint: checks that cp was
 * written by this pipeline (as tf__checkpoint_restore does), seeks every
 * source to its position, restores the transforms that carry state, and
 * cuts the dead-letter file back to the length cp records when it is the
 * same file and at least that long (dead letters of a run that crashed
 * before its first checkpoint go; earlier runs' stay).  Counters start at
 * zero: they count this run.  Errors as tf__checkpoint_restore. */
int tf__checkpoint_continue(tf__runner *r, const json_t *cp, char *err,
                            size_t errlen);

/* Prints what a checkpoint holds (the `state` command). */
void tf__checkpoint_print(const json_t *cp, FILE *out);

#endif
