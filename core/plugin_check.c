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

#define SECRET_MASK "<secret>"

typedef struct check_report {
  const tf__stage_def *stage;
  tf__diag *diag;
  size_t problems;
} check_report;

/* A copy of text with every occurrence of secret replaced by SECRET_MASK.
 * The caller frees it; NULL when memory ran out. */
static char *mask_one(const char *text, const char *secret)
{
  size_t n = strlen(secret), hits = 0;
  const char *p, *hit;
  char *out, *o;

  for (p = text; (hit = strstr(p, secret)) != NULL; p = hit + n)
    hits++;
  out = malloc(strlen(text) + hits * sizeof(SECRET_MASK) + 1);
  if (!out)
    return NULL;
  for (p = text, o = out; (hit = strstr(p, secret)) != NULL; p = hit + n) {
    memcpy(o, p, (size_t)(hit - p));
    o += hit - p;
    memcpy(o, SECRET_MASK, sizeof(SECRET_MASK) - 1);
    o += sizeof(SECRET_MASK) - 1;
  }
  strcpy(o, p);
  return out;
}

/* A copy of text with the value of each secret option of the stage
 * masked.  The caller frees it; NULL when memory ran out. */
static char *mask_secrets(const tf__stage_def *s, const char *text)
{
  const tf_option *o;
  char *out = strdup(text);

  for (o = s->plugin.plugin->options; out && o && o->name; o++) {
    const char *secret = tf_config_string(s->cfg, o->name);
    char *next;

    if (!(o->flags & TF_OPT_SECRET) || !secret || !*secret)
      continue;
    next = mask_one(out, secret);
    free(out);
    out = next;
  }
  return out;
}

/* The tf_problem_fn handed to check(). */
static void on_problem(void *ud, const char *path, const char *message)
{
  check_report *r = ud;
  char *inner = mask_secrets(r->stage, path ? path : "");
  char *text = mask_secrets(r->stage, message ? message : "");
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
