/*
 * builder.c - writing a record's JSON text directly (builder.h).
 *
 * Owns a growing text buffer and a stack of the open containers (one byte
 * each: object or array, whether it has items yet, whether a key waits for
 * its value), from which each call knows whether it may come here and
 * whether a comma goes first.  A built record is always one
 * tf_record_parse would accept: the text is valid by construction (strings
 * are checked as UTF-8 and escaped, keys found plain copied as they stand,
 * numbers formatted, values copied from records that were checked), and
 * what the stack alone does not see is watched as it is written: the
 * keys of each open object (compared as written: the escaping is
 * one-to-one) and the nesting depth.  A key is told new by a bit of its
 * tag (json_keys.h) in its object's frame, nearly always; only when the
 * bit is set already are the object's keys compared, found through the
 * tokens written so far; an object past BUILDER_KEYS_LINEAR keys moves
 * its keys into a tf__json_keys (a hash table past its own limit).
 * Only when that finds a problem (a key twice, nesting past the scanner's
 * limit) or cannot tell (a container copied from another record, whose
 * depth is not known; no memory for the key set) does finish() run the
 * strict scanner over the text, which then says what is wrong in the words
 * tf_record_parse uses.  Otherwise the text is not scanned a second time.
 * Each key, value and container is also noted as a token as it is written
 * (builder_tokens.h), and finish() hands the tokens to the record, whose
 * index is then built from them: whoever reads the record does not scan it
 * either (unless finish() had to).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>

#include "builder_tokens.h"
#include "grow.h"
#include "json_keys.h"
#include "json_number.h"
#include "json_scan.h"
#include "json_string.h"
#include "record_internal.h"

#define FRAME_OBJECT 1u /* else an array */
#define FRAME_ITEMS 2u  /* has a member or element: a comma goes first */
#define FRAME_KEY 4u    /* an object whose last key waits for its value */
#define FRAME_BIG 8u    /* an object whose keys are in the tf__json_keys */

/* Keys an object has before they move into the tf__json_keys. */
#define BUILDER_KEYS_LINEAR 24

/* An open container. */
typedef struct frame {
  uint64_t seen[2]; /* objects: a bit for each key tag seen */
  uint32_t nkeys;   /* objects: keys written */
  unsigned char flags;
} frame;

struct tf_builder {
  char *text;
  size_t len, cap;
  frame *frames;
  size_t depth, frames_cap;
  int done;           /* the top-level object is closed */
  int error;          /* the sticky error, or TF_OK */
  int need_scan;      /* finish() must scan: see the top of this file */
  tf__json_keys keys; /* of the open FRAME_BIG objects, until need_scan */
  int keys_used;      /* keys has had a frame since the last clear */
  tf__btoks toks;     /* the text's tokens, handed to the record */
  char message[256];
};

tf_builder *tf_builder_new(void)
{
  tf_builder *b = calloc(1, sizeof(*b));

  if (!b)
    return NULL;
  b->cap = 256;
  b->text = malloc(b->cap);
  b->frames_cap = 16;
  b->frames = malloc(b->frames_cap * sizeof(*b->frames));
  tf__json_keys_init(&b->keys, NULL); /* its text is set per key */
  tf__btoks_init(&b->toks);
  if (!b->text || !b->frames) {
    tf_builder_free(b);
    return NULL;
  }
  return b;
}

void tf_builder_free(tf_builder *b)
{
  if (!b)
    return;
  tf__json_keys_free(&b->keys);
  tf__btoks_free(&b->toks);
  free(b->text);
  free(b->frames);
  free(b);
}

static void clear(tf_builder *b)
{
  b->len = 0;
  b->depth = 0;
  b->done = 0;
  b->error = TF_OK;
  b->need_scan = 0;
  if (b->keys_used) /* closes what is open; keeps nothing */
    tf__json_keys_free(&b->keys);
  b->keys_used = 0;
  tf__btoks_reset(&b->toks);
}

void tf_builder_reset(tf_builder *b)
{
  clear(b);
  b->message[0] = '\0';
}

const char *tf_builder_error(const tf_builder *b)
{
  return b->message;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(tf_builder *b, int code, const char *fmt, ...)
{
  va_list ap;

  if (b->error != TF_OK)
    return b->error;
  b->error = code;
  va_start(ap, fmt);
  vsnprintf(b->message, sizeof(b->message), fmt, ap);
  va_end(ap);
  return code;
}

/* Grows the text for `more` bytes. */
static int grow_text(tf_builder *b, size_t more)
{
  if (more > SIZE_MAX - b->len ||
      tf__grow((void **)&b->text, &b->cap, b->len + more, 1, NULL) < 0)
    return fail(b, TF_ERR_NOMEM, "out of memory");
  return TF_OK;
}

/* Room for `more` bytes of text: inline, as nearly every write finds it. */
static inline int reserve(tf_builder *b, size_t more)
{
  return more <= b->cap - b->len ? TF_OK : grow_text(b, more);
}

/* Copies n bytes from src to dst (apart) as memcpy does; a short key
 * (nearly all) by two loads and stores that overlap, with no call. */
static inline void copy_short(char *dst, const char *src, size_t n)
{
  uint64_t a, z;
  uint32_t c, y;

  if (n >= 8 && n <= 16) {
    memcpy(&a, src, 8);
    memcpy(&z, src + n - 8, 8);
    memcpy(dst, &a, 8);
    memcpy(dst + n - 8, &z, 8);
  } else if (n >= 4 && n < 8) {
    memcpy(&c, src, 4);
    memcpy(&y, src + n - 4, 4);
    memcpy(dst, &c, 4);
    memcpy(dst + n - 4, &y, 4);
  } else if (n > 0 && n < 4) { /* first, middle and last: all of 1 to 3 */
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  } else {
    memcpy(dst, src, n);
  }
}

static int put(tf_builder *b, const char *s, size_t n)
{
  if (reserve(b, n) != TF_OK)
    return b->error;
  copy_short(b->text + b->len, s, n); /* a number, null, a bool: short */
  b->len += n;
  return TF_OK;
}

/* One byte of punctuation: the commonest write, kept short. */
static int put_char(tf_builder *b, char c)
{
  if (b->len == b->cap && reserve(b, 1) != TF_OK)
    return b->error;
  b->text[b->len++] = c;
  return TF_OK;
}

/* Checks that a value may come now and writes the comma before it. */
static int before_value_slow(tf_builder *b, const char *what)
{
  unsigned char *top;

  if (b->error != TF_OK)
    return b->error;
  if (b->done)
    return fail(b, TF_ERR_INVAL,
                "%s after the record's object was closed (a record is one "
                "object)",
                what);
  if (b->depth == 0)
    return fail(b, TF_ERR_INVAL,
                "%s outside any object (a record is one object: begin with "
                "tf_builder_begin_object)",
                what);
  if (b->depth >= TF__JSON_MAX_DEPTH)
    b->need_scan = 1; /* too deep: the scanner says so */
  top = &b->frames[b->depth - 1].flags;
  if (*top & FRAME_OBJECT) {
    if (!(*top & FRAME_KEY))
      return fail(b, TF_ERR_INVAL,
                  "%s in an object where a key is due (call "
                  "tf_builder_key first)",
                  what);
    *top &= (unsigned char)~FRAME_KEY;
    return TF_OK;
  }
  if (*top & FRAME_ITEMS)
    return put_char(b, ',');
  *top |= FRAME_ITEMS;
  return TF_OK;
}

/* before_value, with its commonest case inline: a member's value, after
 * its key, not too deep, with no error so far. */
static inline int before_value(tf_builder *b, const char *what)
{
  unsigned char *top;

  if (b->error == TF_OK && b->depth - 1 < TF__JSON_MAX_DEPTH - 1) {
    top = &b->frames[b->depth - 1].flags;
    if ((*top & (FRAME_OBJECT | FRAME_KEY)) == (FRAME_OBJECT | FRAME_KEY)) {
      *top &= (unsigned char)~FRAME_KEY;
      return TF_OK;
    }
  }
  return before_value_slow(b, what);
}

static int open_container(tf_builder *b, unsigned char kind, const char *what)
{
  frame *f;
  int rc = b->depth == 0 && !b->done && kind == FRAME_OBJECT
               ? b->error
               : before_value(b, what);

  if (rc != TF_OK)
    return rc;
  if (tf__grow((void **)&b->frames, &b->frames_cap, b->depth + 1,
               sizeof(*b->frames), NULL) < 0)
    return fail(b, TF_ERR_NOMEM, "out of memory");
  f = &b->frames[b->depth++];
  f->flags = kind;
  f->nkeys = 0;
  f->seen[0] = f->seen[1] = 0;
  if (put_char(b, kind == FRAME_OBJECT ? '{' : '[') != TF_OK)
    return b->error;
  tf__btoks_open(&b->toks,
                 kind == FRAME_OBJECT ? TF_TYPE_OBJECT : TF_TYPE_ARRAY,
                 b->len - 1);
  return TF_OK;
}

static int close_container(tf_builder *b, unsigned char kind, const char *what)
{
  unsigned char top;

  if (b->error != TF_OK)
    return b->error;
  if (b->depth == 0)
    return fail(b, TF_ERR_INVAL, "%s with nothing open", what);
  top = b->frames[b->depth - 1].flags;
  if ((top & FRAME_OBJECT) != kind)
    return fail(b, TF_ERR_INVAL, "%s while an %s is open", what,
                top & FRAME_OBJECT ? "object" : "array");
  if (top & FRAME_KEY)
    return fail(b, TF_ERR_INVAL, "%s while a key waits for its value", what);
  b->depth--;
  b->done = b->depth == 0;
  if ((top & FRAME_BIG) && !b->need_scan)
    tf__json_keys_close(&b->keys);
  if (put_char(b, kind == FRAME_OBJECT ? '}' : ']') != TF_OK)
    return b->error;
  tf__btoks_close(&b->toks, b->len);
  return TF_OK;
}

int tf_builder_begin_object(tf_builder *b)
{
  return open_container(b, FRAME_OBJECT, "begin_object");
}

int tf_builder_end_object(tf_builder *b)
{
  return close_container(b, FRAME_OBJECT, "end_object");
}

int tf_builder_begin_array(tf_builder *b)
{
  return open_container(b, 0, "begin_array");
}

int tf_builder_end_array(tf_builder *b)
{
  return close_container(b, 0, "end_array");
}

/* s (n bytes) as a quoted, escaped JSON string; what names it.  *escaped
 * is set when escaping changed it (every escape is longer than what it
 * stands for). */
static int put_string(tf_builder *b, const char *s, size_t n, const char *what,
                      int *escaped)
{
  size_t bad, len;

  if (n > (SIZE_MAX - 2) / 6 || reserve(b, TF__JSON_ESCAPED_MAX(n) + 2))
    return fail(b, TF_ERR_NOMEM, "out of memory");
  len = tf__json_escape(s, n, b->text + b->len + 1, &bad);
  if (bad < n)
    return fail(b, TF_ERR_INVAL,
                "%s is not valid UTF-8 (byte 0x%02x at offset %zu)", what,
                (unsigned char)s[bad], bad);
  b->text[b->len] = '"';
  b->text[b->len + 1 + len] = '"';
  b->len += len + 2;
  *escaped = len != n;
  return TF_OK;
}

/* Checks that a key may come now, writes the comma before it and marks
 * the object as waiting for the key's value. */
static inline int before_key(tf_builder *b)
{
  unsigned char *top;

  if (b->error != TF_OK)
    return b->error;
  if (b->depth == 0 || !(b->frames[b->depth - 1].flags & FRAME_OBJECT))
    return fail(b, TF_ERR_INVAL, "a key outside an object");
  top = &b->frames[b->depth - 1].flags;
  if (*top & FRAME_KEY)
    return fail(b, TF_ERR_INVAL, "a key where the previous key's value is due");
  if ((*top & FRAME_ITEMS) && put_char(b, ',') != TF_OK)
    return b->error;
  *top |= FRAME_ITEMS | FRAME_KEY;
  return TF_OK;
}

/* The object f becomes FRAME_BIG: its keys so far go into b->keys, in a
 * frame of their own.  0, or -1 when out of memory. */
static int keys_move(tf_builder *b, frame *f)
{
  const struct tf_value *v = b->toks.toks.v;
  uint32_t i = b->toks.levels[b->toks.depth - 1].tok + 1;
  uint32_t own = (uint32_t)b->toks.toks.n - 1;

  b->keys_used = 1;
  if (tf__json_keys_open(&b->keys) < 0)
    return -1;
  f->flags |= FRAME_BIG;
  for (; i < own; i = v[i + 1].end)
    if (tf__json_keys_add(&b->keys, v[i].start + 1, v[i].len - 2, 0) < 0)
      return -1;
  return 0;
}

/* The duplicate-key check when the key's tag bit is set, or the object
 * is past the linear limit.  0: a new key; 1: a key twice; -1: cannot
 * tell (no tokens to compare with, or no memory). */
static int key_check_slow(tf_builder *b, frame *f, size_t off, size_t len)
{
  if (b->toks.off)
    return -1;
  if (!(f->flags & FRAME_BIG) && f->nkeys < BUILDER_KEYS_LINEAR)
    return tf__json_tokens_has_key(
        &b->toks.toks, b->toks.levels[b->toks.depth - 1].tok,
        (uint32_t)b->toks.toks.n - 1, b->text, off, len); /* not its own */
  b->keys.text = b->text; /* the buffer may have moved */
  if (!(f->flags & FRAME_BIG) && keys_move(b, f) < 0)
    return -1;
  return tf__json_keys_add(&b->keys, off, len, 0);
}

/* The duplicate-key check of the key at text[off..off+len) (inside its
 * quotes), its token just written, in object f: a key twice, or one that
 * cannot be told new, leaves it to the scanner at finish. */
static inline void check_key(tf_builder *b, frame *f, size_t off, size_t len)
{
  unsigned bit;
  uint64_t m;

  if (b->need_scan)
    return;
  bit = tf__json_key_seen_bit(tf__json_key_tag(b->text + off, (uint32_t)len));
  m = (uint64_t)1 << (bit & 63);
  if (((f->seen[bit >> 6] & m) || f->nkeys >= BUILDER_KEYS_LINEAR) &&
      key_check_slow(b, f, off, len) != 0)
    b->need_scan = 1;
  f->seen[bit >> 6] |= m;
  f->nkeys++;
}

/* The key just written at start (with its quotes): its token, the
 * duplicate-key check, then the colon.  A key twice, or one that cannot
 * be told new: the scanner judges at finish.  Compared as written: the
 * escaping is one-to-one. */
static int after_key(tf_builder *b, size_t start, int escaped)
{
  tf__btoks_key(&b->toks, start, b->len - start, escaped);
  check_key(b, &b->frames[b->depth - 1], start + 1, b->len - start - 2);
  return put_char(b, ':');
}

/* Keys and strings up to this long take the short ways below. */
#define SHORT_TEXT 16
/* Strings up to this long are checked plain in place (16 bytes at a time)
 * and copied with no escaper call. */
#define MID_TEXT 64

/* tf__json_all_plain for n up to SHORT_TEXT bytes: from 8, the two words
 * at the start and at the end (they overlap), tested at once. */
static inline int short_plain(const char *p, size_t n)
{
  uint64_t a, z;

  if (n < 8)
    return tf__json_all_plain((const unsigned char *)p, n);
  memcpy(&a, p, 8);
  memcpy(&z, p + n - 8, 8);
  return (tf__json_special_word(a) | tf__json_special_word(z)) == 0;
}

/* A short plain key where one is due, with room for it: the comma, the
 * key and the colon written at once, with no check that the caller made
 * already (tf_builder_keyn). */
static inline int short_key(tf_builder *b, frame *f, const char *key,
                            size_t len)
{
  char *p = b->text + b->len;
  size_t start;

  if (f->flags & FRAME_ITEMS)
    *p++ = ',';
  f->flags |= FRAME_ITEMS | FRAME_KEY;
  start = (size_t)(p - b->text);
  p[0] = '"';
  copy_short(p + 1, key, len);
  p[len + 1] = '"';
  p[len + 2] = ':';
  b->len = start + len + 3;
  tf__btoks_key(&b->toks, start, len + 2, 0);
  check_key(b, f, start + 1, len);
  return TF_OK;
}

/* A key found plain (tf__json_all_plain): written as it stands, with no
 * escaping, no UTF-8 pass and no NUL check (plain text holds none). */
static inline int plain_key(tf_builder *b, const char *key, size_t len)
{
  size_t start;
  char *p;

  if (before_key(b) != TF_OK)
    return b->error;
  start = b->len;
  if (len > SIZE_MAX - 3 || reserve(b, len + 3) != TF_OK) /* and ':' */
    return fail(b, TF_ERR_NOMEM, "out of memory");
  p = b->text + start;
  p[0] = '"';
  copy_short(p + 1, key, len);
  p[len + 1] = '"';
  b->len += len + 2;
  return after_key(b, start, 0);
}

/* Any other key: refused when it holds NUL or is not UTF-8, else
 * escaped. */
static int escaped_key(tf_builder *b, const char *key, size_t len)
{
  size_t start;
  int escaped;

  if (before_key(b) != TF_OK)
    return b->error;
  if (!key || memchr(key, '\0', len))
    return fail(b, TF_ERR_INVAL, "a key holding NUL (or NULL)");
  start = b->len;
  if (put_string(b, key, len, "a key", &escaped) != TF_OK)
    return b->error;
  return after_key(b, start, escaped);
}

int tf_builder_keyn(tf_builder *b, const char *key, size_t len)
{
  frame *f;

  /* Nearly every key is short and plain, found so 8 bytes at a time, and
   * comes where a key is due. */
  if (key && len <= SHORT_TEXT && b->error == TF_OK && b->depth > 0 &&
      ((f = &b->frames[b->depth - 1])->flags & (FRAME_OBJECT | FRAME_KEY)) ==
          FRAME_OBJECT &&
      b->cap - b->len >= SHORT_TEXT + 4 && short_plain(key, len))
    return short_key(b, f, key, len);
  if (key && tf__json_all_plain((const unsigned char *)key, len))
    return plain_key(b, key, len);
  return escaped_key(b, key, len);
}

int tf_builder_key(tf_builder *b, const char *key)
{
  return tf_builder_keyn(b, key, key ? strlen(key) : 0);
}

int tf_builder_stringn(tf_builder *b, const char *s, size_t len)
{
  size_t start;
  int escaped;
  char *p;

  if (before_value(b, "a string") != TF_OK)
    return b->error;
  if (!s && len)
    return fail(b, TF_ERR_INVAL, "a NULL string");
  start = b->len;
  if (!s)
    s = "";
  /* A plain string up to MID_TEXT bytes (a type, an id, a time, a
   * constant) is copied as it stands, with no escaper call: what the
   * escaper would write. */
  if (len <= MID_TEXT && b->cap - b->len >= MID_TEXT + 2 &&
      (len <= SHORT_TEXT
           ? short_plain(s, len)
           : tf__json_plain_run((const unsigned char *)s, len) == len)) {
    p = b->text + start;
    p[0] = '"';
    if (len <= SHORT_TEXT)
      copy_short(p + 1, s, len);
    else
      memcpy(p + 1, s, len);
    p[len + 1] = '"';
    b->len += len + 2;
    tf__btoks_value(&b->toks, TF_TYPE_STRING, start, len + 2, 0);
    return TF_OK;
  }
  if (put_string(b, s, len, "a string", &escaped) != TF_OK)
    return b->error;
  tf__btoks_value(&b->toks, TF_TYPE_STRING, start, b->len - start, escaped);
  return TF_OK;
}

/* Writes the text of a scalar value of the given type. */
static int put_scalar(tf_builder *b, int type, const char *s, size_t n,
                      int escaped)
{
  size_t start = b->len;

  if (put(b, s, n) != TF_OK)
    return b->error;
  tf__btoks_value(&b->toks, type, start, n, escaped);
  return TF_OK;
}

int tf_builder_string(tf_builder *b, const char *s)
{
  if (!s)
    return before_value(b, "a string") != TF_OK
               ? b->error
               : fail(b, TF_ERR_INVAL, "a NULL string");
  return tf_builder_stringn(b, s, strlen(s));
}

int tf_builder_int64(tf_builder *b, int64_t v)
{
  char buf[24];
  char *p = buf + sizeof(buf);
  /* The magnitude as unsigned: -INT64_MIN does not fit int64_t. */
  uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
  unsigned r;

  if (before_value(b, "an integer") != TF_OK)
    return b->error;
  /* By hand, two digits a division by 100: snprintf showed in every event
   * written. */
  while (u >= 100) {
    r = (unsigned)(u % 100);
    u /= 100;
    *--p = (char)('0' + r % 10);
    *--p = (char)('0' + r / 10);
  }
  if (u >= 10)
    *--p = (char)('0' + u % 10);
  *--p = (char)('0' + (u >= 10 ? u / 10 : u));
  if (v < 0)
    *--p = '-';
  return put_scalar(b, TF_TYPE_INTEGER, p, (size_t)(buf + sizeof(buf) - p), 0);
}

int tf_builder_double(tf_builder *b, double v)
{
  char buf[TF__JSON_DOUBLE_LEN];
  int n;

  if (before_value(b, "a double") != TF_OK)
    return b->error;
  n = tf__json_format_double(v, buf);
  if (n < 0)
    return fail(b, TF_ERR_INVAL,
                "a double that is NaN or infinite (JSON "
                "has no such number)");
  /* As the scanner tells them: a fraction or an exponent makes a real. */
  return put_scalar(b,
                    memchr(buf, '.', (size_t)n) ||
                            memchr(buf, 'e', (size_t)n) ||
                            memchr(buf, 'E', (size_t)n)
                        ? TF_TYPE_DOUBLE
                        : TF_TYPE_INTEGER,
                    buf, (size_t)n, 0);
}

int tf_builder_bool(tf_builder *b, int v)
{
  if (before_value(b, "a boolean") != TF_OK)
    return b->error;
  return v ? put_scalar(b, TF_TYPE_BOOL, "true", 4, 0)
           : put_scalar(b, TF_TYPE_BOOL, "false", 5, 0);
}

int tf_builder_null(tf_builder *b)
{
  if (before_value(b, "null") != TF_OK)
    return b->error;
  return put_scalar(b, TF_TYPE_NULL, "null", 4, 0);
}

int tf_builder_value(tf_builder *b, const tf_value *v)
{
  size_t len;
  const char *raw = tf_value_raw(v, &len);

  if (before_value(b, "a copied value") != TF_OK)
    return b->error;
  if (!raw)
    return fail(b, TF_ERR_INVAL, "copying an %s value",
                tf_type_name(tf_value_type(v)));
  if (raw[0] == '{' || raw[0] == '[') {
    b->need_scan = 1; /* its depth adds to ours; its tokens are not ours */
    return put(b, raw, len);
  }
  return put_scalar(b, tf_value_type(v), raw, len,
                    v->flags & TF__TOKEN_ESCAPED);
}

/* The checks of finish(): a closed object that the scanner accepts (it is
 * run only when need_scan says so). */
static int check_text(tf_builder *b)
{
  tf__scan_error why;
  char message[sizeof(why.reason) + 64];

  if (b->error != TF_OK)
    return b->error;
  if (!b->done && b->depth == 0)
    return fail(b, TF_ERR_INVAL, "the record is empty: nothing was built");
  if (!b->done)
    return fail(b, TF_ERR_INVAL,
                "the record is not finished: %zu container(s) still open",
                b->depth);
  if (!b->need_scan)
    return TF_OK;
  switch (tf__json_scan(b->text, b->len, 0, NULL, &why)) {
  case TF__SCAN_OK: return TF_OK;
  case TF__SCAN_NOMEM: return fail(b, TF_ERR_NOMEM, "out of memory");
  default:
    tf__scan_error_message(&why, message, sizeof(message));
    return fail(b, TF_ERR_INVAL, "the record built is refused: %s", message);
  }
}

int tf_builder_finish_at(tf_builder *b, const tf_origin *origin,
                         tf_record **out)
{
  int rc = check_text(b);
  const struct tf_value *toks = NULL;
  size_t ntok = 0;

  *out = NULL;
  if (rc == TF_OK) {
    /* The tokens written, unless the text had to be scanned. */
    if (!b->need_scan)
      toks = tf__btoks_get(&b->toks, &ntok);
    *out = tf__record_new_text(b->text, b->len, origin, toks, ntok);
    if (!*out)
      rc = fail(b, TF_ERR_NOMEM, "out of memory");
  }
  if (rc == TF_OK)
    b->message[0] = '\0';
  clear(b);
  return rc;
}

int tf_builder_finish(tf_builder *b, const tf_record *origin_of,
                      tf_record **out)
{
  tf_origin origin = tf_record_origin(origin_of);

  return tf_builder_finish_at(b, origin_of ? &origin : NULL, out);
}
