/*
 * json_scan.c - the strict JSON scanner (json_scan.h).
 *
 * One pass and no recursion: an explicit stack of the open containers
 * (inline for 32 levels, then the heap), so depth costs no C stack.
 * Strings are skipped eight bytes at a time while they hold nothing that
 * needs a look (SWAR: no quote, backslash, control or non-ASCII byte); the
 * rest goes byte by byte.  The scan stops at the first problem and says
 * what was expected and what was found there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "json_keys.h"
#include "json_number.h"
#include "json_scan.h"
#include "json_string.h"
#include "utf8.h"

typedef struct level {
  uint32_t tok;   /* its token, when tokens are written */
  uint32_t last;  /* the token of its latest element or member value */
  uint32_t count; /* members or elements so far */
  int is_object;
  /* Objects, when keys are checked: whether its keys are in the scanner's
   * tf__json_keys (from the start when no tokens are written; else from
   * its first escaped key or its LEVEL_KEYS_LINEAR-th key); until then a
   * bit for each key tag seen (json_keys.h), its keys compared through
   * their tokens only when a tag's bit was seen. */
  int keyset;
  uint64_t seen[2];
} level;

/* Keys an object has before they move into the tf__json_keys. */
#define LEVEL_KEYS_LINEAR 24

typedef struct scanner {
  const unsigned char *base, *p, *end;
  int check_keys;
  tf__json_tokens *toks;
  level *levels;
  size_t depth, levels_cap;
  tf__json_keys keys;
  tf__scan_error *err;
  tf__scan_result result;
  level local_levels[32];
} scanner;

#if defined(__GNUC__)
#define SCAN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SCAN_PRINTF(f, a)
#endif

/* --- Tokens ------------------------------------------------------------ */

void tf__json_tokens_init(tf__json_tokens *t)
{
  t->v = t->local;
  t->n = 0;
  t->cap = sizeof(t->local) / sizeof(t->local[0]);
}

void tf__json_tokens_free(tf__json_tokens *t)
{
  if (t->v != t->local)
    free(t->v);
  tf__json_tokens_init(t);
}

/* --- Errors ------------------------------------------------------------ */

static void locate(const scanner *s, const unsigned char *at, tf__scan_error *e)
{
  e->line = 1;
  e->column = 1;
  for (const unsigned char *p = s->base; p < at; p++) {
    if (*p == '\n') {
      e->line++;
      e->column = 1;
    } else if ((*p & 0xC0) != 0x80) {
      e->column++;
    }
  }
}

static SCAN_PRINTF(4, 5) int fail(scanner *s, const unsigned char *at,
                                  tf__scan_result result, const char *fmt, ...)
{
  va_list ap;

  s->result = result;
  if (!s->err)
    return -1;
  s->err->result = result;
  s->err->offset = (size_t)(at - s->base);
  locate(s, at, s->err);
  va_start(ap, fmt);
  vsnprintf(s->err->reason, sizeof(s->err->reason), fmt, ap);
  va_end(ap);
  return -1;
}

static int fail_nomem(scanner *s)
{
  return fail(s, s->p, TF__SCAN_NOMEM, "out of memory");
}

static int fail_utf8(scanner *s, const unsigned char *at, tf__utf8_problem why)
{
  return fail(s, at, TF__SCAN_UTF8, "invalid UTF-8: %s (byte 0x%02x)",
              tf__utf8_problem_text(why), *at);
}

static int is_alpha(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

/* What stands at q, as a message shows it. */
static void describe(const scanner *s, const unsigned char *q, char *buf,
                     size_t n)
{
  size_t len = 0;

  if (q >= s->end) {
    snprintf(buf, n, "the end of the input");
  } else if (is_alpha(*q)) {
    while (q + len < s->end && is_alpha(q[len]) && len < 24)
      len++;
    snprintf(buf, n, "'%.*s%s'", (int)len, (const char *)q,
             q + len < s->end && is_alpha(q[len]) ? "..." : "");
  } else if (*q >= 0x20 && *q < 0x7F) {
    snprintf(buf, n, "'%c'", *q);
  } else if (*q < 0x80) {
    snprintf(buf, n, "control character 0x%02x", *q);
  } else {
    len = tf__utf8_char(q, (size_t)(s->end - q), NULL);
    if (len == 0)
      snprintf(buf, n, "byte 0x%02x (not UTF-8)", *q);
    else if (len == 3 && memcmp(q, "\xEF\xBB\xBF", 3) == 0)
      snprintf(buf, n, "a byte order mark (U+FEFF)");
    else
      snprintf(buf, n, "'%.*s'", (int)len, (const char *)q);
  }
}

/* "expected WHAT, found ..." at q; invalid UTF-8 there is said as such. */
static int fail_expected(scanner *s, const unsigned char *q, const char *what)
{
  char found[48];
  tf__utf8_problem why;

  if (q < s->end && *q >= 0x80 && !tf__utf8_char(q, (size_t)(s->end - q), &why))
    return fail_utf8(s, q, why);
  describe(s, q, found, sizeof(found));
  return fail(s, q, TF__SCAN_SYNTAX, "expected %s, found %s", what, found);
}

/* At most max bytes of text[0..n), cut on a character boundary. */
static int shown_len(const unsigned char *text, size_t n, size_t max)
{
  if (n <= max)
    return (int)n;
  while (max > 0 && (text[max] & 0xC0) == 0x80)
    max--;
  return (int)max;
}

int tf__json_tokens_has_key(const tf__json_tokens *t, uint32_t obj,
                            uint32_t before, const char *text, size_t off,
                            size_t len)
{
  const struct tf_value *v = t->v;
  uint32_t i = obj + 1;

  while (i < before) {
    if (v[i].len == len + 2 &&
        memcmp(text + v[i].start + 1, text + off, len) == 0)
      return 1;
    i = v[i + 1].end;
  }
  return 0;
}

/* --- Tokens and levels ------------------------------------------------- */

/* Inline: the scanner pushes a token for every value and key. */
static inline int push_token(scanner *s, int type, const unsigned char *start,
                             size_t len, int flags)
{
  if (!s->toks)
    return 0;
  if (!tf__json_tokens_push(s->toks, type, (size_t)(start - s->base), len,
                            flags))
    return fail_nomem(s);
  return 0;
}

static int open_container(scanner *s, int is_object)
{
  level *lv;

  if (s->depth == s->levels_cap &&
      tf__grow((void **)&s->levels, &s->levels_cap, s->depth + 1,
               sizeof(*s->levels), s->local_levels) < 0)
    return fail_nomem(s);
  if (is_object && s->check_keys && !s->toks &&
      tf__json_keys_open(&s->keys) < 0)
    return fail_nomem(s);
  if (push_token(s, is_object ? TF_TYPE_OBJECT : TF_TYPE_ARRAY, s->p, 0, 0) < 0)
    return -1;
  lv = &s->levels[s->depth++];
  lv->tok = s->toks ? (uint32_t)(s->toks->n - 1) : 0;
  lv->count = 0;
  lv->is_object = is_object;
  lv->keyset = !s->toks;
  lv->seen[0] = lv->seen[1] = 0;
  s->p++;
  return 0;
}

/* Closes the innermost container at s->p (its '}' or ']'). */
static void close_container(scanner *s)
{
  level *lv = &s->levels[--s->depth];

  s->p++;
  if (s->toks) {
    struct tf_value *v = &s->toks->v[lv->tok];

    v->len = (uint32_t)(s->p - s->base) - v->start;
    v->end = (uint32_t)s->toks->n;
    v->count = lv->count;
    if (lv->count > 0)
      s->toks->v[lv->last].flags |= TF__TOKEN_LAST;
  }
  if (lv->is_object && s->check_keys && lv->keyset)
    tf__json_keys_close(&s->keys);
}

/* --- Strings ----------------------------------------------------------- */

/* The first byte from p that is not plain string text, or end. */
static const unsigned char *skip_plain(const unsigned char *p,
                                       const unsigned char *end)
{
  return p + tf__json_plain_run(p, (size_t)(end - p));
}

static int hex4_at(const scanner *s, const unsigned char *p)
{
  if (s->end - p < 4)
    return 0;
  for (int i = 0; i < 4; i++)
    if (!is_digit(p[i]) && !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f'))
      return 0;
  return 1;
}

static int fail_unterminated(scanner *s)
{
  return fail(s, s->end, TF__SCAN_SYNTAX,
              "expected '\"' to end the string, found the end of the input");
}

/* A \u escape at p (the backslash), its 4 hex digits already checked. */
static int scan_unicode_escape(scanner *s, const unsigned char **pp, int is_key)
{
  const unsigned char *p = *pp;
  unsigned cu = tf__json_hex4((const char *)p + 2), lo;

  if (cu >= 0xDC00 && cu <= 0xDFFF)
    return fail(s, p, TF__SCAN_SYNTAX,
                "unpaired surrogate '\\u%.4s' (a low surrogate must follow a "
                "high one, \\uD800 to \\uDBFF)",
                (const char *)p + 2);
  if (cu >= 0xD800 && cu <= 0xDBFF) {
    if (s->end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4_at(s, p + 8) ||
        (lo = tf__json_hex4((const char *)p + 8)) < 0xDC00 || lo > 0xDFFF)
      return fail(s, p, TF__SCAN_SYNTAX,
                  "unpaired surrogate '\\u%.4s' (a high surrogate must be "
                  "followed by a low one, \\uDC00 to \\uDFFF)",
                  (const char *)p + 2);
    *pp = p + 12;
    return 0;
  }
  if (cu == 0 && is_key)
    return fail(s, p, TF__SCAN_SYNTAX,
                "'\\u0000' in an object key (keys cannot hold NUL)");
  *pp = p + 6;
  return 0;
}

/* An escape at *pp (the backslash); moves *pp past it. */
static int scan_escape(scanner *s, const unsigned char **pp, int is_key)
{
  const unsigned char *p = *pp;
  char found[48];

  if (s->end - p < 2)
    return fail_unterminated(s);
  if (p[1] == 'u') {
    if (!hex4_at(s, p + 2))
      return fail(s, p, TF__SCAN_SYNTAX,
                  "invalid escape: '\\u' must be followed by 4 hex digits");
    return scan_unicode_escape(s, pp, is_key);
  }
  if (p[1] && strchr("\"\\/bfnrt", p[1])) {
    *pp = p + 2;
    return 0;
  }
  if (p[1] > 0x20 && p[1] < 0x7F)
    snprintf(found, sizeof(found), "'%c'", p[1]);
  else
    describe(s, p + 1, found, sizeof(found));
  return fail(s, p, TF__SCAN_SYNTAX,
              "invalid escape: a backslash followed by %s (valid: \\\" \\\\ "
              "\\/ \\b \\f \\n \\r \\t \\uXXXX)",
              found);
}

static int fail_duplicate(scanner *s, const unsigned char *key, size_t len)
{
  int shown = shown_len(key + 1, len - 2, 60);

  return fail(s, key, TF__SCAN_SYNTAX, "duplicate key \"%.*s%s\" in an object",
              shown, (const char *)key + 1,
              (size_t)shown < len - 2 ? "..." : "");
}

/* lv's keys so far (none escaped) move into the tf__json_keys, in a frame
 * of their own.  0, or -1 when out of memory. */
static int keys_move(scanner *s, level *lv)
{
  const struct tf_value *v = s->toks->v;
  uint32_t i = lv->tok + 1, n = (uint32_t)s->toks->n;

  if (tf__json_keys_open(&s->keys) < 0)
    return -1;
  lv->keyset = 1;
  for (; i < n; i = v[i + 1].end)
    if (tf__json_keys_add(&s->keys, v[i].start + 1, v[i].len - 2, 0) < 0)
      return -1;
  return 0;
}

/* The duplicate-key check of the key at text[off..off+len) (inside its
 * quotes; escaped: it holds escapes) in the innermost object: 0 new, 1
 * twice, -1 out of memory.  Its common case inline: a key without escapes
 * whose tag's bit the object has not seen. */
static inline int check_key(scanner *s, size_t off, size_t len, int escaped)
{
  level *lv = &s->levels[s->depth - 1];
  unsigned bit;
  uint64_t m;

  if (!lv->keyset && !escaped && lv->count <= LEVEL_KEYS_LINEAR) {
    bit = tf__json_key_seen_bit(
        tf__json_key_tag((const char *)s->base + off, (uint32_t)len));
    m = (uint64_t)1 << (bit & 63);
    if (!(lv->seen[bit >> 6] & m)) {
      lv->seen[bit >> 6] |= m;
      return 0;
    }
    return tf__json_tokens_has_key(s->toks, lv->tok, (uint32_t)s->toks->n,
                                   (const char *)s->base, off, len);
  }
  if (!lv->keyset && keys_move(s, lv) < 0)
    return -1;
  return escaped ? tf__json_keys_add(&s->keys, off, len, 1)
                 : tf__json_keys_add_plain(&s->keys, off, len);
}

/* The string (or key) at s->p, its opening quote. */
static int scan_string(scanner *s, int is_key)
{
  const unsigned char *start = s->p, *p = s->p + 1;
  tf__utf8_problem why;
  int escaped = 0, rc;
  size_t n;

  for (;;) {
    p = skip_plain(p, s->end);
    if (p == s->end)
      return fail_unterminated(s);
    if (*p == '"')
      break;
    if (*p == '\\') {
      if (scan_escape(s, &p, is_key) < 0)
        return -1;
      escaped = 1;
    } else if (*p < 0x20) {
      return fail(s, p, TF__SCAN_SYNTAX,
                  "control character 0x%02x in a string (write it as an "
                  "escape, \\u%04x)",
                  *p, *p);
    } else if ((n = tf__utf8_char(p, (size_t)(s->end - p), &why)) == 0) {
      return fail_utf8(s, p, why);
    } else {
      p += n;
    }
  }
  s->p = ++p;
  n = (size_t)(p - start);
  if (is_key && s->check_keys) {
    rc = check_key(s, (size_t)(start + 1 - s->base), n - 2, escaped);
    if (rc < 0)
      return fail_nomem(s);
    if (rc > 0)
      return fail_duplicate(s, start, n);
  }
  return push_token(s, is_key ? TF__TOKEN_KEY : TF_TYPE_STRING, start, n,
                    escaped ? TF__TOKEN_ESCAPED : 0);
}

/* --- Numbers and literals ---------------------------------------------- */

static int fail_number(scanner *s, const unsigned char *start,
                       const unsigned char *at, const char *what)
{
  char found[48];
  int shown = shown_len(start, (size_t)(at - start), 40);

  describe(s, at, found, sizeof(found));
  return fail(s, at, TF__SCAN_SYNTAX,
              "invalid number '%.*s': expected %s, found %s", shown,
              (const char *)start, what, found);
}

/* Moves *pp past the digits there. */
static void skip_digits(scanner *s, const unsigned char **pp)
{
  const unsigned char *p = *pp;

  while (p < s->end && is_digit(*p))
    p++;
  *pp = p;
}

/* Refuses what jansson refuses: an integer beyond int64, a real beyond
 * double.  A real can only overflow when int_digits + exponent > 308. */
static int check_range(scanner *s, const unsigned char *start, size_t n,
                       int is_real, long magnitude)
{
  int shown = shown_len(start, n, 40);
  const char *more = (size_t)shown < n ? "..." : "";
  int64_t i;
  double d;
  int rc;

  if (!is_real) {
    if (n - (*start == '-') <= 18 ||
        tf__json_int64((const char *)start, n, &i) == 0)
      return 0;
    return fail(s, start, TF__SCAN_SYNTAX,
                "integer %.*s%s is out of range (-2^63 to 2^63-1)", shown,
                (const char *)start, more);
  }
  if (magnitude <= 308)
    return 0;
  rc = tf__json_strtod((const char *)start, n, &d);
  if (rc == -2)
    return fail_nomem(s);
  if (rc == -1)
    return fail(s, start, TF__SCAN_SYNTAX,
                "number %.*s%s is too large for a double", shown,
                (const char *)start, more);
  return 0;
}

/* The exponent at *pp (after 'e'): its value, capped, with its sign. */
static int scan_exponent(scanner *s, const unsigned char *start,
                         const unsigned char **pp, long *exp)
{
  const unsigned char *p = *pp;
  int negative = 0;

  if (p < s->end && (*p == '+' || *p == '-'))
    negative = *p++ == '-';
  if (p == s->end || !is_digit(*p))
    return fail_number(s, start, p, "a digit in the exponent");
  for (*exp = 0; p < s->end && is_digit(*p); p++)
    if (*exp < 100000)
      *exp = *exp * 10 + (*p - '0');
  if (negative)
    *exp = -*exp;
  *pp = p;
  return 0;
}

static int scan_number(scanner *s)
{
  const unsigned char *start = s->p, *p = s->p, *digits;
  long exp = 0, int_digits = 0;
  int is_real = 0;

  if (*p == '-')
    p++;
  if (p == s->end || !is_digit(*p))
    return fail_number(s, start, p, "a digit");
  digits = p;
  if (*p == '0' && p + 1 < s->end && is_digit(p[1]))
    return fail_number(s, start, p + 1,
                       "'.', 'e' or the end of the number "
                       "(no leading zeros)");
  skip_digits(s, &p);
  int_digits = *digits == '0' ? 0 : (long)(p - digits);
  if (p < s->end && *p == '.') {
    p++;
    if (p == s->end || !is_digit(*p))
      return fail_number(s, start, p, "a digit after '.'");
    skip_digits(s, &p);
    is_real = 1;
  }
  if (p < s->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (scan_exponent(s, start, &p, &exp) < 0)
      return -1;
    is_real = 1;
  }
  if (check_range(s, start, (size_t)(p - start), is_real, int_digits + exp) < 0)
    return -1;
  s->p = p;
  return push_token(s, is_real ? TF_TYPE_DOUBLE : TF_TYPE_INTEGER, start,
                    (size_t)(p - start), 0);
}

/* true, false or null at s->p (a letter). */
static int scan_literal(scanner *s, const char *what)
{
  const unsigned char *p = s->p, *q = p;
  size_t n;
  int type;

  while (q < s->end && is_alpha(*q))
    q++;
  n = (size_t)(q - p);
  if ((n == 4 && memcmp(p, "true", 4) == 0) ||
      (n == 5 && memcmp(p, "false", 5) == 0))
    type = TF_TYPE_BOOL;
  else if (n == 4 && memcmp(p, "null", 4) == 0)
    type = TF_TYPE_NULL;
  else
    return fail_expected(s, p, what);
  s->p = q;
  return push_token(s, type, p, n, 0);
}

/* --- Structure --------------------------------------------------------- */

static void skip_space(scanner *s)
{
  const unsigned char *p = s->p;

  /* Compact JSON (nearly every line) has none: one test. */
  if (p < s->end && ' ' < *p)
    return;

  while (p < s->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  s->p = p;
}

/* The value at s->p; a container is opened (its contents come next).
 * what names it in a message: "a value", "a JSON object". */
static int scan_value(scanner *s, const char *what)
{
  const unsigned char *p = s->p;

  if (p == s->end)
    return fail_expected(s, p, what);
  if (s->depth >= TF__JSON_MAX_DEPTH)
    return fail(s, p, TF__SCAN_SYNTAX, "nesting deeper than %d levels",
                TF__JSON_MAX_DEPTH);
  if (*p == '{' || *p == '[')
    return open_container(s, *p == '{');
  if (*p == '"')
    return scan_string(s, 0);
  if (*p == '-' || is_digit(*p))
    return scan_number(s);
  if (is_alpha(*p))
    return scan_literal(s, what);
  return fail_expected(s, p, what);
}

/* The next step inside an object: a member, or its end. */
static int object_step(scanner *s, level *lv)
{
  if (s->p < s->end && *s->p == '}') {
    close_container(s);
    return 0;
  }
  if (lv->count > 0) {
    if (s->p == s->end || *s->p != ',')
      return fail_expected(s, s->p, "',' or '}'");
    s->p++;
    skip_space(s);
  }
  if (s->p == s->end || *s->p != '"')
    return fail_expected(s, s->p,
                         lv->count ? "a key (a string)" : "a key or '}'");
  lv->count++;
  if (scan_string(s, 1) < 0)
    return -1;
  skip_space(s);
  if (s->p == s->end || *s->p != ':')
    return fail_expected(s, s->p, "':' after the key");
  s->p++;
  skip_space(s);
  lv->last = s->toks ? (uint32_t)s->toks->n : 0;
  return scan_value(s, "a value");
}

/* The next step inside an array: an element, or its end. */
static int array_step(scanner *s, level *lv)
{
  if (s->p < s->end && *s->p == ']') {
    close_container(s);
    return 0;
  }
  if (lv->count > 0) {
    if (s->p == s->end || *s->p != ',')
      return fail_expected(s, s->p, "',' or ']'");
    s->p++;
    skip_space(s);
  }
  lv->count++;
  lv->last = s->toks ? (uint32_t)s->toks->n : 0;
  return scan_value(s, "a value");
}

static int scan_document(scanner *s)
{
  int is_object;

  skip_space(s);
  is_object = s->p < s->end && *s->p == '{';
  if (scan_value(s, "a JSON object") < 0)
    return -1;
  while (s->depth > 0) {
    level *lv = &s->levels[s->depth - 1];

    skip_space(s);
    if ((lv->is_object ? object_step(s, lv) : array_step(s, lv)) < 0)
      return -1;
  }
  skip_space(s);
  if (s->p < s->end)
    return fail_expected(s, s->p,
                         is_object ? "the end after the object"
                                   : "the end after the value");
  if (!is_object)
    return fail(s, s->base, TF__SCAN_NOT_OBJECT, "not a JSON object");
  return 0;
}

tf__scan_result tf__json_scan(const char *text, size_t len, unsigned flags,
                              tf__json_tokens *tokens, tf__scan_error *err)
{
  scanner s;

  s.base = s.p = (const unsigned char *)text;
  s.end = s.base + len;
  s.check_keys = !(flags & TF__SCAN_TRUSTED);
  s.toks = tokens;
  s.levels = s.local_levels;
  s.depth = 0;
  s.levels_cap = sizeof(s.local_levels) / sizeof(s.local_levels[0]);
  s.err = err;
  s.result = TF__SCAN_OK;
  if (tokens && len >= UINT32_MAX) {
    fail(&s, s.base, TF__SCAN_TOO_BIG, "larger than 4 GiB");
    return s.result;
  }
  tf__json_keys_init(&s.keys, text);
  scan_document(&s);
  tf__json_keys_free(&s.keys);
  if (s.levels != s.local_levels)
    free(s.levels);
  return s.result;
}

void tf__scan_error_message(const tf__scan_error *err, char *buf, size_t len)
{
  if (err->result == TF__SCAN_NOT_OBJECT || err->result == TF__SCAN_NOMEM ||
      err->result == TF__SCAN_TOO_BIG)
    snprintf(buf, len, "%s", err->reason);
  else if (err->line > 1)
    snprintf(buf, len, "invalid JSON at line %lu, column %lu: %s", err->line,
             err->column, err->reason);
  else
    snprintf(buf, len, "invalid JSON at column %lu: %s", err->column,
             err->reason);
}
