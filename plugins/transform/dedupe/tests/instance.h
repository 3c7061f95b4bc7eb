/*
 * instance.h - one dedupe instance on libtouchflow-check's host for the
 * dedupe tests: the host collects what the plugin emits, rejects, counts
 * and logs; these helpers drive the instance (validate the config, init,
 * process, flush, fini) with Check assertions.
 */
#ifndef TF_DEDUPE_INSTANCE_H
#define TF_DEDUPE_INSTANCE_H

#include <touchflow/check.h>
#include <touchflow/touchflow.h>

const tf_plugin *transform_dedupe_LTX_tf_plugin_entry(void);

/* The records the next process() call gets; owned here. */
extern tf_batch *test_input;

/* What the plugin did since host_setup(), borrowed from the host: the
 * records it emitted, its rejects ([{"code", "message", ...}], see
 * tf_check_rejects_json) and every line it logged, as "level: text" lines
 * each ended by a newline. */
const tf_batch *emitted(void);
const json_t *rejects(void);
const char *logs(void);

/* Forgets the lines logged so far. */
void clear_logs(void);

/* The started instance: the plugin, its validated config and its state
 * (borrowed from the host; valid until stop() or the next start). */
typedef struct instance {
  const tf_transform_plugin *plugin;
  const tf_config *cfg;
  void *state;
} instance;

/* Check fixtures: a fresh host and input for every test. */
void host_setup(void);
void host_teardown(void);

/* Validates config_json against the option table (which must accept it),
 * then calls init and returns its result. */
int try_start(instance *in, const char *config_json);

/* try_start that must succeed without logging anything above debug; the
 * plugin's check() must accept the config too. */
void start(instance *in, const char *config_json);

/* try_start that init must refuse with TF_ERR_CONFIG, after logging every
 * problem the plugin's check() reports on the same config, in the same
 * order (check and init cannot disagree). */
void start_refused(const char *config_json);

/* Runs the plugin's check() on cfg; problems gets one "error: PATH:
 * message" line per problem (as init() logs them).  Returns its code. */
int check_config(const tf_config *cfg, char problems[8192]);

/* Calls fini(). */
void stop(instance *in);

/* Calls the plugin's flush and returns its result. */
int flush(instance *in);

/* Appends a record parsed from JSON text to test_input. */
void add(const char *json_text);

/* Appends a touchpoint with these fields (NULL: null) to test_input. */
void add_touchpoint(const char *id, const char *type, const char *date,
                    const char *medium, const char *campaign);

/* Processes test_input, then empties it. */
void process(instance *in);

/* Processes test_input and leaves it as it is. */
void process_keeping_input(instance *in);

/* A metric's total (0 when never counted). */
long long metric(const char *name);

/* The code and the message of reject i. */
const char *reject_code(size_t i);
const char *reject_message(size_t i);

/* Asserts that emitted record i has the string field `field` == value. */
void assert_emitted_field(size_t i, const char *field, const char *value);

/* Asserts that text occurs in logs(). */
void assert_logged(const char *text);

#endif
