/*
 * sink_flaky.c - test sink: answers RETRY to its first `retries` write
 * calls, ERROR from call `fail_at` on (0: never), and otherwise appends the
 * records' "seq" values to the NDJSON file `path`.  With `watermarks`,
 * each advance(W) appends {"from":"wm","seq":W}, a record whose "seq"
 * (taken as its event time) is before the last W also
 * {"from":"late","seq":seq}, and a W not above the last one
 * {"from":"back","seq":W}: what the runner hands a sink, made visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct flaky {
  FILE *fp;
  int64_t retries, fail_at, calls, delay_ms;
  int watermarks;
  int64_t last_wm; /* the last watermark given */
} flaky;

static const tf_option flaky_options[] = {
    {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "Where accepted records are appended."},
    {"retries", TF_OPT_INT, "0", 0, 0, 0, NULL,
     "How many write calls answer RETRY first."},
    {"fail_at", TF_OPT_INT, "0", 0, 0, 0, NULL,
     "The write call (1-based) from which ERROR is answered; 0 never."},
    {"delay_ms", TF_OPT_INT, "0", 0, 0, 0, NULL,
     "Milliseconds every write call sleeps (to make runs last)."},
    {"watermarks", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "Write the watermarks advance() is given, and late records."},
    {"token", TF_OPT_STRING, NULL, TF_OPT_SECRET, 0, 0, NULL,
     "A secret, to test that secrets come from the environment."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int flaky_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                      void **state)
{
  flaky *f = calloc(1, sizeof(*f));

  if (!f)
    return TF_ERR_NOMEM;
  f->fp = fopen(tf_config_string(cfg, "path"), "w");
  if (!f->fp) {
    host->log(ctx, TF_LOG_ERROR, "cannot open %s",
              tf_config_string(cfg, "path"));
    free(f);
    return TF_ERR_IO;
  }
  f->retries = tf_config_int(cfg, "retries");
  f->fail_at = tf_config_int(cfg, "fail_at");
  f->delay_ms = tf_config_int(cfg, "delay_ms");
  f->watermarks = tf_config_bool(cfg, "watermarks");
  f->last_wm = TF_WATERMARK_UNKNOWN;
  *state = f;
  return TF_OK;
}

static void flaky_fini(void *state)
{
  flaky *f = state;

  fclose(f->fp);
  free(f);
}

static tf_sink_result flaky_write(void *state, tf_ctx *ctx,
                                  const tf_batch *batch)
{
  flaky *f = state;
  size_t i;

  (void)ctx;
  f->calls++;
  if (f->delay_ms > 0) {
    struct timespec ts = {f->delay_ms / 1000, (f->delay_ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
  }
  if (f->fail_at && f->calls >= f->fail_at)
    return TF_SINK_ERROR;
  if (f->retries > 0) {
    f->retries--;
    return TF_SINK_RETRY;
  }
  for (i = 0; i < tf_batch_count(batch); i++) {
    const tf_record *rec = tf_batch_get(batch, i);
    long long seq = (long long)json_integer_value(tf_record_get(rec, "seq"));

    if (f->watermarks && seq < f->last_wm)
      fprintf(f->fp, "{\"from\":\"late\",\"seq\":%lld}\n", seq);
    fprintf(f->fp, "{\"from\":\"%s\",\"seq\":%lld}\n",
            tf_record_get_string(rec, "from"), seq);
  }
  return TF_SINK_OK;
}

static int flaky_advance(void *state, tf_ctx *ctx, int64_t watermark)
{
  flaky *f = state;

  (void)ctx;
  if (!f->watermarks)
    return TF_OK;
  fprintf(f->fp, "{\"from\":\"%s\",\"seq\":%lld}\n",
          watermark <= f->last_wm ? "back" : "wm", (long long)watermark);
  f->last_wm = watermark;
  return TF_OK;
}

static const tf_sink_plugin flaky_plugin = {
    TF_SINK_HEADER,
    .base.name = "flaky",
    .base.version = "1.0.0",
    .base.description = "Test sink: retries, fails or writes on command.",
    .base.license = "MIT",
    .base.options = flaky_options,
    .base.init = flaky_init,
    .base.fini = flaky_fini,
    .write = flaky_write,
    .advance = flaky_advance,
};

TF_SINK_PLUGIN(sink_flaky, flaky_plugin)
