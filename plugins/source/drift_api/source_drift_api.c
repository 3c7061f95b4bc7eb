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
 * HTTP is the live sources' client (plugins/common/httpsource.h), one
 * blocking libcurl easy handle: 429 waits Retry-After, 5xx and transport
 * errors back off and retry up to max_retries, 401/403 stop the run as a
 * configuration error.  The token is sent, never logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/record_json.h>
#include <touchflow/time.h>
#include "../drift/drift_chat.h"
#include "../drift/drift_input.h"
#include "../../common/httpsource.h"

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
  httpsource *http;
  long limit;
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
    HTTPSOURCE_RETRY_OPTIONS,
    DRIFT_CHAT_OPTIONS,
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Paging -------------------------------------------------------------- */

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
  char *esc = cursor ? httpsource_escape(s->http, cursor) : NULL;
  int n;

  if (cursor && !esc)
    return TF_ERR_NOMEM;
  n = esc ? snprintf(buf, len, "%s%snext=%s", base,
                     strchr(base, '?') ? "&" : "?", esc)
          : snprintf(buf, len, "%s", base);
  free(esc);
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
    rc = httpsource_get_json(s->http, path, answer);
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

/* Forgets a work list a stop signal cut short: it is listed again. */
static void forget_todo(source_drift_api *s)
{
  size_t i;

  for (i = 0; i < s->ntodo; i++)
    json_decref(s->todo[i].conv);
  s->ntodo = 0;
}

/* Lists what is to be fetched into s->todo, oldest first.  The first page
 * is the one init() fetched (when it could). */
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
      rc = httpsource_get_json(s->http, path, &answer);
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
    rc = httpsource_get_json(s->http, path, &answer);
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
  httpsource_free(s->http);
  free(s);
}

static int source_drift_api_check(const tf_config *cfg, tf_problem_fn problem,
                                  void *ud)
{
  const char *endpoint = tf_config_string(cfg, "endpoint");
  const char *since = tf_config_string(cfg, "since");
  int64_t ms;
  int rc = drift_chat_options_check(cfg, problem, ud);

  if (!httpsource_url_ok(endpoint)) {
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
  httpsource_options http = {
      .service = "Drift API",
      .credential = "token",
      .auth_hint = "check the environment variable the `token` option "
                   "names and the token's scopes (conversation_read, "
                   "contact_read)"};
  const char *since = tf_config_string(cfg, "since");
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  rc = tf_check_logged(source_drift_api_check, cfg, ctx, host);
  if (rc != TF_OK)
    goto fail;
  httpsource_configure(cfg, &http);
  rc = httpsource_new(ctx, host, &http, &s->http);
  if (rc == TF_OK)
    rc = httpsource_set_bearer(s->http, tf_config_string(cfg, "token"));
  if (rc != TF_OK)
    goto fail;
  s->limit = (long)tf_config_int(cfg, "limit");
  s->hwm = 0;
  if (since && tf_time_parse(since, &s->hwm) != TF_OK)
    s->hwm = 0;
  drift_chat_options_read(cfg, NULL, &options);
  rc = drift_chat_new(ctx, host, &options, &s->chat);
  /* The first list page now, so that a refused token (401/403) or a wrong
   * endpoint is a refused config (exit 2) before anything runs; tried
   * once: an endpoint down or busy is asked again by produce(). */
  if (rc == TF_OK) {
    httpsource_set_mode(s->http, HTTPSOURCE_PROBE);
    rc = httpsource_probe_end(s->http, list_page(s, NULL, &s->first_page));
  }
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

  /* A request given up on a stop signal: TF_MORE, the position as it
   * was, so that the host stops (and a call after it goes on). */
  if (!s->listed) {
    rc = list_conversations(s);
    if (rc != TF_OK && httpsource_interrupted(s->http)) {
      forget_todo(s);
      return TF_MORE;
    }
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
      return httpsource_interrupted(s->http) ? TF_MORE : rc;
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

/* check-connection: init() tried the first list page once already; one
 * more, tried once with short time limits, proves the token and the
 * endpoint without changing the position. */
static int source_drift_api_check_connection(void *state, tf_ctx *ctx)
{
  source_drift_api *s = state;
  json_t *answer = NULL;
  int rc;

  (void)ctx;
  httpsource_set_mode(s->http, HTTPSOURCE_CHECK);
  rc = list_page(s, NULL, &answer);
  httpsource_set_mode(s->http, HTTPSOURCE_RUN);
  json_decref(answer);
  return rc;
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
    .check_connection = source_drift_api_check_connection,
};

TF_SOURCE_PLUGIN(source_drift_api, source_drift_api_plugin)
