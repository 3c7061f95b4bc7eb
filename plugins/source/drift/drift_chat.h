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
#include <touchflow/record.h>
#include <touchflow/timeorder.h>

typedef struct drift_chat drift_chat;

typedef struct drift_chat_options {
  int chat_enabled;                 /* 0: count chats instead of emitting */
  const char *bizible_id_attribute; /* contact attribute; copied */
  tf_time_order *order; /* borrowed, must outlive it; NULL: no check */
} drift_chat_options;

/* A new, empty drift_chat in *out.  TF_OK, TF_ERR_INVAL or TF_ERR_NOMEM. */
int drift_chat_new(tf_ctx *ctx, const tf_host *host,
                   const drift_chat_options *options, drift_chat **out);

/* Takes one input record into account: emits, rejects or counts.  Returns
 * TF_OK, or a negative code when memory runs out or the host refuses an
 * emitted or rejected record (the source must then fail). */
int drift_chat_handle(drift_chat *chat, const tf_record *rec);

/* End of input: decides every open conversation, queues its chat for
 * drift_chat_drain and frees the per-conversation state.  Harmless when
 * called again.  TF_OK or TF_ERR_NOMEM. */
int drift_chat_finish(drift_chat *chat);

/* Emits up to max queued chats; adds their number to *emitted.  Returns
 * TF_DONE when none is left, TF_MORE when some are, or a negative code
 * from host->emit. */
int drift_chat_drain(drift_chat *chat, size_t max, size_t *emitted);

/* The number of chats emitted so far (by drift_chat_handle and
 * drift_chat_drain), counting those the order check dead-lettered. */
size_t drift_chat_emitted(const drift_chat *chat);

/* The watermark of the chats emitted so far and still to come (see above):
 * TF_WATERMARK_UNKNOWN without an order check that is on. */
int64_t drift_chat_watermark(const drift_chat *chat);

/* Frees everything, including queued chats not emitted.  NULL-safe. */
void drift_chat_free(drift_chat *chat);

#endif
