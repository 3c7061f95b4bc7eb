/*
 * drift_map.c - open addressing with linear probing over 64-bit keys,
 * kept at most half full; removal shifts the following run back so no
 * tombstones are needed.
 */
#include <stdlib.h>
#include <touchflow/error.h>
#include "drift_map.h"

static size_t slot_of(uint64_t key, size_t capacity)
{
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  key ^= key >> 31;
  return (size_t)key & (capacity - 1);
}

static drift_map_slot *find(const drift_map *map, int64_t key)
{
  size_t i;

  if (map->capacity == 0)
    return NULL;
  i = slot_of((uint64_t)key, map->capacity);
  while (map->slots[i].value) {
    if (map->slots[i].key == key)
      return &map->slots[i];
    i = (i + 1) & (map->capacity - 1);
  }
  return NULL;
}

/* Puts into a map known to have room and not to hold key. */
static void insert_new(drift_map *map, int64_t key, void *value)
{
  size_t i = slot_of((uint64_t)key, map->capacity);

  while (map->slots[i].value)
    i = (i + 1) & (map->capacity - 1);
  map->slots[i].key = key;
  map->slots[i].value = value;
  map->count++;
}

static int grow(drift_map *map)
{
  size_t old_capacity = map->capacity, i;
  drift_map_slot *old = map->slots;
  size_t capacity = old_capacity ? old_capacity * 2 : 16;

  map->slots = calloc(capacity, sizeof(*map->slots));
  if (!map->slots) {
    map->slots = old;
    return TF_ERR_NOMEM;
  }
  map->capacity = capacity;
  map->count = 0;
  for (i = 0; i < old_capacity; i++)
    if (old[i].value)
      insert_new(map, old[i].key, old[i].value);
  free(old);
  return TF_OK;
}

void *drift_map_get(const drift_map *map, int64_t key)
{
  drift_map_slot *slot = find(map, key);

  return slot ? slot->value : NULL;
}

int drift_map_put(drift_map *map, int64_t key, void *value)
{
  drift_map_slot *slot;

  if (!value)
    return TF_ERR_INVAL;
  slot = find(map, key);
  if (slot) {
    slot->value = value;
    return TF_OK;
  }
  if ((map->count + 1) * 2 > map->capacity && grow(map) != TF_OK)
    return TF_ERR_NOMEM;
  insert_new(map, key, value);
  return TF_OK;
}

/* Moves back the entries after a freed slot that could not be found any
 * more with a hole on their probe path. */
static void close_gap(drift_map *map, size_t hole)
{
  size_t mask = map->capacity - 1, i = (hole + 1) & mask;

  while (map->slots[i].value) {
    size_t home = slot_of((uint64_t)map->slots[i].key, map->capacity);

    if (((i - home) & mask) >= ((i - hole) & mask)) {
      map->slots[hole] = map->slots[i];
      map->slots[i].value = NULL;
      hole = i;
    }
    i = (i + 1) & mask;
  }
}

void *drift_map_remove(drift_map *map, int64_t key)
{
  drift_map_slot *slot = find(map, key);
  void *value;

  if (!slot)
    return NULL;
  value = slot->value;
  slot->value = NULL;
  map->count--;
  close_gap(map, (size_t)(slot - map->slots));
  return value;
}

void *drift_map_next(const drift_map *map, size_t *iter, int64_t *key)
{
  while (*iter < map->capacity) {
    const drift_map_slot *slot = &map->slots[(*iter)++];

    if (slot->value) {
      *key = slot->key;
      return slot->value;
    }
  }
  return NULL;
}

void drift_map_free(drift_map *map, void (*free_value)(void *))
{
  size_t i;

  for (i = 0; free_value && i < map->capacity; i++)
    if (map->slots[i].value)
      free_value(map->slots[i].value);
  free(map->slots);
  map->slots = NULL;
  map->capacity = 0;
  map->count = 0;
}
