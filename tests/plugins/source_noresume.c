/*
 * source_noresume.c - test source without position()/seek(): emits
 * {"n": i} for i in [0, count).  A run with --state-dir must refuse it
 * before anything runs (core/checkpoint.c, tf__checkpoint_supported).
 */
#include <stdlib.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct noresume {
  const tf_host *host;
  int64_t next, end;
} noresume;

static const tf_option noresume_options[] = {
    {"count", TF_OPT_INT, "10", TF_OPT_RANGE, 0, 1e9, NULL,
     "How many records to emit."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int noresume_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                         void **state)
{
  noresume *s = calloc(1, sizeof(*s));

  (void)ctx;
  if (!s)
    return TF_ERR_NOMEM;
  s->host = host;
  s->end = tf_config_int(cfg, "count");
  *state = s;
  return TF_OK;
}

static void noresume_fini(void *state)
{
  free(state);
}

static int noresume_produce(void *state, tf_ctx *ctx, size_t max)
{
  noresume *s = state;
  size_t n;

  for (n = 0; n < max && s->next < s->end; n++, s->next++) {
    tf_record *rec =
        tf_record_new(json_pack("{s:I}", "n", (json_int_t)s->next));

    if (!rec || s->host->emit(ctx, rec) < 0)
      return TF_ERR_NOMEM;
  }
  return s->next < s->end ? TF_MORE : TF_DONE;
}

static const tf_source_plugin noresume_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "noresume",
    .base.version = "1.0.0",
    .base.description = "Test source: numbered records, no resume position.",
    .base.license = "MIT",
    .base.options = noresume_options,
    .base.init = noresume_init,
    .base.fini = noresume_fini,
    .produce = noresume_produce,
};

TF_SOURCE_PLUGIN(source_noresume, noresume_plugin)
