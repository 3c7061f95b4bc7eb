/*
 * diag.h - the list of problems found while checking a pipeline.
 *
 * Every check reports into one tf__diag instead of stopping at the first
 * problem, so `touchflow validate` shows them all.  Each line is printed as
 * "FILE: JSON-PATH: message" (or "FILE: message" without a path).
 */
#ifndef TF_CORE_DIAG_H
#define TF_CORE_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct tf__diag {
  char *file;   /* the pipeline file as the user named it */
  char **lines; /* "FILE: PATH: message" */
  size_t n;
  int nomem; /* an allocation failed while recording */
} tf__diag;

void tf__diag_init(tf__diag *d, const char *file);
void tf__diag_cleanup(tf__diag *d);

/* Records one problem at json_path (may be NULL or ""). */
void tf__diag_add(tf__diag *d, const char *json_path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The tf_diag_fn of options.h, forwarding to tf__diag_add; ud is a tf__diag. */
void tf__diag_options_cb(void *ud, const char *json_path, const char *message);

/* Prints every line to `out`, one a line. */
void tf__diag_print(const tf__diag *d, FILE *out);

#endif
