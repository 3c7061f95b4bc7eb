/*
 * lookup.c - Get Leads by filter type and the newest match per value (see
 * lookup.h).
 *
 * GET /rest/v1/leads.json?filterType=F&filterValues=v1,v2,...
 *     &fields=id,updatedAt,F&batchSize=300[&nextPageToken=T]
 * The client turns it into POST ?_method=GET when the URL passes 8 KB.
 * Pages are read while Marketo says moreResult (up to 300 leads each; it
 * refuses more than 1000 matches with 1003).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include "http.h"
#include "lookup.h"

#define LEADS_PATH "/rest/v1/leads.json"
/* 1000 matches at most, 300 a page. */
#define MAX_PAGES 5

static void on_page(void *ud, const mkto_outcome *outcome);

/* Appends text to *buf (size *cap, used *len).  TF_OK or TF_ERR_NOMEM. */
static int append(char **buf, size_t *len, size_t *cap, const char *text)
{
  size_t add = strlen(text);

  if (*len + add + 1 > *cap) {
    size_t size = *cap ? *cap : 256;
    char *grown;

    while (*len + add + 1 > size)
      size *= 2;
    grown = realloc(*buf, size);
    if (!grown)
      return TF_ERR_NOMEM;
    *buf = grown;
    *cap = size;
  }
  memcpy(*buf + *len, text, add + 1);
  *len += add;
  return TF_OK;
}

static int append_escaped(char **buf, size_t *len, size_t *cap,
                          const char *text)
{
  char *escaped = mkto_url_escape(text);
  int rc;

  if (!escaped)
    return TF_ERR_NOMEM;
  rc = append(buf, len, cap, escaped);
  free(escaped);
  return rc;
}

static char *build_query(const mkto_lookup *lk)
{
  const char *field = lk->env->cfg->dedupe_field;
  char *buf = NULL;
  size_t len = 0, cap = 0, i;
  int rc;

  rc = append(&buf, &len, &cap, "filterType=");
  rc = rc ? rc : append_escaped(&buf, &len, &cap, field);
  rc = rc ? rc : append(&buf, &len, &cap, "&filterValues=");
  for (i = 0; rc == TF_OK && i < lk->n; i++) {
    if (i > 0)
      rc = append(&buf, &len, &cap, ",");
    rc = rc ? rc : append_escaped(&buf, &len, &cap, lk->groups[i]->key);
  }
  rc = rc ? rc : append(&buf, &len, &cap, "&fields=id,updatedAt,");
  rc = rc ? rc : append_escaped(&buf, &len, &cap, field);
  rc = rc ? rc : append(&buf, &len, &cap, "&batchSize=300");
  if (rc != TF_OK) {
    free(buf);
    return NULL;
  }
  return buf;
}

static int request_page(mkto_lookup *lk, const char *page_token)
{
  char *query = NULL, *token;
  size_t len = 0, cap = 0;
  int rc;

  if (!page_token)
    return mkto_client_get(lk->env->client, LEADS_PATH, lk->query, on_page, lk);
  token = mkto_url_escape(page_token);
  if (!token)
    return TF_ERR_NOMEM;
  rc = append(&query, &len, &cap, lk->query);
  rc = rc ? rc : append(&query, &len, &cap, "&nextPageToken=");
  rc = rc ? rc : append(&query, &len, &cap, token);
  if (rc == TF_OK)
    rc = mkto_client_get(lk->env->client, LEADS_PATH, query, on_page, lk);
  free(query);
  free(token);
  return rc;
}

int mkto_lookup_start(mkto_lookup *lk, const mkto_env *env, mkto_group **groups,
                      size_t n, mkto_lookup_done done, void *ud)
{
  size_t i;
  int rc;

  memset(lk, 0, sizeof(*lk));
  lk->env = env;
  lk->groups = groups;
  lk->n = n;
  lk->done = done;
  lk->ud = ud;
  lk->by_key = mkto_strmap_new();
  if (!lk->by_key)
    return TF_ERR_NOMEM;
  for (i = 0; i < n; i++) {
    groups[i]->lead_id = 0;
    groups[i]->updated_ms = 0;
    if (mkto_strmap_put(lk->by_key, groups[i]->key, groups[i]) != TF_OK)
      return TF_ERR_NOMEM;
  }
  lk->query = build_query(lk);
  if (!lk->query)
    return TF_ERR_NOMEM;
  rc = request_page(lk, NULL);
  if (rc == TF_OK)
    lk->pages = 1;
  return rc;
}

void mkto_lookup_clear(mkto_lookup *lk)
{
  mkto_strmap_free(lk->by_key);
  free(lk->query);
  lk->by_key = NULL;
  lk->query = NULL;
}

/* The lead's dedupe value as text ("" when absent or not a scalar). */
static void lead_value(const json_t *lead, const char *field, char *buf,
                       size_t len)
{
  const json_t *v = json_object_get(lead, field);

  if (json_is_integer(v))
    snprintf(buf, len, "%lld", (long long)json_integer_value(v));
  else
    snprintf(buf, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Keeps the lead for its group when it is newer than the one kept. */
static void consider(mkto_lookup *lk, const json_t *lead)
{
  char value[1024];
  mkto_group *group;
  int64_t id = json_integer_value(json_object_get(lead, "id"));
  int64_t updated = 0;
  const char *at = json_string_value(json_object_get(lead, "updatedAt"));

  lead_value(lead, lk->env->cfg->dedupe_field, value, sizeof(value));
  group = value[0] ? mkto_strmap_get(lk->by_key, value) : NULL;
  if (!group || id <= 0)
    return;
  if (!at || tf_time_parse(at, &updated) != TF_OK)
    updated = 0;
  if (group->lead_id == 0 || updated > group->updated_ms ||
      (updated == group->updated_ms && id > group->lead_id)) {
    group->lead_id = id;
    group->updated_ms = updated;
  }
}

static void on_page(void *ud, const mkto_outcome *outcome)
{
  mkto_lookup *lk = ud;
  const json_t *result, *lead, *more;
  const char *token;
  mkto_outcome failure;
  size_t i;

  if (outcome->code) {
    lk->done(lk->ud, outcome);
    return;
  }
  result = json_object_get(outcome->body, "result");
  json_array_foreach (result, i, lead)
    consider(lk, lead);
  more = json_object_get(outcome->body, "moreResult");
  token = json_string_value(json_object_get(outcome->body, "nextPageToken"));
  if (!json_is_true(more) || !token || token[0] == '\0') {
    lk->done(lk->ud, NULL);
    return;
  }
  failure.body = NULL;
  failure.code = "marketo_bad_response";
  failure.message = "Get Leads kept announcing more results";
  if (lk->pages >= MAX_PAGES) {
    lk->done(lk->ud, &failure);
    return;
  }
  if (request_page(lk, token) != TF_OK) {
    mkto_client_fail(lk->env->client, "out of memory");
    return;
  }
  lk->pages++;
}
