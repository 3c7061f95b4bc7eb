/*
 * collect_host.c - the collecting fake host of the source tests
 * (collect_host.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "collect_host.h"

struct tf_ctx {
  int unused;
};

static tf_ctx the_ctx;
tf_ctx *const collect_ctx = &the_ctx;

tf_batch *emitted;
json_t *rejects;
json_t *metrics;
char last_log[1024];
const char *collect_stage_id = "source";

static void collect_log(tf_ctx *c, tf_log_level level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(last_log, sizeof(last_log), fmt, ap);
  va_end(ap);
}

static int collect_reject(tf_ctx *c, const tf_record *rec, const char *code,
                          const char *message)
{
  const json_t *obj = tf_record_json(rec);

  json_array_append_new(rejects,
                        json_pack("{s:s, s:s, s:I, s:O?}", "code", code,
                                  "message", message, "line",
                                  (json_int_t)tf_record_origin(rec).line,
                                  "record", (json_t *)obj));
  return TF_OK;
}

static void collect_metric(tf_ctx *c, const char *name, int64_t delta)
{
  json_int_t now = json_integer_value(json_object_get(metrics, name));

  json_object_set_new(metrics, name, json_integer(now + delta));
}

static int collect_emit(tf_ctx *c, tf_record *rec)
{
  return tf_batch_push(emitted, rec);
}

static const char *collect_stage(const tf_ctx *c)
{
  return collect_stage_id;
}

const tf_host collect_host = {
    .size = sizeof(tf_host),
    .log = collect_log,
    .reject = collect_reject,
    .metric = collect_metric,
    .emit = collect_emit,
    .stage_id = collect_stage,
};

void collect_host_setup(void)
{
  emitted = tf_batch_new();
  rejects = json_array();
  metrics = json_object();
  last_log[0] = '\0';
}

void collect_host_teardown(void)
{
  tf_batch_free(emitted);
  json_decref(rejects);
  json_decref(metrics);
}
