/*
 * test_drift_chat.c - Drift chat rules 1 and 2
 * (docs/attribution-rules.md#chats) on hand-made records, through drift_chat
 * alone (no files): which conversations make a chat event, dated when, with
 * which email and BizibleId, what is dead-lettered and what is counted.  JSON
 * is written with ' for " to stay readable.  Times: T0 = 1528293000000 =
 * 2018-06-06T13:50:00.000Z.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../drift_chat.h"
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

/* The tests' host (<touchflow/check.h>): collects what drift hands back. */
static tf_check_host *harness;

/* The code of the i-th rejected record, or NULL. */
static const char *reject_code(size_t i)
{
  const tf_check_reject *r = tf_check_reject_get(harness, i);

  return r ? r->code : NULL;
}

static drift_chat *chat;
static long line;
static tf_time_order order; /* the order check of start_sorted() */

static void start(int chat_enabled, const char *attribute)
{
  drift_chat_options options = {chat_enabled, attribute, NULL};

  ck_assert_int_eq(drift_chat_new(tf_check_ctx(harness),
                                  tf_check_host_table(harness), &options,
                                  &chat),
                   TF_OK);
}

/* Restarts the chat with an order check, on when sorted. */
static void start_sorted(int sorted)
{
  drift_chat_options options = {1, "biz_uid", &order};

  drift_chat_free(chat);
  tf_time_order_init(&order, sorted);
  ck_assert_int_eq(drift_chat_new(tf_check_ctx(harness),
                                  tf_check_host_table(harness), &options,
                                  &chat),
                   TF_OK);
}

static void setup(void)
{
  harness = tf_check_host_new(NULL, "chats");
  ck_assert_ptr_nonnull(harness);
  line = 0;
  start(1, "biz_uid");
}

static void teardown(void)
{
  drift_chat_free(chat);
  tf_check_host_free(harness);
}

/* T0 + s seconds, in epoch milliseconds. */
#define T(s) (1528293000000LL + (s)*1000LL)

/* Strings built by the helpers below live in a small ring of buffers, so
 * that several can be passed to one feedf() call. */
static char *ring_next(void)
{
  static char ring[8][2048];
  static size_t next;

  return ring[next++ % 8];
}

/* A Drift message of conversation conv at T0 + s, by the visitor ("contact",
 * id 9) or by a bot ("user", id 243266). */
static const char *msg(int conv, const char *author, int s, const char *body)
{
  char *out = ring_next();
  int contact = strcmp(author, "contact") == 0;

  snprintf(out, 2048,
           "{'id':%d,'orgId':1234,'conversationId':%d,'type':'chat',"
           "'body':'%s','author':{'type':'%s','id':%d,'bot':%s},"
           "'createdAt':%lld}",
           100 + s, conv, body, author, contact ? 9 : 243266,
           contact ? "false" : "true", T(s));
  return out;
}

/* A webhook event of that type around data. */
static const char *event(const char *type, const char *data)
{
  char *out = ring_next();

  snprintf(out, 2048,
           "{'type':'%s','token':'vt_abc123','orgId':1234,"
           "'data':%s}",
           type, data);
  return out;
}

/* Hands one NDJSON line to the chat, as line N of drift.ndjson.  The line
 * is written with ' for " (so \' is an escaped quote inside a string). */
static void feed(const char *text)
{
  char *json = strdup(text), err[256], *p;
  tf_origin origin = {"drift.ndjson", ++line};
  tf_record *rec;

  ck_assert_ptr_nonnull(json);
  for (p = json; *p; p++)
    if (*p == '\'')
      *p = '"';
  rec = tf_record_parse(json, strlen(json), &origin, err, sizeof(err));
  ck_assert_msg(rec != NULL, "%s: %s", json, err);
  ck_assert_int_eq(drift_chat_handle(chat, rec), TF_OK);
  tf_record_unref(rec);
  free(json);
}

static void feedf(const char *fmt, ...) TF_PRINTF(1, 2);

static void feedf(const char *fmt, ...)
{
  char text[8192];
  va_list ap;

  va_start(ap, fmt);
  ck_assert_int_lt(vsnprintf(text, sizeof(text), fmt, ap), sizeof(text));
  va_end(ap);
  feed(text);
}

/* Hands a record built from an object (as CSV rows are). */
static void feed_object(json_t *obj)
{
  tf_record *rec = tf_record_new(obj);

  ck_assert_ptr_nonnull(rec);
  ck_assert_int_eq(drift_chat_handle(chat, rec), TF_OK);
  tf_record_unref(rec);
}

static void finish(void)
{
  size_t n = 0;

  ck_assert_int_eq(drift_chat_finish(chat), TF_OK);
  ck_assert_int_eq(drift_chat_drain(chat, SIZE_MAX, &n), TF_DONE);
}

static size_t chats(void)
{
  return tf_batch_count(tf_check_emitted(harness));
}

static const char *str(size_t i, const char *field)
{
  return tf_record_get_string(tf_check_emitted_get(harness, i), field);
}

static int64_t integer(size_t i, const char *field)
{
  return (int64_t)json_integer_value(
      tf_record_get(tf_check_emitted_get(harness, i), field));
}

/* The i-th chat: its conversation, moment (T0 + s) and email. */
static void expect_chat(size_t i, int64_t conv, int s, const char *email)
{
  ck_assert_uint_gt(chats(), i);
  ck_assert_int_eq(integer(i, "conversation_id"), conv);
  ck_assert_int_eq(integer(i, "ts_ms"), T(s));
  ck_assert_str_eq(str(i, "email"), email);
}

/* The head of REST conversation 7 of contact 9, started at T0 (go on with
 * its other fields and close the object). */
#define REST                                                                   \
  "{'id':7,'status':'closed','contactId':9,'inboxId':116983,"                  \
  "'createdAt':1528293000000,'updatedAt':1528293099000,"

#define BIZ_UID "277d79d01678498fea067c9b631bf6df"

/* --- Rule 1: the moment a visitor gives an email ----------------------- */

/* docs/attribution-rules.md#drift-chat-rule-1: "When a visitor gives an email
 * address in a Drift conversation, that moment makes a Web Chat touchpoint
 * [...] The moment is the earliest of: the createdAt of the first contact
 * message whose body holds an email". */
START_TEST(drift_rule_1_email_in_html_body_makes_the_chat)
{
  json_t *want;

  feedf(REST "'messages':[%s,%s],'contact':{'id':9,'createdAt':%lld,"
             "'attributes':{'email':'jane@acme.com','biz_uid':'" BIZ_UID "'}}}",
        msg(7, "user", 10, "Hi! What brings you here?"),
        msg(7, "contact", 24,
            "<p>it is <a href=\\'mailto:Jane@Acme.com\\'>Jane@Acme.com</a>"
            "</p>"),
        T(24));
  ck_assert_uint_eq(chats(), 1);
  want =
      json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "event", "chat",
                "ts", "2018-06-06T13:50:24.000Z", "ts_ms", (json_int_t)T(24),
                "biz_uid", BIZ_UID, "email", "jane@acme.com", "origin", "drift",
                "source_record_id", "7", "conversation_id", (json_int_t)7);
  ck_assert(json_equal(
      want, (json_t *)tf_record_json(tf_check_emitted_get(harness, 0))));
  json_decref(want);
  ck_assert_str_eq(tf_record_origin(tf_check_emitted_get(harness, 0)).file,
                   "drift.ndjson");
  ck_assert_int_eq(tf_record_origin(tf_check_emitted_get(harness, 0)).line, 1);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "the first contact message whose
 * body holds an email" - an agent's or a bot's message is not the visitor
 * giving one. */
START_TEST(drift_rule_1_agent_and_bot_messages_do_not_count)
{
  feedf(REST "'messages':[%s,%s]}", msg(7, "user", 10, "mail sales@acme.com"),
        msg(7, "contact", 24, "thanks"));
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 1);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "the createdAt of the first
 * contact message whose body holds an email" - first in time, whatever the
 * array order; "end_user" authors are visitors too. */
START_TEST(drift_rule_1_first_contact_message_with_email_wins)
{
  feedf(REST "'messages':[%s,%s,%s]}", msg(7, "contact", 50, "bob@acme.com"),
        msg(7, "end_user", 30, "JANE@acme.com"),
        msg(7, "contact", 20, "hello"));
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 30, "jane@acme.com");
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "The moment is the earliest of:
 * [...] a contact_identified event's contact createdAt". */
START_TEST(drift_rule_1_contact_identified_dates_the_chat)
{
  feed(event("new_conversation", "{'id':7,'contactId':9,'status':'open',"
                                 "'createdAt':1528293000000}"));
  feed(event("new_message", msg(7, "user", 10, "Hi!")));
  feed(event("new_message", msg(7, "contact", 20, "pricing please")));
  feed(event("contact_identified",
             "{'id':9,'createdAt':1528293031000,'attributes':{"
             "'email':'Jane@Acme.com','name':'Jane Doe',"
             "'biz_uid':'277D79D01678498FEA067C9B631BF6DF'}}"));
  ck_assert_uint_eq(chats(), 0);
  finish();
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 31, "jane@acme.com");
  ck_assert_str_eq(str(0, "biz_uid"), BIZ_UID);
  ck_assert_int_eq(tf_record_origin(tf_check_emitted_get(harness, 0)).line, 4);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "for playbook_goal_met (which
 * has no time of its own) the latest message time of that conversation seen
 * before it". */
START_TEST(drift_rule_1_playbook_goal_takes_latest_message_before_it)
{
  feed(event("new_message", msg(7, "contact", 40, "hello")));
  feed(event("new_message", msg(7, "user", 55, "Book a demo?")));
  feed(event("new_message", msg(7, "contact", 45, "yes")));
  feed(event("playbook_goal_met",
             "{'conversationId':7,'playbookId':1561966,'contactId':9,"
             "'goalId':'42fe19bf-b3f4-44c6-b358-1934dc69a614',"
             "'goalName':'Booked demo','contactEmail':'Jane@Acme.com'}"));
  feed(event("new_message", msg(7, "user", 70, "See you!")));
  finish();
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 55, "jane@acme.com");
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "for playbook_goal_met [...]
 * (none known: dead-letter no_timestamp)". */
START_TEST(drift_rule_1_playbook_goal_without_messages_is_no_timestamp)
{
  feed(event("playbook_goal_met", "{'conversationId':7,'contactId':9,"
                                  "'contactEmail':'jane@acme.com'}"));
  feed(event("new_message", msg(7, "contact", 70, "bye")));
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_str_eq(reject_code(0), "no_timestamp");
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 0);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "A conversation with no email
 * makes none" - a goal met without contactEmail gives no email. */
START_TEST(drift_rule_1_playbook_goal_without_email_gives_none)
{
  feed(event("new_message", msg(7, "contact", 40, "hello")));
  feed(event("playbook_goal_met",
             "{'conversationId':7,'contactId':9,'contactEmail':null}"));
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "playbook_goals_without_email"), 1);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 1);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "A conversation with no email
 * makes none." */
START_TEST(drift_rule_1_no_email_no_chat)
{
  feed(event("new_conversation",
             "{'id':8,'contactId':9,'createdAt':1528293000000}"));
  feed(event("new_message", msg(8, "contact", 20, "just looking")));
  feedf(REST "'messages':[%s]}", msg(7, "contact", 20, "no thanks"));
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 2);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: "The moment is the earliest of:
 * [...]" - here a message at T0+60s, a goal after a message at T0+50s and an
 * identification at T0+40s: the identification wins. */
START_TEST(drift_rule_1_earliest_of_several_moments_wins)
{
  feed(event("new_conversation",
             "{'id':7,'contactId':9,'createdAt':1528293000000}"));
  feed(event("new_message", msg(7, "contact", 50, "hi")));
  feed(event("playbook_goal_met", "{'conversationId':7,'contactId':9,"
                                  "'contactEmail':'goal@acme.com'}"));
  feed(event("new_message", msg(7, "contact", 60, "msg@acme.com")));
  feed(event("contact_identified", "{'id':9,'createdAt':1528293040000,"
                                   "'attributes':{'email':'id@acme.com'}}"));
  finish();
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 40, "id@acme.com");
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: the moment comes from the
 * message, a contact_identified event or a goal; the createdAt of the contact
 * embedded in a conversation is none of these (Drift makes the contact
 * when the chat starts), so it does not date the chat. */
START_TEST(drift_rule_1_embedded_contact_created_at_is_no_moment)
{
  feedf(REST "'messages':[%s],'contact':{'id':9,'createdAt':1528293000000,"
             "'attributes':{'email':'jane@acme.com'}}}",
        msg(7, "contact", 45, "jane@acme.com"));
  expect_chat(0, 7, 45, "jane@acme.com");
  feedf("{'id':8,'contactId':9,'createdAt':1528293000000,'messages':[%s],"
        "'contact':{'id':9,'createdAt':1528293030000,"
        "'attributes':{'email':'jane@acme.com'}}}",
        msg(8, "contact", 45, "hello again"));
  ck_assert_uint_eq(chats(), 1);
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 1);
}
END_TEST

/* docs/attribution-rules.md#drift-chat-rule-1: a contact_identified belongs to
 * the conversation of that contact running at the time: the one that started
 * last before it. */
START_TEST(drift_rule_1_identification_belongs_to_running_conversation)
{
  feed(event("new_conversation",
             "{'id':7,'contactId':9,'createdAt':1528293000000}"));
  feed(event("new_conversation",
             "{'id':8,'contactId':9,'createdAt':1528293050000}"));
  feed(event("new_conversation",
             "{'id':6,'contactId':9,'createdAt':1528293090000}"));
  feed(event("contact_identified", "{'id':9,'createdAt':1528293060000,"
                                   "'attributes':{'email':'jane@acme.com'}}"));
  finish();
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 8, 60, "jane@acme.com");
  ck_assert_int_eq(tf_check_metric(harness, "conversations_without_email"), 2);
}
END_TEST

START_TEST(drift_rule_1_identification_without_conversation_is_counted)
{
  feed(event("contact_identified", "{'id':9,'createdAt':1528293060000,"
                                   "'attributes':{'email':'jane@acme.com'}}"));
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "contacts_without_conversation"),
                   1);
}
END_TEST

/* One chat per conversation: a second copy of a conversation, or webhook
 * events after its chat went out, make no second chat. */
START_TEST(drift_rule_1_one_chat_per_conversation)
{
  const char *email_msg = msg(7, "contact", 20, "jane@acme.com");

  feedf(REST "'messages':[%s]}", email_msg);
  feedf(REST "'messages':[%s]}", email_msg);
  feed(event("new_message", msg(7, "contact", 10, "bob@acme.com")));
  finish();
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 20, "jane@acme.com");
  ck_assert_int_eq(tf_check_metric(harness, "records_after_chat"), 2);
}
END_TEST

/* Webhook events seen before the complete conversation record count too. */
START_TEST(drift_rule_1_webhooks_before_the_conversation_record_merge)
{
  feed(event("new_message", msg(7, "contact", 10, "bob@acme.com")));
  feedf(REST "'messages':[%s]}", msg(7, "contact", 20, "jane@acme.com"));
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 10, "bob@acme.com");
  ck_assert_int_eq(tf_record_origin(tf_check_emitted_get(harness, 0)).line, 1);
}
END_TEST

START_TEST(drift_rule_1_open_chats_go_out_earliest_first)
{
  size_t n = 0;

  feed(event("new_message", msg(7, "contact", 90, "a@acme.com")));
  feed(event("new_message", msg(5, "contact", 30, "b@acme.com")));
  feed(event("new_message", msg(6, "contact", 60, "c@acme.com")));
  ck_assert_int_eq(drift_chat_finish(chat), TF_OK);
  ck_assert_int_eq(drift_chat_finish(chat), TF_OK);
  ck_assert_int_eq(drift_chat_drain(chat, 2, &n), TF_MORE);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(drift_chat_drain(chat, 0, &n), TF_MORE);
  ck_assert_int_eq(drift_chat_drain(chat, 2, &n), TF_DONE);
  ck_assert_uint_eq(n, 3);
  ck_assert_uint_eq(drift_chat_emitted(chat), 3);
  expect_chat(0, 5, 30, "b@acme.com");
  expect_chat(1, 6, 60, "c@acme.com");
  expect_chat(2, 7, 90, "a@acme.com");
}
END_TEST

/* --- Rule 2: chat_enabled ---------------------------------------------- */

/* docs/attribution-rules.md#drift-chat-rule-2: "Setting chat_enabled: false
 * [...] turns chat touchpoints off entirely." */
START_TEST(drift_rule_2_chat_disabled_makes_no_chat)
{
  drift_chat_free(chat);
  start(0, "biz_uid");
  feedf(REST "'messages':[%s]}", msg(7, "contact", 20, "jane@acme.com"));
  feed(event("new_message", msg(8, "contact", 20, "bob@acme.com")));
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "chats_skipped_disabled"), 2);
}
END_TEST

/* --- BizibleId ---------------------------------------------------------- */

/* A REST conversation whose visitor gives jane@acme.com at T0+20s, with
 * contact attributes `attributes`. */
static void feed_with_contact(const char *attributes)
{
  feedf(REST "'messages':[%s],'contact':{'id':9,'createdAt':1500000000000,"
             "'attributes':%s}}",
        msg(7, "contact", 20, "jane@acme.com"), attributes);
}

START_TEST(drift_bizible_id_from_contact_attribute)
{
  feed_with_contact("{'biz_uid':'277D79D01678498FEA067C9B631BF6DF'}");
  ck_assert_str_eq(str(0, "biz_uid"), BIZ_UID);
}
END_TEST

START_TEST(drift_bizible_id_absent_is_null)
{
  feed_with_contact("{'email':'jane@acme.com','biz_uid':null}");
  ck_assert(
      json_is_null(tf_record_get(tf_check_emitted_get(harness, 0), "biz_uid")));
  feedf("{'id':8,'contactId':9,'messages':[%s]}",
        msg(8, "contact", 20, "x@acme.com"));
  ck_assert(
      json_is_null(tf_record_get(tf_check_emitted_get(harness, 1), "biz_uid")));
  ck_assert_int_eq(tf_check_metric(harness, "invalid_bizible_id"), 0);
}
END_TEST

START_TEST(drift_bizible_id_custom_attribute_name)
{
  drift_chat_free(chat);
  start(1, "bizible_id");
  feed_with_contact("{'biz_uid':'00000000000000000000000000000000',"
                    "'bizible_id':'" BIZ_UID "'}");
  ck_assert_str_eq(str(0, "biz_uid"), BIZ_UID);
}
END_TEST

START_TEST(drift_bizible_id_invalid_is_null_and_counted)
{
  feed_with_contact("{'biz_uid':'not-a-bizible-id'}");
  ck_assert(
      json_is_null(tf_record_get(tf_check_emitted_get(harness, 0), "biz_uid")));
  feedf("{'id':8,'contactId':9,'messages':[%s],"
        "'contact':{'attributes':{'biz_uid':' " BIZ_UID "'}}}",
        msg(8, "contact", 20, "x@acme.com"));
  ck_assert(
      json_is_null(tf_record_get(tf_check_emitted_get(harness, 1), "biz_uid")));
  ck_assert_int_eq(tf_check_metric(harness, "invalid_bizible_id"), 2);
}
END_TEST

START_TEST(drift_bizible_id_from_identified_contact_for_webhooks)
{
  feed(event("new_message", msg(7, "contact", 20, "jane@acme.com")));
  feed(event("contact_identified",
             "{'id':9,'createdAt':1528293021000,'attributes':{"
             "'email':'jane@acme.com','biz_uid':'" BIZ_UID "'}}"));
  finish();
  expect_chat(0, 7, 20, "jane@acme.com");
  ck_assert_str_eq(str(0, "biz_uid"), BIZ_UID);
}
END_TEST

/* --- Shapes -------------------------------------------------------------- */

/* The API's {"data": ...} envelopes, around the conversation, its
 * messages (the messages endpoint's answer) and its contact. */
START_TEST(drift_rest_envelopes_are_accepted)
{
  feedf("{'data':{'id':7,'contactId':9,'createdAt':1528293000000,"
        "'messages':{'data':{'messages':[%s]},'pagination':{'more':false}},"
        "'contact':{'data':{'id':9,'attributes':{'biz_uid':'" BIZ_UID "'}}}}}",
        msg(7, "contact", 20, "jane@acme.com"));
  expect_chat(0, 7, 20, "jane@acme.com");
  ck_assert_str_eq(str(0, "biz_uid"), BIZ_UID);
}
END_TEST

/* CSV rows are flat: dotted column names and JSON text in cells. */
START_TEST(drift_csv_rows_are_rebuilt)
{
  feed_object(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
                        "new_message", "data.conversationId", "5",
                        "data.createdAt", "1528293020000", "data.body",
                        "Jane@Acme.com", "data.author.type", "contact",
                        "data.author.id", "9", "id", ""));
  feed_object(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "", "id", "7",
                        "contactId", "9", "createdAt", "1528293000000",
                        "messages",
                        "[{\"createdAt\":1528293030000,\"body\":\"b@acme.com\","
                        "\"author\":{\"type\":\"contact\",\"id\":9}}]",
                        "contact.attributes.biz_uid", BIZ_UID));
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 30, "b@acme.com");
  ck_assert_str_eq(str(0, "biz_uid"), BIZ_UID);
  finish();
  expect_chat(1, 5, 20, "jane@acme.com");
  ck_assert_ptr_null(tf_record_origin(tf_check_emitted_get(harness, 1)).file);
}
END_TEST

START_TEST(drift_other_webhook_events_are_counted)
{
  feed(event("conversation_status_updated",
             "{'conversationId':7,'status':'closed','changedAt':1}"));
  feed(event("button_clicked", "{'conversationId':7}"));
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  ck_assert_int_eq(tf_check_metric(harness, "events_ignored"), 2);
}
END_TEST

/* --- Dead letters ------------------------------------------------------ */

static void expect_rejected(const char *code, const char *record)
{
  size_t before = json_array_size(tf_check_rejects_json(harness));

  feed(record);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)),
                    before + 1);
  ck_assert_str_eq(reject_code(before), code);
}

START_TEST(drift_bad_records_are_dead_lettered)
{
  char rest[2048];

  expect_rejected("unknown_record", "{'hello':'world'}");
  expect_rejected("invalid_event", "{'type':'new_message','data':[1]}");
  expect_rejected("missing_conversation_id",
                  event("new_message", "{'createdAt':1528293010000}"));
  expect_rejected("invalid_id",
                  event("new_message", "{'conversationId':'abc',"
                                       "'createdAt':1528293010000}"));
  expect_rejected("invalid_timestamp",
                  event("new_message", "{'conversationId':7,"
                                       "'body':'jane@acme.com'}"));
  expect_rejected("invalid_timestamp",
                  event("new_message", "{'conversationId':7,"
                                       "'createdAt':1528293020}"));
  expect_rejected("missing_email",
                  event("contact_identified", "{'id':9,'createdAt':1528293010"
                                              "000,'attributes':{}}"));
  expect_rejected("missing_contact_id",
                  event("contact_identified",
                        "{'createdAt':1528293010000,"
                        "'attributes':{'email':'jane@acme.com'}}"));
  snprintf(rest, sizeof(rest),
           REST "'messages':[%s,{'body':'x','createdAt':'yesterday'}]}",
           msg(7, "contact", 20, "jane@acme.com"));
  expect_rejected("invalid_timestamp", rest);
  expect_rejected("invalid_message", REST "'messages':[42]}");
  expect_rejected("invalid_message", REST "'messages':'none'}");
  finish();
  ck_assert_uint_eq(chats(), 0);
  ck_assert_int_eq(tf_check_metric(harness, "contacts_without_conversation"),
                   0);
}
END_TEST

/* A rejected record leaves no trace in the state. */
START_TEST(drift_rejected_conversation_changes_nothing)
{
  feedf(REST "'messages':[%s,{'body':'x','createdAt':'yesterday'}]}",
        msg(7, "contact", 20, "jane@acme.com"));
  feedf(REST "'messages':[%s]}", msg(7, "contact", 40, "bob@acme.com"));
  ck_assert_uint_eq(chats(), 1);
  expect_chat(0, 7, 40, "bob@acme.com");
}
END_TEST

/* --- sorted_by_time --------------------------------------------------- */

/* A complete (REST) conversation `conv` whose visitor gives `email` at
 * T0 + s. */
static void feed_conversation(int conv, int s, const char *email)
{
  feedf("{'id':%d,'status':'closed','contactId':9,'createdAt':%lld,"
        "'messages':[%s]}",
        conv, T(s), msg(conv, "contact", s, email));
}

START_TEST(drift_sorted_watermark_is_the_latest_chat)
{
  start_sorted(1);
  ck_assert(drift_chat_watermark(chat) == TF_WATERMARK_UNKNOWN);
  feed_conversation(1, 20, "a@acme.com");
  ck_assert(drift_chat_watermark(chat) == T(20));
  feed_conversation(2, 40, "b@acme.com");
  ck_assert(drift_chat_watermark(chat) == T(40));
  feed_conversation(3, 30, "c@acme.com");
  ck_assert(drift_chat_watermark(chat) == T(40));
  ck_assert_uint_eq(chats(), 2);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_str_eq(reject_code(0), "out_of_order");
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(
                 json_array_get(tf_check_rejects_json(harness), 0), "message")),
             "event time 2018-06-06T13:50:30Z is before "
             "2018-06-06T13:50:40Z"));
  ck_assert_int_eq(tf_check_metric(harness, "out_of_order"), 1);
  finish();
  ck_assert(drift_chat_watermark(chat) == T(40));
}
END_TEST

START_TEST(drift_unsorted_promises_nothing)
{
  start_sorted(0);
  feed_conversation(1, 40, "a@acme.com");
  feed_conversation(2, 20, "b@acme.com");
  ck_assert(drift_chat_watermark(chat) == TF_WATERMARK_UNKNOWN);
  finish();
  ck_assert(drift_chat_watermark(chat) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(chats(), 2);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* The chat of a webhook conversation waits for the end of input: until the
 * source is done the watermark stays where it was when the conversation
 * opened, and that chat is checked against it, not against the chats of
 * conversation records emitted meanwhile.  Once the last of them went
 * out the watermark moves on to the latest chat. */
START_TEST(drift_sorted_open_conversation_holds_the_watermark)
{
  size_t n = 0;

  start_sorted(1);
  feed_conversation(1, 10, "a@acme.com");
  feed(event("new_message", msg(5, "contact", 20, "e@acme.com")));
  ck_assert(drift_chat_watermark(chat) == T(10));
  feed_conversation(2, 40, "b@acme.com");
  ck_assert(drift_chat_watermark(chat) == T(10));
  feed(event("new_message", msg(6, "contact", 50, "f@acme.com")));
  ck_assert(drift_chat_watermark(chat) == T(10));
  ck_assert_int_eq(drift_chat_finish(chat), TF_OK);
  ck_assert(drift_chat_watermark(chat) == T(10));
  ck_assert_int_eq(drift_chat_drain(chat, 1, &n), TF_MORE);
  ck_assert(drift_chat_watermark(chat) == T(10));
  ck_assert_int_eq(drift_chat_drain(chat, 1, &n), TF_DONE);
  /* Every chat went out: nothing is held back any more. */
  ck_assert(drift_chat_watermark(chat) == T(50));
  ck_assert_uint_eq(chats(), 4);
  expect_chat(2, 5, 20, "e@acme.com");
  expect_chat(3, 6, 50, "f@acme.com");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
}
END_TEST

/* A conversation record closes the webhook conversation held since 20s,
 * after the chat of another one at 40s went out: its chat is not out of
 * order, and with nothing held the watermark moves on to the latest chat. */
START_TEST(drift_sorted_conversation_record_closes_a_held_one)
{
  start_sorted(1);
  feed_conversation(1, 10, "a@acme.com");
  feed(event("new_message", msg(5, "contact", 20, "e@acme.com")));
  feed_conversation(2, 40, "b@acme.com");
  ck_assert(drift_chat_watermark(chat) == T(10));
  feed_conversation(5, 50, "e@acme.com");
  ck_assert_uint_eq(chats(), 3);
  expect_chat(2, 5, 20, "e@acme.com");
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  ck_assert(drift_chat_watermark(chat) == T(40));
}
END_TEST

/* A conversation record closes a webhook conversation: nothing is held any
 * more and the watermark moves on to the latest chat. */
START_TEST(drift_sorted_closed_conversation_releases_the_watermark)
{
  start_sorted(1);
  feed_conversation(1, 10, "a@acme.com");
  feed(event("new_message", msg(5, "contact", 20, "e@acme.com")));
  ck_assert(drift_chat_watermark(chat) == T(10));
  feed_conversation(5, 30, "e@acme.com");
  ck_assert(drift_chat_watermark(chat) == T(20));
  expect_chat(1, 5, 20, "e@acme.com");
}
END_TEST

/* A held chat before the watermark given while it was held came out of an
 * input that was not sorted: it is dead-lettered. */
START_TEST(drift_sorted_held_chat_before_the_watermark_is_out_of_order)
{
  start_sorted(1);
  feed_conversation(1, 30, "a@acme.com");
  feed(event("new_message", msg(5, "contact", 20, "e@acme.com")));
  ck_assert(drift_chat_watermark(chat) == T(30));
  finish();
  ck_assert_uint_eq(chats(), 1);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  ck_assert_str_eq(reject_code(0), "out_of_order");
  ck_assert(drift_chat_watermark(chat) == T(30));
}
END_TEST

static Suite *chat_suite(void)
{
  Suite *s = suite_create("drift_chat");
  TCase *tc = tcase_create("core");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, drift_rule_1_email_in_html_body_makes_the_chat);
  tcase_add_test(tc, drift_rule_1_agent_and_bot_messages_do_not_count);
  tcase_add_test(tc, drift_rule_1_first_contact_message_with_email_wins);
  tcase_add_test(tc, drift_rule_1_contact_identified_dates_the_chat);
  tcase_add_test(tc, drift_rule_1_playbook_goal_takes_latest_message_before_it);
  tcase_add_test(tc,
                 drift_rule_1_playbook_goal_without_messages_is_no_timestamp);
  tcase_add_test(tc, drift_rule_1_playbook_goal_without_email_gives_none);
  tcase_add_test(tc, drift_rule_1_no_email_no_chat);
  tcase_add_test(tc, drift_rule_1_earliest_of_several_moments_wins);
  tcase_add_test(tc, drift_rule_1_embedded_contact_created_at_is_no_moment);
  tcase_add_test(tc,
                 drift_rule_1_identification_belongs_to_running_conversation);
  tcase_add_test(tc,
                 drift_rule_1_identification_without_conversation_is_counted);
  tcase_add_test(tc, drift_rule_1_one_chat_per_conversation);
  tcase_add_test(tc,
                 drift_rule_1_webhooks_before_the_conversation_record_merge);
  tcase_add_test(tc, drift_rule_1_open_chats_go_out_earliest_first);
  tcase_add_test(tc, drift_rule_2_chat_disabled_makes_no_chat);
  tcase_add_test(tc, drift_bizible_id_from_contact_attribute);
  tcase_add_test(tc, drift_bizible_id_absent_is_null);
  tcase_add_test(tc, drift_bizible_id_custom_attribute_name);
  tcase_add_test(tc, drift_bizible_id_invalid_is_null_and_counted);
  tcase_add_test(tc, drift_bizible_id_from_identified_contact_for_webhooks);
  tcase_add_test(tc, drift_rest_envelopes_are_accepted);
  tcase_add_test(tc, drift_csv_rows_are_rebuilt);
  tcase_add_test(tc, drift_other_webhook_events_are_counted);
  tcase_add_test(tc, drift_bad_records_are_dead_lettered);
  tcase_add_test(tc, drift_rejected_conversation_changes_nothing);
  tcase_add_test(tc, drift_sorted_watermark_is_the_latest_chat);
  tcase_add_test(tc, drift_unsorted_promises_nothing);
  tcase_add_test(tc, drift_sorted_open_conversation_holds_the_watermark);
  tcase_add_test(tc, drift_sorted_closed_conversation_releases_the_watermark);
  tcase_add_test(tc, drift_sorted_conversation_record_closes_a_held_one);
  tcase_add_test(tc,
                 drift_sorted_held_chat_before_the_watermark_is_out_of_order);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(chat_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
