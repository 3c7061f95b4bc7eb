/*
 * call_event.c - how the `calltracking` source turns a Salesforce Task
 * written by a call-tracking vendor, or a CallTrackingMetrics call record,
 * into a `call` event.
 *
 * Owns which fields a call record has and what each must hold, whatever
 * the file format (NDJSON values, or CSV strings where an empty field means
 * null, with header names in any case), read with the SDK's readers
 * (fields.h), which give each failure its reject code and a message naming
 * the field and the value; DOMAIN.md's call rule 1 (no BizibleId, no event:
 * the vendor must be told); the call time (the Task's Buyer Touchpoint
 * Date, else its CreatedDate; a CTM call's unix_time); and the call's part
 * of the event, after the part every event has (event.h, docs/events.md).
 * Keeps no state between records.
 */
#include <stdio.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include "call_event.h"

#define TOUCHPOINT_DATE "bizible2__Bizible_Touchpoint_Date__c"

/* A call's fields.  Strings and JSON values are borrowed from the record. */
typedef struct call {
  const json_t *id; /* Task Id or CTM call id: a string or an integer */
  char id_text[32]; /* an integer id as text, for messages */
  char biz_uid[TF_BIZIBLE_ID_LEN + 1]; /* lowercased */
  int64_t ts_ms;
  const char *call_type; /* "" when the Task has none */
  const char *subject;   /* or NULL, like the rest */
  const char *who_id;
  const char *phone;
  const char *email; /* as written */
} call;

/* --- Reading fields --------------------------------------------------- */

/* The record's id (required): a non-empty string or an integer. */
static int read_id(const tf_record *rec, const char *name, call *c,
                   tf_field_problem *why)
{
  if (tf_field_id(rec, name, &c->id, why))
    return TF_ERR_INVAL;
  if (!c->id)
    return tf_field_complain(why, "missing_field", "%s is missing", name);
  if (json_is_integer(c->id))
    snprintf(c->id_text, sizeof(c->id_text), "%" JSON_INTEGER_FORMAT,
             json_integer_value(c->id));
  return TF_OK;
}

static const char *id_text(const call *c)
{
  return json_is_string(c->id) ? json_string_value(c->id) : c->id_text;
}

/* Salesforce's IsDeleted is true: a record exported with queryAll after it
 * was deleted. */
static int read_not_deleted(const tf_record *rec, const call *c,
                            tf_field_problem *why)
{
  int deleted;

  if (tf_field_flag(rec, "IsDeleted", &deleted, why))
    return tf_field_complain(why, "invalid_field",
                             "IsDeleted is neither true nor false");
  if (deleted)
    return tf_field_complain(why, "deleted_record",
                             "Task %s is deleted in Salesforce (IsDeleted is "
                             "true): it makes no touchpoint",
                             id_text(c));
  return TF_OK;
}

/* DOMAIN.md call rule 1: a call without a BizibleId makes no touchpoint,
 * and whoever writes the records must hear of it. */
static int read_bizible_id(const tf_record *rec, const call_settings *set,
                           call *c, tf_field_problem *why)
{
  const char *field = set->bizible_id_field;

  if (tf_field_bizible_id(rec, field, c->biz_uid, why))
    return TF_ERR_INVAL;
  if (!c->biz_uid[0] && set->type == CALL_TASK)
    return tf_field_complain(
        why, "missing_bizible_id",
        "Task %s has no BizibleId (%s is empty), so the call cannot be tied "
        "to a web visitor and makes no touchpoint: tell the call-tracking "
        "vendor that its Salesforce integration must copy the visitor's "
        "_biz_uid cookie into the Task",
        id_text(c), field);
  if (!c->biz_uid[0])
    return tf_field_complain(
        why, "missing_bizible_id",
        "CTM call %s has no BizibleId at %s, so it cannot be tied to a web "
        "visitor and makes no touchpoint: check bizible_id_field, and that "
        "the CTM account captures the visitor's _biz_uid cookie",
        id_text(c), field);
  return TF_OK;
}

/* The call time: the Buyer Touchpoint Date when set, else CreatedDate. */
static int read_task_time(const tf_record *rec, call *c, tf_field_problem *why,
                          const char **used)
{
  int found;

  *used = TOUCHPOINT_DATE;
  if (tf_field_salesforce_time(rec, TOUCHPOINT_DATE, &c->ts_ms, &found, why))
    return TF_ERR_INVAL;
  if (found)
    return TF_OK;
  *used = "CreatedDate";
  if (tf_field_salesforce_time(rec, "CreatedDate", &c->ts_ms, &found, why))
    return TF_ERR_INVAL;
  if (!found)
    return tf_field_complain(
        why, "invalid_timestamp",
        "Task %s has neither " TOUCHPOINT_DATE " nor CreatedDate", id_text(c));
  return TF_OK;
}

static int read_task(const tf_record *rec, const call_settings *set, call *c,
                     tf_field_problem *why, const char **dated_by)
{
  if (read_id(rec, "Id", c, why) || read_not_deleted(rec, c, why) ||
      read_bizible_id(rec, set, c, why) ||
      read_task_time(rec, c, why, dated_by) ||
      tf_field_text(rec, "Type", &c->call_type, why) ||
      tf_field_text(rec, "Subject", &c->subject, why) ||
      tf_field_text(rec, "WhoId", &c->who_id, why))
    return TF_ERR_INVAL;
  if (!c->call_type)
    c->call_type = "";
  return set->phone_field ? tf_field_text(rec, set->phone_field, &c->phone, why)
                          : TF_OK;
}

/* unix_time: epoch seconds (an integer or a numeric string). */
static int read_unix_time(const tf_record *rec, call *c, tf_field_problem *why)
{
  const json_t *v = tf_field_lookup(rec, "unix_time");
  int rc = tf_field_epoch_time(v, TF_EPOCH_SECONDS, &c->ts_ms);
  char shown[TF_FIELD_SHOWN_LEN];

  if (rc == TF_OK)
    return TF_OK;
  if (rc == TF_ERR_NOTFOUND)
    return tf_field_complain(why, "invalid_timestamp",
                             "CTM call %s has no unix_time", id_text(c));
  tf_field_describe(v, shown, sizeof(shown));
  if (rc == TF_ERR_INVAL)
    return tf_field_complain(why, "invalid_timestamp",
                             "unix_time %s is after the year 5000 as epoch "
                             "seconds: is it in milliseconds?",
                             shown);
  return tf_field_complain(why, "invalid_timestamp",
                           "unix_time %s is not a time (epoch seconds)", shown);
}

static int read_ctm_call(const tf_record *rec, const call_settings *set,
                         call *c, tf_field_problem *why)
{
  if (read_id(rec, "id", c, why) || read_bizible_id(rec, set, c, why) ||
      read_unix_time(rec, c, why) ||
      tf_field_text(rec, "email", &c->email, why))
    return TF_ERR_INVAL;
  c->call_type = "Call";
  return set->phone_field ? tf_field_text(rec, set->phone_field, &c->phone, why)
                          : TF_OK;
}

/* --- Building the event ----------------------------------------------- */

/* The event of a good call, or NULL on ENOMEM. */
static json_t *call_event(const call *c)
{
  json_t *event = tf_event_new("call", c->ts_ms, c->biz_uid, c->email,
                               "calltracking", id_text(c));

  if (json_object_update_new(event, json_pack("{s:s, s:s?, s:s?, s:s?}",
                                              "call_type", c->call_type,
                                              "subject", c->subject, "who_id",
                                              c->who_id, "phone", c->phone))) {
    json_decref(event);
    return NULL;
  }
  return event;
}

/* Maps one call record: emits its event or rejects it. */
static int map_one(const call_settings *set, tf_ctx *ctx, const tf_host *host,
                   const tf_record *rec)
{
  tf_field_problem why = {NULL, ""};
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
  return tf_time_order_emit_event(set->order, ctx, host, out);
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
