/*
 * touchflow/timeorder.h - a source's promise that its input comes in
 * event-time order, and the check that keeps the promise honest.
 *
 * A source whose input is sorted by event time (an export sorted by date)
 * can promise, after each record, that no record with an earlier event time
 * follows: its watermark (plugin.h) is then the latest event time it
 * emitted, and transforms such as session_merge resolve what they hold as
 * the input goes instead of at its end.  The user declares the order with
 * the option `sorted_by_time` (TF_SORTED_BY_TIME_OPTION); the source cannot
 * know it.
 *
 * The promise is checked, not trusted: a tf_time_order keeps the latest
 * event time passed on, and a record whose time is before it is not emitted
 * (it would arrive behind a watermark already given).  It goes to the
 * dead-letter output with code `out_of_order` and a message naming both
 * times, the stage's counter `out_of_order` counts it, and the first one is
 * logged as a warning.  With the option off every record is emitted and
 * the watermark stays unknown.
 *
 * A source that holds records back (it emits some only later, such as
 * `drift`, whose webhook conversations are decided at the end of input)
 * cannot promise its latest time while it holds them: between
 * tf_time_order_hold and tf_time_order_release its watermark stays where
 * it was when the hold began, and records are checked against that value
 * (the promise given), not against the latest time.
 *
 *   init:      tf_time_order_init(&s->order, tf_config_bool(cfg,
 *                                                          "sorted_by_time"));
 *   map:       return tf_time_order_emit(&s->order, ctx, host, rec, ts_ms);
 *              (an attribution event: tf_time_order_emit_event)
 *   watermark: return tf_time_order_watermark(&s->order);
 *   position:  tf_time_order_save(&s->order, position);
 *   seek:      tf_time_order_restore(&s->order, position);
 *
 * Sources built on tf_file_source need none of this but the emit call: the
 * file source keeps a tf_time_order (tf_file_source_time_order) and saves
 * and restores it with its position.
 *
 * Ownership: a tf_time_order is the caller's (no allocation, nothing to
 * free).  ctx, host and records are as in host.h.
 */
#ifndef TOUCHFLOW_TIMEORDER_H
#define TOUCHFLOW_TIMEORDER_H

#include <stdint.h>
#include <jansson.h>
#include "host.h"
#include "options.h"
#include "plugin.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The option entry of a source whose records are attribution events
 * (docs/events.md: the event time is ts_ms).  Add it to the option table;
 * tf_file_source reads it. */
/* clang-format off */
#define TF_SORTED_BY_TIME_OPTION                                               \
  {"sorted_by_time", TF_OPT_BOOL, "false", 0, 0, 0, NULL,                      \
   "The input comes in event-time order: the events' ts_ms never decreases " \
   "over all the files, read in name order. The source then promises its "   \
   "latest event time as its watermark (session_merge resolves sessions as " \
   "it reads). An event before an earlier one is dead-lettered as "          \
   "out_of_order."}
/* clang-format on */

/* The key of a resume position that holds the latest event time. */
#define TF_TIME_ORDER_POSITION_KEY "max_ts_ms"

/* The key of a resume position taken during a hold: the watermark the
 * hold keeps (null when the hold began before the first record). */
#define TF_TIME_ORDER_HELD_KEY "held_ts_ms"

/* The state of the check.  Read and change it through the functions
 * below only. */
typedef struct tf_time_order {
  int sorted;     /* the input is declared sorted: the check is on */
  int64_t latest; /* the latest time passed on; UNKNOWN: none yet */
  int64_t floor;  /* records before it are out of order: the watermark */
  int held;       /* between hold and release: floor stays */
  int warned;     /* the first out-of-order (bit 0) and in-future (bit 1)
                     records were logged */
} tf_time_order;

/* Starts a check: sorted is the value of the option sorted_by_time (0: every
 * record is emitted, the watermark stays TF_WATERMARK_UNKNOWN). */
void tf_time_order_init(tf_time_order *order, int sorted);

/* Emits rec, whose event time is ts_ms, through host->emit, raising the
 * latest time; or, when the input is declared sorted and ts_ms is before
 * the latest time (while held: the watermark), dead-letters it instead
 * (code "out_of_order"), counts it and logs the first one.  A time more
 * than a day after the wall clock (a wrong clock, a year 9999) is emitted
 * without raising the latest time, counted as "in_future" and the first
 * logged: else it would make every later record out of order and promise
 * a watermark that drags the stages below past every real event.  Steals the
 * caller's reference to rec, as host->emit does.  order may be NULL: rec
 * is then emitted unchecked.  Returns TF_OK (emitted or dead-lettered), or
 * the error host->emit or host->reject returned. */
int tf_time_order_emit(tf_time_order *order, tf_ctx *ctx, const tf_host *host,
                       tf_record *rec, int64_t ts_ms);

/* tf_time_order_emit for an attribution event (event.h), whose event time
 * is its integer field ts_ms.  A record without one is emitted unchecked. */
int tf_time_order_emit_event(tf_time_order *order, tf_ctx *ctx,
                             const tf_host *host, tf_record *rec);

/* The source's watermark: the latest event time emitted when the input is
 * declared sorted (while held: that time when the hold began), else (and
 * before the first record) TF_WATERMARK_UNKNOWN.  Never goes back. */
int64_t tf_time_order_watermark(const tf_time_order *order);

/* The source starts holding records back: the watermark stays where it is
 * until tf_time_order_release.  Holding while held changes nothing.
 * NULL-safe. */
void tf_time_order_hold(tf_time_order *order);

/* The source holds nothing back any more: the watermark moves on to the
 * latest time emitted.  NULL-safe. */
void tf_time_order_release(tf_time_order *order);

/* Adds the latest time to a resume position (a JSON object the caller
 * owns) as TF_TIME_ORDER_POSITION_KEY, when the input is declared sorted
 * and a record was emitted, and during a hold the watermark it keeps as
 * TF_TIME_ORDER_HELD_KEY; otherwise leaves it unchanged.  What the source
 * holds back is the source's to save.  TF_OK, TF_ERR_INVAL (not an
 * object) or TF_ERR_NOMEM. */
int tf_time_order_save(const tf_time_order *order, json_t *position);

/* Takes the latest time back from a position made by tf_time_order_save
 * (borrowed), and the hold when it was taken during one.  A position
 * without the keys (saved before the check existed, or with the option
 * off) starts the check afresh.  TF_ERR_INVAL, with the order unchanged,
 * when a key holds anything but an integer (the hold's: or null). */
int tf_time_order_restore(tf_time_order *order, const json_t *position);

#ifdef __cplusplus
}
#endif
#endif
