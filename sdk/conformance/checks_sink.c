/*
 * checks_sink.c - the checks of sink plugins: the OK/RETRY/ERROR verdict
 * (one of the three, OK on valid input and on an empty batch), a malformed
 * record dead-lettered rather than lost, and, where the conformance file
 * names the sink's output, that the output holds every input record once:
 * after a plain run, after RETRY answers (retry_config) and, for sinks
 * that claim it, after the same batch was sent twice (idempotent); and
 * that a sink with advance() (appended after ABI 2.0) takes rising
 * watermarks between writes without losing or repeating a record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/linereader.h>
#include <touchflow/record_json.h>

#include "suite.h"

static const char *verdict_name(tf_sink_result v)
{
  switch (v) {
  case TF_SINK_OK: return "OK";
  case TF_SINK_RETRY: return "RETRY";
  case TF_SINK_ERROR: return "ERROR";
  default: return NULL;
  }
}

/* Calls write() and fails the check on a verdict outside the three. */
static tf_sink_result write_batch(tf_check_host *h, const tf_batch *batch)
{
  tf_sink_result v = tf_check_write(h, batch);

  ck_assert_msg(verdict_name(v) != NULL,
                "expected write() to return TF_SINK_OK, TF_SINK_RETRY or "
                "TF_SINK_ERROR; it returned %d",
                (int)v);
  return v;
}

static void write_ok(tf_check_host *h, const tf_batch *batch, const char *what)
{
  char msgs[TF_CONF_MSG];
  tf_sink_result v = write_batch(h, batch);

  ck_assert_msg(v == TF_SINK_OK, "expected OK from write() of %s; got %s: %s",
                what, verdict_name(v),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
}

static void flush_ok(tf_check_host *h)
{
  char msgs[TF_CONF_MSG];
  int rc = tf_check_flush(h);

  ck_assert_msg(rc == TF_OK,
                "expected flush() to return TF_OK; it "
                "returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
}

START_TEST(sink_write_ok)
{
  tf_batch *batch = tf_conf_input_batch(), *empty = tf_batch_new();
  tf_check_host *h = tf_conf_start(NULL);

  ck_assert_msg(empty != NULL, "out of memory");
  write_ok(h, empty, "an empty batch");
  write_ok(h, batch, "the input records");
  flush_ok(h);
  tf_conf_done(h, batch, NULL);
  tf_batch_free(empty);
}
END_TEST

START_TEST(sink_malformed_record)
{
  static const char bad[] = "{\"not json\": ";
  tf_origin origin = {"conformance", 1};
  tf_record *raw = tf_record_new_raw(bad, sizeof(bad) - 1, &origin);
  tf_batch *batch = tf_batch_new();
  tf_check_host *h = tf_conf_start(NULL);
  tf_sink_result v;
  size_t i, rejected = 0;

  ck_assert_msg(raw && batch, "out of memory");
  ck_assert_int_eq(tf_batch_push(batch, raw), TF_OK);
  v = write_batch(h, batch);
  for (i = 0; i < tf_check_reject_count(h); i++)
    rejected += tf_check_reject_get(h, i)->record == raw;
  ck_assert_msg(v != TF_SINK_OK || rejected == 1,
                "expected a raw (non-JSON) record answered with OK to be "
                "dead-lettered once (host->reject); it was rejected %zu "
                "times",
                rejected);
  tf_conf_done(h, batch, NULL);
}
END_TEST

/* The sink's output file (the conformance file's "output", expanded). */
static char *output_path(void)
{
  json_t *name = json_string(tf_conf.file.output), *expanded;
  char err[256], *path;

  ck_assert_msg(tf_conf.file.output != NULL,
                "expected the conformance file to name the sink's output "
                "(\"output\": an NDJSON file the sample config writes) so "
                "that it can be compared with the input; or skip this "
                "check with the reason");
  expanded = tf_conf_file_expand(name, err, sizeof(err));
  json_decref(name);
  ck_assert_msg(expanded != NULL, "output: %s", err);
  path = strdup(json_string_value(expanded));
  json_decref(expanded);
  ck_assert_msg(path != NULL, "out of memory");
  return path;
}

/* Fails the check unless the output file holds exactly the input's
 * records, each once, in order. */
static void expect_output(const tf_batch *input, const char *scenario)
{
  char *path = output_path();
  tf_line_reader *in = NULL;
  tf_line line;
  size_t n = 0;
  int rc = tf_line_reader_open(&in, path, TF_COMPRESSION_AUTO, 0);

  ck_assert_msg(rc == TF_OK, "%s: expected the output %s; cannot read it: %s",
                scenario, path, tf_strerror(rc));
  while ((rc = tf_line_reader_next(in, &line)) == TF_OK) {
    json_t *got = json_loadb(line.text, line.len, 0, NULL);
    const json_t *want = tf_record_json(tf_batch_get(input, n));

    ck_assert_msg(n < tf_batch_count(input),
                  "%s: expected %zu records in %s; line %ld is one more "
                  "(a duplicate?): %s",
                  scenario, tf_batch_count(input), path, line.number,
                  line.text);
    ck_assert_msg(got && json_equal(got, want),
                  "%s: %s line %ld differs from input record %zu: %s", scenario,
                  path, line.number, n + 1, line.text);
    json_decref(got);
    n++;
  }
  tf_line_reader_close(in);
  ck_assert_msg(n == tf_batch_count(input),
                "%s: expected %zu records in %s; found %zu", scenario,
                tf_batch_count(input), path, n);
  free(path);
}

START_TEST(sink_output)
{
  tf_batch *batch = tf_conf_input_batch();
  tf_check_host *h = tf_conf_start(NULL);

  write_ok(h, batch, "the input records");
  flush_ok(h);
  tf_check_host_fini(h);
  expect_output(batch, "after one write and flush");
  tf_conf_done(h, batch, NULL);
}
END_TEST

#define MAX_RETRIES 10

START_TEST(sink_retry_no_duplicates)
{
  tf_batch *batch = tf_conf_input_batch();
  json_t *cfg;
  tf_check_host *h;
  tf_sink_result v;
  char err[256], msgs[TF_CONF_MSG];
  int retries = 0;

  ck_assert_msg(tf_conf.file.retry_config != NULL,
                "expected the conformance file to give \"retry_config\": a "
                "config under which write() answers RETRY before OK; or "
                "skip this check with the reason (e.g. the sink never "
                "answers RETRY)");
  cfg = tf_conf_file_expand(tf_conf.file.retry_config, err, sizeof(err));
  ck_assert_msg(cfg != NULL, "retry_config: %s", err);
  h = tf_conf_start(cfg);
  while ((v = write_batch(h, batch)) == TF_SINK_RETRY && retries < MAX_RETRIES)
    retries++;
  ck_assert_msg(retries > 0,
                "expected write() under retry_config to answer "
                "RETRY first; it answered %s",
                verdict_name(v));
  ck_assert_msg(v == TF_SINK_OK,
                "expected OK after RETRY; after %d retries it answered %s: %s",
                retries, verdict_name(v),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
  flush_ok(h);
  tf_check_host_fini(h);
  expect_output(batch, "after RETRY answers and the same batch sent again");
  tf_conf_done(h, batch, cfg);
}
END_TEST

/* The first and the second half of batch, as new batches sharing its
 * records. */
static void split_halves(const tf_batch *batch, tf_batch **first,
                         tf_batch **second)
{
  size_t i, n = tf_batch_count(batch);

  *first = tf_batch_new();
  *second = tf_batch_new();
  ck_assert_msg(*first && *second, "out of memory");
  for (i = 0; i < n; i++)
    tf_batch_push(i < n / 2 ? *first : *second,
                  tf_record_ref(tf_batch_get(batch, i)));
}

/* A sink with snapshot() commits at it: write half, snapshot, "crash"
 * (fini without flush), restore into a fresh instance, write the rest,
 * flush: with an output named, it holds every input record once
 * (docs/checkpoints.md). */
START_TEST(sink_snapshot_restore)
{
  tf_batch *batch, *first, *second;
  char msgs[TF_CONF_MSG];
  json_t *snap = NULL;
  tf_check_host *h;
  int rc;

  if (!tf_conf.sink->snapshot)
    return; /* at least once: nothing held after write() */
  batch = tf_conf_input_batch();
  split_halves(batch, &first, &second);
  h = tf_conf_start(NULL);
  write_ok(h, first, "the first half");
  rc = tf_check_snapshot(h, &snap);
  ck_assert_msg(rc == TF_OK && snap,
                "expected snapshot() to return TF_OK and a JSON value; it "
                "returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
  tf_check_host_free(h); /* the crash: no flush */
  h = tf_conf_start(NULL);
  rc = tf_check_restore(h, snap);
  ck_assert_msg(rc == TF_OK,
                "expected restore() of a fresh instance to accept the "
                "snapshot; it returned %d (%s): %s",
                rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
  write_ok(h, second, "the second half, after restore()");
  flush_ok(h);
  if (tf_conf.file.output)
    expect_output(batch, "after a snapshot, a crash and a restore");
  json_decref(snap);
  tf_batch_free(first);
  tf_batch_free(second);
  tf_conf_done(h, batch, NULL);
}
END_TEST

START_TEST(sink_idempotent_resend)
{
  tf_batch *batch = tf_conf_input_batch();
  tf_check_host *h = tf_conf_start(NULL);

  write_ok(h, batch, "the input records");
  write_ok(h, batch, "the same records again");
  flush_ok(h);
  tf_check_host_fini(h);
  expect_output(batch, "after the same batch was written twice");
  tf_conf_done(h, batch, NULL);
}
END_TEST

static void advance_ok(tf_check_host *h, int64_t watermark)
{
  char msgs[TF_CONF_MSG];
  int rc = tf_check_advance(h, watermark);

  ck_assert_msg(rc == TF_OK,
                "expected advance(%lld) to return TF_OK; it returned %d "
                "(%s): %s",
                (long long)watermark, rc, tf_strerror(rc),
                tf_check_messages_text(h, msgs, sizeof(msgs)));
}

/* A sink with advance() is given what the host gives it: strictly rising
 * watermarks, each once every record before it was written, none after
 * a record behind it.  Between the halves of the input (whose event times
 * the suite does not know) only watermarks that promise nothing real; once
 * all is written, one just below the end.  Every call answers TF_OK, and
 * with an output named, it holds every input record once, in order. */
START_TEST(sink_advance)
{
  tf_batch *batch, *first, *second;
  tf_check_host *h;

  if (!TF_PLUGIN_HAS(tf_sink_plugin, tf_conf.sink, advance))
    return; /* a sink without advance() is never given a watermark */
  batch = tf_conf_input_batch();
  split_halves(batch, &first, &second);
  h = tf_conf_start(NULL);
  advance_ok(h, TF_WATERMARK_UNKNOWN + 1);
  write_ok(h, first, "the first half, after advance()");
  advance_ok(h, TF_WATERMARK_UNKNOWN + 2);
  write_ok(h, second, "the second half, after advance()");
  advance_ok(h, TF_WATERMARK_END - 1);
  flush_ok(h);
  tf_check_host_fini(h);
  if (tf_conf.file.output)
    expect_output(batch, "with advance() between the writes");
  tf_batch_free(first);
  tf_batch_free(second);
  tf_conf_done(h, batch, NULL);
}
END_TEST

const tf_conf_check tf_conf_sink_checks[] = {
    {"sink_write_ok", TF_KIND_SINK, &sink_write_ok,
     "write() answers OK to an empty batch and to the input; flush() OK"},
    {"sink_malformed_record", TF_KIND_SINK, &sink_malformed_record,
     "a raw record: a valid verdict, and dead-lettered when OK"},
    {"sink_output", TF_KIND_SINK, &sink_output,
     "the output holds every input record once, in order"},
    {"sink_retry_no_duplicates", TF_KIND_SINK, &sink_retry_no_duplicates,
     "RETRY, then the same batch again: every record once in the output"},
    {"sink_idempotent_resend", TF_KIND_SINK, &sink_idempotent_resend,
     "claimed idempotent: the same batch twice is kept once"},
    {"sink_snapshot_restore", TF_KIND_SINK, &sink_snapshot_restore,
     "with snapshot(): half written, snapshot, crash, restore, the rest: "
     "the output holds every record once"},
    {"sink_advance", TF_KIND_SINK, &sink_advance,
     "with advance(): rising watermarks between writes, every call OK, "
     "the output holds every record once"},
    {NULL, 0, NULL, NULL}};
