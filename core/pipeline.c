/*
 * pipeline.c - loads a pipeline file: JSON, then every check (pipeline.h).
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline.h"

static char *folder_of(const char *file)
{
  char *copy = strdup(file);
  char *dir;

  if (!copy)
    return NULL;
  dir = strdup(dirname(copy));
  free(copy);
  return dir;
}

static json_t *read_json(const char *file, tf__diag *diag)
{
  json_error_t err;
  struct stat st;
  json_t *root;

  if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
    tf__diag_add(diag, NULL, "is a folder, not a pipeline file");
    return NULL;
  }
  root = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
  if (!root) {
    if (err.line > 0)
      tf__diag_add(diag, NULL, "line %d, column %d: %s", err.line, err.column,
                   err.text);
    else
      tf__diag_add(diag, NULL, "%s", err.text);
    return NULL;
  }
  if (!json_is_object(root)) {
    tf__diag_add(diag, NULL, "a pipeline must be a JSON object");
    json_decref(root);
    return NULL;
  }
  return root;
}

int tf__pipeline_load(const char *file, tf__loader *loader, tf__diag *diag,
                      tf__pipeline **out)
{
  tf__pipeline *p;
  json_t *root;
  size_t problems;

  *out = NULL;
  root = read_json(file, diag);
  if (!root)
    return TF_ERR_CONFIG;
  p = calloc(1, sizeof(*p));
  if (!p || !(p->file = strdup(file)) || !(p->dir = folder_of(file))) {
    tf__diag_add(diag, NULL, "out of memory");
    tf__pipeline_free(p);
    json_decref(root);
    return TF_ERR_NOMEM;
  }
  problems = tf__pipeline_parse(p, root, diag);
  json_decref(root);
  problems += tf__pipeline_check_graph(p, diag);
  if (loader)
    problems += tf__pipeline_check_plugins(p, loader, diag);
  if (loader && !problems && !diag->n)
    problems += tf__pipeline_check_paths(p, diag);
  if (problems || diag->n || diag->nomem) {
    tf__pipeline_free(p);
    return TF_ERR_CONFIG;
  }
  *out = p;
  return TF_OK;
}

void tf__pipeline_free(tf__pipeline *p)
{
  size_t i, j;

  if (!p)
    return;
  for (i = 0; i < p->n_stages; i++) {
    tf__stage_def *s = &p->stages[i];

    free(s->id);
    free(s->plugin_name);
    for (j = 0; j < s->n_inputs; j++)
      free(s->inputs[j]);
    free(s->inputs);
    free(s->input_idx);
    json_decref(s->config_raw);
    json_decref(s->config);
    tf_config_free(s->cfg);
  }
  free(p->stages);
  free(p->order);
  free(p->file);
  free(p->dir);
  free(p->name);
  free(p->dead_letter_path);
  free(p);
}

long tf__pipeline_find(const tf__pipeline *p, const char *id)
{
  size_t i;

  for (i = 0; i < p->n_stages; i++)
    if (p->stages[i].id && strcmp(p->stages[i].id, id) == 0)
      return (long)i;
  return -1;
}
