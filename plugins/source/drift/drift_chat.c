/*
 * drift_chat.c - the state behind docs/attribution-rules.md#drift-chat-rule-1:
 * open conversations and identified contacts, the earliest moment of each,
 * building `chat` events (docs/events.md) and deciding what is still open
 * at the end of input.  Reading the records themselves is drift_handle.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/plugin.h>
#include <touchflow/event.h>
#include <touchflow/record_json.h>
#include "drift_state.h"

/* --- Lifetime ---------------------------------------------------------- */

int drift_chat_new(tf_ctx *ctx, const tf_host *host,
                   const drift_chat_options *options, drift_chat **out)
{
  drift_chat *chat;

  *out = NULL;
  if (!host || !options || !options->bizible_id_attribute)
    return TF_ERR_INVAL;
  chat = calloc(1, sizeof(*chat));
  if (!chat)
    return TF_ERR_NOMEM;
  chat->biz_attribute = strdup(options->bizible_id_attribute);
  if (!chat->biz_attribute) {
    free(chat);
    return TF_ERR_NOMEM;
  }
  chat->ctx = ctx;
  chat->host = host;
  chat->order = options->order;
  chat->chat_enabled = options->chat_enabled;
  *out = chat;
  return TF_OK;
}

void drift_state_free_conv(void *value)
{
  drift_conv *conv = value;

  free(conv->biz_uid);
  free(conv->moment.email);
  free(conv);
}

void drift_state_free_contact(void *value)
{
  drift_contact *contact = value;

  free(contact->biz_uid);
  free(contact->identified.email);
  free(contact);
}

static void free_state(drift_chat *chat)
{
  drift_map_free(&chat->convs, drift_state_free_conv);
  drift_map_free(&chat->contacts, drift_state_free_contact);
}

void drift_chat_free(drift_chat *chat)
{
  size_t i;

  if (!chat)
    return;
  free_state(chat);
  for (i = chat->next_pending; i < chat->npending; i++)
    tf_record_unref(chat->pending[i].rec);
  free(chat->pending);
  for (i = 0; i < chat->nfiles; i++)
    free(chat->files[i]);
  free(chat->files);
  free(chat->biz_attribute);
  free(chat);
}

int drift_chat_draining(const drift_chat *chat)
{
  return chat->finished;
}

size_t drift_chat_emitted(const drift_chat *chat)
{
  return chat->emitted;
}

int64_t drift_chat_watermark(const drift_chat *chat)
{
  return tf_time_order_watermark(chat->order);
}

/* --- State ------------------------------------------------------------- */

int drift_state_intern(drift_chat *chat, const char *name, size_t *index)
{
  char **files;
  size_t i;

  for (i = chat->nfiles; i > 0; i--) {
    if (strcmp(chat->files[i - 1], name) == 0) {
      *index = i - 1;
      return TF_OK;
    }
  }
  files = realloc(chat->files, (chat->nfiles + 1) * sizeof(*files));
  if (!files)
    return TF_ERR_NOMEM;
  chat->files = files;
  files[chat->nfiles] = strdup(name);
  if (!files[chat->nfiles])
    return TF_ERR_NOMEM;
  *index = chat->nfiles++;
  return TF_OK;
}

int drift_state_origin(drift_chat *chat, const tf_record *rec,
                       drift_origin *origin)
{
  tf_origin o = tf_record_origin(rec);

  origin->file = DRIFT_NO_FILE;
  origin->line = o.line;
  return o.file ? drift_state_intern(chat, o.file, &origin->file) : TF_OK;
}

int drift_state_offer(drift_moment *m, int64_t ts, const char *email,
                      const drift_origin *origin)
{
  char *copy;

  if (m->set && m->ts <= ts)
    return TF_OK;
  copy = strdup(email);
  if (!copy)
    return TF_ERR_NOMEM;
  free(m->email);
  m->set = 1;
  m->ts = ts;
  m->email = copy;
  m->origin = *origin;
  return TF_OK;
}

drift_conv *drift_state_conv(drift_chat *chat, int64_t id)
{
  drift_conv *conv = drift_map_get(&chat->convs, id);

  if (conv)
    return conv;
  conv = calloc(1, sizeof(*conv));
  if (!conv)
    return NULL;
  conv->id = id;
  if (drift_map_put(&chat->convs, id, conv) != TF_OK) {
    free(conv);
    return NULL;
  }
  if (chat->open++ == 0)
    tf_time_order_hold(chat->order);
  return conv;
}

drift_contact *drift_state_contact(drift_chat *chat, int64_t id)
{
  drift_contact *contact = drift_map_get(&chat->contacts, id);

  if (contact)
    return contact;
  contact = calloc(1, sizeof(*contact));
  if (!contact)
    return NULL;
  if (drift_map_put(&chat->contacts, id, contact) != TF_OK) {
    free(contact);
    return NULL;
  }
  return contact;
}

void drift_state_message_time(drift_conv *conv, int64_t ts)
{
  if (!conv->has_start || ts < conv->start)
    conv->start = ts;
  if (!conv->has_last || ts > conv->last)
    conv->last = ts;
  conv->has_start = 1;
  conv->has_last = 1;
}

int drift_state_reject(drift_chat *chat, const tf_record *rec, const char *code,
                       const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = tf_vrejectf(chat->host, chat->ctx, rec, code, fmt, ap);
  va_end(ap);
  return rc;
}

/* --- Chat events ------------------------------------------------------- */

/* The BizibleId of a conversation: its embedded contact's, else that of
 * its contact's contact_identified event.  Borrowed; may be NULL. */
static const char *conv_biz_uid(const drift_chat *chat, const drift_conv *conv)
{
  const drift_contact *contact;

  if (conv->biz_uid || !conv->has_contact)
    return conv->biz_uid;
  contact = drift_map_get(&chat->contacts, conv->contact_id);
  return contact ? contact->biz_uid : NULL;
}

static json_t *chat_object(const drift_conv *conv, const char *biz_uid)
{
  char id[24];
  json_t *event;

  snprintf(id, sizeof(id), "%" PRId64, conv->id);
  event = tf_event_new("chat", conv->moment.ts, biz_uid, conv->moment.email,
                       "drift", id);
  if (json_object_set_new(event, "conversation_id",
                          json_integer((json_int_t)conv->id))) {
    json_decref(event);
    return NULL;
  }
  return event;
}

tf_record *drift_state_record(const drift_chat *chat, json_t *event,
                              const drift_origin *o)
{
  tf_origin origin = {NULL, o->line};
  tf_record *place, *rec;

  if (!event)
    return NULL;
  if (o->file == DRIFT_NO_FILE)
    return tf_record_new(event);
  origin.file = chat->files[o->file];
  place = tf_record_new_raw(NULL, 0, &origin);
  if (!place) {
    json_decref(event);
    return NULL;
  }
  rec = tf_record_derive(place, event);
  tf_record_unref(place);
  return rec;
}

/* The chat record of a conversation with a moment, carrying the origin
 * (file:line) of the record the moment came from.  NULL on ENOMEM. */
static tf_record *chat_record(const drift_chat *chat, const drift_conv *conv)
{
  return drift_state_record(chat, chat_object(conv, conv_biz_uid(chat, conv)),
                            &conv->moment.origin);
}

/* Sends the conversation's chat downstream now (or counts it when chats
 * are off). */
static int emit_chat(drift_chat *chat, const drift_conv *conv)
{
  tf_record *rec;
  int rc;

  if (!chat->chat_enabled) {
    chat->host->metric(chat->ctx, "chats_skipped_disabled", 1);
    return TF_OK;
  }
  rec = chat_record(chat, conv);
  if (!rec)
    return TF_ERR_NOMEM;
  rc = tf_time_order_emit_event(chat->order, chat->ctx, chat->host, rec);
  if (rc == TF_OK)
    chat->emitted++;
  return rc;
}

static void count_without_moment(drift_chat *chat, const drift_conv *conv)
{
  if (!conv->email_without_time)
    chat->host->metric(chat->ctx, "conversations_without_email", 1);
}

/* One conversation fewer is open; with none left nothing is held back, so
 * the watermark may move on to the latest chat. */
static void closed_one(drift_chat *chat)
{
  if (--chat->open == 0)
    tf_time_order_release(chat->order);
}

int drift_state_close(drift_chat *chat, drift_conv *conv)
{
  int rc;

  if (!conv->moment.set) {
    count_without_moment(chat, conv);
    drift_state_free_conv(drift_map_remove(&chat->convs, conv->id));
    closed_one(chat);
    return TF_OK;
  }
  rc = emit_chat(chat, conv);
  conv->emitted = 1;
  free(conv->biz_uid);
  free(conv->moment.email);
  conv->biz_uid = NULL;
  conv->moment.email = NULL;
  closed_one(chat);
  return rc;
}

/* --- End of input ------------------------------------------------------ */

static int is_open(const drift_conv *conv)
{
  return !conv->emitted;
}

/* A contact's identification belongs to the conversation of that contact
 * that was running then: the one that started last at or before it. */
static void match_identifications(drift_chat *chat)
{
  size_t iter = 0;
  int64_t key;
  drift_conv *conv;

  while ((conv = drift_map_next(&chat->convs, &iter, &key)) != NULL) {
    drift_contact *c;

    if (!is_open(conv) || !conv->has_contact || !conv->has_start)
      continue;
    c = drift_map_get(&chat->contacts, conv->contact_id);
    if (!c || !c->identified.set || conv->start > c->identified.ts)
      continue;
    if (!c->has_match || conv->start > c->match_start ||
        (conv->start == c->match_start && conv->id < c->match_id)) {
      c->has_match = 1;
      c->match_id = conv->id;
      c->match_start = conv->start;
    }
  }
}

static int add_identification(drift_chat *chat, drift_conv *conv)
{
  const drift_contact *c;

  if (!conv->has_contact)
    return TF_OK;
  c = drift_map_get(&chat->contacts, conv->contact_id);
  if (!c || !c->has_match || c->match_id != conv->id)
    return TF_OK;
  return drift_state_offer(&conv->moment, c->identified.ts, c->identified.email,
                           &c->identified.origin);
}

static int queue_chat(drift_chat *chat, const drift_conv *conv)
{
  drift_pending *p = &chat->pending[chat->npending];

  if (!chat->chat_enabled) {
    chat->host->metric(chat->ctx, "chats_skipped_disabled", 1);
    return TF_OK;
  }
  p->rec = chat_record(chat, conv);
  if (!p->rec)
    return TF_ERR_NOMEM;
  p->ts = conv->moment.ts;
  p->id = conv->id;
  chat->npending++;
  return TF_OK;
}

static int decide_open(drift_chat *chat)
{
  size_t iter = 0;
  int64_t key;
  drift_conv *conv;
  int rc;

  chat->pending = calloc(chat->convs.count + 1, sizeof(*chat->pending));
  if (!chat->pending)
    return TF_ERR_NOMEM;
  while ((conv = drift_map_next(&chat->convs, &iter, &key)) != NULL) {
    if (!is_open(conv))
      continue;
    rc = add_identification(chat, conv);
    if (rc == TF_OK && conv->moment.set)
      rc = queue_chat(chat, conv);
    else if (rc == TF_OK)
      count_without_moment(chat, conv);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

static void count_unmatched_contacts(drift_chat *chat)
{
  size_t iter = 0;
  int64_t key;
  drift_contact *c;

  while ((c = drift_map_next(&chat->contacts, &iter, &key)) != NULL)
    if (c->identified.set && !c->has_match)
      chat->host->metric(chat->ctx, "contacts_without_conversation", 1);
}

static int compare_pending(const void *a, const void *b)
{
  const drift_pending *x = a, *y = b;

  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* After the end of input only the ids of the conversations whose chat
 * went out (or is queued) are kept: a later run (docs/checkpoints.md,
 * "Incremental runs") counts records about them as records_after_chat.
 * Conversations decided without an email are forgotten. */
static int keep_emitted(drift_chat *chat)
{
  drift_map kept = DRIFT_MAP_INIT;
  size_t iter = 0;
  int64_t key;
  drift_conv *conv;
  int rc = TF_OK;

  while ((conv = drift_map_next(&chat->convs, &iter, &key)) != NULL) {
    if (rc == TF_OK && (conv->emitted || conv->moment.set)) {
      free(conv->biz_uid);
      free(conv->moment.email);
      memset(conv, 0, sizeof(*conv));
      conv->id = key;
      conv->emitted = 1;
      rc = drift_map_put(&kept, key, conv);
      if (rc == TF_OK)
        continue;
    }
    drift_state_free_conv(conv);
  }
  drift_map_free(&chat->convs, NULL);
  chat->convs = kept;
  return rc;
}

int drift_chat_finish(drift_chat *chat)
{
  int rc;

  if (chat->finished)
    return TF_OK;
  chat->finished = 1;
  match_identifications(chat);
  rc = decide_open(chat);
  if (rc != TF_OK)
    return rc;
  count_unmatched_contacts(chat);
  qsort(chat->pending, chat->npending, sizeof(*chat->pending), compare_pending);
  drift_map_free(&chat->contacts, drift_state_free_contact);
  return keep_emitted(chat);
}

/* Every chat decided at the end of input went out: nothing is open or
 * held back any more, and the next input (an incremental run) starts
 * afresh but for the ids of the chats that went out. */
static void end_of_run(drift_chat *chat)
{
  free(chat->pending);
  chat->pending = NULL;
  chat->npending = 0;
  chat->next_pending = 0;
  chat->finished = 0;
  chat->open = 0;
  tf_time_order_release(chat->order);
}

int drift_chat_drain(drift_chat *chat, size_t max, size_t *emitted)
{
  size_t n;

  for (n = 0; n < max && chat->next_pending < chat->npending; n++) {
    tf_record *rec = chat->pending[chat->next_pending++].rec;
    int rc = tf_time_order_emit_event(chat->order, chat->ctx, chat->host, rec);

    if (rc != TF_OK)
      return rc;
    chat->emitted++;
    (*emitted)++;
  }
  if (chat->next_pending < chat->npending)
    return TF_MORE;
  end_of_run(chat);
  return TF_DONE;
}

void drift_chat_options_read(const tf_config *cfg, tf_time_order *order,
                             drift_chat_options *options)
{
  options->chat_enabled = tf_config_bool(cfg, "chat_enabled");
  options->bizible_id_attribute = tf_config_string(cfg, "bizible_id_attribute");
  options->order = order;
}

int drift_chat_options_check(const tf_config *cfg, tf_problem_fn problem,
                             void *ud)
{
  const char *attribute = tf_config_string(cfg, "bizible_id_attribute");

  if (attribute && *attribute)
    return TF_OK;
  problem(ud, "bizible_id_attribute", "must not be empty");
  return TF_ERR_CONFIG;
}
