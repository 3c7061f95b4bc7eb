/*
 * value.c - the typed, read-only tf_value API (value.h) over a record's
 * lazy index (value_index.h).
 *
 * A tf_value is a token of the index.  Navigation uses only the tokens: a
 * container's contents follow it, `end` jumps over a value and everything
 * inside it, and the token before a member's value is its key.  Strings
 * and numbers are read from the index's shadow copy of the text, where
 * they are unescaped and NUL-terminated already.
 */
#include <stdint.h>
#include <string.h>
#include <touchflow/error.h>

#include "json_number.h"
#include "value_index.h"

static const char *shadow_of(const tf_value *v)
{
  return tf__index_of(v)->shadow + v->start;
}

const tf_value *tf_record_value(const tf_record *rec, const char *field)
{
  return field ? tf_value_get(tf_record_root(rec), field) : NULL;
}

const tf_value *tf_record_value_path(const tf_record *rec, const char *path)
{
  return path ? tf_value_path(tf_record_root(rec), path) : NULL;
}

tf_type tf_value_type(const tf_value *v)
{
  return v ? (tf_type)v->type : TF_TYPE_ABSENT;
}

const char *tf_type_name(tf_type type)
{
  static const char *const names[] = {"absent",  "null",   "boolean",
                                      "integer", "double", "string",
                                      "array",   "object", "invalid"};

  return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type]
                                                           : "unknown";
}

/* --- Scalars ----------------------------------------------------------- */

const char *tf_value_string(const tf_value *v, size_t *len)
{
  if (!v || v->type != TF_TYPE_STRING)
    return NULL;
  if (len)
    *len = v->count;
  return shadow_of(v) + 1;
}

int tf_value_double(const tf_value *v, double *out)
{
  int64_t i;

  if (!v)
    return TF_ERR_NOTFOUND;
  if (v->type == TF_TYPE_INTEGER) {
    tf__json_int64(shadow_of(v), v->len, &i);
    *out = (double)i;
    return TF_OK;
  }
  if (v->type != TF_TYPE_DOUBLE)
    return TF_ERR_INVAL;
  return tf__json_strtod(shadow_of(v), v->len, out) == -2 ? TF_ERR_NOMEM
                                                          : TF_OK;
}

int tf_value_int64(const tf_value *v, int64_t *out)
{
  double d;
  int rc;

  if (v && v->type == TF_TYPE_INTEGER) {
    tf__json_int64(shadow_of(v), v->len, out);
    return TF_OK;
  }
  if (!v || v->type != TF_TYPE_DOUBLE)
    return v ? TF_ERR_INVAL : TF_ERR_NOTFOUND;
  rc = tf_value_double(v, &d);
  if (rc != TF_OK)
    return rc;
  /* [-2^63, 2^63): both bounds are exact doubles. */
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
    return TF_ERR_RANGE;
  if ((double)(int64_t)d != d)
    return TF_ERR_INVAL;
  *out = (int64_t)d;
  return TF_OK;
}

int tf_value_bool(const tf_value *v, int *out)
{
  if (!v)
    return TF_ERR_NOTFOUND;
  if (v->type != TF_TYPE_BOOL)
    return TF_ERR_INVAL;
  *out = tf__index_of(v)->text[v->start] == 't';
  return TF_OK;
}

const char *tf_value_raw(const tf_value *v, size_t *len)
{
  if (!v || v->type == TF_TYPE_INVALID) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = v->len;
  return tf__index_of(v)->text + v->start;
}

/* --- Containers -------------------------------------------------------- */

size_t tf_value_count(const tf_value *v)
{
  return v && (v->type == TF_TYPE_OBJECT || v->type == TF_TYPE_ARRAY) ? v->count
                                                                      : 0;
}

const tf_value *tf_value_getn(const tf_value *v, const char *key, size_t len)
{
  const tf_value *first, *k, *stop;
  const char *shadow;

  if (!v || v->type != TF_TYPE_OBJECT)
    return v && v->type == TF_TYPE_INVALID ? v : NULL;
  if (!key && len)
    return NULL;
  first = v - v->self;
  shadow = tf__index_of(v)->shadow;
  stop = first + v->end;
  for (k = v + 1; k < stop; k = first + k[1].end)
    if (k->count == len &&
        (len == 0 || memcmp(shadow + k->start + 1, key, len) == 0))
      return k + 1;
  return NULL;
}

const tf_value *tf_value_get(const tf_value *v, const char *key)
{
  return key ? tf_value_getn(v, key, strlen(key)) : NULL;
}

const tf_value *tf_value_at(const tf_value *v, size_t i)
{
  const tf_value *first, *e;

  if (!v || v->type != TF_TYPE_ARRAY)
    return v && v->type == TF_TYPE_INVALID ? v : NULL;
  if (i >= v->count)
    return NULL;
  first = v - v->self;
  for (e = v + 1; i > 0; i--)
    e = first + e->end;
  return e;
}

const tf_value *tf_value_first(const tf_value *v)
{
  if (tf_value_count(v) == 0)
    return NULL;
  return v->type == TF_TYPE_OBJECT ? v + 2 : v + 1;
}

const tf_value *tf_value_next(const tf_value *v)
{
  const tf_value *next;

  if (!v || v->self == 0 || (v->flags & TF__TOKEN_LAST) ||
      v->type == TF_TYPE_INVALID)
    return NULL;
  next = v - v->self + v->end;
  return next->type == TF__TOKEN_KEY ? next + 1 : next;
}

const char *tf_value_key(const tf_value *v, size_t *len)
{
  if (!v || v->self == 0 || v[-1].type != TF__TOKEN_KEY)
    return NULL;
  if (len)
    *len = v[-1].count;
  return shadow_of(v - 1) + 1;
}

/* --- Paths ------------------------------------------------------------- */

/* The array index written in seg (n bytes of decimal digits), or SIZE_MAX
 * when it is not one. */
static size_t path_index(const char *seg, size_t n)
{
  size_t i = 0;

  if (n == 0)
    return SIZE_MAX;
  for (size_t k = 0; k < n; k++) {
    if (seg[k] < '0' || seg[k] > '9' || i > (SIZE_MAX - 10) / 10)
      return SIZE_MAX;
    i = i * 10 + (size_t)(seg[k] - '0');
  }
  return i;
}

const tf_value *tf_value_path(const tf_value *v, const char *path)
{
  const char *p = path;

  if (!path)
    return NULL;
  for (;;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);

    if (!v || v->type == TF_TYPE_INVALID)
      return v;
    if (v->type == TF_TYPE_OBJECT)
      v = tf_value_getn(v, p, n);
    else if (v->type == TF_TYPE_ARRAY)
      v = tf_value_at(v, path_index(p, n));
    else
      v = NULL;
    if (!dot)
      return v;
    p = dot + 1;
  }
}
