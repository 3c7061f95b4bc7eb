/*
 * metrics_render.c - a metrics snapshot as Prometheus text (metrics.h).
 *
 * The text exposition format 0.0.4: for each family a "# HELP name text"
 * and a "# TYPE name type" line, then its samples "name{labels} value".
 * Label values escape backslash, double quote and newline.  Per-stage
 * families come from one table, each with the stage kinds it applies to
 * (a source has no records in, a sink no records out).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"

static void family(FILE *f, const char *name, const char *type,
                   const char *help)
{
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label_value(FILE *f, const char *v)
{
  fputc('"', f);
  for (; v && *v; v++) {
    if (*v == '\\')
      fputs("\\\\", f);
    else if (*v == '"')
      fputs("\\\"", f);
    else if (*v == '\n')
      fputs("\\n", f);
    else
      fputc(*v, f);
  }
  fputc('"', f);
}

static void label(FILE *f, const char *name, const char *v, int first)
{
  fprintf(f, "%s%s=", first ? "" : ",", name);
  label_value(f, v);
}

static void stage_labels(FILE *f, const tf__metrics_stage *s)
{
  label(f, "stage", s->id, 1);
  label(f, "plugin", s->plugin, 0);
}

/* The per-stage families with one number each. */
typedef struct stage_family {
  const char *name, *type, *help;
  unsigned kinds; /* bit (1 << kind) for each kind it applies to */
  uint64_t (*value)(const tf__metrics_stage *s);
} stage_family;

#define K_SOURCE (1u << TF_KIND_SOURCE)
#define K_TRANSFORM (1u << TF_KIND_TRANSFORM)
#define K_SINK (1u << TF_KIND_SINK)

static uint64_t v_in(const tf__metrics_stage *s)
{
  return s->in;
}

static uint64_t v_out(const tf__metrics_stage *s)
{
  return s->out;
}

static uint64_t v_rejected(const tf__metrics_stage *s)
{
  return s->rejected;
}

static uint64_t v_failed(const tf__metrics_stage *s)
{
  return s->failed ? 1 : 0;
}

static uint64_t v_queued(const tf__metrics_stage *s)
{
  return s->queued;
}

static uint64_t v_retries(const tf__metrics_stage *s)
{
  return s->retries;
}

static const stage_family stage_families[] = {
    {"touchflow_stage_records_in_total", "counter",
     "Records handed to the stage (transforms and sinks).",
     K_TRANSFORM | K_SINK, v_in},
    {"touchflow_stage_records_out_total", "counter",
     "Records the stage emitted (sources and transforms).",
     K_SOURCE | K_TRANSFORM, v_out},
    {"touchflow_stage_records_rejected_total", "counter",
     "Records the stage sent to the dead-letter file.",
     K_SOURCE | K_TRANSFORM | K_SINK, v_rejected},
    {"touchflow_stage_failed", "gauge", "1 once the stage has failed for good.",
     K_SOURCE | K_TRANSFORM | K_SINK, v_failed},
    {"touchflow_stage_queued_batches", "gauge",
     "Batches waiting in the stage's input queue.", K_TRANSFORM | K_SINK,
     v_queued},
    {"touchflow_sink_retries_total", "counter",
     "Times the sink answered RETRY for a batch.", K_SINK, v_retries},
};

static void render_stage_family(FILE *f, const tf__metrics_snapshot *snap,
                                const stage_family *fam)
{
  size_t i;

  family(f, fam->name, fam->type, fam->help);
  for (i = 0; i < snap->n_stages; i++) {
    const tf__metrics_stage *s = &snap->stages[i];

    if (!(fam->kinds & (1u << s->kind)))
      continue;
    fprintf(f, "%s{", fam->name);
    stage_labels(f, s);
    fprintf(f, "} %" PRIu64 "\n", fam->value(s));
  }
}

static void render_plugin_counters(FILE *f, const tf__metrics_snapshot *snap)
{
  size_t i, j;

  family(f, "touchflow_plugin_counter_total", "counter",
         "The plugin's own counters, by name (as in the run summary).");
  for (i = 0; i < snap->n_stages; i++) {
    const tf__metrics_stage *s = &snap->stages[i];

    for (j = 0; j < s->n_counters; j++) {
      fputs("touchflow_plugin_counter_total{", f);
      stage_labels(f, s);
      label(f, "counter", s->counters[j].name, 0);
      fprintf(f, "} %" PRId64 "\n", s->counters[j].value);
    }
  }
}

static void render_histogram(FILE *f, const tf__metrics_stage *s)
{
  const char *name = "touchflow_stage_batch_seconds";
  uint64_t cumulative = 0;
  size_t i;

  for (i = 0; i <= TF_HISTOGRAM_BOUNDS; i++) {
    cumulative += s->batch_seconds.counts[i];
    fprintf(f, "%s_bucket{", name);
    stage_labels(f, s);
    label(f, "le",
          i < TF_HISTOGRAM_BOUNDS ? tf__histogram_bound_text(i) : "+Inf", 0);
    fprintf(f, "} %" PRIu64 "\n", cumulative);
  }
  fprintf(f, "%s_sum{", name);
  stage_labels(f, s);
  fprintf(f, "} %.9g\n%s_count{", s->batch_seconds.sum, name);
  stage_labels(f, s);
  fprintf(f, "} %" PRIu64 "\n", s->batch_seconds.count);
}

static void render_run(FILE *f, const tf__metrics_snapshot *snap)
{
  family(f, "touchflow_build_info", "gauge",
         "Always 1; the labels name touchflow's version and plugin ABI.");
  fputs("touchflow_build_info{", f);
  label(f, "version", snap->version, 1);
  fprintf(f, ",plugin_abi=\"%d\"} 1\n", TF_ABI_MAJOR);
  family(f, "touchflow_run_info", "gauge",
         "Always 1; the label names the pipeline being run.");
  fputs("touchflow_run_info{", f);
  label(f, "pipeline", snap->pipeline, 1);
  fputs("} 1\n", f);
  family(f, "touchflow_run_start_time_seconds", "gauge",
         "When the run started, in seconds since the Unix epoch.");
  fprintf(f, "touchflow_run_start_time_seconds %.3f\n", snap->start_time);
  if (snap->ended) {
    family(f, "touchflow_run_end_time_seconds", "gauge",
           "When the run ended, in seconds since the Unix epoch.");
    fprintf(f, "touchflow_run_end_time_seconds %.3f\n", snap->end_time);
    family(f, "touchflow_run_exit_status", "gauge",
           "The exit status of the run (docs/contract.md#exit-status).");
    fprintf(f, "touchflow_run_exit_status %d\n", snap->exit_status);
  }
  family(f, "touchflow_records_read_total", "counter",
         "Records the sources emitted.");
  fprintf(f, "touchflow_records_read_total %" PRIu64 "\n", snap->records_read);
  if (snap->has_checkpoints) {
    family(f, "touchflow_checkpoints_total", "counter",
           "Checkpoints this run wrote to its state directory.");
    fprintf(f, "touchflow_checkpoints_total %" PRIu64 "\n", snap->checkpoints);
  }
}

static void render_dead_letters(FILE *f, const tf__metrics_snapshot *snap)
{
  size_t i;

  family(f, "touchflow_dead_letters_total", "counter",
         "Records written to the dead-letter file, by reason code.");
  for (i = 0; i < snap->n_reasons; i++) {
    fputs("touchflow_dead_letters_total{", f);
    label(f, "reason", snap->reasons[i].reason, 1);
    fprintf(f, "} %" PRIu64 "\n", snap->reasons[i].count);
  }
}

char *tf__metrics_render(const tf__metrics_snapshot *snap)
{
  char *text = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream(&text, &len);

  if (!f)
    return NULL;
  render_run(f, snap);
  for (i = 0; i < sizeof(stage_families) / sizeof(stage_families[0]); i++)
    render_stage_family(f, snap, &stage_families[i]);
  render_plugin_counters(f, snap);
  render_dead_letters(f, snap);
  family(f, "touchflow_stage_batch_seconds", "histogram",
         "Seconds each stage call took: a source's produce(), a transform's "
         "process(), a sink's write() with its retries.");
  for (i = 0; i < snap->n_stages; i++)
    render_histogram(f, &snap->stages[i]);
  if (ferror(f)) {
    fclose(f);
    free(text);
    return NULL;
  }
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
