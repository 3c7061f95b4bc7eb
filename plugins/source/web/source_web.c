/*
 * source_web.c - the `web` source: Marketo Measure hits (page views and
 * form submits) from NDJSON or CSV files, plain or gzip, as `hit` events.
 *
 * Owns the plugin descriptor, its option table and the lifecycle.  Reading
 * the files (formats, bad lines, position and resume, the sorted_by_time
 * order check) is tf_file_source's; turning a record into an event is
 * web_hit.c's.
 */
#include <stdlib.h>
#include <touchflow/plugin.h>
#include "web_hit.h"

typedef struct source_web {
  web_settings settings; /* the mapping's ud */
  tf_file_source *fs;
} source_web;

static const tf_option source_web_options[] = {
    TF_FILE_SOURCE_OPTIONS,
    TF_SORTED_BY_TIME_OPTION,
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static void source_web_fini(void *state)
{
  source_web *s = state;

  if (!s)
    return;
  tf_file_source_free(s->fs);
  tf_builder_free(s->settings.builder);
  free(s);
}

static int source_web_init(tf_ctx *ctx, const tf_host *host,
                           const tf_config *cfg, void **state)
{
  source_web *s = calloc(1, sizeof(*s));
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->settings.builder = tf_builder_new();
  if (!s->settings.builder) {
    free(s);
    return TF_ERR_NOMEM;
  }
  rc = tf_file_source_new(ctx, host, cfg, source_web_map_hit, &s->settings,
                          &s->fs);
  if (rc != TF_OK) {
    source_web_fini(s);
    return rc;
  }
  s->settings.order = tf_file_source_time_order(s->fs);
  *state = s;
  return TF_OK;
}

static int source_web_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  source_web *s = state;

  return tf_file_source_produce(s->fs, max_records);
}

static int source_web_position(void *state, json_t **position)
{
  source_web *s = state;

  return tf_file_source_position(s->fs, position);
}

static int source_web_seek(void *state, const json_t *position)
{
  source_web *s = state;

  return tf_file_source_seek(s->fs, position);
}

static int64_t source_web_watermark(void *state)
{
  source_web *s = state;

  return tf_file_source_watermark(s->fs);
}

static const tf_source_plugin source_web_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "web",
    .base.version = "1.0.0",
    .base.description =
        "Reads Marketo Measure web hits (page views, form submits) from NDJSON "
        "or CSV files and emits hit events.",
    .base.license = "MIT",
    .base.options = source_web_options,
    .base.init = source_web_init,
    .base.fini = source_web_fini,
    .produce = source_web_produce,
    .flags = TF_SOURCE_OWN_THREAD,
    .position = source_web_position,
    .seek = source_web_seek,
    .watermark = source_web_watermark,
};

TF_SOURCE_PLUGIN(source_web, source_web_plugin)
