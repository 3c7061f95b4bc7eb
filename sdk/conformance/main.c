/*
 * main.c - touchflow-conformance: loads one plugin the way touchflow does,
 * reads its conformance file and runs every check that applies to it.
 *
 * Exit status: 0 every check passed (or was skipped with a reason), 1 a
 * check failed (a module that does not load fails "descriptor"), 2 usage
 * error, plugin not found, or a bad conformance file.
 */
/* realpath() and nftw() are X/Open, beyond the POSIX level of the build. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "loader.h"
#include "report.h"
#include "run.h"
#include "suite.h"

#define MAX_PATHS 32

static const char usage[] =
    "usage: touchflow-conformance PLUGIN [--config CONFIG.json] "
    "[--fixtures DIR]\n"
    "           [--plugin-path DIR]... [--kind source|transform|sink]\n"
    "           [--report-json FILE]\n"
    "       touchflow-conformance --list | --help\n"
    "\n"
    "Checks that a plugin behaves as every touchflow plugin must.  PLUGIN\n"
    "is a plugin name (searched in every --plugin-path, then\n"
    "TOUCHFLOW_PLUGIN_PATH, then " TF_PLUGIN_DIR ")\n"
    "or a path to a .so or .la module.  The conformance file defaults to\n"
    "MODULE.conformance.json, then conformance.json, beside the module.\n"
    "Exit status: 0 passed, 1 a check failed, 2 usage or setup error.\n";

typedef struct args {
  const char *plugin, *config, *fixtures, *report_json, *kind;
  const char *paths[MAX_PATHS];
  size_t n_paths;
} args;

static int usage_error(const char *what, const char *arg)
{
  fprintf(stderr, "touchflow-conformance: %s%s\n%s", what, arg, usage);
  return 2;
}

static int parse_args(int argc, char **argv, args *a)
{
  const char *v;
  int i;

  for (i = 1; i < argc; i++) {
    if ((v = tf__cli_option_value(argc, argv, &i, "--config")))
      a->config = v;
    else if ((v = tf__cli_option_value(argc, argv, &i, "--fixtures")))
      a->fixtures = v;
    else if ((v = tf__cli_option_value(argc, argv, &i, "--report-json")))
      a->report_json = v;
    else if ((v = tf__cli_option_value(argc, argv, &i, "--kind")))
      a->kind = v;
    else if ((v = tf__cli_option_value(argc, argv, &i, "--plugin-path"))) {
      if (a->n_paths == MAX_PATHS)
        return usage_error("too many --plugin-path options", "");
      a->paths[a->n_paths++] = v;
    } else if (argv[i][0] == '-')
      return usage_error("unknown or incomplete option ", argv[i]);
    else if (!a->plugin)
      a->plugin = argv[i];
    else
      return usage_error("unexpected argument ", argv[i]);
  }
  if (!a->plugin)
    return usage_error("no PLUGIN given", "");
  return 0;
}

static int kind_by_name(const char *name)
{
  int k;

  for (k = TF_KIND_SOURCE; k <= TF_KIND_SINK; k++)
    if (strcmp(tf_plugin_kind_name((tf_plugin_kind)k), name) == 0)
      return k;
  return 0;
}

static int is_module_path(const char *target)
{
  size_t len = strlen(target);

  return strchr(target, '/') != NULL ||
         (len > 3 && (strcmp(target + len - 3, ".so") == 0 ||
                      strcmp(target + len - 3, ".la") == 0));
}

/* Finds PLUGIN by name: of --kind, or of the one kind it exists as.  On
 * failure returns the loader's code with err filled (and *kind set to the
 * kind of a module that is there but broken). */
static int find_by_name(tf__loader *loader, const args *a,
                        tf__loaded_plugin *out, int *kind, char *err,
                        size_t errlen)
{
  int k, found = 0;

  for (k = TF_KIND_SOURCE; k <= TF_KIND_SINK; k++) {
    tf__loaded_plugin p;
    int rc;

    if (*kind && k != *kind)
      continue;
    rc = tf__loader_find(loader, (tf_plugin_kind)k, a->plugin, &p, err, errlen);
    if (rc == TF_OK && found++ == 0)
      *out = p;
    if (rc != TF_OK && rc != TF_ERR_NOTFOUND) {
      *kind = k;
      return rc;
    }
  }
  if (found > 1) {
    snprintf(err, errlen,
             "\"%s\" is a plugin of more than one kind: add --kind "
             "source, --kind transform or --kind sink",
             a->plugin);
    return TF_ERR_INVAL;
  }
  if (!found) {
    snprintf(err, errlen,
             "no %s plugin named \"%s\" on the plugin path (see "
             "touchflow plugins)",
             *kind ? tf_plugin_kind_name((tf_plugin_kind)*kind) : "",
             a->plugin);
    return TF_ERR_NOTFOUND;
  }
  *kind = out->plugin->kind;
  return TF_OK;
}

/* The conformance file beside a module: MODULE.conformance.json, then
 * conformance.json, in the module's folder (for libtool's .libs/, its
 * parent).  NULL when there is none; the caller frees. */
static char *conformance_beside(const char *module)
{
  const char *slash = strrchr(module, '/');
  const char *base = slash ? slash + 1 : module;
  size_t dir_len = slash ? (size_t)(slash - module) : 0;
  char stem[256], dir[4096], path[4096 + 300];
  int d;

  snprintf(stem, sizeof(stem), "%.*s", (int)strcspn(base, "."), base);
  snprintf(dir, sizeof(dir), "%.*s", (int)dir_len, dir_len ? module : ".");
  for (d = 0; d < 2; d++) {
    snprintf(path, sizeof(path), "%s/%s.conformance.json", dir, stem);
    if (access(path, R_OK) == 0)
      return strdup(path);
    snprintf(path, sizeof(path), "%s/conformance.json", dir);
    if (access(path, R_OK) == 0)
      return strdup(path);
    if (strcmp(dir, ".libs") == 0)
      snprintf(dir, sizeof(dir), ".");
    else if (strlen(dir) > 6 && strcmp(dir + strlen(dir) - 6, "/.libs") == 0)
      dir[strlen(dir) - 6] = '\0';
    else
      break;
  }
  return NULL;
}

/* A module that did not load: "descriptor" fails with the loader's words,
 * every other check is not run. */
static int report_unloadable(const args *a, int kind, const char *err)
{
  json_t *report =
      tf_report_new(kind ? tf_plugin_kind_name((tf_plugin_kind)kind) : "plugin",
                    a->plugin, "", a->plugin, a->config);

  if (!report ||
      tf_conf_report_unloadable(report, kind, "descriptor", err) < 0) {
    json_decref(report);
    fprintf(stderr, "touchflow-conformance: out of memory\n");
    return 2;
  }
  tf_report_print(report, stdout);
  if (a->report_json && tf_report_write_json(report, a->report_json) < 0)
    fprintf(stderr, "touchflow-conformance: %s: %s\n", a->report_json,
            strerror(errno));
  json_decref(report);
  return 1;
}

/* Loads PLUGIN into *p.  Returns 0; 1 after reporting a module that is
 * there but broken; 2 after printing why it was not found. */
static int load_plugin(tf__loader *loader, const args *a, tf__loaded_plugin *p)
{
  char err[2048];
  int kind = a->kind ? kind_by_name(a->kind) : 0;
  int rc;

  if (a->kind && !kind)
    return usage_error("--kind takes source, transform or sink, not ", a->kind);
  if (is_module_path(a->plugin))
    rc = tf__loader_open_file(loader, a->plugin, p, err, sizeof(err));
  else
    rc = find_by_name(loader, a, p, &kind, err, sizeof(err));
  if (rc == TF_OK && kind && (int)p->plugin->kind != kind) {
    snprintf(err, sizeof(err), "%s is a %s plugin, not a %s", a->plugin,
             tf_plugin_kind_name(p->plugin->kind), a->kind);
    rc = TF_ERR_INVAL;
  }
  if (rc == TF_OK)
    return 0;
  if (rc == TF_ERR_ABI || rc == TF_ERR_PLUGIN)
    return report_unloadable(a, kind, err);
  fprintf(stderr, "touchflow-conformance: %s\n", err);
  return 2;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

/* The suite's own input records: $TOUCHFLOW_CONFORMANCE_DATA (the source
 * tree, for an uninstalled build) or the installed data folder. */
static char *default_input(void)
{
  const char *dir = getenv("TOUCHFLOW_CONFORMANCE_DATA");
  char path[4096], *abs;

  snprintf(path, sizeof(path), "%s/records.ndjson",
           dir && *dir ? dir : TF_CONFORMANCE_DATADIR);
  /* Checks run in their own folders: a relative path would not hold. */
  abs = realpath(path, NULL);
  return abs ? abs : strdup(path);
}

/* Reads the conformance file, runs the checks, prints the report. */
static int run_suite(const args *a, const tf__loaded_plugin *p)
{
  char *found = a->config ? NULL : conformance_beside(p->module_path);
  char tmp[4096], err[2048];
  const char *tmpdir = getenv("TMPDIR");
  json_t *report = NULL;
  int status = 2;

  tf_conf.plugin = p->plugin;
  tf_conf.source = tf_plugin_source(p->plugin);
  tf_conf.transform = tf_plugin_transform(p->plugin);
  tf_conf.sink = tf_plugin_sink(p->plugin);
  tf_conf.module_path = p->module_path;
  if (tf_conf_file_load(&tf_conf.file, a->config ? a->config : found,
                        a->fixtures, err, sizeof(err)) < 0 ||
      tf_conf_check_skips(err, sizeof(err)) < 0) {
    fprintf(stderr, "touchflow-conformance: %s\n", err);
    goto out_free_found;
  }
  snprintf(tmp, sizeof(tmp), "%s/touchflow-conformance-XXXXXX",
           tmpdir && *tmpdir ? tmpdir : "/tmp");
  tf_conf.tmp_root = mkdtemp(tmp);
  tf_conf.default_input = default_input();
  report = tf_report_new(tf_plugin_kind_name(p->plugin->kind), p->plugin->name,
                         p->plugin->version, p->module_path, tf_conf.file.path);
  if (!tf_conf.tmp_root || !tf_conf.default_input || !report ||
      tf_conf_run_checks(report) < 0) {
    fprintf(stderr, "touchflow-conformance: cannot start: %s\n",
            tf_conf.tmp_root ? "out of memory" : strerror(errno));
    goto out_remove_tmp;
  }
  tf_report_print(report, stdout);
  status = tf_report_count(report, "fail") > 0 ? 1 : 0;
  if (a->report_json && tf_report_write_json(report, a->report_json) < 0) {
    fprintf(stderr, "touchflow-conformance: %s: %s\n", a->report_json,
            strerror(errno));
    status = 2;
  }
out_remove_tmp:
  if (tf_conf.tmp_root)
    nftw(tf_conf.tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  json_decref(report);
  free((char *)tf_conf.default_input);
  tf_conf_file_cleanup(&tf_conf.file);
out_free_found:
  free(found);
  return status;
}

int main(int argc, char **argv)
{
  args a;
  tf__loaded_plugin p;
  tf__loader *loader;
  char err[1024];
  int status;

  memset(&a, 0, sizeof(a));
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    tf_conf_list_checks(stdout);
    return 0;
  }
  if (parse_args(argc, argv, &a) != 0)
    return 2;
  loader = tf__loader_new(a.paths, a.n_paths, err, sizeof(err));
  if (!loader) {
    fprintf(stderr, "touchflow-conformance: %s\n", err);
    return 2;
  }
  status = load_plugin(loader, &a, &p);
  if (status == 0)
    status = run_suite(&a, &p);
  tf__loader_free(loader);
  return status;
}
