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

tf__index *tf__index_from_tokens(const char *text, size_t len, char *owned,
                                 const tf__json_tokens *toks)
{
  return tf__index_from_array(text, len, owned, toks->v, toks->n);
}

tf__index *tf__index_from_array(const char *text, size_t len, char *owned,
                                const struct tf_value *tok, size_t ntok)
{
  size_t head = sizeof(tf__index) + ntok * sizeof(tok[0]);
  tf__index *idx = malloc(head + len + 1);

  if (!idx) {
    free(owned);
    return NULL;
  }
  idx->text = text;
  idx->len = len;
  idx->shadow = (char *)idx + head;
  idx->owned_text = owned;
  idx->ntok = ntok;
  memcpy(idx->tok, tok, ntok * sizeof(tok[0]));
  memcpy(idx->shadow, text, len);
  idx->shadow[len] = '\0';
  fill_shadow(idx);
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
