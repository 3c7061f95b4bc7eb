/*
 * explain_stages.c - the stages `touchflow explain` puts in a pipeline
 * (explain.h): sources whose records go through the visitor filter, and
 * sinks that only keep what they receive.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/batch.h>
#include <touchflow/error.h>
#include <touchflow/record.h>
#include <touchflow/record_json.h>

#include "explain.h"

/* The explain context of the process (one command runs once), and the
 * runner's host. */
static tf__explain *the_explain;
static const tf_host *the_host;

int tf__strset_add(tf__strset *set, const char *s)
{
  char **grown;

  if (tf__strset_has(set, s))
    return TF_OK;
  if (set->n == set->cap) {
    grown = realloc(set->s, (set->cap ? set->cap * 2 : 8) * sizeof(*grown));
    if (!grown)
      return TF_ERR_NOMEM;
    set->s = grown;
    set->cap = set->cap ? set->cap * 2 : 8;
  }
  if (!(set->s[set->n] = strdup(s)))
    return TF_ERR_NOMEM;
  set->n++;
  return TF_OK;
}

int tf__strset_has(const tf__strset *set, const char *s)
{
  for (size_t i = 0; i < set->n; i++)
    if (strcmp(set->s[i], s) == 0)
      return 1;
  return 0;
}

void tf__strset_clear(tf__strset *set)
{
  for (size_t i = 0; i < set->n; i++)
    free(set->s[i]);
  free(set->s);
  memset(set, 0, sizeof(*set));
}

static tf__explain_stage *stage_of(const tf_host *host, const tf_ctx *ctx)
{
  const char *id = host->stage_id(ctx);

  for (size_t i = 0; i < the_explain->n_stages; i++)
    if (strcmp(the_explain->stages[i].id, id) == 0)
      return &the_explain->stages[i];
  return NULL;
}

/* A string member, lowercased into buf; NULL when absent or empty. */
static const char *lower_member(const json_t *obj, const char *key, char *buf,
                                size_t size)
{
  const char *s = json_string_value(json_object_get(obj, key));
  size_t i;

  if (!s || !*s || strlen(s) >= size)
    return NULL;
  for (i = 0; s[i]; i++)
    buf[i] = (char)tolower((unsigned char)s[i]);
  buf[i] = '\0';
  return buf;
}

int tf__explain_same_input(const tf__explain *e, const char *file, long line)
{
  char *path;
  int same;

  if (!e->record_path || !file || line != e->record_line)
    return 0;
  path = realpath(file, NULL);
  if (!path && file[0] != '/' && e->dir) {
    char joined[PATH_MAX * 2];

    snprintf(joined, sizeof(joined), "%s/%s", e->dir, file);
    path = realpath(joined, NULL);
  }
  same = path && strcmp(path, e->record_path) == 0;
  free(path);
  return same;
}

/* Pass 1: keeps the pair the record carries and whether it is --record's. */
static int learn(tf__explain *e, const json_t *obj, const tf_record *rec)
{
  char biz[128], email[512];
  const char *b = lower_member(obj, "biz_uid", biz, sizeof(biz));
  const char *m = lower_member(obj, "email", email, sizeof(email));
  tf_origin at = tf_record_origin(rec);
  int rc = TF_OK;

  if (tf__explain_same_input(e, at.file, at.line)) {
    if (b)
      rc = tf__strset_add(&e->biz, b);
    if (m && rc == TF_OK)
      rc = tf__strset_add(&e->emails, m);
  }
  if (b && m && rc == TF_OK &&
      json_array_append_new(e->pairs, json_pack("[ss]", b, m)) != 0)
    rc = TF_ERR_NOMEM;
  return rc;
}

/* Pass 2: the records of the visitor, and the opportunities (which carry
 * no visitor: the attribution transform joins them by contact). */
static int belongs(const tf__explain *e, const json_t *obj,
                   const tf_record *rec)
{
  char biz[128], email[512];
  const char *b = lower_member(obj, "biz_uid", biz, sizeof(biz));
  const char *m = lower_member(obj, "email", email, sizeof(email));
  const char *event = json_string_value(json_object_get(obj, "event"));
  tf_origin at = tf_record_origin(rec);

  if ((b && tf__strset_has(&e->biz, b)) || (m && tf__strset_has(&e->emails, m)))
    return 1;
  if (event && (strcmp(event, "opportunity") == 0 ||
                strcmp(event, "opportunity_contact") == 0))
    return 1;
  return tf__explain_same_input(e, at.file, at.line);
}

static int keep_event(tf__explain *e, const char *stage, const json_t *obj,
                      const tf_record *rec)
{
  tf_origin at = tf_record_origin(rec);
  json_t *item =
      json_pack("{s:s, s:o}", "stage", stage, "record", json_deep_copy(obj));

  if (!item)
    return TF_ERR_NOMEM;
  if (at.file)
    json_object_set_new(item, "input",
                        json_sprintf("%s:%ld", at.file, at.line));
  return json_array_append_new(e->events, item) == 0 ? TF_OK : TF_ERR_NOMEM;
}

/* The host's emit() for the explained sources: learns or filters. */
static int filter_emit(tf_ctx *ctx, tf_record *rec)
{
  tf__explain *e = the_explain;
  tf__explain_stage *st = stage_of(the_host, ctx);
  const json_t *obj = tf_record_json(rec);
  int rc = TF_OK;

  if (!st) {
    tf_record_unref(rec);
    return TF_ERR_INVAL;
  }
  if (!obj) { /* raw text: only --record's own line goes on */
    tf_origin at = tf_record_origin(rec);

    if (!e->learning && tf__explain_same_input(e, at.file, at.line))
      return st->orig->emit(ctx, rec);
    tf_record_unref(rec);
    return TF_OK;
  }
  if (e->learning)
    rc = learn(e, obj, rec);
  else if (belongs(e, obj, rec)) {
    rc = keep_event(e, st->id, obj, rec);
    if (rc == TF_OK)
      return st->orig->emit(ctx, rec);
  }
  tf_record_unref(rec);
  return rc;
}

/* The host's emit() for the transforms: keeps a copy, passes it on. */
static int capture_emit(tf_ctx *ctx, tf_record *rec)
{
  tf__explain_stage *st = stage_of(the_host, ctx);
  json_t *obj = json_deep_copy(tf_record_json(rec));

  if (!st || !obj ||
      json_array_append_new(
          the_explain->outputs,
          json_pack("{s:s, s:o}", "stage", st->id, "record", obj)) != 0) {
    tf_record_unref(rec);
    return TF_ERR_NOMEM;
  }
  return st->orig->emit(ctx, rec);
}

/* init() of an explained source or transform: the real one, given a host
 * whose emit() is filter_emit or capture_emit.  The state is the real source's,
 * so that its other functions are called unchanged. */
static int wrapped_init(tf_ctx *ctx, const tf_host *host,
                        const tf_config *config, void **state)
{
  tf__explain_stage *st = NULL;

  for (size_t i = 0; i < the_explain->n_stages; i++)
    if (strcmp(the_explain->stages[i].id, host->stage_id(ctx)) == 0)
      st = &the_explain->stages[i];
  if (!st)
    return TF_ERR_INVAL;
  the_host = host;
  st->orig = host;
  st->host = *host;
  st->host.emit = st->kind == TF_KIND_SOURCE ? filter_emit : capture_emit;
  return st->real->init(ctx, &st->host, config, state);
}

static int capture_init(tf_ctx *ctx, const tf_host *host,
                        const tf_config *config, void **state)
{
  (void)config;
  *state = (void *)host->stage_id(ctx);
  return TF_OK;
}

static void capture_fini(void *state)
{
  (void)state;
}

static tf_sink_result capture_write(void *state, tf_ctx *ctx,
                                    const tf_batch *batch)
{
  size_t i, n = tf_batch_count(batch);

  (void)ctx;
  for (i = 0; i < n; i++) {
    json_t *obj = json_deep_copy(tf_record_json(tf_batch_get(batch, i)));

    if (the_explain->n_transforms > 0) { /* the transforms' copy is kept */
      json_decref(obj);
      continue;
    }
    if (!obj || json_array_append_new(the_explain->outputs,
                                      json_pack("{s:s, s:o}", "stage",
                                                (const char *)state, "record",
                                                obj)) != 0)
      return TF_SINK_ERROR;
  }
  return TF_SINK_OK;
}

/* The capture sink: no options are checked again (the pipeline's own
 * sink checked its config when the pipeline was loaded). */
static const tf_sink_plugin capture_sink = {
    .base = {.abi_major = TF_ABI_MAJOR,
             .struct_size = sizeof(tf_sink_plugin),
             .kind = TF_KIND_SINK,
             .name = "explain_capture",
             .version = "1",
             .description = "keeps what a sink receives, for explain",
             .license = "MIT",
             .init = capture_init,
             .fini = capture_fini},
    .write = capture_write,
};

/* A copy of the stage's descriptor (as long as the plugin's own) with
 * init() wrapped. */
static void wire_init(tf__explain_stage *st, tf__stage_def *s)
{
  const tf_plugin *real = s->plugin.plugin;
  size_t size = real->struct_size < sizeof(st->wrapped) ? real->struct_size
                                                        : sizeof(st->wrapped);

  memset(&st->wrapped, 0, sizeof(st->wrapped));
  memcpy(&st->wrapped, real, size);
  st->wrapped.source.base.init = wrapped_init;
  s->plugin.plugin = &st->wrapped.source.base;
}

int tf__explain_wire(tf__explain *e, tf__pipeline *p)
{
  if (p->n_stages > TF_EXPLAIN_MAX_STAGES)
    return TF_ERR_CONFIG;
  the_explain = e;
  e->n_stages = 0;
  for (size_t i = 0; i < p->n_stages; i++) {
    tf__stage_def *s = &p->stages[i];
    tf__explain_stage *st = &e->stages[e->n_stages++];

    st->id = s->id;
    st->real = s->plugin.plugin;
    st->orig = NULL;
    st->kind = s->kind;
    if (s->kind != TF_KIND_SINK)
      wire_init(st, s);
    if (s->kind == TF_KIND_TRANSFORM)
      e->n_transforms++;
    if (s->kind == TF_KIND_SOURCE && strncmp(s->plugin_name, "drift", 5) == 0)
      e->has_chat_source = 1;
    else if (s->kind == TF_KIND_SINK)
      s->plugin.plugin = &capture_sink.base;
  }
  return TF_OK;
}

void tf__explain_unwire(tf__explain *e, tf__pipeline *p)
{
  for (size_t i = 0; i < e->n_stages && i < p->n_stages; i++)
    p->stages[i].plugin.plugin = e->stages[i].real;
  the_explain = NULL;
}
