/*
 * sync.c - Sync Leads updateOnly / createOnly and their per-lead results
 * (see sync.h).
 *
 * POST /rest/v1/leads.json
 *   {"action": "updateOnly", "lookupField": "id", "input": [{"id": 7, ...}]}
 *   {"action": "createOnly", "lookupField": F, "partitionName": P,
 *    "input": [{F: ..., "email": ..., ...}]}
 * Results come back in input order (docs/formats.md#sync-leads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "sync.h"

#define LEADS_PATH "/rest/v1/leads.json"

static void on_synced(void *ud, const mkto_outcome *outcome);

static const char *action_name(const mkto_sync *s)
{
  return s->create ? "Sync Leads createOnly" : "Sync Leads updateOnly";
}

static json_t *input_of(const mkto_sync *s, const mkto_group *group)
{
  json_t *lead = json_copy(group->fields);

  if (lead && !s->create &&
      json_object_set_new(lead, "id", json_integer(group->lead_id)) != 0) {
    json_decref(lead);
    return NULL;
  }
  return lead;
}

static char *build_body(const mkto_sync *s)
{
  const mkto_config *cfg = s->env->cfg;
  json_t *req = json_object(), *input = json_array();
  char *text = NULL;
  size_t i;
  int rc = req && input ? 0 : -1;

  for (i = 0; rc == 0 && i < s->n; i++)
    rc = json_array_append_new(input, input_of(s, s->groups[i]));
  if (rc == 0)
    rc = json_object_set_new(
        req, "action", json_string(s->create ? "createOnly" : "updateOnly"));
  if (rc == 0)
    rc = json_object_set_new(req, "lookupField",
                             json_string(s->create ? cfg->dedupe_field : "id"));
  if (rc == 0 && s->create)
    rc = json_object_set_new(req, "partitionName", json_string(cfg->partition));
  if (rc == 0 && json_object_set(req, "input", input) == 0)
    text = json_dumps(req, JSON_COMPACT);
  json_decref(input);
  json_decref(req);
  return text;
}

int mkto_sync_start(mkto_sync *s, const mkto_env *env, mkto_group **groups,
                    size_t n, int create, mkto_step_done done, void *ud)
{
  char *body;
  int rc;

  memset(s, 0, sizeof(*s));
  s->env = env;
  s->create = create;
  s->done = done;
  s->ud = ud;
  s->groups = malloc(n * sizeof(*s->groups));
  if (!s->groups)
    return TF_ERR_NOMEM;
  memcpy(s->groups, groups, n * sizeof(*groups));
  s->n = n;
  body = build_body(s);
  if (!body)
    return TF_ERR_NOMEM;
  rc = mkto_client_post_json(env->client, LEADS_PATH, body, on_synced, s);
  free(body);
  return rc;
}

void mkto_sync_clear(mkto_sync *s)
{
  free(s->groups);
  s->groups = NULL;
  s->n = 0;
}

static void fail_all(mkto_sync *s, const char *code, const char *why)
{
  char message[700];
  size_t i;

  snprintf(message, sizeof(message), "%s failed: %s", action_name(s), why);
  for (i = 0; i < s->n; i++)
    mkto_group_reject(s->groups[i], s->env, code, message);
}

/* One lead's result: the status the action promises, a race, or a skip. */
static void apply(mkto_sync *s, mkto_group *group, const json_t *item)
{
  const char *want = s->create ? "created" : "updated";
  const char *race = s->create ? "1005" : "1004";
  mkto_item it;

  mkto_item_read(item, &it);
  if (it.status && strcmp(it.status, want) == 0) {
    group->state = MKTO_GROUP_DONE;
    if (s->create)
      group->lead_id = it.id;
    s->env->host->metric(s->env->ctx,
                         s->create ? "leads_created" : "leads_updated", 1);
  } else if (it.status && strcmp(it.status, "skipped") == 0 && it.code &&
             strcmp(it.code, race) == 0) {
    mkto_group_recheck(group, &it, action_name(s));
  } else if (it.status && strcmp(it.status, "skipped") == 0) {
    mkto_group_skip(group, s->env, &it, action_name(s));
  } else {
    mkto_group_reject(group, s->env, "marketo_bad_response",
                      "Sync Leads answered without a status for this lead");
  }
}

static void on_synced(void *ud, const mkto_outcome *outcome)
{
  mkto_sync *s = ud;
  const json_t *result;
  size_t i;

  if (outcome->code) {
    fail_all(s, outcome->code, outcome->message);
  } else {
    result = json_object_get(outcome->body, "result");
    if (json_array_size(result) != s->n)
      fail_all(s, "marketo_bad_response",
               "the result does not have one item per lead sent");
    else
      for (i = 0; i < s->n; i++)
        apply(s, s->groups[i], json_array_get(result, i));
  }
  s->done(s->ud);
}
