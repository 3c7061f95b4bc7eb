/*
 * sm_host.c - session_merge's tests on libtouchflow-check (see sm_host.h).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>
#include "sm_host.h"

const tf_plugin *transform_session_merge_LTX_tf_plugin_entry(void);

static tf_check_host *host;
static char *logs;

const tf_host *host_table(void)
{
  return tf_check_host_table(host);
}

tf_ctx *host_ctx(void)
{
  return tf_check_ctx(host);
}

void host_reset(void)
{
  host =
      tf_check_host_new(transform_session_merge_LTX_tf_plugin_entry(), "merge");
  ck_assert_ptr_nonnull(host);
}

void host_free(void)
{
  tf_check_host_free(host);
  host = NULL;
  free(logs);
  logs = NULL;
}

const tf_batch *host_output(void)
{
  return tf_check_emitted(host);
}

size_t host_output_count(void)
{
  return tf_check_emitted_count(host);
}

const json_t *host_output_json(size_t i)
{
  return tf_record_json(tf_check_emitted_get(host, i));
}

size_t host_reject_count(void)
{
  return tf_check_reject_count(host);
}

const char *host_reject_code(size_t i)
{
  return tf_check_reject_get(host, i)->code;
}

const char *host_reject_message(size_t i)
{
  return tf_check_reject_get(host, i)->message;
}

const tf_record *host_reject_record(size_t i)
{
  return tf_check_reject_get(host, i)->record;
}

int64_t host_metric(const char *name)
{
  return tf_check_metric(host, name);
}

const char *host_logs(void)
{
  size_t i, n = tf_check_log_count(host), len = 0, size = 1;
  char *text;

  for (i = 0; i < n; i++)
    size += strlen(tf_check_log_line(host, i, NULL)) + 1;
  text = malloc(size);
  ck_assert_ptr_nonnull(text);
  for (i = 0; i < n; i++)
    len += (size_t)snprintf(text + len, size - len, "%s\n",
                            tf_check_log_line(host, i, NULL));
  text[len] = '\0';
  free(logs);
  logs = text;
  return logs;
}

tf_record *host_record(const char *json)
{
  char err[256];
  tf_record *rec = tf_record_parse(json, strlen(json), NULL, err, sizeof(err));

  ck_assert_msg(rec != NULL, "bad test JSON: %s: %s", err, json);
  return rec;
}

int host_start(host_stage *st, const char *config_json)
{
  char why[1024];
  int rc = tf_check_host_init_text(host, config_json, NULL);

  ck_assert_msg(rc != TF_ERR_CONFIG && rc != TF_ERR_PARSE, "config %s: %s",
                config_json, tf_check_messages_text(host, why, sizeof(why)));
  st->plugin = tf_plugin_transform(tf_check_plugin(host));
  st->cfg = tf_check_config(host);
  st->state = tf_check_state(host);
  return rc;
}

void host_stop(host_stage *st)
{
  tf_check_host_fini(host);
  st->cfg = NULL;
  st->state = NULL;
}

int host_process(host_stage *st, tf_record **records, size_t n)
{
  tf_batch *batch = tf_batch_new();
  size_t i;
  int rc;

  ck_assert_ptr_nonnull(batch);
  for (i = 0; i < n; i++)
    ck_assert_int_eq(tf_batch_push(batch, records[i]), TF_OK);
  ck_assert_ptr_eq(st->state, tf_check_state(host));
  rc = tf_check_process(host, batch);
  tf_batch_free(batch);
  return rc;
}

int host_advance(host_stage *st, int64_t watermark)
{
  ck_assert_ptr_nonnull(st->plugin->advance);
  ck_assert_ptr_eq(st->state, tf_check_state(host));
  return tf_check_advance(host, watermark);
}

int host_flush(host_stage *st)
{
  ck_assert_ptr_eq(st->state, tf_check_state(host));
  return tf_check_flush(host);
}
