/*
 * host_table.c - the tf_host functions the host hands to plugins.
 *
 * Each function turns the plugin's tf_ctx back into its stage and acts on
 * the runner: logs go to stderr prefixed with the stage id, rejects to the
 * dead-letter output, metrics to the stage's counters, emits to the stage's
 * output batch.  Called on a source's own thread (source_thread.h), each
 * keeps what it was asked in the result being produced instead, for the
 * pipeline thread to act on in the same order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "runner_internal.h"
#include "source_thread.h"

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void vlog_stage(tf__stage *stage, tf_log_level level, const char *fmt,
                       va_list ap)
{
  char msg[4096];

  if (level > TF_LOG_INFO && !getenv("TOUCHFLOW_DEBUG"))
    return;
  if (level == TF_LOG_INFO && stage->runner->opt->quiet)
    return;
  char *safe;

  vsnprintf(msg, sizeof(msg), fmt, ap);
  safe = tf__redact_secrets(stage->def, msg);
  tf__runner_log(stage->runner, level_names[level <= TF_LOG_DEBUG ? level : 3],
                 stage->def->id, safe ? safe : "(out of memory)");
  free(safe);
}

void tf__stage_log(tf__stage *stage, tf_log_level level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vlog_stage(stage, level, fmt, ap);
  va_end(ap);
}

static void host_log(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
{
  tf__produced *kept = tf__source_thread_capture();
  char msg[4096];
  va_list ap;

  va_start(ap, fmt);
  if (!kept) {
    vlog_stage(ctx->stage, level, fmt, ap);
  } else {
    vsnprintf(msg, sizeof(msg), fmt, ap);
    tf__produced_add_op(kept, TF__OP_LOG, NULL, NULL, msg, level, 0);
  }
  va_end(ap);
}

static int host_reject(tf_ctx *ctx, const tf_record *rec, const char *code,
                       const char *message)
{
  tf__stage *stage = ctx->stage;
  tf__produced *kept = tf__source_thread_capture();
  int rc;

  if (kept) {
    tf__produced_add_op(kept, TF__OP_REJECT, rec, code, message, 0, 0);
    return kept->failed_capture ? TF_ERR_NOMEM : TF_OK;
  }
  rc = tf__dead_letter_write(stage->runner->dead_letter, stage->def->id,
                             stage->plugin->name, code, message, rec);
  if (rc == TF_OK)
    stage->n_rejected++;
  return rc;
}

void tf__stage_metric(tf__stage *stage, const char *name, int64_t delta)
{
  tf__metric *grown;
  size_t i;

  for (i = 0; i < stage->n_metrics; i++) {
    if (strcmp(stage->metrics[i].name, name) == 0) {
      stage->metrics[i].value += delta;
      return;
    }
  }
  grown = realloc(stage->metrics, (stage->n_metrics + 1) * sizeof(*grown));
  if (!grown)
    return;
  stage->metrics = grown;
  grown[stage->n_metrics].name = strdup(name);
  if (!grown[stage->n_metrics].name)
    return;
  grown[stage->n_metrics++].value = delta;
}

static void host_metric(tf_ctx *ctx, const char *name, int64_t delta)
{
  tf__produced *kept = tf__source_thread_capture();

  if (kept)
    tf__produced_add_op(kept, TF__OP_METRIC, NULL, NULL, name, 0, delta);
  else
    tf__stage_metric(ctx->stage, name, delta);
}

static int host_emit(tf_ctx *ctx, tf_record *rec)
{
  tf__stage *stage = ctx->stage;
  tf__produced *kept;

  if (!rec)
    return TF_ERR_INVAL;
  if (stage->plugin->kind == TF_KIND_SINK) {
    tf_record_unref(rec);
    return TF_ERR_INVAL;
  }
  if ((kept = tf__source_thread_capture()) != NULL)
    return tf_batch_push(kept->batch, rec);
  stage->n_out++;
  return tf_batch_push(stage->out, rec);
}

static const char *host_stage_id(const tf_ctx *ctx)
{
  return ctx->stage->def->id;
}

/* A transform's declared output watermark; it never goes back. */
static void host_watermark(tf_ctx *ctx, int64_t wm)
{
  tf__stage *stage = ctx->stage;

  if (stage->plugin->kind == TF_KIND_TRANSFORM && wm > stage->wm_out)
    stage->wm_out = wm;
}

static const tf_host host_table = {
    .size = sizeof(tf_host),
    .log = host_log,
    .reject = host_reject,
    .metric = host_metric,
    .emit = host_emit,
    .stage_id = host_stage_id,
    .watermark = host_watermark,
};

const tf_host *tf__host_table(void)
{
  return &host_table;
}
