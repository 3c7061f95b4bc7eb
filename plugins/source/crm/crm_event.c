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
 * value; the date each event takes (DOMAIN.md "CRM touchpoints"); and each
 * event's own part, after the part every event has (event.h,
 * docs/events.md).  Keeps no state between records.
 */
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

/* The common fields of an event of `type`, then those of `fields` (stolen;
 * NULL after a failed json_pack).  NULL on ENOMEM. */
static json_t *event_new(const char *type, const common *c, json_t *fields)
{
  json_t *event =
      tf_event_new(type, c->ts_ms, c->biz_uid[0] ? c->biz_uid : NULL, c->email,
                   "crm", c->id);

  if (json_object_update_new(event, fields)) {
    json_decref(event);
    return NULL;
  }
  return event;
}

/* The outcome of one record: an event, a problem, or ENOMEM. */
static int outcome(json_t *event, json_t **out)
{
  *out = event;
  return event ? TF_OK : TF_ERR_NOMEM;
}

/* DOMAIN.md: "A CRM Task gives a CRM Activity dated at its CreatedDate,
 * medium = its Type." */
static int map_task(const tf_record *rec, json_t **out, tf_field_problem *why)
{
  common c = {0};
  const char *type, *subject;

  if (read_common(rec, &c, why) ||
      tf_field_bizible_id(rec, BIZIBLE_ID_FIELD, c.biz_uid, why) ||
      tf_field_text(rec, "Type", &type, why) ||
      tf_field_text(rec, "Subject", &subject, why))
    return TF_ERR_INVAL;
  return outcome(event_new("crm_activity", &c,
                           json_pack("{s:s, s:s?}", "activity_type",
                                     type ? type : "", "subject", subject)),
                 out);
}

/* DOMAIN.md: "A CampaignMember gives a CRM Campaign dated at
 * FirstRespondedDate when HasResponded, else CreatedDate."  A responder
 * without a FirstRespondedDate keeps CreatedDate and is counted. */
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

static int map_campaign_member(const tf_record *rec, json_t **out,
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
  return outcome(
      event_new("crm_campaign", &c,
                json_pack("{s:s, s:s?, s:s?}", "campaign_id", campaign,
                          "lead_id", lead, "contact_id", contact)),
      out);
}

/* Leads and Contacts; a Contact's company is its Account's name. */
static int map_person(const tf_record *rec, int contact, json_t **out,
                      tf_field_problem *why)
{
  common c = {0};
  const char *first, *last, *company;

  if (read_common(rec, &c, why) ||
      tf_field_text(rec, "FirstName", &first, why) ||
      tf_field_text(rec, "LastName", &last, why) ||
      tf_field_text(rec, contact ? "Account.Name" : "Company", &company, why) ||
      tf_field_text(rec, "Email", &c.email, why))
    return TF_ERR_INVAL;
  return outcome(event_new("person", &c,
                           json_pack("{s:s, s:s?, s:s?, s:s?}", "person_id",
                                     c.id, "first_name", first, "last_name",
                                     last, "company", company)),
                 out);
}

int source_crm_map_record(void *ud, tf_ctx *ctx, const tf_host *host,
                          const tf_record *rec)
{
  const crm_settings *set = ud;
  tf_field_problem why = {NULL, ""};
  const char *dated_by = NULL;
  json_t *event = NULL;
  tf_record *out;
  int rc;

  switch (set->object) {
  case CRM_TASK: rc = map_task(rec, &event, &why); break;
  case CRM_CAMPAIGN_MEMBER:
    rc = map_campaign_member(rec, &event, &why, &dated_by);
    break;
  default: rc = map_person(rec, set->object == CRM_CONTACT, &event, &why);
  }
  if (rc == TF_ERR_INVAL)
    return host->reject(ctx, rec, why.code, why.message);
  if (rc != TF_OK)
    return rc;
  out = tf_record_derive(rec, event);
  if (!out)
    return TF_ERR_NOMEM;
  if (dated_by)
    host->metric(ctx, dated_by, 1);
  return tf_time_order_emit_event(set->order, ctx, host, out);
}
