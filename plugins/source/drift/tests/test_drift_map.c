/*
 * test_drift_map.c - the id -> pointer hash map behind the per-conversation
 * state: put, replace, get, remove (with the probe runs closed up again)
 * and walking every entry.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <touchflow/error.h>
#include "../drift_map.h"

/* Values are the addresses of the cells of this array. */
static int cells[4096];

START_TEST(test_put_and_get)
{
  drift_map map = DRIFT_MAP_INIT;
  int64_t k;

  ck_assert_ptr_null(drift_map_get(&map, 1));
  for (k = 0; k < 4096; k++)
    ck_assert_int_eq(drift_map_put(&map, k * 7919, &cells[k]), TF_OK);
  ck_assert_uint_eq(map.count, 4096);
  for (k = 0; k < 4096; k++)
    ck_assert_ptr_eq(drift_map_get(&map, k * 7919), &cells[k]);
  ck_assert_ptr_null(drift_map_get(&map, 1));
  drift_map_free(&map, NULL);
}
END_TEST

START_TEST(test_put_replaces)
{
  drift_map map = DRIFT_MAP_INIT;

  ck_assert_int_eq(drift_map_put(&map, INT64_MAX, &cells[0]), TF_OK);
  ck_assert_int_eq(drift_map_put(&map, INT64_MAX, &cells[1]), TF_OK);
  ck_assert_uint_eq(map.count, 1);
  ck_assert_ptr_eq(drift_map_get(&map, INT64_MAX), &cells[1]);
  ck_assert_int_eq(drift_map_put(&map, 3, NULL), TF_ERR_INVAL);
  drift_map_free(&map, NULL);
}
END_TEST

START_TEST(test_remove_keeps_the_others_findable)
{
  drift_map map = DRIFT_MAP_INIT;
  int64_t k;

  for (k = 0; k < 3000; k++)
    ck_assert_int_eq(drift_map_put(&map, k, &cells[k]), TF_OK);
  for (k = 0; k < 3000; k += 3)
    ck_assert_ptr_eq(drift_map_remove(&map, k), &cells[k]);
  ck_assert_ptr_null(drift_map_remove(&map, 0));
  ck_assert_uint_eq(map.count, 2000);
  for (k = 0; k < 3000; k++)
    ck_assert_ptr_eq(drift_map_get(&map, k), k % 3 ? &cells[k] : NULL);
  drift_map_free(&map, NULL);
}
END_TEST

START_TEST(test_walk_visits_every_entry_once)
{
  drift_map map = DRIFT_MAP_INIT;
  size_t iter = 0, seen = 0;
  int64_t k, key, sum = 0;
  int *value;

  for (k = 1; k <= 100; k++)
    ck_assert_int_eq(drift_map_put(&map, k, &cells[k]), TF_OK);
  while ((value = drift_map_next(&map, &iter, &key)) != NULL) {
    ck_assert_ptr_eq(value, &cells[key]);
    sum += key;
    seen++;
  }
  ck_assert_uint_eq(seen, 100);
  ck_assert_int_eq(sum, 5050);
  drift_map_free(&map, NULL);
  ck_assert_uint_eq(map.count, 0);
}
END_TEST

static void free_value(void *value)
{
  free(value);
}

START_TEST(test_free_hands_back_every_value)
{
  drift_map map = DRIFT_MAP_INIT;
  int64_t k;

  for (k = 0; k < 50; k++)
    ck_assert_int_eq(drift_map_put(&map, -k, malloc(8)), TF_OK);
  drift_map_free(&map, free_value);
  ck_assert_ptr_null(drift_map_get(&map, 0));
}
END_TEST

static Suite *map_suite(void)
{
  Suite *s = suite_create("drift_map");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_put_and_get);
  tcase_add_test(tc, test_put_replaces);
  tcase_add_test(tc, test_remove_keeps_the_others_findable);
  tcase_add_test(tc, test_walk_visits_every_entry_once);
  tcase_add_test(tc, test_free_hands_back_every_value);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(map_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
