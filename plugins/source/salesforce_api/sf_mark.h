/*
 * sf_mark.h - the incremental position of the salesforce_api source: the
 * high-water mark (the latest SystemModstamp taken) and the ids taken at
 * exactly that millisecond.  Records come sorted by (SystemModstamp, Id),
 * so a record is taken when it is older than the mark, or at the mark and
 * among the ids: a resumed or next run asks from the mark (>=) and passes
 * over those, missing and repeating nothing.
 */
#ifndef SOURCE_SALESFORCE_API_SF_MARK_H
#define SOURCE_SALESFORCE_API_SF_MARK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sf_mark {
  int64_t ms; /* SF_MARK_NONE: nothing taken, no `since` */
  char **ids; /* owned */
  size_t nids, cap;
} sf_mark;

#define SF_MARK_NONE INT64_MIN

/* An empty mark at ms (SF_MARK_NONE: none). */
void sf_mark_init(sf_mark *m, int64_t ms);
void sf_mark_clear(sf_mark *m);

/* 1 when the record (id, ms) was taken, else 0. */
int sf_mark_taken(const sf_mark *m, const char *id, int64_t ms);

/* Records (id, ms) as taken: a later ms moves the mark and forgets the
 * ids of the earlier one.  TF_OK or TF_ERR_NOMEM. */
int sf_mark_take(sf_mark *m, const char *id, int64_t ms);

/* Adds "modstamp_ms" (absent when none) and "ids_at_mark" to pos. */
int sf_mark_save(const sf_mark *m, json_t *pos);

/* Reads what sf_mark_save wrote.  TF_OK, TF_ERR_INVAL (a wrong shape) or
 * TF_ERR_NOMEM. */
int sf_mark_load(sf_mark *m, const json_t *pos);

#endif
