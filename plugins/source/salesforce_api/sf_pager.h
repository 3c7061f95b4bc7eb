/*
 * sf_pager.h - the pages of one SOQL query of the salesforce_api source,
 * read through the REST query endpoint (nextRecordsUrl) or as a Bulk API
 * 2.0 query job (create, poll, results by locator): either way a page is
 * a JSON array of record objects.
 */
#ifndef SOURCE_SALESFORCE_API_SF_PAGER_H
#define SOURCE_SALESFORCE_API_SF_PAGER_H

#include <jansson.h>
#include "sf_client.h"

typedef struct sf_pager_settings {
  int bulk;             /* 0: REST query; 1: Bulk API 2.0 query job */
  long bulk_page;       /* maxRecords of a results page */
  int64_t bulk_poll_ms; /* between two polls of the job's state */
  int64_t bulk_wait_ms; /* the longest the job may take */
} sf_pager_settings;

typedef struct sf_pager sf_pager;

/* A pager of soql (copied) through client (borrowed; must outlive the
 * pager), logging through host.  Asks nothing yet.  TF_OK or
 * TF_ERR_NOMEM. */
int sf_pager_new(tf_ctx *ctx, const tf_host *host, sf_client *client,
                 const sf_pager_settings *set, const char *soql,
                 sf_pager **out);
void sf_pager_free(sf_pager *p);

/* The next page: *records a new array (caller owns; may be empty) and
 * TF_OK; TF_DONE (*records NULL) after the last page; SF_LIMIT_EXCEEDED;
 * or an error (logged). */
int sf_pager_next(sf_pager *p, json_t **records);

/* Pages read so far. */
size_t sf_pager_pages(const sf_pager *p);

#endif
