/*
 * histogram.c - fixed-bucket latency histogram (histogram.h).
 */
#include "histogram.h"

static const double bounds[TF_HISTOGRAM_BOUNDS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
static const char *const bound_texts[TF_HISTOGRAM_BOUNDS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};

double tf__histogram_bound(size_t i)
{
  return bounds[i];
}

const char *tf__histogram_bound_text(size_t i)
{
  return bound_texts[i];
}

void tf__histogram_observe(tf__histogram *h, double seconds)
{
  size_t i = 0;

  if (seconds < 0)
    seconds = 0;
  while (i < TF_HISTOGRAM_BOUNDS && seconds > bounds[i])
    i++;
  h->counts[i]++;
  h->count++;
  h->sum += seconds;
}
