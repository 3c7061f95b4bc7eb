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

#endif
