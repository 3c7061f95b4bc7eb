/*
 * json_string.h - the text of JSON strings: unescaping what the scanner
 * accepted, escaping what the builder writes.
 *
 * Internal to the SDK (not installed).
 */
#ifndef TOUCHFLOW_JSON_STRING_H
#define TOUCHFLOW_JSON_STRING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define TF__JSON_SSE2 1
#endif

/* Nonzero when one of the 8 bytes of w (tf__json_special_word) or at p
 * (tf__json_special8) is '"', '\\', below 0x20 or not ASCII: a byte a
 * string's text cannot hold as it is, or must check (each test is exact
 * for "any byte": no false positive).  The scanner and the escaper skip
 * plain text 8 bytes at a time with it. */
static inline uint64_t tf__json_special_word(uint64_t w)
{
  const uint64_t ones = 0x0101010101010101ull, highs = ones * 0x80;
  uint64_t q, b;

  q = w ^ (ones * '"');
  b = w ^ (ones * '\\');
  return (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) |
          w) &
         highs;
}

static inline uint64_t tf__json_special8(const unsigned char *p)
{
  uint64_t w;

  memcpy(&w, p, sizeof(w));
  return tf__json_special_word(w);
}

/* The index of the first flagged byte of a nonzero tf__json_special8 mask
 * of the 8 bytes at p.  (On a little-endian machine the lowest flag is
 * always a true one: a borrow runs only towards higher bytes.) */
static inline size_t tf__json_first_special(const unsigned char *p,
                                            uint64_t mask)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  (void)p;
  return (size_t)__builtin_ctzll(mask) >> 3;
#else
  size_t i = 0;

  (void)mask;
  while (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
    i++;
  return i;
#endif
}

#ifdef TF__JSON_SSE2
/* The bits (one a byte, first byte lowest) of the 16 bytes of v that are
 * '"', '\\', below 0x20 or not ASCII, as tf__json_special_word flags
 * them: a signed compare below 0x20 takes the control bytes and every
 * byte from 0x80 at once.  Where SSE2 is (every x86-64), strings are
 * scanned and copied 16 bytes at a time with it. */
static inline unsigned tf__json_special16(__m128i v)
{
  __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  __m128i c = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));

  return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c));
}
#endif

/* How many of the n bytes at p, from the first, are plain string text
 * (ASCII, not '"', '\\' or a control character), 8 at a time, the last
 * few through the 8 bytes that end at p + n (when there are 8: the bytes
 * before them were found plain), never reading past p + n. */
static inline size_t tf__json_plain_run(const unsigned char *p, size_t n)
{
  uint64_t mask;
  size_t i = 0;

#ifdef TF__JSON_SSE2
  for (unsigned m; n - i >= 16; i += 16)
    if ((m = tf__json_special16(_mm_loadu_si128((const __m128i *)(p + i)))))
      return i + (size_t)__builtin_ctz(m);
#endif
  for (; n - i >= 8; i += 8)
    if ((mask = tf__json_special8(p + i)))
      return i + tf__json_first_special(p + i, mask);
  if (i == n)
    return n;
  if (n >= 8) {
    mask = tf__json_special8(p + n - 8);
    return mask ? n - 8 + tf__json_first_special(p + n - 8, mask) : n;
  }
  while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
    i++;
  return i;
}

/* Whether all n bytes at p are plain string text (as tf__json_plain_run
 * says).  Fewer than 8 bytes (a short key, the commonest case) are
 * gathered into one word by loads that overlap, never past p + n, and
 * tested at once instead of byte by byte. */
static inline int tf__json_all_plain(const unsigned char *p, size_t n)
{
  uint32_t lo, hi;

  if (n >= 8)
    return tf__json_plain_run(p, n) == n;
  if (n >= 4) {
    memcpy(&lo, p, 4);
    memcpy(&hi, p + n - 4, 4);
  } else if (n > 0) {
    lo = (uint32_t)p[0] | (uint32_t)p[n / 2] << 8 | (uint32_t)p[n - 1] << 16 |
         (uint32_t)' ' << 24;
    hi = lo;
  } else
    return 1;
  return tf__json_special_word((uint64_t)lo | (uint64_t)hi << 32) == 0;
}

/* The value of the 4 hex digits at p (already checked to be hex). */
unsigned tf__json_hex4(const char *p);

/* Unescapes the inside of a JSON string the scanner accepted (n bytes,
 * without the quotes) into dst, and returns the length written.  dst may be
 * src itself: the result is never longer than the source and is written
 * front to back.  No NUL is added. */
size_t tf__json_unescape(const char *src, size_t n, char *dst);

/* The most bytes tf__json_escape writes for n bytes of input. */
#define TF__JSON_ESCAPED_MAX(n) ((n)*6)

/* Writes s (n bytes) as the inside of a JSON string into dst (room for
 * TF__JSON_ESCAPED_MAX(n) bytes), escaped as jansson escapes: '"' and '\\'
 * with a backslash, \b \f \n \r \t by name, other control characters as
 * \u00XX; everything else as it is.  Checks that s is valid UTF-8 in the
 * same pass: *bad receives n when it is, else the offset of the first byte
 * that is not (and what was written is incomplete).  Returns the length
 * written. */
size_t tf__json_escape(const char *s, size_t n, char *dst, size_t *bad);

#endif
