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
    char *text = tf_check_record_text(rec);
    size_t len = 0;
    const char *bytes = tf_record_bytes(rec, &len);

    ck_assert_msg(text != NULL, "out of memory");
    json_array_append_new(
        out, json_pack("[s, s%]", text, bytes ? bytes : "", bytes ? len : 0));
    free(text);
  }
  return out;
}

static void process_ok(tf_check_host *h, const tf_batch *batch)
{
  char msgs[TF_CONF_MSG];
  int rc = tf_check_process(h, batch);

  ck_assert_msg(rc == TF_OK,
                "expected process() to return TF_OK; it "
                "returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
}

/* One flush() call, on purpose not tf_check_flush (which calls a
 * TF_FLUSH_AGAIN answer again): the check holds each call to TF_OK. */
static void flush_ok(tf_check_host *h, const char *which)
{
  char msgs[TF_CONF_MSG];
  int rc = tf_conf.transform->flush
               ? tf_conf.transform->flush(tf_check_state(h), tf_check_ctx(h))
               : TF_OK;

  ck_assert_msg(rc == TF_OK,
                "expected the %s flush() to return TF_OK; it "
                "returned %d (%s): %s",
                which, rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
}

START_TEST(transform_input_unchanged)
{
  tf_batch *batch = tf_conf_input_batch();
  json_t *before = batch_texts(batch), *after;
  tf_check_host *h = tf_conf_start(NULL);
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
  tf_check_host *h = tf_conf_start(NULL);
  size_t i, rejected = 0;

  ck_assert_msg(raw && batch, "out of memory");
  ck_assert_int_eq(tf_batch_push(batch, raw), TF_OK);
  process_ok(h, batch);
  flush_ok(h, "first");
  for (i = 0; i < tf_check_emitted_count(h); i++)
    ck_assert_msg(tf_check_emitted_get(h, i) != raw,
                  "expected a raw (non-JSON) record to be rejected; it was "
                  "emitted downstream");
  for (i = 0; i < tf_check_reject_count(h); i++)
    rejected += tf_check_reject_get(h, i)->record == raw;
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
  tf_check_host *h = tf_conf_start(NULL);

  process_ok(h, batch);
  flush_ok(h, "first");
  tf_check_clear_records(h);
  flush_ok(h, "second");
  ck_assert_msg(tf_check_emitted_count(h) == 0,
                "expected the second flush() to emit nothing; it emitted "
                "%zu records again",
                tf_check_emitted_count(h));
  tf_conf_done(h, batch, NULL);
}
END_TEST

/* The two halves of batch, sharing its records. */
static void split(const tf_batch *batch, tf_batch **first, tf_batch **second)
{
  size_t i, n = tf_batch_count(batch);

  *first = tf_batch_new();
  *second = tf_batch_new();
  ck_assert_msg(*first && *second, "out of memory");
  for (i = 0; i < n; i++)
    ck_assert_int_eq(tf_batch_push(i < n / 2 ? *first : *second,
                                   tf_record_ref(tf_batch_get(batch, i))),
                     TF_OK);
}

/* Appends the texts of what h emitted to texts. */
static void add_emitted(json_t *texts, const tf_check_host *h)
{
  size_t i;

  for (i = 0; i < tf_check_emitted_count(h); i++) {
    char *text = tf_check_record_text(tf_check_emitted_get(h, i));

    ck_assert_msg(text != NULL, "out of memory");
    json_array_append_new(texts, json_string(text));
    free(text);
  }
}

static json_t *take_snapshot(tf_check_host *h)
{
  char msgs[TF_CONF_MSG];
  json_t *snap = NULL;
  int rc = tf_check_snapshot(h, &snap);

  ck_assert_msg(rc == TF_OK && snap != NULL,
                "expected snapshot() to return TF_OK and a JSON value; it "
                "returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
  return snap;
}

/* A transform that keeps state between batches (it has flush() or
 * advance()) must save it: snapshot mid-stream, restore into a fresh
 * instance, go on, and the records emitted before the snapshot plus those
 * of the restored instance are exactly those of one uninterrupted
 * instance (docs/checkpoints.md). */
START_TEST(transform_snapshot_restore)
{
  tf_batch *batch = tf_conf_input_batch(), *first, *second;
  json_t *expected = json_array(), *got = json_array(), *snap;
  char msgs[TF_CONF_MSG];
  tf_check_host *h;
  int rc;

  if (!tf_conf.transform->snapshot && !tf_conf.transform->flush &&
      !tf_conf.transform->advance) {
    tf_batch_free(batch); /* holds nothing: nothing to save */
    json_decref(expected);
    json_decref(got);
    return;
  }
  ck_assert_msg(tf_conf.transform->snapshot && tf_conf.transform->restore,
                "expected snapshot() and restore(): the transform has %s, so "
                "it keeps state between batches, and run --state-dir refuses "
                "a stage it cannot checkpoint",
                tf_conf.transform->flush ? "flush()" : "advance()");
  split(batch, &first, &second);
  h = tf_conf_start(NULL);
  process_ok(h, batch);
  flush_ok(h, "first");
  add_emitted(expected, h);
  tf_check_host_free(h);

  h = tf_conf_start(NULL);
  process_ok(h, first);
  add_emitted(got, h);
  snap = take_snapshot(h);
  tf_check_host_free(h); /* the crash */
  h = tf_conf_start(NULL);
  rc = tf_check_restore(h, snap);
  ck_assert_msg(rc == TF_OK,
                "expected restore() of a fresh instance to accept the "
                "snapshot; it returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
  process_ok(h, second);
  flush_ok(h, "first");
  add_emitted(got, h);
  ck_assert_msg(json_equal(expected, got),
                "expected the records emitted before a snapshot and after "
                "restoring it into a fresh instance to be those of one "
                "uninterrupted instance: %zu records then, %zu now",
                json_array_size(expected), json_array_size(got));
  json_decref(snap);
  json_decref(expected);
  json_decref(got);
  tf_batch_free(first);
  tf_batch_free(second);
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
    {"transform_snapshot_restore", TF_KIND_TRANSFORM,
     &transform_snapshot_restore,
     "one that keeps state (flush() or advance()) snapshots mid-stream and "
     "a fresh instance restored from it emits what one instance would"},
    {NULL, 0, NULL, NULL}};
