/*
 * json_keys.h - the keys of the objects the scanner has open, to refuse a
 * key that comes twice in one object (as jansson's JSON_REJECT_DUPLICATES).
 *
 * Internal to the SDK (not installed).  Keys are compared once unescaped
 * ("a" and "\u0061" are the same key).  A frame a nesting level: the keys
 * of an object are dropped when it closes.  Small objects are searched
 * linearly (a tag of length, first and last byte spares most memcmp
 * calls, and a 128-bit set of the tags seen most searches); an object past
 * 24 keys gets a hash table, so that a line of a million keys costs a
 * million lookups, not 10^12 comparisons.
 *
 * Everything lives in the caller's tf__json_keys (on the stack in the
 * scanner) with small inline buffers; the heap is used only for large or
 * deep documents.  tf__json_keys_free releases it.
 */
#ifndef TOUCHFLOW_JSON_KEYS_H
#define TOUCHFLOW_JSON_KEYS_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf__json_key {
  size_t off;    /* in the text, or in the arena when unescaped */
  uint32_t len;  /* bytes, unescaped */
  uint32_t hash; /* 0 until its object gets a hash table */
  uint32_t tag;  /* length and first and last byte (json_keys.c) */
  int in_arena;
} tf__json_key;

typedef struct tf__json_keys_frame {
  size_t base;     /* first key of this object in keys */
  size_t arena;    /* arena length when it opened */
  uint32_t *table; /* NULL until the object passes the linear limit */
  size_t table_size;
  uint64_t seen[2]; /* a bit per tag seen: a key whose bit is clear is new,
                       with no comparison at all */
} tf__json_keys_frame;

typedef struct tf__json_keys {
  const char *text;
  tf__json_key *keys;
  size_t n, cap;
  tf__json_keys_frame *frames;
  size_t depth, frames_cap;
  char *arena; /* unescaped keys that held escapes */
  size_t arena_len, arena_cap;
  tf__json_key local_keys[32];
  tf__json_keys_frame local_frames[8];
  char local_arena[256];
} tf__json_keys;

/* Starts an empty set over text (where unescaped keys are found). */
void tf__json_keys_init(tf__json_keys *ks, const char *text);

/* Frees what the set took from the heap. */
void tf__json_keys_free(tf__json_keys *ks);

/* An object opens / closes.  open returns 0, or -1 when out of memory. */
int tf__json_keys_open(tf__json_keys *ks);
void tf__json_keys_close(tf__json_keys *ks);

/* Adds the key whose inside (between the quotes) is text[off..off+len) to
 * the innermost open object; escaped says it holds backslash escapes.
 * Returns 0, 1 when the object already has that key, -1 when out of
 * memory. */
int tf__json_keys_add(tf__json_keys *ks, size_t off, size_t len, int escaped);

/* Objects with more keys than this get a hash table.  (A touchpoint has
 * 17: under this limit it needs no table, whose calloc and free cost more
 * than the comparisons, which the tag makes cheap.) */
#define TF__JSON_KEYS_LINEAR 24

/* A key's tag: its length and its first and last bytes.  Most keys of an
 * object differ in one of them, so most comparisons stop there, without
 * memcmp. */
static inline uint32_t tf__json_key_tag(const char *p, uint32_t len)
{
  if (len == 0)
    return 0;
  return (len << 16) ^ ((uint32_t)(unsigned char)p[0] << 8) ^
         (uint32_t)(unsigned char)p[len - 1];
}

/* The bit of a tag in its frame's `seen` bits (0..127). */
static inline unsigned tf__json_key_seen_bit(uint32_t tag)
{
  return (tag * 2654435761u) >> 25;
}

/* tf__json_keys_add for a key compared byte for byte as it stands in the
 * text (one without escapes; or any key the builder wrote, whose escaping
 * is one-to-one), with its common case inline (no call, nothing
 * compared): a key whose tag's bit the innermost object has not seen, in
 * an object still searched linearly, with room in the set.  Anything else
 * takes tf__json_keys_add.  Same results. */
static inline int tf__json_keys_add_plain(tf__json_keys *ks, size_t off,
                                          size_t len)
{
  tf__json_keys_frame *f = &ks->frames[ks->depth - 1];
  tf__json_key *k;
  uint32_t tag;
  unsigned bit;

  if (ks->n == ks->cap || ks->n - f->base >= TF__JSON_KEYS_LINEAR)
    return tf__json_keys_add(ks, off, len, 0);
  tag = tf__json_key_tag(ks->text + off, (uint32_t)len);
  bit = tf__json_key_seen_bit(tag);
  if ((f->seen[bit >> 6] >> (bit & 63)) & 1)
    return tf__json_keys_add(ks, off, len, 0);
  f->seen[bit >> 6] |= (uint64_t)1 << (bit & 63);
  k = &ks->keys[ks->n++];
  k->off = off;
  k->len = (uint32_t)len;
  k->hash = 0;
  k->tag = tag;
  k->in_arena = 0;
  return 0;
}

#endif
