/*
 * builder_tokens.h - the token index of a record, written by a tf_builder
 * as it writes the record's text, so that the record's value index is
 * built without scanning the text again (record.c).
 *
 * Internal to the SDK (not installed).  The tokens are exactly those
 * tf__json_scan writes for the same text (json_scan.h: document order,
 * start, len, end, count, self, type, the ESCAPED and LAST flags), which
 * the value index relies on; tests/sdk (test_builder.c) compares the two
 * for every kind of value.  The caller (builder.c) reports each value, key
 * and container with its offsets once it is written.  When a token cannot
 * be kept (no memory, text of 4 GiB or more) the set turns itself off and
 * the record is indexed by a scan as before: tokens are an optimisation,
 * never a requirement.
 */
#ifndef TOUCHFLOW_BUILDER_TOKENS_H
#define TOUCHFLOW_BUILDER_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "json_scan.h"

/* An open container: its token, its last member's value or element, and
 * how many it has. */
typedef struct tf__btok_level {
  uint32_t tok, last, count;
} tf__btok_level;

typedef struct tf__btoks {
  tf__json_tokens toks;
  tf__btok_level *levels;
  size_t depth, cap;
  int off; /* a token could not be kept: none are handed out */
} tf__btoks;

void tf__btoks_init(tf__btoks *t);
void tf__btoks_free(tf__btoks *t);

/* Forgets the tokens of the record being written; keeps the memory. */
void tf__btoks_reset(tf__btoks *t);

/* Appends a token; NULL (and the set off) when it cannot be kept.
 * Inline, as the two below: a builder notes a token for every key and
 * value it writes. */
static inline struct tf_value *
tf__btoks_push(tf__btoks *t, int type, size_t start, size_t len, int flags)
{
  struct tf_value *v;

  if (t->off)
    return NULL;
  v = start + len < UINT32_MAX
          ? tf__json_tokens_push(&t->toks, type, start, len, flags)
          : NULL;
  if (!v)
    t->off = 1;
  return v;
}

/* A key, written at text[start..start+len) (with its quotes); escaped:
 * it holds backslash escapes. */
static inline void tf__btoks_key(tf__btoks *t, size_t start, size_t len,
                                 int escaped)
{
  tf__btoks_push(t, TF__TOKEN_KEY, start, len, escaped ? TF__TOKEN_ESCAPED : 0);
}

/* A value was pushed as v (NULL: it was not kept): the innermost
 * container's last and count. */
static inline void tf__btoks_counted(tf__btoks *t, const struct tf_value *v)
{
  tf__btok_level *lv;

  if (!v || t->depth == 0)
    return;
  lv = &t->levels[t->depth - 1];
  lv->last = v->self;
  lv->count++;
}

/* A scalar value (type a tf_type), written at text[start..start+len). */
static inline void tf__btoks_value(tf__btoks *t, int type, size_t start,
                                   size_t len, int escaped)
{
  tf__btoks_counted(
      t, tf__btoks_push(t, type, start, len, escaped ? TF__TOKEN_ESCAPED : 0));
}

/* A container (TF_TYPE_OBJECT or TF_TYPE_ARRAY) opens at text[start]. */
void tf__btoks_open(tf__btoks *t, int type, size_t start);

/* The innermost container closes; its text ends before text[end]. */
void tf__btoks_close(tf__btoks *t, size_t end);

/* The tokens of a finished record, and their number in *n; NULL when the
 * set turned itself off. */
const struct tf_value *tf__btoks_get(const tf__btoks *t, size_t *n);

#endif
