/*
 * summary.c - the live progress line and the end-of-run summary.
 *
 * The progress line (records read, rate, elapsed) is drawn on stderr at most
 * five times a second, only once the run has lasted a second, and only when
 * asked for or stderr is a terminal.  The summary table lists every stage
 * with records in, out, rejected and its throughput, then each stage's own
 * counters (metrics) and where the dead-letter records went.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "redact.h"
#include "runner_internal.h"

double tf__now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tf__progress_update(tf__runner *r)
{
  double now, elapsed;

  if (!r->progress_on)
    return;
  now = tf__now();
  elapsed = now - r->started;
  if (elapsed < 1.0 || now - r->progress_drawn < 0.2)
    return;
  r->progress_drawn = now;
  r->progress_shown = 1;
  fprintf(stderr, "\r\033[K%" PRIu64 " records  %.0f rec/s  %d:%02d elapsed",
          r->records_read, (double)r->records_read / elapsed, (int)elapsed / 60,
          (int)elapsed % 60);
  fflush(stderr);
}

void tf__progress_clear(tf__runner *r)
{
  if (!r->progress_shown)
    return;
  fprintf(stderr, "\r\033[K");
  fflush(stderr);
  r->progress_shown = 0;
}

static void print_count(uint64_t n, int applies)
{
  if (applies)
    fprintf(stderr, " %10" PRIu64, n);
  else
    fprintf(stderr, " %10s", "-");
}

static void print_stage(const tf__stage *s, double elapsed)
{
  tf_plugin_kind kind = s->plugin->kind;
  uint64_t moved = kind == TF_KIND_SOURCE ? s->n_out : s->n_in;
  char id[256], name[256];
  size_t i;

  fprintf(stderr, "  %-16s %-10s %-14s",
          tf__printable(s->def->id, id, sizeof(id)), tf_plugin_kind_name(kind),
          s->plugin->name);
  print_count(s->n_in, kind != TF_KIND_SOURCE);
  print_count(s->n_out, kind != TF_KIND_SINK);
  print_count(s->n_rejected, 1);
  fprintf(stderr, " %10.0f%s\n", elapsed > 0 ? (double)moved / elapsed : 0.0,
          s->failed ? "  FAILED" : "");
  if (s->n_retries)
    fprintf(stderr, "  %-16s   retries: %" PRIu64 "\n", "", s->n_retries);
  for (i = 0; i < s->n_metrics; i++)
    fprintf(stderr, "  %-16s   %s: %" PRId64 "\n", "",
            tf__printable(s->metrics[i].name, name, sizeof(name)),
            s->metrics[i].value);
}

void tf__summary_print(tf__runner *r, double elapsed)
{
  size_t k;
  uint64_t rejected = tf__dead_letter_count(r->dead_letter);
  char name[512];

  fprintf(stderr, "touchflow: pipeline \"%s\" %s in %.2f s\n",
          tf__printable(r->p->name[0] ? r->p->name : r->p->file, name,
                        sizeof(name)),
          r->failed ? "FAILED" : "finished", elapsed);
  fprintf(stderr, "  %-16s %-10s %-14s %10s %10s %10s %10s\n", "stage", "kind",
          "plugin", "in", "out", "rejected", "rec/s");
  for (k = 0; k < r->p->n_stages; k++)
    print_stage(&r->stages[r->p->order[k]], elapsed);
  if (rejected)
    fprintf(stderr, "  dead-letter: %" PRIu64 " record%s in %s\n", rejected,
            rejected == 1 ? "" : "s", tf__dead_letter_path(r->dead_letter));
}
