/*
 * event.c - reads and checks one event record (docs/events.md): its kind,
 * time and fields, each failure a dead-letter code with a message naming
 * the field.  Persons are not looked into: they pass through unchanged.
 * Read through the value index (no jansson tree), in one pass over the
 * record's members.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <touchflow/host.h>
#include <touchflow/time.h>
#include <touchflow/value.h>
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

/* The members an event is read from, found in one pass over the record's
 * top-level object (value.h: lookups by key would walk it once each). */
enum field {
  F_EVENT,
  F_TS_MS,
  F_TS,
  F_ORIGIN,
  F_SRID,
  F_BIZ_UID,
  F_EMAIL,
  F_HIT_TYPE,
  F_URL,
  F_REFERRER,
  F_FORM_URL,
  F_CALL_TYPE,
  F_ACTIVITY_TYPE,
  F_CAMPAIGN_ID,
  F_COUNT
};

typedef struct field_name {
  const char *name;
  size_t len;
} field_name;

#define NAME(s)                                                                \
  {                                                                            \
    s, sizeof(s) - 1                                                           \
  }
static const field_name field_names[F_COUNT] = {NAME("event"),
                                                NAME("ts_ms"),
                                                NAME("ts"),
                                                NAME("origin"),
                                                NAME("source_record_id"),
                                                NAME("biz_uid"),
                                                NAME("email"),
                                                NAME("hit_type"),
                                                NAME("url"),
                                                NAME("referrer"),
                                                NAME("form_url"),
                                                NAME("call_type"),
                                                NAME("activity_type"),
                                                NAME("campaign_id")};
#undef NAME

typedef struct fields {
  const tf_value *v[F_COUNT];
} fields;

/* 1 when the len bytes at key are the field's name (len is its length).
 * The name's length is a constant at every call below, so the compiler
 * compares in place instead of calling memcmp (21 M instructions of 3.4 G
 * in a 100k-hit run). */
#define IS(key, s) (memcmp((key), (s), sizeof(s) - 1) == 0)

/* The field called key (len bytes), or F_COUNT for any other member.
 * Dispatches on the length and the first byte, then compares once. */
static int field_of(const char *key, size_t len)
{
  switch (len) {
  case 2: return IS(key, "ts") ? F_TS : F_COUNT;
  case 3: return IS(key, "url") ? F_URL : F_COUNT;
  case 5:
    if (key[0] == 'e')
      return IS(key, "event") ? F_EVENT : IS(key, "email") ? F_EMAIL : F_COUNT;
    return IS(key, "ts_ms") ? F_TS_MS : F_COUNT;
  case 6: return IS(key, "origin") ? F_ORIGIN : F_COUNT;
  case 7: return IS(key, "biz_uid") ? F_BIZ_UID : F_COUNT;
  case 8:
    if (key[0] == 'h')
      return IS(key, "hit_type") ? F_HIT_TYPE : F_COUNT;
    if (key[0] == 'r')
      return IS(key, "referrer") ? F_REFERRER : F_COUNT;
    return IS(key, "form_url") ? F_FORM_URL : F_COUNT;
  case 9: return IS(key, "call_type") ? F_CALL_TYPE : F_COUNT;
  case 11: return IS(key, "campaign_id") ? F_CAMPAIGN_ID : F_COUNT;
  case 13: return IS(key, "activity_type") ? F_ACTIVITY_TYPE : F_COUNT;
  case 16: return IS(key, "source_record_id") ? F_SRID : F_COUNT;
  default: return F_COUNT;
  }
}
#undef IS

/* Finds the members of interest of root. */
static void find_fields(const tf_value *root, fields *f)
{
  const tf_value *m;
  const char *key;
  size_t len;
  int i;

  memset(f, 0, sizeof(*f));
  for (m = tf_value_first(root); m; m = tf_value_next(m)) {
    key = tf_value_key(m, &len);
    if (key && (i = field_of(key, len)) != F_COUNT)
      f->v[i] = m;
  }
}

/* An optional string field: *out is NULL when absent, null or "" (with
 * keep_empty, "" is kept); *val is then the value it was read from (NULL
 * when *out is).  -1 when it holds another type. */
static int read_string(const fields *f, int field, int keep_empty,
                       const char **out, const tf_value **val, sm_problem *why)
{
  const tf_value *v = f->v[field];
  const char *text;
  size_t len;
  tf_type type = tf_value_type(v);

  *out = NULL;
  if (val)
    *val = NULL;
  if (type == TF_TYPE_ABSENT || type == TF_TYPE_NULL)
    return 0;
  text = tf_value_string(v, &len);
  if (!text)
    return complain(why, "invalid_field", "%s must be a string",
                    field_names[field].name);
  if (keep_empty || len > 0) {
    *out = text;
    if (val)
      *val = v;
  }
  return 0;
}

/* A required string field: present and not empty. */
static int require_string(const fields *f, int field, const char **out,
                          const tf_value **val, sm_problem *why)
{
  if (read_string(f, field, 0, out, val, why))
    return -1;
  if (!*out)
    return complain(why, "missing_field", "%s is missing",
                    field_names[field].name);
  return 0;
}

static int read_kind(const fields *f, sm_event *ev, sm_problem *why)
{
  const char *name = tf_value_string(f->v[F_EVENT], NULL);
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
static int read_time(const fields *f, sm_event *ev, sm_problem *why)
{
  const tf_value *ms = f->v[F_TS_MS];
  const char *ts = tf_value_string(f->v[F_TS], NULL);

  if (tf_value_type(ms) == TF_TYPE_INTEGER && tf_value_int64(ms, &ev->ts) == 0)
    return 0;
  if (ts && tf_time_parse(ts, &ev->ts) == 0)
    return 0;
  return complain(why, "invalid_timestamp",
                  "neither ts_ms (an integer) nor ts (ISO-8601) gives the "
                  "event's time");
}

static int read_hit(const fields *f, sm_event *ev, sm_problem *why)
{
  const char *type;

  if (require_string(f, F_HIT_TYPE, &type, NULL, why))
    return -1;
  if (strcmp(type, "page_view") != 0 && strcmp(type, "form_submit") != 0)
    return complain(why, "invalid_field",
                    "hit_type must be page_view or form_submit, got \"%.60s\"",
                    type);
  ev->form = strcmp(type, "form_submit") == 0;
  if (require_string(f, F_URL, &ev->url, &ev->v_url, why) ||
      read_string(f, F_REFERRER, 0, &ev->referrer, &ev->v_referrer, why) ||
      read_string(f, F_FORM_URL, 0, &ev->form_url, &ev->v_form_url, why))
    return -1;
  return 0;
}

/* What each kind needs beyond the common fields. */
static int read_specific(const fields *f, sm_event *ev, sm_problem *why)
{
  switch (ev->kind) {
  case SM_HIT: return read_hit(f, ev, why);
  case SM_CALL:
    if (read_string(f, F_CALL_TYPE, 1, &ev->call_type, &ev->v_call_type, why))
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
    return read_string(f, F_ACTIVITY_TYPE, 0, &ev->activity_type,
                       &ev->v_activity_type, why);
  case SM_CRM_CAMPAIGN:
    return require_string(f, F_CAMPAIGN_ID, &ev->campaign_id,
                          &ev->v_campaign_id, why);
  case SM_PERSON: return 0;
  }
  return 0;
}

/* Hits and calls are joined on the BizibleId: they need one. */
static int check_bizible_id(const sm_event *ev, sm_problem *why)
{
  if (ev->biz_uid || (ev->kind != SM_HIT && ev->kind != SM_CALL))
    return 0;
  return complain(why, "missing_bizible_id", "%s",
                  ev->kind == SM_HIT
                      ? "web session rule: a hit without biz_uid cannot be "
                        "joined to a web session"
                      : "call rule 1: a call without biz_uid cannot be "
                        "joined to a web session and makes no touchpoint");
}

int sm_event_read(tf_record *rec, sm_event *ev, sm_problem *why)
{
  const tf_value *root;
  fields f;

  memset(ev, 0, sizeof(*ev));
  ev->rec = rec;
  root = tf_record_has_json(rec) ? tf_record_root(rec) : NULL;
  if (tf_value_type(root) != TF_TYPE_OBJECT)
    return complain(why, "not_an_object", "the record is not a JSON object");
  find_fields(root, &f);
  if (read_kind(&f, ev, why))
    return -1;
  if (ev->kind == SM_PERSON)
    return 0;
  if (read_time(&f, ev, why) ||
      require_string(&f, F_ORIGIN, &ev->origin, &ev->v_origin, why) ||
      require_string(&f, F_SRID, &ev->srid, &ev->v_srid, why) ||
      read_string(&f, F_BIZ_UID, 0, &ev->biz_uid, &ev->v_biz_uid, why) ||
      read_string(&f, F_EMAIL, 0, &ev->email, &ev->v_email, why) ||
      check_bizible_id(ev, why))
    return -1;
  return read_specific(&f, ev, why);
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
