/*
 * touchflow/plugin.h - the plugin descriptor and its lifecycle.
 *
 * A plugin module (a shared object loaded with libltdl, or the same code
 * linked into the host with -dlpreopen) exports one entry point,
 * tf_plugin_entry(), that returns a pointer to a const tf_plugin.  Declare
 * it with TF_PLUGIN_DEFINE so the same source builds both ways.
 *
 * The host checks abi_major == TF_ABI_MAJOR and abi_minor <= the host's
 * minor before it reads anything else, and never reads past struct_size.
 *
 * Lifecycle of one stage:
 *   init(ctx, host, config, &state)       once; config is validated
 *   [source]    seek(state, position)     optional, before produce
 *   [source]    produce(state, ctx, max)  until it returns TF_DONE
 *   [transform] process(state, ctx, batch) for every input batch
 *   [sink]      write(state, ctx, batch)  for every input batch
 *   flush(state, ctx)                     once, at end of input
 *   fini(state)                           always, even after a failure
 * Callbacks of one stage are never called concurrently.
 *
 * Ownership:
 *   - config is owned by the host and lives until fini() returns.
 *   - state is the plugin's; fini() frees it.
 *   - batches are borrowed for one call (see batch.h); records passed to
 *     host->emit() are stolen; records passed to host->reject() borrowed.
 *   - JSON returned through position()/snapshot() is a new reference the
 *     host owns; JSON given to seek()/restore() is borrowed.
 */
#ifndef TOUCHFLOW_PLUGIN_H
#define TOUCHFLOW_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "batch.h"
#include "error.h"
#include "host.h"
#include "options.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Major: bumped on any incompatible change.  Minor: bumped when members
 * are appended (a host accepts plugins of its minor or older). */
#define TF_ABI_MAJOR 1
#define TF_ABI_MINOR 1

typedef enum tf_plugin_kind {
  TF_KIND_SOURCE = 1,
  TF_KIND_TRANSFORM = 2,
  TF_KIND_SINK = 3
} tf_plugin_kind;

/* produce() results beside the error codes of error.h. */
#define TF_MORE 0 /* records may follow: call produce() again */
#define TF_DONE 1 /* the source is exhausted */

/* A transform's flush() result beside TF_OK and the error codes (ABI 1.1):
 * it emitted a part of what it holds and wants to be called again once the
 * host has moved that part downstream, so that what is held at the end
 * of input never has to be emitted at once.  A 1.0 host never sees it from
 * a 1.0 plugin; a plugin must not return it to a host older than 1.1. */
#define TF_FLUSH_AGAIN 2

/* Event time (ABI 1.1; docs/event-time.md).  A watermark W is a promise
 * about a stream of records: no record whose event time (epoch
 * milliseconds) is before W follows.  Records at W itself may follow. */
#define TF_WATERMARK_UNKNOWN INT64_MIN /* nothing promised (yet) */
#define TF_WATERMARK_END INT64_MAX     /* the stream ended: nothing follows */

/* How check() reports one problem: path is the JSON path inside the
 * stage's config ("channel_rules[2].match", or "" for the config as a
 * whole), message one line without the path.  Both are copied. */
typedef void (*tf_problem_fn)(void *ud, const char *path, const char *message);

/* A sink's verdict on one batch. */
typedef enum tf_sink_result {
  TF_SINK_OK = 0,    /* every record was written or dead-lettered */
  TF_SINK_RETRY = 1, /* nothing was committed; the host retries the batch */
  TF_SINK_ERROR = 2  /* failed for good; the run fails (exit 1) */
} tf_sink_result;

typedef struct tf_plugin {
  /* Checked first, in this order. */
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t struct_size; /* sizeof(tf_plugin) the plugin was built with */

  tf_plugin_kind kind;
  const char *name;         /* [a-z0-9_]+, unique per kind */
  const char *version;      /* the plugin's own version, e.g. "1.2.0" */
  const char *description;  /* one sentence */
  const char *license;      /* SPDX identifier, e.g. "MIT" */
  const tf_option *options; /* ended by an entry with name == NULL */

  /* All kinds.  init returns TF_OK or a negative code after logging why. */
  int (*init)(tf_ctx *ctx, const tf_host *host, const tf_config *config,
              void **state);
  void (*fini)(void *state);

  /* Sources: emit up to max_records records with host->emit(); return
   * TF_MORE, TF_DONE or a negative error code (the run fails). */
  int (*produce)(void *state, tf_ctx *ctx, size_t max_records);

  /* Transforms: read the batch, emit results with host->emit().  Returns
   * TF_OK or a negative code (the run fails).  Bad records go to
   * host->reject(), they are not errors. */
  int (*process)(void *state, tf_ctx *ctx, const tf_batch *batch);

  /* Sinks: write the batch. */
  tf_sink_result (*write)(void *state, tf_ctx *ctx, const tf_batch *batch);

  /* Transforms: emit what is still held (or a part of it and return
   * TF_FLUSH_AGAIN to be called again); sinks: commit what was written
   * (e.g. rename the output into place).  May be NULL.  Must be harmless
   * when called twice. */
  int (*flush)(void *state, tf_ctx *ctx);

  /* State hooks (all optional, NULL when unsupported).
   * Sources: position() reports, after a produce() call, a JSON value from
   * which seek() can resume without repeating or losing a record.
   * Transforms and sinks: snapshot() and restore() their state. */
  int (*position)(void *state, json_t **position);
  int (*seek)(void *state, const json_t *position);
  int (*snapshot)(void *state, json_t **snapshot);
  int (*restore)(void *state, const json_t *snapshot);

  /* ---- ABI 1.1: appended in place of reserved slots, so the struct keeps
   * its size; a plugin built for 1.0 has NULL here. ---- */

  /* All kinds, optional: the plugin's own config checks, beyond what the
   * option table expresses (e.g. "list_id is required when sync_type is
   * audience").  `touchflow validate` runs it, and `run` runs it before
   * init(), so a pipeline that validates never fails its config in init.
   * config has passed the option table's checks.  No I/O, no side effect,
   * no state: report every problem with problem(ud, path, message), then
   * return TF_OK (no problem) or TF_ERR_CONFIG. */
  int (*check)(const tf_config *config, tf_problem_fn problem, void *ud);

  /* Sources, optional: the source's low watermark, asked after every
   * produce() that returned TF_MORE: no record it emits later has an event
   * time before the value.  Return TF_WATERMARK_UNKNOWN when it cannot
   * promise anything; a value below one returned before is ignored (the
   * watermark never goes back).  Without this callback a source's
   * watermark is unknown until produce() returns TF_DONE, which the host
   * takes as TF_WATERMARK_END. */
  int64_t (*watermark)(void *state);

  /* Transforms, optional: the stage's input watermark rose to `watermark`
   * (the smallest of its inputs' watermarks; never TF_WATERMARK_UNKNOWN
   * nor TF_WATERMARK_END: the end of input is flush()).  Every record
   * emitted upstream before that point has already been given to
   * process().  The transform may emit records, and declares its own
   * output watermark with host->watermark() (without it, its output
   * watermark stays unknown until flush).  A transform without advance()
   * forwards its input watermark unchanged.  TF_OK or a negative code. */
  int (*advance)(void *state, tf_ctx *ctx, int64_t watermark);

  /* Room to grow without changing the major version: always NULL. */
  void *reserved[13];
} tf_plugin;

/* The entry point's type and its symbol name. */
typedef const tf_plugin *(*tf_plugin_entry_fn)(void);
#define TF_PLUGIN_ENTRY_SYMBOL "tf_plugin_entry"

/* Declares the entry point of a plugin module.  MODULE is the module's file
 * name without extension ("source_file" for source_file.la): libtool's
 * MODULE_LTX_ prefix keeps the symbols of several modules apart when they
 * are linked into one binary with -dlpreopen, and libltdl finds the
 * prefixed name first when it opens either form.
 *
 *   static const tf_plugin my_plugin = {
 *       TF_PLUGIN_HEADER,
 *       .kind = TF_KIND_SOURCE,
 *       .name = "myco",
 *       ...
 *   };
 *   TF_PLUGIN_DEFINE(source_myco, my_plugin)
 *
 * Write descriptors with designated initializers, as above: members left
 * out are NULL, and a descriptor keeps compiling when members are appended.
 */
#define TF_PLUGIN_HEADER                                                       \
  .abi_major = TF_ABI_MAJOR, .abi_minor = TF_ABI_MINOR,                        \
  .struct_size = sizeof(tf_plugin)
#define TF_PLUGIN_DEFINE(MODULE, DESCRIPTOR)                                   \
  const tf_plugin *MODULE##_LTX_tf_plugin_entry(void);                         \
  const tf_plugin *MODULE##_LTX_tf_plugin_entry(void)                          \
  {                                                                            \
    return &(DESCRIPTOR);                                                      \
  }

/* "source", "transform", "sink" (or "unknown"). */
const char *tf_plugin_kind_name(tf_plugin_kind kind);

#ifdef __cplusplus
}
#endif
#endif
