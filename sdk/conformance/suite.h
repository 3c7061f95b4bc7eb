/*
 * suite.h - what every check shares: the plugin under test, its
 * conformance file, the list of checks, and helpers checks use to start an
 * instance and read fixtures.
 *
 * main.c fills tf_conf_run before the Check suite runs; each check runs in
 * its own forked process (CK_FORK), in a fresh empty folder that is also
 * $TF_CONFORMANCE_TMP, so a crash, a leak or a stray file of one check
 * never reaches another.
 */
#ifndef TF_CONFORMANCE_SUITE_H
#define TF_CONFORMANCE_SUITE_H

#include <check.h>
#include <stddef.h>
#include <touchflow/check.h>
#include <touchflow/plugin.h>

#include "conf_file.h"

/* Check's assertion messages are cut at about 4 kB; ours stay below. */
#define TF_CONF_MSG 1536

typedef struct tf_conf_run {
  const tf_plugin *plugin;
  /* The whole descriptor: the one of the plugin's kind is set. */
  const tf_source_plugin *source;
  const tf_transform_plugin *transform;
  const tf_sink_plugin *sink;
  const char *module_path;
  tf_conf_file file;
  const char *tmp_root;      /* parent of every check's folder */
  const char *default_input; /* the suite's own records (NDJSON) */
} tf_conf_run;

/* The run being checked; set by main.c, read-only in checks. */
extern tf_conf_run tf_conf;

/* One check: its name (as used in "skip" and reports), the kinds it
 * applies to (0: every kind) and its Check test function. */
typedef struct tf_conf_check {
  const char *name;
  tf_plugin_kind kind;
  const TTest *const *test; /* the address START_TEST's pointer */
  const char *what;         /* one line for the report and the docs */
} tf_conf_check;

/* The checks of each file, ended by a NULL name, in report order. */
extern const tf_conf_check tf_conf_common_checks[];
extern const tf_conf_check tf_conf_source_checks[];
extern const tf_conf_check tf_conf_transform_checks[];
extern const tf_conf_check tf_conf_sink_checks[];

/* A started instance with the sample config (or config when not NULL),
 * on a libtouchflow-check host whose stage id is "conformance": the option
 * table, then init() without check() (checks judge init() alone; see
 * check_sample for check()).  Fails the running check with the plugin's
 * messages when init fails. */
tf_check_host *tf_conf_start(const json_t *config);

/* The expanded sample config (new reference); fails the check on error. */
json_t *tf_conf_sample_config(void);

/* The input records for transforms and sinks as a new batch (records
 * parsed from the NDJSON file, original bytes kept); fails the check when
 * the file is missing, empty or holds a line that is not a JSON object. */
tf_batch *tf_conf_input_batch(void);

/* Runs fn(arg) in a child process, so that a crash is caught and named.
 * fn returns 0 when the case passed, else -1 with msg filled.  Returns 0
 * when the child passed; otherwise -1 with why saying what happened: the
 * case's own message, or the signal that killed it. */
typedef int (*tf_conf_case_fn)(const void *arg, char *msg, size_t len);
int tf_conf_isolated(tf_conf_case_fn fn, const void *arg, char *why,
                     size_t len);

/* Frees a host, a batch and a config, any of them NULL. */
void tf_conf_done(tf_check_host *h, tf_batch *batch, json_t *config);

#endif
