/*
 * test_options.c - option validation and the validated config
 * (sdk/lib/options.c, config.c), plus the small name tables (error.c,
 * plugin_kind.c).  Each test checks one behaviour; diagnostics are captured
 * as (path, message) pairs and compared exactly.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include <touchflow/options.h>
#include <touchflow/plugin.h>

static const char *const formats[] = {"ndjson", "csv", NULL};

static const tf_option table[] = {
    {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "file to read"},
    {"format", TF_OPT_ENUM, "ndjson", 0, 0, 0, formats, "file format"},
    {"batch_size", TF_OPT_INT, "100", TF_OPT_RANGE, 1, 300, NULL, "batch"},
    {"ratio", TF_OPT_DOUBLE, "0.5", 0, 0, 0, NULL, "a ratio"},
    {"header", TF_OPT_BOOL, "true", 0, 0, 0, NULL, "header row"},
    {"buffer", TF_OPT_SIZE, "64M", TF_OPT_RANGE, 1024, 1073741824.0, NULL,
     "buffer size"},
    {"timeout", TF_OPT_DURATION, "30m", TF_OPT_RANGE, 1000, 86400000.0, NULL,
     "timeout"},
    {"keys", TF_OPT_LIST, NULL, TF_OPT_RANGE, 1, 3, NULL, "key fields"},
    {"includes", TF_OPT_LIST, NULL, TF_OPT_PATH, 0, 0, NULL, "more files"},
    {"mapping", TF_OPT_OBJECT, NULL, 0, 0, 0, NULL, "field mapping"},
    {"client_secret", TF_OPT_STRING, NULL, TF_OPT_SECRET, 0, 0, NULL,
     "API secret"},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

#define PREFIX "sinks[0].config"

static json_t *diags; /* array of [path, message] */
static tf_config *cfg;

static void collect(void *ud, const char *path, const char *message)
{
  (void)ud;
  ck_assert_int_eq(
      json_array_append_new(diags, json_pack("[ss]", path, message)), 0);
}

static void setup(void)
{
  diags = json_array();
  ck_assert_ptr_nonnull(diags);
  cfg = NULL;
}

static void teardown(void)
{
  json_decref(diags);
  tf_config_free(cfg);
}

/* Validates JSON text against `tab` with base dir "/base". */
static int run(const tf_option *tab, const char *given_text,
               const char *raw_text)
{
  json_t *given = json_loads(given_text, 0, NULL);
  json_t *raw = raw_text ? json_loads(raw_text, 0, NULL) : NULL;
  int rc;

  ck_assert_ptr_nonnull(given);
  rc = tf_options_validate(tab, given, raw, PREFIX, "/base", collect, NULL,
                           &cfg);
  json_decref(given);
  json_decref(raw);
  if (rc == TF_OK)
    ck_assert_ptr_nonnull(cfg);
  else
    ck_assert_ptr_null(cfg);
  return rc;
}

static int has_diag(const char *path, const char *message)
{
  size_t i;
  json_t *d;

  json_array_foreach (diags, i, d) {
    if (strcmp(json_string_value(json_array_get(d, 0)), path) == 0 &&
        strcmp(json_string_value(json_array_get(d, 1)), message) == 0)
      return 1;
  }
  return 0;
}

static void assert_diag(const char *path, const char *message)
{
  ck_assert_msg(has_diag(path, message), "no diagnostic %s: %s (got %s)", path,
                message, json_dumps(diags, JSON_COMPACT));
}

/* Runs one bad config for table and expects exactly one diagnostic. */
static void assert_only(const char *given_text, const char *path,
                        const char *message)
{
  ck_assert_int_eq(run(table, given_text, NULL), TF_ERR_CONFIG);
  assert_diag(path, message);
  ck_assert_int_eq(json_array_size(diags), 1);
}

static int64_t size_of(const char *text)
{
  int64_t n = -1;

  ck_assert_int_eq(tf_parse_size(text, &n), TF_OK);
  return n;
}

static int64_t duration_of(const char *text)
{
  int64_t n = -1;

  ck_assert_int_eq(tf_parse_duration(text, &n), TF_OK);
  return n;
}

/* --- Valid configs and normalization ---------------------------------- */

START_TEST(test_valid_config_has_no_diagnostics)
{
  ck_assert_int_eq(run(table,
                       "{\"path\": \"in.csv\", \"format\": \"csv\", "
                       "\"batch_size\": 300, \"ratio\": 2, "
                       "\"header\": false, \"keys\": [\"a\"], "
                       "\"mapping\": {\"x\": \"y\"}}",
                       NULL),
                   TF_OK);
  ck_assert_int_eq(json_array_size(diags), 0);
  ck_assert_str_eq(tf_config_string(cfg, "format"), "csv");
  ck_assert_int_eq(tf_config_int(cfg, "batch_size"), 300);
  ck_assert(tf_config_double(cfg, "ratio") == 2.0);
  ck_assert_int_eq(tf_config_bool(cfg, "header"), 0);
  ck_assert_str_eq(
      json_string_value(json_array_get(tf_config_json(cfg, "keys"), 0)), "a");
  ck_assert_str_eq(
      json_string_value(json_object_get(tf_config_json(cfg, "mapping"), "x")),
      "y");
}
END_TEST

START_TEST(test_defaults_are_filled_in)
{
  ck_assert_int_eq(run(table, "{\"path\": \"in.csv\"}", NULL), TF_OK);
  ck_assert_str_eq(tf_config_string(cfg, "format"), "ndjson");
  ck_assert_int_eq(tf_config_int(cfg, "batch_size"), 100);
  ck_assert(tf_config_double(cfg, "ratio") == 0.5);
  ck_assert_int_eq(tf_config_bool(cfg, "header"), 1);
  ck_assert_int_eq(tf_config_int(cfg, "buffer"), 64 * 1024 * 1024);
  ck_assert_int_eq(tf_config_int(cfg, "timeout"), 30 * 60 * 1000);
}
END_TEST

START_TEST(test_given_versus_default)
{
  ck_assert_int_eq(
      run(table, "{\"path\": \"in.csv\", \"batch_size\": 100}", NULL), TF_OK);
  ck_assert_int_eq(tf_config_given(cfg, "batch_size"), 1);
  ck_assert_int_eq(tf_config_is_set(cfg, "batch_size"), 1);
  ck_assert_int_eq(tf_config_given(cfg, "format"), 0);
  ck_assert_int_eq(tf_config_is_set(cfg, "format"), 1);
  ck_assert_int_eq(tf_config_given(cfg, "keys"), 0);
  ck_assert_int_eq(tf_config_is_set(cfg, "keys"), 0);
}
END_TEST

START_TEST(test_unset_options_read_as_zero)
{
  ck_assert_int_eq(run(table, "{\"path\": \"in.csv\"}", NULL), TF_OK);
  ck_assert_ptr_null(tf_config_string(cfg, "client_secret"));
  ck_assert_ptr_null(tf_config_json(cfg, "mapping"));
  ck_assert_int_eq(tf_config_int(cfg, "no_such_option"), 0);
  ck_assert_int_eq(tf_config_bool(cfg, "no_such_option"), 0);
  ck_assert(tf_config_double(cfg, "no_such_option") == 0.0);
  ck_assert_ptr_null(tf_config_string(NULL, "path"));
  ck_assert_int_eq(tf_config_given(NULL, "path"), 0);
  ck_assert_str_eq(tf_config_base_dir(NULL), ".");
}
END_TEST

START_TEST(test_null_given_is_an_empty_config)
{
  static const tf_option opts[] = {{"n", TF_OPT_INT, "7", 0, 0, 0, NULL, "n"},
                                   {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(
      tf_options_validate(opts, NULL, NULL, NULL, NULL, collect, NULL, &cfg),
      TF_OK);
  ck_assert_int_eq(tf_config_int(cfg, "n"), 7);
  ck_assert_str_eq(tf_config_base_dir(cfg), ".");
}
END_TEST

START_TEST(test_base_dir_is_kept)
{
  ck_assert_int_eq(run(table, "{\"path\": \"in.csv\"}", NULL), TF_OK);
  ck_assert_str_eq(tf_config_base_dir(cfg), "/base");
}
END_TEST

/* --- Error classes ----------------------------------------------------- */

START_TEST(test_unknown_key_with_suggestion)
{
  assert_only("{\"path\": \"a\", \"fromat\": \"csv\"}", PREFIX ".fromat",
              "unknown option \"fromat\" (did you mean \"format\"?)");
}
END_TEST

START_TEST(test_unknown_key_without_suggestion)
{
  assert_only("{\"path\": \"a\", \"colour\": 1}", PREFIX ".colour",
              "unknown option \"colour\"");
}
END_TEST

START_TEST(test_expected_string)
{
  assert_only("{\"path\": 5}", PREFIX ".path",
              "expected a string, got a number");
}
END_TEST

START_TEST(test_expected_boolean)
{
  assert_only("{\"path\": \"a\", \"header\": \"yes\"}", PREFIX ".header",
              "expected a boolean, got a string");
}
END_TEST

START_TEST(test_int_rejects_fractions_and_strings)
{
  ck_assert_int_eq(run(table,
                       "{\"path\": \"a\", \"batch_size\": 1.5, "
                       "\"ratio\": \"x\"}",
                       NULL),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".batch_size", "expected an integer, got 1.5");
  assert_diag(PREFIX ".ratio", "expected a number, got a string");
}
END_TEST

START_TEST(test_int_rejects_string)
{
  assert_only("{\"path\": \"a\", \"batch_size\": \"10\"}", PREFIX ".batch_size",
              "expected an integer, got a string");
}
END_TEST

START_TEST(test_expected_object)
{
  assert_only("{\"path\": \"a\", \"mapping\": [1]}", PREFIX ".mapping",
              "expected an object, got a list");
}
END_TEST

START_TEST(test_config_must_be_an_object)
{
  json_t *given = json_string("path");

  ck_assert_int_eq(tf_options_validate(table, given, NULL, PREFIX, NULL,
                                       collect, NULL, &cfg),
                   TF_ERR_CONFIG);
  json_decref(given);
  assert_diag(PREFIX, "expected an object, got a string");
  ck_assert_int_eq(json_array_size(diags), 1);
}
END_TEST

START_TEST(test_missing_required)
{
  assert_only("{}", PREFIX, "missing required option \"path\"");
}
END_TEST

START_TEST(test_int_out_of_range)
{
  assert_only("{\"path\": \"a\", \"batch_size\": 500}", PREFIX ".batch_size",
              "500 is out of range: must be between 1 and 300");
}
END_TEST

START_TEST(test_size_out_of_range_reads_as_written)
{
  assert_only("{\"path\": \"a\", \"buffer\": \"2G\"}", PREFIX ".buffer",
              "2G is out of range: must be between 1K and 1G");
}
END_TEST

START_TEST(test_duration_out_of_range_reads_as_written)
{
  assert_only("{\"path\": \"a\", \"timeout\": \"250ms\"}", PREFIX ".timeout",
              "250ms is out of range: must be between 1s and 1d");
}
END_TEST

START_TEST(test_list_length_out_of_range)
{
  assert_only("{\"path\": \"a\", \"keys\": [\"a\", \"b\", \"c\", \"d\"]}",
              PREFIX ".keys",
              "a list of 4 elements is out of range: must be between 1 and 3");
}
END_TEST

START_TEST(test_one_sided_range)
{
  static const tf_option opts[] = {
      {"n", TF_OPT_INT, NULL, TF_OPT_RANGE, 1, HUGE_VAL, NULL, "n"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(run(opts, "{\"n\": 0}", NULL), TF_ERR_CONFIG);
  assert_diag(PREFIX ".n", "0 is out of range: must be at least 1");
}
END_TEST

START_TEST(test_enum_not_allowed_with_suggestion)
{
  assert_only("{\"path\": \"a\", \"format\": \"cvs\"}", PREFIX ".format",
              "\"cvs\" is not one of: ndjson, csv (did you mean \"csv\"?)");
}
END_TEST

START_TEST(test_enum_not_allowed_without_suggestion)
{
  assert_only("{\"path\": \"a\", \"format\": \"xml\"}", PREFIX ".format",
              "\"xml\" is not one of: ndjson, csv");
}
END_TEST

START_TEST(test_enum_must_be_a_string)
{
  assert_only("{\"path\": \"a\", \"format\": 1}", PREFIX ".format",
              "expected one of: ndjson, csv, got a number");
}
END_TEST

START_TEST(test_list_must_be_an_array)
{
  assert_only("{\"path\": \"a\", \"keys\": \"a\"}", PREFIX ".keys",
              "expected a list, got a string");
}
END_TEST

START_TEST(test_list_elements_must_be_strings)
{
  ck_assert_int_eq(run(table,
                       "{\"path\": \"a\", "
                       "\"keys\": [\"a\", 2, \"c\"], "
                       "\"includes\": [true]}",
                       NULL),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".keys[1]", "expected a string, got a number");
  assert_diag(PREFIX ".includes[0]", "expected a string, got a boolean");
  ck_assert_int_eq(json_array_size(diags), 2);
}
END_TEST

static const tf_option objects_table[] = {
    {"rules", TF_OPT_LIST, NULL, TF_OPT_OBJECTS, 0, 0, NULL, "Rule objects."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

START_TEST(test_list_of_objects_keeps_its_objects)
{
  const json_t *rules;

  ck_assert_int_eq(
      run(objects_table, "{\"rules\": [{\"channel\": \"Email\"}, {}]}", NULL),
      TF_OK);
  rules = tf_config_json(cfg, "rules");
  ck_assert_uint_eq(json_array_size(rules), 2);
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(rules, 0), "channel")),
      "Email");
}
END_TEST

START_TEST(test_list_of_objects_refuses_other_elements)
{
  ck_assert_int_eq(run(objects_table, "{\"rules\": [{}, \"Email\", 3]}", NULL),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".rules[1]", "expected an object, got a string");
  assert_diag(PREFIX ".rules[2]", "expected an object, got a number");
  ck_assert_int_eq(json_array_size(diags), 2);
}
END_TEST

START_TEST(test_every_problem_is_reported)
{
  ck_assert_int_eq(run(table,
                       "{\"pth\": \"a\", \"format\": \"xml\", "
                       "\"batch_size\": 0, \"header\": 1, "
                       "\"buffer\": \"64Q\", \"timeout\": \"5x\"}",
                       NULL),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".pth", "unknown option \"pth\" (did you mean \"path\"?)");
  assert_diag(PREFIX, "missing required option \"path\"");
  assert_diag(PREFIX ".format", "\"xml\" is not one of: ndjson, csv");
  assert_diag(PREFIX ".batch_size",
              "0 is out of range: must be between 1 and 300");
  assert_diag(PREFIX ".header", "expected a boolean, got a number");
  assert_diag(PREFIX ".buffer", "invalid size \"64Q\": use a number with an "
                                "optional K, M or G suffix");
  assert_diag(PREFIX ".timeout",
              "invalid duration \"5x\": use a number with ms, s, m, h or d");
  ck_assert_int_eq(json_array_size(diags), 7);
}
END_TEST

START_TEST(test_empty_prefix_paths_are_bare_names)
{
  json_t *given = json_pack("{si}", "path", 1);

  ck_assert_int_eq(
      tf_options_validate(table, given, NULL, "", NULL, collect, NULL, &cfg),
      TF_ERR_CONFIG);
  json_decref(given);
  assert_diag("path", "expected a string, got a number");
}
END_TEST

START_TEST(test_validate_without_out)
{
  json_t *given = json_pack("{ss}", "path", "a");

  ck_assert_int_eq(tf_options_validate(table, given, NULL, PREFIX, NULL,
                                       collect, NULL, NULL),
                   TF_OK);
  json_decref(given);
}
END_TEST

/* --- Plugin bugs: defaults that do not validate ------------------------ */

START_TEST(test_default_not_json)
{
  static const tf_option opts[] = {{"n", TF_OPT_INT, "ten", 0, 0, 0, NULL, "n"},
                                   {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(run(opts, "{}", NULL), TF_ERR_CONFIG);
  assert_diag(PREFIX ".n", "plugin bug: invalid default: \"ten\" is not "
                           "valid JSON");
}
END_TEST

START_TEST(test_default_out_of_range)
{
  static const tf_option opts[] = {
      {"n", TF_OPT_INT, "0", TF_OPT_RANGE, 1, 10, NULL, "n"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(run(opts, "{\"n\": 5}", NULL), TF_ERR_CONFIG);
  assert_diag(PREFIX ".n", "plugin bug: invalid default: 0 is out of range: "
                           "must be between 1 and 10");
  ck_assert_int_eq(json_array_size(diags), 1);
}
END_TEST

START_TEST(test_default_enum_not_allowed)
{
  static const tf_option opts[] = {
      {"f", TF_OPT_ENUM, "json", 0, 0, 0, formats, "f"},
      {"d", TF_OPT_DURATION, "soon", 0, 0, 0, NULL, "d"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(run(opts, "{}", NULL), TF_ERR_CONFIG);
  assert_diag(PREFIX ".f", "plugin bug: invalid default: \"json\" is not "
                           "one of: ndjson, csv");
  assert_diag(PREFIX ".d", "plugin bug: invalid default: invalid duration "
                           "\"soon\": use a number with ms, s, m, h or d");
}
END_TEST

START_TEST(test_unknown_type_is_a_plugin_bug)
{
  static const tf_option opts[] = {
      {"x", (tf_option_type)42, NULL, 0, 0, 0, NULL, "x"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(run(opts, "{\"x\": 1}", NULL), TF_ERR_CONFIG);
  assert_diag(PREFIX ".x", "plugin bug: option has unknown type 42");
}
END_TEST

/* --- Sizes ------------------------------------------------------------- */

START_TEST(test_size_units)
{
  ck_assert_int_eq(size_of("512"), 512);
  ck_assert_int_eq(size_of("0"), 0);
  ck_assert_int_eq(size_of("1K"), 1024);
  ck_assert_int_eq(size_of("2k"), 2048);
  ck_assert_int_eq(size_of("3KB"), 3 * 1024);
  ck_assert_int_eq(size_of("64M"), 64 * 1048576);
  ck_assert_int_eq(size_of("5mb"), 5 * 1048576);
  ck_assert_int_eq(size_of("1G"), 1073741824);
  ck_assert_int_eq(size_of("8Gb"), INT64_C(8) * 1073741824);
}
END_TEST

START_TEST(test_size_invalid_text)
{
  static const char *const bad[] = {"",     "64Q", "-5",  "+5", " 5", "5 M",
                                    "1.5G", "M",   "5MM", "5T", "5B"};
  size_t i;
  int64_t n;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    ck_assert_msg(tf_parse_size(bad[i], &n) == TF_ERR_INVAL, "accepted %s",
                  bad[i]);
  ck_assert_int_eq(tf_parse_size(NULL, &n), TF_ERR_INVAL);
}
END_TEST

START_TEST(test_size_overflow)
{
  int64_t n;

  ck_assert_int_eq(tf_parse_size("99999999999G", &n), TF_ERR_INVAL);
  ck_assert_int_eq(tf_parse_size("99999999999999999999", &n), TF_ERR_INVAL);
  ck_assert_int_eq(tf_parse_size("9223372036854775807", &n), TF_OK);
  ck_assert_int_eq(n, INT64_MAX);
}
END_TEST

START_TEST(test_size_option_converts_to_bytes)
{
  ck_assert_int_eq(run(table, "{\"path\": \"a\", \"buffer\": \"2M\"}", NULL),
                   TF_OK);
  ck_assert_int_eq(tf_config_int(cfg, "buffer"), 2 * 1048576);
}
END_TEST

START_TEST(test_size_option_integer_is_bytes)
{
  ck_assert_int_eq(run(table, "{\"path\": \"a\", \"buffer\": 4096}", NULL),
                   TF_OK);
  ck_assert_int_eq(tf_config_int(cfg, "buffer"), 4096);
}
END_TEST

START_TEST(test_size_option_rejects_bad_values)
{
  ck_assert_int_eq(run(table, "{\"path\": \"a\", \"buffer\": -5}", NULL),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".buffer", "invalid size -5: use a number with an "
                                "optional K, M or G suffix");
}
END_TEST

START_TEST(test_size_option_overflow_is_an_error)
{
  assert_only("{\"path\": \"a\", \"buffer\": \"99999999999G\"}",
              PREFIX ".buffer",
              "invalid size \"99999999999G\": use a number with an "
              "optional K, M or G suffix");
}
END_TEST

START_TEST(test_size_option_empty_string)
{
  assert_only("{\"path\": \"a\", \"buffer\": \"\"}", PREFIX ".buffer",
              "invalid size \"\": use a number with an optional K, M or G "
              "suffix");
}
END_TEST

START_TEST(test_size_option_wrong_type)
{
  assert_only("{\"path\": \"a\", \"buffer\": true}", PREFIX ".buffer",
              "expected a size like \"64M\", got a boolean");
}
END_TEST

/* --- Durations --------------------------------------------------------- */

START_TEST(test_duration_units)
{
  ck_assert_int_eq(duration_of("250ms"), 250);
  ck_assert_int_eq(duration_of("30s"), 30000);
  ck_assert_int_eq(duration_of("30m"), 1800000);
  ck_assert_int_eq(duration_of("2h"), 7200000);
  ck_assert_int_eq(duration_of("1d"), 86400000);
  ck_assert_int_eq(duration_of("45"), 45000);
  ck_assert_int_eq(duration_of("0"), 0);
}
END_TEST

START_TEST(test_duration_invalid_text)
{
  static const char *const bad[] = {"",  "5x",  "-1",  "-1s",   "1.5s",
                                    "s", "5 s", "30M", "1h30m", "5sec"};
  size_t i;
  int64_t n;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    ck_assert_msg(tf_parse_duration(bad[i], &n) == TF_ERR_INVAL, "accepted %s",
                  bad[i]);
  ck_assert_int_eq(tf_parse_duration(NULL, &n), TF_ERR_INVAL);
}
END_TEST

START_TEST(test_duration_overflow)
{
  int64_t n;

  ck_assert_int_eq(tf_parse_duration("9999999999999999d", &n), TF_ERR_INVAL);
  ck_assert_int_eq(tf_parse_duration("9223372036854775807", &n), TF_ERR_INVAL);
  ck_assert_int_eq(tf_parse_duration("9223372036854775807ms", &n), TF_OK);
}
END_TEST

START_TEST(test_duration_option_integer_is_seconds)
{
  ck_assert_int_eq(run(table, "{\"path\": \"a\", \"timeout\": 5}", NULL),
                   TF_OK);
  ck_assert_int_eq(tf_config_int(cfg, "timeout"), 5000);
}
END_TEST

START_TEST(test_duration_option_converts_to_ms)
{
  ck_assert_int_eq(run(table, "{\"path\": \"a\", \"timeout\": \"2h\"}", NULL),
                   TF_OK);
  ck_assert_int_eq(tf_config_int(cfg, "timeout"), 7200000);
}
END_TEST

START_TEST(test_duration_option_rejects_negative_and_huge)
{
  ck_assert_int_eq(run(table,
                       "{\"path\": \"a\", \"timeout\": -1, "
                       "\"includes\": [], \"ratio\": 1}",
                       NULL),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".timeout",
              "invalid duration -1: use a number with ms, s, m, h or d");
  tf_config_free(cfg);
  cfg = NULL;
  json_array_clear(diags);
  assert_only("{\"path\": \"a\", \"timeout\": 9223372036854775807}",
              PREFIX ".timeout",
              "invalid duration 9223372036854775807: use a number with ms, "
              "s, m, h or d");
}
END_TEST

START_TEST(test_duration_option_wrong_type)
{
  assert_only("{\"path\": \"a\", \"timeout\": [1]}", PREFIX ".timeout",
              "expected a duration like \"30m\", got a list");
}
END_TEST

/* --- Paths ------------------------------------------------------------- */

START_TEST(test_relative_path_is_resolved)
{
  ck_assert_int_eq(run(table, "{\"path\": \"data/in.csv\"}", NULL), TF_OK);
  ck_assert_str_eq(tf_config_string(cfg, "path"), "/base/data/in.csv");
}
END_TEST

START_TEST(test_absolute_path_is_kept)
{
  ck_assert_int_eq(run(table, "{\"path\": \"/data/in.csv\"}", NULL), TF_OK);
  ck_assert_str_eq(tf_config_string(cfg, "path"), "/data/in.csv");
}
END_TEST

START_TEST(test_path_list_elements_are_resolved)
{
  const json_t *list;

  ck_assert_int_eq(run(table,
                       "{\"path\": \"a\", "
                       "\"includes\": [\"x/*.csv\", \"/y.csv\"], "
                       "\"keys\": [\"k\"]}",
                       NULL),
                   TF_OK);
  list = tf_config_json(cfg, "includes");
  ck_assert_str_eq(json_string_value(json_array_get(list, 0)), "/base/x/*.csv");
  ck_assert_str_eq(json_string_value(json_array_get(list, 1)), "/y.csv");
  ck_assert_str_eq(
      json_string_value(json_array_get(tf_config_json(cfg, "keys"), 0)), "k");
}
END_TEST

START_TEST(test_path_without_base_dir_is_kept)
{
  json_t *given = json_pack("{ss}", "path", "data/in.csv");

  ck_assert_int_eq(tf_options_validate(table, given, NULL, PREFIX, NULL,
                                       collect, NULL, &cfg),
                   TF_OK);
  json_decref(given);
  ck_assert_str_eq(tf_config_string(cfg, "path"), "data/in.csv");
}
END_TEST

START_TEST(test_base_dir_with_trailing_slash)
{
  json_t *given = json_pack("{ss}", "path", "in.csv");

  ck_assert_int_eq(tf_options_validate(table, given, NULL, PREFIX, "dir/",
                                       collect, NULL, &cfg),
                   TF_OK);
  json_decref(given);
  ck_assert_str_eq(tf_config_string(cfg, "path"), "dir/in.csv");
}
END_TEST

START_TEST(test_default_path_is_resolved)
{
  static const tf_option opts[] = {
      {"out", TF_OPT_STRING, "out.ndjson", TF_OPT_PATH, 0, 0, NULL, "o"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

  ck_assert_int_eq(run(opts, "{}", NULL), TF_OK);
  ck_assert_str_eq(tf_config_string(cfg, "out"), "/base/out.ndjson");
  ck_assert_int_eq(tf_config_given(cfg, "out"), 0);
}
END_TEST

START_TEST(test_empty_path_is_an_error)
{
  assert_only("{\"path\": \"\"}", PREFIX ".path",
              "expected a path, got an empty string");
}
END_TEST

/* --- Secrets ----------------------------------------------------------- */

START_TEST(test_secret_from_environment_passes)
{
  ck_assert_int_eq(run(table, "{\"path\": \"a\", \"client_secret\": \"s3\"}",
                       "{\"path\": \"a\", \"client_secret\": \"${MY_S3}\"}"),
                   TF_OK);
  ck_assert_str_eq(tf_config_string(cfg, "client_secret"), "s3");
}
END_TEST

START_TEST(test_secret_literal_is_rejected)
{
  char *text;

  ck_assert_int_eq(run(table,
                       "{\"path\": \"a\", \"client_secret\": \"hunter2\"}",
                       "{\"path\": \"a\", \"client_secret\": \"hunter2\"}"),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".client_secret",
              "secret option \"client_secret\" must come from the "
              "environment, e.g. \"${CLIENT_SECRET}\"");
  text = json_dumps(diags, 0);
  ck_assert_ptr_null(strstr(text, "hunter2"));
  free(text);
}
END_TEST

START_TEST(test_secret_must_be_a_single_reference)
{
  static const char *const bad[] = {
      "{\"client_secret\": \"x${A}\"}", "{\"client_secret\": \"${A}${B}\"}",
      "{\"client_secret\": \"${}\"}", "{\"client_secret\": \"${1A}\"}",
      "{\"client_secret\": 5}"};
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    json_array_clear(diags);
    ck_assert_int_eq(
        run(table, "{\"path\": \"a\", \"client_secret\": \"v\"}", bad[i]),
        TF_ERR_CONFIG);
    ck_assert_msg(json_array_size(diags) == 1, "for %s", bad[i]);
  }
}
END_TEST

START_TEST(test_secret_value_never_in_messages)
{
  static const char *const modes[] = {"fast", "slow", NULL};
  static const tf_option opts[] = {
      {"mode", TF_OPT_ENUM, NULL, TF_OPT_SECRET, 0, 0, modes, "m"},
      {"limit", TF_OPT_SIZE, NULL, TF_OPT_SECRET, 0, 0, NULL, "l"},
      {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};
  char *text;

  ck_assert_int_eq(run(opts, "{\"mode\": \"fsat\", \"limit\": \"9Q\"}",
                       "{\"mode\": \"${M}\", \"limit\": \"${L}\"}"),
                   TF_ERR_CONFIG);
  assert_diag(PREFIX ".mode", "<secret> is not one of: fast, slow");
  assert_diag(PREFIX ".limit", "invalid size <secret>: use a number with an "
                               "optional K, M or G suffix");
  text = json_dumps(diags, 0);
  ck_assert_ptr_null(strstr(text, "fsat"));
  ck_assert_ptr_null(strstr(text, "9Q"));
  free(text);
}
END_TEST

START_TEST(test_redacted_hides_secrets)
{
  json_t *red;

  ck_assert_int_eq(
      run(table, "{\"path\": \"/a\", \"client_secret\": \"s3\"}", NULL), TF_OK);
  red = tf_config_redacted(cfg);
  ck_assert_ptr_nonnull(red);
  ck_assert_str_eq(json_string_value(json_object_get(red, "client_secret")),
                   "<secret>");
  ck_assert_str_eq(json_string_value(json_object_get(red, "path")), "/a");
  ck_assert_int_eq(json_integer_value(json_object_get(red, "batch_size")), 100);
  json_decref(red);
  ck_assert_str_eq(tf_config_string(cfg, "client_secret"), "s3");
}
END_TEST

START_TEST(test_redacted_leaves_unset_secret_out)
{
  json_t *red;

  ck_assert_int_eq(run(table, "{\"path\": \"/a\"}", NULL), TF_OK);
  red = tf_config_redacted(cfg);
  ck_assert_ptr_null(json_object_get(red, "client_secret"));
  json_decref(red);
}
END_TEST

/* --- Table helpers and names ------------------------------------------- */

START_TEST(test_table_helpers)
{
  ck_assert_uint_eq(tf_options_count(table), 11);
  ck_assert_uint_eq(tf_options_count(NULL), 0);
  ck_assert_ptr_eq(tf_options_find(table, "ratio"), &table[3]);
  ck_assert_ptr_null(tf_options_find(table, "nope"));
  ck_assert_ptr_null(tf_options_find(NULL, "ratio"));
}
END_TEST

START_TEST(test_option_type_names)
{
  ck_assert_str_eq(tf_option_type_name(TF_OPT_STRING), "string");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_INT), "int");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_BOOL), "bool");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_DOUBLE), "double");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_SIZE), "size");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_DURATION), "duration");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_ENUM), "enum");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_LIST), "list");
  ck_assert_str_eq(tf_option_type_name(TF_OPT_OBJECT), "object");
  ck_assert_str_eq(tf_option_type_name((tf_option_type)99), "unknown");
}
END_TEST

START_TEST(test_strerror_covers_every_code)
{
  int code;

  ck_assert_str_eq(tf_strerror(TF_OK), "success");
  ck_assert_str_eq(tf_strerror(TF_ERR_CONFIG), "invalid plugin configuration");
  for (code = TF_ERR_RANGE; code < TF_OK; code++)
    ck_assert_str_ne(tf_strerror(code), "unknown error");
  ck_assert_str_eq(tf_strerror(TF_ERR_RANGE - 1), "unknown error");
  ck_assert_str_eq(tf_strerror(7), "unknown error");
}
END_TEST

START_TEST(test_plugin_kind_names)
{
  ck_assert_str_eq(tf_plugin_kind_name(TF_KIND_SOURCE), "source");
  ck_assert_str_eq(tf_plugin_kind_name(TF_KIND_TRANSFORM), "transform");
  ck_assert_str_eq(tf_plugin_kind_name(TF_KIND_SINK), "sink");
  ck_assert_str_eq(tf_plugin_kind_name((tf_plugin_kind)0), "unknown");
}
END_TEST

static TCase *new_case(Suite *s, const char *name)
{
  TCase *tc = tcase_create(name);

  tcase_add_checked_fixture(tc, setup, teardown);
  suite_add_tcase(s, tc);
  return tc;
}

static Suite *options_suite(void)
{
  Suite *s = suite_create("options");
  TCase *tc;

  tc = new_case(s, "normalize");
  tcase_add_test(tc, test_valid_config_has_no_diagnostics);
  tcase_add_test(tc, test_defaults_are_filled_in);
  tcase_add_test(tc, test_given_versus_default);
  tcase_add_test(tc, test_unset_options_read_as_zero);
  tcase_add_test(tc, test_null_given_is_an_empty_config);
  tcase_add_test(tc, test_base_dir_is_kept);

  tc = new_case(s, "errors");
  tcase_add_test(tc, test_unknown_key_with_suggestion);
  tcase_add_test(tc, test_unknown_key_without_suggestion);
  tcase_add_test(tc, test_expected_string);
  tcase_add_test(tc, test_expected_boolean);
  tcase_add_test(tc, test_int_rejects_fractions_and_strings);
  tcase_add_test(tc, test_int_rejects_string);
  tcase_add_test(tc, test_expected_object);
  tcase_add_test(tc, test_config_must_be_an_object);
  tcase_add_test(tc, test_missing_required);
  tcase_add_test(tc, test_int_out_of_range);
  tcase_add_test(tc, test_size_out_of_range_reads_as_written);
  tcase_add_test(tc, test_duration_out_of_range_reads_as_written);
  tcase_add_test(tc, test_list_length_out_of_range);
  tcase_add_test(tc, test_one_sided_range);
  tcase_add_test(tc, test_enum_not_allowed_with_suggestion);
  tcase_add_test(tc, test_enum_not_allowed_without_suggestion);
  tcase_add_test(tc, test_enum_must_be_a_string);
  tcase_add_test(tc, test_list_must_be_an_array);
  tcase_add_test(tc, test_list_elements_must_be_strings);
  tcase_add_test(tc, test_list_of_objects_keeps_its_objects);
  tcase_add_test(tc, test_list_of_objects_refuses_other_elements);
  tcase_add_test(tc, test_every_problem_is_reported);
  tcase_add_test(tc, test_empty_prefix_paths_are_bare_names);
  tcase_add_test(tc, test_validate_without_out);

  tc = new_case(s, "plugin_bugs");
  tcase_add_test(tc, test_default_not_json);
  tcase_add_test(tc, test_default_out_of_range);
  tcase_add_test(tc, test_default_enum_not_allowed);
  tcase_add_test(tc, test_unknown_type_is_a_plugin_bug);

  tc = new_case(s, "sizes");
  tcase_add_test(tc, test_size_units);
  tcase_add_test(tc, test_size_invalid_text);
  tcase_add_test(tc, test_size_overflow);
  tcase_add_test(tc, test_size_option_converts_to_bytes);
  tcase_add_test(tc, test_size_option_integer_is_bytes);
  tcase_add_test(tc, test_size_option_rejects_bad_values);
  tcase_add_test(tc, test_size_option_overflow_is_an_error);
  tcase_add_test(tc, test_size_option_empty_string);
  tcase_add_test(tc, test_size_option_wrong_type);

  tc = new_case(s, "durations");
  tcase_add_test(tc, test_duration_units);
  tcase_add_test(tc, test_duration_invalid_text);
  tcase_add_test(tc, test_duration_overflow);
  tcase_add_test(tc, test_duration_option_integer_is_seconds);
  tcase_add_test(tc, test_duration_option_converts_to_ms);
  tcase_add_test(tc, test_duration_option_rejects_negative_and_huge);
  tcase_add_test(tc, test_duration_option_wrong_type);

  tc = new_case(s, "paths");
  tcase_add_test(tc, test_relative_path_is_resolved);
  tcase_add_test(tc, test_absolute_path_is_kept);
  tcase_add_test(tc, test_path_list_elements_are_resolved);
  tcase_add_test(tc, test_path_without_base_dir_is_kept);
  tcase_add_test(tc, test_base_dir_with_trailing_slash);
  tcase_add_test(tc, test_default_path_is_resolved);
  tcase_add_test(tc, test_empty_path_is_an_error);

  tc = new_case(s, "secrets");
  tcase_add_test(tc, test_secret_from_environment_passes);
  tcase_add_test(tc, test_secret_literal_is_rejected);
  tcase_add_test(tc, test_secret_must_be_a_single_reference);
  tcase_add_test(tc, test_secret_value_never_in_messages);
  tcase_add_test(tc, test_redacted_hides_secrets);
  tcase_add_test(tc, test_redacted_leaves_unset_secret_out);

  tc = new_case(s, "names");
  tcase_add_test(tc, test_table_helpers);
  tcase_add_test(tc, test_option_type_names);
  tcase_add_test(tc, test_strerror_covers_every_code);
  tcase_add_test(tc, test_plugin_kind_names);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(options_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
