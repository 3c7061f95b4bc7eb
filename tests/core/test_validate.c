/*
 * test_validate.c - data-driven tests of the pipeline validator.
 *
 * Each folder under tests/validate/ is one case: `pipeline.json`, the
 * `expected` error lines (PIPELINE stands for the pipeline file; an empty
 * file means the pipeline is valid) and optionally `env` (NAME=VALUE lines
 * set before validating).  Every case must report exactly its expected
 * lines, in order: all the problems, not only the first.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "testutil.h"

#define MAX_CASES 128

static char *cases[MAX_CASES];
static int n_cases;

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void find_cases(void)
{
  char root[1024];
  DIR *d;
  struct dirent *e;

  snprintf(root, sizeof(root), "%s/tests/validate", tu_srcdir());
  d = opendir(root);
  if (!d)
    return;
  while ((e = readdir(d)) != NULL && n_cases < MAX_CASES)
    if (e->d_name[0] != '.')
      cases[n_cases++] = strdup(e->d_name);
  closedir(d);
  qsort(cases, (size_t)n_cases, sizeof(cases[0]), by_name);
}

static void set_env(const char *folder)
{
  char path[1100], line[1024];
  FILE *fp;

  snprintf(path, sizeof(path), "%s/env", folder);
  fp = fopen(path, "r");
  if (!fp)
    return;
  while (fgets(line, sizeof(line), fp)) {
    char *eq = strchr(line, '=');

    line[strcspn(line, "\n")] = '\0';
    if (!eq)
      continue;
    *eq = '\0';
    setenv(line, eq + 1, 1);
  }
  fclose(fp);
}

/* Appends line to out with every `from` replaced by `to`. */
static char *replace_into(char *out, const char *line, const char *from,
                          const char *to)
{
  size_t n = strlen(from);
  const char *hit;

  while ((hit = strstr(line, from)) != NULL) {
    out += sprintf(out, "%.*s%s", (int)(hit - line), line, to);
    line = hit + n;
  }
  return out + sprintf(out, "%s", line);
}

/* The diag lines joined, the pipeline path written PIPELINE and the build
 * folder BUILDDIR, so that expected files do not depend on where the tree
 * is. */
static char *actual_lines(const tf__diag *diag, const char *file)
{
  size_t i, len = 1, flen = strlen(file);
  char *out, *p, *tmp;

  for (i = 0; i < diag->n; i++)
    len += strlen(diag->lines[i]) + 16;
  out = calloc(1, len);
  tmp = calloc(1, len);
  ck_assert(out && tmp);
  for (i = 0, p = out; i < diag->n; i++) {
    const char *line = diag->lines[i];

    if (strncmp(line, file, flen) == 0) {
      sprintf(tmp, "PIPELINE%s", line + flen);
      line = tmp;
    }
    p = replace_into(p, line, tu_builddir(), "BUILDDIR");
    *p++ = '\n';
  }
  free(tmp);
  return out;
}

START_TEST(validator_case)
{
  const char *name = cases[_i];
  char folder[1024], file[1100], expected_path[1100];
  tf__loader *loader = tu_loader();
  tf__pipeline *p = NULL;
  char *expected, *actual;
  tf__diag diag;
  int rc;

  snprintf(folder, sizeof(folder), "%s/tests/validate/%s", tu_srcdir(), name);
  snprintf(file, sizeof(file), "%s/pipeline.json", folder);
  snprintf(expected_path, sizeof(expected_path), "%s/expected", folder);
  set_env(folder);
  expected = tu_read(expected_path);
  ck_assert_msg(expected != NULL, "case %s has no expected file", name);
  tf__diag_init(&diag, file);
  rc = tf__pipeline_load(file, loader, &diag, &p);
  actual = actual_lines(&diag, file);
  ck_assert_msg(strcmp(expected, actual) == 0,
                "case %s:\n--- expected\n%s--- actual\n%s", name, expected,
                actual);
  ck_assert_int_eq(rc, expected[0] ? TF_ERR_CONFIG : TF_OK);
  ck_assert(expected[0] ? p == NULL : p != NULL);
  free(expected);
  free(actual);
  tf__diag_cleanup(&diag);
  tf__pipeline_free(p);
  tf__loader_free(loader);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("validate");
  TCase *tc = tcase_create("cases");
  SRunner *sr;
  int failed, i;

  find_cases();
  if (n_cases == 0) {
    fprintf(stderr, "no cases found under %s/tests/validate\n", tu_srcdir());
    return EXIT_FAILURE;
  }
  tcase_add_loop_test(tc, validator_case, 0, n_cases);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  for (i = 0; i < n_cases; i++)
    free(cases[i]);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
