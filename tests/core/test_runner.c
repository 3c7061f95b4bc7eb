/*
 * test_runner.c - the runner: fan-out, fan-in, determinism, records moved
 * by reference, sink retry and failure, init refusal, dead-letter output,
 * event time (watermark alignment and advance()).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "runner.h"
#include "testutil.h"
#include <touchflow/record_json.h>

static char *dir;
static tf__loader *loader;

static void setup(void)
{
  dir = tu_tempdir();
  loader = tu_loader();
}

static void teardown(void)
{
  tf__loader_free(loader);
  tu_rmtree(dir);
  free(dir);
}

static tf__run_options quiet_options(void)
{
  tf__run_options opt;

  tf__run_options_default(&opt);
  opt.quiet = 1;
  opt.progress = TF_PROGRESS_NEVER;
  opt.retry_base_ms = 1;
  opt.retry_cap_ms = 2;
  opt.batch_size = 64;
  return opt;
}

/* Writes the pipeline JSON to the temp folder, loads and runs it. */
static int run_json(const char *json, const tf__run_options *opt)
{
  char *file = tu_write(dir, "pipeline.json", json);
  tf__pipeline *p = NULL;
  tf__diag diag;
  int status;

  tf__diag_init(&diag, file);
  if (tf__pipeline_load(file, loader, &diag, &p) != TF_OK) {
    tf__diag_print(&diag, stderr);
    ck_abort_msg("pipeline did not validate");
  }
  tf__diag_cleanup(&diag);
  status = tf__run(p, opt);
  tf__pipeline_free(p);
  free(file);
  return status;
}

static char *out_path(const char *name)
{
  static char path[1024];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return path;
}

START_TEST(fan_out_delivers_every_record_to_every_consumer)
{
  tf__run_options opt = quiet_options();
  char *a, *b;

  ck_assert_int_eq(
      run_json(
          "{\"version\": 1, \"sources\": [{\"id\": \"s\", \"plugin\": \"seq\","
          " \"config\": {\"count\": 1000}}],"
          " \"sinks\": [{\"id\": \"a\", \"plugin\": \"flaky\", \"inputs\": "
          "[\"s\"],"
          "  \"config\": {\"path\": \"a.ndjson\"}},"
          " {\"id\": \"b\", \"plugin\": \"flaky\", \"inputs\": [\"s\"],"
          "  \"config\": {\"path\": \"b.ndjson\"}}]}",
          &opt),
      0);
  ck_assert_uint_eq(tu_count_lines(out_path("a.ndjson")), 1000);
  a = tu_read(out_path("a.ndjson"));
  b = tu_read(out_path("b.ndjson"));
  ck_assert_str_eq(a, b);
  free(a);
  free(b);
}
END_TEST

static const char fan_in[] =
    "{\"version\": 1, \"sources\": ["
    " {\"id\": \"x\", \"plugin\": \"seq\", \"config\": {\"count\": 700}},"
    " {\"id\": \"y\", \"plugin\": \"seq\", \"config\": {\"count\": 300,"
    "  \"start\": 5000}}],"
    " \"sinks\": [{\"id\": \"out\", \"plugin\": \"flaky\","
    "  \"inputs\": [\"x\", \"y\"], \"config\": {\"path\": \"out.ndjson\"}}]}";

START_TEST(fan_in_merges_every_source)
{
  tf__run_options opt = quiet_options();
  char *out;
  size_t from_x = 0, from_y = 0;
  const char *p;

  ck_assert_int_eq(run_json(fan_in, &opt), 0);
  out = tu_read(out_path("out.ndjson"));
  for (p = out; (p = strstr(p, "\"from\":\"")) != NULL; p += 8) {
    from_x += p[8] == 'x';
    from_y += p[8] == 'y';
  }
  ck_assert_uint_eq(from_x, 700);
  ck_assert_uint_eq(from_y, 300);
  ck_assert_ptr_nonnull(strstr(out, "{\"from\":\"y\",\"seq\":5299}"));
  free(out);
}
END_TEST

/* Two seq sources, x: 0..999 and y: 500..1499, each reporting watermarks
 * when its %s is true. */
#define TWO_SEQ_SOURCES                                                        \
  "{\"version\": 1, \"sources\": ["                                            \
  "{\"id\": \"x\", \"plugin\": \"seq\", \"config\": {\"count\": 1000,"         \
  " \"watermark\": %s}},"                                                      \
  "{\"id\": \"y\", \"plugin\": \"seq\", \"config\": {\"start\": 500,"          \
  " \"count\": 1000, \"watermark\": %s}}],"

/* The two seq sources through wmcheck to a sink; WX and WY: whether each
 * reports watermarks. */
static int run_wmcheck(const char *wx, const char *wy, size_t batch)
{
  tf__run_options opt = quiet_options();
  char json[1024];

  opt.batch_size = batch;
  snprintf(json, sizeof(json),
           TWO_SEQ_SOURCES
           " \"transforms\": [{\"id\": \"w\", \"plugin\": \"wmcheck\","
           " \"inputs\": [\"x\", \"y\"]}],"
           " \"sinks\": [{\"id\": \"o\", \"plugin\": \"flaky\", \"inputs\": "
           "[\"w\"], \"config\": {\"path\": \"out.ndjson\"}}]}",
           wx, wy);
  return run_json(json, &opt);
}

/* The output line number (0-based) of the first line containing needle,
 * or -1. */
static long line_of(const char *out, const char *needle)
{
  const char *at = strstr(out, needle), *p;
  long line = 0;

  if (!at)
    return -1;
  for (p = out; p < at; p++)
    line += *p == '\n';
  return line;
}

/* Sources that report watermarks are read furthest-behind first, and the
 * transform is handed rising watermarks that no later record is behind. */
START_TEST(sources_are_read_in_event_time_order)
{
  char *out;
  long y_564, x_436;

  ck_assert_int_eq(run_wmcheck("true", "true", 64), 0);
  out = tu_read(out_path("out.ndjson"));
  ck_assert_ptr_nonnull(strstr(out, "{\"from\":\"wm\",\"seq\":64}"));
  ck_assert_ptr_nonnull(strstr(out, "{\"from\":\"wm\",\"seq\":512}"));
  ck_assert_ptr_null(strstr(out, "\"late\""));
  ck_assert_ptr_null(strstr(out, "\"back\""));
  /* After its first batch (500..563) y, ahead, waits until x has caught
   * up with it. */
  y_564 = line_of(out, "{\"from\":\"y\",\"seq\":564}");
  x_436 = line_of(out, "{\"from\":\"x\",\"seq\":436}");
  ck_assert_int_ge(x_436, 0);
  ck_assert_int_lt(x_436, y_564);
  free(out);
}
END_TEST

/* A source that promises nothing is read (after the first batch of each
 * source, when nothing is known yet) whole, before the others: it holds
 * the transform's watermark back until it ends. */
START_TEST(a_source_without_watermark_holds_the_watermark_until_it_ends)
{
  char *out;

  ck_assert_int_eq(run_wmcheck("true", "false", 64), 0);
  out = tu_read(out_path("out.ndjson"));
  ck_assert_int_lt(line_of(out, "{\"from\":\"y\",\"seq\":1499}"),
                   line_of(out, "{\"from\":\"x\",\"seq\":64}"));
  ck_assert_int_lt(line_of(out, "{\"from\":\"y\",\"seq\":1499}"),
                   line_of(out, "\"from\":\"wm\""));
  ck_assert_ptr_null(strstr(out, "\"late\""));
  ck_assert_ptr_null(strstr(out, "\"back\""));
  free(out);
}
END_TEST

/* Batch size changes when watermarks come, never what comes out. */
START_TEST(watermarks_never_let_a_record_arrive_late_at_any_batch_size)
{
  static const size_t sizes[] = {1, 7, 512, 100000};
  size_t i;

  for (i = 0; i < 4; i++) {
    char *out;

    ck_assert_int_eq(run_wmcheck("true", "true", sizes[i]), 0);
    out = tu_read(out_path("out.ndjson"));
    ck_assert_ptr_null(strstr(out, "\"late\""));
    ck_assert_ptr_null(strstr(out, "\"back\""));
    ck_assert_ptr_nonnull(strstr(out, "{\"from\":\"y\",\"seq\":1499}"));
    ck_assert_ptr_nonnull(strstr(out, "{\"from\":\"x\",\"seq\":0}"));
    free(out);
  }
}
END_TEST

/* The two seq sources, with watermarks, straight into
 * a sink that has advance() and writes what it is given (flaky with
 * watermarks); batch size BATCH.  The output, read whole (caller frees). */
static char *run_sink_watermarks(const char *sink, size_t batch)
{
  tf__run_options opt = quiet_options();
  char json[1024];

  opt.batch_size = batch;
  snprintf(json, sizeof(json),
           TWO_SEQ_SOURCES
           " \"sinks\": [{\"id\": \"o\", \"plugin\": \"%s\", \"inputs\": "
           "[\"x\", \"y\"], \"config\": {\"path\": \"out.ndjson\"%s}}]}",
           "true", "true", sink,
           strcmp(sink, "flaky") == 0 ? ", \"watermarks\": true" : "");
  ck_assert_int_eq(run_json(json, &opt), 0);
  return tu_read(out_path("out.ndjson"));
}

/* A sink with advance() is handed its input watermark as it rises, in
 * order, mid-stream, and only once every record before it was written: no
 * record written after a watermark is behind it. */
START_TEST(a_sink_is_handed_rising_watermarks_in_order)
{
  static const size_t sizes[] = {1, 64, 100000};
  size_t i;

  for (i = 0; i < 3; i++) {
    char *out = run_sink_watermarks("flaky", sizes[i]);
    const char *p;
    size_t marks = 0;

    ck_assert_ptr_null(strstr(out, "\"late\""));
    ck_assert_ptr_null(strstr(out, "\"back\""));
    for (p = out; (p = strstr(p, "\"from\":\"wm\"")) != NULL; p++)
      marks++;
    if (sizes[i] == 100000) { /* each source whole in one call: only END,
                                 which is flush(), never advance() */
      ck_assert_uint_eq(marks, 0);
    } else {
      ck_assert_uint_gt(marks, 10);
      /* mid-stream: a watermark comes before the last records */
      ck_assert_int_lt(line_of(out, "\"from\":\"wm\""),
                       line_of(out, "{\"from\":\"x\",\"seq\":999}"));
    }
    ck_assert_uint_eq(tu_count_lines(out_path("out.ndjson")), 2000 + marks);
    ck_assert_ptr_nonnull(strstr(out, "{\"from\":\"y\",\"seq\":1499}"));
    free(out);
  }
}
END_TEST

/* A sink built before advance() was appended runs; its descriptor is never
 * read past its struct_size (sink_old.c would crash). */
START_TEST(a_sink_built_before_advance_runs)
{
  char *out = run_sink_watermarks("old", 64);

  ck_assert_str_eq(out, "2000\n");
  free(out);
}
END_TEST

START_TEST(same_input_gives_the_same_output)
{
  tf__run_options opt = quiet_options();
  char *first, *second;

  ck_assert_int_eq(run_json(fan_in, &opt), 0);
  first = tu_read(out_path("out.ndjson"));
  ck_assert_int_eq(run_json(fan_in, &opt), 0);
  second = tu_read(out_path("out.ndjson"));
  ck_assert_str_eq(first, second);
  free(first);
  free(second);
}
END_TEST

START_TEST(a_retried_batch_is_delivered_once)
{
  tf__run_options opt = quiet_options();

  ck_assert_int_eq(
      run_json(
          "{\"version\": 1, \"sources\": [{\"id\": \"s\", \"plugin\": \"seq\","
          " \"config\": {\"count\": 10}}],"
          " \"sinks\": [{\"id\": \"k\", \"plugin\": \"flaky\", \"inputs\": "
          "[\"s\"],"
          "  \"config\": {\"path\": \"k.ndjson\", \"retries\": 3}}]}",
          &opt),
      0);
  ck_assert_uint_eq(tu_count_lines(out_path("k.ndjson")), 10);
  ck_assert_uint_eq(tu_count_lines(out_path("rejected.ndjson")), 0);
}
END_TEST

START_TEST(exhausted_retries_go_to_the_dead_letter_output)
{
  tf__run_options opt = quiet_options();
  char *dl;

  opt.sink_retries = 2;
  ck_assert_int_eq(
      run_json(
          "{\"version\": 1, \"sources\": [{\"id\": \"s\", \"plugin\": \"seq\","
          " \"config\": {\"count\": 5}}],"
          " \"sinks\": [{\"id\": \"k\", \"plugin\": \"flaky\", \"inputs\": "
          "[\"s\"],"
          "  \"config\": {\"path\": \"k.ndjson\", \"retries\": 100}}],"
          " \"dead_letter\": {\"path\": \"dl/rejected.ndjson\"}}",
          &opt),
      0);
  ck_assert_uint_eq(tu_count_lines(out_path("k.ndjson")), 0);
  ck_assert_uint_eq(tu_count_lines(out_path("dl/rejected.ndjson")), 5);
  dl = tu_read(out_path("dl/rejected.ndjson"));
  ck_assert_ptr_nonnull(strstr(dl, "\"stage\":\"k\",\"plugin\":\"flaky\","
                                   "\"code\":\"retry_exhausted\""));
  ck_assert_ptr_nonnull(strstr(dl, "\"record\":{\"seq\":0,\"from\":\"s\"}"));
  free(dl);
}
END_TEST

START_TEST(a_failing_sink_fails_the_run)
{
  tf__run_options opt = quiet_options();

  ck_assert_int_eq(
      run_json(
          "{\"version\": 1, \"sources\": [{\"id\": \"s\", \"plugin\": \"seq\","
          " \"config\": {\"count\": 500}}],"
          " \"sinks\": [{\"id\": \"k\", \"plugin\": \"flaky\", \"inputs\": "
          "[\"s\"],"
          "  \"config\": {\"path\": \"k.ndjson\", \"fail_at\": 2}}]}",
          &opt),
      1);
  ck_assert_uint_eq(tu_count_lines(out_path("k.ndjson")), 64);
}
END_TEST

/* A plugin that cannot start for a reason other than its config (a file
 * it cannot open, a service it cannot reach) fails the run: exit 1, not
 * the config error's 2 (docs/contract.md#exit-status). */
START_TEST(a_plugin_that_cannot_start_fails_the_run)
{
  tf__run_options opt = quiet_options();

  ck_assert_int_eq(
      run_json("{\"version\": 1, \"sources\": [{\"id\": \"s\", \"plugin\": "
               "\"seq\"}],"
               " \"sinks\": [{\"id\": \"k\", \"plugin\": \"flaky\", "
               "\"inputs\": [\"s\"],"
               "  \"config\": {\"path\": \"no/such/folder/k.ndjson\"}}]}",
               &opt),
      1);
}
END_TEST

START_TEST(a_line_of_invalid_utf8_is_dead_lettered_as_valid_json)
{
  tf__run_options opt = quiet_options();
  char *in = tu_write(dir, "in.ndjson", "{\"a\": 1}\n{\"b\": \"\xff\xfe\"}\n");
  char *dl, *line_end;
  json_error_t jerr;
  json_t *line;

  ck_assert_int_eq(
      run_json("{\"version\": 1, \"sources\": [{\"id\": \"in\", "
               "\"plugin\": \"file\", \"config\": {\"path\": "
               "\"in.ndjson\"}}], \"sinks\": [{\"id\": \"out\", "
               "\"plugin\": \"file\", \"inputs\": [\"in\"], \"config\": "
               "{\"path\": \"out.ndjson\"}}]}",
               &opt),
      0);
  ck_assert_uint_eq(tu_count_lines(out_path("out.ndjson")), 1);
  dl = tu_read(out_path("rejected.ndjson"));
  line_end = strchr(dl, '\n');
  ck_assert_ptr_nonnull(line_end);
  line = json_loadb(dl, (size_t)(line_end - dl), 0, &jerr);
  ck_assert_msg(line != NULL, "dead-letter line is not JSON: %s", jerr.text);
  ck_assert_str_eq(json_string_value(json_object_get(line, "input")),
                   "in.ndjson:2");
  ck_assert_str_eq(json_string_value(json_object_get(line, "record")),
                   "{\"b\": \"??\"}");
  json_decref(line);
  free(dl);
  free(in);
}
END_TEST

/* In-process plugins for the zero-copy test: a source of 3 records and a
 * sink that remembers the record pointers it was given. */
static const tf_host *zc_host;
static const tf_record *seen[2][3];

static int zc_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                   void **state)
{
  static int next_sink;

  zc_host = host;
  *state = &seen[next_sink++ % 2];
  return TF_OK;
}

static void zc_fini(void *state)
{
  (void)state;
}

static int zc_produce(void *state, tf_ctx *ctx, size_t max)
{
  int i;

  for (i = 0; i < 3; i++)
    zc_host->emit(ctx, tf_record_new(json_pack("{s:i}", "i", i)));
  return TF_DONE;
}

static tf_sink_result zc_write(void *state, tf_ctx *ctx, const tf_batch *b)
{
  const tf_record **mine = state;
  size_t i;

  for (i = 0; i < tf_batch_count(b) && i < 3; i++)
    mine[i] = tf_batch_get(b, i);
  return TF_SINK_OK;
}

static const tf_source_plugin zc_source = {
    TF_SOURCE_HEADER,       .base.name = "zc",     .base.version = "1",
    .base.description = "", .base.license = "MIT", .base.init = zc_init,
    .base.fini = zc_fini,   .produce = zc_produce,
};
static const tf_sink_plugin zc_sink = {
    TF_SINK_HEADER,         .base.name = "zc",     .base.version = "1",
    .base.description = "", .base.license = "MIT", .base.init = zc_init,
    .base.fini = zc_fini,   .write = zc_write,
};

START_TEST(fan_out_shares_records_without_copying)
{
  tf__run_options opt = quiet_options();
  tf__stage_def st[3];
  size_t in0 = 0, order[3] = {0, 1, 2};
  tf__pipeline p;
  char dl[1024], id_s[] = "s", id_a[] = "a", id_b[] = "b";
  int i;

  memset(st, 0, sizeof(st));
  memset(&p, 0, sizeof(p));
  st[0].id = id_s;
  st[0].plugin.plugin = &zc_source.base;
  st[1].id = id_a;
  st[2].id = id_b;
  for (i = 1; i < 3; i++) {
    st[i].plugin.plugin = &zc_sink.base;
    st[i].n_inputs = 1;
    st[i].input_idx = &in0;
  }
  snprintf(dl, sizeof(dl), "%s/rejected.ndjson", dir);
  p.name = id_s;
  p.dir = dir;
  p.stages = st;
  p.n_stages = 3;
  p.order = order;
  p.dead_letter_path = dl;
  ck_assert_int_eq(tf__run(&p, &opt), 0);
  for (i = 0; i < 3; i++) {
    ck_assert_ptr_nonnull(seen[0][i]);
    ck_assert_ptr_eq(seen[0][i], seen[1][i]);
  }
}
END_TEST

/* A stop signal while only unbounded sources run ends their input: the
 * run finishes (exit 0) with what they emitted before it. */
START_TEST(a_stop_signal_ends_a_run_of_unbounded_sources)
{
  tf__run_options opt = quiet_options();

  ck_assert_int_eq(
      run_json(
          "{\"version\": 1, \"sources\": [{\"id\": \"e\", \"plugin\": "
          "\"endless\", \"config\": {\"count\": 1000, \"signal_at\": 100}}],"
          " \"sinks\": [{\"id\": \"out\", \"plugin\": \"flaky\","
          "  \"inputs\": [\"e\"], \"config\": {\"path\": \"out.ndjson\"}}]}",
          &opt),
      0);
  ck_assert_uint_eq(tu_count_lines(out_path("out.ndjson")), 100);
}
END_TEST

/* With a bounded source still running, the signal stops the run as
 * before (exit 128 + SIGTERM). */
START_TEST(a_stop_signal_interrupts_a_run_with_a_bounded_source_running)
{
  tf__run_options opt = quiet_options();

  ck_assert_int_eq(
      run_json("{\"version\": 1, \"sources\": ["
               " {\"id\": \"e\", \"plugin\": \"endless\", \"config\": "
               "{\"count\": 1000, \"signal_at\": 10}},"
               " {\"id\": \"s\", \"plugin\": \"seq\", \"config\": "
               "{\"count\": 100000000}}],"
               " \"sinks\": [{\"id\": \"out\", \"plugin\": \"flaky\","
               "  \"inputs\": [\"e\", \"s\"], \"config\": {\"path\": "
               "\"out.ndjson\"}}]}",
               &opt),
      128 + 15);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("runner");
  TCase *tc = tcase_create("run");
  SRunner *sr;
  int failed;

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, fan_out_delivers_every_record_to_every_consumer);
  tcase_add_test(tc, fan_in_merges_every_source);
  tcase_add_test(tc, same_input_gives_the_same_output);
  tcase_add_test(tc, sources_are_read_in_event_time_order);
  tcase_add_test(tc,
                 a_source_without_watermark_holds_the_watermark_until_it_ends);
  tcase_add_test(tc,
                 watermarks_never_let_a_record_arrive_late_at_any_batch_size);
  tcase_add_test(tc, a_sink_is_handed_rising_watermarks_in_order);
  tcase_add_test(tc, a_sink_built_before_advance_runs);
  tcase_add_test(tc, a_retried_batch_is_delivered_once);
  tcase_add_test(tc, exhausted_retries_go_to_the_dead_letter_output);
  tcase_add_test(tc, a_failing_sink_fails_the_run);
  tcase_add_test(tc, a_plugin_that_cannot_start_fails_the_run);
  tcase_add_test(tc, fan_out_shares_records_without_copying);
  tcase_add_test(tc, a_line_of_invalid_utf8_is_dead_lettered_as_valid_json);
  tcase_add_test(tc, a_stop_signal_ends_a_run_of_unbounded_sources);
  tcase_add_test(tc,
                 a_stop_signal_interrupts_a_run_with_a_bounded_source_running);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
