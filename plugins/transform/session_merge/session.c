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
  char ms[24];
  const char *parts[3];

  snprintf(ms, sizeof(ms), "%" PRId64, first_ts);
  parts[0] = biz_uid;
  parts[1] = ms;
  parts[2] = first_srid;
  memcpy(id, "ses_", 4);
  sm_hash_hex(parts, 3, id + 4);
}

static int set_text(json_t *obj, const char *key, const char *value)
{
  return json_object_set_new(obj, key,
                             value ? json_string(value) : json_null());
}

/* The web fields of a session that hit starts. */
static json_t *web_fields(const sm_event *hit, const sm_class *cls)
{
  char id[SM_SESSION_ID_SIZE];
  json_t *web = json_object();

  if (!web)
    return NULL;
  sm_session_id(hit->biz_uid, hit->ts, hit->srid, id);
  if (set_text(web, "channel", cls->channel) ||
      set_text(web, "source", cls->source) ||
      set_text(web, "medium", cls->medium) ||
      set_text(web, "campaign", cls->campaign) ||
      set_text(web, "landing_page", hit->url) ||
      set_text(web, "referrer", hit->referrer) ||
      set_text(web, "session_id", id)) {
    json_decref(web);
    return NULL;
  }
  return web;
}

int sm_session_new(const sm_event *hit, const sm_class *cls, sm_session **out)
{
  sm_session *s = calloc(1, sizeof(*s));

  *out = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->web = web_fields(hit, cls);
  if (!s->web) {
    free(s);
    return TF_ERR_NOMEM;
  }
  s->first = tf_record_ref(hit->rec);
  s->biz_uid = hit->biz_uid;
  s->first_ts = hit->ts;
  s->last_ts = hit->ts;
  *out = s;
  return TF_OK;
}

void sm_session_free(sm_session *s)
{
  size_t i;

  if (!s)
    return;
  for (i = 0; i < s->nemails; i++)
    free(s->emails[i].email);
  free(s->emails);
  free(s->conversion_id);
  json_decref(s->web);
  tf_record_unref(s->first);
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
  const char *channel = json_string_value(json_object_get(s->web, "channel"));
  const char *source = json_string_value(json_object_get(s->web, "source"));

  return strcmp(channel, cls->channel) != 0 || !same_text(source, cls->source);
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
