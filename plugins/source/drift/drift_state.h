/*
 * drift_state.h - the state drift_chat keeps between records, shared by
 * drift_chat.c (the state, chat events, the end of input) and
 * drift_handle.c (reading each kind of record into the state).  Private to
 * the drift plugin.
 */
#ifndef DRIFT_STATE_H
#define DRIFT_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "drift_chat.h"
#include "drift_map.h"

/* Where a moment was read: an index into drift_chat.files and a line. */
typedef struct drift_origin {
  size_t file; /* NO_FILE when unknown */
  long line;
} drift_origin;

#define DRIFT_NO_FILE ((size_t)-1)

/* The earliest moment an email became known, and that email. */
typedef struct drift_moment {
  int set;
  int64_t ts;
  char *email;
  drift_origin origin;
} drift_moment;

typedef struct drift_conv {
  int64_t id;
  int emitted; /* its chat went out: later records about it are ignored */
  int has_contact;
  int64_t contact_id;
  int has_start; /* start: the earliest of createdAt and message times */
  int64_t start;
  int has_last; /* last: the latest message time seen so far */
  int64_t last;
  int email_without_time; /* a playbook goal dead-lettered no_timestamp */
  char *biz_uid;          /* from the contact embedded in a conversation */
  drift_moment moment;
} drift_conv;

/* A contact seen in a contact_identified event. */
typedef struct drift_contact {
  char *biz_uid;
  drift_moment identified;
  int has_match; /* the conversation the identification belongs to */
  int64_t match_id;
  int64_t match_start;
} drift_contact;

/* A chat decided at the end of input, waiting for drift_chat_drain. */
typedef struct drift_pending {
  int64_t ts;
  int64_t id;
  tf_record *rec;
} drift_pending;

struct drift_chat {
  tf_ctx *ctx;
  const tf_host *host;
  tf_time_order *order; /* borrowed; NULL: chats are emitted unchecked */
  size_t open;          /* conversations in convs whose chat is undecided */
  int chat_enabled;
  char *biz_attribute;
  drift_map convs;    /* id -> drift_conv */
  drift_map contacts; /* id -> drift_contact */
  char **files;       /* input file names seen, for origins */
  size_t nfiles;
  int finished; /* the end of input was reached: chats are pending */
  drift_pending *pending;
  size_t npending, next_pending;
  size_t emitted;
};

/* The index of a file name in chat->files, added when new.  TF_OK or
 * TF_ERR_NOMEM. */
int drift_state_intern(drift_chat *chat, const char *name, size_t *index);

/* A record of event (stolen) carrying origin o.  NULL on ENOMEM. */
tf_record *drift_state_record(const drift_chat *chat, json_t *event,
                              const drift_origin *o);

/* Free a drift_conv or a drift_contact (map values) and what it owns. */
void drift_state_free_conv(void *value);
void drift_state_free_contact(void *value);

/* The origin of rec in *origin (its file name interned).  TF_OK or
 * TF_ERR_NOMEM. */
int drift_state_origin(drift_chat *chat, const tf_record *rec,
                       drift_origin *origin);

/* Makes (ts, email) the moment when it is earlier than what m holds.
 * email is copied.  TF_OK or TF_ERR_NOMEM. */
int drift_state_offer(drift_moment *m, int64_t ts, const char *email,
                      const drift_origin *origin);

/* The open conversation `id`, made empty when new.  NULL on ENOMEM. */
drift_conv *drift_state_conv(drift_chat *chat, int64_t id);

/* The contact `id`, made empty when new.  NULL on ENOMEM. */
drift_contact *drift_state_contact(drift_chat *chat, int64_t id);

/* Widens the conversation's message times with ts. */
void drift_state_message_time(drift_conv *conv, int64_t ts);

/* The end of a complete conversation: emits its chat (then only its id is
 * kept) or counts it without email (then it is forgotten). */
int drift_state_close(drift_chat *chat, drift_conv *conv);

/* Dead-letters rec with a code and a printf-style message. */
int drift_state_reject(drift_chat *chat, const tf_record *rec, const char *code,
                       const char *fmt, ...) TF_PRINTF(4, 5);

#endif
