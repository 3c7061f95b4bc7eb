/*
 * fake_host.c - the host table of the drift tests (see fake_host.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include "fake_host.h"

tf_ctx fake_ctx;
tf_batch *fake_emitted;
json_t *fake_rejects;
json_t *fake_metrics;
char fake_last_log[1024];

static void log_line(tf_ctx *c, tf_log_level level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(fake_last_log, sizeof(fake_last_log), fmt, ap);
  va_end(ap);
}

static int reject(tf_ctx *c, const tf_record *rec, const char *code,
                  const char *message)
{
  tf_origin o = tf_record_origin(rec);

  return json_array_append_new(fake_rejects,
                               json_pack("{s:s, s:s, s:s?, s:I}", "code", code,
                                         "message", message, "file", o.file,
                                         "line", (json_int_t)o.line)) == 0
             ? TF_OK
             : TF_ERR_NOMEM;
}

static void metric(tf_ctx *c, const char *name, int64_t delta)
{
  json_object_set_new(fake_metrics, name,
                      json_integer((json_int_t)(fake_metric(name) + delta)));
}

static int emit(tf_ctx *c, tf_record *rec)
{
  return tf_batch_push(fake_emitted, rec);
}

static const char *stage_id(const tf_ctx *c)
{
  return "chats";
}

const tf_host fake_host = {
    .size = sizeof(tf_host),
    .log = log_line,
    .reject = reject,
    .metric = metric,
    .emit = emit,
    .stage_id = stage_id,
};

void fake_host_reset(void)
{
  fake_emitted = tf_batch_new();
  fake_rejects = json_array();
  fake_metrics = json_object();
  fake_last_log[0] = '\0';
}

void fake_host_clear(void)
{
  tf_batch_free(fake_emitted);
  json_decref(fake_rejects);
  json_decref(fake_metrics);
}

int64_t fake_metric(const char *name)
{
  return (int64_t)json_integer_value(json_object_get(fake_metrics, name));
}

const char *fake_reject_code(size_t i)
{
  return json_string_value(
      json_object_get(json_array_get(fake_rejects, i), "code"));
}

const tf_record *fake_chat(size_t i)
{
  return tf_batch_get(fake_emitted, i);
}
