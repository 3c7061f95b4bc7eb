/*
 * test_configcheck.c - the helpers of a plugin's check(): tf_problemf formats a
 * problem, tf_check_logged logs every problem as an error the way init()
 * reports it and turns "problems but TF_OK" into TF_ERR_CONFIG.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>

static char logged[4096];
static int errors;

static void collect_log(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
{
  size_t used = strlen(logged);
  va_list ap;

  (void)ctx;
  errors += level == TF_LOG_ERROR;
  va_start(ap, fmt);
  vsnprintf(logged + used, sizeof(logged) - used, fmt, ap);
  va_end(ap);
  used = strlen(logged);
  snprintf(logged + used, sizeof(logged) - used, "\n");
}

static const tf_host host = {
    .size = sizeof(tf_host),
    .log = collect_log,
};

static void setup(void)
{
  logged[0] = '\0';
  errors = 0;
}

static char got_path[256], got_message[1024];

static void keep_problem(void *ud, const char *path, const char *message)
{
  (void)ud;
  snprintf(got_path, sizeof(got_path), "%s", path);
  snprintf(got_message, sizeof(got_message), "%s", message);
}

START_TEST(problemf_formats_and_defaults_the_path)
{
  char long_text[2000];

  tf_problemf(keep_problem, NULL, "rules[2].match", "unknown \"%s\" (%d)", "x",
              3);
  ck_assert_str_eq(got_path, "rules[2].match");
  ck_assert_str_eq(got_message, "unknown \"x\" (3)");
  memset(long_text, 'x', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  tf_problemf(keep_problem, NULL, NULL, "%s", long_text);
  ck_assert_str_eq(got_path, "");
  ck_assert_uint_eq(strlen(got_message), 511);
}
END_TEST

/* A check that reports what its mode (the "mode" string option) asks. */
static int mode_check(const tf_config *config, tf_problem_fn problem, void *ud)
{
  const char *mode = tf_config_string(config, "mode");

  if (strcmp(mode, "two") == 0) {
    tf_problemf(problem, ud, "list_id", "missing for %s", "audience");
    tf_problemf(problem, ud, "", "the config as a whole");
    return TF_ERR_CONFIG;
  }
  if (strcmp(mode, "lax") == 0) {
    problem(ud, "a", "reported, yet TF_OK");
    return TF_OK;
  }
  return strcmp(mode, "nomem") == 0 ? TF_ERR_NOMEM : TF_OK;
}

static int logged_with(const char *mode)
{
  static const tf_option options[] = {
      {"mode", TF_OPT_STRING, "ok", 0, 0, 0, NULL, "what the check does"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};
  json_t *given = json_pack("{ss}", "mode", mode);
  tf_config *cfg = NULL;
  int rc;

  ck_assert_int_eq(tf_options_validate(options, given, NULL, "config", NULL,
                                       NULL, NULL, &cfg),
                   TF_OK);
  rc = tf_check_logged(mode_check, cfg, NULL, &host);
  tf_config_free(cfg);
  json_decref(given);
  return rc;
}

START_TEST(logged_problems_are_errors_with_their_path)
{
  ck_assert_int_eq(logged_with("two"), TF_ERR_CONFIG);
  ck_assert_str_eq(logged, "list_id: missing for audience\n"
                           "the config as a whole\n");
  ck_assert_int_eq(errors, 2);
}
END_TEST

START_TEST(logged_returns_what_the_check_returns)
{
  ck_assert_int_eq(logged_with("ok"), TF_OK);
  ck_assert_str_eq(logged, "");
  ck_assert_int_eq(logged_with("nomem"), TF_ERR_NOMEM);
}
END_TEST

START_TEST(logged_problems_with_tf_ok_are_still_a_refusal)
{
  ck_assert_int_eq(logged_with("lax"), TF_ERR_CONFIG);
  ck_assert_str_eq(logged, "a: reported, yet TF_OK\n");
}
END_TEST

int main(void)
{
  Suite *s = suite_create("check");
  TCase *tc = tcase_create("check");
  SRunner *sr;
  int failed;

  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, problemf_formats_and_defaults_the_path);
  tcase_add_test(tc, logged_problems_are_errors_with_their_path);
  tcase_add_test(tc, logged_returns_what_the_check_returns);
  tcase_add_test(tc, logged_problems_with_tf_ok_are_still_a_refusal);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
