/*
 * value_index.c - building the lazy index of a record (value_index.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_string.h"
#include "value_index.h"

/* What fill_shadow does for a token of each type: strings and keys are
 * NUL-terminated over their closing quote, numbers over the byte after. */
enum { FILL_NONE, FILL_TEXT, FILL_NUMBER };
static const unsigned char fill_kind[256] = {[TF_TYPE_STRING] = FILL_TEXT,
                                             [TF__TOKEN_KEY] = FILL_TEXT,
                                             [TF_TYPE_INTEGER] = FILL_NUMBER,
                                             [TF_TYPE_DOUBLE] = FILL_NUMBER};

/* Unescapes strings and keys in place and NUL-terminates them and the
 * numbers, setting each string's and key's count to its unescaped length.
 * One table lookup a token; text without escapes (nearly all) needs only
 * its NUL and its length. */
static void fill_shadow(tf__index *idx)
{
  struct tf_value *v = idx->tok, *end = idx->tok + idx->ntok;
  char *shadow = idx->shadow, *inside;
  size_t n;

  for (; v < end; v++) {
    switch (fill_kind[v->type]) {
    case FILL_TEXT:
      n = v->len - 2;
      inside = shadow + v->start + 1;
      if (v->flags & TF__TOKEN_ESCAPED)
        n = tf__json_unescape(inside, n, inside);
      inside[n] = '\0';
      v->count = (uint32_t)n;
      break;
    case FILL_NUMBER: shadow[v->start + v->len] = '\0'; break;
    default: break;
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

const struct tf_value *tf__value_invalid(void)
{
  static const struct tf_value invalid = {0, 0, 1, 0, 0, TF_TYPE_INVALID, 0};

  return &invalid;
}
