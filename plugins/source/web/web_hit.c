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
 *
 * The fast path: fields are read through the record's value index
 * (value.h) and the event is written with a tf_builder (builder.h), so no
 * jansson tree is built for the hit or for its event, whether the record
 * is an NDJSON line or a CSV row (tf_file_source makes both as text).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include <touchflow/record_json.h>
#include "web_hit.h"

/* A text field as read: NULL when unset, else the string and its length
 * (up to a NUL it holds, as a C string reads it).  Borrowed from the
 * record.  plain, when not NULL, is the string's value in the record when
 * its JSON text holds no escape: the event copies that text as it stands
 * (the builder would write the same bytes: it escapes only what such text
 * cannot hold) instead of escaping the string again. */
typedef struct hit_text {
  const char *text;
  size_t len;
  const tf_value *plain;
} hit_text;

/* A hit's fields.  Strings are borrowed from the record. */
typedef struct hit {
  char biz_uid[TF_BIZIBLE_ID_LEN + 1]; /* lowercased */
  int64_t ts_ms;
  hit_text hit_type; /* "page_view" or "form_submit" */
  hit_text url;
  hit_text referrer; /* or unset */
  hit_text form_url; /* or unset */
  const char *email; /* as written, or NULL */
  const char *id;    /* the `id` field as text, or NULL */
} hit;

/* --- Finding fields --------------------------------------------------- */

/* The values of the fields a hit may have (NULL: absent). */
typedef struct hit_values {
  const tf_value *biz_uid, *cookie_biz_uid, *ts, *event, *url, *referrer,
      *form_url, *id, *email;
} hit_values;

/* Every field of a hit is read from the record's object (tf_record_root)
 * by its exact key, not by the lookup rule of fields.h: a key in another
 * case is another field.  (field_slot below names them too.) */
#define HIT_FIELD(name, member)                                                \
  {                                                                            \
    name, sizeof(name) - 1, offsetof(hit_values, member)                       \
  }
static const struct hit_field {
  const char *name;
  size_t len;
  size_t at; /* of its value in hit_values */
} hit_fields[] = {HIT_FIELD("biz_uid", biz_uid),
                  HIT_FIELD("_biz_uid", cookie_biz_uid),
                  HIT_FIELD("ts", ts),
                  HIT_FIELD("event", event),
                  HIT_FIELD("url", url),
                  HIT_FIELD("referrer", referrer),
                  HIT_FIELD("form_url", form_url),
                  HIT_FIELD("id", id),
                  HIT_FIELD("email", email)};
#define HIT_FIELDS (sizeof(hit_fields) / sizeof(hit_fields[0]))

static const tf_value **value_slot(hit_values *vals, size_t i)
{
  return (const tf_value **)((char *)vals + hit_fields[i].at);
}

/* The slot in vals of the field named key (len bytes), or NULL: told
 * apart by length, then compared with each name of that length (a
 * comparison of known size, which the compiler does inline). */
static const tf_value **field_slot(hit_values *vals, const char *key,
                                   size_t len)
{
#define IS(name) (memcmp(key, name, sizeof(name) - 1) == 0)
  switch (len) {
  case 2: return IS("ts") ? &vals->ts : IS("id") ? &vals->id : NULL;
  case 3: return IS("url") ? &vals->url : NULL;
  case 5: return IS("event") ? &vals->event : IS("email") ? &vals->email : NULL;
  case 7: return IS("biz_uid") ? &vals->biz_uid : NULL;
  case 8:
    return IS("_biz_uid")   ? &vals->cookie_biz_uid
           : IS("referrer") ? &vals->referrer
           : IS("form_url") ? &vals->form_url
                            : NULL;
  default: return NULL;
  }
#undef IS
}

/* The values of at's fields, in one pass over its members (an object has
 * each key once) instead of a lookup for each field; what is not an
 * object is asked field by field, as tf_value_get answers for it. */
static void find_values(const tf_value *at, hit_values *vals)
{
  const tf_value *m, **slot;
  const char *key;
  size_t len, i;

  memset(vals, 0, sizeof(*vals));
  if (tf_value_type(at) != TF_TYPE_OBJECT) {
    for (i = 0; i < HIT_FIELDS; i++)
      *value_slot(vals, i) = tf_value_get(at, hit_fields[i].name);
    return;
  }
  for (m = tf_value_first(at); m; m = tf_value_next(m)) {
    key = tf_value_key(m, &len);
    slot = field_slot(vals, key, len);
    if (slot)
      *slot = m;
  }
}

/* --- Reading fields --------------------------------------------------- */

/* A text field into *out (unset: out->text NULL).  A string with text
 * (nearly every one) is taken as it is; anything else gets the reader's
 * answer (unset, or not a string). */
static int text_field(const tf_value *v, const char *name, hit_text *out,
                      tf_field_problem *why)
{
  size_t raw_len;

  out->plain = NULL;
  out->len = 0;
  out->text = NULL;
  if (!v) /* absent: unset, with no reader called */
    return TF_OK;
  out->text = tf_value_string(v, &out->len);
  if (!out->text || out->len == 0) {
    out->len = 0;
    return tf_field_text_of(v, name, &out->text, why);
  }
  /* Text without escapes is as long as the string and its quotes (an
   * escape is always longer than what it stands for).  Escaped text may
   * hold "\u0000": the event's copy ends there, as a C string does. */
  tf_value_raw(v, &raw_len);
  if (raw_len == out->len + 2)
    out->plain = v;
  else
    out->len = strlen(out->text);
  return TF_OK;
}

static int read_bizible_id(const hit_values *vals, hit *h,
                           tf_field_problem *why)
{
  if (tf_field_bizible_id_of(vals->biz_uid, "biz_uid", h->biz_uid, why) ||
      (!h->biz_uid[0] && tf_field_bizible_id_of(vals->cookie_biz_uid,
                                                "_biz_uid", h->biz_uid, why)))
    return TF_ERR_INVAL;
  if (!h->biz_uid[0])
    return tf_field_complain(why, "missing_bizible_id",
                             "neither biz_uid nor _biz_uid is set: a hit "
                             "without a BizibleId belongs to no visitor");
  return TF_OK;
}

static int read_ts(const tf_value *v, hit *h, tf_field_problem *why)
{
  int rc = tf_field_epoch_time_of(v, TF_EPOCH_MILLISECONDS, &h->ts_ms);
  char shown[TF_FIELD_SHOWN_LEN];

  if (rc == TF_OK)
    return TF_OK;
  if (rc == TF_ERR_NOTFOUND)
    return tf_field_complain(why, "invalid_timestamp", "ts is missing");
  tf_field_describe_of(v, shown, sizeof(shown));
  if (rc == TF_ERR_INVAL)
    return tf_field_complain(why, "invalid_timestamp",
                             "ts %s is before 1973 as epoch milliseconds: is "
                             "it in seconds?",
                             shown);
  return tf_field_complain(
      why, "invalid_timestamp",
      "ts %s is not a time (ISO-8601, or epoch milliseconds)", shown);
}

static int read_hit_type(const tf_value *v, hit *h, tf_field_problem *why)
{
  const char *type = tf_value_string(v, NULL);
  char shown[TF_FIELD_SHOWN_LEN];
  size_t raw_len;

  /* Compared as C strings: up to a NUL the text holds. */
  if (type &&
      (strcmp(type, "page_view") == 0 || strcmp(type, "form_submit") == 0)) {
    h->hit_type.text = type;
    h->hit_type.len = type[0] == 'p' ? 9 : 11;
    tf_value_raw(v, &raw_len);
    h->hit_type.plain = raw_len == h->hit_type.len + 2 ? v : NULL;
    return TF_OK;
  }
  if (tf_field_is_unset_of(v))
    return tf_field_complain(why, "invalid_event",
                             "event is missing: page_view or form_submit "
                             "expected");
  tf_field_describe_of(v, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_event",
                           "event %s is neither page_view nor form_submit",
                           shown);
}

/* url (required), referrer, and for form submits form_url (the page itself
 * when the hit does not name another). */
static int read_urls(const hit_values *vals, hit *h, tf_field_problem *why)
{
  hit_text form_url;

  if (text_field(vals->url, "url", &h->url, why) ||
      text_field(vals->referrer, "referrer", &h->referrer, why) ||
      text_field(vals->form_url, "form_url", &form_url, why))
    return TF_ERR_INVAL;
  if (!h->url.text)
    return tf_field_complain(why, "missing_field",
                             "url is missing: a hit has a page");
  if (h->hit_type.text[0] == 'f') /* form_submit */
    h->form_url = form_url.text ? form_url : h->url;
  return TF_OK;
}

/* The hit's `id`: a string or an integer, as text into h->id (buf, len
 * bytes, holds an integer's digits); NULL when unset. */
static int read_id(const tf_value *at, hit *h, char *buf, size_t len,
                   tf_field_problem *why)
{
  const tf_value *v = NULL;
  int64_t n = 0;

  if (tf_field_id_of(at, "id", &v, why))
    return TF_ERR_INVAL;
  h->id = v ? tf_value_string(v, NULL) : NULL;
  if (!h->id && v) {
    tf_value_int64(v, &n);
    snprintf(buf, len, "%" PRId64, n);
    h->id = buf;
  }
  return TF_OK;
}

static int read_hit(const tf_value *at, hit *h, char *id_buf, size_t id_len,
                    tf_field_problem *why)
{
  hit_values vals;

  find_values(at, &vals);
  if (read_bizible_id(&vals, h, why) || read_ts(vals.ts, h, why) ||
      read_hit_type(vals.event, h, why) || read_urls(&vals, h, why) ||
      read_id(vals.id, h, id_buf, id_len, why))
    return TF_ERR_INVAL;
  h->email = NULL;
  return vals.email ? tf_field_text_of(vals.email, "email", &h->email, why)
                    : TF_OK;
}

/* --- Building the event ----------------------------------------------- */

/* A member of the event: what tf_event_text writes, with the lengths
 * already known (no strlen of either), and text without escapes copied
 * as it stands in the record. */
static int put_text(tf_builder *b, const char *key, size_t key_len,
                    const hit_text *t)
{
  int rc = tf_builder_keyn(b, key, key_len);

  if (rc != TF_OK)
    return rc;
  if (t->plain)
    return tf_builder_value(b, t->plain);
  return t->text ? tf_builder_stringn(b, t->text, t->len) : tf_builder_null(b);
}
#define PUT_TEXT(b, literal, t)                                                \
  put_text((b), "" literal "", sizeof(literal) - 1, (t))

/* The event of a good hit, written with b, into *event; TF_ERR_INVAL with
 * why set for a bad hit; TF_ERR_NOMEM. */
static int build_hit(tf_builder *b, const tf_record *rec, hit *h,
                     tf_record **event, tf_field_problem *why)
{
  char number[24], *line = NULL;
  const char *id;
  const tf_value *at = tf_record_root(rec);
  tf_origin o;
  size_t len;
  int rc;

  *event = NULL;
  if (read_hit(at, h, number, sizeof(number), why))
    return TF_ERR_INVAL;
  id = h->id;
  if (!id) { /* "file:line" */
    o = tf_record_origin(rec);
    len = strlen(o.file ? o.file : "-") + 24;
    line = malloc(len);
    if (!line)
      return TF_ERR_NOMEM;
    snprintf(line, len, "%s:%ld", o.file ? o.file : "-", o.line);
    id = line;
  }
  rc = tf_event_begin(b, "hit", h->ts_ms, h->biz_uid, h->email, "web", id);
  free(line);
  if (rc == TF_OK &&
      (PUT_TEXT(b, "hit_type", &h->hit_type) || PUT_TEXT(b, "url", &h->url) ||
       PUT_TEXT(b, "referrer", &h->referrer) ||
       PUT_TEXT(b, "form_url", &h->form_url)))
    rc = TF_ERR_NOMEM;
  if (rc == TF_OK)
    rc = tf_event_finish(b, rec, event);
  /* The strings are valid UTF-8 read from a record, so only memory can
   * fail here. */
  return rc == TF_OK ? TF_OK : TF_ERR_NOMEM;
}

int source_web_map_hit(void *ud, tf_ctx *ctx, const tf_host *host,
                       const tf_record *rec)
{
  const web_settings *set = ud;
  tf_field_problem why = {NULL, ""};
  tf_builder *own = NULL, *b = set ? set->builder : NULL;
  hit h = {0};
  tf_record *out;
  int rc;

  if (!b) { /* settings made without a builder (tests) */
    b = own = tf_builder_new();
    if (!b)
      return TF_ERR_NOMEM;
  }
  rc = build_hit(b, rec, &h, &out, &why);
  tf_builder_free(own);
  if (rc == TF_ERR_INVAL)
    return host->reject(ctx, rec, why.code, why.message);
  if (rc != TF_OK)
    return rc;
  host->metric(ctx, h.hit_type.text, 1);
  return tf_time_order_emit(set ? set->order : NULL, ctx, host, out, h.ts_ms);
}
