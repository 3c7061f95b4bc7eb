/*
 * test_session_merge.c - the session_merge transform through the test
 * host: every rule of docs/attribution-rules.md it implements (web sessions,
 * conversions, call tracking, Drift chat, CRM touchpoints), the watermark and
 * late records, stable ids, the output order, bad records, metrics and config.
 * Each rule test quotes the rule it checks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sm_host.h"
#include "merge.h"
#include "rules.h"
#include "sm_events.h"
#include <touchflow/record_json.h>
#include <touchflow/io.h>

#define MAX_PENDING 64
#define PAGE "https://www.acme.com/"
#define PRICING "https://www.acme.com/pricing"
#define DEMO_FORM "https://www.acme.com/demo"
#define GOOGLE "https://www.google.com/"
#define LINKEDIN "https://www.linkedin.com/feed/"
#define EMAIL_URL                                                              \
  "https://www.acme.com/?utm_source=newsletter&utm_medium=email&utm_"          \
  "campaign=march"
#define ADS_URL                                                                \
  "https://www.acme.com/lp?utm_source=google&utm_medium=cpc&utm_campaign="     \
  "brand&gclid=abc"

static host_stage st;
static int started;
static tf_record *pending[MAX_PENDING];
static size_t npending;

static void setup(void)
{
  host_reset();
  started = 0;
  npending = 0;
}

static void teardown(void)
{
  size_t i;

  if (started)
    host_stop(&st);
  for (i = 0; i < npending; i++)
    tf_record_unref(pending[i]);
  host_free();
}

/* Queues a record for the next batch. */
static void add(tf_record *rec)
{
  ck_assert_uint_lt(npending, MAX_PENDING);
  pending[npending++] = rec;
}

static void start(const char *config)
{
  ck_assert_int_eq(host_start(&st, config), TF_OK);
  started = 1;
}

/* Sends the queued records as one batch. */
static void send(void)
{
  size_t n = npending;

  npending = 0;
  ck_assert_int_eq(host_process(&st, pending, n), TF_OK);
}

static void finish(void)
{
  send();
  ck_assert_int_eq(host_flush(&st), TF_OK);
}

/* Starts with config, sends everything queued, flushes. */
static void run(const char *config)
{
  start(config);
  finish();
}

static const char *text(const json_t *tp, const char *field)
{
  const json_t *v = json_object_get(tp, field);

  ck_assert_msg(v != NULL, "no field %s", field);
  return json_string_value(v);
}

/* The touchpoint from source record srid of type type (NULL: any). */
static const json_t *find(const char *srid, const char *type)
{
  size_t i;

  for (i = 0; i < host_output_count(); i++) {
    const json_t *tp = host_output_json(i);
    const char *id = json_string_value(json_object_get(tp, "source_record_id"));

    if (id && strcmp(id, srid) == 0 &&
        (!type || strcmp(text(tp, "type"), type) == 0))
      return tp;
  }
  ck_abort_msg("no %s touchpoint from %s", type ? type : "", srid);
  return NULL;
}

static size_t count_type(const char *type)
{
  size_t i, n = 0;

  for (i = 0; i < host_output_count(); i++) {
    const char *t =
        json_string_value(json_object_get(host_output_json(i), "type"));

    if (t && strcmp(t, type) == 0)
      n++;
  }
  return n;
}

/* Asserts a string field's value; NULL expects JSON null. */
static void expect(const json_t *tp, const char *field, const char *want);

/* The reason of tp is fmt with "%s" replaced by tp's session_id
 * (docs/attribution-rules.md#reasons). */
static void expect_reason(const json_t *tp, const char *fmt)
{
  const char *ses = json_string_value(json_object_get(tp, "session_id"));
  char want[512];

  snprintf(want, sizeof(want), fmt, ses ? ses : "(none)");
  expect(tp, "reason", want);
}

static void expect(const json_t *tp, const char *field, const char *want)
{
  const json_t *v = json_object_get(tp, field);

  ck_assert_msg(v != NULL, "no field %s", field);
  if (!want)
    ck_assert_msg(json_is_null(v), "%s is not null", field);
  else
    ck_assert_msg(json_is_string(v) && strcmp(json_string_value(v), want) == 0,
                  "%s is %s, expected %s", field,
                  json_is_string(v) ? json_string_value(v) : "not a string",
                  want);
}

static void expect_same(const json_t *a, const json_t *b, const char *field)
{
  ck_assert_str_eq(text(a, field), text(b, field));
}

/* --- Web sessions ------------------------------------------------------- */

/* docs/attribution-rules.md#the-30-minute-rule: "Web session: the hits of one
 * BizibleId with no gap of 30 minutes or more (session_timeout, default 30m)."
 */
START_TEST(session_rule_gap_of_30_minutes_ends_session)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:29:59", PRICING, NULL));
  add(ev_hit("h3", BIZ_A, "13:10:00", PRICING, NULL));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 2);
  expect(find("h1", "Web Visit"), "channel", "Organic Search");
  expect(find("h3", "Web Visit"), "channel", "Direct");
  ck_assert_int_eq(host_metric("sessions"), 2);
}
END_TEST

/* docs/attribution-rules.md#the-30-minute-rule: "A session covers the
 * half-open interval [first hit, last hit + 30 min): a hit or a call exactly
 * 30:00 after the last hit is outside it." */
START_TEST(session_rule_hit_exactly_30_00_after_last_hit_is_outside)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:30:00", PRICING, NULL));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 2);
  find("h2", "Web Visit");
}
END_TEST

/* docs/attribution-rules.md#the-30-minute-rule: "session_timeout, default 30m":
 * the option changes it. */
START_TEST(session_rule_timeout_comes_from_session_timeout)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:40:00", PRICING, NULL));
  run("{\"session_timeout\": \"1h\"}");
  ck_assert_uint_eq(count_type("Web Visit"), 1);
}
END_TEST

/* docs/attribution-rules.md#arrivals: "An arrival whose channel or source
 * differs from the running session's starts a new session." */
START_TEST(session_rule_arrival_with_other_channel_starts_new_session)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:05:00", EMAIL_URL, NULL));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 2);
  expect(find("h1", "Web Visit"), "channel", "Organic Search");
  expect(find("h2", "Web Visit"), "channel", "Email");
}
END_TEST

/* docs/attribution-rules.md#arrivals: "An arrival whose channel or source
 * differs from the running session's starts a new session": same channel, other
 * source. */
START_TEST(session_rule_arrival_with_other_source_starts_new_session)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, "https://partner-one.com/x"));
  add(ev_hit("h2", BIZ_A, "12:05:00", PAGE, "https://partner-two.com/y"));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 2);
  expect(find("h1", "Web Visit"), "source", "partner-one.com");
  expect(find("h2", "Web Visit"), "source", "partner-two.com");
}
END_TEST

/* docs/attribution-rules.md#arrivals: the arrival rule starts a session only
 * when channel or source differs: the same search engine again continues the
 * session. */
START_TEST(session_rule_arrival_with_same_channel_and_source_continues)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:05:00", PRICING, "https://www.google.de/"));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 1);
}
END_TEST

/* docs/attribution-rules.md#arrivals: "a direct hit (no referrer, or an
 * internal one, and no UTM) never does [start a new session]." */
START_TEST(session_rule_direct_hit_does_not_break_session)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, LINKEDIN));
  add(ev_hit("h2", BIZ_A, "12:10:00", PRICING, NULL));
  add(ev_hit("h3", BIZ_A, "12:20:00", DEMO_FORM, "https://acme.com/pricing"));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 1);
  expect(find("h1", "Web Visit"), "channel", "Social");
}
END_TEST

/* docs/attribution-rules.md#arrivals: a direct session is a session like any
 * other: an arrival from another channel ends it. */
START_TEST(session_rule_arrival_ends_direct_session)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PRICING, NULL));
  add(ev_hit("h2", BIZ_A, "12:05:00", PAGE, GOOGLE));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 2);
  expect(find("h1", "Web Visit"), "channel", "Direct");
  expect(find("h1", "Web Visit"), "source", "Web Direct");
}
END_TEST

/* docs/attribution-rules.md#what-a-session-carries: "A session's landing page,
 * referrer, channel, source, medium and campaign come from its first hit." */
START_TEST(session_rule_web_fields_come_from_first_hit)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:00:00", ADS_URL, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:01:00", PRICING, "https://www.acme.com/lp"));
  add(ev_hit("h3", BIZ_A, "12:02:00",
             "https://www.acme.com/x?utm_source=google&utm_medium=cpc&utm_"
             "campaign=other",
             GOOGLE));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 1);
  tp = find("h1", "Web Visit");
  expect(tp, "channel", "Paid Search");
  expect(tp, "source", "google");
  expect(tp, "medium", "cpc");
  expect(tp, "campaign", "brand");
  expect(tp, "landing_page", ADS_URL);
  expect(tp, "referrer", GOOGLE);
  expect(tp, "form_url", NULL);
  expect(tp, "origin", "web");
  expect(tp, "biz_uid", BIZ_A);
}
END_TEST

/* A utm value whose decoded bytes are not UTF-8 is kept as written: the
 * run goes on and the output stays valid JSON. */
START_TEST(campaign_that_does_not_decode_to_utf8_is_kept_as_written)
{
  add(ev_hit("h1", BIZ_A, "12:00:00",
             PAGE "?utm_source=x&utm_medium=email&utm_campaign=%FF%FE", NULL));
  run("{}");
  expect(find("h1", "Web Visit"), "campaign", "%FF%FE");
}
END_TEST

/* docs/attribution-rules.md#conversions: "A session with no conversion yields
 * one Web Visit touchpoint dated at its first hit (when emit_web_visits is
 * on)." */
START_TEST(session_rule_session_without_conversion_is_one_web_visit)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:17:05.250", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:20:00", PRICING, NULL));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 1);
  tp = find("h1", "Web Visit");
  expect(tp, "date", "2026-03-01T12:17:05Z");
  ck_assert(strncmp(text(tp, "session_id"), "ses_", 4) == 0);
  ck_assert(strncmp(text(tp, "touchpoint_id"), "tp_", 3) == 0);
  ck_assert_int_eq(host_metric("web_visits"), 1);
}
END_TEST

/* docs/attribution-rules.md#conversions: "a session with a conversion yields no
 * Web Visit." */
START_TEST(session_rule_session_with_conversion_has_no_web_visit)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_form("f1", BIZ_A, "12:05:00", DEMO_FORM, "ann@example.com"));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 0);
  ck_assert_uint_eq(count_type("Web Form"), 1);
}
END_TEST

/* docs/attribution-rules.md#touchpoints: "(when emit_web_visits is on)". */
START_TEST(emit_web_visits_false_emits_no_web_visit)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_B, "12:00:00", PAGE, NULL));
  run("{\"emit_web_visits\": false}");
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_int_eq(host_metric("sessions"), 2);
}
END_TEST

/* Sessions are per BizibleId: two visitors never share one. */
START_TEST(session_rule_sessions_are_per_bizible_id)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_B, "12:01:00", PAGE, GOOGLE));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 2);
  ck_assert_str_ne(text(find("h1", NULL), "session_id"),
                   text(find("h2", NULL), "session_id"));
}
END_TEST

/* --- Form fills --------------------------------------------------------- */

/* docs/attribution-rules.md#conversions: "Conversions are form fills, ... Each
 * conversion is its own touchpoint, dated when it happened, carrying its
 * session's web fields." */
START_TEST(conversion_form_fill_is_web_form_with_session_fields)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:00:00", EMAIL_URL, NULL));
  add(ev_form("f1", BIZ_A, "12:07:30", DEMO_FORM, "ann@example.com"));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 1);
  tp = find("f1", "Web Form");
  expect(tp, "date", "2026-03-01T12:07:30Z");
  expect(tp, "form_url", DEMO_FORM);
  expect(tp, "email", "ann@example.com");
  expect(tp, "channel", "Email");
  expect(tp, "source", "newsletter");
  expect(tp, "campaign", "march");
  expect(tp, "landing_page", EMAIL_URL);
  ck_assert(json_is_false(json_object_get(tp, "post_conversion")));
  ck_assert_int_eq(host_metric("web_forms"), 1);
}
END_TEST

/* --- Call tracking ------------------------------------------------------ */

/* docs/attribution-rules.md#call-rule-2: "Task with a BizibleId and a web
 * session of that BizibleId that contains the call time (first hit <= call
 * time < last hit + 30 min): one merged touchpoint, dated at the call time,
 * origin calltracking.  Its type and its medium both come from Task.Type ...
 * Every other field (channel, source, campaign, landing page, referrer,
 * ad) comes from the web session." */
START_TEST(call_rule_2_call_in_session_merges_with_session_fields)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:17:00", ADS_URL, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:40:00", "Call"));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 1);
  tp = find("T1", "Call");
  expect(tp, "date", "2026-03-01T12:40:00Z");
  expect(tp, "origin", "calltracking");
  expect(tp, "medium", "Call");
  expect(tp, "channel", "Paid Search");
  expect(tp, "source", "google");
  expect(tp, "campaign", "brand");
  expect(tp, "landing_page", ADS_URL);
  expect(tp, "referrer", GOOGLE);
  expect(tp, "biz_uid", BIZ_A);
  ck_assert(json_is_string(json_object_get(tp, "session_id")));
  expect_reason(tp, "call rule 2: merged into session %s [12:17, 12:47)");
  ck_assert_int_eq(host_metric("calls_merged"), 1);
}
END_TEST

/* docs/attribution-rules.md#call-rule-2: "if Task.Type is empty the type is Web
 * Visit." */
START_TEST(call_rule_2_empty_call_type_gives_web_visit_type)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:17:00", ADS_URL, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:20:00", ""));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 1);
  tp = find("T1", "Web Visit");
  expect(tp, "origin", "calltracking");
  expect(tp, "medium", "cpc");
  expect(tp, "date", "2026-03-01T12:20:00Z");
}
END_TEST

/* docs/attribution-rules.md#conversions: "A phone call is treated as a form
 * submission: it is a conversion": the merged session yields no Web Visit. */
START_TEST(call_rule_2_merged_call_is_the_sessions_conversion)
{
  add(ev_hit("h1", BIZ_A, "12:17:00", PAGE, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:20:00", "Call"));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 0);
  ck_assert_uint_eq(count_type("Call"), 1);
}
END_TEST

/* docs/attribution-rules.md#call-rule-2: the session must contain the call
 * time, which includes a call after the last hit but within 30 minutes of it.
 */
START_TEST(call_rule_2_call_after_last_hit_within_timeout_merges)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:20:00", PRICING, NULL));
  add(ev_call("T1", BIZ_A, "12:49:59", "Call"));
  run("{}");
  expect(find("T1", "Call"), "channel", "Organic Search");
  expect_reason(find("T1", "Call"),
                "call rule 2: merged into session %s [12:00, 12:50)");
}
END_TEST

/* docs/attribution-rules.md#call-rule-3: "Task with a BizibleId but no such
 * session (example: ad click at 12:17, only hit of the session; call at 13:05
 * -> session ended 12:47): no merge.  A separate touchpoint of type CRM
 * Activity ... records the call with no web session data (... medium =
 * Task.Type)." */
START_TEST(call_rule_3_call_after_session_end_is_crm_activity)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:17:00", ADS_URL, GOOGLE));
  add(ev_call("T1", BIZ_A, "13:05:00", "Call"));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 2);
  expect_reason(find("h1", "Web Visit"),
                "web session rule: session %s [12:17, 12:47) had no form "
                "fill, chat or call: one Web Visit at its first hit");
  tp = find("T1", "CRM Activity");
  expect(tp, "reason",
         "call rule 3: no session of this BizibleId contains 13:05: a "
         "separate CRM Activity without web data");
  expect(tp, "channel", "Other");
  expect(tp, "source", "CRM Activity");
  expect(tp, "medium", "Call");
  expect(tp, "campaign", NULL);
  expect(tp, "landing_page", NULL);
  expect(tp, "referrer", NULL);
  expect(tp, "session_id", NULL);
  expect(tp, "origin", "calltracking");
  expect(tp, "biz_uid", BIZ_A);
  expect(tp, "date", "2026-03-01T13:05:00Z");
  ck_assert_int_eq(host_metric("calls_without_session"), 1);
}
END_TEST

/* docs/attribution-rules.md#the-30-minute-rule: "a hit or a call exactly 30:00
 * after the last hit is outside it": such a call is not merged (call rule 3).
 */
START_TEST(call_rule_3_call_exactly_30_00_after_last_hit_is_not_merged)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:30:00", "Call"));
  run("{}");
  expect(find("T1", "CRM Activity"), "reason",
         "call rule 3: no session of this BizibleId contains 12:30: a "
         "separate CRM Activity without web data");
  find("h1", "Web Visit");
}
END_TEST

/* docs/attribution-rules.md#call-rule-3: no session of that BizibleId at all.
 */
START_TEST(call_rule_3_call_of_unknown_visitor_is_crm_activity)
{
  add(ev_hit("h1", BIZ_B, "12:00:00", PAGE, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:05:00", "Call"));
  run("{}");
  expect(find("T1", "CRM Activity"), "medium", "Call");
  expect(find("T1", "CRM Activity"), "reason",
         "call rule 3: no session of this BizibleId contains 12:05: a "
         "separate CRM Activity without web data");
}
END_TEST

/* docs/attribution-rules.md#call-rule-2 with a call that arrives before the
 * hits of its session: inputs come in any order (the call source is read
 * first). */
START_TEST(call_rule_2_call_arriving_before_its_hits_still_merges)
{
  start("{}");
  add(ev_call("T1", BIZ_A, "12:20:00", "Call"));
  send();
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:10:00", PRICING, NULL));
  finish();
  expect(find("T1", "Call"), "channel", "Organic Search");
  ck_assert_uint_eq(count_type("Web Visit"), 0);
}
END_TEST

/* docs/attribution-rules.md#call-rule-2, when an arrival split the visit: the
 * call belongs to the session running at the call time. */
START_TEST(call_rule_2_call_joins_session_running_at_call_time)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "12:10:00", EMAIL_URL, NULL));
  add(ev_call("T1", BIZ_A, "12:15:00", "Call"));
  run("{}");
  expect(find("T1", "Call"), "channel", "Email");
  find("h1", "Web Visit");
}
END_TEST

/* docs/attribution-rules.md#call-rule-4: "With the merge, the next form fill of
 * that visitor is a later touchpoint of the same journey (the call was the
 * conversion), not a second conversion." */
START_TEST(call_rule_4_later_form_fill_is_post_conversion)
{
  const json_t *call, *form;
  char want[512];

  add(ev_hit("h1", BIZ_A, "12:00:00", ADS_URL, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:05:00", "Call"));
  add(ev_form("f1", BIZ_A, "12:10:00", DEMO_FORM, "ann@example.com"));
  run("{}");
  call = find("T1", "Call");
  form = find("f1", "Web Form");
  ck_assert(json_is_true(json_object_get(form, "post_conversion")));
  expect(form, "conversion_id", text(call, "touchpoint_id"));
  ck_assert(json_is_false(json_object_get(call, "post_conversion")));
  expect(call, "conversion_id", NULL);
  expect_same(call, form, "session_id");
  snprintf(want, sizeof(want),
           "call rule 4: form fill at 12:10 after the call %s in session %%s: "
           "a later step of the journey, not a second conversion",
           text(call, "touchpoint_id"));
  expect_reason(form, want);
  ck_assert_int_eq(host_metric("post_conversion_forms"), 1);
}
END_TEST

/* docs/attribution-rules.md#call-rule-4 applies to form fills after the call
 * only. */
START_TEST(call_rule_4_form_fill_before_call_is_not_post_conversion)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", ADS_URL, GOOGLE));
  add(ev_form("f1", BIZ_A, "12:03:00", DEMO_FORM, "ann@example.com"));
  add(ev_call("T1", BIZ_A, "12:05:00", "Call"));
  run("{}");
  ck_assert(
      json_is_false(json_object_get(find("f1", NULL), "post_conversion")));
  expect_reason(find("f1", NULL), "web session rule: form fill at 12:03 in "
                                  "session %s (from 12:00): a conversion");
  find("T1", "Call");
}
END_TEST

/* docs/attribution-rules.md#call-rule-4 needs the merge: after an unmerged call
 * (rule 3) a form fill is a conversion of its own. */
START_TEST(call_rule_4_needs_the_merge)
{
  add(ev_call("T1", BIZ_A, "11:00:00", "Call"));
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_form("f1", BIZ_A, "12:03:00", DEMO_FORM, "ann@example.com"));
  run("{}");
  find("T1", "CRM Activity");
  ck_assert(
      json_is_false(json_object_get(find("f1", NULL), "post_conversion")));
}
END_TEST

/* docs/attribution-rules.md#call-rule-1: "Task without a BizibleId: no
 * touchpoint.  The record is rejected with a clear reason ... and goes to the
 * dead-letter output; the run continues." */
START_TEST(call_rule_1_call_without_bizible_id_is_dead_lettered)
{
  add(ev_call("T1", NULL, "12:00:00", "Call"));
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  run("{}");
  ck_assert_uint_eq(host_reject_count(), 1);
  ck_assert_str_eq(host_reject_code(0), "missing_bizible_id");
  ck_assert_ptr_nonnull(strstr(host_reject_message(0), "call rule 1: "));
  ck_assert_uint_eq(host_output_count(), 1);
}
END_TEST

/* --- Drift chat --------------------------------------------------------- */

/* docs/attribution-rules.md#drift-chat-rule-1: "When a visitor gives an email
 * address in a Drift conversation, that moment makes a Web Chat touchpoint,
 * attached to the visitor's web session (so channel, source and campaign show
 * what brought people to chat)." */
START_TEST(chat_rule_1_chat_joins_session_containing_chat_moment)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, LINKEDIN));
  add(ev_chat("c1", BIZ_A, "12:12:00", "bob@example.com"));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 1);
  tp = find("c1", "Web Chat");
  expect(tp, "channel", "Social");
  expect(tp, "source", "LinkedIn");
  expect(tp, "email", "bob@example.com");
  expect(tp, "origin", "drift");
  expect(tp, "date", "2026-03-01T12:12:00Z");
  expect(tp, "landing_page", PAGE);
  ck_assert(json_is_string(json_object_get(tp, "session_id")));
  expect_reason(tp, "Drift chat rule 1: email given in chat at 12:12, joined "
                    "session %s [12:00, 12:30)");
}
END_TEST

/* docs/attribution-rules.md#conversions: "Conversions are form fills, chats
 * with an email, and calls": a chat session yields no Web Visit. */
START_TEST(chat_rule_1_chat_is_a_conversion)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, LINKEDIN));
  add(ev_chat("c1", BIZ_A, "12:12:00", "bob@example.com"));
  run("{}");
  ck_assert_uint_eq(count_type("Web Visit"), 0);
}
END_TEST

/* A chat whose visitor has no session at the chat moment: a Web Chat with
 * no session data (README.md "Decisions"). */
START_TEST(chat_rule_1_chat_outside_any_session_has_no_session_data)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, LINKEDIN));
  add(ev_chat("c1", BIZ_A, "14:00:00", "bob@example.com"));
  run("{}");
  tp = find("c1", "Web Chat");
  expect(tp, "channel", "Other");
  expect(tp, "source", NULL);
  expect(tp, "session_id", NULL);
  expect(tp, "biz_uid", BIZ_A);
  expect(tp, "reason",
         "Drift chat rule 1: email given in chat at 14:00; no session of this "
         "BizibleId contains it: Web Chat without web data");
  find("h1", "Web Visit");
  ck_assert_int_eq(host_metric("chats_without_session"), 1);
}
END_TEST

/* A chat without a BizibleId joins the session of the visitor who gave the
 * same email on a form (README.md "Decisions"). */
START_TEST(chat_without_bizible_id_joins_session_of_same_email_form_fill)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:00:00", EMAIL_URL, NULL));
  add(ev_form("f1", BIZ_A, "12:05:00", DEMO_FORM, "carol@example.com"));
  add(ev_chat("c1", NULL, "12:15:00", "carol@example.com"));
  run("{}");
  tp = find("c1", "Web Chat");
  expect(tp, "channel", "Email");
  expect(tp, "biz_uid", BIZ_A);
  expect_same(tp, find("f1", NULL), "session_id");
  expect_reason(tp, "Drift chat rule 1: email given in chat at 12:15 without "
                    "a BizibleId, joined session %s [12:00, 12:35) of the "
                    "visitor who gave this email on a form");
  ck_assert_int_eq(host_metric("chats_joined_by_email"), 1);
}
END_TEST

/* Without a BizibleId and no open session with that email: a standalone
 * Web Chat. */
START_TEST(chat_without_bizible_id_or_matching_form_is_standalone)
{
  const json_t *tp;

  add(ev_hit("h1", BIZ_A, "12:00:00", EMAIL_URL, NULL));
  add(ev_form("f1", BIZ_A, "12:05:00", DEMO_FORM, "carol@example.com"));
  add(ev_chat("c1", NULL, "12:15:00", "dave@example.com"));
  add(ev_chat("c2", NULL, "13:30:00", "carol@example.com"));
  run("{}");
  tp = find("c1", "Web Chat");
  expect(tp, "session_id", NULL);
  expect(tp, "biz_uid", NULL);
  expect(tp, "channel", "Other");
  expect(tp, "reason",
         "Drift chat rule 1: email given in chat at 12:15; no BizibleId, and "
         "no form fill with this email in a session running then: Web Chat "
         "without web data");
  expect(find("c2", "Web Chat"), "session_id", NULL);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-2: "Setting chat_enabled: false ...
 * turns chat touchpoints off entirely." */
START_TEST(chat_rule_2_chat_enabled_false_makes_no_chat_touchpoint)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, LINKEDIN));
  add(ev_chat("c1", BIZ_A, "12:12:00", "bob@example.com"));
  run("{\"chat_enabled\": false}");
  ck_assert_uint_eq(count_type("Web Chat"), 0);
  find("h1", "Web Visit");
  ck_assert_uint_eq(host_reject_count(), 0);
  ck_assert_int_eq(host_metric("chats_disabled"), 1);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "A conversation with no email
 * makes none." */
START_TEST(chat_rule_1_chat_without_email_is_dead_lettered)
{
  add(ev_chat("c1", BIZ_A, "12:12:00", NULL));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_uint_eq(host_reject_count(), 1);
  ck_assert_str_eq(host_reject_code(0), "missing_email");
}
END_TEST

/* --- CRM touchpoints and persons --------------------------------------- */

/* docs/attribution-rules.md#crm-touchpoints: "CRM touchpoints carry no web
 * data: channel Other, source CRM Activity or CRM Campaign, no landing page,
 * referrer or session.  A CRM Task gives a CRM Activity dated at its
 * CreatedDate, medium = its Type." */
START_TEST(crm_rule_task_is_crm_activity_without_web_data)
{
  const json_t *tp;

  add(ev_crm_activity("00T1", "09:30:00", "Email", "ann@example.com"));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 1);
  tp = find("00T1", "CRM Activity");
  expect(tp, "channel", "Other");
  expect(tp, "source", "CRM Activity");
  expect(tp, "medium", "Email");
  expect(tp, "date", "2026-03-01T09:30:00Z");
  expect(tp, "email", "ann@example.com");
  expect(tp, "landing_page", NULL);
  expect(tp, "referrer", NULL);
  expect(tp, "session_id", NULL);
  expect(tp, "origin", "crm");
  expect(tp, "reason",
         "CRM touchpoint rule: a Salesforce Task makes a CRM "
         "Activity, without web data");
}
END_TEST

/* docs/attribution-rules.md#crm-touchpoints: "A CampaignMember gives a CRM
 * Campaign ...; campaign = its CampaignId." */
START_TEST(crm_rule_campaign_member_is_crm_campaign)
{
  const json_t *tp;

  add(ev_crm_campaign("00v1", "10:00:00", "7015g000000abcd"));
  run("{}");
  tp = find("00v1", "CRM Campaign");
  expect(tp, "channel", "Other");
  expect(tp, "source", "CRM Campaign");
  expect(tp, "campaign", "7015g000000abcd");
  expect(tp, "medium", NULL);
  expect(tp, "session_id", NULL);
  expect(tp, "reason",
         "CRM touchpoint rule: a CampaignMember makes a CRM "
         "Campaign, without web data");
}
END_TEST

/* CRM events join nothing: they leave with the batch they came in. */
START_TEST(crm_events_are_emitted_without_waiting)
{
  start("{}");
  add(ev_crm_activity("00T1", "09:30:00", "Email", NULL));
  send();
  ck_assert_uint_eq(host_output_count(), 1);
}
END_TEST

/* docs/events.md: "session_merge passes persons through unchanged". */
START_TEST(person_passes_through_unchanged)
{
  tf_record *person = ev_person("00Q1");

  add(tf_record_ref(person));
  start("{}");
  send();
  ck_assert_uint_eq(host_output_count(), 1);
  ck_assert_ptr_eq(tf_batch_get(host_output(), 0), person);
  tf_record_unref(person);
  ck_assert_int_eq(host_metric("persons"), 1);
}
END_TEST

/* --- Ids and order ------------------------------------------------------ */

/* Touchpoints of the same input, fed in another order and in other
 * batches, as (sorted) JSON text. */
/* The touchpoints emitted, as one JSON text, but those made from source
 * record skip (NULL: none). */
static char *outputs_as_text_without(const char *skip)
{
  json_t *all = json_array();
  char *dump;
  size_t i;

  for (i = 0; i < host_output_count(); i++) {
    const json_t *tp = host_output_json(i);

    if (!skip || strcmp(text(tp, "source_record_id"), skip) != 0)
      json_array_append(all, (json_t *)tp);
  }
  dump = json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(all);
  return dump;
}

static char *outputs_as_text(void)
{
  return outputs_as_text_without(NULL);
}

static void add_journey(int reversed)
{
  tf_record *recs[5];
  int i;

  recs[0] = ev_hit("h1", BIZ_A, "12:00:00", ADS_URL, GOOGLE);
  recs[1] = ev_form("f1", BIZ_A, "12:05:00", DEMO_FORM, "ann@example.com");
  recs[2] = ev_call("T1", BIZ_A, "12:07:00", "Call");
  recs[3] = ev_hit("h2", BIZ_B, "12:01:00", PAGE, NULL);
  recs[4] = ev_chat("c1", NULL, "12:06:00", "ann@example.com");
  for (i = 0; i < 5; i++)
    add(recs[reversed ? 4 - i : i]);
}

/* docs/contract.md#the-touchpoint-record: "touchpoint_id: stable id: the same
 * input gives the same id on every run"; and the same touchpoints whatever the
 * arrival order. */
START_TEST(touchpoint_id_is_stable_across_runs_and_arrival_orders)
{
  char *first, *second;

  add_journey(0);
  run("{}");
  first = outputs_as_text();
  host_stop(&st);
  host_free();
  host_reset();
  add_journey(1);
  run("{}");
  second = outputs_as_text();
  ck_assert_str_eq(first, second);
  ck_assert_uint_eq(host_output_count(), 4);
  free(first);
  free(second);
}
END_TEST

/* What one call resolves leaves sorted by date, then touchpoint_id. */
START_TEST(output_is_sorted_by_date_then_id)
{
  size_t i;

  start("{}");
  add(ev_hit("h3", BIZ_C, "12:00:00", PAGE, LINKEDIN));
  add(ev_form("f3", BIZ_C, "12:30:00", DEMO_FORM, NULL));
  add(ev_hit("h2", BIZ_B, "12:00:00", PAGE, NULL));
  add(ev_call("T1", BIZ_B, "12:10:00", "Call"));
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  send();
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_int_eq(host_flush(&st), TF_OK);
  ck_assert_uint_eq(host_output_count(), 4);
  for (i = 1; i < host_output_count(); i++) {
    const json_t *a = host_output_json(i - 1), *b = host_output_json(i);
    int by_date = strcmp(text(a, "date"), text(b, "date"));

    ck_assert(by_date < 0 ||
              (by_date == 0 &&
               strcmp(text(a, "touchpoint_id"), text(b, "touchpoint_id")) < 0));
  }
}
END_TEST

/* Every touchpoint carries the same keys (CSV sinks need one column set). */
START_TEST(touchpoints_all_have_the_contract_fields)
{
  static const char *const keys[] = {"touchpoint_id",
                                     "type",
                                     "date",
                                     "biz_uid",
                                     "email",
                                     "channel",
                                     "source",
                                     "medium",
                                     "campaign",
                                     "landing_page",
                                     "referrer",
                                     "form_url",
                                     "session_id",
                                     "origin",
                                     "source_record_id",
                                     "post_conversion",
                                     "conversion_id",
                                     "reason",
                                     NULL};
  size_t i, k;

  add_journey(0);
  add(ev_crm_campaign("00v1", "09:00:00", "701"));
  run("{}");
  for (i = 0; i < host_output_count(); i++) {
    ck_assert_uint_eq(json_object_size(host_output_json(i)), 18);
    for (k = 0; keys[k]; k++)
      ck_assert_ptr_nonnull(json_object_get(host_output_json(i), keys[k]));
  }
}
END_TEST

/* --- Watermark and lateness -------------------------------------------- */

/* Hands the plugin the host's input watermark, at an HH:MM:SS of the test
 * day. */
static void advance(const char *when)
{
  send();
  ck_assert_int_eq(host_advance(&st, ev_time(when)), TF_OK);
}

/* Nothing is resolved before the host's watermark: events wait, whatever
 * their times and origins, until an input watermark passes them. */
START_TEST(nothing_is_resolved_before_the_input_watermark)
{
  start("{}");
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_B, "15:00:00", PAGE, NULL));
  add(ev_call("T1", BIZ_A, "12:10:00", "Call"));
  send();
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_int_eq(host_metric("late"), 0);
  finish();
  ck_assert_uint_eq(host_output_count(), 2);
  expect(find("T1", "Call"), "channel", "Organic Search");
}
END_TEST

/* A session is resolved as soon as the watermark is past its end, before
 * the end of the input; not a moment before. */
START_TEST(session_is_emitted_once_watermark_passes_its_end)
{
  start("{}");
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_B, "12:30:01", PAGE, NULL));
  advance("12:30:00");
  ck_assert_uint_eq(host_output_count(), 0);
  advance("12:30:01");
  ck_assert_uint_eq(host_output_count(), 1);
  find("h1", "Web Visit");
  finish();
  ck_assert_uint_eq(host_output_count(), 2);
}
END_TEST

/* A call that arrives after hits far later than itself still merges: the
 * watermark, not the latest time seen, decides. */
START_TEST(call_read_after_later_hits_still_merges)
{
  start("{}");
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_B, "18:00:00", PAGE, NULL));
  add(ev_hit("h3", BIZ_B, "23:00:00", PAGE, NULL));
  send();
  add(ev_call("T1", BIZ_A, "12:10:00", "Call"));
  advance("12:10:00");
  ck_assert_uint_eq(host_output_count(), 0);
  finish();
  ck_assert_uint_eq(host_reject_count(), 0);
  expect(find("T1", "Call"), "channel", "Organic Search");
}
END_TEST

/* An event older than the watermark when it arrives (an input broke its
 * promise) is dead-lettered with code late, never dropped silently. */
START_TEST(event_older_than_watermark_is_dead_lettered_late)
{
  start("{}");
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "13:00:00", PAGE, GOOGLE));
  advance("12:59:00");
  add(ev_hit("h3", BIZ_A, "12:58:59", PAGE, NULL));
  add(ev_hit("h4", BIZ_A, "12:59:00", PAGE, NULL));
  add(ev_hit("h5", BIZ_B, "12:00:00", PAGE, NULL));
  finish();
  ck_assert_uint_eq(host_reject_count(), 2);
  ck_assert_str_eq(host_reject_code(0), "late");
  ck_assert_ptr_nonnull(strstr(host_reject_message(0), "2026-03-01T12:59:00"));
  ck_assert_str_eq(
      tf_record_get_string(host_reject_record(0), "source_record_id"), "h3");
  ck_assert_str_eq(
      tf_record_get_string(host_reject_record(1), "source_record_id"), "h5");
  ck_assert_int_eq(host_metric("late"), 2);
}
END_TEST

/* One hit and one call dated in year 9999 (a wrong clock) among real
 * events: the real ones make exactly the touchpoints they make without
 * them, and the two are dead-lettered as ts_in_future, not turned into
 * touchpoints dated 9999 (issue 15).  The watermark is handed on as a
 * sorted source would, having seen the 9999 hit. */
START_TEST(far_future_events_are_dead_lettered_and_change_nothing_else)
{
  char *without, *with;

  add_journey(0);
  run("{}");
  without = outputs_as_text();
  host_stop(&st);
  host_free();
  host_reset();
  start("{}");
  add(ev_hit("h0", BIZ_A, "11:00:00", PAGE, GOOGLE));
  add(ev_hit("h9", BIZ_A, "9999-12-31T23:59:59Z", PAGE, NULL));
  send();
  add(ev_call("T9", BIZ_B, "9999-01-01T00:00:00Z", "Call"));
  add_journey(0);
  advance("11:00:00");
  finish();
  ck_assert_uint_eq(host_reject_count(), 2);
  ck_assert_str_eq(host_reject_code(0), "ts_in_future");
  ck_assert_str_eq(
      tf_record_get_string(host_reject_record(0), "source_record_id"), "h9");
  ck_assert_str_eq(host_reject_code(1), "ts_in_future");
  ck_assert_str_eq(
      tf_record_get_string(host_reject_record(1), "source_record_id"), "T9");
  ck_assert_ptr_nonnull(strstr(host_reject_message(0),
                               "event time 9999-12-31T23:59:59Z is more than "
                               "max_future (1d) after the run's start"));
  ck_assert_int_eq(host_metric("in_future"), 2);
  ck_assert_int_eq(host_metric("late"), 0);
  /* h0 is a session of its own (a Web Visit at 11:00); the rest is the
   * journey, unchanged. */
  find("h0", "Web Visit");
  ck_assert_uint_eq(host_output_count(), 5);
  with = outputs_as_text_without("h0");
  ck_assert_str_eq(with, without);
  free(without);
  free(with);
}
END_TEST

/* max_future is measured from the clock at start: a hit two days ahead is
 * refused by default (1d) and taken with max_future 3d. */
START_TEST(max_future_sets_the_margin_after_the_clock)
{
  char when[TF_TIME_ISO_LEN];

  tf_time_format(((int64_t)time(NULL) + 2 * 86400) * 1000, when, sizeof(when));
  add(ev_hit("h1", BIZ_A, when, PAGE, GOOGLE));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_uint_eq(host_reject_count(), 1);
  ck_assert_str_eq(host_reject_code(0), "ts_in_future");
  host_stop(&st);
  host_free();
  host_reset();
  add(ev_hit("h1", BIZ_A, when, PAGE, GOOGLE));
  run("{\"max_future\": \"3d\"}");
  ck_assert_uint_eq(host_reject_count(), 0);
  find("h1", "Web Visit");
}
END_TEST

/* allowed_lateness is a margin behind the input watermark: an event within
 * it is still placed; late events log one warning that says what to do. */
START_TEST(allowed_lateness_is_a_margin_behind_the_watermark)
{
  const char *warning;

  start("{\"allowed_lateness\": \"1m\"}");
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_hit("h2", BIZ_A, "13:00:00", PAGE, GOOGLE));
  advance("13:00:00");
  add(ev_hit("h3", BIZ_A, "12:59:00", PAGE, NULL));
  add(ev_hit("h4", BIZ_B, "12:58:59", PAGE, NULL));
  add(ev_hit("h5", BIZ_B, "12:01:00", PAGE, NULL));
  finish();
  ck_assert_int_eq(host_metric("late"), 2);
  ck_assert_str_eq(
      tf_record_get_string(host_reject_record(0), "source_record_id"), "h4");
  warning = strstr(host_logs(), "came after the input watermark");
  ck_assert_ptr_nonnull(warning);
  ck_assert_ptr_null(strstr(warning + 1, "came after the input watermark"));
  ck_assert_ptr_nonnull(strstr(warning, "sorted_by_time"));
}
END_TEST

/* flush resolves everything held, and a second flush adds nothing. */
START_TEST(flush_resolves_everything_once)
{
  start("{}");
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_call("T1", BIZ_A, "12:01:00", "Call"));
  add(ev_chat("c1", BIZ_B, "12:02:00", "x@example.com"));
  send();
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_int_eq(host_flush(&st), TF_OK);
  ck_assert_uint_eq(host_output_count(), 2);
  ck_assert_int_eq(host_flush(&st), TF_OK);
  ck_assert_uint_eq(host_output_count(), 2);
}
END_TEST

/* --- Bad records -------------------------------------------------------- */

static void expect_rejected(const char *json, const char *code)
{
  add(host_record(json));
  run("{}");
  ck_assert_uint_eq(host_output_count(), 0);
  ck_assert_uint_eq(host_reject_count(), 1);
  ck_assert_str_eq(host_reject_code(0), code);
}

START_TEST(unknown_event_is_dead_lettered)
{
  expect_rejected("{\"event\": \"click\", \"ts_ms\": 1}", "unknown_event");
}
END_TEST

START_TEST(event_without_time_is_dead_lettered)
{
  expect_rejected("{\"event\": \"hit\", \"ts\": \"yesterday\", \"origin\": "
                  "\"web\", \"source_record_id\": \"h1\", \"biz_uid\": \"" BIZ_A
                  "\", \"hit_type\": \"page_view\", \"url\": \"" PAGE "\"}",
                  "invalid_timestamp");
}
END_TEST

START_TEST(hit_without_url_is_dead_lettered)
{
  expect_rejected("{\"event\": \"hit\", \"ts_ms\": 1772366400000, \"origin\": "
                  "\"web\", \"source_record_id\": \"h1\", \"biz_uid\": \"" BIZ_A
                  "\", \"hit_type\": \"page_view\"}",
                  "missing_field");
}
END_TEST

START_TEST(hit_without_bizible_id_is_dead_lettered)
{
  expect_rejected("{\"event\": \"hit\", \"ts_ms\": 1772366400000, \"origin\": "
                  "\"web\", \"source_record_id\": \"h1\", \"biz_uid\": null, "
                  "\"hit_type\": \"page_view\", \"url\": \"" PAGE "\"}",
                  "missing_bizible_id");
}
END_TEST

START_TEST(raw_record_is_dead_lettered)
{
  add(tf_record_new_raw("not json", 8, NULL));
  run("{}");
  ck_assert_uint_eq(host_reject_count(), 1);
  ck_assert_str_eq(host_reject_code(0), "not_an_object");
}
END_TEST

/* The time may come as ts alone (ISO-8601) when ts_ms is absent. */
START_TEST(ts_is_used_when_ts_ms_is_absent)
{
  add(host_record("{\"event\": \"crm_activity\", \"ts\": "
                  "\"2026-03-01T07:17:05-05:00\", \"origin\": \"crm\", "
                  "\"source_record_id\": \"00T1\", \"activity_type\": "
                  "\"Call\"}"));
  run("{}");
  expect(find("00T1", NULL), "date", "2026-03-01T12:17:05Z");
}
END_TEST

/* --- Plugin, options and config ---------------------------------------- */

START_TEST(descriptor_names_the_transform_and_its_options)
{
  const tf_transform_plugin *p;
  static const char *const names[] = {
      "session_timeout", "chat_enabled",     "emit_web_visits",
      "channel_rules",   "allowed_lateness", "max_future",
      "memory_budget",   "spill_dir",        NULL};
  size_t i;

  start("{}");
  p = st.plugin;
  ck_assert_str_eq(p->base.name, "session_merge");
  ck_assert_int_eq(p->base.kind, TF_KIND_TRANSFORM);
  ck_assert_int_eq(p->base.abi_major, TF_ABI_MAJOR);
  for (i = 0; names[i]; i++) {
    const tf_option *o = tf_options_find(p->base.options, names[i]);

    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(o->description);
  }
  ck_assert_uint_eq(tf_options_count(p->base.options), 8);
  ck_assert_ptr_nonnull(p->advance);
  ck_assert_str_eq(
      tf_options_find(p->base.options, "session_timeout")->default_value,
      "30m");
  ck_assert_int_eq(tf_config_int(st.cfg, "allowed_lateness"), 0);
  ck_assert_int_eq(tf_config_int(st.cfg, "max_future"), 86400000);
  ck_assert_int_eq(tf_config_int(st.cfg, "memory_budget"), 256 << 20);
}
END_TEST

/* channel_rules are checked by check() and again in init: every problem
 * is reported with its path, and init refuses the config. */
const tf_plugin *transform_session_merge_LTX_tf_plugin_entry(void);

static void keep_diag(void *ud, const char *path, const char *message)
{
  snprintf(ud, 256, "%s: %s", path, message);
}

/* The option is a list of objects (TF_OPT_OBJECTS): the host refuses any
 * other element before the plugin starts. */
START_TEST(channel_rules_that_are_not_objects_are_refused)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_session_merge_LTX_tf_plugin_entry());
  json_t *given = json_loads("{\"channel_rules\": [\"Paid Social\"]}", 0, NULL);
  tf_config *cfg = NULL;
  char diag[256] = "";

  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       NULL, keep_diag, diag, &cfg),
                   TF_ERR_CONFIG);
  ck_assert_ptr_null(cfg);
  ck_assert_str_eq(diag,
                   "config.channel_rules[0]: expected an object, got a string");
  json_decref(given);
}
END_TEST

/* check() reports every channel_rules problem at its path inside the
 * config (the host adds the stage's), before init() would. */
START_TEST(check_reports_channel_rule_problems_at_their_paths)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_session_merge_LTX_tf_plugin_entry());
  json_t *given =
      json_loads("{\"channel_rules\": [{\"channel\": \"Social\", \"match\": "
                 "{\"utm_source\": [\"x\"]}}, {\"channel\": \"Paid Social\", "
                 "\"match\": {\"utm_mediun\": [\"paid\"]}}]}",
                 0, NULL);
  tf_config *cfg = NULL;
  char diag[256] = "";

  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       NULL, NULL, NULL, &cfg),
                   TF_OK);
  ck_assert_ptr_nonnull(p->base.check);
  ck_assert_int_eq(p->base.check(cfg, keep_diag, diag), TF_ERR_CONFIG);
  ck_assert_str_eq(diag, "channel_rules[1].match.utm_mediun: unknown condition "
                         "(expected utm_source, utm_medium, utm_campaign, "
                         "utm_term, utm_content, referrer_host, page_host or "
                         "param)");
  tf_config_free(cfg);
  json_decref(given);
  given = json_loads("{\"channel_rules\": [{\"channel\": \"Social\", "
                     "\"match\": {\"utm_source\": [\"x\"]}}]}",
                     0, NULL);
  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       NULL, NULL, NULL, &cfg),
                   TF_OK);
  diag[0] = '\0';
  ck_assert_int_eq(p->base.check(cfg, keep_diag, diag), TF_OK);
  ck_assert_str_eq(diag, "");
  tf_config_free(cfg);
  json_decref(given);
}
END_TEST

/* Counters reach the run summary as metrics. */
/* The fast record path (touchflow/value.h, builder.h): events are read
 * through the value index and touchpoints written with a tf_builder, so
 * no record, read or written, ever gets a jansson tree; a value copied
 * from an input is written as jansson wrote it ("\/" comes out as "/").
 * Spilled records (a budget of 64K) read back the same way. */
static void expect_no_tree(const char *budget, int nfill)
{
  static const char *const inputs[] = {
      "{\"event\":\"hit\",\"ts_ms\":1772366100000,\"origin\":\"web\","
      "\"source_record_id\":\"h1\",\"biz_uid\":\"" BIZ_A "\","
      "\"hit_type\":\"page_view\",\"url\":\"https:\\/\\/www.acme.com\\/lp?"
      "utm_source=google&utm_medium=cpc\",\"referrer\":\"" GOOGLE "\"}",
      "{\"event\":\"hit\",\"ts_ms\":1772366225000,\"origin\":\"web\","
      "\"source_record_id\":\"f1\",\"biz_uid\":\"" BIZ_A "\","
      "\"hit_type\":\"form_submit\",\"url\":\"" PAGE
      "\",\"form_url\":\"" DEMO_FORM "\",\"email\":\"ann@example.com\"}",
      "{\"event\":\"hit\",\"ts_ms\":1772366160000,\"origin\":\"web\","
      "\"source_record_id\":\"h2\",\"biz_uid\":\"" BIZ_B "\","
      "\"hit_type\":\"page_view\",\"url\":\"" PAGE "\",\"referrer\":null}",
      "{\"event\":\"call\",\"ts_ms\":1772366400000,\"origin\":\"calltracking\","
      "\"source_record_id\":\"T1\",\"biz_uid\":\"" BIZ_A "\","
      "\"call_type\":\"Call\"}",
      "{\"event\":\"call\",\"ts_ms\":1772380800000,\"origin\":\"calltracking\","
      "\"source_record_id\":\"T2\",\"biz_uid\":\"" BIZ_C "\","
      "\"call_type\":\"\"}",
      "{\"event\":\"chat\",\"ts_ms\":1772366300000,\"origin\":\"drift\","
      "\"source_record_id\":\"c1\",\"biz_uid\":null,"
      "\"email\":\"ann@example.com\"}",
      "{\"event\":\"crm_activity\",\"ts\":\"2026-03-01T09:00:00Z\","
      "\"origin\":\"crm\",\"source_record_id\":\"A1\","
      "\"activity_type\":\"Meeting\",\"email\":\"bob@example.com\"}",
      "{\"event\":\"crm_campaign\",\"ts\":\"2026-03-01T09:00:00Z\","
      "\"origin\":\"crm\",\"source_record_id\":\"M1\","
      "\"campaign_id\":\"701xx\"}",
      "{\"event\":\"person\",\"id\":\"p1\",\"email\":\"ann@example.com\"}"};
  enum { N = sizeof(inputs) / sizeof(inputs[0]) };
  tf_record *in[N];
  char config[128], filler[256];
  const char *text;
  size_t i, len;
  int found = 0, k;

  snprintf(config, sizeof(config), "{\"memory_budget\": \"%s\"}", budget);
  start(config);
  for (i = 0; i < N; i++) {
    in[i] = host_record(inputs[i]);
    add(tf_record_ref(in[i]));
  }
  send();
  /* Hits of one more visitor, all in one session: one Web Visit. */
  for (k = 0; k < nfill; k++) {
    snprintf(filler, sizeof(filler),
             "{\"event\":\"hit\",\"ts_ms\":%lld,\"origin\":\"web\","
             "\"source_record_id\":\"x%d\",\"biz_uid\":\"fill\","
             "\"hit_type\":\"page_view\",\"url\":\"" PRICING "\"}",
             1772366000000LL + k * 1000LL, k);
    add(host_record(filler));
    if (npending == MAX_PENDING - 1)
      send();
  }
  finish();
  ck_assert_uint_eq(host_reject_count(), 0);
  if (nfill)
    ck_assert_int_gt(host_metric("spilled_records"), 0);
  /* h1's session (a form, a call, a chat), h2's Web Visit, T2, A1, M1 and
   * the person (and the filler's Web Visit). */
  ck_assert_uint_eq(host_output_count(), 8 + (nfill > 0));
  for (i = 0; i < N; i++) {
    ck_assert_msg((tf_record_debug_state(in[i]) & TF_RECORD_HAS_TREE) == 0,
                  "input %zu has a jansson tree", i);
    tf_record_unref(in[i]);
  }
  for (i = 0; i < host_output_count(); i++) {
    const tf_record *out = tf_batch_get(host_output(), i);

    ck_assert_msg((tf_record_debug_state(out) & TF_RECORD_HAS_TREE) == 0,
                  "output %zu has a jansson tree", i);
    text = tf_record_bytes(out, &len);
    ck_assert_ptr_nonnull(text);
    if (strstr(text, "\"source_record_id\":\"f1\"")) {
      found = 1;
      ck_assert_msg(
          strstr(text, "\"landing_page\":\"https://www.acme.com/lp?utm_source="
                       "google&utm_medium=cpc\",\"referrer\":\"" GOOGLE
                       "\",\"form_url\":\"" DEMO_FORM "\"") != NULL,
          "%s", text);
      ck_assert_msg(strstr(text, "\"post_conversion\":false,"
                                 "\"conversion_id\":null,\"reason\":") != NULL,
                    "%s", text);
    }
  }
  ck_assert(found);
  /* The same touchpoints as the json_t API reads them. */
  expect(find("f1", "Web Form"), "channel", "Paid Search");
  expect(find("T1", NULL), "medium", "Call");
  expect(find("c1", "Web Chat"), "biz_uid", BIZ_A);
  expect(find("T2", NULL), "medium", NULL);
  expect(find("A1", NULL), "medium", "Meeting");
  expect(find("M1", NULL), "campaign", "701xx");
}

START_TEST(no_record_gets_a_jansson_tree)
{
  expect_no_tree("256M", 0);
}
END_TEST

START_TEST(no_record_gets_a_jansson_tree_when_spilled)
{
  expect_no_tree("64K", 150);
}
END_TEST

START_TEST(counters_are_reported_as_metrics)
{
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE, GOOGLE));
  add(ev_form("f1", BIZ_A, "12:01:00", DEMO_FORM, "a@example.com"));
  add(ev_hit("h2", BIZ_B, "12:00:00", PAGE, GOOGLE));
  add(ev_crm_campaign("00v1", "09:00:00", "701"));
  add(ev_person("00Q1"));
  run("{}");
  ck_assert_int_eq(host_metric("sessions"), 2);
  ck_assert_int_eq(host_metric("web_forms"), 1);
  ck_assert_int_eq(host_metric("web_visits"), 1);
  ck_assert_int_eq(host_metric("crm_campaigns"), 1);
  ck_assert_int_eq(host_metric("persons"), 1);
}
END_TEST

/* --- channel_rules through the engine ---------------------------------- */

static void no_problem(void *ud, const char *path, const char *message)
{
  ck_abort_msg("%s: %s", path, message);
}

static int emit_to_host(void *ud, tf_record *rec)
{
  return host_table()->emit(host_ctx(), rec);
}

/* The host cannot pass rule objects yet (README.md), so this drives the
 * engine with rules the way init sets it up. */
START_TEST(channel_rules_classify_sessions_and_arrivals)
{
  json_t *list =
      json_loads("[{\"channel\": \"Paid Social\", \"source\": \"LinkedIn\","
                 "  \"match\": {\"utm_medium\": \"sponsored\"}}]",
                 0, NULL);
  sm_rules *rules;
  sm_settings set = {.timeout = 30 * 60000,
                     .memory_budget = 1 << 20,
                     .chat_enabled = 1,
                     .emit_web_visits = 1};
  sm_merge *m;
  sm_verdict verdict;
  sm_problem why;
  size_t i;

  ck_assert_int_eq(sm_rules_new(list, no_problem, NULL, &rules), TF_OK);
  set.rules = rules;
  m = sm_merge_new(&set);
  ck_assert_ptr_nonnull(m);
  add(ev_hit("h1", BIZ_A, "12:00:00", PAGE "?utm_medium=sponsored", NULL));
  add(ev_hit("h2", BIZ_A, "12:01:00", PRICING, NULL));
  add(ev_hit("h3", BIZ_A, "12:05:00", PAGE, LINKEDIN));
  for (i = 0; i < npending; i++) {
    ck_assert_int_eq(sm_merge_add(m, pending[i], &verdict, &why), TF_OK);
    ck_assert_int_eq(verdict, SM_HELD);
  }
  ck_assert_int_eq(sm_merge_finish(m), TF_OK);
  ck_assert_int_eq(sm_merge_drain(m, emit_to_host, NULL), TF_OK);
  expect(find("h1", "Web Visit"), "channel", "Paid Social");
  expect(find("h1", "Web Visit"), "source", "LinkedIn");
  expect(find("h1", "Web Visit"), "medium", "sponsored");
  expect(find("h3", "Web Visit"), "channel", "Social");
  ck_assert_uint_eq(host_output_count(), 2);
  sm_merge_free(m);
  sm_rules_free(rules);
  json_decref(list);
}
END_TEST

/* --- checkpoints: snapshot() and restore() -------------------------- */

#define SCENARIO_STEPS 6

/* Step i of a journey fed in batches, each followed by an input
 * watermark (INT64_MIN: none): sessions of A and B open, A's form fill,
 * a call of A merged into that session and a chat without a BizibleId
 * joined by its email, a later form fill of A (post-conversion), more of
 * B, CRM events and a person, C's session.  Returns the number of
 * records put in recs. */
static size_t scenario_step(size_t i, tf_record **recs, int64_t *wm)
{
  size_t n = 0;

  *wm = INT64_MIN;
  switch (i) {
  case 0:
    recs[n++] = ev_hit("h1", BIZ_A, "12:00:00", ADS_URL, GOOGLE);
    recs[n++] = ev_hit("h2", BIZ_B, "12:01:00", PAGE, LINKEDIN);
    *wm = ev_time("12:02:00");
    break;
  case 1:
    recs[n++] = ev_form("f1", BIZ_A, "12:05:00", DEMO_FORM, "ann@example.com");
    recs[n++] = ev_hit("h3", BIZ_B, "12:06:00", PRICING, NULL);
    *wm = ev_time("12:06:30");
    break;
  case 2:
    recs[n++] = ev_call("T1", BIZ_A, "12:07:00", "Call");
    recs[n++] = ev_chat("c1", NULL, "12:08:00", "ann@example.com");
    recs[n++] = ev_hit("h5", BIZ_A, "12:09:00", PRICING, NULL);
    *wm = ev_time("12:08:30");
    break;
  case 3:
    recs[n++] = ev_form("f2", BIZ_A, "12:20:00", DEMO_FORM, "ann@example.com");
    recs[n++] = ev_call("T2", BIZ_B, "12:30:00", "");
    recs[n++] = ev_crm_activity("a1", "12:31:00", "Email", "ann@example.com");
    break;
  case 4:
    recs[n++] = ev_person("p1");
    recs[n++] = ev_hit("h4", BIZ_C, "13:00:00", EMAIL_URL, NULL);
    recs[n++] = ev_crm_campaign("m1", "12:45:00", "701A");
    *wm = ev_time("12:40:00");
    break;
  case 5:
    recs[n++] = ev_call("T3", BIZ_C, "13:10:00", "Call");
    recs[n++] = ev_hit("h6", BIZ_B, "13:30:00", PAGE, GOOGLE);
    break;
  default: break;
  }
  return n;
}

/* Everything emitted so far, in order, each record's text on a line. */
static char *emitted_text(void)
{
  size_t n = host_output_count(), i, len = 0;
  char *all = calloc(1, 1);

  ck_assert_ptr_nonnull(all);
  for (i = 0; i < n; i++) {
    size_t tl = 0;
    const char *t = tf_record_bytes(tf_batch_get(host_output(), i), &tl);
    char *dumped = NULL;

    if (!t) { /* a person passed on as it came */
      dumped = json_dumps(host_output_json(i), JSON_COMPACT);
      ck_assert_ptr_nonnull(dumped);
      t = dumped;
      tl = strlen(dumped);
    }
    all = realloc(all, len + tl + 2);
    ck_assert_ptr_nonnull(all);
    memcpy(all + len, t, tl);
    len += tl;
    all[len++] = '\n';
    all[len] = '\0';
    free(dumped);
  }
  return all;
}

/* Runs the scenario; when cut < SCENARIO_STEPS the instance is
 * snapshotted after step cut - 1 (0: before any step), freed, and a fresh
 * one restored from the snapshot (passed through text, as the host's
 * checkpoint file does) runs the rest.  Returns what was emitted. */
static char *run_scenario(const char *config, size_t cut)
{
  tf_record *recs[8];
  host_stage one;
  size_t i, n;
  int64_t wm;

  host_free();
  host_reset();
  ck_assert_int_eq(host_start(&one, config), TF_OK);
  for (i = 0; i <= SCENARIO_STEPS; i++) {
    if (i == cut) {
      json_t *snap = NULL, *back;
      char *text;

      ck_assert_int_eq(one.plugin->snapshot(one.state, &snap), TF_OK);
      text = json_dumps(snap, JSON_COMPACT);
      ck_assert_ptr_nonnull(text);
      json_decref(snap);
      host_stop(&one);
      back = json_loads(text, 0, NULL);
      free(text);
      ck_assert_ptr_nonnull(back);
      ck_assert_int_eq(host_start(&one, config), TF_OK);
      ck_assert_int_eq(one.plugin->restore(one.state, back), TF_OK);
      json_decref(back);
    }
    if (i == SCENARIO_STEPS)
      break;
    n = scenario_step(i, recs, &wm);
    ck_assert_int_eq(host_process(&one, recs, n), TF_OK);
    if (wm != INT64_MIN)
      ck_assert_int_eq(host_advance(&one, wm), TF_OK);
  }
  ck_assert_int_eq(host_flush(&one), TF_OK);
  host_stop(&one);
  ck_assert_uint_eq(host_reject_count(), 0);
  return emitted_text();
}

#define SCENARIO_METRICS 7
static const char *const scenario_metrics[SCENARIO_METRICS] = {
    "sessions",
    "web_visits",
    "web_forms",
    "calls_merged",
    "post_conversion_forms",
    "chats_joined_by_email",
    "persons"};

/* docs/checkpoints.md: "from then on it must emit exactly what the
 * snapshotted instance would have": snapshotted at every step (before
 * any, with sessions open, with the call waiting to merge into A's open
 * session, after it), the run emits the uninterrupted run's records byte
 * for byte and in order, with the same counters. */
START_TEST(restored_instance_emits_what_the_snapshotted_one_would_have)
{
  static const char *const configs[] = {
      "{}", "{\"allowed_lateness\": \"5m\"}",
      "{\"memory_budget\": \"64K\", \"session_timeout\": \"10m\"}"};
  size_t c, cut;

  for (c = 0; c < sizeof(configs) / sizeof(configs[0]); c++) {
    char *whole = run_scenario(configs[c], SCENARIO_STEPS + 1);
    int64_t want[SCENARIO_METRICS];
    size_t k;

    for (k = 0; k < SCENARIO_METRICS; k++)
      want[k] = host_metric(scenario_metrics[k]);
    if (c == 0) { /* the default config goes through every case */
      ck_assert_int_eq(host_metric("calls_merged"), 3);
      ck_assert_int_eq(host_metric("post_conversion_forms"), 1);
      ck_assert_int_eq(host_metric("chats_joined_by_email"), 1);
    }
    for (cut = 0; cut <= SCENARIO_STEPS; cut++) {
      char *resumed = run_scenario(configs[c], cut);
      size_t at = 0;

      while (whole[at] && whole[at] == resumed[at])
        at++;
      ck_assert_msg(strcmp(whole, resumed) == 0,
                    "config %s, snapshot after step %zu: other output from "
                    "byte %zu: \"%.160s\" instead of \"%.160s\"",
                    configs[c], cut, at, resumed + at, whole + at);
      for (k = 0; k < SCENARIO_METRICS; k++)
        ck_assert_msg(host_metric(scenario_metrics[k]) == want[k],
                      "config %s, snapshot after step %zu: %s differs",
                      configs[c], cut, scenario_metrics[k]);
      free(resumed);
    }
    free(whole);
  }
}
END_TEST

/* A snapshot of another session_timeout, or not a snapshot at all, is
 * refused with a reason in the log. */
START_TEST(restore_refuses_a_foreign_snapshot)
{
  host_stage one;
  json_t *snap = NULL;

  ck_assert_int_eq(host_start(&one, "{}"), TF_OK);
  ck_assert_int_eq(one.plugin->snapshot(one.state, &snap), TF_OK);
  host_stop(&one);
  ck_assert_int_eq(host_start(&one, "{\"session_timeout\": \"10m\"}"), TF_OK);
  ck_assert_int_lt(one.plugin->restore(one.state, snap), 0);
  ck_assert_ptr_nonnull(strstr(host_logs(), "session_timeout"));
  host_stop(&one);
  json_decref(snap);
  snap = json_pack("{s:i}", "version", 99);
  ck_assert_int_eq(host_start(&one, "{}"), TF_OK);
  ck_assert_int_lt(one.plugin->restore(one.state, snap), 0);
  host_stop(&one);
  json_decref(snap);
}
END_TEST

static Suite *session_merge_suite(void)
{
  Suite *s = suite_create("session_merge");
  TCase *sessions = tcase_create("sessions");
  TCase *conversions = tcase_create("conversions");
  TCase *stream = tcase_create("stream");
  TCase *plugin = tcase_create("plugin");

  tcase_add_checked_fixture(sessions, setup, teardown);
  tcase_add_test(sessions, session_rule_gap_of_30_minutes_ends_session);
  tcase_add_test(sessions,
                 session_rule_hit_exactly_30_00_after_last_hit_is_outside);
  tcase_add_test(sessions, session_rule_timeout_comes_from_session_timeout);
  tcase_add_test(sessions,
                 session_rule_arrival_with_other_channel_starts_new_session);
  tcase_add_test(sessions,
                 session_rule_arrival_with_other_source_starts_new_session);
  tcase_add_test(sessions,
                 session_rule_arrival_with_same_channel_and_source_continues);
  tcase_add_test(sessions, session_rule_direct_hit_does_not_break_session);
  tcase_add_test(sessions, session_rule_arrival_ends_direct_session);
  tcase_add_test(sessions, session_rule_web_fields_come_from_first_hit);
  tcase_add_test(sessions,
                 campaign_that_does_not_decode_to_utf8_is_kept_as_written);
  tcase_add_test(sessions,
                 session_rule_session_without_conversion_is_one_web_visit);
  tcase_add_test(sessions,
                 session_rule_session_with_conversion_has_no_web_visit);
  tcase_add_test(sessions, emit_web_visits_false_emits_no_web_visit);
  tcase_add_test(sessions, session_rule_sessions_are_per_bizible_id);
  suite_add_tcase(s, sessions);

  tcase_add_checked_fixture(conversions, setup, teardown);
  tcase_add_test(conversions,
                 conversion_form_fill_is_web_form_with_session_fields);
  tcase_add_test(conversions,
                 call_rule_2_call_in_session_merges_with_session_fields);
  tcase_add_test(conversions, call_rule_2_empty_call_type_gives_web_visit_type);
  tcase_add_test(conversions,
                 call_rule_2_merged_call_is_the_sessions_conversion);
  tcase_add_test(conversions,
                 call_rule_2_call_after_last_hit_within_timeout_merges);
  tcase_add_test(conversions,
                 call_rule_3_call_after_session_end_is_crm_activity);
  tcase_add_test(conversions,
                 call_rule_3_call_exactly_30_00_after_last_hit_is_not_merged);
  tcase_add_test(conversions,
                 call_rule_3_call_of_unknown_visitor_is_crm_activity);
  tcase_add_test(conversions,
                 call_rule_2_call_arriving_before_its_hits_still_merges);
  tcase_add_test(conversions,
                 call_rule_2_call_joins_session_running_at_call_time);
  tcase_add_test(conversions, call_rule_4_later_form_fill_is_post_conversion);
  tcase_add_test(conversions,
                 call_rule_4_form_fill_before_call_is_not_post_conversion);
  tcase_add_test(conversions, call_rule_4_needs_the_merge);
  tcase_add_test(conversions,
                 call_rule_1_call_without_bizible_id_is_dead_lettered);
  tcase_add_test(conversions,
                 chat_rule_1_chat_joins_session_containing_chat_moment);
  tcase_add_test(conversions, chat_rule_1_chat_is_a_conversion);
  tcase_add_test(conversions,
                 chat_rule_1_chat_outside_any_session_has_no_session_data);
  tcase_add_test(conversions,
                 chat_without_bizible_id_joins_session_of_same_email_form_fill);
  tcase_add_test(conversions,
                 chat_without_bizible_id_or_matching_form_is_standalone);
  tcase_add_test(conversions,
                 chat_rule_2_chat_enabled_false_makes_no_chat_touchpoint);
  tcase_add_test(conversions, chat_rule_1_chat_without_email_is_dead_lettered);
  tcase_add_test(conversions, crm_rule_task_is_crm_activity_without_web_data);
  tcase_add_test(conversions, crm_rule_campaign_member_is_crm_campaign);
  tcase_add_test(conversions, crm_events_are_emitted_without_waiting);
  tcase_add_test(conversions, person_passes_through_unchanged);
  suite_add_tcase(s, conversions);

  tcase_add_checked_fixture(stream, setup, teardown);
  tcase_add_test(stream,
                 touchpoint_id_is_stable_across_runs_and_arrival_orders);
  tcase_add_test(stream, output_is_sorted_by_date_then_id);
  tcase_add_test(stream, touchpoints_all_have_the_contract_fields);
  tcase_add_test(stream, nothing_is_resolved_before_the_input_watermark);
  tcase_add_test(stream, session_is_emitted_once_watermark_passes_its_end);
  tcase_add_test(stream, call_read_after_later_hits_still_merges);
  tcase_add_test(stream, event_older_than_watermark_is_dead_lettered_late);
  tcase_add_test(stream, allowed_lateness_is_a_margin_behind_the_watermark);
  tcase_add_test(stream,
                 far_future_events_are_dead_lettered_and_change_nothing_else);
  tcase_add_test(stream, max_future_sets_the_margin_after_the_clock);
  tcase_add_test(stream, flush_resolves_everything_once);
  tcase_add_test(stream,
                 restored_instance_emits_what_the_snapshotted_one_would_have);
  tcase_add_test(stream, restore_refuses_a_foreign_snapshot);
  suite_add_tcase(s, stream);

  tcase_add_checked_fixture(plugin, setup, teardown);
  tcase_add_test(plugin, unknown_event_is_dead_lettered);
  tcase_add_test(plugin, event_without_time_is_dead_lettered);
  tcase_add_test(plugin, hit_without_url_is_dead_lettered);
  tcase_add_test(plugin, hit_without_bizible_id_is_dead_lettered);
  tcase_add_test(plugin, raw_record_is_dead_lettered);
  tcase_add_test(plugin, ts_is_used_when_ts_ms_is_absent);
  tcase_add_test(plugin, descriptor_names_the_transform_and_its_options);
  tcase_add_test(plugin, channel_rules_that_are_not_objects_are_refused);
  tcase_add_test(plugin, check_reports_channel_rule_problems_at_their_paths);
  tcase_add_test(plugin, channel_rules_classify_sessions_and_arrivals);
  tcase_add_test(plugin, counters_are_reported_as_metrics);
  tcase_add_test(plugin, no_record_gets_a_jansson_tree);
  tcase_add_test(plugin, no_record_gets_a_jansson_tree_when_spilled);
  suite_add_tcase(s, plugin);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(session_merge_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
