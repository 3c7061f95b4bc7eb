/*
 * touchflow/record.h - the record handle that moves between stages.
 *
 * A tf_record is opaque.  It holds one JSON object and, optionally, where it
 * came from (file:line).  A record read from text (tf_record_parse) or
 * written by a tf_builder (builder.h) keeps its JSON text and nothing
 * else: parsing is lazy.  The text is validated when the record is made;
 * what reading needs is built the first time it is needed and kept in the
 * record:
 *   - the value index, by the first tf_value access (value.h): the fast
 *     way to read a record, with no tree and no allocation per value;
 *   - a jansson tree, by the first call of the json_t API of
 *     record_json.h (tf_record_json, tf_record_get, ...), which a plugin
 *     includes on purpose: it is the slow path, it parses the whole
 *     record into a tree.  It still works on every record.
 * A record that no stage looks into is never indexed nor parsed into a
 * tree, and a sink copies its text (tf_record_bytes) as it is.
 *
 * Records are immutable once created and reference counted.  The host hands
 * a record to several stages (fan-out) by taking references, never by
 * copying.  A transform that wants a changed record builds a new one
 * (tf_builder; or from a tree, record_json.h) and leaves its input
 * untouched.  The reference count and the lazy parts are safe to use
 * from several threads at once (see value.h).
 *
 * Ownership: functions that make a record return it with one reference
 * owned by the caller.  tf_record_ref()
 * adds a reference; tf_record_unref() drops one and frees at zero.
 * Everything returned by an accessor is borrowed from the record and valid
 * while the caller holds a reference.
 */
#ifndef TOUCHFLOW_RECORD_H
#define TOUCHFLOW_RECORD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_record tf_record;

/* Where a record came from: a file (as the user named it) and a 1-based line
 * (for CSV, the line the row starts on).  file is NULL when unknown. */
typedef struct tf_origin {
  const char *file;
  long line;
} tf_origin;

/* A record parsed from the bytes of one JSON object (one NDJSON line).  The
 * bytes are validated (strict JSON as jansson's JSON_REJECT_DUPLICATES |
 * JSON_ALLOW_NUL takes it: UTF-8, numbers that fit int64 or double, at most
 * 2048 levels, no duplicate keys), copied and kept as the record's text;
 * nothing else is built until it is read.  origin may be NULL; its file
 * string is copied.  On an error returns NULL and, when err is not NULL,
 * writes a one-line reason into err: "invalid JSON at column 12: expected
 * ':' after the key, found '='" (the column, in characters, of the problem;
 * one past the end when the text ends too soon), "not a JSON object" for
 * valid JSON of another type, or "out of memory". */
tf_record *tf_record_parse(const char *bytes, size_t len,
                           const tf_origin *origin, char *err, size_t errlen);

/* A record that holds only raw text that is not (valid) JSON: a bad input
 * line, so that it can go to the dead-letter output as it was read.  Its
 * JSON accessors return NULL. */
tf_record *tf_record_new_raw(const char *bytes, size_t len,
                             const tf_origin *origin);

/* Adds a reference and returns rec. */
tf_record *tf_record_ref(tf_record *rec);

/* Drops a reference; frees the record when it was the last one. NULL-safe. */
void tf_record_unref(tf_record *rec);

/* The record's JSON text: the bytes it was parsed from or a tf_builder
 * wrote (for a raw record, its raw text); NULL when it was made from a
 * json_t (record_json.h).  NUL-terminated; *len receives the length.  Never
 * builds anything: a sink writes these bytes as they are. */
const char *tf_record_bytes(const tf_record *rec, size_t *len);

/* Where the record came from; fields are NULL/0 when unknown. */
tf_origin tf_record_origin(const tf_record *rec);

/* 1 when the record holds a JSON object (parsed, built or made from a
 * json_t), 0 for a raw record or NULL.  Never builds anything. */
int tf_record_has_json(const tf_record *rec);

/* For tests and debugging: what the record has built so far, a mask of
 * TF_RECORD_HAS_INDEX (the value index, built by the first tf_value access)
 * and TF_RECORD_HAS_TREE (the jansson tree: built by the first json_t call
 * for a record parsed from text, present from the start for one made from a
 * json_t).  A record that was only passed on shows 0. */
#define TF_RECORD_HAS_INDEX 1u
#define TF_RECORD_HAS_TREE 2u
unsigned tf_record_debug_state(const tf_record *rec);

#ifdef __cplusplus
}
#endif
#endif
