/*
 * touchflow/value.h - reading a record's JSON without building a tree.
 *
 * The fast way to read a record.  A tf_value is an opaque, typed handle on
 * one value of a record's JSON text (in the spirit of SQLite's sqlite3_value
 * and simdjson's on-demand values): the record's root object, a member of
 * it, an element of an array.  Reading a value never parses JSON into a
 * tree: the first value asked of a record builds a flat index of its text
 * (one entry a value, strings unescaped once, in a copy of the text), kept
 * in the record for every later access.  A record that no stage reads is
 * never indexed at all.
 *
 *   const tf_value *email = tf_record_value_path(rec, "contact.email");
 *   size_t len;
 *   const char *text = tf_value_string(email, &len);   NULL unless a string
 *   int64_t ts;
 *   if (tf_value_int64(tf_record_value(rec, "ts_ms"), &ts) != TF_OK) ...
 *
 * Absent, null and unreadable are three different things:
 *   - TF_TYPE_ABSENT: no such member or element.  Lookups then return NULL,
 *     and every function here takes NULL as the absent value, so lookups
 *     chain without checks: tf_value_get(tf_value_get(v, "a"), "b").
 *   - TF_TYPE_NULL: the JSON literal null.
 *   - TF_TYPE_INVALID: the record holds no JSON (a raw record: a bad input
 *     line on its way to the dead-letter output), or its index could not be
 *     built (out of memory).  Every lookup into an invalid value is invalid
 *     again, so a plugin tells "field missing" from "record unreadable" at
 *     the end of a chain.
 *
 * Numbers: integers are those written without a fraction or an exponent;
 * they always fit int64_t (a record holding a bigger one is refused when
 * it is parsed, as jansson refuses it).  Anything else is a double.
 *
 * Ownership and lifetime: every tf_value and every string handed back is
 * borrowed from the record and valid while the caller holds a reference to
 * that record (tf_record_ref()).  Nothing here needs to be freed.
 *
 * Thread safety: a record may be read from several threads at once.  The
 * index is built without a lock: two threads that ask at the same time may
 * both build one, the first to publish it (a C11 compare-and-swap) wins and
 * the other is freed; once published the index never changes.  Values are
 * read-only.
 *
 * Cost: lookups by key walk the object's members (O(members)); tf_value_at
 * walks the array (O(index)).  Records are small; for repeated lookups of
 * many keys iterate once with tf_value_first()/tf_value_next().
 */
#ifndef TOUCHFLOW_VALUE_H
#define TOUCHFLOW_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_value tf_value;

/* The type of a value.  The numbers are part of the ABI. */
typedef enum tf_type {
  TF_TYPE_ABSENT = 0, /* no such value (a NULL tf_value) */
  TF_TYPE_NULL = 1,
  TF_TYPE_BOOL = 2,
  TF_TYPE_INTEGER = 3, /* written without fraction or exponent; an int64 */
  TF_TYPE_DOUBLE = 4,
  TF_TYPE_STRING = 5,
  TF_TYPE_ARRAY = 6,
  TF_TYPE_OBJECT = 7,
  TF_TYPE_INVALID = 8 /* the record holds no readable JSON */
} tf_type;

/* --- Finding values in a record -------------------------------------- */

/* The record's top-level object; an invalid value for a raw record (or
 * when the index cannot be built for lack of memory).  Never NULL for a
 * record; NULL (absent) when rec is NULL.  Builds the index on first use. */
const tf_value *tf_record_root(const tf_record *rec);

/* A member of the top-level object by name: tf_value_get(root, field). */
const tf_value *tf_record_value(const tf_record *rec, const char *field);

/* A value by dotted path, as tf_record_get_path() reads it:
 * tf_value_path(root, path). */
const tf_value *tf_record_value_path(const tf_record *rec, const char *path);

/* --- Type ------------------------------------------------------------ */

/* The value's type; TF_TYPE_ABSENT for NULL. */
tf_type tf_value_type(const tf_value *v);

/* A static, lower-case name for a type: "absent", "null", "boolean",
 * "integer", "double", "string", "array", "object", "invalid". */
const char *tf_type_name(tf_type type);

/* --- Scalars ----------------------------------------------------------
 * The readers return TF_OK and set *out; else TF_ERR_NOTFOUND for an
 * absent value, TF_ERR_INVAL for a value of another type, and leave *out
 * alone. */

/* A string, unescaped: NUL-terminated, and *len (when len is not NULL)
 * receives its length in bytes, which counts the NULs a "\u0000" escape
 * puts inside it.  Always valid UTF-8.  NULL when v is not a string. */
const char *tf_value_string(const tf_value *v, size_t *len);

/* An integer.  A double is accepted when it has no fraction and fits;
 * TF_ERR_RANGE when it does not fit int64_t (never wrapped or clamped),
 * TF_ERR_INVAL when it has a fraction. */
int tf_value_int64(const tf_value *v, int64_t *out);

/* A number as a double (an integer beyond 2^53 is rounded). */
int tf_value_double(const tf_value *v, double *out);

/* A boolean: *out is 1 for true, 0 for false. */
int tf_value_bool(const tf_value *v, int *out);

/* --- Objects and arrays ---------------------------------------------- */

/* The number of members of an object or elements of an array; 0 for any
 * other value. */
size_t tf_value_count(const tf_value *v);

/* The member `key` of an object (compared with the unescaped key, byte for
 * byte); NULL when v is not an object or has no such member; invalid when
 * v is invalid. */
const tf_value *tf_value_get(const tf_value *v, const char *key);

/* As tf_value_get, for a key of len bytes (which may hold NUL). */
const tf_value *tf_value_getn(const tf_value *v, const char *key, size_t len);

/* The i-th (0-based) element of an array; NULL when v is not an array or i
 * is out of range; invalid when v is invalid. */
const tf_value *tf_value_at(const tf_value *v, size_t i);

/* A value by dotted path from v: each step is an object member by name,
 * or an array element by index written in decimal digits
 * ("contact.attributes.email", "messages.0.body").  A step on an object is
 * always a name, even when made of digits.  NULL when any step finds
 * nothing; invalid when v is invalid. */
const tf_value *tf_value_path(const tf_value *v, const char *path);

/* Iteration: the first element of an array or the value of the first
 * member of an object, NULL when empty or v is neither.  Then
 * tf_value_next() gives the next one, NULL after the last:
 *
 *   for (m = tf_value_first(obj); m; m = tf_value_next(m))
 *     key = tf_value_key(m, &key_len); ...
 */
const tf_value *tf_value_first(const tf_value *v);
const tf_value *tf_value_next(const tf_value *v);

/* The key of a value that is a member of an object, unescaped and
 * NUL-terminated, *len (when not NULL) its length; NULL for a value that
 * is not a member (an array element, the root). */
const char *tf_value_key(const tf_value *v, size_t *len);

/* The value's JSON text as it stands in the record (for a string, with its
 * quotes and escapes), not NUL-terminated; *len receives its length.  NULL
 * for an absent or invalid value.  tf_builder_value() copies this. */
const char *tf_value_raw(const tf_value *v, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
