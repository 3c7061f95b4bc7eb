/*
 * touchflow/host.h - the table of functions the host hands to every plugin.
 *
 * Plugins never link against host symbols: everything they need from the
 * host (logging, dead-lettering, metrics, emitting records) is reached
 * through this table, which is passed to init().  It grows by the rule of
 * plugin.h ("How the ABI grows"): new functions are appended and `size`
 * grows, so a plugin built against an older SDK keeps working, and a
 * plugin that wants a function appended after ABI 2.0 checks
 * TF_HOST_HAS(host, member) first.
 *
 * tf_ctx identifies the calling stage to the host.  It is opaque, owned by
 * the host and valid from init() to fini().
 */
#ifndef TOUCHFLOW_HOST_H
#define TOUCHFLOW_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_ctx tf_ctx;

typedef enum tf_log_level {
  TF_LOG_ERROR = 0,
  TF_LOG_WARN = 1,
  TF_LOG_INFO = 2,
  TF_LOG_DEBUG = 3
} tf_log_level;

#if defined(__GNUC__)
#define TF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TF_PRINTF(fmt, args)
#endif

typedef struct tf_host {
  /* sizeof(tf_host) as the host was built: members past it do not exist. */
  uint32_t size;

  /* Writes one log line for the stage ("stage-id: message").  An error
   * logged during init() is what the user sees as the reason it failed. */
  void (*log)(tf_ctx *ctx, tf_log_level level, const char *fmt, ...)
      TF_PRINTF(3, 4);

  /* Sends a record to the dead-letter output with a reason code
   * ("invalid_json", "missing_bizible_id", ...) and a message.  rec is
   * borrowed; the host takes its own reference if it needs one.  Returns
   * TF_OK, or an error when the dead-letter output cannot be written (the
   * plugin should then fail: nothing may be lost silently). */
  int (*reject)(tf_ctx *ctx, const tf_record *rec, const char *code,
                const char *message);

  /* Adds delta to the stage's counter `name` (shown in the run summary,
   * e.g. "dropped_chat_campaign").  name is copied on first use. */
  void (*metric)(tf_ctx *ctx, const char *name, int64_t delta);

  /* Passes a record downstream.  Steals the caller's reference.  Sources
   * call it from produce(), transforms from process() and flush().
   * Returns TF_OK or TF_ERR_NOMEM. */
  int (*emit)(tf_ctx *ctx, tf_record *rec);

  /* The stage id as written in the pipeline file; borrowed. */
  const char *(*stage_id)(const tf_ctx *ctx);

  /* Transforms with advance(): declares the stage's output watermark (see
   * TF_WATERMARK_UNKNOWN in plugin.h): no record it emits from now on has
   * an event time before wm.  A value below the last one is ignored. */
  void (*watermark)(tf_ctx *ctx, int64_t wm);
} tf_host;

/* host->reject with a printf-style message (cut at 512 bytes).  Returns
 * what host->reject returns.  rec is borrowed. */
int tf_rejectf(const tf_host *host, tf_ctx *ctx, const tf_record *rec,
               const char *code, const char *fmt, ...) TF_PRINTF(5, 6);

/* tf_rejectf with a va_list, for plugins' own variadic wrappers. */
int tf_vrejectf(const tf_host *host, tf_ctx *ctx, const tf_record *rec,
                const char *code, const char *fmt, va_list ap);

/* 1 when the host table has `member` (it was built with a newer SDK). */
#define TF_HOST_HAS(host, member)                                              \
  ((host)->size >= offsetof(tf_host, member) + sizeof((host)->member) &&       \
   (host)->member != NULL)

#ifdef __cplusplus
}
#endif
#endif
