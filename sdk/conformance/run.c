/*
 * run.c - turns the check lists into a Check suite (one test case per
 * check, named after it), runs it in fork mode and reports the results.
 *
 * Each check runs in a forked child inside a fresh folder under the run's
 * temporary root; the folder is the child's working directory and
 * $TF_CONFORMANCE_TMP, so configs can write there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "run.h"
#include "suite.h"

/* Seconds one check may take (scaled by CK_TIMEOUT_MULTIPLIER). */
#define CHECK_TIMEOUT 120

static const tf_conf_check *const lists[] = {
    tf_conf_common_checks, tf_conf_source_checks, tf_conf_transform_checks,
    tf_conf_sink_checks, NULL};

static int applies(const tf_conf_check *c, int kind)
{
  return c->kind == 0 || (int)c->kind == kind;
}

/* Why a check does not apply to this plugin's conformance file, or NULL. */
static const char *not_claimed(const tf_conf_check *c)
{
  if (strcmp(c->name, "sink_idempotent_resend") == 0 &&
      !tf_conf.file.idempotent)
    return "not claimed: the conformance file does not say "
           "\"idempotent\": true";
  return NULL;
}

int tf_conf_check_skips(char *err, size_t errlen)
{
  const char *key;
  const json_t *reason;
  size_t l, i;

  json_object_foreach (tf_conf.file.skip, key, reason) {
    int found = 0;

    for (l = 0; lists[l]; l++)
      for (i = 0; lists[l][i].name; i++)
        found |= strcmp(lists[l][i].name, key) == 0 &&
                 applies(&lists[l][i], tf_conf.plugin->kind);
    if (!found) {
      snprintf(err, errlen,
               "skip.%s: no such check for a %s plugin (see "
               "touchflow-conformance --list)",
               key, tf_plugin_kind_name(tf_conf.plugin->kind));
      return -1;
    }
  }
  return 0;
}

/* Checked fixture, in the child: a fresh folder to work in. */
static void enter_check_folder(void)
{
  char dir[4096];

  snprintf(dir, sizeof(dir), "%s/check-XXXXXX", tf_conf.tmp_root);
  ck_assert_msg(mkdtemp(dir) != NULL, "cannot create %s", dir);
  ck_assert_msg(chdir(dir) == 0, "cannot enter %s", dir);
  ck_assert_msg(setenv("TF_CONFORMANCE_TMP", dir, 1) == 0, "setenv failed");
}

/* Why the check is not run: the conformance file's reason, or why it
 * does not apply; NULL when it runs. */
static const char *skip_reason(const tf_conf_check *c)
{
  const char *reason =
      json_string_value(json_object_get(tf_conf.file.skip, c->name));

  return reason ? reason : not_claimed(c);
}

/* Adds a test case per check that runs. */
static void build_suite(Suite *s)
{
  size_t l, i;

  for (l = 0; lists[l]; l++) {
    for (i = 0; lists[l][i].name; i++) {
      const tf_conf_check *c = &lists[l][i];
      TCase *tc;

      if (!applies(c, tf_conf.plugin->kind) || skip_reason(c))
        continue;
      tc = tcase_create(c->name);
      tcase_add_checked_fixture(tc, enter_check_folder, NULL);
      tcase_set_timeout(tc, CHECK_TIMEOUT);
      tcase_add_test(tc, *c->test);
      suite_add_tcase(s, tc);
    }
  }
}

static TestResult *find_result(TestResult **results, int n, const char *name)
{
  int i;

  for (i = 0; i < n; i++)
    if (strcmp(tr_tcname(results[i]), name) == 0)
      return results[i];
  return NULL;
}

/* One check's line of the report. */
static int add_result(json_t *report, const tf_conf_check *c, TestResult *tr)
{
  char msg[TF_CONF_MSG + 256];

  if (skip_reason(c))
    return tf_report_add(report, c->name, "skip", skip_reason(c));
  if (!tr)
    return tf_report_add(report, c->name, "not_run", "no result");
  if (tr_rtype(tr) == CK_PASS)
    return tf_report_add(report, c->name, "pass", NULL);
  snprintf(msg, sizeof(msg), "%s [checks that %s]", tr_msg(tr), c->what);
  return tf_report_add(report, c->name, "fail", msg);
}

/* Adds every check's result to the report, in check order. */
static int add_results(SRunner *sr, json_t *report)
{
  TestResult **results = srunner_results(sr);
  int n = srunner_ntests_run(sr), rc = 0;
  size_t l, i;

  for (l = 0; lists[l] && rc == 0; l++)
    for (i = 0; lists[l][i].name && rc == 0; i++)
      if (applies(&lists[l][i], tf_conf.plugin->kind))
        rc = add_result(report, &lists[l][i],
                        find_result(results, n, lists[l][i].name));
  free(results);
  return rc;
}

int tf_conf_run_checks(json_t *report)
{
  Suite *s = suite_create("conformance");
  SRunner *sr;
  int rc;

  if (!s)
    return -1;
  build_suite(s);
  sr = srunner_create(s);
  if (!sr)
    return -1;
  srunner_set_fork_status(sr, CK_FORK);
  srunner_run_all(sr, CK_SILENT);
  rc = add_results(sr, report);
  srunner_free(sr);
  return rc;
}

void tf_conf_list_checks(FILE *out)
{
  size_t l, i;

  for (l = 0; lists[l]; l++)
    for (i = 0; lists[l][i].name; i++)
      fprintf(out, "%-27s %-9s %s\n", lists[l][i].name,
              lists[l][i].kind ? tf_plugin_kind_name(lists[l][i].kind) : "all",
              lists[l][i].what);
}

int tf_conf_report_unloadable(json_t *report, int kind, const char *failed,
                              const char *message)
{
  size_t l, i;

  if (tf_report_add(report, failed, "fail", message) < 0)
    return -1;
  for (l = 0; lists[l]; l++)
    for (i = 0; lists[l][i].name; i++)
      if (applies(&lists[l][i], kind) &&
          strcmp(lists[l][i].name, failed) != 0 &&
          tf_report_add(report, lists[l][i].name, "not_run",
                        "the module did not load") < 0)
        return -1;
  return 0;
}
