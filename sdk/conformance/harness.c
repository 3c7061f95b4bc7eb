/*
 * harness.c - the conformance host: one plugin instance, its tf_host table
 * and everything the plugin hands back (emitted and rejected records, log
 * lines, validation messages).
 *
 * struct tf_ctx is defined here as the first member of the harness, so the
 * host functions turn the plugin's ctx back into its harness directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include <touchflow/record_json.h>

struct tf_ctx {
  tf_harness *harness;
};

struct tf_harness {
  struct tf_ctx ctx;
  const tf_plugin *plugin;
  tf_config *config;
  void *state;
  int live;
  tf_record **emitted;
  size_t n_emitted, cap_emitted;
  tf_harness_reject *rejected;
  size_t n_rejected, cap_rejected;
  json_t *messages; /* array of strings */
  size_t n_errors;
};

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void add_message(tf_harness *h, const char *prefix, const char *text)
{
  /* A message lost to ENOMEM only makes a failure report shorter. */
  json_array_append_new(h->messages, json_sprintf("%s%s", prefix, text));
}

static void host_log(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
{
  tf_harness *h = ctx->harness;
  char msg[2048], prefix[32];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  snprintf(prefix, sizeof(prefix),
           "%s: ", level_names[level <= TF_LOG_DEBUG ? level : TF_LOG_DEBUG]);
  if (level == TF_LOG_ERROR)
    h->n_errors++;
  add_message(h, prefix, msg);
}

static int host_reject(tf_ctx *ctx, const tf_record *rec, const char *code,
                       const char *message)
{
  tf_harness *h = ctx->harness;
  tf_harness_reject *r;

  if (h->n_rejected == h->cap_rejected) {
    size_t cap = h->cap_rejected ? h->cap_rejected * 2 : 16;
    tf_harness_reject *grown = realloc(h->rejected, cap * sizeof(*grown));

    if (!grown)
      return TF_ERR_NOMEM;
    h->rejected = grown;
    h->cap_rejected = cap;
  }
  r = &h->rejected[h->n_rejected];
  r->code = strdup(code ? code : "(null)");
  r->message = strdup(message ? message : "(null)");
  if (!r->code || !r->message) {
    free(r->code);
    free(r->message);
    return TF_ERR_NOMEM;
  }
  r->record = rec ? tf_record_ref((tf_record *)rec) : NULL;
  h->n_rejected++;
  return TF_OK;
}

static void host_metric(tf_ctx *ctx, const char *name, int64_t delta)
{
  (void)ctx;
  (void)name;
  (void)delta;
}

static int host_emit(tf_ctx *ctx, tf_record *rec)
{
  tf_harness *h = ctx->harness;

  if (!rec)
    return TF_ERR_INVAL;
  if (h->plugin->kind == TF_KIND_SINK) {
    tf_record_unref(rec);
    add_message(h, "error: ", "a sink called host->emit()");
    h->n_errors++;
    return TF_ERR_INVAL;
  }
  if (h->n_emitted == h->cap_emitted) {
    size_t cap = h->cap_emitted ? h->cap_emitted * 2 : 64;
    tf_record **grown = realloc(h->emitted, cap * sizeof(*grown));

    if (!grown) {
      tf_record_unref(rec);
      return TF_ERR_NOMEM;
    }
    h->emitted = grown;
    h->cap_emitted = cap;
  }
  h->emitted[h->n_emitted++] = rec;
  return TF_OK;
}

static const char *host_stage_id(const tf_ctx *ctx)
{
  (void)ctx;
  return "conformance";
}

/* The suite checks records, not event time: a declared output watermark
 * is accepted and not used. */
static void host_watermark(tf_ctx *ctx, int64_t wm)
{
  (void)ctx;
  (void)wm;
}

static const tf_host host_table = {
    .size = sizeof(tf_host),
    .log = host_log,
    .reject = host_reject,
    .metric = host_metric,
    .emit = host_emit,
    .stage_id = host_stage_id,
    .watermark = host_watermark,
};

tf_harness *tf_harness_new(const tf_plugin *plugin)
{
  tf_harness *h = calloc(1, sizeof(*h));

  if (!h)
    return NULL;
  h->ctx.harness = h;
  h->plugin = plugin;
  h->messages = json_array();
  if (!h->messages) {
    free(h);
    return NULL;
  }
  return h;
}

void tf_harness_clear(tf_harness *h)
{
  size_t i;

  for (i = 0; i < h->n_emitted; i++)
    tf_record_unref(h->emitted[i]);
  h->n_emitted = 0;
  for (i = 0; i < h->n_rejected; i++) {
    tf_record_unref(h->rejected[i].record);
    free(h->rejected[i].code);
    free(h->rejected[i].message);
  }
  h->n_rejected = 0;
}

void tf_harness_fini(tf_harness *h)
{
  if (h->live)
    h->plugin->fini(h->state);
  h->live = 0;
  h->state = NULL;
}

void tf_harness_free(tf_harness *h)
{
  if (!h)
    return;
  tf_harness_fini(h);
  tf_harness_clear(h);
  free(h->emitted);
  free(h->rejected);
  tf_config_free(h->config);
  json_decref(h->messages);
  free(h);
}

static void diag_cb(void *ud, const char *json_path, const char *message)
{
  tf_harness *h = ud;

  h->n_errors++;
  json_array_append_new(h->messages,
                        json_sprintf("invalid: %s: %s", json_path, message));
}

int tf_harness_init(tf_harness *h, const json_t *config, const char *base_dir)
{
  int rc;

  tf_config_free(h->config);
  h->config = NULL;
  rc = tf_options_validate(h->plugin->options, config, NULL, "config", base_dir,
                           diag_cb, h, &h->config);
  if (rc != TF_OK)
    return rc;
  h->state = NULL;
  rc = h->plugin->init(&h->ctx, &host_table, h->config, &h->state);
  h->live = rc == TF_OK;
  if (!h->live)
    h->state = NULL;
  return rc;
}

int tf_harness_has_check(const tf_plugin *plugin)
{
  return plugin->check != NULL;
}

/* The tf_problem_fn handed to check(). */
static void check_problem(void *ud, const char *path, const char *message)
{
  tf_harness *h = ud;

  h->n_errors++;
  json_array_append_new(h->messages,
                        json_sprintf("check: %s: %s", path, message));
}

int tf_harness_check(tf_harness *h, const json_t *config, const char *base_dir)
{
  size_t before;
  int rc;

  tf_config_free(h->config);
  h->config = NULL;
  rc = tf_options_validate(h->plugin->options, config, NULL, "config", base_dir,
                           diag_cb, h, &h->config);
  if (rc != TF_OK || !tf_harness_has_check(h->plugin))
    return rc;
  before = h->n_errors;
  rc = h->plugin->check(h->config, check_problem, h);
  return rc == TF_OK && h->n_errors > before ? TF_ERR_CONFIG : rc;
}

int tf_harness_live(const tf_harness *h)
{
  return h->live;
}

void *tf_harness_state(const tf_harness *h)
{
  return h->state;
}

tf_ctx *tf_harness_ctx(tf_harness *h)
{
  return &h->ctx;
}

int tf_harness_produce_all(tf_harness *h, size_t max, size_t max_calls)
{
  size_t calls;
  int rc = TF_MORE;

  for (calls = 0; calls < max_calls && rc == TF_MORE; calls++)
    rc = tf_plugin_source(h->plugin)->produce(h->state, &h->ctx, max);
  return rc;
}

size_t tf_harness_emitted_count(const tf_harness *h)
{
  return h->n_emitted;
}

tf_record *tf_harness_emitted(const tf_harness *h, size_t i)
{
  return i < h->n_emitted ? h->emitted[i] : NULL;
}

size_t tf_harness_rejected_count(const tf_harness *h)
{
  return h->n_rejected;
}

const tf_harness_reject *tf_harness_rejected(const tf_harness *h, size_t i)
{
  return i < h->n_rejected ? &h->rejected[i] : NULL;
}

const json_t *tf_harness_messages(const tf_harness *h)
{
  return h->messages;
}

size_t tf_harness_error_count(const tf_harness *h)
{
  return h->n_errors;
}

const char *tf_harness_messages_text(const tf_harness *h, char *buf, size_t len)
{
  size_t i, used = 0;

  buf[0] = '\0';
  for (i = 0; i < json_array_size(h->messages) && used + 1 < len; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? "; " : "",
                     json_string_value(json_array_get(h->messages, i)));

    if (n < 0)
      break;
    used += (size_t)n;
  }
  if (!buf[0])
    snprintf(buf, len, "(no message)");
  return buf;
}

char *tf_harness_record_text(const tf_record *rec)
{
  const json_t *obj = tf_record_json(rec);
  const char *bytes;
  size_t len;
  char *text;

  if (obj)
    return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
  bytes = tf_record_bytes(rec, &len);
  text = malloc(len + 5);
  if (!text)
    return NULL;
  memcpy(text, "raw:", 4);
  if (len)
    memcpy(text + 4, bytes, len);
  text[len + 4] = '\0';
  return text;
}
