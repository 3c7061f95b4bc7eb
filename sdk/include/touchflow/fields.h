/*
 * touchflow/fields.h - reading typed fields out of a vendor record, with a
 * reject code and a message when a field is not what it must be.
 *
 * A source maps vendor records into events whatever the file format: NDJSON
 * values; CSV where every value is a string, an empty field stands for
 * null (Salesforce exports write null so) and header names may come in
 * another case (Data Loader upper-cases them); or REST JSON with nested
 * objects.  The readers here take that into account once for every source:
 *
 *   - A field is found by the lookup rule (tf_field_lookup): the exact key,
 *     else the same key in another case, else a dotted path
 *     ("Account.Name", "custom_fields.bizible_id").
 *   - Absent, null and "" are all "unset" (tf_field_is_unset); an optional
 *     field that is unset is not a problem.
 *   - A value of the wrong kind fills a tf_field_problem: a reject code for
 *     host->reject() and a message that names the field and shows the value
 *     (tf_field_describe).  The reader then returns TF_ERR_INVAL.
 *
 * Every reader comes in three forms:
 *   - tf_field_X(rec, name, ...) looks the field up by the rule above;
 *   - tf_field_X_of(value, name, ...) reads a tf_value (value.h) the caller
 *     found itself (an exact key, a member of a nested object, an element
 *     of an array); there name only names the value in messages;
 *   - tf_field_X_value(json, name, ...) does the same for a json_t.
 * The first two read the record through its value index (value.h): no
 * jansson tree is built.  A record made from a json_t (tf_record_new,
 * tf_record_derive) has its tree from the start: the record forms read
 * it there, which costs less than indexing it (that dumps the tree to text
 * first); only tf_field_id, which hands back a tf_value, indexes it.  The
 * json_t forms are the slow path, for code that holds a jansson tree anyway;
 * every form gives the same results, codes and messages for the same JSON.  A
 * raw record (no JSON) and an invalid tf_value read as absent.
 *
 * A map function then reads like this:
 *
 *   tf_field_problem why;
 *   const char *id, *subject;
 *
 *   if (tf_field_required_text(rec, "Id", &id, &why) != TF_OK ||
 *       tf_field_text(rec, "Subject", &subject, &why) != TF_OK)
 *     return host->reject(ctx, rec, why.code, why.message);
 *
 * Ownership: records and values are borrowed.  Strings and JSON values
 * handed back are borrowed from them and valid while the caller holds the
 * record (or the value).  A tf_field_problem is the caller's; the readers
 * only write into it, and only when they return TF_ERR_INVAL.  Nothing here
 * allocates but what records build lazily on first access (the value
 * index; for the json_t forms and tf_field_lookup, the jansson tree).  Output
 * pointers and `why` must not be NULL; rec, value and name may be (the field is
 * then unset).
 */
#ifndef TOUCHFLOW_FIELDS_H
#define TOUCHFLOW_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "host.h"
#include "record.h"
#include "time.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The size of a tf_field_problem's message, with its terminating NUL. */
#define TF_FIELD_MESSAGE_LEN 512

/* A buffer of this size holds everything tf_field_describe writes. */
#define TF_FIELD_SHOWN_LEN 96

/* The length of a BizibleId: 32 hex digits (a buffer needs one more). */
#define TF_BIZIBLE_ID_LEN 32

/* Why a record cannot become an event. */
typedef struct tf_field_problem {
  /* The reject code: a static string such as "invalid_field". */
  const char *code;
  /* What is wrong, naming the field and showing the value.  Valid UTF-8
   * when the names and formats given are: values shown and messages cut to
   * fit are cut on a character boundary. */
  char message[TF_FIELD_MESSAGE_LEN];
} tf_field_problem;

/* Records a problem of the caller's own: sets why->code to code (a static
 * string) and formats the message, cut to fit.  Returns TF_ERR_INVAL, so
 * that a reader of the caller's can `return tf_field_complain(...)`. */
int tf_field_complain(tf_field_problem *why, const char *code, const char *fmt,
                      ...) TF_PRINTF(3, 4);

/* A value as a message shows it, written into buf (len bytes; use
 * TF_FIELD_SHOWN_LEN): a string in double quotes, cut after its first 80
 * bytes on a character boundary; a number as written; otherwise what it is:
 * "an object", "an array", "null", "a boolean", or "absent" for NULL. */
void tf_field_describe(const json_t *value, char *buf, size_t len);
void tf_field_describe_of(const tf_value *value, char *buf, size_t len);

/* 1 when value is NULL (absent), null or "", else 0. */
int tf_field_is_unset(const json_t *value);
int tf_field_is_unset_of(const tf_value *value);

/* The field `name` of the record's object by the lookup rule: the exact
 * key; else the first key equal to name but for ASCII case; else the value
 * at name read as a dotted path (tf_record_get_path).  Borrowed from rec;
 * NULL when none matches, or rec or name is NULL.  The slow path: builds
 * the record's jansson tree (the record forms of the readers use
 * tf_field_find instead). */
const json_t *tf_field_lookup(const tf_record *rec, const char *name);

/* The same rule over the tf_value of an object (a record's root,
 * tf_record_root(), or an object inside it), with tf_value_path for the
 * dotted path.  Borrowed; NULL when none matches, or obj is not an object
 * or name is NULL.  Builds no tree. */
const tf_value *tf_field_find(const tf_value *obj, const char *name);

/* --- Readers ------------------------------------------------------------
 * Each returns TF_OK, or TF_ERR_INVAL with *why filled.  The outputs are
 * set on TF_OK (and may be changed on TF_ERR_INVAL). */

/* Optional text: *out is the string, or NULL when the field is unset.  Any
 * other type is invalid_field: "<name> is <value>, not a string". */
int tf_field_text(const tf_record *rec, const char *name, const char **out,
                  tf_field_problem *why);
int tf_field_text_of(const tf_value *value, const char *name, const char **out,
                     tf_field_problem *why);
int tf_field_text_value(const json_t *value, const char *name, const char **out,
                        tf_field_problem *why);

/* Text the record cannot do without: as tf_field_text, and unset is
 * missing_field: "<name> is missing". */
int tf_field_required_text(const tf_record *rec, const char *name,
                           const char **out, tf_field_problem *why);
int tf_field_required_text_of(const tf_value *value, const char *name,
                              const char **out, tf_field_problem *why);
int tf_field_required_text_value(const json_t *value, const char *name,
                                 const char **out, tf_field_problem *why);

/* An optional identifier: a non-empty string or an integer.  *out is the
 * value itself (borrowed), or NULL when unset.  Any other type is
 * invalid_field: "<name> is <value>, not a string or an integer".
 * tf_field_id and tf_field_id_of give a tf_value (read it with
 * tf_value_type, tf_value_string, tf_value_int64), tf_field_id_value the
 * json_t. */
int tf_field_id(const tf_record *rec, const char *name, const tf_value **out,
                tf_field_problem *why);
int tf_field_id_of(const tf_value *value, const char *name,
                   const tf_value **out, tf_field_problem *why);
int tf_field_id_value(const json_t *value, const char *name, const json_t **out,
                      tf_field_problem *why);

/* A flag as Salesforce writes a checkbox: a JSON boolean, or "true" or
 * "false" in any case (CSV).  *flag is 1 or 0; unset is 0.  Anything else is
 * invalid_field: "<name> <value> is neither true nor false". */
int tf_field_flag(const tf_record *rec, const char *name, int *flag,
                  tf_field_problem *why);
int tf_field_flag_of(const tf_value *value, const char *name, int *flag,
                     tf_field_problem *why);
int tf_field_flag_value(const json_t *value, const char *name, int *flag,
                        tf_field_problem *why);

/* A Salesforce datetime or date: a string in one of the forms of time.h
 * (tf_time_parse).  *found is 0 when unset (then *ms is untouched), else 1
 * and *ms is the time.  Anything else is invalid_timestamp: "<name> <value>
 * is not a Salesforce date or datetime". */
int tf_field_salesforce_time(const tf_record *rec, const char *name,
                             int64_t *ms, int *found, tf_field_problem *why);
int tf_field_salesforce_time_of(const tf_value *value, const char *name,
                                int64_t *ms, int *found, tf_field_problem *why);
int tf_field_salesforce_time_value(const json_t *value, const char *name,
                                   int64_t *ms, int *found,
                                   tf_field_problem *why);

/* An optional BizibleId (the Marketo Measure visitor id): exactly 32 hex
 * digits in any case.  out (TF_BIZIBLE_ID_LEN + 1 bytes) receives it
 * lowercased, or "" when the field is unset.  A value that is not a string
 * is invalid_field (as tf_field_text); a string that is not a BizibleId is
 * invalid_bizible_id: "<name> "<text>" is not a BizibleId (32 hex digits)".
 * A missing BizibleId is for the caller to judge. */
int tf_field_bizible_id(const tf_record *rec, const char *name, char *out,
                        tf_field_problem *why);
int tf_field_bizible_id_of(const tf_value *value, const char *name, char *out,
                           tf_field_problem *why);
int tf_field_bizible_id_value(const json_t *value, const char *name, char *out,
                              tf_field_problem *why);

/* --- A check without a message -------------------------------------- */

/* A time given as ISO 8601 text or as an epoch count in `unit` (an integer
 * or a string of digits, either maybe negative), read as tf_time_from_json
 * reads it, refusing what looks like the other unit given by mistake:
 *   TF_EPOCH_MILLISECONDS: an epoch count below 10^11 (1973-03-03), which
 *     is seconds;
 *   TF_EPOCH_SECONDS: any time after 10^11 seconds (the year 5138), which
 *     as a count is milliseconds, and which no vendor writes as a date.
 * Returns TF_OK with *ms set; TF_ERR_NOTFOUND when value is unset
 * (tf_field_is_unset); TF_ERR_PARSE when it is not a time; TF_ERR_INVAL
 * when it is refused as the other unit (or unit is neither of the two).  The
 * caller words the message, as only it knows what the field is. */
int tf_field_epoch_time(const json_t *value, tf_epoch_unit unit, int64_t *ms);
int tf_field_epoch_time_of(const tf_value *value, tf_epoch_unit unit,
                           int64_t *ms);

#ifdef __cplusplus
}
#endif
#endif
