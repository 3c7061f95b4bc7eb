/*
 * job.c - the steps of one batch (see job.h): who is looked up, updated,
 * created, rechecked, added to the list, or dead-lettered and why.
 *
 * Owns its groups and the scratch arrays; the lookup, sync and list
 * states are embedded so that nothing a call points to outlives the job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "job.h"

/* Lookups after the first one, for groups that lost races. */
#define MAX_RECHECKS 3

static void begin_lookup(mkto_job *job);
static void after_writes(mkto_job *job);

static void out_of_memory(mkto_job *job)
{
  mkto_client_fail(job->env->client, "out of memory");
}

int mkto_job_start(mkto_job **out, const mkto_env *env, mkto_group **groups,
                   size_t n)
{
  mkto_job *job = calloc(1, sizeof(*job));
  size_t i;

  *out = NULL;
  if (job) {
    job->groups = malloc(n * sizeof(*job->groups));
    job->work = malloc(n * sizeof(*job->work));
    job->updates = malloc(n * sizeof(*job->updates));
    job->creates = malloc(n * sizeof(*job->creates));
  }
  if (!job || !job->groups || !job->work || !job->updates || !job->creates) {
    for (i = 0; i < n; i++)
      mkto_group_free(groups[i]);
    mkto_job_free(job);
    return TF_ERR_NOMEM;
  }
  job->env = env;
  memcpy(job->groups, groups, n * sizeof(*groups));
  job->n = n;
  memcpy(job->work, groups, n * sizeof(*groups));
  job->n_work = n;
  begin_lookup(job);
  *out = job;
  return TF_OK;
}

void mkto_job_free(mkto_job *job)
{
  size_t i;

  if (!job)
    return;
  mkto_lookup_clear(&job->lookup);
  mkto_sync_clear(&job->update);
  mkto_sync_clear(&job->create);
  mkto_list_clear(&job->list);
  for (i = 0; job->groups && i < job->n; i++)
    mkto_group_free(job->groups[i]);
  free(job->groups);
  free(job->work);
  free(job->updates);
  free(job->creates);
  free(job);
}

static void finish(mkto_job *job)
{
  job->finished = 1;
}

/* --- List ------------------------------------------------------------- */

static void on_listed(void *ud)
{
  finish(ud);
}

static void begin_list(mkto_job *job)
{
  size_t i;

  job->n_work = 0;
  for (i = 0; i < job->n; i++) {
    if (job->groups[i]->state == MKTO_GROUP_DONE && job->groups[i]->lead_id)
      job->work[job->n_work++] = job->groups[i];
  }
  if (job->n_work == 0) {
    finish(job);
    return;
  }
  mkto_list_clear(&job->list);
  if (mkto_list_start(&job->list, job->env, job->work, job->n_work, on_listed,
                      job) != TF_OK)
    out_of_memory(job);
}

/* --- Write ------------------------------------------------------------ */

static void on_written(void *ud)
{
  mkto_job *job = ud;

  if (--job->open_steps == 0)
    after_writes(job);
}

static void not_found(mkto_job *job, mkto_group *group, const char *why)
{
  char message[512];

  snprintf(message, sizeof(message), "no Marketo lead has %s = %s; %s",
           job->env->cfg->dedupe_field, group->key, why);
  mkto_group_reject(group, job->env, "not_found", message);
}

static void cannot_create(mkto_job *job, mkto_group *group, const char *missing)
{
  char message[512];

  snprintf(message, sizeof(message),
           "no Marketo lead has %s = %s, and a lead cannot be created "
           "without %s (email, firstName and lastName are required)",
           job->env->cfg->dedupe_field, group->key, missing);
  mkto_group_reject(group, job->env, "missing_required_field", message);
}

/* Sorts the looked-up groups into updates, creates and rejects. */
static void decide(mkto_job *job, size_t *n_updates, size_t *n_creates)
{
  const mkto_config *cfg = job->env->cfg;
  size_t i;

  *n_updates = *n_creates = 0;
  for (i = 0; i < job->n_work; i++) {
    mkto_group *group = job->work[i];
    const char *missing;

    group->state = MKTO_GROUP_OPEN;
    if (!cfg->write_profile && group->lead_id)
      group->state = MKTO_GROUP_DONE;
    else if (!cfg->write_profile)
      not_found(job, group,
                "sync_type audience only adds existing leads to the list");
    else if (group->lead_id)
      job->updates[(*n_updates)++] = group;
    else if (!cfg->can_create)
      not_found(job, group, "person_action update_only never creates leads");
    else if ((missing = mkto_group_missing_for_create(group)))
      cannot_create(job, group, missing);
    else
      job->creates[(*n_creates)++] = group;
  }
}

static void begin_writes(mkto_job *job)
{
  size_t n_updates, n_creates;

  decide(job, &n_updates, &n_creates);
  job->open_steps = 1; /* held while the calls are sent */
  mkto_sync_clear(&job->update);
  mkto_sync_clear(&job->create);
  if (n_updates > 0) {
    job->open_steps++;
    if (mkto_sync_start(&job->update, job->env, job->updates, n_updates, 0,
                        on_written, job) != TF_OK) {
      out_of_memory(job);
      return;
    }
  }
  if (n_creates > 0) {
    job->open_steps++;
    if (mkto_sync_start(&job->create, job->env, job->creates, n_creates, 1,
                        on_written, job) != TF_OK) {
      out_of_memory(job);
      return;
    }
  }
  on_written(job);
}

/* --- Lookup and recheck ----------------------------------------------- */

static void on_looked_up(void *ud, const mkto_outcome *failure)
{
  mkto_job *job = ud;
  char message[700];
  size_t i;

  if (!failure) {
    begin_writes(job);
    return;
  }
  snprintf(message, sizeof(message), "Get Leads by %s failed: %s",
           job->env->cfg->dedupe_field, failure->message);
  for (i = 0; i < job->n_work; i++)
    mkto_group_reject(job->work[i], job->env, failure->code, message);
  after_writes(job);
}

static void begin_lookup(mkto_job *job)
{
  mkto_lookup_clear(&job->lookup);
  if (mkto_lookup_start(&job->lookup, job->env, job->work, job->n_work,
                        on_looked_up, job) != TF_OK)
    out_of_memory(job);
}

static void give_up_recheck(mkto_job *job, mkto_group *group)
{
  char message[512];

  snprintf(message, sizeof(message), "%s; still conflicting after %d lookups",
           group->reason, MAX_RECHECKS + 1);
  mkto_group_reject(group, job->env, group->reason_code, message);
}

/* After the writes: recheck the groups that lost a race, else go on to
 * the list, else the job is finished. */
static void after_writes(mkto_job *job)
{
  size_t i;

  job->n_work = 0;
  for (i = 0; i < job->n; i++) {
    if (job->groups[i]->state == MKTO_GROUP_RECHECK)
      job->work[job->n_work++] = job->groups[i];
  }
  if (job->n_work > 0 && job->round < MAX_RECHECKS) {
    job->round++;
    job->env->host->metric(job->env->ctx, "rechecks", (int64_t)job->n_work);
    begin_lookup(job);
    return;
  }
  for (i = 0; i < job->n_work; i++)
    give_up_recheck(job, job->work[i]);
  if (job->env->cfg->add_to_list)
    begin_list(job);
  else
    finish(job);
}
