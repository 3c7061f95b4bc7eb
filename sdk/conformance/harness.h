/*
 * harness.h - a host for one plugin instance outside any pipeline, for the
 * conformance suite and for plugin tests.
 *
 * The harness validates a JSON config against the plugin's option table,
 * calls init() with its own tf_host table (or only the plugin's check()),
 * and keeps what the plugin hands back: every emitted record (in order), every
 * rejected record with its code, and every log line and validation message.
 * Nothing is written anywhere; checks read the harness afterwards.
 *
 * Ownership: the harness owns the config, the emitted records (one
 * reference each) and copies of the rejected records' references; the
 * plugin descriptor is borrowed and must outlive the harness.
 */
#ifndef TF_CONFORMANCE_HARNESS_H
#define TF_CONFORMANCE_HARNESS_H

#include <stddef.h>
#include <touchflow/plugin.h>

/* One record a plugin passed to host->reject(). */
typedef struct tf_harness_reject {
  tf_record *record; /* a reference the harness took */
  char *code;
  char *message;
} tf_harness_reject;

typedef struct tf_harness tf_harness;

/* A harness for plugin (borrowed).  NULL on ENOMEM. */
tf_harness *tf_harness_new(const tf_plugin *plugin);

/* Calls fini() when init() succeeded, then frees everything.  NULL-safe. */
void tf_harness_free(tf_harness *h);

/* Validates config (borrowed; may be NULL) against the option table,
 * resolving path options against base_dir, then calls init().  Returns
 * TF_OK; TF_ERR_CONFIG when validation refused the config (the messages
 * are kept, see tf_harness_messages); or init()'s own negative code. */
int tf_harness_init(tf_harness *h, const json_t *config, const char *base_dir);

/* 1 when the plugin has a check(). */
int tf_harness_has_check(const tf_plugin *plugin);

/* Validates config like tf_harness_init, then calls the plugin's check()
 * instead of init(), keeping each problem it reports as a
 * message "check: PATH: message" that counts as an error.  Returns TF_OK
 * when the plugin has no check(); TF_ERR_CONFIG when validation refused
 * the config; else what check() returned, or TF_ERR_CONFIG when it
 * reported a problem and still returned TF_OK. */
int tf_harness_check(tf_harness *h, const json_t *config, const char *base_dir);

/* 1 when init() returned TF_OK and fini() has not been called yet. */
int tf_harness_live(const tf_harness *h);

/* The plugin's state, for calling its callbacks directly. */
void *tf_harness_state(const tf_harness *h);

/* The ctx handed to the plugin, for calling its callbacks directly. */
tf_ctx *tf_harness_ctx(tf_harness *h);

/* Calls fini() now (once). */
void tf_harness_fini(tf_harness *h);

/* Calls produce(state, ctx, max) until TF_DONE, an error, or max_calls
 * calls.  Returns TF_DONE, the error, or TF_MORE when max_calls ran out. */
int tf_harness_produce_all(tf_harness *h, size_t max, size_t max_calls);

/* Records emitted so far, in order (borrowed). */
size_t tf_harness_emitted_count(const tf_harness *h);
tf_record *tf_harness_emitted(const tf_harness *h, size_t i);

/* Records rejected so far, in order (borrowed). */
size_t tf_harness_rejected_count(const tf_harness *h);
const tf_harness_reject *tf_harness_rejected(const tf_harness *h, size_t i);

/* Drops the emitted and rejected records kept so far. */
void tf_harness_clear(tf_harness *h);

/* Validation messages and log lines ("error: ..."), borrowed; and how many
 * of them were errors (validation problems or TF_LOG_ERROR lines). */
const json_t *tf_harness_messages(const tf_harness *h);
size_t tf_harness_error_count(const tf_harness *h);

/* The messages joined with "; " into buf (truncated to len). */
const char *tf_harness_messages_text(const tf_harness *h, char *buf,
                                     size_t len);

/* A record as comparable text: compact JSON with sorted keys, or
 * "raw:" and its bytes for a raw record.  The caller frees it. */
char *tf_harness_record_text(const tf_record *rec);

#endif
