/*
 * cmd_new_plugin.c - `touchflow new-plugin --kind KIND NAME [DIR]`: writes
 * an out-of-tree plugin project (configure.ac and Makefile.am using
 * pkg-config, a skeleton plugin with its option table, a Check test, a
 * conformance.json and sample input) that builds and passes the
 * conformance suite as generated.
 *
 * The files come from templates (sdk/templates/NAME.in) with @NAME@, @KIND@,
 * @MODULE@ (KIND_NAME) and @PROJECT@ replaced.  Templates are looked for
 * in $TOUCHFLOW_TEMPLATE_DIR, then the installed folder, then the source
 * tree (for a touchflow that is not installed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "loader.h"
#include "sdk/templates/template_dirs.h"

static const char new_plugin_usage[] =
    "usage: touchflow new-plugin --kind source|transform|sink NAME [DIR]\n"
    "Writes a plugin project to DIR (default: NAME), to build out of tree\n"
    "against the installed SDK: autoreconf -fi && ./configure && make "
    "check\n";

typedef struct new_plugin {
  const char *kind, *name, *dir;
  char module[256], project[256];
  const char *templates;
} new_plugin;

/* One generated file: its template and its name in the project ("%s" is
 * the module name). */
typedef struct template_file {
  const char *from; /* "%s" is the kind */
  const char *to;   /* "%s" is the module */
} template_file;

static const template_file files[] = {
    {"configure.ac.in", "configure.ac"},
    {"Makefile.am.in", "Makefile.am"},
    {"%s.c.in", "%s.c"},
    {"test.c.in", "test_%s.c"},
    {"conformance.%s.json.in", "conformance.json"},
    {"sample.ndjson.in", "sample.ndjson"},
    {NULL, NULL}};

static int usage_error(const char *what, const char *arg)
{
  fprintf(stderr, "touchflow new-plugin: %s%s\n%s", what, arg,
          new_plugin_usage);
  return 2;
}

static int parse(int argc, char **argv, new_plugin *np)
{
  int i;

  for (i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
      np->kind = argv[++i];
    else if (strncmp(argv[i], "--kind=", 7) == 0)
      np->kind = argv[i] + 7;
    else if (argv[i][0] == '-')
      return usage_error("unknown or incomplete option ", argv[i]);
    else if (!np->name)
      np->name = argv[i];
    else if (!np->dir)
      np->dir = argv[i];
    else
      return usage_error("unexpected argument ", argv[i]);
  }
  if (!np->kind || (strcmp(np->kind, "source") && strcmp(np->kind, "sink") &&
                    strcmp(np->kind, "transform")))
    return usage_error("--kind takes source, transform or sink", "");
  if (!np->name)
    return usage_error("no NAME given", "");
  if (!tf__loader_valid_name(np->name))
    return usage_error("plugin names use only a-z, 0-9 and _: ", np->name);
  if (!np->dir)
    np->dir = np->name;
  return 0;
}

/* The first template folder that holds the templates. */
static const char *find_templates(void)
{
  const char *env = getenv("TOUCHFLOW_TEMPLATE_DIR");
  const char *dirs[] = {env, TF_TEMPLATE_DIR, TF_TEMPLATE_SRCDIR};
  char probe[4096];
  size_t i;

  for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    if (!dirs[i] || !*dirs[i])
      continue;
    snprintf(probe, sizeof(probe), "%s/configure.ac.in", dirs[i]);
    if (access(probe, R_OK) == 0)
      return dirs[i];
  }
  return NULL;
}

/* The whole file (caller frees), or NULL. */
static char *read_file(const char *path)
{
  FILE *in = fopen(path, "rb");
  char *text = NULL;
  long size;

  if (!in)
    return NULL;
  if (fseek(in, 0, SEEK_END) == 0 && (size = ftell(in)) >= 0 &&
      fseek(in, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
    if (fread(text, 1, (size_t)size, in) != (size_t)size) {
      free(text);
      text = NULL;
    } else {
      text[size] = '\0';
    }
  }
  fclose(in);
  return text;
}

/* The value of placeholder KEY (e.g. "NAME"), or NULL when unknown. */
static const char *placeholder(const new_plugin *np, const char *key,
                               size_t len)
{
  if (len == 4 && strncmp(key, "NAME", 4) == 0)
    return np->name;
  if (len == 4 && strncmp(key, "KIND", 4) == 0)
    return np->kind;
  if (len == 6 && strncmp(key, "MODULE", 6) == 0)
    return np->module;
  if (len == 7 && strncmp(key, "PROJECT", 7) == 0)
    return np->project;
  return NULL;
}

/* Writes text to out with every @KEY@ placeholder replaced. */
static int write_expanded(const new_plugin *np, const char *text, FILE *out)
{
  const char *p = text;

  while (*p) {
    const char *end = p[0] == '@' ? strchr(p + 1, '@') : NULL;
    const char *value =
        end ? placeholder(np, p + 1, (size_t)(end - p - 1)) : NULL;

    if (value) {
      fputs(value, out);
      p = end + 1;
    } else {
      fputc(*p++, out);
    }
  }
  return ferror(out) ? -1 : 0;
}

static int generate(const new_plugin *np, const template_file *f)
{
  char from[4096], name[512], to[4096 + 512], *text;
  FILE *out;
  int rc;

  snprintf(name, sizeof(name), f->from, np->kind);
  snprintf(from, sizeof(from), "%s/%s", np->templates, name);
  snprintf(name, sizeof(name), f->to, np->module);
  snprintf(to, sizeof(to), "%s/%s", np->dir, name);
  text = read_file(from);
  if (!text) {
    fprintf(stderr, "touchflow new-plugin: %s: %s\n", from, strerror(errno));
    return -1;
  }
  out = fopen(to, "w");
  if (!out) {
    fprintf(stderr, "touchflow new-plugin: %s: %s\n", to, strerror(errno));
    free(text);
    return -1;
  }
  rc = write_expanded(np, text, out);
  if (fclose(out) != 0 || rc < 0) {
    fprintf(stderr, "touchflow new-plugin: %s: cannot write\n", to);
    rc = -1;
  }
  free(text);
  return rc;
}

/* Creates DIR and DIR/m4; DIR must not exist yet (nothing is overwritten). */
static int make_dirs(const char *dir)
{
  char m4[4096];

  if (mkdir(dir, 0777) < 0) {
    fprintf(stderr, "touchflow new-plugin: %s: %s%s\n", dir, strerror(errno),
            errno == EEXIST ? " (choose a new folder: nothing is overwritten)"
                            : "");
    return -1;
  }
  snprintf(m4, sizeof(m4), "%s/m4", dir);
  if (mkdir(m4, 0777) < 0) {
    fprintf(stderr, "touchflow new-plugin: %s: %s\n", m4, strerror(errno));
    return -1;
  }
  return 0;
}

int tf__cmd_new_plugin(int argc, char **argv)
{
  new_plugin np;
  size_t i;

  memset(&np, 0, sizeof(np));
  if (parse(argc, argv, &np) != 0)
    return 2;
  snprintf(np.module, sizeof(np.module), "%s_%s", np.kind, np.name);
  snprintf(np.project, sizeof(np.project), "touchflow-%s-%s", np.kind, np.name);
  np.templates = find_templates();
  if (!np.templates) {
    fprintf(stderr,
            "touchflow new-plugin: no templates in %s or %s (set "
            "TOUCHFLOW_TEMPLATE_DIR)\n",
            TF_TEMPLATE_DIR, TF_TEMPLATE_SRCDIR);
    return 1;
  }
  if (make_dirs(np.dir) < 0)
    return 1;
  for (i = 0; files[i].from; i++)
    if (generate(&np, &files[i]) < 0)
      return 1;
  printf("touchflow new-plugin: wrote %s plugin \"%s\" to %s/\n"
         "  cd %s && autoreconf -fi && ./configure && make check\n",
         np.kind, np.name, np.dir, np.dir);
  return 0;
}
