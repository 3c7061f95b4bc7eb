/*
 * pathcheck.c - the files a pipeline reads and writes never collide
 * (pipeline.h, tf__pipeline_check_paths).
 *
 * Every string option a plugin's table marks TF_OPT_PATH names a file:
 * read by sources (a glob: every file it matches, and the pattern itself),
 * written by sinks (except TF_OPT_READ_AT_END ones: read at the end of the
 * run, e.g. the dead-letter file); the dead-letter file is written too.  Two
 * names are compared as the kernel would resolve them: made absolute, "." and
 * ".." and repeated "/" removed, and the folder resolved through symbolic links
 * when it exists ("out/./x" and "out/x" are one file).  An output that is
 * an input would be truncated before it is read; two outputs would
 * overwrite each other; both are refused before anything runs.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"

typedef struct named_file {
  char canon[PATH_MAX];
  char where[128]; /* "sinks[0].config.path" */
  int output;
} named_file;

typedef struct file_list {
  named_file *v;
  size_t n, cap;
} file_list;

/* path made absolute with "." / ".." / "//" removed, lexically. */
static void normalize(const char *path, char *out, size_t len)
{
  char buf[PATH_MAX * 2], *seg, *save = NULL;
  size_t n = 0;

  if (path[0] == '/' || !getcwd(buf, sizeof(buf) / 2))
    buf[0] = '\0';
  snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%s", path);
  out[0] = '\0';
  for (seg = strtok_r(buf, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
    if (strcmp(seg, ".") == 0)
      continue;
    if (strcmp(seg, "..") == 0) {
      char *slash = strrchr(out, '/');

      n = slash ? (size_t)(slash - out) : 0;
      out[n] = '\0';
      continue;
    }
    n += (size_t)snprintf(out + n, n < len ? len - n : 0, "/%s", seg);
  }
  if (!out[0])
    snprintf(out, len, "/");
}

/* The name as the kernel resolves it: the folder through realpath when it
 * exists. */
static void canonical(const char *path, char *out, size_t len)
{
  char norm[PATH_MAX], dir[PATH_MAX], real[PATH_MAX];
  char *slash;

  normalize(path, norm, sizeof(norm));
  snprintf(dir, sizeof(dir), "%s", norm);
  slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (realpath(dir, real)) {
      int n = snprintf(out, len, "%s/%s", real, slash + 1);

      if (n >= 0 && (size_t)n < len)
        return;
    }
  }
  snprintf(out, len, "%s", norm);
}

static int add(file_list *l, const char *path, const char *where, int output)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    named_file *grown = realloc(l->v, cap * sizeof(*grown));

    if (!grown)
      return -1;
    l->v = grown;
    l->cap = cap;
  }
  canonical(path, l->v[l->n].canon, sizeof(l->v[l->n].canon));
  snprintf(l->v[l->n].where, sizeof(l->v[l->n].where), "%s", where);
  l->v[l->n].output = output;
  l->n++;
  return 0;
}

/* A source's path option: the pattern and every file it matches. */
static int add_input(file_list *l, const char *path, const char *where)
{
  glob_t g;
  size_t i;
  int rc = add(l, path, where, 0);

  if (rc == 0 && glob(path, 0, NULL, &g) == 0) {
    for (i = 0; i < g.gl_pathc && rc == 0; i++)
      rc = add(l, g.gl_pathv[i], where, 0);
    globfree(&g);
  }
  return rc;
}

/* Every path option of every source and sink. */
static int collect(const tf__pipeline *p, file_list *l)
{
  size_t i;
  const tf_option *o;
  char where[128];

  for (i = 0; i < p->n_stages; i++) {
    const tf__stage_def *s = &p->stages[i];

    if (!s->cfg || s->kind == TF_KIND_TRANSFORM || !s->plugin.plugin)
      continue;
    for (o = s->plugin.plugin->options; o && o->name; o++) {
      const char *v = o->type == TF_OPT_STRING && (o->flags & TF_OPT_PATH) &&
                              !(o->flags & TF_OPT_READ_AT_END)
                          ? tf_config_string(s->cfg, o->name)
                          : NULL;

      if (!v)
        continue;
      snprintf(where, sizeof(where), "%s.config.%s", s->json_path, o->name);
      if ((s->kind == TF_KIND_SOURCE ? add_input(l, v, where)
                                     : add(l, v, where, 1)) < 0)
        return -1;
    }
  }
  return p->dead_letter_path
             ? add(l, p->dead_letter_path, "dead_letter.path", 1)
             : 0;
}

size_t tf__pipeline_check_paths(const tf__pipeline *p, tf__diag *diag)
{
  file_list l = {NULL, 0, 0};
  size_t i, j, problems = 0;

  if (collect(p, &l) < 0) {
    tf__diag_add(diag, NULL, "out of memory");
    free(l.v);
    return 1;
  }
  for (i = 0; i < l.n; i++) {
    for (j = 0; j < i; j++) {
      const named_file *a = &l.v[j], *b = &l.v[i];

      if ((!a->output && !b->output) || strcmp(a->canon, b->canon) != 0 ||
          strcmp(a->where, b->where) == 0)
        continue;
      if (a->output && b->output)
        tf__diag_add(diag, b->where,
                     "writes %s, as %s does: one would overwrite the other",
                     b->canon, a->where);
      else
        tf__diag_add(diag, a->output ? a->where : b->where,
                     "writes %s, which %s reads: the run would destroy its "
                     "own input",
                     a->canon, a->output ? b->where : a->where);
      problems++;
      break;
    }
  }
  free(l.v);
  return problems;
}
