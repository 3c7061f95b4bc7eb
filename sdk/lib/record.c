/*
 * record.c - the opaque, reference-counted record handle (record.h).
 *
 * A record owns its JSON object and, when it was parsed from text, a copy of
 * those bytes and its origin.  Records are immutable after creation, which is
 * what lets the host share one record between several stages without
 * copying it.  Parsing is eager for now; the handle stays opaque so that it
 * can become lazy without an ABI change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/record.h>

struct tf_record {
  unsigned refcount;
  json_t *obj; /* NULL for a raw record */
  char *bytes; /* original text, or NULL */
  size_t len;
  char *file; /* origin file, or NULL */
  long line;
};

static tf_record *record_alloc(const tf_origin *origin)
{
  tf_record *rec = calloc(1, sizeof(*rec));

  if (!rec)
    return NULL;
  rec->refcount = 1;
  if (origin && origin->file) {
    rec->file = strdup(origin->file);
    if (!rec->file) {
      free(rec);
      return NULL;
    }
  }
  if (origin)
    rec->line = origin->line;
  return rec;
}

static int record_keep_bytes(tf_record *rec, const char *bytes, size_t len)
{
  rec->bytes = malloc(len + 1);
  if (!rec->bytes)
    return -1;
  memcpy(rec->bytes, bytes, len);
  rec->bytes[len] = '\0';
  rec->len = len;
  return 0;
}

tf_record *tf_record_new(json_t *obj)
{
  tf_record *rec;

  if (!json_is_object(obj)) {
    json_decref(obj);
    return NULL;
  }
  rec = record_alloc(NULL);
  if (!rec) {
    json_decref(obj);
    return NULL;
  }
  rec->obj = obj;
  return rec;
}

tf_record *tf_record_parse(const char *bytes, size_t len,
                           const tf_origin *origin, char *err, size_t errlen)
{
  json_error_t jerr;
  json_t *obj;
  tf_record *rec;

  obj = json_loadb(bytes, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
  if (!obj) {
    if (err && errlen)
      snprintf(err, errlen, "invalid JSON at column %d: %s", jerr.column,
               jerr.text);
    return NULL;
  }
  if (!json_is_object(obj)) {
    if (err && errlen)
      snprintf(err, errlen, "not a JSON object");
    json_decref(obj);
    return NULL;
  }
  rec = record_alloc(origin);
  if (!rec || record_keep_bytes(rec, bytes, len) < 0) {
    tf_record_unref(rec);
    json_decref(obj);
    if (err && errlen)
      snprintf(err, errlen, "out of memory");
    return NULL;
  }
  rec->obj = obj;
  return rec;
}

tf_record *tf_record_new_raw(const char *bytes, size_t len,
                             const tf_origin *origin)
{
  tf_record *rec = record_alloc(origin);

  if (!rec)
    return NULL;
  if (record_keep_bytes(rec, bytes ? bytes : "", bytes ? len : 0) < 0) {
    tf_record_unref(rec);
    return NULL;
  }
  return rec;
}

tf_record *tf_record_derive(const tf_record *src, json_t *obj)
{
  tf_record *rec;
  tf_origin origin = tf_record_origin(src);

  if (!json_is_object(obj)) {
    json_decref(obj);
    return NULL;
  }
  rec = record_alloc(&origin);
  if (!rec) {
    json_decref(obj);
    return NULL;
  }
  rec->obj = obj;
  return rec;
}

tf_record *tf_record_ref(tf_record *rec)
{
  if (rec)
    rec->refcount++;
  return rec;
}

void tf_record_unref(tf_record *rec)
{
  if (!rec || --rec->refcount > 0)
    return;
  json_decref(rec->obj);
  free(rec->bytes);
  free(rec->file);
  free(rec);
}

const json_t *tf_record_json(const tf_record *rec)
{
  return rec ? rec->obj : NULL;
}

const json_t *tf_record_get(const tf_record *rec, const char *field)
{
  if (!rec || !rec->obj || !field)
    return NULL;
  return json_object_get(rec->obj, field);
}

/* One step of a dotted path: an object member, or an array index. */
static const json_t *path_step(const json_t *node, const char *key, size_t n)
{
  char buf[256];
  char *end;
  unsigned long idx;

  if (n >= sizeof(buf))
    return NULL;
  memcpy(buf, key, n);
  buf[n] = '\0';
  if (json_is_object(node))
    return json_object_get(node, buf);
  if (json_is_array(node) && n > 0) {
    idx = strtoul(buf, &end, 10);
    if (*end == '\0')
      return json_array_get(node, idx);
  }
  return NULL;
}

const json_t *tf_record_get_path(const tf_record *rec, const char *path)
{
  const json_t *node = tf_record_json(rec);
  const char *p = path;

  if (!node || !path)
    return NULL;
  while (node) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);

    node = path_step(node, p, n);
    if (!dot)
      return node;
    p = dot + 1;
  }
  return NULL;
}

const char *tf_record_get_string(const tf_record *rec, const char *field)
{
  return json_string_value(tf_record_get(rec, field));
}

const char *tf_record_bytes(const tf_record *rec, size_t *len)
{
  if (!rec || !rec->bytes) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = rec->len;
  return rec->bytes;
}

tf_origin tf_record_origin(const tf_record *rec)
{
  tf_origin origin = {NULL, 0};

  if (rec) {
    origin.file = rec->file;
    origin.line = rec->line;
  }
  return origin;
}

json_t *tf_record_copy_json(const tf_record *rec)
{
  return rec && rec->obj ? json_deep_copy(rec->obj) : NULL;
}
