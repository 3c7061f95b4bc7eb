/*
 * counter_source.h - the correct source the broken test sources start
 * from: emits {"n": i} for i in [0, count), position = the next i.  Each
 * broken source includes it and changes one thing.
 */
#ifndef TF_TESTS_COUNTER_SOURCE_H
#define TF_TESTS_COUNTER_SOURCE_H

#include <stdlib.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

typedef struct counter {
  tf_ctx *ctx;
  const tf_host *host;
  int64_t next, end;
} counter;

static const tf_option counter_options[] = {
    {"count", TF_OPT_INT, "10", TF_OPT_RANGE, 0, 1e6, NULL,
     "How many records to emit."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static inline int counter_init(tf_ctx *ctx, const tf_host *host,
                               const tf_config *cfg, void **state)
{
  counter *c = calloc(1, sizeof(*c));

  if (!c)
    return TF_ERR_NOMEM;
  c->ctx = ctx;
  c->host = host;
  c->end = tf_config_int(cfg, "count");
  *state = c;
  return TF_OK;
}

static inline void counter_fini(void *state)
{
  free(state);
}

/* Emits one record made from obj (stolen). */
static inline int counter_emit(counter *c, json_t *obj)
{
  tf_record *rec = tf_record_new(obj);

  return rec ? c->host->emit(c->ctx, rec) : TF_ERR_NOMEM;
}

static inline int counter_produce(void *state, tf_ctx *ctx, size_t max)
{
  counter *c = state;
  size_t n;

  for (n = 0; n < max && c->next < c->end; n++, c->next++)
    if (counter_emit(c, json_pack("{s:I}", "n", (json_int_t)c->next)) < 0)
      return TF_ERR_NOMEM;
  return c->next < c->end ? TF_MORE : TF_DONE;
}

static inline int counter_position(void *state, json_t **pos)
{
  *pos = json_integer(((counter *)state)->next);
  return *pos ? TF_OK : TF_ERR_NOMEM;
}

static inline int counter_seek(void *state, const json_t *pos)
{
  if (!json_is_integer(pos))
    return TF_ERR_INVAL;
  ((counter *)state)->next = json_integer_value(pos);
  return TF_OK;
}

#endif
