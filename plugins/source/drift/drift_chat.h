/*
 * drift_chat.h - docs/attribution-rules.md#drift-chat-rule-1 over a stream of
 * Drift records: which conversations make a `chat` event and when.
 *
 * A drift_chat keeps per-conversation state across records.  Feed it every
 * input record with drift_chat_handle(): a conversation record (the REST
 * shape, complete with its messages and contact) makes its chat at once;
 * webhook events only add to the state of their conversation.  At the end
 * of input drift_chat_finish() decides every conversation still open, and
 * drift_chat_drain() emits those chats, earliest first, a bounded number
 * per call.  Chats go out through the source's event-time order check
 * (timeorder.h: with sorted_by_time a chat before an earlier one is
 * dead-lettered as out_of_order), bad records through host->reject,
 * counters through host->metric.
 *
 * drift_chat_watermark() is the watermark of the chats: the latest chat
 * time, except that while conversations are open (a webhook conversation's
 * chat waits for a conversation record or the end of input) it stays at
 * what it was when the first of them opened (tf_time_order_hold), and
 * chats are checked against that value instead of the latest chat: a chat
 * held back by the source is not out of order in the input.
 *
 * ctx and host are borrowed and must outlive the drift_chat; records
 * handed to drift_chat_handle are borrowed.
 */
#ifndef DRIFT_CHAT_H
#define DRIFT_CHAT_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/host.h>
#include <touchflow/plugin.h>
#include <touchflow/record.h>
#include <touchflow/timeorder.h>

typedef struct drift_chat drift_chat;

typedef struct drift_chat_options {
  int chat_enabled;                 /* 0: count chats instead of emitting */
  const char *bizible_id_attribute; /* contact attribute; copied */
  tf_time_order *order; /* borrowed, must outlive it; NULL: no check */
} drift_chat_options;

/* Fills options from a stage's config (chat_enabled and
 * bizible_id_attribute, drift's own options or DRIFT_CHAT_OPTIONS); order
 * is borrowed (NULL: no check). */
void drift_chat_options_read(const tf_config *cfg, tf_time_order *order,
                             drift_chat_options *options);

/* The check() part of those options: bizible_id_attribute must not be
 * empty.  TF_OK, or TF_ERR_CONFIG after problem(). */
int drift_chat_options_check(const tf_config *cfg, tf_problem_fn problem,
                             void *ud);

/* The option-table entries (touchflow/options.h) of chat_enabled and
 * bizible_id_attribute for the sources that reuse drift's chat rules
 * (drift_api, drift_webhook), whose drift_chat_options they fill. */
#define DRIFT_CHAT_OPTIONS                                                     \
  {"chat_enabled",                                                             \
   TF_OPT_BOOL,                                                                \
   "true",                                                                     \
   0,                                                                          \
   0,                                                                          \
   0,                                                                          \
   NULL,                                                                       \
   "As in the drift source: false counts chats instead of emitting them."},    \
  {                                                                            \
    "bizible_id_attribute", TF_OPT_STRING, "biz_uid", 0, 0, 0, NULL,           \
        "The contact attribute (contact.attributes.<name>) holding the "       \
        "BizibleId, as in the drift source."                                   \
  }

/* A new, empty drift_chat in *out.  TF_OK, TF_ERR_INVAL or TF_ERR_NOMEM. */
int drift_chat_new(tf_ctx *ctx, const tf_host *host,
                   const drift_chat_options *options, drift_chat **out);

/* Takes one input record into account: emits, rejects or counts.  Returns
 * TF_OK, or a negative code when memory runs out or the host refuses an
 * emitted or rejected record (the source must then fail). */
int drift_chat_handle(drift_chat *chat, const tf_record *rec);

/* End of input: decides every open conversation, queues its chat for
 * drift_chat_drain and frees the per-conversation state but the ids of
 * the conversations whose chat went out.  Harmless when called again
 * before the drain ends.  TF_OK or TF_ERR_NOMEM. */
int drift_chat_finish(drift_chat *chat);

/* Emits up to max queued chats; adds their number to *emitted.  Returns
 * TF_DONE when none is left, TF_MORE when some are, or a negative code
 * from host->emit.  With none left the state is ready for more input (an
 * incremental run): nothing open, nothing held back, and only the ids of
 * the conversations whose chat went out remembered. */
int drift_chat_drain(drift_chat *chat, size_t max, size_t *emitted);

/* 1 between drift_chat_finish and the drift_chat_drain that returned
 * TF_DONE: the input is over and chats are waiting to go out. */
int drift_chat_draining(const drift_chat *chat);

/* Adds the state (open conversations, identified contacts, the ids of
 * the conversations whose chat went out, chats waiting to go out) to a
 * resume position, an object the caller owns (drift_position.c).  TF_OK
 * or TF_ERR_NOMEM. */
int drift_chat_save(const drift_chat *chat, json_t *position);

/* A source's position() made of its own members in position (a new
 * object, stolen; NULL when it could not be made) and rc (TF_OK, or the
 * error met while filling it): with drift_chat_save added, in *out.
 * TF_OK, or rc / TF_ERR_NOMEM with position freed. */
int drift_chat_position(const drift_chat *chat, json_t *position, int rc,
                        json_t **out);

/* Puts a new drift_chat in the state saved by drift_chat_save in position
 * (borrowed).  The order check must already hold what was saved with it
 * (the watermark of a hold: tf_time_order_restore).  TF_OK, TF_ERR_NOMEM,
 * or TF_ERR_INVAL after logging what is wrong with the position. */
int drift_chat_load(drift_chat *chat, const json_t *position);

/* The number of chats emitted so far (by drift_chat_handle and
 * drift_chat_drain), counting those the order check dead-lettered. */
size_t drift_chat_emitted(const drift_chat *chat);

/* The watermark of the chats emitted so far and still to come (see above):
 * TF_WATERMARK_UNKNOWN without an order check that is on. */
int64_t drift_chat_watermark(const drift_chat *chat);

/* 1 when a webhook event of this type can make or feed a chat
 * (new_conversation, new_message, contact_identified, playbook_goal_met);
 * 0 for the types drift_chat_handle only counts as events_ignored. */
int drift_chat_event_used(const char *type);

/* Frees everything, including queued chats not emitted.  NULL-safe. */
void drift_chat_free(drift_chat *chat);

#endif
