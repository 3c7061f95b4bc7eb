/*
 * checks_transform.c - the checks of transform plugins: the input batch is
 * never modified, a malformed (raw) record goes to the dead-letter output
 * instead of crashing, and flush() twice is harmless.
 */
#include <stdlib.h>
#include <string.h>

#include "suite.h"

/* Every record of batch as text (compact JSON, sorted keys) with its
 * original bytes, to compare before and after a call. */
static json_t *batch_texts(const tf_batch *batch)
{
  json_t *out = json_array();
  size_t i;

  ck_assert_msg(out != NULL, "out of memory");
  for (i = 0; i < tf_batch_count(batch); i++) {
    const tf_record *rec = tf_batch_get(batch, i);
    char *text = tf_harness_record_text(rec);
    size_t len = 0;
    const char *bytes = tf_record_bytes(rec, &len);

    ck_assert_msg(text != NULL, "out of memory");
    json_array_append_new(
        out, json_pack("[s, s%]", text, bytes ? bytes : "", bytes ? len : 0));
    free(text);
  }
  return out;
}

static void process_ok(tf_harness *h, const tf_batch *batch)
{
  char msgs[TF_CONF_MSG];
  int rc =
      tf_conf.transform->process(tf_harness_state(h), tf_harness_ctx(h), batch);

  ck_assert_msg(rc == TF_OK,
                "expected process() to return TF_OK; it "
                "returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_harness_messages_text(h, msgs, sizeof(msgs)));
}

static void flush_ok(tf_harness *h, const char *which)
{
  char msgs[TF_CONF_MSG];
  int rc =
      tf_conf.transform->flush
          ? tf_conf.transform->flush(tf_harness_state(h), tf_harness_ctx(h))
          : TF_OK;

  ck_assert_msg(rc == TF_OK,
                "expected the %s flush() to return TF_OK; it "
                "returned %d (%s): %s",
                which, rc, tf_strerror(rc),
                tf_harness_messages_text(h, msgs, sizeof(msgs)));
}

START_TEST(transform_input_unchanged)
{
  tf_batch *batch = tf_conf_input_batch();
  json_t *before = batch_texts(batch), *after;
  tf_harness *h = tf_conf_start(NULL);
  size_t i;

  process_ok(h, batch);
  flush_ok(h, "first");
  after = batch_texts(batch);
  ck_assert_msg(json_array_size(after) == json_array_size(before),
                "expected the input batch untouched; it held %zu records "
                "and now holds %zu",
                json_array_size(before), json_array_size(after));
  for (i = 0; i < json_array_size(before); i++) {
    const json_t *b = json_array_get(before, i), *a = json_array_get(after, i);

    ck_assert_msg(json_equal(b, a),
                  "expected input records never modified (records are "
                  "shared between stages: build a new one with "
                  "tf_record_copy_json and tf_record_derive); input record "
                  "%zu was %s and is now %s",
                  i + 1, json_string_value(json_array_get(b, 0)),
                  json_string_value(json_array_get(a, 0)));
  }
  json_decref(before);
  json_decref(after);
  tf_conf_done(h, batch, NULL);
}
END_TEST

START_TEST(transform_malformed_record)
{
  static const char bad[] = "{\"not json\": ";
  tf_origin origin = {"conformance", 1};
  tf_record *raw = tf_record_new_raw(bad, sizeof(bad) - 1, &origin);
  tf_batch *batch = tf_batch_new();
  tf_harness *h = tf_conf_start(NULL);
  size_t i, rejected = 0;

  ck_assert_msg(raw && batch, "out of memory");
  ck_assert_int_eq(tf_batch_push(batch, raw), TF_OK);
  process_ok(h, batch);
  flush_ok(h, "first");
  for (i = 0; i < tf_harness_emitted_count(h); i++)
    ck_assert_msg(tf_harness_emitted(h, i) != raw,
                  "expected a raw (non-JSON) record to be rejected; it was "
                  "emitted downstream");
  for (i = 0; i < tf_harness_rejected_count(h); i++)
    rejected += tf_harness_rejected(h, i)->record == raw;
  ck_assert_msg(rejected == 1,
                "expected a raw (non-JSON) record to go to host->reject() "
                "once; it was rejected %zu times",
                rejected);
  tf_conf_done(h, batch, NULL);
}
END_TEST

START_TEST(transform_flush_twice)
{
  tf_batch *batch = tf_conf_input_batch();
  tf_harness *h = tf_conf_start(NULL);

  process_ok(h, batch);
  flush_ok(h, "first");
  tf_harness_clear(h);
  flush_ok(h, "second");
  ck_assert_msg(tf_harness_emitted_count(h) == 0,
                "expected the second flush() to emit nothing; it emitted "
                "%zu records again",
                tf_harness_emitted_count(h));
  tf_conf_done(h, batch, NULL);
}
END_TEST

const tf_conf_check tf_conf_transform_checks[] = {
    {"transform_input_unchanged", TF_KIND_TRANSFORM, &transform_input_unchanged,
     "process() leaves every input record as it was"},
    {"transform_malformed_record", TF_KIND_TRANSFORM,
     &transform_malformed_record,
     "a raw (non-JSON) record is rejected once, never emitted, no crash"},
    {"transform_flush_twice", TF_KIND_TRANSFORM, &transform_flush_twice,
     "a second flush() succeeds and emits nothing"},
    {NULL, 0, NULL, NULL}};
