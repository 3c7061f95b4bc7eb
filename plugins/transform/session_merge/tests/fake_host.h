/*
 * fake_host.h - a small host for the session_merge tests: it keeps what
 * the plugin emits, rejects, counts and logs, and runs the plugin through
 * its lifecycle (config validated against the plugin's own option table).
 */
#ifndef SM_FAKE_HOST_H
#define SM_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/touchflow.h>

extern const tf_host fake_host;
extern tf_ctx *const fake_ctx;

/* Empties everything the host recorded.  Call in each test's setup. */
void fake_reset(void);

/* Frees everything the host recorded.  Call in each test's teardown. */
void fake_free(void);

/* What the plugin emitted so far, in order (borrowed). */
const tf_batch *fake_output(void);
size_t fake_output_count(void);
const json_t *fake_output_json(size_t i);

/* The dead-lettered records, in order. */
size_t fake_reject_count(void);
const char *fake_reject_code(size_t i);
const char *fake_reject_message(size_t i);
const tf_record *fake_reject_record(size_t i);

/* The sum of the deltas reported for a metric (0 when never reported). */
int64_t fake_metric(const char *name);

/* Everything logged, one line per call. */
const char *fake_logs(void);

/* A record parsed from JSON text (the test owns the reference). */
tf_record *fake_record(const char *json);

/* One running plugin instance. */
typedef struct fake_stage {
  const tf_transform_plugin *plugin;
  tf_config *cfg;
  void *state;
} fake_stage;

/* Validates config_json against the plugin's options (any problem fails
 * the test) and calls init; returns what init returned. */
int fake_start(fake_stage *st, const char *config_json);

/* Calls fini and frees the config. */
void fake_stop(fake_stage *st);

/* Sends the records (stolen) as one batch; returns what process returned. */
int fake_process(fake_stage *st, tf_record **records, size_t n);

/* Hands the plugin an input watermark, as the host does when every input
 * has passed it; returns what advance returned. */
int fake_advance(fake_stage *st, int64_t watermark);

/* Calls flush; returns what it returned. */
int fake_flush(fake_stage *st);

#endif
