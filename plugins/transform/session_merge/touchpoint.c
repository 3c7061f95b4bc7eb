/*
 * touchpoint.c - the touchpoint record: its stable id, its fields in the
 * contract's order and its date in ISO-8601 UTC seconds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <touchflow/time.h>
#include "touchpoint.h"

static const char *web_string(const json_t *web, const char *key)
{
  return json_string_value(json_object_get(web, key));
}

void sm_tp_set_web(sm_tp *tp, const json_t *web)
{
  tp->channel = web_string(web, "channel");
  tp->source = web_string(web, "source");
  tp->medium = web_string(web, "medium");
  tp->campaign = web_string(web, "campaign");
  tp->landing_page = web_string(web, "landing_page");
  tp->referrer = web_string(web, "referrer");
  tp->session_id = web_string(web, "session_id");
}

void sm_tp_id(const sm_tp *tp, char id[SM_TP_ID_SIZE])
{
  char ms[24];
  const char *parts[4];

  snprintf(ms, sizeof(ms), "%" PRId64, tp->ts);
  parts[0] = tp->origin;
  parts[1] = tp->srid;
  parts[2] = tp->type;
  parts[3] = ms;
  memcpy(id, "tp_", 3);
  sm_hash_hex(parts, 4, id + 3);
}

/* Sets key to a string or null; 0 or -1 on ENOMEM. */
static int set_text(json_t *obj, const char *key, const char *value)
{
  return json_object_set_new(obj, key,
                             value ? json_string(value) : json_null());
}

static int set_fields(json_t *obj, const sm_tp *tp)
{
  char id[SM_TP_ID_SIZE], date[TF_TIME_ISO_LEN];

  sm_tp_id(tp, id);
  tf_time_format(tp->ts, date, sizeof(date));
  return set_text(obj, "touchpoint_id", id) ||
         set_text(obj, "type", tp->type) || set_text(obj, "date", date) ||
         set_text(obj, "biz_uid", tp->biz_uid) ||
         set_text(obj, "email", tp->email) ||
         set_text(obj, "channel", tp->channel) ||
         set_text(obj, "source", tp->source) ||
         set_text(obj, "medium", tp->medium) ||
         set_text(obj, "campaign", tp->campaign) ||
         set_text(obj, "landing_page", tp->landing_page) ||
         set_text(obj, "referrer", tp->referrer) ||
         set_text(obj, "form_url", tp->form_url) ||
         set_text(obj, "session_id", tp->session_id) ||
         set_text(obj, "origin", tp->origin) ||
         set_text(obj, "source_record_id", tp->srid) ||
         json_object_set_new(obj, "post_conversion",
                             json_boolean(tp->post_conversion)) ||
         set_text(obj, "conversion_id", tp->conversion_id);
}

tf_record *sm_touchpoint_new(const sm_tp *tp, const tf_record *from)
{
  json_t *obj = json_object();

  if (!obj)
    return NULL;
  if (set_fields(obj, tp) != 0) {
    json_decref(obj);
    return NULL;
  }
  return tf_record_derive(from, obj);
}
