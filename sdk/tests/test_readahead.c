/*
 * test_readahead.c - the read-ahead queue (sdk/lib/readahead.c, internal,
 * compiled in): items and their bytes come out in the producer's order,
 * the same with and without the thread, across many chunks; the producer
 * runs on the other thread only when threaded; the queue stays bounded in
 * items and bytes; a PAUSE item stops the thread until more is asked for;
 * stop drops what was read ahead (no leak) and reading starts again from
 * the producer's state; an item larger than a chunk; exhaustion.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchflow/error.h>

#include "readahead.h"

/* An assertion for code run for every item: ck_assert records the place
 * of every assertion that holds (a message to Check's parent process each
 * time), which makes long runs slow; this only fails. */
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond))                                                               \
      ck_abort_msg(__VA_ARGS__);                                               \
  } while (0)

enum { RECORD, REJECT, ERROR };

/* The producer of the tests: items 1..total, numbered in `line`, each
 * {"n": i} padded to `size` bytes (string 0): RECORD, or every
 * `reject_every`th a REJECT with a message (string 1); `pause_at` gives an
 * ERROR + PAUSE. */
typedef struct counter {
  long next;  /* the next item's number, from 1 */
  long total; /* then EXHAUSTED */
  long pause_at;
  long reject_every;
  size_t size;
  size_t big_size; /* the size of items up to big_until */
  long big_until;
  atomic_long produced; /* calls that gave an item */
  atomic_int off_owner; /* calls made on another thread */
  atomic_int on_owner;  /* calls made on the owner's thread */
  pthread_t owner;
} counter;

static void counter_init(counter *c, long total)
{
  memset(c, 0, sizeof(*c));
  c->next = 1;
  c->total = total;
  c->size = 16;
  c->owner = pthread_self();
  atomic_init(&c->produced, 0);
  atomic_init(&c->off_owner, 0);
  atomic_init(&c->on_owner, 0);
}

/* Item i's text: {"n": i} padded with spaces to size bytes. */
static size_t item_text(char *text, size_t cap, long i, size_t size)
{
  int n = snprintf(text, cap, "{\"n\": %ld}", i);
  size_t len = size > (size_t)n ? size : (size_t)n;

  CHECK(len < cap, "item too large for the test");
  memset(text + n, ' ', len - (size_t)n);
  text[len] = '\0';
  return len;
}

static char big_text[1024 * 1024 + 64];

static int produce_counter(void *ud, tf__ra_item *item, tf__ra_buf *buf)
{
  counter *c = ud;
  size_t len;
  long i;

  if (pthread_equal(pthread_self(), c->owner))
    atomic_fetch_add(&c->on_owner, 1);
  else
    atomic_fetch_add(&c->off_owner, 1);
  if (c->next > c->total)
    return TF__RA_EXHAUSTED;
  i = c->next++;
  atomic_fetch_add(&c->produced, 1);
  item->line = i;
  if (i == c->pause_at) {
    item->kind = ERROR;
    item->rc = TF_ERR_IO;
    CHECK(tf__ra_put(buf, item, 1, "paused", 6) == TF_OK, "out of memory");
    return TF__RA_PAUSE;
  }
  item->kind = c->reject_every && i % c->reject_every == 0 ? REJECT : RECORD;
  len = item_text(big_text, sizeof(big_text), i,
                  i <= c->big_until ? c->big_size : c->size);
  CHECK(tf__ra_put(buf, item, 0, big_text, len) == TF_OK, "out of memory");
  if (item->kind == REJECT)
    CHECK(tf__ra_put(buf, item, 1, "bad", 3) == TF_OK, "out of memory");
  return TF__RA_MORE;
}

/* Takes the next item and checks it is number i of its kind. */
static void expect_item(tf__readahead *ra, const counter *c, long i)
{
  static char want[sizeof(big_text)];
  tf__ra_item item;
  size_t len;

  CHECK(tf__readahead_next(ra, &item) == 1, "no item %ld", i);
  CHECK(item.line == i, "item %ld where %ld was due", item.line, i);
  if (i == c->pause_at) {
    CHECK(item.kind == ERROR, "item %ld: not the error", i);
    CHECK(item.str[0] == NULL, "item %ld: a string 0", i);
    CHECK(item.str[1] && strcmp(item.str[1], "paused") == 0,
          "item %ld: not the message", i);
    return;
  }
  CHECK(item.kind ==
            (c->reject_every && i % c->reject_every == 0 ? REJECT : RECORD),
        "item %ld: kind %d", i, item.kind);
  len = item_text(want, sizeof(want), i,
                  i <= c->big_until ? c->big_size : c->size);
  CHECK(item.str[0] && item.len[0] == len &&
            memcmp(item.str[0], want, len + 1) == 0,
        "item %ld: other bytes", i);
  if (item.kind == REJECT)
    CHECK(item.str[1] && strcmp(item.str[1], "bad") == 0,
          "item %ld: not the message", i);
  else
    CHECK(item.str[1] == NULL, "item %ld: a string 1", i);
}

/* Waits until the producer has stood still for a while (blocked on a full
 * queue, or done). */
static long settle(counter *c)
{
  struct timespec pause = {0, 20 * 1000 * 1000};
  long seen = -1;

  for (int still = 0; still < 5;) {
    long now = atomic_load(&c->produced);

    still = now == seen ? still + 1 : 0;
    seen = now;
    nanosleep(&pause, NULL);
  }
  return seen;
}

START_TEST(test_items_in_order_across_chunks)
{
  for (int threaded = 0; threaded <= 1; threaded++) {
    counter c;
    tf__readahead *ra;

    counter_init(&c, 20000);
    c.reject_every = 7;
    ra = tf__readahead_new(produce_counter, &c, threaded);
    ck_assert_ptr_nonnull(ra);
    ck_assert_int_eq(tf__readahead_threaded(ra), threaded);
    for (long i = 1; i <= 20000; i++)
      expect_item(ra, &c, i);
    ck_assert_int_eq(tf__readahead_next(ra, &(tf__ra_item){0}), 0);
    ck_assert_int_eq(tf__readahead_next(ra, &(tf__ra_item){0}), 0);
    /* Threaded: the producer never ran on the owner's thread; inline: only
     * there. */
    if (threaded) {
      ck_assert_int_eq(atomic_load(&c.on_owner), 0);
      ck_assert_int_gt(atomic_load(&c.off_owner), 20000);
    } else {
      ck_assert_int_eq(atomic_load(&c.off_owner), 0);
    }
    tf__readahead_free(ra);
  }
}
END_TEST

START_TEST(test_read_ahead_is_bounded_in_items)
{
  counter c;
  tf__readahead *ra;
  long ahead;

  counter_init(&c, 1000000);
  ra = tf__readahead_new(produce_counter, &c, 1);
  expect_item(ra, &c, 1);
  ahead = settle(&c);
  /* 6 chunks of 256 items at most; and it did read ahead. */
  ck_assert_int_le(ahead, 6 * 256);
  ck_assert_int_gt(ahead, 256);
  for (long i = 2; i <= 5000; i++)
    expect_item(ra, &c, i);
  ahead = settle(&c) - 5000;
  ck_assert_int_le(ahead, 6 * 256);
  tf__readahead_free(ra);
}
END_TEST

START_TEST(test_read_ahead_is_bounded_in_bytes)
{
  counter c;
  tf__readahead *ra;
  long ahead;

  counter_init(&c, 1000000);
  c.size = 100 * 1024; /* a chunk is full after 3 items (256 KiB) */
  ra = tf__readahead_new(produce_counter, &c, 1);
  expect_item(ra, &c, 1);
  ahead = settle(&c);
  ck_assert_int_le(ahead, 6 * 3);
  ck_assert_int_ge(ahead, 3);
  tf__readahead_free(ra);
}
END_TEST

START_TEST(test_pause_stops_the_thread_until_asked)
{
  for (int threaded = 0; threaded <= 1; threaded++) {
    counter c;
    tf__readahead *ra;

    counter_init(&c, 3000);
    c.pause_at = 1000;
    ra = tf__readahead_new(produce_counter, &c, threaded);
    for (long i = 1; i <= 1000; i++)
      expect_item(ra, &c, i);
    /* Nothing past the pause was read. */
    ck_assert_int_eq(settle(&c), 1000);
    for (long i = 1001; i <= 3000; i++)
      expect_item(ra, &c, i);
    ck_assert_int_eq(tf__readahead_next(ra, &(tf__ra_item){0}), 0);
    tf__readahead_free(ra);
  }
}
END_TEST

START_TEST(test_stop_drops_read_ahead_and_restarts)
{
  for (int threaded = 0; threaded <= 1; threaded++) {
    counter c;
    tf__readahead *ra;

    counter_init(&c, 100000);
    ra = tf__readahead_new(produce_counter, &c, threaded);
    for (long i = 1; i <= 300; i++)
      expect_item(ra, &c, i);
    settle(&c);
    /* What was read ahead is dropped (ASan and valgrind see leaks); the
     * producer's state is ours again: go back to 50. */
    tf__readahead_stop(ra);
    c.next = 50;
    for (long i = 50; i <= 2000; i++)
      expect_item(ra, &c, i);
    tf__readahead_stop(ra);
    tf__readahead_stop(ra);
    c.next = 99990;
    for (long i = 99990; i <= 100000; i++)
      expect_item(ra, &c, i);
    ck_assert_int_eq(tf__readahead_next(ra, &(tf__ra_item){0}), 0);
    /* After exhaustion, a stop lets reading start again. */
    tf__readahead_stop(ra);
    c.next = 7;
    expect_item(ra, &c, 7);
    tf__readahead_free(ra);
  }
}
END_TEST

START_TEST(test_items_larger_than_a_chunk)
{
  for (int threaded = 0; threaded <= 1; threaded++) {
    counter c;
    tf__readahead *ra;

    counter_init(&c, 40);
    /* A buffer grown past 1 MiB is freed once used. */
    c.big_size = 1024 * 1024;
    c.big_until = 20;
    ra = tf__readahead_new(produce_counter, &c, threaded);
    for (long i = 1; i <= 40; i++)
      expect_item(ra, &c, i);
    ck_assert_int_eq(tf__readahead_next(ra, &(tf__ra_item){0}), 0);
    tf__readahead_free(ra);
  }
}
END_TEST

START_TEST(test_free_mid_stream_and_unused)
{
  counter c;
  tf__readahead *ra;

  counter_init(&c, 1000000);
  ra = tf__readahead_new(produce_counter, &c, 1);
  expect_item(ra, &c, 1);
  tf__readahead_free(ra); /* the thread is running or blocked */
  ra = tf__readahead_new(produce_counter, &c, 1);
  tf__readahead_free(ra); /* never started */
  tf__readahead_free(NULL);
  ck_assert_ptr_null(tf__readahead_new(NULL, NULL, 1));
}
END_TEST

static Suite *readahead_suite(void)
{
  Suite *s = suite_create("readahead");
  TCase *tc = tcase_create("queue");

  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_items_in_order_across_chunks);
  tcase_add_test(tc, test_read_ahead_is_bounded_in_items);
  tcase_add_test(tc, test_read_ahead_is_bounded_in_bytes);
  tcase_add_test(tc, test_pause_stops_the_thread_until_asked);
  tcase_add_test(tc, test_stop_drops_read_ahead_and_restarts);
  tcase_add_test(tc, test_items_larger_than_a_chunk);
  tcase_add_test(tc, test_free_mid_stream_and_unused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(readahead_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
