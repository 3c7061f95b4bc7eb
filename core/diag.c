/*
 * diag.c - collects "FILE: JSON-PATH: message" lines (diag.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "redact.h"

void tf__diag_init(tf__diag *d, const char *file)
{
  memset(d, 0, sizeof(*d));
  d->file = strdup(file ? file : "-");
  if (!d->file)
    d->nomem = 1;
}

void tf__diag_cleanup(tf__diag *d)
{
  size_t i;

  for (i = 0; i < d->n; i++)
    free(d->lines[i]);
  free(d->lines);
  free(d->file);
  memset(d, 0, sizeof(*d));
}

static void diag_push(tf__diag *d, char *line)
{
  char **grown = realloc(d->lines, (d->n + 1) * sizeof(*grown));

  if (!grown) {
    free(line);
    d->nomem = 1;
    return;
  }
  d->lines = grown;
  d->lines[d->n++] = line;
}

static void diag_addv(tf__diag *d, const char *json_path, const char *message)
{
  const char *file = d->file ? d->file : "-";
  size_t len =
      strlen(file) + strlen(message) + 8 + (json_path ? strlen(json_path) : 0);
  char *line = malloc(len);

  if (!line) {
    d->nomem = 1;
    return;
  }
  if (json_path && *json_path)
    snprintf(line, len, "%s: %s: %s", file, json_path, message);
  else
    snprintf(line, len, "%s: %s", file, message);
  diag_push(d, line);
}

void tf__diag_add(tf__diag *d, const char *json_path, const char *fmt, ...)
{
  char message[2048];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  diag_addv(d, json_path, message);
}

void tf__diag_options_cb(void *ud, const char *json_path, const char *message)
{
  diag_addv(ud, json_path, message);
}

void tf__diag_print(const tf__diag *d, FILE *out)
{
  size_t i;

  char safe[8192];

  for (i = 0; i < d->n; i++)
    fprintf(out, "%s\n", tf__printable(d->lines[i], safe, sizeof(safe)));
  if (d->nomem)
    fprintf(out, "%s: out of memory while reporting errors\n",
            d->file ? d->file : "-");
}
