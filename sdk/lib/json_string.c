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

size_t tf__json_escape(const char *s, size_t n, char *dst, size_t *bad)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, out = 0, len;

  while (i < n) {
    len = tf__json_plain_run(p + i, n - i); /* as it is */
    memcpy(dst + out, p + i, len);
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
