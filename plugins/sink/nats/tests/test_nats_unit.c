/*
 * test_nats_unit.c - the nats sink and source without a server: the
 * partition function's values (they must never change: records already
 * in a stream were placed by them), config refusals, and a server that is
 * not there.
 */
#include <check.h>
#include <string.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include "../tfnats.h"

const tf_plugin *sink_nats_LTX_tf_plugin_entry(void);
const tf_plugin *source_nats_LTX_tf_plugin_entry(void);

START_TEST(fnv1a_reference_values)
{
  /* The published FNV-1a test vectors. */
  ck_assert_uint_eq(tfnats_fnv1a32("", 0), 0x811c9dc5u);
  ck_assert_uint_eq(tfnats_fnv1a32("a", 1), 0xe40c292cu);
  ck_assert_uint_eq(tfnats_fnv1a32("foobar", 6), 0xbf9cf968u);
  ck_assert(tfnats_fnv1a64(TFNATS_FNV64_OFFSET, "a", 1) ==
            UINT64_C(0xaf63dc4c8601ec8c));
  ck_assert(tfnats_fnv1a64(TFNATS_FNV64_OFFSET, "foobar", 6) ==
            UINT64_C(0x85944171f73967e8));
}
END_TEST

START_TEST(partition_is_stable)
{
  const char *uid = "277d79d01678498fea067c9b631bf6df";

  /* 0x811c9dc5 % 8 = 5: a record without the key field. */
  ck_assert_uint_eq(tfnats_partition("", 0, 8), 5);
  ck_assert_uint_eq(tfnats_partition("a", 1, 8), 0xe40c292cu % 8);
  ck_assert_uint_eq(tfnats_partition(uid, strlen(uid), 1), 0);
  ck_assert_uint_eq(tfnats_partition(uid, strlen(uid), 8),
                    tfnats_fnv1a32(uid, strlen(uid)) % 8);
  ck_assert_uint_eq(tfnats_partition("foobar", 6, 7), 0xbf9cf968u % 7);
}
END_TEST

/* Message ids must not change: a record sent again after an upgrade must
 * still be recognised within the duplicate window. */
START_TEST(message_ids)
{
  char id[TFNATS_ID_MAX];
  uint64_t last = 0, repeat = 0;
  const char *rec = "{\"n\":1}";

  tfnats_msg_id(id, sizeof(id), "ingest", "in/a.ndjson", 7, rec, strlen(rec),
                41, &last, &repeat);
  ck_assert_str_eq(id, "ingest-fa452404327dd768-0");
  /* The same record of the same line right after: a second message. */
  tfnats_msg_id(id, sizeof(id), "ingest", "in/a.ndjson", 7, rec, strlen(rec),
                42, &last, &repeat);
  ck_assert_str_eq(id, "ingest-fa452404327dd768-1");
  /* Another line: another id; then the first again counts from 0. */
  tfnats_msg_id(id, sizeof(id), "ingest", "in/a.ndjson", 8, rec, strlen(rec),
                43, &last, &repeat);
  ck_assert_str_ne(id, "ingest-fa452404327dd768-0");
  tfnats_msg_id(id, sizeof(id), "ingest", "in/a.ndjson", 7, rec, strlen(rec),
                44, &last, &repeat);
  ck_assert_str_eq(id, "ingest-fa452404327dd768-0");
  /* No origin: the ordinal. */
  tfnats_msg_id(id, sizeof(id), "ingest", NULL, 0, rec, strlen(rec), 45, &last,
                &repeat);
  ck_assert_str_eq(id, "ingest-n45-3449a33c56f5bca0");
  /* Another producer, another id. */
  tfnats_msg_id(id, sizeof(id), "other", "in/a.ndjson", 9, rec, strlen(rec), 0,
                &last, &repeat);
  ck_assert(strncmp(id, "other-", 6) == 0);
}
END_TEST

START_TEST(subject_of_partition)
{
  char buf[32];

  ck_assert_int_eq(tfnats_subject(buf, sizeof(buf), "tf.rec", 12), 0);
  ck_assert_str_eq(buf, "tf.rec.12");
  ck_assert_int_eq(tfnats_subject(buf, 8, "tf.records", 1), -1);
}
END_TEST

/* A config refused by check(), before any connection. */
static void refused(const tf_plugin *plugin, const char *config,
                    const char *needle)
{
  tf_check_host *h = tf_check_host_new(plugin, "n");
  char msg[2048];

  ck_assert_int_eq(tf_check_host_init_text(h, config, "."), TF_ERR_CONFIG);
  tf_check_messages_text(h, msg, sizeof(msg));
  ck_assert_msg(strstr(msg, needle), "expected \"%s\" in: %s", needle, msg);
  tf_check_host_free(h);
}

/* The markers: subject, kind, producer, the watermark's value, and ids
 * that make a marker sent again a duplicate (and two values two). */
static const char *header(natsMsg *m, const char *name)
{
  const char *v = NULL;

  return natsMsgHeader_Get(m, name, &v) == NATS_OK ? v : NULL;
}

START_TEST(markers)
{
  natsMsg *wm = NULL, *end = NULL, *big = NULL;

  ck_assert_int_eq(nats_Open(-1), NATS_OK); /* natsMsg_Destroy needs it */
  ck_assert_int_eq(tfnats_marker(&wm, "a.b", 3, "ingest", TFNATS_KIND_WATERMARK,
                                 1767573066236),
                   NATS_OK);
  ck_assert_str_eq(natsMsg_GetSubject(wm), "a.b.3");
  ck_assert_str_eq(header(wm, TFNATS_H_KIND), "watermark");
  ck_assert_str_eq(header(wm, TFNATS_H_PRODUCER), "ingest");
  ck_assert_str_eq(header(wm, TFNATS_H_WATERMARK), "1767573066236");
  ck_assert_str_eq(header(wm, "Nats-Msg-Id"), "ingest-wm-3-1767573066236");
  ck_assert_int_eq(natsMsg_GetDataLength(wm), 0);
  ck_assert_int_eq(tfnats_marker(&end, "a.b", 0, "ingest", TFNATS_KIND_END, 0),
                   NATS_OK);
  ck_assert_str_eq(header(end, TFNATS_H_KIND), "end");
  ck_assert_str_eq(header(end, "Nats-Msg-Id"), "ingest-end-0");
  ck_assert_ptr_null(header(end, TFNATS_H_WATERMARK));
  ck_assert_int_eq(
      tfnats_marker(&big, "a.b", 3, "ingest", TFNATS_KIND_WATERMARK, -5),
      NATS_OK);
  ck_assert_str_eq(header(big, "Nats-Msg-Id"), "ingest-wm-3--5");
  natsMsg_Destroy(wm);
  natsMsg_Destroy(end);
  natsMsg_Destroy(big);
}
END_TEST

START_TEST(configs_refused)
{
  const tf_plugin *sink = sink_nats_LTX_tf_plugin_entry();
  const tf_plugin *source = source_nats_LTX_tf_plugin_entry();

  refused(sink, "{\"subject_prefix\": \"a b\"}", "subject_prefix");
  refused(sink, "{\"subject_prefix\": \"tf.*\"}", "subject_prefix");
  refused(sink, "{\"subject_prefix\": \"tf.\"}", "subject_prefix");
  refused(sink, "{\"stream\": \"a.b\"}", "stream");
  refused(sink, "{\"url\": \" , \"}", "names no server");
  refused(sink, "{\"partition_key\": \"\"}", "partition_key");
  refused(sink, "{\"producer\": \"in gest\"}", "producer");
  refused(sink, "{\"partitions\": 0}", "partitions");
  refused(source, "{\"worker\": \"3/2\"}", "\"3/2\" is not");
  refused(source, "{\"worker\": \"0/2\"}", "\"0/2\" is not");
  refused(source, "{\"worker\": \"2\"}", "\"2\" is not");
  refused(source, "{\"worker\": \"1/2x\"}", "\"1/2x\" is not");
  refused(source, "{\"worker\": \"1/9\", \"partitions\": 8}",
          "9 workers for 8 partitions");
  refused(source, "{\"consumer\": \"a.b\"}", "consumer");
}
END_TEST

/* Nothing listens on 127.0.0.1:1: init fails at once, naming the URL. */
START_TEST(server_down_is_named)
{
  const tf_plugin *plugins[2] = {sink_nats_LTX_tf_plugin_entry(),
                                 source_nats_LTX_tf_plugin_entry()};

  for (int i = 0; i < 2; i++) {
    tf_check_host *h = tf_check_host_new(plugins[i], "n");
    char msg[2048];

    ck_assert_int_eq(
        tf_check_host_init_text(
            h, "{\"url\": \"nats://127.0.0.1:1\", \"connect_timeout\": \"1s\"}",
            "."),
        TF_ERR_IO);
    tf_check_messages_text(h, msg, sizeof(msg));
    ck_assert_msg(strstr(msg, "cannot connect to NATS at nats://127.0.0.1:1"),
                  "%s", msg);
    tf_check_host_free(h);
  }
}
END_TEST

/* A password in the URL never reaches the log. */
START_TEST(url_credentials_not_logged)
{
  tf_check_host *h = tf_check_host_new(sink_nats_LTX_tf_plugin_entry(), "n");
  char msg[2048];

  ck_assert_int_eq(
      tf_check_host_init_text(h,
                              "{\"url\": \"nats://ab:s3cret@127.0.0.1:1, "
                              "tls://x@127.0.0.1:2,nats://127.0.0.1:3\", "
                              "\"connect_timeout\": \"1s\"}",
                              "."),
      TF_ERR_IO);
  tf_check_messages_text(h, msg, sizeof(msg));
  ck_assert_msg(strstr(msg, "cannot connect to NATS at nats://***@127.0.0.1:1, "
                            "tls://***@127.0.0.1:2,nats://127.0.0.1:3"),
                "%s", msg);
  ck_assert_msg(!strstr(msg, "s3cret") && !strstr(msg, "ab:"), "%s", msg);
  tf_check_host_free(h);
}
END_TEST

static TCase *unit_tests(void)
{
  TCase *tc = tcase_create("unit");

  tcase_add_test(tc, fnv1a_reference_values);
  tcase_add_test(tc, partition_is_stable);
  tcase_add_test(tc, subject_of_partition);
  tcase_add_test(tc, message_ids);
  tcase_add_test(tc, markers);
  tcase_add_test(tc, configs_refused);
  tcase_add_test(tc, server_down_is_named);
  tcase_add_test(tc, url_credentials_not_logged);
  return tc;
}

TF_CHECK_MAIN("nats", unit_tests)
