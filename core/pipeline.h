/*
 * pipeline.h - the pipeline file, read and checked (internal to the host).
 *
 * tf__pipeline_load() reads a pipeline file
 * (docs/contract.md#the-pipeline-file) and checks everything that can be
 * checked before a record moves:
 * the JSON (duplicate keys rejected), unknown keys with "did you mean",
 * stage ids, inputs, cycles, sources that reach no sink, ${ENV} references,
 * each plugin (found, right kind) and each plugin's config against its
 * option table and then the plugin's own check().  It reports every
 * problem into a tf__diag.
 *
 * Stages are kept in file order (sources, then transforms, then sinks);
 * `order` is a topological order of the graph the runner follows.
 */
#ifndef TF_CORE_PIPELINE_H
#define TF_CORE_PIPELINE_H

#include <jansson.h>
#include <touchflow/plugin.h>

#include "diag.h"
#include "loader.h"

typedef struct tf__stage_def {
  char *id;
  tf_plugin_kind kind;
  char *plugin_name;
  char json_path[48]; /* "transforms[0]" */
  char **inputs;      /* ids as written */
  size_t n_inputs;
  size_t *input_idx;  /* resolved indexes into tf__pipeline.stages */
  json_t *config_raw; /* as written (a reference) */
  json_t *config;     /* after ${ENV} substitution (a reference) */
  tf__loaded_plugin plugin;
  tf_config *cfg; /* validated config, owned */
} tf__stage_def;

typedef struct tf__pipeline {
  char *file; /* as given on the command line */
  char *dir;  /* its folder: relative paths resolve against it */
  char *name;
  tf__stage_def *stages;
  size_t n_stages;
  size_t *order;          /* topological order of stage indexes */
  char *dead_letter_path; /* resolved */
} tf__pipeline;

/* Reads and checks FILE.  Returns TF_OK and a pipeline in *out, or
 * TF_ERR_CONFIG (problems in diag, *out NULL).  loader may be NULL to skip
 * plugin checks (not used by the commands). */
int tf__pipeline_load(const char *file, tf__loader *loader, tf__diag *diag,
                      tf__pipeline **out);

void tf__pipeline_free(tf__pipeline *p);

/* Index of the stage with this id, or -1. */
long tf__pipeline_find(const tf__pipeline *p, const char *id);

/* --- The steps of tf__pipeline_load, one file each ---------------------- */

/* pipeline_parse.c: JSON structure and keys -> stages.  Returns the number
 * of problems added. */
size_t tf__pipeline_parse(tf__pipeline *p, const json_t *root, tf__diag *diag);

/* env_subst.c: a copy of value with every "${NAME}" replaced; problems
 * (unset variable, unterminated reference) are reported at json_path.
 * Returns a new reference, or NULL after reporting. */
json_t *tf__env_subst(const json_t *value, const char *json_path,
                      tf__diag *diag);

/* dag.c: ids, inputs, cycles, reachability; fills input_idx and order. */
size_t tf__pipeline_check_graph(tf__pipeline *p, tf__diag *diag);

/* pipeline_plugins.c: finds every stage's plugin and validates its config
 * against the option table, then with the plugin's own check(). */
size_t tf__pipeline_check_plugins(tf__pipeline *p, tf__loader *loader,
                                  tf__diag *diag);

/* pathcheck.c: refuses an output file that is also an input or another
 * output (after resolving "." / ".." / symbolic links of its folder).
 * Returns the number of problems added. */
size_t tf__pipeline_check_paths(const tf__pipeline *p, tf__diag *diag);

/* plugin_check.c: runs the plugin's check() (when it has one) on the
 * stage's validated config (s->cfg; nothing to do when NULL), reporting
 * each problem at "STAGE.config.PATH" with secret values masked.  Returns
 * the number of problems added. */
size_t tf__pipeline_check_plugin_config(const tf__stage_def *s, tf__diag *diag);

#endif
