/*
 * strmap.c - the string -> index map of strmap.h: linear probing in a
 * table kept at most half full, doubled as it grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "strmap.h"

static size_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

static strmap_slot *find(const strmap *m, const char *key)
{
  size_t i = hash(key) & (m->cap - 1);

  while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
    i = (i + 1) & (m->cap - 1);
  return &m->slots[i];
}

int strmap_get(const strmap *m, const char *key, size_t *value)
{
  const strmap_slot *s;

  if (!m->cap || !key)
    return 0;
  s = find(m, key);
  if (!s->key)
    return 0;
  *value = s->value;
  return 1;
}

static int grow(strmap *m)
{
  strmap old = *m;
  size_t i;

  m->cap = old.cap ? old.cap * 2 : 64;
  m->slots = calloc(m->cap, sizeof(*m->slots));
  if (!m->slots) {
    *m = old;
    return -1;
  }
  for (i = 0; i < old.cap; i++)
    if (old.slots[i].key)
      *find(m, old.slots[i].key) = old.slots[i];
  free(old.slots);
  return 0;
}

int strmap_put(strmap *m, const char *key, size_t value)
{
  strmap_slot *s;

  if ((m->count + 1) * 2 > m->cap && grow(m) != 0)
    return -1;
  s = find(m, key);
  if (!s->key) {
    s->key = key;
    m->count++;
  }
  s->value = value;
  return 0;
}

void strmap_free(strmap *m)
{
  free(m->slots);
  memset(m, 0, sizeof(*m));
}
