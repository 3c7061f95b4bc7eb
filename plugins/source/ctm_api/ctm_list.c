/*
 * ctm_list.c - listing a CTM account's calls page after page (ctm_list.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/fields.h>
#include <touchflow/time.h>
#include "ctm_list.h"

#define DAY_MS 86400000LL

void ctm_list_free(ctm_list *l)
{
  size_t i;

  for (i = 0; i < l->n; i++) {
    free(l->calls[i].id);
    free(l->calls[i].text);
  }
  free(l->calls);
  memset(l, 0, sizeof(*l));
}

/* "&<name>=YYYY-MM-DD" for ms moved by shift_days, into buf. */
static void date_param(char *buf, size_t len, const char *name, int64_t ms,
                       int shift_days)
{
  char iso[TF_TIME_ISO_LEN];

  tf_time_format(ms + shift_days * DAY_MS, iso, sizeof(iso));
  snprintf(buf, len, "&%s=%.10s", name, iso);
}

/* The window is sent a day wider at each end than asked (the account's
 * time zone decides CTM's dates, UNCONFIRMED); the calls outside it are
 * dropped here by their unix_time. */
int ctm_list_path(const ctm_query *q, long page, char *buf, size_t len)
{
  char start[40] = "", end[40] = "";
  int n;

  if (q->from_ms != INT64_MIN)
    date_param(start, sizeof(start), "start_date", q->from_ms, -1);
  if (q->end_ms != INT64_MAX)
    date_param(end, sizeof(end), "end_date", q->end_ms, 1);
  n = snprintf(buf, len, "/accounts/%lld/calls.json?page=%ld&per_page=%ld%s%s",
               (long long)q->account_id, page, q->per_page, start, end);
  return n > 0 && (size_t)n < len ? TF_OK : TF_ERR_TOOLONG;
}

int ctm_list_page(httpsource *http, tf_ctx *ctx, const tf_host *host,
                  const ctm_query *q, long page, json_t **answer)
{
  char path[256];
  int rc = ctm_list_path(q, page, path, sizeof(path));

  *answer = NULL;
  if (rc == TF_OK)
    rc = httpsource_get_json(http, path, answer);
  if (rc == TF_ERR_NOTFOUND) {
    host->log(ctx, TF_LOG_ERROR,
              "CTM API: GET %s: HTTP 404: are `endpoint` and `account_id` "
              "those of a CTM account the keys can read?",
              path);
    rc = TF_ERR_CONFIG;
  }
  if (rc == TF_OK && !json_is_array(json_object_get(*answer, "calls"))) {
    host->log(ctx, TF_LOG_ERROR,
              "CTM API: GET %s: the answer has no \"calls\" array", path);
    json_decref(*answer);
    *answer = NULL;
    rc = TF_ERR_PARSE;
  }
  return rc;
}

/* Another page after page `page` of answer.  An empty page at or past
 * total_pages ends the list whatever next_page says (no endless paging). */
static int has_next(const json_t *answer, long page)
{
  const json_t *next = json_object_get(answer, "next_page");
  const json_t *total = json_object_get(answer, "total_pages");

  if (json_is_integer(total) && page >= (long)json_integer_value(total) &&
      json_array_size(json_object_get(answer, "calls")) == 0)
    return 0;
  if (json_is_string(next) && *json_string_value(next))
    return 1;
  return json_is_integer(total) && page < (long)json_integer_value(total);
}

/* The id of call as text into buf; "" when it is not an id. */
static void id_text(const json_t *call, char *buf, size_t len)
{
  tf_field_problem why = {NULL, ""};
  const json_t *id = NULL;

  buf[0] = '\0';
  if (tf_field_id_value(json_object_get(call, "id"), "id", &id, &why) || !id)
    return;
  if (json_is_string(id))
    snprintf(buf, len, "%s", json_string_value(id));
  else
    snprintf(buf, len, "%lld", (long long)json_integer_value(id));
}

static int add(ctm_list *l, const json_t *call, const char *id, int64_t ms)
{
  ctm_call *c;

  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    ctm_call *calls = realloc(l->calls, cap * sizeof(*calls));

    if (!calls)
      return TF_ERR_NOMEM;
    l->calls = calls;
    l->cap = cap;
  }
  c = &l->calls[l->n];
  c->ms = ms;
  c->id = strdup(id);
  c->text = json_dumps(call, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!c->id || !c->text) {
    free(c->id);
    free(c->text);
    return TF_ERR_NOMEM;
  }
  l->n++;
  return TF_OK;
}

/* Keeps the calls of one page that are in the window and not taken. */
static int add_page(ctm_list *l, const json_t *calls, const ctm_query *q,
                    const hwmark *mark)
{
  size_t i;
  const json_t *call;

  json_array_foreach (calls, i, call) {
    char id[64];
    int64_t ms;
    int rc;

    id_text(call, id, sizeof(id));
    if (!json_is_object(call) || !id[0] ||
        tf_field_epoch_time(json_object_get(call, "unix_time"),
                            TF_EPOCH_SECONDS, &ms) != TF_OK) {
      rc = add(l, call, "", INT64_MIN); /* for the mapping to reject */
    } else if (ms < q->from_ms || ms >= q->to_ms || hwmark_taken(mark, id, ms))
      continue;
    else
      rc = add(l, call, id, ms);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Ids compare as numbers when they are digits (shorter first), else as
 * text: a total order either way. */
static int compare_ids(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);

  if (la != lb && strspn(a, "0123456789") == la &&
      strspn(b, "0123456789") == lb)
    return la < lb ? -1 : 1;
  return strcmp(a, b);
}

static int compare_calls(const void *x, const void *y)
{
  const ctm_call *a = x, *b = y;

  if (a->ms != b->ms)
    return a->ms < b->ms ? -1 : 1;
  return compare_ids(a->id, b->id);
}

/* Sorts l and drops a call listed twice (the same id and time: the list
 * shifted while it was paged); unreadable calls are all kept. */
static void sort_unique(ctm_list *l)
{
  size_t i, kept = 0;

  if (l->n < 2)
    return;
  qsort(l->calls, l->n, sizeof(*l->calls), compare_calls);
  for (i = 0; i < l->n; i++) {
    ctm_call *c = &l->calls[i];

    if (kept > 0 && c->id[0] && compare_calls(&l->calls[kept - 1], c) == 0) {
      free(c->id);
      free(c->text);
      continue;
    }
    l->calls[kept++] = *c;
  }
  l->n = kept;
}

int ctm_list_all(ctm_list *l, httpsource *http, tf_ctx *ctx,
                 const tf_host *host, const ctm_query *q, const hwmark *mark,
                 json_t *first)
{
  json_t *answer = first;
  long page = 1;
  int rc = TF_OK, empty_tries = 0;

  for (;;) {
    if (!answer)
      rc = ctm_list_page(http, ctx, host, q, page, &answer);
    if (rc != TF_OK)
      break;
    l->pages++;
    if (json_array_size(json_object_get(answer, "calls")) == 0 &&
        has_next(answer, page) && empty_tries++ < q->empty_retries) {
      host->log(ctx, TF_LOG_WARN,
                "CTM API: page %ld of the calls is empty but more pages "
                "follow; asking again",
                page);
      json_decref(answer);
      answer = NULL;
      continue;
    }
    empty_tries = 0;
    rc = add_page(l, json_object_get(answer, "calls"), q, mark);
    if (rc != TF_OK || !has_next(answer, page))
      break;
    json_decref(answer);
    answer = NULL;
    page++;
  }
  json_decref(answer);
  if (rc == TF_OK)
    sort_unique(l);
  return rc;
}
