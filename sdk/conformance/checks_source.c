/*
 * checks_source.c - the checks of source plugins: records come out of the
 * fixtures, every record is a JSON object, the same input gives the same
 * output, resuming from any reported position repeats and loses nothing,
 * the position reported at the end gives nothing more, a watermark
 * never goes back nor is passed by a record emitted after it, and a source
 * that may run on a thread of its own gives the same there.
 *
 * Records are asked for a few at a time (PRODUCE_MAX) so that a source
 * reports many positions even on small fixtures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/time.h>
#include <touchflow/record_json.h>

#include "suite.h"

#define PRODUCE_MAX 3
#define MAX_CALLS 1000000

/* Everything one run of the source gave: the records as text, the
 * positions reported after each produce() call with how many records had
 * come out by then, and the rejects as text. */
typedef struct source_run {
  json_t *records;    /* array of strings */
  json_t *positions;  /* array of [count, position] */
  json_t *rejects;    /* array of strings "code: record" */
  json_t *watermarks; /* array of integers, or NULL when not asked */
} source_run;

static void run_free(source_run *r)
{
  json_decref(r->records);
  json_decref(r->positions);
  json_decref(r->rejects);
  json_decref(r->watermarks);
}

/* Moves what the host collected into r as text. */
static void collect(tf_check_host *h, source_run *r)
{
  size_t i;

  for (i = 0; i < tf_check_emitted_count(h); i++) {
    char *text = tf_check_record_text(tf_check_emitted_get(h, i));

    ck_assert_msg(text != NULL, "out of memory");
    json_array_append_new(r->records, json_string(text));
    free(text);
  }
  for (i = 0; i < tf_check_reject_count(h); i++) {
    const tf_check_reject *rej = tf_check_reject_get(h, i);
    char *text = tf_check_record_text(rej->record);

    json_array_append_new(r->rejects,
                          json_sprintf("%s: %s", rej->code, text ? text : ""));
    free(text);
  }
  tf_check_clear_records(h);
}

/* What produce_all() ended with. */
typedef struct produce_end {
  int rc;          /* the last produce()'s, TF_MORE after MAX_CALLS */
  size_t too_many; /* records one produce() emitted past PRODUCE_MAX, or 0 */
  char msgs[TF_CONF_MSG];
} produce_end;

/* Calls produce() until the source ends or fails, collecting into r, with
 * position() after each call, and watermark() after each TF_MORE when
 * r->watermarks is not NULL, as the runner does.  No check assertion here:
 * it may run on a thread of its own (source_own_thread). */
static void produce_all(tf_check_host *h, source_run *r, produce_end *end)
{
  size_t calls;

  end->rc = TF_MORE;
  end->too_many = 0;
  for (calls = 0; end->rc == TF_MORE && calls < MAX_CALLS; calls++) {
    json_t *pos = NULL;

    end->rc = tf_check_produce(h, PRODUCE_MAX);
    if (end->rc != TF_MORE && end->rc != TF_DONE) {
      tf_check_messages_text(h, end->msgs, sizeof(end->msgs));
      return;
    }
    if (tf_check_emitted_count(h) > PRODUCE_MAX) {
      end->too_many = tf_check_emitted_count(h);
      return;
    }
    collect(h, r);
    if (tf_check_position(h, &pos) == TF_OK && pos)
      json_array_append_new(
          r->positions,
          json_pack("[I, o]", (json_int_t)json_array_size(r->records), pos));
    if (r->watermarks && end->rc == TF_MORE)
      json_array_append_new(r->watermarks,
                            json_integer(tf_check_source_watermark(h)));
  }
}

typedef struct produce_job {
  tf_check_host *h;
  source_run *r;
  produce_end end;
} produce_job;

static void *produce_job_run(void *arg)
{
  produce_job *job = arg;

  produce_all(job->h, job->r, &job->end);
  return NULL;
}

/* How run_source() calls the source. */
enum {
  RUN_WATERMARKS = 1, /* also watermark() after each TF_MORE */
  RUN_OWN_THREAD = 2  /* produce() and the rest on a thread of their own */
};

/* Runs the source to its end, from `from` when not NULL.  init() and
 * seek() run on this thread; with RUN_OWN_THREAD, produce(), position()
 * and watermark() then run on a new thread, as the runner runs a
 * TF_SOURCE_OWN_THREAD source, and fini() here once it ended.  Fails the
 * check when produce() fails or never ends. */
static void run_source_how(const json_t *from, source_run *r, int how)
{
  tf_check_host *h = tf_conf_start(NULL);
  produce_job job = {.h = h, .r = r};
  pthread_t thread;
  int rc;
  char msgs[TF_CONF_MSG];

  r->records = json_array();
  r->positions = json_array();
  r->rejects = json_array();
  r->watermarks = how & RUN_WATERMARKS ? json_array() : NULL;
  ck_assert_msg(r->records && r->positions && r->rejects &&
                    (r->watermarks || !(how & RUN_WATERMARKS)),
                "out of memory");
  if (from) {
    rc = tf_check_seek(h, from);
    ck_assert_msg(rc == TF_OK,
                  "expected seek() to a reported position to "
                  "succeed; it returned %d (%s): %s",
                  rc, tf_strerror(rc),
                  tf_check_messages_text(h, msgs, sizeof(msgs)));
  }
  if (how & RUN_OWN_THREAD) {
    ck_assert_msg(pthread_create(&thread, NULL, produce_job_run, &job) == 0,
                  "cannot start a thread");
    pthread_join(thread, NULL);
  } else {
    produce_all(h, r, &job.end);
  }
  ck_assert_msg(job.end.rc == TF_MORE || job.end.rc == TF_DONE,
                "expected produce() to return TF_MORE or TF_DONE; it "
                "returned %d (%s): %s",
                job.end.rc, tf_strerror(job.end.rc), job.end.msgs);
  ck_assert_msg(job.end.too_many == 0,
                "produce(max_records=%d) emitted %zu records", PRODUCE_MAX,
                job.end.too_many);
  ck_assert_msg(job.end.rc == TF_DONE,
                "expected produce() to return TF_DONE; it "
                "still returned TF_MORE after %d calls",
                MAX_CALLS);
  tf_check_host_free(h);
}

static void run_source(const json_t *from, source_run *r)
{
  run_source_how(from, r, 0);
}

/* The text of element i of an array of strings, or "(none)". */
static const char *text_at(const json_t *arr, size_t i)
{
  const char *s = json_string_value(json_array_get(arr, i));

  return s ? s : "(none)";
}

START_TEST(source_produces_records)
{
  source_run r;

  run_source(NULL, &r);
  ck_assert_msg(json_array_size(r.records) > 0,
                "expected at least one record from the fixtures (%s); got "
                "none, and %zu rejected (first: %s)",
                tf_conf.file.fixtures_dir, json_array_size(r.rejects),
                text_at(r.rejects, 0));
  run_free(&r);
}
END_TEST

START_TEST(source_records_are_objects)
{
  source_run r;
  size_t i;

  run_source(NULL, &r);
  for (i = 0; i < json_array_size(r.records); i++)
    ck_assert_msg(strncmp(text_at(r.records, i), "raw:", 4) != 0,
                  "expected every emitted record to be a JSON object; "
                  "record %zu is raw text: %s (reject bad input with "
                  "host->reject instead)",
                  i + 1, text_at(r.records, i) + 4);
  run_free(&r);
}
END_TEST

/* Fails the check at the first difference between two lists of records. */
static void expect_same(const json_t *want, const json_t *got, size_t skip,
                        const char *what)
{
  size_t i, n = json_array_size(want) - skip, ng = json_array_size(got);

  for (i = 0; i < n || i < ng; i++) {
    const char *w = text_at(want, skip + i), *g = text_at(got, i);

    ck_assert_msg(i < n,
                  "%s: %zu records expected, got %zu; the first "
                  "extra one is: %s",
                  what, n, ng, g);
    ck_assert_msg(i < ng,
                  "%s: %zu records expected, got %zu; the first "
                  "missing one is: %s",
                  what, n, ng, w);
    ck_assert_msg(strcmp(w, g) == 0,
                  "%s: record %zu differs: expected %s, "
                  "got %s",
                  what, skip + i + 1, w, g);
  }
}

START_TEST(source_deterministic)
{
  source_run a, b;

  run_source(NULL, &a);
  run_source(NULL, &b);
  expect_same(a.records, b.records, 0,
              "expected the same records from the same input twice");
  expect_same(a.rejects, b.rejects, 0,
              "expected the same rejects from the same input twice");
  run_free(&a);
  run_free(&b);
}
END_TEST

static void need_position(void)
{
  ck_assert_msg(tf_conf.source->position && tf_conf.source->seek,
                "expected position() and seek(): without them a run cannot "
                "resume; implement them, or skip this check with the "
                "reason");
}

#define MAX_RESUMES 25

START_TEST(source_resume)
{
  source_run full;
  size_t i, n, step;

  need_position();
  run_source(NULL, &full);
  n = json_array_size(full.positions);
  ck_assert_msg(n > 0, "expected position() to report a position after "
                       "produce(); it never did");
  step = n > MAX_RESUMES ? n / MAX_RESUMES : 1;
  for (i = 0; i < n; i += step) {
    const json_t *entry = json_array_get(full.positions, i);
    size_t count = (size_t)json_integer_value(json_array_get(entry, 0));
    char *pos =
        json_dumps(json_array_get(entry, 1), JSON_COMPACT | JSON_ENCODE_ANY);
    char what[512];
    source_run rest;

    snprintf(what, sizeof(what),
             "resumed from position %s (reported after %zu records), "
             "expected the rest of the full run, no record twice and none "
             "missing",
             pos ? pos : "?", count);
    free(pos);
    run_source(json_array_get(entry, 1), &rest);
    expect_same(full.records, rest.records, count, what);
    run_free(&rest);
  }
  run_free(&full);
}
END_TEST

START_TEST(source_seek_end)
{
  source_run full, rest;
  const json_t *last;
  char *pos;

  need_position();
  run_source(NULL, &full);
  last = json_array_get(full.positions, json_array_size(full.positions) - 1);
  ck_assert_msg(last != NULL, "expected position() to report a position "
                              "after produce(); it never did");
  run_source(json_array_get(last, 1), &rest);
  pos = json_dumps(json_array_get(last, 1), JSON_COMPACT | JSON_ENCODE_ANY);
  ck_assert_msg(json_array_size(rest.records) == 0,
                "expected no record after seeking to the end position %s; "
                "got %zu, the first: %s",
                pos ? pos : "?", json_array_size(rest.records),
                text_at(rest.records, 0));
  free(pos);
  run_free(&full);
  run_free(&rest);
}
END_TEST

/* A watermark as a message shows it. */
static const char *wm_text(int64_t wm, char *buf, size_t len)
{
  char iso[TF_TIME_ISO_LEN];

  if (wm == TF_WATERMARK_UNKNOWN)
    return "UNKNOWN";
  tf_time_format_ms(wm, iso, sizeof(iso));
  snprintf(buf, len, "%lld (%s)", (long long)wm, iso);
  return buf;
}

/* Fails the check when a record the last produce() emitted has an event
 * time (an integer ts_ms) before the watermark wm reported before it. */
static void expect_none_behind(tf_check_host *h, int64_t wm, size_t before)
{
  char shown[64];
  size_t i;

  for (i = 0; i < tf_check_emitted_count(h); i++) {
    const json_t *ts = tf_record_get(tf_check_emitted_get(h, i), "ts_ms");
    char *text;

    if (!json_is_integer(ts) || json_integer_value(ts) >= wm)
      continue;
    text = tf_check_record_text(tf_check_emitted_get(h, i));
    ck_abort_msg("expected no record with an event time before a watermark "
                 "already reported; record %zu has ts_ms %lld, after "
                 "watermark() returned %s: %s",
                 before + i + 1, (long long)json_integer_value(ts),
                 wm_text(wm, shown, sizeof(shown)), text ? text : "?");
  }
}

START_TEST(source_watermark)
{
  int watermark = tf_conf.source && tf_conf.source->watermark;
  tf_check_host *h = tf_conf_start(NULL);
  int64_t wm = TF_WATERMARK_UNKNOWN;
  size_t calls, seen = 0;
  char a[64], b[64];
  int rc = TF_MORE;

  for (calls = 0; watermark && rc == TF_MORE && calls < MAX_CALLS; calls++) {
    int64_t next;

    rc = tf_check_produce(h, PRODUCE_MAX);
    ck_assert_msg(rc == TF_MORE || rc == TF_DONE,
                  "expected produce() to return TF_MORE or TF_DONE; it "
                  "returned %d (%s)",
                  rc, tf_strerror(rc));
    expect_none_behind(h, wm, seen);
    seen += tf_check_emitted_count(h);
    tf_check_clear_records(h);
    if (rc != TF_MORE)
      break;
    next = tf_check_source_watermark(h);
    ck_assert_msg(next >= wm,
                  "expected watermark() never to go back; after %zu records "
                  "it returned %s, after returning %s before",
                  seen, wm_text(next, a, sizeof(a)), wm_text(wm, b, sizeof(b)));
    wm = next;
  }
  tf_check_host_free(h);
}
END_TEST

/* Fails the check at the first element of got that differs from want's
 * (JSON values, compared with json_equal). */
static void expect_equal_values(const json_t *want, const json_t *got,
                                const char *what)
{
  size_t i, n = json_array_size(want), ng = json_array_size(got);

  for (i = 0; i < n || i < ng; i++) {
    const json_t *w = json_array_get(want, i), *g = json_array_get(got, i);
    char *wt, *gt;

    if (w && g && json_equal(w, g))
      continue;
    wt = w ? json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    gt = g ? json_dumps(g, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    ck_abort_msg("%s: %zu expected, got %zu; number %zu differs: expected "
                 "%s, got %s",
                 what, n, ng, i + 1, wt ? wt : "(none)", gt ? gt : "(none)");
  }
}

START_TEST(source_own_thread)
{
  source_run here, there;

  if (!(TF_SOURCE_FLAGS(tf_conf.source) & TF_SOURCE_OWN_THREAD))
    return; /* the runner never moves it off the pipeline thread */
  run_source_how(NULL, &here, RUN_WATERMARKS);
  run_source_how(NULL, &there, RUN_WATERMARKS | RUN_OWN_THREAD);
  expect_same(here.records, there.records, 0,
              "expected the same records with produce() on a thread other "
              "than init()'s (the source sets TF_SOURCE_OWN_THREAD)");
  expect_same(here.rejects, there.rejects, 0,
              "expected the same rejects with produce() on a thread other "
              "than init()'s");
  expect_equal_values(here.positions, there.positions,
                      "expected the same positions ([records so far, "
                      "position]) with position() on a thread other than "
                      "init()'s");
  expect_equal_values(here.watermarks, there.watermarks,
                      "expected the same watermarks with watermark() on a "
                      "thread other than init()'s");
  run_free(&here);
  run_free(&there);
}
END_TEST

const tf_conf_check tf_conf_source_checks[] = {
    {"source_produces_records", TF_KIND_SOURCE, &source_produces_records,
     "at least one record comes out of the fixtures"},
    {"source_records_are_objects", TF_KIND_SOURCE, &source_records_are_objects,
     "every emitted record is a JSON object"},
    {"source_deterministic", TF_KIND_SOURCE, &source_deterministic,
     "the same input gives the same records and rejects twice"},
    {"source_resume", TF_KIND_SOURCE, &source_resume,
     "resuming from each reported position repeats and loses nothing"},
    {"source_seek_end", TF_KIND_SOURCE, &source_seek_end,
     "the position reported at the end gives no record"},
    {"source_watermark", TF_KIND_SOURCE, &source_watermark,
     "watermark() never goes back, and no record emitted after it has a "
     "ts_ms before it"},
    {"source_own_thread", TF_KIND_SOURCE, &source_own_thread,
     "a source that sets TF_SOURCE_OWN_THREAD gives the same records, "
     "rejects, positions and watermarks with produce() on a thread of its "
     "own"},
    {NULL, 0, NULL, NULL}};
