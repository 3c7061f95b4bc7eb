/*
 * host.c - tf_check_host (touchflow/check.h): one plugin instance, its
 * tf_host table, and everything the plugin hands back.
 *
 * struct tf_ctx is defined here as the first member of the host, so the
 * host functions turn the plugin's ctx back into its host directly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <touchflow/check.h>
#include <touchflow/record_json.h>

struct tf_ctx {
  tf_check_host *host;
};

typedef struct log_line {
  tf_log_level level;
  char *text;
} log_line;

struct tf_check_host {
  struct tf_ctx ctx;
  const tf_plugin *plugin;
  char *stage_id;
  tf_config *config;
  void *state;
  int live;
  tf_batch *emitted;
  tf_check_reject *rejects;
  size_t n_rejects, cap_rejects;
  json_t *rejects_json; /* array, mirrors rejects */
  json_t *metrics;      /* {"name": total} */
  log_line *logs;
  size_t n_logs, cap_logs;
  json_t *messages; /* array of strings: problems and log lines */
  size_t n_errors;
  int64_t watermark;
};

#define FLUSH_AGAIN_LIMIT 100000

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void add_message(tf_check_host *h, const char *prefix, const char *text)
{
  /* A message lost to ENOMEM only makes a failure report shorter. */
  json_array_append_new(h->messages, json_sprintf("%s%s", prefix, text));
}

static void host_log(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
{
  tf_check_host *h = ctx->host;
  char msg[2048], prefix[32];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (level > TF_LOG_DEBUG)
    level = TF_LOG_DEBUG;
  snprintf(prefix, sizeof(prefix), "%s: ", level_names[level]);
  if (level == TF_LOG_ERROR)
    h->n_errors++;
  add_message(h, prefix, msg);
  if (h->n_logs == h->cap_logs) {
    size_t cap = h->cap_logs ? h->cap_logs * 2 : 16;
    log_line *grown = realloc(h->logs, cap * sizeof(*grown));

    if (!grown)
      return;
    h->logs = grown;
    h->cap_logs = cap;
  }
  h->logs[h->n_logs].text = strdup(msg);
  if (!h->logs[h->n_logs].text)
    return;
  h->logs[h->n_logs++].level = level;
}

static json_t *reject_json(const tf_record *rec, const char *code,
                           const char *message)
{
  tf_origin o = rec ? tf_record_origin(rec) : (tf_origin){NULL, 0};
  const json_t *obj = rec ? tf_record_json(rec) : NULL;
  size_t len = 0;
  const char *bytes = rec ? tf_record_bytes(rec, &len) : NULL;
  json_t *text;

  if (bytes) {
    text = json_stringn_nocheck(bytes, len);
  } else {
    char *dumped = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

    text = json_string(dumped ? dumped : "");
    free(dumped);
  }
  return json_pack("{s:s, s:s, s:s?, s:I, s:O?, s:o}", "code", code, "message",
                   message, "file", o.file, "line", (json_int_t)o.line,
                   "record", (json_t *)obj, "text", text);
}

static int host_reject(tf_ctx *ctx, const tf_record *rec, const char *code,
                       const char *message)
{
  tf_check_host *h = ctx->host;
  tf_check_reject *r;
  char *code_copy, *message_copy;
  json_t *entry;

  if (h->n_rejects == h->cap_rejects) {
    size_t cap = h->cap_rejects ? h->cap_rejects * 2 : 16;
    tf_check_reject *grown = realloc(h->rejects, cap * sizeof(*grown));

    if (!grown)
      return TF_ERR_NOMEM;
    h->rejects = grown;
    h->cap_rejects = cap;
  }
  code_copy = strdup(code ? code : "(null)");
  message_copy = strdup(message ? message : "(null)");
  entry =
      reject_json(rec, code ? code : "(null)", message ? message : "(null)");
  if (!code_copy || !message_copy || !entry ||
      json_array_append_new(h->rejects_json, entry) != 0) {
    free(code_copy);
    free(message_copy);
    return TF_ERR_NOMEM;
  }
  r = &h->rejects[h->n_rejects++];
  r->code = code_copy;
  r->message = message_copy;
  r->record = rec ? tf_record_ref((tf_record *)rec) : NULL;
  r->origin = rec ? tf_record_origin(rec) : (tf_origin){NULL, 0};
  return TF_OK;
}

static void host_metric(tf_ctx *ctx, const char *name, int64_t delta)
{
  tf_check_host *h = ctx->host;
  json_int_t now;

  if (!name)
    return;
  now = json_integer_value(json_object_get(h->metrics, name));
  json_object_set_new(h->metrics, name, json_integer(now + delta));
}

static int host_emit(tf_ctx *ctx, tf_record *rec)
{
  tf_check_host *h = ctx->host;

  if (!rec)
    return TF_ERR_INVAL;
  if (h->plugin && h->plugin->kind == TF_KIND_SINK) {
    tf_record_unref(rec);
    add_message(h, "error: ", "a sink called host->emit()");
    h->n_errors++;
    return TF_ERR_INVAL;
  }
  return tf_batch_push(h->emitted, rec);
}

static const char *host_stage_id(const tf_ctx *ctx)
{
  return ctx->host->stage_id;
}

static void host_watermark(tf_ctx *ctx, int64_t wm)
{
  tf_check_host *h = ctx->host;

  if (wm > h->watermark)
    h->watermark = wm;
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

tf_check_host *tf_check_host_new(const tf_plugin *plugin, const char *stage_id)
{
  tf_check_host *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->ctx.host = h;
  h->plugin = plugin;
  h->watermark = TF_WATERMARK_UNKNOWN;
  h->stage_id = strdup(stage_id ? stage_id : "test");
  h->emitted = tf_batch_new();
  h->rejects_json = json_array();
  h->metrics = json_object();
  h->messages = json_array();
  if (!h->stage_id || !h->emitted || !h->rejects_json || !h->metrics ||
      !h->messages) {
    tf_check_host_free(h);
    return NULL;
  }
  return h;
}

void tf_check_clear_records(tf_check_host *h)
{
  size_t i;

  tf_batch_clear(h->emitted);
  for (i = 0; i < h->n_rejects; i++) {
    tf_record_unref(h->rejects[i].record);
    free((char *)h->rejects[i].code);
    free((char *)h->rejects[i].message);
  }
  h->n_rejects = 0;
  json_array_clear(h->rejects_json);
}

void tf_check_clear(tf_check_host *h)
{
  size_t i;

  tf_check_clear_records(h);
  json_object_clear(h->metrics);
  for (i = 0; i < h->n_logs; i++)
    free(h->logs[i].text);
  h->n_logs = 0;
  json_array_clear(h->messages);
  h->n_errors = 0;
}

void tf_check_host_fini(tf_check_host *h)
{
  if (h->live && h->plugin && h->plugin->fini)
    h->plugin->fini(h->state);
  h->live = 0;
  h->state = NULL;
}

void tf_check_host_free(tf_check_host *h)
{
  if (!h)
    return;
  tf_check_host_fini(h);
  if (h->emitted && h->rejects_json && h->metrics && h->messages)
    tf_check_clear(h);
  tf_batch_free(h->emitted);
  free(h->rejects);
  free(h->logs);
  json_decref(h->rejects_json);
  json_decref(h->metrics);
  json_decref(h->messages);
  tf_config_free(h->config);
  free(h->stage_id);
  free(h);
}

static void diag_cb(void *ud, const char *json_path, const char *message)
{
  tf_check_host *h = ud;

  h->n_errors++;
  json_array_append_new(h->messages,
                        json_sprintf("invalid: %s: %s", json_path, message));
}

static void check_problem(void *ud, const char *path, const char *message)
{
  tf_check_host *h = ud;

  h->n_errors++;
  json_array_append_new(h->messages,
                        json_sprintf("check: %s: %s", path, message));
}

/* Finishes a live instance and validates config into h->config. */
static int validate_options(tf_check_host *h, const json_t *config,
                            const char *base_dir)
{
  tf_check_host_fini(h);
  tf_config_free(h->config);
  h->config = NULL;
  if (!h->plugin)
    return TF_ERR_INVAL;
  return tf_options_validate(h->plugin->options, config, NULL, "config",
                             base_dir, diag_cb, h, &h->config);
}

/* The plugin's check() on h->config: TF_ERR_CONFIG when it reported a
 * problem and still returned TF_OK. */
static int run_plugin_check(tf_check_host *h)
{
  size_t before = h->n_errors;
  int rc;

  if (!h->plugin->check)
    return TF_OK;
  rc = h->plugin->check(h->config, check_problem, h);
  return rc == TF_OK && h->n_errors > before ? TF_ERR_CONFIG : rc;
}

static int run_init(tf_check_host *h)
{
  int rc;

  if (!h->plugin->init) {
    add_message(h, "error: ", "the plugin has no init()");
    h->n_errors++;
    return TF_ERR_UNSUPPORTED;
  }
  h->state = NULL;
  rc = h->plugin->init(&h->ctx, &host_table, h->config, &h->state);
  h->live = rc == TF_OK;
  if (!h->live)
    h->state = NULL;
  return rc;
}

int tf_check_host_init(tf_check_host *h, const json_t *config,
                       const char *base_dir)
{
  int rc = validate_options(h, config, base_dir);

  if (rc == TF_OK)
    rc = run_plugin_check(h);
  return rc == TF_OK ? run_init(h) : rc;
}

int tf_check_host_init_unchecked(tf_check_host *h, const json_t *config,
                                 const char *base_dir)
{
  int rc = validate_options(h, config, base_dir);

  return rc == TF_OK ? run_init(h) : rc;
}

int tf_check_host_validate(tf_check_host *h, const json_t *config,
                           const char *base_dir)
{
  int rc = validate_options(h, config, base_dir);

  return rc == TF_OK ? run_plugin_check(h) : rc;
}

int tf_check_host_init_text(tf_check_host *h, const char *config_json,
                            const char *base_dir)
{
  json_error_t error;
  json_t *config = json_loads(config_json ? config_json : "{}", 0, &error);
  int rc;

  if (!json_is_object(config)) {
    json_array_append_new(h->messages,
                          json_sprintf("invalid: config: not a JSON object%s%s",
                                       config ? "" : ": ",
                                       config ? "" : error.text));
    h->n_errors++;
    json_decref(config);
    return TF_ERR_PARSE;
  }
  rc = tf_check_host_init(h, config, base_dir);
  json_decref(config);
  return rc;
}

int tf_check_live(const tf_check_host *h)
{
  return h->live;
}

void *tf_check_state(const tf_check_host *h)
{
  return h->state;
}

const tf_config *tf_check_config(const tf_check_host *h)
{
  return h->config;
}

const tf_plugin *tf_check_plugin(const tf_check_host *h)
{
  return h->plugin;
}

const tf_host *tf_check_host_table(const tf_check_host *h)
{
  (void)h;
  return &host_table;
}

tf_ctx *tf_check_ctx(tf_check_host *h)
{
  return &h->ctx;
}

/* --- The lifecycle ------------------------------------------------------ */

int tf_check_produce(tf_check_host *h, size_t max)
{
  const tf_source_plugin *src = tf_plugin_source(h->plugin);

  if (!src || !src->produce)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  return src->produce(h->state, &h->ctx, max);
}

int tf_check_produce_all(tf_check_host *h, size_t max, size_t max_calls)
{
  size_t calls;
  int rc = TF_MORE;

  for (calls = 0; calls < max_calls && rc == TF_MORE; calls++)
    rc = tf_check_produce(h, max);
  return rc;
}

int64_t tf_check_source_watermark(tf_check_host *h)
{
  const tf_source_plugin *src = tf_plugin_source(h->plugin);

  if (!src || !src->watermark || !h->live)
    return TF_WATERMARK_UNKNOWN;
  return src->watermark(h->state);
}

int tf_check_process(tf_check_host *h, const tf_batch *batch)
{
  const tf_transform_plugin *tr = tf_plugin_transform(h->plugin);

  if (!tr || !tr->process)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  return tr->process(h->state, &h->ctx, batch);
}

int tf_check_advance(tf_check_host *h, int64_t wm)
{
  const tf_transform_plugin *tr = tf_plugin_transform(h->plugin);
  const tf_sink_plugin *sink = tf_plugin_sink(h->plugin);

  if (sink) { /* appended after ABI 2.0: read only when there */
    if (!TF_PLUGIN_HAS(tf_sink_plugin, sink, advance))
      return TF_ERR_UNSUPPORTED;
    return h->live ? sink->advance(h->state, &h->ctx, wm) : TF_ERR_INVAL;
  }
  if (!tr)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  if (!tr->advance) {
    host_watermark(&h->ctx, wm);
    return TF_OK;
  }
  return tr->advance(h->state, &h->ctx, wm);
}

tf_sink_result tf_check_write(tf_check_host *h, const tf_batch *batch)
{
  const tf_sink_plugin *sink = tf_plugin_sink(h->plugin);

  if (!sink || !sink->write || !h->live)
    return TF_SINK_ERROR;
  return sink->write(h->state, &h->ctx, batch);
}

int tf_check_flush(tf_check_host *h)
{
  const tf_transform_plugin *tr = tf_plugin_transform(h->plugin);
  const tf_sink_plugin *sink = tf_plugin_sink(h->plugin);
  int rc, calls;

  if (!tr && !sink)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  if (sink)
    return sink->flush ? sink->flush(h->state, &h->ctx) : TF_OK;
  if (!tr->flush)
    return TF_OK;
  for (calls = 0; calls < FLUSH_AGAIN_LIMIT; calls++) {
    rc = tr->flush(h->state, &h->ctx);
    if (rc != TF_FLUSH_AGAIN)
      return rc;
  }
  add_message(h, "error: ", "flush() kept returning TF_FLUSH_AGAIN");
  h->n_errors++;
  return TF_ERR_PLUGIN;
}

int tf_check_position(tf_check_host *h, json_t **position)
{
  const tf_source_plugin *src = tf_plugin_source(h->plugin);

  if (!src || !src->position)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  return src->position(h->state, position);
}

int tf_check_seek(tf_check_host *h, const json_t *position)
{
  const tf_source_plugin *src = tf_plugin_source(h->plugin);

  if (!src || !src->seek)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  return src->seek(h->state, position);
}

int tf_check_snapshot(tf_check_host *h, json_t **snapshot)
{
  const tf_transform_plugin *tr = tf_plugin_transform(h->plugin);
  const tf_sink_plugin *sink = tf_plugin_sink(h->plugin);
  int (*fn)(void *, json_t **) = tr     ? tr->snapshot
                                 : sink ? sink->snapshot
                                        : NULL;

  if (!fn)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  return fn(h->state, snapshot);
}

int tf_check_restore(tf_check_host *h, const json_t *snapshot)
{
  const tf_transform_plugin *tr = tf_plugin_transform(h->plugin);
  const tf_sink_plugin *sink = tf_plugin_sink(h->plugin);
  int (*fn)(void *, const json_t *) = tr     ? tr->restore
                                      : sink ? sink->restore
                                             : NULL;

  if (!fn)
    return TF_ERR_UNSUPPORTED;
  if (!h->live)
    return TF_ERR_INVAL;
  return fn(h->state, snapshot);
}

/* --- Accessors ---------------------------------------------------------- */

const tf_batch *tf_check_emitted(const tf_check_host *h)
{
  return h->emitted;
}

size_t tf_check_emitted_count(const tf_check_host *h)
{
  return tf_batch_count(h->emitted);
}

tf_record *tf_check_emitted_get(const tf_check_host *h, size_t i)
{
  return tf_batch_get(h->emitted, i);
}

size_t tf_check_reject_count(const tf_check_host *h)
{
  return h->n_rejects;
}

const tf_check_reject *tf_check_reject_get(const tf_check_host *h, size_t i)
{
  return i < h->n_rejects ? &h->rejects[i] : NULL;
}

const json_t *tf_check_rejects_json(const tf_check_host *h)
{
  return h->rejects_json;
}

int64_t tf_check_metric(const tf_check_host *h, const char *name)
{
  return (int64_t)json_integer_value(json_object_get(h->metrics, name));
}

const json_t *tf_check_metrics_json(const tf_check_host *h)
{
  return h->metrics;
}

size_t tf_check_log_count(const tf_check_host *h)
{
  return h->n_logs;
}

const char *tf_check_log_line(const tf_check_host *h, size_t i,
                              tf_log_level *level)
{
  if (i >= h->n_logs)
    return NULL;
  if (level)
    *level = h->logs[i].level;
  return h->logs[i].text;
}

const char *tf_check_last_log(const tf_check_host *h)
{
  return h->n_logs ? h->logs[h->n_logs - 1].text : "";
}

int tf_check_log_contains(const tf_check_host *h, const char *needle)
{
  size_t i;

  for (i = 0; i < h->n_logs; i++)
    if (strstr(h->logs[i].text, needle))
      return 1;
  return 0;
}

int64_t tf_check_watermark(const tf_check_host *h)
{
  return h->watermark;
}

size_t tf_check_error_count(const tf_check_host *h)
{
  return h->n_errors;
}

const char *tf_check_messages_text(const tf_check_host *h, char *buf,
                                   size_t len)
{
  size_t i, used = 0;

  if (!len)
    return buf;
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
