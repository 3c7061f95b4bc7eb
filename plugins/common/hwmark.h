/*
 * hwmark.h - "the mark and the ids at the mark": the incremental position
 * of a live source that lists records sorted by a modification time and
 * an id (ctm_api by unix_time, salesforce_api by SystemModstamp).
 *
 * A record (id, ms) was taken when ms is before the mark, or at the mark
 * and its id is among the ids taken there.  A resumed or next run asks the
 * API from the mark (>=) and passes over what was taken, so it neither
 * misses a record stamped at the mark's millisecond after the last run,
 * nor repeats one.  Records are taken oldest first: one older than the
 * mark is already covered by it and is not recorded.
 *
 * Built into each plugin that lists $(HWMARK_SOURCES) (plugins/common/
 * Makefile.inc); not part of the SDK.
 */
#ifndef PLUGINS_COMMON_HWMARK_H
#define PLUGINS_COMMON_HWMARK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HWMARK_NONE INT64_MIN /* nothing taken, no mark */

typedef struct hwmark {
  int64_t ms; /* HWMARK_NONE, or the time (epoch ms) of the mark */
  char **ids; /* the ids taken at ms, owned */
  size_t nids, cap;
} hwmark;

/* A mark at ms (HWMARK_NONE: none) with no id taken. */
void hwmark_init(hwmark *m, int64_t ms);

/* Frees the ids; m is then as after hwmark_init(m, HWMARK_NONE). */
void hwmark_clear(hwmark *m);

/* 1 when the record (id, ms) was taken, else 0. */
int hwmark_taken(const hwmark *m, const char *id, int64_t ms);

/* Records (id, ms) as taken (id is copied): a later ms moves the mark and
 * forgets the ids of the earlier one; an earlier ms changes nothing.
 * TF_OK or TF_ERR_NOMEM. */
int hwmark_take(hwmark *m, const char *id, int64_t ms);

/* Adds {ms_key: ms, "ids_at_mark": [...]} to the object pos; nothing when
 * there is no mark.  TF_OK or TF_ERR_NOMEM. */
int hwmark_save(const hwmark *m, json_t *pos, const char *ms_key);

/* Replaces m with what hwmark_save wrote into pos (neither member: no
 * mark).  TF_OK, TF_ERR_NOMEM, or TF_ERR_INVAL with the problem in why
 * (why_len bytes) when pos holds something else; m is then cleared. */
int hwmark_load(hwmark *m, const json_t *pos, const char *ms_key, char *why,
                size_t why_len);

#endif
