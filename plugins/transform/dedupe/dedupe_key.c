/*
 * dedupe_key.c - the key of a record and its hash (see dedupe_key.h).
 *
 * The key's canonical JSON is streamed straight into the hash from the
 * record's value index (touchflow/value.h): no jansson tree and no text is
 * built for a record.  The text is byte for byte what jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) writes for
 * the same value, as it was when keys were hashed through jansson, so the
 * hashes of saved states stay valid:
 *   - a string is its raw text when that holds no escape (then it is what
 *     jansson writes), else it is escaped again as jansson does ('"', '\\',
 *     \b \f \n \r \t, other control characters as \u00XX in upper case;
 *     '/' and non-ASCII as they are);
 *   - an integer is its raw text ("-0" is written "0");
 *   - a double is written as jansson writes it: "%.17g", with ".0" added
 *     when there is neither a '.' nor an exponent, and the exponent without
 *     '+' or leading zeros;
 *   - members of an object are sorted by key (bytes, then length);
 *   - true, false and null as they are.
 * The 128-bit FNV-1a multiply by its prime (2^88 + 0x13b) is done on two
 * 64-bit halves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/value.h>
#include "dedupe_key.h"

#define FNV128_BASIS_HI UINT64_C(0x6c62272e07bb0142)
#define FNV128_BASIS_LO UINT64_C(0x62b821756295c58d)
#define FNV128_PRIME_LOW 0x13bu /* the prime is 2^88 + this */

/* Object members waiting to be hashed in key order, kept on the stack up to
 * this many (across all nesting levels at once), beyond on the heap. */
#define INLINE_MEMBERS 64

/* The state of one key's hash: the hash so far and a stack of members. */
typedef struct canon {
  dedupe_hash h;
  const tf_value **members; /* inline, or malloc'ed when it grew */
  size_t len, cap;
  const tf_value *inline_members[INLINE_MEMBERS];
} canon;

dedupe_hash dedupe_hash_start(void)
{
  dedupe_hash h = {FNV128_BASIS_HI, FNV128_BASIS_LO};

  return h;
}

/* h * (2^88 + 0x13b) mod 2^128. */
static dedupe_hash fnv128_multiply(dedupe_hash h)
{
  uint64_t p0 = (h.lo & UINT32_MAX) * FNV128_PRIME_LOW;
  uint64_t p1 = (h.lo >> 32) * FNV128_PRIME_LOW;
  uint64_t mid = (p0 >> 32) + (p1 & UINT32_MAX);
  dedupe_hash out;

  out.lo = (mid << 32) | (p0 & UINT32_MAX);
  out.hi = h.hi * FNV128_PRIME_LOW + (p1 >> 32) + (mid >> 32) + (h.lo << 24);
  return out;
}

void dedupe_hash_bytes(dedupe_hash *h, const void *bytes, size_t len)
{
  const unsigned char *p = bytes;
  size_t i;

  for (i = 0; i < len; i++) {
    h->lo ^= p[i];
    *h = fnv128_multiply(*h);
  }
}

int dedupe_key_path_is_valid(const char *path)
{
  size_t len = strlen(path);

  return len > 0 && path[0] != '.' && path[len - 1] != '.' &&
         strstr(path, "..") == NULL;
}

static void put(canon *c, const void *bytes, size_t len)
{
  dedupe_hash_bytes(&c->h, bytes, len);
}

/* s (len bytes, unescaped) as jansson writes a string: quoted, with '"',
 * '\\' and control characters escaped. */
static void put_escaped(canon *c, const char *s, size_t len)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t i, run = 0;

  put(c, "\"", 1);
  for (i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    char esc[6] = {'\\', 0, '0', '0', 0, 0};
    size_t n = 2;

    if (ch >= 0x20 && ch != '"' && ch != '\\')
      continue;
    put(c, s + run, i - run);
    run = i + 1;
    switch (ch) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      esc[1] = 'u';
      esc[4] = hex[ch >> 4];
      esc[5] = hex[ch & 15];
      n = 6;
    }
    put(c, esc, n);
  }
  put(c, s + run, len - run);
  put(c, "\"", 1);
}

/* A string value: its raw text when it holds no escape (JSON text cannot
 * hold a raw control character, so it is then exactly what jansson
 * writes), else escaped again. */
static void put_string(canon *c, const tf_value *v)
{
  size_t raw_len, len;
  const char *raw = tf_value_raw(v, &raw_len);
  const char *s;

  if (!memchr(raw, '\\', raw_len)) {
    put(c, raw, raw_len);
    return;
  }
  s = tf_value_string(v, &len);
  put_escaped(c, s, len);
}

/* A double as jansson writes it (jsonp_dtostr with precision 17). */
static void put_double(canon *c, double d)
{
  char buf[40];
  int n = snprintf(buf, sizeof(buf) - 3, "%.17g", d);
  char *e;

  if (n < 0 || (size_t)n >= sizeof(buf) - 3)
    return; /* cannot happen: %.17g of a finite double is short */
  if (!strchr(buf, '.') && !strchr(buf, 'e')) {
    memcpy(buf + n, ".0", 3);
    n += 2;
  }
  e = strchr(buf, 'e');
  if (e) {
    char *start = e + 1, *end = e + 2;

    if (*start == '-')
      start++;
    while (*end == '0')
      end++;
    if (end != start) {
      memmove(start, end, (size_t)(buf + n - end) + 1);
      n -= (int)(end - start);
    }
  }
  put(c, buf, (size_t)n);
}

/* 1 when member a's key sorts after b's: bytes, then the shorter first. */
static int key_after(const tf_value *a, const tf_value *b)
{
  size_t la, lb;
  const char *ka = tf_value_key(a, &la);
  const char *kb = tf_value_key(b, &lb);
  int d = memcmp(ka, kb, la < lb ? la : lb);

  return d > 0 || (d == 0 && la > lb);
}

static int key_compare(const void *a, const void *b)
{
  const tf_value *va = *(const tf_value *const *)a;
  const tf_value *vb = *(const tf_value *const *)b;

  return key_after(va, vb) ? 1 : key_after(vb, va) ? -1 : 0;
}

/* Room for `more` members on the stack. */
static int reserve_members(canon *c, size_t more)
{
  const tf_value **grown;
  size_t cap;

  if (more <= c->cap - c->len)
    return TF_OK;
  cap = c->cap * 2 > c->len + more ? c->cap * 2 : c->len + more;
  if (c->members == c->inline_members) {
    grown = malloc(cap * sizeof(*grown));
    if (grown)
      memcpy(grown, c->members, c->len * sizeof(*grown));
  } else {
    grown = realloc(c->members, cap * sizeof(*grown));
  }
  if (!grown)
    return TF_ERR_NOMEM;
  c->members = grown;
  c->cap = cap;
  return TF_OK;
}

static int put_value(canon *c, const tf_value *v);

/* An object: its members in key order.  They are pushed on c's stack (by
 * index, as nested objects may move it), sorted, hashed, then popped. */
static int put_object(canon *c, const tf_value *obj)
{
  size_t base = c->len, n = tf_value_count(obj), i, j;
  const tf_value *m;
  int rc = reserve_members(c, n);

  if (rc != TF_OK)
    return rc;
  for (m = tf_value_first(obj); m; m = tf_value_next(m))
    c->members[c->len++] = m;
  if (n > 16) {
    qsort(c->members + base, n, sizeof(*c->members), key_compare);
  } else {
    for (i = base + 1; i < base + n; i++) {
      const tf_value *x = c->members[i];

      for (j = i; j > base && key_after(c->members[j - 1], x); j--)
        c->members[j] = c->members[j - 1];
      c->members[j] = x;
    }
  }
  put(c, "{", 1);
  for (i = 0; i < n && rc == TF_OK; i++) {
    size_t klen;
    const char *key;

    m = c->members[base + i];
    key = tf_value_key(m, &klen);
    if (i > 0)
      put(c, ",", 1);
    put_escaped(c, key, klen);
    put(c, ":", 1);
    rc = put_value(c, m);
  }
  put(c, "}", 1);
  c->len = base;
  return rc;
}

static int put_array(canon *c, const tf_value *arr)
{
  const tf_value *e;
  int rc = TF_OK;

  put(c, "[", 1);
  for (e = tf_value_first(arr); e && rc == TF_OK; e = tf_value_next(e)) {
    rc = put_value(c, e);
    if (tf_value_next(e))
      put(c, ",", 1);
  }
  put(c, "]", 1);
  return rc;
}

/* Hashes the canonical text of v.  TF_ERR_NOMEM when v is invalid (the
 * record's index could not be built) or the member stack cannot grow. */
static int put_value(canon *c, const tf_value *v)
{
  size_t len;
  const char *raw;
  double d;

  switch (tf_value_type(v)) {
  case TF_TYPE_STRING: put_string(c, v); return TF_OK;
  case TF_TYPE_INTEGER:
    raw = tf_value_raw(v, &len);
    if (len == 2 && raw[0] == '-' && raw[1] == '0')
      put(c, "0", 1);
    else
      put(c, raw, len);
    return TF_OK;
  case TF_TYPE_DOUBLE:
    if (tf_value_double(v, &d) != TF_OK)
      return TF_ERR_INVAL;
    put_double(c, d);
    return TF_OK;
  case TF_TYPE_NULL:
  case TF_TYPE_BOOL:
    raw = tf_value_raw(v, &len);
    put(c, raw, len);
    return TF_OK;
  case TF_TYPE_OBJECT: return put_object(c, v);
  case TF_TYPE_ARRAY: return put_array(c, v);
  default: return TF_ERR_NOMEM;
  }
}

/* Hashes the text of the JSON array of the values at the key's paths. */
static int hash_fields(const dedupe_key *key, const tf_value *root, canon *c)
{
  const json_t *path;
  size_t i;
  int rc;

  put(c, "[", 1);
  json_array_foreach (key->paths, i, path) {
    const tf_value *value = tf_value_path(root, json_string_value(path));
    tf_type type = tf_value_type(value);

    if (type == TF_TYPE_ABSENT || type == TF_TYPE_NULL)
      return TF_ERR_NOTFOUND;
    if (i > 0)
      put(c, ",", 1);
    rc = put_value(c, value);
    if (rc != TF_OK)
      return rc;
  }
  put(c, "]", 1);
  return TF_OK;
}

int dedupe_key_hash(const dedupe_key *key, const tf_record *rec,
                    dedupe_hash *out)
{
  canon c;
  const tf_value *root = tf_record_root(rec);
  int rc;

  c.h = dedupe_hash_start();
  c.members = c.inline_members;
  c.len = 0;
  c.cap = INLINE_MEMBERS;
  if (tf_value_type(root) != TF_TYPE_OBJECT)
    rc = TF_ERR_NOMEM; /* a record with JSON whose index could not be built */
  else if (key->paths)
    rc = hash_fields(key, root, &c);
  else
    rc = put_value(&c, root);
  if (c.members != c.inline_members)
    free(c.members);
  if (rc == TF_OK)
    *out = c.h;
  return rc;
}
void dedupe_hash_to_hex(dedupe_hash h, char *buf)
{
  snprintf(buf, 33, "%016llx%016llx", (unsigned long long)h.hi,
           (unsigned long long)h.lo);
}

/* Reads 16 hex digits into *half. */
static int read_half(const char *text, uint64_t *half)
{
  uint64_t v = 0;
  int i;

  for (i = 0; i < 16; i++) {
    char c = text[i];
    unsigned digit;

    if (c >= '0' && c <= '9')
      digit = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = (unsigned)(c - 'a' + 10);
    else
      return 0;
    v = (v << 4) | digit;
  }
  *half = v;
  return 1;
}

int dedupe_hash_from_hex(const char *text, dedupe_hash *h)
{
  if (strlen(text) != 32)
    return 0;
  return read_half(text, &h->hi) && read_half(text + 16, &h->lo);
}
