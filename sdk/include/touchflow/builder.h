/*
 * touchflow/builder.h - writing a new record's JSON text directly.
 *
 * The fast way to make a record: a tf_builder writes compact JSON text as
 * it is called, with no json_t tree in between, and tf_builder_finish()
 * turns the text into a record that is lazily indexed like one parsed from
 * a file (record.h, value.h), from the offsets the builder noted as it
 * wrote: reading the record later does not scan its text.  Values of
 * other records are copied as they stand in their text, without decoding
 * and encoding them again.
 *
 *   tf_builder *b = tf_builder_new();
 *   tf_record *out;
 *
 *   tf_builder_begin_object(b);
 *   tf_builder_key(b, "email");
 *   tf_builder_value(b, tf_record_value(in, "Email"));   copies the text
 *   tf_builder_key(b, "ts_ms");
 *   tf_builder_int64(b, ts);
 *   tf_builder_end_object(b);
 *   if (tf_builder_finish(b, in, &out) != TF_OK)         keeps in's origin
 *     host->log(ctx, TF_LOG_ERROR, "%s", tf_builder_error(b));
 *
 * The text is what jansson's JSON_COMPACT writes: no spaces, strings
 * escaped as jansson escapes them ('"', '\\' and control characters; "/"
 * and non-ASCII as they are), integers in decimal, doubles in the shortest
 * form that reads back as the same double, always with a '.' or an
 * exponent ("1.0", "0.1", "1e300").
 *
 * Errors: every call returns TF_OK or an error code; the first error
 * sticks (later calls do nothing and return it) until tf_builder_finish()
 * or tf_builder_reset(), so a caller may check only the result of finish.
 *   TF_ERR_INVAL  misuse: a value where a key is due, a key outside an
 *                 object, end_array closing an object, anything after the
 *                 top-level object, a record that is not an object; a
 *                 string or key that is not valid UTF-8 or a key holding
 *                 NUL; NaN or an infinity; copying an absent or invalid
 *                 value; a key used twice in one object or nesting deeper
 *                 than 2048 (both reported by finish, in the words of
 *                 tf_record_parse: the builder watches keys and depth as
 *                 it writes, and has the text scanned again only then,
 *                 or after copying an object or array from a record).
 *   TF_ERR_NOMEM  out of memory.
 * tf_builder_error() says which, in a sentence.
 *
 * Ownership: the builder is the caller's (tf_builder_free).  Strings given
 * are copied; values copied from records are borrowed only for the call.
 * A record from tf_builder_finish() is the caller's, with one reference.
 * One builder makes any number of records, one after the other, reusing
 * its buffer.  A builder is not thread-safe: use one per thread.
 */
#ifndef TOUCHFLOW_BUILDER_H
#define TOUCHFLOW_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include "record.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_builder tf_builder;

/* A new, empty builder; NULL on ENOMEM.  Free with tf_builder_free(). */
tf_builder *tf_builder_new(void);

/* Frees the builder (and what it was building).  NULL-safe. */
void tf_builder_free(tf_builder *b);

/* Drops what is being built and the sticky error; keeps the buffer. */
void tf_builder_reset(tf_builder *b);

/* Containers.  A record is one object: the first call is
 * tf_builder_begin_object(). */
int tf_builder_begin_object(tf_builder *b);
int tf_builder_end_object(tf_builder *b);
int tf_builder_begin_array(tf_builder *b);
int tf_builder_end_array(tf_builder *b);

/* The key of the next member of the innermost object: NUL-terminated, or
 * len bytes.  Valid UTF-8 without NUL.  A plain key (ASCII with no
 * control character, '"' or '\\': nearly every key) is written as it
 * stands, found plain 8 bytes at a time, with no escaping and no UTF-8
 * pass; any other is escaped. */
int tf_builder_key(tf_builder *b, const char *key);
int tf_builder_keyn(tf_builder *b, const char *key, size_t len);

/* A key that is a string literal, its length counted by the compiler
 * (sizeof - 1: no strlen): TF_BUILDER_KEY(b, "email").  It is
 * tf_builder_keyn: the same text, tokens and errors (a NUL inside the
 * literal is counted, so refused, where tf_builder_key would stop at it).
 * "" around the argument makes anything but a literal a compile error.
 *
 * There is no call that trusts its caller ("this key is plain, do not
 * look"), by decision: the builder's text is valid by construction and not
 * scanned again, so a broken promise would make a record whose text is
 * not JSON and whose index is wrong, found (if ever) far downstream.
 * Checking instead is a word or two of bit arithmetic for a key (measured
 * on the session_merge benchmark: a key costs about 240 instructions with
 * the check and 195 with none, against 400 before the fast path: the
 * check is 2 to 3 % of that run), and it needs no new symbol in the ABI. */
#define TF_BUILDER_KEY(b, literal)                                             \
  tf_builder_keyn((b), "" literal "", sizeof(literal) - 1)

/* Values, each in an array or after a key. */

/* A string: NUL-terminated, or len bytes of valid UTF-8 (which may hold
 * NUL, written "\u0000"). */
int tf_builder_string(tf_builder *b, const char *s);
int tf_builder_stringn(tf_builder *b, const char *s, size_t len);
int tf_builder_int64(tf_builder *b, int64_t v);
/* A finite double; NaN and infinities are TF_ERR_INVAL. */
int tf_builder_double(tf_builder *b, double v);
/* true when v is nonzero. */
int tf_builder_bool(tf_builder *b, int v);
int tf_builder_null(tf_builder *b);

/* A copy of v (a value of any record, of any type, objects and arrays
 * with everything inside) as its text stands in that record
 * (tf_value_raw): no decoding, no re-encoding. */
int tf_builder_value(tf_builder *b, const tf_value *v);

/* Ends the record: checks that the top-level object is closed and that the
 * text is what tf_record_parse accepts, then makes the record.  origin_of,
 * when not NULL, gives its origin (file:line), as tf_record_derive() does.
 * On TF_OK *out is the new record, with one reference for the caller; on
 * an error *out is NULL.  Either way the builder is then empty and ready
 * for the next record (tf_builder_error() keeps the reason of a failure). */
int tf_builder_finish(tf_builder *b, const tf_record *origin_of,
                      tf_record **out);

/* tf_builder_finish with the origin given as it is, for a source making
 * records out of its input (a CSV row: its file and the line it starts
 * on).  origin may be NULL (no origin); its file string is copied, so the
 * caller keeps it.  Results and ownership as tf_builder_finish. */
int tf_builder_finish_at(tf_builder *b, const tf_origin *origin,
                         tf_record **out);

/* Why the last error happened, as a sentence: "a key outside an object";
 * "" when nothing failed since the builder was made, reset or last
 * finished a record.  Borrowed from the builder. */
const char *tf_builder_error(const tf_builder *b);

#ifdef __cplusplus
}
#endif
#endif
