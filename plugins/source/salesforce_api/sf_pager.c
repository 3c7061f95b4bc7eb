/*
 * sf_pager.c - the pages of one SOQL query (sf_pager.h).
 *
 * REST: GET <api>/query?q=<soql>, then each nextRecordsUrl until done is
 * true (an empty page with a nextRecordsUrl is passed over).  Bulk API
 * 2.0: POST <api>/jobs/query, GET <api>/jobs/query/<id> until JobComplete
 * (Failed or Aborted is an error naming the job), then GET
 * .../results?maxRecords=N[&locator=L] until the Sforce-Locator header is
 * absent or "null".  A results page is CSV; its rows become objects of
 * strings with null for an empty field (Bulk query CSV writes nulls so),
 * which the mappings read as they read a Bulk export file.
 */
#include "sf_pager.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/csv.h>
#include <touchflow/linereader.h>

struct sf_pager {
  tf_ctx *ctx;
  const tf_host *host;
  sf_client *client;
  sf_pager_settings set;
  char *soql;
  int started, finished;
  char *next; /* REST: the next page's path; Bulk: the locator */
  char *job;  /* Bulk: the job id */
  size_t pages;
};

/* --- REST -------------------------------------------------------------- */

/* A nextRecordsUrl as a path on the instance (an absolute URL is
 * tolerated: its scheme and host are dropped). */
static char *path_of(const char *url)
{
  const char *p = url;

  if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
    p = strchr(strchr(p, ':') + 3, '/');
    if (!p)
      p = "/";
  }
  return strdup(p);
}

static int rest_first_path(sf_pager *p, char **path)
{
  char *q = sf_client_escape(p->client, p->soql);
  const char *api = sf_client_api_path(p->client);
  size_t n = (q ? strlen(q) : 0) + strlen(api) + 16;

  *path = q ? malloc(n) : NULL;
  if (*path)
    snprintf(*path, n, "%s/query?q=%s", api, q);
  free(q);
  return *path ? TF_OK : TF_ERR_NOMEM;
}

static int rest_page(sf_pager *p, json_t **records)
{
  char *path = NULL;
  json_t *answer = NULL;
  const json_t *recs, *next;
  int rc = p->started ? TF_OK : rest_first_path(p, &path);

  if (rc == TF_OK)
    rc = sf_client_get_json(p->client, path ? path : p->next, &answer);
  free(path);
  if (rc != TF_OK)
    return rc;
  p->started = 1;
  recs = json_object_get(answer, "records");
  next = json_object_get(answer, "nextRecordsUrl");
  if (!json_is_array(recs)) {
    p->host->log(p->ctx, TF_LOG_ERROR,
                 "Salesforce API: a query page has no \"records\" array");
    json_decref(answer);
    return TF_ERR_PARSE;
  }
  free(p->next);
  p->next = NULL;
  if (json_is_true(json_object_get(answer, "done")) || !json_is_string(next))
    p->finished = 1;
  else if (!(p->next = path_of(json_string_value(next))))
    rc = TF_ERR_NOMEM;
  *records = json_incref((json_t *)recs);
  json_decref(answer);
  return rc;
}

/* --- Bulk API 2.0 ------------------------------------------------------ */

/* Polls the job until JobComplete. */
static int bulk_wait(sf_pager *p)
{
  char path[256];
  int64_t waited = 0;

  snprintf(path, sizeof(path), "%s/jobs/query/%s",
           sf_client_api_path(p->client), p->job);
  for (;;) {
    json_t *answer = NULL;
    const char *state;
    int rc = sf_client_get_json(p->client, path, &answer);

    if (rc != TF_OK)
      return rc;
    state = json_string_value(json_object_get(answer, "state"));
    if (state && strcmp(state, "JobComplete") == 0) {
      json_decref(answer);
      return TF_OK;
    }
    if (!state || strcmp(state, "Failed") == 0 ||
        strcmp(state, "Aborted") == 0) {
      const char *why =
          json_string_value(json_object_get(answer, "errorMessage"));

      p->host->log(p->ctx, TF_LOG_ERROR,
                   "Salesforce API: Bulk API query job %s is %s%s%s", p->job,
                   state ? state : "in no known state", why ? ": " : "",
                   why ? why : "");
      json_decref(answer);
      return TF_ERR_IO;
    }
    json_decref(answer);
    if (waited >= p->set.bulk_wait_ms) {
      p->host->log(p->ctx, TF_LOG_ERROR,
                   "Salesforce API: Bulk API query job %s is not complete "
                   "after %lld ms (bulk_timeout)",
                   p->job, (long long)waited);
      return TF_ERR_IO;
    }
    rc = sf_client_sleep(p->client, p->set.bulk_poll_ms);
    if (rc != TF_OK)
      return rc;
    waited += p->set.bulk_poll_ms;
    p->host->metric(p->ctx, "bulk_polls", 1);
  }
}

static int bulk_create(sf_pager *p)
{
  char path[128];
  json_t *req = json_pack("{s:s, s:s}", "operation", "query", "query", p->soql);
  json_t *answer = NULL;
  const char *id;
  int rc = req ? TF_OK : TF_ERR_NOMEM;

  snprintf(path, sizeof(path), "%s/jobs/query", sf_client_api_path(p->client));
  if (rc == TF_OK)
    rc = sf_client_post_json(p->client, path, req, &answer);
  json_decref(req);
  id = json_string_value(json_object_get(answer, "id"));
  if (rc == TF_OK && (!id || !*id || strlen(id) > 64)) {
    p->host->log(p->ctx, TF_LOG_ERROR,
                 "Salesforce API: the Bulk API job answer has no job id");
    rc = TF_ERR_PARSE;
  }
  if (rc == TF_OK && !(p->job = strdup(id)))
    rc = TF_ERR_NOMEM;
  json_decref(answer);
  if (rc == TF_OK)
    p->host->metric(p->ctx, "bulk_jobs", 1);
  return rc;
}

/* The rows of a CSV text as objects (through a temporary file: the SDK's
 * CSV reader reads files). */
static int csv_records(sf_pager *p, const char *text, size_t len, json_t **out)
{
  char tmpl[] = "/tmp/tf-salesforce-XXXXXX", err[256];
  const char *dir = getenv("TMPDIR");
  char path[4096];
  tf_line_reader *lines = NULL;
  tf_csv_reader *csv = NULL;
  tf_csv_row row;
  json_t *all = json_array();
  int fd, rc;

  snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/tmp", tmpl + 5);
  fd = all ? mkstemp(path) : -1;
  if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
    p->host->log(p->ctx, TF_LOG_ERROR,
                 "Salesforce API: cannot keep a Bulk API results page in %s: "
                 "%s",
                 path, strerror(errno));
    if (fd >= 0) {
      close(fd);
      unlink(path);
    }
    json_decref(all);
    return all ? TF_ERR_IO : TF_ERR_NOMEM;
  }
  close(fd);
  rc = tf_line_reader_open(&lines, path, TF_COMPRESSION_NONE, 0);
  if (rc == TF_OK)
    rc = tf_csv_reader_open(&csv, lines, ',', 0, err, sizeof(err));
  unlink(path);
  while (rc == TF_OK && (rc = tf_csv_reader_next(csv, &row)) == TF_OK) {
    json_t *obj = NULL;

    rc = tf_csv_row_to_json(tf_csv_reader_header(csv), &row,
                            TF_CSV_EMPTY_AS_NULL, &obj);
    if (rc == TF_OK && json_array_append_new(all, obj) != 0)
      rc = TF_ERR_NOMEM;
  }
  if (rc == TF_CSV_EOF)
    rc = TF_OK;
  if (rc != TF_OK) {
    p->host->log(p->ctx, TF_LOG_ERROR,
                 "Salesforce API: a Bulk API results page of job %s is not "
                 "readable CSV: %s",
                 p->job, csv ? tf_csv_reader_error(csv) : err);
    json_decref(all);
    all = NULL;
  }
  tf_csv_reader_close(csv);
  *out = all;
  return rc;
}

static int bulk_page(sf_pager *p, json_t **records)
{
  char path[512], *body = NULL, *locator = NULL;
  size_t len = 0;
  int rc = TF_OK;

  if (!p->started) {
    rc = bulk_create(p);
    if (rc == TF_OK)
      rc = bulk_wait(p);
    if (rc != TF_OK)
      return rc;
    p->started = 1;
  }
  snprintf(path, sizeof(path),
           "%s/jobs/query/%s/results?maxRecords=%ld%s%.256s",
           sf_client_api_path(p->client), p->job, p->set.bulk_page,
           p->next ? "&locator=" : "", p->next ? p->next : "");
  rc = sf_client_get_text(p->client, path, &body, &len, &locator);
  if (rc != TF_OK)
    return rc;
  free(p->next);
  p->next = locator;
  if (!locator)
    p->finished = 1;
  rc = csv_records(p, body, len, records);
  free(body);
  return rc;
}

/* --- The pager --------------------------------------------------------- */

int sf_pager_new(tf_ctx *ctx, const tf_host *host, sf_client *client,
                 const sf_pager_settings *set, const char *soql, sf_pager **out)
{
  sf_pager *p = calloc(1, sizeof(*p));

  *out = NULL;
  if (!p || !(p->soql = strdup(soql))) {
    free(p);
    return TF_ERR_NOMEM;
  }
  p->ctx = ctx;
  p->host = host;
  p->client = client;
  p->set = *set;
  *out = p;
  return TF_OK;
}

void sf_pager_free(sf_pager *p)
{
  if (!p)
    return;
  free(p->soql);
  free(p->next);
  free(p->job);
  free(p);
}

int sf_pager_next(sf_pager *p, json_t **records)
{
  int rc;

  *records = NULL;
  if (p->finished)
    return TF_DONE;
  rc = p->set.bulk ? bulk_page(p, records) : rest_page(p, records);
  if (rc == TF_OK)
    p->pages++;
  return rc;
}

size_t sf_pager_pages(const sf_pager *p)
{
  return p->pages;
}
