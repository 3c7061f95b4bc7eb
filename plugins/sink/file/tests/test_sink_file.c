/*
 * test_sink_file.c - tests of the `file` sink plugin through a
 * tf_check_host (<touchflow/check.h>): atomic appearance (nothing under the
 * final name before flush, nothing left after fini without flush), NDJSON bytes
 * (copied without parsing) and compact JSON, CSV header, quoting and nested
 * values, gzip, folders and write errors.
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include <touchflow/io.h>

const tf_plugin *sink_file_LTX_tf_plugin_entry(void);

static char tmpdir[64];
static tf_batch *input;
/* The tests' host (<touchflow/check.h>): the instances run through its
 * table and ctx; it collects rejects and log lines, and refuses emit()
 * from a sink. */
static tf_check_host *harness;

/* The code of the last reject, "" before any. */
static const char *last_reject(void)
{
  size_t n = tf_check_reject_count(harness);

  return n ? tf_check_reject_get(harness, n - 1)->code : "";
}

static void setup(void)
{
  strcpy(tmpdir, "/tmp/tf_sinkf_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  input = tf_batch_new();
  harness = tf_check_host_new(sink_file_LTX_tf_plugin_entry(), "out");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  char cmd[128];

  tf_batch_free(input);
  tf_check_host_free(harness);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

typedef struct instance {
  const tf_sink_plugin *plugin;
  tf_config *cfg;
  void *state;
} instance;

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

static void start(instance *in, const char *config_json)
{
  json_t *given = json_loads(config_json, 0, NULL);

  ck_assert_ptr_nonnull(given);
  in->plugin = tf_plugin_sink(sink_file_LTX_tf_plugin_entry());
  ck_assert_int_eq(tf_options_validate(in->plugin->base.options, given, NULL,
                                       "config", tmpdir, diag_fail, NULL,
                                       &in->cfg),
                   TF_OK);
  json_decref(given);
  ck_assert_int_eq(in->plugin->base.init(tf_check_ctx(harness),
                                         tf_check_host_table(harness), in->cfg,
                                         &in->state),
                   TF_OK);
}

static void stop(instance *in)
{
  in->plugin->base.fini(in->state);
  tf_config_free(in->cfg);
}

static void add_parsed_n(const char *text, size_t len)
{
  tf_record *rec = tf_record_parse(text, len, NULL, NULL, 0);

  ck_assert_ptr_nonnull(rec);
  ck_assert_int_eq(tf_batch_push(input, rec), TF_OK);
}

static void add_parsed(const char *text)
{
  add_parsed_n(text, strlen(text));
}

static void add_built(const char *text)
{
  tf_record *rec = tf_record_new(json_loads(text, 0, NULL));

  ck_assert_ptr_nonnull(rec);
  ck_assert_int_eq(tf_batch_push(input, rec), TF_OK);
}

static const char *path_of(const char *name)
{
  static char path[256];

  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  return path;
}

/* The whole content of a (possibly gzip) file, or NULL when missing. */
static char *slurp(const char *name)
{
  static char buf[4096];
  tf_line_reader *r;
  tf_line ln;
  size_t n = 0;

  if (tf_line_reader_open(&r, path_of(name), TF_COMPRESSION_AUTO, 0) != TF_OK)
    return NULL;
  buf[0] = '\0';
  while (tf_line_reader_next(r, &ln) == TF_OK)
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", ln.text, ln.eol);
  tf_line_reader_close(r);
  return buf;
}

/* Number of entries in the test folder besides . and .. */
static int entries(const char *folder)
{
  DIR *d = opendir(folder);
  struct dirent *e;
  int n = 0;

  ck_assert_ptr_nonnull(d);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

START_TEST(test_ndjson_appears_only_at_flush)
{
  instance in;

  start(&in, "{\"path\": \"out.ndjson\"}");
  add_parsed("{\"b\": 1,  \"a\": \"x\"}");
  add_built("{\"k\": [1, 2]}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_ptr_null(slurp("out.ndjson"));
  ck_assert_int_eq(entries(tmpdir), 1);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  ck_assert_str_eq(slurp("out.ndjson"), "{\"b\": 1,  \"a\": \"x\"}\n"
                                        "{\"k\":[1,2]}\n");
  ck_assert_int_eq(entries(tmpdir), 1);
  stop(&in);
  ck_assert_ptr_nonnull(slurp("out.ndjson"));
}
END_TEST

START_TEST(test_flush_twice_is_harmless)
{
  instance in;

  start(&in, "{\"path\": \"out.ndjson\"}");
  add_built("{\"a\": 1}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  ck_assert_str_eq(slurp("out.ndjson"), "{\"a\":1}\n");
  stop(&in);
}
END_TEST

START_TEST(test_fini_without_flush_leaves_nothing)
{
  instance in;

  start(&in, "{\"path\": \"out.ndjson\"}");
  add_built("{\"a\": 1}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(entries(tmpdir), 1);
  stop(&in);
  ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

START_TEST(test_missing_folders_are_created)
{
  instance in;

  start(&in, "{\"path\": \"deep/er/out.jsonl\"}");
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_str_eq(slurp("deep/er/out.jsonl"), "");
}
END_TEST

START_TEST(test_gzip_output_by_extension)
{
  instance in;
  FILE *fp;
  unsigned char magic[2];

  start(&in, "{\"path\": \"out.ndjson.gz\"}");
  add_built("{\"a\": 1}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  fp = fopen(path_of("out.ndjson.gz"), "rb");
  ck_assert_ptr_nonnull(fp);
  ck_assert_uint_eq(fread(magic, 1, 2, fp), 2);
  fclose(fp);
  ck_assert(magic[0] == 0x1f && magic[1] == 0x8b);
  ck_assert_str_eq(slurp("out.ndjson.gz"), "{\"a\":1}\n");
}
END_TEST

START_TEST(test_gzip_by_option)
{
  instance in;
  tf_line_reader *r;
  tf_line ln;

  start(&in, "{\"path\": \"out.ndjson\", \"compression\": \"gzip\"}");
  add_built("{\"a\": 2}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_int_eq(
      tf_line_reader_open(&r, path_of("out.ndjson"), TF_COMPRESSION_GZIP, 0),
      TF_OK);
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_OK);
  ck_assert_str_eq(ln.text, "{\"a\":2}");
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_csv_header_from_first_record)
{
  instance in;

  start(&in, "{\"path\": \"out.csv\"}");
  add_built("{\"id\": \"1\", \"note\": \"a,b\", \"n\": 3, \"tags\": [\"x\"]}");
  add_built("{\"note\": \"say \\\"hi\\\"\", \"id\": \"2\"}");
  /* A key the first record did not have: dead-lettered, never written
   * without it (issue 15: the CSV sink dropped it silently). */
  add_built("{\"id\": \"3\", \"other\": 1}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_str_eq(last_reject(), "csv_unknown_field");
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_str_eq(slurp("out.csv"), "id,note,n,tags\n"
                                     "1,\"a,b\",3,\"[\"\"x\"\"]\"\n"
                                     "2,\"say \"\"hi\"\"\",,\n");
}
END_TEST

START_TEST(test_csv_columns_option)
{
  instance in;

  start(&in, "{\"path\": \"out.csv\", \"csv_columns\": [\"b\", \"a\"]}");
  add_built("{\"a\": \"1\", \"b\": null, \"c\": \"x\"}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_str_eq(slurp("out.csv"), "b,a\n,1\n");
}
END_TEST

START_TEST(test_csv_round_trip_through_reader)
{
  const char *note = "line one\r\nline \"two\", end";
  instance in;
  json_t *obj = json_pack("{s:s, s:s}", "id", "7", "note", note);
  tf_line_reader *lines;
  tf_csv_reader *r;
  tf_csv_row row;

  ck_assert_int_eq(tf_batch_push(input, tf_record_new(obj)), TF_OK);
  start(&in, "{\"path\": \"rt.csv\"}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_int_eq(tf_line_reader_open(&lines, path_of("rt.csv"), 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, ',', 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_str_eq(row.fields[0], "7");
  ck_assert_str_eq(row.fields[1], note);
  tf_csv_reader_close(r);
}
END_TEST

/* Pass-through is a copy: records parsed from text or built with a
 * tf_builder are written as their bytes and never parsed (no index, no
 * tree); CSV needs the values and parses. */
START_TEST(test_ndjson_copies_bytes_without_parsing)
{
  instance in;
  tf_builder *b = tf_builder_new();
  tf_record *built;

  tf_builder_begin_object(b);
  tf_builder_key(b, "k");
  tf_builder_string(b, "v\n");
  tf_builder_end_object(b);
  ck_assert_int_eq(tf_builder_finish(b, NULL, &built), TF_OK);
  tf_builder_free(b);
  add_parsed("{ \"a\" : [1,2.50] , \"b\":\"\\u00e9\"}");
  ck_assert_int_eq(tf_batch_push(input, built), TF_OK);
  start(&in, "{\"path\": \"out.ndjson\"}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_str_eq(slurp("out.ndjson"),
                   "{ \"a\" : [1,2.50] , \"b\":\"\\u00e9\"}\n"
                   "{\"k\":\"v\\n\"}\n");
  ck_assert_uint_eq(tf_record_debug_state(tf_batch_get(input, 0)), 0);
  ck_assert_uint_eq(tf_record_debug_state(tf_batch_get(input, 1)), 0);
  start(&in, "{\"path\": \"out.csv\"}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  stop(&in);
  ck_assert_uint_ne(tf_record_debug_state(tf_batch_get(input, 0)), 0);
}
END_TEST

/* The whole of a plain file, or NULL when missing; the caller frees it. */
static char *read_whole(const char *name, size_t *len)
{
  FILE *f = fopen(path_of(name), "rb");
  char *text;
  long n;

  if (!f)
    return NULL;
  ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  ck_assert_int_ge(n, 0);
  rewind(f);
  text = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(text);
  ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return text;
}

/* NDJSON lines are gathered and written in large pieces: lines of every
 * size, some longer than the sink's buffer (256 KiB), in batches that end
 * anywhere, come out whole and in order. */
START_TEST(test_ndjson_lines_of_any_size_come_out_in_order)
{
  static const size_t sizes[] = {10,     100000, 100000, 70000,  262143,
                                 262144, 300000, 5,      262100, 1};
  const size_t n = sizeof(sizes) / sizeof(sizes[0]);
  size_t i, total = 0, at = 0, len;
  char *want, *got, *text;
  instance in;

  for (i = 0; i < n; i++)
    total += sizes[i] + 9;
  want = malloc(total);
  text = malloc(300000 + 9);
  ck_assert_ptr_nonnull(want);
  ck_assert_ptr_nonnull(text);
  start(&in, "{\"path\": \"out.ndjson\"}");
  for (i = 0; i < n; i++) {
    int k = snprintf(text, 9, "{\"%c\":\"", (char)('a' + i));

    memset(text + k, (char)('A' + i), sizes[i]);
    memcpy(text + k + sizes[i], "\"}", 2);
    len = (size_t)k + sizes[i] + 2;
    add_parsed_n(text, len);
    memcpy(want + at, text, len);
    want[at + len] = '\n';
    at += len + 1;
    if (i % 3 == 2 || i == n - 1) {
      ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                       TF_SINK_OK);
      tf_batch_free(input);
      input = tf_batch_new();
    }
  }
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  got = read_whole("out.ndjson", &len);
  ck_assert_ptr_nonnull(got);
  ck_assert_uint_eq(len, at);
  ck_assert(memcmp(got, want, at) == 0);
  free(got);
  free(text);
  free(want);
}
END_TEST

START_TEST(test_raw_record_is_rejected)
{
  instance in;
  tf_record *raw = tf_record_new_raw("not json", 8, NULL);

  ck_assert_int_eq(tf_batch_push(input, raw), TF_OK);
  start(&in, "{\"path\": \"out.ndjson\"}");
  ck_assert_int_eq(in.plugin->write(in.state, tf_check_ctx(harness), input),
                   TF_SINK_OK);
  ck_assert_str_eq(last_reject(), "not_json");
  ck_assert_int_eq(in.plugin->flush(in.state, tf_check_ctx(harness)), TF_OK);
  stop(&in);
  ck_assert_str_eq(slurp("out.ndjson"), "");
}
END_TEST

/* A file size limit stands in for a full disk.  Check itself writes files,
 * so the limit is only on while the sink runs, without assertions.  The
 * batch holds more than two of the line writer's 1 MiB buffers, so that
 * write() itself sees the failure (of the first buffer, written by the
 * writer's thread, when it hands over the second). */
START_TEST(test_write_error_fails_and_leaves_no_file)
{
  struct rlimit lim, saved;
  instance in;
  int i, wrote, flushed;

  for (i = 0; i < 40000; i++)
    add_built("{\"padding\": \"0123456789012345678901234567890123456789\"}");
  start(&in, "{\"path\": \"out.ndjson\"}");
  signal(SIGXFSZ, SIG_IGN);
  ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
  lim = saved;
  lim.rlim_cur = 2000;
  setrlimit(RLIMIT_FSIZE, &lim);
  wrote = in.plugin->write(in.state, tf_check_ctx(harness), input);
  flushed = in.plugin->flush(in.state, tf_check_ctx(harness));
  setrlimit(RLIMIT_FSIZE, &saved);
  ck_assert_int_eq(wrote, TF_SINK_ERROR);
  ck_assert_ptr_nonnull(strstr(tf_check_last_log(harness), "cannot write"));
  ck_assert_int_ne(flushed, TF_OK);
  stop(&in);
  ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

static char last_problem[1024];

static void keep_problem(void *ud, const char *path, const char *message)
{
  (void)ud;
  snprintf(last_problem, sizeof(last_problem), "%s: %s", path, message);
}

/* A name that tells no format is refused by check() (what validate runs)
 * and by init() alike, with the same words, and creates nothing. */
START_TEST(test_unknown_format_is_refused_by_check_and_init)
{
  const tf_sink_plugin *p = tf_plugin_sink(sink_file_LTX_tf_plugin_entry());
  json_t *given = json_pack("{s:s}", "path", "out/records.txt");
  tf_config *cfg = NULL;
  void *state = NULL;

  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       tmpdir, diag_fail, NULL, &cfg),
                   TF_OK);
  ck_assert_int_eq(p->base.check(cfg, keep_problem, NULL), TF_ERR_CONFIG);
  ck_assert_str_eq(last_problem,
                   "path: cannot tell the format from the name "
                   "\"records.txt\" (.ndjson, .jsonl or .csv, before an "
                   "optional .gz): set \"format\"");
  ck_assert_int_eq(p->base.init(tf_check_ctx(harness),
                                tf_check_host_table(harness), cfg, &state),
                   TF_ERR_CONFIG);
  ck_assert_str_eq(tf_check_last_log(harness), last_problem);
  ck_assert_ptr_null(state);
  ck_assert_int_eq(entries(tmpdir), 0);
  tf_config_free(cfg);
  json_decref(given);
  given = json_pack("{s:s, s:s}", "path", "records.txt", "format", "csv");
  ck_assert_int_eq(tf_options_validate(p->base.options, given, NULL, "config",
                                       tmpdir, diag_fail, NULL, &cfg),
                   TF_OK);
  last_problem[0] = '\0';
  ck_assert_int_eq(p->base.check(cfg, keep_problem, NULL), TF_OK);
  ck_assert_str_eq(last_problem, "");
  tf_config_free(cfg);
  json_decref(given);
}
END_TEST

static Suite *sink_file_suite(void)
{
  Suite *s = suite_create("sink_file");
  TCase *tc = tcase_create("core");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_ndjson_appears_only_at_flush);
  tcase_add_test(tc, test_flush_twice_is_harmless);
  tcase_add_test(tc, test_fini_without_flush_leaves_nothing);
  tcase_add_test(tc, test_missing_folders_are_created);
  tcase_add_test(tc, test_gzip_output_by_extension);
  tcase_add_test(tc, test_gzip_by_option);
  tcase_add_test(tc, test_csv_header_from_first_record);
  tcase_add_test(tc, test_csv_columns_option);
  tcase_add_test(tc, test_csv_round_trip_through_reader);
  tcase_add_test(tc, test_ndjson_copies_bytes_without_parsing);
  tcase_add_test(tc, test_ndjson_lines_of_any_size_come_out_in_order);
  tcase_add_test(tc, test_raw_record_is_rejected);
  tcase_add_test(tc, test_write_error_fails_and_leaves_no_file);
  tcase_add_test(tc, test_unknown_format_is_refused_by_check_and_init);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(sink_file_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
