/*
 * json_string.h - the text of JSON strings: unescaping what the scanner
 * accepted, escaping what the builder writes.
 *
 * Internal to the SDK (not installed).
 */
#ifndef TOUCHFLOW_JSON_STRING_H
#define TOUCHFLOW_JSON_STRING_H

#include <stddef.h>

/* The value of the 4 hex digits at p (already checked to be hex). */
unsigned tf__json_hex4(const char *p);

/* Unescapes the inside of a JSON string the scanner accepted (n bytes,
 * without the quotes) into dst, and returns the length written.  dst may be
 * src itself: the result is never longer than the source and is written
 * front to back.  No NUL is added. */
size_t tf__json_unescape(const char *src, size_t n, char *dst);

/* The most bytes tf__json_escape writes for n bytes of input. */
#define TF__JSON_ESCAPED_MAX(n) ((n)*6)

/* Writes s (n bytes of valid UTF-8) as the inside of a JSON string into
 * dst (room for TF__JSON_ESCAPED_MAX(n) bytes), escaped as jansson escapes:
 * '"' and '\\' with a backslash, \b \f \n \r \t by name, other control
 * characters as \u00XX; everything else as it is.  Returns the length. */
size_t tf__json_escape(const char *s, size_t n, char *dst);

#endif
