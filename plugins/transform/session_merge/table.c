/*
 * table.c - separate chaining over a power-of-two bucket array that
 * doubles when the table holds as many entries as buckets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "table.h"

#define FIRST_BUCKETS 64
/* Removed entries kept for the next puts, at most. */
#define SPARE_ENTRIES 256
#define HASH_SEED UINT64_C(0x6a09e667f3bcc909)
#define HASH_MULTIPLIER UINT64_C(0x9e3779b97f4a7c15)

typedef struct entry {
  const char *key;
  void *value;
  uint64_t hash;
  struct entry *next;
} entry;

struct sm_table {
  entry **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;
  entry *spare; /* removed entries, chained by next */
  size_t nspare;
};

/* Spreads the bits of x over the low ones, which pick the bucket. */
static uint64_t mix(uint64_t x)
{
  x *= HASH_MULTIPLIER;
  return x ^ (x >> 29);
}

/* The key's hash, 8 bytes a step (FNV-1a's byte a step cost 6
 * instructions a byte on 32-byte BizibleIds).  Only this process's table
 * sees it: byte order and word size may change it, nothing else. */
static uint64_t hash_key(const char *key)
{
  size_t len = strlen(key), i;
  uint64_t h = HASH_SEED ^ len, w;

  for (i = 0; i + sizeof(w) <= len; i += sizeof(w)) {
    memcpy(&w, key + i, sizeof(w));
    h = mix(h ^ w);
  }
  w = 0;
  memcpy(&w, key + i, len - i);
  return mix(h ^ w);
}

sm_table *sm_table_new(void)
{
  sm_table *t = calloc(1, sizeof(*t));

  if (!t)
    return NULL;
  t->buckets = calloc(FIRST_BUCKETS, sizeof(*t->buckets));
  if (!t->buckets) {
    free(t);
    return NULL;
  }
  t->nbuckets = FIRST_BUCKETS;
  return t;
}

void sm_table_free(sm_table *t)
{
  size_t i;
  entry *e, *next;

  if (!t)
    return;
  for (i = 0; i < t->nbuckets; i++)
    for (e = t->buckets[i]; e; e = next) {
      next = e->next;
      free(e);
    }
  for (e = t->spare; e; e = next) {
    next = e->next;
    free(e);
  }
  free(t->buckets);
  free(t);
}

static entry **find_slot(const sm_table *t, const char *key, uint64_t hash)
{
  entry **slot = &t->buckets[hash & (t->nbuckets - 1)];

  while (*slot && ((*slot)->hash != hash || strcmp((*slot)->key, key) != 0))
    slot = &(*slot)->next;
  return slot;
}

uint64_t sm_table_hash(const char *key)
{
  return hash_key(key);
}

void *sm_table_get_hashed(const sm_table *t, const char *key, uint64_t hash)
{
  entry *e = *find_slot(t, key, hash);

  return e ? e->value : NULL;
}

void *sm_table_get(const sm_table *t, const char *key)
{
  return sm_table_get_hashed(t, key, hash_key(key));
}

/* Doubles the bucket array; on ENOMEM the table stays as it was. */
static int grow(sm_table *t)
{
  size_t n = t->nbuckets * 2, i;
  entry **buckets = calloc(n, sizeof(*buckets));
  entry *e, *next;

  if (!buckets)
    return TF_ERR_NOMEM;
  for (i = 0; i < t->nbuckets; i++)
    for (e = t->buckets[i]; e; e = next) {
      next = e->next;
      e->next = buckets[e->hash & (n - 1)];
      buckets[e->hash & (n - 1)] = e;
    }
  free(t->buckets);
  t->buckets = buckets;
  t->nbuckets = n;
  return TF_OK;
}

int sm_table_put(sm_table *t, const char *key, void *value)
{
  return sm_table_put_hashed(t, key, hash_key(key), value);
}

int sm_table_put_hashed(sm_table *t, const char *key, uint64_t hash,
                        void *value)
{
  entry *e;
  entry **slot;

  if (t->count >= t->nbuckets && grow(t) != TF_OK)
    return TF_ERR_NOMEM;
  e = t->spare;
  if (e) {
    t->spare = e->next;
    t->nspare--;
  } else if ((e = malloc(sizeof(*e))) == NULL) {
    return TF_ERR_NOMEM;
  }
  e->key = key;
  e->value = value;
  e->hash = hash;
  slot = &t->buckets[e->hash & (t->nbuckets - 1)];
  e->next = *slot;
  *slot = e;
  t->count++;
  return TF_OK;
}

void *sm_table_remove(sm_table *t, const char *key)
{
  return sm_table_remove_hashed(t, key, hash_key(key));
}

void *sm_table_remove_hashed(sm_table *t, const char *key, uint64_t hash)
{
  entry **slot = find_slot(t, key, hash);
  entry *e = *slot;
  void *value;

  if (!e)
    return NULL;
  *slot = e->next;
  value = e->value;
  if (t->nspare < SPARE_ENTRIES) {
    e->next = t->spare;
    t->spare = e;
    t->nspare++;
  } else {
    free(e);
  }
  t->count--;
  return value;
}

size_t sm_table_count(const sm_table *t)
{
  return t->count;
}

void *sm_table_any(const sm_table *t)
{
  size_t i;

  for (i = 0; t->count && i < t->nbuckets; i++)
    if (t->buckets[i])
      return t->buckets[i]->value;
  return NULL;
}
