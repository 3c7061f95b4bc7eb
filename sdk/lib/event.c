/*
 * event.c - the fields every attribution event has (event.h,
 * docs/events.md): their names, their order and how each is written.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/time.h>

/* A new copy of text with its ASCII letters lowercased; NULL on ENOMEM. */
static char *lowercase_copy(const char *text)
{
  char *copy = strdup(text);
  size_t i;

  for (i = 0; copy && copy[i]; i++) {
    if (copy[i] >= 'A' && copy[i] <= 'Z')
      copy[i] = (char)(copy[i] - 'A' + 'a');
  }
  return copy;
}

json_t *tf_event_new(const char *type, int64_t ts_ms, const char *biz_uid,
                     const char *email, const char *origin,
                     const char *source_record_id)
{
  char ts[TF_TIME_ISO_LEN];
  char *lower = NULL;
  json_t *event;

  if (email) {
    lower = lowercase_copy(email);
    if (!lower)
      return NULL;
  }
  tf_time_format_ms(ts_ms, ts, sizeof(ts));
  event =
      json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s, s:s}", "event", type, "ts",
                ts, "ts_ms", (json_int_t)ts_ms, "biz_uid", biz_uid, "email",
                lower, "origin", origin, "source_record_id", source_record_id);
  free(lower);
  return event;
}

/* The longest email lowercased on the stack; a longer one is copied to the
 * heap. */
#define EMAIL_ON_STACK 256

/* Writes email lowercased (as lowercase_copy does) as a string value. */
static int put_lowercase(tf_builder *b, const char *email)
{
  char stack[EMAIL_ON_STACK];
  size_t len = strlen(email), i;
  char *lower = len <= sizeof(stack) ? stack : malloc(len);
  int rc;

  if (!lower) {
    /* Nothing more can be added to an emptied builder: every later call,
     * and tf_event_finish, fails too. */
    tf_builder_reset(b);
    return TF_ERR_NOMEM;
  }
  for (i = 0; i < len; i++)
    lower[i] = email[i] >= 'A' && email[i] <= 'Z' ? (char)(email[i] - 'A' + 'a')
                                                  : email[i];
  rc = tf_builder_stringn(b, lower, len);
  if (lower != stack)
    free(lower);
  return rc;
}

/* text as a string value, or null when NULL. */
static int put_text(tf_builder *b, const char *text)
{
  return text ? tf_builder_string(b, text) : tf_builder_null(b);
}

int tf_event_text(tf_builder *b, const char *key, const char *text)
{
  int rc = tf_builder_key(b, key);

  if (rc != TF_OK)
    return rc;
  return put_text(b, text);
}

int tf_event_begin(tf_builder *b, const char *type, int64_t ts_ms,
                   const char *biz_uid, const char *email, const char *origin,
                   const char *source_record_id)
{
  char ts[TF_TIME_ISO_LEN];
  int rc;

  tf_builder_reset(b);
  tf_time_format_ms(ts_ms, ts, sizeof(ts));
  tf_builder_begin_object(b);
  /* The keys are constants: their length is the compiler's. */
  TF_BUILDER_KEY(b, "event");
  tf_builder_string(b, type); /* NULL: TF_ERR_INVAL, "a NULL string" */
  TF_BUILDER_KEY(b, "ts");
  tf_builder_string(b, ts);
  TF_BUILDER_KEY(b, "ts_ms");
  tf_builder_int64(b, ts_ms);
  TF_BUILDER_KEY(b, "biz_uid");
  put_text(b, biz_uid);
  TF_BUILDER_KEY(b, "email");
  rc = email ? put_lowercase(b, email) : tf_builder_null(b);
  if (rc != TF_OK)
    return rc;
  TF_BUILDER_KEY(b, "origin");
  tf_builder_string(b, origin);
  TF_BUILDER_KEY(b, "source_record_id");
  return tf_builder_string(b, source_record_id);
}

int tf_event_finish(tf_builder *b, const tf_record *origin_of, tf_record **out)
{
  tf_builder_end_object(b);
  return tf_builder_finish(b, origin_of, out);
}
