/*
 * test_json_scan.c - the strict JSON scanner (sdk/lib/json_scan.c) and the
 * messages tf_record_parse gives with it: a corpus of valid and invalid
 * documents (the JSONTestSuite kind of edge cases: UTF-8, surrogates,
 * numbers, nesting, duplicate keys, trailing text, byte order marks), the
 * column and wording of errors, the token index, and the promise the lazy
 * records rest on: the scanner accepts exactly what jansson's json_loadb
 * (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL) accepts as an object, on the
 * corpus and on many random mutations of it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <touchflow/record.h>

#include "json_scan.h"

/* --- Helpers ----------------------------------------------------------- */

/* The scanner's verdict on text, which must be the same whether it
 * writes tokens (keys are then compared through them) or not. */
static tf__scan_result scan(const char *text, size_t len)
{
  tf__json_tokens toks;
  tf__scan_result with_tokens, without;

  tf__json_tokens_init(&toks);
  with_tokens = tf__json_scan(text, len, 0, &toks, NULL);
  tf__json_tokens_free(&toks);
  without = tf__json_scan(text, len, 0, NULL, NULL);
  ck_assert_msg(with_tokens == without,
                "verdict %d with tokens, %d without: %.*s", with_tokens,
                without, (int)len, text);
  return without;
}

/* What jansson says of text: OK for an object, NOT_OBJECT for other JSON,
 * SYNTAX otherwise (UTF-8 problems included). */
static tf__scan_result jansson_verdict(const char *text, size_t len)
{
  json_t *v = json_loadb(
      text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
      NULL);
  tf__scan_result r;

  if (!v)
    return TF__SCAN_SYNTAX;
  r = json_is_object(v) ? TF__SCAN_OK : TF__SCAN_NOT_OBJECT;
  json_decref(v);
  return r;
}

/* Whether the scanner and jansson agree on text; UTF-8 and syntax errors
 * count as the same verdict (jansson reports some either way). */
static int agree(const char *text, size_t len)
{
  tf__scan_result mine = scan(text, len), theirs = jansson_verdict(text, len);

  if (mine == TF__SCAN_UTF8)
    mine = TF__SCAN_SYNTAX;
  return mine == theirs;
}

static void accepted(const char *text)
{
  ck_assert_msg(scan(text, strlen(text)) == TF__SCAN_OK, "refused: %s", text);
  ck_assert_msg(agree(text, strlen(text)), "jansson disagrees on %s", text);
}

static void refused_n(const char *text, size_t len)
{
  ck_assert_msg(scan(text, len) != TF__SCAN_OK, "accepted: %.*s", (int)len,
                text);
  ck_assert_msg(agree(text, len), "jansson disagrees on %.*s", (int)len, text);
}

static void refused(const char *text)
{
  refused_n(text, strlen(text));
}

/* tf_record_parse's message for text. */
static const char *message_of(const char *text, size_t len)
{
  static char err[256];
  tf_record *rec = tf_record_parse(text, len, NULL, err, sizeof(err));

  ck_assert_msg(rec == NULL, "accepted: %s", text);
  return err;
}

static void says(const char *text, const char *want)
{
  ck_assert_str_eq(message_of(text, strlen(text)), want);
}

/* --- Valid documents --------------------------------------------------- */

START_TEST(test_valid_documents)
{
  static const char *const docs[] = {
      "{}",
      " \t\r\n{ \t\r\n} \t\r\n",
      "{\"a\":1}",
      "{\"a\":[1,2,{\"b\":null}],\"c\":{\"d\":[]}}",
      "{\"\":\"\"}",
      "{\"t\":true,\"f\":false,\"n\":null}",
      "{\"n\":[0,-0,1,-1,0.5,-0.5,1e5,1E5,1e+5,1e-5,1.5e-5,-0.0e0]}",
      "{\"i\":[9223372036854775807,-9223372036854775808]}",
      "{\"d\":[1e308,1.7976931348623157e308,-1e308,1e-400,0e99999999]}",
      "{\"d\":0.000000000000000000000000000001e330}",
      "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
      "{\"s\":\"\\u0041\\u00e9\\u20AC\\uD83D\\uDE00\\uDBFF\\uDFFF\"}",
      "{\"s\":\"a\\u0000b\"}",
      "{\"s\":\"\x7f\"}",
      "{\"s\":\"\xc2\x80\xc2\x9f\xc2\xa0\"}",
      "{\"s\":\"\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf\"}",
      "{\"caf\xc3\xa9\":1,\"cafe\\u0301\":2}",
      "{\"a\":{\"a\":{\"a\":1}}}",
      "{\"a\":1,\"b\":{\"a\":2}}",
      "{\"/\":1,\"\\/x\":2}",
  };

  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    accepted(docs[i]);
}
END_TEST

/* --- Invalid documents ------------------------------------------------- */

START_TEST(test_invalid_structure)
{
  static const char *const docs[] = {
      "",
      " ",
      "{",
      "}",
      "{\"a\"}",
      "{\"a\":}",
      "{\"a\" 1}",
      "{\"a\":1,}",
      "{,}",
      "{\"a\":1 \"b\":2}",
      "{1:2}",
      "{a:1}",
      "{'a':1}",
      "[1,]",
      "[,1]",
      "{\"a\":[1 2]}",
      "{\"a\":1}}",
      "{\"a\":1}x",
      "{\"a\":1} {}",
      "{}[]",
      "{\"a\":tru}",
      "{\"a\":truee}",
      "{\"a\":True}",
      "{\"a\":nul}",
      "{\"a\":undefined}",
      "{\"a\":NaN}",
      "{\"a\":Infinity}",
      "{\"a\":\"x}",
      "{\"a\":\"\\",
      "{\"a\":1}\x0c",
      "{\"a\":1}/* c */",
      "/**/{}",
  };

  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    refused(docs[i]);
  refused_n("{\"a\":1}\0", 8);
  refused_n("{\"a\":\"\0\"}", 8);
  refused_n("\0{}", 3);
}
END_TEST

START_TEST(test_invalid_numbers)
{
  static const char *const docs[] = {
      "{\"n\":01}",
      "{\"n\":-01}",
      "{\"n\":00}",
      "{\"n\":1.}",
      "{\"n\":.5}",
      "{\"n\":-}",
      "{\"n\":-a}",
      "{\"n\":+1}",
      "{\"n\":1e}",
      "{\"n\":1e+}",
      "{\"n\":1.e5}",
      "{\"n\":0x10}",
      "{\"n\":1.5.5}",
      "{\"n\":--1}",
      "{\"n\":1 2}",
      "{\"n\":1e5.5}",
      "{\"n\":9223372036854775808}",
      "{\"n\":-9223372036854775809}",
      "{\"n\":99999999999999999999999}",
      "{\"n\":1e309}",
      "{\"n\":-1e309}",
      "{\"n\":1.7976931348623159e308}",
      "{\"n\":1e99999999999999999999}",
  };
  char big[600];

  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    refused(docs[i]);
  /* 400 digits with a fraction: a double beyond DBL_MAX. */
  snprintf(big, sizeof(big), "{\"n\":%0400d.5}", 1);
  big[5] = '9';
  refused(big);
  big[5] = '0';
  refused(big); /* leading zero */
}
END_TEST

START_TEST(test_invalid_strings)
{
  static const char *const docs[] = {
      "{\"s\":\"\\x41\"}",
      "{\"s\":\"\\a\"}",
      "{\"s\":\"\\'\"}",
      "{\"s\":\"\\u12\"}",
      "{\"s\":\"\\u12g4\"}",
      "{\"s\":\"\\U0041\"}",
      "{\"s\":\"\\uD800\"}",
      "{\"s\":\"\\uDC00\"}",
      "{\"s\":\"\\uD800x\"}",
      "{\"s\":\"\\uD800\\n\"}",
      "{\"s\":\"\\uD800\\u0041\"}",
      "{\"s\":\"\\uD800\\uD800\"}",
      "{\"s\":\"\\uDFFF\\uD800\"}",
      "{\"a\\u0000\":1}",
      "{\"s\":\"tab\there\"}",
      "{\"s\":\"new\nline\"}",
      "{\"s\":\"\x01\"}",
      "{\"s\":\"\x1f\"}",
      "{\"s\":\"a\\\"}",
  };

  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    refused(docs[i]);
}
END_TEST

START_TEST(test_invalid_utf8)
{
  static const char *const docs[] = {
      "{\"s\":\"\x80\"}",                     /* stray continuation */
      "{\"s\":\"\x9f\"}",                     /* C1 range as raw bytes */
      "{\"s\":\"\xbf\"}",                     /* stray continuation */
      "{\"s\":\"\xc0\x80\"}",                 /* overlong NUL */
      "{\"s\":\"\xc1\xbf\"}",                 /* overlong */
      "{\"s\":\"\xe0\x80\x80\"}",             /* overlong, 3 bytes */
      "{\"s\":\"\xe0\x9f\xbf\"}",             /* overlong U+07FF */
      "{\"s\":\"\xf0\x80\x80\x80\"}",         /* overlong, 4 bytes */
      "{\"s\":\"\xf0\x8f\xbf\xbf\"}",         /* overlong U+FFFF */
      "{\"s\":\"\xed\xa0\x80\"}",             /* surrogate U+D800 */
      "{\"s\":\"\xed\xbf\xbf\"}",             /* surrogate U+DFFF */
      "{\"s\":\"\xf4\x90\x80\x80\"}",         /* U+110000 */
      "{\"s\":\"\xf5\x80\x80\x80\"}",         /* F5 */
      "{\"s\":\"\xff\"}",                     /* FF */
      "{\"s\":\"\xe2\x82\"}",                 /* cut short */
      "{\"s\":\"\xe2\x82",                    /* cut short at the end */
      "{\"s\":\"\xc3\x28\"}",                 /* lead then ASCII */
      "{\"\xff\":1}",                         /* in a key */
      "{\"a\":1}\xff",                        /* after the object */
      "{\"a\"\xff:1}",                        /* between tokens */
      "\xef\xbb\xbf{}",                       /* byte order mark */
      "{\"a\":\"\xef\xbb\xbf\"}\xef\xbb\xbf", /* BOM after */
  };

  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    refused(docs[i]);
  /* A BOM inside a string is just U+FEFF. */
  accepted("{\"a\":\"\xef\xbb\xbf\"}");
}
END_TEST

START_TEST(test_not_an_object)
{
  static const char *const docs[] = {"[]",   "[1,2]", "42",    "\"s\"",
                                     "true", "null",  " [{}] "};

  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
    ck_assert_int_eq(scan(docs[i], strlen(docs[i])), TF__SCAN_NOT_OBJECT);
    says(docs[i], "not a JSON object");
  }
  /* Broken JSON of another type is a syntax error, not "not an object". */
  ck_assert_int_eq(scan("[1,", 3), TF__SCAN_SYNTAX);
}
END_TEST

/* --- Nesting ----------------------------------------------------------- */

/* An object holding `arrays` nested arrays, with `inner` in the deepest. */
static char *nested(size_t arrays, const char *inner)
{
  size_t n = arrays * 2 + strlen(inner) + 8;
  char *s = malloc(n), *p = s;

  ck_assert_ptr_nonnull(s);
  p += sprintf(p, "{\"a\":");
  for (size_t i = 0; i < arrays; i++)
    *p++ = '[';
  p += sprintf(p, "%s", inner);
  for (size_t i = 0; i < arrays; i++)
    *p++ = ']';
  sprintf(p, "}");
  return s;
}

START_TEST(test_nesting_limit_is_jansson_s)
{
  /* The object is level 1; 2047 arrays reach level 2048. */
  char *ok_empty = nested(2047, ""), *ok_value = nested(2046, "1");
  char *deep_empty = nested(2048, ""), *deep_value = nested(2047, "1");

  accepted(ok_empty);
  accepted(ok_value);
  refused(deep_empty);
  refused(deep_value);
  ck_assert_ptr_nonnull(strstr(message_of(deep_value, strlen(deep_value)),
                               "nesting deeper than 2048 levels"));
  free(ok_empty);
  free(ok_value);
  free(deep_empty);
  free(deep_value);
}
END_TEST

START_TEST(test_very_deep_input_costs_no_stack)
{
  char *deep = nested(1000000, "");

  refused(deep);
  free(deep);
}
END_TEST

/* --- Duplicate keys ---------------------------------------------------- */

START_TEST(test_duplicate_keys)
{
  refused("{\"a\":1,\"a\":2}");
  refused("{\"a\":1,\"b\":2,\"a\":3}");
  refused("{\"a\":1,\"\\u0061\":2}");
  refused("{\"\\u0061\":1,\"a\":2}");         /* escaped first, then plain */
  refused("{\"axb\":1,\"ayb\":2,\"axb\":3}"); /* past a same-tag key */
  refused("{\"\\u00e9\":1,\"\xc3\xa9\":2}");
  refused("{\"\\n\":1,\"\\u000a\":2}");
  refused("{\"x\":{\"a\":1,\"a\":2}}");
  refused("{\"x\":[{\"a\":1,\"a\":2}]}");
  refused("{\"\":1,\"\":2}");
  /* Keys of one tag (length, first and last byte) across values that
   * are containers, and escaped keys after plain ones of that tag. */
  refused("{\"axb\":[1,{\"axb\":2}],\"ayb\":{\"q\":[]},\"axb\":3}");
  accepted("{\"axb\":[1,{\"axb\":2}],\"ayb\":{\"q\":[]},\"azb\":3}");
  refused("{\"axb\":1,\"ayb\":2,\"a\\u0078b\":3}");
  accepted("{\"axb\":1,\"ayb\":2,\"a\\u0077b\":3,\"awb\\n\":4}");
  refused("{\"axb\":1,\"a\\u0077b\":3,\"awb\":4}");
  accepted("{\"a\":1,\"A\":2,\"a \":3,\"ab\":4}");
  accepted("{\"a\":{\"a\":1},\"b\":{\"a\":1},\"c\":[{\"a\":1},{\"a\":2}]}");
  says("{\"id\":1,\"name\":\"x\",\"id\":2}",
       "invalid JSON at column 20: duplicate key \"id\" in an object");
}
END_TEST

/* An object of n keys "k0".."k(n-1)", then `extra` ("" or a member). */
static char *many_keys(size_t n, const char *extra)
{
  size_t cap = n * 24 + strlen(extra) + 8, len = 1;
  char *s = malloc(cap);

  ck_assert_ptr_nonnull(s);
  s[0] = '{';
  for (size_t i = 0; i < n; i++)
    len += (size_t)sprintf(s + len, "%s\"k%zu\":%zu", i ? "," : "", i, i);
  sprintf(s + len, "%s}", extra);
  return s;
}

START_TEST(test_duplicates_in_large_objects)
{
  char *unique = many_keys(1000, ",\"k1000\":0");
  char *dup_last = many_keys(1000, ",\"k999\":0");
  char *dup_first = many_keys(1000, ",\"k0\":0");
  char *dup_escaped = many_keys(1000, ",\"\\u006b500\":0");

  accepted(unique);
  refused(dup_last);
  refused(dup_first);
  refused(dup_escaped);
  /* Around the 24 keys compared through their tokens: a key twice just
   * before, at and after the keys move into the key set. */
  for (size_t n = 20; n <= 28; n++) {
    char extra[32];

    for (size_t k = 0; k < n; k += 3) {
      snprintf(extra, sizeof(extra), ",\"k%zu\":[{\"k%zu\":1}]", k, k);
      free(dup_last);
      dup_last = many_keys(n, extra);
      refused(dup_last);
    }
    snprintf(extra, sizeof(extra), ",\"k%zu\":{\"k0\":1}", n);
    free(dup_last);
    dup_last = many_keys(n, extra);
    accepted(dup_last);
  }
  free(unique);
  free(dup_last);
  free(dup_first);
  free(dup_escaped);
}
END_TEST

/* --- Messages ---------------------------------------------------------- */

START_TEST(test_messages_say_where_and_what)
{
  says("{\"biz_uid\": \"x\", \"url\": ",
       "invalid JSON at column 25: expected a value, found the end of the "
       "input");
  says("{\"a\" 1}", "invalid JSON at column 6: expected ':' after the key, "
                    "found '1'");
  says("{\"a\":1,}", "invalid JSON at column 8: expected a key (a string), "
                     "found '}'");
  says("{\"a\":1 \"b\":2}",
       "invalid JSON at column 8: expected ',' or '}', found '\"'");
  says("{\"a\":[1 2]}",
       "invalid JSON at column 9: expected ',' or ']', found '2'");
  says("{\"a\":tru}",
       "invalid JSON at column 6: expected a value, found 'tru'");
  says("{\"a\":1}x", "invalid JSON at column 8: expected the end after the "
                     "object, found 'x'");
  says("", "invalid JSON at column 1: expected a JSON object, found the end "
           "of the input");
  says("\xef\xbb\xbf{}", "invalid JSON at column 1: expected a JSON object, "
                         "found a byte order mark (U+FEFF)");
  says("{\"n\":01}", "invalid JSON at column 7: invalid number '0': expected "
                     "'.', 'e' or the end of the number (no leading zeros), "
                     "found '1'");
  says("{\"n\":-\xff}", "invalid JSON at column 7: invalid number '-': "
                        "expected a digit, found byte 0xff (not UTF-8)");
  says("{\"n\":1.}", "invalid JSON at column 8: invalid number '1.': expected "
                     "a digit after '.', found '}'");
  says("{\"n\":9223372036854775808}",
       "invalid JSON at column 6: integer 9223372036854775808 is out of range "
       "(-2^63 to 2^63-1)");
  says("{\"n\":1e400}",
       "invalid JSON at column 6: number 1e400 is too large for a double");
  says("{\"s\":\"a\\qb\"}",
       "invalid JSON at column 8: invalid escape: a backslash followed by "
       "'q' (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
  says("{\"s\":\"\\uD83Dx\"}",
       "invalid JSON at column 7: unpaired surrogate '\\uD83D' (a high "
       "surrogate must be followed by a low one, \\uDC00 to \\uDFFF)");
  says("{\"s\":\"a\tb\"}", "invalid JSON at column 8: control character 0x09 "
                           "in a string (write it as an escape, \\u0009)");
  says("{\"s\":\"x", "invalid JSON at column 8: expected '\"' to end the "
                     "string, found the end of the input");
  says("{\"k\\u0000\":1}", "invalid JSON at column 4: '\\u0000' in an object "
                           "key (keys cannot hold NUL)");
}
END_TEST

START_TEST(test_utf8_messages_count_characters)
{
  /* Columns count characters, not bytes: "é€" are 2 columns. */
  says("{\"\xc3\xa9\xe2\x82\xac\":\xff}",
       "invalid JSON at column 7: invalid UTF-8: a byte that starts no "
       "character (byte 0xff)");
  says("{\"s\":\"\xc0\xaf\"}", "invalid JSON at column 7: invalid UTF-8: an "
                               "overlong encoding (byte 0xc0)");
  says("{\"s\":\"\xed\xa0\x80\"}", "invalid JSON at column 7: invalid UTF-8: "
                                   "an encoded UTF-16 surrogate (byte 0xed)");
  says("{\"s\":\"\xe2\x82\"}", "invalid JSON at column 7: invalid UTF-8: a "
                               "character cut short (byte 0xe2)");
  says("{\"s\":\"\xf4\x90\x80\x80\"}",
       "invalid JSON at column 7: invalid UTF-8: a code point beyond "
       "U+10FFFF (byte 0xf4)");
}
END_TEST

START_TEST(test_messages_on_several_lines)
{
  says("{\"a\":1,\n \"b\" 2}",
       "invalid JSON at line 2, column 6: expected ':' after the key, found "
       "'2'");
}
END_TEST

/* --- Tokens ------------------------------------------------------------ */

START_TEST(test_token_index)
{
  static const char text[] = "{\"a\": [1, \"x\\n\"], \"b\": {}}";
  tf__json_tokens t;
  const struct tf_value *v;

  tf__json_tokens_init(&t);
  ck_assert_int_eq(tf__json_scan(text, strlen(text), 0, &t, NULL), TF__SCAN_OK);
  ck_assert_uint_eq(t.n, 7);
  v = t.v;
  ck_assert_int_eq(v[0].type, TF_TYPE_OBJECT);
  ck_assert_uint_eq(v[0].count, 2);
  ck_assert_uint_eq(v[0].end, 7);
  ck_assert_uint_eq(v[0].len, strlen(text));
  ck_assert_int_eq(v[1].type, TF__TOKEN_KEY);
  ck_assert_int_eq(v[2].type, TF_TYPE_ARRAY);
  ck_assert_uint_eq(v[2].count, 2);
  ck_assert_uint_eq(v[2].end, 5);
  ck_assert_int_eq(memcmp(text + v[2].start, "[1, \"x\\n\"]", v[2].len), 0);
  ck_assert_int_eq(v[3].type, TF_TYPE_INTEGER);
  ck_assert_int_eq(v[4].type, TF_TYPE_STRING);
  ck_assert_int_eq(v[4].flags, TF__TOKEN_ESCAPED | TF__TOKEN_LAST);
  ck_assert_int_eq(v[3].flags, 0);
  ck_assert_int_eq(v[5].type, TF__TOKEN_KEY);
  ck_assert_int_eq(v[6].type, TF_TYPE_OBJECT);
  ck_assert_int_eq(v[6].flags, TF__TOKEN_LAST);
  ck_assert_uint_eq(v[6].count, 0);
  for (size_t i = 0; i < t.n; i++)
    ck_assert_uint_eq(v[i].self, i);
  tf__json_tokens_free(&t);
}
END_TEST

START_TEST(test_many_tokens_grow_to_the_heap)
{
  char *big = many_keys(5000, "");
  tf__json_tokens t;

  tf__json_tokens_init(&t);
  ck_assert_int_eq(tf__json_scan(big, strlen(big), 0, &t, NULL), TF__SCAN_OK);
  ck_assert_uint_eq(t.n, 10001);
  ck_assert_uint_eq(t.v[0].count, 5000);
  tf__json_tokens_free(&t);
  free(big);
}
END_TEST

/* --- Agreement with jansson on random mutations ------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned next_rand(unsigned n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* Bytes that matter to a JSON scanner. */
static const char interesting[] = "{}[]:,\"\\/ \t\r\n0123456789-+.eEtrufalsn"
                                  "u\x01\x1f\x7f\x80\xbf\xc0\xc2\xe0\xed\xef"
                                  "\xf0\xf4\xf5\xff";

static size_t mutate(char *buf, size_t len, size_t cap)
{
  unsigned pos = len ? next_rand((unsigned)len) : 0;
  char c = interesting[next_rand(sizeof(interesting) - 1)];

  switch (next_rand(3)) {
  case 0:
    if (len > 0)
      buf[pos] = c;
    return len;
  case 1:
    if (len + 1 >= cap)
      return len;
    memmove(buf + pos + 1, buf + pos, len - pos);
    buf[pos] = c;
    return len + 1;
  default:
    if (len == 0)
      return 0;
    memmove(buf + pos, buf + pos + 1, len - pos - 1);
    return len - 1;
  }
}

START_TEST(test_agrees_with_jansson_on_mutations)
{
  static const char *const seeds[] = {
      "{\"biz_uid\":\"bdd640fb06671ad11c80317fa3b1799d\",\"ts\":\"2026-03-01T"
      "00:00:00Z\",\"url\":\"https://www.example.com/demo\",\"referrer\":null,"
      "\"event\":\"page_view\"}",
      "{\"a\": [1, -2.5e3, true, false, null, {\"b\": \"\\u00e9\\n\"}], "
      "\"c\": {\"d\": \"\xe2\x82\xac\\uD83D\\uDE00\"}}",
      "{\"n\": [0, 9223372036854775807, 1e308, 0.5], \"k\": {\"a\": 1, "
      "\"b\": 2}}",
  };
  char buf[512];
  size_t len;
  unsigned disagreements = 0;

  for (int round = 0; round < 60000; round++) {
    const char *seed = seeds[round % 3];

    len = strlen(seed);
    memcpy(buf, seed, len);
    for (unsigned m = 1 + next_rand(4); m > 0; m--)
      len = mutate(buf, len, sizeof(buf));
    if (!agree(buf, len)) {
      disagreements++;
      fprintf(stderr, "disagree (scanner %d): %.*s\n", scan(buf, len), (int)len,
              buf);
    }
  }
  ck_assert_uint_eq(disagreements, 0);
}
END_TEST

/* Strings are scanned 16 and 8 bytes at a time (json_string.h): in a
 * key and in a value of every length to 48, a byte of each kind at every
 * offset gets jansson's verdict, and a control byte or invalid UTF-8 is
 * found exactly where it is. */
START_TEST(test_every_byte_kind_at_every_offset)
{
  static const char *const kinds[] = {
      "\x01", "\x1f", "\x7f", "\"", "\\",       "\\q",
      "\x80", "\xff", "\xc3", "/",  "\xc3\xa9", "\xe2\x82\xac"};
  char buf[128], text[64];
  tf__scan_error why;

  for (int as_key = 0; as_key < 2; as_key++) {
    for (size_t len = 0; len <= 48; len++) {
      for (size_t at = 0; at <= len; at++) {
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
          size_t n = strlen(kinds[k]), total, bad;
          int wrote;

          if (at + n > len)
            continue;
          for (size_t i = 0; i < len; i++)
            text[i] = (char)('a' + i % 26);
          memcpy(text + at, kinds[k], n);
          wrote = as_key ? snprintf(buf, sizeof(buf), "{\"%.*s\":1}", (int)len,
                                    text)
                         : snprintf(buf, sizeof(buf), "{\"k\":\"%.*s\"}",
                                    (int)len, text);
          total = (size_t)wrote;
          ck_assert_msg(agree(buf, total), "jansson disagrees on %s", buf);
          bad = (unsigned char)kinds[k][0];
          if (tf__json_scan(buf, total, 0, NULL, &why) == TF__SCAN_OK ||
              (bad >= 0x20 && bad < 0x80 && bad != 0x7f))
            continue;
          if (bad < 0x20 || bad == 0x80 || bad == 0xff ||
              (bad == 0xc3 && n == 1))
            ck_assert_msg(why.offset == (as_key ? 2 : 6) + at,
                          "%s: found at %zu, not %zu", buf, why.offset,
                          (as_key ? 2 : 6) + at);
        }
      }
    }
  }
}
END_TEST

/* --- Suite ------------------------------------------------------------- */

static Suite *scan_suite(void)
{
  Suite *s = suite_create("json_scan");
  TCase *tc = tcase_create("scan");

  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_valid_documents);
  tcase_add_test(tc, test_invalid_structure);
  tcase_add_test(tc, test_invalid_numbers);
  tcase_add_test(tc, test_invalid_strings);
  tcase_add_test(tc, test_invalid_utf8);
  tcase_add_test(tc, test_not_an_object);
  tcase_add_test(tc, test_nesting_limit_is_jansson_s);
  tcase_add_test(tc, test_very_deep_input_costs_no_stack);
  tcase_add_test(tc, test_duplicate_keys);
  tcase_add_test(tc, test_duplicates_in_large_objects);
  tcase_add_test(tc, test_messages_say_where_and_what);
  tcase_add_test(tc, test_utf8_messages_count_characters);
  tcase_add_test(tc, test_messages_on_several_lines);
  tcase_add_test(tc, test_token_index);
  tcase_add_test(tc, test_many_tokens_grow_to_the_heap);
  tcase_add_test(tc, test_agrees_with_jansson_on_mutations);
  tcase_add_test(tc, test_every_byte_kind_at_every_offset);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(scan_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
