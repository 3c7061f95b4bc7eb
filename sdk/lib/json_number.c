/*
 * json_number.c - JSON numbers to and from C (json_number.h).
 */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_number.h"

int tf__json_int64(const char *text, size_t len, int64_t *out)
{
  size_t i = text[0] == '-' ? 1 : 0;
  uint64_t limit = i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  uint64_t v = 0;

  /* 18 digits never overflow: only the 19th and later are checked (a
   * division a digit showed in every event read). */
  for (; i < len && i < 18; i++)
    v = v * 10 + (unsigned)(text[i] - '0');
  for (; i < len; i++) {
    unsigned d = (unsigned)(text[i] - '0');

    if (v > (limit - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  if (text[0] == '-')
    *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  else
    *out = (int64_t)v;
  return 0;
}

/* The C library's decimal point in the current locale ('.' in "C"). */
static char locale_point(void)
{
  const char *point = localeconv()->decimal_point;

  return point && point[0] ? point[0] : '.';
}

int tf__json_strtod(const char *text, size_t len, double *out)
{
  char local[64];
  char *copy = len < sizeof(local) ? local : malloc(len + 1);
  char *dot, point = locale_point();
  double v;

  if (!copy)
    return -2;
  memcpy(copy, text, len);
  copy[len] = '\0';
  if (point != '.' && (dot = strchr(copy, '.')) != NULL)
    *dot = point;
  errno = 0;
  v = strtod(copy, NULL);
  if (copy != local)
    free(copy);
  if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE)
    return -1;
  *out = v;
  return 0;
}

/* Makes snprintf's %g output JSON: '.' as the point, no '+' or leading
 * zeros in the exponent, and ".0" when it would read back as an integer. */
static int tidy_double_text(char *buf, int len)
{
  char point = locale_point();
  char *p, *e = strchr(buf, 'e');

  if (point != '.' && (p = strchr(buf, point)) != NULL)
    *p = '.';
  if (e) {
    char *digits = e + 1 + (e[1] == '-');
    char *from = e[1] == '+' ? e + 2 : digits;

    while (*from == '0' && from[1])
      from++;
    memmove(digits, from, strlen(from) + 1);
    return (int)strlen(buf);
  }
  if (!strchr(buf, '.')) {
    memcpy(buf + len, ".0", 3);
    len += 2;
  }
  return len;
}

/* The precision to start the search for the shortest text at.  A normal
 * double whose shortest text has k <= 15 digits prints as exactly that
 * text with %.15g (its error, at most 2^-53 of it, is far below half a
 * unit of the 15th digit, and %g drops trailing zeros), so 15, 16, 17 are
 * enough.  Subnormals carry fewer bits and need the whole search. */
static int first_precision(double v)
{
  return v != 0 && v > -DBL_MIN && v < DBL_MIN ? 1 : 15;
}

int tf__json_format_double(double v, char buf[TF__JSON_DOUBLE_LEN])
{
  int len = 0;

  if (!isfinite(v))
    return -1;
  for (int precision = first_precision(v); precision <= 17; precision++) {
    double back;

    len = snprintf(buf, TF__JSON_DOUBLE_LEN - 2, "%.*g", precision, v);
    if (len < 0 || len >= TF__JSON_DOUBLE_LEN - 2)
      return -1;
    if (tf__json_strtod(buf, (size_t)len, &back) == 0 && back == v)
      break;
  }
  return tidy_double_text(buf, len);
}
