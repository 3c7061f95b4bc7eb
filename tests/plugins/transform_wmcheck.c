/*
 * transform_wmcheck.c - test transform: passes records on and makes the
 * input watermarks it is given visible.  Each advance(W) emits
 * {"from": "wm", "seq": W}; a record whose "seq" (taken as its event time)
 * is before the last watermark given emits {"from": "late", "seq": seq}
 * besides being passed on.  A watermark that goes back emits
 * {"from": "back", "seq": W}.
 */
#include <stdlib.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct wmcheck {
  const tf_host *host;
  int64_t last; /* the last watermark given */
} wmcheck;

static int wmcheck_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                        void **state)
{
  wmcheck *w = calloc(1, sizeof(*w));

  (void)ctx;
  (void)cfg;
  if (!w)
    return TF_ERR_NOMEM;
  w->host = host;
  w->last = TF_WATERMARK_UNKNOWN;
  *state = w;
  return TF_OK;
}

static void wmcheck_fini(void *state)
{
  free(state);
}

static int mark(wmcheck *w, tf_ctx *ctx, const char *what, int64_t seq)
{
  tf_record *rec = tf_record_new(
      json_pack("{s:s, s:I}", "from", what, "seq", (json_int_t)seq));

  return rec ? w->host->emit(ctx, rec) : TF_ERR_NOMEM;
}

static int wmcheck_process(void *state, tf_ctx *ctx, const tf_batch *batch)
{
  wmcheck *w = state;
  size_t i;
  int rc = TF_OK;

  for (i = 0; i < tf_batch_count(batch) && rc == TF_OK; i++) {
    tf_record *rec = tf_batch_get(batch, i);
    int64_t seq = json_integer_value(tf_record_get(rec, "seq"));

    if (seq < w->last)
      rc = mark(w, ctx, "late", seq);
    if (rc == TF_OK)
      rc = w->host->emit(ctx, tf_record_ref(rec));
  }
  return rc;
}

static int wmcheck_advance(void *state, tf_ctx *ctx, int64_t watermark)
{
  wmcheck *w = state;
  int back = watermark <= w->last;

  w->last = watermark;
  return mark(w, ctx, back ? "back" : "wm", watermark);
}

static const tf_transform_plugin wmcheck_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "wmcheck",
    .base.version = "1.0.0",
    .base.description =
        "Test transform: shows the input watermarks it is given.",
    .base.license = "MIT",
    .base.init = wmcheck_init,
    .base.fini = wmcheck_fini,
    .process = wmcheck_process,
    .advance = wmcheck_advance,
};

TF_TRANSFORM_PLUGIN(transform_wmcheck, wmcheck_plugin)
