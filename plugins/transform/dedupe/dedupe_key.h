/*
 * dedupe_key.h - what makes two records "the same" for the dedupe
 * transform: the key of a record and its 128-bit hash.
 *
 * A key is either the whole record or the values at a list of field paths.
 * Its hash is FNV-1a (128 bits) over canonical JSON text: compact, object
 * keys sorted at every level, byte for byte what jansson's json_dumps with
 * JSON_COMPACT | JSON_SORT_KEYS writes (so saved hashes keep their
 * meaning), streamed from the record's value index (touchflow/value.h)
 * without building a jansson tree or the text.  The whole record hashes as that
 * text of its object; a list of paths hashes as the text of the JSON array of
 * their values, in the order listed.  So field order never matters, and values
 * keep their JSON type ("1" and 1 differ).
 *
 * Ownership: a dedupe_key borrows the `key` list from the plugin config
 * (which lives until fini); records are borrowed for the call.
 */
#ifndef TF_DEDUPE_KEY_H
#define TF_DEDUPE_KEY_H

#include <stddef.h>
#include <jansson.h>
#include <touchflow/record.h>
#include "dedupe_cache.h"

typedef struct dedupe_key {
  const json_t *paths; /* JSON list of path strings; NULL: the whole record */
} dedupe_key;

/* FNV-1a 128 of len bytes, continuing from *h (start from
 * dedupe_hash_start()). */
dedupe_hash dedupe_hash_start(void);
void dedupe_hash_bytes(dedupe_hash *h, const void *bytes, size_t len);

/* 1 when path is usable as a key field: non-empty names joined by dots. */
int dedupe_key_path_is_valid(const char *path);

/* Hashes rec's key into *out, reading rec through its value index (no
 * jansson tree).  rec must hold JSON (tf_record_has_json).  Returns TF_OK;
 * TF_ERR_NOTFOUND when a key field is absent or null; TF_ERR_NOMEM (also
 * when the record's index cannot be built). */
int dedupe_key_hash(const dedupe_key *key, const tf_record *rec,
                    dedupe_hash *out);

/* Writes h as 32 lowercase hex digits and a NUL into buf (33 bytes). */
void dedupe_hash_to_hex(dedupe_hash h, char *buf);

/* Reads 32 hex digits; returns 0 when text is not exactly that. */
int dedupe_hash_from_hex(const char *text, dedupe_hash *h);

#endif
