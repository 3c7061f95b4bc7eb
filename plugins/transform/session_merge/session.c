/*
 * session.c - a web session: its id, its web fields taken from its first
 * hit, the arrival test that ends it, and the form emails it has seen.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include "session.h"

void sm_session_id(const char *biz_uid, int64_t first_ts,
                   const char *first_srid, char id[SM_SESSION_ID_SIZE])
{
  char ms[SM_DECIMAL_SIZE];
  const char *parts[3];

  sm_hash_decimal(first_ts, ms);
  parts[0] = biz_uid;
  parts[1] = ms;
  parts[2] = first_srid;
  memcpy(id, "ses_", 4);
  sm_hash_hex(parts, 3, id + 4);
}

/* Copies s into the block at *at (advanced); NULL stays NULL. */
static const char *put(char **at, const char *s)
{
  size_t n;
  char *out = *at;

  if (!s)
    return NULL;
  n = strlen(s) + 1;
  memcpy(out, s, n);
  *at += n;
  return out;
}

/* Room for the classification's strings, so that a session can be
 * reused for most next ones (source, medium and campaign are short). */
#define BLOCK_ROOM 128

/* Bytes of the block that holds cls's strings. */
static size_t block_size(const sm_class *cls)
{
  size_t n = 1;

  n += cls->source ? strlen(cls->source) + 1 : 0;
  n += cls->medium ? strlen(cls->medium) + 1 : 0;
  n += cls->campaign ? strlen(cls->campaign) + 1 : 0;
  return n;
}

/* Fills the empty session s (its block has room) for hit and cls. */
static void start(sm_session *s, const sm_event *hit, const sm_class *cls)
{
  char *at = s->block;

  s->web.channel = cls->channel;
  s->web.source = put(&at, cls->source);
  s->web.medium = put(&at, cls->medium);
  s->web.campaign = put(&at, cls->campaign);
  s->web.landing_page = hit->url;
  s->web.v_landing_page = hit->v_url;
  s->web.referrer = hit->referrer;
  s->web.v_referrer = hit->v_referrer;
  sm_session_id(hit->biz_uid, hit->ts, hit->srid, s->web.session_id);
  s->first = tf_record_ref(hit->rec);
  s->first_hit = *hit;
  s->biz_uid = hit->biz_uid;
  s->first_ts = hit->ts;
  s->last_ts = hit->ts;
}

int sm_session_new(const sm_event *hit, const sm_class *cls, sm_session **out)
{
  size_t n = block_size(cls);
  sm_session *s;

  *out = NULL;
  if (n < BLOCK_ROOM)
    n = BLOCK_ROOM;
  /* One allocation: the session, then its block. */
  s = calloc(1, sizeof(*s) + n);
  if (!s)
    return TF_ERR_NOMEM;
  s->block = (char *)(s + 1);
  s->block_room = n;
  start(s, hit, cls);
  *out = s;
  return TF_OK;
}

void sm_session_release(sm_session *s)
{
  size_t i;

  for (i = 0; i < s->nemails; i++)
    free(s->emails[i].email);
  free(s->emails);
  free(s->conversion_id);
  tf_record_unref(s->first);
  s->emails = NULL;
  s->nemails = 0;
  s->conversion_id = NULL;
  s->first = NULL;
}

int sm_session_reuse(sm_session *s, const sm_event *hit, const sm_class *cls)
{
  if (block_size(cls) > s->block_room)
    return 0;
  s->converted = 0;
  start(s, hit, cls);
  return 1;
}

void sm_session_free(sm_session *s)
{
  if (!s)
    return;
  sm_session_release(s);
  free(s);
}

int64_t sm_session_end(const sm_session *s, int64_t timeout)
{
  return s->last_ts > INT64_MAX - timeout ? INT64_MAX : s->last_ts + timeout;
}

/* NULL-aware, case-blind string equality. */
static int same_text(const char *a, const char *b)
{
  if (!a || !b)
    return a == b;
  return strcasecmp(a, b) == 0;
}

int sm_session_arrival_breaks(const sm_session *s, const sm_class *cls)
{
  return strcmp(s->web.channel, cls->channel) != 0 ||
         !same_text(s->web.source, cls->source);
}

int sm_session_note_form(sm_session *s, const char *email, int64_t ts)
{
  sm_form_email *grown;
  size_t i;

  if (!email)
    return TF_OK;
  for (i = 0; i < s->nemails; i++)
    if (strcmp(s->emails[i].email, email) == 0) {
      s->emails[i].last_ts = ts;
      return TF_OK;
    }
  grown = realloc(s->emails, (s->nemails + 1) * sizeof(*grown));
  if (!grown)
    return TF_ERR_NOMEM;
  s->emails = grown;
  s->emails[s->nemails].email = strdup(email);
  if (!s->emails[s->nemails].email)
    return TF_ERR_NOMEM;
  s->emails[s->nemails++].last_ts = ts;
  return TF_OK;
}

int sm_session_form_ts(const sm_session *s, const char *email, int64_t *ts)
{
  size_t i;

  for (i = 0; i < s->nemails; i++)
    if (strcmp(s->emails[i].email, email) == 0) {
      *ts = s->emails[i].last_ts;
      return 1;
    }
  return 0;
}
