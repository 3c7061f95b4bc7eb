/*
 * test_sm_session.c - reading events (event.c), a session's id, web fields
 * and arrival test (session.c), and building touchpoints (touchpoint.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include "event.h"
#include "sm_host.h"
#include "session.h"
#include "sm_events.h"
#include "touchpoint.h"

#define PAGE "https://www.acme.com/"

/* --- events ------------------------------------------------------------- */

static void expect_problem(const char *json, const char *code)
{
  tf_record *rec = host_record(json);
  sm_event ev;
  sm_problem why;

  ck_assert_int_eq(sm_event_read(rec, &ev, &why), -1);
  ck_assert_str_eq(why.code, code);
  ck_assert_str_ne(why.message, "");
  tf_record_unref(rec);
}

START_TEST(event_reads_a_hit)
{
  tf_record *rec = ev_form("f1", BIZ_A, "12:17:05", PAGE "demo", "a@b.c");
  sm_event ev;
  sm_problem why;

  ck_assert_int_eq(sm_event_read(rec, &ev, &why), 0);
  ck_assert_int_eq(ev.kind, SM_HIT);
  ck_assert(ev.form);
  ck_assert_int_eq(ev.ts, ev_time("12:17:05"));
  ck_assert_str_eq(ev.biz_uid, BIZ_A);
  ck_assert_str_eq(ev.email, "a@b.c");
  ck_assert_str_eq(ev.origin, "web");
  ck_assert_str_eq(ev.srid, "f1");
  ck_assert_str_eq(ev.url, PAGE "demo");
  ck_assert_ptr_null(ev.referrer);
  ck_assert_ptr_eq(ev.rec, rec);
  tf_record_unref(rec);
}
END_TEST

START_TEST(event_reads_call_chat_and_crm_fields)
{
  tf_record *recs[3];
  sm_event ev;
  sm_problem why;
  int i;

  recs[0] = ev_call("T1", BIZ_A, "12:00:00", "");
  recs[1] = ev_crm_activity("00T1", "12:00:00", NULL, NULL);
  recs[2] = ev_crm_campaign("00v1", "12:00:00", "701");
  ck_assert_int_eq(sm_event_read(recs[0], &ev, &why), 0);
  ck_assert_int_eq(ev.kind, SM_CALL);
  ck_assert_str_eq(ev.call_type, "");
  ck_assert_int_eq(sm_event_read(recs[1], &ev, &why), 0);
  ck_assert_int_eq(ev.kind, SM_CRM_ACTIVITY);
  ck_assert_ptr_null(ev.activity_type);
  ck_assert_ptr_null(ev.biz_uid);
  ck_assert_int_eq(sm_event_read(recs[2], &ev, &why), 0);
  ck_assert_str_eq(ev.campaign_id, "701");
  for (i = 0; i < 3; i++)
    tf_record_unref(recs[i]);
}
END_TEST

START_TEST(event_person_is_not_looked_into)
{
  tf_record *rec = host_record("{\"event\": \"person\"}");
  sm_event ev;
  sm_problem why;

  ck_assert_int_eq(sm_event_read(rec, &ev, &why), 0);
  ck_assert_int_eq(ev.kind, SM_PERSON);
  tf_record_unref(rec);
}
END_TEST

START_TEST(event_problems_have_codes)
{
  expect_problem("{\"ts_ms\": 1}", "unknown_event");
  expect_problem("{\"event\": 3}", "unknown_event");
  expect_problem("{\"event\": \"call\", \"ts_ms\": \"1\", \"origin\": \"x\", "
                 "\"source_record_id\": \"T\", \"biz_uid\": \"b\"}",
                 "invalid_timestamp");
  expect_problem("{\"event\": \"call\", \"ts_ms\": 1, \"source_record_id\": "
                 "\"T\", \"biz_uid\": \"b\"}",
                 "missing_field");
  expect_problem("{\"event\": \"call\", \"ts_ms\": 1, \"origin\": \"x\", "
                 "\"biz_uid\": \"b\"}",
                 "missing_field");
  expect_problem("{\"event\": \"call\", \"ts_ms\": 1, \"origin\": \"x\", "
                 "\"source_record_id\": \"T\", \"biz_uid\": \"\"}",
                 "missing_bizible_id");
  expect_problem("{\"event\": \"call\", \"ts_ms\": 1, \"origin\": \"x\", "
                 "\"source_record_id\": \"T\", \"biz_uid\": 7}",
                 "invalid_field");
  expect_problem("{\"event\": \"hit\", \"ts_ms\": 1, \"origin\": \"x\", "
                 "\"source_record_id\": \"h\", \"biz_uid\": \"b\", "
                 "\"hit_type\": \"click\", \"url\": \"u\"}",
                 "invalid_field");
  expect_problem("{\"event\": \"chat\", \"ts_ms\": 1, \"origin\": \"x\", "
                 "\"source_record_id\": \"c\", \"email\": \"\"}",
                 "missing_email");
  expect_problem("{\"event\": \"crm_campaign\", \"ts_ms\": 1, \"origin\": "
                 "\"x\", \"source_record_id\": \"c\"}",
                 "missing_field");
}
END_TEST

/* Events of the same time: hits first, then calls, then chats. */
START_TEST(event_order_is_time_kind_then_id)
{
  tf_record *hit = ev_hit("h2", BIZ_A, "12:00:00", PAGE, NULL);
  tf_record *hit1 = ev_hit("h1", BIZ_A, "12:00:00", PAGE, NULL);
  tf_record *call = ev_call("T1", BIZ_A, "12:00:00", "Call");
  tf_record *early = ev_chat("c1", BIZ_A, "11:59:59", "a@b.c");
  sm_event h, h1, c, e;
  sm_problem why;

  ck_assert_int_eq(sm_event_read(hit, &h, &why), 0);
  ck_assert_int_eq(sm_event_read(hit1, &h1, &why), 0);
  ck_assert_int_eq(sm_event_read(call, &c, &why), 0);
  ck_assert_int_eq(sm_event_read(early, &e, &why), 0);
  ck_assert_int_lt(sm_event_compare(&h, &c), 0);
  ck_assert_int_gt(sm_event_compare(&h, &h1), 0);
  ck_assert_int_lt(sm_event_compare(&e, &h1), 0);
  ck_assert_int_eq(sm_event_compare(&h, &h), 0);
  tf_record_unref(hit);
  tf_record_unref(hit1);
  tf_record_unref(call);
  tf_record_unref(early);
}
END_TEST

/* --- sessions ----------------------------------------------------------- */

static sm_session *session_of(tf_record *rec, const char *channel,
                              const char *source)
{
  sm_class cls = {channel, (char *)source, (char *)"cpc", NULL};
  sm_event ev;
  sm_problem why;
  sm_session *s;

  ck_assert_int_eq(sm_event_read(rec, &ev, &why), 0);
  ck_assert_int_eq(sm_session_new(&ev, &cls, &s), TF_OK);
  return s;
}

START_TEST(session_id_is_stable_and_names_the_visitor_start)
{
  char a[SM_SESSION_ID_SIZE], b[SM_SESSION_ID_SIZE], c[SM_SESSION_ID_SIZE];

  sm_session_id(BIZ_A, 1000, "h1", a);
  sm_session_id(BIZ_A, 1000, "h1", b);
  sm_session_id(BIZ_A, 1001, "h1", c);
  ck_assert_str_eq(a, b);
  ck_assert_str_ne(a, c);
  ck_assert_uint_eq(strlen(a), 36);
  ck_assert(strncmp(a, "ses_", 4) == 0);
}
END_TEST

/* docs/attribution-rules.md#what-a-session-carries: "A session's landing page,
 * referrer, channel, source, medium and campaign come from its first hit." */
START_TEST(session_rule_web_fields_are_taken_from_the_first_hit)
{
  tf_record *rec = ev_hit("h1", BIZ_A, "12:00:00", PAGE "?utm_medium=cpc",
                          "https://www.google.com/");
  sm_session *s = session_of(rec, "Paid Search", "google");
  char id[SM_SESSION_ID_SIZE];

  tf_record_unref(rec);
  sm_session_id(BIZ_A, ev_time("12:00:00"), "h1", id);
  ck_assert_str_eq(s->web.channel, "Paid Search");
  ck_assert_str_eq(s->web.landing_page, PAGE "?utm_medium=cpc");
  ck_assert_str_eq(s->web.referrer, "https://www.google.com/");
  ck_assert_ptr_null(s->web.campaign);
  ck_assert_str_eq(s->web.session_id, id);
  ck_assert_str_eq(s->biz_uid, BIZ_A);
  ck_assert_int_eq(s->first_ts, s->last_ts);
  sm_session_free(s);
}
END_TEST

/* docs/attribution-rules.md#arrivals: "An arrival whose channel or source
 * differs from the running session's starts a new session." */
START_TEST(session_rule_arrival_breaks_on_channel_or_source)
{
  tf_record *rec = ev_hit("h1", BIZ_A, "12:00:00", PAGE, NULL);
  sm_session *s = session_of(rec, "Paid Search", "google");
  sm_class same = {"Paid Search", (char *)"Google", NULL, (char *)"other"};
  sm_class channel = {"Organic Search", (char *)"google", NULL, NULL};
  sm_class source = {"Paid Search", (char *)"bing", NULL, NULL};
  sm_class none = {"Paid Search", NULL, NULL, NULL};

  tf_record_unref(rec);
  ck_assert(!sm_session_arrival_breaks(s, &same));
  ck_assert(sm_session_arrival_breaks(s, &channel));
  ck_assert(sm_session_arrival_breaks(s, &source));
  ck_assert(sm_session_arrival_breaks(s, &none));
  sm_session_free(s);
}
END_TEST

/* docs/attribution-rules.md#the-30-minute-rule: "[first hit, last hit + 30
 * min)". */
START_TEST(session_rule_end_is_last_hit_plus_timeout)
{
  tf_record *rec = ev_hit("h1", BIZ_A, "12:00:00", PAGE, NULL);
  sm_session *s = session_of(rec, "Direct", NULL);

  tf_record_unref(rec);
  s->last_ts = ev_time("12:10:00");
  ck_assert_int_eq(sm_session_end(s, 30 * 60 * 1000), ev_time("12:40:00"));
  s->last_ts = INT64_MAX - 5;
  ck_assert_int_eq(sm_session_end(s, 30 * 60 * 1000), INT64_MAX);
  sm_session_free(s);
}
END_TEST

START_TEST(session_remembers_latest_form_per_email)
{
  tf_record *rec = ev_hit("h1", BIZ_A, "12:00:00", PAGE, NULL);
  sm_session *s = session_of(rec, "Direct", NULL);
  int64_t ts;

  tf_record_unref(rec);
  ck_assert_int_eq(sm_session_note_form(s, "a@b.c", 10), TF_OK);
  ck_assert_int_eq(sm_session_note_form(s, "d@e.f", 20), TF_OK);
  ck_assert_int_eq(sm_session_note_form(s, "a@b.c", 30), TF_OK);
  ck_assert_int_eq(sm_session_note_form(s, NULL, 40), TF_OK);
  ck_assert_uint_eq(s->nemails, 2);
  ck_assert(sm_session_form_ts(s, "a@b.c", &ts));
  ck_assert_int_eq(ts, 30);
  ck_assert(!sm_session_form_ts(s, "x@b.c", &ts));
  sm_session_free(s);
}
END_TEST

/* A released session started again for another first hit is that hit's
 * session: nothing of the first one stays (forms, conversion, record). */
START_TEST(session_reuse_starts_afresh)
{
  tf_record *rec = ev_hit("h1", BIZ_A, "12:00:00", PAGE, NULL);
  tf_record *next = ev_hit("h7", BIZ_B, "13:00:00", PAGE "?utm_source=x",
                           "https://www.bing.com/");
  sm_session *s = session_of(rec, "Paid Search", "google");
  sm_class cls = {"Organic Search", (char *)"bing", NULL, (char *)"spring"};
  char long_text[300], id[SM_SESSION_ID_SIZE];
  sm_class too_long = {"Other", long_text, NULL, NULL};
  sm_event ev;
  sm_problem why;
  int64_t ts;

  tf_record_unref(rec);
  ck_assert_int_eq(sm_session_note_form(s, "a@b.c", 10), TF_OK);
  s->converted = 1;
  s->conversion_id = strdup("tp_x");
  sm_session_release(s);
  ck_assert_int_eq(sm_event_read(next, &ev, &why), 0);
  memset(long_text, 'y', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  ck_assert_int_eq(sm_session_reuse(s, &ev, &too_long), 0);
  ck_assert_int_eq(sm_session_reuse(s, &ev, &cls), 1);
  tf_record_unref(next);
  sm_session_id(BIZ_B, ev_time("13:00:00"), "h7", id);
  ck_assert_str_eq(s->web.session_id, id);
  ck_assert_str_eq(s->web.channel, "Organic Search");
  ck_assert_str_eq(s->web.source, "bing");
  ck_assert_ptr_null(s->web.medium);
  ck_assert_str_eq(s->web.campaign, "spring");
  ck_assert_str_eq(s->web.referrer, "https://www.bing.com/");
  ck_assert_str_eq(s->biz_uid, BIZ_B);
  ck_assert_int_eq(s->first_ts, ev_time("13:00:00"));
  ck_assert_int_eq(s->last_ts, s->first_ts);
  ck_assert(!s->converted);
  ck_assert_ptr_null(s->conversion_id);
  ck_assert_uint_eq(s->nemails, 0);
  ck_assert(!sm_session_form_ts(s, "a@b.c", &ts));
  sm_session_free(s);
}
END_TEST

/* --- touchpoints -------------------------------------------------------- */

static sm_tp sample_tp(void)
{
  sm_tp tp;

  memset(&tp, 0, sizeof(tp));
  tp.type = "Web Form";
  tp.ts = 1772367425123;
  tp.biz_uid = BIZ_A;
  tp.channel = "Email";
  tp.origin = "web";
  tp.srid = "h1";
  return tp;
}

/* The touchpoint of tp with its id, written by b. */
static tf_record *new_touchpoint(tf_builder *b, const sm_tp *tp,
                                 const tf_record *from)
{
  char id[SM_TP_ID_SIZE];

  ck_assert_ptr_nonnull(b);
  sm_tp_id(tp, id);
  return sm_touchpoint_new(b, tp, id, from);
}

/* docs/contract.md#the-touchpoint-record: "date: ISO-8601 UTC,
 * 2026-03-01T12:17:05Z". */
START_TEST(touchpoint_has_contract_fields_in_order)
{
  static const char *const keys[] = {
      "touchpoint_id",   "type",          "date",
      "biz_uid",         "email",         "channel",
      "source",          "medium",        "campaign",
      "landing_page",    "referrer",      "form_url",
      "session_id",      "origin",        "source_record_id",
      "post_conversion", "conversion_id", "reason"};
  tf_record *from = tf_record_new(json_object());
  sm_tp tp = sample_tp();
  tf_builder *b = tf_builder_new();
  tf_record *rec = new_touchpoint(b, &tp, from);
  const char *key;
  const json_t *v;
  size_t i = 0;

  ck_assert_ptr_nonnull(rec);
  json_object_foreach ((json_t *)tf_record_json(rec), key, v) {
    ck_assert_uint_lt(i, 18);
    ck_assert_str_eq(key, keys[i++]);
  }
  ck_assert_uint_eq(i, 18);
  ck_assert_str_eq(tf_record_get_string(rec, "date"), "2026-03-01T12:17:05Z");
  ck_assert(json_is_null(tf_record_get(rec, "email")));
  ck_assert(json_is_false(tf_record_get(rec, "post_conversion")));
  tf_record_unref(rec);
  tf_record_unref(from);
  tf_builder_free(b);
}
END_TEST

/* docs/contract.md#the-touchpoint-record: "touchpoint_id: stable id: the same
 * input gives the same id on every run": origin, source record, type and time
 * make it. */
START_TEST(touchpoint_id_hashes_origin_record_type_and_time)
{
  sm_tp tp = sample_tp(), other = sample_tp();
  char a[SM_TP_ID_SIZE], b[SM_TP_ID_SIZE];
  const char *parts[] = {"web", "h1", "Web Form", "1772367425123"};
  char hex[SM_HASH_HEX_LEN + 1];

  sm_tp_id(&tp, a);
  sm_hash_hex(parts, 4, hex);
  ck_assert(strncmp(a, "tp_", 3) == 0);
  ck_assert_str_eq(a + 3, hex);
  other.channel = "Direct";
  sm_tp_id(&other, b);
  ck_assert_str_eq(a, b);
  other.ts++;
  sm_tp_id(&other, b);
  ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(touchpoint_keeps_the_origin_of_its_event)
{
  tf_origin where = {"data/hits.ndjson", 17};
  tf_record *from = tf_record_parse("{}", 2, &where, NULL, 0);
  sm_tp tp = sample_tp();
  tf_builder *b = tf_builder_new();
  tf_record *rec = new_touchpoint(b, &tp, from);

  ck_assert_str_eq(tf_record_origin(rec).file, "data/hits.ndjson");
  ck_assert_int_eq(tf_record_origin(rec).line, 17);
  /* Written by a tf_builder: the record is its text, with no tree. */
  ck_assert_ptr_nonnull(tf_record_bytes(rec, &(size_t){0}));
  ck_assert_uint_eq(tf_record_debug_state(rec) & TF_RECORD_HAS_TREE, 0);
  tf_record_unref(rec);
  tf_record_unref(from);
  tf_builder_free(b);
}
END_TEST

START_TEST(touchpoint_takes_web_fields_from_a_session)
{
  sm_web web = {"Social", "LinkedIn", NULL, "q1",   PAGE,
                NULL,     NULL,       NULL, "ses_1"};
  sm_tp tp = sample_tp();

  sm_tp_set_web(&tp, &web);
  ck_assert_str_eq(tp.channel, "Social");
  ck_assert_str_eq(tp.source, "LinkedIn");
  ck_assert_ptr_null(tp.medium);
  ck_assert_str_eq(tp.campaign, "q1");
  ck_assert_str_eq(tp.landing_page, PAGE);
  ck_assert_ptr_null(tp.referrer);
  ck_assert_str_eq(tp.session_id, "ses_1");
}
END_TEST

static Suite *session_suite(void)
{
  Suite *s = suite_create("session_merge session");
  TCase *events = tcase_create("events");
  TCase *sessions = tcase_create("sessions");
  TCase *tps = tcase_create("touchpoints");

  tcase_add_test(events, event_reads_a_hit);
  tcase_add_test(events, event_reads_call_chat_and_crm_fields);
  tcase_add_test(events, event_person_is_not_looked_into);
  tcase_add_test(events, event_problems_have_codes);
  tcase_add_test(events, event_order_is_time_kind_then_id);
  suite_add_tcase(s, events);
  tcase_add_test(sessions, session_id_is_stable_and_names_the_visitor_start);
  tcase_add_test(sessions,
                 session_rule_web_fields_are_taken_from_the_first_hit);
  tcase_add_test(sessions, session_rule_arrival_breaks_on_channel_or_source);
  tcase_add_test(sessions, session_rule_end_is_last_hit_plus_timeout);
  tcase_add_test(sessions, session_remembers_latest_form_per_email);
  tcase_add_test(sessions, session_reuse_starts_afresh);
  suite_add_tcase(s, sessions);
  tcase_add_test(tps, touchpoint_has_contract_fields_in_order);
  tcase_add_test(tps, touchpoint_id_hashes_origin_record_type_and_time);
  tcase_add_test(tps, touchpoint_keeps_the_origin_of_its_event);
  tcase_add_test(tps, touchpoint_takes_web_fields_from_a_session);
  suite_add_tcase(s, tps);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(session_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
