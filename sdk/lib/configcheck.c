/*
 * configcheck.c - formatting the problems of a plugin's check() and logging
 * them when init() runs the same check (configcheck.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <touchflow/configcheck.h>
#include <touchflow/error.h>

#define PROBLEM_MESSAGE_MAX 512

void tf_problemf(tf_problem_fn problem, void *ud, const char *path,
                 const char *fmt, ...)
{
  char message[PROBLEM_MESSAGE_MAX];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  problem(ud, path ? path : "", message);
}

/* Where init()'s problems go: the stage's log. */
typedef struct problem_log {
  tf_ctx *ctx;
  const tf_host *host;
  size_t count;
} problem_log;

static void log_problem(void *ud, const char *path, const char *message)
{
  problem_log *log = ud;

  log->count++;
  if (path && *path)
    log->host->log(log->ctx, TF_LOG_ERROR, "%s: %s", path, message);
  else
    log->host->log(log->ctx, TF_LOG_ERROR, "%s", message);
}

int tf_check_logged(tf_check_fn check, const tf_config *config, tf_ctx *ctx,
                    const tf_host *host)
{
  problem_log log = {ctx, host, 0};
  int rc = check(config, log_problem, &log);

  return rc == TF_OK && log.count ? TF_ERR_CONFIG : rc;
}
