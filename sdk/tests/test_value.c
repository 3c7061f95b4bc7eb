/*
 * test_value.c - lazy records and the tf_value API (value.h, record.c,
 * value.c): every type, absent vs null vs invalid, strings unescaped,
 * integers that do not fit, objects, arrays, iteration and paths; records
 * made from a json_t; the laziness itself (what a record has built, seen
 * through tf_record_debug_state); the old json_t API on lazy records; the
 * index built by several threads at once; and, on generated documents, the
 * values read the same as jansson's tree of the same text.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/record.h>
#include <touchflow/value.h>
#include <touchflow/record_json.h>

static tf_record *parse(const char *text)
{
  char err[256];
  tf_record *rec = tf_record_parse(text, strlen(text), NULL, err, sizeof(err));

  ck_assert_msg(rec != NULL, "refused %s: %s", text, err);
  return rec;
}

static const char doc[] =
    "{\"s\": \"plain\", \"e\": \"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u20ac\", "
    "\"i\": -42, \"big\": 9223372036854775807, \"small\": "
    "-9223372036854775808, \"d\": 2.5, \"whole\": 3.0, \"exp\": 1e3, "
    "\"huge\": 1e300, \"t\": true, \"f\": false, \"n\": null, "
    "\"arr\": [1, \"two\", [3], {\"four\": 4}, null], "
    "\"obj\": {\"x\": {\"y\": [10, 20, {\"z\": \"deep\"}]}, \"7\": \"seven\"}, "
    "\"empty_o\": {}, \"empty_a\": []}";

/* --- Types ------------------------------------------------------------- */

START_TEST(test_types_absent_null_invalid)
{
  tf_record *rec = parse(doc);
  tf_record *raw = tf_record_new_raw("{oops", 5, NULL);

  ck_assert_int_eq(tf_value_type(tf_record_root(rec)), TF_TYPE_OBJECT);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "s")), TF_TYPE_STRING);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "i")), TF_TYPE_INTEGER);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "d")), TF_TYPE_DOUBLE);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "exp")), TF_TYPE_DOUBLE);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "t")), TF_TYPE_BOOL);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "n")), TF_TYPE_NULL);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "arr")), TF_TYPE_ARRAY);
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "obj")), TF_TYPE_OBJECT);
  ck_assert_ptr_null(tf_record_value(rec, "missing"));
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "missing")),
                   TF_TYPE_ABSENT);
  /* A raw record: unreadable, at every depth. */
  ck_assert_int_eq(tf_value_type(tf_record_root(raw)), TF_TYPE_INVALID);
  ck_assert_int_eq(tf_value_type(tf_record_value(raw, "s")), TF_TYPE_INVALID);
  ck_assert_int_eq(tf_value_type(tf_record_value_path(raw, "a.b.0")),
                   TF_TYPE_INVALID);
  ck_assert_int_eq(tf_value_type(tf_value_at(tf_record_root(raw), 0)),
                   TF_TYPE_INVALID);
  ck_assert_ptr_null(tf_value_raw(tf_record_root(raw), NULL));
  ck_assert_ptr_null(tf_value_first(tf_record_root(raw)));
  ck_assert_ptr_null(tf_record_root(NULL));
  ck_assert_str_eq(tf_type_name(TF_TYPE_ABSENT), "absent");
  ck_assert_str_eq(tf_type_name(TF_TYPE_BOOL), "boolean");
  ck_assert_str_eq(tf_type_name(TF_TYPE_INVALID), "invalid");
  ck_assert_str_eq(tf_type_name((tf_type)99), "unknown");
  tf_record_unref(raw);
  tf_record_unref(rec);
}
END_TEST

/* --- Scalars ----------------------------------------------------------- */

START_TEST(test_strings_are_unescaped)
{
  tf_record *rec = parse(doc);
  size_t len = 0;
  const char *s = tf_value_string(tf_record_value(rec, "s"), &len);

  ck_assert_str_eq(s, "plain");
  ck_assert_uint_eq(len, 5);
  s = tf_value_string(tf_record_value(rec, "e"), &len);
  ck_assert_str_eq(s, "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac");
  ck_assert_uint_eq(len, strlen(s));
  ck_assert_ptr_null(tf_value_string(tf_record_value(rec, "i"), &len));
  ck_assert_ptr_null(tf_value_string(NULL, NULL));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_unicode_escapes_and_nul)
{
  tf_record *rec =
      parse("{\"pair\": \"\\uD83D\\uDE00\", \"max\": \"\\uDBFF\\uDFFF\", "
            "\"nul\": \"a\\u0000b\", \"c1\": \"\\u0080\", \"raw\": "
            "\"\xf0\x9f\x98\x80\", \"k\\u00e9y\": 1}");
  size_t len;
  const char *s;

  ck_assert_str_eq(tf_value_string(tf_record_value(rec, "pair"), &len),
                   "\xf0\x9f\x98\x80");
  ck_assert_uint_eq(len, 4);
  ck_assert_str_eq(tf_value_string(tf_record_value(rec, "max"), NULL),
                   "\xf4\x8f\xbf\xbf");
  s = tf_value_string(tf_record_value(rec, "nul"), &len);
  ck_assert_uint_eq(len, 3);
  ck_assert_int_eq(memcmp(s, "a\0b", 4), 0);
  ck_assert_str_eq(tf_value_string(tf_record_value(rec, "c1"), NULL),
                   "\xc2\x80");
  ck_assert_str_eq(tf_value_string(tf_record_value(rec, "raw"), NULL),
                   "\xf0\x9f\x98\x80");
  /* Keys are compared unescaped. */
  ck_assert_ptr_nonnull(tf_record_value(rec, "k\xc3\xa9y"));
  ck_assert_ptr_null(tf_record_value(rec, "k\\u00e9y"));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_int64)
{
  tf_record *rec = parse(doc);
  int64_t v = 7;

  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "i"), &v), TF_OK);
  ck_assert_int_eq(v, -42);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "big"), &v), TF_OK);
  ck_assert(v == INT64_MAX);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "small"), &v), TF_OK);
  ck_assert(v == INT64_MIN);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "whole"), &v), TF_OK);
  ck_assert_int_eq(v, 3);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "exp"), &v), TF_OK);
  ck_assert_int_eq(v, 1000);
  v = 7;
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "d"), &v), TF_ERR_INVAL);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "huge"), &v),
                   TF_ERR_RANGE);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "s"), &v), TF_ERR_INVAL);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "n"), &v), TF_ERR_INVAL);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "nope"), &v),
                   TF_ERR_NOTFOUND);
  ck_assert_int_eq(v, 7);
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_int64_bounds_of_doubles)
{
  tf_record *rec = parse("{\"min\": -9.2233720368547758e18, \"max\": "
                         "9.2233720368547758e18, \"below\": -9.3e18, "
                         "\"neg\": -1e19, \"nearly\": 9.2233720368547748e18}");
  int64_t v;

  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "min"), &v), TF_OK);
  ck_assert(v == INT64_MIN);
  /* 2^63 itself does not fit. */
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "max"), &v),
                   TF_ERR_RANGE);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "below"), &v),
                   TF_ERR_RANGE);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "neg"), &v),
                   TF_ERR_RANGE);
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "nearly"), &v), TF_OK);
  ck_assert(v == INT64_C(9223372036854774784));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_double_and_bool)
{
  tf_record *rec =
      parse("{\"d\": -0.125, \"i\": 12, \"tiny\": 1e-400, \"e\": 2E+2, "
            "\"t\": true, \"f\": false, \"s\": \"1.5\"}");
  double d = 9;
  int b = 9;

  ck_assert_int_eq(tf_value_double(tf_record_value(rec, "d"), &d), TF_OK);
  ck_assert(d == -0.125);
  ck_assert_int_eq(tf_value_double(tf_record_value(rec, "i"), &d), TF_OK);
  ck_assert(d == 12.0);
  ck_assert_int_eq(tf_value_double(tf_record_value(rec, "tiny"), &d), TF_OK);
  ck_assert(d == 0.0);
  ck_assert_int_eq(tf_value_double(tf_record_value(rec, "e"), &d), TF_OK);
  ck_assert(d == 200.0);
  ck_assert_int_eq(tf_value_double(tf_record_value(rec, "s"), &d),
                   TF_ERR_INVAL);
  ck_assert_int_eq(tf_value_double(NULL, &d), TF_ERR_NOTFOUND);
  ck_assert_int_eq(tf_value_bool(tf_record_value(rec, "t"), &b), TF_OK);
  ck_assert_int_eq(b, 1);
  ck_assert_int_eq(tf_value_bool(tf_record_value(rec, "f"), &b), TF_OK);
  ck_assert_int_eq(b, 0);
  ck_assert_int_eq(tf_value_bool(tf_record_value(rec, "i"), &b), TF_ERR_INVAL);
  ck_assert_int_eq(tf_value_bool(NULL, &b), TF_ERR_NOTFOUND);
  tf_record_unref(rec);
}
END_TEST

/* --- Containers -------------------------------------------------------- */

START_TEST(test_arrays)
{
  tf_record *rec = parse(doc);
  const tf_value *arr = tf_record_value(rec, "arr");
  int64_t v;

  ck_assert_uint_eq(tf_value_count(arr), 5);
  ck_assert_int_eq(tf_value_int64(tf_value_at(arr, 0), &v), TF_OK);
  ck_assert_int_eq(v, 1);
  ck_assert_str_eq(tf_value_string(tf_value_at(arr, 1), NULL), "two");
  ck_assert_int_eq(tf_value_int64(tf_value_at(tf_value_at(arr, 2), 0), &v),
                   TF_OK);
  ck_assert_int_eq(v, 3);
  ck_assert_int_eq(
      tf_value_int64(tf_value_get(tf_value_at(arr, 3), "four"), &v), TF_OK);
  ck_assert_int_eq(v, 4);
  ck_assert_int_eq(tf_value_type(tf_value_at(arr, 4)), TF_TYPE_NULL);
  ck_assert_ptr_null(tf_value_at(arr, 5));
  ck_assert_ptr_null(tf_value_at(tf_record_value(rec, "obj"), 0));
  ck_assert_ptr_null(tf_value_at(tf_record_value(rec, "s"), 0));
  ck_assert_ptr_null(tf_value_at(tf_record_value(rec, "empty_a"), 0));
  ck_assert_uint_eq(tf_value_count(tf_record_value(rec, "empty_a")), 0);
  ck_assert_uint_eq(tf_value_count(tf_record_value(rec, "s")), 0);
  /* Array elements have no key. */
  ck_assert_ptr_null(tf_value_key(tf_value_at(arr, 0), NULL));
  ck_assert_ptr_null(tf_value_key(tf_value_at(arr, 2), NULL));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_objects_and_iteration)
{
  static const char *const keys[] = {
      "s",    "e", "i", "big", "small", "d",   "whole",   "exp",
      "huge", "t", "f", "n",   "arr",   "obj", "empty_o", "empty_a"};
  tf_record *rec = parse(doc);
  const tf_value *root = tf_record_root(rec), *m;
  size_t i = 0, len;

  ck_assert_uint_eq(tf_value_count(root), 16);
  for (m = tf_value_first(root); m; m = tf_value_next(m), i++) {
    ck_assert_uint_lt(i, 16);
    ck_assert_str_eq(tf_value_key(m, &len), keys[i]);
    ck_assert_uint_eq(len, strlen(keys[i]));
    ck_assert_ptr_eq(tf_value_get(root, keys[i]), m);
  }
  ck_assert_uint_eq(i, 16);
  ck_assert_ptr_null(tf_value_first(tf_record_value(rec, "empty_o")));
  ck_assert_ptr_null(tf_value_first(tf_record_value(rec, "s")));
  ck_assert_ptr_null(tf_value_next(root));
  ck_assert_ptr_null(tf_value_key(root, NULL));
  /* Not a prefix, not a longer key. */
  ck_assert_ptr_null(tf_value_get(root, "ar"));
  ck_assert_ptr_null(tf_value_get(root, "arrr"));
  ck_assert_ptr_nonnull(tf_value_getn(root, "arrr", 3));
  ck_assert_ptr_null(tf_value_get(root, NULL));
  ck_assert_ptr_null(tf_value_get(tf_record_value(rec, "arr"), "0"));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_iteration_over_an_array)
{
  tf_record *rec = parse("{\"a\": [[1, [2]], {\"x\": [3]}, \"s\", 4]}");
  const tf_value *e = tf_value_first(tf_record_value(rec, "a"));
  tf_type want[] = {TF_TYPE_ARRAY, TF_TYPE_OBJECT, TF_TYPE_STRING,
                    TF_TYPE_INTEGER};
  size_t i = 0;

  for (; e; e = tf_value_next(e), i++)
    ck_assert_int_eq(tf_value_type(e), want[i]);
  ck_assert_uint_eq(i, 4);
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_paths)
{
  tf_record *rec = parse(doc);
  int64_t v;

  ck_assert_str_eq(
      tf_value_string(tf_record_value_path(rec, "obj.x.y.2.z"), NULL), "deep");
  ck_assert_int_eq(tf_value_int64(tf_record_value_path(rec, "obj.x.y.1"), &v),
                   TF_OK);
  ck_assert_int_eq(v, 20);
  /* A step on an object is a name, digits or not. */
  ck_assert_str_eq(tf_value_string(tf_record_value_path(rec, "obj.7"), NULL),
                   "seven");
  ck_assert_str_eq(tf_value_string(tf_record_value_path(rec, "s"), NULL),
                   "plain");
  ck_assert_ptr_null(tf_record_value_path(rec, "obj.x.y.3"));
  ck_assert_ptr_null(tf_record_value_path(rec, "obj.x.y.-1"));
  ck_assert_ptr_null(tf_record_value_path(rec, "obj.x.y.+1"));
  ck_assert_ptr_null(tf_record_value_path(rec, "obj.x.y."));
  ck_assert_ptr_null(tf_record_value_path(rec, "obj.x.y.99999999999999999999"));
  ck_assert_ptr_null(tf_record_value_path(rec, "s.length"));
  ck_assert_ptr_null(tf_record_value_path(rec, "nope.x"));
  ck_assert_ptr_null(tf_record_value_path(rec, "obj..x"));
  ck_assert_ptr_null(tf_record_value_path(rec, NULL));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_paths_agree_with_the_old_api)
{
  static const char *const paths[] = {"obj.x.y.2.z", "obj.7", "arr.3.four",
                                      "arr.1",       "obj.x", "nope",
                                      "arr.9",       "s.x",   "obj.x.y.0"};
  tf_record *rec = parse(doc);

  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    const json_t *old = tf_record_get_path(rec, paths[i]);
    const tf_value *v = tf_record_value_path(rec, paths[i]);
    size_t len;
    const char *raw = tf_value_raw(v, &len);
    json_t *parsed = raw ? json_loadb(raw, len, JSON_DECODE_ANY, NULL) : NULL;

    ck_assert_msg((old == NULL) == (v == NULL), "%s", paths[i]);
    ck_assert_msg(!old || json_equal(old, parsed), "%s", paths[i]);
    json_decref(parsed);
  }
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_raw_text_as_it_stands)
{
  tf_record *rec = parse("{\"o\": { \"a\" : [1,  2] }, \"s\": \"x\\u0041\"}");
  size_t len;
  const char *raw = tf_value_raw(tf_record_value(rec, "o"), &len);

  ck_assert_int_eq(len, strlen("{ \"a\" : [1,  2] }"));
  ck_assert_int_eq(memcmp(raw, "{ \"a\" : [1,  2] }", len), 0);
  raw = tf_value_raw(tf_record_value(rec, "s"), &len);
  ck_assert_int_eq(memcmp(raw, "\"x\\u0041\"", len), 0);
  ck_assert_ptr_null(tf_value_raw(NULL, &len));
  ck_assert_uint_eq(len, 0);
  tf_record_unref(rec);
}
END_TEST

/* --- Records made from a json_t ---------------------------------------- */

START_TEST(test_values_of_a_tree_record)
{
  tf_record *rec = tf_record_new(
      json_pack("{s:s, s:I, s:f, s:[i, {s:s}], s:n}", "name", "Zoë", "n",
                (json_int_t)5000000000, "d", 0.5, "a", 1, "k", "v", "z"));
  int64_t v;
  double d;

  ck_assert_uint_eq(tf_record_debug_state(rec), TF_RECORD_HAS_TREE);
  ck_assert_str_eq(tf_value_string(tf_record_value(rec, "name"), NULL), "Zoë");
  ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "n"), &v), TF_OK);
  ck_assert(v == INT64_C(5000000000));
  ck_assert_int_eq(tf_value_double(tf_record_value(rec, "d"), &d), TF_OK);
  ck_assert(d == 0.5);
  ck_assert_str_eq(tf_value_string(tf_record_value_path(rec, "a.1.k"), NULL),
                   "v");
  ck_assert_int_eq(tf_value_type(tf_record_value(rec, "z")), TF_TYPE_NULL);
  ck_assert_uint_eq(tf_record_debug_state(rec),
                    TF_RECORD_HAS_TREE | TF_RECORD_HAS_INDEX);
  ck_assert_ptr_null(tf_record_bytes(rec, NULL));
  tf_record_unref(rec);
}
END_TEST

/* --- Laziness ---------------------------------------------------------- */

START_TEST(test_parse_builds_nothing)
{
  tf_record *rec = parse(doc);
  size_t len;

  ck_assert_uint_eq(tf_record_debug_state(rec), 0);
  ck_assert_ptr_nonnull(tf_record_bytes(rec, &len));
  ck_assert_uint_eq(len, strlen(doc));
  ck_assert_int_eq(tf_record_has_json(rec), 1);
  tf_record_ref(rec);
  tf_record_unref(rec);
  ck_assert_uint_eq(tf_record_debug_state(rec), 0);
  /* A value builds the index, not the tree. */
  ck_assert_ptr_nonnull(tf_record_value(rec, "s"));
  ck_assert_uint_eq(tf_record_debug_state(rec), TF_RECORD_HAS_INDEX);
  ck_assert_ptr_eq(tf_record_root(rec), tf_record_root(rec));
  /* The old API builds the tree. */
  ck_assert_str_eq(tf_record_get_string(rec, "s"), "plain");
  ck_assert_uint_eq(tf_record_debug_state(rec),
                    TF_RECORD_HAS_INDEX | TF_RECORD_HAS_TREE);
  ck_assert_ptr_eq(tf_record_json(rec), tf_record_json(rec));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_old_api_alone_builds_only_the_tree)
{
  tf_record *rec = parse("{\"a\": {\"b\": [1, 2]}}");
  json_t *copy;

  ck_assert_int_eq(json_integer_value(tf_record_get_path(rec, "a.b.1")), 2);
  ck_assert_uint_eq(tf_record_debug_state(rec), TF_RECORD_HAS_TREE);
  copy = tf_record_copy_json(rec);
  ck_assert(json_equal(copy, tf_record_json(rec)));
  ck_assert_ptr_ne(copy, tf_record_json(rec));
  json_decref(copy);
  ck_assert_ptr_null(tf_record_get(rec, "zz"));
  ck_assert_ptr_null(tf_record_get(rec, NULL));
  tf_record_unref(rec);
}
END_TEST

START_TEST(test_raw_records_stay_raw)
{
  tf_record *raw = tf_record_new_raw("not json", 8, NULL);

  ck_assert_int_eq(tf_record_has_json(raw), 0);
  ck_assert_int_eq(tf_record_has_json(NULL), 0);
  ck_assert_ptr_null(tf_record_json(raw));
  ck_assert_ptr_null(tf_record_get(raw, "a"));
  ck_assert_ptr_null(tf_record_copy_json(raw));
  ck_assert_uint_eq(tf_record_debug_state(raw), 0);
  ck_assert_uint_eq(tf_record_debug_state(NULL), 0);
  tf_record_unref(raw);
}
END_TEST

START_TEST(test_parse_keeps_origin_and_bytes)
{
  tf_origin o = {"in/a.ndjson", 12};
  char err[64] = "untouched";
  tf_record *rec = tf_record_parse("{\"a\":1}  ", 9, &o, err, sizeof(err));
  size_t len;

  ck_assert_ptr_nonnull(rec);
  ck_assert_str_eq(err, "untouched");
  ck_assert_str_eq(tf_record_origin(rec).file, "in/a.ndjson");
  ck_assert_int_eq(tf_record_origin(rec).line, 12);
  ck_assert_str_eq(tf_record_bytes(rec, &len), "{\"a\":1}  ");
  ck_assert_uint_eq(len, 9);
  tf_record_unref(rec);
}
END_TEST

/* --- Threads ----------------------------------------------------------- */

#define READERS 8

typedef struct reader {
  tf_record *rec;
  pthread_barrier_t *start;
  const tf_value *root;
  const json_t *tree;
  const char *deep;
} reader;

static void *read_record(void *arg)
{
  reader *r = arg;

  pthread_barrier_wait(r->start);
  r->root = tf_record_root(r->rec);
  r->deep = tf_value_string(tf_record_value_path(r->rec, "obj.x.y.2.z"), NULL);
  r->tree = tf_record_json(r->rec);
  return NULL;
}

/* READERS threads read rec at once (read_record); then checks that all
 * read the same index and the same tree, and drops rec. */
static void read_at_once(tf_record *rec)
{
  pthread_barrier_t start;
  pthread_t threads[READERS];
  reader readers[READERS];

  pthread_barrier_init(&start, NULL, READERS);
  for (int i = 0; i < READERS; i++) {
    readers[i] = (reader){rec, &start, NULL, NULL, NULL};
    ck_assert_int_eq(
        pthread_create(&threads[i], NULL, read_record, &readers[i]), 0);
  }
  for (int i = 0; i < READERS; i++)
    pthread_join(threads[i], NULL);
  for (int i = 0; i < READERS; i++) {
    ck_assert_ptr_eq(readers[i].root, tf_record_root(rec));
    ck_assert_ptr_eq(readers[i].tree, tf_record_json(rec));
    ck_assert_str_eq(readers[i].deep, "deep");
  }
  pthread_barrier_destroy(&start);
  tf_record_unref(rec);
}

START_TEST(test_threads_build_one_index)
{
  for (int round = 0; round < 50; round++)
    read_at_once(parse(doc));
}
END_TEST

/* A record a builder wrote has its index laid out in its own allocation,
 * filled by the first thread that claims it: the others wait for it and
 * all read the same index. */
static tf_record *built_doc(void)
{
  tf_builder *b = tf_builder_new();
  tf_record *rec;

  tf_builder_begin_object(b);
  tf_builder_key(b, "obj");
  tf_builder_begin_object(b);
  tf_builder_key(b, "x");
  tf_builder_begin_object(b);
  tf_builder_key(b, "y");
  tf_builder_begin_array(b);
  tf_builder_int64(b, 10);
  tf_builder_int64(b, 20);
  tf_builder_begin_object(b);
  tf_builder_key(b, "z");
  tf_builder_string(b, "deep");
  tf_builder_end_object(b);
  tf_builder_end_array(b);
  tf_builder_end_object(b);
  tf_builder_end_object(b);
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &rec), TF_OK);
  tf_builder_free(b);
  return rec;
}

START_TEST(test_threads_fill_one_built_index)
{
  for (int round = 0; round < 50; round++) {
    tf_record *rec = built_doc();

    ck_assert_uint_eq(tf_record_debug_state(rec), 0);
    read_at_once(rec);
  }
}
END_TEST

/* --- Agreement with jansson on generated documents --------------------- */

static uint64_t rng = 88172645463325252ull;

static unsigned next_rand(unsigned n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static json_t *random_value(int depth);

static json_t *random_string(void)
{
  static const char *const pieces[] = {"a",
                                       "Z",
                                       " ",
                                       "\"",
                                       "\\",
                                       "/",
                                       "\n",
                                       "\t",
                                       "\x01",
                                       "\x7f",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "\xc2\x85"};
  char buf[128] = "";
  unsigned n = next_rand(8);

  for (unsigned i = 0; i < n; i++)
    strcat(buf, pieces[next_rand(sizeof(pieces) / sizeof(pieces[0]))]);
  if (next_rand(10) == 0)
    return json_stringn_nocheck("a\0b", 3);
  return json_string(buf);
}

static json_t *random_container(int depth, int object)
{
  json_t *c = object ? json_object() : json_array();
  unsigned n = next_rand(5);
  char key[16];

  for (unsigned i = 0; i < n; i++) {
    snprintf(key, sizeof(key), "k%u\n%u", i, next_rand(3));
    if (object)
      json_object_set_new(c, key, random_value(depth + 1));
    else
      json_array_append_new(c, random_value(depth + 1));
  }
  return c;
}

static json_t *random_value(int depth)
{
  switch (next_rand(depth > 3 ? 6 : 8)) {
  case 0: return json_null();
  case 1: return json_boolean(next_rand(2));
  case 2: return json_integer((json_int_t)rng * (next_rand(2) ? 1 : -1));
  case 3: return json_real((double)(int64_t)rng / 7.0);
  case 4:
  case 5: return random_string();
  case 6: return random_container(depth, 0);
  default: return random_container(depth, 1);
  }
}

static void same_value(const tf_value *v, const json_t *j);

static void same_container(const tf_value *v, const json_t *j)
{
  const tf_value *m = tf_value_first(v);
  size_t i = 0, klen;

  ck_assert_uint_eq(tf_value_count(v), json_is_object(j) ? json_object_size(j)
                                                         : json_array_size(j));
  for (; m; m = tf_value_next(m), i++) {
    if (json_is_object(j)) {
      const char *key = tf_value_key(m, &klen);

      ck_assert_uint_eq(klen, strlen(key));
      same_value(m, json_object_get(j, key));
      ck_assert_ptr_eq(tf_value_get(v, key), m);
    } else {
      same_value(m, json_array_get(j, i));
      ck_assert_ptr_eq(tf_value_at(v, i), m);
    }
  }
  ck_assert_uint_eq(i, tf_value_count(v));
}

static void same_value(const tf_value *v, const json_t *j)
{
  int64_t i;
  double d;
  size_t len;
  const char *s;

  ck_assert_ptr_nonnull(j);
  switch (json_typeof(j)) {
  case JSON_OBJECT:
  case JSON_ARRAY: same_container(v, j); break;
  case JSON_STRING:
    s = tf_value_string(v, &len);
    ck_assert_uint_eq(len, json_string_length(j));
    ck_assert_int_eq(memcmp(s, json_string_value(j), len + 1), 0);
    break;
  case JSON_INTEGER:
    ck_assert_int_eq(tf_value_int64(v, &i), TF_OK);
    ck_assert(i == json_integer_value(j));
    break;
  case JSON_REAL:
    ck_assert_int_eq(tf_value_type(v), TF_TYPE_DOUBLE);
    ck_assert_int_eq(tf_value_double(v, &d), TF_OK);
    ck_assert(d == json_real_value(j));
    break;
  case JSON_TRUE:
  case JSON_FALSE: ck_assert_int_eq(tf_value_type(v), TF_TYPE_BOOL); break;
  case JSON_NULL: ck_assert_int_eq(tf_value_type(v), TF_TYPE_NULL); break;
  }
}

START_TEST(test_values_read_as_jansson_reads_them)
{
  for (int round = 0; round < 2000; round++) {
    json_t *tree = random_container(0, 1);
    char *text = json_dumps(tree, round % 2 ? JSON_COMPACT : JSON_INDENT(1));
    tf_record *rec = parse(text);

    same_value(tf_record_root(rec), tree);
    ck_assert(json_equal(tf_record_json(rec), tree));
    tf_record_unref(rec);
    free(text);
    json_decref(tree);
  }
}
END_TEST

/* tf_record_parse_indexed: the record has its index from the start, reads
 * as jansson reads the text, and every text is accepted or refused as
 * tf_record_parse does, with the same message. */
START_TEST(test_parse_indexed_reads_the_same)
{
  static const char *const bad[] = {"",
                                    "[1]",
                                    "{\"a\":1,\"a\":2}",
                                    "{\"a\":\"\xff\"}",
                                    "{\"a\":1} x",
                                    "{\"a\":01}",
                                    "{\"a\":99999999999999999999}",
                                    "{\"\\u0000\":1}",
                                    "{\"a\":\"\\ud800\"}",
                                    "{broken"};
  tf_origin o = {"x.ndjson", 3};

  for (int round = 0; round < 1000; round++) {
    json_t *tree = random_container(0, 1);
    char *text = json_dumps(tree, round % 2 ? JSON_COMPACT : JSON_INDENT(1));
    tf_record *rec = tf_record_parse_indexed(text, strlen(text), &o, NULL, 0);
    size_t len;

    ck_assert_ptr_nonnull(rec);
    ck_assert_uint_eq(tf_record_debug_state(rec), TF_RECORD_HAS_INDEX);
    ck_assert_str_eq(tf_record_bytes(rec, &len), text);
    ck_assert_str_eq(tf_record_origin(rec).file, "x.ndjson");
    same_value(tf_record_root(rec), tree);
    tf_record_unref(rec);
    free(text);
    json_decref(tree);
  }
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char want[256] = "", got[256] = "";

    ck_assert_ptr_null(
        tf_record_parse(bad[i], strlen(bad[i]), NULL, want, sizeof(want)));
    ck_assert_ptr_null(tf_record_parse_indexed(bad[i], strlen(bad[i]), NULL,
                                               got, sizeof(got)));
    ck_assert_str_ne(want, "");
    ck_assert_str_eq(got, want);
  }
}
END_TEST

/* --- Suite ------------------------------------------------------------- */

/* Records made one after another on a thread, each freed before the
 * next (a source's input records: the block of one is kept for the
 * next): each reads as its own text, with its own origin and index,
 * whatever the block held before; a bigger or a much smaller one between
 * them changes nothing.  Several threads do it at once, and end: nothing
 * is left behind (ASan and valgrind count the leaks). */
static void *records_one_after_another(void *arg)
{
  const char *file = arg;
  char text[256], where[64];
  int64_t n = 0;
  const char *s;

  for (int i = 0; i < 300; i++) {
    tf_origin origin = {i % 2 ? file : NULL, i};
    size_t pad = i % 7 == 0 ? 1500 : (size_t)(i % 40);
    char *big = malloc(pad + 64);
    tf_record *rec;

    ck_assert_ptr_nonnull(big);
    snprintf(where, sizeof(where), "%s#%d", file, i);
    snprintf(big, pad + 64, "{\"n\":%d,\"where\":\"%s\",\"pad\":\"%*s\"}", i,
             where, (int)pad, "");
    rec =
        tf_record_parse_indexed(big, strlen(big), &origin, text, sizeof(text));
    ck_assert_msg(rec != NULL, "refused: %s", text);
    ck_assert_int_eq(tf_value_int64(tf_record_value(rec, "n"), &n), TF_OK);
    ck_assert_int_eq(n, i);
    s = tf_value_string(tf_record_value(rec, "where"), NULL);
    ck_assert_str_eq(s, where);
    ck_assert_uint_eq(
        strlen(tf_value_string(tf_record_value(rec, "pad"), NULL)), pad);
    ck_assert_int_eq(tf_record_origin(rec).line, i);
    if (i % 2)
      ck_assert_str_eq(tf_record_origin(rec).file, file);
    else
      ck_assert_ptr_null(tf_record_origin(rec).file);
    ck_assert_str_eq(tf_record_bytes(rec, NULL), big);
    tf_record_unref(rec);
    free(big);
  }
  return NULL;
}

START_TEST(test_records_made_one_after_another)
{
  static char *const files[] = {"a.ndjson", "bb.ndjson", "ccc.ndjson"};
  pthread_t threads[3];

  records_one_after_another("main.ndjson");
  for (int t = 0; t < 3; t++)
    ck_assert_int_eq(
        pthread_create(&threads[t], NULL, records_one_after_another, files[t]),
        0);
  for (int t = 0; t < 3; t++)
    ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
}
END_TEST

static Suite *value_suite(void)
{
  Suite *s = suite_create("value");
  TCase *tc = tcase_create("value");

  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_types_absent_null_invalid);
  tcase_add_test(tc, test_strings_are_unescaped);
  tcase_add_test(tc, test_unicode_escapes_and_nul);
  tcase_add_test(tc, test_int64);
  tcase_add_test(tc, test_int64_bounds_of_doubles);
  tcase_add_test(tc, test_double_and_bool);
  tcase_add_test(tc, test_arrays);
  tcase_add_test(tc, test_objects_and_iteration);
  tcase_add_test(tc, test_iteration_over_an_array);
  tcase_add_test(tc, test_paths);
  tcase_add_test(tc, test_paths_agree_with_the_old_api);
  tcase_add_test(tc, test_raw_text_as_it_stands);
  tcase_add_test(tc, test_values_of_a_tree_record);
  tcase_add_test(tc, test_parse_builds_nothing);
  tcase_add_test(tc, test_old_api_alone_builds_only_the_tree);
  tcase_add_test(tc, test_raw_records_stay_raw);
  tcase_add_test(tc, test_parse_keeps_origin_and_bytes);
  tcase_add_test(tc, test_threads_build_one_index);
  tcase_add_test(tc, test_threads_fill_one_built_index);
  tcase_add_test(tc, test_values_read_as_jansson_reads_them);
  tcase_add_test(tc, test_parse_indexed_reads_the_same);
  tcase_add_test(tc, test_records_made_one_after_another);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(value_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
