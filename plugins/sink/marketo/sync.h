/*
 * sync.h - Sync Leads for a set of groups: updateOnly by lead id (the
 * lead the lookup chose), or createOnly by the dedupe field in the
 * configured partition.
 *
 * When the call ends every group is DONE (updated or created), RECHECK
 * (1004 on update or 1005 on create: someone else changed the database
 * since the lookup) or REJECTED (any other record-level skip, or the call
 * failed for good).
 */
#ifndef MKTO_SYNC_H
#define MKTO_SYNC_H

#include <stddef.h>
#include "group.h"

typedef void (*mkto_step_done)(void *ud);

typedef struct mkto_sync {
  const mkto_env *env;
  mkto_group **groups; /* our array of borrowed groups */
  size_t n;
  int create;
  mkto_step_done done;
  void *ud;
} mkto_sync;

/* Sends the call for groups[0..n) (the array is copied, the groups are
 * borrowed until done()).  s is the caller's.  TF_OK or TF_ERR_NOMEM (then
 * done() is not called). */
int mkto_sync_start(mkto_sync *s, const mkto_env *env, mkto_group **groups,
                    size_t n, int create, mkto_step_done done, void *ud);

/* Frees what s holds.  Safe on a zeroed s. */
void mkto_sync_clear(mkto_sync *s);

#endif
