/*
 * utf8.c - strict UTF-8 validation (utf8.h).
 */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* The number of bytes of a character that starts with `lead`; 0 for a byte
 * that starts none (a continuation, C0/C1, F5..FF). */
static size_t sequence_length(unsigned char lead)
{
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}

size_t tf__utf8_char(const unsigned char *p, size_t n, tf__utf8_problem *why)
{
  size_t len = sequence_length(p[0]);
  tf__utf8_problem problem = TF__UTF8_OK;
  uint32_t cp;

  if (len == 0)
    problem =
        p[0] == 0xC0 || p[0] == 0xC1 ? TF__UTF8_OVERLONG : TF__UTF8_BAD_BYTE;
  for (size_t i = 1; problem == TF__UTF8_OK && i < len; i++)
    if (i >= n || (p[i] & 0xC0) != 0x80)
      problem = TF__UTF8_TRUNCATED;
  if (problem == TF__UTF8_OK) {
    cp = len == 2 ? p[0] & 0x1Fu : len == 3 ? p[0] & 0x0Fu : p[0] & 0x07u;
    for (size_t i = 1; i < len; i++)
      cp = (cp << 6) | (p[i] & 0x3Fu);
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
      problem = TF__UTF8_OVERLONG;
    else if (cp >= 0xD800 && cp <= 0xDFFF)
      problem = TF__UTF8_SURROGATE;
    else if (cp > 0x10FFFF)
      problem = TF__UTF8_OUT_OF_RANGE;
  }
  if (why)
    *why = problem;
  return problem == TF__UTF8_OK ? len : 0;
}

const char *tf__utf8_problem_text(tf__utf8_problem why)
{
  switch (why) {
  case TF__UTF8_OK: return "valid";
  case TF__UTF8_BAD_BYTE: return "a byte that starts no character";
  case TF__UTF8_TRUNCATED: return "a character cut short";
  case TF__UTF8_OVERLONG: return "an overlong encoding";
  case TF__UTF8_SURROGATE: return "an encoded UTF-16 surrogate";
  case TF__UTF8_OUT_OF_RANGE: return "a code point beyond U+10FFFF";
  }
  return "invalid";
}

/* Whether the 8 bytes at p are all ASCII. */
static int ascii8(const unsigned char *p)
{
  uint64_t w;

  memcpy(&w, p, sizeof(w));
  return (w & 0x8080808080808080ull) == 0;
}

size_t tf__utf8_check(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, len;

  while (i < n) {
    if (i + 8 <= n && ascii8(p + i)) {
      i += 8;
    } else if (p[i] < 0x80) {
      i++;
    } else {
      len = tf__utf8_char(p + i, n - i, NULL);
      if (len == 0)
        return i;
      i += len;
    }
  }
  return n;
}
