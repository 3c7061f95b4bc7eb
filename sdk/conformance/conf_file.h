/*
 * conf_file.h - a plugin's conformance file (conformance.json): the sample
 * config, the fixtures, extra invalid configs, the sink's output and retry
 * scenario, and the checks skipped with their written reasons.
 *
 * Format (every key optional; unknown keys are errors):
 *   {"config": {...},            sample config; "${TF_CONFORMANCE_TMP}" is
 *                                a fresh empty folder for each check
 *    "fixtures": "DIR",          relative to this file (default: its folder);
 *                                relative paths in "config" resolve there
 *    "input": "FILE.ndjson",     records for transforms and sinks, relative
 *                                to the fixtures (default: the suite's own)
 *    "invalid_configs": {"NAME": {...}},  configs init must refuse
 *    "output": "PATH",           sinks: the NDJSON file the config writes
 *    "retry_config": {...},      sinks: a config answering RETRY at first
 *    "idempotent": true,         sinks: the same batch twice is kept once
 *    "skip": {"CHECK": "why"}}
 */
#ifndef TF_CONFORMANCE_CONF_FILE_H
#define TF_CONFORMANCE_CONF_FILE_H

#include <stddef.h>
#include <jansson.h>

typedef struct tf_conf_file {
  char *path;         /* the file read, or NULL when there was none */
  char *fixtures_dir; /* absolute */
  char *input_path;   /* absolute, or NULL: the suite's default records */
  json_t *config;     /* the sample config (never NULL) */
  json_t *invalid;    /* object NAME -> config (never NULL) */
  json_t *skip;       /* object CHECK -> reason (never NULL) */
  json_t *retry_config;
  char *output;
  int idempotent;
} tf_conf_file;

/* Reads path (NULL: no file; everything defaults).  fixtures_dir, when not
 * NULL, overrides the file's "fixtures".  On error returns a negative code
 * with err filled; cf is then empty (tf_conf_file_cleanup is still safe). */
int tf_conf_file_load(tf_conf_file *cf, const char *path,
                      const char *fixtures_dir, char *err, size_t errlen);

void tf_conf_file_cleanup(tf_conf_file *cf);

/* A copy of config (new reference) with "${NAME}" replaced from the
 * environment; NULL with err filled when a variable is unset. */
json_t *tf_conf_file_expand(const json_t *config, char *err, size_t errlen);

#endif
