/*
 * event.c - reads and checks one event record (docs/events.md): its kind,
 * time and fields, each failure a dead-letter code with a message naming
 * the field.  Persons are not looked into: they pass through unchanged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <touchflow/host.h>
#include <touchflow/time.h>
#include "event.h"

typedef struct kind_name {
  const char *name;
  sm_kind kind;
} kind_name;

static const kind_name kinds[] = {{"hit", SM_HIT},
                                  {"call", SM_CALL},
                                  {"chat", SM_CHAT},
                                  {"crm_activity", SM_CRM_ACTIVITY},
                                  {"crm_campaign", SM_CRM_CAMPAIGN},
                                  {"person", SM_PERSON},
                                  {NULL, SM_HIT}};

static int complain(sm_problem *why, const char *code, const char *fmt, ...)
    TF_PRINTF(3, 4);

/* Fills why; returns -1 so that callers can return it. */
static int complain(sm_problem *why, const char *code, const char *fmt, ...)
{
  va_list ap;

  why->code = code;
  va_start(ap, fmt);
  vsnprintf(why->message, sizeof(why->message), fmt, ap);
  va_end(ap);
  return -1;
}

/* An optional string field: *out is NULL when absent, null or "" (with
 * keep_empty, "" is kept).  -1 when it holds another type. */
static int read_string(const tf_record *rec, const char *field, int keep_empty,
                       const char **out, sm_problem *why)
{
  const json_t *v = tf_record_get(rec, field);

  *out = NULL;
  if (!v || json_is_null(v))
    return 0;
  if (!json_is_string(v))
    return complain(why, "invalid_field", "%s must be a string", field);
  if (keep_empty || json_string_length(v) > 0)
    *out = json_string_value(v);
  return 0;
}

/* A required string field: present and not empty. */
static int require_string(const tf_record *rec, const char *field,
                          const char **out, sm_problem *why)
{
  if (read_string(rec, field, 0, out, why))
    return -1;
  if (!*out)
    return complain(why, "missing_field", "%s is missing", field);
  return 0;
}

static int read_kind(const tf_record *rec, sm_event *ev, sm_problem *why)
{
  const char *name = tf_record_get_string(rec, "event");
  const kind_name *k;

  for (k = kinds; name && k->name; k++)
    if (strcmp(k->name, name) == 0) {
      ev->kind = k->kind;
      return 0;
    }
  return complain(why, "unknown_event",
                  "event must be hit, call, chat, crm_activity, crm_campaign "
                  "or person, got %s%.60s%s",
                  name ? "\"" : "", name ? name : "no string",
                  name ? "\"" : "");
}

/* ts_ms when it is an integer, else ts parsed as ISO-8601. */
static int read_time(const tf_record *rec, sm_event *ev, sm_problem *why)
{
  const json_t *ms = tf_record_get(rec, "ts_ms");
  const char *ts = tf_record_get_string(rec, "ts");

  if (json_is_integer(ms)) {
    ev->ts = json_integer_value(ms);
    return 0;
  }
  if (ts && tf_time_parse(ts, &ev->ts) == 0)
    return 0;
  return complain(why, "invalid_timestamp",
                  "neither ts_ms (an integer) nor ts (ISO-8601) gives the "
                  "event's time");
}

static int read_hit(const tf_record *rec, sm_event *ev, sm_problem *why)
{
  const char *type;

  if (require_string(rec, "hit_type", &type, why))
    return -1;
  if (strcmp(type, "page_view") != 0 && strcmp(type, "form_submit") != 0)
    return complain(why, "invalid_field",
                    "hit_type must be page_view or form_submit, got \"%.60s\"",
                    type);
  ev->form = strcmp(type, "form_submit") == 0;
  if (require_string(rec, "url", &ev->url, why) ||
      read_string(rec, "referrer", 0, &ev->referrer, why) ||
      read_string(rec, "form_url", 0, &ev->form_url, why))
    return -1;
  return 0;
}

/* What each kind needs beyond the common fields. */
static int read_specific(const tf_record *rec, sm_event *ev, sm_problem *why)
{
  switch (ev->kind) {
  case SM_HIT: return read_hit(rec, ev, why);
  case SM_CALL:
    if (read_string(rec, "call_type", 1, &ev->call_type, why))
      return -1;
    if (!ev->call_type)
      ev->call_type = "";
    return 0;
  case SM_CHAT:
    if (!ev->email)
      return complain(why, "missing_email",
                      "a chat event needs the email the visitor gave");
    return 0;
  case SM_CRM_ACTIVITY:
    return read_string(rec, "activity_type", 0, &ev->activity_type, why);
  case SM_CRM_CAMPAIGN:
    return require_string(rec, "campaign_id", &ev->campaign_id, why);
  case SM_PERSON: return 0;
  }
  return 0;
}

/* Hits and calls are joined on the BizibleId: they need one. */
static int check_bizible_id(const sm_event *ev, sm_problem *why)
{
  if (ev->biz_uid || (ev->kind != SM_HIT && ev->kind != SM_CALL))
    return 0;
  return complain(why, "missing_bizible_id",
                  "a %s without biz_uid cannot be joined to a web session",
                  ev->kind == SM_HIT ? "hit" : "call");
}

int sm_event_read(tf_record *rec, sm_event *ev, sm_problem *why)
{
  memset(ev, 0, sizeof(*ev));
  ev->rec = rec;
  if (!tf_record_json(rec))
    return complain(why, "not_an_object", "the record is not a JSON object");
  if (read_kind(rec, ev, why))
    return -1;
  if (ev->kind == SM_PERSON)
    return 0;
  if (read_time(rec, ev, why) ||
      require_string(rec, "origin", &ev->origin, why) ||
      require_string(rec, "source_record_id", &ev->srid, why) ||
      read_string(rec, "biz_uid", 0, &ev->biz_uid, why) ||
      read_string(rec, "email", 0, &ev->email, why) ||
      check_bizible_id(ev, why))
    return -1;
  return read_specific(rec, ev, why);
}

/* strcmp with NULL first. */
static int compare_text(const char *a, const char *b)
{
  if (!a || !b)
    return (a != NULL) - (b != NULL);
  return strcmp(a, b);
}

int sm_event_compare(const sm_event *a, const sm_event *b)
{
  int c;

  if (a->ts != b->ts)
    return a->ts < b->ts ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  c = compare_text(a->srid, b->srid);
  if (c == 0)
    c = compare_text(a->url, b->url);
  if (c == 0)
    c = compare_text(a->referrer, b->referrer);
  if (c == 0)
    c = a->form - b->form;
  return c;
}
