/*
 * plugin_check.c - a stage's plugin judges its own config: the check()
 * callback, called once the option table has accepted it.
 *
 * Every problem the plugin reports becomes one diagnostic at its full
 * JSON path (the plugin's path inside the config, after the stage's
 * "transforms[0].config"), so `validate` and `run` show it like any other
 * problem.  The value of every secret option is masked as <secret> in the
 * path and the message, whatever the plugin wrote there.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "redact.h"

typedef struct check_report {
  const tf__stage_def *stage;
  tf__diag *diag;
  size_t problems;
} check_report;

/* The tf_problem_fn handed to check(). */
static void on_problem(void *ud, const char *path, const char *message)
{
  check_report *r = ud;
  char *inner = tf__redact_secrets(r->stage, path ? path : "");
  char *text = tf__redact_secrets(r->stage, message ? message : "");
  char full[1024];

  r->problems++;
  if (!inner || !text) {
    r->diag->nomem = 1;
  } else {
    snprintf(full, sizeof(full), "%s.config%s%s", r->stage->json_path,
             inner[0] && inner[0] != '[' ? "." : "", inner);
    tf__diag_add(r->diag, full, "%s", text);
  }
  free(inner);
  free(text);
}

size_t tf__pipeline_check_plugin_config(const tf__stage_def *s, tf__diag *diag)
{
  const tf_plugin *p = s->plugin.plugin;
  check_report r = {s, diag, 0};
  char path[96];
  int rc;

  if (!s->cfg || !p->check)
    return 0;
  rc = p->check(s->cfg, on_problem, &r);
  snprintf(path, sizeof(path), "%s.config", s->json_path);
  if (rc != TF_OK && rc != TF_ERR_CONFIG) {
    tf__diag_add(diag, path, "plugin \"%s\" could not check its config: %s",
                 p->name, tf_strerror(rc));
    r.problems++;
  } else if (rc == TF_ERR_CONFIG && r.problems == 0) {
    tf__diag_add(diag, path,
                 "plugin \"%s\" refused its config without saying why",
                 p->name);
    r.problems++;
  }
  return r.problems;
}
