/*
 * touchflow/check.h - a host for testing one plugin, outside any pipeline
 * (library libtouchflow-check, pkg-config touchflow-check).
 *
 * A tf_check_host drives one plugin instance through its lifecycle with a
 * real tf_host table and keeps everything the plugin hands back: emitted
 * records (in order), rejected records with their code, message and
 * origin, metric totals, log lines with their level, and the output
 * watermark declared through host->watermark.  Nothing is written
 * anywhere; a test reads the host afterwards.
 *
 *   tf_check_host *h = tf_check_host_new(my_plugin_entry(), "hits");
 *   ck_assert_int_eq(tf_check_host_init_text(h, "{\"path\": \"in.ndjson\"}",
 *                                            FIXTURES), TF_OK);
 *   ck_assert_int_eq(tf_check_produce_all(h, 64, 1000), TF_DONE);
 *   ck_assert_uint_eq(tf_check_emitted_count(h), 4);
 *   ck_assert_str_eq(tf_check_reject_get(h, 0)->code, "invalid_json");
 *   tf_check_host_free(h);
 *
 * The library does not depend on any test framework: functions return
 * codes, and the helpers that compare write a readable message into a
 * buffer, so they serve Check, cmocka or a plain main() alike.  Only
 * TF_CHECK_MAIN (at the end) is Check glue; it is a macro, so <check.h>
 * is needed only where it is expanded.
 *
 * Tests that call a plugin's internal functions directly, or start several
 * instances by hand, use tf_check_host_table() and tf_check_ctx(): the
 * host then collects what those calls hand back, as it does for the
 * instance it runs itself.
 *
 * Ownership: the plugin descriptor is borrowed and must outlive the host.
 * The host owns the validated config, one reference to every emitted and
 * rejected record, and copies of every string; everything an accessor
 * returns is borrowed and valid until the next call that changes the host
 * (a plugin callback, tf_check_clear, tf_check_host_free).
 * Not thread-safe: one host per thread.
 */
#ifndef TOUCHFLOW_CHECK_H
#define TOUCHFLOW_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "batch.h"
#include "host.h"
#include "plugin.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_check_host tf_check_host;

/* One record a plugin passed to host->reject(). */
typedef struct tf_check_reject {
  tf_record *record;   /* a reference the host holds; NULL if none given */
  const char *code;    /* never NULL ("(null)" when the plugin gave none) */
  const char *message; /* never NULL */
  tf_origin origin;    /* the record's origin (file NULL when unknown) */
} tf_check_reject;

/* --- The host and the instance ---------------------------------------- */

/* A host for `plugin` (borrowed) whose host->stage_id answers stage_id
 * (copied; NULL: "test").  NULL on ENOMEM.  plugin may be NULL for a test
 * that only calls a plugin's internal functions with the host's table and
 * ctx: the lifecycle calls then return TF_ERR_INVAL / TF_ERR_UNSUPPORTED. */
tf_check_host *tf_check_host_new(const tf_plugin *plugin, const char *stage_id);

/* Calls fini() when an init() through tf_check_host_init succeeded and
 * fini was not called yet, then frees everything.  NULL-safe. */
void tf_check_host_free(tf_check_host *h);

/* Validates config (borrowed; NULL is an empty config) against the
 * plugin's option table, resolving path options against base_dir (NULL:
 * leave them as given), runs the plugin's check() when it has one, then
 * init().  Returns TF_OK; TF_ERR_CONFIG when the option table or check()
 * refused the config (each problem is kept as an error message, see
 * tf_check_messages_text); or init()'s own negative code.  Calling it
 * again on a live instance calls fini() first. */
int tf_check_host_init(tf_check_host *h, const json_t *config,
                       const char *base_dir);

/* tf_check_host_init without the plugin's check(): the option table, then
 * init() alone.  For tests of what init() itself refuses (a host is not
 * bound to validate first, so init() must not trust check() to have run),
 * and of a check() stricter than init().  Same returns as
 * tf_check_host_init. */
int tf_check_host_init_unchecked(tf_check_host *h, const json_t *config,
                                 const char *base_dir);

/* What `touchflow validate` does, without init(): validates config
 * against the option table (paths against base_dir), then runs the
 * plugin's check() when it has one.  Returns TF_OK (also for a plugin
 * without check()); TF_ERR_CONFIG when the option table refused the
 * config, or check() reported a problem and still returned TF_OK; else
 * check()'s own code.  Each problem is kept as an error message
 * ("invalid: PATH: ...", "check: PATH: ...").  The validated config stays
 * readable with tf_check_config; a live instance is finished first. */
int tf_check_host_validate(tf_check_host *h, const json_t *config,
                           const char *base_dir);

/* tf_check_host_init with the config as JSON text; TF_ERR_PARSE (and a
 * message) when the text is not a JSON object. */
int tf_check_host_init_text(tf_check_host *h, const char *config_json,
                            const char *base_dir);

/* Calls fini() now, once (harmless when not live). */
void tf_check_host_fini(tf_check_host *h);

/* 1 between a successful tf_check_host_init and fini. */
int tf_check_live(const tf_check_host *h);

/* The plugin's state, the validated config (NULL before init) and the
 * plugin, for calling callbacks the host has no wrapper for.  Borrowed. */
void *tf_check_state(const tf_check_host *h);
const tf_config *tf_check_config(const tf_check_host *h);
const tf_plugin *tf_check_plugin(const tf_check_host *h);

/* The host table and ctx this host hands to the plugin: for tests that
 * call a plugin's functions, or its init(), themselves.  Borrowed; valid
 * until tf_check_host_free. */
const tf_host *tf_check_host_table(const tf_check_host *h);
tf_ctx *tf_check_ctx(tf_check_host *h);

/* --- The lifecycle (each returns TF_ERR_INVAL when the instance is not
 * live, TF_ERR_UNSUPPORTED when the plugin's kind or descriptor has no
 * such callback) ---------------------------------------------------------- */

/* Sources: one produce(state, ctx, max): TF_MORE, TF_DONE or an error. */
int tf_check_produce(tf_check_host *h, size_t max);

/* Sources: produce(max) until TF_DONE, an error, or max_calls calls.
 * Returns TF_DONE, the error, or TF_MORE when max_calls ran out. */
int tf_check_produce_all(tf_check_host *h, size_t max, size_t max_calls);

/* Sources: the plugin's watermark() (TF_WATERMARK_UNKNOWN without one). */
int64_t tf_check_source_watermark(tf_check_host *h);

/* Transforms: process(batch) (batch borrowed).  TF_OK or the error. */
int tf_check_process(tf_check_host *h, const tf_batch *batch);

/* Transforms: advance(wm).  A transform without advance() forwards its
 * input watermark, so the host records wm as declared and returns TF_OK.
 * Sinks: their advance(wm) (appended after ABI 2.0), or
 * TF_ERR_UNSUPPORTED for a sink without it. */
int tf_check_advance(tf_check_host *h, int64_t wm);

/* Sinks: write(batch) (borrowed); the verdict, or TF_SINK_ERROR when the
 * instance is not live. */
tf_sink_result tf_check_write(tf_check_host *h, const tf_batch *batch);

/* Transforms and sinks: flush(); TF_OK without one.  A transform's
 * TF_FLUSH_AGAIN is honoured: flush is called again (at most 100000
 * times, then TF_ERR_PLUGIN).  TF_OK or the error. */
int tf_check_flush(tf_check_host *h);

/* Passthroughs: position()/snapshot() store a new reference the caller
 * owns; seek()/restore() borrow.  TF_ERR_UNSUPPORTED without one. */
int tf_check_position(tf_check_host *h, json_t **position);
int tf_check_seek(tf_check_host *h, const json_t *position);
int tf_check_snapshot(tf_check_host *h, json_t **snapshot);
int tf_check_restore(tf_check_host *h, const json_t *snapshot);

/* --- What the plugin handed back -------------------------------------- */

/* The emitted records, in order: the batch itself, a count and the i-th
 * (NULL out of range).  Borrowed. */
const tf_batch *tf_check_emitted(const tf_check_host *h);
size_t tf_check_emitted_count(const tf_check_host *h);
tf_record *tf_check_emitted_get(const tf_check_host *h, size_t i);

/* The rejects, in order; NULL out of range.  Borrowed. */
size_t tf_check_reject_count(const tf_check_host *h);
const tf_check_reject *tf_check_reject_get(const tf_check_host *h, size_t i);

/* The rejects as JSON, for tests that compare JSON: an array of
 * {"code", "message", "file" (string or null), "line", "record" (the
 * record's object, or null for a raw record), "text" (the record's bytes;
 * "" when it has none)}.  Borrowed. */
const json_t *tf_check_rejects_json(const tf_check_host *h);

/* The total of counter `name` (0 when never reported), and every counter
 * as a JSON object {"name": total} (borrowed). */
int64_t tf_check_metric(const tf_check_host *h, const char *name);
const json_t *tf_check_metrics_json(const tf_check_host *h);

/* Log lines, in order: count, the i-th text (NULL out of range) and its
 * level (into *level when not NULL); the last line ("" before any). */
size_t tf_check_log_count(const tf_check_host *h);
const char *tf_check_log_line(const tf_check_host *h, size_t i,
                              tf_log_level *level);
const char *tf_check_last_log(const tf_check_host *h);

/* 1 when a log line contains needle. */
int tf_check_log_contains(const tf_check_host *h, const char *needle);

/* The output watermark declared with host->watermark (never lower than
 * before); TF_WATERMARK_UNKNOWN before any. */
int64_t tf_check_watermark(const tf_check_host *h);

/* How many errors the host saw: TF_LOG_ERROR lines, config problems
 * (option table and check()), a sink calling emit. */
size_t tf_check_error_count(const tf_check_host *h);

/* Config problems and log lines ("invalid: PATH: ...", "check: PATH: ...",
 * "error: ...", "warning: ...") joined with "; " into buf (cut at len);
 * "(no message)" when there is none.  Returns buf. */
const char *tf_check_messages_text(const tf_check_host *h, char *buf,
                                   size_t len);

/* Forgets the emitted records, rejects, metrics, log lines and messages
 * (the instance and the watermark stay). */
void tf_check_clear(tf_check_host *h);

/* Forgets the emitted records and rejects only: the log lines, messages,
 * error count and metrics stay, so a test that takes a source's records
 * call by call still reports every message of the run on failure. */
void tf_check_clear_records(tf_check_host *h);

/* --- NDJSON and comparisons ------------------------------------------- */

/* Reads an NDJSON file into a new batch (*out, free with tf_batch_free),
 * each record with its origin (path, line); blank lines are skipped.
 * TF_OK; TF_ERR_IO when the file cannot be read, TF_ERR_PARSE for a line
 * that is not a JSON object, each with a one-line reason in err (may be
 * NULL). */
int tf_check_read_ndjson(const char *path, tf_batch **out, char *err,
                         size_t errlen);

/* A record as comparable text: compact JSON with sorted keys, or "raw:"
 * and its bytes for a raw record.  NULL on ENOMEM; the caller frees. */
char *tf_check_record_text(const tf_record *rec);

/* Compares two runs of records, in order, by JSON equality (key order and
 * number spelling do not matter; a raw record equals a raw record with the
 * same bytes).  TF_OK when equal; else TF_ERR_INVAL and msg (may be NULL)
 * says the first difference: "record 3 differs: expected {...}, got
 * {...}", "expected 4 records, got 5: record 5 is {...}". */
int tf_check_compare_batches(const tf_batch *got, const tf_batch *expected,
                             char *msg, size_t len);

/* tf_check_compare_batches against the records of an NDJSON file;
 * TF_ERR_IO / TF_ERR_PARSE (and msg) when it cannot be read. */
int tf_check_compare_ndjson(const tf_batch *got, const char *expected_path,
                            char *msg, size_t len);

/* --- Golden cases ----------------------------------------------------- */

/* Runs one golden case: the folder `dir` holds
 *   config.json             the stage's config (paths in it are relative
 *                           to dir);
 *   input.ndjson            transforms and sinks: the input, given as one
 *                           batch (optional: none is an empty input);
 *   expected.ndjson         the records emitted, in order (optional for a
 *                           sink, which emits none; absent = none);
 *   expected_rejects.ndjson optional: one line per expected reject, in
 *                           order: {"code": "...", "line": N} ("line" is
 *                           optional and compared with the rejected
 *                           record's origin line, "message" optional and
 *                           looked for inside the message); absent means
 *                           no reject is expected.
 * A source is run with produce(64) to TF_DONE; a transform gets process()
 * then flush(); a sink write() then flush().  Init must succeed and no
 * error may be logged.  Returns TF_OK when everything matched; else a
 * negative code and msg (may be NULL) says the first mismatch, prefixed
 * with the case folder. */
int tf_check_golden_dir(const tf_plugin *plugin, const char *dir, char *msg,
                        size_t len);

/* Runs every subfolder of root that holds a config.json as a golden case,
 * in name order, and goes on after a failure.  *cases (when not NULL)
 * receives how many ran.  TF_OK when all passed; TF_ERR_NOTFOUND (and a
 * message) when root holds no case; else the first failure's code, and
 * msg lists every failing case, one per line. */
int tf_check_golden_tree(const tf_plugin *plugin, const char *root,
                         size_t *cases, char *msg, size_t len);

/* --- Check glue --------------------------------------------------------
 * TF_CHECK_MAIN(NAME, tcase_fn, ...) defines main() for a Check test
 * program: a suite NAME made of the TCases that the listed functions
 * (TCase *fn(void)) create, run with CK_ENV verbosity (CK_VERBOSITY) and
 * Check's CK_FORK environment variable honoured, exit status EXIT_FAILURE
 * when a test failed.  Include <check.h> before expanding it.
 *
 *   static TCase *map_tests(void)
 *   {
 *     TCase *tc = tcase_create("map");
 *     tcase_add_test(tc, test_page_view);
 *     return tc;
 *   }
 *   TF_CHECK_MAIN("source_web", map_tests, run_tests)
 */
#define TF_CHECK_MAIN(NAME, ...)                                               \
  int main(void)                                                               \
  {                                                                            \
    TCase *(*const tf_check_tcases_[])(void) = {__VA_ARGS__};                  \
    Suite *tf_check_suite_ = suite_create(NAME);                               \
    SRunner *tf_check_runner_;                                                 \
    size_t tf_check_i_;                                                        \
    int tf_check_failed_;                                                      \
                                                                               \
    for (tf_check_i_ = 0;                                                      \
         tf_check_i_ < sizeof(tf_check_tcases_) / sizeof(tf_check_tcases_[0]); \
         tf_check_i_++)                                                        \
      suite_add_tcase(tf_check_suite_, tf_check_tcases_[tf_check_i_]());       \
    tf_check_runner_ = srunner_create(tf_check_suite_);                        \
    srunner_run_all(tf_check_runner_, CK_ENV);                                 \
    tf_check_failed_ = srunner_ntests_failed(tf_check_runner_);                \
    srunner_free(tf_check_runner_);                                            \
    return tf_check_failed_ ? EXIT_FAILURE : EXIT_SUCCESS;                     \
  }

#ifdef __cplusplus
}
#endif
#endif
