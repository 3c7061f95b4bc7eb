/*
 * dedupe_key.c - the key of a record and its hash (see dedupe_key.h).
 *
 * Canonical JSON is streamed straight into the hash with jansson's
 * json_dump_callback, so no text is built for a record.  The 128-bit FNV-1a
 * multiply by its prime (2^88 + 0x13b) is done on two 64-bit halves.
 */
#include <stdio.h>
#include <string.h>
#include <touchflow/error.h>
#include "dedupe_key.h"

#define FNV128_BASIS_HI UINT64_C(0x6c62272e07bb0142)
#define FNV128_BASIS_LO UINT64_C(0x62b821756295c58d)
#define FNV128_PRIME_LOW 0x13bu /* the prime is 2^88 + this */

#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

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

static int hash_chunk(const char *buffer, size_t size, void *data)
{
  dedupe_hash_bytes(data, buffer, size);
  return 0;
}

/* Hashes the canonical text of value. */
static int hash_json(dedupe_hash *h, const json_t *value)
{
  if (json_dump_callback(value, hash_chunk, h, CANONICAL) != 0)
    return TF_ERR_NOMEM;
  return TF_OK;
}

int dedupe_key_path_is_valid(const char *path)
{
  size_t len = strlen(path);

  return len > 0 && path[0] != '.' && path[len - 1] != '.' &&
         strstr(path, "..") == NULL;
}

/* Hashes the text of the JSON array of the values at the key's paths. */
static int hash_fields(const dedupe_key *key, const tf_record *rec,
                       dedupe_hash *h)
{
  const json_t *path;
  size_t i;
  int rc;

  dedupe_hash_bytes(h, "[", 1);
  json_array_foreach (key->paths, i, path) {
    const json_t *value = tf_record_get_path(rec, json_string_value(path));

    if (!value || json_is_null(value))
      return TF_ERR_NOTFOUND;
    if (i > 0)
      dedupe_hash_bytes(h, ",", 1);
    rc = hash_json(h, value);
    if (rc != TF_OK)
      return rc;
  }
  dedupe_hash_bytes(h, "]", 1);
  return TF_OK;
}

int dedupe_key_hash(const dedupe_key *key, const tf_record *rec,
                    dedupe_hash *out)
{
  dedupe_hash h = dedupe_hash_start();
  int rc;

  if (key->paths)
    rc = hash_fields(key, rec, &h);
  else
    rc = hash_json(&h, tf_record_json(rec));
  if (rc == TF_OK)
    *out = h;
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
