/*
 * table.h - a hash table from strings to pointers.
 *
 * Keys are borrowed: each value must own its key (a visitor its biz_uid)
 * and outlive its entry.  Values are never freed by the table.
 */
#ifndef SM_TABLE_H
#define SM_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sm_table sm_table;

/* A new empty table, or NULL on ENOMEM. */
sm_table *sm_table_new(void);

/* Frees the table, not the values.  NULL-safe. */
void sm_table_free(sm_table *t);

/* The value of key, or NULL. */
void *sm_table_get(const sm_table *t, const char *key);

/* Adds key -> value; key must not be in the table.  TF_OK or
 * TF_ERR_NOMEM. */
int sm_table_put(sm_table *t, const char *key, void *value);

/* Removes key and returns its value (NULL when absent). */
void *sm_table_remove(sm_table *t, const char *key);

/* The same with the key's hash computed once by the caller
 * (sm_table_hash), for a key looked up, added and removed again: the
 * hash must be sm_table_hash(key). */
uint64_t sm_table_hash(const char *key);
void *sm_table_get_hashed(const sm_table *t, const char *key, uint64_t hash);
int sm_table_put_hashed(sm_table *t, const char *key, uint64_t hash,
                        void *value);
void *sm_table_remove_hashed(sm_table *t, const char *key, uint64_t hash);

/* Number of entries. */
size_t sm_table_count(const sm_table *t);

/* Any value of the table, or NULL when empty: remove it and ask again to
 * empty the table. */
void *sm_table_any(const sm_table *t);

#endif
