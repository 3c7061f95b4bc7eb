/*
 * fields.c - typed field readers with a reject code and a message
 * (fields.h).
 *
 * Owns the lookup rule (exact key, key in another case, dotted path), what
 * counts as unset (absent, null, ""), how a value is shown in a message,
 * and the checks and messages of each kind of field, so that every source
 * rejects the same mistakes with the same words.
 *
 * Every check is written once, over a `field` view that holds what a check
 * needs of a value (its kind, and its string or number); the tf_value forms
 * fill it from the record's value index, the json_t forms (the slow path)
 * from a jansson value, so both give the same answers and messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <touchflow/error.h>
#include <touchflow/fields.h>
#include <touchflow/record_json.h>

/* The most bytes of a string a message shows. */
#define SHOWN_TEXT_MAX 80
/* An epoch count below this many milliseconds (1973-03-03) is seconds; a
 * time after this many seconds (the year 5138) is milliseconds. */
#define EPOCH_UNIT_LIMIT INT64_C(100000000000)

/* Shortens s, cut by vsnprintf, so that it does not end inside a UTF-8
 * character. */
static void drop_partial_character(char *s)
{
  size_t n = strlen(s), start = n, need;
  unsigned char lead;

  while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
    start--;
  if (start == 0)
    return;
  lead = (unsigned char)s[start - 1];
  need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (n - (start - 1) < need)
    s[start - 1] = '\0';
}

int tf_field_complain(tf_field_problem *why, const char *code, const char *fmt,
                      ...)
{
  va_list ap;
  int n;

  why->code = code;
  va_start(ap, fmt);
  n = vsnprintf(why->message, sizeof(why->message), fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof(why->message))
    drop_partial_character(why->message);
  return TF_ERR_INVAL;
}

/* How many of the first bytes of the UTF-8 text s to show, at most max,
 * ending on a character boundary. */
static int shown_length(const char *s, size_t max)
{
  size_t n = strlen(s);

  if (n <= max)
    return (int)n;
  n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  return (int)n;
}

/* What the checks need of one value, whichever API it came from. */
typedef struct field {
  tf_type type;     /* TF_TYPE_ABSENT for NULL (and an invalid value) */
  const char *text; /* a string: NUL-terminated; else NULL */
  size_t len;       /* a string's length */
  int64_t integer;  /* TF_TYPE_INTEGER */
  double real;      /* TF_TYPE_DOUBLE */
  int truth;        /* TF_TYPE_BOOL */
} field;

static field field_of(const tf_value *v)
{
  field f = {TF_TYPE_ABSENT, NULL, 0, 0, 0.0, 0};

  f.type = tf_value_type(v);
  switch (f.type) {
  case TF_TYPE_STRING: f.text = tf_value_string(v, &f.len); break;
  case TF_TYPE_INTEGER: tf_value_int64(v, &f.integer); break;
  case TF_TYPE_DOUBLE:
    if (tf_value_double(v, &f.real) != TF_OK)
      f.real = 0.0;
    break;
  case TF_TYPE_BOOL: tf_value_bool(v, &f.truth); break;
  case TF_TYPE_INVALID: f.type = TF_TYPE_ABSENT; break;
  default: break;
  }
  return f;
}

static field field_of_json(const json_t *value)
{
  field f = {TF_TYPE_ABSENT, NULL, 0, 0, 0.0, 0};

  switch (value ? json_typeof(value) : JSON_NULL) {
  case JSON_OBJECT: f.type = TF_TYPE_OBJECT; break;
  case JSON_ARRAY: f.type = TF_TYPE_ARRAY; break;
  case JSON_STRING:
    f.type = TF_TYPE_STRING;
    f.text = json_string_value(value);
    f.len = json_string_length(value);
    break;
  case JSON_INTEGER:
    f.type = TF_TYPE_INTEGER;
    f.integer = (int64_t)json_integer_value(value);
    break;
  case JSON_REAL:
    f.type = TF_TYPE_DOUBLE;
    f.real = json_real_value(value);
    break;
  case JSON_TRUE:
  case JSON_FALSE:
    f.type = TF_TYPE_BOOL;
    f.truth = json_is_true(value);
    break;
  case JSON_NULL: f.type = value ? TF_TYPE_NULL : TF_TYPE_ABSENT; break;
  }
  return f;
}

/* A value that is neither a string nor a number, in words. */
static const char *kind_of(const field *f)
{
  switch (f->type) {
  case TF_TYPE_OBJECT: return "an object";
  case TF_TYPE_ARRAY: return "an array";
  case TF_TYPE_NULL: return "null";
  case TF_TYPE_BOOL: return "a boolean";
  default: return "absent";
  }
}

static void describe(const field *f, char *buf, size_t len)
{
  size_t room = len > 3 ? len - 3 : 0; /* two quotes and the NUL */

  if (!buf || len == 0)
    return;
  if (f->text)
    snprintf(
        buf, len, "\"%.*s\"",
        shown_length(f->text, room < SHOWN_TEXT_MAX ? room : SHOWN_TEXT_MAX),
        f->text);
  else if (f->type == TF_TYPE_INTEGER)
    snprintf(buf, len, "%" PRId64, f->integer);
  else if (f->type == TF_TYPE_DOUBLE)
    snprintf(buf, len, "%g", f->real);
  else
    snprintf(buf, len, "%s", kind_of(f));
}

void tf_field_describe(const json_t *value, char *buf, size_t len)
{
  field f = field_of_json(value);

  describe(&f, buf, len);
}

void tf_field_describe_of(const tf_value *value, char *buf, size_t len)
{
  field f = field_of(value);

  describe(&f, buf, len);
}

static int is_unset(const field *f)
{
  return f->type == TF_TYPE_ABSENT || f->type == TF_TYPE_NULL ||
         (f->type == TF_TYPE_STRING && f->len == 0);
}

int tf_field_is_unset(const json_t *value)
{
  field f = field_of_json(value);

  return is_unset(&f);
}

int tf_field_is_unset_of(const tf_value *value)
{
  field f = field_of(value);

  return is_unset(&f);
}

const json_t *tf_field_lookup(const tf_record *rec, const char *name)
{
  /* jansson iterates non-const objects only; nothing is changed. */
  json_t *obj = (json_t *)tf_record_json(rec);
  const char *key;
  json_t *value;

  if (!obj || !name)
    return NULL;
  value = json_object_get(obj, name);
  if (value)
    return value;
  json_object_foreach (obj, key, value) {
    if (strcasecmp(key, name) == 0)
      return value;
  }
  return tf_record_get_path(rec, name);
}

const tf_value *tf_field_find(const tf_value *obj, const char *name)
{
  const tf_value *value;
  const char *key;

  if (tf_value_type(obj) != TF_TYPE_OBJECT || !name)
    return NULL;
  value = tf_value_get(obj, name);
  if (value)
    return value;
  for (value = tf_value_first(obj); value; value = tf_value_next(value)) {
    key = tf_value_key(value, NULL);
    if (key && strcasecmp(key, name) == 0)
      return value;
  }
  return tf_value_path(obj, name);
}

/* The record's field by the lookup rule: through the value index; but a
 * record made from a json_t (tf_record_new, tf_record_derive) has its tree
 * from the start, which is read in place: indexing it would first dump the
 * whole tree to text. */
static field find(const tf_record *rec, const char *name)
{
  if (rec && !tf_record_bytes(rec, NULL) && tf_record_has_json(rec))
    return field_of_json(tf_field_lookup(rec, name));
  return field_of(rec ? tf_field_find(tf_record_root(rec), name) : NULL);
}

/* --- Readers ------------------------------------------------------------ */

static int read_text(const field *f, const char *name, const char **out,
                     tf_field_problem *why)
{
  char shown[TF_FIELD_SHOWN_LEN];

  *out = NULL;
  if (is_unset(f))
    return TF_OK;
  if (f->type != TF_TYPE_STRING) {
    describe(f, shown, sizeof(shown));
    return tf_field_complain(why, "invalid_field", "%s is %s, not a string",
                             name, shown);
  }
  *out = f->text;
  return TF_OK;
}

int tf_field_text_value(const json_t *value, const char *name, const char **out,
                        tf_field_problem *why)
{
  field f = field_of_json(value);

  return read_text(&f, name, out, why);
}

int tf_field_text_of(const tf_value *value, const char *name, const char **out,
                     tf_field_problem *why)
{
  field f = field_of(value);

  return read_text(&f, name, out, why);
}

int tf_field_text(const tf_record *rec, const char *name, const char **out,
                  tf_field_problem *why)
{
  field f = find(rec, name);

  return read_text(&f, name, out, why);
}

static int read_required_text(const field *f, const char *name,
                              const char **out, tf_field_problem *why)
{
  if (read_text(f, name, out, why) != TF_OK)
    return TF_ERR_INVAL;
  if (!*out)
    return tf_field_complain(why, "missing_field", "%s is missing", name);
  return TF_OK;
}

int tf_field_required_text_value(const json_t *value, const char *name,
                                 const char **out, tf_field_problem *why)
{
  field f = field_of_json(value);

  return read_required_text(&f, name, out, why);
}

int tf_field_required_text_of(const tf_value *value, const char *name,
                              const char **out, tf_field_problem *why)
{
  field f = field_of(value);

  return read_required_text(&f, name, out, why);
}

int tf_field_required_text(const tf_record *rec, const char *name,
                           const char **out, tf_field_problem *why)
{
  field f = find(rec, name);

  return read_required_text(&f, name, out, why);
}

/* 1 when f is a set id, 0 when unset; TF_ERR_INVAL for another type. */
static int check_id(const field *f, const char *name, tf_field_problem *why)
{
  char shown[TF_FIELD_SHOWN_LEN];

  if (is_unset(f))
    return 0;
  if (f->type != TF_TYPE_STRING && f->type != TF_TYPE_INTEGER) {
    describe(f, shown, sizeof(shown));
    return tf_field_complain(why, "invalid_field",
                             "%s is %s, not a string or an integer", name,
                             shown);
  }
  return 1;
}

int tf_field_id_value(const json_t *value, const char *name, const json_t **out,
                      tf_field_problem *why)
{
  field f = field_of_json(value);
  int rc = check_id(&f, name, why);

  *out = rc == 1 ? value : NULL;
  return rc < 0 ? rc : TF_OK;
}

int tf_field_id_of(const tf_value *value, const char *name,
                   const tf_value **out, tf_field_problem *why)
{
  field f = field_of(value);
  int rc = check_id(&f, name, why);

  *out = rc == 1 ? value : NULL;
  return rc < 0 ? rc : TF_OK;
}

int tf_field_id(const tf_record *rec, const char *name, const tf_value **out,
                tf_field_problem *why)
{
  return tf_field_id_of(rec ? tf_field_find(tf_record_root(rec), name) : NULL,
                        name, out, why);
}

static int read_flag(const field *f, const char *name, int *flag,
                     tf_field_problem *why)
{
  const char *s = f->text;
  char shown[TF_FIELD_SHOWN_LEN];

  *flag = (f->type == TF_TYPE_BOOL && f->truth) ||
          (s && strcasecmp(s, "true") == 0);
  if (*flag || is_unset(f) || f->type == TF_TYPE_BOOL ||
      (s && strcasecmp(s, "false") == 0))
    return TF_OK;
  describe(f, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_field",
                           "%s %s is neither true nor false", name, shown);
}

int tf_field_flag_value(const json_t *value, const char *name, int *flag,
                        tf_field_problem *why)
{
  field f = field_of_json(value);

  return read_flag(&f, name, flag, why);
}

int tf_field_flag_of(const tf_value *value, const char *name, int *flag,
                     tf_field_problem *why)
{
  field f = field_of(value);

  return read_flag(&f, name, flag, why);
}

int tf_field_flag(const tf_record *rec, const char *name, int *flag,
                  tf_field_problem *why)
{
  field f = find(rec, name);

  return read_flag(&f, name, flag, why);
}

static int read_salesforce_time(const field *f, const char *name, int64_t *ms,
                                int *found, tf_field_problem *why)
{
  char shown[TF_FIELD_SHOWN_LEN];

  *found = !is_unset(f);
  if (!*found)
    return TF_OK;
  if (f->text && tf_time_parse(f->text, ms) == TF_OK)
    return TF_OK;
  describe(f, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_timestamp",
                           "%s %s is not a Salesforce date or datetime", name,
                           shown);
}

int tf_field_salesforce_time_value(const json_t *value, const char *name,
                                   int64_t *ms, int *found,
                                   tf_field_problem *why)
{
  field f = field_of_json(value);

  return read_salesforce_time(&f, name, ms, found, why);
}

int tf_field_salesforce_time_of(const tf_value *value, const char *name,
                                int64_t *ms, int *found, tf_field_problem *why)
{
  field f = field_of(value);

  return read_salesforce_time(&f, name, ms, found, why);
}

int tf_field_salesforce_time(const tf_record *rec, const char *name,
                             int64_t *ms, int *found, tf_field_problem *why)
{
  field f = find(rec, name);

  return read_salesforce_time(&f, name, ms, found, why);
}

/* Each byte's hex digit lowercased; 0 for a byte that is none. */
static const unsigned char hex_lower[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
    ['f'] = 'f', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',
    ['E'] = 'e', ['F'] = 'f'};

#ifdef __SSE2__
/* The 16 bytes at text lowercased into out when all are hex digits: a
 * digit is '0' to '9'; a letter, with its 0x20 bit set, 'a' to 'f'; both
 * have that bit set once lowercased.  (Bytes from 0x80 are negative in the
 * signed compares: neither.) */
static int sse2_hex16(const char *text, char *out)
{
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)text);
  __m128i low = _mm_or_si128(v, _mm_set1_epi8(0x20));
  __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(low, _mm_set1_epi8('a' - 1)),
                                 _mm_cmplt_epi8(low, _mm_set1_epi8('f' + 1)));

  _mm_storeu_si128((__m128i *)(void *)out, low);
  return _mm_movemask_epi8(_mm_or_si128(digit, letter)) == 0xFFFF;
}

/* The 32 bytes at text lowercased into out (with a NUL after) when all are
 * hex digits, 16 at a time; 0 when not (out is then not a BizibleId). */
static int sse2_bizible_id(const char *text, char *out)
{
  int ok = sse2_hex16(text, out) & sse2_hex16(text + 16, out + 16);

  out[TF_BIZIBLE_ID_LEN] = '\0';
  return ok;
}
#endif

/* Copies text (len bytes, NUL-terminated) lowercased into out when it is a
 * BizibleId (32 hex digits, then the end or a NUL); 0 when not.  The 32
 * bytes go through the table with no branch a byte: a digit or a letter
 * comes at random in an id, which a test a byte mispredicts half the
 * time. */
static int normalise_bizible_id(const char *text, size_t len, char *out)
{
  unsigned char none = 0;
  size_t i;

  if (len < TF_BIZIBLE_ID_LEN)
    return 0;
#ifdef __SSE2__
  if (sse2_bizible_id(text, out))
    return text[TF_BIZIBLE_ID_LEN] == '\0';
#endif
  for (i = 0; i < TF_BIZIBLE_ID_LEN; i++) {
    out[i] = (char)hex_lower[(unsigned char)text[i]];
    none |= out[i] == 0;
  }
  out[i] = '\0';
  return !none && text[i] == '\0';
}

static int read_bizible_id(const field *f, const char *name, char *out,
                           tf_field_problem *why)
{
  const char *text;

  out[0] = '\0';
  if (read_text(f, name, &text, why) != TF_OK)
    return TF_ERR_INVAL;
  if (!text || normalise_bizible_id(text, f->len, out))
    return TF_OK;
  out[0] = '\0';
  return tf_field_complain(why, "invalid_bizible_id",
                           "%s \"%.*s\" is not a BizibleId (32 hex digits)",
                           name, shown_length(text, SHOWN_TEXT_MAX), text);
}

int tf_field_bizible_id_value(const json_t *value, const char *name, char *out,
                              tf_field_problem *why)
{
  field f = field_of_json(value);

  return read_bizible_id(&f, name, out, why);
}

int tf_field_bizible_id_of(const tf_value *value, const char *name, char *out,
                           tf_field_problem *why)
{
  field f = field_of(value);

  return read_bizible_id(&f, name, out, why);
}

int tf_field_bizible_id(const tf_record *rec, const char *name, char *out,
                        tf_field_problem *why)
{
  field f = find(rec, name);

  return read_bizible_id(&f, name, out, why);
}

/* --- A check without a message -------------------------------------- */

/* An integer, or a string of an optional '-' and digits (and nothing
 * else: text holding a NUL is not one). */
static int is_epoch_count(const field *f)
{
  const char *s = f->text;
  size_t n;

  if (f->type == TF_TYPE_INTEGER)
    return 1;
  if (!s)
    return 0;
  s += *s == '-';
  n = strspn(s, "0123456789");
  return n > 0 && s[n] == '\0';
}

/* An epoch count in `unit` as milliseconds, refusing what overflows (as
 * time.c does). */
static int epoch_to_ms(int64_t value, tf_epoch_unit unit, int64_t *ms)
{
  int64_t factor;

  if (unit != TF_EPOCH_SECONDS && unit != TF_EPOCH_MILLISECONDS)
    return TF_ERR_INVAL;
  factor = 1000 / unit;
  if (value > INT64_MAX / factor || value < INT64_MIN / factor)
    return TF_ERR_PARSE;
  *ms = value * factor;
  return TF_OK;
}

/* The digits of a string is_epoch_count accepted as an integer; TF_ERR_PARSE
 * when it overflows (as time.c reads them). */
static int integer_of_text(const char *s, int64_t *value)
{
  int negative = *s == '-';
  int64_t v = 0;

  for (s += negative; *s; s++) {
    int digit = *s - '0';

    if (v > (INT64_MAX - digit) / 10)
      return TF_ERR_PARSE;
    v = v * 10 + digit;
  }
  *value = negative ? -v : v;
  return TF_OK;
}

/* tf_time_from_json over a field. */
static int time_of(const field *f, tf_epoch_unit unit, int64_t *ms)
{
  int64_t count;

  if (f->type == TF_TYPE_ABSENT || f->type == TF_TYPE_NULL)
    return TF_ERR_NOTFOUND;
  if (f->type == TF_TYPE_INTEGER)
    return epoch_to_ms(f->integer, unit, ms);
  if (f->type != TF_TYPE_STRING)
    return TF_ERR_PARSE;
  if (!is_epoch_count(f))
    return tf_time_parse(f->text, ms);
  if (integer_of_text(f->text, &count) != TF_OK)
    return TF_ERR_PARSE;
  return epoch_to_ms(count, unit, ms);
}

static int epoch_time(const field *f, tf_epoch_unit unit, int64_t *ms)
{
  int64_t t;
  int rc;

  if (is_unset(f))
    return TF_ERR_NOTFOUND;
  rc = time_of(f, unit, &t);
  if (rc != TF_OK)
    return rc;
  if (unit == TF_EPOCH_MILLISECONDS && t < EPOCH_UNIT_LIMIT &&
      is_epoch_count(f))
    return TF_ERR_INVAL;
  if (unit == TF_EPOCH_SECONDS && t / 1000 > EPOCH_UNIT_LIMIT)
    return TF_ERR_INVAL;
  *ms = t;
  return TF_OK;
}

int tf_field_epoch_time(const json_t *value, tf_epoch_unit unit, int64_t *ms)
{
  field f = field_of_json(value);

  return epoch_time(&f, unit, ms);
}

int tf_field_epoch_time_of(const tf_value *value, tf_epoch_unit unit,
                           int64_t *ms)
{
  field f = field_of(value);

  return epoch_time(&f, unit, ms);
}
