/*
 * json_scan.h - the strict JSON scanner: validates one JSON object text
 * and, when asked, writes its flat token index.
 *
 * Internal to the SDK (not installed).  It accepts exactly what jansson's
 * json_loadb(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL) accepts and
 * tf_record_parse accepted before records became lazy, so that the tree
 * built later on demand (the old json_t API) never fails on a record the
 * scanner took:
 *   - strict UTF-8 everywhere (utf8.h: no overlongs, no surrogates);
 *   - strings: no raw control characters (0x00-0x1F; 0x7F and the C1
 *     range U+0080-U+009F are fine), the JSON escapes only, \u escapes
 *     with surrogates in pairs; "\u0000" inside values but not in keys;
 *   - numbers by the JSON grammar; an integer (no fraction, no exponent)
 *     must fit int64 and a real must not overflow a double;
 *   - at most 2048 nested values (jansson's JSON_PARSER_MAX_DEPTH: the
 *     top-level object is 1, each value inside a container one more);
 *   - no key twice in one object, compared unescaped (json_keys.h);
 *   - whitespace is space, tab, CR and LF; nothing may follow the value (a
 *     byte order mark is not whitespace).
 *
 * Why our own scanner and not a tokenizer such as jsmn (Debian libjsmn-dev):
 * jsmn is not strict even in its JSMN_STRICT mode (it checks neither UTF-8,
 * nor the number grammar, nor surrogate pairs, nor duplicate keys, and has
 * no depth limit), and says only "invalid character" with no reason.  All
 * of that would have to be written on top of it, at which point jsmn
 * itself is the small part.  It also needs the token count up front or a
 * second pass.  This scanner validates in one pass with no allocation for
 * ordinary records.
 *
 * Tokens: one struct tf_value per value and per object key, in document
 * order; a container is followed by its contents, an object's members as
 * a key token then the value's tokens.  So the token before a value is a
 * key exactly when the value is an object member, and a value's next
 * sibling (unless it is TF__TOKEN_LAST) is at its `end`, after the key
 * there for an object.  The scanner fills start, len, end, count (members
 * or elements), self, type and flags; the index (value_index.h) sets count
 * for strings and keys once unescaped.
 */
#ifndef TOUCHFLOW_JSON_SCAN_H
#define TOUCHFLOW_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/value.h>

#include "grow.h"

/* The deepest nesting accepted, counted as jansson counts it. */
#define TF__JSON_MAX_DEPTH 2048

/* A token.  Public code sees it as the opaque tf_value. */
struct tf_value {
  uint32_t start; /* offset of its first byte in the text */
  uint32_t len;   /* bytes of its text (strings and keys: with the quotes) */
  uint32_t end;   /* index of the first token after it and its contents */
  uint32_t count; /* objects: members; arrays: elements; strings and keys:
                     bytes once unescaped (set by the index) */
  uint32_t self;  /* its own index in the token array */
  uint8_t type;   /* a tf_type, or TF__TOKEN_KEY */
  uint8_t flags;  /* TF__TOKEN_ESCAPED, TF__TOKEN_LAST */
};

/* The type of an object key's token (never handed out as a value). */
#define TF__TOKEN_KEY 0x40
/* A string or key that holds backslash escapes. */
#define TF__TOKEN_ESCAPED 0x01
/* The last element of an array, or the value of an object's last member. */
#define TF__TOKEN_LAST 0x02

/* A growable token array; ordinary records fit the inline part. */
typedef struct tf__json_tokens {
  struct tf_value *v;
  size_t n, cap;
  struct tf_value local[64];
} tf__json_tokens;

void tf__json_tokens_init(tf__json_tokens *t);
void tf__json_tokens_free(tf__json_tokens *t);

/* Appends a token with no contents (end is the next token, count 0) for
 * text[start..start+len), its type a tf_type or TF__TOKEN_KEY; the caller
 * ensures that start + len is below 4 GiB.  NULL when out of memory.
 * Inline: it is the scanner's inner loop. */
static inline struct tf_value *tf__json_tokens_push(tf__json_tokens *t,
                                                    int type, size_t start,
                                                    size_t len, int flags)
{
  struct tf_value *v;

  if (t->n == t->cap &&
      tf__grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v), t->local) < 0)
    return NULL;
  v = &t->v[t->n];
  v->start = (uint32_t)start;
  v->len = (uint32_t)len;
  v->self = (uint32_t)t->n;
  v->end = v->self + 1;
  v->count = 0;
  v->type = (uint8_t)type;
  v->flags = (uint8_t)flags;
  t->n++;
  return v;
}

/* Whether the object whose token is t->v[obj] has, among its member keys
 * before token `before` (its members complete up to there), one written
 * as text[off..off+len) (inside its quotes, compared byte for byte as
 * written): found through the tokens (a member value's `end` is the next
 * key).  The scanner and the builder ask it when a key's tag was seen
 * before. */
int tf__json_tokens_has_key(const tf__json_tokens *t, uint32_t obj,
                            uint32_t before, const char *text, size_t off,
                            size_t len);

typedef enum tf__scan_result {
  TF__SCAN_OK = 0,
  TF__SCAN_SYNTAX,     /* not JSON, or JSON that jansson refuses */
  TF__SCAN_UTF8,       /* not valid UTF-8 */
  TF__SCAN_NOT_OBJECT, /* valid JSON, but not an object */
  TF__SCAN_NOMEM,      /* out of memory */
  TF__SCAN_TOO_BIG     /* 4 GiB or more: too large to index */
} tf__scan_result;

/* Where and why a text was refused. */
typedef struct tf__scan_error {
  tf__scan_result result;
  size_t offset;        /* of the byte where the problem was found */
  unsigned long line;   /* 1-based */
  unsigned long column; /* 1-based, in characters; one past the last
                           character when the text ends too soon */
  char reason[192];     /* "expected ':', found '='", ... */
} tf__scan_error;

/* Skip the duplicate-key check: for text this scanner accepted before (the
 * record's own bytes) or that jansson wrote. */
#define TF__SCAN_TRUSTED 1u

/* Scans text (len bytes; need not be NUL-terminated).  tokens, when not
 * NULL, receives the token index (appended; ignored on failure).  err,
 * when not NULL, receives the reason on failure. */
tf__scan_result tf__json_scan(const char *text, size_t len, unsigned flags,
                              tf__json_tokens *tokens, tf__scan_error *err);

/* The one-line message tf_record_parse gives for err:
 * "invalid JSON at column 12: expected ':', found '='" (with "line L," when
 * the text spans lines), "not a JSON object" or "out of memory". */
void tf__scan_error_message(const tf__scan_error *err, char *buf, size_t len);

#endif
