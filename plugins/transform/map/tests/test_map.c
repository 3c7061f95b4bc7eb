/*
 * test_map.c - tests of the `map` transform on libtouchflow-check's host:
 * selecting, copying, renaming and nesting fields, constants and defaults,
 * each `missing` mode, what it rejects, the config errors init reports, and
 * that inputs stay untouched and outputs keep their origin.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

const tf_plugin *transform_map_LTX_tf_plugin_entry(void);

#define LOGS_LEN 4096

static tf_check_host *host;
static tf_batch *input;
static size_t logs_from; /* log lines before it do not count */

static void setup(void)
{
  host = tf_check_host_new(transform_map_LTX_tf_plugin_entry(), "map");
  input = tf_batch_new();
  ck_assert_ptr_nonnull(host);
  ck_assert_ptr_nonnull(input);
  logs_from = 0;
}

static void teardown(void)
{
  tf_check_host_free(host);
  tf_batch_free(input);
}

/* What the plugin emitted, and how many records it rejected. */
static const tf_batch *output(void)
{
  return tf_check_emitted(host);
}

static size_t rejects(void)
{
  return tf_check_reject_count(host);
}

/* The code and message of the last reject ("" before any). */
static const char *last_code(void)
{
  size_t n = rejects();

  return n ? tf_check_reject_get(host, n - 1)->code : "";
}

static const char *last_message(void)
{
  size_t n = rejects();

  return n ? tf_check_reject_get(host, n - 1)->message : "";
}

/* Every line logged since the instance started, one a line. */
static const char *logs(void)
{
  static char text[LOGS_LEN];
  size_t i, n = 0;

  text[0] = '\0';
  for (i = logs_from; i < tf_check_log_count(host) && n < sizeof(text); i++)
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
                          tf_check_log_line(host, i, NULL));
  return text;
}

/* The instance the host runs: its plugin, config and state (borrowed). */
typedef struct instance {
  const tf_transform_plugin *plugin;
  const tf_config *cfg;
  void *state;
} instance;

/* Validates config_json against the plugin's table (which must accept it)
 * and calls init alone. */
static int try_start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);
  char msg[1024];
  int rc;

  ck_assert_ptr_nonnull(given);
  logs_from = tf_check_log_count(host);
  rc = tf_check_host_init_unchecked(host, given, NULL);
  json_decref(given);
  ck_assert_msg(tf_check_config(host) != NULL, "config: %s",
                tf_check_messages_text(host, msg, sizeof(msg)));
  in->plugin = tf_plugin_transform(tf_check_plugin(host));
  in->cfg = tf_check_config(host);
  in->state = tf_check_state(host);
  return rc;
}

/* Appends "PATH: message" (as init() logs it) to the text ud. */
static void collect_problem(void *ud, const char *path, const char *message)
{
  char *text = ud;
  size_t n = strlen(text);

  snprintf(text + n, LOGS_LEN - n, "%s%s%s\n", path, *path ? ": " : "",
           message);
}

/* The plugin's check() on in's config; problems gets one line each. */
static int check_config(const instance *in, char problems[LOGS_LEN])
{
  problems[0] = '\0';
  ck_assert_ptr_nonnull(in->plugin->base.check);
  return in->plugin->base.check(in->cfg, collect_problem, problems);
}

/* init accepts the config without a word, and so does check(). */
static void start(instance *in, const char *config_json)
{
  char problems[LOGS_LEN];

  ck_assert_int_eq(try_start(in, config_json), TF_OK);
  ck_assert_str_eq(logs(), "");
  ck_assert_int_eq(check_config(in, problems), TF_OK);
  ck_assert_str_eq(problems, "");
}

/* Calls init with a config it must refuse, after logging exactly what
 * check() reports on it (the two cannot disagree). */
static void start_refused(const char *config_json)
{
  char problems[LOGS_LEN];
  instance in;

  ck_assert_int_eq(try_start(&in, config_json), TF_ERR_CONFIG);
  ck_assert_ptr_null(in.state);
  ck_assert_int_eq(check_config(&in, problems), TF_ERR_CONFIG);
  ck_assert_str_eq(logs(), problems);
}

static void stop(instance *in)
{
  tf_check_host_fini(host);
  in->state = NULL;
}

static void add(const char *text)
{
  tf_record *rec = tf_record_parse(text, strlen(text), NULL, NULL, 0);

  ck_assert_ptr_nonnull(rec);
  ck_assert_int_eq(tf_batch_push(input, rec), TF_OK);
}

static void process(instance *in)
{
  ck_assert_ptr_eq(in->state, tf_check_state(host));
  ck_assert_int_eq(tf_check_process(host, input), TF_OK);
}

/* Asserts that output record i equals the JSON text expected. */
static void assert_output(size_t i, const char *expected)
{
  json_t *want = json_loads(expected, 0, NULL);
  const json_t *got = tf_record_json(tf_batch_get(output(), i));
  char *text;

  ck_assert_ptr_nonnull(want);
  ck_assert_ptr_nonnull(got);
  text = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
  ck_assert_msg(json_equal(want, (json_t *)got), "output %zu is %s", i, text);
  free(text);
  json_decref(want);
}

/* Maps one record with config_json and checks the one output. */
static void map_one(const char *config_json, const char *record,
                    const char *expected)
{
  instance in;

  start(&in, config_json);
  add(record);
  process(&in);
  ck_assert_int_eq(rejects(), 0);
  ck_assert_uint_eq(tf_batch_count(output()), 1);
  assert_output(0, expected);
  stop(&in);
}

/* Maps one record with config_json and checks it was rejected with code. */
static void reject_one(const char *config_json, const char *record,
                       const char *code)
{
  instance in;

  start(&in, config_json);
  add(record);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 0);
  ck_assert_int_eq(rejects(), 1);
  ck_assert_str_eq(last_code(), code);
  stop(&in);
}

static void assert_logged(const char *text)
{
  ck_assert_msg(strstr(logs(), text) != NULL, "\"%s\" not in log:\n%s", text,
                logs());
}

/* --- The descriptor ------------------------------------------------------ */

START_TEST(descriptor)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_map_LTX_tf_plugin_entry());
  size_t i;

  ck_assert_int_eq(p->base.abi_major, TF_ABI_MAJOR);
  ck_assert_int_eq(p->base.kind, TF_KIND_TRANSFORM);
  ck_assert_str_eq(p->base.name, "map");
  ck_assert_str_eq(p->base.version, "0.1.0");
  ck_assert_str_eq(p->base.license, "MIT");
  ck_assert_ptr_nonnull(p->process);
  ck_assert_ptr_null(p->snapshot);
  ck_assert_ptr_null(p->restore);
  ck_assert_uint_eq(tf_options_count(p->base.options), 4);
  for (i = 0; p->base.options[i].name; i++)
    ck_assert_ptr_nonnull(p->base.options[i].description);
  ck_assert_uint_eq(tf_options_find(p->base.options, "fields")->flags &
                        TF_OPT_REQUIRED,
                    TF_OPT_REQUIRED);
}
END_TEST

/* --- Mapping -------------------------------------------------------------- */

START_TEST(select_fields)
{
  map_one("{\"fields\": {\"email\": \"contact.attributes.email\","
          " \"first\": \"messages.0.body\"}, \"drop_unmapped\": true}",
          "{\"contact\": {\"attributes\": {\"email\": \"a@x.io\"}},"
          " \"messages\": [{\"body\": \"hi\"}, {\"body\": \"bye\"}],"
          " \"id\": 7}",
          "{\"email\": \"a@x.io\", \"first\": \"hi\"}");
}
END_TEST

START_TEST(copy_keeps_other_fields)
{
  map_one("{\"fields\": {\"mail\": \"email\"}}",
          "{\"email\": \"a@x.io\", \"id\": 7}",
          "{\"email\": \"a@x.io\", \"id\": 7, \"mail\": \"a@x.io\"}");
}
END_TEST

START_TEST(target_overwrites_existing_field)
{
  map_one("{\"fields\": {\"id\": \"ext.id\"}}",
          "{\"id\": 7, \"ext\": {\"id\": \"E-1\"}}",
          "{\"id\": \"E-1\", \"ext\": {\"id\": \"E-1\"}}");
}
END_TEST

START_TEST(rename_removes_sources)
{
  map_one("{\"fields\": {\"mail\": \"email\", \"tel\": \"contact.phone\"},"
          " \"remove_sources\": true}",
          "{\"email\": \"a@x.io\", \"contact\": {\"phone\": \"1\"},"
          " \"id\": 7}",
          "{\"mail\": \"a@x.io\", \"tel\": \"1\", \"id\": 7}");
}
END_TEST

START_TEST(rename_keeps_absent_sources_fields)
{
  map_one("{\"fields\": {\"tel\": {\"path\": \"contact.phone\","
          " \"default\": \"none\"}}, \"remove_sources\": true}",
          "{\"contact\": {\"name\": \"Ann\"}}",
          "{\"contact\": {\"name\": \"Ann\"}, \"tel\": \"none\"}");
}
END_TEST

START_TEST(rename_swaps_fields)
{
  map_one("{\"fields\": {\"a\": \"b\", \"b\": \"a\"},"
          " \"remove_sources\": true}",
          "{\"a\": 1, \"b\": 2}", "{\"a\": 2, \"b\": 1}");
}
END_TEST

START_TEST(rename_into_own_field)
{
  map_one("{\"fields\": {\"name.first\": \"name\"},"
          " \"remove_sources\": true}",
          "{\"name\": \"Ann\"}", "{\"name\": {\"first\": \"Ann\"}}");
}
END_TEST

START_TEST(nesting_builds_objects)
{
  map_one("{\"fields\": {\"person.email\": \"email\","
          " \"person.name.first\": \"first\"}, \"drop_unmapped\": true}",
          "{\"email\": \"a@x.io\", \"first\": \"Ann\"}",
          "{\"person\": {\"email\": \"a@x.io\","
          " \"name\": {\"first\": \"Ann\"}}}");
}
END_TEST

START_TEST(nesting_merges_into_existing_object)
{
  map_one("{\"fields\": {\"person.email\": \"email\"}}",
          "{\"email\": \"a@x.io\", \"person\": {\"name\": \"Ann\"}}",
          "{\"email\": \"a@x.io\","
          " \"person\": {\"name\": \"Ann\", \"email\": \"a@x.io\"}}");
}
END_TEST

START_TEST(nesting_into_non_object_rejected)
{
  reject_one("{\"fields\": {\"person.email\": \"email\"}}",
             "{\"email\": \"a@x.io\", \"person\": \"Ann\"}", "target_conflict");
  ck_assert_ptr_nonnull(strstr(last_message(), "person.email"));
}
END_TEST

START_TEST(nested_values_are_copied)
{
  map_one("{\"fields\": {\"c\": \"contact\"}, \"drop_unmapped\": true}",
          "{\"contact\": {\"tags\": [1, {\"x\": null}]}}",
          "{\"c\": {\"tags\": [1, {\"x\": null}]}}");
}
END_TEST

START_TEST(constants)
{
  map_one("{\"fields\": {\"origin\": {\"const\": \"web\"},"
          " \"meta.v\": {\"const\": {\"n\": [1, 2]}},"
          " \"none\": {\"const\": null}}, \"drop_unmapped\": true}",
          "{\"id\": 7}",
          "{\"origin\": \"web\", \"meta\": {\"v\": {\"n\": [1, 2]}},"
          " \"none\": null}");
}
END_TEST

START_TEST(default_used_when_source_absent)
{
  map_one("{\"fields\": {\"ch\": {\"path\": \"utm.channel\","
          " \"default\": \"Direct\"}}, \"drop_unmapped\": true,"
          " \"missing\": \"reject\"}",
          "{\"utm\": {}}", "{\"ch\": \"Direct\"}");
}
END_TEST

START_TEST(default_unused_when_source_present)
{
  map_one("{\"fields\": {\"ch\": {\"path\": \"utm.channel\","
          " \"default\": \"Direct\"}}, \"drop_unmapped\": true}",
          "{\"utm\": {\"channel\": \"Email\"}}", "{\"ch\": \"Email\"}");
}
END_TEST

START_TEST(path_object_without_default)
{
  map_one("{\"fields\": {\"ch\": {\"path\": \"utm.channel\"}},"
          " \"drop_unmapped\": true}",
          "{\"utm\": {\"channel\": \"Email\"}}", "{\"ch\": \"Email\"}");
}
END_TEST

START_TEST(drop_unmapped_false_keeps_input)
{
  map_one("{\"fields\": {\"k\": {\"const\": 1}}, \"drop_unmapped\": false}",
          "{\"a\": 1, \"b\": {\"c\": 2}}",
          "{\"a\": 1, \"b\": {\"c\": 2}, \"k\": 1}");
}
END_TEST

START_TEST(drop_unmapped_true_keeps_only_targets)
{
  map_one("{\"fields\": {\"k\": \"b.c\"}, \"drop_unmapped\": true,"
          " \"remove_sources\": true}",
          "{\"a\": 1, \"b\": {\"c\": 2}}", "{\"k\": 2}");
}
END_TEST

START_TEST(missing_skip_leaves_target_out)
{
  map_one("{\"fields\": {\"mail\": \"email\", \"id\": \"id\"},"
          " \"drop_unmapped\": true}",
          "{\"id\": 7}", "{\"id\": 7}");
}
END_TEST

START_TEST(missing_null_sets_null)
{
  map_one("{\"fields\": {\"mail\": \"contact.email\", \"id\": \"id\"},"
          " \"drop_unmapped\": true, \"missing\": \"null\"}",
          "{\"id\": 7, \"contact\": 3}", "{\"mail\": null, \"id\": 7}");
}
END_TEST

START_TEST(missing_reject_dead_letters)
{
  reject_one("{\"fields\": {\"id\": \"id\", \"mail\": \"messages.2.email\"},"
             " \"missing\": \"reject\"}",
             "{\"id\": 7, \"messages\": [{}, {}]}", "missing_field");
  ck_assert_ptr_nonnull(strstr(last_message(), "messages.2.email"));
}
END_TEST

START_TEST(null_value_is_not_missing)
{
  map_one("{\"fields\": {\"mail\": \"email\"}, \"drop_unmapped\": true,"
          " \"missing\": \"reject\"}",
          "{\"email\": null}", "{\"mail\": null}");
}
END_TEST

START_TEST(raw_record_rejected)
{
  instance in;
  tf_origin origin = {"in.ndjson", 3};

  start(&in, "{\"fields\": {\"k\": {\"const\": 1}}}");
  ck_assert_int_eq(tf_batch_push(input, tf_record_new_raw("{oops", 5, &origin)),
                   TF_OK);
  add("{\"a\": 1}");
  process(&in);
  ck_assert_int_eq(rejects(), 1);
  ck_assert_str_eq(last_code(), "not_an_object");
  ck_assert_uint_eq(tf_batch_count(output()), 1);
  assert_output(0, "{\"a\": 1, \"k\": 1}");
  stop(&in);
}
END_TEST

START_TEST(input_batch_unchanged)
{
  static const char *const records[] = {
      "{\"email\": \"a@x.io\", \"person\": {\"name\": \"Ann\"}}",
      "{\"email\": \"b@x.io\", \"person\": {}, \"n\": [1, 2]}"};
  char *before[2];
  instance in;
  size_t i;

  start(&in, "{\"fields\": {\"person.email\": \"email\","
             " \"n\": {\"const\": 0}}, \"remove_sources\": true}");
  for (i = 0; i < 2; i++) {
    add(records[i]);
    before[i] =
        json_dumps(tf_record_json(tf_batch_get(input, i)), JSON_SORT_KEYS);
  }
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 2);
  for (i = 0; i < 2; i++) {
    char *after =
        json_dumps(tf_record_json(tf_batch_get(input, i)), JSON_SORT_KEYS);

    ck_assert_str_eq(before[i], after);
    ck_assert_ptr_ne(tf_batch_get(input, i), tf_batch_get(output(), i));
    free(after);
    free(before[i]);
  }
  stop(&in);
}
END_TEST

START_TEST(origin_kept)
{
  static const char text[] = "{\"email\": \"a@x.io\"}";
  tf_origin origin = {"data/hits.ndjson", 17};
  tf_origin got;
  instance in;

  start(&in, "{\"fields\": {\"mail\": \"email\"}, \"drop_unmapped\": true}");
  ck_assert_int_eq(tf_batch_push(input, tf_record_parse(text, strlen(text),
                                                        &origin, NULL, 0)),
                   TF_OK);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 1);
  got = tf_record_origin(tf_batch_get(output(), 0));
  ck_assert_str_eq(got.file, "data/hits.ndjson");
  ck_assert_int_eq(got.line, 17);
  stop(&in);
}
END_TEST

/* map holds nothing: every record comes out of process() itself, and
 * having no flush() (nor advance()) tells the host so, which lets
 * --state-dir checkpoint it without a snapshot (docs/checkpoints.md). */
START_TEST(holds_nothing)
{
  instance in;

  start(&in, "{\"fields\": {\"k\": {\"const\": 1}}}");
  add("{\"a\": 1}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 1);
  ck_assert_ptr_null(in.plugin->flush);
  ck_assert_ptr_null(in.plugin->advance);
  stop(&in);
}
END_TEST

START_TEST(many_batches)
{
  instance in;

  start(&in, "{\"fields\": {\"k\": \"a\"}, \"drop_unmapped\": true}");
  add("{\"a\": 1}");
  process(&in);
  tf_batch_clear(input);
  add("{\"a\": 2}");
  add("{\"b\": 3}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 3);
  assert_output(0, "{\"k\": 1}");
  assert_output(1, "{\"k\": 2}");
  assert_output(2, "{}");
  stop(&in);
}
END_TEST

/* Maps one record with config_json and checks the output's text, byte for
 * byte, and that neither the input nor the output got a jansson tree. */
static void map_text(const char *config_json, const char *record,
                     const char *expected)
{
  instance in;
  const tf_record *got;
  size_t len;

  tf_batch_clear(input);
  tf_check_clear_records(host);
  start(&in, config_json);
  add(record);
  process(&in);
  ck_assert_int_eq(rejects(), 0);
  ck_assert_uint_eq(tf_batch_count(output()), 1);
  got = tf_batch_get(output(), 0);
  ck_assert_uint_eq(tf_record_debug_state(got) & TF_RECORD_HAS_TREE, 0);
  ck_assert_uint_eq(
      tf_record_debug_state(tf_batch_get(input, 0)) & TF_RECORD_HAS_TREE, 0);
  ck_assert_ptr_nonnull(tf_record_bytes(got, &len));
  ck_assert_str_eq(tf_record_bytes(got, &len), expected);
  stop(&in);
}

/* The output is written as text with no tree, in the key order of the
 * jansson version: the input's members in place (replaced or merged in
 * place), removed sources and new targets at the end in `fields` order,
 * values as they stand in the input, whitespace left out. */
START_TEST(output_text_and_key_order)
{
  map_text("{\"fields\": {\"mail\": \"email\"}}",
           "{\"email\": \"a@x.io\", \"id\": 7}",
           "{\"email\":\"a@x.io\",\"id\":7,\"mail\":\"a@x.io\"}");
  map_text("{\"fields\": {\"id\": \"ext.id\", \"z\": {\"const\": [1, 2.5]}}}",
           "{\"id\": 7, \"ext\": {\"id\": \"E-1\"}, \"n\": 1}",
           "{\"id\":\"E-1\",\"ext\":{\"id\":\"E-1\"},\"n\":1,\"z\":[1,2.5]}");
  map_text("{\"fields\": {\"a\": \"b\", \"b\": \"a\"},"
           " \"remove_sources\": true}",
           "{\"a\": 1, \"c\": 0, \"b\": 2}", "{\"c\":0,\"a\":2,\"b\":1}");
  map_text("{\"fields\": {\"p.q.r\": \"x\", \"k\": \"x\", \"p.s\": \"y\","
           " \"p.q.t\": {\"const\": null}}}",
           "{\"p\": {\"s\": 0, \"u\": {\"v\": [1, {\"w\": \"x y\"}]}},"
           " \"x\": \"X\", \"y\": true}",
           "{\"p\":{\"s\":true,\"u\":{\"v\":[1,{\"w\":\"x y\"}]},"
           "\"q\":{\"r\":\"X\",\"t\":null}},\"x\":\"X\",\"y\":true,"
           "\"k\":\"X\"}");
  map_text("{\"fields\": {\"a.x\": \"gone\", \"b\": \"c\", \"a.y\": \"c\"},"
           " \"drop_unmapped\": true}",
           "{\"c\": {\"d\": [1.50, \"\\u00e9\"]}}",
           "{\"b\":{\"d\":[1.50,\"\\u00e9\"]},\"a\":{\"y\":{\"d\":[1.50,"
           "\"\\u00e9\"]}}}");
  map_text("{\"fields\": {\"n\": \"m\"}, \"missing\": \"null\","
           " \"drop_unmapped\": true}",
           "{}", "{\"n\":null}");
  map_text("{\"fields\": {\"k\\u00e9\": {\"const\": \"\\u00e9\\n\"}}}",
           "{\"q\\\"\": 1}", "{\"q\\\"\":1,\"k\u00e9\":\"\u00e9\\n\"}");
}
END_TEST

/* Every output of a batch is a record of its own written as text. */
START_TEST(outputs_have_no_tree)
{
  instance in;
  size_t i;

  start(&in, "{\"fields\": {\"person.email\": \"email\","
             " \"n\": {\"const\": 0}}, \"remove_sources\": true}");
  add("{\"email\": \"a@x.io\", \"person\": {\"name\": \"Ann\"}}");
  add("{\"email\": \"b@x.io\", \"person\": {}, \"n\": [1, 2]}");
  add("{\"id\": 3}");
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 3);
  for (i = 0; i < 3; i++) {
    ck_assert_uint_eq(
        tf_record_debug_state(tf_batch_get(input, i)) & TF_RECORD_HAS_TREE, 0);
    ck_assert_uint_eq(tf_record_debug_state(tf_batch_get(output(), i)) &
                          TF_RECORD_HAS_TREE,
                      0);
    ck_assert_ptr_nonnull(tf_record_bytes(tf_batch_get(output(), i), NULL));
  }
  assert_output(0, "{\"person\": {\"name\": \"Ann\", \"email\": \"a@x.io\"},"
                   " \"n\": 0}");
  assert_output(1, "{\"person\": {\"email\": \"b@x.io\"}, \"n\": 0}");
  assert_output(2, "{\"id\": 3, \"n\": 0}");
  stop(&in);
}
END_TEST

/* A record made from a json_t (as a CSV row is) maps the same. */
START_TEST(record_made_from_json_t)
{
  instance in;
  size_t len;

  start(&in, "{\"fields\": {\"b\": \"a\"}}");
  ck_assert_int_eq(tf_batch_push(input, tf_record_new(json_pack(
                                            "{s:s,s:n}", "a", "x y", "c"))),
                   TF_OK);
  process(&in);
  ck_assert_uint_eq(tf_batch_count(output()), 1);
  ck_assert_str_eq(tf_record_bytes(tf_batch_get(output(), 0), &len),
                   "{\"a\":\"x y\",\"c\":null,\"b\":\"x y\"}");
  stop(&in);
}
END_TEST

/* --- Config errors -------------------------------------------------------- */

START_TEST(conflicting_targets_refused)
{
  start_refused("{\"fields\": {\"a\": \"x\", \"a.b\": \"y\","
                " \"ab\": \"z\"}}");
  assert_logged("fields.a.b: conflicts with fields.a");
  ck_assert_ptr_null(strstr(logs(), "fields.ab"));
}
END_TEST

START_TEST(bad_entries_refused_each_named)
{
  start_refused("{\"fields\": {\"person.email\": 3,"
                " \"ok\": \"fine\", \"person\": \"p\","
                " \"both\": {\"const\": 1, \"path\": \"a\"},"
                " \"neither\": {\"default\": 1},"
                " \"typo\": {\"paht\": \"a\"},"
                " \"emptypath\": \"a..b\","
                " \"pathtype\": {\"path\": [\"a\"]},"
                " \"bad..target\": \"a\"}}");
  assert_logged("fields.person.email: expected a source path string or "
                "{\"const\": ...}");
  assert_logged("fields.both: \"const\" cannot be combined");
  assert_logged("fields.neither: expected {\"const\": ...} or {\"path\"");
  assert_logged("fields.typo: unknown key \"paht\"");
  assert_logged("fields.emptypath: the source path must be");
  assert_logged("fields.pathtype: the source path must be");
  assert_logged("fields.bad..target: a target must be");
  assert_logged("fields.person.email: conflicts with fields.person");
  ck_assert_ptr_null(strstr(logs(), "fields.ok"));
}
END_TEST

START_TEST(empty_fields_refused)
{
  start_refused("{\"fields\": {}}");
  assert_logged("fields: needs at least one target");
}
END_TEST

START_TEST(check_reports_each_entry_at_its_path)
{
  instance in;
  char problems[LOGS_LEN];

  ck_assert_int_eq(try_start(&in, "{\"fields\": {\"a\": \"x\", \"a.b\": 7,"
                                  " \"c\": {\"const\": 1, \"default\": 2}}}"),
                   TF_ERR_CONFIG);
  ck_assert_int_eq(check_config(&in, problems), TF_ERR_CONFIG);
  ck_assert_str_eq(problems,
                   "fields.a.b: expected a source path string or {\"const\": "
                   "...} or {\"path\": ..., \"default\": ...}\n"
                   "fields.c: \"const\" cannot be combined with \"path\" or "
                   "\"default\"\n"
                   "fields.a.b: conflicts with fields.a (a target cannot be "
                   "both a value and an object holding other targets)\n");
}
END_TEST

START_TEST(fields_required)
{
  const tf_transform_plugin *p =
      tf_plugin_transform(transform_map_LTX_tf_plugin_entry());
  json_t *given = json_pack("{s:b}", "drop_unmapped", 1);
  tf_config *cfg = NULL;

  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       NULL, NULL, NULL, &cfg),
                   TF_ERR_CONFIG);
  ck_assert_ptr_null(cfg);
  json_decref(given);
}
END_TEST

static TCase *map_tests(void)
{
  TCase *tc = tcase_create("map");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, descriptor);
  tcase_add_test(tc, select_fields);
  tcase_add_test(tc, copy_keeps_other_fields);
  tcase_add_test(tc, target_overwrites_existing_field);
  tcase_add_test(tc, rename_removes_sources);
  tcase_add_test(tc, rename_keeps_absent_sources_fields);
  tcase_add_test(tc, rename_swaps_fields);
  tcase_add_test(tc, rename_into_own_field);
  tcase_add_test(tc, nesting_builds_objects);
  tcase_add_test(tc, nesting_merges_into_existing_object);
  tcase_add_test(tc, nesting_into_non_object_rejected);
  tcase_add_test(tc, nested_values_are_copied);
  tcase_add_test(tc, constants);
  tcase_add_test(tc, default_used_when_source_absent);
  tcase_add_test(tc, default_unused_when_source_present);
  tcase_add_test(tc, path_object_without_default);
  tcase_add_test(tc, drop_unmapped_false_keeps_input);
  tcase_add_test(tc, drop_unmapped_true_keeps_only_targets);
  tcase_add_test(tc, missing_skip_leaves_target_out);
  tcase_add_test(tc, missing_null_sets_null);
  tcase_add_test(tc, missing_reject_dead_letters);
  tcase_add_test(tc, null_value_is_not_missing);
  tcase_add_test(tc, raw_record_rejected);
  tcase_add_test(tc, input_batch_unchanged);
  tcase_add_test(tc, origin_kept);
  tcase_add_test(tc, holds_nothing);
  tcase_add_test(tc, many_batches);
  tcase_add_test(tc, output_text_and_key_order);
  tcase_add_test(tc, outputs_have_no_tree);
  tcase_add_test(tc, record_made_from_json_t);
  tcase_add_test(tc, conflicting_targets_refused);
  tcase_add_test(tc, bad_entries_refused_each_named);
  tcase_add_test(tc, empty_fields_refused);
  tcase_add_test(tc, check_reports_each_entry_at_its_path);
  tcase_add_test(tc, fields_required);
  return tc;
}

TF_CHECK_MAIN("transform_map", map_tests)
