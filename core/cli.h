/*
 * cli.h - the touchflow command line: parsed arguments and the commands.
 *
 * Commands (docs/contract.md#commands): run, validate, check-connection,
 * plugins, inspect, explain, --version, --help.  Each returns the process exit
 * status (0, 1 or 2).
 */
#ifndef TF_CORE_CLI_H
#define TF_CORE_CLI_H

#include <stddef.h>

#include "runner.h"

#define TF_CLI_MAX_PATHS 32

typedef struct tf__cli_args {
  const char *command;
  const char *target; /* PIPELINE.json or PLUGIN */
  const char *plugin_paths[TF_CLI_MAX_PATHS];
  size_t n_plugin_paths;
  const char *state_dir;
  int man; /* plugins --man: touchflow-plugins(7) */
  int json;
  /* explain: the visitor (one of the three) */
  const char *explain_biz_uid;
  const char *explain_email;
  const char *explain_record; /* FILE:LINE */
  tf__run_options run;
} tf__cli_args;

/* Parses argv after the command name.  2 on a usage error (printed). */
int tf__cli_parse(int argc, char **argv, tf__cli_args *args);

int tf__cmd_run(const tf__cli_args *args);
/* `touchflow state DIR`: prints what the checkpoint in DIR holds. */
int tf__cmd_state(const char *dir);
int tf__cmd_validate(const tf__cli_args *args);
/* `touchflow check-connection PIPELINE`: init, check_connection and fini
 * of each stage that has the member; 0 all ok, 1 a check failed, 2 usage
 * or pipeline error (cmd_check_connection.c). */
int tf__cmd_check_connection(const tf__cli_args *args);
int tf__cmd_plugins(const tf__cli_args *args);
int tf__cmd_inspect(const tf__cli_args *args);
/* `touchflow explain PIPELINE --biz-uid ID | --email ADDR | --record
 * FILE:LINE` (cmd_explain.c). */
int tf__cmd_explain(const tf__cli_args *args);
/* `new-plugin`: parses its own arguments (those after the command). */
int tf__cmd_new_plugin(int argc, char **argv);

/* The value of the option NAME at argv[*i], given as "NAME VALUE" (then *i
 * moves past VALUE) or "NAME=VALUE"; NULL when argv[*i] is not NAME or
 * the value is missing.  Borrowed from argv. */
const char *tf__cli_option_value(int argc, char **argv, int *i,
                                 const char *name);

/* Loads and checks args->target; prints the problems (and, for run,
 * writes them to --summary-json).  NULL when invalid; the caller frees
 * the pipeline (cmd_run.c). */
struct tf__pipeline *tf__cli_load_checked(const tf__cli_args *args,
                                          struct tf__loader *loader);

/* The loader for args->plugin_paths, or NULL after printing why. */
struct tf__loader *tf__cli_loader(const tf__cli_args *args);

#endif
