/*
 * mapping.c - record -> lead fields and dedupe value (see mapping.h).
 *
 * Values are copied from the record (records are shared and immutable).
 * The dedupe value must be a non-empty string or an integer; it may not
 * hold a comma, because Get Leads takes its values as one comma-separated
 * list.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/record_json.h>
#include "mapping.h"

static int refuse(const char **code, const char *what, char *message,
                  size_t len, const char *fmt, ...) TF_PRINTF(5, 6);
static int refuse(const char **code, const char *what, char *message,
                  size_t len, const char *fmt, ...)
{
  va_list ap;

  *code = what;
  va_start(ap, fmt);
  vsnprintf(message, len, fmt, ap);
  va_end(ap);
  return TF_ERR_INVAL;
}

static int copy_fields(const mkto_config *cfg, const tf_record *rec,
                       json_t *fields, const char **code, char *message,
                       size_t len)
{
  const char *field;
  const json_t *path;

  json_object_foreach ((json_t *)cfg->mapping, field, path) {
    const json_t *value = tf_record_get_path(rec, json_string_value(path));
    json_t *copy;

    if (!value || json_is_null(value))
      continue;
    if (json_is_object(value) || json_is_array(value))
      return refuse(code, "invalid_field", message, len,
                    "field %s: record path %s holds an object or array; "
                    "Marketo fields take a string, number or boolean",
                    field, json_string_value(path));
    copy = json_copy((json_t *)value);
    if (!copy || json_object_set_new(fields, field, copy) != 0)
      return TF_ERR_NOMEM;
  }
  return TF_OK;
}

static int dedupe_key(const mkto_config *cfg, const json_t *fields, char **key,
                      const char **code, char *message, size_t len)
{
  const json_t *value = json_object_get(fields, cfg->dedupe_field);
  const char *path =
      json_string_value(json_object_get(cfg->mapping, cfg->dedupe_field));
  char number[32];

  if (json_is_integer(value)) {
    snprintf(number, sizeof(number), "%lld",
             (long long)json_integer_value(value));
    *key = strdup(number);
  } else if (json_is_string(value) && json_string_length(value) > 0) {
    if (strchr(json_string_value(value), ','))
      return refuse(code, "invalid_dedupe_value", message, len,
                    "the dedupe field %s (record path %s) holds a comma, "
                    "which Get Leads cannot look up",
                    cfg->dedupe_field, path);
    *key = strdup(json_string_value(value));
  } else {
    return refuse(code, "missing_dedupe_value", message, len,
                  "no value for the dedupe field %s (record path %s): a "
                  "non-empty string or an integer is needed",
                  cfg->dedupe_field, path);
  }
  return *key ? TF_OK : TF_ERR_NOMEM;
}

int mkto_map_record(const mkto_config *cfg, const tf_record *rec,
                    json_t **fields, char **key, const char **code,
                    char *message, size_t message_len)
{
  int rc;

  *fields = NULL;
  *key = NULL;
  if (!tf_record_json(rec))
    return refuse(code, "not_json", message, message_len,
                  "the record holds no JSON object");
  *fields = json_object();
  if (!*fields)
    return TF_ERR_NOMEM;
  rc = copy_fields(cfg, rec, *fields, code, message, message_len);
  if (rc == TF_OK)
    rc = dedupe_key(cfg, *fields, key, code, message, message_len);
  if (rc != TF_OK) {
    json_decref(*fields);
    *fields = NULL;
  }
  return rc;
}
