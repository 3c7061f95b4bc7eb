/*
 * hwmark.c - the mark and the ids at the mark (hwmark.h).
 */
#include "hwmark.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>

void hwmark_init(hwmark *m, int64_t ms)
{
  m->ms = ms;
  m->ids = NULL;
  m->nids = m->cap = 0;
}

static void forget_ids(hwmark *m)
{
  size_t i;

  for (i = 0; i < m->nids; i++)
    free(m->ids[i]);
  m->nids = 0;
}

void hwmark_clear(hwmark *m)
{
  forget_ids(m);
  free(m->ids);
  hwmark_init(m, HWMARK_NONE);
}

int hwmark_taken(const hwmark *m, const char *id, int64_t ms)
{
  size_t i;

  if (ms != m->ms)
    return ms < m->ms; /* never true without a mark (HWMARK_NONE) */
  for (i = 0; i < m->nids; i++)
    if (strcmp(m->ids[i], id) == 0)
      return 1;
  return 0;
}

int hwmark_take(hwmark *m, const char *id, int64_t ms)
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

int hwmark_save(const hwmark *m, json_t *pos, const char *ms_key)
{
  json_t *ids;
  size_t i;

  if (m->ms == HWMARK_NONE)
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
      json_object_set_new(pos, ms_key, json_integer((json_int_t)m->ms)) != 0)
    return TF_ERR_NOMEM;
  return TF_OK;
}

int hwmark_load(hwmark *m, const json_t *pos, const char *ms_key, char *why,
                size_t why_len)
{
  const json_t *ms = json_object_get(pos, ms_key);
  const json_t *ids = json_object_get(pos, "ids_at_mark");
  const json_t *v;
  size_t i;
  int rc;

  hwmark_clear(m);
  if (!ms && !ids)
    return TF_OK; /* a position saved before anything was taken */
  if (!json_is_integer(ms) || !json_is_array(ids)) {
    snprintf(why, why_len,
             "\"%s\" (an integer) or \"ids_at_mark\" (an array) is missing",
             ms_key);
    return TF_ERR_INVAL;
  }
  m->ms = (int64_t)json_integer_value(ms);
  json_array_foreach (ids, i, v) {
    if (!json_is_string(v)) {
      snprintf(why, why_len, "ids_at_mark[%zu] is not a string", i);
      hwmark_clear(m);
      return TF_ERR_INVAL;
    }
    rc = hwmark_take(m, json_string_value(v), m->ms);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}
