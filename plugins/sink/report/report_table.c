/*
 * report_table.c - the `report` sink's count tables, HTML escaping and
 * amounts in cents (report.h).
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/plugin.h>
#include "report.h"

/* Compares (a, alen) with the NUL-terminated s, as strcmp would. */
static int cmpn(const char *a, size_t alen, const char *s)
{
  size_t slen = strlen(s);
  int c = memcmp(a, s, alen < slen ? alen : slen);

  if (c != 0)
    return c;
  return alen < slen ? -1 : alen > slen ? 1 : 0;
}

/* The index of (a, b), or where it would go (*found 0). */
static size_t search(const tf_report_table *t, const char *a, size_t alen,
                     const char *b, size_t blen, int *found)
{
  size_t lo = 0, hi = t->count;

  *found = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmpn(a, alen, t->rows[mid].a);

    if (c == 0)
      c = cmpn(b, blen, t->rows[mid].b);
    if (c == 0) {
      *found = 1;
      return mid;
    }
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

int tf_report_add(tf_report_table *t, const char *a, size_t alen, const char *b,
                  size_t blen, int64_t delta)
{
  int found;
  size_t i = search(t, a, alen, b, blen, &found);
  tf_report_row row;

  if (found) {
    t->rows[i].value += delta;
    return TF_OK;
  }
  if (t->count == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    tf_report_row *rows = realloc(t->rows, cap * sizeof(*rows));

    if (!rows)
      return TF_ERR_NOMEM;
    t->rows = rows;
    t->cap = cap;
  }
  row.a = strndup(a, alen);
  row.b = strndup(b, blen);
  row.value = delta;
  if (!row.a || !row.b) {
    free(row.a);
    free(row.b);
    return TF_ERR_NOMEM;
  }
  memmove(t->rows + i + 1, t->rows + i, (t->count - i) * sizeof(*t->rows));
  t->rows[i] = row;
  t->count++;
  return TF_OK;
}

const tf_report_row *tf_report_find(const tf_report_table *t, const char *a,
                                    const char *b)
{
  int found;
  size_t i = search(t, a, strlen(a), b, strlen(b), &found);

  return found ? &t->rows[i] : NULL;
}

void tf_report_table_clear(tf_report_table *t)
{
  size_t i;

  for (i = 0; i < t->count; i++) {
    free(t->rows[i].a);
    free(t->rows[i].b);
  }
  free(t->rows);
  memset(t, 0, sizeof(*t));
}

void tf_report_html_escape(FILE *out, const char *text, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++) {
    switch (text[i]) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&#39;", out); break;
    default: fputc(text[i], out);
    }
  }
}

int tf_report_parse_cents(const char *text, size_t len, int64_t *cents)
{
  size_t i = 0, digits = 0, decimals = 0;
  int negative = 0;
  int64_t v = 0;

  if (i < len && (text[i] == '-' || text[i] == '+'))
    negative = text[i++] == '-';
  for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
    if (v > (INT64_MAX - 9) / 1000)
      return TF_ERR_PARSE;
    v = v * 10 + (text[i] - '0');
  }
  v *= 100;
  if (i < len && text[i] == '.') {
    for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++, decimals++) {
      if (decimals == 2)
        return TF_ERR_PARSE;
      v += (text[i] - '0') * (decimals == 0 ? 10 : 1);
    }
    if (decimals == 0)
      return TF_ERR_PARSE;
  }
  if (i != len || digits == 0)
    return TF_ERR_PARSE;
  *cents = negative ? -v : v;
  return TF_OK;
}

void tf_report_format_cents(int64_t cents, char *buf, size_t size)
{
  uint64_t abs = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

  snprintf(buf, size, "%s%llu.%02llu", cents < 0 ? "-" : "",
           (unsigned long long)(abs / 100), (unsigned long long)(abs % 100));
}
