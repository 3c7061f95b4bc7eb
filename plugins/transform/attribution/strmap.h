/*
 * strmap.h - a string -> index map (open addressing, FNV-1a) for the
 * `attribution` transform's held data.  Keys are borrowed: they must live
 * as long as the map (they point into the held records' own strings).
 */
#ifndef ATTRIBUTION_STRMAP_H
#define ATTRIBUTION_STRMAP_H

#include <stddef.h>

typedef struct strmap_slot {
  const char *key; /* NULL: empty */
  size_t value;
} strmap_slot;

typedef struct strmap {
  strmap_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t count;
} strmap;

/* The value of key in *value; 1 when found, else 0. */
int strmap_get(const strmap *m, const char *key, size_t *value);

/* Sets key to value (replacing it).  0, or -1 when memory runs out. */
int strmap_put(strmap *m, const char *key, size_t value);

void strmap_free(strmap *m);

#endif
