/*
 * report_dead.c - the dead letters of a run, counted by reason code and
 * stage from its dead-letter file (docs/contract.md#the-dead-letter-record),
 * for the report's `dead_letters` table.
 */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <touchflow/error.h>
#include "report.h"

static const char *member(const json_t *line, const char *key)
{
  const char *s = json_string_value(json_object_get(line, key));

  return s && *s ? s : "(none)";
}

int tf_report_count_dead_letters(tf_report_table *t, const char *path,
                                 char *err, size_t errlen)
{
  FILE *f = fopen(path, "r");
  char *text = NULL;
  size_t cap = 0;
  long lineno = 0;
  int rc = TF_OK;

  if (!f) {
    if (errno == ENOENT) /* nothing was rejected, or not yet */
      return TF_OK;
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return TF_ERR_IO;
  }
  while (rc == TF_OK && getline(&text, &cap, f) > 0) {
    json_t *line = json_loads(text, 0, NULL);
    const char *code = member(line, "code"), *stage = member(line, "stage");

    lineno++;
    if (!json_is_object(line)) {
      snprintf(err, errlen, "%s:%ld: not a dead-letter record", path, lineno);
      rc = TF_ERR_PARSE;
    } else
      rc = tf_report_add(t, code, strlen(code), stage, strlen(stage), 1);
    json_decref(line);
  }
  if (rc == TF_OK && ferror(f)) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    rc = TF_ERR_IO;
  }
  free(text);
  fclose(f);
  return rc;
}
