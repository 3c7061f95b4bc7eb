/*
 * time.c - timestamps: the ISO 8601 forms the attribution sources write,
 * epoch numbers from JSON, and formatting back to ISO 8601 (UTC).
 *
 * The calendar arithmetic is done here on the proleptic Gregorian calendar
 * (days since 1970-01-01 from a civil date and back), so nothing depends
 * on the TZ environment variable, the locale or the C library's mktime.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "touchflow/error.h"
#include "touchflow/time.h"

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_DAY INT64_C(86400000)

/* A broken-down UTC time, as parsed or as formatted. */
typedef struct civil_time {
  int64_t year;
  int month; /* 1..12 */
  int day;   /* 1..31 */
  int hour;
  int minute;
  int second;
  int millis;
} civil_time;

static bool is_leap_year(int64_t year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month)
{
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  if (month == 2 && is_leap_year(year))
    return 29;
  return days[month - 1];
}

/* Floor division: the quotient rounded towards minus infinity. */
static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

/* Days since 1970-01-01 of a valid civil date.  Years are counted from
 * March so that the leap day is the last day of its "year"; an era is the
 * 400-year cycle of 146097 days. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = floor_div(y, 400);
  int64_t year_of_era = y - era * 400;
  int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

  return era * 146097 + day_of_era - 719468;
}

/* The civil date of a day count since 1970-01-01: the inverse of
 * days_from_civil. */
static void civil_from_days(int64_t days, civil_time *t)
{
  int64_t z = days + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t day_of_era = z - era * 146097;
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                         day_of_era / 146096) /
                        365;
  int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t month_from_march = (5 * day_of_year + 2) / 153;

  t->day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  t->month = (int)(month_from_march < 10 ? month_from_march + 3
                                         : month_from_march - 9);
  t->year = year_of_era + era * 400 + (t->month <= 2 ? 1 : 0);
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p into *value and advances *p. */
static bool read_digits(const char **p, int n, int *value)
{
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (!is_digit((*p)[i]))
      return false;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *value = v;
  return true;
}

/* Reads the character c at *p and advances *p. */
static bool read_char(const char **p, char c)
{
  if (**p != c)
    return false;
  (*p)++;
  return true;
}

/* YYYY-MM-DD, checked against the calendar. */
static bool parse_date(const char **p, civil_time *t)
{
  int year;

  if (!read_digits(p, 4, &year) || !read_char(p, '-') ||
      !read_digits(p, 2, &t->month) || !read_char(p, '-') ||
      !read_digits(p, 2, &t->day))
    return false;
  t->year = year;
  return t->month >= 1 && t->month <= 12 && t->day >= 1 &&
         t->day <= days_in_month(t->year, t->month);
}

/* A fraction of a second of any length after the '.', kept to the
 * millisecond (truncated). */
static bool parse_fraction(const char **p, civil_time *t)
{
  int scale = 100;

  if (!is_digit(**p))
    return false;
  t->millis = 0;
  for (; is_digit(**p); (*p)++) {
    t->millis += (**p - '0') * scale;
    scale /= 10;
  }
  return true;
}

/* HH:MM:SS with an optional fraction. */
static bool parse_clock(const char **p, civil_time *t)
{
  if (!read_digits(p, 2, &t->hour) || !read_char(p, ':') ||
      !read_digits(p, 2, &t->minute) || !read_char(p, ':') ||
      !read_digits(p, 2, &t->second))
    return false;
  if (t->hour > 23 || t->minute > 59 || t->second > 59)
    return false;
  if (**p == '.') {
    (*p)++;
    return parse_fraction(p, t);
  }
  return true;
}

/* Z, +HH:MM, +HHMM, -HH:MM or -HHMM, or nothing (UTC); the offset in
 * minutes east of UTC goes to *minutes. */
static bool parse_offset(const char **p, int *minutes)
{
  int sign, hours, mins;

  *minutes = 0;
  if (**p == '\0')
    return true;
  if (read_char(p, 'Z'))
    return true;
  if (**p != '+' && **p != '-')
    return false;
  sign = **p == '-' ? -1 : 1;
  (*p)++;
  if (!read_digits(p, 2, &hours))
    return false;
  read_char(p, ':');
  if (!read_digits(p, 2, &mins) || hours > 23 || mins > 59)
    return false;
  *minutes = sign * (hours * 60 + mins);
  return true;
}

static int64_t ms_from_civil(const civil_time *t)
{
  int64_t seconds = (int64_t)t->hour * 3600 + t->minute * 60 + t->second;

  return days_from_civil(t->year, t->month, t->day) * MS_PER_DAY +
         seconds * MS_PER_SECOND + t->millis;
}

/* Whether the 8 bytes at p are digits where the bytes of `digits` are
 * 0xFF and equal those of `other` elsewhere (both 8 bytes), tested at
 * once: each digit's byte minus '0' must be below 10. */
static bool shaped8(const char *p, const char *digits, const char *other)
{
  const uint64_t zeros = 0x3030303030303030u, high = 0xF0F0F0F0F0F0F0F0u,
                 six = 0x0606060606060606u, carry = 0x1010101010101010u;
  uint64_t w, mask, want, x;

  memcpy(&w, p, 8);
  memcpy(&mask, digits, 8);
  memcpy(&want, other, 8);
  x = (w ^ zeros) & mask;
  return ((x & high) | ((x + six) & carry)) == 0 && (w & ~mask) == want;
}

/* The value of the n digits at p (checked already). */
static int digits_at(const char *p, int n)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    v = v * 10 + (p[i] - '0');
  return v;
}

/* The form nearly every timestamp has, "YYYY-MM-DDTHH:MM:SS.mmmZ" (as
 * tf_time_format_ms writes it), read with three word tests instead of
 * character by character.  False when text is not in it or its fields are
 * out of range: the general parser then has the last word. */
static bool parse_canonical(const char *text, int64_t *ms)
{
  static const char d4[] = "\xff\xff\xff\xff\0\xff\xff\0",
                    d5[] = "\xff\xff\0\xff\xff\0\xff\xff",
                    d6[] = "\0\xff\xff\0\xff\xff\xff\0";
  civil_time t;

  if (strnlen(text, 25) != 24 || !shaped8(text, d4, "\0\0\0\0-\0\0-") ||
      !shaped8(text + 8, d5, "\0\0T\0\0:\0\0") ||
      !shaped8(text + 16, d6, ":\0\0.\0\0\0Z"))
    return false;
  t.year = digits_at(text, 4);
  t.month = digits_at(text + 5, 2);
  t.day = digits_at(text + 8, 2);
  t.hour = digits_at(text + 11, 2);
  t.minute = digits_at(text + 14, 2);
  t.second = digits_at(text + 17, 2);
  t.millis = digits_at(text + 20, 3);
  if (t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > days_in_month(t.year, t.month) || t.hour > 23 || t.minute > 59 ||
      t.second > 59)
    return false;
  *ms = ms_from_civil(&t);
  return true;
}

int tf_time_parse(const char *text, int64_t *ms)
{
  civil_time t = {0};
  const char *p = text;
  int offset_minutes = 0;

  if (text == NULL || ms == NULL)
    return TF_ERR_INVAL;
  if (parse_canonical(text, ms))
    return TF_OK;
  if (!parse_date(&p, &t))
    return TF_ERR_PARSE;
  if (*p == 'T' || *p == ' ') {
    p++;
    if (!parse_clock(&p, &t) || !parse_offset(&p, &offset_minutes))
      return TF_ERR_PARSE;
  }
  if (*p != '\0')
    return TF_ERR_PARSE;
  *ms = ms_from_civil(&t) - (int64_t)offset_minutes * 60 * MS_PER_SECOND;
  return TF_OK;
}

/* An epoch count in `unit` as milliseconds, refusing what overflows. */
static int epoch_to_ms(int64_t value, tf_epoch_unit unit, int64_t *ms)
{
  int64_t factor;

  if (unit != TF_EPOCH_SECONDS && unit != TF_EPOCH_MILLISECONDS)
    return TF_ERR_INVAL;
  factor = MS_PER_SECOND / unit;
  if (value > INT64_MAX / factor || value < INT64_MIN / factor)
    return TF_ERR_PARSE;
  *ms = value * factor;
  return TF_OK;
}

/* An optional '-' and one or more decimal digits, nothing else. */
static bool is_integer_text(const char *s)
{
  if (*s == '-')
    s++;
  if (!is_digit(*s))
    return false;
  while (is_digit(*s))
    s++;
  return *s == '\0';
}

/* The integer in a text is_integer_text accepted; false on overflow. */
static bool integer_from_text(const char *s, int64_t *value)
{
  bool negative = *s == '-';
  int64_t v = 0;

  if (negative)
    s++;
  for (; *s; s++) {
    int digit = *s - '0';

    if (v > (INT64_MAX - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  *value = negative ? -v : v;
  return true;
}

static int time_from_json_string(const char *s, tf_epoch_unit unit, int64_t *ms)
{
  int64_t value;

  if (!is_integer_text(s))
    return tf_time_parse(s, ms);
  if (!integer_from_text(s, &value))
    return TF_ERR_PARSE;
  return epoch_to_ms(value, unit, ms);
}

int tf_time_from_json(const json_t *value, tf_epoch_unit unit, int64_t *ms)
{
  if (ms == NULL)
    return TF_ERR_INVAL;
  if (value == NULL || json_is_null(value))
    return TF_ERR_NOTFOUND;
  if (json_is_integer(value))
    return epoch_to_ms((int64_t)json_integer_value(value), unit, ms);
  if (json_is_string(value))
    return time_from_json_string(json_string_value(value), unit, ms);
  return TF_ERR_PARSE;
}

static void civil_from_ms(int64_t ms, civil_time *t)
{
  int64_t days = floor_div(ms, MS_PER_DAY);
  int64_t rest = ms % MS_PER_DAY;
  /* Below 86,400,000: the divisions below in 32 bits. */
  uint32_t in_day = (uint32_t)(rest < 0 ? rest + MS_PER_DAY : rest), secs;

  civil_from_days(days, t);
  secs = in_day / 1000;
  t->millis = (int)(in_day - secs * 1000);
  t->hour = (int)(secs / 3600);
  t->minute = (int)(secs / 60 % 60);
  t->second = (int)(secs % 60);
}

/* "00" to "99": two digits a copy. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536"
    "37383940414243444546474849505152535455565758596061626364656667686970717273"
    "7475767778798081828384858687888990919293949596979899";

/* Writes n (0 <= n < 100) as two digits at p. */
static void put_2(char *p, int n)
{
  memcpy(p, digit_pairs + 2 * n, 2);
}

/* Writes n (0 <= n < 10^width, width 2, 3 or 4) as width digits at p. */
static void put_digits(char *p, int n, int width)
{
  if (width == 2) {
    put_2(p, n);
  } else if (width == 3) {
    p[0] = (char)('0' + n / 100);
    put_2(p + 1, n % 100);
  } else {
    put_2(p, n / 100);
    put_2(p + 2, n % 100);
  }
}

/* Writes ms as ISO 8601 UTC text ("2026-03-01T12:17:05Z", or with_ms
 * ".123Z") into out (TF_TIME_ISO_LEN bytes, NUL-terminated); returns its
 * length.  By hand for years 0 to 9999 (the cost of snprintf showed in
 * every event written); snprintf for the others. */
static int format_iso(int64_t ms, int with_ms, char *out)
{
  civil_time t;
  int n;

  civil_from_ms(ms, &t);
  if (t.year < 0 || t.year > 9999) {
    if (with_ms)
      return snprintf(out, TF_TIME_ISO_LEN,
                      "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      (long long)t.year, t.month, t.day, t.hour, t.minute,
                      t.second, t.millis);
    return snprintf(out, TF_TIME_ISO_LEN, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                    (long long)t.year, t.month, t.day, t.hour, t.minute,
                    t.second);
  }
  put_digits(out, (int)t.year, 4);
  out[4] = '-';
  put_digits(out + 5, t.month, 2);
  out[7] = '-';
  put_digits(out + 8, t.day, 2);
  out[10] = 'T';
  put_digits(out + 11, t.hour, 2);
  out[13] = ':';
  put_digits(out + 14, t.minute, 2);
  out[16] = ':';
  put_digits(out + 17, t.second, 2);
  n = 19;
  if (with_ms) {
    out[n++] = '.';
    put_digits(out + n, t.millis, 3);
    n += 3;
  }
  out[n++] = 'Z';
  out[n] = '\0';
  return n;
}

/* format_iso into buf (len bytes), cut to fit as snprintf cuts. */
static void format_into(int64_t ms, int with_ms, char *buf, size_t len)
{
  char text[TF_TIME_ISO_LEN];
  size_t n;

  if (buf == NULL || len == 0)
    return;
  if (len >= sizeof(text)) { /* room for any: written in place */
    format_iso(ms, with_ms, buf);
    return;
  }
  n = (size_t)format_iso(ms, with_ms, text);
  if (n >= sizeof(text))
    n = sizeof(text) - 1;
  if (n >= len)
    n = len - 1;
  memcpy(buf, text, n);
  buf[n] = '\0';
}

void tf_time_format(int64_t ms, char *buf, size_t len)
{
  format_into(ms, 0, buf, len);
}

void tf_time_format_ms(int64_t ms, char *buf, size_t len)
{
  format_into(ms, 1, buf, len);
}
