/*
 * config_internal.h - the inside of the opaque tf_config (options.h).
 *
 * Internal to the SDK (not installed): options.c builds a config while it
 * validates, config.c reads it.
 */
#ifndef TOUCHFLOW_CONFIG_INTERNAL_H
#define TOUCHFLOW_CONFIG_INTERNAL_H

#include <touchflow/options.h>

struct tf_config {
  json_t *values;         /* owned object: option name -> normalized value,
                             only for options that are set */
  json_t *given;          /* owned object: name -> true for each option the
                             user gave (the others came from defaults) */
  const tf_option *table; /* borrowed option table (secret flags); it lives
                             in the plugin, which outlives the config */
  char *base_dir;         /* owned copy, or NULL when unknown */
};

/* A new, empty config for `table` (borrowed).  base_dir is copied and may
 * be NULL.  NULL when memory ran out. */
tf_config *tf__config_new(const tf_option *table, const char *base_dir);

/* Sets option `name` to `value`, stealing the reference (also on failure),
 * and marks it user-given when `given` is nonzero.  TF_OK or TF_ERR_NOMEM. */
int tf__config_set_new(tf_config *cfg, const char *name, json_t *value,
                       int given);

#endif
