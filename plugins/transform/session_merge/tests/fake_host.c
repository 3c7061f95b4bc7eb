/*
 * fake_host.c - the test host of session_merge (see fake_host.h).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_host.h"
#include <touchflow/record_json.h>

const tf_plugin *transform_session_merge_LTX_tf_plugin_entry(void);

#define MAX_METRICS 64
#define LOG_SIZE 8192

struct tf_ctx {
  int unused;
};

typedef struct reject {
  char code[64];
  char message[512];
  tf_record *rec;
} reject;

typedef struct metric {
  char name[64];
  int64_t value;
} metric;

static tf_ctx ctx;
tf_ctx *const fake_ctx = &ctx;
static tf_batch *output;
static reject *rejects;
static size_t nrejects;
static size_t reject_cap;
static metric metrics[MAX_METRICS];
static size_t nmetrics;
static char logs[LOG_SIZE];

static void fake_log(tf_ctx *c, tf_log_level level, const char *fmt, ...)
{
  size_t n = strlen(logs);
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(logs + n, sizeof(logs) - n, fmt, ap);
  va_end(ap);
  n = strlen(logs);
  snprintf(logs + n, sizeof(logs) - n, "\n");
}

static int fake_reject(tf_ctx *c, const tf_record *rec, const char *code,
                       const char *message)
{
  reject *grown;

  if (nrejects == reject_cap) {
    reject_cap = reject_cap ? reject_cap * 2 : 16;
    grown = realloc(rejects, reject_cap * sizeof(*grown));
    ck_assert_ptr_nonnull(grown);
    rejects = grown;
  }
  snprintf(rejects[nrejects].code, sizeof(rejects[nrejects].code), "%s", code);
  snprintf(rejects[nrejects].message, sizeof(rejects[nrejects].message), "%s",
           message);
  rejects[nrejects++].rec = tf_record_ref((tf_record *)rec);
  return TF_OK;
}

static void fake_metric_add(tf_ctx *c, const char *name, int64_t delta)
{
  size_t i;

  for (i = 0; i < nmetrics; i++)
    if (strcmp(metrics[i].name, name) == 0) {
      metrics[i].value += delta;
      return;
    }
  ck_assert_uint_lt(nmetrics, MAX_METRICS);
  snprintf(metrics[nmetrics].name, sizeof(metrics[nmetrics].name), "%s", name);
  metrics[nmetrics++].value = delta;
}

static int fake_emit(tf_ctx *c, tf_record *rec)
{
  return tf_batch_push(output, rec);
}

static const char *fake_stage_id(const tf_ctx *c)
{
  return "merge";
}

const tf_host fake_host = {
    .size = sizeof(tf_host),
    .log = fake_log,
    .reject = fake_reject,
    .metric = fake_metric_add,
    .emit = fake_emit,
    .stage_id = fake_stage_id,
};

void fake_reset(void)
{
  output = tf_batch_new();
  ck_assert_ptr_nonnull(output);
  rejects = NULL;
  nrejects = 0;
  reject_cap = 0;
  nmetrics = 0;
  logs[0] = '\0';
}

void fake_free(void)
{
  size_t i;

  tf_batch_free(output);
  output = NULL;
  for (i = 0; i < nrejects; i++)
    tf_record_unref(rejects[i].rec);
  free(rejects);
  rejects = NULL;
  nrejects = 0;
  reject_cap = 0;
}

const tf_batch *fake_output(void)
{
  return output;
}

size_t fake_output_count(void)
{
  return tf_batch_count(output);
}

const json_t *fake_output_json(size_t i)
{
  return tf_record_json(tf_batch_get(output, i));
}

size_t fake_reject_count(void)
{
  return nrejects;
}

const char *fake_reject_code(size_t i)
{
  return rejects[i].code;
}

const char *fake_reject_message(size_t i)
{
  return rejects[i].message;
}

const tf_record *fake_reject_record(size_t i)
{
  return rejects[i].rec;
}

int64_t fake_metric(const char *name)
{
  size_t i;

  for (i = 0; i < nmetrics; i++)
    if (strcmp(metrics[i].name, name) == 0)
      return metrics[i].value;
  return 0;
}

const char *fake_logs(void)
{
  return logs;
}

tf_record *fake_record(const char *json)
{
  char err[256];
  tf_record *rec = tf_record_parse(json, strlen(json), NULL, err, sizeof(err));

  ck_assert_msg(rec != NULL, "bad test JSON: %s: %s", err, json);
  return rec;
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

int fake_start(fake_stage *st, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);

  ck_assert_ptr_nonnull(given);
  st->plugin =
      tf_plugin_transform(transform_session_merge_LTX_tf_plugin_entry());
  st->state = NULL;
  ck_assert_int_eq(tf_options_validate(st->plugin->base.options, given, NULL,
                                       "config", NULL, diag_fail, NULL,
                                       &st->cfg),
                   TF_OK);
  json_decref(given);
  return st->plugin->base.init(fake_ctx, &fake_host, st->cfg, &st->state);
}

void fake_stop(fake_stage *st)
{
  st->plugin->base.fini(st->state);
  tf_config_free(st->cfg);
}

int fake_process(fake_stage *st, tf_record **records, size_t n)
{
  tf_batch *batch = tf_batch_new();
  size_t i;
  int rc;

  ck_assert_ptr_nonnull(batch);
  for (i = 0; i < n; i++)
    ck_assert_int_eq(tf_batch_push(batch, records[i]), TF_OK);
  rc = st->plugin->process(st->state, fake_ctx, batch);
  tf_batch_free(batch);
  return rc;
}

int fake_advance(fake_stage *st, int64_t watermark)
{
  ck_assert_ptr_nonnull(st->plugin->advance);
  return st->plugin->advance(st->state, fake_ctx, watermark);
}

int fake_flush(fake_stage *st)
{
  return st->plugin->flush(st->state, fake_ctx);
}
