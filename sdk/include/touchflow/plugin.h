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
#define TF_ABI_MINOR 0

typedef enum tf_plugin_kind {
  TF_KIND_SOURCE = 1,
  TF_KIND_TRANSFORM = 2,
  TF_KIND_SINK = 3
} tf_plugin_kind;

/* produce() results beside the error codes of error.h. */
#define TF_MORE 0 /* records may follow: call produce() again */
#define TF_DONE 1 /* the source is exhausted */

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

  /* Transforms: emit what is still held; sinks: commit what was written
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

  /* Room to grow without changing the major version: always NULL. */
  void *reserved[16];
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
 *   static const tf_plugin my_plugin = { TF_PLUGIN_HEADER, ... };
 *   TF_PLUGIN_DEFINE(source_myco, my_plugin)
 */
#define TF_PLUGIN_HEADER TF_ABI_MAJOR, TF_ABI_MINOR, sizeof(tf_plugin)
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
