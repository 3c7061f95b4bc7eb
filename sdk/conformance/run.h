/*
 * run.h - runs the checks that apply to the plugin in tf_conf, each in its
 * own forked process, and writes every result into a report.
 */
#ifndef TF_CONFORMANCE_RUN_H
#define TF_CONFORMANCE_RUN_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Checks that every key of the conformance file's "skip" names a check
 * that applies to the plugin.  Returns 0, or -1 with err filled. */
int tf_conf_check_skips(char *err, size_t errlen);

/* Runs every check not skipped and adds all results (skips included) to
 * report.  Returns 0, or -1 on ENOMEM. */
int tf_conf_run_checks(json_t *report);

/* Adds every check of the plugin's kind to report as "not_run", except
 * `failed`, reported as failed with message (a module that did not load). */
int tf_conf_report_unloadable(json_t *report, int kind, const char *failed,
                              const char *message);

/* Prints every check: name, the kind it applies to, what it checks. */
void tf_conf_list_checks(FILE *out);

#endif
