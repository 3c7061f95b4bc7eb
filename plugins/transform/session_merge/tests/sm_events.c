/*
 * sm_events.c - builders of input events for the session_merge tests.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "sm_events.h"
#include <touchflow/record_json.h>
#include <touchflow/io.h>

int64_t ev_time(const char *when)
{
  char text[64];
  int64_t ms;

  if (strchr(when, 'T'))
    snprintf(text, sizeof(text), "%s", when);
  else
    snprintf(text, sizeof(text), "2026-03-01T%sZ", when);
  ck_assert_int_eq(tf_time_parse(text, &ms), TF_OK);
  return ms;
}

/* A record from a packed object; the common fields added. */
static tf_record *event(json_t *obj, const char *kind, const char *id,
                        const char *biz, const char *when, const char *origin)
{
  char iso[TF_TIME_ISO_LEN];
  int64_t ms = ev_time(when);
  tf_record *rec;

  ck_assert_ptr_nonnull(obj);
  tf_time_format_ms(ms, iso, sizeof(iso));
  ck_assert_int_eq(json_object_set_new(obj, "event", json_string(kind)), 0);
  ck_assert_int_eq(json_object_set_new(obj, "ts", json_string(iso)), 0);
  ck_assert_int_eq(json_object_set_new(obj, "ts_ms", json_integer(ms)), 0);
  ck_assert_int_eq(
      json_object_set_new(obj, "biz_uid", biz ? json_string(biz) : json_null()),
      0);
  ck_assert_int_eq(json_object_set_new(obj, "origin", json_string(origin)), 0);
  ck_assert_int_eq(
      json_object_set_new(obj, "source_record_id", json_string(id)), 0);
  rec = tf_record_new(obj);
  ck_assert_ptr_nonnull(rec);
  return rec;
}

tf_record *ev_hit(const char *id, const char *biz, const char *when,
                  const char *url, const char *referrer)
{
  return event(json_pack("{s:n, s:s, s:s, s:s?, s:n}", "email", "hit_type",
                         "page_view", "url", url, "referrer", referrer,
                         "form_url"),
               "hit", id, biz, when, "web");
}

tf_record *ev_form(const char *id, const char *biz, const char *when,
                   const char *url, const char *email)
{
  return event(json_pack("{s:s?, s:s, s:s, s:n, s:s}", "email", email,
                         "hit_type", "form_submit", "url", url, "referrer",
                         "form_url", url),
               "hit", id, biz, when, "web");
}

tf_record *ev_call(const char *id, const char *biz, const char *when,
                   const char *call_type)
{
  return event(json_pack("{s:n, s:s, s:s, s:n, s:n}", "email", "call_type",
                         call_type, "subject", "Inbound call", "who_id",
                         "phone"),
               "call", id, biz, when, "calltracking");
}

tf_record *ev_chat(const char *id, const char *biz, const char *when,
                   const char *email)
{
  return event(json_pack("{s:s?, s:s}", "email", email, "conversation_id", id),
               "chat", id, biz, when, "drift");
}

tf_record *ev_crm_activity(const char *id, const char *when,
                           const char *activity_type, const char *email)
{
  return event(json_pack("{s:s?, s:s?, s:s}", "email", email, "activity_type",
                         activity_type, "subject", "Follow-up"),
               "crm_activity", id, NULL, when, "crm");
}

tf_record *ev_crm_campaign(const char *id, const char *when,
                           const char *campaign_id)
{
  return event(json_pack("{s:n, s:s, s:s}", "email", "campaign_id", campaign_id,
                         "lead_id", "00Q000000000001"),
               "crm_campaign", id, NULL, when, "crm");
}

tf_record *ev_person(const char *id)
{
  tf_record *rec = tf_record_new(
      json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:n}", "event",
                "person", "ts", "2026-02-01T09:00:00.000Z", "ts_ms",
                (json_int_t)ev_time("2026-02-01T09:00:00Z"), "origin", "crm",
                "source_record_id", id, "person_id", id, "first_name", "Ann",
                "last_name", "Lee", "company"));

  ck_assert_ptr_nonnull(rec);
  return rec;
}
