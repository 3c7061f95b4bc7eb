/*
 * pipeline_plugins.c - each stage's plugin: found, of the right kind, and
 * its config valid against the plugin's option table and the plugin's own
 * check() (plugin_check.c).
 */
#include <stdio.h>
#include <string.h>

#include "pipeline.h"

/* When NAME is not a plugin of the stage's kind, says what it is instead. */
static void report_not_found(tf__loader *loader, const tf__stage_def *s,
                             const char *err, tf__diag *diag)
{
  char path[96], other_err[512];
  tf__loaded_plugin other;
  int k;

  snprintf(path, sizeof(path), "%s.plugin", s->json_path);
  for (k = TF_KIND_SOURCE; k <= TF_KIND_SINK; k++) {
    if ((tf_plugin_kind)k == s->kind)
      continue;
    if (tf__loader_find(loader, (tf_plugin_kind)k, s->plugin_name, &other,
                        other_err, sizeof(other_err)) == TF_OK) {
      tf__diag_add(diag, path, "\"%s\" is a %s plugin, not a %s",
                   s->plugin_name, tf_plugin_kind_name((tf_plugin_kind)k),
                   tf_plugin_kind_name(s->kind));
      return;
    }
  }
  tf__diag_add(diag, path, "%s", err);
}

static size_t check_stage(tf__pipeline *p, tf__stage_def *s, tf__loader *loader,
                          tf__diag *diag)
{
  char path[96], err[1024];
  int rc;

  rc = tf__loader_find(loader, s->kind, s->plugin_name, &s->plugin, err,
                       sizeof(err));
  if (rc == TF_ERR_NOTFOUND) {
    report_not_found(loader, s, err, diag);
    return 1;
  }
  if (rc < 0) {
    snprintf(path, sizeof(path), "%s.plugin", s->json_path);
    tf__diag_add(diag, path, "%s", err);
    return 1;
  }
  if (!s->config)
    return 0; /* its ${ENV} problems are reported already */
  snprintf(path, sizeof(path), "%s.config", s->json_path);
  rc = tf_options_validate(s->plugin.plugin->options, s->config, s->config_raw,
                           path, p->dir, tf__diag_options_cb, diag, &s->cfg);
  if (rc != TF_OK)
    return 1;
  return tf__pipeline_check_plugin_config(s, diag);
}

size_t tf__pipeline_check_plugins(tf__pipeline *p, tf__loader *loader,
                                  tf__diag *diag)
{
  size_t i, bad = 0;

  for (i = 0; i < p->n_stages; i++)
    if (p->stages[i].plugin_name)
      bad += check_stage(p, &p->stages[i], loader, diag);
  return bad;
}
