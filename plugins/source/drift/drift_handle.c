/*
 * drift_handle.c - reading each kind of Drift record into the drift_chat
 * state: conversations (REST shape, complete: their chat is decided at
 * once), and the webhook events new_conversation, new_message,
 * contact_identified and playbook_goal_met.  Other webhook events make no
 * chat and are counted.  A record is checked whole before it changes the
 * state, so a rejected record leaves no trace.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/fields.h>
#include <touchflow/record_json.h>
#include "drift_input.h"
#include "drift_state.h"

/* Returned inside this file when the record was dead-lettered. */
#define REJECTED 2

/* --- Checked reads ------------------------------------------------------ */

/* The id in obj.field: TF_OK, REJECTED (absent: `missing_code`; not an
 * id: invalid_id) or an error from the host. */
static int need_id(drift_chat *chat, const tf_record *rec, const json_t *obj,
                   const char *field, const char *missing_code, int64_t *id)
{
  int rc = drift_input_id(json_object_get(obj, field), id);

  if (rc == TF_OK)
    return TF_OK;
  if (rc == TF_ERR_NOTFOUND)
    rc =
        drift_state_reject(chat, rec, missing_code, "\"%s\" is missing", field);
  else
    rc = drift_state_reject(chat, rec, "invalid_id", "\"%s\" is not a Drift id",
                            field);
  return rc == TF_OK ? REJECTED : rc;
}

/* Like need_id for an optional field: *has says whether it was there. */
static int optional_id(drift_chat *chat, const tf_record *rec,
                       const json_t *obj, const char *field, int64_t *id,
                       int *has)
{
  *has = !tf_field_is_unset(json_object_get(obj, field));
  return *has ? need_id(chat, rec, obj, field, "invalid_id", id) : TF_OK;
}

/* The time in obj.field (`where` names obj in the message). */
static int need_time(drift_chat *chat, const tf_record *rec, const json_t *obj,
                     const char *where, int64_t *ms)
{
  int rc = tf_field_epoch_time(json_object_get(obj, "createdAt"),
                               TF_EPOCH_MILLISECONDS, ms);

  if (rc == TF_OK)
    return TF_OK;
  rc = drift_state_reject(
      chat, rec, "invalid_timestamp", "%s: createdAt is %s", where,
      rc == TF_ERR_NOTFOUND ? "missing" : "not epoch milliseconds");
  return rc == TF_OK ? REJECTED : rc;
}

static int optional_time(drift_chat *chat, const tf_record *rec,
                         const json_t *obj, const char *where, int64_t *ms,
                         int *has)
{
  *has = !tf_field_is_unset(json_object_get(obj, "createdAt"));
  return *has ? need_time(chat, rec, obj, where, ms) : TF_OK;
}

/* --- Conversations ------------------------------------------------------ */

/* What a conversation record holds, checked. */
typedef struct conv_facts {
  int64_t id;
  int has_created, has_contact_id;
  int64_t created, contact_id;
  const json_t *messages; /* array or NULL */
  const json_t *contact;  /* object or NULL */
} conv_facts;

static int check_messages(drift_chat *chat, const tf_record *rec,
                          const json_t *conv, conv_facts *f)
{
  const json_t *msg;
  size_t i;
  int64_t ts;
  char where[48];
  int rc;

  f->messages = drift_input_messages(conv);
  if (!f->messages && !tf_field_is_unset(json_object_get(conv, "messages"))) {
    rc = drift_state_reject(chat, rec, "invalid_message",
                            "\"messages\" is neither an array of messages "
                            "nor a messages response");
    return rc == TF_OK ? REJECTED : rc;
  }
  json_array_foreach (f->messages, i, msg) {
    snprintf(where, sizeof(where), "messages[%zu]", i);
    if (!json_is_object(msg)) {
      rc = drift_state_reject(chat, rec, "invalid_message",
                              "%s is not an object", where);
      return rc == TF_OK ? REJECTED : rc;
    }
    rc = need_time(chat, rec, msg, where, &ts);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

static int check_conversation(drift_chat *chat, const tf_record *rec,
                              const json_t *conv, conv_facts *f)
{
  int rc;

  memset(f, 0, sizeof(*f));
  rc = need_id(chat, rec, conv, "id", "missing_conversation_id", &f->id);
  if (rc == TF_OK)
    rc = optional_time(chat, rec, conv, "conversation", &f->created,
                       &f->has_created);
  if (rc == TF_OK)
    rc = optional_id(chat, rec, conv, "contactId", &f->contact_id,
                     &f->has_contact_id);
  if (rc == TF_OK)
    rc = check_messages(chat, rec, conv, f);
  f->contact = drift_input_contact(conv);
  return rc;
}

static int apply_message(drift_chat *chat, drift_conv *conv, const json_t *msg,
                         const drift_origin *origin)
{
  char *email;
  int64_t ts, author;
  int rc;

  if (tf_field_epoch_time(json_object_get(msg, "createdAt"),
                          TF_EPOCH_MILLISECONDS, &ts) != TF_OK)
    return TF_OK;
  drift_state_message_time(conv, ts);
  if (!drift_input_by_contact(msg))
    return TF_OK;
  if (!conv->has_contact &&
      drift_input_id(json_object_get(json_object_get(msg, "author"), "id"),
                     &author) == TF_OK) {
    conv->has_contact = 1;
    conv->contact_id = author;
  }
  rc = drift_input_email(json_object_get(msg, "body"), &email);
  if (rc != TF_OK)
    return rc == TF_ERR_NOTFOUND ? TF_OK : rc;
  rc = drift_state_offer(&conv->moment, ts, email, origin);
  free(email);
  return rc;
}

/* The BizibleId of a contact into *slot (kept when the contact has none). */
static int read_biz_uid(drift_chat *chat, const json_t *contact, char **slot)
{
  char *biz_uid;
  int rc = drift_input_biz_uid(contact, chat->biz_attribute, &biz_uid);

  if (rc == TF_ERR_PARSE) {
    chat->host->metric(chat->ctx, "invalid_bizible_id", 1);
    return TF_OK;
  }
  if (rc == TF_OK && biz_uid) {
    free(*slot);
    *slot = biz_uid;
  }
  return rc;
}

/* The embedded contact gives the BizibleId and the contact id.  Its
 * createdAt is not a moment: Drift creates the contact when the visitor
 * starts chatting, before any email is given. */
static int apply_contact(drift_chat *chat, drift_conv *conv,
                         const json_t *contact)
{
  int64_t id;

  if (!conv->has_contact &&
      drift_input_id(json_object_get(contact, "id"), &id) == TF_OK) {
    conv->has_contact = 1;
    conv->contact_id = id;
  }
  return read_biz_uid(chat, contact, &conv->biz_uid);
}

static int apply_conversation(drift_chat *chat, drift_conv *conv,
                              const conv_facts *f, const drift_origin *origin)
{
  const json_t *msg;
  size_t i;
  int rc = TF_OK;

  if (f->has_created && (!conv->has_start || f->created < conv->start)) {
    conv->has_start = 1;
    conv->start = f->created;
  }
  if (f->has_contact_id) {
    conv->has_contact = 1;
    conv->contact_id = f->contact_id;
  }
  json_array_foreach (f->messages, i, msg) {
    rc = apply_message(chat, conv, msg, origin);
    if (rc != TF_OK)
      return rc;
  }
  return f->contact ? apply_contact(chat, conv, f->contact) : TF_OK;
}

/* 1 (and counted) when the conversation's chat already went out. */
static int after_chat(drift_chat *chat, int64_t id)
{
  const drift_conv *conv = drift_map_get(&chat->convs, id);

  if (!conv || !conv->emitted)
    return 0;
  chat->host->metric(chat->ctx, "records_after_chat", 1);
  return 1;
}

/* A conversation record (complete: REST) or a new_conversation event. */
static int on_conversation(drift_chat *chat, const tf_record *rec,
                           const json_t *json, int complete)
{
  conv_facts f;
  drift_origin origin;
  drift_conv *conv;
  int rc = check_conversation(chat, rec, json, &f);

  if (rc != TF_OK || after_chat(chat, f.id))
    return rc;
  rc = drift_state_origin(chat, rec, &origin);
  if (rc != TF_OK)
    return rc;
  conv = drift_state_conv(chat, f.id);
  if (!conv)
    return TF_ERR_NOMEM;
  rc = apply_conversation(chat, conv, &f, &origin);
  if (rc == TF_OK && complete)
    rc = drift_state_close(chat, conv);
  return rc;
}

/* --- Webhook events ------------------------------------------------------ */

static int on_message(drift_chat *chat, const tf_record *rec, const json_t *msg)
{
  drift_origin origin;
  drift_conv *conv;
  int64_t id, ts;
  int rc =
      need_id(chat, rec, msg, "conversationId", "missing_conversation_id", &id);

  if (rc == TF_OK)
    rc = need_time(chat, rec, msg, "new_message", &ts);
  if (rc != TF_OK || after_chat(chat, id))
    return rc;
  rc = drift_state_origin(chat, rec, &origin);
  if (rc != TF_OK)
    return rc;
  conv = drift_state_conv(chat, id);
  return conv ? apply_message(chat, conv, msg, &origin) : TF_ERR_NOMEM;
}

static int on_contact_identified(drift_chat *chat, const tf_record *rec,
                                 const json_t *contact)
{
  drift_origin origin;
  drift_contact *c;
  char *email = NULL;
  int64_t id, ts;
  int rc = need_id(chat, rec, contact, "id", "missing_contact_id", &id);

  if (rc == TF_OK)
    rc = need_time(chat, rec, contact, "contact_identified", &ts);
  if (rc == TF_OK)
    rc = drift_input_email(
        json_object_get(json_object_get(contact, "attributes"), "email"),
        &email);
  if (rc == TF_ERR_NOTFOUND) {
    rc = drift_state_reject(chat, rec, "missing_email",
                            "contact_identified for contact %" PRId64
                            " has no email address in attributes.email",
                            id);
    return rc == TF_OK ? REJECTED : rc;
  }
  if (rc == TF_OK)
    rc = drift_state_origin(chat, rec, &origin);
  c = rc == TF_OK ? drift_state_contact(chat, id) : NULL;
  if (rc == TF_OK && !c)
    rc = TF_ERR_NOMEM;
  if (rc == TF_OK)
    rc = read_biz_uid(chat, contact, &c->biz_uid);
  if (rc == TF_OK)
    rc = drift_state_offer(&c->identified, ts, email, &origin);
  free(email);
  return rc;
}

/* The email of a playbook goal, or REJECTED after counting a goal met
 * without one. */
static int playbook_email(drift_chat *chat, const json_t *goal, char **email)
{
  int rc = drift_input_email(json_object_get(goal, "contactEmail"), email);

  if (rc != TF_ERR_NOTFOUND)
    return rc;
  chat->host->metric(chat->ctx, "playbook_goals_without_email", 1);
  return REJECTED;
}

/* A goal met: the email is known since the latest message seen before. */
static int playbook_moment(drift_chat *chat, const tf_record *rec,
                           drift_conv *conv, const char *email)
{
  drift_origin origin;
  int rc;

  if (!conv->has_last) {
    conv->email_without_time = 1;
    return drift_state_reject(
        chat, rec, "no_timestamp",
        "Drift chat rule 1: playbook_goal_met for conversation %" PRId64
        ": no message of that conversation came before it, so when the "
        "email was given is unknown",
        conv->id);
  }
  rc = drift_state_origin(chat, rec, &origin);
  return rc == TF_OK
             ? drift_state_offer(&conv->moment, conv->last, email, &origin)
             : rc;
}

static int on_playbook(drift_chat *chat, const tf_record *rec,
                       const json_t *goal)
{
  drift_conv *conv;
  char *email = NULL;
  int64_t id, contact_id;
  int has_contact, rc;

  rc = need_id(chat, rec, goal, "conversationId", "missing_conversation_id",
               &id);
  if (rc == TF_OK)
    rc = optional_id(chat, rec, goal, "contactId", &contact_id, &has_contact);
  if (rc != TF_OK || after_chat(chat, id))
    return rc;
  rc = playbook_email(chat, goal, &email);
  if (rc != TF_OK)
    return rc;
  conv = drift_state_conv(chat, id);
  if (conv && has_contact && !conv->has_contact) {
    conv->has_contact = 1;
    conv->contact_id = contact_id;
  }
  rc = conv ? playbook_moment(chat, rec, conv, email) : TF_ERR_NOMEM;
  free(email);
  return rc;
}

/* The webhook event types on_event reads; every other type is counted as
 * events_ignored. */
static const char *const used_events[] = {"new_conversation", "new_message",
                                          "contact_identified",
                                          "playbook_goal_met"};

int drift_chat_event_used(const char *type)
{
  size_t i;

  for (i = 0; i < sizeof(used_events) / sizeof(used_events[0]); i++)
    if (strcmp(type, used_events[i]) == 0)
      return 1;
  return 0;
}

static int on_event(drift_chat *chat, const tf_record *rec, const char *type,
                    const json_t *data)
{
  int rc;

  if (!json_is_object(data)) {
    rc = drift_state_reject(chat, rec, "invalid_event",
                            "webhook event \"%s\": \"data\" is not an object",
                            type);
    return rc == TF_OK ? REJECTED : rc;
  }
  if (strcmp(type, "new_conversation") == 0)
    return on_conversation(chat, rec, data, 0);
  if (strcmp(type, "new_message") == 0)
    return on_message(chat, rec, data);
  if (strcmp(type, "contact_identified") == 0)
    return on_contact_identified(chat, rec, data);
  if (strcmp(type, "playbook_goal_met") == 0)
    return on_playbook(chat, rec, data);
  chat->host->metric(chat->ctx, "events_ignored", 1);
  return TF_OK;
}

/* --- Entry --------------------------------------------------------------- */

static int handle_json(drift_chat *chat, const tf_record *rec,
                       const json_t *obj)
{
  const char *type = drift_input_event_type(obj);
  const json_t *conv;
  int rc;

  if (type)
    return on_event(chat, rec, type, json_object_get(obj, "data"));
  conv = drift_input_conversation(obj);
  if (conv)
    return on_conversation(chat, rec, conv, 1);
  rc = drift_state_reject(chat, rec, "unknown_record",
                          "neither a Drift conversation (\"id\" with "
                          "messages, contactId or contact) nor a webhook "
                          "event (\"type\" and \"data\")");
  return rc == TF_OK ? REJECTED : rc;
}

int drift_chat_handle(drift_chat *chat, const tf_record *rec)
{
  const json_t *obj = tf_record_json(rec);
  json_t *owned;
  int rc;

  if (!json_is_object(obj)) {
    rc = drift_state_reject(chat, rec, "unknown_record",
                            "the record holds no JSON object");
    return rc;
  }
  rc = drift_input_normalize(obj, &owned);
  if (rc != TF_OK)
    return rc;
  rc = handle_json(chat, rec, owned ? owned : obj);
  json_decref(owned);
  return rc == REJECTED ? TF_OK : rc;
}
