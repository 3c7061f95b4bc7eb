/*
 * invalid.h - configs generated from a plugin's option table: the invalid
 * ones validation must refuse (unknown key, wrong type, missing required
 * option, value out of range or not allowed), and the edge values (empty
 * strings, zero, -1, empty lists and objects, every allowed value) that
 * pass validation and that init() must then take or refuse cleanly.
 *
 * Each is the sample config with one option changed.  The result is a new
 * JSON object (caller owns): a label saying what was changed -> the config.
 */
#ifndef TF_CONFORMANCE_INVALID_H
#define TF_CONFORMANCE_INVALID_H

#include <touchflow/options.h>

typedef enum tf_invalid_kind {
  TF_INVALID_UNKNOWN_KEY,
  TF_INVALID_WRONG_TYPE,
  TF_INVALID_MISSING_REQUIRED,
  TF_INVALID_OUT_OF_RANGE
} tf_invalid_kind;

/* The key the unknown-key config adds. */
#define TF_INVALID_UNKNOWN_NAME "tf_conformance_no_such_option"

/* The invalid configs of one kind; NULL on ENOMEM. */
json_t *tf_invalid_configs(const tf_option *table, const json_t *sample,
                           tf_invalid_kind kind);

/* The edge-value configs; path and secret options are left as the sample
 * has them (a path names the fixtures; a secret comes from the
 * environment).  NULL on ENOMEM. */
json_t *tf_edge_configs(const tf_option *table, const json_t *sample);

#endif
