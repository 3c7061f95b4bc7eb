/*
 * json_number.h - JSON numbers to and from C: int64 and double.
 *
 * Internal to the SDK (not installed).  The scanner uses the readers to
 * refuse what jansson refuses (an integer beyond int64, a real beyond
 * double), the value accessors to read, and the builder the writer.
 * Locale-independent: the decimal point is always '.'.
 */
#ifndef TOUCHFLOW_JSON_NUMBER_H
#define TOUCHFLOW_JSON_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* Room for any text tf__json_format_double writes, with its NUL. */
#define TF__JSON_DOUBLE_LEN 32

/* Reads JSON integer text (an optional '-' and digits, already checked)
 * of len bytes.  0, or -1 when it does not fit int64_t. */
int tf__json_int64(const char *text, size_t len, int64_t *out);

/* Reads JSON number text (already checked) of len bytes as strtod() does.
 * 0; -1 when it overflows a double (as jansson's "real number overflow");
 * -2 when out of memory (a very long number is copied to the heap).  A
 * number too small for a double reads as 0 or a subnormal, not an error. */
int tf__json_strtod(const char *text, size_t len, double *out);

/* Writes the shortest text that reads back as exactly v (at most 17
 * significant digits), always with a '.' or an exponent so that it reads
 * back as a double ("1.0", "0.1", "1e+300" written "1e300").  Returns its
 * length, or -1 for NaN and infinities, which JSON cannot hold. */
int tf__json_format_double(double v, char buf[TF__JSON_DOUBLE_LEN]);

#endif
