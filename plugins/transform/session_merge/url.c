/*
 * url.c - host and query of a URL, query parameters, host patterns.
 *
 * Owns the lenient URL splitting session_merge needs (see url.h), the
 * percent-decoding of parameter values and the host pattern language used
 * by the default channel table and by channel_rules.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include "url.h"

#define WILDCARD_SUFFIX ".*"
#define MAX_SUFFIX_LABELS 2
#define MAX_SUFFIX_LABEL_LEN 3

/* Length of a scheme followed by "://" at the start of text, or 0. */
static size_t scheme_length(const char *text)
{
  size_t i = 0;

  /* "http" and "https" (nearly every URL) without the character class
   * loop, which then goes on from there as it would have. */
  if (text[0] == 'h' && text[1] == 't' && text[2] == 't' && text[3] == 'p')
    i = text[4] == 's' ? 5 : 4;
  else if (!isalpha((unsigned char)text[0]))
    return 0;
  while (isalnum((unsigned char)text[i]) || text[i] == '+' || text[i] == '-' ||
         text[i] == '.')
    i++;
  /* Each byte is looked at only when the one before matched: no read
   * past the NUL. */
  return text[i] == ':' && text[i + 1] == '/' && text[i + 2] == '/' ? i + 3 : 0;
}

/* Where the authority starts in text, or NULL when it has no host. */
static const char *authority_start(const char *text)
{
  size_t scheme = scheme_length(text), first;

  if (scheme)
    return text + scheme;
  if (text[0] == '/' && text[1] == '/')
    return text + 2;
  first = strcspn(text, "/?#");
  if (first > 0 && memchr(text, '.', first))
    return text;
  return NULL;
}

#define BYTES_OF(b) (UINT64_C(0x0101010101010101) * (b))

/* The 8 bytes of w with A-Z lowercased, as tolower() does in the C locale
 * (the only one touchflow runs in: it never calls setlocale): for each
 * byte below 0x80, bit 7 of (b + 0x80 - 'A') says b >= 'A' and bit 7 of
 * (b + 0x7f - 'Z') says b > 'Z'; no sum carries into the next byte. */
static uint64_t lower_word(uint64_t w)
{
  uint64_t low7 = w & BYTES_OF(0x7f);
  uint64_t at_least_a = low7 + BYTES_OF(0x80 - 'A');
  uint64_t above_z = low7 + BYTES_OF(0x7f - 'Z');
  uint64_t upper = (at_least_a ^ above_z) & ~w & BYTES_OF(0x80);

  return w | (upper >> 2);
}

/* Copies len bytes from src to dst (which may be src) with A-Z
 * lowercased, 8 bytes a step; the last 1-7 bytes of a host of 8 bytes or
 * more as the last 8 (lowercasing twice changes nothing). */
static void lower_copy(char *dst, const char *src, size_t len)
{
  uint64_t w;
  size_t i;

  for (i = 0; i + sizeof(w) <= len; i += sizeof(w)) {
    memcpy(&w, src + i, sizeof(w));
    w = lower_word(w);
    memcpy(dst + i, &w, sizeof(w));
  }
  if (i < len && len >= sizeof(w)) {
    memcpy(&w, src + len - sizeof(w), sizeof(w));
    w = lower_word(w);
    memcpy(dst + len - sizeof(w), &w, sizeof(w));
    return;
  }
  for (; i < len; i++)
    dst[i] = (char)tolower((unsigned char)src[i]);
}

/* The end of normalising a lowercased host of len bytes in place: no
 * trailing dot, no leading "www.". */
static char *trim_host(char *host, size_t len)
{
  while (len > 0 && host[len - 1] == '.')
    host[--len] = '\0';
  if (len >= 4 && memcmp(host, "www.", 4) == 0)
    memmove(host, host + 4, len - 3);
  return host;
}

char *sm_host_normalize(char *host)
{
  size_t len = strlen(host);

  lower_copy(host, host, len);
  return trim_host(host, len);
}

/* The host in the authority [start, end) into url->host (its own buffer
 * when it fits): without userinfo and port (which follows the ']' of an
 * IPv6 address), normalised.  TF_OK or TF_ERR_NOMEM. */
static int copy_host(const char *start, const char *end, sm_url *url)
{
  const char *at, *colon, *host_end;
  size_t len;

  /* Userinfo ends at the authority's last '@' (usually there is none). */
  while ((at = memchr(start, '@', (size_t)(end - start))) != NULL)
    start = at + 1;
  host_end = start[0] == '[' ? memchr(start, ']', (size_t)(end - start)) : NULL;
  host_end = host_end ? host_end + 1 : start;
  colon = memchr(host_end, ':', (size_t)(end - host_end));
  if (colon)
    end = colon;
  len = (size_t)(end - start);
  url->host = len < sizeof(url->host_buf) ? url->host_buf : malloc(len + 1);
  if (!url->host)
    return TF_ERR_NOMEM;
  lower_copy(url->host, start, len);
  url->host[len] = '\0';
  trim_host(url->host, len);
  return TF_OK;
}

int sm_url_parse(const char *text, sm_url *url)
{
  const char *auth, *auth_end, *q;

  url->query = NULL;
  url->query_len = 0;
  if (!text)
    text = "";
  auth = authority_start(text);
  auth_end = auth ? auth + strcspn(auth, "/?#") : text;
  if (auth && copy_host(auth, auth_end, url) != TF_OK) {
    url->host = url->host_buf;
    url->host_buf[0] = '\0';
    return TF_ERR_NOMEM;
  }
  if (!auth) {
    url->host = url->host_buf;
    url->host_buf[0] = '\0';
  }
  q = auth_end + strcspn(auth_end, "?#");
  if (*q == '?') {
    url->query = q + 1;
    url->query_len = strcspn(q + 1, "#");
  }
  return TF_OK;
}

void sm_url_clear(sm_url *url)
{
  if (url->host != url->host_buf)
    free(url->host);
  url->host = url->host_buf;
  url->host_buf[0] = '\0';
  url->query = NULL;
  url->query_len = 0;
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Length of the UTF-8 sequence starting at s (at most len bytes long), or
 * 0 when it is not valid UTF-8 (overlong forms and surrogates included). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
  size_t need, i;
  unsigned long cp;

  if (s[0] < 0x80)
    return s[0] ? 1 : 0;
  need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
  if (need == 0 || need > len || s[0] > 0xf4)
    return 0;
  cp = s[0] & (0x7fu >> need);
  for (i = 1; i < need; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) ||
      (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return need;
}

/* 1 when s[0..len) is valid UTF-8 without NUL bytes. */
static int is_clean_utf8(const char *s, size_t len)
{
  size_t i = 0, n;

  while (i < len) {
    n = utf8_sequence((const unsigned char *)s + i, len - i);
    if (n == 0)
      return 0;
    i += n;
  }
  return 1;
}

/* Percent-decodes [p, p + len) into out (room for len + 1 bytes), NUL
 * ended, and returns out; '+' becomes a space and
 * a '%' not followed by two hex digits stays as it is.  When the decoded
 * bytes are not clean UTF-8 (%FF, %00), the value is kept as written:
 * everything session_merge outputs must be valid JSON text. */
static char *decode_to(char *out, const char *p, size_t len)
{
  size_t i, n = 0;

  for (i = 0; i < len; i++) {
    if (p[i] == '%' && i + 2 < len && hex_value(p[i + 1]) >= 0 &&
        hex_value(p[i + 2]) >= 0) {
      out[n++] = (char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2]));
      i += 2;
    } else {
      out[n++] = p[i] == '+' ? ' ' : p[i];
    }
  }
  out[n] = '\0';
  if (!is_clean_utf8(out, n)) {
    memcpy(out, p, len);
    out[len] = '\0';
  }
  return out;
}

/* decode_to into a new string; NULL on ENOMEM. */
static char *decode(const char *p, size_t len)
{
  char *out = malloc(len + 1);

  return out ? decode_to(out, p, len) : NULL;
}

/* The query segment at p (up to '&', ';' or end): its length and the
 * length of its key (up to '=' or the end of the segment). */
static size_t segment(const char *p, const char *end, size_t *key_len)
{
  size_t i = 0, n = (size_t)(end - p);

  while (i < n && p[i] != '=' && p[i] != '&' && p[i] != ';')
    i++;
  *key_len = i;
  while (i < n && p[i] != '&' && p[i] != ';')
    i++;
  return i;
}

/* The raw value of the segment at p (length len, key key_len bytes). */
static sm_url_raw raw_value(const char *p, size_t len, size_t key_len)
{
  sm_url_raw raw;

  raw.at = key_len < len ? p + key_len + 1 : p + len;
  raw.len = key_len < len ? len - key_len - 1 : 0;
  return raw;
}

void sm_url_find_params(const sm_url *url, const sm_url_name *names, size_t n,
                        sm_url_raw *found)
{
  const char *p = url->query;
  const char *end = p ? p + url->query_len : NULL;
  size_t i, len, key_len, left = n;

  memset(found, 0, n * sizeof(*found));
  while (p && p < end && left > 0) {
    len = segment(p, end, &key_len);
    for (i = 0; i < n; i++)
      if (!found[i].at && key_len == names[i].len &&
          strncasecmp(p, names[i].name, key_len) == 0) {
        found[i] = raw_value(p, len, key_len);
        left--;
      }
    p += len;
    if (p < end)
      p++;
  }
}

/* Finds parameter `name` in the query.  Returns 1 when found. */
static int find_param(const sm_url *url, const char *name, sm_url_raw *raw)
{
  sm_url_name one = {name, strlen(name)};

  sm_url_find_params(url, &one, 1, raw);
  return raw->at != NULL;
}

char *sm_url_decode(const sm_url_raw *raw)
{
  return decode(raw->at, raw->len);
}

char *sm_url_decode_in(const sm_url_raw *raw, char *room, size_t size)
{
  if (raw->len < size)
    return decode_to(room, raw->at, raw->len);
  return decode(raw->at, raw->len);
}

int sm_url_param(const sm_url *url, const char *name, char **value)
{
  sm_url_raw raw;

  *value = NULL;
  if (!find_param(url, name, &raw))
    return TF_OK;
  *value = decode(raw.at, raw.len);
  return *value ? TF_OK : TF_ERR_NOMEM;
}

int sm_url_has_param(const sm_url *url, const char *name)
{
  sm_url_raw raw;

  return find_param(url, name, &raw);
}

/* 1 when s is one or two dot-separated labels of 1 to 3 characters. */
static int is_short_suffix(const char *s)
{
  int labels = 0;

  while (*s) {
    size_t len = strcspn(s, ".");

    if (len == 0 || len > MAX_SUFFIX_LABEL_LEN || ++labels > MAX_SUFFIX_LABELS)
      return 0;
    s += len;
    if (*s == '.' && !*++s)
      return 0;
  }
  return labels > 0;
}

/* host matches "base.*" (base is the first len bytes of the pattern): base
 * starts the host or follows a dot, then comes a short suffix. */
static int matches_wildcard(const char *host, const char *base, size_t len)
{
  const char *label = host;

  while (label) {
    if (strncmp(label, base, len) == 0 && label[len] == '.' &&
        is_short_suffix(label + len + 1))
      return 1;
    label = strchr(label, '.');
    if (label)
      label++;
  }
  return 0;
}

int sm_host_matches(const char *host, const char *pattern)
{
  size_t hlen = strlen(host), plen = strlen(pattern);
  size_t wlen = strlen(WILDCARD_SUFFIX);

  if (hlen == 0 || plen == 0)
    return 0;
  if (plen > wlen && strcmp(pattern + plen - wlen, WILDCARD_SUFFIX) == 0)
    return matches_wildcard(host, pattern, plen - wlen);
  if (hlen == plen)
    return strcmp(host, pattern) == 0;
  return hlen > plen && host[hlen - plen - 1] == '.' &&
         strcmp(host + hlen - plen, pattern) == 0;
}
