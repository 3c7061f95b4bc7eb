/*
 * timeorder.c - the check of a source's promise that its input comes in
 * event-time order (timeorder.h): the latest event time passed on and the
 * watermark (the same but while the source holds records back), the
 * out_of_order dead-letter with its message, the warning and the counter,
 * and the latest time kept in a resume position.
 */
#include <stdio.h>
#include <time.h>
#include <touchflow/error.h>
#include <touchflow/timeorder.h>
#include <touchflow/time.h>
#include <touchflow/record_json.h>

#define OUT_OF_ORDER "out_of_order"
#define IN_FUTURE "in_future"

/* A time further than this after the wall clock is no event that has
 * happened: it never raises the watermark (tf_time_order_emit). */
#define FUTURE_MARGIN_MS (24 * 3600 * 1000LL)

/* The bits of tf_time_order.warned. */
#define WARNED_ORDER 1
#define WARNED_FUTURE 2

void tf_time_order_init(tf_time_order *order, int sorted)
{
  order->sorted = sorted != 0;
  order->latest = TF_WATERMARK_UNKNOWN;
  order->floor = TF_WATERMARK_UNKNOWN;
  order->held = 0;
  order->warned = 0;
}

/* Writes both times, to the millisecond only when a whole second would
 * hide the difference. */
static void format_times(int64_t ts, int64_t latest, char *a, char *b)
{
  if (ts % 1000 == 0 && latest % 1000 == 0) {
    tf_time_format(ts, a, TF_TIME_ISO_LEN);
    tf_time_format(latest, b, TF_TIME_ISO_LEN);
  } else {
    tf_time_format_ms(ts, a, TF_TIME_ISO_LEN);
    tf_time_format_ms(latest, b, TF_TIME_ISO_LEN);
  }
}

/* Dead-letters a record out of order, counts it and logs the first. */
static int reject_late(tf_time_order *order, tf_ctx *ctx, const tf_host *host,
                       const tf_record *rec, int64_t ts)
{
  char when[TF_TIME_ISO_LEN], latest[TF_TIME_ISO_LEN], message[256];
  tf_origin origin = tf_record_origin(rec);

  format_times(ts, order->floor, when, latest);
  snprintf(message, sizeof(message),
           "event time %s is before %s, the time of an earlier record, but "
           "the input is declared sorted_by_time: sort the input or set "
           "sorted_by_time to false",
           when, latest);
  host->metric(ctx, OUT_OF_ORDER, 1);
  if (!(order->warned & WARNED_ORDER)) {
    order->warned |= WARNED_ORDER;
    host->log(ctx, TF_LOG_WARN,
              "%s:%ld: %s (this record and every later one out of order "
              "go to the dead-letter output as " OUT_OF_ORDER ")",
              origin.file ? origin.file : "-", origin.line, message);
  }
  return host->reject(ctx, rec, OUT_OF_ORDER, message);
}

/* The wall clock this thread read last, in ms: the clock is not read again
 * while records are not past it plus the margin (a time-sorted source
 * checks nearly every record, and the clock only moves on).  Per thread,
 * as tf_time_order's size is part of the ABI. */
static _Thread_local int64_t clock_seen_ms;

/* Whether ts is more than FUTURE_MARGIN_MS after the wall clock; then
 * counts it and logs the first one. */
static int in_future(tf_time_order *order, tf_ctx *ctx, const tf_host *host,
                     const tf_record *rec, int64_t ts)
{
  char when[TF_TIME_ISO_LEN], now[TF_TIME_ISO_LEN];
  tf_origin origin;
  struct timespec clock;
  int64_t now_ms;

  if (clock_seen_ms > 0 && ts <= clock_seen_ms + FUTURE_MARGIN_MS)
    return 0;
  if (clock_gettime(CLOCK_REALTIME, &clock) != 0)
    return 0;
  now_ms = (int64_t)clock.tv_sec * 1000 + clock.tv_nsec / 1000000;
  clock_seen_ms = now_ms;
  if (ts <= now_ms + FUTURE_MARGIN_MS)
    return 0;
  host->metric(ctx, IN_FUTURE, 1);
  if (order->warned & WARNED_FUTURE)
    return 1;
  order->warned |= WARNED_FUTURE;
  origin = tf_record_origin(rec);
  format_times(ts, now_ms - now_ms % 1000, when, now);
  host->log(ctx, TF_LOG_WARN,
            "%s:%ld: event time %s is more than a day after the clock (%s): "
            "the record is passed on but does not move the watermark, so "
            "that the records after it are not taken for out of order (this "
            "and every later one are counted as " IN_FUTURE ")",
            origin.file ? origin.file : "-", origin.line, when, now);
  return 1;
}

int tf_time_order_emit(tf_time_order *order, tf_ctx *ctx, const tf_host *host,
                       tf_record *rec, int64_t ts_ms)
{
  int rc;

  if (!order || !order->sorted)
    return host->emit(ctx, rec);
  if (order->floor != TF_WATERMARK_UNKNOWN && ts_ms < order->floor) {
    rc = reject_late(order, ctx, host, rec, ts_ms);
    tf_record_unref(rec);
    return rc;
  }
  if ((order->latest == TF_WATERMARK_UNKNOWN || ts_ms > order->latest) &&
      in_future(order, ctx, host, rec, ts_ms))
    return host->emit(ctx, rec);
  if (order->latest == TF_WATERMARK_UNKNOWN || ts_ms > order->latest)
    order->latest = ts_ms;
  if (!order->held)
    order->floor = order->latest;
  return host->emit(ctx, rec);
}

int tf_time_order_emit_event(tf_time_order *order, tf_ctx *ctx,
                             const tf_host *host, tf_record *rec)
{
  const json_t *ts = tf_record_get(rec, "ts_ms");

  if (!json_is_integer(ts))
    return host->emit(ctx, rec);
  return tf_time_order_emit(order, ctx, host, rec,
                            (int64_t)json_integer_value(ts));
}

int64_t tf_time_order_watermark(const tf_time_order *order)
{
  return order && order->sorted ? order->floor : TF_WATERMARK_UNKNOWN;
}

void tf_time_order_hold(tf_time_order *order)
{
  if (order)
    order->held = 1;
}

void tf_time_order_release(tf_time_order *order)
{
  if (!order)
    return;
  order->held = 0;
  order->floor = order->latest;
}

/* The watermark a hold keeps, as JSON: null when the hold began before
 * the first record. */
static json_t *held_value(const tf_time_order *order)
{
  if (order->floor == TF_WATERMARK_UNKNOWN)
    return json_null();
  return json_integer((json_int_t)order->floor);
}

int tf_time_order_save(const tf_time_order *order, json_t *position)
{
  if (!json_is_object(position))
    return TF_ERR_INVAL;
  if (!order || !order->sorted)
    return TF_OK;
  if (order->held && json_object_set_new(position, TF_TIME_ORDER_HELD_KEY,
                                         held_value(order)) != 0)
    return TF_ERR_NOMEM;
  if (order->latest != TF_WATERMARK_UNKNOWN &&
      json_object_set_new(position, TF_TIME_ORDER_POSITION_KEY,
                          json_integer((json_int_t)order->latest)) != 0)
    return TF_ERR_NOMEM;
  return TF_OK;
}

int tf_time_order_restore(tf_time_order *order, const json_t *position)
{
  const json_t *latest = json_object_get(position, TF_TIME_ORDER_POSITION_KEY);
  const json_t *held = json_object_get(position, TF_TIME_ORDER_HELD_KEY);

  if ((latest && !json_is_integer(latest)) ||
      (held && !json_is_integer(held) && !json_is_null(held)))
    return TF_ERR_INVAL;
  if (order->sorted) {
    order->latest =
        latest ? (int64_t)json_integer_value(latest) : TF_WATERMARK_UNKNOWN;
    order->floor = order->latest;
    order->held = held != NULL;
    if (json_is_integer(held))
      order->floor = (int64_t)json_integer_value(held);
    else if (held)
      order->floor = TF_WATERMARK_UNKNOWN;
  }
  return TF_OK;
}
