/*
 * ctm_list.h - listing the calls of a CTM account through the calls list
 * endpoint (README.md, "The API as this source reads it"): the pages of a
 * date window, the calls of each not yet taken, oldest first.
 *
 * GET <endpoint>/accounts/<account>/calls.json?page=N&per_page=P
 *     &start_date=YYYY-MM-DD[&end_date=YYYY-MM-DD]
 * -> {"calls": [...], "page": N, "total_pages": T, "next_page": <url>|null}
 * Pages are followed while "next_page" is a non-empty string or "page" is
 * below "total_pages"; an empty page before the last is asked again (up to
 * empty_retries times: its calls would be missed, and the mark would pass
 * them) and then passed over;
 * the page number is ours, the next_page URL is never requested (so the
 * credentials go nowhere but the endpoint).  A call listed twice (the
 * list shifted while it was paged) is kept once.
 */
#ifndef SOURCE_CTM_API_CTM_LIST_H
#define SOURCE_CTM_API_CTM_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../../common/httpsource.h"
#include "../../common/hwmark.h"

/* One listed call, to be emitted. */
typedef struct ctm_call {
  int64_t ms; /* unix_time in ms; INT64_MIN: unreadable (see ctm_list) */
  char *id;   /* the id as text ("" when unreadable) */
  char *text; /* the call's JSON text */
} ctm_call;

/* What to list: the strings are borrowed. */
typedef struct ctm_query {
  int64_t account_id;
  long per_page;
  int64_t from_ms;   /* calls at or after (the mark or `start`); INT64_MIN:
                      * all (no start_date) */
  int64_t to_ms;     /* calls before; INT64_MAX: no end */
  int64_t end_ms;    /* the `end` option (end_date); INT64_MAX: unset */
  int empty_retries; /* times an empty page before the last is asked again */
} ctm_query;

typedef struct ctm_list {
  ctm_call *calls; /* oldest first, by (ms, id) */
  size_t n, cap;
  size_t pages; /* pages requested */
} ctm_list;

/* The request path of page `page` of q (into buf, len bytes).  TF_OK or
 * TF_ERR_TOOLONG. */
int ctm_list_path(const ctm_query *q, long page, char *buf, size_t len);

/* GETs page `page` of q into *answer, checked to hold a "calls" array.
 * TF_OK, httpsource_get_json's errors (404 becomes TF_ERR_CONFIG: a wrong
 * account or endpoint, logged), or TF_ERR_PARSE (no "calls" array,
 * logged). */
int ctm_list_page(httpsource *http, tf_ctx *ctx, const tf_host *host,
                  const ctm_query *q, long page, json_t **answer);

/* Lists every page of q into l, starting with first (page 1, already
 * fetched, stolen; NULL: fetched here), keeping the calls inside the
 * window that mark has not taken; then sorts them oldest first.  A call
 * whose id or unix_time cannot be read is kept first with ms INT64_MIN:
 * the mapping rejects it with its reason.  TF_OK or ctm_list_page's
 * errors, or TF_ERR_NOMEM. */
int ctm_list_all(ctm_list *l, httpsource *http, tf_ctx *ctx,
                 const tf_host *host, const ctm_query *q, const hwmark *mark,
                 json_t *first);

void ctm_list_free(ctm_list *l);

#endif
