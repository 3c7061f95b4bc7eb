/*
 * value_index.h - the lazy index of a record's JSON text: the tokens the
 * tf_value API hands out, and the unescaped strings they point to.
 *
 * Internal to the SDK (not installed).  Built once per record, on the first
 * value asked of it (record.c), and immutable from then on; freed with the
 * record.  One allocation holds the header, the tokens and the "shadow" (the
 * record's own, when it was made with its tokens: tf__index_lay): a
 * copy of the text in which every string and key is unescaped in place
 * (an unescaped string is never longer than its source) and NUL-terminated
 * over its closing quote, and every number is NUL-terminated over the
 * delimiter after it.  So reading a string or a number never allocates
 * and never writes: readers on several threads share the index freely.
 */
#ifndef TOUCHFLOW_VALUE_INDEX_H
#define TOUCHFLOW_VALUE_INDEX_H

#include <stddef.h>

#include "json_scan.h"

typedef struct tf__index {
  const char *text; /* the JSON text the tokens describe */
  size_t len;
  char *shadow;     /* see above; inside this allocation */
  char *owned_text; /* text, when the index owns it; else NULL */
  int in_block;     /* laid out inside another allocation (a record's) */
  size_t ntok;
  struct tf_value tok[]; /* tok[0] is the root object */
} tf__index;

/* Indexes text (len bytes), a JSON object the scanner accepted.  When
 * owned is not NULL it is text, malloc'ed, and the index takes it over
 * (and frees it even when it fails).  NULL when out of memory, or when the
 * text is not an object the scanner accepts (4 GiB or more, or a json_t
 * deeper than the scanner allows). */
tf__index *tf__index_build(const char *text, size_t len, char *owned);

/* The same from the tokens a scan of text wrote (tf__json_scan), when the
 * caller scanned it already.  owned as above. */
tf__index *tf__index_from_tokens(const char *text, size_t len, char *owned,
                                 const tf__json_tokens *toks);

/* The bytes an index of ntok tokens over len bytes of text takes. */
size_t tf__index_size(size_t len, size_t ntok);

/* Lays an index out in mem (tf__index_size(len, ntok) bytes, aligned for a
 * pointer, inside a block its caller owns: tf__index_free leaves it),
 * copying the tokens, but does not fill it: tf__index_fill must run before
 * it is used, once. */
tf__index *tf__index_lay(void *mem, size_t len, const struct tf_value *tok,
                         size_t ntok);

/* Fills a laid-out index over text (its len bytes): the shadow and the
 * strings' lengths. */
void tf__index_fill(tf__index *idx, const char *text);

/* Frees an index; NULL-safe. */
void tf__index_free(tf__index *idx);

/* The index a token belongs to.  Inline: every read of a value's text
 * asks it. */
static inline const tf__index *tf__index_of(const struct tf_value *v)
{
  const struct tf_value *first = v - v->self;

  return (const tf__index *)(const void *)((const char *)first -
                                           offsetof(tf__index, tok));
}

/* The value every lookup into an unreadable record gives. */
const struct tf_value *tf__value_invalid(void);

#endif
