/*
 * source_file.c - the `file` source: NDJSON or CSV records from one file or
 * a glob of files, plain or gzip, passed on unchanged.
 *
 * Owns the plugin descriptor, its options, its config check and its
 * lifecycle, and reading each record's event time from `time_field` when
 * the input is declared sorted_by_time.  Everything about reading (the
 * file list, formats, bad input, the resume position, the order check
 * itself) is tf_file_source's (sdk/lib/filesource.c); without
 * sorted_by_time the file source has no map function, so records go
 * downstream as read.
 */
#include <stdlib.h>
#include <touchflow/configcheck.h>
#include <touchflow/fields.h>
#include <touchflow/filesource.h>
#include <touchflow/plugin.h>

typedef struct source_file {
  tf_file_source *fs;
  tf_time_order *order;   /* the file source's */
  const char *time_field; /* borrowed from the config */
  int warned;             /* a record without a time was logged */
} source_file;

static const tf_option source_file_options[] = {
    TF_FILE_SOURCE_OPTIONS,
    {"time_field", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "Where a record's event time is: a field name or a dotted path "
     "(\"meta.created\"), holding ISO-8601 text or epoch milliseconds (an "
     "integer or a string of digits). Unset: records have no event time. "
     "Read only with sorted_by_time, which needs it."},
    {"sorted_by_time", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "The records come in event-time order: the time in time_field never "
     "decreases over all the files, read in name order. The source then "
     "promises the latest time as its watermark. A record before an earlier "
     "one is dead-lettered as out_of_order. Requires time_field."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* What the option table cannot say: sorted_by_time needs time_field. */
static int source_file_check(const tf_config *cfg, tf_problem_fn problem,
                             void *ud)
{
  const char *field = tf_config_string(cfg, "time_field");

  if (field && !*field) {
    tf_problemf(problem, ud, "time_field", "must name a field when set");
    return TF_ERR_CONFIG;
  }
  if (tf_config_bool(cfg, "sorted_by_time") && !field) {
    tf_problemf(problem, ud, "sorted_by_time",
                "needs time_field: name the field (or dotted path) that "
                "holds each record's event time");
    return TF_ERR_CONFIG;
  }
  return TF_OK;
}

/* A record whose time_field holds no usable time is passed on unchecked,
 * counted, and the first one logged. */
static int pass_without_time(source_file *s, tf_ctx *ctx, const tf_host *host,
                             const tf_record *rec, const json_t *value)
{
  tf_origin o = tf_record_origin(rec);
  char shown[TF_FIELD_SHOWN_LEN];

  host->metric(ctx, "without_time", 1);
  if (!s->warned) {
    s->warned = 1;
    tf_field_describe(value, shown, sizeof(shown));
    host->log(ctx, TF_LOG_WARN,
              "%s:%ld: time_field \"%s\" is %s, not a time: records "
              "without one are passed on unchecked (counter without_time)",
              o.file ? o.file : "-", o.line, s->time_field, shown);
  }
  return host->emit(ctx, tf_record_ref((tf_record *)rec));
}

/* The map function with sorted_by_time: emits the record unchanged
 * through the order check, with the time read from time_field. */
static int map_timed(void *ud, tf_ctx *ctx, const tf_host *host,
                     const tf_record *rec)
{
  source_file *s = ud;
  const json_t *value = tf_field_lookup(rec, s->time_field);
  int64_t ts;

  if (tf_field_epoch_time(value, TF_EPOCH_MILLISECONDS, &ts) != TF_OK)
    return pass_without_time(s, ctx, host, rec, value);
  return tf_time_order_emit(s->order, ctx, host,
                            tf_record_ref((tf_record *)rec), ts);
}

static void source_file_fini(void *state)
{
  source_file *s = state;

  if (!s)
    return;
  tf_file_source_free(s->fs);
  free(s);
}

static int source_file_init(tf_ctx *ctx, const tf_host *host,
                            const tf_config *cfg, void **state)
{
  source_file *s;
  int sorted = tf_config_bool(cfg, "sorted_by_time");
  int rc = tf_check_logged(source_file_check, cfg, ctx, host);

  *state = NULL;
  if (rc != TF_OK)
    return rc;
  s = calloc(1, sizeof(*s));
  if (!s)
    return TF_ERR_NOMEM;
  s->time_field = tf_config_string(cfg, "time_field");
  rc = tf_file_source_new(ctx, host, cfg, sorted ? map_timed : NULL, s, &s->fs);
  if (rc != TF_OK) {
    source_file_fini(s);
    return rc;
  }
  s->order = tf_file_source_time_order(s->fs);
  *state = s;
  return TF_OK;
}

static int source_file_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  source_file *s = state;

  return tf_file_source_produce(s->fs, max_records);
}

static int source_file_position(void *state, json_t **position)
{
  source_file *s = state;

  return tf_file_source_position(s->fs, position);
}

/* The plugin has always answered a position it cannot resume from with
 * TF_ERR_NOTFOUND; the file source says TF_ERR_INVAL. */
static int source_file_seek(void *state, const json_t *position)
{
  source_file *s = state;
  int rc = tf_file_source_seek(s->fs, position);

  return rc == TF_ERR_INVAL ? TF_ERR_NOTFOUND : rc;
}

static int64_t source_file_watermark(void *state)
{
  source_file *s = state;

  return tf_file_source_watermark(s->fs);
}

static const tf_source_plugin source_file_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "file",
    .base.version = "1.0.0",
    .base.description =
        "Reads records from NDJSON or CSV files, plain or gzip, one file or a "
        "glob.",
    .base.license = "MIT",
    .base.options = source_file_options,
    .base.init = source_file_init,
    .base.fini = source_file_fini,
    .produce = source_file_produce,
    .flags = TF_SOURCE_OWN_THREAD,
    .position = source_file_position,
    .seek = source_file_seek,
    .base.check = source_file_check,
    .watermark = source_file_watermark,
};

TF_SOURCE_PLUGIN(source_file, source_file_plugin)
