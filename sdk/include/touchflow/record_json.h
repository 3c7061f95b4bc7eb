/*
 * touchflow/record_json.h - records as jansson trees: the slow path.
 *
 * Not included by touchflow.h: a plugin includes this header on purpose,
 * knowing what it costs.  Reading a record through these calls parses its
 * whole text into a jansson tree the first time (a full parse and an
 * allocation per value, kept in the record); a record made from a tree
 * is serialised again by every sink that writes it.  value.h reads a
 * record with no tree, and builder.h writes a new one as text: prefer
 * them.  This API is for code that already holds a json_t (a test, a
 * plugin written before records were lazy) or that needs a whole tree.
 *
 * Ownership: tf_record_new() and tf_record_derive() steal the json_t they
 * are given and return a record with one reference owned by the caller.
 * Every json_t returned below is borrowed from the record, valid while the
 * caller holds a reference, and must not be modified (records are shared
 * between stages), except tf_record_copy_json()'s, which the caller owns.
 */
#ifndef TOUCHFLOW_RECORD_JSON_H
#define TOUCHFLOW_RECORD_JSON_H

#include <jansson.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A record made from a JSON object.  Steals obj (which must be an object);
 * returns NULL (and releases obj) when obj is not an object or on ENOMEM. */
tf_record *tf_record_new(json_t *obj);

/* A record made from obj (stolen) that keeps src's origin.  For transforms
 * that change a record: build the new object, then derive. */
tf_record *tf_record_derive(const tf_record *src, json_t *obj);

/* --- The json_t API: the slow path ------------------------------------
 * The first of these calls on a record parsed from text builds its jansson
 * tree (a full parse); prefer value.h.  They return NULL for a raw record,
 * and also, for a record parsed from text, when memory runs out. */

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

/* A new JSON object the caller owns: a deep copy of the record's object, to
 * edit and pass to tf_record_derive().  NULL for a raw record. */
json_t *tf_record_copy_json(const tf_record *rec);

#ifdef __cplusplus
}
#endif
#endif
