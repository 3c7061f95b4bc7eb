/*
 * test_queue.c - the bounded batch queue: FIFO order, room, sharing.
 */
#include <check.h>
#include <stdlib.h>

#include <touchflow/error.h>
#include <touchflow/record_json.h>

#include "queue.h"

static tf__shared_batch *batch_of(int n)
{
  tf_batch *b = tf_batch_new();
  int i;

  for (i = 0; i < n; i++)
    tf_batch_push(b, tf_record_new(json_pack("{s:i}", "n", i)));
  return tf__shared_batch_new(b);
}

START_TEST(keeps_fifo_order_across_growth)
{
  tf__queue q;
  tf__shared_batch *sb;
  int i;

  ck_assert_int_eq(tf__queue_init(&q, 2), TF_OK);
  for (i = 1; i <= 9; i++) {
    sb = batch_of(i);
    ck_assert_int_eq(tf__queue_push(&q, sb), TF_OK);
    tf__shared_batch_unref(sb);
  }
  for (i = 1; i <= 9; i++) {
    sb = tf__queue_pop(&q);
    ck_assert_uint_eq(tf_batch_count(sb->batch), (size_t)i);
    tf__shared_batch_unref(sb);
  }
  ck_assert_ptr_null(tf__queue_pop(&q));
  tf__queue_cleanup(&q);
}
END_TEST

START_TEST(has_room_until_its_limit)
{
  tf__queue q;
  tf__shared_batch *sb = batch_of(1);

  ck_assert_int_eq(tf__queue_init(&q, 2), TF_OK);
  ck_assert(tf__queue_has_room(&q));
  tf__queue_push(&q, sb);
  ck_assert(tf__queue_has_room(&q));
  tf__queue_push(&q, sb);
  ck_assert(!tf__queue_has_room(&q));
  tf__shared_batch_unref(sb);
  tf__queue_cleanup(&q);
}
END_TEST

START_TEST(a_shared_batch_lives_until_its_last_queue_lets_go)
{
  tf__queue a, b;
  tf__shared_batch *sb = batch_of(3), *got;

  tf__queue_init(&a, 4);
  tf__queue_init(&b, 4);
  tf__queue_push(&a, sb);
  tf__queue_push(&b, sb);
  tf__shared_batch_unref(sb);
  got = tf__queue_pop(&a);
  ck_assert_ptr_eq(got, sb);
  ck_assert_uint_eq(got->refs, 2);
  tf__shared_batch_unref(got);
  tf__queue_cleanup(&b); /* frees the batch: valgrind checks no leak */
  tf__queue_cleanup(&a);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("queue");
  TCase *tc = tcase_create("queue");
  SRunner *sr;
  int failed;

  tcase_add_test(tc, keeps_fifo_order_across_growth);
  tcase_add_test(tc, has_room_until_its_limit);
  tcase_add_test(tc, a_shared_batch_lives_until_its_last_queue_lets_go);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
