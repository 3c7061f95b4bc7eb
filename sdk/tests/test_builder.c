/*
 * test_builder.c - the record builder (builder.h, sdk/lib/builder.c): the
 * text it writes, string escaping checked against jansson (the same text as
 * json_dumps, and parsed back to the same bytes), integers, the shortest
 * doubles, copies of other records' values, origins, the lazy records it
 * makes, their value index (built from the tokens the builder wrote: read
 * exactly as the same text parsed), and every misuse reported as an error,
 * never a crash.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/record_json.h>

static tf_builder *b;

static void setup(void)
{
  b = tf_builder_new();
  ck_assert_ptr_nonnull(b);
}

static void teardown(void)
{
  tf_builder_free(b);
}

/* Finishes b and returns the record's text (static) after checking that
 * jansson parses it; the record is dropped. */
static const char *finish_text(void)
{
  static char text[4096];
  tf_record *rec;
  size_t len;
  json_t *parsed;

  ck_assert_msg(tf_builder_finish(b, NULL, &rec) == TF_OK, "finish: %s",
                tf_builder_error(b));
  snprintf(text, sizeof(text), "%s", tf_record_bytes(rec, &len));
  parsed = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
  ck_assert_msg(parsed != NULL, "jansson refuses %s", text);
  json_decref(parsed);
  tf_record_unref(rec);
  return text;
}

/* --- What it writes ---------------------------------------------------- */

START_TEST(test_builds_compact_json)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  tf_builder_int64(b, 1);
  tf_builder_key(b, "list");
  tf_builder_begin_array(b);
  tf_builder_string(b, "x");
  tf_builder_bool(b, 1);
  tf_builder_bool(b, 0);
  tf_builder_null(b);
  tf_builder_begin_object(b);
  tf_builder_end_object(b);
  tf_builder_begin_array(b);
  tf_builder_end_array(b);
  tf_builder_end_array(b);
  tf_builder_key(b, "o");
  tf_builder_begin_object(b);
  tf_builder_key(b, "d");
  tf_builder_double(b, 0.5);
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_end_object(b), TF_OK);
  ck_assert_str_eq(
      finish_text(),
      "{\"a\":1,\"list\":[\"x\",true,false,null,{},[]],\"o\":{\"d\":0.5}}");
}
END_TEST

START_TEST(test_empty_object)
{
  tf_builder_begin_object(b);
  tf_builder_end_object(b);
  ck_assert_str_eq(finish_text(), "{}");
}
END_TEST

START_TEST(test_integers)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "max");
  tf_builder_int64(b, INT64_MAX);
  tf_builder_key(b, "min");
  tf_builder_int64(b, INT64_MIN);
  tf_builder_key(b, "zero");
  tf_builder_int64(b, 0);
  tf_builder_end_object(b);
  ck_assert_str_eq(finish_text(), "{\"max\":9223372036854775807,\"min\":"
                                  "-9223372036854775808,\"zero\":0}");
  /* Every number of digits, both signs, each around a power of ten, as
   * printf writes them. */
  for (uint64_t p10 = 1, i = 0; i < 19; i++, p10 *= 10) { /* to 10^18 */
    for (int64_t d = -1; d <= 1; d++) {
      for (int sign = -1; sign <= 1; sign += 2) {
        int64_t v = sign * ((int64_t)p10 + d);
        char want[48];

        tf_builder_begin_object(b);
        tf_builder_key(b, "n");
        tf_builder_int64(b, v);
        tf_builder_end_object(b);
        snprintf(want, sizeof(want), "{\"n\":%" PRId64 "}", v);
        ck_assert_str_eq(finish_text(), want);
      }
    }
  }
}
END_TEST

/* The text a double is written as. */
static const char *double_text(double d)
{
  static char text[64];
  const char *all;

  tf_builder_begin_object(b);
  tf_builder_key(b, "d");
  tf_builder_double(b, d);
  tf_builder_end_object(b);
  all = finish_text();
  ck_assert_int_eq(strncmp(all, "{\"d\":", 5), 0);
  snprintf(text, sizeof(text), "%.*s", (int)strlen(all) - 6, all + 5);
  return text;
}

START_TEST(test_doubles_shortest_round_trip)
{
  ck_assert_str_eq(double_text(0.1), "0.1");
  ck_assert_str_eq(double_text(1.0), "1.0");
  ck_assert_str_eq(double_text(-0.0), "-0.0");
  ck_assert_str_eq(double_text(100.0), "100.0");
  ck_assert_str_eq(double_text(1.0 / 3), "0.3333333333333333");
  ck_assert_str_eq(double_text(2.0 / 3), "0.6666666666666666");
  ck_assert_str_eq(double_text(1e300), "1e300");
  ck_assert_str_eq(double_text(1.5e-7), "1.5e-7");
  ck_assert_str_eq(double_text(5e-324), "5e-324");
  ck_assert_str_eq(double_text(1.7976931348623157e308),
                   "1.7976931348623157e308");
  ck_assert_str_eq(double_text(123456.789), "123456.789");
  ck_assert_str_eq(double_text(0.1 + 0.2), "0.30000000000000004");
}
END_TEST

/* The significant digits in a number's text: from its first nonzero
 * digit to its last. */
static int digits_of(const char *text)
{
  int n = 0, upto = 0;

  for (; *text && *text != 'e' && *text != 'E'; text++) {
    if (*text >= '1' && *text <= '9')
      upto = ++n;
    else if (*text == '0' && n > 0)
      n++;
  }
  return upto;
}

/* The fewest significant digits that read back as d, by trying them all. */
static int shortest_digits(double d)
{
  char buf[64];

  for (int p = 1; p < 17; p++) {
    snprintf(buf, sizeof(buf), "%.*g", p, d);
    if (strtod(buf, NULL) == d)
      return digits_of(buf);
  }
  snprintf(buf, sizeof(buf), "%.17g", d);
  return digits_of(buf);
}

START_TEST(test_doubles_read_back_exactly)
{
  uint64_t x = 0x123456789abcdefull;

  for (int i = 0; i < 5000; i++) {
    double d, back;
    const char *text;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    memcpy(&d, &x, sizeof(d));
    if (i % 4 == 1)
      d = (double)(x % 100000) / 1000.0;
    if (i % 4 == 2)
      d = ldexp((double)(x % 1000), -1070);
    if (!isfinite(d))
      continue;
    text = double_text(d);
    back = strtod(text, NULL);
    ck_assert_msg(memcmp(&back, &d, sizeof(d)) == 0, "%.17g written %s", d,
                  text);
    ck_assert_msg(strchr(text, '.') || strchr(text, 'e'), "%s", text);
    if (d != 0)
      ck_assert_msg(digits_of(text) == shortest_digits(d),
                    "%.17g written %s, not the shortest", d, text);
  }
}
END_TEST

START_TEST(test_nan_and_infinity_are_refused)
{
  tf_record *rec;

  tf_builder_begin_object(b);
  tf_builder_key(b, "d");
  ck_assert_int_eq(tf_builder_double(b, NAN), TF_ERR_INVAL);
  ck_assert_ptr_nonnull(strstr(tf_builder_error(b), "NaN or infinite"));
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_ERR_INVAL);
  ck_assert_ptr_null(rec);
  tf_builder_begin_object(b);
  tf_builder_key(b, "d");
  ck_assert_int_eq(tf_builder_double(b, -INFINITY), TF_ERR_INVAL);
}
END_TEST

/* --- Strings ----------------------------------------------------------- */

/* b's text for {"k": s} and jansson's, for s of len bytes. */
static void same_as_jansson(const char *s, size_t len)
{
  json_t *obj = json_object();
  char *want;
  tf_record *rec;
  json_t *back;

  json_object_set_new(obj, "k", json_stringn(s, len));
  want = json_dumps(obj, JSON_COMPACT);
  tf_builder_begin_object(b);
  tf_builder_key(b, "k");
  tf_builder_stringn(b, s, len);
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
  ck_assert_str_eq(tf_record_bytes(rec, NULL), want);
  back = json_loads(tf_record_bytes(rec, NULL), JSON_ALLOW_NUL, NULL);
  ck_assert_uint_eq(json_string_length(json_object_get(back, "k")), len);
  ck_assert_int_eq(
      memcmp(json_string_value(json_object_get(back, "k")), s, len), 0);
  json_decref(back);
  tf_record_unref(rec);
  free(want);
  json_decref(obj);
}

START_TEST(test_every_ascii_byte_escapes_as_jansson_does)
{
  char s[128];

  for (int c = 0; c < 128; c++)
    s[c] = (char)c;
  same_as_jansson(s, sizeof(s));
  same_as_jansson("\"\\/\b\f\n\r\t", 8);
  same_as_jansson("", 0);
}
END_TEST

START_TEST(test_random_strings_round_trip)
{
  static const char *const pieces[] = {"a",
                                       "\"",
                                       "\\",
                                       "\n",
                                       "\0",
                                       "\x1f",
                                       "\x7f",
                                       "\xc2\x80",
                                       "é",
                                       "€",
                                       "\xf0\x9f\x98\x80",
                                       "/",
                                       " ",
                                       "\xef\xbb\xbf"};
  static const size_t sizes[] = {1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 1, 1, 3};
  unsigned x = 12345;

  for (int round = 0; round < 500; round++) {
    char s[256];
    size_t len = 0;

    for (int i = (int)((x = x * 1103515245 + 12345) >> 16) % 40; i > 0; i--) {
      unsigned k = ((x = x * 1103515245 + 12345) >> 16) % 14;

      memcpy(s + len, pieces[k], sizes[k]);
      len += sizes[k];
    }
    same_as_jansson(s, len);
  }
}
END_TEST

/* Plain text is copied 8 bytes at a time (json_string.c): strings of
 * every length up to 40, plain or with one byte to escape or check ('"',
 * a control byte, a 2-byte character) at every offset, still write as
 * jansson writes them; and an invalid byte at every offset is refused,
 * named at its offset. */
START_TEST(test_special_byte_at_every_offset)
{
  static const char *const specials[] = {"\"", "\n", "\x01", "\xc3\xa9"};
  char s[80] = "", want[96];

  /* Past 64 bytes: both sides of the length up to which plain text is
   * copied with no escaper call. */
  for (size_t len = 0; len <= 70; len++) {
    for (size_t i = 0; i < len; i++)
      s[i] = (char)('a' + i % 26);
    same_as_jansson(s, len);
    for (size_t at = 0; at < len; at++) {
      for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
        size_t n = strlen(specials[k]);

        if (at + n > len)
          continue;
        memcpy(s + at, specials[k], n);
        same_as_jansson(s, len);
        for (size_t i = at; i < at + n; i++)
          s[i] = (char)('a' + i % 26);
      }
      s[at] = (char)0xff;
      tf_builder_reset(b);
      tf_builder_begin_object(b);
      tf_builder_key(b, "k");
      ck_assert_int_eq(tf_builder_stringn(b, s, len), TF_ERR_INVAL);
      snprintf(want, sizeof(want), "(byte 0xff at offset %zu)", at);
      ck_assert_msg(strstr(tf_builder_error(b), want), "%zu/%zu: %s", at, len,
                    tf_builder_error(b));
      tf_builder_reset(b);
      s[at] = (char)('a' + at % 26);
    }
  }
}
END_TEST

START_TEST(test_invalid_utf8_is_refused)
{
  static const char *const bad[] = {"\xff", "\xc3\x28", "\xc0\x80",
                                    "\xed\xa0\x80", "ok\xe2\x82"};

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    tf_builder_reset(b);
    tf_builder_begin_object(b);
    tf_builder_key(b, "k");
    ck_assert_int_eq(tf_builder_string(b, bad[i]), TF_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(tf_builder_error(b), "not valid UTF-8"));
  }
  tf_builder_reset(b);
  tf_builder_begin_object(b);
  ck_assert_int_eq(tf_builder_key(b, "k\xff"), TF_ERR_INVAL);
  tf_builder_reset(b);
  tf_builder_begin_object(b);
  ck_assert_int_eq(tf_builder_keyn(b, "a\0b", 3), TF_ERR_INVAL);
  ck_assert_ptr_nonnull(strstr(tf_builder_error(b), "NUL"));
}
END_TEST

START_TEST(test_keys_are_escaped)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "quote\"back\\slash\nnl");
  tf_builder_null(b);
  tf_builder_end_object(b);
  ck_assert_str_eq(finish_text(), "{\"quote\\\"back\\\\slash\\nnl\":null}");
}
END_TEST

/* --- Copies of values -------------------------------------------------- */

START_TEST(test_copies_values_as_they_stand)
{
  const char *text = "{\"o\": { \"a\" : [1,  2.50] }, \"s\": \"x\\u0041\\n\", "
                     "\"n\": -0.0e0, \"t\": true, \"z\": null}";
  tf_record *src = tf_record_parse(text, strlen(text), NULL, NULL, 0);
  tf_record *rec;

  tf_builder_begin_object(b);
  tf_builder_key(b, "copy");
  tf_builder_value(b, tf_record_value(src, "o"));
  tf_builder_key(b, "list");
  tf_builder_begin_array(b);
  tf_builder_value(b, tf_record_value(src, "s"));
  tf_builder_value(b, tf_record_value(src, "n"));
  tf_builder_value(b, tf_record_value(src, "t"));
  tf_builder_value(b, tf_record_value(src, "z"));
  tf_builder_value(b, tf_record_value_path(src, "o.a.1"));
  tf_builder_end_array(b);
  tf_builder_key(b, "all");
  tf_builder_value(b, tf_record_root(src));
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
  ck_assert_str_eq(
      tf_record_bytes(rec, NULL),
      "{\"copy\":{ \"a\" : [1,  2.50] },\"list\":[\"x\\u0041\\n\","
      "-0.0e0,true,null,2.50],\"all\":{\"o\": { \"a\" : [1,  2.50] "
      "}, \"s\": \"x\\u0041\\n\", \"n\": -0.0e0, \"t\": true, "
      "\"z\": null}}");
  ck_assert_str_eq(tf_value_string(tf_record_value_path(rec, "list.0"), NULL),
                   "xA\n");
  tf_record_unref(rec);
  tf_record_unref(src);
}
END_TEST

START_TEST(test_copies_from_a_tree_record)
{
  tf_record *src = tf_record_new(json_pack("{s:[i,s]}", "a", 1, "x"));
  tf_record *rec;

  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  tf_builder_value(b, tf_record_value(src, "a"));
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
  ck_assert_str_eq(tf_record_bytes(rec, NULL), "{\"a\":[1,\"x\"]}");
  tf_record_unref(rec);
  tf_record_unref(src);
}
END_TEST

START_TEST(test_copying_absent_or_invalid_is_refused)
{
  tf_record *raw = tf_record_new_raw("nope", 4, NULL);

  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  ck_assert_int_eq(tf_builder_value(b, NULL), TF_ERR_INVAL);
  ck_assert_str_eq(tf_builder_error(b), "copying an absent value");
  tf_builder_reset(b);
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  ck_assert_int_eq(tf_builder_value(b, tf_record_value(raw, "x")),
                   TF_ERR_INVAL);
  ck_assert_str_eq(tf_builder_error(b), "copying an invalid value");
  tf_record_unref(raw);
}
END_TEST

/* --- The records it makes ---------------------------------------------- */

START_TEST(test_finish_keeps_origin_and_is_lazy)
{
  tf_origin o = {"data/x.ndjson", 7};
  tf_record *src = tf_record_parse("{\"a\":1}", 7, &o, NULL, 0);
  tf_record *rec;
  int64_t v;

  tf_builder_begin_object(b);
  tf_builder_key(b, "b");
  tf_builder_int64(b, 2);
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, src, &rec), TF_OK);
  ck_assert_str_eq(tf_record_origin(rec).file, "data/x.ndjson");
  ck_assert_int_eq(tf_record_origin(rec).line, 7);
  ck_assert_uint_eq(tf_record_debug_state(rec), 0);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "b"), &v), TF_OK);
  ck_assert_int_eq(v, 2);
  ck_assert_uint_eq(tf_record_debug_state(rec), TF_RECORD_HAS_INDEX);
  ck_assert_int_eq(json_integer_value(tf_record_get(rec, "b")), 2);
  ck_assert_str_eq(tf_builder_error(b), "");
  tf_record_unref(rec);
  tf_record_unref(src);
}
END_TEST

START_TEST(test_one_builder_many_records)
{
  for (int i = 0; i < 100; i++) {
    tf_record *rec;
    char want[64];

    tf_builder_begin_object(b);
    tf_builder_key(b, "i");
    tf_builder_int64(b, i);
    tf_builder_key(b, "pad");
    tf_builder_string(b, "0123456789012345678901234567890123456789");
    tf_builder_end_object(b);
    ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
    snprintf(want, sizeof(want), "{\"i\":%d,", i);
    ck_assert_int_eq(strncmp(tf_record_bytes(rec, NULL), want, strlen(want)),
                     0);
    ck_assert_ptr_null(tf_record_origin(rec).file);
    tf_record_unref(rec);
  }
}
END_TEST

START_TEST(test_big_records_grow_the_buffer)
{
  tf_record *rec;

  tf_builder_begin_object(b);
  for (int i = 0; i < 10000; i++) {
    char key[16];

    snprintf(key, sizeof(key), "k%d", i);
    tf_builder_key(b, key);
    tf_builder_begin_array(b);
    tf_builder_int64(b, i);
    tf_builder_end_array(b);
  }
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
  ck_assert_uint_eq(tf_value_count(tf_record_root(rec)), 10000);
  tf_record_unref(rec);
}
END_TEST

/* --- Misuse ------------------------------------------------------------ */

/* The code and message of finish after the calls a test made. */
static void finish_fails(int code, const char *message_part)
{
  tf_record *rec = (tf_record *)1;

  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), code);
  ck_assert_ptr_null(rec);
  ck_assert_msg(strstr(tf_builder_error(b), message_part) != NULL,
                "message \"%s\" lacks \"%s\"", tf_builder_error(b),
                message_part);
}

START_TEST(test_value_without_key)
{
  tf_builder_begin_object(b);
  ck_assert_int_eq(tf_builder_int64(b, 1), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "in an object where a key is due");
}
END_TEST

START_TEST(test_key_outside_object)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  tf_builder_begin_array(b);
  ck_assert_int_eq(tf_builder_key(b, "x"), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "a key outside an object");
  ck_assert_int_eq(tf_builder_key(b, "x"), TF_ERR_INVAL);
}
END_TEST

START_TEST(test_two_keys_in_a_row)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  ck_assert_int_eq(tf_builder_key(b, "b"), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "previous key's value is due");
}
END_TEST

START_TEST(test_misnested_ends)
{
  tf_builder_begin_object(b);
  ck_assert_int_eq(tf_builder_end_array(b), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "end_array while an object is open");
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  tf_builder_begin_array(b);
  ck_assert_int_eq(tf_builder_end_object(b), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "end_object while an array is open");
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  ck_assert_int_eq(tf_builder_end_object(b), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "while a key waits for its value");
  ck_assert_int_eq(tf_builder_end_object(b), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "end_object with nothing open");
}
END_TEST

START_TEST(test_record_must_be_one_object)
{
  ck_assert_int_eq(tf_builder_begin_array(b), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "a record is one object");
  ck_assert_int_eq(tf_builder_string(b, "x"), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "outside any object");
  tf_builder_begin_object(b);
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_begin_object(b), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "after the record's object was closed");
  finish_fails(TF_ERR_INVAL, "the record is empty");
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  tf_builder_begin_array(b);
  finish_fails(TF_ERR_INVAL, "2 container(s) still open");
}
END_TEST

START_TEST(test_duplicate_key_found_by_finish)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  tf_builder_int64(b, 1);
  tf_builder_key(b, "a");
  ck_assert_int_eq(tf_builder_int64(b, 2), TF_OK);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "duplicate key \"a\" in an object");
}
END_TEST

START_TEST(test_too_deep_found_by_finish)
{
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  for (int i = 0; i < 3000; i++)
    tf_builder_begin_array(b);
  for (int i = 0; i < 3000; i++)
    tf_builder_end_array(b);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "nesting deeper than 2048 levels");
}
END_TEST

/* The deepest nesting tf_record_parse takes (2048 levels, the top-level
 * object the first) is built; one value deeper is refused. */
START_TEST(test_nesting_limit_is_the_scanners)
{
  tf_record *rec, *again;
  const char *text;
  size_t len;

  for (int deeper = 0; deeper <= 1; deeper++) {
    tf_builder_begin_object(b);
    tf_builder_key(b, "a");
    for (int i = 0; i < 2047; i++)
      tf_builder_begin_array(b);
    if (deeper)
      tf_builder_int64(b, 1);
    for (int i = 0; i < 2047; i++)
      tf_builder_end_array(b);
    tf_builder_end_object(b);
    if (deeper) {
      finish_fails(TF_ERR_INVAL, "nesting deeper than 2048 levels");
      continue;
    }
    ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
    text = tf_record_bytes(rec, &len);
    ck_assert_uint_eq(len, 2 + 4 + 2 * 2047);
    again = tf_record_parse(text, len, NULL, NULL, 0);
    ck_assert_ptr_nonnull(again);
    tf_record_unref(again);
    tf_record_unref(rec);
  }
}
END_TEST

/* A container copied from another record brings its own depth: too deep
 * once inside ours. */
START_TEST(test_copied_container_too_deep_found_by_finish)
{
  char *text = malloc(2 * 2000 + 16);
  size_t n = 0;
  tf_record *src;

  ck_assert_ptr_nonnull(text);
  n += (size_t)sprintf(text, "{\"d\":");
  for (int i = 0; i < 2000; i++)
    text[n++] = '[';
  for (int i = 0; i < 2000; i++)
    text[n++] = ']';
  text[n++] = '}';
  src = tf_record_parse(text, n, NULL, NULL, 0);
  ck_assert_ptr_nonnull(src);
  tf_builder_begin_object(b);
  tf_builder_key(b, "x");
  for (int i = 0; i < 100; i++)
    tf_builder_begin_array(b);
  ck_assert_int_eq(tf_builder_value(b, tf_record_value(src, "d")), TF_OK);
  for (int i = 0; i < 100; i++)
    tf_builder_end_array(b);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "nesting deeper than 2048 levels");
  tf_record_unref(src);
  free(text);
}
END_TEST

static unsigned long rnd_state = 12345;

static unsigned rnd(unsigned n)
{
  rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
  return (unsigned)((rnd_state >> 33) % n);
}

/* Keys that escape differently or not at all; "a" and "a\"" etc. differ. */
static const char *const some_keys[] = {"a", "b",        "a\"",  "\\",
                                        "A", "\xc3\xa9", "\x01", "a b"};

/* Writes a random object into b, depth levels deep at most; returns 1
 * when some object of it has a key twice. */
static int random_object(int depth)
{
  const size_t nkeys = sizeof(some_keys) / sizeof(some_keys[0]);
  int used[sizeof(some_keys) / sizeof(some_keys[0])] = {0};
  unsigned members = rnd(5);
  int twice = 0;

  tf_builder_begin_object(b);
  for (unsigned i = 0; i < members; i++) {
    size_t k = rnd((unsigned)nkeys);

    twice |= used[k]++ > 0;
    tf_builder_key(b, some_keys[k]);
    switch (depth > 0 ? rnd(4) : 0) {
    case 0: tf_builder_string(b, some_keys[rnd((unsigned)nkeys)]); break;
    case 1: tf_builder_int64(b, (int64_t)rnd(1000) - 500); break;
    case 2:
      tf_builder_begin_array(b);
      for (unsigned j = rnd(3); j > 0; j--)
        twice |= random_object(depth - 1);
      tf_builder_end_array(b);
      break;
    default: twice |= random_object(depth - 1);
    }
  }
  tf_builder_end_object(b);
  return twice;
}

/* What finish accepts is exactly what tf_record_parse accepts: a key twice
 * in one object is refused, the same keys in other objects are not. */
START_TEST(test_finish_agrees_with_the_scanner)
{
  int refused = 0, accepted = 0;

  for (int i = 0; i < 3000; i++) {
    int twice = random_object(3);
    tf_record *rec = NULL, *again;
    const char *text;
    size_t len;
    int rc = tf_builder_finish(b, NULL, &rec);

    if (twice) {
      ck_assert_int_eq(rc, TF_ERR_INVAL);
      ck_assert_ptr_nonnull(strstr(tf_builder_error(b), "duplicate key"));
      refused++;
      continue;
    }
    ck_assert_msg(rc == TF_OK, "finish: %s", tf_builder_error(b));
    text = tf_record_bytes(rec, &len);
    again = tf_record_parse(text, len, NULL, NULL, 0);
    ck_assert_msg(again != NULL, "tf_record_parse refuses %s", text);
    tf_record_unref(again);
    tf_record_unref(rec);
    accepted++;
  }
  ck_assert_int_gt(refused, 300);
  ck_assert_int_gt(accepted, 300);
}
END_TEST

START_TEST(test_errors_stick_until_finish)
{
  tf_record *rec;

  tf_builder_begin_object(b);
  ck_assert_int_eq(tf_builder_null(b), TF_ERR_INVAL);
  ck_assert_int_eq(tf_builder_key(b, "a"), TF_ERR_INVAL);
  ck_assert_int_eq(tf_builder_int64(b, 1), TF_ERR_INVAL);
  ck_assert_int_eq(tf_builder_end_object(b), TF_ERR_INVAL);
  ck_assert_ptr_nonnull(strstr(tf_builder_error(b), "null in an object"));
  finish_fails(TF_ERR_INVAL, "null in an object");
  /* The builder is usable again. */
  tf_builder_begin_object(b);
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
  ck_assert_str_eq(tf_builder_error(b), "");
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_null_arguments)
{
  tf_builder_begin_object(b);
  ck_assert_int_eq(tf_builder_key(b, NULL), TF_ERR_INVAL);
  tf_builder_reset(b);
  tf_builder_begin_object(b);
  tf_builder_key(b, "a");
  ck_assert_int_eq(tf_builder_string(b, NULL), TF_ERR_INVAL);
  tf_builder_free(NULL);
}
END_TEST

/* --- The record's index comes from the builder's own tokens -------------- */

/* Appends to a growing description (a test's buffer). */
typedef struct desc {
  char buf[1 << 16];
  size_t len;
} desc;

static void say(desc *d, const char *s, size_t n)
{
  ck_assert_uint_lt(d->len + n, sizeof(d->buf));
  memcpy(d->buf + d->len, s, n);
  d->len += n;
}

static void sayf(desc *d, const char *fmt, long long n)
{
  char tmp[64];

  say(d, tmp, (size_t)snprintf(tmp, sizeof(tmp), fmt, n));
}

/* Writes everything the tf_value API says of v and its contents: types,
 * raw text, strings, numbers, counts, keys, iteration, lookups by key and
 * index.  Two records whose index differs in any token describe
 * differently. */
static void describe(desc *d, const tf_value *v)
{
  size_t n, i = 0;
  const char *p = tf_value_raw(v, &n);
  const tf_value *m;
  double x;
  int64_t k;

  sayf(d, "<%lld:", (long long)tf_value_type(v));
  say(d, p, n);
  sayf(d, ":%lld>", (long long)tf_value_count(v));
  if ((p = tf_value_string(v, &n)))
    say(d, p, n);
  if (tf_value_int64(v, &k) == TF_OK)
    sayf(d, "i%lld", (long long)k);
  if (tf_value_double(v, &x) == TF_OK)
    sayf(d, "d%lld", (long long)(x * 1000));
  for (m = tf_value_first(v); m; m = tf_value_next(m), i++) {
    if ((p = tf_value_key(m, &n))) {
      say(d, p, n);
      ck_assert_ptr_eq(tf_value_getn(v, p, n), m);
    } else {
      ck_assert_ptr_eq(tf_value_at(v, i), m);
    }
    describe(d, m);
  }
  ck_assert_uint_eq(i, tf_value_count(v));
}

/* The record b built is read exactly as the same text parsed. */
static void check_same_as_parsed(void)
{
  static desc built, parsed;
  tf_record *rec, *again;
  size_t len;
  const char *text;

  ck_assert_msg(tf_builder_finish(b, NULL, &rec) == TF_OK, "finish: %s",
                tf_builder_error(b));
  text = tf_record_bytes(rec, &len);
  again = tf_record_parse(text, len, NULL, NULL, 0);
  ck_assert_ptr_nonnull(again);
  built.len = parsed.len = 0;
  describe(&built, tf_record_root(rec));
  describe(&parsed, tf_record_root(again));
  ck_assert_uint_eq(built.len, parsed.len);
  ck_assert_msg(memcmp(built.buf, parsed.buf, built.len) == 0,
                "the built record reads otherwise than %s", text);
  tf_record_unref(again);
  tf_record_unref(rec);
}

START_TEST(test_built_index_reads_as_parsed)
{
  const char *text = "{\"s\":\"q\\\"\\u00e9\",\"o\":{\"a\":[1,{}]},\"t\":true}";
  tf_record *src = tf_record_parse(text, strlen(text), NULL, NULL, 0);

  tf_builder_begin_object(b);
  tf_builder_key(b, "k\"ey\n");
  tf_builder_stringn(b, "a\0b\x01\xc3\xa9\xe2\x82\xac\\", 10);
  tf_builder_key(b, "nest");
  tf_builder_begin_object(b);
  tf_builder_key(b, "empty_a");
  tf_builder_begin_array(b);
  tf_builder_end_array(b);
  tf_builder_key(b, "empty_o");
  tf_builder_begin_object(b);
  tf_builder_end_object(b);
  tf_builder_key(b, "list");
  tf_builder_begin_array(b);
  tf_builder_int64(b, INT64_MIN);
  tf_builder_double(b, 2.5);
  tf_builder_double(b, 1e300);
  tf_builder_double(b, 3.0);
  tf_builder_begin_array(b);
  tf_builder_null(b);
  tf_builder_end_array(b);
  tf_builder_bool(b, 0);
  tf_builder_value(b, tf_record_value(src, "s"));
  tf_builder_value(b, tf_record_value(src, "t"));
  tf_builder_end_array(b);
  tf_builder_end_object(b);
  tf_builder_key(b, "last");
  tf_builder_string(b, "");
  tf_builder_end_object(b);
  check_same_as_parsed();
  /* A copied container: the text is scanned instead, the same reading. */
  tf_builder_begin_object(b);
  tf_builder_key(b, "o");
  tf_builder_value(b, tf_record_value(src, "o"));
  tf_builder_key(b, "n");
  tf_builder_int64(b, 7);
  tf_builder_end_object(b);
  check_same_as_parsed();
  tf_record_unref(src);
}
END_TEST

/* A random value of at most `depth` more levels. */
static void random_value(unsigned *seed, int depth)
{
  static const char *const pieces[] = {"a",    "\"",       "\\",           "\n",
                                       "\x01", "\xc3\xa9", "\xe2\x82\xac", "/",
                                       " ",    "\x7f"};
  char key[16], str[64];
  size_t n = 0;
  int kind = rand_r(seed) % (depth > 0 ? 8 : 6), count = rand_r(seed) % 5;

  switch (kind) {
  case 0: tf_builder_null(b); break;
  case 1: tf_builder_bool(b, rand_r(seed) % 2); break;
  case 2: tf_builder_int64(b, (int64_t)rand_r(seed) - RAND_MAX / 2); break;
  case 3: tf_builder_double(b, (rand_r(seed) - RAND_MAX / 2) / 7.0); break;
  case 4:
  case 5:
    for (int i = rand_r(seed) % 6; i > 0; i--) {
      const char *p = pieces[rand_r(seed) % 10];

      memcpy(str + n, p, strlen(p));
      n += strlen(p);
    }
    tf_builder_stringn(b, str, n);
    break;
  case 6:
    tf_builder_begin_array(b);
    for (int i = 0; i < count; i++)
      random_value(seed, depth - 1);
    tf_builder_end_array(b);
    break;
  default:
    tf_builder_begin_object(b);
    for (int i = 0; i < count; i++) {
      snprintf(key, sizeof(key), "%s%d", i % 2 ? "k\\" : "k", i);
      tf_builder_key(b, key);
      random_value(seed, depth - 1);
    }
    tf_builder_end_object(b);
  }
}

START_TEST(test_random_built_records_read_as_parsed)
{
  unsigned seed = 2026;

  for (int r = 0; r < 500; r++) {
    tf_builder_begin_object(b);
    for (int i = 0; i < 1 + r % 7; i++) {
      char key[16];

      snprintf(key, sizeof(key), "m%d", i);
      tf_builder_key(b, key);
      random_value(&seed, 4);
    }
    tf_builder_end_object(b);
    check_same_as_parsed();
  }
}
END_TEST

/* --- Keys: plain ones on the fast path, TF_BUILDER_KEY ----------------- */

/* b's text for {key: 1} is jansson's, and its index reads as the same text
 * parsed.  The key (len bytes, no NUL) is given from a buffer of exactly
 * its size, so that reading past it is an ASan error. */
static void key_same_as_jansson(const char *key, size_t len)
{
  char *exact = malloc(len ? len : 1), *named = malloc(len + 1);
  json_t *obj = json_object();
  char *want;

  ck_assert_ptr_nonnull(exact);
  ck_assert_ptr_nonnull(named);
  memcpy(exact, key, len);
  memcpy(named, key, len);
  named[len] = '\0';
  json_object_set_new(obj, named, json_integer(1));
  want = json_dumps(obj, JSON_COMPACT);
  for (int round = 0; round < 2; round++) {
    tf_builder_begin_object(b);
    ck_assert_int_eq(tf_builder_keyn(b, exact, len), TF_OK);
    tf_builder_int64(b, 1);
    tf_builder_end_object(b);
    if (round == 0)
      ck_assert_str_eq(finish_text(), want);
    else
      check_same_as_parsed();
  }
  free(want);
  json_decref(obj);
  free(named);
  free(exact);
}

/* Keys of every length up to 20 (short ones are tested a word at a time,
 * longer ones 8 bytes at a time and through their last 8), plain, and with
 * a byte that is not plain at every position: each is written as jansson
 * writes it, on the fast path or escaped. */
START_TEST(test_keys_plain_or_not_write_as_jansson_does)
{
  static const char *const odd[] = {"\x01", "\x1f", "\"", "\\",
                                    "\x7f", "/",    " ",  "\xc3\xa9"};
  char key[24] = "";

  for (size_t len = 0; len <= 20; len++) {
    for (size_t i = 0; i < len; i++)
      key[i] = (char)('a' + i);
    key_same_as_jansson(key, len);
    for (size_t at = 0; at < len; at++)
      for (size_t o = 0; o < sizeof(odd) / sizeof(odd[0]); o++) {
        size_t n = strlen(odd[o]);

        if (at + n > len)
          continue;
        for (size_t i = 0; i < len; i++)
          key[i] = (char)('a' + i);
        memcpy(key + at, odd[o], n);
        key_same_as_jansson(key, len);
      }
  }
}
END_TEST

/* One object, its keys written with TF_BUILDER_KEY (macro) or with
 * tf_builder_key. */
static void build_keyed(int macro)
{
  tf_builder_begin_object(b);
  if (macro)
    TF_BUILDER_KEY(b, "email");
  else
    tf_builder_key(b, "email");
  tf_builder_null(b);
  if (macro)
    TF_BUILDER_KEY(b, "source_record_id");
  else
    tf_builder_key(b, "source_record_id");
  tf_builder_int64(b, 1);
  if (macro)
    TF_BUILDER_KEY(b, "");
  else
    tf_builder_key(b, "");
  tf_builder_bool(b, 1);
  if (macro)
    TF_BUILDER_KEY(b, "q\"b\\"); /* not plain: escaped */
  else
    tf_builder_key(b, "q\"b\\");
  tf_builder_begin_object(b);
  if (macro)
    TF_BUILDER_KEY(b, "email"); /* another object: not a duplicate */
  else
    tf_builder_key(b, "email");
  tf_builder_string(b, "x");
  tf_builder_end_object(b);
  tf_builder_end_object(b);
}

START_TEST(test_key_macro_writes_what_key_writes)
{
  static const char want[] = "{\"email\":null,\"source_record_id\":1,\"\":true,"
                             "\"q\\\"b\\\\\":{\"email\":\"x\"}}";

  for (int macro = 0; macro < 2; macro++) {
    build_keyed(macro);
    ck_assert_str_eq(finish_text(), want);
    build_keyed(macro); /* the same tokens: read as the text parsed */
    check_same_as_parsed();
  }
  /* A literal's NUL is counted (sizeof - 1): refused, where tf_builder_key
   * would stop at it. */
  tf_builder_begin_object(b);
  ck_assert_int_eq(TF_BUILDER_KEY(b, "a\0b"), TF_ERR_INVAL);
  finish_fails(TF_ERR_INVAL, "NUL");
}
END_TEST

/* The key `i` of an object of many ("k00" ...) into buf. */
static const char *nth_key(char buf[8], int i)
{
  snprintf(buf, 8, "k%02d", i);
  return buf;
}

START_TEST(test_duplicate_keys_of_both_kinds_found)
{
  char buf[8];

  /* The macro's key, then tf_builder_key's, and the other way round. */
  tf_builder_begin_object(b);
  TF_BUILDER_KEY(b, "a");
  tf_builder_int64(b, 1);
  tf_builder_key(b, "a");
  tf_builder_int64(b, 2);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "duplicate key \"a\"");
  tf_builder_begin_object(b);
  tf_builder_keyn(b, "email", 5);
  tf_builder_null(b);
  TF_BUILDER_KEY(b, "email");
  tf_builder_null(b);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "duplicate key \"email\"");
  /* Keys escaped (not plain) twice. */
  tf_builder_begin_object(b);
  tf_builder_key(b, "\xc3\xa9");
  tf_builder_null(b);
  TF_BUILDER_KEY(b, "\xc3\xa9");
  tf_builder_null(b);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "duplicate key");
  /* Keys alike in length, first and last byte (one tag) are not the same
   * key. */
  tf_builder_begin_object(b);
  TF_BUILDER_KEY(b, "axb");
  tf_builder_null(b);
  TF_BUILDER_KEY(b, "ayb");
  tf_builder_null(b);
  tf_builder_key(b, "azb");
  tf_builder_null(b);
  tf_builder_end_object(b);
  ck_assert_str_eq(finish_text(), "{\"axb\":null,\"ayb\":null,\"azb\":null}");
  /* In an object past the linear limit (a hash table): found, and a new
   * key is not taken for one. */
  for (int dup = 0; dup < 2; dup++) {
    tf_builder_begin_object(b);
    for (int i = 0; i < 30; i++) {
      tf_builder_key(b, nth_key(buf, i));
      tf_builder_int64(b, i);
    }
    if (dup)
      TF_BUILDER_KEY(b, "k07");
    else
      TF_BUILDER_KEY(b, "k30");
    tf_builder_null(b);
    tf_builder_end_object(b);
    if (dup) {
      finish_fails(TF_ERR_INVAL, "duplicate key \"k07\"");
    } else {
      tf_record *rec;

      ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
      ck_assert_int_eq(tf_value_type(tf_record_value(rec, "k30")),
                       TF_TYPE_NULL);
      tf_record_unref(rec);
    }
  }
  /* A key whose tag was seen is compared with the object's keys across
   * values that are containers (found through their tokens): the same
   * key is refused, a key of an inner object or of one tag is not. */
  for (int dup = 0; dup < 2; dup++) {
    tf_builder_begin_object(b);
    TF_BUILDER_KEY(b, "axb");
    tf_builder_begin_array(b);
    tf_builder_begin_object(b);
    TF_BUILDER_KEY(b, "ayb");
    tf_builder_null(b);
    tf_builder_end_object(b);
    tf_builder_end_array(b);
    TF_BUILDER_KEY(b, "a1b");
    tf_builder_begin_object(b);
    TF_BUILDER_KEY(b, "axb");
    tf_builder_int64(b, 1);
    tf_builder_end_object(b);
    tf_builder_key(b, dup ? "axb" : "ayb");
    tf_builder_null(b);
    tf_builder_end_object(b);
    if (dup)
      finish_fails(TF_ERR_INVAL, "duplicate key \"axb\"");
    else
      ck_assert_str_eq(finish_text(), "{\"axb\":[{\"ayb\":null}],\"a1b\":"
                                      "{\"axb\":1},\"ayb\":null}");
  }
  /* An object past the limit inside another one past it: each keeps its
   * own keys; the outer one's keys written before and after the inner
   * one are still told apart. */
  for (int dup = 0; dup < 3; dup++) {
    tf_record *rec;

    tf_builder_begin_object(b);
    for (int i = 0; i < 26; i++) {
      tf_builder_key(b, nth_key(buf, i));
      tf_builder_int64(b, i);
    }
    TF_BUILDER_KEY(b, "inner");
    tf_builder_begin_object(b);
    for (int i = 0; i < 40; i++) {
      tf_builder_key(b, nth_key(buf, i));
      tf_builder_int64(b, -i);
    }
    if (dup == 2)
      TF_BUILDER_KEY(b, "k39");
    else
      TF_BUILDER_KEY(b, "k40");
    tf_builder_null(b);
    tf_builder_end_object(b);
    for (int i = 26; i < 30; i++) {
      tf_builder_key(b, nth_key(buf, i));
      tf_builder_int64(b, i);
    }
    tf_builder_key(b, dup == 1 ? "k03" : "k99");
    tf_builder_bool(b, 1);
    tf_builder_end_object(b);
    if (dup) {
      finish_fails(TF_ERR_INVAL, dup == 1 ? "duplicate key \"k03\""
                                          : "duplicate key \"k39\"");
      continue;
    }
    ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
    ck_assert_int_eq(tf_value_type(tf_record_value(rec, "k99")), TF_TYPE_BOOL);
    ck_assert_int_eq(
        tf_value_type(tf_value_get(tf_record_value(rec, "inner"), "k40")),
        TF_TYPE_NULL);
    tf_record_unref(rec);
  }
  /* An inner object's key twice, each also a key of the outer object. */
  tf_builder_begin_object(b);
  TF_BUILDER_KEY(b, "b");
  tf_builder_begin_object(b);
  TF_BUILDER_KEY(b, "b");
  tf_builder_null(b);
  TF_BUILDER_KEY(b, "b");
  tf_builder_null(b);
  tf_builder_end_object(b);
  tf_builder_end_object(b);
  finish_fails(TF_ERR_INVAL, "duplicate key \"b\"");
}
END_TEST

static Suite *builder_suite(void)
{
  Suite *s = suite_create("builder");
  TCase *tc = tcase_create("builder");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_builds_compact_json);
  tcase_add_test(tc, test_empty_object);
  tcase_add_test(tc, test_integers);
  tcase_add_test(tc, test_doubles_shortest_round_trip);
  tcase_add_test(tc, test_doubles_read_back_exactly);
  tcase_add_test(tc, test_nan_and_infinity_are_refused);
  tcase_add_test(tc, test_every_ascii_byte_escapes_as_jansson_does);
  tcase_add_test(tc, test_special_byte_at_every_offset);
  tcase_add_test(tc, test_random_strings_round_trip);
  tcase_add_test(tc, test_invalid_utf8_is_refused);
  tcase_add_test(tc, test_keys_are_escaped);
  tcase_add_test(tc, test_copies_values_as_they_stand);
  tcase_add_test(tc, test_copies_from_a_tree_record);
  tcase_add_test(tc, test_copying_absent_or_invalid_is_refused);
  tcase_add_test(tc, test_finish_keeps_origin_and_is_lazy);
  tcase_add_test(tc, test_one_builder_many_records);
  tcase_add_test(tc, test_big_records_grow_the_buffer);
  tcase_add_test(tc, test_value_without_key);
  tcase_add_test(tc, test_key_outside_object);
  tcase_add_test(tc, test_two_keys_in_a_row);
  tcase_add_test(tc, test_misnested_ends);
  tcase_add_test(tc, test_record_must_be_one_object);
  tcase_add_test(tc, test_duplicate_key_found_by_finish);
  tcase_add_test(tc, test_too_deep_found_by_finish);
  tcase_add_test(tc, test_nesting_limit_is_the_scanners);
  tcase_add_test(tc, test_copied_container_too_deep_found_by_finish);
  tcase_add_test(tc, test_finish_agrees_with_the_scanner);
  tcase_add_test(tc, test_errors_stick_until_finish);
  tcase_add_test(tc, test_null_arguments);
  tcase_add_test(tc, test_built_index_reads_as_parsed);
  tcase_add_test(tc, test_random_built_records_read_as_parsed);
  tcase_add_test(tc, test_keys_plain_or_not_write_as_jansson_does);
  tcase_add_test(tc, test_key_macro_writes_what_key_writes);
  tcase_add_test(tc, test_duplicate_keys_of_both_kinds_found);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(builder_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
