/*
 * fake_host.c - the small host the dedupe tests drive the plugin through
 * (see fake_host.h).  Logs are kept as "level: message" lines.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "fake_host.h"
#include <touchflow/record_json.h>

struct tf_ctx {
  int unused;
};

tf_batch *fake_input;
tf_batch *fake_emitted;
json_t *fake_rejects;
json_t *fake_metrics;
char fake_logs[8192];

static tf_ctx ctx;

static void fake_log(tf_ctx *c, tf_log_level level, const char *fmt, ...)
{
  static const char *const names[] = {"error", "warning", "info", "debug"};
  size_t n = strlen(fake_logs);
  va_list ap;

  snprintf(fake_logs + n, sizeof(fake_logs) - n, "%s: ", names[level]);
  n = strlen(fake_logs);
  va_start(ap, fmt);
  vsnprintf(fake_logs + n, sizeof(fake_logs) - n, fmt, ap);
  va_end(ap);
  n = strlen(fake_logs);
  snprintf(fake_logs + n, sizeof(fake_logs) - n, "\n");
}

static int fake_reject(tf_ctx *c, const tf_record *rec, const char *code,
                       const char *message)
{
  ck_assert_ptr_nonnull(rec);
  json_array_append_new(
      fake_rejects, json_pack("{s:s, s:s}", "code", code, "message", message));
  return TF_OK;
}

static void fake_metric(tf_ctx *c, const char *name, int64_t delta)
{
  json_t *old = json_object_get(fake_metrics, name);

  json_object_set_new(fake_metrics, name,
                      json_integer(json_integer_value(old) + delta));
}

static int fake_emit(tf_ctx *c, tf_record *rec)
{
  return tf_batch_push(fake_emitted, rec);
}

static const char *fake_stage_id(const tf_ctx *c)
{
  return "dedupe";
}

static const tf_host host = {
    .size = sizeof(tf_host),
    .log = fake_log,
    .reject = fake_reject,
    .metric = fake_metric,
    .emit = fake_emit,
    .stage_id = fake_stage_id,
};

void fake_host_setup(void)
{
  fake_input = tf_batch_new();
  fake_emitted = tf_batch_new();
  fake_rejects = json_array();
  fake_metrics = json_object();
  ck_assert_ptr_nonnull(fake_input);
  ck_assert_ptr_nonnull(fake_emitted);
  ck_assert_ptr_nonnull(fake_rejects);
  ck_assert_ptr_nonnull(fake_metrics);
  fake_logs[0] = '\0';
}

void fake_host_teardown(void)
{
  tf_batch_free(fake_input);
  tf_batch_free(fake_emitted);
  json_decref(fake_rejects);
  json_decref(fake_metrics);
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

int try_start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);

  ck_assert_msg(given != NULL, "bad test config: %s", config_json);
  in->plugin = tf_plugin_transform(transform_dedupe_LTX_tf_plugin_entry());
  in->state = NULL;
  ck_assert_int_eq(tf_options_validate(in->plugin->base.options, given, NULL,
                                       "config", NULL, diag_fail, NULL,
                                       &in->cfg),
                   TF_OK);
  json_decref(given);
  return in->plugin->base.init(&ctx, &host, in->cfg, &in->state);
}

/* Appends "error: PATH: message" (as init() logs it) to the text ud. */
static void collect_problem(void *ud, const char *path, const char *message)
{
  char *text = ud;
  size_t n = strlen(text);

  snprintf(text + n, sizeof(fake_logs) - n, "error: %s%s%s\n", path,
           *path ? ": " : "", message);
}

int check_config(const tf_config *cfg, char problems[8192])
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_dedupe_LTX_tf_plugin_entry());

  problems[0] = '\0';
  ck_assert_ptr_nonnull(p->base.check);
  return p->base.check(cfg, collect_problem, problems);
}

void start(instance *in, const char *config_json)
{
  char problems[sizeof(fake_logs)];

  ck_assert_int_eq(try_start(in, config_json), TF_OK);
  ck_assert_ptr_nonnull(in->state);
  ck_assert_msg(!strstr(fake_logs, "error:") && !strstr(fake_logs, "warning:"),
                "init logged:\n%s", fake_logs);
  ck_assert_int_eq(check_config(in->cfg, problems), TF_OK);
  ck_assert_msg(problems[0] == '\0', "check() reported:\n%s", problems);
}

/* init() refuses, and check() reports exactly what init() logged. */
void start_refused(const char *config_json)
{
  char problems[sizeof(fake_logs)];
  instance in;

  ck_assert_int_eq(try_start(&in, config_json), TF_ERR_CONFIG);
  ck_assert_ptr_null(in.state);
  ck_assert_int_eq(check_config(in.cfg, problems), TF_ERR_CONFIG);
  ck_assert_msg(problems[0] && strstr(fake_logs, problems),
                "check() and init() disagree:\n--- check\n%s--- init\n%s",
                problems, fake_logs);
  tf_config_free(in.cfg);
}

void stop(instance *in)
{
  in->plugin->base.fini(in->state);
  tf_config_free(in->cfg);
}

void add(const char *json_text)
{
  tf_record *rec = tf_record_parse(json_text, strlen(json_text), NULL, NULL, 0);

  ck_assert_msg(rec != NULL, "bad test record: %s", json_text);
  ck_assert_int_eq(tf_batch_push(fake_input, rec), TF_OK);
}

void process_keeping_input(instance *in)
{
  ck_assert_int_eq(in->plugin->process(in->state, &ctx, fake_input), TF_OK);
}

void process(instance *in)
{
  process_keeping_input(in);
  tf_batch_clear(fake_input);
}

int flush(instance *in)
{
  return in->plugin->flush(in->state, &ctx);
}

void add_touchpoint(const char *id, const char *type, const char *date,
                    const char *medium, const char *campaign)
{
  json_t *obj =
      json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:n}", "touchpoint_id", id,
                "type", type, "date", date, "medium", medium, "campaign",
                campaign, "origin", "crm", "biz_uid");
  tf_record *rec;

  ck_assert_ptr_nonnull(obj);
  rec = tf_record_new(obj);
  ck_assert_ptr_nonnull(rec);
  ck_assert_int_eq(tf_batch_push(fake_input, rec), TF_OK);
}

long long metric(const char *name)
{
  return json_integer_value(json_object_get(fake_metrics, name));
}

const char *reject_code(size_t i)
{
  return json_string_value(
      json_object_get(json_array_get(fake_rejects, i), "code"));
}

const char *reject_message(size_t i)
{
  return json_string_value(
      json_object_get(json_array_get(fake_rejects, i), "message"));
}

void assert_emitted_field(size_t i, const char *field, const char *value)
{
  const tf_record *rec = tf_batch_get(fake_emitted, i);

  ck_assert_msg(rec != NULL, "no emitted record %zu", i);
  ck_assert_str_eq(tf_record_get_string(rec, field), value);
}

void assert_logged(const char *text)
{
  ck_assert_msg(strstr(fake_logs, text) != NULL, "\"%s\" not in log:\n%s", text,
                fake_logs);
}
