/*
 * dedupe_cache.c - the bounded, least-recently-used set of key hashes that
 * the dedupe transform remembers (see dedupe_cache.h).
 *
 * Keys live in one array of slots, grown by doubling up to the capacity.
 * A slot is in a hash bucket's chain (found by key) and in a doubly linked
 * list ordered by use (newest at the head, oldest at the tail); slots freed
 * by dedupe_cache_drop_oldest() go to a free list for reuse.  Links are
 * 32-bit slot indexes, which keeps a key at about 44 bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "dedupe_cache.h"

#define NONE UINT32_MAX
#define FIRST_SLOTS 16u

typedef struct slot {
  dedupe_hash key;
  int64_t time;
  uint32_t newer; /* towards the head of the use list */
  uint32_t older; /* towards the tail */
  uint32_t chain; /* next slot in the bucket, or in the free list */
} slot;

struct dedupe_cache {
  size_t capacity;  /* most keys ever held */
  size_t allocated; /* slots allocated */
  size_t used;      /* slots ever handed out (the rest are fresh) */
  size_t count;     /* keys held */
  slot *slots;
  uint32_t *buckets; /* heads of the chains */
  size_t nbuckets;   /* a power of two */
  uint32_t newest, oldest, free_list;
};

dedupe_cache *dedupe_cache_new(size_t capacity)
{
  dedupe_cache *c;

  if (capacity < 1 || capacity > DEDUPE_CACHE_MAX)
    return NULL;
  c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->capacity = capacity;
  c->newest = c->oldest = c->free_list = NONE;
  return c;
}

void dedupe_cache_free(dedupe_cache *cache)
{
  if (!cache)
    return;
  free(cache->slots);
  free(cache->buckets);
  free(cache);
}

void dedupe_cache_clear(dedupe_cache *cache)
{
  size_t i;

  for (i = 0; i < cache->nbuckets; i++)
    cache->buckets[i] = NONE;
  cache->used = 0;
  cache->count = 0;
  cache->newest = cache->oldest = cache->free_list = NONE;
}

/* --- Chains ------------------------------------------------------------- */

static size_t bucket_of(const dedupe_cache *c, dedupe_hash key)
{
  return (size_t)(key.lo ^ key.hi) & (c->nbuckets - 1);
}

static uint32_t find(const dedupe_cache *c, dedupe_hash key)
{
  uint32_t i;

  if (c->nbuckets == 0)
    return NONE;
  for (i = c->buckets[bucket_of(c, key)]; i != NONE; i = c->slots[i].chain)
    if (c->slots[i].key.hi == key.hi && c->slots[i].key.lo == key.lo)
      return i;
  return NONE;
}

static void chain_link(dedupe_cache *c, uint32_t i)
{
  size_t b = bucket_of(c, c->slots[i].key);

  c->slots[i].chain = c->buckets[b];
  c->buckets[b] = i;
}

static void chain_unlink(dedupe_cache *c, uint32_t i)
{
  uint32_t *link = &c->buckets[bucket_of(c, c->slots[i].key)];

  while (*link != i)
    link = &c->slots[*link].chain;
  *link = c->slots[i].chain;
}

/* --- The use list ------------------------------------------------------- */

static void list_unlink(dedupe_cache *c, uint32_t i)
{
  slot *s = &c->slots[i];

  if (s->newer != NONE)
    c->slots[s->newer].older = s->older;
  else
    c->newest = s->older;
  if (s->older != NONE)
    c->slots[s->older].newer = s->newer;
  else
    c->oldest = s->newer;
}

static void list_push_newest(dedupe_cache *c, uint32_t i)
{
  slot *s = &c->slots[i];

  s->newer = NONE;
  s->older = c->newest;
  if (c->newest != NONE)
    c->slots[c->newest].newer = i;
  c->newest = i;
  if (c->oldest == NONE)
    c->oldest = i;
}

/* --- Growing ------------------------------------------------------------ */

/* Allocates more slots (up to the capacity) and rehashes into more buckets
 * so that chains stay short. */
static int grow(dedupe_cache *c)
{
  size_t want = c->allocated ? c->allocated * 2 : FIRST_SLOTS;
  size_t nbuckets = c->nbuckets ? c->nbuckets : FIRST_SLOTS;
  uint32_t *buckets;
  slot *slots;
  uint32_t i;

  if (want > c->capacity)
    want = c->capacity;
  while (nbuckets < want)
    nbuckets *= 2;
  slots = realloc(c->slots, want * sizeof(*slots));
  if (!slots)
    return TF_ERR_NOMEM;
  c->slots = slots;
  c->allocated = want;
  if (nbuckets == c->nbuckets)
    return TF_OK;
  buckets = malloc(nbuckets * sizeof(*buckets));
  if (!buckets)
    return TF_ERR_NOMEM;
  free(c->buckets);
  c->buckets = buckets;
  c->nbuckets = nbuckets;
  for (i = 0; i < nbuckets; i++)
    buckets[i] = NONE;
  for (i = c->newest; i != NONE; i = c->slots[i].older)
    chain_link(c, i);
  return TF_OK;
}

/* --- Adding and forgetting --------------------------------------------- */

void dedupe_cache_drop_oldest(dedupe_cache *cache)
{
  uint32_t i = cache->oldest;

  if (i == NONE)
    return;
  list_unlink(cache, i);
  chain_unlink(cache, i);
  cache->slots[i].chain = cache->free_list;
  cache->free_list = i;
  cache->count--;
}

/* A slot for a new key: a freed one, a fresh one, or (when the cache is
 * full) the oldest key's, which is forgotten and reported in *evicted. */
static int take_slot(dedupe_cache *c, uint32_t *out, int *evicted,
                     int64_t *evicted_time)
{
  int rc;

  *evicted = 0;
  if (c->free_list == NONE && c->count == c->capacity) {
    *evicted = 1;
    *evicted_time = c->slots[c->oldest].time;
    dedupe_cache_drop_oldest(c);
  }
  if (c->free_list != NONE) {
    *out = c->free_list;
    c->free_list = c->slots[*out].chain;
    return TF_OK;
  }
  if (c->used == c->allocated) {
    rc = grow(c);
    if (rc != TF_OK)
      return rc;
  }
  *out = (uint32_t)c->used++;
  return TF_OK;
}

int dedupe_cache_add(dedupe_cache *cache, dedupe_hash key, int64_t time,
                     int *evicted, int64_t *evicted_time)
{
  int64_t old_time = 0;
  uint32_t i;
  int was_evicted;
  int rc = take_slot(cache, &i, &was_evicted, &old_time);

  if (evicted)
    *evicted = was_evicted;
  if (evicted_time)
    *evicted_time = old_time;
  if (rc != TF_OK)
    return rc;
  cache->slots[i].key = key;
  cache->slots[i].time = time;
  chain_link(cache, i);
  list_push_newest(cache, i);
  cache->count++;
  return TF_OK;
}

/* --- Reading ------------------------------------------------------------ */

int dedupe_cache_touch(dedupe_cache *cache, dedupe_hash key, int64_t *time)
{
  uint32_t i = find(cache, key);

  if (i == NONE)
    return 0;
  list_unlink(cache, i);
  list_push_newest(cache, i);
  if (time)
    *time = cache->slots[i].time;
  return 1;
}

int dedupe_cache_set_time(dedupe_cache *cache, dedupe_hash key, int64_t time)
{
  uint32_t i = find(cache, key);

  if (i == NONE)
    return 0;
  cache->slots[i].time = time;
  return 1;
}

int dedupe_cache_oldest(const dedupe_cache *cache, dedupe_hash *key,
                        int64_t *time)
{
  if (cache->oldest == NONE)
    return 0;
  *key = cache->slots[cache->oldest].key;
  *time = cache->slots[cache->oldest].time;
  return 1;
}

int dedupe_cache_walk(const dedupe_cache *cache,
                      int (*fn)(void *ud, dedupe_hash key, int64_t time),
                      void *ud)
{
  uint32_t i;
  int rc;

  for (i = cache->oldest; i != NONE; i = cache->slots[i].newer) {
    rc = fn(ud, cache->slots[i].key, cache->slots[i].time);
    if (rc != 0)
      return rc;
  }
  return 0;
}
