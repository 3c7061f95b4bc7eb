/*
 * lookup.h - Get Leads by filter type: finds, across all partitions, the
 * leads whose dedupe field holds the groups' values, and gives each group
 * the most recently updated one.
 *
 * docs/attribution-rules.md#marketo-lead-matching: "If several leads match,
 * only the most recently updated one is updated."  Ties on updatedAt go to the
 * higher lead id (the newer lead).
 */
#ifndef MKTO_LOOKUP_H
#define MKTO_LOOKUP_H

#include <stddef.h>
#include "client.h"
#include "group.h"
#include "strmap.h"

/* failure is NULL when every page was read. */
typedef void (*mkto_lookup_done)(void *ud, const mkto_outcome *failure);

typedef struct mkto_lookup {
  const mkto_env *env;
  mkto_group **groups; /* borrowed */
  size_t n;
  mkto_strmap *by_key; /* dedupe value -> group */
  char *query;         /* without nextPageToken */
  int pages;
  mkto_lookup_done done;
  void *ud;
} mkto_lookup;

/* Sets lead_id (0: no match) and updated_ms of each of the n groups
 * (borrowed until done()), then calls done().  lk is the caller's, zeroed
 * or cleared.  TF_OK, or TF_ERR_NOMEM (done() is then not called). */
int mkto_lookup_start(mkto_lookup *lk, const mkto_env *env, mkto_group **groups,
                      size_t n, mkto_lookup_done done, void *ud);

/* Frees what lk holds.  Safe on a zeroed lk. */
void mkto_lookup_clear(mkto_lookup *lk);

#endif
