/*
 * test_sm_parts.c - the small containers of session_merge: the id hash,
 * the string table, the due queue, the spool, the outbox, a visitor's
 * waiting events and the form email index.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include "dueq.h"
#include "emails.h"
#include "hash.h"
#include "outbox.h"
#include "reason.h"
#include "sm_events.h"
#include "table.h"
#include "visitor.h"
#include "spool.h"

/* --- hash --------------------------------------------------------------- */

/* Reference values computed independently (FNV-1a 128, each part followed
 * by 0x1f). */
START_TEST(hash_matches_fnv1a_128_reference_values)
{
  const char *none[1] = {NULL};
  const char *a[] = {"a"};
  const char *tp[] = {"web", "h1", "Web Form", "1772367425000"};
  char hex[SM_HASH_HEX_LEN + 1];

  sm_hash_hex(none, 0, hex);
  ck_assert_str_eq(hex, "6c62272e07bb014262b821756295c58d");
  sm_hash_hex(a, 1, hex);
  ck_assert_str_eq(hex, "0880954530ab1be95aa0733055b72a59");
  sm_hash_hex(tp, 4, hex);
  ck_assert_str_eq(hex, "40d90d5f39378ff3c9e7385c468c3a48");
}
END_TEST

START_TEST(hash_separates_parts)
{
  const char *ab_c[] = {"ab", "c"};
  const char *a_bc[] = {"a", "bc"};
  char h1[SM_HASH_HEX_LEN + 1], h2[SM_HASH_HEX_LEN + 1];

  sm_hash_hex(ab_c, 2, h1);
  sm_hash_hex(a_bc, 2, h2);
  ck_assert_str_ne(h1, h2);
}
END_TEST

/* sm_hash_decimal writes what printf's PRId64 writes: both ends of the
 * range, every length of number, signs. */
START_TEST(hash_decimal_is_printf_decimal)
{
  static const int64_t values[] = {0,
                                   1,
                                   9,
                                   10,
                                   99,
                                   100,
                                   101,
                                   999,
                                   1000,
                                   1772367425000,
                                   -1,
                                   -10,
                                   -99,
                                   -100,
                                   -1772367425001,
                                   INT64_MAX,
                                   INT64_MIN,
                                   INT64_MIN + 1};
  char got[SM_DECIMAL_SIZE], want[SM_DECIMAL_SIZE];
  int64_t p;
  size_t i, len;

  for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    len = sm_hash_decimal(values[i], got);
    snprintf(want, sizeof(want), "%" PRId64, values[i]);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
  }
  for (p = 1; p > 0 && p <= INT64_MAX / 10; p *= 10) {
    sm_hash_decimal(p - 1, got);
    snprintf(want, sizeof(want), "%" PRId64, p - 1);
    ck_assert_str_eq(got, want);
  }
}
END_TEST

/* --- table -------------------------------------------------------------- */

START_TEST(table_puts_gets_removes_and_grows)
{
  sm_table *t = sm_table_new();
  char keys[1000][8];
  size_t i;

  ck_assert_ptr_nonnull(t);
  for (i = 0; i < 1000; i++) {
    snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
    ck_assert_int_eq(sm_table_put(t, keys[i], keys[i]), TF_OK);
  }
  ck_assert_uint_eq(sm_table_count(t), 1000);
  for (i = 0; i < 1000; i++)
    ck_assert_ptr_eq(sm_table_get(t, keys[i]), keys[i]);
  ck_assert_ptr_null(sm_table_get(t, "nope"));
  ck_assert_ptr_eq(sm_table_remove(t, "k500"), keys[500]);
  ck_assert_ptr_null(sm_table_get(t, "k500"));
  ck_assert_ptr_null(sm_table_remove(t, "k500"));
  ck_assert_uint_eq(sm_table_count(t), 999);
  while ((sm_table_any(t)) != NULL)
    sm_table_remove(t, sm_table_any(t));
  ck_assert_uint_eq(sm_table_count(t), 0);
  sm_table_free(t);
}
END_TEST

/* Entries added, found and removed with the hash computed once are the
 * entries of the plain calls; removed entries are reused by later puts
 * (past the spare list's size too). */
START_TEST(table_hashed_calls_match_the_plain_ones)
{
  sm_table *t = sm_table_new();
  char keys[600][8];
  size_t i, round;

  ck_assert_ptr_nonnull(t);
  for (round = 0; round < 3; round++) {
    for (i = 0; i < 600; i++) {
      snprintf(keys[i], sizeof(keys[i]), "v%zu", i);
      if (i % 2)
        ck_assert_int_eq(
            sm_table_put_hashed(t, keys[i], sm_table_hash(keys[i]), keys[i]),
            TF_OK);
      else
        ck_assert_int_eq(sm_table_put(t, keys[i], keys[i]), TF_OK);
    }
    ck_assert_uint_eq(sm_table_count(t), 600);
    for (i = 0; i < 600; i++) {
      ck_assert_ptr_eq(sm_table_get(t, keys[i]), keys[i]);
      ck_assert_ptr_eq(sm_table_get_hashed(t, keys[i], sm_table_hash(keys[i])),
                       keys[i]);
    }
    for (i = 0; i < 600; i++)
      ck_assert_ptr_eq(
          i % 3 ? sm_table_remove(t, keys[i])
                : sm_table_remove_hashed(t, keys[i], sm_table_hash(keys[i])),
          keys[i]);
    ck_assert_uint_eq(sm_table_count(t), 0);
    ck_assert_ptr_null(sm_table_get(t, "v1"));
  }
  sm_table_free(t);
}
END_TEST

/* A new visitor; fails the test on ENOMEM. */
static sm_visitor *new_visitor(const char *biz)
{
  sm_visitor *v = sm_visitor_new(biz);

  ck_assert_ptr_nonnull(v);
  return v;
}

/* --- due queue ---------------------------------------------------------- */

START_TEST(dueq_orders_by_time_rank_then_bizible_id)
{
  sm_dueq q = {0};
  sm_visitor *v[4];
  static const char *ids[] = {"d", "c", "b", "a"};
  static const int64_t ts[] = {30, 10, 10, 10};
  static const int rank[] = {0, 2, 0, 0};
  size_t i;

  for (i = 0; i < 4; i++) {
    v[i] = new_visitor(ids[i]);
    v[i]->due_ts = ts[i];
    v[i]->due_rank = rank[i];
    ck_assert_int_eq(sm_dueq_set(&q, v[i]), TF_OK);
  }
  ck_assert_ptr_eq(sm_dueq_top(&q), v[3]);
  sm_dueq_remove(&q, v[3]);
  ck_assert_ptr_eq(sm_dueq_top(&q), v[2]);
  v[0]->due_ts = 5;
  ck_assert_int_eq(sm_dueq_set(&q, v[0]), TF_OK);
  ck_assert_ptr_eq(sm_dueq_top(&q), v[0]);
  sm_dueq_remove(&q, v[0]);
  sm_dueq_remove(&q, v[0]);
  ck_assert_ptr_eq(sm_dueq_top(&q), v[2]);
  sm_dueq_remove(&q, v[2]);
  ck_assert_ptr_eq(sm_dueq_top(&q), v[1]);
  sm_dueq_remove(&q, v[1]);
  ck_assert_ptr_null(sm_dueq_top(&q));
  for (i = 0; i < 4; i++)
    sm_visitor_free(v[i]);
  sm_dueq_clear(&q);
}
END_TEST

START_TEST(dueq_pops_many_in_order)
{
  sm_dueq q = {0};
  sm_visitor *v[200];
  char id[8];
  int64_t last = -1;
  size_t i;

  for (i = 0; i < 200; i++) {
    snprintf(id, sizeof(id), "%zu", i);
    v[i] = new_visitor(id);
    v[i]->due_ts = (int64_t)((i * 7919) % 200);
    ck_assert_int_eq(sm_dueq_set(&q, v[i]), TF_OK);
  }
  for (i = 0; i < 200; i++) {
    sm_visitor *top = sm_dueq_top(&q);

    ck_assert_int_gt(top->due_ts, last);
    last = top->due_ts;
    sm_dueq_remove(&q, top);
  }
  for (i = 0; i < 200; i++)
    sm_visitor_free(v[i]);
  sm_dueq_clear(&q);
}
END_TEST

/* The visitor of v[0..n) a correct queue has on top: the least (due_ts,
 * due_rank, biz_uid) among the queued ones, or NULL. */
static sm_visitor *least_queued(sm_visitor **v, const int *queued, size_t n)
{
  sm_visitor *best = NULL;
  size_t i;

  for (i = 0; i < n; i++) {
    if (!queued[i])
      continue;
    if (!best || v[i]->due_ts < best->due_ts ||
        (v[i]->due_ts == best->due_ts &&
         (v[i]->due_rank < best->due_rank ||
          (v[i]->due_rank == best->due_rank &&
           strcmp(v[i]->biz_uid, best->biz_uid) < 0))))
      best = v[i];
  }
  return best;
}

/* The rings and the heap together, against a linear search: keys mostly
 * increasing (what the rings take) with ties, steps back and removals
 * (what goes to the heap or empties ring slots), session ends (rank -1)
 * and events mixed, and the queue emptied from the top at the end. */
START_TEST(dueq_rings_and_heap_agree_with_a_linear_search)
{
  enum { N = 300, STEPS = 20000 };
  sm_dueq q = {0};
  sm_visitor *v[N];
  int queued[N] = {0};
  uint64_t seed = 42;
  int64_t now = 0;
  size_t i, step, walked;
  char id[16];

  for (i = 0; i < N; i++) {
    snprintf(id, sizeof(id), "v%03zu", (i * 37) % N);
    v[i] = new_visitor(id);
  }
  for (step = 0; step < STEPS; step++) {
    unsigned r;

    seed = seed * 6364136223846793005u + 1442695040888963407u;
    r = (unsigned)(seed >> 33);
    i = r % N;
    if (r % 7 == 0) {
      sm_dueq_remove(&q, v[i]);
      queued[i] = 0;
    } else {
      now += (r >> 8) % 3;
      v[i]->due_rank = (int)((r >> 12) % 4) - 1;
      v[i]->due_ts = (r >> 16) % 5 == 0   ? now - (int64_t)((r >> 20) % 50)
                     : v[i]->due_rank < 0 ? now + 1000
                                          : now;
      ck_assert_int_eq(sm_dueq_set(&q, v[i]), TF_OK);
      queued[i] = 1;
    }
    ck_assert_ptr_eq(sm_dueq_top(&q), least_queued(v, queued, N));
  }
  for (i = 0, walked = 0; sm_dueq_walk(&q, &i) != NULL;)
    walked++;
  for (i = 0; i < N; i++)
    walked -= (size_t)queued[i];
  ck_assert_uint_eq(walked, 0);
  while (sm_dueq_top(&q)) {
    sm_visitor *top = sm_dueq_top(&q);

    ck_assert_ptr_eq(top, least_queued(v, queued, N));
    for (i = 0; v[i] != top; i++)
      ;
    queued[i] = 0;
    sm_dueq_remove(&q, top);
  }
  for (i = 0; i < N; i++)
    sm_visitor_free(v[i]);
  sm_dueq_clear(&q);
}
END_TEST

/* --- spool ------------------------------------------------------------- */

static tf_record *spool_taken[3000];
static size_t nspool_taken;

/* The event each taken record came with (a copy; kind -1: none). */
static sm_event spool_taken_ev[3000];

static int spool_collect(void *ud, tf_record *rec, const sm_event *ev)
{
  (void)ud;
  ck_assert_uint_lt(nspool_taken, 3000);
  if (ev)
    spool_taken_ev[nspool_taken] = *ev;
  else
    spool_taken_ev[nspool_taken].kind = (sm_kind)-1;
  spool_taken[nspool_taken++] = tf_record_ref(rec);
  return TF_OK;
}

static void spool_forget(void)
{
  while (nspool_taken > 0)
    tf_record_unref(spool_taken[--nspool_taken]);
}

/* A record {"n": n, "pad": "..."} read from "in.ndjson" line n. */
static tf_record *numbered(int n)
{
  char text[256];
  tf_origin origin = {"in.ndjson", n};
  tf_record *rec;

  snprintf(text, sizeof(text),
           "{\"n\": %d, \"pad\": \"%0100d\", \"s\": \"caf\u00e9 \\\"x\\\"\"}",
           n, n);
  rec = tf_record_parse(text, strlen(text), &origin, NULL, 0);
  ck_assert_ptr_nonnull(rec);
  return rec;
}

static int64_t taken_n(size_t i)
{
  return json_integer_value(tf_record_get(spool_taken[i], "n"));
}

/* Records come out before the limit only, in (time, arrival) order. */
START_TEST(spool_takes_in_time_then_arrival_order)
{
  sm_spool *sp = sm_spool_new(1 << 20, NULL);
  static const int64_t times[] = {50, 10, 30, 10, 70, 30};
  size_t i;

  ck_assert_ptr_nonnull(sp);
  for (i = 0; i < 6; i++) {
    tf_record *rec = numbered((int)i);

    ck_assert_int_eq(sm_spool_add(sp, times[i], rec, NULL), TF_OK);
    tf_record_unref(rec);
  }
  ck_assert_int_eq(sm_spool_take(sp, 30, spool_collect, NULL), TF_OK);
  ck_assert_uint_eq(nspool_taken, 2);
  ck_assert_int_eq(taken_n(0), 1);
  ck_assert_int_eq(taken_n(1), 3);
  ck_assert_uint_eq(sm_spool_count(sp), 4);
  ck_assert_int_eq(sm_spool_take(sp, INT64_MAX, spool_collect, NULL), TF_OK);
  ck_assert_uint_eq(nspool_taken, 6);
  ck_assert_int_eq(taken_n(2), 2);
  ck_assert_int_eq(taken_n(3), 5);
  ck_assert_int_eq(taken_n(4), 0);
  ck_assert_int_eq(taken_n(5), 4);
  ck_assert_uint_eq(sm_spool_count(sp), 0);
  ck_assert_uint_eq(sm_spool_runs_written(sp), 0);
  spool_forget();
  sm_spool_free(sp);
}
END_TEST

/* Many records in memory (past the insertion sort's size): batches in
 * time order from two inputs interleaved, as sorted sources give them, with
 * equal times; they come out in (time, arrival) order. */
START_TEST(spool_sorts_many_in_memory)
{
  sm_spool *sp = sm_spool_new(SIZE_MAX, NULL);
  static int64_t times[2000];
  size_t i;

  ck_assert_ptr_nonnull(sp);
  for (i = 0; i < 2000; i++) {
    tf_record *rec = numbered((int)i);
    size_t batch = i / 100, in_batch = i % 100;

    /* even batches: one input, every 3 ms; odd ones: the other, every 7 */
    times[i] = batch % 2 == 0 ? (int64_t)((batch / 2 * 100 + in_batch) * 3)
                              : (int64_t)((batch / 2 * 100 + in_batch) * 7);
    ck_assert_int_eq(sm_spool_add(sp, times[i], rec, NULL), TF_OK);
    tf_record_unref(rec);
  }
  ck_assert_int_eq(sm_spool_take(sp, 3000, spool_collect, NULL), TF_OK);
  ck_assert_int_eq(sm_spool_take(sp, INT64_MAX, spool_collect, NULL), TF_OK);
  ck_assert_uint_eq(nspool_taken, 2000);
  for (i = 1; i < 2000; i++) {
    int64_t a = taken_n(i - 1), b = taken_n(i);

    ck_assert(times[a] < times[b] || (times[a] == times[b] && a < b));
  }
  ck_assert(times[taken_n(0)] == 0 && times[taken_n(1999)] >= 3000);
  spool_forget();
  sm_spool_free(sp);
}
END_TEST

/* Past the budget records go to sorted runs (more runs than are kept open,
 * so they are merged too) and come back in order, equal and with their
 * origin. */
START_TEST(spool_spills_and_merges_back_in_order)
{
  sm_spool *sp = sm_spool_new(4096, NULL);
  uint64_t state = 88172645463325252u;
  size_t i;

  ck_assert_ptr_nonnull(sp);
  for (i = 0; i < 3000; i++) {
    tf_record *rec = numbered((int)i);

    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    ck_assert_int_eq(sm_spool_add(sp, (int64_t)(state % 100000), rec, NULL),
                     TF_OK);
    tf_record_unref(rec);
    ck_assert_uint_le(sm_spool_bytes(sp), 4096);
  }
  ck_assert_uint_gt(sm_spool_runs_written(sp), 40);
  ck_assert_uint_gt(sm_spool_records_spilled(sp), 2900);
  ck_assert_int_eq(sm_spool_take(sp, INT64_MAX, spool_collect, NULL), TF_OK);
  ck_assert_uint_eq(nspool_taken, 3000);
  for (i = 0; i < 3000; i++) {
    tf_record *want = numbered((int)taken_n(i));
    tf_origin origin = tf_record_origin(spool_taken[i]);

    ck_assert(json_equal(tf_record_json(want), tf_record_json(spool_taken[i])));
    ck_assert_str_eq(origin.file, "in.ndjson");
    ck_assert_int_eq(origin.line, taken_n(i));
    tf_record_unref(want);
  }
  spool_forget();
  sm_spool_free(sp);
}
END_TEST

/* The spilled records come back sorted by time (checked on the times the
 * records were given: n encodes the arrival, the time was random). */
START_TEST(spool_spilled_order_is_by_time)
{
  sm_spool *sp = sm_spool_new(2048, NULL);
  static int64_t times[1000];
  size_t i;

  ck_assert_ptr_nonnull(sp);
  for (i = 0; i < 1000; i++) {
    tf_record *rec = numbered((int)i);

    times[i] = (int64_t)((i * 7919) % 1000) / 3;
    ck_assert_int_eq(sm_spool_add(sp, times[i], rec, NULL), TF_OK);
    tf_record_unref(rec);
  }
  ck_assert_int_eq(sm_spool_take(sp, 200, spool_collect, NULL), TF_OK);
  for (i = 1; i < nspool_taken; i++) {
    int64_t a = times[taken_n(i - 1)], b = times[taken_n(i)];

    ck_assert(a < b || (a == b && taken_n(i - 1) < taken_n(i)));
    ck_assert_int_lt(b, 200);
  }
  ck_assert_uint_eq(nspool_taken, 600);
  ck_assert_uint_eq(sm_spool_count(sp), 400);
  spool_forget();
  sm_spool_free(sp); /* frees what is still held in runs */
}
END_TEST

/* An event given with its record comes back with it, its strings still
 * the record's, while the record stays in memory (and is counted); a
 * record that went through a run file comes back alone. */
START_TEST(spool_gives_back_kept_events_until_spilled)
{
  sm_spool *sp = sm_spool_new(1 << 20, NULL);
  static const char *const srids[] = {"s0", "s1", "s2"};
  static const int64_t times[] = {30, 10, 20};
  sm_event ev;
  size_t i, bytes = 0;

  ck_assert_ptr_nonnull(sp);
  for (i = 0; i < 3; i++) {
    tf_record *rec = numbered((int)i);

    memset(&ev, 0, sizeof(ev));
    ev.kind = SM_CALL;
    ev.ts = times[i];
    ev.rec = rec;
    ev.srid = srids[i];
    ck_assert_int_eq(sm_spool_add(sp, times[i], rec, i == 1 ? NULL : &ev),
                     TF_OK);
    ck_assert_uint_gt(sm_spool_bytes(sp), bytes);
    bytes = sm_spool_bytes(sp);
    tf_record_unref(rec);
  }
  ck_assert_int_eq(sm_spool_take(sp, INT64_MAX, spool_collect, NULL), TF_OK);
  ck_assert_uint_eq(nspool_taken, 3);
  for (i = 0; i < 3; i++) {
    int n = (int)taken_n(i);

    if (n == 1) {
      ck_assert_int_eq((int)spool_taken_ev[i].kind, -1);
      continue;
    }
    ck_assert_int_eq(spool_taken_ev[i].kind, SM_CALL);
    ck_assert_int_eq(spool_taken_ev[i].ts, times[n]);
    ck_assert_ptr_eq(spool_taken_ev[i].rec, spool_taken[i]);
    ck_assert_str_eq(spool_taken_ev[i].srid, srids[n]);
  }
  spool_forget();
  sm_spool_free(sp);

  sp = sm_spool_new(4096, NULL);
  ck_assert_ptr_nonnull(sp);
  for (i = 0; i < 50; i++) {
    tf_record *rec = numbered((int)i);

    memset(&ev, 0, sizeof(ev));
    ev.kind = SM_HIT;
    ev.ts = (int64_t)i;
    ev.rec = rec;
    ck_assert_int_eq(sm_spool_add(sp, (int64_t)i, rec, &ev), TF_OK);
    tf_record_unref(rec);
  }
  ck_assert_uint_gt(sm_spool_records_spilled(sp), 0);
  ck_assert_int_eq(sm_spool_take(sp, INT64_MAX, spool_collect, NULL), TF_OK);
  ck_assert_uint_eq(nspool_taken, 50);
  for (i = 0; i < sm_spool_records_spilled(sp); i++)
    ck_assert_int_eq((int)spool_taken_ev[i].kind, -1);
  for (; i < 50; i++)
    ck_assert_ptr_eq(spool_taken_ev[i].rec, spool_taken[i]);
  spool_forget();
  sm_spool_free(sp);
}
END_TEST

/* A spill folder that cannot be written is an I/O error that names it. */
START_TEST(spool_unwritable_folder_is_an_io_error)
{
  sm_spool *sp = sm_spool_new(100, "/nonexistent/spill");
  tf_record *rec = numbered(1);

  ck_assert_ptr_nonnull(sp);
  ck_assert_int_eq(sm_spool_add(sp, 1, rec, NULL), TF_ERR_IO);
  ck_assert_ptr_nonnull(strstr(sm_spool_error(sp), "/nonexistent/spill"));
  ck_assert_ptr_nonnull(strstr(sm_spool_error(sp), "spill_dir"));
  tf_record_unref(rec);
  sm_spool_free(sp);
}
END_TEST

/* --- outbox ------------------------------------------------------------- */

static tf_record *emitted[8];
static size_t nemitted;

static int collect(void *ud, tf_record *rec)
{
  emitted[nemitted++] = rec;
  return TF_OK;
}

static int refuse(void *ud, tf_record *rec)
{
  tf_record_unref(rec);
  return TF_ERR_NOMEM;
}

static tf_record *touchpoint(const char *id)
{
  tf_record *rec = tf_record_new(json_pack("{s:s}", "touchpoint_id", id));

  ck_assert_ptr_nonnull(rec);
  return rec;
}

START_TEST(outbox_emits_sorted_by_date_then_id)
{
  sm_outbox o = {0};
  size_t i;

  nemitted = 0;
  ck_assert_int_eq(sm_outbox_add(&o, touchpoint("tp_c"), 20, "tp_c"), TF_OK);
  ck_assert_int_eq(sm_outbox_add(&o, touchpoint("tp_b"), 10, "tp_b"), TF_OK);
  ck_assert_int_eq(sm_outbox_add(&o, touchpoint("tp_a"), 20, "tp_a"), TF_OK);
  ck_assert_int_eq(sm_outbox_drain(&o, collect, NULL), TF_OK);
  ck_assert_uint_eq(nemitted, 3);
  ck_assert_str_eq(tf_record_get_string(emitted[0], "touchpoint_id"), "tp_b");
  ck_assert_str_eq(tf_record_get_string(emitted[1], "touchpoint_id"), "tp_a");
  ck_assert_str_eq(tf_record_get_string(emitted[2], "touchpoint_id"), "tp_c");
  ck_assert_uint_eq(o.count, 0);
  for (i = 0; i < nemitted; i++)
    tf_record_unref(emitted[i]);
  ck_assert_int_eq(sm_outbox_drain(&o, collect, NULL), TF_OK);
  sm_outbox_clear(&o);
}
END_TEST

/* Checks that each touchpoint emitted comes after the one before it in
 * (ts, touchpoint_id) order, and counts them. */
typedef struct order_check {
  int64_t ts;
  char id[SM_TP_ID_SIZE];
  size_t count;
} order_check;

static int check_order(void *ud, tf_record *rec)
{
  order_check *c = ud;
  const char *id = tf_record_get_string(rec, "touchpoint_id");
  int64_t ts = (int64_t)json_integer_value(tf_record_get_path(rec, "ts"));

  ck_assert_ptr_nonnull(id);
  if (c->count > 0)
    ck_assert(ts > c->ts || (ts == c->ts && strcmp(id, c->id) > 0));
  c->ts = ts;
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->count++;
  tf_record_unref(rec);
  return TF_OK;
}

/* Past the insertion sort's size, out of order and in order, with many
 * touchpoints of the same date. */
START_TEST(outbox_sorts_many_touchpoints)
{
  sm_outbox o = {0};
  order_check c = {0};
  uint32_t x = 12345;
  char id[SM_TP_ID_SIZE];
  int64_t ts;
  size_t i;

  for (i = 0; i < 700; i++) {
    x = x * 1103515245u + 12345u;
    ts = (int64_t)(x >> 16) % 40;
    snprintf(id, sizeof(id), "tp_%08x", (unsigned)(x >> 3));
    ck_assert_int_eq(
        sm_outbox_add(&o,
                      tf_record_new(json_pack("{s:s, s:I}", "touchpoint_id", id,
                                              "ts", (json_int_t)ts)),
                      ts, id),
        TF_OK);
  }
  ck_assert_int_eq(sm_outbox_drain(&o, check_order, &c), TF_OK);
  ck_assert_uint_eq(c.count, 700);
  memset(&c, 0, sizeof(c));
  for (i = 0; i < 300; i++) {
    snprintf(id, sizeof(id), "tp_%04u", (unsigned)i);
    ck_assert_int_eq(
        sm_outbox_add(&o,
                      tf_record_new(json_pack("{s:s, s:I}", "touchpoint_id", id,
                                              "ts", (json_int_t)(i / 7))),
                      (int64_t)(i / 7), id),
        TF_OK);
  }
  ck_assert_int_eq(sm_outbox_drain(&o, check_order, &c), TF_OK);
  ck_assert_uint_eq(c.count, 300);
  sm_outbox_clear(&o);
}
END_TEST

START_TEST(outbox_stops_at_a_failing_emit_and_frees_the_rest)
{
  sm_outbox o = {0};

  ck_assert_int_eq(sm_outbox_add(&o, touchpoint("tp_a"), 1, "tp_a"), TF_OK);
  ck_assert_int_eq(sm_outbox_add(&o, touchpoint("tp_b"), 2, "tp_b"), TF_OK);
  ck_assert_int_eq(sm_outbox_drain(&o, refuse, NULL), TF_ERR_NOMEM);
  ck_assert_uint_eq(o.count, 0);
  ck_assert_int_eq(sm_outbox_add(&o, touchpoint("tp_c"), 3, "tp_c"), TF_OK);
  sm_outbox_clear(&o);
}
END_TEST

/* --- visitor ------------------------------------------------------------ */

static sm_event read_event(tf_record *rec)
{
  sm_event ev;
  sm_problem why;

  ck_assert_int_eq(sm_event_read(rec, &ev, &why), 0);
  return ev;
}

START_TEST(visitor_keeps_waiting_events_in_handling_order)
{
  sm_visitor *v = new_visitor(BIZ_A);
  tf_record *recs[5];
  sm_event ev;
  static const char *order[] = {"h1", "h2", "T1", "c1", "h9"};
  size_t i;

  recs[0] = ev_chat("c1", BIZ_A, "12:05:00", "a@example.com");
  recs[1] = ev_hit("h9", BIZ_A, "12:09:00", "https://acme.com/", NULL);
  recs[2] = ev_call("T1", BIZ_A, "12:05:00", "Call");
  recs[3] = ev_hit("h2", BIZ_A, "12:05:00", "https://acme.com/", NULL);
  recs[4] = ev_hit("h1", BIZ_A, "12:00:00", "https://acme.com/", NULL);
  for (i = 0; i < 5; i++) {
    ev = read_event(recs[i]);
    ck_assert_int_eq(sm_visitor_push(v, &ev), TF_OK);
    tf_record_unref(recs[i]);
  }
  ck_assert_uint_eq(sm_visitor_waiting(v), 5);
  for (i = 0; i < 5; i++) {
    ck_assert_str_eq(sm_visitor_next(v)->srid, order[i]);
    sm_visitor_pop(v, &ev);
    ck_assert_str_eq(ev.srid, order[i]);
    tf_record_unref(ev.rec);
  }
  ck_assert_ptr_null(sm_visitor_next(v));
  sm_visitor_free(v);
}
END_TEST

START_TEST(visitor_free_drops_waiting_events)
{
  sm_visitor *v = new_visitor(BIZ_A);
  tf_record *rec;
  sm_event ev;
  int i;

  for (i = 0; i < 20; i++) {
    rec = ev_hit("h", BIZ_A, "12:00:00", "https://acme.com/", NULL);
    ev = read_event(rec);
    ck_assert_int_eq(sm_visitor_push(v, &ev), TF_OK);
    tf_record_unref(rec);
    if (i % 3 == 0) {
      sm_visitor_pop(v, &ev);
      tf_record_unref(ev.rec);
    }
  }
  ck_assert_uint_eq(sm_visitor_waiting(v), 13);
  sm_visitor_free(v);
}
END_TEST

/* A visitor that holds nothing is reused for another BizibleId when it
 * fits its room, and then behaves as a new one. */
START_TEST(visitor_reuse_takes_a_new_bizible_id)
{
  sm_visitor *v = new_visitor(BIZ_A);
  char long_id[200];
  tf_record *rec;
  sm_event ev;

  rec = ev_hit("h1", BIZ_A, "12:00:00", "https://acme.com/", NULL);
  ev = read_event(rec);
  ck_assert_int_eq(sm_visitor_push(v, &ev), TF_OK);
  tf_record_unref(rec);
  sm_visitor_pop(v, &ev);
  tf_record_unref(ev.rec);
  memset(long_id, 'x', sizeof(long_id) - 1);
  long_id[sizeof(long_id) - 1] = '\0';
  ck_assert_int_eq(sm_visitor_reuse(v, long_id), 0);
  ck_assert_str_eq(v->biz_uid, BIZ_A);
  ck_assert_int_eq(sm_visitor_reuse(v, BIZ_B), 1);
  ck_assert_str_eq(v->biz_uid, BIZ_B);
  ck_assert_ptr_null(sm_visitor_next(v));
  ck_assert_ptr_null(v->session);
  ck_assert_uint_eq(v->heap_index, SIZE_MAX);
  ck_assert_int_eq(v->ring, -1);
  rec = ev_hit("h2", BIZ_B, "12:01:00", "https://acme.com/", NULL);
  ev = read_event(rec);
  ck_assert_int_eq(sm_visitor_push(v, &ev), TF_OK);
  tf_record_unref(rec);
  ck_assert_str_eq(sm_visitor_next(v)->srid, "h2");
  ck_assert_uint_eq(sm_visitor_waiting(v), 1);
  sm_visitor_free(v);
}
END_TEST

/* --- email index -------------------------------------------------------- */

/* A visitor with an open session from first to last that had a form fill
 * with email at form_ts. */
static sm_visitor *visitor_with_form(const char *biz, const char *first,
                                     const char *email, const char *form_at)
{
  sm_visitor *v = new_visitor(biz);
  tf_record *rec = ev_hit("h", biz, first, "https://acme.com/", NULL);
  sm_event hit = read_event(rec);
  sm_class cls = {"Direct", NULL, NULL, NULL};

  ck_assert_int_eq(sm_session_new(&hit, &cls, &v->session), TF_OK);
  tf_record_unref(rec);
  v->session->last_ts = ev_time(form_at);
  ck_assert_int_eq(sm_session_note_form(v->session, email, ev_time(form_at)),
                   TF_OK);
  return v;
}

START_TEST(emails_find_the_latest_form_in_an_open_session)
{
  sm_emails *e = sm_emails_new();
  sm_visitor *a = visitor_with_form(BIZ_A, "12:00:00", "x@y.z", "12:05:00");
  sm_visitor *b = visitor_with_form(BIZ_B, "12:00:00", "x@y.z", "12:07:00");
  sm_visitor *c = visitor_with_form(BIZ_C, "12:00:00", "x@y.z", "12:07:00");
  int64_t minutes30 = 30 * 60 * 1000;

  ck_assert_ptr_nonnull(e);
  ck_assert_int_eq(sm_emails_add(e, "x@y.z", a), TF_OK);
  ck_assert_int_eq(sm_emails_add(e, "x@y.z", a), TF_OK);
  ck_assert_int_eq(sm_emails_add(e, "x@y.z", b), TF_OK);
  ck_assert_ptr_eq(sm_emails_find(e, "x@y.z", ev_time("12:06:00"), minutes30),
                   a);
  ck_assert_ptr_eq(sm_emails_find(e, "x@y.z", ev_time("12:10:00"), minutes30),
                   b);
  ck_assert_int_eq(sm_emails_add(e, "x@y.z", c), TF_OK);
  /* b and c tie at 12:07: the smaller BizibleId (BIZ_B, "08c...") wins. */
  ck_assert_ptr_eq(sm_emails_find(e, "x@y.z", ev_time("12:10:00"), minutes30),
                   b);
  ck_assert_ptr_null(
      sm_emails_find(e, "x@y.z", ev_time("12:37:00"), minutes30));
  ck_assert_ptr_null(
      sm_emails_find(e, "w@y.z", ev_time("12:10:00"), minutes30));
  sm_emails_remove(e, "x@y.z", c);
  sm_emails_remove(e, "x@y.z", b);
  ck_assert_ptr_eq(sm_emails_find(e, "x@y.z", ev_time("12:10:00"), minutes30),
                   a);
  sm_emails_remove(e, "x@y.z", a);
  ck_assert_ptr_null(
      sm_emails_find(e, "x@y.z", ev_time("12:10:00"), minutes30));
  sm_emails_free(e);
  sm_visitor_free(a);
  sm_visitor_free(b);
  sm_visitor_free(c);
}
END_TEST

START_TEST(emails_free_releases_remaining_entries)
{
  sm_emails *e = sm_emails_new();
  sm_visitor *a = visitor_with_form(BIZ_A, "12:00:00", "x@y.z", "12:05:00");

  ck_assert_ptr_nonnull(e);
  ck_assert_int_eq(sm_emails_add(e, "x@y.z", a), TF_OK);
  ck_assert_int_eq(sm_emails_add(e, "q@y.z", a), TF_OK);
  sm_emails_free(e);
  sm_visitor_free(a);
}
END_TEST

/* reason.h: times are UTC HH:MM, with seconds when not zero, and with the
 * date when not the touchpoint's day (a session across midnight). */
START_TEST(reason_writes_times_with_seconds_and_dates_when_needed)
{
  /* 2026-03-01T23:50:00Z, and 30m05s later. */
  const int64_t at = 1772409000000LL, end = at + 1805000LL;
  sm_reason r = {.why = SM_WHY_CALL_MERGED,
                 .at = at,
                 .session_id = "ses_x",
                 .start = at - 600000,
                 .end = end};
  char buf[SM_REASON_SIZE];

  sm_reason_format(&r, buf, sizeof(buf));
  ck_assert_str_eq(buf, "call rule 2: merged into session ses_x [23:40, "
                        "2026-03-02 00:20:05)");
  r.why = SM_WHY_WEB_VISIT;
  r.at = r.start;
  sm_reason_format(&r, buf, sizeof(buf));
  ck_assert_str_eq(buf, "web session rule: session ses_x [23:40, 2026-03-02 "
                        "00:20:05) had no form fill, chat or call: one Web "
                        "Visit at its first hit");
}
END_TEST

/* reason.h: dates before 1970, years of fewer than four digits (zero
 * padded) and of more than four (written whole), as printf's %04d. */
START_TEST(reason_writes_dates_of_any_year)
{
  /* 1969-12-31T23:59:59Z; 9999-12-31T23:00Z; 0999-06-15T08:07Z. */
  sm_reason r = {.why = SM_WHY_CALL_MERGED,
                 .at = -1000LL,
                 .session_id = "ses_y",
                 .start = -61000LL,
                 .end = 0};
  char buf[SM_REASON_SIZE];

  sm_reason_format(&r, buf, sizeof(buf));
  ck_assert_str_eq(buf, "call rule 2: merged into session ses_y [23:58:59, "
                        "1970-01-01 00:00)");
  r.at = 253402297200000LL;
  r.start = r.at - 59000;
  r.end = r.at + 3600000 + 5000;
  sm_reason_format(&r, buf, sizeof(buf));
  ck_assert_str_eq(buf, "call rule 2: merged into session ses_y [22:59:01, "
                        "10000-01-01 00:00:05)");
  r.why = SM_WHY_FORM;
  r.start = -30627474780000LL;
  sm_reason_format(&r, buf, sizeof(buf));
  ck_assert_str_eq(buf, "web session rule: form fill at 23:00 in session "
                        "ses_y (from 0999-06-15 08:07): a conversion");
}
END_TEST

static Suite *parts_suite(void)
{
  Suite *s = suite_create("session_merge parts");
  TCase *tc = tcase_create("parts");

  tcase_add_test(tc, hash_matches_fnv1a_128_reference_values);
  tcase_add_test(tc, reason_writes_times_with_seconds_and_dates_when_needed);
  tcase_add_test(tc, reason_writes_dates_of_any_year);
  tcase_add_test(tc, hash_separates_parts);
  tcase_add_test(tc, hash_decimal_is_printf_decimal);
  tcase_add_test(tc, table_puts_gets_removes_and_grows);
  tcase_add_test(tc, table_hashed_calls_match_the_plain_ones);
  tcase_add_test(tc, dueq_orders_by_time_rank_then_bizible_id);
  tcase_add_test(tc, dueq_pops_many_in_order);
  tcase_add_test(tc, dueq_rings_and_heap_agree_with_a_linear_search);
  tcase_add_test(tc, spool_takes_in_time_then_arrival_order);
  tcase_add_test(tc, spool_sorts_many_in_memory);
  tcase_add_test(tc, spool_spills_and_merges_back_in_order);
  tcase_add_test(tc, spool_spilled_order_is_by_time);
  tcase_add_test(tc, spool_gives_back_kept_events_until_spilled);
  tcase_add_test(tc, spool_unwritable_folder_is_an_io_error);
  tcase_add_test(tc, outbox_emits_sorted_by_date_then_id);
  tcase_add_test(tc, outbox_stops_at_a_failing_emit_and_frees_the_rest);
  tcase_add_test(tc, outbox_sorts_many_touchpoints);
  tcase_add_test(tc, visitor_keeps_waiting_events_in_handling_order);
  tcase_add_test(tc, visitor_free_drops_waiting_events);
  tcase_add_test(tc, visitor_reuse_takes_a_new_bizible_id);
  tcase_add_test(tc, emails_find_the_latest_form_in_an_open_session);
  tcase_add_test(tc, emails_free_releases_remaining_entries);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(parts_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
