/*
 * json_keys.c - the keys of open objects, to find duplicates (json_keys.h).
 */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "json_keys.h"
#include "json_string.h"

void tf__json_keys_init(tf__json_keys *ks, const char *text)
{
  ks->text = text;
  ks->keys = ks->local_keys;
  ks->n = 0;
  ks->cap = sizeof(ks->local_keys) / sizeof(ks->local_keys[0]);
  ks->frames = ks->local_frames;
  ks->depth = 0;
  ks->frames_cap = sizeof(ks->local_frames) / sizeof(ks->local_frames[0]);
  ks->arena = ks->local_arena;
  ks->arena_len = 0;
  ks->arena_cap = sizeof(ks->local_arena);
}

void tf__json_keys_free(tf__json_keys *ks)
{
  while (ks->depth > 0)
    tf__json_keys_close(ks);
  if (ks->keys != ks->local_keys)
    free(ks->keys);
  if (ks->frames != ks->local_frames)
    free(ks->frames);
  if (ks->arena != ks->local_arena)
    free(ks->arena);
  tf__json_keys_init(ks, ks->text);
}

int tf__json_keys_open(tf__json_keys *ks)
{
  tf__json_keys_frame *f;

  if (ks->depth == ks->frames_cap &&
      tf__grow((void **)&ks->frames, &ks->frames_cap, ks->depth + 1,
               sizeof(*ks->frames), ks->local_frames) < 0)
    return -1;
  f = &ks->frames[ks->depth++];
  f->base = ks->n;
  f->arena = ks->arena_len;
  f->table = NULL;
  f->table_size = 0;
  f->seen[0] = f->seen[1] = 0;
  return 0;
}

void tf__json_keys_close(tf__json_keys *ks)
{
  tf__json_keys_frame *f = &ks->frames[--ks->depth];

  free(f->table);
  ks->n = f->base;
  ks->arena_len = f->arena;
}

static const char *key_bytes(const tf__json_keys *ks, const tf__json_key *k)
{
  return k->in_arena ? ks->arena + k->off : ks->text + k->off;
}

static int same_key(const tf__json_keys *ks, const tf__json_key *a,
                    const tf__json_key *b)
{
  return a->tag == b->tag && a->hash == b->hash && a->len == b->len &&
         memcmp(key_bytes(ks, a), key_bytes(ks, b), a->len) == 0;
}

/* FNV-1a. */
static uint32_t hash_bytes(const char *p, size_t n)
{
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

/* The table slot holding key k, or the empty slot where it would go. */
static size_t table_slot(const tf__json_keys *ks, const tf__json_keys_frame *f,
                         const tf__json_key *k)
{
  size_t mask = f->table_size - 1, i = k->hash & mask;

  while (f->table[i] && !same_key(ks, &ks->keys[f->table[i] - 1], k))
    i = (i + 1) & mask;
  return i;
}

/* (Re)builds the frame's table with `size` slots (a power of two). */
static int table_build(tf__json_keys *ks, tf__json_keys_frame *f, size_t size)
{
  uint32_t *table = calloc(size, sizeof(*table));

  if (!table)
    return -1;
  free(f->table);
  f->table = table;
  f->table_size = size;
  for (size_t i = f->base; i < ks->n; i++) {
    tf__json_key *k = &ks->keys[i];

    k->hash = hash_bytes(key_bytes(ks, k), k->len);
    f->table[table_slot(ks, f, k)] = (uint32_t)(i + 1);
  }
  return 0;
}

static int maybe_seen(const tf__json_keys_frame *f, const tf__json_key *k)
{
  unsigned bit = tf__json_key_seen_bit(k->tag);

  return (f->seen[bit >> 6] >> (bit & 63)) & 1;
}

/* 1 when the innermost object holds k already, 0 when not, -1 on ENOMEM.
 * Keys are hashed only in objects that have a table. */
static int find_key(tf__json_keys *ks, tf__json_keys_frame *f, tf__json_key *k)
{
  size_t count = ks->n - f->base;

  if (count < TF__JSON_KEYS_LINEAR) {
    if (!maybe_seen(f, k)) /* no key with its tag: new */
      return 0;
    for (size_t i = f->base; i < ks->n; i++)
      if (same_key(ks, &ks->keys[i], k))
        return 1;
    return 0;
  }
  k->hash = hash_bytes(key_bytes(ks, k), k->len);
  if ((count + 1) * 2 > f->table_size &&
      table_build(ks, f, f->table_size ? f->table_size * 2 : 64) < 0)
    return -1;
  return f->table[table_slot(ks, f, k)] != 0;
}

/* Fills k for the key text[off..off+len), unescaping it into the arena
 * when it holds escapes. */
static int make_key(tf__json_keys *ks, size_t off, size_t len, int escaped,
                    tf__json_key *k)
{
  if (!escaped) {
    k->off = off;
    k->len = (uint32_t)len;
    k->in_arena = 0;
  } else {
    if (tf__grow((void **)&ks->arena, &ks->arena_cap, ks->arena_len + len, 1,
                 ks->local_arena) < 0)
      return -1;
    k->off = ks->arena_len;
    k->len = (uint32_t)tf__json_unescape(ks->text + off, len,
                                         ks->arena + ks->arena_len);
    k->in_arena = 1;
    ks->arena_len += k->len;
  }
  k->hash = 0;
  k->tag = tf__json_key_tag(key_bytes(ks, k), k->len);
  return 0;
}

int tf__json_keys_add(tf__json_keys *ks, size_t off, size_t len, int escaped)
{
  tf__json_keys_frame *f = &ks->frames[ks->depth - 1];
  tf__json_key k;
  unsigned bit;
  int found;

  if (make_key(ks, off, len, escaped, &k) < 0)
    return -1;
  found = find_key(ks, f, &k);
  if (found != 0)
    return found;
  if (ks->n == ks->cap && tf__grow((void **)&ks->keys, &ks->cap, ks->n + 1,
                                   sizeof(*ks->keys), ks->local_keys) < 0)
    return -1;
  ks->keys[ks->n++] = k;
  bit = tf__json_key_seen_bit(k.tag);
  f->seen[bit >> 6] |= (uint64_t)1 << (bit & 63);
  if (f->table)
    f->table[table_slot(ks, f, &k)] = (uint32_t)ks->n;
  return 0;
}
