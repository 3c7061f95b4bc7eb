/*
 * cmd_check_connection.c - `touchflow check-connection PIPELINE`: whether
 * the credentials and endpoints of the pipeline's network stages work,
 * before a real run (docs/operations.md#checking-connections).
 *
 * The pipeline is loaded and checked as `validate` does.  Each source and
 * sink whose plugin has check_connection (plugin.h) is then initialized
 * alone, checked and finished, in file order; the others are listed as
 * not checked.  The stages run on a host table of their own: logs go to
 * stderr (secrets masked) and the last error is kept for the stage's
 * line; emit and reject are refused, so nothing is written (no outputs,
 * no dead letters, no state directory).  Exit status: 0 every check
 * passed, 1 one failed, 2 usage or pipeline error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/record.h>

#include "cli.h"
#include "pipeline.h"
#include "redact.h"
#include "stage.h"

/* One stage under check: ctx.stage points at `stage`, which is first, so
 * the host functions find the rest. */
typedef struct checked_stage {
  tf__stage stage;
  char *last_error; /* the last error it logged, secrets masked */
  int misbehaved;   /* it emitted or rejected a record */
} checked_stage;

static checked_stage *of_ctx(const tf_ctx *ctx)
{
  return (checked_stage *)ctx->stage;
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void check_log(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
{
  checked_stage *c = of_ctx(ctx);
  char msg[4096], safe[8192];
  char *masked;
  va_list ap;

  if (level > TF_LOG_WARN && !getenv("TOUCHFLOW_DEBUG"))
    return; /* the stage lines say what went right */
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  masked = tf__redact_secrets(c->stage.def, msg);
  if (!masked)
    return;
  fprintf(stderr, "touchflow: %s: %s: %s\n", c->stage.def->id,
          level_names[level <= TF_LOG_DEBUG ? level : 3],
          tf__printable(masked, safe, sizeof(safe)));
  if (level == TF_LOG_ERROR) {
    free(c->last_error);
    c->last_error = masked;
  } else {
    free(masked);
  }
}

static int check_reject(tf_ctx *ctx, const tf_record *rec, const char *code,
                        const char *message)
{
  (void)rec, (void)code, (void)message;
  of_ctx(ctx)->misbehaved = 1;
  return TF_ERR_UNSUPPORTED;
}

static void check_metric(tf_ctx *ctx, const char *name, int64_t delta)
{
  (void)ctx, (void)name, (void)delta;
}

static int check_emit(tf_ctx *ctx, tf_record *rec)
{
  tf_record_unref(rec);
  of_ctx(ctx)->misbehaved = 1;
  return TF_ERR_UNSUPPORTED;
}

static const char *check_stage_id(const tf_ctx *ctx)
{
  return ctx->stage->def->id;
}

static void check_watermark(tf_ctx *ctx, int64_t wm)
{
  (void)ctx, (void)wm;
}

static const tf_host check_host = {
    .size = sizeof(tf_host),
    .log = check_log,
    .reject = check_reject,
    .metric = check_metric,
    .emit = check_emit,
    .stage_id = check_stage_id,
    .watermark = check_watermark,
};

/* The stage's check_connection, or NULL when its plugin has none. */
static tf_check_connection_fn check_fn(const tf__stage_def *def)
{
  const tf_source_plugin *src = tf_plugin_source(def->plugin.plugin);
  const tf_sink_plugin *sink = tf_plugin_sink(def->plugin.plugin);

  if (src && TF_PLUGIN_HAS(tf_source_plugin, src, check_connection))
    return src->check_connection;
  if (sink && TF_PLUGIN_HAS(tf_sink_plugin, sink, check_connection))
    return sink->check_connection;
  return NULL;
}

/* init, check, fini: TF_OK or the first failure's code (logged). */
static int run_check(checked_stage *c, tf_check_connection_fn fn)
{
  const tf_plugin *plugin = c->stage.def->plugin.plugin;
  int rc;

  c->stage.ctx.stage = &c->stage;
  c->stage.plugin = plugin;
  rc = plugin->init(&c->stage.ctx, &check_host, c->stage.def->cfg,
                    &c->stage.state);
  if (rc < 0)
    return rc;
  rc = fn(c->stage.state, &c->stage.ctx);
  plugin->fini(c->stage.state);
  if (rc == TF_OK && c->misbehaved) {
    check_log(&c->stage.ctx, TF_LOG_ERROR,
              "the plugin emitted or rejected a record while checking its "
              "connection (a plugin bug)");
    rc = TF_ERR_PLUGIN;
  }
  return rc;
}

/* Checks one stage and prints its line.  1 when the check failed. */
static int check_stage(const tf__stage_def *def)
{
  tf_check_connection_fn fn = check_fn(def);
  checked_stage c;
  char safe[8192];
  int rc;

  if (!fn) {
    printf("%-16s %-9s %-16s not checked (no network)\n", def->id,
           tf_plugin_kind_name(def->kind), def->plugin_name);
    fflush(stdout);
    return 0;
  }
  memset(&c, 0, sizeof(c));
  c.stage.def = def;
  rc = run_check(&c, fn);
  if (rc == TF_OK)
    printf("%-16s %-9s %-16s ok\n", def->id, tf_plugin_kind_name(def->kind),
           def->plugin_name);
  else
    printf("%-16s %-9s %-16s FAILED: %s\n", def->id,
           tf_plugin_kind_name(def->kind), def->plugin_name,
           c.last_error ? tf__printable(c.last_error, safe, sizeof(safe))
                        : tf_strerror(rc));
  fflush(stdout); /* its line before the next stage's logs */
  free(c.last_error);
  return rc != TF_OK;
}

int tf__cmd_check_connection(const tf__cli_args *args)
{
  tf__loader *loader = tf__cli_loader(args);
  tf__pipeline *p;
  size_t i, failed = 0;

  if (!loader)
    return 2;
  p = tf__cli_load_checked(args, loader);
  if (!p) {
    tf__loader_free(loader);
    return 2;
  }
  for (i = 0; i < p->n_stages; i++)
    failed += (size_t)check_stage(&p->stages[i]);
  if (failed)
    fprintf(stderr, "touchflow: %s: %zu connection check%s failed\n",
            args->target, failed, failed == 1 ? "" : "s");
  tf__pipeline_free(p);
  tf__loader_free(loader);
  return failed ? 1 : 0;
}
