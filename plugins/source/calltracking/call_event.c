/*
 * call_event.c - how the `calltracking` source turns a Salesforce Task
 * written by a call-tracking vendor, or a CallTrackingMetrics call record,
 * into a `call` event.
 *
 * Owns reading the fields whatever the file format (NDJSON values, or CSV
 * strings where an empty field means null, with header names in any case),
 * their checks (each failure is a reject code and a message naming the
 * field and the value), DOMAIN.md's call rule 1 (no BizibleId, no event:
 * the vendor must be told) and the call time (the Task's Buyer Touchpoint
 * Date, else its CreatedDate; a CTM call's unix_time), and the event's
 * shape (docs/events.md).  Keeps no state between records.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "call_event.h"

#define BIZIBLE_ID_LEN 32
#define TOUCHPOINT_DATE "bizible2__Bizible_Touchpoint_Date__c"
/* Epoch seconds above this (year 5138) are milliseconds given by mistake. */
#define MAX_EPOCH_SECONDS INT64_C(100000000000)

/* Why a record cannot become an event: a reject code and its message. */
typedef struct problem {
  const char *code;
  char message[512];
} problem;

/* A call's fields.  Strings and JSON values are borrowed from the record. */
typedef struct call {
  const json_t *id; /* Task Id or CTM call id: a string or an integer */
  char id_text[32]; /* an integer id as text, for messages */
  char biz_uid[BIZIBLE_ID_LEN + 1]; /* lowercased */
  int64_t ts_ms;
  const char *call_type; /* "" when the Task has none */
  const char *subject;   /* or NULL, like the rest */
  const char *who_id;
  const char *phone;
  const char *email; /* as written */
} call;

/* --- Reading fields --------------------------------------------------- */

static int complain(problem *why, const char *code, const char *fmt, ...)
    TF_PRINTF(3, 4);

/* Records the problem; returns -1 so that callers can return it. */
static int complain(problem *why, const char *code, const char *fmt, ...)
{
  va_list ap;

  why->code = code;
  va_start(ap, fmt);
  vsnprintf(why->message, sizeof(why->message), fmt, ap);
  va_end(ap);
  return -1;
}

/* A value as a message shows it: a string quoted (its first 80 bytes), a
 * number as written, anything else by its JSON type. */
static void describe(const json_t *v, char *buf, size_t len)
{
  if (json_is_string(v))
    snprintf(buf, len, "\"%.80s\"", json_string_value(v));
  else if (json_is_integer(v))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_real(v))
    snprintf(buf, len, "%g", json_real_value(v));
  else
    snprintf(buf, len, "%s",
             json_is_object(v)  ? "an object"
             : json_is_array(v) ? "an array"
             : json_is_null(v)  ? "null"
                                : "a boolean");
}

/* Absent, null or "": Salesforce exports write null as an empty field. */
static int is_unset(const json_t *v)
{
  return !v || json_is_null(v) || (json_is_string(v) && !json_string_length(v));
}

/* A field by name: the exact key, else the same key in another case (Data
 * Loader upper-cases headers), else a dotted path.  Borrowed; NULL. */
static const json_t *lookup(const tf_record *rec, const char *name)
{
  /* jansson iterates non-const objects only; nothing is changed. */
  json_t *obj = (json_t *)tf_record_json(rec);
  const char *key;
  json_t *value;

  if (json_object_get(obj, name))
    return json_object_get(obj, name);
  json_object_foreach (obj, key, value) {
    if (strcasecmp(key, name) == 0)
      return value;
  }
  return tf_record_get_path(rec, name);
}

/* A text field: *out is NULL when unset.  Any other type than a string is
 * an invalid_field problem. */
static int text_field(const tf_record *rec, const char *name, const char **out,
                      problem *why)
{
  const json_t *v = lookup(rec, name);
  char shown[96];

  *out = NULL;
  if (is_unset(v))
    return 0;
  if (!json_is_string(v)) {
    describe(v, shown, sizeof(shown));
    return complain(why, "invalid_field", "%s is %s, not a string", name,
                    shown);
  }
  *out = json_string_value(v);
  return 0;
}

/* The record's id (required): a non-empty string or an integer. */
static int read_id(const tf_record *rec, const char *name, call *c,
                   problem *why)
{
  const json_t *v = lookup(rec, name);
  char shown[96];

  if (is_unset(v))
    return complain(why, "missing_field", "%s is missing", name);
  if (json_is_integer(v)) {
    snprintf(c->id_text, sizeof(c->id_text), "%" JSON_INTEGER_FORMAT,
             json_integer_value(v));
  } else if (!json_is_string(v)) {
    describe(v, shown, sizeof(shown));
    return complain(why, "invalid_field",
                    "%s is %s, not a string or an integer", name, shown);
  }
  c->id = v;
  return 0;
}

static const char *id_text(const call *c)
{
  return json_is_string(c->id) ? json_string_value(c->id) : c->id_text;
}

/* Salesforce's IsDeleted (JSON boolean, or "true"/"false" in CSV) is true:
 * a record exported with queryAll after it was deleted. */
static int read_not_deleted(const tf_record *rec, const call *c, problem *why)
{
  const json_t *v = lookup(rec, "IsDeleted");
  const char *s = json_string_value(v);

  if (is_unset(v) || json_is_false(v) || (s && strcasecmp(s, "false") == 0))
    return 0;
  if (json_is_true(v) || (s && strcasecmp(s, "true") == 0))
    return complain(why, "deleted_record",
                    "Task %s is deleted in Salesforce (IsDeleted is true): "
                    "it makes no touchpoint",
                    id_text(c));
  return complain(why, "invalid_field", "IsDeleted is neither true nor false");
}

/* Copies a BizibleId (32 hex digits) lowercased into out; 0 when text is
 * not one. */
static int normalise_bizible_id(const char *text, char *out)
{
  size_t i;

  for (i = 0; i < BIZIBLE_ID_LEN; i++) {
    if (!isxdigit((unsigned char)text[i]))
      return 0;
    out[i] = (char)tolower((unsigned char)text[i]);
  }
  out[i] = '\0';
  return text[i] == '\0';
}

/* DOMAIN.md call rule 1: a call without a BizibleId makes no touchpoint,
 * and whoever writes the records must hear of it. */
static int read_bizible_id(const tf_record *rec, const call_settings *set,
                           call *c, problem *why)
{
  const char *field = set->bizible_id_field;
  const char *text;

  if (text_field(rec, field, &text, why))
    return -1;
  if (!text && set->type == CALL_TASK)
    return complain(why, "missing_bizible_id",
                    "Task %s has no BizibleId (%s is empty), so the call "
                    "cannot be tied to a web visitor and makes no touchpoint: "
                    "tell the call-tracking vendor that its Salesforce "
                    "integration must copy the visitor's _biz_uid cookie into "
                    "the Task",
                    id_text(c), field);
  if (!text)
    return complain(why, "missing_bizible_id",
                    "CTM call %s has no BizibleId at %s, so it cannot be tied "
                    "to a web visitor and makes no touchpoint: check "
                    "bizible_id_field, and that the CTM account captures the "
                    "visitor's _biz_uid cookie",
                    id_text(c), field);
  if (!normalise_bizible_id(text, c->biz_uid))
    return complain(why, "invalid_bizible_id",
                    "%s \"%.80s\" is not a BizibleId (32 hex digits)", field,
                    text);
  return 0;
}

/* A Salesforce datetime or date field into *ms; *found is 0 when unset. */
static int read_sf_time(const tf_record *rec, const char *name, int64_t *ms,
                        int *found, problem *why)
{
  const json_t *v = lookup(rec, name);
  char shown[96];

  *found = !is_unset(v);
  if (!*found)
    return 0;
  if (!json_is_string(v) || tf_time_parse(json_string_value(v), ms) != TF_OK) {
    describe(v, shown, sizeof(shown));
    return complain(why, "invalid_timestamp",
                    "%s %s is not a Salesforce date or datetime", name, shown);
  }
  return 0;
}

/* The call time: the Buyer Touchpoint Date when set, else CreatedDate. */
static int read_task_time(const tf_record *rec, call *c, problem *why,
                          const char **used)
{
  int found;

  *used = TOUCHPOINT_DATE;
  if (read_sf_time(rec, TOUCHPOINT_DATE, &c->ts_ms, &found, why))
    return -1;
  if (found)
    return 0;
  *used = "CreatedDate";
  if (read_sf_time(rec, "CreatedDate", &c->ts_ms, &found, why))
    return -1;
  if (!found)
    return complain(why, "invalid_timestamp",
                    "Task %s has neither " TOUCHPOINT_DATE " nor CreatedDate",
                    id_text(c));
  return 0;
}

static int read_task(const tf_record *rec, const call_settings *set, call *c,
                     problem *why, const char **dated_by)
{
  if (read_id(rec, "Id", c, why) || read_not_deleted(rec, c, why) ||
      read_bizible_id(rec, set, c, why) ||
      read_task_time(rec, c, why, dated_by) ||
      text_field(rec, "Type", &c->call_type, why) ||
      text_field(rec, "Subject", &c->subject, why) ||
      text_field(rec, "WhoId", &c->who_id, why))
    return -1;
  if (!c->call_type)
    c->call_type = "";
  return set->phone_field ? text_field(rec, set->phone_field, &c->phone, why)
                          : 0;
}

/* unix_time: epoch seconds (an integer or a numeric string). */
static int read_unix_time(const tf_record *rec, call *c, problem *why)
{
  const json_t *v = lookup(rec, "unix_time");
  char shown[96];

  if (is_unset(v))
    return complain(why, "invalid_timestamp", "CTM call %s has no unix_time",
                    id_text(c));
  describe(v, shown, sizeof(shown));
  if (tf_time_from_json(v, TF_EPOCH_SECONDS, &c->ts_ms) != TF_OK)
    return complain(why, "invalid_timestamp",
                    "unix_time %s is not a time (epoch seconds)", shown);
  if (c->ts_ms / 1000 > MAX_EPOCH_SECONDS)
    return complain(why, "invalid_timestamp",
                    "unix_time %s is after the year 5000 as epoch seconds: "
                    "is it in milliseconds?",
                    shown);
  return 0;
}

static int read_ctm_call(const tf_record *rec, const call_settings *set,
                         call *c, problem *why)
{
  if (read_id(rec, "id", c, why) || read_bizible_id(rec, set, c, why) ||
      read_unix_time(rec, c, why) || text_field(rec, "email", &c->email, why))
    return -1;
  c->call_type = "Call";
  return set->phone_field ? text_field(rec, set->phone_field, &c->phone, why)
                          : 0;
}

/* --- Building the event ----------------------------------------------- */

/* A new lowercased copy of text (NULL stays NULL); *failed on ENOMEM. */
static char *lowercase_copy(const char *text, int *failed)
{
  char *copy;
  size_t i;

  if (!text)
    return NULL;
  copy = strdup(text);
  if (!copy) {
    *failed = 1;
    return NULL;
  }
  for (i = 0; copy[i]; i++)
    copy[i] = (char)tolower((unsigned char)copy[i]);
  return copy;
}

/* The event of a good call, or NULL on ENOMEM. */
static json_t *call_event(const call *c)
{
  char ts[TF_TIME_ISO_LEN];
  int nomem = 0;
  char *email = lowercase_copy(c->email, &nomem);
  json_t *event = NULL;

  tf_time_format_ms(c->ts_ms, ts, sizeof(ts));
  if (!nomem)
    event = json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s, s:s,"
                      " s:s, s:s?, s:s?, s:s?}",
                      "event", "call", "ts", ts, "ts_ms", (json_int_t)c->ts_ms,
                      "biz_uid", c->biz_uid, "email", email, "origin",
                      "calltracking", "source_record_id", id_text(c),
                      "call_type", c->call_type, "subject", c->subject,
                      "who_id", c->who_id, "phone", c->phone);
  free(email);
  return event;
}

/* Maps one call record: emits its event or rejects it. */
static int map_one(const call_settings *set, tf_ctx *ctx, const tf_host *host,
                   const tf_record *rec)
{
  problem why = {NULL, ""};
  call c = {0};
  const char *dated_by = NULL;
  int bad = set->type == CALL_TASK ? read_task(rec, set, &c, &why, &dated_by)
                                   : read_ctm_call(rec, set, &c, &why);
  tf_record *out;

  if (bad) {
    if (strcmp(why.code, "missing_bizible_id") == 0)
      host->metric(ctx, "missing_bizible_id", 1);
    return host->reject(ctx, rec, why.code, why.message);
  }
  out = tf_record_derive(rec, call_event(&c));
  if (!out)
    return TF_ERR_NOMEM;
  if (dated_by)
    host->metric(ctx,
                 strcmp(dated_by, "CreatedDate") == 0
                     ? "dated_by_created_date"
                     : "dated_by_touchpoint_date",
                 1);
  return host->emit(ctx, out);
}

/* A CTM API page: every element of "calls" is a call of its own, which
 * keeps the page's file:line. */
static int map_page(const call_settings *set, tf_ctx *ctx, const tf_host *host,
                    const tf_record *page, const json_t *calls)
{
  char message[96];
  size_t i;
  json_t *one;
  tf_record *rec;
  int rc = TF_OK;

  json_array_foreach (calls, i, one) {
    if (!json_is_object(one)) {
      snprintf(message, sizeof(message), "calls[%zu] is not an object", i);
      rc = host->reject(ctx, page, "invalid_field", message);
    } else {
      rec = tf_record_derive(page, json_deep_copy(one));
      if (!rec)
        return TF_ERR_NOMEM;
      rc = map_one(set, ctx, host, rec);
      tf_record_unref(rec);
    }
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

int source_calltracking_map_call(void *ud, tf_ctx *ctx, const tf_host *host,
                                 const tf_record *rec)
{
  const call_settings *set = ud;
  const json_t *calls = tf_record_get(rec, "calls");

  if (set->type == CALL_CTM_CALL && json_is_array(calls) &&
      !tf_record_get(rec, "id"))
    return map_page(set, ctx, host, rec, calls);
  return map_one(set, ctx, host, rec);
}
