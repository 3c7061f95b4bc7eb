/*
 * source_file.c - the `file` source: NDJSON or CSV records from one file or
 * a glob of files, plain or gzip, passed on unchanged.
 *
 * Owns only the plugin descriptor and its lifecycle.  Everything about
 * reading (the file list, formats, bad input, the resume position) is
 * tf_file_source's (sdk/lib/filesource.c); the state is the file source
 * itself, made without a map function so records go downstream as read.
 */
#include <touchflow/filesource.h>
#include <touchflow/plugin.h>

static const tf_option source_file_options[] = {
    TF_FILE_SOURCE_OPTIONS, {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int source_file_init(tf_ctx *ctx, const tf_host *host,
                            const tf_config *cfg, void **state)
{
  tf_file_source *fs;
  int rc = tf_file_source_new(ctx, host, cfg, NULL, NULL, &fs);

  *state = rc == TF_OK ? fs : NULL;
  return rc;
}

static void source_file_fini(void *state)
{
  tf_file_source_free(state);
}

static int source_file_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  return tf_file_source_produce(state, max_records);
}

static int source_file_position(void *state, json_t **position)
{
  return tf_file_source_position(state, position);
}

/* The plugin has always answered a position it cannot resume from with
 * TF_ERR_NOTFOUND; the file source says TF_ERR_INVAL. */
static int source_file_seek(void *state, const json_t *position)
{
  int rc = tf_file_source_seek(state, position);

  return rc == TF_ERR_INVAL ? TF_ERR_NOTFOUND : rc;
}

static const tf_plugin source_file_plugin = {
    TF_PLUGIN_HEADER,
    .kind = TF_KIND_SOURCE,
    .name = "file",
    .version = "1.0.0",
    .description =
        "Reads records from NDJSON or CSV files, plain or gzip, one file or a "
        "glob.",
    .license = "MIT",
    .options = source_file_options,
    .init = source_file_init,
    .fini = source_file_fini,
    .produce = source_file_produce,
    .position = source_file_position,
    .seek = source_file_seek,
};

TF_PLUGIN_DEFINE(source_file, source_file_plugin)
