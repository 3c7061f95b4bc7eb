/*
 * test_source_drift.c - whole runs of the `drift` source over the fixture
 * files in tests/data (REST conversations, a webhook sequence, the same
 * events as CSV, a mixed gzip file) through tf_file_source and a
 * tf_check_host (<touchflow/check.h>): the chat events, dead letters and
 * counters a pipeline would see.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/check.h>
#include <touchflow/record_json.h>

const tf_plugin *source_drift_LTX_tf_plugin_entry(void);

/* The tests' host (<touchflow/check.h>): collects what drift hands back. */
static tf_check_host *harness;

/* The code of the i-th rejected record, or NULL. */
static const char *reject_code(size_t i)
{
  const tf_check_reject *r = tf_check_reject_get(harness, i);

  return r ? r->code : NULL;
}

#define JANE_UID "277d79d01678498fea067c9b631bf6df"

/* A running plugin instance and its config. */
typedef struct instance {
  const tf_source_plugin *plugin;
  tf_config *cfg;
  void *state;
} instance;

static void setup(void)
{
  harness = tf_check_host_new(source_drift_LTX_tf_plugin_entry(), "chats");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  tf_check_host_free(harness);
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

/* Starts the plugin with a JSON config (paths relative to the fixtures);
 * returns init's result. */
static int start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);
  int rc;

  ck_assert_ptr_nonnull(given);
  in->plugin = tf_plugin_source(source_drift_LTX_tf_plugin_entry());
  in->state = NULL;
  ck_assert_int_eq(tf_options_validate(in->plugin->base.options, given, NULL,
                                       "config", DRIFT_FIXTURES, diag_fail,
                                       NULL, &in->cfg),
                   TF_OK);
  json_decref(given);
  rc = in->plugin->base.init(tf_check_ctx(harness),
                             tf_check_host_table(harness), in->cfg, &in->state);
  if (rc != TF_OK)
    tf_config_free(in->cfg);
  return rc;
}

static void stop(instance *in)
{
  in->plugin->base.fini(in->state);
  tf_config_free(in->cfg);
}

/* Runs the source to the end, max records per produce(), checking that no
 * call emits more than max. */
static void run(const char *config_json, size_t max)
{
  instance in;
  size_t before;
  int rc;

  ck_assert_int_eq(start(&in, config_json), TF_OK);
  do {
    before = tf_batch_count(tf_check_emitted(harness));
    rc = in.plugin->produce(in.state, tf_check_ctx(harness), max);
    ck_assert_uint_le(tf_batch_count(tf_check_emitted(harness)) - before, max);
  } while (rc == TF_MORE);
  ck_assert_int_eq(rc, TF_DONE);
  stop(&in);
}

static size_t chats(void)
{
  return tf_batch_count(tf_check_emitted(harness));
}

static const char *str(size_t i, const char *field)
{
  return tf_record_get_string(tf_check_emitted_get(harness, i), field);
}

/* The i-th chat: conversation id (as source_record_id), ts and email. */
static void expect_chat(size_t i, const char *conv, const char *ts,
                        const char *email)
{
  ck_assert_uint_gt(chats(), i);
  ck_assert_str_eq(str(i, "event"), "chat");
  ck_assert_str_eq(str(i, "origin"), "drift");
  ck_assert_str_eq(str(i, "source_record_id"), conv);
  ck_assert_str_eq(str(i, "ts"), ts);
  ck_assert_str_eq(str(i, "email"), email);
}

static void expect_biz_uid(size_t i, const char *biz_uid)
{
  const json_t *v = tf_record_get(tf_check_emitted_get(harness, i), "biz_uid");

  if (!biz_uid)
    ck_assert(json_is_null(v));
  else
    ck_assert_str_eq(json_string_value(v), biz_uid);
}

static void expect_reject(size_t i, const char *code, const char *file,
                          long line)
{
  const json_t *r = json_array_get(tf_check_rejects_json(harness), i);

  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(reject_code(i), code);
  ck_assert_str_eq(json_string_value(json_object_get(r, "file")), file);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "line")), line);
}

START_TEST(source_drift_descriptor_and_options)
{
  const tf_source_plugin *p =
      tf_plugin_source(source_drift_LTX_tf_plugin_entry());
  const tf_option *o;

  ck_assert_int_eq(p->base.kind, TF_KIND_SOURCE);
  ck_assert_str_eq(p->base.name, "drift");
  ck_assert_ptr_nonnull(tf_options_find(p->base.options, "path"));
  ck_assert_ptr_nonnull(tf_options_find(p->base.options, "csv_empty_as_null"));
  o = tf_options_find(p->base.options, "chat_enabled");
  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(o->type, TF_OPT_BOOL);
  ck_assert_str_eq(o->default_value, "true");
  o = tf_options_find(p->base.options, "bizible_id_attribute");
  ck_assert_ptr_nonnull(o);
  ck_assert_str_eq(o->default_value, "biz_uid");
  ck_assert_ptr_nonnull(p->position);
  ck_assert_ptr_nonnull(p->seek);
  o = tf_options_find(p->base.options, "sorted_by_time");
  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(o->type, TF_OPT_BOOL);
  ck_assert_str_eq(o->default_value, "false");
  ck_assert_ptr_nonnull(p->watermark);
}
END_TEST

/* Runs the source a record at a time; after each TF_MORE appends the
 * watermark to wms and checks that it never goes back. */
static void run_watching(const char *config_json, json_t *wms)
{
  int64_t last = TF_WATERMARK_UNKNOWN;
  instance in;
  int rc;

  ck_assert_int_eq(start(&in, config_json), TF_OK);
  while ((rc = in.plugin->produce(in.state, tf_check_ctx(harness), 1)) ==
         TF_MORE) {
    int64_t wm = in.plugin->watermark(in.state);

    ck_assert_msg(wm >= last, "the watermark went back");
    json_array_append_new(wms, json_integer((json_int_t)wm));
    last = wm;
  }
  ck_assert_int_eq(rc, TF_DONE);
  stop(&in);
}

static int64_t wm_at(const json_t *wms, size_t i)
{
  return (int64_t)json_integer_value(json_array_get(wms, i));
}

static int64_t ts_ms(size_t i)
{
  return (int64_t)json_integer_value(
      tf_record_get(tf_check_emitted_get(harness, i), "ts_ms"));
}

/* REST conversations sorted by time: the watermark is the latest chat. */
START_TEST(source_drift_sorted_watermark_is_the_latest_chat)
{
  json_t *wms = json_array();

  run_watching("{\"path\": \"conversations.ndjson\", "
               "\"sorted_by_time\": true}",
               wms);
  ck_assert_uint_eq(chats(), 2);
  ck_assert_uint_eq(json_array_size(wms), 4);
  ck_assert(wm_at(wms, 0) == ts_ms(0));
  ck_assert(wm_at(wms, 2) == ts_ms(0));
  ck_assert(wm_at(wms, 3) == ts_ms(1));
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  json_decref(wms);
}
END_TEST

/* The webhook conversation of mixed.ndjson.gz waits for the end of input:
 * from the line that opens it the watermark stays at the REST chat. */
START_TEST(source_drift_sorted_webhook_conversation_holds_the_watermark)
{
  json_t *wms = json_array();

  run_watching("{\"path\": \"mixed.ndjson.gz\", \"sorted_by_time\": true}",
               wms);
  ck_assert_uint_eq(chats(), 2);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  for (size_t i = 0; i < json_array_size(wms); i++)
    ck_assert(wm_at(wms, i) == 1528293091002LL);
  json_decref(wms);
}
END_TEST

START_TEST(source_drift_unsorted_promises_nothing)
{
  json_t *wms = json_array();

  run_watching("{\"path\": \"mixed.ndjson.gz\"}", wms);
  ck_assert_uint_gt(json_array_size(wms), 0);
  for (size_t i = 0; i < json_array_size(wms); i++)
    ck_assert(wm_at(wms, i) == TF_WATERMARK_UNKNOWN);
  json_decref(wms);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1 over REST conversations: "When a
 * visitor gives an email address in a Drift conversation, that moment makes a
 * Web Chat touchpoint [...]. A conversation with no email makes none." */
START_TEST(drift_rule_1_rest_conversations_file)
{
  run("{\"path\": \"conversations.ndjson\"}", 512);
  ck_assert_uint_eq(chats(), 2);
  expect_chat(0, "116119985", "2018-06-06T13:51:31.002Z", "jane.doe@acme.com");
  expect_biz_uid(0, JANE_UID);
  ck_assert_int_eq(json_integer_value(tf_record_get(
                       tf_check_emitted_get(harness, 0), "conversation_id")),
                   116119985);
  ck_assert_int_eq(json_integer_value(tf_record_get(
                       tf_check_emitted_get(harness, 0), "ts_ms")),
                   1528293091002LL);
  ck_assert_str_eq(tf_record_origin(tf_check_emitted_get(harness, 0)).file,
                   "conversations.ndjson");
  ck_assert_int_eq(tf_record_origin(tf_check_emitted_get(harness, 0)).line, 1);
  expect_chat(1, "116120003", "2018-06-06T18:34:05.000Z", "bob@example.org");
  expect_biz_uid(1, "ab54f1c2d3e4f5a6b7c8d9e0f1a2b3c4");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject(0, "invalid_json", "conversations.ndjson", 3);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 1);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1 over a webhook stream: the
 * earliest moment wins (here the goal met after the message at :21 beats the
 * email message at :35 and the identification at :36); a goal met with no
 * message before it is dead-lettered no_timestamp; chats go out at the end of
 * input, earliest first. */
START_TEST(drift_rule_1_webhook_sequence)
{
  run("{\"path\": \"webhooks.ndjson\"}", 512);
  ck_assert_uint_eq(chats(), 2);
  expect_chat(0, "1485844000", "2023-11-14T22:13:10.000Z", "lee@example.com");
  expect_biz_uid(0, NULL);
  expect_chat(1, "1485843811", "2023-11-14T22:13:41.000Z", "jane@acme.com");
  expect_biz_uid(1, JANE_UID);
  ck_assert_int_eq(tf_record_origin(tf_check_emitted_get(harness, 1)).line, 5);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject(0, "no_timestamp", "webhooks.ndjson", 8);
  ck_assert_int_eq(tf_check_metric(harness, "events_ignored"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 1);
}
END_TEST

/* At the end of input the held chats still go out max per produce(). */
START_TEST(source_drift_end_of_input_respects_max_records)
{
  run("{\"path\": \"webhooks.ndjson\"}", 1);
  ck_assert_uint_eq(chats(), 2);
  expect_chat(0, "1485844000", "2023-11-14T22:13:10.000Z", "lee@example.com");
}
END_TEST

/* The same events as a flat CSV export (dotted column names). */
START_TEST(drift_rule_1_webhooks_as_csv)
{
  run("{\"path\": \"webhooks.csv\"}", 512);
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, "1485843811", "2023-11-14T22:13:40.000Z", "jane@acme.com");
  expect_biz_uid(0, JANE_UID);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject(0, "no_timestamp", "webhooks.csv", 5);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 1);
}
END_TEST

/* REST conversations and webhook events in one gzip file; an event about
 * a conversation whose chat already went out makes no second chat. */
START_TEST(drift_rule_1_mixed_gzip_file)
{
  run("{\"path\": \"mixed.ndjson.gz\"}", 512);
  ck_assert_uint_eq(chats(), 2);
  expect_chat(0, "116119985", "2018-06-06T13:51:31.002Z", "jane.doe@acme.com");
  expect_chat(1, "1485843811", "2023-11-14T22:13:41.000Z", "jane@acme.com");
  ck_assert_int_eq(tf_check_metric(harness, "records_after_chat"), 1);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-2: "Setting chat_enabled: false
 * [...] turns chat touchpoints off entirely." */
START_TEST(drift_rule_2_chat_enabled_false)
{
  run("{\"path\": \"webhooks.ndjson\", \"chat_enabled\": false}", 512);
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "chats_skipped_disabled"), 2);
  run("{\"path\": \"conversations.ndjson\", \"chat_enabled\": false}", 512);
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "chats_skipped_disabled"), 4);
}
END_TEST

START_TEST(source_drift_custom_bizible_id_attribute)
{
  run("{\"path\": \"conversations.ndjson\", "
      "\"bizible_id_attribute\": \"bizible_id\"}",
      512);
  ck_assert_uint_eq(chats(), 2);
  expect_biz_uid(0, "8a1e0f5e2b7c4d3f9a6b5c4d3e2f1a0b");
  expect_biz_uid(1, NULL);
}
END_TEST

START_TEST(source_drift_empty_bizible_id_attribute_fails_init)
{
  instance in;

  ck_assert_int_eq(start(&in, "{\"path\": \"webhooks.ndjson\", "
                              "\"bizible_id_attribute\": \"\"}"),
                   TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(
      strstr(tf_check_last_log(harness), "bizible_id_attribute"));
}
END_TEST

START_TEST(source_drift_missing_file_fails_init)
{
  instance in;

  ck_assert_int_eq(start(&in, "{\"path\": \"none-*.ndjson\"}"),
                   TF_ERR_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "none-*.ndjson"));
}
END_TEST

static Suite *source_drift_suite(void)
{
  Suite *s = suite_create("source_drift");
  TCase *tc = tcase_create("core");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, source_drift_descriptor_and_options);
  tcase_add_test(tc, drift_rule_1_rest_conversations_file);
  tcase_add_test(tc, drift_rule_1_webhook_sequence);
  tcase_add_test(tc, source_drift_end_of_input_respects_max_records);
  tcase_add_test(tc, drift_rule_1_webhooks_as_csv);
  tcase_add_test(tc, drift_rule_1_mixed_gzip_file);
  tcase_add_test(tc, drift_rule_2_chat_enabled_false);
  tcase_add_test(tc, source_drift_custom_bizible_id_attribute);
  tcase_add_test(tc, source_drift_empty_bizible_id_attribute_fails_init);
  tcase_add_test(tc, source_drift_missing_file_fails_init);
  tcase_add_test(tc, source_drift_sorted_watermark_is_the_latest_chat);
  tcase_add_test(tc,
                 source_drift_sorted_webhook_conversation_holds_the_watermark);
  tcase_add_test(tc, source_drift_unsorted_promises_nothing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(source_drift_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
