/*
 * sink_old.c - test plugin built as the 2.0 SDK built sinks: its
 * struct_size ends before `advance`, the member appended later.  The host
 * must load it, run it, and never read past its struct_size (plugin.h,
 * "How the ABI grows").  Counts the records it is given into the file
 * `path` at flush().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>

typedef struct old_sink {
  char *path;
  long long records;
} old_sink;

static const tf_option old_options[] = {
    {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "Where the record count is written at flush()."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int old_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                    void **state)
{
  old_sink *o = calloc(1, sizeof(*o));

  (void)ctx, (void)host;
  if (!o)
    return TF_ERR_NOMEM;
  o->path = strdup(tf_config_string(cfg, "path"));
  if (!o->path) {
    free(o);
    return TF_ERR_NOMEM;
  }
  *state = o;
  return TF_OK;
}

static void old_fini(void *state)
{
  old_sink *o = state;

  free(o->path);
  free(o);
}

static tf_sink_result old_write(void *state, tf_ctx *ctx, const tf_batch *batch)
{
  old_sink *o = state;

  (void)ctx;
  o->records += (long long)tf_batch_count(batch);
  return TF_SINK_OK;
}

static int old_flush(void *state, tf_ctx *ctx)
{
  old_sink *o = state;
  FILE *fp = fopen(o->path, "w");

  (void)ctx;
  if (!fp)
    return TF_ERR_IO;
  fprintf(fp, "%lld\n", o->records);
  return fclose(fp) == 0 ? TF_OK : TF_ERR_IO;
}

/* Past struct_size, where advance() is in a newer descriptor, lies a
 * pointer that crashes when called: a host reading past struct_size
 * fails the test. */
static const struct {
  tf_sink_plugin v2_0;
} old_plugin = {
    .v2_0.base.abi_major = TF_ABI_MAJOR,
    .v2_0.base.struct_size = TF_SINK_PLUGIN_SIZE_2_0,
    .v2_0.base.kind = TF_KIND_SINK,
    .v2_0.base.name = "old",
    .v2_0.base.version = "1.0.0",
    .v2_0.base.description = "Built against ABI 2.0: no advance().",
    .v2_0.base.license = "MIT",
    .v2_0.base.options = old_options,
    .v2_0.base.init = old_init,
    .v2_0.base.fini = old_fini,
    .v2_0.write = old_write,
    .v2_0.flush = old_flush,
    .v2_0.advance = (int (*)(void *, tf_ctx *, int64_t))(uintptr_t)1,
};

TF_SINK_PLUGIN(sink_old, old_plugin.v2_0)
