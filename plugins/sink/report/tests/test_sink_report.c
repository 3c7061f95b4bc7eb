/*
 * test_sink_report.c - tests of the `report` sink: its count tables
 * (sorted, one row per key), amounts in cents, HTML escaping, and through
 * a tf_check_host the files it writes at flush() (nothing before; CSV
 * tables that hold the counts of the records written; labels from the
 * input escaped in the page).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>
#include "../report.h"

const tf_plugin *sink_report_LTX_tf_plugin_entry(void);

static char tmpdir[64];
static tf_check_host *harness;

static void setup(void)
{
  strcpy(tmpdir, "/tmp/tf_sinkr_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  harness = tf_check_host_new(sink_report_LTX_tf_plugin_entry(), "report");
  ck_assert_ptr_nonnull(harness);
}

static void teardown(void)
{
  char cmd[128];

  tf_check_host_free(harness);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

/* The whole content of a file under tmpdir, or NULL when it is missing. */
static char *slurp(const char *name)
{
  char path[256];
  FILE *f;
  long n;
  char *text;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  if (!(f = fopen(path, "rb")))
    return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  text = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(text);
  ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
  text[n] = '\0';
  fclose(f);
  return text;
}

static char *escaped(const char *text)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);

  ck_assert_ptr_nonnull(f);
  tf_report_html_escape(f, text, strlen(text));
  fclose(f);
  return buf;
}

START_TEST(test_escape)
{
  char *e = escaped("<b a=\"x\">O'Brien & co</b>");

  ck_assert_str_eq(e,
                   "&lt;b a=&quot;x&quot;&gt;O&#39;Brien &amp; co&lt;/b&gt;");
  free(e);
  e = escaped("plain text");
  ck_assert_str_eq(e, "plain text");
  free(e);
}
END_TEST

START_TEST(test_table_sorted_and_summed)
{
  tf_report_table t = {0};
  const tf_report_row *r;

  ck_assert_int_eq(tf_report_add(&t, "b", 1, "x", 1, 2), TF_OK);
  ck_assert_int_eq(tf_report_add(&t, "a", 1, "y", 1, 1), TF_OK);
  ck_assert_int_eq(tf_report_add(&t, "b", 1, "x", 1, 3), TF_OK);
  ck_assert_int_eq(tf_report_add(&t, "a", 1, "x", 1, 7), TF_OK);
  ck_assert_int_eq(tf_report_add(&t, "ab", 2, "", 0, 1), TF_OK);
  ck_assert_uint_eq(t.count, 4);
  ck_assert_str_eq(t.rows[0].a, "a");
  ck_assert_str_eq(t.rows[0].b, "x");
  ck_assert_str_eq(t.rows[1].b, "y");
  ck_assert_str_eq(t.rows[2].a, "ab");
  ck_assert_str_eq(t.rows[3].a, "b");
  r = tf_report_find(&t, "b", "x");
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(r->value, 5);
  ck_assert_ptr_null(tf_report_find(&t, "b", "y"));
  tf_report_table_clear(&t);
  ck_assert_uint_eq(t.count, 0);
}
END_TEST

START_TEST(test_cents)
{
  int64_t c;
  char buf[32];

  ck_assert_int_eq(tf_report_parse_cents("3750.15", 7, &c), TF_OK);
  ck_assert_int_eq(c, 375015);
  ck_assert_int_eq(tf_report_parse_cents("-12.5", 5, &c), TF_OK);
  ck_assert_int_eq(c, -1250);
  ck_assert_int_eq(tf_report_parse_cents("7", 1, &c), TF_OK);
  ck_assert_int_eq(c, 700);
  ck_assert_int_eq(tf_report_parse_cents("1.234", 5, &c), TF_ERR_PARSE);
  ck_assert_int_eq(tf_report_parse_cents("1.", 2, &c), TF_ERR_PARSE);
  ck_assert_int_eq(tf_report_parse_cents(".5", 2, &c), TF_ERR_PARSE);
  ck_assert_int_eq(tf_report_parse_cents("12a", 3, &c), TF_ERR_PARSE);
  ck_assert_int_eq(tf_report_parse_cents("", 0, &c), TF_ERR_PARSE);
  tf_report_format_cents(-1250, buf, sizeof(buf));
  ck_assert_str_eq(buf, "-12.50");
  tf_report_format_cents(5, buf, sizeof(buf));
  ck_assert_str_eq(buf, "0.05");
}
END_TEST

static void push(tf_batch *b, const char *json)
{
  char err[128];
  tf_record *rec = tf_record_parse(json, strlen(json), NULL, err, sizeof(err));

  ck_assert_msg(rec != NULL, "%s: %s", json, err);
  ck_assert_int_eq(tf_batch_push(b, rec), TF_OK);
}

START_TEST(test_files_at_flush)
{
  char config[256];
  tf_batch *b = tf_batch_new();
  char *csv, *html;

  snprintf(config, sizeof(config), "{\"path\": \"%s/r/report.html\"}", tmpdir);
  ck_assert_int_eq(tf_check_host_init_text(harness, config, NULL), TF_OK);
  push(b, "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\", \"channel\": "
          "\"Paid Search\", \"date\": \"2026-03-01T12:00:00Z\"}");
  push(b, "{\"touchpoint_id\": \"t2\", \"type\": \"Call\", \"channel\": "
          "\"Paid Search\", \"date\": \"2026-03-02T09:00:00Z\"}");
  push(b, "{\"touchpoint_id\": \"t3\", \"type\": \"Call\", \"channel\": "
          "\"<script>alert(1)</script>\", \"date\": \"2026-03-02T10:00:00Z\"}");
  push(b,
       "{\"type\": \"credit\", \"model\": \"linear\", \"amount\": \"10.25\", "
       "\"channel\": \"Paid Search\", \"source\": \"google\", "
       "\"campaign\": \"a,b\"}");
  push(b, "{\"type\": \"credit\", \"model\": \"linear\", \"amount\": \"0.75\", "
          "\"channel\": \"Paid Search\", \"source\": \"bing\"}");
  push(b, "{\"type\": \"credit\", \"model\": \"linear\", \"amount\": null}");
  push(b, "{\"type\": \"credit\", \"model\": \"linear\", \"amount\": \"x\"}");
  push(b, "{\"event\": \"contact\"}");
  ck_assert_int_eq(tf_batch_push(b, tf_record_new_raw("{bad", 4, NULL)), TF_OK);
  ck_assert_int_eq(tf_check_write(harness, b), TF_SINK_OK);
  ck_assert_uint_eq(tf_check_reject_count(harness), 2);
  ck_assert_str_eq(tf_check_reject_get(harness, 0)->code, "invalid_amount");
  ck_assert_str_eq(tf_check_reject_get(harness, 1)->code, "not_json");
  ck_assert_ptr_null(slurp("r/report.html"));
  ck_assert_int_eq(tf_check_flush(harness), TF_OK);

  csv = slurp("r/report-tables/touchpoints_by_channel_type.csv");
  ck_assert_ptr_nonnull(csv);
  ck_assert_str_eq(csv, "channel,type,touchpoints\n"
                        "<script>alert(1)</script>,Call,1\n"
                        "Paid Search,Call,1\nPaid Search,Web Visit,1\n");
  free(csv);
  csv = slurp("r/report-tables/calls_chats_by_channel.csv");
  ck_assert_str_eq(csv, "channel,type,touchpoints\n"
                        "<script>alert(1)</script>,Call,1\n"
                        "Paid Search,Call,1\n");
  free(csv);
  csv = slurp("r/report-tables/touchpoints_by_day.csv");
  ck_assert_str_eq(csv, "day,touchpoints\n2026-03-01,1\n2026-03-02,2\n");
  free(csv);
  csv = slurp("r/report-tables/revenue_by_channel.csv");
  ck_assert_str_eq(csv, "model,channel,revenue\nlinear,Paid Search,11.00\n");
  free(csv);
  csv = slurp("r/report-tables/revenue_by_campaign.csv");
  ck_assert_str_eq(csv, "model,campaign,revenue\nlinear,(none),0.75\n"
                        "linear,\"a,b\",10.25\n");
  free(csv);
  csv = slurp("r/report-tables/summary.csv");
  ck_assert_str_eq(csv, "measure,count\ncredits,3\ncredits_without_amount,1\n"
                        "other,1\ntouchpoints,3\n");
  free(csv);

  html = slurp("r/report.html");
  ck_assert_ptr_nonnull(html);
  ck_assert_ptr_null(strstr(html, "<script>"));
  ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  ck_assert_ptr_nonnull(strstr(html, "data-value=\"11.00\""));
  ck_assert_ptr_nonnull(strstr(html, "<title>Paid Search \xc2\xb7 Call: 1"));
  ck_assert_ptr_null(strstr(html, "http"));
  free(html);
  tf_batch_free(b);
}
END_TEST

/* Starts the sink with dead_letters naming a file of tmpdir that holds
 * `lines`. */
static void start_with_dead_letters(const char *lines)
{
  char config[256], path[128];
  FILE *f;

  snprintf(path, sizeof(path), "%s/rejected.ndjson", tmpdir);
  snprintf(config, sizeof(config),
           "{\"path\": \"%s/report.html\", \"dead_letters\": \"%s\"}", tmpdir,
           path);
  ck_assert_int_eq(tf_check_host_init_text(harness, config, NULL), TF_OK);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(lines, f);
  fclose(f);
}

/* dead_letters: the run's dead-letter file counted by code and stage at
 * flush(). */
START_TEST(test_dead_letters_counted_at_flush)
{
  char *csv;

  start_with_dead_letters(
      "{\"stage\":\"calls\",\"code\":\"missing_bizible_id\"}\n"
      "{\"stage\":\"chats\",\"code\":\"no_timestamp\"}\n"
      "{\"stage\":\"calls\",\"code\":\"missing_bizible_id\"}\n");
  ck_assert_int_eq(tf_check_flush(harness), TF_OK);
  csv = slurp("report-tables/dead_letters.csv");
  ck_assert_ptr_nonnull(csv);
  ck_assert_str_eq(csv, "reason,stage,records\nmissing_bizible_id,calls,2\n"
                        "no_timestamp,chats,1\n");
  free(csv);
}
END_TEST

/* A line that is not a dead-letter record fails the flush: nothing is
 * committed. */
START_TEST(test_dead_letters_bad_line_fails_flush)
{
  start_with_dead_letters("not json\n");
  ck_assert_int_ne(tf_check_flush(harness), TF_OK);
  ck_assert_ptr_null(slurp("report.html"));
}
END_TEST

START_TEST(test_nothing_without_flush)
{
  char config[256];
  tf_batch *b = tf_batch_new();

  snprintf(config, sizeof(config),
           "{\"path\": \"%s/report.html\", \"csv_dir\": \"%s/csv\"}", tmpdir,
           tmpdir);
  ck_assert_int_eq(tf_check_host_init_text(harness, config, NULL), TF_OK);
  push(b, "{\"touchpoint_id\": \"t1\", \"type\": \"Web Visit\"}");
  ck_assert_int_eq(tf_check_write(harness, b), TF_SINK_OK);
  tf_check_host_fini(harness);
  ck_assert_ptr_null(slurp("report.html"));
  ck_assert_ptr_null(slurp("csv/summary.csv"));
  tf_batch_free(b);
}
END_TEST

/* Half the records, a snapshot, a "crash" (fini without flush), a new
 * instance restored from it and the other half: the same tables as one
 * run over all of them. */
START_TEST(test_snapshot_restore)
{
  static const char *const records[4] = {
      "{\"touchpoint_id\": \"t1\", \"type\": \"Call\", \"channel\": \"Email\", "
      "\"date\": \"2026-03-01T00:00:00Z\"}",
      "{\"type\": \"credit\", \"model\": \"linear\", \"amount\": \"1.50\", "
      "\"channel\": \"Email\"}",
      "{\"touchpoint_id\": \"t2\", \"type\": \"Call\", \"channel\": \"Email\", "
      "\"date\": \"2026-03-01T01:00:00Z\"}",
      "{\"type\": \"credit\", \"model\": \"linear\", \"amount\": \"2.25\", "
      "\"channel\": \"Email\"}"};
  char config[256];
  json_t *snap = NULL;
  tf_batch *first = tf_batch_new(), *second = tf_batch_new();
  char *csv;

  snprintf(config, sizeof(config), "{\"path\": \"%s/report.html\"}", tmpdir);
  push(first, records[0]);
  push(first, records[1]);
  push(second, records[2]);
  push(second, records[3]);
  ck_assert_int_eq(tf_check_host_init_text(harness, config, NULL), TF_OK);
  ck_assert_int_eq(tf_check_write(harness, first), TF_SINK_OK);
  ck_assert_int_eq(tf_check_snapshot(harness, &snap), TF_OK);
  ck_assert_int_eq(tf_check_write(harness, second), TF_SINK_OK);
  tf_check_host_fini(harness);
  ck_assert_ptr_null(slurp("report.html"));
  ck_assert_int_eq(tf_check_host_init_text(harness, config, NULL), TF_OK);
  ck_assert_int_eq(tf_check_restore(harness, snap), TF_OK);
  ck_assert_int_eq(tf_check_write(harness, second), TF_SINK_OK);
  ck_assert_int_eq(tf_check_flush(harness), TF_OK);
  csv = slurp("report-tables/touchpoints_by_channel_type.csv");
  ck_assert_str_eq(csv, "channel,type,touchpoints\nEmail,Call,2\n");
  free(csv);
  csv = slurp("report-tables/revenue_by_channel.csv");
  ck_assert_str_eq(csv, "model,channel,revenue\nlinear,Email,3.75\n");
  free(csv);
  csv = slurp("report-tables/summary.csv");
  ck_assert_str_eq(csv, "measure,count\ncredits,2\ncredits_without_amount,0\n"
                        "other,0\ntouchpoints,2\n");
  free(csv);
  json_decref(snap);
  snap = json_pack("{s:[], s:[I, I, I, I]}", "tables", "counts", (json_int_t)0,
                   (json_int_t)0, (json_int_t)0, (json_int_t)0);
  ck_assert_int_eq(tf_check_restore(harness, snap), TF_ERR_PARSE);
  json_decref(snap);
  tf_batch_free(first);
  tf_batch_free(second);
}
END_TEST

static TCase *report_tests(void)
{
  TCase *tc = tcase_create("report");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_escape);
  tcase_add_test(tc, test_table_sorted_and_summed);
  tcase_add_test(tc, test_cents);
  tcase_add_test(tc, test_files_at_flush);
  tcase_add_test(tc, test_nothing_without_flush);
  tcase_add_test(tc, test_dead_letters_counted_at_flush);
  tcase_add_test(tc, test_dead_letters_bad_line_fails_flush);
  tcase_add_test(tc, test_snapshot_restore);
  return tc;
}

TF_CHECK_MAIN("sink_report", report_tests)
