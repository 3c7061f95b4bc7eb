/*
 * dedupe_cache.h - the keys the dedupe transform remembers: a bounded set of
 * 128-bit key hashes, each with a time, kept in least-recently-used order.
 *
 * The cache never holds more than its capacity: adding a key to a full cache
 * forgets the least recently used one.  Looking a key up makes it the most
 * recently used.  Memory grows with the number of keys held (about 44 bytes
 * a key), never past what the capacity allows.
 *
 * Ownership: the caller owns the cache (dedupe_cache_new / _free); keys and
 * times are copied in and out by value.
 */
#ifndef TF_DEDUPE_CACHE_H
#define TF_DEDUPE_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* A key hash: 128 bits, as two halves. */
typedef struct dedupe_hash {
  uint64_t hi, lo;
} dedupe_hash;

typedef struct dedupe_cache dedupe_cache;

/* The largest capacity a cache may have. */
#define DEDUPE_CACHE_MAX 10000000u

/* An empty cache holding at most `capacity` keys (1 to DEDUPE_CACHE_MAX);
 * NULL on ENOMEM or a capacity out of range. */
dedupe_cache *dedupe_cache_new(size_t capacity);

/* Frees the cache.  NULL-safe. */
void dedupe_cache_free(dedupe_cache *cache);

/* Forgets every key (keeps the capacity). */
void dedupe_cache_clear(dedupe_cache *cache);

/* When key is held: makes it the most recently used, stores its time in
 * *time (when time is not NULL) and returns 1.  Otherwise returns 0. */
int dedupe_cache_touch(dedupe_cache *cache, dedupe_hash key, int64_t *time);

/* Sets the time of a held key; returns 0 when the key is not held. */
int dedupe_cache_set_time(dedupe_cache *cache, dedupe_hash key, int64_t time);

/* Adds key (which must not be held) as the most recently used.  When the
 * cache is full the least recently used key is forgotten first; then
 * *evicted is set to 1 and *evicted_time to its time, else *evicted is 0
 * (either pointer may be NULL when the caller does not care).  Returns
 * TF_OK or TF_ERR_NOMEM (then nothing changed). */
int dedupe_cache_add(dedupe_cache *cache, dedupe_hash key, int64_t time,
                     int *evicted, int64_t *evicted_time);

/* The least recently used key and its time; returns 0 when empty. */
int dedupe_cache_oldest(const dedupe_cache *cache, dedupe_hash *key,
                        int64_t *time);

/* Forgets the least recently used key (nothing when empty). */
void dedupe_cache_drop_oldest(dedupe_cache *cache);

/* Calls fn for every key, least recently used first, until fn returns
 * non-zero; returns that value, or 0 when all were visited. */
int dedupe_cache_walk(const dedupe_cache *cache,
                      int (*fn)(void *ud, dedupe_hash key, int64_t time),
                      void *ud);

#endif
