/*
 * metrics_snapshot.c - a metrics snapshot of a running pipeline
 * (metrics.h).  The same counters the run summary and --summary-json
 * show (summary.c, summary_json.c), plus queues and latency.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "metrics.h"
#include "runner_internal.h"

static void take_stage(const tf__stage *s, tf__metrics_stage *m)
{
  m->id = s->def->id;
  m->plugin = s->plugin->name;
  m->kind = s->plugin->kind;
  m->in = s->n_in;
  m->out = s->n_out;
  m->rejected = s->n_rejected;
  m->retries = s->n_retries;
  m->failed = s->failed;
  m->queued = s->in.count;
  m->batch_seconds = s->batch_seconds;
  m->counters = s->metrics;
  m->n_counters = s->n_metrics;
}

/* The dead-letter counts by reason, from {"code": count}. */
static int take_reasons(const tf__runner *r, tf__metrics_snapshot *snap)
{
  const json_t *by = tf__dead_letter_reasons(r->dead_letter);
  tf__metrics_reason *reasons;
  const char *code;
  json_t *n;
  size_t i = 0;

  if (!by || json_object_size(by) == 0)
    return TF_OK;
  reasons = calloc(json_object_size(by), sizeof(*reasons));
  if (!reasons)
    return TF_ERR_NOMEM;
  json_object_foreach ((json_t *)by, code, n) {
    reasons[i].reason = code;
    reasons[i++].count = (uint64_t)json_integer_value(n);
  }
  snap->reasons = reasons;
  snap->n_reasons = i;
  return TF_OK;
}

int tf__metrics_snapshot_take(const tf__runner *r, tf__metrics_snapshot *snap)
{
  tf__metrics_stage *stages = NULL;
  size_t k, n = r->stages ? r->p->n_stages : 0;

  memset(snap, 0, sizeof(*snap));
  snap->version = PACKAGE_VERSION;
  snap->pipeline = r->p->name[0] ? r->p->name : r->p->file;
  snap->start_time = r->start_wall;
  snap->records_read = r->records_read;
  snap->has_checkpoints = r->state_dir != NULL;
  snap->checkpoints = r->checkpoints_taken;
  if (n > 0 && !(stages = calloc(n, sizeof(*stages))))
    return TF_ERR_NOMEM;
  for (k = 0; k < n; k++)
    take_stage(&r->stages[r->p->order[k]], &stages[k]);
  snap->stages = stages;
  snap->n_stages = n;
  if (take_reasons(r, snap) != TF_OK) {
    tf__metrics_snapshot_cleanup(snap);
    return TF_ERR_NOMEM;
  }
  return TF_OK;
}

void tf__metrics_snapshot_cleanup(tf__metrics_snapshot *snap)
{
  free((void *)snap->stages);
  free((void *)snap->reasons);
  memset(snap, 0, sizeof(*snap));
}
