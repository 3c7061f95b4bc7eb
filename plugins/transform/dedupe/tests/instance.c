/*
 * instance.c - one dedupe instance on libtouchflow-check's host (see
 * instance.h).  Logs are shown as "level: message" lines.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "instance.h"
#include <touchflow/record_json.h>

tf_batch *test_input;

static tf_check_host *host;
static size_t logs_from; /* log lines before it were cleared */

void host_setup(void)
{
  host = tf_check_host_new(transform_dedupe_LTX_tf_plugin_entry(), "dedupe");
  test_input = tf_batch_new();
  ck_assert_ptr_nonnull(host);
  ck_assert_ptr_nonnull(test_input);
  logs_from = 0;
}

/* Every reject must name its record (the dead-letter output shows it). */
void host_teardown(void)
{
  size_t i;

  for (i = 0; i < tf_check_reject_count(host); i++)
    ck_assert_msg(tf_check_reject_get(host, i)->record != NULL,
                  "reject %zu (%s) has no record", i,
                  tf_check_reject_get(host, i)->code);
  tf_check_host_free(host);
  tf_batch_free(test_input);
}

const tf_batch *emitted(void)
{
  return tf_check_emitted(host);
}

const json_t *rejects(void)
{
  return tf_check_rejects_json(host);
}

const char *logs(void)
{
  static const char *const names[] = {"error", "warning", "info", "debug"};
  static char text[16384];
  size_t i, n = 0;

  text[0] = '\0';
  for (i = logs_from; i < tf_check_log_count(host) && n < sizeof(text); i++) {
    tf_log_level level;
    const char *line = tf_check_log_line(host, i, &level);

    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s: %s\n", names[level],
                          line);
  }
  return text;
}

void clear_logs(void)
{
  logs_from = tf_check_log_count(host);
}

/* Fills in from the host's live instance (or its refused config). */
static void describe(instance *in)
{
  in->plugin = tf_plugin_transform(tf_check_plugin(host));
  in->cfg = tf_check_config(host);
  in->state = tf_check_state(host);
}

int try_start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);
  char msg[1024];
  int rc;

  ck_assert_msg(given != NULL, "bad test config: %s", config_json);
  rc = tf_check_host_init_unchecked(host, given, NULL);
  json_decref(given);
  ck_assert_msg(tf_check_config(host) != NULL, "config: %s",
                tf_check_messages_text(host, msg, sizeof(msg)));
  describe(in);
  return rc;
}

/* Appends "error: PATH: message" (as init() logs it) to the text ud. */
static void collect_problem(void *ud, const char *path, const char *message)
{
  char *text = ud;
  size_t n = strlen(text);

  snprintf(text + n, 8192 - n, "error: %s%s%s\n", path, *path ? ": " : "",
           message);
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
  char problems[8192];

  ck_assert_int_eq(try_start(in, config_json), TF_OK);
  ck_assert_ptr_nonnull(in->state);
  ck_assert_msg(!strstr(logs(), "error:") && !strstr(logs(), "warning:"),
                "init logged:\n%s", logs());
  ck_assert_int_eq(check_config(in->cfg, problems), TF_OK);
  ck_assert_msg(problems[0] == '\0', "check() reported:\n%s", problems);
}

/* init() refuses, and check() reports exactly what init() logged. */
void start_refused(const char *config_json)
{
  char problems[8192];
  instance in;

  ck_assert_int_eq(try_start(&in, config_json), TF_ERR_CONFIG);
  ck_assert_ptr_null(in.state);
  ck_assert_int_eq(check_config(in.cfg, problems), TF_ERR_CONFIG);
  ck_assert_msg(problems[0] && strstr(logs(), problems),
                "check() and init() disagree:\n--- check\n%s--- init\n%s",
                problems, logs());
}

void stop(instance *in)
{
  tf_check_host_fini(host);
  in->state = NULL;
}

void add(const char *json_text)
{
  tf_record *rec = tf_record_parse(json_text, strlen(json_text), NULL, NULL, 0);

  ck_assert_msg(rec != NULL, "bad test record: %s", json_text);
  ck_assert_int_eq(tf_batch_push(test_input, rec), TF_OK);
}

void process_keeping_input(instance *in)
{
  ck_assert_ptr_eq(in->state, tf_check_state(host));
  ck_assert_int_eq(tf_check_process(host, test_input), TF_OK);
}

void process(instance *in)
{
  process_keeping_input(in);
  tf_batch_clear(test_input);
}

int flush(instance *in)
{
  ck_assert_ptr_eq(in->state, tf_check_state(host));
  return tf_check_flush(host);
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
  ck_assert_int_eq(tf_batch_push(test_input, rec), TF_OK);
}

long long metric(const char *name)
{
  return (long long)tf_check_metric(host, name);
}

const char *reject_code(size_t i)
{
  const tf_check_reject *r = tf_check_reject_get(host, i);

  return r ? r->code : NULL;
}

const char *reject_message(size_t i)
{
  const tf_check_reject *r = tf_check_reject_get(host, i);

  return r ? r->message : NULL;
}

void assert_emitted_field(size_t i, const char *field, const char *value)
{
  const tf_record *rec = tf_batch_get(emitted(), i);

  ck_assert_msg(rec != NULL, "no emitted record %zu", i);
  ck_assert_str_eq(tf_record_get_string(rec, field), value);
}

void assert_logged(const char *text)
{
  ck_assert_msg(strstr(logs(), text) != NULL, "\"%s\" not in log:\n%s", text,
                logs());
}
