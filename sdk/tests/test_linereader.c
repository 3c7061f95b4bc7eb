/*
 * test_linereader.c - tests of the line reader and writer (linereader.h):
 * line ends, byte order mark, over-long lines, gzip by name and by option,
 * truncated gzip files, gzip files of several members (read as one, seek
 * into a later one, one appended after a resume), damaged gzip data, and
 * writing plain and gzip files.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <touchflow/error.h>
#include <touchflow/linereader.h>

static char tmpdir[64];

static void setup(void)
{
  strcpy(tmpdir, "/tmp/tf_lr_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
  char cmd[128];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

/* A path in the test folder; static storage, one at a time per slot. */
static const char *tmp_path(const char *name)
{
  static char paths[4][256];
  static int slot;
  char *p = paths[slot++ % 4];

  snprintf(p, 256, "%s/%s", tmpdir, name);
  return p;
}

/* Writes `len` bytes to `name` (compressed when comp says so). */
static const char *make_file(const char *name, const char *data, size_t len,
                             tf_compression comp)
{
  const char *path = tmp_path(name);
  tf_line_writer *w;

  ck_assert_int_eq(tf_line_writer_open(&w, path, comp), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, data, len), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  return path;
}

static const char *make_text(const char *name, const char *text)
{
  return make_file(name, text, strlen(text), TF_COMPRESSION_AUTO);
}

static tf_line_reader *open_reader(const char *path, tf_compression comp,
                                   size_t max)
{
  tf_line_reader *r;

  ck_assert_int_eq(tf_line_reader_open(&r, path, comp, max), TF_OK);
  return r;
}

static void expect_line(tf_line_reader *r, const char *text, long number,
                        const char *eol)
{
  tf_line ln;

  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_OK);
  ck_assert_uint_eq(ln.len, strlen(text));
  ck_assert_str_eq(ln.text, text);
  ck_assert_int_eq(ln.number, number);
  ck_assert_str_eq(ln.eol, eol);
}

static void expect_eof(tf_line_reader *r)
{
  tf_line ln;

  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_LINE_EOF);
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_LINE_EOF);
}

START_TEST(test_plain_lines_are_numbered)
{
  tf_line_reader *r =
      open_reader(make_text("a.txt", "one\ntwo\nthree\n"), 0, 0);

  expect_line(r, "one", 1, "\n");
  expect_line(r, "two", 2, "\n");
  expect_line(r, "three", 3, "\n");
  expect_eof(r);
  ck_assert_int_eq(tf_line_reader_line_number(r), 3);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_crlf_is_stripped)
{
  tf_line_reader *r = open_reader(make_text("a.txt", "a\r\nb\r\n"), 0, 0);

  expect_line(r, "a", 1, "\r\n");
  expect_line(r, "b", 2, "\r\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_last_line_without_newline)
{
  tf_line_reader *r = open_reader(make_text("a.txt", "a\nlast"), 0, 0);

  expect_line(r, "a", 1, "\n");
  expect_line(r, "last", 2, "");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_bom_is_stripped)
{
  tf_line_reader *r =
      open_reader(make_text("a.txt", "\xEF\xBB\xBF{}\n\xEF\xBB\xBFx\n"), 0, 0);

  expect_line(r, "{}", 1, "\n");
  expect_line(r, "\xEF\xBB\xBFx", 2, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_blank_lines_are_returned)
{
  tf_line_reader *r = open_reader(make_text("a.txt", "\n\r\nx\n"), 0, 0);

  expect_line(r, "", 1, "\n");
  expect_line(r, "", 2, "\r\n");
  expect_line(r, "x", 3, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_empty_file_has_no_lines)
{
  tf_line_reader *r = open_reader(make_text("a.txt", ""), 0, 0);

  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_line_longer_than_a_chunk)
{
  size_t n = 300 * 1000;
  char *data = malloc(n + 3);
  tf_line_reader *r;
  tf_line ln;

  ck_assert_ptr_nonnull(data);
  memset(data, 'x', n);
  memcpy(data + n, "\ny", 3);
  r = open_reader(make_file("big.txt", data, n + 2, 0), 0, 0);
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_OK);
  ck_assert_uint_eq(ln.len, n);
  ck_assert_int_eq(memcmp(ln.text, data, n), 0);
  expect_line(r, "y", 2, "");
  expect_eof(r);
  tf_line_reader_close(r);
  free(data);
}
END_TEST

START_TEST(test_too_long_line_is_reported_and_skipped)
{
  tf_line_reader *r =
      open_reader(make_text("a.txt", "ok\n0123456789abc\nnext\n"), 0, 10);
  tf_line ln;

  expect_line(r, "ok", 1, "\n");
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_ERR_TOOLONG);
  ck_assert_int_eq(ln.number, 2);
  ck_assert_uint_eq(ln.len, 10);
  ck_assert_str_eq(ln.text, "0123456789");
  ck_assert_ptr_nonnull(strstr(tf_line_reader_error(r), "a.txt:2"));
  expect_line(r, "next", 3, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_line_of_max_length_with_crlf_is_accepted)
{
  tf_line_reader *r =
      open_reader(make_text("a.txt", "0123456789\r\n01234567890\r\n"), 0, 10);
  tf_line ln;

  expect_line(r, "0123456789", 1, "\r\n");
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_ERR_TOOLONG);
  ck_assert_int_eq(ln.number, 2);
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_too_long_last_line_without_newline)
{
  tf_line_reader *r = open_reader(make_text("a.txt", "a\nxxxxxxxx"), 0, 4);
  tf_line ln;

  expect_line(r, "a", 1, "\n");
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_ERR_TOOLONG);
  ck_assert_str_eq(ln.text, "xxxx");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_gzip_chosen_by_extension)
{
  const char *text = "\xEF\xBB\xBFg1\ng2\r\n";
  const char *path = make_file("a.ndjson.gz", text, strlen(text), 0);
  tf_line_reader *r = open_reader(path, TF_COMPRESSION_AUTO, 0);

  expect_line(r, "g1", 1, "\n");
  expect_line(r, "g2", 2, "\r\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_gzip_chosen_by_option)
{
  const char *path =
      make_file("packed.dat", "z1\nz2\n", 6, TF_COMPRESSION_GZIP);
  tf_line_reader *r = open_reader(path, TF_COMPRESSION_GZIP, 0);

  expect_line(r, "z1", 1, "\n");
  expect_line(r, "z2", 2, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

START_TEST(test_none_option_reads_gz_name_as_plain)
{
  const char *path = make_file("plain.gz", "p\n", 2, TF_COMPRESSION_NONE);
  tf_line_reader *r = open_reader(path, TF_COMPRESSION_NONE, 0);

  expect_line(r, "p", 1, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

/* 20000 numbered lines, gzip, cut in the middle. */
START_TEST(test_truncated_gzip_keeps_earlier_lines)
{
  char *data = malloc(200000);
  size_t len = 0;
  const char *path;
  struct stat st;
  tf_line_reader *r;
  tf_line ln;
  long expected = 1;
  int rc;
  int i;

  ck_assert_ptr_nonnull(data);
  for (i = 1; i <= 20000; i++)
    len += (size_t)sprintf(data + len, "%d\n", i);
  path = make_file("cut.ndjson.gz", data, len, 0);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
  r = open_reader(path, 0, 0);
  while ((rc = tf_line_reader_next(r, &ln)) == TF_OK) {
    ck_assert_int_eq(atol(ln.text), expected);
    ck_assert_int_eq(ln.number, expected);
    expected++;
  }
  ck_assert_int_eq(rc, TF_ERR_TRUNCATED);
  ck_assert_int_gt(expected, 100);
  ck_assert_int_lt(expected, 20000);
  ck_assert_ptr_nonnull(strstr(tf_line_reader_error(r), "cut.ndjson.gz"));
  expect_eof(r);
  tf_line_reader_close(r);
  free(data);
}
END_TEST

START_TEST(test_gzip_without_trailer_is_truncated)
{
  const char *path = make_file("t.gz", "a\nb\n", 4, 0);
  struct stat st;
  tf_line_reader *r;
  tf_line ln;

  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(truncate(path, st.st_size - 4), 0);
  r = open_reader(path, 0, 0);
  expect_line(r, "a", 1, "\n");
  expect_line(r, "b", 2, "\n");
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_ERR_TRUNCATED);
  tf_line_reader_close(r);
}
END_TEST

/* A file named .gz, or read with compression gzip, that is not gzip is
 * refused with its first bytes; zlib alone would read it as plain text
 * (issue 15). */
START_TEST(test_gz_name_that_is_not_gzip_is_refused)
{
  const char *path =
      make_file("fake.ndjson.gz", "{\"a\":1}\n", 8, TF_COMPRESSION_NONE);
  tf_line_reader *r = (tf_line_reader *)1;
  char why[512];

  ck_assert_int_eq(tf_line_reader_open_why(&r, path, TF_COMPRESSION_AUTO, 0,
                                           why, sizeof(why)),
                   TF_ERR_PARSE);
  ck_assert_ptr_null(r);
  ck_assert_str_eq(why, "not gzip: the first bytes are 7b 22 61 22, not 1f "
                        "8b; the name ends in .gz: set compression to "
                        "\"none\" for a plain file, or rename it");
  ck_assert_int_eq(tf_line_reader_open(&r, path, TF_COMPRESSION_AUTO, 0),
                   TF_ERR_PARSE);
  path = make_file("plain.dat", "x\n", 2, TF_COMPRESSION_NONE);
  ck_assert_int_eq(tf_line_reader_open_why(&r, path, TF_COMPRESSION_GZIP, 0,
                                           why, sizeof(why)),
                   TF_ERR_PARSE);
  ck_assert_ptr_nonnull(strstr(why, "first bytes are 78 0a, not 1f 8b; "
                                    "compression is \"gzip\""));
  path = make_file("empty.csv.gz", "", 0, TF_COMPRESSION_NONE);
  ck_assert_int_eq(tf_line_reader_open_why(&r, path, TF_COMPRESSION_AUTO, 0,
                                           why, sizeof(why)),
                   TF_ERR_PARSE);
  ck_assert_ptr_nonnull(strstr(why, "not gzip: the file is empty"));
}
END_TEST

/* compression auto reads a gzip file by its magic bytes whatever its
 * name. */
START_TEST(test_auto_reads_gzip_by_its_magic)
{
  const char *path =
      make_file("packed.ndjson", "m1\nm2\n", 6, TF_COMPRESSION_GZIP);
  tf_line_reader *r = open_reader(path, TF_COMPRESSION_AUTO, 0);

  expect_line(r, "m1", 1, "\n");
  expect_line(r, "m2", 2, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

/* Out of file descriptors: the message is the open's own error, with what
 * to do, not "input/output error" (issue 15).  Check runs each test in a
 * child process, so the lowered limit ends with it. */
START_TEST(test_open_with_no_descriptor_left_says_so)
{
  const char *path = make_text("a.ndjson", "x\n");
  tf_line_reader *r = (tf_line_reader *)1;
  struct rlimit lim, was;
  char why[512];
  int fd = open(path, O_RDONLY);

  /* fd is the lowest free descriptor: with the limit at fd, every
   * descriptor allowed is taken once it is closed again. */
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
  lim = was;
  lim.rlim_cur = (rlim_t)fd;
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
  close(fd);
  ck_assert_int_eq(tf_line_reader_open_why(&r, path, 0, 0, why, sizeof(why)),
                   TF_ERR_IO);
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0); /* for teardown */
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(strstr(why, "cannot open: Too many open files"));
  ck_assert_ptr_nonnull(strstr(why, "ulimit -n"));
}
END_TEST

START_TEST(test_missing_file_is_notfound)
{
  tf_line_reader *r = (tf_line_reader *)1;

  ck_assert_int_eq(tf_line_reader_open(&r, tmp_path("nope"), 0, 0),
                   TF_ERR_NOTFOUND);
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_writer_lines_round_trip_gzip)
{
  const char *path = tmp_path("w.txt.gz");
  tf_line_writer *w;
  tf_line_reader *r;

  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_AUTO), TF_OK);
  ck_assert_int_eq(tf_line_writer_line(w, "first", 5), TF_OK);
  ck_assert_int_eq(tf_line_writer_line(w, "", 0), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  r = open_reader(path, TF_COMPRESSION_GZIP, 0);
  expect_line(r, "first", 1, "\n");
  expect_line(r, "", 2, "\n");
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

/* More than three 1 MiB buffers of lines, written in pieces of varying
 * size: the writer's own thread writes the full buffers; the file holds
 * every byte in order. */
START_TEST(test_writer_large_output_round_trip_plain)
{
  const char *path = tmp_path("big.txt");
  size_t cap = 8 * 1024 * 1024, len = 0, got;
  char *want = malloc(cap), *have = malloc(cap);
  tf_line_writer *w;
  FILE *fp;
  long i;

  ck_assert_ptr_nonnull(want);
  ck_assert_ptr_nonnull(have);
  ck_assert_int_eq(tf_line_writer_open(&w, path, TF_COMPRESSION_NONE), TF_OK);
  for (i = 1; len < 3500000; i++) {
    int n = snprintf(want + len, cap - len, "line %ld %.*s", i, (int)(i % 13),
                     "abcdefghijklm");

    ck_assert_int_eq(tf_line_writer_line(w, want + len, (size_t)n), TF_OK);
    len += (size_t)n;
    want[len++] = '\n';
  }
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  fp = fopen(path, "rb");
  ck_assert_ptr_nonnull(fp);
  got = fread(have, 1, cap, fp);
  fclose(fp);
  ck_assert_uint_eq(got, len);
  ck_assert(memcmp(have, want, len) == 0);
  free(want);
  free(have);
}
END_TEST

/* /dev/full refuses every write (ENOSPC): a large output fails in a
 * write (the failure of a buffer the writer's thread wrote shows when the
 * next one is handed over), a small one at close, both with errno. */
START_TEST(test_writer_failure_is_reported_with_errno)
{
  static char block[256 * 1024];
  tf_line_writer *w;
  int i, rc = TF_OK;

  memset(block, 'x', sizeof(block));
  ck_assert_int_eq(tf_line_writer_open(&w, "/dev/full", TF_COMPRESSION_NONE),
                   TF_OK);
  for (i = 0; i < 64 && rc == TF_OK; i++)
    rc = tf_line_writer_write(w, block, sizeof(block));
  ck_assert_int_eq(rc, TF_ERR_IO);
  ck_assert_int_eq(errno, ENOSPC);
  ck_assert_int_lt(i, 64);
  ck_assert_int_eq(tf_line_writer_close(w), TF_ERR_IO);
  ck_assert_int_eq(tf_line_writer_open(&w, "/dev/full", TF_COMPRESSION_NONE),
                   TF_OK);
  ck_assert_int_eq(tf_line_writer_line(w, "short", 5), TF_OK);
  errno = 0;
  ck_assert_int_eq(tf_line_writer_close(w), TF_ERR_IO);
  ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(test_writer_open_fails_in_missing_folder)
{
  tf_line_writer *w = (tf_line_writer *)1;

  ck_assert_int_eq(tf_line_writer_open(&w, tmp_path("no/such/file"), 0),
                   TF_ERR_IO);
  ck_assert_ptr_null(w);
}
END_TEST

START_TEST(test_compression_names_and_extension)
{
  tf_compression c;

  ck_assert_int_eq(tf_compression_parse("gzip", &c), TF_OK);
  ck_assert_int_eq(c, TF_COMPRESSION_GZIP);
  ck_assert_int_eq(tf_compression_parse("none", &c), TF_OK);
  ck_assert_int_eq(c, TF_COMPRESSION_NONE);
  ck_assert_int_eq(tf_compression_parse("zip", &c), TF_ERR_INVAL);
  ck_assert_int_eq(tf_compression_for_path("a.csv.gz", 0), TF_COMPRESSION_GZIP);
  ck_assert_int_eq(tf_compression_for_path("a.csv", 0), TF_COMPRESSION_NONE);
  ck_assert_int_eq(tf_compression_for_path("gz", 0), TF_COMPRESSION_NONE);
  ck_assert_int_eq(tf_compression_for_path("a.gz", TF_COMPRESSION_NONE),
                   TF_COMPRESSION_NONE);
}
END_TEST

/* --- gzip streams: members, seeks, damage -------------------------------- */

/* The bytes of a file (malloc'ed; *len its size). */
static unsigned char *file_bytes(const char *path, size_t *len)
{
  struct stat st;
  unsigned char *data;
  FILE *f = fopen(path, "rb");

  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fstat(fileno(f), &st), 0);
  data = malloc((size_t)st.st_size + 1);
  ck_assert_ptr_nonnull(data);
  ck_assert_uint_eq(fread(data, 1, (size_t)st.st_size, f), (size_t)st.st_size);
  fclose(f);
  *len = (size_t)st.st_size;
  return data;
}

/* Puts the path of name in the test folder into path (tmp_path's slots
 * are reused by make_file). */
static void own_path(char path[256], const char *name)
{
  snprintf(path, 256, "%s", tmp_path(name));
}

/* Appends len bytes to the file at path (created if missing). */
static void append_bytes(const char *path, const void *data, size_t len)
{
  FILE *f = fopen(path, "ab");

  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

/* Line i of the member tests: its number and 16 hex digits that hardly
 * compress, so that members span many of the reader's input pieces. */
static size_t member_line(char *out, size_t cap, long i)
{
  uint64_t x = (uint64_t)i * 6364136223846793005u + 1442695040888963407u;

  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9u;
  return (size_t)snprintf(out, cap, "%ld %016llx", i, (unsigned long long)x);
}

/* Appends one gzip member holding lines first..last to path. */
static void append_member(const char *path, long first, long last)
{
  size_t cap = (size_t)(last - first + 1) * 40 + 1, len = 0;
  char *text = malloc(cap);
  unsigned char *member;
  size_t mlen;
  const char *tmp;

  ck_assert_ptr_nonnull(text);
  for (long i = first; i <= last; i++) {
    len += member_line(text + len, cap - len, i);
    text[len++] = '\n';
  }
  tmp = make_file("member.gz", text, len, TF_COMPRESSION_GZIP);
  member = file_bytes(tmp, &mlen);
  append_bytes(path, member, mlen);
  free(member);
  free(text);
}

/* Reads lines from r and checks they are first..last, numbered so. */
static void expect_member_lines(tf_line_reader *r, long first, long last)
{
  char want[64];
  tf_line ln;

  for (long i = first; i <= last; i++) {
    ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_OK);
    member_line(want, sizeof(want), i);
    ck_assert_str_eq(ln.text, want);
    ck_assert_int_eq(ln.number, i);
  }
}

/* 30 members of different sizes (1 to 2917 lines, about 380 KB
 * compressed) read as one stream: every line once, in order. */
START_TEST(test_gzip_members_read_as_one_stream)
{
  char path[256];
  tf_line_reader *r;
  long next = 1;

  own_path(path, "members.ndjson.gz");
  for (int m = 0; m < 30; m++) {
    long n = m % 3 == 0 ? 1 : 100 * m + 17;

    append_member(path, next, next + n - 1);
    next += n;
  }
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  expect_member_lines(r, 1, next - 1);
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

/* An offset taken in the third of four members: a new reader seeks to it
 * and goes on with the next line; the same reader seeks back to it too;
 * an offset past the end is refused as truncated. */
START_TEST(test_gzip_seek_into_a_later_member)
{
  char path[256];
  tf_line_reader *r;
  uint64_t offset;

  own_path(path, "seek.ndjson.gz");
  append_member(path, 1, 4000);
  append_member(path, 4001, 8000);
  append_member(path, 8001, 12000);
  append_member(path, 12001, 12500);
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  expect_member_lines(r, 1, 9999);
  offset = tf_line_reader_offset(r);
  expect_member_lines(r, 10000, 12500);
  expect_eof(r);
  ck_assert_int_eq(tf_line_reader_seek(r, offset, 9999), TF_OK);
  expect_member_lines(r, 10000, 10010);
  tf_line_reader_close(r);

  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  ck_assert_int_eq(tf_line_reader_seek(r, offset, 9999), TF_OK);
  expect_member_lines(r, 10000, 12500);
  expect_eof(r);
  ck_assert_int_eq(tf_line_reader_seek(r, offset * 2, 1), TF_ERR_TRUNCATED);
  ck_assert_ptr_nonnull(strstr(tf_line_reader_error(r), "seek.ndjson.gz: "
                                                        "cannot go to byte "));
  tf_line_reader_close(r);
}
END_TEST

/* Incremental runs: the file is read to its end, a member is appended
 * (as the gzip sink does at a checkpoint), and a reader resumed at the old
 * end reads just the new member's lines. */
START_TEST(test_gzip_member_appended_after_resume)
{
  char path[256];
  tf_line_reader *r;
  uint64_t end;

  own_path(path, "grow.ndjson.gz");
  append_member(path, 1, 2500);
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  expect_member_lines(r, 1, 2500);
  expect_eof(r);
  end = tf_line_reader_offset(r);
  tf_line_reader_close(r);
  append_member(path, 2501, 2600);
  append_member(path, 2601, 2601);
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  ck_assert_int_eq(tf_line_reader_seek(r, end, 2500), TF_OK);
  expect_member_lines(r, 2501, 2601);
  expect_eof(r);
  tf_line_reader_close(r);
}
END_TEST

/* The message of the last error error_offset saw. */
static char last_error[1024];

/* Reads r to its first error, which must be rc and say name; returns the
 * byte offset its message gives after "at byte " (checked to be below
 * limit).  The message is kept in last_error. */
static unsigned long long error_offset(tf_line_reader *r, int rc,
                                       const char *name,
                                       unsigned long long limit)
{
  const char *msg, *at;
  tf_line ln;
  int got;

  while ((got = tf_line_reader_next(r, &ln)) == TF_OK)
    ;
  ck_assert_int_eq(got, rc);
  msg = tf_line_reader_error(r);
  snprintf(last_error, sizeof(last_error), "%s", msg);
  ck_assert_ptr_nonnull(strstr(msg, name));
  at = strstr(msg, "at byte ");
  ck_assert_ptr_nonnull(at);
  ck_assert_uint_lt(strtoull(at + 8, NULL, 10), limit);
  expect_eof(r);
  return strtoull(at + 8, NULL, 10);
}

/* A damaged CRC-32 in the trailer of the second member: the data of both
 * is read, then an error names the file, the problem and its offset. */
START_TEST(test_gzip_bad_crc_is_an_error_with_its_offset)
{
  char path[256];
  unsigned char *data;
  size_t len;
  tf_line_reader *r;

  own_path(path, "crc.ndjson.gz");
  append_member(path, 1, 3000);
  append_member(path, 3001, 3100);
  data = file_bytes(path, &len);
  data[len - 8] ^= 0x5a;
  ck_assert_int_eq(unlink(path), 0);
  append_bytes(path, data, len);
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  expect_member_lines(r, 1, 3100);
  ck_assert_uint_ge(error_offset(r, TF_ERR_IO,
                                 "crc.ndjson.gz: cannot read "
                                 "gzip data: corrupt gzip data",
                                 len + 1),
                    len - 8);
  ck_assert_ptr_nonnull(strstr(last_error, "CRC-32"));
  tf_line_reader_close(r);
  free(data);
}
END_TEST

/* Bytes overwritten in the middle of the deflate data: an error (not a
 * crash, not silence) naming an offset inside the file. */
START_TEST(test_gzip_damaged_data_is_an_error)
{
  char path[256];
  unsigned char *data;
  size_t len;
  tf_line_reader *r;

  own_path(path, "bad.ndjson.gz");
  append_member(path, 1, 5000);
  data = file_bytes(path, &len);
  memset(data + len / 2, 0xff, 64);
  ck_assert_int_eq(unlink(path), 0);
  append_bytes(path, data, len);
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  error_offset(r, TF_ERR_IO, "bad.ndjson.gz: cannot read gzip data: corrupt",
               len + 1);
  tf_line_reader_close(r);
  free(data);
}
END_TEST

/* Zeros after the last member (a crash can leave them) are not ignored:
 * the lines are read, then an error gives where the zeros start.  A lone
 * 1f there is the start of a member cut short. */
START_TEST(test_gzip_bytes_after_the_last_member)
{
  char path[256];
  static const unsigned char zeros[4096];
  char why[512];
  size_t len;
  tf_line_reader *r;
  tf_line ln;

  own_path(path, "tail.ndjson.gz");
  append_member(path, 1, 10);
  free(file_bytes(path, &len));
  append_bytes(path, zeros, sizeof(zeros));
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  expect_member_lines(r, 1, 10);
  ck_assert_uint_eq(error_offset(r, TF_ERR_IO, "not gzip data", len + 1), len);
  tf_line_reader_close(r);

  own_path(path, "half.ndjson.gz");
  append_member(path, 1, 10);
  append_bytes(path, "\x1f", 1);
  r = open_reader(path, TF_COMPRESSION_AUTO, 0);
  expect_member_lines(r, 1, 10);
  ck_assert_int_eq(tf_line_reader_next(r, &ln), TF_ERR_TRUNCATED);
  snprintf(why, sizeof(why), "%s: gzip data ends early (truncated file)", path);
  ck_assert_str_eq(tf_line_reader_error(r), why);
  tf_line_reader_close(r);
}
END_TEST

static Suite *linereader_suite(void)
{
  Suite *s = suite_create("linereader");
  TCase *tc = tcase_create("core");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_plain_lines_are_numbered);
  tcase_add_test(tc, test_crlf_is_stripped);
  tcase_add_test(tc, test_last_line_without_newline);
  tcase_add_test(tc, test_bom_is_stripped);
  tcase_add_test(tc, test_blank_lines_are_returned);
  tcase_add_test(tc, test_empty_file_has_no_lines);
  tcase_add_test(tc, test_line_longer_than_a_chunk);
  tcase_add_test(tc, test_too_long_line_is_reported_and_skipped);
  tcase_add_test(tc, test_line_of_max_length_with_crlf_is_accepted);
  tcase_add_test(tc, test_too_long_last_line_without_newline);
  tcase_add_test(tc, test_gzip_chosen_by_extension);
  tcase_add_test(tc, test_gzip_chosen_by_option);
  tcase_add_test(tc, test_none_option_reads_gz_name_as_plain);
  tcase_add_test(tc, test_truncated_gzip_keeps_earlier_lines);
  tcase_add_test(tc, test_gzip_without_trailer_is_truncated);
  tcase_add_test(tc, test_gz_name_that_is_not_gzip_is_refused);
  tcase_add_test(tc, test_auto_reads_gzip_by_its_magic);
  tcase_add_test(tc, test_open_with_no_descriptor_left_says_so);
  tcase_add_test(tc, test_missing_file_is_notfound);
  tcase_add_test(tc, test_gzip_members_read_as_one_stream);
  tcase_add_test(tc, test_gzip_seek_into_a_later_member);
  tcase_add_test(tc, test_gzip_member_appended_after_resume);
  tcase_add_test(tc, test_gzip_bad_crc_is_an_error_with_its_offset);
  tcase_add_test(tc, test_gzip_damaged_data_is_an_error);
  tcase_add_test(tc, test_gzip_bytes_after_the_last_member);
  tcase_add_test(tc, test_writer_lines_round_trip_gzip);
  tcase_add_test(tc, test_writer_open_fails_in_missing_folder);
  tcase_add_test(tc, test_writer_large_output_round_trip_plain);
  tcase_add_test(tc, test_writer_failure_is_reported_with_errno);
  tcase_add_test(tc, test_compression_names_and_extension);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(linereader_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
