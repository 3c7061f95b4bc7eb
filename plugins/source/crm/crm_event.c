/*
 * crm_event.c - how the `crm` source turns one Salesforce record (Task,
 * CampaignMember, Lead or Contact) into an event: crm_activity,
 * crm_campaign or person.
 *
 * Owns which fields each object has and what each must hold, whatever the
 * export (Bulk API / Data Loader CSV where every value is a string and an
 * empty field is null, header names in any case; or REST JSON with real
 * booleans and nulls), read with the SDK's readers (fields.h), which give
 * each failure its reject code and a message naming the field and the
 * value; the date each event takes (docs/attribution-rules.md#crm-touchpoints);
 * and each event's own part, after the part every event has (event.h,
 * docs/events.md).  Keeps no state between records.
 *
 * The fast path: fields are read through the record's value index
 * (fields.h's record forms read through value.h) and each event is written
 * with a tf_builder (builder.h), so no jansson tree is built for the
 * event, nor for the record, NDJSON line or CSV row (tf_file_source makes
 * both as text).
 */
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include "crm_event.h"

#define BIZIBLE_ID_FIELD "bizible2__BizibleId__c"

/* The fields every event has.  Strings borrowed from the record. */
typedef struct common {
  const char *id; /* the record's Salesforce Id */
  int64_t ts_ms;
  char biz_uid[TF_BIZIBLE_ID_LEN + 1]; /* lowercased; "" when none */
  const char *email;                   /* as written, or NULL */
} common;

/* --- Reading fields --------------------------------------------------- */

/* Id, IsDeleted and CreatedDate, which every object has. */
static int read_common(const tf_record *rec, common *c, tf_field_problem *why)
{
  int deleted, found;

  if (tf_field_required_text(rec, "Id", &c->id, why) ||
      tf_field_flag(rec, "IsDeleted", &deleted, why))
    return TF_ERR_INVAL;
  if (deleted)
    return tf_field_complain(why, "deleted_record",
                             "%s is deleted in Salesforce (IsDeleted is "
                             "true): it makes no event",
                             c->id);
  if (tf_field_salesforce_time(rec, "CreatedDate", &c->ts_ms, &found, why))
    return TF_ERR_INVAL;
  if (!found)
    return tf_field_complain(why, "missing_field", "CreatedDate is missing");
  return TF_OK;
}

/* --- Building events -------------------------------------------------- */

/* Starts the event of `type` in b with the common fields. */
static int event_begin(tf_builder *b, const char *type, const common *c)
{
  return tf_event_begin(b, type, c->ts_ms, c->biz_uid[0] ? c->biz_uid : NULL,
                        c->email, "crm", c->id);
}

/* docs/attribution-rules.md#crm-touchpoints: "A CRM Task gives a CRM Activity
 * dated at its CreatedDate, medium = its Type." */
static int map_task(const tf_record *rec, tf_builder *b, int64_t *ts,
                    tf_field_problem *why)
{
  common c = {0};
  const char *type, *subject;

  if (read_common(rec, &c, why) ||
      tf_field_bizible_id(rec, BIZIBLE_ID_FIELD, c.biz_uid, why) ||
      tf_field_text(rec, "Type", &type, why) ||
      tf_field_text(rec, "Subject", &subject, why))
    return TF_ERR_INVAL;
  *ts = c.ts_ms;
  if (event_begin(b, "crm_activity", &c) ||
      tf_event_text(b, "activity_type", type ? type : "") ||
      tf_event_text(b, "subject", subject))
    return TF_ERR_NOMEM;
  return TF_OK;
}

/* docs/attribution-rules.md#crm-touchpoints: "A CampaignMember gives a CRM
 * Campaign dated at FirstRespondedDate when HasResponded, else CreatedDate."  A
 * responder without a FirstRespondedDate keeps CreatedDate and is counted. */
static int campaign_date(const tf_record *rec, common *c, tf_field_problem *why,
                         const char **dated_by)
{
  int responded, found;
  int64_t first;

  if (tf_field_flag(rec, "HasResponded", &responded, why))
    return TF_ERR_INVAL;
  *dated_by = "dated_by_created_date";
  if (!responded)
    return TF_OK;
  if (tf_field_salesforce_time(rec, "FirstRespondedDate", &first, &found, why))
    return TF_ERR_INVAL;
  if (!found) {
    *dated_by = "responded_without_first_responded_date";
    return TF_OK;
  }
  c->ts_ms = first;
  *dated_by = "dated_by_first_responded_date";
  return TF_OK;
}

static int map_campaign_member(const tf_record *rec, tf_builder *b, int64_t *ts,
                               tf_field_problem *why, const char **dated_by)
{
  common c = {0};
  const char *campaign, *lead, *contact;

  if (read_common(rec, &c, why) ||
      tf_field_required_text(rec, "CampaignId", &campaign, why) ||
      tf_field_text(rec, "LeadId", &lead, why) ||
      tf_field_text(rec, "ContactId", &contact, why) ||
      tf_field_text(rec, "Email", &c.email, why))
    return TF_ERR_INVAL;
  if (!lead && !contact)
    return tf_field_complain(why, "missing_field",
                             "LeadId and ContactId are both missing");
  if (campaign_date(rec, &c, why, dated_by))
    return TF_ERR_INVAL;
  *ts = c.ts_ms;
  if (event_begin(b, "crm_campaign", &c) ||
      tf_event_text(b, "campaign_id", campaign) ||
      tf_event_text(b, "lead_id", lead) ||
      tf_event_text(b, "contact_id", contact))
    return TF_ERR_NOMEM;
  return TF_OK;
}

/* Leads and Contacts; a Contact's company is its Account's name. */
static int map_person(const tf_record *rec, int contact, tf_builder *b,
                      int64_t *ts, tf_field_problem *why)
{
  common c = {0};
  const char *first, *last, *company;

  if (read_common(rec, &c, why) ||
      tf_field_text(rec, "FirstName", &first, why) ||
      tf_field_text(rec, "LastName", &last, why) ||
      tf_field_text(rec, contact ? "Account.Name" : "Company", &company, why) ||
      tf_field_text(rec, "Email", &c.email, why))
    return TF_ERR_INVAL;
  *ts = c.ts_ms;
  if (event_begin(b, "person", &c) || tf_event_text(b, "person_id", c.id) ||
      tf_event_text(b, "first_name", first) ||
      tf_event_text(b, "last_name", last) ||
      tf_event_text(b, "company", company))
    return TF_ERR_NOMEM;
  return TF_OK;
}

/* Reads rec and writes its event into b; TF_ERR_INVAL with why set for
 * a bad record; TF_ERR_NOMEM. */
static int map(const crm_settings *set, const tf_record *rec, tf_builder *b,
               int64_t *ts, tf_field_problem *why, const char **dated_by)
{
  switch (set->object) {
  case CRM_TASK: return map_task(rec, b, ts, why);
  case CRM_CAMPAIGN_MEMBER:
    return map_campaign_member(rec, b, ts, why, dated_by);
  default: return map_person(rec, set->object == CRM_CONTACT, b, ts, why);
  }
}

static int map_record(const crm_settings *set, tf_builder *b, tf_ctx *ctx,
                      const tf_host *host, const tf_record *rec)
{
  tf_field_problem why = {NULL, ""};
  const char *dated_by = NULL;
  tf_builder *own = NULL;
  tf_record *out = NULL;
  int64_t ts = 0;
  int rc;

  if (!b) { /* no builder given (tests) */
    b = own = tf_builder_new();
    if (!b)
      return TF_ERR_NOMEM;
  }
  rc = map(set, rec, b, &ts, &why, &dated_by);
  /* The strings are valid UTF-8 read from a record: only memory can fail
   * in the builder. */
  if (rc == TF_OK && tf_event_finish(b, rec, &out) != TF_OK)
    rc = TF_ERR_NOMEM;
  tf_builder_free(own);
  if (rc == TF_ERR_INVAL)
    return host->reject(ctx, rec, why.code, why.message);
  if (rc != TF_OK)
    return rc;
  if (dated_by)
    host->metric(ctx, dated_by, 1);
  return tf_time_order_emit(set->order, ctx, host, out, ts);
}

int source_crm_map_record(void *ud, tf_ctx *ctx, const tf_host *host,
                          const tf_record *rec)
{
  return map_record(ud, NULL, ctx, host, rec);
}

int source_crm_map_record_with(void *ud, tf_ctx *ctx, const tf_host *host,
                               const tf_record *rec)
{
  const crm_mapping *m = ud;

  return map_record(&m->settings, m->builder, ctx, host, rec);
}
