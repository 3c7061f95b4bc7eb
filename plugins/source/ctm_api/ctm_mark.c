/*
 * ctm_mark.c - the ctm_api source's position (ctm_mark.h): "mark + ids at
 * the mark".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "ctm_mark.h"

void ctm_mark_init(ctm_mark *m)
{
  m->ms = INT64_MIN;
  m->ids = NULL;
  m->nids = m->cap = 0;
}

static void forget_ids(ctm_mark *m)
{
  size_t i;

  for (i = 0; i < m->nids; i++)
    free(m->ids[i]);
  m->nids = 0;
}

void ctm_mark_free(ctm_mark *m)
{
  forget_ids(m);
  free(m->ids);
  ctm_mark_init(m);
}

int ctm_mark_taken(const ctm_mark *m, const char *id, int64_t ms)
{
  size_t i;

  if (ms != m->ms)
    return ms < m->ms;
  for (i = 0; i < m->nids; i++)
    if (strcmp(m->ids[i], id) == 0)
      return 1;
  return 0;
}

int ctm_mark_take(ctm_mark *m, const char *id, int64_t ms)
{
  char *copy;

  if (ms < m->ms)
    return TF_OK;
  if (ms > m->ms) {
    forget_ids(m);
    m->ms = ms;
  }
  if (m->nids == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 8;
    char **ids = realloc(m->ids, cap * sizeof(*ids));

    if (!ids)
      return TF_ERR_NOMEM;
    m->ids = ids;
    m->cap = cap;
  }
  copy = strdup(id);
  if (!copy)
    return TF_ERR_NOMEM;
  m->ids[m->nids++] = copy;
  return TF_OK;
}

int ctm_mark_save(const ctm_mark *m, json_t *pos)
{
  json_t *ids;
  size_t i;

  if (m->ms == INT64_MIN)
    return TF_OK;
  ids = json_array();
  if (!ids)
    return TF_ERR_NOMEM;
  for (i = 0; i < m->nids; i++)
    if (json_array_append_new(ids, json_string(m->ids[i])) != 0) {
      json_decref(ids);
      return TF_ERR_NOMEM;
    }
  if (json_object_set_new(pos, "ids_at_mark", ids) != 0 ||
      json_object_set_new(pos, "mark_ms", json_integer((json_int_t)m->ms)))
    return TF_ERR_NOMEM;
  return TF_OK;
}

int ctm_mark_load(ctm_mark *m, const json_t *pos, char *why, size_t why_len)
{
  const json_t *ms = json_object_get(pos, "mark_ms");
  const json_t *ids = json_object_get(pos, "ids_at_mark");
  const json_t *v;
  size_t i;
  int rc;

  ctm_mark_free(m);
  if (!ms && !ids)
    return TF_OK; /* a position saved before anything was taken */
  if (!json_is_integer(ms) || !json_is_array(ids)) {
    snprintf(why, why_len,
             "\"mark_ms\" (an integer) or \"ids_at_mark\" (an "
             "array) is missing");
    return TF_ERR_INVAL;
  }
  json_array_foreach (ids, i, v) {
    if (!json_is_string(v)) {
      snprintf(why, why_len, "ids_at_mark[%zu] is not a string", i);
      ctm_mark_free(m);
      return TF_ERR_INVAL;
    }
    rc =
        ctm_mark_take(m, json_string_value(v), (int64_t)json_integer_value(ms));
    if (rc != TF_OK)
      return rc;
  }
  m->ms = (int64_t)json_integer_value(ms);
  return TF_OK;
}
