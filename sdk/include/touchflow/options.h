/*
 * touchflow/options.h - declarative plugin options and the validated config.
 *
 * A plugin describes every option it takes in a table of tf_option, ended by
 * an entry whose name is NULL.  The host (never the plugin) checks the user's
 * JSON config against that table: unknown keys (with a "did you mean"),
 * types, required options, ranges and allowed values.  It reports every
 * problem, not only the first, then hands the plugin a tf_config with
 * defaults filled in and units converted (sizes to bytes, durations to
 * milliseconds).  `touchflow inspect` prints the same table.
 */
#ifndef TOUCHFLOW_OPTIONS_H
#define TOUCHFLOW_OPTIONS_H

#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tf_option_type {
  TF_OPT_STRING = 1,
  TF_OPT_INT,      /* a JSON integer */
  TF_OPT_BOOL,     /* true / false */
  TF_OPT_DOUBLE,   /* any JSON number */
  TF_OPT_SIZE,     /* integer bytes or "64M" (K, M, G: powers of 1024) */
  TF_OPT_DURATION, /* integer seconds or "250ms", "30s", "30m", "2h", "1d" */
  TF_OPT_ENUM,     /* a string from the allowed list */
  TF_OPT_LIST,     /* a JSON array of strings (objects: TF_OPT_OBJECTS) */
  TF_OPT_OBJECT    /* a JSON object */
} tf_option_type;

/* Option flags. */
/* The user must give a value. */
#define TF_OPT_REQUIRED 0x1u
/* Never printed; the raw value must be one "${ENV}" reference. */
#define TF_OPT_SECRET 0x2u
/* min and max below apply. */
#define TF_OPT_RANGE 0x4u
/* A file path or glob: relative values are resolved against the pipeline's
 * folder (for a list, each element). */
#define TF_OPT_PATH 0x8u
/* For TF_OPT_LIST: the elements are JSON objects, copied as they are for
 * the plugin to check, instead of strings. */
#define TF_OPT_OBJECTS 0x10u
/* With TF_OPT_PATH on a sink's option: a file the sink reads, once, in
 * flush() (the end of the run), not one it writes.  It may name a file the
 * run itself writes, such as the dead-letter file: the collision checks of
 * `validate` leave it out. */
#define TF_OPT_READ_AT_END 0x20u

typedef struct tf_option {
  const char *name;
  tf_option_type type;
  /* Default as the user would write it in JSON text ("30m", "true", "300",
   * "\"ndjson\"" is not needed: strings are written bare, e.g. "ndjson").
   * NULL: no default (the option is unset unless given). */
  const char *default_value;
  unsigned flags;
  /* With TF_OPT_RANGE: inclusive bounds, in the converted unit (bytes for
   * sizes, milliseconds for durations, elements for lists). */
  double min, max;
  /* For TF_OPT_ENUM: the allowed values, NULL-terminated. */
  const char *const *allowed;
  const char *description;
} tf_option;

/* The validated configuration a plugin receives.  Opaque; read it with the
 * accessors below.  Owned by the host for the plugin's lifetime: a plugin
 * must copy anything it keeps past fini(). */
typedef struct tf_config tf_config;

/* The value of a string, enum or path option; NULL when unset.  Paths come
 * back resolved against the pipeline folder. */
const char *tf_config_string(const tf_config *cfg, const char *name);

/* The value of an int, size (bytes) or duration (milliseconds) option;
 * 0 when unset. */
int64_t tf_config_int(const tf_config *cfg, const char *name);

/* The value of a bool option; 0 when unset. */
int tf_config_bool(const tf_config *cfg, const char *name);

/* The value of a double option (ints are converted); 0 when unset. */
double tf_config_double(const tf_config *cfg, const char *name);

/* The JSON value of any option (lists and objects in particular), borrowed;
 * NULL when unset. */
const json_t *tf_config_json(const tf_config *cfg, const char *name);

/* 1 when the user gave the option or it has a default, else 0. */
int tf_config_is_set(const tf_config *cfg, const char *name);

/* 1 when the user gave the option explicitly (not from a default). */
int tf_config_given(const tf_config *cfg, const char *name);

/* The folder relative paths are resolved against ("." when unknown). */
const char *tf_config_base_dir(const tf_config *cfg);

/* --- For hosts: validation, building and printing --------------------- */

/* Receives one validation problem.  json_path names the offending value
 * ("sinks[0].config.batch_size"); message says what is wrong and never
 * contains a secret value. */
typedef void (*tf_diag_fn)(void *ud, const char *json_path,
                           const char *message);

/* Checks the JSON object `given` against `table`, calling diag once for
 * every problem found.  json_path is the path of `given` itself (used as
 * the prefix of every reported path).  base_dir resolves TF_OPT_PATH
 * options (NULL: leave as given).  On success returns TF_OK and stores a new
 * config in *out (free with tf_config_free); with problems returns
 * TF_ERR_CONFIG and stores NULL.  `given` may be NULL (an empty config).
 * Secret options must be "${NAME}" references to the environment in the
 * raw config; the host substitutes them before calling this function and
 * passes the raw object in `raw` (may be NULL to skip that check). */
int tf_options_validate(const tf_option *table, const json_t *given,
                        const json_t *raw, const char *json_path,
                        const char *base_dir, tf_diag_fn diag, void *ud,
                        tf_config **out);

/* Frees a config made by tf_options_validate. NULL-safe. */
void tf_config_free(tf_config *cfg);

/* A new JSON object (caller owns) with the config's values, secret values
 * replaced by "<secret>".  For printing and logs. */
json_t *tf_config_redacted(const tf_config *cfg);

/* The name of an option type ("string", "duration", ...). */
const char *tf_option_type_name(tf_option_type type);

/* Parses a size ("64M", "512", "1G") into bytes.  TF_OK or TF_ERR_INVAL. */
int tf_parse_size(const char *text, int64_t *bytes);

/* Parses a duration ("250ms", "30s", "30m", "2h", "1d", "45" = seconds)
 * into milliseconds.  TF_OK or TF_ERR_INVAL. */
int tf_parse_duration(const char *text, int64_t *ms);

/* Number of entries in a table (up to the NULL-name end). */
size_t tf_options_count(const tf_option *table);

/* The entry named `name`, or NULL. */
const tf_option *tf_options_find(const tf_option *table, const char *name);

#ifdef __cplusplus
}
#endif
#endif
