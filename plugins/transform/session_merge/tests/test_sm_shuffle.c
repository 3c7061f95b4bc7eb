/*
 * test_sm_shuffle.c - a realistic stream: 10,000 mixed events (hits, form
 * fills, calls, chats with and without a BizibleId, CRM events, persons)
 * of 300 visitors over three days.  Fed in any order, they give exactly
 * the touchpoints of the sorted order, also when the waiting events spill
 * to disk; given a true watermark the engine holds a bounded number of
 * events while it runs; and when an input breaks its watermark promise
 * every record that would make a touchpoint of its own still comes out,
 * as a touchpoint or as a late dead-letter.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sm_host.h"
#include "merge.h"
#include <touchflow/record_json.h>
#include <touchflow/io.h>

#define NEVENTS 10000
#define NVISITORS 300
#define BATCH 256
#define MINUTE INT64_C(60000)
#define HOUR (60 * MINUTE)
#define START_MS INT64_C(1772323200000) /* 2026-03-01T00:00:00Z */
#define SPAN_MS (72 * HOUR)
#define JITTER_MS (2 * HOUR)

typedef struct generated {
  tf_record *rec;
  int64_t ts;
  int64_t key; /* arrival order */
  int index;
} generated;

static generated events[NEVENTS];
static size_t nevents;
static uint64_t seed;

static uint64_t next_random(void)
{
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

static int64_t below(int64_t n)
{
  return (int64_t)(next_random() % (uint64_t)n);
}

static void biz_of(int visitor, char out[33])
{
  snprintf(out, 33, "%08x%024x", (unsigned)visitor * 2654435761u,
           (unsigned)visitor);
}

static void email_of(int visitor, char out[32])
{
  snprintf(out, 32, "u%d@example.com", visitor);
}

/* Adds an event with the common fields to the generated set. */
static void push(json_t *obj, const char *kind, int64_t ts, const char *biz,
                 const char *origin)
{
  char iso[TF_TIME_ISO_LEN], id[32];
  tf_record *rec;

  ck_assert_ptr_nonnull(obj);
  ck_assert_uint_lt(nevents, NEVENTS);
  snprintf(id, sizeof(id), "%s-%zu", kind, nevents);
  tf_time_format_ms(ts, iso, sizeof(iso));
  json_object_set_new(obj, "event", json_string(kind));
  json_object_set_new(obj, "ts", json_string(iso));
  json_object_set_new(obj, "ts_ms", json_integer(ts));
  json_object_set_new(obj, "biz_uid", biz ? json_string(biz) : json_null());
  json_object_set_new(obj, "origin", json_string(origin));
  json_object_set_new(obj, "source_record_id", json_string(id));
  rec = tf_record_new(obj);
  ck_assert_ptr_nonnull(rec);
  events[nevents].rec = rec;
  events[nevents].ts = ts;
  events[nevents].index = (int)nevents;
  nevents++;
}

/* The landing of a visit: one of the typical arrivals. */
static void landing(char *url, size_t len, const char **referrer)
{
  static const char *const urls[] = {
      "https://www.acme.com/",
      "https://www.acme.com/?utm_source=newsletter&utm_medium=email&utm_"
      "campaign=march",
      "https://www.acme.com/lp?utm_source=google&utm_medium=cpc&gclid=x",
      "https://www.acme.com/blog/post",
      "https://www.acme.com/lp?utm_source=linkedin&utm_medium=paid_social",
      "https://www.acme.com/pricing"};
  static const char *const referrers[] = {NULL,
                                          NULL,
                                          "https://www.google.com/",
                                          "https://www.google.de/",
                                          "https://www.linkedin.com/",
                                          "https://partner.example.org/a"};
  int64_t pick = below(6);

  snprintf(url, len, "%s", urls[pick]);
  *referrer = referrers[below(6)];
}

static int64_t clamp(int64_t ts)
{
  return ts < START_MS ? START_MS : ts;
}

/* One visit of a visitor: hits (some form fills), maybe a call and a chat
 * around it. */
static void visit(int visitor)
{
  char biz[33], email[32], url[160];
  const char *referrer;
  int64_t ts = START_MS + below(SPAN_MS);
  int hits = 1 + (int)below(6), i;

  biz_of(visitor, biz);
  email_of(visitor, email);
  landing(url, sizeof(url), &referrer);
  for (i = 0; i < hits && nevents < NEVENTS; i++) {
    int form = below(8) == 0;

    push(json_pack("{s:s?, s:s, s:s, s:s?, s:s?}", "email", form ? email : NULL,
                   "hit_type", form ? "form_submit" : "page_view", "url",
                   i ? "https://www.acme.com/pricing" : url, "referrer",
                   i ? NULL : referrer, "form_url", form ? url : NULL),
         "hit", ts, biz, "web");
    ts += below(below(10) == 0 ? 45 * MINUTE : 12 * MINUTE);
  }
  if (below(5) == 0 && nevents < NEVENTS)
    push(json_pack("{s:n, s:s, s:s}", "email", "call_type",
                   below(6) ? "Call" : "", "subject", "Inbound"),
         "call", clamp(ts - below(50 * MINUTE)), biz, "calltracking");
  if (below(8) == 0 && nevents < NEVENTS)
    push(json_pack("{s:s, s:s}", "email", email, "conversation_id", "c"),
         "chat", clamp(ts - below(30 * MINUTE)), below(2) ? biz : NULL,
         "drift");
}

/* CRM events and persons: no web data. */
static void crm_event(void)
{
  int64_t ts = START_MS + below(SPAN_MS);
  int64_t pick = below(3);

  if (pick == 0)
    push(json_pack("{s:n, s:s, s:s}", "email", "activity_type", "Email",
                   "subject", "Follow-up"),
         "crm_activity", ts, NULL, "crm");
  else if (pick == 1)
    push(json_pack("{s:n, s:s, s:s}", "email", "campaign_id", "701A", "lead_id",
                   "00Q1"),
         "crm_campaign", ts, NULL, "crm");
  else
    push(json_pack("{s:s, s:s}", "person_id", "00Q1", "first_name", "Ann"),
         "person", ts, NULL, "crm");
}

static void generate(void)
{
  nevents = 0;
  seed = UINT64_C(0x9e3779b97f4a7c15);
  while (nevents < NEVENTS) {
    if (below(10) == 0)
      crm_event();
    else
      visit((int)below(NVISITORS));
  }
}

static void free_events(void)
{
  size_t i;

  for (i = 0; i < nevents; i++)
    tf_record_unref(events[i].rec);
  nevents = 0;
}

static int by_key(const void *pa, const void *pb)
{
  const generated *a = pa, *b = pb;

  if (a->key != b->key)
    return a->key < b->key ? -1 : 1;
  return a->index - b->index;
}

/* Orders the events by time plus a random delay below jitter (0: sorted by
 * time; SPAN_MS or more: fully shuffled). */
static void arrange(int64_t jitter)
{
  size_t i;

  for (i = 0; i < nevents; i++)
    events[i].key = events[i].ts + (jitter ? below(jitter) : 0);
  qsort(events, nevents, sizeof(*events), by_key);
}

static void setup(void)
{
  host_reset();
  generate();
}

static void teardown(void)
{
  free_events();
  host_free();
}

/* The exact watermark after the first n events: the earliest time of the
 * events still to come (INT64_MAX when none). */
static int64_t true_watermark(size_t n)
{
  int64_t low = INT64_MAX;
  size_t i;

  for (i = n; i < nevents; i++)
    if (events[i].ts < low)
      low = events[i].ts;
  return low;
}

/* How run_plugin hands the watermark to the plugin after each batch. */
typedef enum watermarks {
  NO_WATERMARK,   /* a source that promises nothing: all waits for flush */
  TRUE_WATERMARK, /* what the host computes from honest sources */
  LATEST_SEEN     /* a broken promise: the latest time seen so far */
} watermarks;

/* Runs the plugin on the events in their current order, in batches. */
static void run_plugin(const char *config, watermarks mode)
{
  tf_record *batch[BATCH];
  host_stage st;
  size_t i, n = 0;
  int64_t latest = INT64_MIN, wm = INT64_MIN;

  ck_assert_int_eq(host_start(&st, config), TF_OK);
  for (i = 0; i < nevents; i++) {
    batch[n++] = tf_record_ref(events[i].rec);
    if (events[i].ts > latest)
      latest = events[i].ts;
    if (n < BATCH && i + 1 < nevents)
      continue;
    ck_assert_int_eq(host_process(&st, batch, n), TF_OK);
    n = 0;
    if (mode == TRUE_WATERMARK && true_watermark(i + 1) > wm && i + 1 < nevents)
      wm = true_watermark(i + 1);
    else if (mode == LATEST_SEEN)
      wm = latest;
    if (mode != NO_WATERMARK && wm != INT64_MIN)
      ck_assert_int_eq(host_advance(&st, wm), TF_OK);
  }
  ck_assert_int_eq(host_flush(&st), TF_OK);
  host_stop(&st);
}

static int by_text(const void *pa, const void *pb)
{
  return strcmp(*(char *const *)pa, *(char *const *)pb);
}

/* The outputs as one sorted block of text lines, for comparison. */
static char *output_set(void)
{
  size_t n = host_output_count(), i, len = 0;
  char **lines = calloc(n ? n : 1, sizeof(*lines));
  char *all;

  ck_assert_ptr_nonnull(lines);
  for (i = 0; i < n; i++) {
    lines[i] = json_dumps(host_output_json(i), JSON_SORT_KEYS | JSON_COMPACT);
    len += strlen(lines[i]) + 1;
  }
  qsort(lines, n, sizeof(*lines), by_text);
  all = calloc(len + 1, 1);
  ck_assert_ptr_nonnull(all);
  for (i = 0, len = 0; i < n; i++) {
    len += (size_t)sprintf(all + len, "%s\n", lines[i]);
    free(lines[i]);
  }
  free(lines);
  return all;
}

static size_t count_lines_with(const char *all, const char *needle)
{
  size_t n = 0;
  const char *p;

  for (p = all; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

/* Runs config on the events in their current order; the touchpoints as
 * sorted text, after checking nothing was dead-lettered. */
static char *touchpoints_of(const char *config, watermarks mode)
{
  char *set;

  host_free();
  host_reset();
  run_plugin(config, mode);
  ck_assert_uint_eq(host_reject_count(), 0);
  set = output_set();
  ck_assert_uint_gt(host_output_count(), 3000);
  return set;
}

static void assert_same(char *want, char *got, const char *what)
{
  ck_assert_msg(strcmp(want, got) == 0, "%s gave other touchpoints", what);
  free(got);
}

/* Whatever the arrival order, with or without watermarks and with the
 * waiting events spilled to disk, the touchpoints are those of the
 * time-sorted input. */
START_TEST(any_arrival_order_gives_the_sorted_touchpoints)
{
  char *sorted;

  arrange(0);
  sorted = touchpoints_of("{}", NO_WATERMARK);
  ck_assert_uint_gt(count_lines_with(sorted, "\"type\":\"Web Visit\""), 500);
  ck_assert_uint_gt(count_lines_with(sorted, "\"type\":\"Web Form\""), 100);
  ck_assert_uint_gt(count_lines_with(sorted, "\"type\":\"Web Chat\""), 50);
  ck_assert_uint_gt(count_lines_with(sorted, "\"type\":\"Call\""), 50);
  ck_assert_uint_gt(count_lines_with(sorted, "\"type\":\"CRM Activity\""), 50);
  ck_assert_uint_gt(count_lines_with(sorted, "\"type\":\"CRM Campaign\""), 50);
  ck_assert_uint_gt(count_lines_with(sorted, "\"post_conversion\":true"), 0);
  ck_assert_int_gt(host_metric("chats_joined_by_email"), 0);
  ck_assert_int_gt(host_metric("calls_without_session"), 0);
  ck_assert_int_eq(host_metric("spilled_records"), 0);
  assert_same(sorted, touchpoints_of("{}", TRUE_WATERMARK),
              "sorted, watermarks");
  arrange(JITTER_MS);
  assert_same(sorted, touchpoints_of("{}", TRUE_WATERMARK), "jittered");
  arrange(SPAN_MS * 4);
  assert_same(sorted, touchpoints_of("{}", NO_WATERMARK), "shuffled");
  assert_same(sorted, touchpoints_of("{}", TRUE_WATERMARK),
              "shuffled, watermarks");
  assert_same(sorted,
              touchpoints_of("{\"memory_budget\": \"64K\"}", NO_WATERMARK),
              "shuffled, spilled");
  ck_assert_int_gt(host_metric("spilled_records"), NEVENTS / 2);
  arrange(JITTER_MS);
  assert_same(sorted,
              touchpoints_of("{\"memory_budget\": \"64K\", "
                             "\"allowed_lateness\": \"3h\"}",
                             TRUE_WATERMARK),
              "jittered, spilled, lateness");
  free(sorted);
}
END_TEST

/* Memory is bounded by open sessions and waiting events, not by the input:
 * given the true watermark, the engine never holds more than a fraction of
 * the stream. */
START_TEST(engine_holds_a_bounded_number_of_events)
{
  sm_settings set = {.timeout = 30 * MINUTE,
                     .memory_budget = 1 << 30,
                     .chat_enabled = 1,
                     .emit_web_visits = 1};
  sm_merge *m = sm_merge_new(&set);
  size_t i, peak = 0;
  sm_verdict verdict;
  sm_problem why;

  ck_assert_ptr_nonnull(m);
  arrange(JITTER_MS);
  for (i = 0; i < nevents; i++) {
    ck_assert_int_eq(sm_merge_add(m, events[i].rec, &verdict, &why), TF_OK);
    ck_assert_int_ne(verdict, SM_REJECTED);
    if (i % BATCH == BATCH - 1) {
      ck_assert_int_eq(sm_merge_advance(m, true_watermark(i + 1)), TF_OK);
      ck_assert_int_eq(
          sm_merge_drain(m, (sm_emit_fn)host_table()->emit, host_ctx()), TF_OK);
    }
    if (sm_merge_held(m) > peak)
      peak = sm_merge_held(m);
  }
  ck_assert_uint_lt(peak, NEVENTS / 8);
  ck_assert_int_eq(sm_merge_finish(m), TF_OK);
  ck_assert_uint_eq(sm_merge_held(m), 0);
  ck_assert_int_eq(
      sm_merge_drain(m, (sm_emit_fn)host_table()->emit, host_ctx()), TF_OK);
  sm_merge_free(m);
}
END_TEST

/* The end of input resolved in parts of at most 100 touchpoints gives the
 * touchpoints of resolving it at once, and each part stays bounded. */
START_TEST(finish_in_parts_gives_the_same_touchpoints)
{
  sm_settings set = {.timeout = 30 * MINUTE,
                     .memory_budget = 64 * 1024,
                     .chat_enabled = 1,
                     .emit_web_visits = 1};
  sm_merge *m;
  sm_verdict verdict;
  sm_problem why;
  char *at_once, *in_parts;
  size_t i, calls = 0, before;
  int done = 0;

  arrange(SPAN_MS * 4);
  at_once = touchpoints_of("{\"memory_budget\": \"64K\"}", NO_WATERMARK);
  host_free();
  host_reset();
  m = sm_merge_new(&set);
  ck_assert_ptr_nonnull(m);
  for (i = 0; i < nevents; i++) {
    ck_assert_int_eq(sm_merge_add(m, events[i].rec, &verdict, &why), TF_OK);
    if (verdict == SM_DONE)
      ck_assert_int_eq(
          sm_merge_drain(m, (sm_emit_fn)host_table()->emit, host_ctx()), TF_OK);
    else if (verdict == SM_PASS)
      ck_assert_int_eq(
          host_table()->emit(host_ctx(), tf_record_ref(events[i].rec)), TF_OK);
  }
  while (!done) {
    before = host_output_count();
    ck_assert_int_eq(sm_merge_finish_some(m, 100, &done), TF_OK);
    ck_assert_int_eq(
        sm_merge_drain(m, (sm_emit_fn)host_table()->emit, host_ctx()), TF_OK);
    if (!done)
      ck_assert_uint_le(host_output_count() - before, 100 + 8);
    calls++;
  }
  ck_assert_uint_gt(calls, 20);
  in_parts = output_set();
  ck_assert_msg(strcmp(at_once, in_parts) == 0,
                "resolving in parts gave other touchpoints");
  free(at_once);
  free(in_parts);
  sm_merge_free(m);
}
END_TEST

/* The source_record_id of every emitted touchpoint and every
 * dead-lettered record, sorted (borrowed strings). */
static const char **accounted_ids(size_t *n)
{
  size_t outs = host_output_count(), rejects = host_reject_count(), i;
  const char **ids = calloc(outs + rejects + 1, sizeof(*ids));

  ck_assert_ptr_nonnull(ids);
  for (i = 0; i < outs; i++)
    ids[i] = json_string_value(
        json_object_get(host_output_json(i), "source_record_id"));
  for (i = 0; i < rejects; i++)
    ids[outs + i] =
        tf_record_get_string(host_reject_record(i), "source_record_id");
  *n = outs + rejects;
  qsort(ids, *n, sizeof(*ids), by_text);
  return ids;
}

/* An input that breaks its watermark promise (shuffled, yet the watermark
 * is the latest time seen): late records are dead-lettered, never
 * dropped; every form fill, call, chat and CRM event comes out one way or
 * the other. */
START_TEST(broken_watermark_promise_is_dead_lettered_not_dropped)
{
  size_t i, n, checked = 0;
  const char **ids;

  arrange(SPAN_MS);
  run_plugin("{\"allowed_lateness\": \"10m\"}", LATEST_SEEN);
  ids = accounted_ids(&n);
  ck_assert_uint_gt(host_reject_count(), 100);
  ck_assert_int_eq(host_metric("late"), (int64_t)host_reject_count());
  for (i = 0; i < nevents; i++) {
    const char *kind = tf_record_get_string(events[i].rec, "event");
    const char *hit_type = tf_record_get_string(events[i].rec, "hit_type");
    const char *srid;

    if (strcmp(kind, "person") == 0 ||
        (hit_type && strcmp(hit_type, "page_view") == 0))
      continue;
    srid = tf_record_get_string(events[i].rec, "source_record_id");
    ck_assert_msg(bsearch(&srid, ids, n, sizeof(*ids), by_text) != NULL,
                  "%s vanished", srid);
    checked++;
  }
  ck_assert_uint_gt(checked, 1000);
  free(ids);
}
END_TEST

/* Everything emitted so far, in order, each record's text on a line:
 * what a file sink would write. */
static char *output_text(void)
{
  size_t n = host_output_count(), i, len = 0, cap = 4096;
  char *all = malloc(cap);

  ck_assert_ptr_nonnull(all);
  for (i = 0; i < n; i++) {
    size_t tl = 0;
    const char *t = tf_record_bytes(tf_batch_get(host_output(), i), &tl);
    char *dumped = NULL;

    if (!t) {
      dumped = json_dumps(host_output_json(i), JSON_COMPACT);
      ck_assert_ptr_nonnull(dumped);
      t = dumped;
      tl = strlen(dumped);
    }
    while (len + tl + 2 > cap) {
      cap *= 2;
      all = realloc(all, cap);
      ck_assert_ptr_nonnull(all);
    }
    memcpy(all + len, t, tl);
    len += tl;
    all[len++] = '\n';
    free(dumped);
  }
  all[len] = '\0';
  return all;
}

/* The metrics compared between a run and its checkpointed twin. */
static const char *const compared_metrics[] = {
    "sessions",        "web_visits",
    "web_forms",       "web_chats",
    "calls_merged",    "calls_without_session",
    "crm_activities",  "chats_joined_by_email",
    "spilled_records", NULL};

typedef struct snap_stats {
  size_t snapshots;
  size_t spooled_in_runs; /* records of spill runs seen in snapshots */
  size_t open_sessions;   /* open sessions seen in snapshots */
} snap_stats;

/* Takes st's snapshot, passes it through text as the host's checkpoint
 * file does, stops st and starts a fresh instance restored from it. */
static void checkpoint_and_resume(host_stage *st, const char *config,
                                  snap_stats *stats)
{
  json_t *snap = NULL, *back, *runs, *run, *v;
  char *text;
  size_t i, k;

  ck_assert_int_eq(st->plugin->snapshot(st->state, &snap), TF_OK);
  ck_assert_ptr_nonnull(snap);
  text = json_dumps(snap, JSON_COMPACT);
  ck_assert_ptr_nonnull(text);
  json_decref(snap);
  back = json_loads(text, 0, NULL);
  free(text);
  ck_assert_ptr_nonnull(back);
  runs = json_object_get(json_object_get(back, "spool"), "runs");
  json_array_foreach (runs, k, run)
    stats->spooled_in_runs += json_array_size(run);
  json_array_foreach (json_object_get(back, "visitors"), i, v)
    if (json_object_get(v, "session"))
      stats->open_sessions++;
  stats->snapshots++;
  host_stop(st);
  ck_assert_int_eq(host_start(st, config), TF_OK);
  ck_assert_int_eq(st->plugin->restore(st->state, back), TF_OK);
  json_decref(back);
}

/* run_plugin, but after every `every`-th batch (and its watermark) the
 * instance is checkpointed, freed and replaced by a restored one. */
static void run_checkpointed(const char *config, watermarks mode, size_t every,
                             snap_stats *stats)
{
  tf_record *batch[BATCH];
  host_stage st;
  size_t i, n = 0, batches = 0;
  int64_t wm = INT64_MIN;

  ck_assert_int_eq(host_start(&st, config), TF_OK);
  for (i = 0; i < nevents; i++) {
    batch[n++] = tf_record_ref(events[i].rec);
    if (n < BATCH && i + 1 < nevents)
      continue;
    ck_assert_int_eq(host_process(&st, batch, n), TF_OK);
    n = 0;
    if (mode == TRUE_WATERMARK && true_watermark(i + 1) > wm && i + 1 < nevents)
      wm = true_watermark(i + 1);
    if (mode == TRUE_WATERMARK && wm != INT64_MIN)
      ck_assert_int_eq(host_advance(&st, wm), TF_OK);
    if (++batches % every == 0)
      checkpoint_and_resume(&st, config, stats);
  }
  ck_assert_int_eq(host_flush(&st), TF_OK);
  host_stop(&st);
}

/* One uninterrupted run and checkpointed runs (after every batch, and
 * every 7th) of the events in their current order emit the same records,
 * byte for byte and in the same order, with the same counters. */
static void expect_resumes_exactly(const char *config, watermarks mode,
                                   snap_stats *stats)
{
  static const size_t everies[] = {1, 7};
  int64_t metrics[16];
  char *whole, *resumed;
  size_t e, i;

  host_free();
  host_reset();
  run_plugin(config, mode);
  ck_assert_uint_eq(host_reject_count(), 0);
  ck_assert_uint_gt(host_output_count(), 3000);
  whole = output_text();
  for (i = 0; compared_metrics[i]; i++)
    metrics[i] = host_metric(compared_metrics[i]);
  for (e = 0; e < sizeof(everies) / sizeof(everies[0]); e++) {
    host_free();
    host_reset();
    run_checkpointed(config, mode, everies[e], stats);
    ck_assert_uint_eq(host_reject_count(), 0);
    resumed = output_text();
    ck_assert_msg(strcmp(whole, resumed) == 0,
                  "checkpointed every %zu batches: other output (%zu bytes "
                  "against %zu)",
                  everies[e], strlen(resumed), strlen(whole));
    free(resumed);
    for (i = 0; compared_metrics[i]; i++)
      ck_assert_msg(host_metric(compared_metrics[i]) == metrics[i],
                    "%s: %lld resumed, %lld whole", compared_metrics[i],
                    (long long)host_metric(compared_metrics[i]),
                    (long long)metrics[i]);
  }
  free(whole);
}

/* Shuffled input that spills (64K budget) and waits for the end of input:
 * the spilled runs, whose files die with the instance, come back from the
 * snapshot. */
START_TEST(checkpointed_run_with_spilled_events_emits_the_same)
{
  snap_stats stats = {0, 0, 0};

  arrange(SPAN_MS * 4);
  expect_resumes_exactly("{\"memory_budget\": \"64K\"}", NO_WATERMARK, &stats);
  ck_assert_uint_gt(host_metric("spilled_records"), 1000);
  ck_assert_uint_gt(stats.spooled_in_runs, 1000);
}
END_TEST

/* Input out of order by up to two hours, with the true watermark: open
 * sessions and events waiting in memory cross every snapshot. */
START_TEST(checkpointed_run_with_open_sessions_emits_the_same)
{
  snap_stats stats = {0, 0, 0};

  arrange(JITTER_MS);
  expect_resumes_exactly("{}", TRUE_WATERMARK, &stats);
  ck_assert_uint_gt(stats.open_sessions, 100);
  arrange(0);
  expect_resumes_exactly("{\"memory_budget\": \"64K\", "
                         "\"allowed_lateness\": \"10m\"}",
                         TRUE_WATERMARK, &stats);
}
END_TEST

static Suite *shuffle_suite(void)
{
  Suite *s = suite_create("session_merge shuffle");
  TCase *tc = tcase_create("shuffle");

  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, any_arrival_order_gives_the_sorted_touchpoints);
  tcase_add_test(tc, engine_holds_a_bounded_number_of_events);
  tcase_add_test(tc, finish_in_parts_gives_the_same_touchpoints);
  tcase_add_test(tc, broken_watermark_promise_is_dead_lettered_not_dropped);
  tcase_add_test(tc, checkpointed_run_with_spilled_events_emits_the_same);
  tcase_add_test(tc, checkpointed_run_with_open_sessions_emits_the_same);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(shuffle_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
