/*
 * drift_map.h - a hash map from 64-bit Drift ids to pointers.
 *
 * Owns nothing but its slots: the values are the caller's (drift_map_free
 * hands each one to a free function).  Values are never NULL.  Iteration
 * order depends only on the keys and the order they were put in, so a run
 * over the same input always visits entries in the same order.
 */
#ifndef DRIFT_MAP_H
#define DRIFT_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct drift_map_slot {
  int64_t key;
  void *value; /* NULL: the slot is free */
} drift_map_slot;

typedef struct drift_map {
  drift_map_slot *slots;
  size_t capacity; /* 0 or a power of two */
  size_t count;
} drift_map;

/* An empty map; allocates nothing until the first put. */
#define DRIFT_MAP_INIT                                                         \
  {                                                                            \
    NULL, 0, 0                                                                 \
  }

/* The value stored under key (borrowed), or NULL. */
void *drift_map_get(const drift_map *map, int64_t key);

/* Stores value (not NULL) under key, replacing what was there.  TF_OK,
 * TF_ERR_INVAL for a NULL value or TF_ERR_NOMEM (the map is unchanged). */
int drift_map_put(drift_map *map, int64_t key, void *value);

/* Removes key and returns its value (now the caller's), or NULL. */
void *drift_map_remove(drift_map *map, int64_t key);

/* Walks the entries: start with *iter = 0; returns the next value and
 * stores its key, or NULL at the end.  The map must not change during a
 * walk. */
void *drift_map_next(const drift_map *map, size_t *iter, int64_t *key);

/* Calls free_value (when not NULL) on every value and frees the slots;
 * the map is empty again afterwards. */
void drift_map_free(drift_map *map, void (*free_value)(void *));

#endif
