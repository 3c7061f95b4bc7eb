/*
 * sf_mark.c - the mark and the ids at the mark (sf_mark.h).
 */
#include "sf_mark.h"
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>

void sf_mark_init(sf_mark *m, int64_t ms)
{
  m->ms = ms;
  m->ids = NULL;
  m->nids = m->cap = 0;
}

static void forget_ids(sf_mark *m)
{
  size_t i;

  for (i = 0; i < m->nids; i++)
    free(m->ids[i]);
  m->nids = 0;
}

void sf_mark_clear(sf_mark *m)
{
  forget_ids(m);
  free(m->ids);
  sf_mark_init(m, SF_MARK_NONE);
}

int sf_mark_taken(const sf_mark *m, const char *id, int64_t ms)
{
  size_t i;

  if (m->ms == SF_MARK_NONE || ms > m->ms)
    return 0;
  if (ms < m->ms)
    return 1;
  for (i = 0; i < m->nids; i++)
    if (strcmp(m->ids[i], id) == 0)
      return 1;
  return 0;
}

int sf_mark_take(sf_mark *m, const char *id, int64_t ms)
{
  if (m->ms == SF_MARK_NONE || ms > m->ms) {
    m->ms = ms;
    forget_ids(m);
  }
  if (m->nids == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 8;
    char **ids = realloc(m->ids, cap * sizeof(*ids));

    if (!ids)
      return TF_ERR_NOMEM;
    m->ids = ids;
    m->cap = cap;
  }
  m->ids[m->nids] = strdup(id);
  if (!m->ids[m->nids])
    return TF_ERR_NOMEM;
  m->nids++;
  return TF_OK;
}

int sf_mark_save(const sf_mark *m, json_t *pos)
{
  json_t *ids = json_array();
  size_t i;
  int rc = ids ? TF_OK : TF_ERR_NOMEM;

  for (i = 0; rc == TF_OK && i < m->nids; i++)
    if (json_array_append_new(ids, json_string(m->ids[i])) != 0)
      rc = TF_ERR_NOMEM;
  if (rc == TF_OK && m->ms != SF_MARK_NONE &&
      json_object_set_new(pos, "modstamp_ms", json_integer(m->ms)) != 0)
    rc = TF_ERR_NOMEM;
  if (rc == TF_OK && json_object_set(pos, "ids_at_mark", ids) != 0)
    rc = TF_ERR_NOMEM;
  json_decref(ids);
  return rc;
}

int sf_mark_load(sf_mark *m, const json_t *pos)
{
  const json_t *ms = json_object_get(pos, "modstamp_ms");
  const json_t *ids = json_object_get(pos, "ids_at_mark");
  const json_t *v;
  size_t i;
  int rc = TF_OK;

  if ((ms && !json_is_integer(ms)) || !json_is_array(ids) ||
      (!ms && json_array_size(ids) > 0))
    return TF_ERR_INVAL;
  json_array_foreach (ids, i, v)
    if (!json_is_string(v))
      return TF_ERR_INVAL;
  sf_mark_clear(m);
  if (!ms)
    return TF_OK;
  m->ms = (int64_t)json_integer_value(ms);
  json_array_foreach (ids, i, v) {
    rc = sf_mark_take(m, json_string_value(v), m->ms);
    if (rc != TF_OK)
      break;
  }
  return rc;
}
