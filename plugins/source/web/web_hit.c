/*
 * web_hit.c - how the `web` source turns one Marketo Measure hit record
 * into a `hit` event.
 *
 * Owns reading a hit's fields whatever the file format (NDJSON values or
 * CSV strings, where an empty string means absent), their checks (each
 * failure is a reject code and a message naming the field and the value),
 * and the event's shape (docs/events.md).  Keeps no state between records.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "web_hit.h"

#define BIZIBLE_ID_LEN 32
/* Epoch milliseconds below this (1973-03-03) are seconds given by mistake:
 * Marketo Measure did not exist yet. */
#define MIN_EPOCH_MS INT64_C(100000000000)

/* Why a record cannot become an event: a reject code and its message. */
typedef struct problem {
  const char *code;
  char message[512];
} problem;

/* A hit's fields.  Strings are borrowed from the record. */
typedef struct hit {
  char biz_uid[BIZIBLE_ID_LEN + 1]; /* lowercased */
  int64_t ts_ms;
  const char *hit_type; /* "page_view" or "form_submit" */
  const char *url;
  const char *referrer; /* or NULL */
  const char *form_url; /* or NULL */
  const char *email;    /* as written, or NULL */
  const json_t *id;     /* the `id` field: a string, an integer, or NULL */
} hit;

/* --- Reading fields --------------------------------------------------- */

static int complain(problem *why, const char *code, const char *fmt, ...)
    TF_PRINTF(3, 4);

/* Records the problem; returns -1 so that callers can return it. */
static int complain(problem *why, const char *code, const char *fmt, ...)
{
  va_list ap;

  why->code = code;
  va_start(ap, fmt);
  vsnprintf(why->message, sizeof(why->message), fmt, ap);
  va_end(ap);
  return -1;
}

/* A value as a message shows it: a string quoted (its first 80 bytes), a
 * number as written, anything else by its JSON type. */
static void describe(const json_t *v, char *buf, size_t len)
{
  if (json_is_string(v))
    snprintf(buf, len, "\"%.80s\"", json_string_value(v));
  else if (json_is_integer(v))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_real(v))
    snprintf(buf, len, "%g", json_real_value(v));
  else
    snprintf(buf, len, "%s",
             json_is_object(v)  ? "an object"
             : json_is_array(v) ? "an array"
             : json_is_null(v)  ? "null"
                                : "a boolean");
}

/* Absent, null or "" (CSV writes absent values as empty fields). */
static int is_unset(const json_t *v)
{
  return !v || json_is_null(v) || (json_is_string(v) && !json_string_length(v));
}

/* A text field: *out is NULL when unset.  Any other type than a string is
 * an invalid_field problem. */
static int text_field(const tf_record *rec, const char *name, const char **out,
                      problem *why)
{
  const json_t *v = tf_record_get(rec, name);
  char shown[96];

  *out = NULL;
  if (is_unset(v))
    return 0;
  if (!json_is_string(v)) {
    describe(v, shown, sizeof(shown));
    return complain(why, "invalid_field", "%s is %s, not a string", name,
                    shown);
  }
  *out = json_string_value(v);
  return 0;
}

/* Copies a BizibleId (32 hex digits) lowercased into out; 0 when text is
 * not one. */
static int normalise_bizible_id(const char *text, char *out)
{
  size_t i;

  for (i = 0; i < BIZIBLE_ID_LEN; i++) {
    if (!isxdigit((unsigned char)text[i]))
      return 0;
    out[i] = (char)tolower((unsigned char)text[i]);
  }
  out[i] = '\0';
  return text[i] == '\0';
}

static int read_bizible_id(const tf_record *rec, hit *h, problem *why)
{
  const char *field = "biz_uid";
  const char *text;

  if (text_field(rec, field, &text, why))
    return -1;
  if (!text) {
    field = "_biz_uid";
    if (text_field(rec, field, &text, why))
      return -1;
  }
  if (!text)
    return complain(why, "missing_bizible_id",
                    "neither biz_uid nor _biz_uid is set: a hit without a "
                    "BizibleId belongs to no visitor");
  if (!normalise_bizible_id(text, h->biz_uid))
    return complain(why, "invalid_bizible_id",
                    "%s \"%.80s\" is not a BizibleId (32 hex digits)", field,
                    text);
  return 0;
}

/* An integer, or a string of digits: a time given as an epoch count. */
static int is_epoch_count(const json_t *v)
{
  const char *s = json_string_value(v);

  if (json_is_integer(v))
    return 1;
  if (!s)
    return 0;
  s += *s == '-';
  return *s && strspn(s, "0123456789") == strlen(s);
}

static int read_ts(const tf_record *rec, hit *h, problem *why)
{
  const json_t *v = tf_record_get(rec, "ts");
  char shown[96];

  if (is_unset(v))
    return complain(why, "invalid_timestamp", "ts is missing");
  describe(v, shown, sizeof(shown));
  if (tf_time_from_json(v, TF_EPOCH_MILLISECONDS, &h->ts_ms) != TF_OK)
    return complain(why, "invalid_timestamp",
                    "ts %s is not a time (ISO-8601, or epoch milliseconds)",
                    shown);
  if (is_epoch_count(v) && h->ts_ms < MIN_EPOCH_MS)
    return complain(why, "invalid_timestamp",
                    "ts %s is before 1973 as epoch milliseconds: is it in "
                    "seconds?",
                    shown);
  return 0;
}

static int read_hit_type(const tf_record *rec, hit *h, problem *why)
{
  const json_t *v = tf_record_get(rec, "event");
  const char *type = json_string_value(v);
  char shown[96];

  if (type &&
      (strcmp(type, "page_view") == 0 || strcmp(type, "form_submit") == 0)) {
    h->hit_type = type;
    return 0;
  }
  if (is_unset(v))
    return complain(why, "invalid_event",
                    "event is missing: page_view or form_submit expected");
  describe(v, shown, sizeof(shown));
  return complain(why, "invalid_event",
                  "event %s is neither page_view nor form_submit", shown);
}

/* url (required), referrer, and for form submits form_url (the page itself
 * when the hit does not name another). */
static int read_urls(const tf_record *rec, hit *h, problem *why)
{
  const char *form_url;

  if (text_field(rec, "url", &h->url, why) ||
      text_field(rec, "referrer", &h->referrer, why) ||
      text_field(rec, "form_url", &form_url, why))
    return -1;
  if (!h->url)
    return complain(why, "missing_field", "url is missing: a hit has a page");
  if (strcmp(h->hit_type, "form_submit") == 0)
    h->form_url = form_url ? form_url : h->url;
  return 0;
}

/* The optional `id`: a non-empty string or an integer. */
static int read_id(const tf_record *rec, hit *h, problem *why)
{
  const json_t *v = tf_record_get(rec, "id");
  char shown[96];

  if (is_unset(v))
    return 0;
  if (!json_is_string(v) && !json_is_integer(v)) {
    describe(v, shown, sizeof(shown));
    return complain(why, "invalid_field",
                    "id is %s, not a string or an integer", shown);
  }
  h->id = v;
  return 0;
}

static int read_hit(const tf_record *rec, hit *h, problem *why)
{
  if (read_bizible_id(rec, h, why) || read_ts(rec, h, why) ||
      read_hit_type(rec, h, why) || read_urls(rec, h, why) ||
      read_id(rec, h, why))
    return -1;
  return text_field(rec, "email", &h->email, why);
}

/* --- Building the event ----------------------------------------------- */

/* A new lowercased copy of text (NULL stays NULL); *failed on ENOMEM. */
static char *lowercase_copy(const char *text, int *failed)
{
  char *copy;
  size_t i;

  if (!text)
    return NULL;
  copy = strdup(text);
  if (!copy) {
    *failed = 1;
    return NULL;
  }
  for (i = 0; copy[i]; i++)
    copy[i] = (char)tolower((unsigned char)copy[i]);
  return copy;
}

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

static json_t *hit_event(const hit *h, const char *id, const char *email)
{
  char ts[TF_TIME_ISO_LEN];

  tf_time_format_ms(h->ts_ms, ts, sizeof(ts));
  return json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s, s:s,"
                   " s:s, s:s, s:s?, s:s?}",
                   "event", "hit", "ts", ts, "ts_ms", (json_int_t)h->ts_ms,
                   "biz_uid", h->biz_uid, "email", email, "origin", "web",
                   "source_record_id", id, "hit_type", h->hit_type, "url",
                   h->url, "referrer", h->referrer, "form_url", h->form_url);
}

/* Builds the event of a good hit into *event; TF_ERR_INVAL with why set
 * for a bad one; TF_ERR_NOMEM. */
static int build_hit(const tf_record *rec, json_t **event, problem *why)
{
  hit h = {0};
  char *id, *email;
  int nomem = 0;

  *event = NULL;
  if (read_hit(rec, &h, why))
    return TF_ERR_INVAL;
  id = record_id(rec, h.id);
  if (!id)
    return TF_ERR_NOMEM;
  email = lowercase_copy(h.email, &nomem);
  if (!nomem)
    *event = hit_event(&h, id, email);
  free(email);
  free(id);
  return *event ? TF_OK : TF_ERR_NOMEM;
}

int source_web_map_hit(void *ud, tf_ctx *ctx, const tf_host *host,
                       const tf_record *rec)
{
  problem why = {NULL, ""};
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
  return host->emit(ctx, out);
}
