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
 * jansson tree is built for the hit or for its event.  A CSV row, which
 * tf_file_source makes from a json_t, has its tree from the start: it is
 * read there (see `place`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include <touchflow/record_json.h>
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
  const char *id;       /* the `id` field as text, or NULL */
} hit;

/* --- Reading fields --------------------------------------------------- */

/* Where a hit's fields are read: the tf_value of the record's object (an
 * NDJSON line); or, for a record made from a json_t (tf_file_source makes
 * a CSV row so), its tree, which is there already and is cheaper to read
 * in place than to dump and index.  fields.h's readers give the same
 * results and messages for both. */
typedef struct place {
  const tf_value *obj;   /* or NULL: */
  const tf_record *tree; /* a record made from a json_t */
} place;

static place place_of(const tf_record *rec)
{
  place at = {NULL, NULL};

  if (!tf_record_bytes(rec, NULL) && tf_record_has_json(rec))
    at.tree = rec;
  else
    at.obj = tf_record_root(rec);
  return at;
}

/* Every field of a hit is read by its exact key, not by the lookup rule of
 * fields.h: a key in another case is another field. */
static const tf_value *value_at(const place *at, const char *name)
{
  return tf_value_get(at->obj, name);
}

static const json_t *json_at(const place *at, const char *name)
{
  return tf_record_get(at->tree, name);
}

/* A text field; *out is NULL when unset. */
static int text_field(const place *at, const char *name, const char **out,
                      tf_field_problem *why)
{
  return at->obj ? tf_field_text_of(value_at(at, name), name, out, why)
                 : tf_field_text_value(json_at(at, name), name, out, why);
}

static int bizible_id(const place *at, const char *name, char *out,
                      tf_field_problem *why)
{
  return at->obj ? tf_field_bizible_id_of(value_at(at, name), name, out, why)
                 : tf_field_bizible_id_value(json_at(at, name), name, out, why);
}

static int read_bizible_id(const place *at, hit *h, tf_field_problem *why)
{
  if (bizible_id(at, "biz_uid", h->biz_uid, why) ||
      (!h->biz_uid[0] && bizible_id(at, "_biz_uid", h->biz_uid, why)))
    return TF_ERR_INVAL;
  if (!h->biz_uid[0])
    return tf_field_complain(why, "missing_bizible_id",
                             "neither biz_uid nor _biz_uid is set: a hit "
                             "without a BizibleId belongs to no visitor");
  return TF_OK;
}

static int read_ts(const place *at, hit *h, tf_field_problem *why)
{
  const tf_value *v = at->obj ? value_at(at, "ts") : NULL;
  const json_t *j = at->obj ? NULL : json_at(at, "ts");
  int rc = at->obj ? tf_field_epoch_time_of(v, TF_EPOCH_MILLISECONDS, &h->ts_ms)
                   : tf_field_epoch_time(j, TF_EPOCH_MILLISECONDS, &h->ts_ms);
  char shown[TF_FIELD_SHOWN_LEN];

  if (rc == TF_OK)
    return TF_OK;
  if (rc == TF_ERR_NOTFOUND)
    return tf_field_complain(why, "invalid_timestamp", "ts is missing");
  if (at->obj)
    tf_field_describe_of(v, shown, sizeof(shown));
  else
    tf_field_describe(j, shown, sizeof(shown));
  if (rc == TF_ERR_INVAL)
    return tf_field_complain(why, "invalid_timestamp",
                             "ts %s is before 1973 as epoch milliseconds: is "
                             "it in seconds?",
                             shown);
  return tf_field_complain(
      why, "invalid_timestamp",
      "ts %s is not a time (ISO-8601, or epoch milliseconds)", shown);
}

static int read_hit_type(const place *at, hit *h, tf_field_problem *why)
{
  const tf_value *v = at->obj ? value_at(at, "event") : NULL;
  const json_t *j = at->obj ? NULL : json_at(at, "event");
  const char *type = at->obj ? tf_value_string(v, NULL) : json_string_value(j);
  char shown[TF_FIELD_SHOWN_LEN];

  if (type &&
      (strcmp(type, "page_view") == 0 || strcmp(type, "form_submit") == 0)) {
    h->hit_type = type;
    return TF_OK;
  }
  if (at->obj ? tf_field_is_unset_of(v) : tf_field_is_unset(j))
    return tf_field_complain(why, "invalid_event",
                             "event is missing: page_view or form_submit "
                             "expected");
  if (at->obj)
    tf_field_describe_of(v, shown, sizeof(shown));
  else
    tf_field_describe(j, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_event",
                           "event %s is neither page_view nor form_submit",
                           shown);
}

/* url (required), referrer, and for form submits form_url (the page itself
 * when the hit does not name another). */
static int read_urls(const place *at, hit *h, tf_field_problem *why)
{
  const char *form_url;

  if (text_field(at, "url", &h->url, why) ||
      text_field(at, "referrer", &h->referrer, why) ||
      text_field(at, "form_url", &form_url, why))
    return TF_ERR_INVAL;
  if (!h->url)
    return tf_field_complain(why, "missing_field",
                             "url is missing: a hit has a page");
  if (h->hit_type[0] == 'f') /* form_submit */
    h->form_url = form_url ? form_url : h->url;
  return TF_OK;
}

/* The hit's `id`: a string or an integer, as text into h->id (buf, len
 * bytes, holds an integer's digits); NULL when unset. */
static int read_id(const place *at, hit *h, char *buf, size_t len,
                   tf_field_problem *why)
{
  const tf_value *v = NULL;
  const json_t *j = NULL;
  int64_t n = 0;

  if (at->obj ? tf_field_id_of(value_at(at, "id"), "id", &v, why)
              : tf_field_id_value(json_at(at, "id"), "id", &j, why))
    return TF_ERR_INVAL;
  h->id = v ? tf_value_string(v, NULL) : json_string_value(j);
  if (!h->id && (v || j)) {
    if (v)
      tf_value_int64(v, &n);
    else
      n = (int64_t)json_integer_value(j);
    snprintf(buf, len, "%" PRId64, n);
    h->id = buf;
  }
  return TF_OK;
}

static int read_hit(const place *at, hit *h, char *id_buf, size_t id_len,
                    tf_field_problem *why)
{
  if (read_bizible_id(at, h, why) || read_ts(at, h, why) ||
      read_hit_type(at, h, why) || read_urls(at, h, why) ||
      read_id(at, h, id_buf, id_len, why))
    return TF_ERR_INVAL;
  return text_field(at, "email", &h->email, why);
}

/* --- Building the event ----------------------------------------------- */

/* The event of a good hit, written with b, into *event; TF_ERR_INVAL with
 * why set for a bad hit; TF_ERR_NOMEM. */
static int build_hit(tf_builder *b, const tf_record *rec, hit *h,
                     tf_record **event, tf_field_problem *why)
{
  char number[24], *line = NULL;
  const char *id;
  place at = place_of(rec);
  tf_origin o;
  size_t len;
  int rc;

  *event = NULL;
  if (read_hit(&at, h, number, sizeof(number), why))
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
  if (rc == TF_OK && (tf_event_text(b, "hit_type", h->hit_type) ||
                      tf_event_text(b, "url", h->url) ||
                      tf_event_text(b, "referrer", h->referrer) ||
                      tf_event_text(b, "form_url", h->form_url)))
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
  host->metric(ctx, h.hit_type, 1);
  return tf_time_order_emit(set ? set->order : NULL, ctx, host, out, h.ts_ms);
}
