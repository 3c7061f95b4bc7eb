/*
 * fake_host.h - a small host for the dedupe tests: it collects what the
 * plugin emits, rejects, counts and logs, and drives one plugin instance
 * (validate the config, init, process, flush, fini) with Check assertions.
 */
#ifndef TF_DEDUPE_FAKE_HOST_H
#define TF_DEDUPE_FAKE_HOST_H

#include <touchflow/touchflow.h>

const tf_plugin *transform_dedupe_LTX_tf_plugin_entry(void);

/* What the plugin did since fake_host_setup(); owned by the fake host. */
extern tf_batch *fake_input;   /* records the next process() call gets */
extern tf_batch *fake_emitted; /* records the plugin emitted */
extern json_t *fake_rejects;   /* [{"code": ..., "message": ...}] */
extern json_t *fake_metrics;   /* {"name": total} */
extern char fake_logs[8192];   /* every line logged, one a line */

typedef struct instance {
  const tf_transform_plugin *plugin;
  tf_config *cfg;
  void *state;
} instance;

/* Check fixtures: fresh collections for every test. */
void fake_host_setup(void);
void fake_host_teardown(void);

/* Validates config_json against the option table (which must accept it),
 * then calls init and returns its result. */
int try_start(instance *in, const char *config_json);

/* try_start that must succeed without logging anything above debug; the
 * plugin's check() must accept the config too. */
void start(instance *in, const char *config_json);

/* try_start that init must refuse with TF_ERR_CONFIG, after logging every
 * problem the plugin's check() reports on the same config, in the same
 * order (check and init cannot disagree); frees the config. */
void start_refused(const char *config_json);

/* Runs the plugin's check() on cfg; problems gets one "error: PATH:
 * message" line per problem (as init() logs them).  Returns its code. */
int check_config(const tf_config *cfg, char problems[8192]);

void stop(instance *in);

/* Calls the plugin's flush and returns its result. */
int flush(instance *in);

/* Appends a record parsed from JSON text to fake_input. */
void add(const char *json_text);

/* Appends a touchpoint with these fields (NULL: null) to fake_input. */
void add_touchpoint(const char *id, const char *type, const char *date,
                    const char *medium, const char *campaign);

/* Processes fake_input, then empties it. */
void process(instance *in);

/* Processes fake_input and leaves it as it is. */
void process_keeping_input(instance *in);

/* A metric's total (0 when never counted). */
long long metric(const char *name);

/* The code and the message of reject i. */
const char *reject_code(size_t i);
const char *reject_message(size_t i);

/* Asserts that emitted record i has the string field `field` == value. */
void assert_emitted_field(size_t i, const char *field, const char *value);

/* Asserts that text occurs in fake_logs. */
void assert_logged(const char *text);

#endif
