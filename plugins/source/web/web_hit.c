/*
 * web_hit.c - how the `web` source turns one Marketo Measure hit record
 * into a `hit` event.
 *
 * Owns which fields a hit has and what each must hold, whatever the file
 * format (NDJSON values or CSV strings, where an empty string means
 * absent): fields are read by their exact key with the SDK's readers
 * (fields.h), which give each failure its reject code and a message naming
 * the field and the value.  Also owns the hit's part of the event; the part
 * every event has comes from event.h (docs/events.md).  Keeps no state
 * between records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include "web_hit.h"

/* A hit's fields.  Strings are borrowed from the record. */
typedef struct hit {
  char biz_uid[TF_BIZIBLE_ID_LEN + 1]; /* lowercased */
  int64_t ts_ms;
  const char *hit_type; /* "page_view" or "form_submit" */
  const char *url;
  const char *referrer; /* or NULL */
  const char *form_url; /* or NULL */
  const char *email;    /* as written, or NULL */
  const json_t *id;     /* the `id` field: a string, an integer, or NULL */
} hit;

/* --- Reading fields --------------------------------------------------- */

/* A text field by its exact key; *out is NULL when unset.  Every field of
 * a hit is read by its exact key, not by the lookup rule of fields.h: a key
 * in another case is another field. */
static int text_field(const tf_record *rec, const char *name, const char **out,
                      tf_field_problem *why)
{
  return tf_field_text_value(tf_record_get(rec, name), name, out, why);
}

static int read_bizible_id(const tf_record *rec, hit *h, tf_field_problem *why)
{
  if (tf_field_bizible_id_value(tf_record_get(rec, "biz_uid"), "biz_uid",
                                h->biz_uid, why) ||
      (!h->biz_uid[0] &&
       tf_field_bizible_id_value(tf_record_get(rec, "_biz_uid"), "_biz_uid",
                                 h->biz_uid, why)))
    return TF_ERR_INVAL;
  if (!h->biz_uid[0])
    return tf_field_complain(why, "missing_bizible_id",
                             "neither biz_uid nor _biz_uid is set: a hit "
                             "without a BizibleId belongs to no visitor");
  return TF_OK;
}

static int read_ts(const tf_record *rec, hit *h, tf_field_problem *why)
{
  const json_t *v = tf_record_get(rec, "ts");
  int rc = tf_field_epoch_time(v, TF_EPOCH_MILLISECONDS, &h->ts_ms);
  char shown[TF_FIELD_SHOWN_LEN];

  if (rc == TF_OK)
    return TF_OK;
  if (rc == TF_ERR_NOTFOUND)
    return tf_field_complain(why, "invalid_timestamp", "ts is missing");
  tf_field_describe(v, shown, sizeof(shown));
  if (rc == TF_ERR_INVAL)
    return tf_field_complain(why, "invalid_timestamp",
                             "ts %s is before 1973 as epoch milliseconds: is "
                             "it in seconds?",
                             shown);
  return tf_field_complain(
      why, "invalid_timestamp",
      "ts %s is not a time (ISO-8601, or epoch milliseconds)", shown);
}

static int read_hit_type(const tf_record *rec, hit *h, tf_field_problem *why)
{
  const json_t *v = tf_record_get(rec, "event");
  const char *type = json_string_value(v);
  char shown[TF_FIELD_SHOWN_LEN];

  if (type &&
      (strcmp(type, "page_view") == 0 || strcmp(type, "form_submit") == 0)) {
    h->hit_type = type;
    return TF_OK;
  }
  if (tf_field_is_unset(v))
    return tf_field_complain(why, "invalid_event",
                             "event is missing: page_view or form_submit "
                             "expected");
  tf_field_describe(v, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_event",
                           "event %s is neither page_view nor form_submit",
                           shown);
}

/* url (required), referrer, and for form submits form_url (the page itself
 * when the hit does not name another). */
static int read_urls(const tf_record *rec, hit *h, tf_field_problem *why)
{
  const char *form_url;

  if (text_field(rec, "url", &h->url, why) ||
      text_field(rec, "referrer", &h->referrer, why) ||
      text_field(rec, "form_url", &form_url, why))
    return TF_ERR_INVAL;
  if (!h->url)
    return tf_field_complain(why, "missing_field",
                             "url is missing: a hit has a page");
  if (strcmp(h->hit_type, "form_submit") == 0)
    h->form_url = form_url ? form_url : h->url;
  return TF_OK;
}

static int read_hit(const tf_record *rec, hit *h, tf_field_problem *why)
{
  if (read_bizible_id(rec, h, why) || read_ts(rec, h, why) ||
      read_hit_type(rec, h, why) || read_urls(rec, h, why) ||
      tf_field_id_value(tf_record_get(rec, "id"), "id", &h->id, why))
    return TF_ERR_INVAL;
  return text_field(rec, "email", &h->email, why);
}

/* --- Building the event ----------------------------------------------- */

/* The hit's id as a new string: its `id` field, else "file:line".  NULL
 * on ENOMEM. */
static char *record_id(const tf_record *rec, const json_t *id)
{
  tf_origin o = tf_record_origin(rec);
  const char *file = o.file ? o.file : "-";
  size_t len = strlen(file) + 24;
  char *text;

  if (json_is_string(id))
    return strdup(json_string_value(id));
  text = malloc(len);
  if (!text)
    return NULL;
  if (json_is_integer(id))
    snprintf(text, len, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
  else
    snprintf(text, len, "%s:%ld", file, o.line);
  return text;
}

/* Builds the event of a good hit into *event; TF_ERR_INVAL with why set
 * for a bad one; TF_ERR_NOMEM. */
static int build_hit(const tf_record *rec, json_t **event,
                     tf_field_problem *why)
{
  hit h = {0};
  char *id;

  *event = NULL;
  if (read_hit(rec, &h, why))
    return TF_ERR_INVAL;
  id = record_id(rec, h.id);
  if (!id)
    return TF_ERR_NOMEM;
  *event = tf_event_new("hit", h.ts_ms, h.biz_uid, h.email, "web", id);
  if (json_object_update_new(*event,
                             json_pack("{s:s, s:s, s:s?, s:s?}", "hit_type",
                                       h.hit_type, "url", h.url, "referrer",
                                       h.referrer, "form_url", h.form_url))) {
    json_decref(*event);
    *event = NULL;
  }
  free(id);
  return *event ? TF_OK : TF_ERR_NOMEM;
}

int source_web_map_hit(void *ud, tf_ctx *ctx, const tf_host *host,
                       const tf_record *rec)
{
  const web_settings *set = ud;
  tf_field_problem why = {NULL, ""};
  json_t *event;
  tf_record *out;
  int rc = build_hit(rec, &event, &why);

  if (rc == TF_ERR_INVAL)
    return host->reject(ctx, rec, why.code, why.message);
  if (rc != TF_OK)
    return rc;
  out = tf_record_derive(rec, event);
  if (!out)
    return TF_ERR_NOMEM;
  host->metric(ctx, tf_record_get_string(out, "hit_type"), 1);
  return tf_time_order_emit_event(set ? set->order : NULL, ctx, host, out);
}
