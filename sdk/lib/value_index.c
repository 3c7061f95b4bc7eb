/*
 * value_index.c - building the lazy index of a record (value_index.h).
 */
#include <stdlib.h>
#include <string.h>

#include "json_string.h"
#include "value_index.h"

/* Unescapes strings and keys in place and NUL-terminates them and the
 * numbers, setting each string's and key's count to its unescaped length. */
static void fill_shadow(tf__index *idx)
{
  for (size_t i = 0; i < idx->ntok; i++) {
    struct tf_value *v = &idx->tok[i];
    char *inside = idx->shadow + v->start + 1;
    size_t n = v->len - 2;

    if (v->type == TF_TYPE_STRING || v->type == TF__TOKEN_KEY) {
      if (v->flags & TF__TOKEN_ESCAPED)
        n = tf__json_unescape(inside, n, inside);
      inside[n] = '\0';
      v->count = (uint32_t)n;
    } else if (v->type == TF_TYPE_INTEGER || v->type == TF_TYPE_DOUBLE) {
      idx->shadow[v->start + v->len] = '\0';
    }
  }
}

size_t tf__index_size(size_t len, size_t ntok)
{
  return sizeof(tf__index) + ntok * sizeof(struct tf_value) + len + 1;
}

tf__index *tf__index_lay(void *mem, size_t len, const struct tf_value *tok,
                         size_t ntok)
{
  tf__index *idx = mem;

  idx->text = NULL;
  idx->len = len;
  idx->shadow = (char *)&idx->tok[ntok];
  idx->owned_text = NULL;
  idx->in_block = 1;
  idx->ntok = ntok;
  memcpy(idx->tok, tok, ntok * sizeof(tok[0]));
  return idx;
}

void tf__index_fill(tf__index *idx, const char *text)
{
  idx->text = text;
  memcpy(idx->shadow, text, idx->len);
  idx->shadow[idx->len] = '\0';
  fill_shadow(idx);
}

tf__index *tf__index_from_tokens(const char *text, size_t len, char *owned,
                                 const tf__json_tokens *toks)
{
  tf__index *idx = malloc(tf__index_size(len, toks->n));

  if (!idx) {
    free(owned);
    return NULL;
  }
  tf__index_lay(idx, len, toks->v, toks->n);
  idx->in_block = 0;
  idx->owned_text = owned;
  tf__index_fill(idx, text);
  return idx;
}

tf__index *tf__index_build(const char *text, size_t len, char *owned)
{
  tf__json_tokens toks;
  tf__index *idx = NULL;

  tf__json_tokens_init(&toks);
  if (tf__json_scan(text, len, TF__SCAN_TRUSTED, &toks, NULL) == TF__SCAN_OK)
    idx = tf__index_from_tokens(text, len, owned, &toks);
  else
    free(owned);
  tf__json_tokens_free(&toks);
  return idx;
}

void tf__index_free(tf__index *idx)
{
  if (!idx)
    return;
  free(idx->owned_text);
  if (!idx->in_block)
    free(idx);
}

const tf__index *tf__index_of(const struct tf_value *v)
{
  const struct tf_value *first = v - v->self;

  return (const tf__index *)((const char *)first - offsetof(tf__index, tok));
}

const struct tf_value *tf__value_invalid(void)
{
  static const struct tf_value invalid = {0, 0, 1, 0, 0, TF_TYPE_INVALID, 0};

  return &invalid;
}
