/*
 * touchflow/record.h - the record handle that moves between stages.
 *
 * A tf_record is opaque.  It holds one JSON object and, optionally, the
 * original bytes it was parsed from and where those came from (file:line).
 * Plugins read a record through the accessors below; they never see how it
 * is stored, so the host is free to parse lazily, to skip parsing records no
 * plugin looks into, and to let a sink copy an unmodified record's original
 * bytes.
 *
 * Records are immutable once created and reference counted.  The host hands
 * a record to several stages (fan-out) by taking references, never by
 * copying.  A transform that wants a changed record builds a new one
 * (tf_record_new() or tf_record_derive()) and leaves its input untouched.
 *
 * Ownership: functions ending in _new steal the json_t they are given and
 * return a record with one reference owned by the caller.  tf_record_ref()
 * adds a reference; tf_record_unref() drops one and frees at zero.
 * Everything returned by an accessor is borrowed from the record and valid
 * while the caller holds a reference.
 */
#ifndef TOUCHFLOW_RECORD_H
#define TOUCHFLOW_RECORD_H

#include <stddef.h>
#include <jansson.h>

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

/* A record made from a JSON object.  Steals obj (which must be an object);
 * returns NULL (and releases obj) when obj is not an object or on ENOMEM. */
tf_record *tf_record_new(json_t *obj);

/* A record parsed from the bytes of one JSON object (one NDJSON line).  The
 * bytes are copied and kept as the record's original text.  origin may be
 * NULL; its file string is copied.  On a parse error returns NULL and, when
 * err is not NULL, writes a one-line reason (with the column) into err. */
tf_record *tf_record_parse(const char *bytes, size_t len,
                           const tf_origin *origin, char *err, size_t errlen);

/* A record that holds only raw text that is not (valid) JSON: a bad input
 * line, so that it can go to the dead-letter output as it was read.  Its
 * JSON accessors return NULL. */
tf_record *tf_record_new_raw(const char *bytes, size_t len,
                             const tf_origin *origin);

/* A record made from obj (stolen) that keeps src's origin.  For transforms
 * that change a record: build the new object, then derive. */
tf_record *tf_record_derive(const tf_record *src, json_t *obj);

/* Adds a reference and returns rec. */
tf_record *tf_record_ref(tf_record *rec);

/* Drops a reference; frees the record when it was the last one. NULL-safe. */
void tf_record_unref(tf_record *rec);

/* The record's JSON object, borrowed; NULL for a raw record.  Callers must
 * not modify it (records are shared between stages). */
const json_t *tf_record_json(const tf_record *rec);

/* A field of the top-level object by name, borrowed; NULL when absent. */
const json_t *tf_record_get(const tf_record *rec, const char *field);

/* A value by dotted path ("contact.attributes.email"); array elements by
 * index ("messages.0.body").  Borrowed; NULL when absent. */
const json_t *tf_record_get_path(const tf_record *rec, const char *path);

/* The string value of a top-level field, or NULL when absent or not a
 * string.  Borrowed. */
const char *tf_record_get_string(const tf_record *rec, const char *field);

/* The original bytes the record was parsed from, or NULL when it was built
 * from an object.  *len receives their length. */
const char *tf_record_bytes(const tf_record *rec, size_t *len);

/* Where the record came from; fields are NULL/0 when unknown. */
tf_origin tf_record_origin(const tf_record *rec);

/* A new JSON object the caller owns: a deep copy of the record's object, to
 * edit and pass to tf_record_derive().  NULL for a raw record. */
json_t *tf_record_copy_json(const tf_record *rec);

#ifdef __cplusplus
}
#endif
#endif
