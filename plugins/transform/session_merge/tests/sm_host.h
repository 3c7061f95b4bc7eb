/*
 * sm_host.h - session_merge's tests on the installed test host
 * (<touchflow/check.h>, libtouchflow-check): one host for the test, kept
 * across instances, so that what a stopped instance emitted, rejected,
 * counted and logged stays readable after a fresh one restored its
 * snapshot.  These are short names for the calls the tests make; the host
 * itself (records kept, rejects, metrics, logs, config validated against
 * the plugin's option table and check()) is libtouchflow-check's.
 */
#ifndef SM_HOST_H
#define SM_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/touchflow.h>

/* The host's table and ctx, for tests that call the plugin's internal
 * functions (sm_merge_drain) themselves.  Valid until host_free(). */
const tf_host *host_table(void);
tf_ctx *host_ctx(void);

/* A new host for session_merge, stage id "merge".  Each test's setup. */
void host_reset(void);

/* Frees the host and everything it kept.  Each test's teardown. */
void host_free(void);

/* What the plugin emitted so far, in order (borrowed). */
const tf_batch *host_output(void);
size_t host_output_count(void);
const json_t *host_output_json(size_t i);

/* The dead-lettered records, in order (borrowed). */
size_t host_reject_count(void);
const char *host_reject_code(size_t i);
const char *host_reject_message(size_t i);
const tf_record *host_reject_record(size_t i);

/* The sum of the deltas reported for a metric (0 when never reported). */
int64_t host_metric(const char *name);

/* Everything logged, one line per call ("" before any; borrowed until
 * the next call). */
const char *host_logs(void);

/* A record parsed from JSON text (the test owns the reference). */
tf_record *host_record(const char *json);

/* The running instance: the plugin, its validated config and its state,
 * for the callbacks the tests call directly (snapshot, restore). */
typedef struct host_stage {
  const tf_transform_plugin *plugin;
  const tf_config *cfg;
  void *state;
} host_stage;

/* Validates config_json against the plugin's options and check() (any
 * problem fails the test) and calls init, finishing the instance before
 * when one is live; returns what init returned. */
int host_start(host_stage *st, const char *config_json);

/* Calls fini (what the instance emitted stays readable). */
void host_stop(host_stage *st);

/* Sends the records (stolen) as one batch; returns what process returned. */
int host_process(host_stage *st, tf_record **records, size_t n);

/* Hands the plugin an input watermark, as the host does when every input
 * has passed it; returns what advance returned. */
int host_advance(host_stage *st, int64_t watermark);

/* Calls flush; returns what it returned. */
int host_flush(host_stage *st);

#endif
