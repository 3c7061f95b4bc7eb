/*
 * run_metrics.c - publishes the run's metrics (run_metrics.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "listen_addr.h"
#include "metrics.h"
#include "metrics_server.h"
#include "run_metrics.h"

static double wall_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The exposition of the run now; ended with status when status >= 0.
 * NULL on ENOMEM. */
static char *render_run(const tf__runner *r, int status)
{
  tf__metrics_snapshot snap;
  char *text;

  if (tf__metrics_snapshot_take(r, &snap) != TF_OK)
    return NULL;
  if (status >= 0) {
    snap.ended = 1;
    snap.exit_status = status;
    snap.end_time = wall_now();
  }
  text = tf__metrics_render(&snap);
  tf__metrics_snapshot_cleanup(&snap);
  return text;
}

void tf__run_metrics_init(tf__runner *r)
{
  r->start_wall = wall_now();
  r->timing = r->opt->metrics_listen || r->opt->metrics_textfile;
}

int tf__run_metrics_start(tf__runner *r, char *err, size_t errlen)
{
  tf__listen_addr addr;
  char why[512];

  if (!r->opt->metrics_listen)
    return 0;
  if (tf__listen_addr_parse(r->opt->metrics_listen, &addr, why, sizeof(why)) <
          0 ||
      !(r->metrics_server =
            tf__metrics_server_start(&addr, why, sizeof(why)))) {
    snprintf(err, errlen, "--metrics-listen: %s", why);
    return 2;
  }
  tf__runner_print_line(r, "touchflow: metrics at http://%s/metrics",
                        addr.text);
  if (!addr.loopback)
    tf__runner_print_line(r,
                          "touchflow: warning: --metrics-listen %s is not a "
                          "loopback address: whoever reaches it can read the "
                          "run's metrics",
                          addr.text);
  tf__metrics_server_publish(r->metrics_server, render_run(r, -1));
  r->metrics_published = tf__now();
  return 0;
}

void tf__run_metrics_tick(tf__runner *r)
{
  double now;

  if (!r->metrics_server)
    return;
  now = tf__now();
  if (now - r->metrics_published < TF_METRICS_PUBLISH_S)
    return;
  tf__metrics_server_publish(r->metrics_server, render_run(r, -1));
  r->metrics_published = now;
}

/* Writes text to path through path.tmp renamed over it, so node-exporter
 * never reads half a file.  0, or -1 with err set. */
static int write_textfile(const char *path, const char *text, char *err,
                          size_t errlen)
{
  size_t len = strlen(path) + 5;
  char *tmp = malloc(len);
  FILE *f = NULL;
  int ok;

  if (!tmp || !text) {
    free(tmp);
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  snprintf(tmp, len, "%s.tmp", path);
  ok = tf__make_parent_dirs(path) == 0 && (f = fopen(tmp, "w")) != NULL;
  ok = ok && fputs(text, f) >= 0;
  ok = (f && fclose(f) == 0) && ok;
  ok = ok && rename(tmp, path) == 0;
  if (!ok) {
    snprintf(err, errlen, "%s: cannot write: %s", path,
             strerror(errno ? errno : EIO));
    unlink(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}

void tf__run_metrics_end(tf__runner *r, int status)
{
  char err[1024];
  char *text;

  if (r->opt->metrics_textfile) {
    text = render_run(r, status);
    if (write_textfile(r->opt->metrics_textfile, text, err, sizeof(err)) < 0)
      tf__runner_print_line(r, "touchflow: --metrics-textfile: %s", err);
    free(text);
  }
  tf__metrics_server_stop(r->metrics_server);
  r->metrics_server = NULL;
}
