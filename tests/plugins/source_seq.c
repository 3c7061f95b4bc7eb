/*
 * source_seq.c - test source: emits {"seq": i, "from": STAGE} for i in
 * [start, start + count).  Reports its position so resume can be tested,
 * and with `watermark` the next seq as its watermark (seq is the event
 * time: the records come in time order).
 */
#include <stdlib.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct seq {
  tf_ctx *ctx;
  const tf_host *host;
  int64_t next, end;
  int watermark;
} seq;

static const tf_option seq_options[] = {
    {"count", TF_OPT_INT, "10", TF_OPT_RANGE, 0, 1e9, NULL,
     "How many records to emit."},
    {"start", TF_OPT_INT, "0", 0, 0, 0, NULL, "The first sequence number."},
    {"watermark", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "Report the next sequence number as the watermark."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int seq_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                    void **state)
{
  seq *s = calloc(1, sizeof(*s));

  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  s->next = tf_config_int(cfg, "start");
  s->end = s->next + tf_config_int(cfg, "count");
  s->watermark = tf_config_bool(cfg, "watermark");
  *state = s;
  return TF_OK;
}

static void seq_fini(void *state)
{
  free(state);
}

static int seq_produce(void *state, tf_ctx *ctx, size_t max)
{
  seq *s = state;
  size_t n;

  for (n = 0; n < max && s->next < s->end; n++, s->next++) {
    json_t *obj = json_pack("{s:I, s:s}", "seq", (json_int_t)s->next, "from",
                            s->host->stage_id(ctx));
    tf_record *rec = tf_record_new(obj);

    if (!rec || s->host->emit(ctx, rec) < 0)
      return TF_ERR_NOMEM;
  }
  return s->next < s->end ? TF_MORE : TF_DONE;
}

static int64_t seq_watermark(void *state)
{
  seq *s = state;

  return s->watermark ? s->next : TF_WATERMARK_UNKNOWN;
}

static int seq_position(void *state, json_t **pos)
{
  *pos = json_integer(((seq *)state)->next);
  return *pos ? TF_OK : TF_ERR_NOMEM;
}

static int seq_seek(void *state, const json_t *pos)
{
  if (!json_is_integer(pos))
    return TF_ERR_INVAL;
  ((seq *)state)->next = json_integer_value(pos);
  return TF_OK;
}

static const tf_source_plugin seq_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "seq",
    .base.version = "1.0.0",
    .base.description = "Test source: a numbered sequence of records.",
    .base.license = "MIT",
    .base.options = seq_options,
    .base.init = seq_init,
    .base.fini = seq_fini,
    .produce = seq_produce,
    .watermark = seq_watermark,
    .position = seq_position,
    .seek = seq_seek,
};

TF_SOURCE_PLUGIN(source_seq, seq_plugin)
