/*
 * source_endless.c - test source: an unbounded source (it has stop()).
 * Emits {"n": i} for i in [0, count), then nothing, never TF_DONE by
 * itself; once `signal_at` records are out it raises SIGTERM (once), as an
 * operator stopping the run would.  stop() ends it: the next produce()
 * returns TF_DONE.
 */
#include <signal.h>
#include <stdlib.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct endless {
  const tf_host *host;
  int64_t next, count, signal_at;
  int stopped;
} endless;

static const tf_option endless_options[] = {
    {"count", TF_OPT_INT, "10", TF_OPT_RANGE, 0, 1e9, NULL,
     "How many records to emit before idling."},
    {"signal_at", TF_OPT_INT, "-1", 0, 0, 0, NULL,
     "Raise SIGTERM once this many records are out (-1: never)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int endless_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                        void **state)
{
  endless *s = calloc(1, sizeof(*s));

  (void)ctx;
  if (!s)
    return TF_ERR_NOMEM;
  s->host = host;
  s->count = tf_config_int(cfg, "count");
  s->signal_at = tf_config_int(cfg, "signal_at");
  *state = s;
  return TF_OK;
}

static void endless_fini(void *state)
{
  free(state);
}

static int endless_produce(void *state, tf_ctx *ctx, size_t max)
{
  endless *s = state;
  size_t n;

  if (s->stopped)
    return TF_DONE;
  for (n = 0; n < max && s->next < s->count; n++) {
    tf_record *rec =
        tf_record_new(json_pack("{s:I}", "n", (json_int_t)s->next));

    if (!rec || s->host->emit(ctx, rec) < 0)
      return TF_ERR_NOMEM;
    if (++s->next == s->signal_at) {
      raise(SIGTERM);
      break;
    }
  }
  return TF_MORE;
}

static int endless_stop(void *state)
{
  ((endless *)state)->stopped = 1;
  return TF_OK;
}

static int endless_position(void *state, json_t **pos)
{
  *pos = json_integer(((endless *)state)->next);
  return *pos ? TF_OK : TF_ERR_NOMEM;
}

static int endless_seek(void *state, const json_t *pos)
{
  if (!json_is_integer(pos))
    return TF_ERR_INVAL;
  ((endless *)state)->next = json_integer_value(pos);
  return TF_OK;
}

static const tf_source_plugin endless_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "endless",
    .base.version = "1.0.0",
    .base.description = "Test source: unbounded, ended by a stop signal.",
    .base.license = "MIT",
    .base.options = endless_options,
    .base.init = endless_init,
    .base.fini = endless_fini,
    .produce = endless_produce,
    .position = endless_position,
    .seek = endless_seek,
    .stop = endless_stop,
};

TF_SOURCE_PLUGIN(source_endless, endless_plugin)
