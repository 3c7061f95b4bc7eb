/*
 * source_drift_api.c - the `drift_api` source: Drift conversations read
 * live from the Drift REST API (README.md), turned into the same `chat`
 * events as the file-based `drift` source.
 *
 * The first produce() lists the conversations updated at or after the
 * high-water mark (the list is sorted by updatedAt, most recent first, so
 * listing stops at the first page that reaches below it), keeps those not
 * yet taken, and sorts them oldest first.  Each produce() then fetches up
 * to max_records of them whole (messages, paged, and contact), builds the
 * REST conversation object the `drift` source reads from an export, and
 * hands it to drift's own chat rules (drift_chat, linked from
 * plugins/source/drift).  The position is the high-water mark of the
 * conversations taken, the ids taken at that millisecond, and drift_chat's
 * state (which remembers the conversations whose chat went out).
 *
 * HTTP is one blocking libcurl easy handle: 429 waits Retry-After, 5xx and
 * transport errors back off and retry up to max_retries, 401/403 stop the
 * run as a configuration error.  The token is sent, never logged.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/record_json.h>
#include <touchflow/time.h>
#include "../drift/drift_chat.h"
#include "../drift/drift_input.h"

#define DEFAULT_ENDPOINT "https://driftapi.com"

typedef struct pending_conv {
  int64_t id;
  int64_t updated;
  json_t *conv; /* the list's conversation object */
} pending_conv;

typedef struct source_drift_api {
  tf_ctx *ctx;
  const tf_host *host;
  drift_chat *chat;
  CURL *curl;
  char *endpoint; /* without a trailing slash */
  char *auth;     /* "Authorization: Bearer ..." */
  long limit;
  int max_retries;
  long timeout_ms;
  int64_t backoff_ms;
  /* The position: conversations up to hwm taken, and at hwm those in ids. */
  int64_t hwm;
  int64_t *ids;
  size_t nids, capids;
  /* This run's work list, oldest first. */
  int listed;
  pending_conv *todo;
  size_t ntodo, next;
  json_t *first_page; /* the list's first page, fetched by init() */
} source_drift_api;

static const tf_option source_drift_api_options[] = {
    {"endpoint", TF_OPT_STRING, DEFAULT_ENDPOINT, 0, 0, 0, NULL,
     "Base URL of the Drift API (conversations are listed from "
     "<endpoint>/conversations/list)."},
    {"token", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_SECRET, 0, 0, NULL,
     "Drift API access token, sent as \"Authorization: Bearer <token>\"; "
     "must be a \"${ENV}\" reference. Never logged."},
    {"limit", TF_OPT_INT, "50", TF_OPT_RANGE, 1, 100, NULL,
     "Conversations per page of the list endpoint."},
    {"since", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "First run only: take conversations updated at or after this time "
     "(ISO-8601, e.g. 2026-01-01 or 2026-01-01T00:00:00Z). Unset: all."},
    {"max_retries", TF_OPT_INT, "5", TF_OPT_RANGE, 0, 100, NULL,
     "Retries of one request after a 429, a 5xx or a dropped connection "
     "before the run fails."},
    {"timeout", TF_OPT_DURATION, "30s", TF_OPT_RANGE, 1, 3600000, NULL,
     "Time limit of one HTTP request."},
    {"backoff", TF_OPT_DURATION, "1s", TF_OPT_RANGE, 1, 600000, NULL,
     "First wait before retrying a 5xx or a dropped connection; doubled at "
     "each retry, up to 60 s."},
    DRIFT_CHAT_OPTIONS,
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- HTTP ---------------------------------------------------------------- */

typedef struct response {
  char *body;
  size_t len, cap;
  long retry_after; /* seconds; -1 when absent */
} response;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
  response *r = ud;
  size_t len = size * n;

  if (r->len + len + 1 > r->cap) {
    size_t cap = (r->len + len + 1) * 2;
    char *b = realloc(r->body, cap);

    if (!b)
      return 0;
    r->body = b;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, len);
  r->len += len;
  r->body[r->len] = '\0';
  return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
  response *r = ud;
  size_t len = size * n;
  static const char name[] = "retry-after:";

  if (len > sizeof(name) - 1 &&
      strncasecmp(data, name, sizeof(name) - 1) == 0) {
    char buf[32], *end;
    size_t k = len - (sizeof(name) - 1);
    long v;

    if (k >= sizeof(buf))
      k = sizeof(buf) - 1;
    memcpy(buf, data + sizeof(name) - 1, k);
    buf[k] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    while (*end == ' ' || *end == '\r' || *end == '\n' || *end == '\t')
      end++;
    /* Only delta-seconds; an HTTP date counts as absent. */
    r->retry_after = errno == 0 && end != buf && !*end && v >= 0 ? v : -1;
  }
  return len;
}

static void sleep_ms(int64_t ms)
{
  struct timespec ts;

  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* GETs endpoint + path and parses the JSON answer into *out (NULL on 404
 * when missing_ok).  Retries as the file comment says.  TF_OK,
 * TF_ERR_CONFIG (401/403), TF_ERR_NOTFOUND (404) or TF_ERR_IO. */
static int http_get(source_drift_api *s, const char *path, json_t **out)
{
  size_t ulen = strlen(s->endpoint) + strlen(path) + 1;
  char *url = malloc(ulen);
  struct curl_slist *headers = NULL;
  int attempt, rc = TF_ERR_IO;
  response r = {NULL, 0, 0, -1};

  *out = NULL;
  if (!url)
    return TF_ERR_NOMEM;
  snprintf(url, ulen, "%s%s", s->endpoint, path);
  headers = curl_slist_append(NULL, s->auth);
  if (headers)
    headers = curl_slist_append(headers, "Accept: application/json");
  if (!headers) {
    free(url);
    return TF_ERR_NOMEM;
  }
  for (attempt = 0;; attempt++) {
    CURLcode cc;
    long status = 0;
    int64_t wait;
    json_error_t jerr;

    r.len = 0;
    r.retry_after = -1;
    curl_easy_reset(s->curl);
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_ACCEPT_ENCODING, "");
    cc = curl_easy_perform(s->curl);
    if (cc == CURLE_OK)
      curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OK && status == 200) {
      *out = json_loadb(r.body ? r.body : "", r.len, 0, &jerr);
      if (*out && json_is_object(*out)) {
        rc = TF_OK;
        break;
      }
      json_decref(*out);
      *out = NULL;
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "Drift API: GET %s: the answer is not a JSON object "
                   "(%s)",
                   path, jerr.text);
      rc = TF_ERR_IO;
      break;
    }
    if (cc == CURLE_OK && (status == 401 || status == 403)) {
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "Drift API refused the token (HTTP %ld on GET %s): check "
                   "the environment variable the `token` option names and "
                   "the token's scopes (conversation_read, contact_read)",
                   status, path);
      rc = TF_ERR_CONFIG;
      break;
    }
    if (cc == CURLE_OK && status == 404) {
      rc = TF_ERR_NOTFOUND;
      break;
    }
    if (cc == CURLE_OK && status != 429 && status < 500) {
      s->host->log(s->ctx, TF_LOG_ERROR, "Drift API: GET %s: HTTP %ld", path,
                   status);
      rc = TF_ERR_IO;
      break;
    }
    if (attempt >= s->max_retries) {
      if (cc != CURLE_OK)
        s->host->log(s->ctx, TF_LOG_ERROR,
                     "Drift API: GET %s failed after %d attempts: %s", path,
                     attempt + 1, curl_easy_strerror(cc));
      else
        s->host->log(s->ctx, TF_LOG_ERROR,
                     "Drift API: GET %s failed after %d attempts: HTTP %ld",
                     path, attempt + 1, status);
      rc = TF_ERR_IO;
      break;
    }
    if (cc == CURLE_OK && status == 429 && r.retry_after >= 0)
      wait = (int64_t)r.retry_after * 1000;
    else {
      wait = s->backoff_ms << (attempt < 16 ? attempt : 16);
      if (wait > 60000)
        wait = 60000;
    }
    if (cc != CURLE_OK)
      s->host->log(s->ctx, TF_LOG_WARN,
                   "Drift API: GET %s: %s; retrying in %lld ms", path,
                   curl_easy_strerror(cc), (long long)wait);
    else
      s->host->log(s->ctx, TF_LOG_WARN,
                   "Drift API: GET %s: HTTP %ld; retrying in %lld ms", path,
                   status, (long long)wait);
    sleep_ms(wait);
  }
  curl_slist_free_all(headers);
  free(r.body);
  free(url);
  return rc;
}

/* The `next` cursor of an answer: pagination at the top or inside data
 * (its place for messages is UNCONFIRMED), when `more` is not false.  NULL
 * when there is no next page. */
static const char *next_cursor(const json_t *answer)
{
  const json_t *p = json_object_get(answer, "pagination");
  const json_t *next, *more;

  if (!p)
    p = json_object_get(json_object_get(answer, "data"), "pagination");
  more = json_object_get(p, "more");
  next = json_object_get(p, "next");
  if (json_is_false(more))
    return NULL;
  return json_is_string(next) && *json_string_value(next)
             ? json_string_value(next)
             : NULL;
}

/* Appends "?next=<cursor>" or "&next=..." (the cursor escaped). */
static int with_cursor(source_drift_api *s, char *buf, size_t len,
                       const char *base, const char *cursor)
{
  char *esc = cursor ? curl_easy_escape(s->curl, cursor, 0) : NULL;
  int n;

  if (cursor && !esc)
    return TF_ERR_NOMEM;
  n = esc ? snprintf(buf, len, "%s%snext=%s", base,
                     strchr(base, '?') ? "&" : "?", esc)
          : snprintf(buf, len, "%s", base);
  curl_free(esc);
  return n > 0 && (size_t)n < len ? TF_OK : TF_ERR_TOOLONG;
}

/* --- Position ------------------------------------------------------------ */

static int taken(const source_drift_api *s, int64_t id, int64_t updated)
{
  size_t i;

  if (updated < s->hwm)
    return 1;
  if (updated > s->hwm)
    return 0;
  for (i = 0; i < s->nids; i++)
    if (s->ids[i] == id)
      return 1;
  return 0;
}

static int take(source_drift_api *s, int64_t id, int64_t updated)
{
  if (updated > s->hwm) {
    s->hwm = updated;
    s->nids = 0;
  }
  if (s->nids == s->capids) {
    size_t cap = s->capids ? s->capids * 2 : 8;
    int64_t *ids = realloc(s->ids, cap * sizeof(*ids));

    if (!ids)
      return TF_ERR_NOMEM;
    s->ids = ids;
    s->capids = cap;
  }
  s->ids[s->nids++] = id;
  return TF_OK;
}

/* --- Listing ------------------------------------------------------------- */

static int compare_todo(const void *a, const void *b)
{
  const pending_conv *x = a, *y = b;

  if (x->updated != y->updated)
    return (x->updated > y->updated) - (x->updated < y->updated);
  return (x->id > y->id) - (x->id < y->id);
}

static int compare_todo_id(const void *a, const void *b)
{
  const pending_conv *x = a, *y = b;

  if (x->id != y->id)
    return (x->id > y->id) - (x->id < y->id);
  return (x->updated > y->updated) - (x->updated < y->updated);
}

/* A conversation updated while the list was being paged can be listed
 * twice (at its old place and at the top): keeps its latest copy. */
static void drop_duplicates(source_drift_api *s)
{
  size_t i, kept = 0;

  qsort(s->todo, s->ntodo, sizeof(*s->todo), compare_todo_id);
  for (i = 0; i < s->ntodo; i++) {
    if (i + 1 < s->ntodo && s->todo[i + 1].id == s->todo[i].id) {
      json_decref(s->todo[i].conv);
      continue;
    }
    s->todo[kept++] = s->todo[i];
  }
  s->ntodo = kept;
}

/* Adds the conversations of one list page not taken yet; *below is set
 * when the page reaches under the high-water mark. */
static int add_page(source_drift_api *s, const json_t *data, int *below)
{
  size_t i;
  const json_t *conv;

  json_array_foreach (data, i, conv) {
    int64_t id, updated;
    pending_conv *p;

    if (drift_input_id(json_object_get(conv, "id"), &id) != TF_OK ||
        tf_time_from_json(json_object_get(conv, "updatedAt"),
                          TF_EPOCH_MILLISECONDS, &updated) != TF_OK) {
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "Drift API: a listed conversation has no readable id or "
                   "updatedAt");
      return TF_ERR_PARSE;
    }
    if (updated < s->hwm)
      *below = 1;
    if (taken(s, id, updated))
      continue;
    p = realloc(s->todo, (s->ntodo + 1) * sizeof(*p));
    if (!p)
      return TF_ERR_NOMEM;
    s->todo = p;
    p[s->ntodo].id = id;
    p[s->ntodo].updated = updated;
    p[s->ntodo].conv = json_incref((json_t *)conv);
    s->ntodo++;
  }
  return TF_OK;
}

/* GETs one page of the conversation list (cursor NULL: the first). */
static int list_page(source_drift_api *s, const char *cursor, json_t **answer)
{
  char base[64], path[1024];
  int rc;

  snprintf(base, sizeof(base), "/conversations/list?limit=%ld", s->limit);
  rc = with_cursor(s, path, sizeof(path), base, cursor);
  if (rc == TF_OK)
    rc = http_get(s, path, answer);
  if (rc == TF_ERR_NOTFOUND) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "Drift API: GET %s: HTTP 404: is `endpoint` the Drift API?",
                 path);
    rc = TF_ERR_CONFIG;
  }
  if (rc == TF_OK && !json_is_array(json_object_get(*answer, "data"))) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "Drift API: GET %s: the answer has no \"data\" array", path);
    json_decref(*answer);
    *answer = NULL;
    rc = TF_ERR_PARSE;
  }
  return rc;
}

/* Lists what is to be fetched into s->todo, oldest first.  The first page
 * is the one init() fetched. */
static int list_conversations(source_drift_api *s)
{
  const char *cursor = NULL;
  json_t *answer = NULL;
  int rc = TF_OK, below = 0;
  size_t pages = 0;

  do {
    json_t *prev = answer;

    if (s->first_page) {
      answer = s->first_page;
      s->first_page = NULL;
    } else
      rc = list_page(s, cursor, &answer);
    json_decref(prev);
    if (rc != TF_OK)
      return rc;
    pages++;
    rc = add_page(s, json_object_get(answer, "data"), &below);
    cursor = rc == TF_OK && !below ? next_cursor(answer) : NULL;
  } while (cursor);
  json_decref(answer);
  if (rc != TF_OK)
    return rc;
  if (s->ntodo > 1) { /* qsort wants a non-NULL array even for none */
    drop_duplicates(s);
    qsort(s->todo, s->ntodo, sizeof(*s->todo), compare_todo);
  }
  s->host->log(s->ctx, TF_LOG_INFO,
               "Drift API: %zu conversation(s) to fetch (%zu list page(s))",
               s->ntodo, pages);
  return TF_OK;
}

/* --- One conversation ---------------------------------------------------- */

/* All messages of conversation id, page after page, in a new array. */
static int fetch_messages(source_drift_api *s, int64_t id, json_t **out)
{
  char base[64], path[1024];
  json_t *all = json_array(), *answer = NULL;
  const char *cursor = NULL;
  int rc = all ? TF_OK : TF_ERR_NOMEM;

  snprintf(base, sizeof(base), "/conversations/%lld/messages", (long long)id);
  while (rc == TF_OK) {
    json_t *prev = answer;
    const json_t *msgs;

    rc = with_cursor(s, path, sizeof(path), base, cursor);
    if (rc == TF_OK)
      rc = http_get(s, path, &answer);
    json_decref(prev);
    if (rc != TF_OK)
      break;
    /* {"data": {"messages": [...]}}; a bare {"messages": [...]} too. */
    msgs = json_object_get(json_object_get(answer, "data"), "messages");
    if (!msgs)
      msgs = json_object_get(answer, "messages");
    if (msgs && !json_is_array(msgs)) {
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "Drift API: GET %s: \"messages\" is not an array", path);
      rc = TF_ERR_PARSE;
    } else if (msgs && json_array_extend(all, (json_t *)msgs) != 0)
      rc = TF_ERR_NOMEM;
    cursor = next_cursor(answer);
    if (!cursor)
      break;
  }
  json_decref(answer);
  if (rc == TF_ERR_NOTFOUND)
    rc = TF_OK; /* deleted since it was listed: no messages */
  if (rc != TF_OK) {
    json_decref(all);
    return rc;
  }
  *out = all;
  return TF_OK;
}

/* The REST conversation object of a listed conversation, with its
 * messages and contact, as drift reads it from an export. */
static int fetch_conversation(source_drift_api *s, const pending_conv *p,
                              json_t **out)
{
  json_t *conv = json_deep_copy(p->conv), *msgs = NULL;
  int64_t contact_id;
  int rc = conv ? fetch_messages(s, p->id, &msgs) : TF_ERR_NOMEM;

  if (rc == TF_OK && json_object_set_new(conv, "messages", msgs) != 0)
    rc = TF_ERR_NOMEM;
  if (rc == TF_OK && drift_input_id(json_object_get(conv, "contactId"),
                                    &contact_id) == TF_OK) {
    char path[64];
    json_t *answer = NULL;

    snprintf(path, sizeof(path), "/contacts/%lld", (long long)contact_id);
    rc = http_get(s, path, &answer);
    if (rc == TF_OK) {
      const json_t *c = json_object_get(answer, "data");

      if (json_is_object(c) &&
          json_object_set(conv, "contact", (json_t *)c) != 0)
        rc = TF_ERR_NOMEM;
    } else if (rc == TF_ERR_NOTFOUND)
      rc = TF_OK; /* a deleted contact: the chat has no BizibleId */
    json_decref(answer);
  }
  if (rc != TF_OK) {
    json_decref(conv);
    return rc;
  }
  *out = conv;
  return TF_OK;
}

/* --- Plugin -------------------------------------------------------------- */

static void source_drift_api_fini(void *state)
{
  source_drift_api *s = state;
  size_t i;

  if (!s)
    return;
  for (i = 0; i < s->ntodo; i++)
    json_decref(s->todo[i].conv);
  free(s->todo);
  free(s->ids);
  json_decref(s->first_page);
  drift_chat_free(s->chat);
  if (s->curl)
    curl_easy_cleanup(s->curl);
  free(s->endpoint);
  if (s->auth) {
    memset(s->auth, 0, strlen(s->auth));
    free(s->auth);
  }
  free(s);
}

static int source_drift_api_check(const tf_config *cfg, tf_problem_fn problem,
                                  void *ud)
{
  const char *attribute = tf_config_string(cfg, "bizible_id_attribute");
  const char *endpoint = tf_config_string(cfg, "endpoint");
  const char *since = tf_config_string(cfg, "since");
  int64_t ms;
  int rc = TF_OK;

  if (!attribute || !*attribute) {
    problem(ud, "bizible_id_attribute", "must not be empty");
    rc = TF_ERR_CONFIG;
  }
  if (!endpoint || (strncmp(endpoint, "http://", 7) != 0 &&
                    strncmp(endpoint, "https://", 8) != 0)) {
    problem(ud, "endpoint", "must be an http:// or https:// URL");
    rc = TF_ERR_CONFIG;
  }
  if (since && tf_time_parse(since, &ms) != TF_OK) {
    problem(ud, "since", "must be an ISO-8601 date or time");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

static int source_drift_api_init(tf_ctx *ctx, const tf_host *host,
                                 const tf_config *cfg, void **state)
{
  source_drift_api *s = calloc(1, sizeof(*s));
  drift_chat_options options;
  const char *endpoint = tf_config_string(cfg, "endpoint");
  const char *token = tf_config_string(cfg, "token");
  const char *since = tf_config_string(cfg, "since");
  size_t n;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  rc = tf_check_logged(source_drift_api_check, cfg, ctx, host);
  if (rc != TF_OK)
    goto fail;
  rc = TF_ERR_NOMEM;
  s->endpoint = strdup(endpoint);
  if (!s->endpoint)
    goto fail;
  n = strlen(s->endpoint);
  while (n > 0 && s->endpoint[n - 1] == '/')
    s->endpoint[--n] = '\0';
  n = strlen(token ? token : "") + 32;
  s->auth = malloc(n);
  if (!s->auth)
    goto fail;
  snprintf(s->auth, n, "Authorization: Bearer %s", token ? token : "");
  s->limit = (long)tf_config_int(cfg, "limit");
  s->max_retries = (int)tf_config_int(cfg, "max_retries");
  s->timeout_ms = (long)tf_config_int(cfg, "timeout");
  s->backoff_ms = tf_config_int(cfg, "backoff");
  s->hwm = 0;
  if (since && tf_time_parse(since, &s->hwm) != TF_OK)
    s->hwm = 0;
  s->curl = curl_easy_init();
  if (!s->curl)
    goto fail;
  options.chat_enabled = tf_config_bool(cfg, "chat_enabled");
  options.bizible_id_attribute = tf_config_string(cfg, "bizible_id_attribute");
  options.order = NULL;
  rc = drift_chat_new(ctx, host, &options, &s->chat);
  /* The first list page now, so that a refused token (401/403) or a wrong
   * endpoint is a refused config (exit 2) before anything runs. */
  if (rc == TF_OK)
    rc = list_page(s, NULL, &s->first_page);
  if (rc != TF_OK)
    goto fail;
  *state = s;
  return TF_OK;
fail:
  source_drift_api_fini(s);
  return rc;
}

static int source_drift_api_produce(void *state, tf_ctx *ctx, size_t max)
{
  source_drift_api *s = state;
  size_t done = 0, emitted = 0;
  int rc;

  if (!s->listed) {
    rc = list_conversations(s);
    if (rc != TF_OK)
      return rc;
    s->listed = 1;
  }
  while (s->next < s->ntodo && done < (max ? max : 1)) {
    pending_conv *p = &s->todo[s->next];
    json_t *conv = NULL;
    tf_record *rec;
    tf_origin origin;
    char *text;

    rc = fetch_conversation(s, p, &conv);
    if (rc != TF_OK)
      return rc;
    /* Through text, like an export line, with an origin naming the
     * conversation: dead letters say "conversations:<id>". */
    text = json_dumps(conv, JSON_COMPACT);
    json_decref(conv);
    if (!text)
      return TF_ERR_NOMEM;
    origin.file = "conversations";
    origin.line = (long)p->id;
    rec = tf_record_parse(text, strlen(text), &origin, NULL, 0);
    free(text);
    if (!rec)
      return TF_ERR_NOMEM;
    rc = drift_chat_handle(s->chat, rec);
    tf_record_unref(rec);
    if (rc == TF_OK)
      rc = take(s, p->id, p->updated);
    if (rc != TF_OK)
      return rc;
    json_decref(p->conv);
    p->conv = NULL;
    s->next++;
    done++;
  }
  if (s->next < s->ntodo)
    return TF_MORE;
  if (!drift_chat_draining(s->chat)) {
    rc = drift_chat_finish(s->chat);
    if (rc != TF_OK)
      return rc;
  }
  return drift_chat_drain(s->chat, max, &emitted);
}

/* {"updated_at_ms": HWM, "ids_at_hwm": [...], drift_chat's state}. */
static int source_drift_api_position(void *state, json_t **position)
{
  source_drift_api *s = state;
  json_t *pos = json_object(), *ids = json_array();
  size_t i;
  int rc = pos && ids ? TF_OK : TF_ERR_NOMEM;

  for (i = 0; rc == TF_OK && i < s->nids; i++)
    if (json_array_append_new(ids, json_integer((json_int_t)s->ids[i])) != 0)
      rc = TF_ERR_NOMEM;
  if (rc == TF_OK &&
      (json_object_set_new(pos, "updated_at_ms",
                           json_integer((json_int_t)s->hwm)) != 0 ||
       json_object_set(pos, "ids_at_hwm", ids) != 0))
    rc = TF_ERR_NOMEM;
  json_decref(ids);
  return drift_chat_position(s->chat, pos, rc, position);
}

static int source_drift_api_seek(void *state, const json_t *position)
{
  source_drift_api *s = state;
  const json_t *hwm = json_object_get(position, "updated_at_ms");
  const json_t *ids = json_object_get(position, "ids_at_hwm");
  const json_t *v;
  size_t i;
  int rc;

  if (!json_is_integer(hwm) || !json_is_array(ids)) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume from the position: \"updated_at_ms\" (an "
                 "integer) or \"ids_at_hwm\" (an array) is missing");
    return TF_ERR_INVAL;
  }
  s->hwm = (int64_t)json_integer_value(hwm);
  s->nids = 0;
  json_array_foreach (ids, i, v) {
    int64_t id;

    if (drift_input_id(v, &id) != TF_OK) {
      s->host->log(s->ctx, TF_LOG_ERROR,
                   "cannot resume from the position: \"ids_at_hwm\" holds "
                   "something else than ids");
      return TF_ERR_INVAL;
    }
    rc = take(s, id, s->hwm);
    if (rc != TF_OK)
      return rc;
  }
  return drift_chat_load(s->chat, position);
}

static int64_t source_drift_api_watermark(void *state)
{
  source_drift_api *s = state;

  return drift_chat_watermark(s->chat);
}

static const tf_source_plugin source_drift_api_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "drift_api",
    .base.version = "1.0.0",
    .base.description =
        "Reads Drift conversations live from the Drift REST API (incremental "
        "by updatedAt) and emits the same chat events as the drift source.",
    .base.license = "MIT",
    .base.options = source_drift_api_options,
    .base.init = source_drift_api_init,
    .base.fini = source_drift_api_fini,
    .produce = source_drift_api_produce,
    .watermark = source_drift_api_watermark,
    .position = source_drift_api_position,
    .seek = source_drift_api_seek,
    .base.check = source_drift_api_check,
};

TF_SOURCE_PLUGIN(source_drift_api, source_drift_api_plugin)
