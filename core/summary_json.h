/*
 * summary_json.h - the run's outcome for machines: `run --summary-json
 * FILE` (internal; the shape is documented in docs/operations.md).
 *
 * One JSON object, format "touchflow-summary" version 1: the exit status
 * and what it means, when the run started and how long it took, every
 * stage's records in, out, rejected, rate and counters, the dead-letter
 * records by reason, and the checkpoint.  Written atomically (a temporary
 * file renamed over FILE), so a scheduler never reads half of one.
 */
#ifndef TF_CORE_SUMMARY_JSON_H
#define TF_CORE_SUMMARY_JSON_H

#include <stddef.h>
#include <jansson.h>

#include "diag.h"
#include "runner_internal.h"

#define TF_SUMMARY_FORMAT "touchflow-summary"
#define TF_SUMMARY_VERSION 1

/* The summary of a run that ended with exit status `status`.  A new
 * reference; NULL on ENOMEM. */
json_t *tf__summary_json(const tf__runner *r, int status, double elapsed);

/* The summary of a run refused before it started (exit 2): the problems
 * found, one a line as validate prints them.  A new reference. */
json_t *tf__summary_json_refused(const char *pipeline_file,
                                 const tf__diag *diag);

/* The summary of a run that stopped before any stage started (its state
 * directory or dead-letter file unusable): exit status and why. */
json_t *tf__summary_json_early(const char *pipeline_file, int status,
                               const char *why);

/* Writes summary to path atomically.  TF_OK, or TF_ERR_IO with err set. */
int tf__summary_json_write(const char *path, const json_t *summary, char *err,
                           size_t errlen);

#endif
