/*
 * histogram.h - a latency histogram with fixed buckets (internal).
 *
 * The host times each stage call (a source's produce(), a transform's
 * process(), a sink's write() with its retries) and adds the seconds here;
 * the metrics endpoint shows it as touchflow_stage_batch_seconds
 * (docs/operations.md#metrics).  The buckets are the same for every stage
 * and never change, so dashboards can add stages up.  Counts are kept per
 * bucket (not cumulative); the renderer adds them up.
 */
#ifndef TF_CORE_HISTOGRAM_H
#define TF_CORE_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

/* Upper bounds in seconds, 100 µs to 10 s; a last bucket, +Inf, follows. */
#define TF_HISTOGRAM_BOUNDS 16

typedef struct tf__histogram {
  uint64_t counts[TF_HISTOGRAM_BOUNDS + 1]; /* the last one: above 10 s */
  uint64_t count;
  double sum;
} tf__histogram;

/* The upper bound of bucket i (i < TF_HISTOGRAM_BOUNDS), as a number and
 * as the text of its le label ("0.0001" ... "10"). */
double tf__histogram_bound(size_t i);
const char *tf__histogram_bound_text(size_t i);

/* Adds one observation of `seconds` (negative values count as 0). */
void tf__histogram_observe(tf__histogram *h, double seconds);

#endif
