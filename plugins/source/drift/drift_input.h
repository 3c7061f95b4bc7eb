/*
 * drift_input.h - reading the Drift shapes of docs/formats.md#drift out of
 * input records: conversations (bare or in the REST {"data": ...} envelope,
 * with their messages and contact), messages, contacts and webhook events.
 *
 * Every function borrows the JSON it is given; returned JSON is borrowed
 * from it.  CSV input is flat: drift_input_normalize rebuilds the nesting
 * from dotted column names ("data.author.type") and from cells holding
 * JSON text (a "messages" column with the JSON array).  Ids and times may
 * be JSON numbers or numeric strings; an empty string counts as absent
 * (tf_field_is_unset of fields.h, which also reads the times).
 */
#ifndef DRIFT_INPUT_H
#define DRIFT_INPUT_H

#include <stdint.h>
#include <jansson.h>

/* When obj needs rebuilding (it has dotted keys or structured fields held
 * as JSON text), stores a new object the caller owns in *owned; otherwise
 * stores NULL and obj is to be used as it is.  TF_OK or TF_ERR_NOMEM. */
int drift_input_normalize(const json_t *obj, json_t **owned);

/* A Drift id (a non-negative integer, or a string of digits).  TF_OK,
 * TF_ERR_NOTFOUND (NULL, null or "") or TF_ERR_PARSE. */
int drift_input_id(const json_t *value, int64_t *id);

/* The webhook event type of a record ("new_message", ...), or NULL when
 * the record is not a webhook event (no non-empty string "type"). */
const char *drift_input_event_type(const json_t *obj);

/* The conversation object of a record that is one (bare, or under "data"
 * without a webhook "type"): it has an "id" and no "conversationId".
 * NULL otherwise. */
const json_t *drift_input_conversation(const json_t *obj);

/* The messages of a conversation: its "messages" array, or the array in
 * {"messages": [...]} or {"data": {"messages": [...]}} (the messages
 * endpoint's answer).  NULL when it has none. */
const json_t *drift_input_messages(const json_t *conv);

/* The contact embedded in a conversation ("contact", bare or under
 * "data"), or NULL. */
const json_t *drift_input_contact(const json_t *conv);

/* 1 when the message was written by the visitor: author type "contact"
 * or "end_user" (also "end user", "enduser"; any case). */
int drift_input_by_contact(const json_t *message);

/* The first plausible email address in a string value (lowercased, new,
 * the caller frees it).  TF_OK, TF_ERR_NOTFOUND (no string, no address)
 * or TF_ERR_NOMEM. */
int drift_input_email(const json_t *value, char **email);

/* The BizibleId in contact.attributes.<attribute>: exactly 32 hex digits
 * (no spaces around), returned lowercased in a new string.  TF_OK (*biz_uid is
 * NULL when the attribute is absent, null or empty), TF_ERR_PARSE (present
 * but not a BizibleId) or TF_ERR_NOMEM. */
int drift_input_biz_uid(const json_t *contact, const char *attribute,
                        char **biz_uid);

#endif
