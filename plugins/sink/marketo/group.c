/*
 * group.c - merged records of one dedupe value and their outcome (see
 * group.h).  Owns the merged fields, the key and one reference per record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "group.h"

static int push_record(mkto_group *group, tf_record *rec)
{
  if (group->n_records == group->cap_records) {
    size_t cap = group->cap_records ? group->cap_records * 2 : 1;
    tf_record **grown = realloc(group->records, cap * sizeof(*grown));

    if (!grown)
      return TF_ERR_NOMEM;
    group->records = grown;
    group->cap_records = cap;
  }
  group->records[group->n_records++] = tf_record_ref(rec);
  return TF_OK;
}

mkto_group *mkto_group_new(char *key, json_t *fields, tf_record *rec)
{
  mkto_group *group = calloc(1, sizeof(*group));

  if (!group)
    goto out_free_inputs;
  group->key = key;
  group->fields = fields;
  if (push_record(group, rec) != TF_OK) {
    mkto_group_free(group);
    return NULL;
  }
  return group;

out_free_inputs:
  free(key);
  json_decref(fields);
  return NULL;
}

int mkto_group_merge(mkto_group *group, json_t *fields, tf_record *rec)
{
  int rc =
      json_object_update(group->fields, fields) == 0 ? TF_OK : TF_ERR_NOMEM;

  json_decref(fields);
  if (rc == TF_OK)
    rc = push_record(group, rec);
  return rc;
}

void mkto_group_free(mkto_group *group)
{
  size_t i;

  if (!group)
    return;
  for (i = 0; i < group->n_records; i++)
    tf_record_unref(group->records[i]);
  free(group->records);
  free(group->key);
  json_decref(group->fields);
  free(group);
}

const char *mkto_group_missing_for_create(const mkto_group *group)
{
  static const char *const required[] = {"email", "firstName", "lastName",
                                         NULL};
  size_t i;

  for (i = 0; required[i]; i++) {
    const json_t *v = json_object_get(group->fields, required[i]);

    if (!v || (json_is_string(v) && json_string_length(v) == 0))
      return required[i];
  }
  return NULL;
}

void mkto_group_reject(mkto_group *group, const mkto_env *env, const char *code,
                       const char *message)
{
  size_t i;

  group->state = MKTO_GROUP_REJECTED;
  for (i = 0; i < group->n_records; i++) {
    if (env->host->reject(env->ctx, group->records[i], code, message) !=
        TF_OK) {
      mkto_client_fail(env->client, "cannot write the dead-letter output");
      return;
    }
  }
}

void mkto_group_skip(mkto_group *group, const mkto_env *env,
                     const mkto_item *item, const char *what)
{
  char code[48], metric[48], message[512];
  const char *reason = item->code ? item->code : "unknown";

  snprintf(code, sizeof(code), "marketo_%s", reason);
  snprintf(metric, sizeof(metric), "skipped_%s", reason);
  snprintf(message, sizeof(message), "%s skipped the lead (%s=%s): %s %s", what,
           env->cfg->dedupe_field, group->key, reason,
           item->message ? item->message : "(no message)");
  env->host->metric(env->ctx, metric, 1);
  mkto_group_reject(group, env, code, message);
}

void mkto_group_recheck(mkto_group *group, const mkto_item *item,
                        const char *what)
{
  group->state = MKTO_GROUP_RECHECK;
  snprintf(group->reason_code, sizeof(group->reason_code), "marketo_%s",
           item->code ? item->code : "unknown");
  snprintf(group->reason, sizeof(group->reason), "%s: %s %s", what,
           item->code ? item->code : "unknown",
           item->message ? item->message : "(no message)");
}
