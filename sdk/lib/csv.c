/*
 * csv.c - the RFC 4180 CSV reader and writer (csv.h).
 *
 * The reader takes physical lines from a tf_line_reader and runs them
 * through a small state machine that splits fields, unquotes them and joins
 * lines while a quote is open.  It owns the storage of the current row and a
 * copy of the header row, and the decision of what makes a row bad.  The
 * writer decides when a field needs quotes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/csv.h>
#include <touchflow/error.h>

#define ERR_SIZE 1024

/* A growable byte buffer. */
typedef struct bytes {
  char *data;
  size_t len, cap;
} bytes;

/* The storage behind a tf_csv_row: field values packed in `values`, each
 * ended by a NUL, located by `offsets`. */
typedef struct row_store {
  bytes values;
  bytes raw;
  size_t *offsets;
  size_t *lengths;
  const char **fields;
  size_t count, cap;
  long line;
} row_store;

typedef enum parse_state {
  FIELD_START,
  UNQUOTED,
  QUOTED,
  QUOTE_IN_QUOTED /* a quote seen inside quotes: closing, or doubled */
} parse_state;

struct tf_csv_reader {
  tf_line_reader *lines;
  char delim;
  size_t max;
  row_store cur;
  row_store header;
  tf_csv_row header_view; /* points into header, fixed once read */
  tf_csv_error row_err;
  char err[ERR_SIZE];
  char row_msg[ERR_SIZE]; /* the last refused row's problem, no location */
};

static int bytes_add(bytes *b, const char *p, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    char *grown;

    while (b->len + n + 1 > cap) {
      if (cap > SIZE_MAX / 2)
        return TF_ERR_NOMEM;
      cap *= 2;
    }
    grown = realloc(b->data, cap);
    if (!grown)
      return TF_ERR_NOMEM;
    b->data = grown;
    b->cap = cap;
  }
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return TF_OK;
}

static void row_store_reset(row_store *s, long line)
{
  s->values.len = 0;
  s->raw.len = 0;
  s->count = 0;
  s->line = line;
}

static void row_store_free(row_store *s)
{
  free(s->values.data);
  free(s->raw.data);
  free(s->offsets);
  free(s->lengths);
  free(s->fields);
}

static int row_store_grow(row_store *s)
{
  size_t cap = s->cap ? s->cap * 2 : 16;
  size_t *offsets = realloc(s->offsets, cap * sizeof(*offsets));
  size_t *lengths;
  const char **fields;

  if (!offsets)
    return TF_ERR_NOMEM;
  s->offsets = offsets;
  lengths = realloc(s->lengths, cap * sizeof(*lengths));
  if (!lengths)
    return TF_ERR_NOMEM;
  s->lengths = lengths;
  fields = realloc(s->fields, cap * sizeof(*fields));
  if (!fields)
    return TF_ERR_NOMEM;
  s->fields = fields;
  s->cap = cap;
  return TF_OK;
}

/* Starts a new field at the end of the values. */
static int row_store_begin_field(row_store *s)
{
  if (s->count == s->cap && row_store_grow(s) != TF_OK)
    return TF_ERR_NOMEM;
  s->offsets[s->count] = s->values.len;
  s->count++;
  return TF_OK;
}

/* Ends the open field with a NUL so that it can be handed out as text. */
static int row_store_end_field(row_store *s)
{
  size_t i = s->count - 1;

  s->lengths[i] = s->values.len - s->offsets[i];
  return bytes_add(&s->values, "", 1);
}

static void row_store_view(const row_store *s, tf_csv_row *row)
{
  size_t i;

  for (i = 0; i < s->count; i++)
    s->fields[i] = s->values.data + s->offsets[i];
  row->count = s->count;
  row->fields = s->fields;
  row->lengths = s->lengths;
  row->line = s->line;
  row->raw = s->raw.data ? s->raw.data : "";
  row->raw_len = s->raw.len;
}

static int row_store_copy(row_store *dst, const row_store *src)
{
  size_t i;

  row_store_reset(dst, src->line);
  if (bytes_add(&dst->raw, src->raw.data, src->raw.len) != TF_OK ||
      bytes_add(&dst->values, src->values.data, src->values.len) != TF_OK)
    return TF_ERR_NOMEM;
  for (i = 0; i < src->count; i++) {
    if (dst->count == dst->cap && row_store_grow(dst) != TF_OK)
      return TF_ERR_NOMEM;
    dst->offsets[i] = src->offsets[i];
    dst->lengths[i] = src->lengths[i];
    dst->count++;
  }
  return TF_OK;
}

const char *tf_csv_error_code(tf_csv_error err)
{
  switch (err) {
  case TF_CSV_COLUMN_COUNT: return "csv_column_count";
  case TF_CSV_UNTERMINATED_QUOTE: return "csv_unterminated_quote";
  case TF_CSV_STRAY_QUOTE: return "csv_stray_quote";
  case TF_CSV_TOO_LONG: return "line_too_long";
  case TF_CSV_NUL_BYTE: return "nul_byte";
  case TF_CSV_OK: break;
  }
  return "";
}

/* --- Parsing ---------------------------------------------------------- */

/* Feeds one character to the state machine.  A stray quote is kept as text
 * (so that the row still ends where it should) and marks the row bad. */
static int parse_char(tf_csv_reader *r, parse_state *st, char c)
{
  row_store *s = &r->cur;

  switch (*st) {
  case FIELD_START:
    if (row_store_begin_field(s) != TF_OK)
      return TF_ERR_NOMEM;
    if (c == '"') {
      *st = QUOTED;
      return TF_OK;
    }
    *st = UNQUOTED;
    return parse_char(r, st, c);
  case UNQUOTED:
    if (c == r->delim) {
      *st = FIELD_START;
      return row_store_end_field(s);
    }
    if (c == '"')
      r->row_err = TF_CSV_STRAY_QUOTE;
    return bytes_add(&s->values, &c, 1);
  case QUOTED:
    if (c == '"') {
      *st = QUOTE_IN_QUOTED;
      return TF_OK;
    }
    return bytes_add(&s->values, &c, 1);
  case QUOTE_IN_QUOTED:
    if (c == '"') {
      *st = QUOTED;
      return bytes_add(&s->values, &c, 1);
    }
    if (c == r->delim) {
      *st = FIELD_START;
      return row_store_end_field(s);
    }
    r->row_err = TF_CSV_STRAY_QUOTE;
    *st = UNQUOTED;
    return bytes_add(&s->values, &c, 1);
  }
  return TF_ERR_INVAL;
}

/* Feeds one physical line; *open is set when a quote is still open at its
 * end (the row goes on with the next line). */
static int parse_line(tf_csv_reader *r, parse_state *st, const tf_line *ln,
                      int *open)
{
  size_t i;
  int rc;

  for (i = 0; i < ln->len; i++) {
    rc = parse_char(r, st, ln->text[i]);
    if (rc != TF_OK)
      return rc;
  }
  *open = *st == QUOTED;
  if (*open)
    return bytes_add(&r->cur.values, ln->eol, strlen(ln->eol));
  if (*st == FIELD_START && row_store_begin_field(&r->cur) != TF_OK)
    return TF_ERR_NOMEM;
  return row_store_end_field(&r->cur);
}

static int row_fail(tf_csv_reader *r, tf_csv_row *row, tf_csv_error err, int rc,
                    const char *what)
{
  r->row_err = err;
  row_store_view(&r->cur, row);
  snprintf(r->row_msg, sizeof(r->row_msg), "%s", what);
  snprintf(r->err, sizeof(r->err), "%s:%ld: %s", tf_line_reader_path(r->lines),
           r->cur.line, what);
  return rc;
}

/* Reads the next line, skipping blank lines when no row is open yet. */
static int next_line(tf_csv_reader *r, tf_line *ln, int row_open)
{
  int rc;

  do {
    rc = tf_line_reader_next(r->lines, ln);
  } while (rc == TF_OK && !row_open && ln->len == 0);
  return rc;
}

/* A line-reader problem in the middle of reading a row. */
static int row_line_error(tf_csv_reader *r, tf_csv_row *row, int rc,
                          const tf_line *ln, int row_open)
{
  if (rc == TF_ERR_TOOLONG) {
    if (!row_open)
      row_store_reset(&r->cur, ln->number);
    if (bytes_add(&r->cur.raw, ln->text, ln->len) != TF_OK)
      return TF_ERR_NOMEM;
    return row_fail(r, row, TF_CSV_TOO_LONG, TF_ERR_TOOLONG,
                    "row is longer than the limit");
  }
  if (rc == TF_LINE_EOF && row_open)
    return row_fail(r, row, TF_CSV_UNTERMINATED_QUOTE, TF_ERR_PARSE,
                    "quoted field not closed at end of file");
  if (rc == TF_LINE_EOF)
    return TF_CSV_EOF;
  snprintf(r->err, sizeof(r->err), "%s", tf_line_reader_error(r->lines));
  return rc;
}

/* Adds a line to the row's raw text, after `join` (the line end of the
 * previous line of the row, or NULL), and checks the row length. */
static int row_add_raw(tf_csv_reader *r, const tf_line *ln, const char *join)
{
  if (join && bytes_add(&r->cur.raw, join, strlen(join)) != TF_OK)
    return TF_ERR_NOMEM;
  if (bytes_add(&r->cur.raw, ln->text, ln->len) != TF_OK)
    return TF_ERR_NOMEM;
  return r->max && r->cur.raw.len > r->max ? TF_ERR_TOOLONG : TF_OK;
}

/* Where a row's quotes stand after text, without keeping any of it: the
 * state machine of parse_char reduced to quotes. */
static parse_state quote_state(parse_state st, const char *text, size_t len,
                               char delim)
{
  size_t i;

  for (i = 0; i < len; i++) {
    char c = text[i];

    switch (st) {
    case FIELD_START:
      st = c == '"' ? QUOTED : c == delim ? st : UNQUOTED;
      break;
    case UNQUOTED: st = c == delim ? FIELD_START : st; break;
    case QUOTED: st = c == '"' ? QUOTE_IN_QUOTED : st; break;
    case QUOTE_IN_QUOTED:
      st = c == '"' ? QUOTED : c == delim ? FIELD_START : UNQUOTED;
      break;
    }
  }
  return st;
}

/* A row too long to keep: reads on to its real end (the first line end
 * outside quotes, or the end of the file), keeping nothing, so that no
 * line inside one of its quoted fields is ever taken for a row.  st is the
 * quote state after the part already read.  Then refuses the row. */
static int skip_long_row(tf_csv_reader *r, tf_csv_row *row, parse_state st)
{
  tf_line ln;
  int rc = TF_OK;

  while (st == QUOTED) {
    rc = tf_line_reader_next(r->lines, &ln);
    if (rc != TF_OK && rc != TF_ERR_TOOLONG)
      break;
    st = quote_state(st, ln.text, ln.len, r->delim);
  }
  if (rc != TF_OK && rc != TF_LINE_EOF && rc != TF_ERR_TOOLONG) {
    snprintf(r->err, sizeof(r->err), "%s", tf_line_reader_error(r->lines));
    return rc;
  }
  if (r->max && r->cur.raw.len > r->max)
    r->cur.raw.len = r->max; /* the dead letter keeps the row's start */
  return row_fail(r, row, TF_CSV_TOO_LONG, TF_ERR_TOOLONG,
                  "row is longer than the limit");
}

/* Reads one row of any shape into r->cur. */
static int read_row(tf_csv_reader *r, tf_csv_row *row)
{
  parse_state st = FIELD_START;
  tf_line ln;
  const char *prev_eol = "";
  int open = 0;
  int rc;

  r->row_err = TF_CSV_OK;
  for (;;) {
    rc = next_line(r, &ln, open);
    if (rc == TF_ERR_TOOLONG) { /* one line longer than the limit */
      if (!open)
        row_store_reset(&r->cur, ln.number);
      if (bytes_add(&r->cur.raw, ln.text, ln.len) != TF_OK)
        return TF_ERR_NOMEM;
      return skip_long_row(r, row, quote_state(st, ln.text, ln.len, r->delim));
    }
    if (rc != TF_OK)
      return row_line_error(r, row, rc, &ln, open);
    if (!open)
      row_store_reset(&r->cur, ln.number);
    rc = row_add_raw(r, &ln, open ? prev_eol : NULL);
    if (rc == TF_ERR_TOOLONG)
      return skip_long_row(r, row, quote_state(st, ln.text, ln.len, r->delim));
    if (rc != TF_OK)
      return rc;
    prev_eol = ln.eol;
    rc = parse_line(r, &st, &ln, &open);
    if (rc != TF_OK)
      return rc;
    if (!open)
      break;
  }
  if (r->cur.raw.len && memchr(r->cur.raw.data, '\0', r->cur.raw.len))
    return row_fail(r, row, TF_CSV_NUL_BYTE, TF_ERR_PARSE,
                    "the row holds a NUL byte: NUL is never part of a "
                    "record; the file may be damaged (a crash or a full disk "
                    "can leave blocks of zero bytes)");
  if (r->row_err == TF_CSV_STRAY_QUOTE)
    return row_fail(r, row, TF_CSV_STRAY_QUOTE, TF_ERR_PARSE,
                    "quote inside an unquoted field or after a closing one");
  row_store_view(&r->cur, row);
  return TF_OK;
}

/* --- Reader ----------------------------------------------------------- */

/* Two columns of one name would make every row lose one of the two
 * values (a record has one member per name): the file is refused. */
static int check_header_names(tf_csv_reader *r)
{
  const tf_csv_row *h = &r->header_view;
  size_t i, j;

  for (i = 1; i < h->count; i++)
    for (j = 0; j < i; j++)
      if (h->lengths[i] == h->lengths[j] &&
          memcmp(h->fields[i], h->fields[j], h->lengths[i]) == 0) {
        snprintf(r->err, sizeof(r->err),
                 "%s:%ld: the header names column \"%.200s\" twice (columns "
                 "%zu and %zu): every row would lose one of its values",
                 tf_line_reader_path(r->lines), h->line, h->fields[i], j + 1,
                 i + 1);
        return TF_ERR_PARSE;
      }
  return TF_OK;
}

static int read_header(tf_csv_reader *r)
{
  tf_csv_row row;
  int rc = read_row(r, &row);

  if (rc == TF_CSV_EOF) {
    snprintf(r->err, sizeof(r->err), "%s: no header row",
             tf_line_reader_path(r->lines));
    return TF_ERR_PARSE;
  }
  if (rc != TF_OK)
    return rc;
  rc = row_store_copy(&r->header, &r->cur);
  if (rc == TF_OK)
    row_store_view(&r->header, &r->header_view);
  return rc == TF_OK ? check_header_names(r) : rc;
}

int tf_csv_reader_new(tf_csv_reader **out, tf_line_reader *lines,
                      char delimiter, size_t max_row_length)
{
  return tf_csv_reader_open(out, lines, delimiter, max_row_length, NULL, 0);
}

int tf_csv_reader_open(tf_csv_reader **out, tf_line_reader *lines,
                       char delimiter, size_t max_row_length, char *err,
                       size_t errlen)
{
  tf_csv_reader *r;
  int rc;

  if (out)
    *out = NULL;
  if (!out || !lines || delimiter == '"' || delimiter == '\r' ||
      delimiter == '\n' || delimiter == '\0') {
    tf_line_reader_close(lines);
    return TF_ERR_INVAL;
  }
  r = calloc(1, sizeof(*r));
  if (!r) {
    tf_line_reader_close(lines);
    return TF_ERR_NOMEM;
  }
  r->lines = lines;
  r->delim = delimiter;
  r->max = max_row_length;
  rc = read_header(r);
  if (rc != TF_OK) {
    if (err && errlen)
      snprintf(err, errlen, "%s", r->err[0] ? r->err : tf_strerror(rc));
    tf_csv_reader_close(r);
    return rc;
  }
  *out = r;
  return TF_OK;
}

const tf_csv_row *tf_csv_reader_header(const tf_csv_reader *r)
{
  return r ? &r->header_view : NULL;
}

int tf_csv_reader_next(tf_csv_reader *r, tf_csv_row *row)
{
  char what[128];
  int rc;

  if (!r || !row)
    return TF_ERR_INVAL;
  r->err[0] = '\0';
  rc = read_row(r, row);
  if (rc != TF_OK || r->cur.count == r->header.count)
    return rc;
  snprintf(what, sizeof(what), "%zu fields where the header has %zu",
           r->cur.count, r->header.count);
  return row_fail(r, row, TF_CSV_COLUMN_COUNT, TF_ERR_PARSE, what);
}

tf_csv_error tf_csv_reader_row_error(const tf_csv_reader *r)
{
  return r ? r->row_err : TF_CSV_OK;
}

const char *tf_csv_reader_error(const tf_csv_reader *r)
{
  return r ? r->err : "";
}

const char *tf_csv_reader_row_message(const tf_csv_reader *r)
{
  return r && r->row_err != TF_CSV_OK ? r->row_msg : "";
}

long tf_csv_reader_line_number(const tf_csv_reader *r)
{
  return r ? tf_line_reader_line_number(r->lines) : 0;
}

void tf_csv_reader_close(tf_csv_reader *r)
{
  if (!r)
    return;
  tf_line_reader_close(r->lines);
  row_store_free(&r->cur);
  row_store_free(&r->header);
  free(r);
}

/* --- To JSON ---------------------------------------------------------- */

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 when it
 * is not valid: no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
  size_t len, i;
  uint32_t cp;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    len = 2, cp = s[0] & 0x1F;
  else if (s[0] >= 0xE0 && s[0] <= 0xEF)
    len = 3, cp = s[0] & 0x0F;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    len = 4, cp = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

static int utf8_valid(const char *text, size_t len)
{
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0, n;

  while (i < len) {
    n = utf8_sequence(s + i, len - i);
    if (n == 0)
      return 0;
    i += n;
  }
  return 1;
}

static int json_add_field(json_t *obj, const tf_csv_row *header,
                          const tf_csv_row *row, size_t i, unsigned flags)
{
  const char *key = header->fields[i];
  json_t *value;

  if (!utf8_valid(key, header->lengths[i]) ||
      !utf8_valid(row->fields[i], row->lengths[i]) ||
      strlen(key) != header->lengths[i])
    return TF_ERR_PARSE;
  if (row->lengths[i] == 0 && (flags & TF_CSV_EMPTY_AS_NULL))
    value = json_null();
  else
    value = json_stringn(row->fields[i], row->lengths[i]);
  if (!value || json_object_set_new(obj, key, value) != 0)
    return TF_ERR_NOMEM;
  return TF_OK;
}

int tf_csv_row_to_json(const tf_csv_row *header, const tf_csv_row *row,
                       unsigned flags, json_t **out)
{
  json_t *obj;
  size_t i;
  int rc;

  if (out)
    *out = NULL;
  if (!out || !header || !row || header->count != row->count)
    return TF_ERR_INVAL;
  obj = json_object();
  if (!obj)
    return TF_ERR_NOMEM;
  for (i = 0; i < row->count; i++) {
    rc = json_add_field(obj, header, row, i, flags);
    if (rc != TF_OK) {
      json_decref(obj);
      return rc;
    }
  }
  *out = obj;
  return TF_OK;
}

/* --- Writer ----------------------------------------------------------- */

static int needs_quotes(const char *field, size_t len, char delim)
{
  return memchr(field, delim, len) || memchr(field, '"', len) ||
         memchr(field, '\r', len) || memchr(field, '\n', len);
}

/* Writes a field in quotes, each quote inside doubled. */
static int write_quoted(tf_line_writer *w, const char *field, size_t len)
{
  const char *end = field + len;
  int rc = tf_line_writer_write(w, "\"", 1);

  while (rc == TF_OK && field < end) {
    const char *q = memchr(field, '"', (size_t)(end - field));
    size_t n = q ? (size_t)(q - field) + 1 : (size_t)(end - field);

    rc = tf_line_writer_write(w, field, n);
    if (rc == TF_OK && q)
      rc = tf_line_writer_write(w, "\"", 1);
    field += n;
  }
  return rc == TF_OK ? tf_line_writer_write(w, "\"", 1) : rc;
}

/* An empty field is written as nothing, except when it is the only one:
 * then as "" so that the row does not read back as a blank line. */
static int write_field(tf_line_writer *w, char delim, const char *field,
                       size_t len, int alone)
{
  if (!field || len == 0)
    return alone ? tf_line_writer_write(w, "\"\"", 2) : TF_OK;
  if (needs_quotes(field, len, delim))
    return write_quoted(w, field, len);
  return tf_line_writer_write(w, field, len);
}

int tf_csv_write_row(tf_line_writer *w, char delimiter, size_t count,
                     const char *const *fields, const size_t *lengths)
{
  size_t i;
  int rc = TF_OK;

  if (!w || (count && !fields) || delimiter == '"' || delimiter == '\r' ||
      delimiter == '\n' || delimiter == '\0')
    return TF_ERR_INVAL;
  for (i = 0; i < count && rc == TF_OK; i++) {
    const char *f = fields[i];
    size_t len = lengths ? lengths[i] : f ? strlen(f) : 0;

    if (i > 0)
      rc = tf_line_writer_write(w, &delimiter, 1);
    if (rc == TF_OK)
      rc = write_field(w, delimiter, f, len, count == 1);
  }
  return rc == TF_OK ? tf_line_writer_write(w, "\n", 1) : rc;
}
