/*
 * testutil.c - helpers for the host tests (testutil.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

const char *tu_srcdir(void)
{
  const char *d = getenv("TF_SRCDIR");

  return d ? d : ".";
}

const char *tu_builddir(void)
{
  const char *d = getenv("TF_BUILDDIR");

  return d ? d : ".";
}

tf__loader *tu_loader(void)
{
  static const char *const rel[] = {"plugins/source/file",
                                    "plugins/source/web",
                                    "plugins/source/drift",
                                    "plugins/source/calltracking",
                                    "plugins/sink/file",
                                    "plugins/sink/marketo",
                                    "plugins/transform/map",
                                    "plugins/transform/dedupe",
                                    "plugins/transform/session_merge",
                                    "tests/plugins"};
  enum { N_PATHS = sizeof(rel) / sizeof(rel[0]) };
  char paths[N_PATHS][1024];
  const char *ptrs[N_PATHS];
  char err[1024];
  tf__loader *loader;
  size_t i;

  for (i = 0; i < N_PATHS; i++) {
    snprintf(paths[i], sizeof(paths[i]), "%s/%s", tu_builddir(), rel[i]);
    ptrs[i] = paths[i];
  }
  unsetenv("TOUCHFLOW_PLUGIN_PATH");
  loader = tf__loader_new(ptrs, N_PATHS, err, sizeof(err));
  ck_assert_msg(loader != NULL, "loader: %s", err);
  return loader;
}

char *tu_tempdir(void)
{
  char *dir = strdup("/tmp/touchflow-test-XXXXXX");

  ck_assert_ptr_nonnull(dir);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  return dir;
}

void tu_rmtree(const char *dir)
{
  char cmd[2048];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

char *tu_write(const char *dir, const char *name, const char *content)
{
  size_t len = strlen(dir) + strlen(name) + 2;
  char *path = malloc(len);
  FILE *fp;

  ck_assert_ptr_nonnull(path);
  snprintf(path, len, "%s/%s", dir, name);
  fp = fopen(path, "w");
  ck_assert_msg(fp != NULL, "cannot write %s", path);
  fputs(content, fp);
  fclose(fp);
  return path;
}

char *tu_read(const char *path)
{
  FILE *fp = fopen(path, "rb");
  char *buf;
  long len;

  if (!fp)
    return NULL;
  fseek(fp, 0, SEEK_END);
  len = ftell(fp);
  rewind(fp);
  buf = malloc((size_t)len + 1);
  ck_assert_ptr_nonnull(buf);
  buf[fread(buf, 1, (size_t)len, fp)] = '\0';
  fclose(fp);
  return buf;
}

size_t tu_count_lines(const char *path)
{
  char *s = tu_read(path);
  size_t n = 0;
  const char *p;

  if (!s)
    return 0;
  for (p = s; *p; p++)
    n += *p == '\n';
  free(s);
  return n;
}
