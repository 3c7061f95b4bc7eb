/*
 * json_string.c - unescaping and escaping the inside of JSON strings
 * (json_string.h).
 */
#include <stdint.h>
#include <string.h>

#include "json_string.h"
#include "utf8.h"

unsigned tf__json_hex4(const char *p)
{
  unsigned v = 0;

  for (int i = 0; i < 4; i++) {
    char c = p[i];

    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else
      v |= (unsigned)(c - 'A' + 10);
  }
  return v;
}

static size_t put_utf8(uint32_t cp, char *dst)
{
  if (cp < 0x80) {
    dst[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    dst[0] = (char)(0xC0 | (cp >> 6));
    dst[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    dst[0] = (char)(0xE0 | (cp >> 12));
    dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  dst[0] = (char)(0xF0 | (cp >> 18));
  dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  dst[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* One escape at src (just after the backslash): writes its bytes to dst,
 * sets *used to the source bytes it took and returns the bytes written. */
static size_t unescape_one(const char *src, char *dst, size_t *used)
{
  static const char named_in[] = "\"\\/bfnrt";
  static const char named_out[] = "\"\\/\b\f\n\r\t";
  uint32_t cp;

  if (*src != 'u') {
    *used = 1;
    *dst = named_out[strchr(named_in, *src) - named_in];
    return 1;
  }
  cp = tf__json_hex4(src + 1);
  *used = 5;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (tf__json_hex4(src + 7) - 0xDC00);
    *used = 11;
  }
  return put_utf8(cp, dst);
}

size_t tf__json_unescape(const char *src, size_t n, char *dst)
{
  size_t i = 0, out = 0, used;

  while (i < n) {
    const char *bs = memchr(src + i, '\\', n - i);
    size_t run = bs ? (size_t)(bs - (src + i)) : n - i;

    memmove(dst + out, src + i, run);
    out += run;
    i += run;
    if (i < n) {
      out += unescape_one(src + i + 1, dst + out, &used);
      i += 1 + used;
    }
  }
  return out;
}

/* Writes the escape of c (below 0x20, '"' or '\\') at dst; its length. */
static size_t escape_one(unsigned char c, char *dst)
{
  static const char hex[] = "0123456789ABCDEF";

  dst[0] = '\\';
  switch (c) {
  case '"': dst[1] = '"'; return 2;
  case '\\': dst[1] = '\\'; return 2;
  case '\b': dst[1] = 'b'; return 2;
  case '\f': dst[1] = 'f'; return 2;
  case '\n': dst[1] = 'n'; return 2;
  case '\r': dst[1] = 'r'; return 2;
  case '\t': dst[1] = 't'; return 2;
  default:
    memcpy(dst + 1, "u00", 3);
    dst[4] = hex[c >> 4];
    dst[5] = hex[c & 0xF];
    return 6;
  }
}

/* Copies the plain run at the start of p (n bytes; as tf__json_plain_run
 * tells it) to dst and returns its length, checking and copying 8 bytes
 * at a time: each word is stored before it is checked, so that a string
 * with nothing to escape (nearly all) costs one pass and no memcpy call.
 * What is stored past the run is overwritten by the caller (dst has room
 * for TF__JSON_ESCAPED_MAX(n) bytes, so never less than n). */
static size_t copy_plain(const unsigned char *p, size_t n, char *dst)
{
  uint64_t w, mask;
  uint32_t lo, hi;
  size_t i = 0;

#ifdef TF__JSON_SSE2
  for (unsigned m; n - i >= 16; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + i));

    _mm_storeu_si128((__m128i *)(dst + i), v);
    if ((m = tf__json_special16(v)))
      return i + (size_t)__builtin_ctz(m);
  }
#endif
  for (; n - i >= 8; i += 8) {
    memcpy(&w, p + i, sizeof(w));
    memcpy(dst + i, &w, sizeof(w));
    if ((mask = tf__json_special_word(w)))
      return i + tf__json_first_special(p + i, mask);
  }
  if (i == n)
    return n;
  if (n >= 8) { /* the last few, through the 8 bytes that end at n */
    memcpy(&w, p + n - 8, sizeof(w));
    memcpy(dst + n - 8, &w, sizeof(w));
    mask = tf__json_special_word(w);
    return mask ? n - 8 + tf__json_first_special(p + n - 8, mask) : n;
  }
  if (n >= 4 && tf__json_all_plain(p, n)) { /* two words that overlap */
    memcpy(&lo, p, 4);
    memcpy(&hi, p + n - 4, 4);
    memcpy(dst, &lo, 4);
    memcpy(dst + n - 4, &hi, 4);
    return n;
  }
  for (; i < n && tf__json_all_plain(p + i, 1); i++)
    dst[i] = (char)p[i];
  return i;
}

size_t tf__json_escape(const char *s, size_t n, char *dst, size_t *bad)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, out = 0, len;

  while (i < n) {
    len = copy_plain(p + i, n - i, dst + out); /* as it is */
    out += len;
    i += len;
    if (i == n)
      break;
    if (p[i] < 0x80) {
      out += escape_one(p[i++], dst + out);
      continue;
    }
    len = tf__utf8_char(p + i, n - i, NULL);
    if (len == 0) {
      *bad = i;
      return out;
    }
    memcpy(dst + out, p + i, len);
    out += len;
    i += len;
  }
  *bad = n;
  return out;
}
