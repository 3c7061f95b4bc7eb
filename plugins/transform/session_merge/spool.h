/*
 * spool.h - records waiting for the input watermark, in event-time order,
 * within a memory budget.
 *
 * session_merge may resolve an event only once the host's input watermark
 * has passed it (docs/event-time.md).  Until then its record waits here.
 * With time-sorted inputs little waits; an input that promises no order
 * makes everything wait until its end.  So that such an input still runs
 * in flat memory, the spool works like sort(1): while the records held in
 * memory stay under the budget they are kept as they came; past it they
 * are sorted by (event time, arrival) and written to a temporary file, a
 * "run".  sm_spool_take() merges the runs and what is in memory back into
 * one ordered stream and hands out every record before a time limit.
 *
 * Run files are created in the spool folder and unlinked at once, so
 * nothing is left behind however the process ends.  A spilled record is
 * written as its JSON text (tf_record_bytes: never re-serialised) with
 * its origin (file:line) and read back with tf_record_parse(): it reaches
 * the engine with the same fields and the same origin.
 */
#ifndef SM_SPOOL_H
#define SM_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/record.h>
#include "event.h"

typedef struct sm_spool sm_spool;

/* A new, empty spool.  budget: bytes of records held in memory (estimated,
 * see sm_spool_bytes) before they are spilled; dir: the folder for run
 * files, or NULL/"" for $TMPDIR, else /tmp (both copied).  NULL on
 * ENOMEM. */
sm_spool *sm_spool_new(size_t budget, const char *dir);

/* Drops every record still held and closes the runs.  NULL-safe. */
void sm_spool_free(sm_spool *sp);

/* Adds rec (a new reference is taken) with its event time ts; spills when
 * the memory held passes the budget.  ev (or NULL) is the event read from
 * rec, its strings borrowed from rec: a copy is kept with the record while
 * it stays in memory (counted in the budget), so that it needs no second
 * read when taken.  TF_OK, TF_ERR_NOMEM or TF_ERR_IO (then
 * sm_spool_error() says why). */
int sm_spool_add(sm_spool *sp, int64_t ts, tf_record *rec, const sm_event *ev);

/* Called for each record taken: rec is borrowed for the call; ev is the
 * event given to sm_spool_add, borrowed for the call, or NULL when there
 * was none or the record went through a run file or a snapshot (it is then
 * a new record, to be read again).  TF_OK or a negative code, which stops
 * the take and is returned by it. */
typedef int (*sm_spool_take_fn)(void *ud, tf_record *rec, const sm_event *ev);

/* Hands out, in (event time, arrival) order, every record whose time is
 * before limit (INT64_MAX: all), and forgets them.  TF_OK, TF_ERR_NOMEM,
 * TF_ERR_IO or what take returned. */
int sm_spool_take(sm_spool *sp, int64_t limit, sm_spool_take_fn take, void *ud);

/* Records held, in memory and in runs. */
uint64_t sm_spool_count(const sm_spool *sp);

/* The estimated bytes of the records held in memory: their JSON text, the
 * value index reading them built (a copy of the text and a token per key
 * and value), a jansson tree when something built one, and the spool's
 * overhead per record. */
size_t sm_spool_bytes(const sm_spool *sp);

/* Runs written so far, and records spilled into them (lifetime totals). */
uint64_t sm_spool_runs_written(const sm_spool *sp);
uint64_t sm_spool_records_spilled(const sm_spool *sp);

/* The last I/O error, e.g. "/tmp: cannot create a spill file: No space
 * left on device"; "" when none. */
const char *sm_spool_error(const sm_spool *sp);

/* --- snapshot and restore (the records of unlinked runs die with the
 * process, so a checkpoint must hold them) --- */

/* The arrival number the next record added gets. */
uint64_t sm_spool_next_seq(const sm_spool *sp);

/* Runs currently open. */
size_t sm_spool_run_count(const sm_spool *sp);

/* Called for each record held: where is -1 for memory, else the run's
 * index; bytes its estimated cost in memory (0 in a run); rec is borrowed
 * for the call.  TF_OK or a negative code, which
 * stops the visit and is returned by it. */
typedef int (*sm_spool_visit_fn)(void *ud, long where, int64_t ts, uint64_t seq,
                                 size_t bytes, const tf_record *rec);

/* Visits every record held without taking it: the memory's (in no
 * particular order), then each run's in its order.  TF_OK, TF_ERR_NOMEM,
 * TF_ERR_IO or what visit returned. */
int sm_spool_each(sm_spool *sp, sm_spool_visit_fn visit, void *ud);

/* Into a fresh spool: puts back the lifetime counters and the next
 * arrival number, */
void sm_spool_restore_counters(sm_spool *sp, uint64_t next_seq,
                               uint64_t runs_written, uint64_t spilled);

/* a record held in memory with its time, arrival number and the cost it
 * was counted at (0: estimate it again), so that later spills fall where
 * they would have (a reference is taken; nothing spills), */
int sm_spool_restore_memory(sm_spool *sp, int64_t ts, uint64_t seq,
                            size_t bytes, tf_record *rec);

/* and a run: begin, add its records in their order (rec borrowed), end.
 * TF_OK, TF_ERR_NOMEM, TF_ERR_IO or TF_ERR_INVAL (out of sequence). */
int sm_spool_restore_run_begin(sm_spool *sp);
int sm_spool_restore_run_add(sm_spool *sp, int64_t ts, uint64_t seq,
                             tf_record *rec);
int sm_spool_restore_run_end(sm_spool *sp);

#endif
