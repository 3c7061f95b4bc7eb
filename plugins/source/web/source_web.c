/*
 * source_web.c - the `web` source: Marketo Measure hits (page views and
 * form submits) from NDJSON or CSV files, plain or gzip, as `hit` events.
 *
 * Owns the plugin descriptor, its option table and the lifecycle.  Reading
 * the files (formats, bad lines, position and resume) is tf_file_source's;
 * turning a record into an event is web_hit.c's.
 */
#include <touchflow/plugin.h>
#include "web_hit.h"

static const tf_option source_web_options[] = {
    TF_FILE_SOURCE_OPTIONS, {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* The state is the file source itself. */
static int source_web_init(tf_ctx *ctx, const tf_host *host,
                           const tf_config *cfg, void **state)
{
  tf_file_source *fs;
  int rc = tf_file_source_new(ctx, host, cfg, source_web_map_hit, NULL, &fs);

  *state = rc == TF_OK ? fs : NULL;
  return rc;
}

static void source_web_fini(void *state)
{
  tf_file_source_free(state);
}

static int source_web_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  return tf_file_source_produce(state, max_records);
}

static int source_web_position(void *state, json_t **position)
{
  return tf_file_source_position(state, position);
}

static int source_web_seek(void *state, const json_t *position)
{
  return tf_file_source_seek(state, position);
}

static const tf_plugin source_web_plugin = {
    TF_PLUGIN_HEADER,
    .kind = TF_KIND_SOURCE,
    .name = "web",
    .version = "1.0.0",
    .description =
        "Reads Marketo Measure web hits (page views, form submits) from NDJSON "
        "or CSV files and emits hit events.",
    .license = "MIT",
    .options = source_web_options,
    .init = source_web_init,
    .fini = source_web_fini,
    .produce = source_web_produce,
    .position = source_web_position,
    .seek = source_web_seek,
};

TF_PLUGIN_DEFINE(source_web, source_web_plugin)
