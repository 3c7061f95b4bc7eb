/*
 * utf8.h - strict UTF-8, the one definition the JSON scanner and the record
 * builder share.
 *
 * Internal to the SDK (not installed).  Strict as RFC 3629 and jansson are:
 * no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no UTF-16 surrogates
 * (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF), no stray
 * continuation bytes (80..BF) and no sequence cut short.
 */
#ifndef TOUCHFLOW_UTF8_H
#define TOUCHFLOW_UTF8_H

#include <stddef.h>

/* Why a sequence is not UTF-8 (0 when it is). */
typedef enum tf__utf8_problem {
  TF__UTF8_OK = 0,
  TF__UTF8_BAD_BYTE,    /* a byte that starts no character */
  TF__UTF8_TRUNCATED,   /* a lead byte not followed by enough continuations */
  TF__UTF8_OVERLONG,    /* a longer form than the code point needs */
  TF__UTF8_SURROGATE,   /* U+D800..U+DFFF, which UTF-8 must not encode */
  TF__UTF8_OUT_OF_RANGE /* beyond U+10FFFF */
} tf__utf8_problem;

/* The length (2 to 4) of the multi-byte character at p, of which n bytes
 * are available (p[0] >= 0x80); 0 when it is not valid UTF-8, and then
 * *why (when not NULL) says why. */
size_t tf__utf8_char(const unsigned char *p, size_t n, tf__utf8_problem *why);

/* A static text for a problem: "a byte that starts no character", ... */
const char *tf__utf8_problem_text(tf__utf8_problem why);

/* The offset of the first byte of s (n bytes) that is not part of valid
 * UTF-8, or n when all of it is. */
size_t tf__utf8_check(const char *s, size_t n);

#endif
