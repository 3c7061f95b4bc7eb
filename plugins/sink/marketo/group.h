/*
 * group.h - one lead's worth of records: the records of one batch that
 * share a dedupe value, merged in arrival order (a later record's field
 * wins), and what became of them.
 *
 * A group is the unit every Marketo call works on: one lookup value, one
 * Sync Leads input, one list member.  Its outcome is its records' outcome:
 * all delivered, or all dead-lettered with the same code and message.
 */
#ifndef MKTO_GROUP_H
#define MKTO_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <touchflow/host.h>
#include <touchflow/record.h>
#include "client.h"
#include "settings.h"

typedef enum mkto_group_state {
  MKTO_GROUP_OPEN,     /* nothing decided yet */
  MKTO_GROUP_DONE,     /* updated, created or (audience) matched */
  MKTO_GROUP_RECHECK,  /* lost a race (1005, 1004): look it up again */
  MKTO_GROUP_REJECTED, /* its records went to the dead-letter output */
} mkto_group_state;

typedef struct mkto_group {
  char *key;           /* the dedupe value, as the first record wrote it */
  json_t *fields;      /* the merged lead fields */
  tf_record **records; /* references we hold */
  size_t n_records, cap_records;
  mkto_group_state state;
  int64_t lead_id;      /* matched or created lead; 0 when none */
  int64_t updated_ms;   /* matched lead's updatedAt */
  char reason_code[32]; /* RECHECK: why, for when rechecks run out */
  char reason[256];
  struct mkto_group *next; /* in the pending queue */
} mkto_group;

/* What the Marketo steps of a batch share: borrowed for the sink's life. */
typedef struct mkto_env {
  const mkto_config *cfg;
  mkto_client *client;
  tf_ctx *ctx;
  const tf_host *host;
} mkto_env;

/* A group of one record.  Steals key and fields; takes a reference to rec.
 * NULL on ENOMEM (then key and fields are freed). */
mkto_group *mkto_group_new(char *key, json_t *fields, tf_record *rec);

/* Adds a record: its fields (stolen) override the group's.  TF_OK or
 * TF_ERR_NOMEM (fields freed). */
int mkto_group_merge(mkto_group *group, json_t *fields, tf_record *rec);

/* Drops the record references and frees the group.  NULL-safe. */
void mkto_group_free(mkto_group *group);

/* The first of email, firstName, lastName the group lacks (as a non-empty
 * value), or NULL when it can create a lead. */
const char *mkto_group_missing_for_create(const mkto_group *group);

/* Dead-letters every record of the group with code and message and marks
 * it REJECTED.  A dead-letter output that cannot be written fails the
 * client (nothing may be lost silently). */
void mkto_group_reject(mkto_group *group, const mkto_env *env, const char *code,
                       const char *message);

/* A record-level skip (1xxx) of `what` ("Sync Leads updateOnly"): counts
 * skipped_<code> and dead-letters the group as marketo_<code>. */
void mkto_group_skip(mkto_group *group, const mkto_env *env,
                     const mkto_item *item, const char *what);

/* Marks the group RECHECK with the item's reason. */
void mkto_group_recheck(mkto_group *group, const mkto_item *item,
                        const char *what);

#endif
