/*
 * test_suggest.c - "did you mean" (sdk/lib/suggest.c): hits, misses, the
 * distance limit, case and swapped letters.
 */
#include <check.h>
#include <stdlib.h>
#include "suggest.h"

static const char *const words[] = {"path", "format", "compression",
                                    "batch_size", "session_timeout"};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

START_TEST(test_one_letter_missing)
{
  ck_assert_str_eq(tf__suggest("pth", words, N_WORDS), "path");
}
END_TEST

START_TEST(test_swapped_letters)
{
  ck_assert_str_eq(tf__suggest("fromat", words, N_WORDS), "format");
}
END_TEST

START_TEST(test_case_insensitive)
{
  ck_assert_str_eq(tf__suggest("PATH", words, N_WORDS), "path");
  ck_assert_str_eq(tf__suggest("Batch_Sise", words, N_WORDS), "batch_size");
}
END_TEST

START_TEST(test_longer_word_allows_more_edits)
{
  ck_assert_str_eq(tf__suggest("sesion_timeot", words, N_WORDS),
                   "session_timeout");
  ck_assert_str_eq(tf__suggest("compresion", words, N_WORDS), "compression");
}
END_TEST

START_TEST(test_too_far_is_no_suggestion)
{
  ck_assert_ptr_null(tf__suggest("xyz", words, N_WORDS));
  ck_assert_ptr_null(tf__suggest("pzzh", words, N_WORDS));
  ck_assert_ptr_null(tf__suggest("endpoint", words, N_WORDS));
}
END_TEST

START_TEST(test_closest_wins)
{
  static const char *const c[] = {"cat", "cart", "card"};

  ck_assert_str_eq(tf__suggest("carts", c, 3), "cart");
  ck_assert_str_eq(tf__suggest("cat", c, 3), "cat");
}
END_TEST

START_TEST(test_empty_and_null_inputs)
{
  static const char *const c[] = {NULL, "a", "path"};

  ck_assert_ptr_null(tf__suggest("", words, N_WORDS));
  ck_assert_ptr_null(tf__suggest(NULL, words, N_WORDS));
  ck_assert_ptr_null(tf__suggest("path", NULL, 0));
  ck_assert_ptr_null(tf__suggest("path", words, 0));
  ck_assert_str_eq(tf__suggest("pat", c, 3), "path");
}
END_TEST

static Suite *suggest_suite(void)
{
  Suite *s = suite_create("suggest");
  TCase *tc = tcase_create("suggest");

  tcase_add_test(tc, test_one_letter_missing);
  tcase_add_test(tc, test_swapped_letters);
  tcase_add_test(tc, test_case_insensitive);
  tcase_add_test(tc, test_longer_word_allows_more_edits);
  tcase_add_test(tc, test_too_far_is_no_suggestion);
  tcase_add_test(tc, test_closest_wins);
  tcase_add_test(tc, test_empty_and_null_inputs);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(suggest_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
