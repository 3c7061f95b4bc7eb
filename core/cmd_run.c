/*
 * cmd_run.c - `touchflow run`, `touchflow validate` and `touchflow state`.
 *
 * Both read and check the whole pipeline first and print every problem
 * (exit 2) before any record moves; run then hands it to the runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "pipeline.h"
#include "redact.h"
#include "summary_json.h"

tf__loader *tf__cli_loader(const tf__cli_args *args)
{
  char err[1024];
  tf__loader *loader = tf__loader_new(args->plugin_paths, args->n_plugin_paths,
                                      err, sizeof(err));

  if (!loader)
    fprintf(stderr, "touchflow: %s\n", err);
  return loader;
}

/* The problems of a refused pipeline as JSON log lines. */
static void print_problems_json(const tf__diag *diag)
{
  char safe[8192];
  size_t i;

  for (i = 0; i < diag->n; i++)
    tf__log_json_line(
        json_pack("{s:s, s:s}", "level", "error", "message",
                  tf__printable(diag->lines[i], safe, sizeof(safe))));
}

/* cli.h */
tf__pipeline *tf__cli_load_checked(const tf__cli_args *args, tf__loader *loader)
{
  tf__diag diag;
  tf__pipeline *p = NULL;
  char err[1024];

  tf__diag_init(&diag, args->target);
  if (tf__pipeline_load(args->target, loader, &diag, &p) != TF_OK) {
    if (args->run.log_json) {
      print_problems_json(&diag);
      tf__log_json_line(json_pack("{s:s, s:s, s:I}", "level", "error",
                                  "message", "nothing was run", "problems",
                                  (json_int_t)diag.n));
    } else {
      tf__diag_print(&diag, stderr);
      fprintf(stderr, "touchflow: %s: %zu problem%s found; nothing was run\n",
              args->target, diag.n, diag.n == 1 ? "" : "s");
    }
    if (args->run.summary_json) {
      json_t *summary = tf__summary_json_refused(args->target, &diag);

      if (tf__summary_json_write(args->run.summary_json, summary, err,
                                 sizeof(err)) != TF_OK)
        fprintf(stderr, "touchflow: --summary-json: %s\n", err);
      json_decref(summary);
    }
  }
  tf__diag_cleanup(&diag);
  return p;
}

/* Which module each stage runs; a module found on the search path that
 * takes the place of a bundled plugin is pointed out. */
static void print_modules(const tf__pipeline *p, const tf__loader *loader,
                          FILE *out)
{
  size_t i;

  for (i = 0; i < p->n_stages; i++) {
    const tf__stage_def *s = &p->stages[i];
    const char *module = s->plugin.module_path;
    int bundled = strncmp(module, "(bundled)", 9) == 0;

    fprintf(out, "  %-14s %-14s %s %s (%s%s)\n", s->json_path, s->id,
            tf_plugin_kind_name(s->kind), s->plugin_name,
            bundled ? "bundled" : module,
            !bundled && tf__loader_is_bundled(loader, s->kind, s->plugin_name)
                ? ", in place of the bundled one"
                : "");
  }
}

/* run: says so when a stage runs a module other than the bundled plugin
 * of that name. */
static void warn_shadowed(const tf__pipeline *p, const tf__loader *loader)
{
  size_t i;

  for (i = 0; i < p->n_stages; i++) {
    const tf__stage_def *s = &p->stages[i];

    if (strncmp(s->plugin.module_path, "(bundled)", 9) != 0 &&
        tf__loader_is_bundled(loader, s->kind, s->plugin_name))
      fprintf(stderr,
              "touchflow: stage \"%s\": %s \"%s\" is loaded from %s, in "
              "place of the bundled one\n",
              s->id, tf_plugin_kind_name(s->kind), s->plugin_name,
              s->plugin.module_path);
  }
}

int tf__cmd_validate(const tf__cli_args *args)
{
  tf__loader *loader = tf__cli_loader(args);
  tf__pipeline *p;

  if (!loader)
    return 2;
  p = tf__cli_load_checked(args, loader);
  if (p) {
    printf("%s: OK (%zu stages)\n", args->target, p->n_stages);
    print_modules(p, loader, stdout);
  }
  tf__pipeline_free(p);
  tf__loader_free(loader);
  return p ? 0 : 2;
}

int tf__cmd_run(const tf__cli_args *args)
{
  tf__loader *loader;
  tf__pipeline *p;
  int status;

  loader = tf__cli_loader(args);
  if (!loader)
    return 2;
  p = tf__cli_load_checked(args, loader);
  if (!p) {
    tf__loader_free(loader);
    return 2;
  }
  warn_shadowed(p, loader);
  status = tf__run(p, &args->run);
  tf__pipeline_free(p);
  tf__loader_free(loader);
  return status;
}

int tf__cmd_state(const char *dir)
{
  char path[4096];
  json_error_t jerr;
  json_t *cp;

  snprintf(path, sizeof(path), "%s/checkpoint.json", dir);
  cp = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!cp) {
    if (access(path, F_OK) < 0) {
      printf("%s: no checkpoint (no run has used this state directory, or "
             "it was reset)\n",
             dir);
      return 0;
    }
    fprintf(stderr, "touchflow: state: %s: not a readable checkpoint: %s\n",
            path, jerr.text);
    return 1;
  }
  tf__checkpoint_print(cp, stdout);
  json_decref(cp);
  return 0;
}
