/*
 * builder_tokens.c - the tokens a builder writes (builder_tokens.h).
 */
#include <stdlib.h>
#include <touchflow/value.h>

#include "builder_tokens.h"
#include "grow.h"

void tf__btoks_init(tf__btoks *t)
{
  tf__json_tokens_init(&t->toks);
  t->levels = NULL;
  t->depth = t->cap = 0;
  t->off = 0;
}

void tf__btoks_free(tf__btoks *t)
{
  tf__json_tokens_free(&t->toks);
  free(t->levels);
  tf__btoks_init(t);
}

void tf__btoks_reset(tf__btoks *t)
{
  t->toks.n = 0;
  t->depth = 0;
  t->off = 0;
}

void tf__btoks_open(tf__btoks *t, int type, size_t start)
{
  struct tf_value *v = tf__btoks_push(t, type, start, 0, 0);

  tf__btoks_counted(t, v);
  if (!v)
    return;
  if (t->depth == t->cap && tf__grow((void **)&t->levels, &t->cap, t->depth + 1,
                                     sizeof(*t->levels), NULL) < 0) {
    t->off = 1;
    return;
  }
  t->levels[t->depth].tok = v->self;
  t->levels[t->depth].last = 0;
  t->levels[t->depth].count = 0;
  t->depth++;
}

void tf__btoks_close(tf__btoks *t, size_t end)
{
  tf__btok_level *lv;
  struct tf_value *v;

  if (t->off || t->depth == 0)
    return;
  lv = &t->levels[--t->depth];
  v = &t->toks.v[lv->tok];
  v->len = (uint32_t)(end - v->start);
  v->end = (uint32_t)t->toks.n;
  v->count = lv->count;
  if (lv->count > 0)
    t->toks.v[lv->last].flags |= TF__TOKEN_LAST;
}

const struct tf_value *tf__btoks_get(const tf__btoks *t, size_t *n)
{
  *n = t->off ? 0 : t->toks.n;
  return t->off ? NULL : t->toks.v;
}
