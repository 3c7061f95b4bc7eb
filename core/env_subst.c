/*
 * env_subst.c - "${NAME}" references to environment variables.
 *
 * Every string inside a stage's config (at any depth) may contain "${NAME}"
 * references; each is replaced by the variable's value.  An unset variable
 * or an unterminated reference is an error at the string's JSON path.  The
 * value itself is never echoed: it may be a secret.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

typedef struct strbuf {
  char *s;
  size_t len, cap;
} strbuf;

static int sb_add(strbuf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *grown = realloc(b->s, cap);

    if (!grown)
      return -1;
    b->s = grown;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
  return 0;
}

/* 1 when s is valid UTF-8 (jansson refuses to make a string of it else). */
static int utf8_ok(const char *s)
{
  json_t *probe = json_stringn(s, strlen(s));

  json_decref(probe);
  return probe != NULL;
}

/* Substitutes one string; NULL after reporting. */
static json_t *subst_string(const char *in, const char *path, tf__diag *diag)
{
  strbuf out = {NULL, 0, 0};
  const char *p = in, *ref;
  json_t *result = NULL;

  if (sb_add(&out, "", 0) < 0)
    goto out_nomem;
  while ((ref = strstr(p, "${")) != NULL) {
    const char *end = strchr(ref + 2, '}');
    char name[256];
    const char *value;
    size_t n;

    if (sb_add(&out, p, (size_t)(ref - p)) < 0)
      goto out_nomem;
    if (!end) {
      tf__diag_add(diag, path, "unterminated \"${\" reference");
      goto out_free;
    }
    n = (size_t)(end - ref - 2);
    if (n == 0 || n >= sizeof(name)) {
      tf__diag_add(diag, path, "invalid \"${}\" reference");
      goto out_free;
    }
    memcpy(name, ref + 2, n);
    name[n] = '\0';
    value = getenv(name);
    if (!value) {
      tf__diag_add(diag, path, "environment variable %s is not set", name);
      goto out_free;
    }
    if (!utf8_ok(value)) { /* its value is not shown: it may be a secret */
      tf__diag_add(diag, path,
                   "environment variable %s is not valid UTF-8 (config "
                   "values are JSON strings)",
                   name);
      goto out_free;
    }
    if (sb_add(&out, value, strlen(value)) < 0)
      goto out_nomem;
    p = end + 1;
  }
  if (sb_add(&out, p, strlen(p)) < 0)
    goto out_nomem;
  result = json_stringn(out.s, out.len);
  if (!result)
    goto out_nomem;
  free(out.s);
  return result;

out_nomem:
  tf__diag_add(diag, path, "out of memory");
out_free:
  free(out.s);
  return NULL;
}

static json_t *subst_object(const json_t *obj, const char *path, tf__diag *diag)
{
  json_t *out = json_object();
  const char *key;
  json_t *value;
  int ok = 1;
  char kpath[512];

  if (!out) {
    tf__diag_add(diag, path, "out of memory");
    return NULL;
  }
  json_object_foreach ((json_t *)obj, key, value) {
    json_t *v;

    snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
    v = tf__env_subst(value, kpath, diag);
    if (!v || json_object_set_new(out, key, v) < 0)
      ok = 0;
  }
  if (!ok) {
    json_decref(out);
    return NULL;
  }
  return out;
}

static json_t *subst_array(const json_t *arr, const char *path, tf__diag *diag)
{
  json_t *out = json_array();
  size_t i;
  int ok = 1;
  char ipath[512];

  if (!out) {
    tf__diag_add(diag, path, "out of memory");
    return NULL;
  }
  for (i = 0; i < json_array_size(arr); i++) {
    json_t *v;

    snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
    v = tf__env_subst(json_array_get(arr, i), ipath, diag);
    if (!v || json_array_append_new(out, v) < 0)
      ok = 0;
  }
  if (!ok) {
    json_decref(out);
    return NULL;
  }
  return out;
}

json_t *tf__env_subst(const json_t *value, const char *json_path,
                      tf__diag *diag)
{
  if (json_is_string(value))
    return subst_string(json_string_value(value), json_path, diag);
  if (json_is_object(value))
    return subst_object(value, json_path, diag);
  if (json_is_array(value))
    return subst_array(value, json_path, diag);
  return json_incref((json_t *)value);
}
