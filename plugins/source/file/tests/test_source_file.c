/*
 * test_source_file.c - tests of the `file` source plugin, driven through a
 * tf_check_host (<touchflow/check.h>: it collects emitted records,
 * rejects, metrics and log lines), and its golden cases in tests/golden: NDJSON
 * and CSV records, every dead-letter code, gzip, globs, truncated input,
 * resuming from a position, and records declared sorted_by_time with their
 * time in time_field.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include <touchflow/io.h>

const tf_plugin *source_file_LTX_tf_plugin_entry(void);

static char tmpdir[64];
/* The tests' host (<touchflow/check.h>): the instances run through its
 * table and ctx, and it collects what they hand back. */
static tf_check_host *harness;

static void setup(void)
{
  strcpy(tmpdir, "/tmp/tf_srcf_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  harness = tf_check_host_new(source_file_LTX_tf_plugin_entry(), "src");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  char cmd[128];
  size_t i;

  /* Every reject has a message and names the file it came from. */
  for (i = 0; i < tf_check_reject_count(harness); i++) {
    const tf_check_reject *r = tf_check_reject_get(harness, i);

    ck_assert_str_ne(r->message, "(null)");
    ck_assert_ptr_nonnull(r->origin.file);
  }
  tf_check_host_free(harness);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *data, size_t len)
{
  char path[256];
  tf_line_writer *w;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, data, len), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
}

static void write_text(const char *name, const char *text)
{
  write_file(name, text, strlen(text));
}

/* A running plugin instance and its config. */
typedef struct instance {
  const tf_source_plugin *plugin;
  tf_config *cfg;
  void *state;
} instance;

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

/* Starts the plugin with a JSON config; returns init's result. */
static int start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);
  int rc;

  ck_assert_ptr_nonnull(given);
  in->plugin = tf_plugin_source(source_file_LTX_tf_plugin_entry());
  in->state = NULL;
  ck_assert_int_eq(tf_options_validate(in->plugin->base.options, given, NULL,
                                       "config", tmpdir, diag_fail, NULL,
                                       &in->cfg),
                   TF_OK);
  json_decref(given);
  rc = in->plugin->base.init(tf_check_ctx(harness),
                             tf_check_host_table(harness), in->cfg, &in->state);
  if (rc != TF_OK)
    tf_config_free(in->cfg);
  return rc;
}

static void stop(instance *in)
{
  in->plugin->base.fini(in->state);
  tf_config_free(in->cfg);
}

/* Produces until done; returns the last result. */
static int drain(instance *in, size_t max)
{
  int rc;

  do {
    rc = in->plugin->produce(in->state, tf_check_ctx(harness), max);
  } while (rc == TF_MORE);
  return rc;
}

static void run_all(const char *config_json, int expected_rc)
{
  instance in;

  ck_assert_int_eq(start(&in, config_json), TF_OK);
  ck_assert_int_eq(drain(&in, 100), expected_rc);
  stop(&in);
}

static const char *field(size_t i, const char *name)
{
  return tf_record_get_string(tf_batch_get(tf_check_emitted(harness), i), name);
}

static void expect_origin(size_t i, const char *file, long line)
{
  tf_origin o = tf_record_origin(tf_batch_get(tf_check_emitted(harness), i));

  ck_assert_str_eq(o.file, file);
  ck_assert_int_eq(o.line, line);
}

static void expect_reject(size_t i, const char *code, long line)
{
  json_t *r = json_array_get(tf_check_rejects_json(harness), i);

  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(json_string_value(json_object_get(r, "code")), code);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "line")), line);
}

START_TEST(test_ndjson_records_keep_file_and_line)
{
  size_t len;

  write_text("a.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(field(1, "n"), "2");
  expect_origin(0, "a.ndjson", 1);
  expect_origin(1, "a.ndjson", 2);
  ck_assert_str_eq(
      tf_record_bytes(tf_batch_get(tf_check_emitted(harness), 0), &len),
      "{\"n\":\"1\"}");
}
END_TEST

START_TEST(test_ndjson_blank_lines_are_skipped)
{
  write_text("a.jsonl", "\n{\"n\":\"1\"}\n  \r\n\n{\"n\":\"2\"}\n\n");
  run_all("{\"path\": \"a.jsonl\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  expect_origin(0, "a.jsonl", 2);
  expect_origin(1, "a.jsonl", 5);
}
END_TEST

START_TEST(test_ndjson_invalid_json_is_rejected)
{
  write_text("a.ndjson", "{\"n\":\"1\"}\n{broken\n{\"n\":\"3\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 1);
  expect_reject(0, "invalid_json", 2);
  ck_assert_str_eq(
      json_string_value(json_object_get(
          json_array_get(tf_check_rejects_json(harness), 0), "text")),
      "{broken");
}
END_TEST

START_TEST(test_ndjson_duplicate_key_is_invalid_json)
{
  write_text("a.ndjson", "{\"n\":1,\"n\":2}\n");
  run_all("{\"path\": \"a.ndjson\"}", TF_DONE);
  expect_reject(0, "invalid_json", 1);
}
END_TEST

START_TEST(test_ndjson_non_object_is_rejected)
{
  write_text("a.ndjson", "[1,2]\n42\n{}\n");
  run_all("{\"path\": \"a.ndjson\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  expect_reject(0, "not_an_object", 1);
  expect_reject(1, "not_an_object", 2);
}
END_TEST

START_TEST(test_ndjson_invalid_utf8_is_rejected)
{
  write_text("a.ndjson", "{\"n\":\"\xC3\x28\"}\n{\"n\":\"ok\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  expect_reject(0, "invalid_utf8", 1);
}
END_TEST

START_TEST(test_ndjson_too_long_line_is_rejected)
{
  write_text("a.ndjson", "{\"n\":\"this line is long\"}\n{\"n\":\"2\"}\n");
  run_all("{\"path\": \"a.ndjson\", \"max_line_length\": 16}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  expect_reject(0, "line_too_long", 1);
  ck_assert_str_eq(
      json_string_value(json_object_get(
          json_array_get(tf_check_rejects_json(harness), 0), "text")),
      "{\"n\":\"this line ");
  expect_origin(0, "a.ndjson", 2);
}
END_TEST

START_TEST(test_csv_rows_become_objects)
{
  write_text("t.csv", "\xEF\xBB\xBF\"Id\",\"Note\",\"Type\"\r\n"
                      "\"00T1\",\"two\r\nlines\",\"Call\"\r\n"
                      "00T2,,Email\r\n");
  run_all("{\"path\": \"t.csv\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_str_eq(field(0, "Id"), "00T1");
  ck_assert_str_eq(field(0, "Note"), "two\r\nlines");
  ck_assert_str_eq(field(1, "Note"), "");
  expect_origin(0, "t.csv", 2);
  expect_origin(1, "t.csv", 4);
}
END_TEST

START_TEST(test_csv_empty_as_null)
{
  write_text("t.csv", "Id,Email\n00T1,\n");
  run_all("{\"path\": \"t.csv\", \"csv_empty_as_null\": true}", TF_DONE);
  ck_assert(json_is_null(
      tf_record_get(tf_batch_get(tf_check_emitted(harness), 0), "Email")));
}
END_TEST

START_TEST(test_csv_delimiter_option)
{
  write_text("t.csv", "a;b\n1;2,5\n");
  run_all("{\"path\": \"t.csv\", \"csv_delimiter\": \";\"}", TF_DONE);
  ck_assert_str_eq(field(0, "b"), "2,5");
}
END_TEST

START_TEST(test_csv_bad_delimiter_fails_init)
{
  instance in;

  write_text("t.csv", "a\n");
  ck_assert_int_eq(
      start(&in, "{\"path\": \"t.csv\", \"csv_delimiter\": \";;\"}"),
      TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "csv_delimiter"));
}
END_TEST

START_TEST(test_csv_wrong_column_count_is_rejected)
{
  write_text("t.csv", "a,b\n1,2\n1,2,3\n\"x\",\"open\n");
  run_all("{\"path\": \"t.csv\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  expect_reject(0, "csv_column_count", 3);
  expect_reject(1, "csv_unterminated_quote", 4);
}
END_TEST

START_TEST(test_gzip_by_extension)
{
  const char *text = "{\"n\":\"1\"}\n";

  write_file("a.ndjson.gz", text, strlen(text));
  run_all("{\"path\": \"a.ndjson.gz\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 1);
  expect_origin(0, "a.ndjson.gz", 1);
}
END_TEST

START_TEST(test_gzip_and_format_by_option)
{
  char path[256];
  tf_line_writer *w;

  snprintf(path, sizeof(path), "%s/export.dat", tmpdir);
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_GZIP), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, "a\nx\n", 4), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  run_all("{\"path\": \"export.dat\", \"format\": \"csv\", "
          "\"compression\": \"gzip\"}",
          TF_DONE);
  ck_assert_str_eq(field(0, "a"), "x");
}
END_TEST

START_TEST(test_unknown_extension_fails_init)
{
  instance in;

  write_text("a.txt", "{}\n");
  ck_assert_int_eq(start(&in, "{\"path\": \"a.txt\"}"), TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "a.txt"));
}
END_TEST

START_TEST(test_glob_reads_files_in_name_order)
{
  write_text("part-b.ndjson", "{\"n\":\"b\"}\n");
  write_text("part-a.ndjson", "{\"n\":\"a\"}\n");
  write_text("part-c.ndjson", "{\"n\":\"c\"}\n");
  write_text("other.ndjson", "{\"n\":\"x\"}\n");
  run_all("{\"path\": \"part-*.ndjson\"}", TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  ck_assert_str_eq(field(0, "n"), "a");
  ck_assert_str_eq(field(1, "n"), "b");
  ck_assert_str_eq(field(2, "n"), "c");
  expect_origin(2, "part-c.ndjson", 1);
}
END_TEST

START_TEST(test_glob_without_match_fails_init)
{
  instance in;

  ck_assert_int_eq(start(&in, "{\"path\": \"none-*.ndjson\"}"),
                   TF_ERR_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "none-*.ndjson"));
}
END_TEST

START_TEST(test_truncated_gzip_fails_after_earlier_records)
{
  char *data = malloc(300000);
  char path[256];
  size_t len = 0;
  struct stat st;
  int i;

  ck_assert_ptr_nonnull(data);
  for (i = 1; i <= 10000; i++)
    len += (size_t)sprintf(data + len, "{\"n\":%d}\n", i);
  write_file("cut.ndjson.gz", data, len);
  free(data);
  snprintf(path, sizeof(path), "%s/cut.ndjson.gz", tmpdir);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
  run_all("{\"path\": \"cut.ndjson.gz\"}", TF_ERR_TRUNCATED);
  ck_assert_uint_gt(tf_batch_count(tf_check_emitted(harness)), 100);
  ck_assert_uint_lt(tf_batch_count(tf_check_emitted(harness)), 10000);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "cut.ndjson.gz"));
}
END_TEST

START_TEST(test_produce_respects_max_records)
{
  instance in;

  write_text("a.ndjson", "{}\n{}\n{}\n{}\n{}\n");
  ck_assert_int_eq(start(&in, "{\"path\": \"a.ndjson\"}"), TF_OK);
  ck_assert_int_eq(in.plugin->produce(in.state, tf_check_ctx(harness), 2),
                   TF_MORE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 2);
  ck_assert_int_eq(in.plugin->produce(in.state, tf_check_ctx(harness), 2),
                   TF_MORE);
  ck_assert_int_eq(in.plugin->produce(in.state, tf_check_ctx(harness), 2),
                   TF_DONE);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 5);
  stop(&in);
}
END_TEST

/* Every record's "n" in emit order, then the rejected lines' codes. */
static char *outcome(void)
{
  char *out = calloc(1, 4096);
  size_t i, n = 0;

  ck_assert_ptr_nonnull(out);
  for (i = 0; i < tf_batch_count(tf_check_emitted(harness)); i++)
    n += (size_t)snprintf(out + n, 4096 - n, "%s ", field(i, "n"));
  for (i = 0; i < json_array_size(tf_check_rejects_json(harness)); i++)
    n += (size_t)snprintf(
        out + n, 4096 - n, "!%s ",
        json_string_value(json_object_get(
            json_array_get(tf_check_rejects_json(harness), i), "code")));
  return out;
}

/* Stops after `calls` produce() calls of 2 records, resumes a new instance
 * from the position and checks the whole run saw each record once. */
static void check_resume(const char *config, int calls, const char *full)
{
  instance a, b;
  json_t *pos;
  char *got;
  int i, rc = TF_MORE;

  ck_assert_int_eq(start(&a, config), TF_OK);
  for (i = 0; i < calls && rc == TF_MORE; i++)
    rc = a.plugin->produce(a.state, tf_check_ctx(harness), 2);
  ck_assert_int_eq(a.plugin->position(a.state, &pos), TF_OK);
  stop(&a);
  ck_assert_int_eq(start(&b, config), TF_OK);
  ck_assert_int_eq(b.plugin->seek(b.state, pos), TF_OK);
  json_decref(pos);
  ck_assert_int_eq(drain(&b, 2), TF_DONE);
  stop(&b);
  got = outcome();
  ck_assert_msg(strstr(got, full) == got && strlen(got) == strlen(full),
                "after %d calls: got '%s', want '%s'", calls, got, full);
  free(got);
}

START_TEST(test_resume_ndjson_from_position)
{
  const char *full = "1 2 3 4 5 6 !invalid_json ";
  int calls;

  write_text("p1.ndjson", "{\"n\":\"1\"}\n\n{\"n\":\"2\"}\n{\"n\":\"3\"}\n");
  write_text("p2.ndjson", "{\"n\":\"4\"}\nbad\n{\"n\":\"5\"}\n{\"n\":\"6\"}\n");
  for (calls = 0; calls <= 6; calls++) {
    tf_check_clear(harness);
    check_resume("{\"path\": \"p*.ndjson\"}", calls, full);
  }
}
END_TEST

START_TEST(test_resume_csv_from_position)
{
  const char *full = "1 2 3 4 ";
  int calls;

  write_text("r.csv", "n,t\n1,\"a\nb\"\n2,x\n3,\"c\r\nd\"\n4,y\n");
  for (calls = 0; calls <= 3; calls++) {
    tf_check_clear(harness);
    check_resume("{\"path\": \"r.csv\"}", calls, full);
  }
}
END_TEST

START_TEST(test_position_names_file_and_line)
{
  instance in;
  json_t *pos;

  write_text("a.ndjson", "{}\n{}\n{}\n");
  ck_assert_int_eq(start(&in, "{\"path\": \"a.ndjson\"}"), TF_OK);
  ck_assert_int_eq(in.plugin->produce(in.state, tf_check_ctx(harness), 2),
                   TF_MORE);
  ck_assert_int_eq(in.plugin->position(in.state, &pos), TF_OK);
  ck_assert_str_eq(json_string_value(json_object_get(pos, "file")), "a.ndjson");
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "line")), 2);
  json_decref(pos);
  ck_assert_int_eq(drain(&in, 2), TF_DONE);
  ck_assert_int_eq(in.plugin->position(in.state, &pos), TF_OK);
  ck_assert(json_is_null(json_object_get(pos, "file")));
  json_decref(pos);
  stop(&in);
}
END_TEST

START_TEST(test_seek_to_unknown_file_fails)
{
  instance in;
  json_t *pos = json_pack("{s:s, s:i}", "file", "gone.ndjson", "line", 3);

  write_text("a.ndjson", "{}\n");
  ck_assert_int_eq(start(&in, "{\"path\": \"a.ndjson\"}"), TF_OK);
  ck_assert_int_eq(in.plugin->seek(in.state, pos), TF_ERR_NOTFOUND);
  json_decref(pos);
  stop(&in);
}
END_TEST

/* --- sorted_by_time and time_field ------------------------------------ */

#define AT_10_00 1772359200000LL
#define AT_10_05 1772359500000LL
#define AT_11_02_03 1772362923000LL
#define AT_11_30 1772364600000LL
#define TIMED_SORTED                                                           \
  "{\"path\": \"timed.ndjson\", \"time_field\": \"meta.created\", "            \
  "\"sorted_by_time\": true}"

/* Times as ISO-8601 text, an epoch-ms number and an epoch-ms string; 4 is
 * out of order, 5 has no time. */
static void write_timed(void)
{
  write_text(
      "timed.ndjson",
      "{\"n\":\"1\",\"meta\":{\"created\":\"2026-03-01T10:00:00Z\"}}\n"
      "{\"n\":\"2\",\"meta\":{\"created\":1772359500000}}\n"
      "{\"n\":\"3\",\"meta\":{\"created\":\"1772362923000\"}}\n"
      "{\"n\":\"4\",\"meta\":{\"created\":\"2026-03-01T10:00:00Z\"}}\n"
      "{\"n\":\"5\"}\n"
      "{\"n\":\"6\",\"meta\":{\"created\":\"2026-03-01T11:30:00+00:00\"}}"
      "\n");
}

/* Produces a record at a time to the end; after each TF_MORE appends the
 * watermark to wms and checks that it never goes back. */
static void run_watching(instance *in, json_t *wms)
{
  int64_t last = TF_WATERMARK_UNKNOWN;
  int rc;

  while ((rc = in->plugin->produce(in->state, tf_check_ctx(harness), 1)) ==
         TF_MORE) {
    int64_t wm = in->plugin->watermark(in->state);

    ck_assert_msg(wm >= last, "the watermark went back");
    json_array_append_new(wms, json_integer((json_int_t)wm));
    last = wm;
  }
  ck_assert_int_eq(rc, TF_DONE);
}

static int64_t wm_at(const json_t *wms, size_t i)
{
  return (int64_t)json_integer_value(json_array_get(wms, i));
}

static json_int_t metric(const char *name)
{
  return json_integer_value(
      json_object_get(tf_check_metrics_json(harness), name));
}

START_TEST(test_sorted_watermark_is_the_latest_time_field)
{
  static const int64_t want[] = {AT_10_00,    AT_10_05,    AT_11_02_03,
                                 AT_11_02_03, AT_11_02_03, AT_11_30};
  json_t *wms = json_array();
  json_t *meta = json_pack("{s:I}", "created", (json_int_t)AT_10_05);
  instance in;
  char *got;

  write_timed();
  ck_assert_int_eq(start(&in, TIMED_SORTED), TF_OK);
  ck_assert(in.plugin->watermark(in.state) == TF_WATERMARK_UNKNOWN);
  run_watching(&in, wms);
  stop(&in);
  ck_assert_uint_eq(json_array_size(wms), 6);
  for (size_t i = 0; i < 6; i++)
    ck_assert_msg(wm_at(wms, i) == want[i], "watermark %zu is %lld", i,
                  (long long)wm_at(wms, i));
  got = outcome();
  ck_assert_str_eq(got, "1 2 3 5 6 !out_of_order ");
  free(got);
  ck_assert(json_equal(
      tf_record_get(tf_batch_get(tf_check_emitted(harness), 1), "meta"), meta));
  json_decref(meta);
  json_decref(wms);
}
END_TEST

START_TEST(test_record_out_of_order_is_dead_lettered_as_read)
{
  json_t *wms = json_array();
  json_t *r;
  instance in;

  write_timed();
  ck_assert_int_eq(start(&in, TIMED_SORTED), TF_OK);
  run_watching(&in, wms);
  stop(&in);
  r = json_array_get(tf_check_rejects_json(harness), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "line")), 4);
  ck_assert_str_eq(json_string_value(json_object_get(r, "message")),
                   "event time 2026-03-01T10:00:00Z is before "
                   "2026-03-01T11:02:03Z, the time of an earlier record, but "
                   "the input is declared sorted_by_time: sort the input or "
                   "set sorted_by_time to false");
  ck_assert_str_eq(
      json_string_value(json_object_get(r, "text")),
      "{\"n\":\"4\",\"meta\":{\"created\":\"2026-03-01T10:00:00Z\"}}");
  ck_assert_int_eq(metric("out_of_order"), 1);
  ck_assert_int_eq(metric("without_time"), 1);
  ck_assert(wm_at(wms, 3) == AT_11_02_03);
  json_decref(wms);
}
END_TEST

START_TEST(test_record_without_time_is_passed_on_and_logged)
{
  instance in;

  write_text("t.ndjson", "{\"n\":\"1\",\"at\":\"2026-03-01T10:00:00Z\"}\n"
                         "{\"n\":\"2\",\"at\":\"soon\"}\n"
                         "{\"n\":\"3\",\"at\":null}\n");
  ck_assert_int_eq(start(&in, "{\"path\": \"t.ndjson\", \"time_field\": "
                              "\"at\", \"sorted_by_time\": true}"),
                   TF_OK);
  ck_assert_int_eq(drain(&in, 10), TF_DONE);
  ck_assert(in.plugin->watermark(in.state) == AT_10_00);
  stop(&in);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 3);
  ck_assert_int_eq(metric("without_time"), 2);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "t.ndjson:2"));
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "\"soon\""));
}
END_TEST

START_TEST(test_unsorted_by_default_promises_nothing)
{
  json_t *wms = json_array();
  instance in;

  write_timed();
  ck_assert_int_eq(start(&in, "{\"path\": \"timed.ndjson\", "
                              "\"time_field\": \"meta.created\"}"),
                   TF_OK);
  run_watching(&in, wms);
  stop(&in);
  for (size_t i = 0; i < json_array_size(wms); i++)
    ck_assert(wm_at(wms, i) == TF_WATERMARK_UNKNOWN);
  ck_assert_uint_eq(tf_batch_count(tf_check_emitted(harness)), 6);
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(harness)), 0);
  json_decref(wms);
}
END_TEST

START_TEST(test_resume_keeps_the_latest_time)
{
  instance a, b;
  json_t *pos;
  char *got;

  write_timed();
  ck_assert_int_eq(start(&a, TIMED_SORTED), TF_OK);
  ck_assert_int_eq(a.plugin->produce(a.state, tf_check_ctx(harness), 3),
                   TF_MORE);
  ck_assert_int_eq(a.plugin->position(a.state, &pos), TF_OK);
  stop(&a);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "line")), 3);
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   AT_11_02_03);
  ck_assert_int_eq(start(&b, TIMED_SORTED), TF_OK);
  ck_assert_int_eq(b.plugin->seek(b.state, pos), TF_OK);
  json_decref(pos);
  ck_assert(b.plugin->watermark(b.state) == AT_11_02_03);
  ck_assert_int_eq(drain(&b, 2), TF_DONE);
  stop(&b);
  got = outcome();
  ck_assert_str_eq(got, "1 2 3 5 6 !out_of_order ");
  free(got);
}
END_TEST

/* Records a problem check() reports. */
static void keep_problem(void *ud, const char *path, const char *message)
{
  json_array_append_new(
      ud, json_pack("{s:s, s:s}", "path", path, "message", message));
}

static void diag_ignore(void *ud, const char *path, const char *message)
{
}

START_TEST(test_sorted_by_time_needs_time_field)
{
  const tf_source_plugin *plugin =
      tf_plugin_source(source_file_LTX_tf_plugin_entry());
  json_t *given =
      json_pack("{s:s, s:b}", "path", "a.ndjson", "sorted_by_time", 1);
  json_t *problems = json_array();
  tf_config *cfg;
  instance in;

  write_text("a.ndjson", "{}\n");
  ck_assert_int_eq(tf_options_validate(plugin->base.options, given, NULL,
                                       "config", tmpdir, diag_ignore, NULL,
                                       &cfg),
                   TF_OK);
  ck_assert_int_eq(plugin->base.check(cfg, keep_problem, problems),
                   TF_ERR_CONFIG);
  ck_assert_uint_eq(json_array_size(problems), 1);
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(problems, 0), "path")),
      "sorted_by_time");
  ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
                                   json_array_get(problems, 0), "message")),
                               "time_field"));
  tf_config_free(cfg);
  json_decref(given);
  json_decref(problems);
  ck_assert_int_eq(
      start(&in, "{\"path\": \"a.ndjson\", \"sorted_by_time\": true}"),
      TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "sorted_by_time"));
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "time_field"));
  ck_assert_int_eq(start(&in, "{\"path\": \"a.ndjson\", \"time_field\": \"\"}"),
                   TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "time_field"));
}
END_TEST

/* --- Golden cases (tests/golden) and the runner itself ----------------- */

START_TEST(test_golden_cases)
{
  char msg[4096];
  size_t cases;

  ck_assert_msg(tf_check_golden_tree(source_file_LTX_tf_plugin_entry(),
                                     GOLDEN_DIR, &cases, msg,
                                     sizeof(msg)) == TF_OK,
                "%s", msg);
  ck_assert_uint_eq(cases, 3);
}
END_TEST

/* Writes a golden case into tmpdir/name. */
static void write_case(const char *name, const char *expected,
                       const char *expected_rejects)
{
  char path[128];

  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  snprintf(path, sizeof(path), "%s/config.json", name);
  write_text(path, "{\"path\": \"in.ndjson\"}");
  snprintf(path, sizeof(path), "%s/in.ndjson", name);
  write_text(path, "{\"n\": 1}\n{\"n\": }\n{\"n\": 3}\n");
  snprintf(path, sizeof(path), "%s/expected.ndjson", name);
  write_text(path, expected);
  if (expected_rejects) {
    snprintf(path, sizeof(path), "%s/expected_rejects.ndjson", name);
    write_text(path, expected_rejects);
  }
}

static void expect_golden(const char *name, int rc, const char *part)
{
  char dir[128], msg[1024];

  snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
  ck_assert_int_eq(tf_check_golden_dir(source_file_LTX_tf_plugin_entry(), dir,
                                       msg, sizeof(msg)),
                   rc);
  ck_assert_msg(strstr(msg, part) != NULL, "\"%s\" lacks \"%s\"", msg, part);
}

START_TEST(test_golden_runner_reports_mismatches)
{
  write_case("ok", "{\"n\": 1}\n{\"n\": 3}\n",
             "{\"code\": \"invalid_json\", \"line\": 2}\n");
  expect_golden("ok", TF_OK, "");
  write_case("wrong_record", "{\"n\": 1}\n{\"n\": 4}\n",
             "{\"code\": \"invalid_json\", \"line\": 2}\n");
  expect_golden("wrong_record", TF_ERR_INVAL,
                "record 2 differs: expected {\"n\":4}, got {\"n\":3}");
  write_case("missing_record", "{\"n\": 1}\n{\"n\": 3}\n{\"n\": 5}\n",
             "{\"code\": \"invalid_json\", \"line\": 2}\n");
  expect_golden("missing_record", TF_ERR_INVAL, "expected 3 records, got 2");
  write_case("unexpected_reject", "{\"n\": 1}\n{\"n\": 3}\n", NULL);
  expect_golden(
      "unexpected_reject", TF_ERR_INVAL,
      "expected 0 rejects, got 1: reject 1 is invalid_json at line 2");
  write_case("wrong_line", "{\"n\": 1}\n{\"n\": 3}\n",
             "{\"code\": \"invalid_json\", \"line\": 3}\n");
  expect_golden("wrong_line", TF_ERR_INVAL,
                "reject 1: expected invalid_json at line 3");
}
END_TEST

/* The lifecycle through the host, as a plugin test without golden files
 * writes it. */
START_TEST(test_check_host_lifecycle)
{
  tf_check_host *h = tf_check_host_new(source_file_LTX_tf_plugin_entry(), "x");
  char msg[512];
  json_t *pos;

  write_text("a.ndjson", "{\"n\": \"1\"}\n[]\n{\"n\": \"3\"}\n");
  ck_assert_int_eq(
      tf_check_host_init_text(h, "{\"path\": \"a.ndjson\"}", tmpdir), TF_OK);
  ck_assert_int_eq(tf_check_produce_all(h, 1, 100), TF_DONE);
  ck_assert_uint_eq(tf_check_emitted_count(h), 2);
  ck_assert_str_eq(tf_record_get_string(tf_check_emitted_get(h, 1), "n"), "3");
  ck_assert_uint_eq(tf_check_reject_count(h), 1);
  ck_assert_str_eq(tf_check_reject_get(h, 0)->code, "not_an_object");
  ck_assert_int_eq(tf_check_reject_get(h, 0)->origin.line, 2);
  ck_assert_int_eq(tf_check_position(h, &pos), TF_OK);
  json_decref(pos);
  ck_assert_int_eq(tf_check_flush(h), TF_ERR_UNSUPPORTED);
  tf_check_host_free(h);

  h = tf_check_host_new(source_file_LTX_tf_plugin_entry(), "x");
  ck_assert_int_eq(
      tf_check_host_init_text(h, "{\"paht\": \"a.ndjson\"}", tmpdir),
      TF_ERR_CONFIG);
  ck_assert_int_eq(tf_check_live(h), 0);
  ck_assert_uint_gt(tf_check_error_count(h), 0);
  ck_assert_ptr_nonnull(
      strstr(tf_check_messages_text(h, msg, sizeof(msg)), "config.paht"));
  tf_check_host_free(h);
}
END_TEST

static TCase *core_tests(void)
{
  TCase *tc = tcase_create("core");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_ndjson_records_keep_file_and_line);
  tcase_add_test(tc, test_ndjson_blank_lines_are_skipped);
  tcase_add_test(tc, test_ndjson_invalid_json_is_rejected);
  tcase_add_test(tc, test_ndjson_duplicate_key_is_invalid_json);
  tcase_add_test(tc, test_ndjson_non_object_is_rejected);
  tcase_add_test(tc, test_ndjson_invalid_utf8_is_rejected);
  tcase_add_test(tc, test_ndjson_too_long_line_is_rejected);
  tcase_add_test(tc, test_csv_rows_become_objects);
  tcase_add_test(tc, test_csv_empty_as_null);
  tcase_add_test(tc, test_csv_delimiter_option);
  tcase_add_test(tc, test_csv_bad_delimiter_fails_init);
  tcase_add_test(tc, test_csv_wrong_column_count_is_rejected);
  tcase_add_test(tc, test_gzip_by_extension);
  tcase_add_test(tc, test_gzip_and_format_by_option);
  tcase_add_test(tc, test_unknown_extension_fails_init);
  tcase_add_test(tc, test_glob_reads_files_in_name_order);
  tcase_add_test(tc, test_glob_without_match_fails_init);
  tcase_add_test(tc, test_truncated_gzip_fails_after_earlier_records);
  tcase_add_test(tc, test_produce_respects_max_records);
  tcase_add_test(tc, test_resume_ndjson_from_position);
  tcase_add_test(tc, test_resume_csv_from_position);
  tcase_add_test(tc, test_position_names_file_and_line);
  tcase_add_test(tc, test_seek_to_unknown_file_fails);
  tcase_add_test(tc, test_sorted_watermark_is_the_latest_time_field);
  tcase_add_test(tc, test_record_out_of_order_is_dead_lettered_as_read);
  tcase_add_test(tc, test_record_without_time_is_passed_on_and_logged);
  tcase_add_test(tc, test_unsorted_by_default_promises_nothing);
  tcase_add_test(tc, test_resume_keeps_the_latest_time);
  tcase_add_test(tc, test_sorted_by_time_needs_time_field);
  return tc;
}

static TCase *golden_tests(void)
{
  TCase *tc = tcase_create("golden");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_golden_cases);
  tcase_add_test(tc, test_golden_runner_reports_mismatches);
  tcase_add_test(tc, test_check_host_lifecycle);
  return tc;
}

TF_CHECK_MAIN("source_file", core_tests, golden_tests)
