/*
 * drift_input.c - reading Drift conversations, messages, contacts and
 * webhook events out of records, and rebuilding the nesting of flat CSV
 * rows.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include <touchflow/fields.h>
#include "drift_email.h"
#include "drift_input.h"

/* Fields that hold an object or an array, which a CSV cell may carry as
 * JSON text. */
static const char *const structured_keys[] = {"data",   "messages",   "contact",
                                              "author", "attributes", NULL};

/* --- CSV rows back into nested objects -------------------------------- */

static int is_structured_key(const char *key)
{
  size_t i;

  for (i = 0; structured_keys[i]; i++)
    if (strcmp(key, structured_keys[i]) == 0)
      return 1;
  return 0;
}

static int looks_like_json_text(const json_t *value)
{
  const char *s = json_string_value(value);

  while (s && isspace((unsigned char)*s))
    s++;
  return s && (*s == '{' || *s == '[');
}

static int needs_rebuild(const json_t *obj)
{
  const char *key;
  json_t *value;

  json_object_foreach ((json_t *)obj, key, value) {
    if (strchr(key, '.') ||
        (is_structured_key(key) && looks_like_json_text(value)))
      return 1;
  }
  return 0;
}

/* Replaces structured fields held as JSON text by their parsed value, in
 * obj and every object below it.  Text that does not parse as an object
 * or an array stays as it is (the shape checks refuse it later). */
static int parse_json_cells(json_t *value)
{
  const char *key;
  json_t *child;
  size_t i;

  if (json_is_array(value)) {
    json_array_foreach (value, i, child) {
      if (parse_json_cells(child) != TF_OK)
        return TF_ERR_NOMEM;
    }
    return TF_OK;
  }
  json_object_foreach (value, key, child) {
    if (is_structured_key(key) && looks_like_json_text(child)) {
      json_t *parsed =
          json_loads(json_string_value(child), JSON_REJECT_DUPLICATES, NULL);

      if (json_is_object(parsed) || json_is_array(parsed)) {
        if (json_object_set_new(value, key, parsed) != 0)
          return TF_ERR_NOMEM;
        child = parsed;
      } else {
        json_decref(parsed);
      }
    }
    if (parse_json_cells(child) != TF_OK)
      return TF_ERR_NOMEM;
  }
  return TF_OK;
}

/* Sets root.<a>.<b>... = value (stolen), making objects on the way and
 * replacing what is not one. */
static int set_dotted(json_t *root, const char *dotted, json_t *value)
{
  const char *dot;

  while ((dot = strchr(dotted, '.')) != NULL) {
    char *part = strndup(dotted, (size_t)(dot - dotted));
    json_t *next = part ? json_object_get(root, part) : NULL;

    if (part && !json_is_object(next)) {
      next = json_object();
      if (json_object_set_new(root, part, next) != 0)
        next = NULL;
    }
    free(part);
    if (!next)
      goto out_drop_value;
    root = next;
    dotted = dot + 1;
  }
  return json_object_set_new(root, dotted, value) == 0 ? TF_OK : TF_ERR_NOMEM;
out_drop_value:
  json_decref(value);
  return TF_ERR_NOMEM;
}

static int unflatten(json_t *copy, const json_t *obj)
{
  const char *key;
  json_t *value;

  json_object_foreach ((json_t *)obj, key, value) {
    if (!strchr(key, '.'))
      continue;
    json_object_del(copy, key);
    if (set_dotted(copy, key, json_deep_copy(value)) != TF_OK)
      return TF_ERR_NOMEM;
  }
  return TF_OK;
}

int drift_input_normalize(const json_t *obj, json_t **owned)
{
  json_t *copy;

  *owned = NULL;
  if (!json_is_object(obj) || !needs_rebuild(obj))
    return TF_OK;
  copy = json_deep_copy(obj);
  if (!copy)
    return TF_ERR_NOMEM;
  if (parse_json_cells(copy) != TF_OK || unflatten(copy, obj) != TF_OK ||
      parse_json_cells(copy) != TF_OK) {
    json_decref(copy);
    return TF_ERR_NOMEM;
  }
  *owned = copy;
  return TF_OK;
}

/* --- Scalars ----------------------------------------------------------- */

static int id_from_text(const char *s, int64_t *id)
{
  int64_t v = 0;

  if (!*s)
    return TF_ERR_PARSE;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
      return TF_ERR_PARSE;
    v = v * 10 + (*s - '0');
  }
  *id = v;
  return TF_OK;
}

int drift_input_id(const json_t *value, int64_t *id)
{
  if (tf_field_is_unset(value))
    return TF_ERR_NOTFOUND;
  if (json_is_integer(value) && json_integer_value(value) >= 0) {
    *id = (int64_t)json_integer_value(value);
    return TF_OK;
  }
  if (json_is_string(value))
    return id_from_text(json_string_value(value), id);
  return TF_ERR_PARSE;
}

int drift_input_email(const json_t *value, char **email)
{
  *email = NULL;
  if (!json_is_string(value))
    return TF_ERR_NOTFOUND;
  return drift_email_find(json_string_value(value), json_string_length(value),
                          email);
}

/* --- Shapes ------------------------------------------------------------ */

const char *drift_input_event_type(const json_t *obj)
{
  const char *type = json_string_value(json_object_get(obj, "type"));

  if (!type || !*type || !json_object_get(obj, "data"))
    return NULL;
  return type;
}

/* A conversation has an id, no conversationId (that is a message) and
 * some conversation field (a contact has an id and attributes only). */
static int is_conversation(const json_t *obj)
{
  static const char *const fields[] = {"messages", "contactId",    "contact",
                                       "status",   "participants", "inboxId",
                                       NULL};
  size_t i;

  if (!json_is_object(obj) || tf_field_is_unset(json_object_get(obj, "id")) ||
      !tf_field_is_unset(json_object_get(obj, "conversationId")))
    return 0;
  for (i = 0; fields[i]; i++)
    if (!tf_field_is_unset(json_object_get(obj, fields[i])))
      return 1;
  return 0;
}

const json_t *drift_input_conversation(const json_t *obj)
{
  const json_t *data = json_object_get(obj, "data");

  if (drift_input_event_type(obj))
    return NULL;
  if (is_conversation(obj))
    return obj;
  return is_conversation(data) ? data : NULL;
}

const json_t *drift_input_messages(const json_t *conv)
{
  const json_t *v = json_object_get(conv, "messages");
  const json_t *inner;

  if (json_is_array(v))
    return v;
  inner = json_object_get(v, "messages");
  if (json_is_array(inner))
    return inner;
  inner = json_object_get(json_object_get(v, "data"), "messages");
  return json_is_array(inner) ? inner : NULL;
}

const json_t *drift_input_contact(const json_t *conv)
{
  const json_t *v = json_object_get(conv, "contact");
  const json_t *data = json_object_get(v, "data");

  if (json_is_object(data) && !json_object_get(v, "id"))
    return data;
  return json_is_object(v) ? v : NULL;
}

int drift_input_by_contact(const json_t *message)
{
  static const char *const types[] = {"contact", "end_user", "end user",
                                      "enduser", NULL};
  const char *type = json_string_value(
      json_object_get(json_object_get(message, "author"), "type"));
  size_t i;

  for (i = 0; type && types[i]; i++)
    if (strcasecmp(type, types[i]) == 0)
      return 1;
  return 0;
}

/* --- BizibleId --------------------------------------------------------- */

int drift_input_biz_uid(const json_t *contact, const char *attribute,
                        char **biz_uid)
{
  const json_t *v =
      json_object_get(json_object_get(contact, "attributes"), attribute);
  char text[TF_BIZIBLE_ID_LEN + 1];
  tf_field_problem why;

  *biz_uid = NULL;
  if (tf_field_bizible_id_value(v, attribute, text, &why) != TF_OK)
    return TF_ERR_PARSE;
  if (!text[0])
    return TF_OK;
  *biz_uid = strdup(text);
  return *biz_uid ? TF_OK : TF_ERR_NOMEM;
}
