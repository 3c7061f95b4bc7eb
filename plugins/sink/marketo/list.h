/*
 * list.h - Add to List: puts the leads of DONE groups into the static list
 * list_id.  A lead Marketo skips (e.g. 1004 lead not found, 1013 list not
 * found) has its group's records dead-lettered with that code.
 */
#ifndef MKTO_LIST_H
#define MKTO_LIST_H

#include <stddef.h>
#include "group.h"
#include "sync.h"

typedef struct mkto_list {
  const mkto_env *env;
  mkto_group **groups; /* our array of borrowed groups */
  size_t n;
  mkto_step_done done;
  void *ud;
} mkto_list;

/* Sends the call for groups[0..n) (each with a lead_id; the array is
 * copied, the groups borrowed until done()).  TF_OK or TF_ERR_NOMEM. */
int mkto_list_start(mkto_list *l, const mkto_env *env, mkto_group **groups,
                    size_t n, mkto_step_done done, void *ud);

/* Frees what l holds.  Safe on a zeroed l. */
void mkto_list_clear(mkto_list *l);

#endif
