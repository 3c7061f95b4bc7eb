/*
 * test_filesource.c - the file source (sdk/lib/filesource.c) driven through
 * a small fake host: records passed on unchanged or through map functions
 * that emit, reject or fail; how many input records produce() reads;
 * positions and resuming across files; origins; init errors; the
 * sorted_by_time order check kept across files and in the position.
 * Reading ahead on a second thread (option read_ahead): the same
 * callbacks, in the same order, with the same positions as one thread,
 * over many lines of every kind, plain, gzip and CSV; exact resume from a
 * position taken while the thread is far ahead; seek after reading; free
 * in mid-file; a cut gzip file; callbacks only on produce()'s thread.
 */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>
#include <touchflow/io.h>

struct tf_ctx {
  int unused;
};

static const tf_option options[] = {TF_FILE_SOURCE_OPTIONS,
                                    TF_SORTED_BY_TIME_OPTION,
                                    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static char tmpdir[64];
static tf_ctx ctx;
static tf_batch *emitted;
static json_t *rejects; /* [{"code", "file", "line", "message"}] */
static char last_log[1024];
static pthread_t test_thread; /* every callback must come on this one */

/* A growing text: the transcript of every callback, when one is kept. */
typedef struct tbuf {
  char *s;
  size_t len, cap;
} tbuf;

static tbuf *transcript;

/* An assertion for code run for every record: ck_assert records the place
 * of every assertion that holds (a message to Check's parent process each
 * time), which makes runs of many records slow; this only fails. */
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond))                                                               \
      ck_abort_msg(__VA_ARGS__);                                               \
  } while (0)

/* Room for n more bytes and a NUL. */
static void text_reserve(tbuf *t, size_t n)
{
  while (t->len + n + 1 > t->cap) {
    t->cap = t->cap ? t->cap * 2 : 4096;
    t->s = realloc(t->s, t->cap);
    CHECK(t->s, "out of memory");
  }
}

static void text_add(tbuf *t, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  CHECK(n >= 0, "vsnprintf failed");
  text_reserve(t, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

/* Bytes as printable text: other bytes as \xNN. */
static void text_bytes(tbuf *t, const char *b, size_t n)
{
  static const char hex[] = "0123456789abcdef";

  text_reserve(t, 4 * n);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)b[i];

    if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
      t->s[t->len++] = (char)ch;
    } else {
      t->s[t->len++] = '\\';
      t->s[t->len++] = 'x';
      t->s[t->len++] = hex[ch >> 4];
      t->s[t->len++] = hex[ch & 15];
    }
  }
  t->s[t->len] = '\0';
}

/* A record's text and origin into the transcript. */
static void note_record(const char *what, const tf_record *rec)
{
  tf_origin o = tf_record_origin(rec);
  size_t len = 0;
  const char *bytes = tf_record_bytes(rec, &len);

  text_add(transcript, "%s %s:%ld ", what, o.file ? o.file : "-", o.line);
  if (bytes) {
    text_bytes(transcript, bytes, len);
  } else {
    char *dump = json_dumps(tf_record_json(rec), JSON_COMPACT);

    CHECK(dump, "cannot dump the record");
    text_add(transcript, "tree %s", dump);
    free(dump);
  }
  text_add(transcript, "\n");
}

static void on_test_thread(void)
{
  CHECK(pthread_equal(pthread_self(), test_thread),
        "a callback came on another thread");
}

static void fake_log(tf_ctx *c, tf_log_level level, const char *fmt, ...)
{
  va_list ap;

  on_test_thread();
  va_start(ap, fmt);
  vsnprintf(last_log, sizeof(last_log), fmt, ap);
  va_end(ap);
  if (transcript)
    text_add(transcript, "log %d %s\n", (int)level, last_log);
}

static int fake_reject(tf_ctx *c, const tf_record *rec, const char *code,
                       const char *message)
{
  tf_origin o = tf_record_origin(rec);

  on_test_thread();
  CHECK(c == &ctx, "reject: another ctx");
  CHECK(message, "reject: no message");
  CHECK(o.file, "reject: no origin");
  json_array_append_new(
      rejects, json_pack("{s:s, s:s, s:I, s:s}", "code", code, "file", o.file,
                         "line", (json_int_t)o.line, "message", message));
  if (transcript) {
    text_add(transcript, "reject %s (%s) ", code, message);
    note_record("raw", rec);
  }
  return TF_OK;
}

static void fake_metric(tf_ctx *c, const char *name, int64_t delta)
{
  on_test_thread();
}

static int fake_emit(tf_ctx *c, tf_record *rec)
{
  on_test_thread();
  CHECK(c == &ctx, "emit: another ctx");
  if (transcript)
    note_record("emit", rec);
  return tf_batch_push(emitted, rec);
}

static const char *fake_stage_id(const tf_ctx *c)
{
  on_test_thread();
  return "src";
}

static const tf_host host = {
    .size = sizeof(tf_host),
    .log = fake_log,
    .reject = fake_reject,
    .metric = fake_metric,
    .emit = fake_emit,
    .stage_id = fake_stage_id,
};

static void setup(void)
{
  strcpy(tmpdir, "/tmp/tf_fsrc_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  emitted = tf_batch_new();
  ck_assert_ptr_nonnull(emitted);
  rejects = json_array();
  last_log[0] = '\0';
  test_thread = pthread_self();
  transcript = NULL;
}

static void teardown(void)
{
  char cmd[128];

  tf_batch_free(emitted);
  json_decref(rejects);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static void in_tmpdir(char *path, size_t len, const char *name)
{
  ck_assert_int_lt(snprintf(path, len, "%s/%s", tmpdir, name), (int)len);
}

static void write_text(const char *name, const char *text)
{
  char path[256];
  tf_line_writer *w;

  in_tmpdir(path, sizeof(path), name);
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, text, strlen(text)), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
}

static void diag_fail(void *ud, const char *path, const char *message)
{
  ck_abort_msg("config: %s: %s", path, message);
}

/* A file source and the config it was made from. */
typedef struct source {
  tf_config *cfg;
  tf_file_source *fs;
} source;

/* Makes a file source from a JSON config resolved against base_dir;
 * returns tf_file_source_new's result. */
static int open_in(source *s, const char *config_json, const char *base_dir,
                   tf_file_source_map_fn map, void *ud)
{
  json_t *given = json_loads(config_json, 0, NULL);
  int rc;

  ck_assert_ptr_nonnull(given);
  ck_assert_int_eq(tf_options_validate(options, given, NULL, "config", base_dir,
                                       diag_fail, NULL, &s->cfg),
                   TF_OK);
  json_decref(given);
  s->fs = (tf_file_source *)&ctx; /* must be overwritten */
  rc = tf_file_source_new(&ctx, &host, s->cfg, map, ud, &s->fs);
  if (rc != TF_OK) {
    ck_assert_ptr_null(s->fs);
    tf_config_free(s->cfg);
  }
  return rc;
}

static int open_source(source *s, const char *config_json,
                       tf_file_source_map_fn map, void *ud)
{
  return open_in(s, config_json, tmpdir, map, ud);
}

static void close_source(source *s)
{
  tf_file_source_free(s->fs);
  tf_config_free(s->cfg);
}

static int drain(source *s, size_t max)
{
  int rc;

  do {
    rc = tf_file_source_produce(s->fs, max);
  } while (rc == TF_MORE);
  return rc;
}

static void run_all(const char *config_json, tf_file_source_map_fn map,
                    void *ud, int expected_rc)
{
  source s;

  ck_assert_int_eq(open_source(&s, config_json, map, ud), TF_OK);
  ck_assert_int_eq(drain(&s, 100), expected_rc);
  close_source(&s);
}

static const char *field(size_t i, const char *name)
{
  return tf_record_get_string(tf_batch_get(emitted, i), name);
}

static void expect_origin(size_t i, const char *file, long line)
{
  tf_origin o = tf_record_origin(tf_batch_get(emitted, i));

  ck_assert_str_eq(o.file, file);
  ck_assert_int_eq(o.line, line);
}

static void expect_reject(size_t i, const char *code, long line)
{
  json_t *r = json_array_get(rejects, i);

  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(json_string_value(json_object_get(r, "code")), code);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "line")), line);
}

/* --- Map functions ------------------------------------------------------ */

/* What the map functions saw. */
typedef struct map_log {
  int calls;
  const char *fail_on; /* map_fail: the "n" that fails */
} map_log;

/* Emits the record it was given, unchanged. */
static int map_keep(void *ud, tf_ctx *c, const tf_host *h, const tf_record *rec)
{
  ((map_log *)ud)->calls++;
  return h->emit(c, tf_record_ref((tf_record *)rec));
}

/* Emits two records per input, with "copy": 1 and 2. */
static int map_twice(void *ud, tf_ctx *c, const tf_host *h,
                     const tf_record *rec)
{
  ((map_log *)ud)->calls++;
  for (int i = 1; i <= 2; i++) {
    json_t *obj = tf_record_copy_json(rec);
    tf_record *out;
    int rc;

    ck_assert_ptr_nonnull(obj);
    ck_assert_int_eq(json_object_set_new(obj, "copy", json_integer(i)), 0);
    out = tf_record_derive(rec, obj);
    ck_assert_ptr_nonnull(out);
    rc = h->emit(c, out);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Rejects every record. */
static int map_reject(void *ud, tf_ctx *c, const tf_host *h,
                      const tf_record *rec)
{
  ((map_log *)ud)->calls++;
  return h->reject(c, rec, "not_wanted", "the test wants none");
}

/* Emits records until the one whose "n" is fail_on, which fails. */
static int map_fail(void *ud, tf_ctx *c, const tf_host *h, const tf_record *rec)
{
  map_log *log = ud;
  const char *n = tf_record_get_string(rec, "n");

  log->calls++;
  if (n && strcmp(n, log->fail_on) == 0)
    return TF_ERR_PLUGIN;
  return h->emit(c, tf_record_ref((tf_record *)rec));
}

/* --- Passing records on ------------------------------------------------- */

START_TEST(test_null_map_emits_records_unchanged)
{
  size_t len;
  const char *bytes;

  write_text("a.ndjson", "{\"n\":\"1\",  \"x\":[1, 2]}\n{\"n\":\"2\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  bytes = tf_record_bytes(tf_batch_get(emitted, 0), &len);
  ck_assert_ptr_nonnull(bytes);
  ck_assert_uint_eq(len, strlen("{\"n\":\"1\",  \"x\":[1, 2]}"));
  ck_assert(memcmp(bytes, "{\"n\":\"1\",  \"x\":[1, 2]}", len) == 0);
  expect_origin(0, "a.ndjson", 1);
  expect_origin(1, "a.ndjson", 2);
  ck_assert_str_eq(field(1, "n"), "2");
}
END_TEST

START_TEST(test_map_receives_each_record_read)
{
  map_log log = {0};

  write_text("a.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n{\"n\":\"3\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", map_keep, &log, TF_DONE);
  ck_assert_int_eq(log.calls, 3);
  ck_assert_uint_eq(tf_batch_count(emitted), 3);
  ck_assert_str_eq(field(2, "n"), "3");
  expect_origin(2, "a.ndjson", 3);
}
END_TEST

START_TEST(test_map_emits_two_records_per_input)
{
  map_log log = {0};

  write_text("a.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", map_twice, &log, TF_DONE);
  ck_assert_int_eq(log.calls, 2);
  ck_assert_uint_eq(tf_batch_count(emitted), 4);
  ck_assert_str_eq(field(0, "n"), "1");
  ck_assert_int_eq(
      json_integer_value(tf_record_get(tf_batch_get(emitted, 1), "copy")), 2);
  ck_assert_str_eq(field(3, "n"), "2");
  expect_origin(3, "a.ndjson", 2);
}
END_TEST

START_TEST(test_map_rejects_records)
{
  map_log log = {0};

  write_text("a.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", map_reject, &log, TF_DONE);
  ck_assert_int_eq(log.calls, 2);
  ck_assert_uint_eq(tf_batch_count(emitted), 0);
  ck_assert_uint_eq(json_array_size(rejects), 2);
  expect_reject(0, "not_wanted", 1);
  expect_reject(1, "not_wanted", 2);
}
END_TEST

START_TEST(test_map_failure_fails_produce)
{
  map_log log = {0, "3"};
  source s;

  write_text("a.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n{\"n\":\"3\"}\n"
                         "{\"n\":\"4\"}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", map_fail, &log),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 100), TF_ERR_PLUGIN);
  ck_assert_int_eq(log.calls, 3);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  ck_assert_ptr_nonnull(strstr(last_log, "a.ndjson:3"));
  close_source(&s);
}
END_TEST

START_TEST(test_bad_lines_never_reach_the_map)
{
  map_log log = {0};

  write_text("a.ndjson", "{\"n\":\"1\"}\n{broken\n[1]\n{\"n\":\"4\"}\n");
  run_all("{\"path\": \"a.ndjson\"}", map_keep, &log, TF_DONE);
  ck_assert_int_eq(log.calls, 2);
  ck_assert_uint_eq(json_array_size(rejects), 2);
  expect_reject(0, "invalid_json", 2);
  expect_reject(1, "not_an_object", 3);
}
END_TEST

START_TEST(test_csv_rows_reach_the_map_with_origin)
{
  map_log log = {0};

  write_text("t.csv", "n,note\n1,\"two\nlines\"\n2,x\n");
  run_all("{\"path\": \"t.csv\"}", map_twice, &log, TF_DONE);
  ck_assert_int_eq(log.calls, 2);
  ck_assert_uint_eq(tf_batch_count(emitted), 4);
  ck_assert_str_eq(field(1, "note"), "two\nlines");
  expect_origin(1, "t.csv", 2);
  expect_origin(2, "t.csv", 4);
}
END_TEST

START_TEST(test_csv_bad_row_is_rejected_before_the_map)
{
  map_log log = {0};

  write_text("t.csv", "a,b\n1,2\n1,2,3\n");
  run_all("{\"path\": \"t.csv\"}", map_keep, &log, TF_DONE);
  ck_assert_int_eq(log.calls, 1);
  expect_reject(0, "csv_column_count", 3);
}
END_TEST

START_TEST(test_truncated_gzip_keeps_earlier_records)
{
  char *data = malloc(300000);
  char path[256];
  size_t len = 0;
  struct stat st;
  tf_line_writer *w;
  map_log log = {0};

  ck_assert_ptr_nonnull(data);
  for (int i = 1; i <= 10000; i++)
    len += (size_t)sprintf(data + len, "{\"n\":%d}\n", i);
  in_tmpdir(path, sizeof(path), "cut.ndjson.gz");
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, data, len), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  free(data);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
  run_all("{\"path\": \"cut.ndjson.gz\"}", map_keep, &log, TF_ERR_TRUNCATED);
  ck_assert_uint_gt(tf_batch_count(emitted), 100);
  ck_assert_uint_lt(tf_batch_count(emitted), 10000);
  ck_assert_int_eq(log.calls, (int)tf_batch_count(emitted));
  ck_assert_ptr_nonnull(strstr(last_log, "cut.ndjson.gz"));
}
END_TEST

/* --- How much produce() reads -------------------------------------------- */

START_TEST(test_produce_reads_at_most_max_input_records)
{
  map_log log = {0};
  source s;

  write_text("a.ndjson", "{}\n{}\n{}\n{}\n{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", map_twice, &log),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 2), TF_MORE);
  ck_assert_int_eq(log.calls, 2);
  ck_assert_uint_eq(tf_batch_count(emitted), 4);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 2), TF_MORE);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 2), TF_DONE);
  ck_assert_int_eq(log.calls, 5);
  close_source(&s);
}
END_TEST

START_TEST(test_rejected_lines_count_as_input_records)
{
  source s;

  write_text("a.ndjson", "bad\n{}\n{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 2), TF_MORE);
  ck_assert_uint_eq(json_array_size(rejects), 1);
  ck_assert_uint_eq(tf_batch_count(emitted), 1);
  close_source(&s);
}
END_TEST

START_TEST(test_blank_lines_do_not_count)
{
  source s;

  write_text("a.ndjson", "\n\n{}\n \n\n{}\n{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 2), TF_MORE);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  close_source(&s);
}
END_TEST

/* Writes len bytes, NULs included, as a file in the test folder. */
static void write_raw(const char *name, const char *bytes, size_t len)
{
  char path[256];
  FILE *fp;

  in_tmpdir(path, sizeof(path), name);
  fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  ck_assert_uint_eq(fwrite(bytes, 1, len, fp), len);
  ck_assert_int_eq(fclose(fp), 0);
}

static const char *reject_message(size_t i)
{
  return json_string_value(
      json_object_get(json_array_get(rejects, i), "message"));
}

/* A line of NUL bytes (what a crash can leave in a file) is not blank: it
 * is dead-lettered as nul_byte with its line, as is a NUL inside a line,
 * and the lines after keep their numbers (issue 15). */
START_TEST(test_nul_lines_are_dead_lettered_not_skipped)
{
  static const char text[] = "{\"n\":1}\n"
                             "\0\0\0\0\n"
                             "{\"n\":3}\n"
                             " \0 \r\n"
                             "{\"n\":\"a\0b\"}\n"
                             "\n"
                             "{\"n\":7}\n";
  int read_ahead;

  for (read_ahead = 0; read_ahead <= 1; read_ahead++) {
    json_array_clear(rejects);
    tf_batch_clear(emitted);
    write_raw("z.ndjson", text, sizeof(text) - 1);
    run_all(read_ahead ? "{\"path\": \"z.ndjson\"}"
                       : "{\"path\": \"z.ndjson\", \"read_ahead\": false}",
            NULL, NULL, TF_DONE);
    ck_assert_uint_eq(tf_batch_count(emitted), 3);
    expect_origin(0, "z.ndjson", 1);
    expect_origin(1, "z.ndjson", 3);
    expect_origin(2, "z.ndjson", 7);
    ck_assert_uint_eq(json_array_size(rejects), 3);
    expect_reject(0, "nul_byte", 2);
    expect_reject(1, "nul_byte", 4);
    expect_reject(2, "nul_byte", 5);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(rejects, 0), "file")),
        "z.ndjson");
    ck_assert_ptr_nonnull(
        strstr(reject_message(0),
               "NUL byte at column 1 (4 of the line's 4 bytes are NUL)"));
    ck_assert_ptr_nonnull(
        strstr(reject_message(2),
               "NUL byte at column 8 (1 of the line's 11 bytes are NUL)"));
  }
}
END_TEST

/* CSV: a row of NULs and a NUL inside a quoted field spanning two lines
 * are dead-lettered as nul_byte at the line they start on; the rows after
 * keep their numbers. */
START_TEST(test_nul_in_csv_rows_is_dead_lettered)
{
  static const char text[] = "a,b\n"
                             "1,x\n"
                             "\0\0\0\n"
                             "2,\"p\0q\nr\"\n"
                             "3,y\n";

  write_raw("z.csv", text, sizeof(text) - 1);
  run_all("{\"path\": \"z.csv\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  expect_origin(0, "z.csv", 2);
  expect_origin(1, "z.csv", 6);
  ck_assert_str_eq(field(1, "a"), "3");
  ck_assert_uint_eq(json_array_size(rejects), 2);
  expect_reject(0, "nul_byte", 3);
  expect_reject(1, "nul_byte", 4);
  ck_assert_ptr_nonnull(strstr(reject_message(0), "NUL byte"));
}
END_TEST

/* Expects the text of emitted record i to be what jansson writes for its
 * object (JSON_COMPACT), as it was when CSV rows were jansson objects. */
static void expect_jansson_text(size_t i)
{
  size_t len;
  const char *bytes = tf_record_bytes(tf_batch_get(emitted, i), &len);
  json_t *obj;
  char *dump;

  ck_assert_ptr_nonnull(bytes);
  obj = json_loadb(bytes, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
  ck_assert_ptr_nonnull(obj);
  dump = json_dumps(obj, JSON_COMPACT);
  ck_assert_ptr_nonnull(dump);
  ck_assert_uint_eq(strlen(dump), len);
  ck_assert(memcmp(dump, bytes, len) == 0);
  free(dump);
  json_decref(obj);
}

/* CSV rows are text records, written as jansson wrote their objects:
 * header order, names and fields escaped ('"', '\\', control characters;
 * "/", DEL and non-ASCII as they are); empty fields "" or, with
 * csv_empty_as_null, null. */
START_TEST(test_csv_rows_are_text_as_jansson_wrote_them)
{
  static const char text[] =
      "z,\"q \"\"x\"\"\",b\\s,\xc3\xa9,c\x01t\x1f,e\n"
      "\"a,b\",\"l1\nl2\r\",t\tab,s/l\x7f,\xe2\x82\xac\xf0\x9f\x98\x80,\n"
      "1,2,\\,\"\",\x1b,x\n";

  write_raw("j.csv", text, sizeof(text) - 1);
  run_all("{\"path\": \"j.csv\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  ck_assert_uint_eq(json_array_size(rejects), 0);
  for (size_t i = 0; i < 2; i++) {
    expect_jansson_text(i);
    ck_assert_uint_eq(tf_record_debug_state(tf_batch_get(emitted, i)), 0);
  }
  ck_assert_str_eq(tf_record_bytes(tf_batch_get(emitted, 0), NULL),
                   "{\"z\":\"a,b\",\"q \\\"x\\\"\":\"l1\\nl2\\r\","
                   "\"b\\\\s\":\"t\\tab\",\"\xc3\xa9\":\"s/l\x7f\","
                   "\"c\\u0001t\\u001F\":\"\xe2\x82\xac\xf0\x9f\x98\x80\","
                   "\"e\":\"\"}");
  expect_origin(1, "j.csv", 4);
  ck_assert_str_eq(field(1, "c\x01t\x1f"), "\x1b");
  tf_batch_clear(emitted);
  run_all("{\"path\": \"j.csv\", \"csv_empty_as_null\": true}", NULL, NULL,
          TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  expect_jansson_text(1);
  ck_assert_ptr_nonnull(strstr(tf_record_bytes(tf_batch_get(emitted, 1), NULL),
                               ",\"\xc3\xa9\":null,"));
}
END_TEST

/* A name or a field that is not valid UTF-8 dead-letters the row as
 * invalid_utf8; the other rows go on. */
START_TEST(test_csv_invalid_utf8_is_dead_lettered)
{
  static const char bad_value[] = "a,b\n1,\xc0\xaf\n2,ok\n3,\xed\xa0\x80\n";
  static const char bad_name[] = "a,\xff\n1,2\n";

  write_raw("v.csv", bad_value, sizeof(bad_value) - 1);
  run_all("{\"path\": \"v.csv\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 1);
  ck_assert_str_eq(field(0, "a"), "2");
  ck_assert_uint_eq(json_array_size(rejects), 2);
  expect_reject(0, "invalid_utf8", 2);
  expect_reject(1, "invalid_utf8", 4);
  ck_assert_str_eq(reject_message(0), "a field is not valid UTF-8");
  tf_batch_clear(emitted);
  json_array_clear(rejects);
  write_raw("n.csv", bad_name, sizeof(bad_name) - 1);
  run_all("{\"path\": \"n.csv\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 0);
  ck_assert_uint_eq(json_array_size(rejects), 1);
  expect_reject(0, "invalid_utf8", 2);
}
END_TEST

/* A file named .gz that is not gzip fails the source, naming the file and
 * its first bytes, instead of being read as text (issue 15). */
START_TEST(test_gz_that_is_not_gzip_fails_naming_the_file)
{
  write_raw("fake.ndjson.gz", "{\"n\":1}\n", 8);
  run_all("{\"path\": \"fake.ndjson.gz\"}", NULL, NULL, TF_ERR_PARSE);
  ck_assert_uint_eq(tf_batch_count(emitted), 0);
  ck_assert_ptr_nonnull(strstr(last_log, "fake.ndjson.gz: not gzip: the first "
                                         "bytes are 7b 22 6e 22, not 1f 8b"));
}
END_TEST

/* Out of file descriptors when a file is opened: the log names the file
 * and the real cause, not "input/output error" (issue 15).  Check runs
 * each test in a child process; the limit is put back for teardown. */
START_TEST(test_open_out_of_descriptors_names_the_cause)
{
  struct rlimit lim, was;
  source s;
  int fd;

  write_text("a.ndjson", "{}\n");
  /* No read-ahead thread: it could open the file before the limit. */
  ck_assert_int_eq(
      open_source(&s, "{\"path\": \"a.ndjson\", \"read_ahead\": false}", NULL,
                  NULL),
      TF_OK);
  fd = dup(0); /* the lowest free descriptor */
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
  lim = was;
  lim.rlim_cur = (rlim_t)fd;
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
  close(fd);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 10), TF_ERR_IO);
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
  ck_assert_ptr_nonnull(
      strstr(last_log, "a.ndjson: cannot open: Too many open files: "));
  ck_assert_ptr_nonnull(strstr(last_log, "ulimit -n"));
  close_source(&s);
}
END_TEST

START_TEST(test_produce_crosses_files_in_one_call)
{
  write_text("p1.ndjson", "{\"n\":\"1\"}\n");
  write_text("p2.ndjson", "{\"n\":\"2\"}\n");
  run_all("{\"path\": \"p*.ndjson\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 2);
  expect_origin(1, "p2.ndjson", 1);
}
END_TEST

START_TEST(test_produce_zero_reads_nothing)
{
  source s;

  write_text("a.ndjson", "{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 0), TF_MORE);
  ck_assert_uint_eq(tf_batch_count(emitted), 0);
  close_source(&s);
}
END_TEST

/* --- Position and resume ------------------------------------------------- */

static void expect_position(const source *s, const char *file, long line)
{
  json_t *pos;

  ck_assert_int_eq(tf_file_source_position(s->fs, &pos), TF_OK);
  if (file)
    ck_assert_str_eq(json_string_value(json_object_get(pos, "file")), file);
  else
    ck_assert(json_is_null(json_object_get(pos, "file")));
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "line")), line);
  json_decref(pos);
}

START_TEST(test_position_after_partial_reads)
{
  map_log log = {0};
  source s;

  write_text("p1.ndjson", "{}\n\n{}\n");
  write_text("p2.ndjson", "{}\n{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"p*.ndjson\"}", map_keep, &log),
                   TF_OK);
  expect_position(&s, "p1.ndjson", 0);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 1), TF_MORE);
  expect_position(&s, "p1.ndjson", 1);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 1), TF_MORE);
  expect_position(&s, "p1.ndjson", 3);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 1), TF_MORE);
  expect_position(&s, "p2.ndjson", 1);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 5), TF_DONE);
  expect_position(&s, NULL, 0);
  close_source(&s);
}
END_TEST

/* Every record's "n" in emit order, then the rejected lines' codes. */
static char *outcome(void)
{
  char *out = calloc(1, 4096);
  size_t n = 0;

  ck_assert_ptr_nonnull(out);
  for (size_t i = 0; i < tf_batch_count(emitted); i++)
    n += (size_t)snprintf(out + n, 4096 - n, "%s ", field(i, "n"));
  for (size_t i = 0; i < json_array_size(rejects); i++)
    n += (size_t)snprintf(
        out + n, 4096 - n, "!%s ",
        json_string_value(json_object_get(json_array_get(rejects, i), "code")));
  return out;
}

/* outcome() in a static buffer, for one comparison. */
static const char *outcome_text(void)
{
  static char text[4096];
  char *got = outcome();

  snprintf(text, sizeof(text), "%s", got);
  free(got);
  return text;
}

/* Stops after `calls` produce() calls of `max` records, resumes a new file
 * source from the position and checks the whole run saw each record once. */
static void check_resume(const char *config, size_t max, int calls,
                         const char *full)
{
  map_log log = {0};
  source a, b;
  json_t *pos;
  char *got;
  int rc = TF_MORE;

  tf_batch_clear(emitted);
  json_array_clear(rejects);
  ck_assert_int_eq(open_source(&a, config, map_keep, &log), TF_OK);
  for (int i = 0; i < calls && rc == TF_MORE; i++)
    rc = tf_file_source_produce(a.fs, max);
  ck_assert_int_eq(tf_file_source_position(a.fs, &pos), TF_OK);
  close_source(&a);
  ck_assert_int_eq(open_source(&b, config, map_keep, &log), TF_OK);
  ck_assert_int_eq(tf_file_source_seek(b.fs, pos), TF_OK);
  json_decref(pos);
  ck_assert_int_eq(drain(&b, max), TF_DONE);
  close_source(&b);
  got = outcome();
  ck_assert_msg(strcmp(got, full) == 0,
                "max %zu, after %d calls: got '%s', want '%s'", max, calls, got,
                full);
  free(got);
}

START_TEST(test_resume_across_two_files_with_map)
{
  const char *full = "1 2 3 4 5 6 7 !invalid_json ";

  write_text("p1.ndjson", "{\"n\":\"1\"}\n\n{\"n\":\"2\"}\n{\"n\":\"3\"}\n");
  write_text("p2.ndjson", "{\"n\":\"4\"}\nbad\n{\"n\":\"5\"}\n\n"
                          "{\"n\":\"6\"}\n{\"n\":\"7\"}\n");
  for (size_t max = 1; max <= 3; max++)
    for (int calls = 0; calls <= 9; calls++)
      check_resume("{\"path\": \"p*.ndjson\"}", max, calls, full);
}
END_TEST

START_TEST(test_resume_across_csv_and_gzip_files)
{
  const char *full = "1 2 3 4 5 ";
  char path[256];
  tf_line_writer *w;

  write_text("q1.csv", "n,t\n1,\"a\nb\"\n2,x\n");
  in_tmpdir(path, sizeof(path), "q2.csv.gz");
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, "n\n3\n4\n5\n", 8), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  for (size_t max = 1; max <= 2; max++)
    for (int calls = 0; calls <= 6; calls++)
      check_resume("{\"path\": \"q*\"}", max, calls, full);
}
END_TEST

/* --- Incremental: the next run over inputs that changed ------------------ */

/* Adds text at the end of a file (gzip: as a new gzip member). */
static void append_text(const char *name, const char *text)
{
  char path[256], cmd[600];
  FILE *f;

  in_tmpdir(path, sizeof(path), name);
  if (strstr(name, ".gz")) {
    write_text("member.gz", text);
    snprintf(cmd, sizeof(cmd),
             "cat '%s/member.gz' >> '%s' && rm '%s/member.gz'", tmpdir, path,
             tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    return;
  }
  f = fopen(path, "a");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

/* Runs a source from pos (NULL: from the start) to its end: what it gave
 * in *got (outcome()), its position at the end returned. */
static json_t *run_from(const char *config, const json_t *pos, char **got)
{
  map_log log = {0};
  source s;
  json_t *end;

  tf_batch_clear(emitted);
  json_array_clear(rejects);
  last_log[0] = '\0';
  ck_assert_int_eq(open_source(&s, config, map_keep, &log), TF_OK);
  if (pos)
    ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_OK);
  ck_assert_int_eq(drain(&s, 3), TF_DONE);
  ck_assert_int_eq(tf_file_source_position(s.fs, &end), TF_OK);
  close_source(&s);
  *got = outcome();
  return end;
}

START_TEST(test_next_run_reads_only_what_was_appended)
{
  const char *cfg = "{\"path\": \"inc*\"}";
  char *got, path[256];
  json_t *pos, *next;

  write_text("inc1.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
  write_text("inc2.csv", "n\n3\n");
  write_text("inc3.ndjson.gz", "{\"n\":\"4\"}\n");
  pos = run_from(cfg, NULL, &got);
  ck_assert_str_eq(got, "1 2 3 4 ");
  free(got);
  /* Nothing new: nothing read. */
  next = run_from(cfg, pos, &got);
  ck_assert_str_eq(got, "");
  free(got);
  json_decref(next);
  append_text("inc1.ndjson", "{\"n\":\"5\"}\nbad\n");
  append_text("inc2.csv", "6\n\"7\n\"\n");
  append_text("inc3.ndjson.gz", "{\"n\":\"8\"}\n");
  next = run_from(cfg, pos, &got);
  ck_assert_str_eq(got, "5 6 7\n 8 !invalid_json ");
  free(got);
  /* Line numbers go on: the bad line is line 4 of inc1.ndjson. */
  expect_reject(0, "invalid_json", 4);
  expect_origin(1, "inc2.csv", 3);
  json_decref(pos);
  /* A new file matching the pattern is read whole; the others not again. */
  write_text("inc0.ndjson", "{\"n\":\"9\"}\n");
  pos = run_from(cfg, next, &got);
  ck_assert_str_eq(got, "9 ");
  free(got);
  json_decref(pos);
  json_decref(next);
  in_tmpdir(path, sizeof(path), "inc0.ndjson");
  ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* A position taken in the first file of a run that went on from an
 * earlier one still names where the later files go on from: resuming
 * from it reads none of them again. */
START_TEST(test_position_keeps_later_files_read_before)
{
  const char *cfg = "{\"path\": \"lat*.ndjson\"}";
  map_log log = {0};
  char *got;
  json_t *end, *mid, *last;
  source s;

  write_text("lat1.ndjson", "{\"n\":\"1\"}\n");
  write_text("lat2.ndjson", "{\"n\":\"2\"}\n");
  write_text("lat3.ndjson", "{\"n\":\"3\"}\n");
  end = run_from(cfg, NULL, &got);
  free(got);
  append_text("lat1.ndjson", "{\"n\":\"4\"}\n{\"n\":\"5\"}\n");
  append_text("lat3.ndjson", "{\"n\":\"6\"}\n");
  tf_batch_clear(emitted);
  json_array_clear(rejects);
  ck_assert_int_eq(open_source(&s, cfg, map_keep, &log), TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, end), TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 1), TF_MORE);
  ck_assert_int_eq(tf_file_source_position(s.fs, &mid), TF_OK);
  close_source(&s);
  ck_assert_uint_eq(json_array_size(json_object_get(mid, "files")), 3);
  last = run_from(cfg, mid, &got);
  ck_assert_str_eq(got, "5 6 ");
  free(got);
  json_decref(last);
  json_decref(mid);
  json_decref(end);
}
END_TEST

START_TEST(test_truncated_file_is_read_from_the_start)
{
  const char *cfg = "{\"path\": \"tr.ndjson\"}";
  char *got, path[256];
  json_t *pos, *next;

  write_text("tr.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
  pos = run_from(cfg, NULL, &got);
  free(got);
  in_tmpdir(path, sizeof(path), "tr.ndjson");
  ck_assert_int_eq(truncate(path, 0), 0); /* cut, then written again */
  append_text("tr.ndjson", "{\"n\":\"3\"}\n");
  next = run_from(cfg, pos, &got);
  ck_assert_str_eq(got, "3 ");
  ck_assert_ptr_nonnull(strstr(last_log, "tr.ndjson: shorter than when it was "
                                         "read before"));
  ck_assert_ptr_nonnull(strstr(last_log, "truncated"));
  free(got);
  json_decref(next);
  json_decref(pos);
}
END_TEST

START_TEST(test_rotated_file_is_told_apart)
{
  char *got, from[256], to[256];
  json_t *pos, *next;

  /* Named alone: the new file at the name is read from its start. */
  write_text("rot.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
  pos = run_from("{\"path\": \"rot.ndjson\"}", NULL, &got);
  free(got);
  in_tmpdir(from, sizeof(from), "rot.ndjson");
  in_tmpdir(to, sizeof(to), "rot.1.ndjson");
  ck_assert_int_eq(rename(from, to), 0);
  write_text("rot.ndjson", "{\"n\":\"3\"}\n{\"n\":\"4\"}\n{\"n\":\"5\"}\n");
  next = run_from("{\"path\": \"rot.ndjson\"}", pos, &got);
  ck_assert_str_eq(got, "3 4 5 ");
  ck_assert_ptr_nonnull(strstr(last_log, "rot.ndjson: not the file read "
                                         "before"));
  free(got);
  json_decref(next);
  /* With a pattern that matches both: the renamed file goes on after what
   * was read of it, the new one is read whole. */
  append_text("rot.1.ndjson", "{\"n\":\"6\"}\n");
  next = run_from("{\"path\": \"rot*.ndjson\"}", pos, &got);
  ck_assert_str_eq(got, "6 3 4 5 ");
  free(got);
  json_decref(next);
  json_decref(pos);
}
END_TEST

START_TEST(test_position_names_each_file_with_its_identity)
{
  char *got;
  json_t *pos, *e, *bad;
  struct stat st;
  char path[256];

  write_text("id1.ndjson", "{\"n\":\"1\"}\n\n");
  pos = run_from("{\"path\": \"id1.ndjson\"}", NULL, &got);
  free(got);
  in_tmpdir(path, sizeof(path), "id1.ndjson");
  ck_assert_int_eq(stat(path, &st), 0);
  e = json_array_get(json_object_get(pos, "files"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(e, "name")), "id1.ndjson");
  ck_assert_int_eq(json_integer_value(json_object_get(e, "ino")),
                   (json_int_t)st.st_ino);
  ck_assert_int_eq(json_integer_value(json_object_get(e, "bytes")), 11);
  ck_assert_int_eq(json_integer_value(json_object_get(e, "lines")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(e, "head_len")), 11);
  /* A malformed entry is refused. */
  bad = json_deep_copy(pos);
  json_object_set_new(json_array_get(json_object_get(bad, "files"), 0), "bytes",
                      json_string("x"));
  {
    source s;
    map_log log = {0};

    ck_assert_int_eq(
        open_source(&s, "{\"path\": \"id1.ndjson\"}", map_keep, &log), TF_OK);
    ck_assert_int_eq(tf_file_source_seek(s.fs, bad), TF_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(last_log, "entry 0 of the position"));
    close_source(&s);
  }
  json_decref(bad);
  json_decref(pos);
}
END_TEST

START_TEST(test_seek_by_file_index)
{
  source s;
  json_t *pos = json_pack("{s:i, s:i}", "file", 1, "line", 1);

  write_text("p1.ndjson", "{\"n\":\"1\"}\n");
  write_text("p2.ndjson", "{\"n\":\"2\"}\n{\"n\":\"3\"}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"p*.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_OK);
  json_decref(pos);
  ck_assert_int_eq(drain(&s, 10), TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 1);
  ck_assert_str_eq(field(0, "n"), "3");
  close_source(&s);
}
END_TEST

START_TEST(test_seek_to_done_reads_nothing)
{
  source s;
  json_t *pos = json_pack("{s:n, s:i}", "file", "line", 0);

  write_text("a.ndjson", "{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_OK);
  json_decref(pos);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 10), TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 0);
  close_source(&s);
}
END_TEST

START_TEST(test_seek_to_unknown_file_is_invalid)
{
  source s;
  json_t *pos = json_pack("{s:s, s:i}", "file", "gone.ndjson", "line", 3);

  write_text("a.ndjson", "{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_ERR_INVAL);
  ck_assert_ptr_nonnull(strstr(last_log, "cannot resume"));
  json_decref(pos);
  close_source(&s);
}
END_TEST

START_TEST(test_seek_to_malformed_position_is_invalid)
{
  source s;
  json_t *no_line = json_pack("{s:s}", "file", "a.ndjson");
  json_t *negative = json_pack("{s:s, s:i}", "file", "a.ndjson", "line", -1);
  json_t *past_end = json_pack("{s:i, s:i}", "file", 2, "line", 0);
  json_t *not_object = json_string("a.ndjson");

  write_text("a.ndjson", "{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.ndjson\"}", NULL, NULL),
                   TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, no_line), TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_seek(s.fs, negative), TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_seek(s.fs, past_end), TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_seek(s.fs, not_object), TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_seek(s.fs, NULL), TF_ERR_INVAL);
  json_decref(no_line);
  json_decref(negative);
  json_decref(past_end);
  json_decref(not_object);
  ck_assert_int_eq(drain(&s, 10), TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 1);
  close_source(&s);
}
END_TEST

/* --- Event time (sorted_by_time) -------------------------------------- */

/* Emits each record unchanged through the file source's order check, with
 * its "t" as the event time.  ud is the tf_file_source **. */
static int map_timed(void *ud, tf_ctx *c, const tf_host *h,
                     const tf_record *rec)
{
  tf_file_source *fs = *(tf_file_source **)ud;
  int64_t t = json_integer_value(tf_record_get(rec, "t"));

  return tf_time_order_emit(tf_file_source_time_order(fs), c, h,
                            tf_record_ref((tf_record *)rec), t);
}

#define SORTED_CONFIG "{\"path\": \"t*.ndjson\", \"sorted_by_time\": true}"

/* t1 then t2 (name order): times 10 20 20 | 30 15 40. */
static void write_timed_files(void)
{
  write_text("t1.ndjson", "{\"n\":\"1\",\"t\":10000}\n"
                          "{\"n\":\"2\",\"t\":20000}\n"
                          "{\"n\":\"3\",\"t\":20000}\n");
  write_text("t2.ndjson", "{\"n\":\"4\",\"t\":30000}\n"
                          "{\"n\":\"5\",\"t\":15000}\n"
                          "{\"n\":\"6\",\"t\":40000}\n");
}

START_TEST(test_sorted_watermark_follows_the_files_in_name_order)
{
  static const int64_t want[] = {10000, 20000, 20000, 30000, 30000, 40000};
  source s;
  size_t i;

  write_timed_files();
  ck_assert_int_eq(open_source(&s, SORTED_CONFIG, map_timed, &s.fs), TF_OK);
  ck_assert(tf_file_source_watermark(s.fs) == TF_WATERMARK_UNKNOWN);
  for (i = 0; tf_file_source_produce(s.fs, 1) == TF_MORE; i++) {
    ck_assert_uint_lt(i, 6);
    ck_assert_msg(tf_file_source_watermark(s.fs) == want[i],
                  "after record %zu: watermark %lld, want %lld", i + 1,
                  (long long)tf_file_source_watermark(s.fs),
                  (long long)want[i]);
  }
  ck_assert_uint_eq(i, 6);
  ck_assert_str_eq(outcome_text(), "1 2 3 4 6 !out_of_order ");
  expect_reject(0, "out_of_order", 2);
  close_source(&s);
}
END_TEST

START_TEST(test_unsorted_by_default_emits_all_and_promises_nothing)
{
  source s;

  write_timed_files();
  ck_assert_int_eq(
      open_source(&s, "{\"path\": \"t*.ndjson\"}", map_timed, &s.fs), TF_OK);
  while (tf_file_source_produce(s.fs, 1) == TF_MORE)
    ck_assert(tf_file_source_watermark(s.fs) == TF_WATERMARK_UNKNOWN);
  ck_assert_str_eq(outcome_text(), "1 2 3 4 5 6 ");
  close_source(&s);
}
END_TEST

START_TEST(test_position_carries_the_latest_time)
{
  source a, b;
  json_t *pos;

  write_timed_files();
  ck_assert_int_eq(open_source(&a, SORTED_CONFIG, map_timed, &a.fs), TF_OK);
  ck_assert_int_eq(tf_file_source_position(a.fs, &pos), TF_OK);
  ck_assert_ptr_null(json_object_get(pos, "max_ts_ms"));
  json_decref(pos);
  ck_assert_int_eq(tf_file_source_produce(a.fs, 4), TF_MORE);
  ck_assert_int_eq(tf_file_source_position(a.fs, &pos), TF_OK);
  close_source(&a);
  ck_assert_str_eq(json_string_value(json_object_get(pos, "file")),
                   "t2.ndjson");
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   30000);
  ck_assert_int_eq(open_source(&b, SORTED_CONFIG, map_timed, &b.fs), TF_OK);
  ck_assert_int_eq(tf_file_source_seek(b.fs, pos), TF_OK);
  json_decref(pos);
  ck_assert(tf_file_source_watermark(b.fs) == 30000);
  ck_assert_int_eq(drain(&b, 10), TF_DONE);
  ck_assert_str_eq(outcome_text(), "1 2 3 4 6 !out_of_order ");
  ck_assert_int_eq(tf_file_source_position(b.fs, &pos), TF_OK);
  ck_assert(json_is_null(json_object_get(pos, "file")));
  ck_assert_int_eq(json_integer_value(json_object_get(pos, "max_ts_ms")),
                   40000);
  json_decref(pos);
  close_source(&b);
}
END_TEST

START_TEST(test_old_position_without_the_time_resumes)
{
  source s;
  json_t *old = json_pack("{s:s, s:i}", "file", "t2.ndjson", "line", 1);

  write_timed_files();
  ck_assert_int_eq(open_source(&s, SORTED_CONFIG, map_timed, &s.fs), TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, old), TF_OK);
  json_decref(old);
  ck_assert(tf_file_source_watermark(s.fs) == TF_WATERMARK_UNKNOWN);
  ck_assert_int_eq(drain(&s, 10), TF_DONE);
  ck_assert_str_eq(outcome_text(), "5 6 ");
  close_source(&s);
}
END_TEST

START_TEST(test_seek_with_malformed_time_is_invalid)
{
  source s;
  json_t *pos = json_pack("{s:s, s:i, s:s}", "file", "t2.ndjson", "line", 1,
                          "max_ts_ms", "late");

  write_timed_files();
  ck_assert_int_eq(open_source(&s, SORTED_CONFIG, map_timed, &s.fs), TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_ERR_INVAL);
  ck_assert_ptr_nonnull(strstr(last_log, "max_ts_ms"));
  json_decref(pos);
  ck_assert_int_eq(drain(&s, 10), TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 5);
  close_source(&s);
}
END_TEST

/* --- Origins ----------------------------------------------------------- */

START_TEST(test_origin_is_relative_to_the_pipeline_folder)
{
  char sub[256];

  in_tmpdir(sub, sizeof(sub), "data");
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_text("data/a.ndjson", "{}\n");
  run_all("{\"path\": \"data/*.ndjson\"}", NULL, NULL, TF_DONE);
  expect_origin(0, "data/a.ndjson", 1);
}
END_TEST

START_TEST(test_origin_outside_the_pipeline_folder_is_the_full_path)
{
  char sub[256], file[256], config[600];
  source s;

  in_tmpdir(sub, sizeof(sub), "pipeline");
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_text("a.ndjson", "{}\n");
  in_tmpdir(file, sizeof(file), "a.ndjson");
  snprintf(config, sizeof(config), "{\"path\": \"%s\"}", file);
  ck_assert_int_eq(open_in(&s, config, sub, NULL, NULL), TF_OK);
  ck_assert_int_eq(drain(&s, 10), TF_DONE);
  close_source(&s);
  expect_origin(0, file, 1);
}
END_TEST

/* --- Init errors --------------------------------------------------------- */

START_TEST(test_glob_matching_nothing_names_the_pattern)
{
  source s;

  write_text("other.ndjson", "{}\n");
  ck_assert_int_eq(
      open_source(&s, "{\"path\": \"exports/none-*.ndjson\"}", NULL, NULL),
      TF_ERR_NOTFOUND);
  ck_assert_str_eq(last_log,
                   "exports/none-*.ndjson: no file matches the pattern");
}
END_TEST

START_TEST(test_missing_file_is_not_found)
{
  source s;

  ck_assert_int_eq(open_source(&s, "{\"path\": \"gone.ndjson\"}", NULL, NULL),
                   TF_ERR_NOTFOUND);
  ck_assert_str_eq(last_log, "gone.ndjson: no such file");
}
END_TEST

START_TEST(test_glob_matching_only_folders_is_not_found)
{
  char sub[256];
  source s;

  in_tmpdir(sub, sizeof(sub), "dir.ndjson");
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  ck_assert_int_eq(open_source(&s, "{\"path\": \"*.ndjson\"}", NULL, NULL),
                   TF_ERR_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(last_log, "only folders"));
}
END_TEST

START_TEST(test_glob_skips_folders)
{
  char sub[256];

  in_tmpdir(sub, sizeof(sub), "b.ndjson");
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  write_text("a.ndjson", "{}\n");
  run_all("{\"path\": \"*.ndjson\"}", NULL, NULL, TF_DONE);
  ck_assert_uint_eq(tf_batch_count(emitted), 1);
}
END_TEST

START_TEST(test_unreadable_file_fails_init)
{
  char target[256], link[256];
  source s;

  in_tmpdir(target, sizeof(target), "vanished.ndjson");
  in_tmpdir(link, sizeof(link), "dangling.ndjson");
  ck_assert_int_eq(symlink(target, link), 0);
  ck_assert_int_eq(open_source(&s, "{\"path\": \"*.ndjson\"}", NULL, NULL),
                   TF_ERR_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(last_log, "dangling.ndjson: cannot read"));
}
END_TEST

START_TEST(test_unknown_extension_is_a_config_error)
{
  source s;

  write_text("a.txt", "{}\n");
  ck_assert_int_eq(open_source(&s, "{\"path\": \"a.txt\"}", NULL, NULL),
                   TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(last_log, "a.txt"));
  ck_assert_ptr_nonnull(strstr(last_log, "\"format\""));
}
END_TEST

START_TEST(test_bad_delimiter_is_a_config_error)
{
  source s;

  write_text("t.csv", "a\n");
  ck_assert_int_eq(
      open_source(&s, "{\"path\": \"t.csv\", \"csv_delimiter\": \"\\n\"}", NULL,
                  NULL),
      TF_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(last_log, "csv_delimiter"));
}
END_TEST

START_TEST(test_null_arguments_are_invalid)
{
  tf_file_source *fs = (tf_file_source *)&ctx;
  json_t *pos = NULL;

  ck_assert_int_eq(tf_file_source_new(&ctx, &host, NULL, NULL, NULL, &fs),
                   TF_ERR_INVAL);
  ck_assert_ptr_null(fs);
  ck_assert_int_eq(tf_file_source_new(&ctx, &host, NULL, NULL, NULL, NULL),
                   TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_produce(NULL, 1), TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_position(NULL, &pos), TF_ERR_INVAL);
  ck_assert_int_eq(tf_file_source_seek(NULL, NULL), TF_ERR_INVAL);
  tf_file_source_free(NULL);
}
END_TEST

/* --- Reading ahead on a second thread ------------------------------- */

static unsigned rnd_state;

static unsigned rnd(void)
{
  rnd_state = rnd_state * 1103515245u + 12345u;
  return (rnd_state >> 16) & 0x7fff;
}

static void write_bytes(const char *name, const tbuf *t)
{
  char path[256];
  tf_line_writer *w;

  in_tmpdir(path, sizeof(path), name);
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, t->s, t->len), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
}

static void add_pad(tbuf *t, char ch, int n)
{
  text_reserve(t, (size_t)n);
  memset(t->s + t->len, ch, (size_t)n);
  t->len += (size_t)n;
  t->s[t->len] = '\0';
}

/* `lines` NDJSON lines (gzip for a .gz name): mostly objects of every size
 * up to 3 KB with a rising "t", and blank lines, bad JSON, duplicate keys,
 * arrays, numbers, invalid UTF-8, lines longer than 4096 bytes (the
 * max_line_length of MIX_CONFIG), "\r\n" ends, a "t" that goes back; the
 * last line may lack its line end. */
static void write_mixed_ndjson(const char *name, int lines, unsigned seed)
{
  tbuf t = {0};

  rnd_state = seed;
  for (int i = 1; i <= lines; i++) {
    unsigned r = rnd() % 100;
    int t_ms = i * 10 - (rnd() % 20 == 0 ? 500 : 0);

    if (r < 80) {
      text_add(&t, "{\"n\":%d,\"t\":%d,\"f\":\"%s\",\"pad\":\"", i, t_ms, name);
      add_pad(&t, 'x', r < 2 ? 3000 : (int)(rnd() % 300));
      text_add(&t, "\"}");
    } else if (r < 82) {
      text_add(&t, r == 80 ? "" : " \t ");
    } else if (r < 85) {
      text_add(&t, "{broken %d", i);
    } else if (r < 87) {
      text_add(&t, "{\"n\":%d,\"n\":%d}", i, i);
    } else if (r < 89) {
      text_add(&t, r == 87 ? "[%d]" : "%d", i);
    } else if (r < 91) {
      text_add(&t, "{\"n\":%d,\"s\":\"\xff\xfe\"}", i);
    } else if (r < 93) {
      text_add(&t, "{\"n\":%d,\"pad\":\"", i);
      add_pad(&t, 'y', 5000 + (int)(rnd() % 3000));
      text_add(&t, "\"}");
    } else {
      text_add(&t, "{\"n\":%d,\"t\":%d,\"crlf\":true}\r", i, t_ms);
    }
    if (i < lines || seed % 2 == 0)
      text_add(&t, "\n");
  }
  write_bytes(name, &t);
  free(t.s);
}

/* `rows` CSV rows after a header: plain rows, quoted fields with line ends
 * and doubled quotes, rows with a column too many, stray quotes, invalid
 * UTF-8, rows longer than 4096 bytes, blank lines. */
static void write_mixed_csv(const char *name, int rows, unsigned seed)
{
  tbuf t = {0};

  rnd_state = seed;
  /* The files have headers of their own. */
  text_add(&t, seed % 2 ? "n,t,note\r\n" : "id,t,text\r\n");
  for (int i = 1; i <= rows; i++) {
    unsigned r = rnd() % 100;

    if (r < 75)
      text_add(&t, "%d,%d,plain %u\n", i, i * 10, rnd());
    else if (r < 85)
      text_add(&t, "%d,%d,\"two\nlines, \"\"quoted\"\"\"\r\n", i, i * 10);
    else if (r < 88)
      text_add(&t, "%d,%d,x,extra\n", i, i * 10);
    else if (r < 91)
      text_add(&t, "%d,%d,a\"b\n", i, i * 10);
    else if (r < 94)
      text_add(&t, "%d,%d,\xc3\x28\n", i, i * 10);
    else if (r < 96) {
      text_add(&t, "%d,%d,\"", i, i * 10);
      add_pad(&t, 'z', 5000);
      text_add(&t, "\n");
      add_pad(&t, 'z', 100);
      text_add(&t, "\"\n");
    } else {
      text_add(&t, "\n");
    }
  }
  write_bytes(name, &t);
  free(t.s);
}

#define MIX_CONFIG "{\"path\": \"mix*\", \"max_line_length\": 4096}"

/* Five files, about 6,000 lines (the read-ahead queue holds at most
 * 1,536): NDJSON plain and gzip, CSV plain and gzip, JSON lines. */
static void write_mix(void)
{
  write_mixed_ndjson("mix1.ndjson", 2000, 1);
  write_mixed_ndjson("mix2.ndjson.gz", 2000, 2);
  write_mixed_csv("mix3.csv", 800, 3);
  write_mixed_csv("mix4.csv.gz", 800, 4);
  write_mixed_ndjson("mix5.jsonl", 500, 5);
}

/* config with "read_ahead" set; free() it. */
static char *with_read_ahead(const char *config, int on)
{
  json_t *cfg = json_loads(config, 0, NULL);
  char *out;

  ck_assert_ptr_nonnull(cfg);
  ck_assert_int_eq(json_object_set_new(cfg, "read_ahead", json_boolean(on)), 0);
  out = json_dumps(cfg, JSON_COMPACT);
  ck_assert_ptr_nonnull(out);
  json_decref(cfg);
  return out;
}

static tf_file_source *current_fs; /* for map_timed_current */

/* map_timed on the file source being run (integer "t"; 0 without). */
static int map_timed_current(void *ud, tf_ctx *c, const tf_host *h,
                             const tf_record *rec)
{
  on_test_thread();
  return map_timed(&current_fs, c, h, rec);
}

/* Emits records, and fails the record of the `fail_on`th call. */
static int map_fail_at(void *ud, tf_ctx *c, const tf_host *h,
                       const tf_record *rec)
{
  map_log *log = ud;

  on_test_thread();
  if (++log->calls == atoi(log->fail_on))
    return TF_ERR_PLUGIN;
  return h->emit(c, tf_record_ref((tf_record *)rec));
}

static int map_twice_checked(void *ud, tf_ctx *c, const tf_host *h,
                             const tf_record *rec)
{
  on_test_thread();
  return map_twice(ud, c, h, rec);
}

/* Adds produce()'s result and the position to the transcript: where
 * reading is, then each file's name, bytes and lines handed on (the
 * files' identities differ between runs that write them anew). */
static void note_produce(tf_file_source *fs, int rc)
{
  json_t *pos, *files, *e;
  char *dump;
  size_t i;

  ck_assert_int_eq(tf_file_source_position(fs, &pos), TF_OK);
  files = json_incref(json_object_get(pos, "files"));
  ck_assert(json_is_array(files));
  json_object_del(pos, "files");
  dump = json_dumps(pos, JSON_COMPACT | JSON_SORT_KEYS);
  ck_assert_ptr_nonnull(dump);
  text_add(transcript, "produce %d %s", rc, dump);
  json_array_foreach (files, i, e)
    text_add(transcript, " %s:%lld:%lld",
             json_string_value(json_object_get(e, "name")),
             (long long)json_integer_value(json_object_get(e, "bytes")),
             (long long)json_integer_value(json_object_get(e, "lines")));
  text_add(transcript, "\n");
  free(dump);
  json_decref(files);
  json_decref(pos);
}

/* Runs a whole source, produce(max) at a time: the transcript of every
 * callback and of every produce() result and position.  free() it. */
static char *run_transcript(const char *config, int read_ahead, size_t max,
                            tf_file_source_map_fn map, void *ud)
{
  char *cfg = with_read_ahead(config, read_ahead);
  tbuf t = {0};
  source s;
  int rc;

  text_add(&t, "%s\n", "start");
  transcript = &t;
  ck_assert_int_eq(open_source(&s, cfg, map, ud), TF_OK);
  current_fs = s.fs;
  do {
    rc = tf_file_source_produce(s.fs, max);
    note_produce(s.fs, rc);
  } while (rc == TF_MORE);
  close_source(&s);
  transcript = NULL;
  current_fs = NULL;
  tf_batch_clear(emitted);
  json_array_clear(rejects);
  free(cfg);
  return t.s;
}

/* Fails with the first difference when a and b differ. */
static void expect_same(const char *a, const char *b, const char *what)
{
  size_t i = 0, line = 1, from;

  while (a[i] && a[i] == b[i]) {
    if (a[i] == '\n') {
      line++;
      from = i + 1;
    }
    i++;
  }
  if (a[i] == b[i])
    return;
  for (from = i; from > 0 && a[from - 1] != '\n'; from--)
    ;
  ck_abort_msg("%s: transcripts differ at line %zu:\n  one: %.200s\n"
               "  two: %.200s",
               what, line, a + from, b + from);
}

static size_t count_of(const char *haystack, const char *needle)
{
  size_t n = 0;

  for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

START_TEST(test_read_ahead_gives_the_same_transcript)
{
  map_log log = {0};
  char *off, *on;

  write_mix();
  off = run_transcript(MIX_CONFIG, 0, 512, NULL, NULL);
  on = run_transcript(MIX_CONFIG, 1, 512, NULL, NULL);
  expect_same(off, on, "read_ahead off / on, no map, 512");
  /* The input holds every case. */
  ck_assert_uint_gt(count_of(off, "\nemit mix1.ndjson:"), 1300);
  ck_assert_uint_gt(count_of(off, "\nemit mix2.ndjson.gz:"), 1300);
  ck_assert_uint_gt(count_of(off, "\nemit mix4.csv.gz:"), 500);
  ck_assert_uint_gt(count_of(off, "\nemit mix5.jsonl:"), 300);
  /* CSV rows are text records (bytes, no jansson tree). */
  ck_assert_uint_gt(count_of(off, " {\"n\":\""), 500);  /* mix3 */
  ck_assert_uint_gt(count_of(off, " {\"id\":\""), 500); /* mix4 */
  ck_assert_uint_eq(count_of(off, " tree {"), 0);
  ck_assert_uint_gt(count_of(off, "\"crlf\":true}\n"), 100);
  ck_assert_uint_gt(count_of(off, "reject invalid_json"), 120);
  ck_assert_uint_gt(count_of(off, "reject not_an_object"), 40);
  ck_assert_uint_gt(count_of(off, "reject invalid_utf8 "), 80);
  ck_assert_uint_gt(count_of(off, "reject line_too_long"), 70);
  ck_assert_uint_gt(count_of(off, "reject csv_column_count"), 20);
  ck_assert_uint_gt(count_of(off, "reject csv_stray_quote"), 20);
  ck_assert_uint_gt(count_of(off, "produce 1 {\"file\":null,\"line\":0}"), 0);
  free(off);
  free(on);

  off = run_transcript(MIX_CONFIG, 0, 7, map_twice_checked, &log);
  on = run_transcript(MIX_CONFIG, 1, 7, map_twice_checked, &log);
  expect_same(off, on, "read_ahead off / on, map emitting twice, 7");
  ck_assert_uint_gt(count_of(off, "\nproduce 0 {\"file\":\"mix4.csv.gz\""), 60);
  free(off);
  free(on);

  off = run_transcript("{\"path\": \"mix[125]*\", \"max_line_length\": 4096, "
                       "\"sorted_by_time\": true}",
                       0, 100, map_timed_current, NULL);
  on = run_transcript("{\"path\": \"mix[125]*\", \"max_line_length\": 4096, "
                      "\"sorted_by_time\": true}",
                      1, 100, map_timed_current, NULL);
  expect_same(off, on, "read_ahead off / on, sorted_by_time, 100");
  ck_assert_uint_gt(count_of(off, "reject out_of_order"), 100);
  ck_assert_uint_gt(count_of(off, "\"max_ts_ms\":"), 30);
  free(off);
  free(on);
}
END_TEST

/* Everything a run passes on, without produce() results. */
static char *drain_transcript(source *s, size_t max)
{
  tbuf t = {0};

  text_add(&t, "%s", "");
  transcript = &t;
  ck_assert_int_eq(drain(s, max), TF_DONE);
  transcript = NULL;
  return t.s;
}

START_TEST(test_read_ahead_resumes_exactly)
{
  char *cfg_on = with_read_ahead(MIX_CONFIG, 1);
  char *cfg_off = with_read_ahead(MIX_CONFIG, 0);
  source s;
  char *full;
  int calls = 0;

  write_mix();
  /* The whole input in one run, one thread, and how many calls it takes. */
  ck_assert_int_eq(open_source(&s, cfg_off, NULL, NULL), TF_OK);
  {
    tbuf t = {0};

    text_add(&t, "%s", "");
    transcript = &t;
    while (tf_file_source_produce(s.fs, 100) == TF_MORE)
      calls++;
    transcript = NULL;
    full = t.s;
  }
  close_source(&s);
  ck_assert_int_gt(calls, 40);
  for (int k = 0; k <= 8; k += k == 0 ? 1 : 2) {
    int cut = k == 0 ? 1 : calls * k / 8; /* 1, 1/8, 3/8, 5/8, 7/8 */
    tbuf t = {0};
    source a, b;
    json_t *pos;
    char *rest;

    /* Stop after `cut` calls, the thread far ahead; free it there. */
    text_add(&t, "%s", "");
    transcript = &t;
    ck_assert_int_eq(open_source(&a, cfg_on, NULL, NULL), TF_OK);
    for (int i = 0; i < cut; i++)
      ck_assert_int_eq(tf_file_source_produce(a.fs, 100),
                       i == calls ? TF_DONE : TF_MORE);
    ck_assert_int_eq(tf_file_source_position(a.fs, &pos), TF_OK);
    close_source(&a);
    transcript = NULL;
    ck_assert_int_eq(open_source(&b, cfg_on, NULL, NULL), TF_OK);
    ck_assert_int_eq(tf_file_source_seek(b.fs, pos), TF_OK);
    json_decref(pos);
    rest = drain_transcript(&b, 100);
    close_source(&b);
    text_add(&t, "%s", rest);
    free(rest);
    expect_same(full, t.s, "one run / stopped and resumed");
    free(t.s);
  }
  free(full);
  free(cfg_on);
  free(cfg_off);
  tf_batch_clear(emitted);
  json_array_clear(rejects);
}
END_TEST

START_TEST(test_seek_after_reading_ahead_starts_again_there)
{
  char *cfg_on = with_read_ahead(MIX_CONFIG, 1);
  char *cfg_off = with_read_ahead(MIX_CONFIG, 0);
  json_t *start = json_pack("{s:i, s:i}", "file", 0, "line", 0);
  source s;
  json_t *pos;
  char *want, *got;

  write_mix();
  /* Reference: a one-thread source resumed at pos. */
  ck_assert_int_eq(open_source(&s, cfg_on, NULL, NULL), TF_OK);
  for (int i = 0; i < 15; i++)
    ck_assert_int_eq(tf_file_source_produce(s.fs, 100), TF_MORE);
  ck_assert_int_eq(tf_file_source_position(s.fs, &pos), TF_OK);
  /* Read on (the thread further ahead), then go back. */
  for (int i = 0; i < 20; i++)
    ck_assert_int_eq(tf_file_source_produce(s.fs, 100), TF_MORE);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_OK);
  got = drain_transcript(&s, 100);
  close_source(&s);
  ck_assert_int_eq(open_source(&s, cfg_off, NULL, NULL), TF_OK);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_OK);
  want = drain_transcript(&s, 100);
  close_source(&s);
  expect_same(want, got, "seek back after reading ahead");
  ck_assert_uint_gt(strlen(got), 100000);
  ck_assert_ptr_nonnull(strstr(got, "mix5.jsonl"));
  free(want);
  free(got);
  json_decref(pos);

  /* Back to the start, from far into the input. */
  ck_assert_int_eq(open_source(&s, cfg_on, NULL, NULL), TF_OK);
  for (int i = 0; i < 45; i++)
    ck_assert_int_eq(tf_file_source_produce(s.fs, 100), TF_MORE);
  ck_assert_int_eq(tf_file_source_seek(s.fs, start), TF_OK);
  got = drain_transcript(&s, 100);
  close_source(&s);
  ck_assert_int_eq(open_source(&s, cfg_off, NULL, NULL), TF_OK);
  want = drain_transcript(&s, 100);
  close_source(&s);
  expect_same(want, got, "seek to the start after reading ahead");
  free(want);
  free(got);
  json_decref(start);
  free(cfg_on);
  free(cfg_off);
  tf_batch_clear(emitted);
  json_array_clear(rejects);
}
END_TEST

/* Threads of this process (/proc/self/task). */
static int count_threads(void)
{
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  int n = 0;

  ck_assert_ptr_nonnull(d);
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

/* count_threads() once it is n, or after 5 s (a joined thread may still
 * be listed for a moment while the kernel finishes its exit). */
static int threads_become(int n)
{
  struct timespec pause = {0, 1000 * 1000};
  int now = count_threads();

  for (int i = 0; i < 5000 && now != n; i++) {
    nanosleep(&pause, NULL);
    now = count_threads();
  }
  return now;
}

static void *do_nothing(void *arg)
{
  return arg;
}

/* The threads of this process with none of the test's own running: one,
 * or more with a sanitizer's.  A thread is started and joined first, since
 * ThreadSanitizer starts one of its own at the first pthread_create; then
 * the count is taken once it held for 50 ms (the joined thread may still
 * be listed for a moment). */
static int runtime_threads(void)
{
  struct timespec pause = {0, 10 * 1000 * 1000};
  pthread_t t;
  int now, same = 0;

  ck_assert_int_eq(pthread_create(&t, NULL, do_nothing, NULL), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  now = count_threads();
  for (int i = 0; i < 500 && same < 5; i++) {
    int before = now;

    nanosleep(&pause, NULL);
    now = count_threads();
    same = now == before ? same + 1 : 0;
  }
  return now;
}

START_TEST(test_free_in_mid_file_stops_the_thread)
{
  char *cfg_on = with_read_ahead(MIX_CONFIG, 1);
  char *cfg_off = with_read_ahead("{\"path\": \"mix2.ndjson.gz\"}", 0);
  char *gz_on = with_read_ahead("{\"path\": \"mix2.ndjson.gz\"}", 1);
  map_log log = {0, "1000"};
  source s;
  json_t *pos;
  int alone;

  write_mix();
  alone = runtime_threads();
  /* Read ahead, blocked on the full queue: two threads; none after free
   * (no leak either: ASan and valgrind run this). */
  ck_assert_int_eq(open_source(&s, cfg_on, NULL, NULL), TF_OK);
  ck_assert_int_eq(count_threads(), alone); /* starts at the first produce */
  ck_assert_int_eq(tf_file_source_produce(s.fs, 1), TF_MORE);
  ck_assert_int_eq(threads_become(alone + 1), alone + 1);
  close_source(&s);
  ck_assert_int_eq(threads_become(alone), alone);
  /* Off: one thread. */
  ck_assert_int_eq(open_source(&s, cfg_off, NULL, NULL), TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 1), TF_MORE);
  ck_assert_int_eq(count_threads(), alone);
  close_source(&s);
  /* A map function that fails in mid-file of a gzip file: the run ends
   * there and the source is freed with the thread ahead. */
  tf_batch_clear(emitted);
  ck_assert_int_eq(open_source(&s, gz_on, map_fail_at, &log), TF_OK);
  ck_assert_int_eq(drain(&s, 64), TF_ERR_PLUGIN);
  ck_assert_int_eq(log.calls, 1000);
  ck_assert_uint_eq(tf_batch_count(emitted), 999);
  close_source(&s);
  ck_assert_int_eq(threads_become(alone), alone);
  /* Freed before any produce, and after a seek in mid-file. */
  ck_assert_int_eq(open_source(&s, cfg_on, NULL, NULL), TF_OK);
  close_source(&s);
  ck_assert_int_eq(open_source(&s, cfg_on, NULL, NULL), TF_OK);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 10), TF_MORE);
  pos = json_pack("{s:s, s:i}", "file", "mix2.ndjson.gz", "line", 700);
  ck_assert_int_eq(tf_file_source_seek(s.fs, pos), TF_OK);
  json_decref(pos);
  ck_assert_int_eq(threads_become(alone), alone);
  ck_assert_int_eq(tf_file_source_produce(s.fs, 10), TF_MORE);
  close_source(&s);
  ck_assert_int_eq(threads_become(alone), alone);
  free(cfg_on);
  free(cfg_off);
  free(gz_on);
}
END_TEST

START_TEST(test_read_ahead_cut_gzip_keeps_earlier_records)
{
  char *data = malloc(400000);
  char path[256];
  size_t len = 0;
  struct stat st;
  tf_line_writer *w;
  char *off, *on;

  ck_assert_ptr_nonnull(data);
  for (int i = 1; i <= 20000; i++)
    len += (size_t)sprintf(data + len, "{\"n\":%d}\n", i);
  in_tmpdir(path, sizeof(path), "c1.ndjson.gz");
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, data, len), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  free(data);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
  write_text("c2.ndjson", "{\"n\":\"after\"}\n");
  off = run_transcript("{\"path\": \"c*\"}", 0, 100, NULL, NULL);
  on = run_transcript("{\"path\": \"c*\"}", 1, 100, NULL, NULL);
  expect_same(off, on, "cut gzip file");
  /* Records before the cut, then the error, logged, naming the file; the
   * next file is not read. */
  ck_assert_uint_gt(count_of(on, "\nemit c1.ndjson.gz:"), 1000);
  ck_assert_uint_lt(count_of(on, "\nemit c1.ndjson.gz:"), 20000);
  ck_assert_ptr_nonnull(strstr(on, "/c1.ndjson.gz: gzip data ends early "
                                   "(truncated file)\nproduce -10 "));
  ck_assert_ptr_nonnull(strstr(on, "\nproduce -10 {\"file\":\"c1.ndjson.gz\""));
  ck_assert_ptr_null(strstr(on, "after"));
  free(off);
  free(on);
}
END_TEST

START_TEST(test_read_ahead_file_gone_before_reading)
{
  char path[256];
  char *cfg[2];
  char *got[2];

  cfg[0] = with_read_ahead("{\"path\": \"g*.ndjson\"}", 0);
  cfg[1] = with_read_ahead("{\"path\": \"g*.ndjson\"}", 1);
  for (int on = 0; on <= 1; on++) {
    tbuf t = {0};
    source s;

    write_text("g1.ndjson", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n");
    write_text("g2.ndjson", "{\"n\":\"3\"}\n");
    ck_assert_int_eq(open_source(&s, cfg[on], NULL, NULL), TF_OK);
    in_tmpdir(path, sizeof(path), "g2.ndjson");
    ck_assert_int_eq(unlink(path), 0);
    text_add(&t, "%s", "");
    transcript = &t;
    note_produce(s.fs, tf_file_source_produce(s.fs, 10));
    /* Asked again, it tries again (as one thread always did). */
    note_produce(s.fs, tf_file_source_produce(s.fs, 10));
    write_text("g2.ndjson", "{\"n\":\"3\"}\n");
    note_produce(s.fs, tf_file_source_produce(s.fs, 10));
    transcript = NULL;
    close_source(&s);
    got[on] = t.s;
  }
  expect_same(got[0], got[1], "a file gone");
  ck_assert_ptr_nonnull(strstr(got[1], "\nlog 0 g2.ndjson: cannot open: "));
  ck_assert_ptr_nonnull(
      strstr(got[1], "\nproduce -6 {\"file\":\"g2.ndjson\","));
  ck_assert_ptr_nonnull(strstr(got[1], "emit g2.ndjson:1 {\"n\":\"3\"}\n"
                                       "produce 1 {\"file\":null,\"line\":0}"));
  for (int on = 0; on <= 1; on++) {
    free(cfg[on]);
    free(got[on]);
  }
}
END_TEST

START_TEST(test_read_ahead_option_is_on_by_default)
{
  const tf_option *o = tf_options_find(options, "read_ahead");

  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(o->type, TF_OPT_BOOL);
  ck_assert_str_eq(o->default_value, "true");
}
END_TEST

static Suite *filesource_suite(void)
{
  Suite *s = suite_create("filesource");
  TCase *pass = tcase_create("pass_on");
  TCase *read = tcase_create("read");
  TCase *resume = tcase_create("resume");
  TCase *init = tcase_create("init");
  TCase *ahead = tcase_create("read_ahead");

  tcase_add_checked_fixture(pass, setup, teardown);
  tcase_add_test(pass, test_null_map_emits_records_unchanged);
  tcase_add_test(pass, test_map_receives_each_record_read);
  tcase_add_test(pass, test_map_emits_two_records_per_input);
  tcase_add_test(pass, test_map_rejects_records);
  tcase_add_test(pass, test_map_failure_fails_produce);
  tcase_add_test(pass, test_bad_lines_never_reach_the_map);
  tcase_add_test(pass, test_csv_rows_reach_the_map_with_origin);
  tcase_add_test(pass, test_csv_bad_row_is_rejected_before_the_map);
  tcase_add_test(pass, test_csv_rows_are_text_as_jansson_wrote_them);
  tcase_add_test(pass, test_csv_invalid_utf8_is_dead_lettered);
  tcase_add_test(pass, test_truncated_gzip_keeps_earlier_records);
  tcase_add_test(pass, test_origin_is_relative_to_the_pipeline_folder);
  tcase_add_test(pass,
                 test_origin_outside_the_pipeline_folder_is_the_full_path);
  suite_add_tcase(s, pass);

  tcase_add_checked_fixture(read, setup, teardown);
  tcase_add_test(read, test_produce_reads_at_most_max_input_records);
  tcase_add_test(read, test_rejected_lines_count_as_input_records);
  tcase_add_test(read, test_blank_lines_do_not_count);
  tcase_add_test(read, test_nul_lines_are_dead_lettered_not_skipped);
  tcase_add_test(read, test_nul_in_csv_rows_is_dead_lettered);
  tcase_add_test(read, test_gz_that_is_not_gzip_fails_naming_the_file);
  tcase_add_test(read, test_open_out_of_descriptors_names_the_cause);
  tcase_add_test(read, test_produce_crosses_files_in_one_call);
  tcase_add_test(read, test_produce_zero_reads_nothing);
  suite_add_tcase(s, read);

  tcase_add_checked_fixture(resume, setup, teardown);
  tcase_add_test(resume, test_position_after_partial_reads);
  tcase_add_test(resume, test_resume_across_two_files_with_map);
  tcase_add_test(resume, test_resume_across_csv_and_gzip_files);
  tcase_add_test(resume, test_next_run_reads_only_what_was_appended);
  tcase_add_test(resume, test_position_keeps_later_files_read_before);
  tcase_add_test(resume, test_truncated_file_is_read_from_the_start);
  tcase_add_test(resume, test_rotated_file_is_told_apart);
  tcase_add_test(resume, test_position_names_each_file_with_its_identity);
  tcase_add_test(resume, test_seek_by_file_index);
  tcase_add_test(resume, test_seek_to_done_reads_nothing);
  tcase_add_test(resume, test_seek_to_unknown_file_is_invalid);
  tcase_add_test(resume, test_seek_to_malformed_position_is_invalid);
  tcase_add_test(resume, test_sorted_watermark_follows_the_files_in_name_order);
  tcase_add_test(resume,
                 test_unsorted_by_default_emits_all_and_promises_nothing);
  tcase_add_test(resume, test_position_carries_the_latest_time);
  tcase_add_test(resume, test_old_position_without_the_time_resumes);
  tcase_add_test(resume, test_seek_with_malformed_time_is_invalid);
  suite_add_tcase(s, resume);

  tcase_add_checked_fixture(ahead, setup, teardown);
  tcase_set_timeout(ahead, 60);
  tcase_add_test(ahead, test_read_ahead_gives_the_same_transcript);
  tcase_add_test(ahead, test_read_ahead_resumes_exactly);
  tcase_add_test(ahead, test_seek_after_reading_ahead_starts_again_there);
  tcase_add_test(ahead, test_free_in_mid_file_stops_the_thread);
  tcase_add_test(ahead, test_read_ahead_cut_gzip_keeps_earlier_records);
  tcase_add_test(ahead, test_read_ahead_file_gone_before_reading);
  tcase_add_test(ahead, test_read_ahead_option_is_on_by_default);
  suite_add_tcase(s, ahead);

  tcase_add_checked_fixture(init, setup, teardown);
  tcase_add_test(init, test_glob_matching_nothing_names_the_pattern);
  tcase_add_test(init, test_missing_file_is_not_found);
  tcase_add_test(init, test_glob_matching_only_folders_is_not_found);
  tcase_add_test(init, test_glob_skips_folders);
  tcase_add_test(init, test_unreadable_file_fails_init);
  tcase_add_test(init, test_unknown_extension_is_a_config_error);
  tcase_add_test(init, test_bad_delimiter_is_a_config_error);
  tcase_add_test(init, test_null_arguments_are_invalid);
  suite_add_tcase(s, init);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(filesource_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
