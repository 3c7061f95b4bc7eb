/*
 * call_event.c - how the `calltracking` source turns a Salesforce Task
 * written by a call-tracking vendor, or a CallTrackingMetrics call record,
 * into a `call` event.
 *
 * Owns which fields a call record has and what each must hold, whatever
 * the file format (NDJSON values, or CSV strings where an empty field means
 * null, with header names in any case), read with the SDK's readers
 * (fields.h), which give each failure its reject code and a message naming
 * the field and the value; docs/attribution-rules.md#call-rule-1 (no BizibleId,
 * no event: the vendor must be told); the call time (the Task's Buyer
 * Touchpoint Date, else its CreatedDate; a CTM call's unix_time); and the
 * call's part of the event, after the part every event has (event.h,
 * docs/events.md). Keeps no state between records.
 *
 * The fast path: fields are read through the record's value index
 * (value.h) and the event is written with a tf_builder (builder.h), so no
 * jansson tree is built for the call or its event, whether the record is
 * an NDJSON line or a CSV row (tf_file_source makes both as text).  The
 * calls of a CTM API page are read in place, as values of the page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include <touchflow/record_json.h>
#include "call_event.h"

#define TOUCHPOINT_DATE "bizible2__Bizible_Touchpoint_Date__c"

/* A call's fields.  Strings and values are borrowed from the record. */
typedef struct call {
  const char *id;   /* Task Id or CTM call id: a string, or id_text */
  char id_text[32]; /* an integer id as text */
  char biz_uid[TF_BIZIBLE_ID_LEN + 1]; /* lowercased */
  int64_t ts_ms;
  const char *call_type; /* "" when the Task has none */
  const char *subject;   /* or NULL, like the rest */
  const char *who_id;
  const char *phone;
  const char *email; /* as written */
} call;

/* --- Reading fields --------------------------------------------------- */

/* A call's fields are read from the tf_value of an object (a record's
 * root, or a call of a CTM page), found by the lookup rule of fields.h and
 * read by its readers. */
static const tf_value *value_at(const tf_value *at, const char *name)
{
  return tf_field_find(at, name);
}

static int text(const tf_value *at, const char *name, const char **out,
                tf_field_problem *why)
{
  return tf_field_text_of(value_at(at, name), name, out, why);
}

static int flag(const tf_value *at, const char *name, int *out,
                tf_field_problem *why)
{
  return tf_field_flag_of(value_at(at, name), name, out, why);
}

static int bizible_id(const tf_value *at, const char *name, char *out,
                      tf_field_problem *why)
{
  return tf_field_bizible_id_of(value_at(at, name), name, out, why);
}

static int salesforce_time(const tf_value *at, const char *name, int64_t *ms,
                           int *found, tf_field_problem *why)
{
  return tf_field_salesforce_time_of(value_at(at, name), name, ms, found, why);
}

/* The epoch time `name` (tf_field_epoch_time); shown (TF_FIELD_SHOWN_LEN
 * bytes) receives the value as a message shows it. */
static int epoch_time(const tf_value *at, const char *name, tf_epoch_unit unit,
                      int64_t *ms, char *shown)
{
  const tf_value *v = value_at(at, name);

  tf_field_describe_of(v, shown, TF_FIELD_SHOWN_LEN);
  return tf_field_epoch_time_of(v, unit, ms);
}

/* The record's id (required): a non-empty string or an integer. */
static int read_id(const tf_value *at, const char *name, call *c,
                   tf_field_problem *why)
{
  const tf_value *v = NULL;
  int64_t n = 0;

  if (tf_field_id_of(value_at(at, name), name, &v, why))
    return TF_ERR_INVAL;
  if (!v)
    return tf_field_complain(why, "missing_field", "%s is missing", name);
  c->id = tf_value_string(v, NULL);
  if (!c->id) {
    tf_value_int64(v, &n);
    snprintf(c->id_text, sizeof(c->id_text), "%" PRId64, n);
    c->id = c->id_text;
  }
  return TF_OK;
}

static const char *id_text(const call *c)
{
  return c->id;
}

/* Salesforce's IsDeleted is true: a record exported with queryAll after it
 * was deleted. */
static int read_not_deleted(const tf_value *at, const call *c,
                            tf_field_problem *why)
{
  int deleted;

  if (flag(at, "IsDeleted", &deleted, why))
    return tf_field_complain(why, "invalid_field",
                             "IsDeleted is neither true nor false");
  if (deleted)
    return tf_field_complain(why, "deleted_record",
                             "Task %s is deleted in Salesforce (IsDeleted is "
                             "true): it makes no touchpoint",
                             id_text(c));
  return TF_OK;
}

/* docs/attribution-rules.md#call-rule-1: a call without a BizibleId makes no
 * touchpoint, and whoever writes the records must hear of it. */
static int read_bizible_id(const tf_value *at, const call_settings *set,
                           call *c, tf_field_problem *why)
{
  const char *field = set->bizible_id_field;

  if (bizible_id(at, field, c->biz_uid, why))
    return TF_ERR_INVAL;
  if (!c->biz_uid[0] && set->type == CALL_TASK)
    return tf_field_complain(
        why, "missing_bizible_id",
        "call rule 1: Task %s has no BizibleId (%s is empty), so the call "
        "cannot be tied to a web visitor and makes no touchpoint: tell the "
        "call-tracking vendor that its Salesforce integration must copy the "
        "visitor's "
        "_biz_uid cookie into the Task",
        id_text(c), field);
  if (!c->biz_uid[0])
    return tf_field_complain(
        why, "missing_bizible_id",
        "call rule 1: CTM call %s has no BizibleId at %s, so it cannot be "
        "tied to a web visitor and makes no touchpoint: check "
        "bizible_id_field, and that "
        "the CTM account captures the visitor's _biz_uid cookie",
        id_text(c), field);
  return TF_OK;
}

/* The call time: the Buyer Touchpoint Date when set, else CreatedDate. */
static int read_task_time(const tf_value *at, call *c, tf_field_problem *why,
                          const char **used)
{
  int found;

  *used = TOUCHPOINT_DATE;
  if (salesforce_time(at, TOUCHPOINT_DATE, &c->ts_ms, &found, why))
    return TF_ERR_INVAL;
  if (found)
    return TF_OK;
  *used = "CreatedDate";
  if (salesforce_time(at, "CreatedDate", &c->ts_ms, &found, why))
    return TF_ERR_INVAL;
  if (!found)
    return tf_field_complain(
        why, "invalid_timestamp",
        "Task %s has neither " TOUCHPOINT_DATE " nor CreatedDate", id_text(c));
  return TF_OK;
}

static int read_task(const tf_value *at, const call_settings *set, call *c,
                     tf_field_problem *why, const char **dated_by)
{
  if (read_id(at, "Id", c, why) || read_not_deleted(at, c, why) ||
      read_bizible_id(at, set, c, why) ||
      read_task_time(at, c, why, dated_by) ||
      text(at, "Type", &c->call_type, why) ||
      text(at, "Subject", &c->subject, why) ||
      text(at, "WhoId", &c->who_id, why))
    return TF_ERR_INVAL;
  if (!c->call_type)
    c->call_type = "";
  return set->phone_field ? text(at, set->phone_field, &c->phone, why) : TF_OK;
}

/* unix_time: epoch seconds (an integer or a numeric string). */
static int read_unix_time(const tf_value *at, call *c, tf_field_problem *why)
{
  char shown[TF_FIELD_SHOWN_LEN];
  int rc = epoch_time(at, "unix_time", TF_EPOCH_SECONDS, &c->ts_ms, shown);

  if (rc == TF_OK)
    return TF_OK;
  if (rc == TF_ERR_NOTFOUND)
    return tf_field_complain(why, "invalid_timestamp",
                             "CTM call %s has no unix_time", id_text(c));
  if (rc == TF_ERR_INVAL)
    return tf_field_complain(why, "invalid_timestamp",
                             "unix_time %s is after the year 5000 as epoch "
                             "seconds: is it in milliseconds?",
                             shown);
  return tf_field_complain(why, "invalid_timestamp",
                           "unix_time %s is not a time (epoch seconds)", shown);
}

static int read_ctm_call(const tf_value *at, const call_settings *set, call *c,
                         tf_field_problem *why)
{
  if (read_id(at, "id", c, why) || read_bizible_id(at, set, c, why) ||
      read_unix_time(at, c, why) || text(at, "email", &c->email, why))
    return TF_ERR_INVAL;
  c->call_type = "Call";
  return set->phone_field ? text(at, set->phone_field, &c->phone, why) : TF_OK;
}

/* --- Building the event ----------------------------------------------- */

/* The event of a good call, written with b, keeping the file:line of
 * origin_of, into *out.  TF_OK, or TF_ERR_NOMEM (the strings are valid
 * UTF-8 read from a record: only memory can fail). */
static int call_event(tf_builder *b, const call *c, const tf_record *origin_of,
                      tf_record **out)
{
  if (tf_event_begin(b, "call", c->ts_ms, c->biz_uid, c->email, "calltracking",
                     id_text(c)) ||
      tf_event_text(b, "call_type", c->call_type) ||
      tf_event_text(b, "subject", c->subject) ||
      tf_event_text(b, "who_id", c->who_id) ||
      tf_event_text(b, "phone", c->phone) ||
      tf_event_finish(b, origin_of, out)) {
    tf_builder_reset(b);
    return TF_ERR_NOMEM;
  }
  return TF_OK;
}

/* A call of a CTM page as a record of its own, which keeps the page's
 * file:line, for the dead-letter output: the call's JSON as the json_t
 * API makes it (the slow path: only for a rejected call).  NULL on
 * ENOMEM. */
static tf_record *call_record(const tf_record *page, const tf_value *one)
{
  size_t len;
  const char *raw = tf_value_raw(one, &len);

  return tf_record_derive(
      page,
      raw ? json_loadb(raw, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL)
          : NULL);
}

/* Maps one call record, at rec (or when `one` is set, a call of the page
 * rec): emits its event or rejects it. */
static int map_one(const call_settings *set, tf_builder *b, tf_ctx *ctx,
                   const tf_host *host, const tf_record *rec,
                   const tf_value *at, int one)
{
  tf_field_problem why = {NULL, ""};
  call c = {0};
  const char *dated_by = NULL;
  int bad = set->type == CALL_TASK ? read_task(at, set, &c, &why, &dated_by)
                                   : read_ctm_call(at, set, &c, &why);
  tf_builder *own = NULL;
  tf_record *out, *rejected;
  int rc;

  if (bad) {
    if (strcmp(why.code, "missing_bizible_id") == 0)
      host->metric(ctx, "missing_bizible_id", 1);
    if (!one)
      return host->reject(ctx, rec, why.code, why.message);
    rejected = call_record(rec, at);
    if (!rejected)
      return TF_ERR_NOMEM;
    rc = host->reject(ctx, rejected, why.code, why.message);
    tf_record_unref(rejected);
    return rc;
  }
  if (!b) { /* no builder given (tests) */
    b = own = tf_builder_new();
    if (!b)
      return TF_ERR_NOMEM;
  }
  rc = call_event(b, &c, rec, &out);
  tf_builder_free(own);
  if (rc != TF_OK)
    return rc;
  if (dated_by)
    host->metric(ctx,
                 strcmp(dated_by, "CreatedDate") == 0
                     ? "dated_by_created_date"
                     : "dated_by_touchpoint_date",
                 1);
  return tf_time_order_emit(set->order, ctx, host, out, c.ts_ms);
}

/* A CTM API page: every element of "calls" is a call of its own, which
 * keeps the page's file:line. */
static int map_page(const call_settings *set, tf_builder *b, tf_ctx *ctx,
                    const tf_host *host, const tf_record *page,
                    const tf_value *calls)
{
  char message[96];
  size_t i = 0;
  const tf_value *one;
  int rc = TF_OK;

  for (one = tf_value_first(calls); one; one = tf_value_next(one), i++) {
    if (tf_value_type(one) != TF_TYPE_OBJECT) {
      snprintf(message, sizeof(message), "calls[%zu] is not an object", i);
      rc = host->reject(ctx, page, "invalid_field", message);
    } else {
      rc = map_one(set, b, ctx, host, page, one, 1);
    }
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* A record of the source: a call, or a CTM page of calls. */
static int map_call(const call_settings *set, tf_builder *b, tf_ctx *ctx,
                    const tf_host *host, const tf_record *rec)
{
  const tf_value *calls;

  if (set->type == CALL_CTM_CALL) {
    calls = tf_record_value(rec, "calls");
    if (tf_value_type(calls) == TF_TYPE_ARRAY && !tf_record_value(rec, "id"))
      return map_page(set, b, ctx, host, rec, calls);
  }
  return map_one(set, b, ctx, host, rec, tf_record_root(rec), 0);
}

int source_calltracking_map_call(void *ud, tf_ctx *ctx, const tf_host *host,
                                 const tf_record *rec)
{
  return map_call(ud, NULL, ctx, host, rec);
}

int source_calltracking_map_call_with(void *ud, tf_ctx *ctx,
                                      const tf_host *host, const tf_record *rec)
{
  const call_mapping *m = ud;

  return map_call(&m->settings, m->builder, ctx, host, rec);
}
