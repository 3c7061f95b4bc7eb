/*
 * touchpoint.c - the touchpoint record: its stable id, its fields in the
 * contract's order and its date in ISO-8601 UTC seconds, written with a
 * tf_builder.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "touchpoint.h"

void sm_tp_set_web(sm_tp *tp, const sm_web *web)
{
  tp->channel = web->channel;
  tp->source = web->source;
  tp->medium = web->medium;
  tp->v_medium = NULL;
  tp->campaign = web->campaign;
  tp->v_campaign = NULL;
  tp->landing_page = web->landing_page;
  tp->v_landing_page = web->v_landing_page;
  tp->referrer = web->referrer;
  tp->v_referrer = web->v_referrer;
  tp->session_id = web->session_id;
}

void sm_tp_id(const sm_tp *tp, char id[SM_TP_ID_SIZE])
{
  char ms[SM_DECIMAL_SIZE];
  const char *parts[4];

  sm_hash_decimal(tp->ts, ms);
  parts[0] = tp->origin;
  parts[1] = tp->srid;
  parts[2] = tp->type;
  parts[3] = ms;
  memcpy(id, "tp_", 3);
  sm_hash_hex(parts, 4, id + 3);
}

/* Writes key and a string or null.  A value copied from a record is
 * written as it stands when its text holds no escape: it is then exactly
 * what the builder (and jansson before it) writes for the string. */
static void put_text(tf_builder *b, const char *key, size_t key_len,
                     const char *value, const tf_value *v)
{
  const char *raw;
  size_t len;

  tf_builder_keyn(b, key, key_len);
  if (!value) {
    tf_builder_null(b);
    return;
  }
  if (v && (raw = tf_value_raw(v, &len)) != NULL &&
      memchr(raw, '\\', len) == NULL) {
    tf_builder_value(b, v);
    return;
  }
  if (v && tf_value_string(v, &len) == value)
    tf_builder_stringn(b, value, len);
  else
    tf_builder_string(b, value);
}

#define PUT(b, key, value, v) put_text(b, key, sizeof(key) - 1, value, v)

/* The reason's sentence, written from a buffer on the stack. */
static void put_reason(tf_builder *b, const sm_reason *reason)
{
  char text[SM_REASON_SIZE];
  size_t len;

  if (!reason) {
    PUT(b, "reason", NULL, NULL);
    return;
  }
  len = sm_reason_format(reason, text, sizeof(text));
  TF_BUILDER_KEY(b, "reason");
  tf_builder_stringn(b, text, len);
}

tf_record *sm_touchpoint_new(tf_builder *b, const sm_tp *tp, const char *id,
                             const tf_record *from)
{
  char date[TF_TIME_ISO_LEN];
  tf_record *out = NULL;

  tf_time_format(tp->ts, date, sizeof(date));
  tf_builder_reset(b);
  tf_builder_begin_object(b);
  PUT(b, "touchpoint_id", id, NULL);
  PUT(b, "type", tp->type, NULL);
  PUT(b, "date", date, NULL);
  PUT(b, "biz_uid", tp->biz_uid, tp->v_biz_uid);
  PUT(b, "email", tp->email, tp->v_email);
  PUT(b, "channel", tp->channel, NULL);
  PUT(b, "source", tp->source, NULL);
  PUT(b, "medium", tp->medium, tp->v_medium);
  PUT(b, "campaign", tp->campaign, tp->v_campaign);
  PUT(b, "landing_page", tp->landing_page, tp->v_landing_page);
  PUT(b, "referrer", tp->referrer, tp->v_referrer);
  PUT(b, "form_url", tp->form_url, tp->v_form_url);
  PUT(b, "session_id", tp->session_id, NULL);
  PUT(b, "origin", tp->origin, tp->v_origin);
  PUT(b, "source_record_id", tp->srid, tp->v_srid);
  tf_builder_keyn(b, "post_conversion", sizeof("post_conversion") - 1);
  tf_builder_bool(b, tp->post_conversion);
  PUT(b, "conversion_id", tp->conversion_id, NULL);
  put_reason(b, tp->reason);
  tf_builder_end_object(b);
  if (tf_builder_finish(b, from, &out) != TF_OK)
    return NULL;
  return out;
}
