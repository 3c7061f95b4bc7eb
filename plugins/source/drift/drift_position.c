/*
 * drift_position.c - the drift_chat state as JSON, for the source's
 * position() and seek() (README.md "Resuming"):
 *
 *   {"phase": "reading" | "draining",
 *    "open": [{"id", "contact", "start", "last", "email_without_time",
 *              "biz_uid", "moment": {"ts", "email", "file", "line"}}],
 *    "contacts": [{"id", "biz_uid", "identified": MOMENT}],
 *    "emitted": [ID, ...],
 *    "pending": [{"ts", "id", "file", "line", "event": {...}}]}
 *
 * Optional members of "open" and "contacts" entries are left out when
 * unset.  Lists are sorted by id (pending: in the order they go out), so
 * the same state always gives the same text.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/plugin.h>
#include <touchflow/record_json.h>
#include "drift_state.h"

/* --- Saving ------------------------------------------------------------- */

static int set_int(json_t *obj, const char *key, int64_t v)
{
  return json_object_set_new(obj, key, json_integer((json_int_t)v)) == 0
             ? TF_OK
             : TF_ERR_NOMEM;
}

static int set_string(json_t *obj, const char *key, const char *v)
{
  if (!v)
    return TF_OK;
  return json_object_set_new(obj, key, json_string(v)) == 0 ? TF_OK
                                                            : TF_ERR_NOMEM;
}

static int set_origin(json_t *obj, const char *file, long line)
{
  if (json_object_set_new(obj, "file", file ? json_string(file) : json_null()))
    return TF_ERR_NOMEM;
  return set_int(obj, "line", line);
}

/* A moment as {"ts", "email", "file", "line"} under key, when set. */
static int set_moment(const drift_chat *chat, json_t *obj, const char *key,
                      const drift_moment *m)
{
  json_t *j;
  int rc;

  if (!m->set)
    return TF_OK;
  j = json_object();
  if (!j || json_object_set_new(obj, key, j) != 0)
    return TF_ERR_NOMEM;
  rc = set_int(j, "ts", m->ts);
  if (rc == TF_OK)
    rc = set_string(j, "email", m->email);
  if (rc == TF_OK)
    rc = set_origin(
        j, m->origin.file == DRIFT_NO_FILE ? NULL : chat->files[m->origin.file],
        m->origin.line);
  return rc;
}

static json_t *conv_json(const drift_chat *chat, const drift_conv *c)
{
  json_t *j = json_object();
  int rc = j ? set_int(j, "id", c->id) : TF_ERR_NOMEM;

  if (rc == TF_OK && c->has_contact)
    rc = set_int(j, "contact", c->contact_id);
  if (rc == TF_OK && c->has_start)
    rc = set_int(j, "start", c->start);
  if (rc == TF_OK && c->has_last)
    rc = set_int(j, "last", c->last);
  if (rc == TF_OK && c->email_without_time)
    rc = json_object_set_new(j, "email_without_time", json_true()) == 0
             ? TF_OK
             : TF_ERR_NOMEM;
  if (rc == TF_OK)
    rc = set_string(j, "biz_uid", c->biz_uid);
  if (rc == TF_OK)
    rc = set_moment(chat, j, "moment", &c->moment);
  if (rc != TF_OK) {
    json_decref(j);
    return NULL;
  }
  return j;
}

static json_t *contact_json(const drift_chat *chat, int64_t id,
                            const drift_contact *c)
{
  json_t *j = json_object();
  int rc = j ? set_int(j, "id", id) : TF_ERR_NOMEM;

  if (rc == TF_OK)
    rc = set_string(j, "biz_uid", c->biz_uid);
  if (rc == TF_OK)
    rc = set_moment(chat, j, "identified", &c->identified);
  if (rc != TF_OK) {
    json_decref(j);
    return NULL;
  }
  return j;
}

static int compare_ids(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

  return (x > y) - (x < y);
}

/* The keys of map (only emitted conversations when `emitted` is 1, only
 * open ones when 0, all when -1), sorted, in a new array (*n of them). */
static int64_t *sorted_keys(const drift_map *map, int emitted, size_t *n)
{
  int64_t *ids = malloc((map->count + 1) * sizeof(*ids));
  size_t iter = 0;
  int64_t key;
  const drift_conv *conv;

  *n = 0;
  if (!ids)
    return NULL;
  while ((conv = drift_map_next(map, &iter, &key)) != NULL)
    if (emitted < 0 || conv->emitted == emitted)
      ids[(*n)++] = key;
  qsort(ids, *n, sizeof(*ids), compare_ids);
  return ids;
}

/* Appends one entry per key of map (as sorted_keys selects them). */
static int save_list(const drift_chat *chat, json_t *list, const drift_map *map,
                     int which)
{
  size_t i, n;
  int64_t *ids = sorted_keys(map, which, &n);
  int rc = ids ? TF_OK : TF_ERR_NOMEM;

  for (i = 0; rc == TF_OK && i < n; i++) {
    const void *v = drift_map_get(map, ids[i]);
    json_t *entry = which == 1   ? json_integer((json_int_t)ids[i])
                    : which == 0 ? conv_json(chat, v)
                                 : contact_json(chat, ids[i], v);

    if (json_array_append_new(list, entry) != 0)
      rc = TF_ERR_NOMEM;
  }
  free(ids);
  return rc;
}

static json_t *pending_json(const drift_pending *p)
{
  tf_origin o = tf_record_origin(p->rec);
  json_t *j = json_object();
  int rc = j ? set_int(j, "ts", p->ts) : TF_ERR_NOMEM;

  if (rc == TF_OK)
    rc = set_int(j, "id", p->id);
  if (rc == TF_OK)
    rc = set_origin(j, o.file, o.line);
  if (rc == TF_OK &&
      json_object_set_new(j, "event", json_deep_copy(tf_record_json(p->rec))) !=
          0)
    rc = TF_ERR_NOMEM;
  if (rc != TF_OK) {
    json_decref(j);
    return NULL;
  }
  return j;
}

static int save_pending(const drift_chat *chat, json_t *list)
{
  size_t i;

  for (i = chat->next_pending; i < chat->npending; i++)
    if (json_array_append_new(list, pending_json(&chat->pending[i])) != 0)
      return TF_ERR_NOMEM;
  return TF_OK;
}

int drift_chat_save(const drift_chat *chat, json_t *position)
{
  json_t *open = json_array(), *contacts = json_array();
  json_t *emitted = json_array(), *pending = json_array();
  int rc = TF_ERR_NOMEM;

  if (json_object_set_new(
          position, "phase",
          json_string(chat->finished ? "draining" : "reading")) != 0 ||
      json_object_set_new(position, "open", open) != 0 ||
      json_object_set_new(position, "contacts", contacts) != 0 ||
      json_object_set_new(position, "emitted", emitted) != 0 ||
      json_object_set_new(position, "pending", pending) != 0)
    return TF_ERR_NOMEM;
  rc = save_list(chat, open, &chat->convs, 0);
  if (rc == TF_OK)
    rc = save_list(chat, contacts, &chat->contacts, -1);
  if (rc == TF_OK)
    rc = save_list(chat, emitted, &chat->convs, 1);
  if (rc == TF_OK)
    rc = save_pending(chat, pending);
  return rc;
}

int drift_chat_position(const drift_chat *chat, json_t *position, int rc,
                        json_t **out)
{
  if (rc == TF_OK && !position)
    rc = TF_ERR_NOMEM;
  if (rc == TF_OK)
    rc = drift_chat_save(chat, position);
  if (rc != TF_OK) {
    json_decref(position);
    return rc;
  }
  *out = position;
  return TF_OK;
}

/* --- Loading ------------------------------------------------------------ */

/* Logs why the position cannot be used; returns TF_ERR_INVAL. */
static int bad(drift_chat *chat, const char *what, const json_error_t *err)
{
  chat->host->log(chat->ctx, TF_LOG_ERROR,
                  "cannot resume from the position: %s%s%s", what,
                  err ? ": " : "", err ? err->text : "");
  return TF_ERR_INVAL;
}

/* An optional integer member: *has says whether it was there. */
static int opt_int(const json_t *v, int64_t *out, int *has)
{
  *has = v != NULL;
  if (!v)
    return TF_OK;
  if (!json_is_integer(v))
    return TF_ERR_INVAL;
  *out = (int64_t)json_integer_value(v);
  return TF_OK;
}

static int opt_string(const json_t *v, char **out)
{
  if (!v)
    return TF_OK;
  if (!json_is_string(v))
    return TF_ERR_INVAL;
  *out = strdup(json_string_value(v));
  return *out ? TF_OK : TF_ERR_NOMEM;
}

static int load_origin(drift_chat *chat, const json_t *file, json_int_t line,
                       drift_origin *o)
{
  o->file = DRIFT_NO_FILE;
  o->line = (long)line;
  if (json_is_null(file))
    return TF_OK;
  if (!json_is_string(file))
    return TF_ERR_INVAL;
  return drift_state_intern(chat, json_string_value(file), &o->file);
}

static int load_moment(drift_chat *chat, const json_t *j, drift_moment *m)
{
  json_int_t ts, line;
  const char *email;
  json_t *file;

  if (!j)
    return TF_OK;
  if (json_unpack((json_t *)j, "{s:I, s:s, s:o, s:I !}", "ts", &ts, "email",
                  &email, "file", &file, "line", &line) != 0)
    return TF_ERR_INVAL;
  m->email = strdup(email);
  if (!m->email)
    return TF_ERR_NOMEM;
  m->set = 1;
  m->ts = ts;
  return load_origin(chat, file, line, &m->origin);
}

static int load_conv(drift_chat *chat, const json_t *j)
{
  json_t *contact = NULL, *start = NULL, *last = NULL, *moment = NULL;
  json_t *biz = NULL;
  json_int_t id;
  int ewt = 0, rc;
  drift_conv *c;

  if (json_unpack((json_t *)j, "{s:I, s?o, s?o, s?o, s?b, s?o, s?o !}", "id",
                  &id, "contact", &contact, "start", &start, "last", &last,
                  "email_without_time", &ewt, "biz_uid", &biz, "moment",
                  &moment) != 0 ||
      drift_map_get(&chat->convs, id))
    return TF_ERR_INVAL;
  c = drift_state_conv(chat, id);
  if (!c)
    return TF_ERR_NOMEM;
  c->email_without_time = ewt;
  rc = opt_int(contact, &c->contact_id, &c->has_contact);
  if (rc == TF_OK)
    rc = opt_int(start, &c->start, &c->has_start);
  if (rc == TF_OK)
    rc = opt_int(last, &c->last, &c->has_last);
  if (rc == TF_OK)
    rc = opt_string(biz, &c->biz_uid);
  return rc == TF_OK ? load_moment(chat, moment, &c->moment) : rc;
}

static int load_contact(drift_chat *chat, const json_t *j)
{
  json_t *biz = NULL, *identified = NULL;
  json_int_t id;
  drift_contact *c;
  int rc;

  if (json_unpack((json_t *)j, "{s:I, s?o, s?o !}", "id", &id, "biz_uid", &biz,
                  "identified", &identified) != 0 ||
      drift_map_get(&chat->contacts, id))
    return TF_ERR_INVAL;
  c = drift_state_contact(chat, id);
  if (!c)
    return TF_ERR_NOMEM;
  rc = opt_string(biz, &c->biz_uid);
  return rc == TF_OK ? load_moment(chat, identified, &c->identified) : rc;
}

static int load_emitted(drift_chat *chat, const json_t *j)
{
  drift_conv *c;
  int rc;

  if (!json_is_integer(j) || drift_map_get(&chat->convs, json_integer_value(j)))
    return TF_ERR_INVAL;
  c = calloc(1, sizeof(*c));
  if (!c)
    return TF_ERR_NOMEM;
  c->id = (int64_t)json_integer_value(j);
  c->emitted = 1;
  rc = drift_map_put(&chat->convs, c->id, c);
  if (rc != TF_OK)
    free(c);
  return rc;
}

static int load_pending(drift_chat *chat, const json_t *j)
{
  drift_pending *p = &chat->pending[chat->npending];
  json_int_t ts, id, line;
  json_t *file, *event;
  drift_origin o;
  int rc;

  if (json_unpack((json_t *)j, "{s:I, s:I, s:o, s:I, s:o !}", "ts", &ts, "id",
                  &id, "file", &file, "line", &line, "event", &event) != 0 ||
      !json_is_object(event))
    return TF_ERR_INVAL;
  rc = load_origin(chat, file, line, &o);
  if (rc != TF_OK)
    return rc;
  p->rec = drift_state_record(chat, json_deep_copy(event), &o);
  if (!p->rec)
    return TF_ERR_NOMEM;
  p->ts = ts;
  p->id = id;
  chat->npending++;
  return TF_OK;
}

typedef int (*load_fn)(drift_chat *chat, const json_t *entry);

/* Loads every entry of the array position.<key> with load. */
static int load_list(drift_chat *chat, const json_t *position, const char *key,
                     load_fn load)
{
  const json_t *list = json_object_get(position, key), *entry;
  char what[96];
  size_t i;
  int rc;

  if (!json_is_array(list)) {
    snprintf(what, sizeof(what), "\"%s\" is not an array", key);
    return bad(chat, what, NULL);
  }
  json_array_foreach (list, i, entry) {
    rc = load(chat, entry);
    if (rc == TF_ERR_NOMEM)
      return rc;
    if (rc != TF_OK) {
      snprintf(what, sizeof(what), "\"%s\"[%zu] is malformed or repeated", key,
               i);
      return bad(chat, what, NULL);
    }
  }
  return TF_OK;
}

static int load_phase(drift_chat *chat, const json_t *position)
{
  const char *phase = json_string_value(json_object_get(position, "phase"));
  size_t n = json_array_size(json_object_get(position, "pending"));

  if (!phase || (strcmp(phase, "reading") && strcmp(phase, "draining")))
    return bad(chat, "\"phase\" is neither \"reading\" nor \"draining\"", NULL);
  chat->finished = strcmp(phase, "draining") == 0;
  if (!chat->finished && n > 0)
    return bad(chat, "chats are pending but \"phase\" is \"reading\"", NULL);
  if (!chat->finished)
    return TF_OK;
  chat->pending = calloc(n + 1, sizeof(*chat->pending));
  return chat->pending ? TF_OK : TF_ERR_NOMEM;
}

int drift_chat_load(drift_chat *chat, const json_t *position)
{
  int rc;

  if (chat->convs.count || chat->contacts.count || chat->finished)
    return bad(chat, "the source already read records", NULL);
  if (!json_is_object(position))
    return bad(chat, "not a JSON object", NULL);
  rc = load_phase(chat, position);
  if (rc == TF_OK)
    rc = load_list(chat, position, "open", load_conv);
  if (rc == TF_OK)
    rc = load_list(chat, position, "contacts", load_contact);
  if (rc == TF_OK)
    rc = load_list(chat, position, "emitted", load_emitted);
  if (rc == TF_OK)
    rc = load_list(chat, position, "pending",
                   chat->finished ? load_pending : NULL);
  return rc;
}
