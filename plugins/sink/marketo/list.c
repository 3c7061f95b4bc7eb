/*
 * list.c - static list membership (see list.h).
 *
 * POST /rest/v1/lists/{listId}/leads.json  {"input": [{"id": 7}, ...]}
 * Results are matched to leads by id (each id is sent once, even when two
 * groups found the same lead).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "list.h"

static void on_listed(void *ud, const mkto_outcome *outcome);

static int seen_before(const mkto_list *l, size_t i)
{
  size_t j;

  for (j = 0; j < i; j++) {
    if (l->groups[j]->lead_id == l->groups[i]->lead_id)
      return 1;
  }
  return 0;
}

static char *build_body(const mkto_list *l)
{
  json_t *req = json_object(), *input = json_array();
  char *text = NULL;
  size_t i;
  int rc = req && input ? 0 : -1;

  for (i = 0; rc == 0 && i < l->n; i++) {
    json_t *item;

    if (seen_before(l, i))
      continue;
    item = json_pack("{sI}", "id", (json_int_t)l->groups[i]->lead_id);
    rc = json_array_append_new(input, item);
  }
  if (rc == 0 && json_object_set(req, "input", input) == 0)
    text = json_dumps(req, JSON_COMPACT);
  json_decref(input);
  json_decref(req);
  return text;
}

int mkto_list_start(mkto_list *l, const mkto_env *env, mkto_group **groups,
                    size_t n, mkto_step_done done, void *ud)
{
  char path[96], *body;
  int rc;

  memset(l, 0, sizeof(*l));
  l->env = env;
  l->done = done;
  l->ud = ud;
  l->groups = malloc(n * sizeof(*l->groups));
  if (!l->groups)
    return TF_ERR_NOMEM;
  memcpy(l->groups, groups, n * sizeof(*groups));
  l->n = n;
  body = build_body(l);
  if (!body)
    return TF_ERR_NOMEM;
  snprintf(path, sizeof(path), "/rest/v1/lists/%lld/leads.json",
           (long long)env->cfg->list_id);
  rc = mkto_client_post_json(env->client, path, body, on_listed, l);
  free(body);
  return rc;
}

void mkto_list_clear(mkto_list *l)
{
  free(l->groups);
  l->groups = NULL;
  l->n = 0;
}

static const json_t *result_for(const json_t *result, int64_t id)
{
  const json_t *item;
  size_t i;

  json_array_foreach (result, i, item) {
    if (json_integer_value(json_object_get(item, "id")) == id)
      return item;
  }
  return NULL;
}

static void apply(mkto_list *l, mkto_group *group, const json_t *item)
{
  mkto_item it;

  if (!item) {
    mkto_group_reject(group, l->env, "marketo_bad_response",
                      "Add to List answered without this lead");
    return;
  }
  mkto_item_read(item, &it);
  if (it.status && strcmp(it.status, "added") == 0)
    l->env->host->metric(l->env->ctx, "leads_added_to_list", 1);
  else if (it.status && strcmp(it.status, "skipped") == 0)
    mkto_group_skip(group, l->env, &it, "Add to List");
  else
    mkto_group_reject(group, l->env, "marketo_bad_response",
                      "Add to List answered without a status for this lead");
}

static void on_listed(void *ud, const mkto_outcome *outcome)
{
  mkto_list *l = ud;
  char message[700];
  size_t i;

  if (outcome->code) {
    snprintf(message, sizeof(message), "Add to List %lld failed%s: %s",
             (long long)l->env->cfg->list_id,
             l->env->cfg->write_profile ? " (the lead itself was written)" : "",
             outcome->message);
    for (i = 0; i < l->n; i++)
      mkto_group_reject(l->groups[i], l->env, outcome->code, message);
  } else {
    const json_t *result = json_object_get(outcome->body, "result");

    for (i = 0; i < l->n; i++)
      apply(l, l->groups[i], result_for(result, l->groups[i]->lead_id));
  }
  l->done(l->ud);
}
