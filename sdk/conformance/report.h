/*
 * report.h - the conformance report: one line per check for a person
 * (PASS, FAIL with what was expected and what happened, SKIP with the
 * written reason, NOT RUN), and the same as JSON for scripts
 * (--report-json).
 *
 * A report is a JSON object the run fills: {"plugin", "kind", "version",
 * "module", "conformance_file", "checks": [{"name", "result", "message"}]}
 * with result "pass", "fail", "skip" or "not_run".
 */
#ifndef TF_CONFORMANCE_REPORT_H
#define TF_CONFORMANCE_REPORT_H

#include <stdio.h>
#include <jansson.h>

/* A new, empty report for the plugin (names are copied); NULL on ENOMEM. */
json_t *tf_report_new(const char *kind, const char *name, const char *version,
                      const char *module, const char *conformance_file);

/* Appends one check's result.  Returns 0, or -1 on ENOMEM. */
int tf_report_add(json_t *report, const char *check, const char *result,
                  const char *message);

/* Number of checks with this result. */
size_t tf_report_count(const json_t *report, const char *result);

/* Prints the report for a person. */
void tf_report_print(const json_t *report, FILE *out);

/* Writes the report as JSON, with the lists "passed", "failed" (name ->
 * message), "skipped" (name -> reason) and "not_run" added.  Returns 0 or
 * -1 (errno tells why). */
int tf_report_write_json(const json_t *report, const char *path);

#endif
