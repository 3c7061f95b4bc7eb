/*
 * report.h - the `report` sink's tables and text helpers, shared by the
 * plugin and its unit tests (not an SDK header; not installed).
 *
 * A tf_report_table counts per key pair (a, b): rows kept sorted by (a, b)
 * so that lookups are a binary search and the output is in a stable order.
 * It holds one row per distinct pair, never the records.
 */
#ifndef TF_REPORT_H
#define TF_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct tf_report_row {
  char *a;
  char *b;
  int64_t value;
} tf_report_row;

typedef struct tf_report_table {
  tf_report_row *rows;
  size_t count;
  size_t cap;
} tf_report_table;

/* Adds `delta` to the row (a, b), making it when new (a and b are copied,
 * alen/blen bytes).  TF_OK or TF_ERR_NOMEM. */
int tf_report_add(tf_report_table *t, const char *a, size_t alen, const char *b,
                  size_t blen, int64_t delta);

/* The row (a, b), or NULL. */
const tf_report_row *tf_report_find(const tf_report_table *t, const char *a,
                                    const char *b);

void tf_report_table_clear(tf_report_table *t);

/* Writes `len` bytes of `text` HTML-escaped (& < > " ') to `out`. */
void tf_report_html_escape(FILE *out, const char *text, size_t len);

/* Parses a decimal amount ("3750.15", "-12", "0.5") into cents.  TF_OK, or
 * TF_ERR_PARSE when it is not a plain decimal with at most two decimals. */
int tf_report_parse_cents(const char *text, size_t len, int64_t *cents);

/* Formats cents as "-12.05" into buf (at least 32 bytes). */
void tf_report_format_cents(int64_t cents, char *buf, size_t size);

/* report_dead.c: adds one to the row (code, stage) of t for every line of
 * the dead-letter file at path (docs/contract.md#the-dead-letter-record).
 * A missing file has no lines.  TF_OK; TF_ERR_IO or TF_ERR_PARSE (a line
 * that is not a JSON object) with err set. */
int tf_report_count_dead_letters(tf_report_table *t, const char *path,
                                 char *err, size_t errlen);

#endif
