/*
 * job.h - one batch of groups (at most batch_size leads) through the
 * Marketo steps the sync type asks for:
 *
 *   lookup  Get Leads by the dedupe field, all partitions, newest match;
 *   write   profile types: updateOnly by id for the matched groups,
 *           createOnly in the partition for the others (update_and_create),
 *           both calls at once;
 *   recheck groups that lost a race (1005 on create, 1004 on update) are
 *           looked up again and written again, up to 3 times;
 *   list    audience types: add the matched (audience) or the updated and
 *           created (audience_and_profile) leads to list_id.
 *
 * Every group ends DONE or REJECTED (its records dead-lettered with the
 * reason); then the job is finished and the sink frees it.
 */
#ifndef MKTO_JOB_H
#define MKTO_JOB_H

#include <stddef.h>
#include "group.h"
#include "list.h"
#include "lookup.h"
#include "sync.h"

typedef struct mkto_job {
  const mkto_env *env;
  mkto_group **groups; /* owned */
  size_t n;
  mkto_group **work; /* scratch: the groups of the current step */
  size_t n_work;
  mkto_group **updates, **creates; /* scratch */
  int round;                       /* lookups done after the first */
  int open_steps;                  /* calls of the write step still open */
  int finished;
  mkto_lookup lookup;
  mkto_sync update;
  mkto_sync create;
  mkto_list list;
  struct mkto_job *next; /* in the sink's list of running jobs */
} mkto_job;

/* Starts a job on groups[0..n) (the groups are stolen, the array copied).
 * TF_OK, or TF_ERR_NOMEM (the groups are then freed). */
int mkto_job_start(mkto_job **out, const mkto_env *env, mkto_group **groups,
                   size_t n);

/* Frees the job and its groups.  NULL-safe. */
void mkto_job_free(mkto_job *job);

#endif
