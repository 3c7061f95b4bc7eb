/*
 * ctm_mark.h - the ctm_api source's position: the high-water mark of the
 * calls taken (their unix_time, in milliseconds) and the ids of the calls
 * taken at exactly that time, so that a resumed or a next run neither
 * misses nor repeats a call (README.md, "Incremental runs and resuming").
 */
#ifndef SOURCE_CTM_API_CTM_MARK_H
#define SOURCE_CTM_API_CTM_MARK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef struct ctm_mark {
  int64_t ms; /* calls before it are taken; INT64_MIN: nothing taken */
  char **ids; /* the ids (as text) taken at ms, owned */
  size_t nids, cap;
} ctm_mark;

/* An empty mark: nothing taken. */
void ctm_mark_init(ctm_mark *m);
void ctm_mark_free(ctm_mark *m);

/* Non-zero when the call id (text) at ms was taken. */
int ctm_mark_taken(const ctm_mark *m, const char *id, int64_t ms);

/* Records the call id at ms as taken (calls are taken oldest first: ms
 * is never below the mark).  TF_OK or TF_ERR_NOMEM. */
int ctm_mark_take(ctm_mark *m, const char *id, int64_t ms);

/* Writes {"mark_ms": ..., "ids_at_mark": [...]} into pos (an object);
 * nothing when nothing was taken.  TF_OK or TF_ERR_NOMEM. */
int ctm_mark_save(const ctm_mark *m, json_t *pos);

/* Reads what ctm_mark_save wrote, replacing m.  TF_OK; TF_ERR_INVAL with
 * a message in why (why_len bytes) when pos is not such a position. */
int ctm_mark_load(ctm_mark *m, const json_t *pos, char *why, size_t why_len);

#endif
