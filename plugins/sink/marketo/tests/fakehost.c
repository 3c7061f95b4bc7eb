/*
 * fakehost.c - the fake host of the marketo sink's tests (see fakehost.h).
 * Owns the recorded rejects (with copies of their records), counters and
 * log text; everything is process-global, which suits Check's fork mode.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "fakehost.h"

const tf_plugin *sink_marketo_LTX_tf_plugin_entry(void);

struct tf_ctx {
  int unused;
};

static tf_ctx the_ctx;
tf_ctx *fake_ctx = &the_ctx;

static fake_reject *rejects;
static size_t n_rejects, cap_rejects;
static json_t *metrics;
static char *log_text;
static size_t log_len;

static void fake_log(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
{
  char line[2048];
  va_list ap;
  size_t len;
  char *grown;

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  len = strlen(line);
  grown = realloc(log_text, log_len + len + 2);
  ck_assert_ptr_nonnull(grown);
  log_text = grown;
  memcpy(log_text + log_len, line, len);
  log_len += len;
  log_text[log_len++] = '\n';
  log_text[log_len] = '\0';
}

static int fake_reject_fn(tf_ctx *ctx, const tf_record *rec, const char *code,
                          const char *message)
{
  fake_reject *r;

  if (n_rejects == cap_rejects) {
    cap_rejects = cap_rejects ? cap_rejects * 2 : 64;
    rejects = realloc(rejects, cap_rejects * sizeof(*rejects));
    ck_assert_ptr_nonnull(rejects);
  }
  r = &rejects[n_rejects++];
  snprintf(r->code, sizeof(r->code), "%s", code);
  snprintf(r->message, sizeof(r->message), "%s", message);
  r->record = tf_record_copy_json(rec);
  return TF_OK;
}

static void fake_metric_fn(tf_ctx *ctx, const char *name, int64_t delta)
{
  json_t *v;

  if (!metrics)
    metrics = json_object();
  v = json_object_get(metrics, name);
  json_object_set_new(metrics, name,
                      json_integer(json_integer_value(v) + delta));
}

static int fake_emit(tf_ctx *ctx, tf_record *rec)
{
  tf_record_unref(rec);
  return TF_ERR_INVAL;
}

static const char *fake_stage_id(const tf_ctx *ctx)
{
  return "marketo";
}

const tf_host fake_host = {
    .size = sizeof(tf_host),
    .log = fake_log,
    .reject = fake_reject_fn,
    .metric = fake_metric_fn,
    .emit = fake_emit,
    .stage_id = fake_stage_id,
};

void fake_reset(void)
{
  size_t i;

  for (i = 0; i < n_rejects; i++)
    json_decref(rejects[i].record);
  free(rejects);
  rejects = NULL;
  n_rejects = cap_rejects = 0;
  json_decref(metrics);
  metrics = NULL;
  free(log_text);
  log_text = NULL;
  log_len = 0;
}

size_t fake_reject_count(void)
{
  return n_rejects;
}

const fake_reject *fake_reject_at(size_t i)
{
  return i < n_rejects ? &rejects[i] : NULL;
}

size_t fake_rejects_with(const char *code)
{
  size_t i, n = 0;

  for (i = 0; i < n_rejects; i++)
    n += strcmp(rejects[i].code, code) == 0;
  return n;
}

int64_t fake_metric(const char *name)
{
  return metrics ? json_integer_value(json_object_get(metrics, name)) : 0;
}

int fake_log_contains(const char *needle)
{
  return log_text && strstr(log_text, needle) != NULL;
}

const char *fake_log_text(void)
{
  return log_text ? log_text : "";
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

int fake_sink_start(fake_sink *sink, const char *config_json)
{
  json_error_t err;
  json_t *given = json_loads(config_json, 0, &err);
  int rc;

  ck_assert_msg(given != NULL, "bad test config: %s", err.text);
  sink->plugin = tf_plugin_sink(sink_marketo_LTX_tf_plugin_entry());
  sink->state = NULL;
  ck_assert_int_eq(tf_options_validate(sink->plugin->base.options, given, NULL,
                                       "config", NULL, diag_fail, NULL,
                                       &sink->cfg),
                   TF_OK);
  json_decref(given);
  rc = sink->plugin->base.init(fake_ctx, &fake_host, sink->cfg, &sink->state);
  if (rc != TF_OK)
    ck_assert_ptr_null(sink->state);
  return rc;
}

tf_sink_result fake_sink_write_json(fake_sink *sink, const json_t *records,
                                    size_t batch_records)
{
  tf_sink_result verdict = TF_SINK_OK, res;
  tf_batch *batch = tf_batch_new();
  size_t i;

  ck_assert_ptr_nonnull(batch);
  for (i = 0; i < json_array_size(records); i++) {
    tf_record *rec = tf_record_new(json_deep_copy(json_array_get(records, i)));

    ck_assert_ptr_nonnull(rec);
    ck_assert_int_eq(tf_batch_push(batch, rec), TF_OK);
    if (tf_batch_count(batch) == batch_records ||
        i + 1 == json_array_size(records)) {
      res = sink->plugin->write(sink->state, fake_ctx, batch);
      if (res != TF_SINK_OK)
        verdict = res;
      tf_batch_clear(batch);
    }
  }
  tf_batch_free(batch);
  return verdict;
}

void fake_sink_stop(fake_sink *sink)
{
  if (sink->state)
    sink->plugin->base.fini(sink->state);
  sink->state = NULL;
  tf_config_free(sink->cfg);
  sink->cfg = NULL;
}
