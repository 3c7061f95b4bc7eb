/*
 * fields.c - typed field readers with a reject code and a message
 * (fields.h).
 *
 * Owns the lookup rule (exact key, key in another case, dotted path), what
 * counts as unset (absent, null, ""), how a value is shown in a message,
 * and the checks and messages of each kind of field, so that every source
 * rejects the same mistakes with the same words.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include <touchflow/fields.h>

/* The most bytes of a string a message shows. */
#define SHOWN_TEXT_MAX 80
/* An epoch count below this many milliseconds (1973-03-03) is seconds; a
 * time after this many seconds (the year 5138) is milliseconds. */
#define EPOCH_UNIT_LIMIT INT64_C(100000000000)

/* Shortens s, cut by vsnprintf, so that it does not end inside a UTF-8
 * character. */
static void drop_partial_character(char *s)
{
  size_t n = strlen(s), start = n, need;
  unsigned char lead;

  while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
    start--;
  if (start == 0)
    return;
  lead = (unsigned char)s[start - 1];
  need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (n - (start - 1) < need)
    s[start - 1] = '\0';
}

int tf_field_complain(tf_field_problem *why, const char *code, const char *fmt,
                      ...)
{
  va_list ap;
  int n;

  why->code = code;
  va_start(ap, fmt);
  n = vsnprintf(why->message, sizeof(why->message), fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof(why->message))
    drop_partial_character(why->message);
  return TF_ERR_INVAL;
}

/* How many of the first bytes of the UTF-8 text s to show, at most max,
 * ending on a character boundary. */
static int shown_length(const char *s, size_t max)
{
  size_t n = strlen(s);

  if (n <= max)
    return (int)n;
  n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  return (int)n;
}

/* A value that is neither a string nor a number, in words. */
static const char *kind_of(const json_t *value)
{
  if (!value)
    return "absent";
  if (json_is_object(value))
    return "an object";
  if (json_is_array(value))
    return "an array";
  return json_is_null(value) ? "null" : "a boolean";
}

void tf_field_describe(const json_t *value, char *buf, size_t len)
{
  const char *s = json_string_value(value);
  size_t room = len > 3 ? len - 3 : 0; /* two quotes and the NUL */

  if (!buf || len == 0)
    return;
  if (s)
    snprintf(buf, len, "\"%.*s\"",
             shown_length(s, room < SHOWN_TEXT_MAX ? room : SHOWN_TEXT_MAX), s);
  else if (json_is_integer(value))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
  else if (json_is_real(value))
    snprintf(buf, len, "%g", json_real_value(value));
  else
    snprintf(buf, len, "%s", kind_of(value));
}

int tf_field_is_unset(const json_t *value)
{
  return !value || json_is_null(value) ||
         (json_is_string(value) && json_string_length(value) == 0);
}

const json_t *tf_field_lookup(const tf_record *rec, const char *name)
{
  /* jansson iterates non-const objects only; nothing is changed. */
  json_t *obj = (json_t *)tf_record_json(rec);
  const char *key;
  json_t *value;

  if (!obj || !name)
    return NULL;
  value = json_object_get(obj, name);
  if (value)
    return value;
  json_object_foreach (obj, key, value) {
    if (strcasecmp(key, name) == 0)
      return value;
  }
  return tf_record_get_path(rec, name);
}

/* --- Readers ------------------------------------------------------------ */

int tf_field_text_value(const json_t *value, const char *name, const char **out,
                        tf_field_problem *why)
{
  char shown[TF_FIELD_SHOWN_LEN];

  *out = NULL;
  if (tf_field_is_unset(value))
    return TF_OK;
  if (!json_is_string(value)) {
    tf_field_describe(value, shown, sizeof(shown));
    return tf_field_complain(why, "invalid_field", "%s is %s, not a string",
                             name, shown);
  }
  *out = json_string_value(value);
  return TF_OK;
}

int tf_field_text(const tf_record *rec, const char *name, const char **out,
                  tf_field_problem *why)
{
  return tf_field_text_value(tf_field_lookup(rec, name), name, out, why);
}

int tf_field_required_text_value(const json_t *value, const char *name,
                                 const char **out, tf_field_problem *why)
{
  if (tf_field_text_value(value, name, out, why) != TF_OK)
    return TF_ERR_INVAL;
  if (!*out)
    return tf_field_complain(why, "missing_field", "%s is missing", name);
  return TF_OK;
}

int tf_field_required_text(const tf_record *rec, const char *name,
                           const char **out, tf_field_problem *why)
{
  return tf_field_required_text_value(tf_field_lookup(rec, name), name, out,
                                      why);
}

int tf_field_id_value(const json_t *value, const char *name, const json_t **out,
                      tf_field_problem *why)
{
  char shown[TF_FIELD_SHOWN_LEN];

  *out = NULL;
  if (tf_field_is_unset(value))
    return TF_OK;
  if (!json_is_string(value) && !json_is_integer(value)) {
    tf_field_describe(value, shown, sizeof(shown));
    return tf_field_complain(why, "invalid_field",
                             "%s is %s, not a string or an integer", name,
                             shown);
  }
  *out = value;
  return TF_OK;
}

int tf_field_id(const tf_record *rec, const char *name, const json_t **out,
                tf_field_problem *why)
{
  return tf_field_id_value(tf_field_lookup(rec, name), name, out, why);
}

int tf_field_flag_value(const json_t *value, const char *name, int *flag,
                        tf_field_problem *why)
{
  const char *s = json_string_value(value);
  char shown[TF_FIELD_SHOWN_LEN];

  *flag = json_is_true(value) || (s && strcasecmp(s, "true") == 0);
  if (*flag || tf_field_is_unset(value) || json_is_false(value) ||
      (s && strcasecmp(s, "false") == 0))
    return TF_OK;
  tf_field_describe(value, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_field",
                           "%s %s is neither true nor false", name, shown);
}

int tf_field_flag(const tf_record *rec, const char *name, int *flag,
                  tf_field_problem *why)
{
  return tf_field_flag_value(tf_field_lookup(rec, name), name, flag, why);
}

int tf_field_salesforce_time_value(const json_t *value, const char *name,
                                   int64_t *ms, int *found,
                                   tf_field_problem *why)
{
  const char *s = json_string_value(value);
  char shown[TF_FIELD_SHOWN_LEN];

  *found = !tf_field_is_unset(value);
  if (!*found)
    return TF_OK;
  if (s && tf_time_parse(s, ms) == TF_OK)
    return TF_OK;
  tf_field_describe(value, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_timestamp",
                           "%s %s is not a Salesforce date or datetime", name,
                           shown);
}

int tf_field_salesforce_time(const tf_record *rec, const char *name,
                             int64_t *ms, int *found, tf_field_problem *why)
{
  return tf_field_salesforce_time_value(tf_field_lookup(rec, name), name, ms,
                                        found, why);
}

/* Copies text lowercased into out when it is a BizibleId; 0 when not. */
static int normalise_bizible_id(const char *text, char *out)
{
  size_t i;

  for (i = 0; i < TF_BIZIBLE_ID_LEN; i++) {
    if (!isxdigit((unsigned char)text[i]))
      return 0;
    out[i] = (char)tolower((unsigned char)text[i]);
  }
  out[i] = '\0';
  return text[i] == '\0';
}

int tf_field_bizible_id_value(const json_t *value, const char *name, char *out,
                              tf_field_problem *why)
{
  const char *text;

  out[0] = '\0';
  if (tf_field_text_value(value, name, &text, why) != TF_OK)
    return TF_ERR_INVAL;
  if (!text || normalise_bizible_id(text, out))
    return TF_OK;
  out[0] = '\0';
  return tf_field_complain(why, "invalid_bizible_id",
                           "%s \"%.*s\" is not a BizibleId (32 hex digits)",
                           name, shown_length(text, SHOWN_TEXT_MAX), text);
}

int tf_field_bizible_id(const tf_record *rec, const char *name, char *out,
                        tf_field_problem *why)
{
  return tf_field_bizible_id_value(tf_field_lookup(rec, name), name, out, why);
}

/* --- A check without a message -------------------------------------- */

/* An integer, or a string of an optional '-' and digits. */
static int is_epoch_count(const json_t *value)
{
  const char *s = json_string_value(value);

  if (json_is_integer(value))
    return 1;
  if (!s)
    return 0;
  s += *s == '-';
  return *s && strspn(s, "0123456789") == strlen(s);
}

int tf_field_epoch_time(const json_t *value, tf_epoch_unit unit, int64_t *ms)
{
  int64_t t;
  int rc;

  if (tf_field_is_unset(value))
    return TF_ERR_NOTFOUND;
  rc = tf_time_from_json(value, unit, &t);
  if (rc != TF_OK)
    return rc;
  if (unit == TF_EPOCH_MILLISECONDS && is_epoch_count(value) &&
      t < EPOCH_UNIT_LIMIT)
    return TF_ERR_INVAL;
  if (unit == TF_EPOCH_SECONDS && t / 1000 > EPOCH_UNIT_LIMIT)
    return TF_ERR_INVAL;
  *ms = t;
  return TF_OK;
}
