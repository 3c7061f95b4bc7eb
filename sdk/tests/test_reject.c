/*
 * test_reject.c - tf_rejectf formats the message and hands the record,
 * code and context to host->reject.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

static const tf_record *got_rec;
static tf_ctx *got_ctx;
static char got_code[64], got_message[1024];

static int collect(tf_ctx *ctx, const tf_record *rec, const char *code,
                   const char *message)
{
  got_ctx = ctx;
  got_rec = rec;
  snprintf(got_code, sizeof(got_code), "%s", code);
  snprintf(got_message, sizeof(got_message), "%s", message);
  return TF_ERR_IO;
}

static const tf_host host = {
    .size = sizeof(tf_host),
    .reject = collect,
};

START_TEST(test_formats_the_message_and_passes_everything_on)
{
  tf_record *rec = tf_record_new(json_pack("{s:i}", "a", 1));
  tf_ctx *ctx = (tf_ctx *)&host;

  ck_assert_int_eq(
      tf_rejectf(&host, ctx, rec, "bad_field", "field \"%s\" is %d", "a", 1),
      TF_ERR_IO);
  ck_assert_ptr_eq(got_rec, rec);
  ck_assert_ptr_eq(got_ctx, ctx);
  ck_assert_str_eq(got_code, "bad_field");
  ck_assert_str_eq(got_message, "field \"a\" is 1");
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_long_messages_are_cut_not_overflowed)
{
  char long_text[2000];

  memset(long_text, 'x', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  tf_rejectf(&host, NULL, NULL, "long", "%s", long_text);
  ck_assert_uint_eq(strlen(got_message), 511);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("reject");
  TCase *tc = tcase_create("reject");
  SRunner *sr;
  int failed;

  tcase_add_test(tc, test_formats_the_message_and_passes_everything_on);
  tcase_add_test(tc, test_long_messages_are_cut_not_overflowed);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
