/*
 * strmap.h - a hash map from strings, compared without regard to ASCII case,
 * to borrowed pointers.
 *
 * Dedupe values are matched the way Marketo matches them (an email written
 * "Ann@X.com" finds the lead "ann@x.com"), so every map of dedupe values in
 * the sink folds case.  Keys are copied; values are borrowed and never freed
 * by the map.
 */
#ifndef MKTO_STRMAP_H
#define MKTO_STRMAP_H

#include <stddef.h>

typedef struct mkto_strmap mkto_strmap;

/* An empty map, or NULL on ENOMEM.  Free with mkto_strmap_free(). */
mkto_strmap *mkto_strmap_new(void);

/* Frees the map and its key copies, not the values.  NULL-safe. */
void mkto_strmap_free(mkto_strmap *map);

/* Sets key -> value (replacing an equal key's value).  TF_OK or
 * TF_ERR_NOMEM. */
int mkto_strmap_put(mkto_strmap *map, const char *key, void *value);

/* The value of key, or NULL. */
void *mkto_strmap_get(const mkto_strmap *map, const char *key);

/* Removes key when present. */
void mkto_strmap_remove(mkto_strmap *map, const char *key);

/* Number of keys. */
size_t mkto_strmap_count(const mkto_strmap *map);

#endif
