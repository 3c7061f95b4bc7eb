/*
 * test_metrics.c - the Prometheus exposition (metrics_render.c) of
 * hand-made snapshots, the latency histogram, the listen address and the
 * /metrics server's answers (200, 404, 405, an address in use).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "histogram.h"
#include "listen_addr.h"
#include "metrics.h"
#include "metrics_server.h"

static tf__metric counters[] = {{"retries", 3}, {"odd \"name\"", -1}};

/* A source, a transform and a sink, with awkward ids. */
static void make_snapshot(tf__metrics_snapshot *snap, tf__metrics_stage *st)
{
  static const tf__metrics_reason reasons[] = {{"invalid_json", 4},
                                               {"retry_exhausted", 2}};

  memset(snap, 0, sizeof(*snap));
  memset(st, 0, 3 * sizeof(*st));
  st[0] = (tf__metrics_stage){.id = "in\"put\\1\n",
                              .plugin = "file",
                              .kind = TF_KIND_SOURCE,
                              .out = 10,
                              .rejected = 4};
  st[1] = (tf__metrics_stage){.id = "map",
                              .plugin = "map",
                              .kind = TF_KIND_TRANSFORM,
                              .in = 6,
                              .out = 6,
                              .queued = 2};
  st[2] = (tf__metrics_stage){.id = "out",
                              .plugin = "marketo",
                              .kind = TF_KIND_SINK,
                              .in = 6,
                              .retries = 7,
                              .counters = counters,
                              .n_counters = 2};
  tf__histogram_observe(&st[2].batch_seconds, 0.00005);
  tf__histogram_observe(&st[2].batch_seconds, 0.003);
  tf__histogram_observe(&st[2].batch_seconds, 0.003);
  tf__histogram_observe(&st[2].batch_seconds, 42.0);
  snap->version = "1.2.3";
  snap->pipeline = "p";
  snap->start_time = 1700000000.5;
  snap->records_read = 10;
  snap->stages = st;
  snap->n_stages = 3;
  snap->reasons = reasons;
  snap->n_reasons = 2;
}

static char *render_example(int ended)
{
  tf__metrics_snapshot snap;
  tf__metrics_stage st[3];
  char *text;

  make_snapshot(&snap, st);
  if (ended) {
    snap.ended = 1;
    snap.exit_status = 1;
    snap.end_time = 1700000060.25;
  }
  text = tf__metrics_render(&snap);
  ck_assert_ptr_nonnull(text);
  return text;
}

static int has_line(const char *text, const char *line)
{
  size_t n = strlen(line);
  const char *p = text;

  while ((p = strstr(p, line)) != NULL) {
    if ((p == text || p[-1] == '\n') && p[n] == '\n')
      return 1;
    p++;
  }
  return 0;
}

START_TEST(escapes_label_values)
{
  char *text = render_example(0);

  ck_assert_msg(has_line(text, "touchflow_stage_records_out_total{stage=\"in\\"
                               "\"put\\\\1\\n\",plugin=\"file\"} 10"),
                "%s", text);
  ck_assert(has_line(text, "touchflow_plugin_counter_total{stage=\"out\","
                           "plugin=\"marketo\",counter=\"odd \\\"name\\\"\"} "
                           "-1"));
  ck_assert(has_line(text, "touchflow_dead_letters_total{reason="
                           "\"invalid_json\"} 4"));
  free(text);
}
END_TEST

START_TEST(stage_families_follow_the_kind)
{
  char *text = render_example(0);

  ck_assert(has_line(text, "touchflow_stage_records_in_total{stage=\"map\","
                           "plugin=\"map\"} 6"));
  ck_assert(has_line(text, "touchflow_stage_queued_batches{stage=\"map\","
                           "plugin=\"map\"} 2"));
  ck_assert(has_line(text, "touchflow_sink_retries_total{stage=\"out\","
                           "plugin=\"marketo\"} 7"));
  /* a source has no records in nor queue, a sink no records out */
  ck_assert_ptr_null(strstr(text, "records_in_total{stage=\"in"));
  ck_assert_ptr_null(strstr(text, "queued_batches{stage=\"in"));
  ck_assert_ptr_null(strstr(text, "records_out_total{stage=\"out\""));
  ck_assert_ptr_null(strstr(text, "retries_total{stage=\"map\""));
  free(text);
}
END_TEST

START_TEST(histogram_buckets_are_cumulative)
{
  char *text = render_example(0);
  const char *p = text;
  unsigned long long v, last = 0;
  int buckets = 0;

  while (
      (p = strstr(p, "touchflow_stage_batch_seconds_bucket{stage=\"out\""))) {
    p = strchr(p, '}');
    ck_assert_int_eq(sscanf(p, "} %llu", &v), 1);
    ck_assert_uint_ge(v, last);
    last = v;
    buckets++;
  }
  ck_assert_int_eq(buckets, TF_HISTOGRAM_BOUNDS + 1);
  ck_assert(has_line(text, "touchflow_stage_batch_seconds_bucket{stage=\"out\","
                           "plugin=\"marketo\",le=\"0.0001\"} 1"));
  ck_assert(has_line(text, "touchflow_stage_batch_seconds_bucket{stage=\"out\","
                           "plugin=\"marketo\",le=\"0.005\"} 3"));
  ck_assert(has_line(text, "touchflow_stage_batch_seconds_bucket{stage=\"out\","
                           "plugin=\"marketo\",le=\"10\"} 3"));
  /* +Inf is the count */
  ck_assert(has_line(text, "touchflow_stage_batch_seconds_bucket{stage=\"out\","
                           "plugin=\"marketo\",le=\"+Inf\"} 4"));
  ck_assert(has_line(text, "touchflow_stage_batch_seconds_count{stage=\"out\","
                           "plugin=\"marketo\"} 4"));
  ck_assert(has_line(text, "touchflow_stage_batch_seconds_sum{stage=\"out\","
                           "plugin=\"marketo\"} 42.00605"));
  free(text);
}
END_TEST

START_TEST(histogram_bounds_are_inclusive)
{
  tf__histogram h;

  memset(&h, 0, sizeof(h));
  tf__histogram_observe(&h, 0.001); /* le="0.001" holds 0.001 itself */
  tf__histogram_observe(&h, -1);    /* a clock step back counts as 0 */
  ck_assert_str_eq(tf__histogram_bound_text(3), "0.001");
  ck_assert_uint_eq(h.counts[3], 1);
  ck_assert_uint_eq(h.counts[0], 1);
  ck_assert_uint_eq(h.count, 2);
}
END_TEST

/* Every sample belongs to a family declared once, HELP then TYPE, before
 * it; the ended run's families appear only once it ended. */
static void check_families(const char *text)
{
  char line[1024], declared[64][128], name[128];
  int n = 0, i, found;
  const char *p = text, *nl;

  while (*p) {
    nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_uint_lt((size_t)(nl - p), sizeof(line));
    memcpy(line, p, (size_t)(nl - p));
    line[nl - p] = '\0';
    p = nl + 1;
    if (sscanf(line, "# HELP %127s", name) == 1) {
      for (i = 0; i < n; i++)
        ck_assert_msg(strcmp(declared[i], name) != 0, "twice: %s", name);
      ck_assert_int_lt(n, 64);
      strcpy(declared[n++], name);
      continue;
    }
    if (sscanf(line, "# TYPE %127s", name) == 1) {
      ck_assert_str_eq(name, declared[n - 1]);
      continue;
    }
    found = 0;
    for (i = 0; i < n && !found; i++) {
      size_t len = strlen(declared[i]);

      found = strncmp(line, declared[i], len) == 0 &&
              strchr("{ _", line[len]) != NULL;
    }
    ck_assert_msg(found, "sample of an undeclared family: %s", line);
  }
}

START_TEST(help_and_type_once_per_family)
{
  char *running = render_example(0), *ended = render_example(1);

  check_families(running);
  check_families(ended);
  ck_assert_ptr_null(strstr(running, "touchflow_run_exit_status"));
  ck_assert(has_line(ended, "touchflow_run_exit_status 1"));
  ck_assert(has_line(ended, "touchflow_run_end_time_seconds 1700000060.250"));
  ck_assert(has_line(running, "touchflow_build_info{version=\"1.2.3\","
                              "plugin_abi=\"2\"} 1"));
  ck_assert(has_line(running, "touchflow_records_read_total 10"));
  ck_assert_ptr_null(strstr(running, "touchflow_checkpoints_total"));
  free(running);
  free(ended);
}
END_TEST

START_TEST(parses_listen_addresses)
{
  tf__listen_addr a;
  char err[256];

  ck_assert_int_eq(tf__listen_addr_parse("9464", &a, err, sizeof(err)), 0);
  ck_assert_str_eq(a.text, "127.0.0.1:9464");
  ck_assert(a.loopback);
  ck_assert_int_eq(tf__listen_addr_parse("127.9.9.9:0", &a, err, 256), 0);
  ck_assert(a.loopback);
  ck_assert_int_eq(tf__listen_addr_parse("0.0.0.0:80", &a, err, 256), 0);
  ck_assert(!a.loopback);
  ck_assert_int_eq(tf__listen_addr_parse("[::1]:65535", &a, err, 256), 0);
  ck_assert_str_eq(a.text, "[::1]:65535");
  ck_assert(a.loopback);
  ck_assert_int_eq(tf__listen_addr_parse("[::]:1", &a, err, 256), 0);
  ck_assert(!a.loopback);
  ck_assert_int_eq(tf__listen_addr_parse("65536", &a, err, 256), -1);
  ck_assert_ptr_nonnull(strstr(err, "65536"));
  ck_assert_int_eq(tf__listen_addr_parse("localhost:80", &a, err, 256), -1);
  ck_assert_ptr_nonnull(strstr(err, "numeric"));
  ck_assert_int_eq(tf__listen_addr_parse("::1:80", &a, err, 256), -1);
  ck_assert_int_eq(tf__listen_addr_parse("1.2.3.4:", &a, err, 256), -1);
  ck_assert_int_eq(tf__listen_addr_parse(":80", &a, err, 256), -1);
  ck_assert_int_eq(tf__listen_addr_parse("-1", &a, err, 256), -1);
}
END_TEST

/* One HTTP/1.0 request to 127.0.0.1:port; the whole answer (static). */
static const char *http(unsigned port, const char *request)
{
  static char buf[65536];
  struct sockaddr_in sa;
  size_t got = 0;
  ssize_t n;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(write(fd, request, strlen(request)),
                   (ssize_t)strlen(request));
  while (got < sizeof(buf) - 1 &&
         (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
    got += (size_t)n;
  buf[got] = '\0';
  close(fd);
  return buf;
}

static unsigned port_of(const tf__listen_addr *a)
{
  return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

START_TEST(serves_metrics_and_refuses_the_rest)
{
  tf__listen_addr a;
  tf__metrics_server *srv;
  char err[256];
  const char *ans;
  unsigned port;

  ck_assert_int_eq(tf__listen_addr_parse("127.0.0.1:0", &a, err, 256), 0);
  srv = tf__metrics_server_start(&a, err, sizeof(err));
  ck_assert_msg(srv != NULL, "%s", err);
  port = port_of(&a);
  ck_assert_uint_ne(port, 0);
  tf__metrics_server_publish(srv, strdup("first 1\n"));
  tf__metrics_server_publish(srv, strdup("touchflow_x 2\n"));
  ans = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
  ck_assert_msg(strncmp(ans, "HTTP/1.0 200", 12) == 0 ||
                    strncmp(ans, "HTTP/1.1 200", 12) == 0,
                "%s", ans);
  ck_assert_ptr_nonnull(strstr(
      ans, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  ck_assert_ptr_nonnull(strstr(ans, "\r\n\r\ntouchflow_x 2\n"));
  ans = http(port, "GET /metricsx HTTP/1.0\r\n\r\n");
  ck_assert_ptr_nonnull(strstr(ans, " 404 "));
  ans = http(port, "GET / HTTP/1.0\r\n\r\n");
  ck_assert_ptr_nonnull(strstr(ans, " 404 "));
  ans = http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
  ck_assert_ptr_nonnull(strstr(ans, " 405 "));
  ck_assert_ptr_nonnull(strstr(ans, "Allow: GET, HEAD\r\n"));
  tf__metrics_server_stop(srv);
}
END_TEST

START_TEST(an_address_in_use_is_named)
{
  tf__listen_addr a, b;
  tf__metrics_server *srv, *again;
  char err[256], want[128];

  ck_assert_int_eq(tf__listen_addr_parse("127.0.0.1:0", &a, err, 256), 0);
  srv = tf__metrics_server_start(&a, err, sizeof(err));
  ck_assert_ptr_nonnull(srv);
  ck_assert_int_eq(tf__listen_addr_parse(a.text, &b, err, 256), 0);
  again = tf__metrics_server_start(&b, err, sizeof(err));
  ck_assert_ptr_null(again);
  snprintf(want, sizeof(want), "cannot listen on %s: Address already in use",
           a.text);
  ck_assert_str_eq(err, want);
  tf__metrics_server_stop(srv);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("metrics");
  TCase *tc = tcase_create("core");
  SRunner *sr;
  int failed;

  tcase_add_test(tc, escapes_label_values);
  tcase_add_test(tc, stage_families_follow_the_kind);
  tcase_add_test(tc, histogram_buckets_are_cumulative);
  tcase_add_test(tc, histogram_bounds_are_inclusive);
  tcase_add_test(tc, help_and_type_once_per_family);
  tcase_add_test(tc, parses_listen_addresses);
  tcase_add_test(tc, serves_metrics_and_refuses_the_rest);
  tcase_add_test(tc, an_address_in_use_is_named);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
