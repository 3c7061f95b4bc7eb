/*
 * reject.c - host->reject with a formatted message (host.h).
 *
 * Every plugin that dead-letters a record wants to say why with the values
 * involved; this is the one place that formats such a message.
 */
#include <stdio.h>
#include <touchflow/host.h>

#define REJECT_MESSAGE_MAX 512

int tf_vrejectf(const tf_host *host, tf_ctx *ctx, const tf_record *rec,
                const char *code, const char *fmt, va_list ap)
{
  char message[REJECT_MESSAGE_MAX];

  vsnprintf(message, sizeof(message), fmt, ap);
  return host->reject(ctx, rec, code, message);
}

int tf_rejectf(const tf_host *host, tf_ctx *ctx, const tf_record *rec,
               const char *code, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = tf_vrejectf(host, ctx, rec, code, fmt, ap);
  va_end(ap);
  return rc;
}
