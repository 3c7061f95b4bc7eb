/*
 * crm_event.c - how the `crm` source turns one Salesforce record (Task,
 * CampaignMember, Lead or Contact) into an event: crm_activity,
 * crm_campaign or person.
 *
 * Owns reading Salesforce fields whatever the export (Bulk API / Data
 * Loader CSV where every value is a string and an empty field is null,
 * header names in any case; or REST JSON with real booleans and nulls),
 * their checks (each failure is a reject code and a message naming the
 * field and the value), the date each event takes (DOMAIN.md "CRM
 * touchpoints") and the events' shapes (docs/events.md).  Keeps no state
 * between records.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "crm_event.h"

#define BIZIBLE_ID_LEN 32
#define BIZIBLE_ID_FIELD "bizible2__BizibleId__c"

/* Why a record cannot become an event: a reject code and its message. */
typedef struct problem {
  const char *code;
  char message[512];
} problem;

/* The fields every event has.  Strings borrowed from the record. */
typedef struct common {
  const char *id; /* the record's Salesforce Id */
  int64_t ts_ms;
  char biz_uid[BIZIBLE_ID_LEN + 1]; /* lowercased; "" when none */
  const char *email;                /* as written, or NULL */
} common;

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
 * Loader upper-cases headers), else a dotted path (a relationship field
 * such as Account.Name in REST JSON).  Borrowed; NULL. */
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

/* A text field the record cannot do without: unset is missing_field. */
static int required_text(const tf_record *rec, const char *name,
                         const char **out, problem *why)
{
  if (text_field(rec, name, out, why))
    return -1;
  if (!*out)
    return complain(why, "missing_field", "%s is missing", name);
  return 0;
}

/* A Salesforce checkbox: a JSON boolean, or "true"/"false" in any case as
 * CSV writes it.  Unset is false. */
static int flag_field(const tf_record *rec, const char *name, int *flag,
                      problem *why)
{
  const json_t *v = lookup(rec, name);
  const char *s = json_string_value(v);
  char shown[96];

  *flag = json_is_true(v) || (s && strcasecmp(s, "true") == 0);
  if (*flag || is_unset(v) || json_is_false(v) ||
      (s && strcasecmp(s, "false") == 0))
    return 0;
  describe(v, shown, sizeof(shown));
  return complain(why, "invalid_field", "%s %s is neither true nor false", name,
                  shown);
}

/* A Salesforce datetime (any of its forms) or date into *ms; *found is 0
 * when unset. */
static int time_field(const tf_record *rec, const char *name, int64_t *ms,
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

/* Id, IsDeleted and CreatedDate, which every object has. */
static int read_common(const tf_record *rec, common *c, problem *why)
{
  int deleted, found;

  if (required_text(rec, "Id", &c->id, why) ||
      flag_field(rec, "IsDeleted", &deleted, why))
    return -1;
  if (deleted)
    return complain(why, "deleted_record",
                    "%s is deleted in Salesforce (IsDeleted is true): it makes "
                    "no event",
                    c->id);
  if (time_field(rec, "CreatedDate", &c->ts_ms, &found, why))
    return -1;
  if (!found)
    return complain(why, "missing_field", "CreatedDate is missing");
  return 0;
}

/* The optional BizibleId a Task may carry. */
static int read_bizible_id(const tf_record *rec, common *c, problem *why)
{
  const char *text;

  if (text_field(rec, BIZIBLE_ID_FIELD, &text, why))
    return -1;
  if (text && !normalise_bizible_id(text, c->biz_uid))
    return complain(why, "invalid_bizible_id",
                    BIZIBLE_ID_FIELD " \"%.80s\" is not a BizibleId (32 hex "
                                     "digits)",
                    text);
  return 0;
}

/* --- Building events -------------------------------------------------- */

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

/* The common fields of an event of `type`, then those of `fields` (stolen;
 * NULL after a failed json_pack).  NULL on ENOMEM. */
static json_t *event_new(const char *type, const common *c, json_t *fields)
{
  char ts[TF_TIME_ISO_LEN];
  int nomem = 0;
  char *email = lowercase_copy(c->email, &nomem);
  json_t *event = NULL;

  tf_time_format_ms(c->ts_ms, ts, sizeof(ts));
  if (!nomem && fields)
    event = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s, s:s}", "event", type,
                      "ts", ts, "ts_ms", (json_int_t)c->ts_ms, "biz_uid",
                      c->biz_uid[0] ? c->biz_uid : NULL, "email", email,
                      "origin", "crm", "source_record_id", c->id);
  if (event && json_object_update(event, fields) != 0) {
    json_decref(event);
    event = NULL;
  }
  json_decref(fields);
  free(email);
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
static int map_task(const tf_record *rec, json_t **out, problem *why)
{
  common c = {0};
  const char *type, *subject;

  if (read_common(rec, &c, why) || read_bizible_id(rec, &c, why) ||
      text_field(rec, "Type", &type, why) ||
      text_field(rec, "Subject", &subject, why))
    return TF_ERR_INVAL;
  return outcome(event_new("crm_activity", &c,
                           json_pack("{s:s, s:s?}", "activity_type",
                                     type ? type : "", "subject", subject)),
                 out);
}

/* DOMAIN.md: "A CampaignMember gives a CRM Campaign dated at
 * FirstRespondedDate when HasResponded, else CreatedDate."  A responder
 * without a FirstRespondedDate keeps CreatedDate and is counted. */
static int campaign_date(const tf_record *rec, common *c, problem *why,
                         const char **dated_by)
{
  int responded, found;
  int64_t first;

  if (flag_field(rec, "HasResponded", &responded, why))
    return -1;
  *dated_by = "dated_by_created_date";
  if (!responded)
    return 0;
  if (time_field(rec, "FirstRespondedDate", &first, &found, why))
    return -1;
  if (!found) {
    *dated_by = "responded_without_first_responded_date";
    return 0;
  }
  c->ts_ms = first;
  *dated_by = "dated_by_first_responded_date";
  return 0;
}

static int map_campaign_member(const tf_record *rec, json_t **out, problem *why,
                               const char **dated_by)
{
  common c = {0};
  const char *campaign, *lead, *contact;

  if (read_common(rec, &c, why) ||
      required_text(rec, "CampaignId", &campaign, why) ||
      text_field(rec, "LeadId", &lead, why) ||
      text_field(rec, "ContactId", &contact, why) ||
      text_field(rec, "Email", &c.email, why))
    return TF_ERR_INVAL;
  if (!lead && !contact) {
    complain(why, "missing_field", "LeadId and ContactId are both missing");
    return TF_ERR_INVAL;
  }
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
                      problem *why)
{
  common c = {0};
  const char *first, *last, *company;

  if (read_common(rec, &c, why) || text_field(rec, "FirstName", &first, why) ||
      text_field(rec, "LastName", &last, why) ||
      text_field(rec, contact ? "Account.Name" : "Company", &company, why) ||
      text_field(rec, "Email", &c.email, why))
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
  problem why = {NULL, ""};
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
  return host->emit(ctx, out);
}
