/*
 * instance.c - the marketo sink's tests' host and sink instance (see
 * instance.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "instance.h"
#include <touchflow/record_json.h>

const tf_plugin *sink_marketo_LTX_tf_plugin_entry(void);

tf_check_host *harness;

void harness_reset(void)
{
  tf_check_host_free(harness);
  harness = tf_check_host_new(sink_marketo_LTX_tf_plugin_entry(), "marketo");
  ck_assert_ptr_nonnull(harness);
}

void harness_done(void)
{
  tf_check_host_free(harness);
  harness = NULL;
}

const char *harness_log_text(void)
{
  static char text[16384];
  size_t i, used = 0;

  text[0] = '\0';
  for (i = 0; harness && i < tf_check_log_count(harness); i++) {
    int n = snprintf(text + used, sizeof(text) - used, "%s\n",
                     tf_check_log_line(harness, i, NULL));

    if (n < 0 || (size_t)n >= sizeof(text) - used)
      break;
    used += (size_t)n;
  }
  return text;
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

int sink_start(sink_instance *sink, const char *config_json)
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
  rc = sink->plugin->base.init(tf_check_ctx(harness),
                               tf_check_host_table(harness), sink->cfg,
                               &sink->state);
  if (rc != TF_OK)
    ck_assert_ptr_null(sink->state);
  return rc;
}

tf_sink_result sink_write_json(sink_instance *sink, const json_t *records,
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
      res = sink->plugin->write(sink->state, tf_check_ctx(harness), batch);
      if (res != TF_SINK_OK)
        verdict = res;
      tf_batch_clear(batch);
    }
  }
  tf_batch_free(batch);
  return verdict;
}

void sink_stop(sink_instance *sink)
{
  if (sink->state)
    sink->plugin->base.fini(sink->state);
  sink->state = NULL;
  tf_config_free(sink->cfg);
  sink->cfg = NULL;
}
