/*
 * instance.h - the marketo sink's tests' host and sink instance.  The host
 * is a tf_check_host (<touchflow/check.h>) that collects the rejects,
 * counters and log lines; an instance is started the way the runner
 * starts it after `validate`: the option table, then init() (not check():
 * the tests prove init() refuses on its own).
 */
#ifndef MKTO_TEST_INSTANCE_H
#define MKTO_TEST_INSTANCE_H

#include <stddef.h>
#include <jansson.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>

/* The host every test runs the sink through; owned here. */
extern tf_check_host *harness;

/* A new, empty host (frees the one before). */
void harness_reset(void);

/* Frees the host (for teardown). */
void harness_done(void);

/* Every log line, joined by newlines (for failure messages); borrowed,
 * valid until the next call. */
const char *harness_log_text(void);

/* A running sink instance. */
typedef struct sink_instance {
  const tf_sink_plugin *plugin;
  tf_config *cfg;
  void *state;
} sink_instance;

/* Validates config_json against the plugin's table (which must pass) and
 * calls init() with the harness; returns init's code. */
int sink_start(sink_instance *sink, const char *config_json);

/* write() of the records of a JSON array, in batches of batch_records
 * like the runner; returns the last verdict that was not TF_SINK_OK, else
 * TF_SINK_OK. */
tf_sink_result sink_write_json(sink_instance *sink, const json_t *records,
                               size_t batch_records);

/* fini() and frees the config; harmless when not started. */
void sink_stop(sink_instance *sink);

#endif
