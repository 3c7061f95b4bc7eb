/*
 * test_csv.c - tests of the CSV reader and writer (csv.h): header, quotes,
 * doubled quotes, line ends inside quotes, CRLF, byte order mark,
 * delimiters, bad rows, rows to JSON and the writer's quoting.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/csv.h>
#include <touchflow/error.h>

static char tmpdir[64];
static char path[256];

static void setup(void)
{
  strcpy(tmpdir, "/tmp/tf_csv_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  snprintf(path, sizeof(path), "%s/data.csv", tmpdir);
}

static void teardown(void)
{
  char cmd[128];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static void write_text(const char *file, const char *text)
{
  FILE *fp = fopen(file, "wb");

  ck_assert_ptr_nonnull(fp);
  ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
  ck_assert_int_eq(fclose(fp), 0);
}

static tf_csv_reader *open_csv_with(const char *text, char delim, size_t max)
{
  tf_line_reader *lines;
  tf_csv_reader *r;

  write_text(path, text);
  ck_assert_int_eq(tf_line_reader_open(&lines, path, 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, delim, max), TF_OK);
  return r;
}

static tf_csv_reader *open_csv(const char *text)
{
  return open_csv_with(text, ',', 0);
}

/* Checks a row against fields given as one string joined by '|'. */
static void expect_fields(const tf_csv_row *row, const char *joined)
{
  char buf[512];
  size_t i, n = 0;

  buf[0] = '\0';
  for (i = 0; i < row->count; i++)
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "|" : "",
                          row->fields[i]);
  ck_assert_str_eq(buf, joined);
}

static void expect_row(tf_csv_reader *r, const char *joined, long line)
{
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_int_eq(tf_csv_reader_row_error(r), TF_CSV_OK);
  expect_fields(&row, joined);
  ck_assert_int_eq(row.line, line);
}

static void expect_eof(tf_csv_reader *r)
{
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_CSV_EOF);
}

START_TEST(test_header_and_rows)
{
  tf_csv_reader *r = open_csv("id,name\n1,ann\n2,bob\n");

  expect_fields(tf_csv_reader_header(r), "id|name");
  ck_assert_int_eq(tf_csv_reader_header(r)->line, 1);
  expect_row(r, "1|ann", 2);
  expect_row(r, "2|bob", 3);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_quoted_fields_keep_delimiters)
{
  tf_csv_reader *r = open_csv("\"a\",\"b\"\n\"x, y\",\"\"\n");

  expect_fields(tf_csv_reader_header(r), "a|b");
  expect_row(r, "x, y|", 2);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_doubled_quotes_are_unquoted)
{
  tf_csv_reader *r =
      open_csv("q\n\"This is the \"\"gold\"\" standard\"\n\"\"\"\"\n");

  expect_row(r, "This is the \"gold\" standard", 2);
  expect_row(r, "\"", 3);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_newline_inside_quotes_spans_lines)
{
  tf_csv_reader *r =
      open_csv("id,text\n1,\"line one\nline two\r\nline three\"\n2,after\n");
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_int_eq(row.line, 2);
  ck_assert_str_eq(row.fields[1], "line one\nline two\r\nline three");
  ck_assert_str_eq(row.raw, "1,\"line one\nline two\r\nline three\"");
  ck_assert_int_eq(tf_csv_reader_line_number(r), 4);
  expect_row(r, "2|after", 5);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_crlf_rows)
{
  tf_csv_reader *r = open_csv("a,b\r\n1,2\r\n3,\r\n");

  expect_fields(tf_csv_reader_header(r), "a|b");
  expect_row(r, "1|2", 2);
  expect_row(r, "3|", 3);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_bom_before_header)
{
  tf_csv_reader *r = open_csv("\xEF\xBB\xBF\"Id\",\"Email\"\n1,a@b.c\n");
  const tf_csv_row *h = tf_csv_reader_header(r);

  ck_assert_str_eq(h->fields[0], "Id");
  expect_row(r, "1|a@b.c", 2);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_semicolon_and_tab_delimiters)
{
  tf_csv_reader *r = open_csv_with("a;b\n\"1;x\";2,3\n", ';', 0);

  expect_row(r, "1;x|2,3", 2);
  tf_csv_reader_close(r);
  r = open_csv_with("a\tb\nx\ty\n", '\t', 0);
  expect_row(r, "x|y", 2);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_blank_lines_are_skipped)
{
  tf_csv_reader *r = open_csv("\na,b\n\n1,2\n\r\n3,4\n\n");

  ck_assert_int_eq(tf_csv_reader_header(r)->line, 2);
  expect_row(r, "1|2", 4);
  expect_row(r, "3|4", 6);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_wrong_column_count_is_a_row_error)
{
  tf_csv_reader *r = open_csv("a,b\n1,2,3\n4\n5,6\n");
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_PARSE);
  ck_assert_int_eq(tf_csv_reader_row_error(r), TF_CSV_COLUMN_COUNT);
  ck_assert_str_eq(tf_csv_error_code(TF_CSV_COLUMN_COUNT), "csv_column_count");
  ck_assert_int_eq(row.line, 2);
  ck_assert_str_eq(row.raw, "1,2,3");
  ck_assert_ptr_nonnull(strstr(tf_csv_reader_error(r), "data.csv:2"));
  ck_assert_str_eq(tf_csv_reader_row_message(r),
                   "3 fields where the header has 2");
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_PARSE);
  ck_assert_int_eq(row.line, 3);
  expect_row(r, "5|6", 4);
  ck_assert_str_eq(tf_csv_reader_row_message(r), "");
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_unterminated_quote_at_eof)
{
  tf_csv_reader *r = open_csv("a,b\n1,2\n3,\"open\nmore\n");
  tf_csv_row row;

  expect_row(r, "1|2", 2);
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_PARSE);
  ck_assert_int_eq(tf_csv_reader_row_error(r), TF_CSV_UNTERMINATED_QUOTE);
  ck_assert_int_eq(row.line, 3);
  ck_assert_str_eq(row.raw, "3,\"open\nmore");
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_stray_quote_is_a_row_error)
{
  tf_csv_reader *r = open_csv("a,b\nx\"y,1\n\"q\"z,2\n3,4\n");
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_PARSE);
  ck_assert_int_eq(tf_csv_reader_row_error(r), TF_CSV_STRAY_QUOTE);
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_PARSE);
  ck_assert_int_eq(row.line, 3);
  expect_row(r, "3|4", 4);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_too_long_row_is_a_row_error)
{
  tf_csv_reader *r = open_csv_with("a\n\"12345\n6789\"\nok\n", ',', 8);
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_TOOLONG);
  ck_assert_int_eq(tf_csv_reader_row_error(r), TF_CSV_TOO_LONG);
  ck_assert_int_eq(row.line, 2);
  expect_row(r, "ok", 4);
  tf_csv_reader_close(r);
}
END_TEST

/* A quoted field that makes its row too long: the reader reads on to the
 * quote that closes it, so a line inside the field ("x,y", which looks
 * like a row) is never taken for one (issue 15: CSV forgery). */
START_TEST(test_too_long_quoted_field_never_yields_its_inner_lines)
{
  tf_csv_reader *r =
      open_csv_with("a,b\n1,\"aaaaaaaa\nbbbb\nx,y\nend\"\n2,w\n", ',', 12);
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_TOOLONG);
  ck_assert_int_eq(tf_csv_reader_row_error(r), TF_CSV_TOO_LONG);
  ck_assert_int_eq(row.line, 2);
  ck_assert_uint_le(row.raw_len, 12);
  expect_row(r, "2|w", 6);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

/* The same when the field runs to the end of the file: one refused row,
 * then the end. */
START_TEST(test_too_long_unclosed_field_ends_the_file)
{
  tf_csv_reader *r = open_csv_with("a,b\n1,\"aaaaaaaa\nbbbb\nx,y\n", ',', 12);
  tf_csv_row row;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_TOOLONG);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_duplicate_header_names_are_refused)
{
  tf_line_reader *lines;
  tf_csv_reader *r = (tf_csv_reader *)1;

  write_text(path, "id,email,name,email\n1,a@x,A,b@x\n");
  ck_assert_int_eq(tf_line_reader_open(&lines, path, 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, ',', 0), TF_ERR_PARSE);
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_empty_file_has_no_header)
{
  tf_line_reader *lines;
  tf_csv_reader *r = (tf_csv_reader *)1;

  write_text(path, "\n\n");
  ck_assert_int_eq(tf_line_reader_open(&lines, path, 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, ',', 0), TF_ERR_PARSE);
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_gzip_csv)
{
  char gz[300];
  tf_line_writer *w;
  tf_line_reader *lines;
  tf_csv_reader *r;

  snprintf(gz, sizeof(gz), "%s/t.csv.gz", tmpdir);
  ck_assert_int_eq(tf_line_writer_open(&w, gz, 0), TF_OK);
  ck_assert_int_eq(tf_line_writer_write(w, "a,b\n1,\"x\ny\"\n", 12), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  ck_assert_int_eq(tf_line_reader_open(&lines, gz, 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, ',', 0), TF_OK);
  expect_row(r, "1|x\ny", 2);
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_row_to_json_keeps_empty_strings)
{
  tf_csv_reader *r = open_csv("Id,Email,Type\n00T1,,Call\n");
  tf_csv_row row;
  json_t *obj;
  char *text;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_int_eq(tf_csv_row_to_json(tf_csv_reader_header(r), &row, 0, &obj),
                   TF_OK);
  text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  ck_assert_str_eq(text, "{\"Id\":\"00T1\",\"Email\":\"\",\"Type\":\"Call\"}");
  free(text);
  json_decref(obj);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_row_to_json_empty_as_null)
{
  tf_csv_reader *r = open_csv("Id,Email\n\"00T1\",\"\"\n");
  tf_csv_row row;
  json_t *obj;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_int_eq(tf_csv_row_to_json(tf_csv_reader_header(r), &row,
                                      TF_CSV_EMPTY_AS_NULL, &obj),
                   TF_OK);
  ck_assert(json_is_null(json_object_get(obj, "Email")));
  ck_assert_str_eq(json_string_value(json_object_get(obj, "Id")), "00T1");
  json_decref(obj);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_row_to_json_rejects_invalid_utf8)
{
  tf_csv_reader *r = open_csv("a\n\xC3\x28\n\xED\xA0\x80\n");
  tf_csv_row row;
  json_t *obj;

  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_int_eq(tf_csv_row_to_json(tf_csv_reader_header(r), &row, 0, &obj),
                   TF_ERR_PARSE);
  ck_assert_ptr_null(obj);
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_int_eq(tf_csv_row_to_json(tf_csv_reader_header(r), &row, 0, &obj),
                   TF_ERR_PARSE);
  tf_csv_reader_close(r);
}
END_TEST

static char *read_all(const char *file)
{
  static char buf[1024];
  FILE *fp = fopen(file, "rb");
  size_t n;

  ck_assert_ptr_nonnull(fp);
  n = fread(buf, 1, sizeof(buf) - 1, fp);
  buf[n] = '\0';
  fclose(fp);
  return buf;
}

START_TEST(test_writer_quotes_only_when_needed)
{
  const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r",
                          NULL,    ""};
  tf_line_writer *w;

  ck_assert_int_eq(tf_line_writer_open(&w, path, 0), TF_OK);
  ck_assert_int_eq(tf_csv_write_row(w, ',', 7, fields, NULL), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  ck_assert_str_eq(read_all(path), "plain,\"a,b\",\"say \"\"hi\"\"\","
                                   "\"two\nlines\",\"cr\r\",,\n");
}
END_TEST

START_TEST(test_writer_round_trip)
{
  const char *header[] = {"id", "text", "empty"};
  const char *row1[] = {"1", "\"quoted\", with comma\r\nand CRLF", ""};
  const char *row2[] = {"2", "semi;colon", "\"\""};
  const char *only[] = {""};
  tf_line_writer *w;
  tf_line_reader *lines;
  tf_csv_reader *r;
  tf_csv_row row;

  ck_assert_int_eq(tf_line_writer_open(&w, path, 0), TF_OK);
  ck_assert_int_eq(tf_csv_write_row(w, ';', 3, header, NULL), TF_OK);
  ck_assert_int_eq(tf_csv_write_row(w, ';', 3, row1, NULL), TF_OK);
  ck_assert_int_eq(tf_csv_write_row(w, ';', 3, row2, NULL), TF_OK);
  ck_assert_int_eq(tf_csv_write_row(w, ';', 1, only, NULL), TF_OK);
  ck_assert_int_eq(tf_line_writer_close(w), TF_OK);
  ck_assert_int_eq(tf_line_reader_open(&lines, path, 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, ';', 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_str_eq(row.fields[1], row1[1]);
  ck_assert_str_eq(row.fields[2], "");
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_OK);
  ck_assert_str_eq(row.fields[1], row2[1]);
  ck_assert_str_eq(row.fields[2], row2[2]);
  ck_assert_int_eq(tf_csv_reader_next(r, &row), TF_ERR_PARSE);
  ck_assert_int_eq(row.count, 1);
  ck_assert_str_eq(row.raw, "\"\"");
  expect_eof(r);
  tf_csv_reader_close(r);
}
END_TEST

START_TEST(test_bad_delimiter_is_refused)
{
  tf_line_reader *lines;
  tf_csv_reader *r;

  write_text(path, "a\n");
  ck_assert_int_eq(tf_line_reader_open(&lines, path, 0, 0), TF_OK);
  ck_assert_int_eq(tf_csv_reader_new(&r, lines, '"', 0), TF_ERR_INVAL);
}
END_TEST

static Suite *csv_suite(void)
{
  Suite *s = suite_create("csv");
  TCase *tc = tcase_create("core");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_header_and_rows);
  tcase_add_test(tc, test_quoted_fields_keep_delimiters);
  tcase_add_test(tc, test_doubled_quotes_are_unquoted);
  tcase_add_test(tc, test_newline_inside_quotes_spans_lines);
  tcase_add_test(tc, test_crlf_rows);
  tcase_add_test(tc, test_bom_before_header);
  tcase_add_test(tc, test_semicolon_and_tab_delimiters);
  tcase_add_test(tc, test_blank_lines_are_skipped);
  tcase_add_test(tc, test_wrong_column_count_is_a_row_error);
  tcase_add_test(tc, test_unterminated_quote_at_eof);
  tcase_add_test(tc, test_stray_quote_is_a_row_error);
  tcase_add_test(tc, test_too_long_row_is_a_row_error);
  tcase_add_test(tc, test_too_long_quoted_field_never_yields_its_inner_lines);
  tcase_add_test(tc, test_too_long_unclosed_field_ends_the_file);
  tcase_add_test(tc, test_empty_file_has_no_header);
  tcase_add_test(tc, test_duplicate_header_names_are_refused);
  tcase_add_test(tc, test_gzip_csv);
  tcase_add_test(tc, test_row_to_json_keeps_empty_strings);
  tcase_add_test(tc, test_row_to_json_empty_as_null);
  tcase_add_test(tc, test_row_to_json_rejects_invalid_utf8);
  tcase_add_test(tc, test_writer_quotes_only_when_needed);
  tcase_add_test(tc, test_writer_round_trip);
  tcase_add_test(tc, test_bad_delimiter_is_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(csv_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
