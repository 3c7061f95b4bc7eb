/*
 * test_broken.c - touchflow-conformance against deliberately broken
 * plugins: each must fail exactly the check its one defect breaks, and the
 * correct plugins they are variants of must pass everything.  Reads the
 * machine-readable report (--report-json).
 */
#include <check.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *dir_of(const char *var)
{
  const char *v = getenv(var);

  return v && *v ? v : ".";
}

/* Runs the suite on MODULE (a .la under tests/conformance/broken) and
 * returns its report; *status gets the exit status. */
static json_t *run_conformance(const char *module, int *status)
{
  char prog[4096], path[4096], report[4096], data[4096];
  char *argv[] = {prog, path, "--report-json", report, NULL};
  json_error_t err;
  json_t *root;
  pid_t pid;
  int ws;

  snprintf(prog, sizeof(prog), "%s/touchflow-conformance",
           dir_of("TF_BUILDDIR"));
  snprintf(path, sizeof(path), "%s/tests/conformance/broken/%s.la",
           dir_of("TF_BUILDDIR"), module);
  snprintf(report, sizeof(report), "%s/tests/conformance/%s.report.json",
           dir_of("TF_BUILDDIR"), module);
  snprintf(data, sizeof(data), "%s/sdk/conformance/fixtures",
           dir_of("TF_SRCDIR"));
  setenv("TOUCHFLOW_CONFORMANCE_DATA", data, 1);
  /* The leak is found by the suite's own heap gauge; LeakSanitizer's
   * report at every child's exit would fail the other checks too. */
  setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
  unlink(report);
  ck_assert_int_eq(posix_spawn(&pid, prog, NULL, NULL, argv, environ), 0);
  ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
  ck_assert(WIFEXITED(ws));
  *status = WEXITSTATUS(ws);
  root = json_load_file(report, 0, &err);
  ck_assert_msg(root != NULL, "%s: %s", report, err.text);
  return root;
}

/* The failed checks of the report, sorted, joined with spaces. */
static void failed_names(const json_t *report, char *out, size_t len)
{
  const json_t *failed = json_object_get(report, "failed");
  const char *names[64];
  const char *key;
  const json_t *v;
  size_t n = 0, i, j;

  json_object_foreach ((json_t *)failed, key, v)
    if (n < 64)
      names[n++] = key;
  for (i = 1; i < n; i++)
    for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      const char *t = names[j];

      names[j] = names[j - 1];
      names[j - 1] = t;
    }
  out[0] = '\0';
  for (i = 0; i < n; i++)
    snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "",
             names[i]);
}

static void expect_failed(const char *module, const char *want)
{
  char got[2048];
  int status;
  json_t *report = run_conformance(module, &status);

  failed_names(report, got, sizeof(got));
  ck_assert_msg(strcmp(got, want) == 0, "%s: expected failed [%s], got [%s]",
                module, want, got);
  ck_assert_int_eq(status, want[0] ? 1 : 0);
  json_decref(report);
}

START_TEST(wrong_abi_fails_descriptor)
{
  expect_failed("source_wrongabi", "descriptor");
}
END_TEST

START_TEST(nondeterministic_source_fails_deterministic)
{
  expect_failed("source_random", "source_deterministic");
}
END_TEST

START_TEST(lossy_resume_fails_resume)
{
  expect_failed("source_lossy", "source_resume");
}
END_TEST

START_TEST(watermark_ahead_of_records_fails_watermark)
{
  expect_failed("source_hasty", "source_watermark");
}
END_TEST

START_TEST(thread_local_state_fails_own_thread)
{
  expect_failed("source_threadbound", "source_own_thread");
}
END_TEST

START_TEST(leak_fails_cycles)
{
  expect_failed("transform_leaky", "init_fini_cycles");
}
END_TEST

START_TEST(forgetful_snapshot_fails_snapshot_restore)
{
  expect_failed("transform_forgetful", "transform_snapshot_restore");
}
END_TEST

START_TEST(crash_on_bad_config_fails_edge_values)
{
  expect_failed("transform_crashy", "config_edge_values");
}
END_TEST

START_TEST(mutating_transform_fails_input_unchanged)
{
  expect_failed("transform_mutating", "transform_input_unchanged");
}
END_TEST

START_TEST(check_refusing_what_init_takes_fails_check_sample)
{
  expect_failed("transform_picky", "check_sample");
}
END_TEST

START_TEST(correct_source_passes)
{
  expect_failed("source_counter", "");
}
END_TEST

START_TEST(correct_transform_passes)
{
  expect_failed("transform_copy", "");
}
END_TEST

int main(void)
{
  Suite *s = suite_create("conformance_broken");
  TCase *tc = tcase_create("broken");
  SRunner *sr;
  int failed;

  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, wrong_abi_fails_descriptor);
  tcase_add_test(tc, nondeterministic_source_fails_deterministic);
  tcase_add_test(tc, lossy_resume_fails_resume);
  tcase_add_test(tc, watermark_ahead_of_records_fails_watermark);
  tcase_add_test(tc, thread_local_state_fails_own_thread);
  tcase_add_test(tc, leak_fails_cycles);
  tcase_add_test(tc, forgetful_snapshot_fails_snapshot_restore);
  tcase_add_test(tc, crash_on_bad_config_fails_edge_values);
  tcase_add_test(tc, mutating_transform_fails_input_unchanged);
  tcase_add_test(tc, check_refusing_what_init_takes_fails_check_sample);
  tcase_add_test(tc, correct_source_passes);
  tcase_add_test(tc, correct_transform_passes);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
