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

typedef struct sm_spool sm_spool;

/* A new, empty spool.  budget: bytes of records held in memory (estimated,
 * see sm_spool_bytes) before they are spilled; dir: the folder for run
 * files, or NULL/"" for $TMPDIR, else /tmp (both copied).  NULL on
 * ENOMEM. */
sm_spool *sm_spool_new(size_t budget, const char *dir);

/* Drops every record still held and closes the runs.  NULL-safe. */
void sm_spool_free(sm_spool *sp);

/* Adds rec (a new reference is taken) with its event time ts; spills when
 * the memory held passes the budget.  TF_OK, TF_ERR_NOMEM or TF_ERR_IO
 * (then sm_spool_error() says why). */
int sm_spool_add(sm_spool *sp, int64_t ts, tf_record *rec);

/* Called for each record taken: rec is borrowed for the call.  TF_OK or a
 * negative code, which stops the take and is returned by it. */
typedef int (*sm_spool_take_fn)(void *ud, tf_record *rec);

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

#endif
