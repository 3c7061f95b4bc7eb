/*
 * strmap.c - a chained hash map from case-folded strings to pointers.
 *
 * Owns its buckets and the copies of the keys.  FNV-1a over the lowercased
 * bytes; the table doubles when it holds more keys than buckets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include "strmap.h"

typedef struct entry {
  char *key;
  void *value;
  struct entry *next;
} entry;

struct mkto_strmap {
  entry **buckets;
  size_t n_buckets; /* a power of two */
  size_t count;
};

static uint64_t hash_folded(const char *key)
{
  uint64_t h = 14695981039346656037ull;
  const unsigned char *p;

  for (p = (const unsigned char *)key; *p; p++) {
    unsigned char c = *p;

    if (c >= 'A' && c <= 'Z')
      c = (unsigned char)(c - 'A' + 'a');
    h = (h ^ c) * 1099511628211ull;
  }
  return h;
}

mkto_strmap *mkto_strmap_new(void)
{
  mkto_strmap *map = calloc(1, sizeof(*map));

  if (!map)
    return NULL;
  map->n_buckets = 64;
  map->buckets = calloc(map->n_buckets, sizeof(*map->buckets));
  if (!map->buckets) {
    free(map);
    return NULL;
  }
  return map;
}

void mkto_strmap_free(mkto_strmap *map)
{
  size_t i;

  if (!map)
    return;
  for (i = 0; i < map->n_buckets; i++) {
    entry *e = map->buckets[i];

    while (e) {
      entry *next = e->next;

      free(e->key);
      free(e);
      e = next;
    }
  }
  free(map->buckets);
  free(map);
}

static entry **find_slot(const mkto_strmap *map, const char *key)
{
  entry **slot = &map->buckets[hash_folded(key) & (map->n_buckets - 1)];

  while (*slot && strcasecmp((*slot)->key, key) != 0)
    slot = &(*slot)->next;
  return slot;
}

/* Doubles the bucket array; on ENOMEM the map stays as it was. */
static int grow(mkto_strmap *map)
{
  size_t n = map->n_buckets * 2, i;
  entry **buckets = calloc(n, sizeof(*buckets));

  if (!buckets)
    return TF_ERR_NOMEM;
  for (i = 0; i < map->n_buckets; i++) {
    entry *e = map->buckets[i];

    while (e) {
      entry *next = e->next;
      size_t b = hash_folded(e->key) & (n - 1);

      e->next = buckets[b];
      buckets[b] = e;
      e = next;
    }
  }
  free(map->buckets);
  map->buckets = buckets;
  map->n_buckets = n;
  return TF_OK;
}

int mkto_strmap_put(mkto_strmap *map, const char *key, void *value)
{
  entry **slot = find_slot(map, key);
  entry *e;

  if (*slot) {
    (*slot)->value = value;
    return TF_OK;
  }
  if (map->count >= map->n_buckets && grow(map) == TF_OK)
    slot = find_slot(map, key);
  e = malloc(sizeof(*e));
  if (!e)
    return TF_ERR_NOMEM;
  e->key = strdup(key);
  if (!e->key) {
    free(e);
    return TF_ERR_NOMEM;
  }
  e->value = value;
  e->next = NULL;
  *slot = e;
  map->count++;
  return TF_OK;
}

void *mkto_strmap_get(const mkto_strmap *map, const char *key)
{
  entry *e = *find_slot(map, key);

  return e ? e->value : NULL;
}

void mkto_strmap_remove(mkto_strmap *map, const char *key)
{
  entry **slot = find_slot(map, key);
  entry *e = *slot;

  if (!e)
    return;
  *slot = e->next;
  free(e->key);
  free(e);
  map->count--;
}

size_t mkto_strmap_count(const mkto_strmap *map)
{
  return map->count;
}
