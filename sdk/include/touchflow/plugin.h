/*
 * touchflow/plugin.h - the plugin descriptors and their lifecycle (ABI 2).
 *
 * A plugin module (a shared object loaded with libltdl, or the same code
 * linked into the host with -dlpreopen) exports one entry point,
 * tf_plugin_entry(), that returns its descriptor.  There is one descriptor
 * type per kind, so the compiler checks what a kind may have (a source has
 * no write(), a sink no produce()):
 *
 *   tf_source_plugin     base + produce, watermark, position, seek, stop,
 *                        check_connection, flags (appended after 2.0)
 *   tf_transform_plugin  base + process, advance, flush, snapshot, restore
 *   tf_sink_plugin       base + write, flush, snapshot, restore,
 *                        advance, check_connection (appended after 2.0)
 *
 * Each starts with a tf_plugin, `base`: what every kind has (ABI, size,
 * kind, name, options) and the lifecycle (check, init, fini).  The entry
 * point returns a pointer to that base; the host reads `kind` and sees the
 * whole descriptor through tf_plugin_source(), tf_plugin_transform() or
 * tf_plugin_sink().  Declare the entry point with TF_SOURCE_PLUGIN,
 * TF_TRANSFORM_PLUGIN or TF_SINK_PLUGIN, which refuse to compile a
 * descriptor of another kind.
 *
 * How the ABI grows (one rule, for descriptors and the host table alike):
 *   - abi_major changes on any incompatible change; the host loads only
 *     its own major.
 *   - Compatible growth appends members at the end of a kind's descriptor
 *     (or of tf_host).  struct_size (tf_host: size) tells which members a
 *     plugin (a host) was built with; a member past it does not exist and
 *     is never read (TF_PLUGIN_HAS, TF_HOST_HAS).  Every appended member is
 *     optional: NULL means "behave as a plugin built before it".  There
 *     are no reserved slots and no minor version.
 *   - tf_plugin (the base) is frozen for ABI 2: a member every kind needs
 *     later is appended to each kind's descriptor.
 * sdk/lib/abi_layout.c pins every offset, size and shared constant with
 * _Static_assert, so an accidental change fails the build.
 *
 * Lifecycle of one stage:
 *   check(config, problem, ud)             optional; `validate` and `run`
 *   init(ctx, host, config, &state)        once; config is validated
 *   [source]    seek(state, position)      optional, before produce
 *   [source]    produce(state, ctx, max)   until it returns TF_DONE
 *   [source]    stop(state)                optional, on a stop signal
 *   [source, sink] check_connection(state, ctx)  only in check-connection,
 *                                          instead of the calls above
 *   [transform] process(state, ctx, batch) for every input batch
 *   [transform] advance(state, ctx, wm)    when its input watermark rises
 *   [sink]      write(state, ctx, batch)   for every input batch
 *   [sink]      advance(state, ctx, wm)    when its input watermark rises
 *   flush(state, ctx)                      transforms and sinks, at the end
 *   fini(state)                            always after a successful init,
 *                                          even when the run failed
 * Callbacks of one stage are never called concurrently, and always from
 * the thread that runs the pipeline's stages, except the produce(),
 * watermark() and position() of a source that sets TF_SOURCE_OWN_THREAD
 * (see there).
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

/* The ABI this SDK builds plugins for.  A plugin built for another major
 * is refused (see "How the ABI grows" above). */
#define TF_ABI_MAJOR 2

typedef enum tf_plugin_kind {
  TF_KIND_SOURCE = 1,
  TF_KIND_TRANSFORM = 2,
  TF_KIND_SINK = 3
} tf_plugin_kind;

/* produce() results beside the error codes of error.h. */
#define TF_MORE 0 /* records may follow: call produce() again */
#define TF_DONE 1 /* the source is exhausted */

/* A transform's flush() result beside TF_OK and the error codes: it
 * emitted a part of what it holds and wants to be called again once the
 * host has moved that part downstream, so that what is held at the end
 * of input never has to be emitted at once. */
#define TF_FLUSH_AGAIN 2

/* Event time (docs/event-time.md).  A watermark W is a promise
 * about a stream of records: no record whose event time (epoch
 * milliseconds) is before W follows.  Records at W itself may follow. */
#define TF_WATERMARK_UNKNOWN INT64_MIN /* nothing promised (yet) */
#define TF_WATERMARK_END INT64_MAX     /* the stream ended: nothing follows */

/* How check() reports one problem: path is the JSON path inside the
 * stage's config ("channel_rules[2].match", or "" for the config as a
 * whole), message one line without the path.  Both are copied. */
typedef void (*tf_problem_fn)(void *ud, const char *path, const char *message);

/* Optional member of sources and sinks, appended after 2.0 (read it with
 * TF_PLUGIN_HAS): `touchflow check-connection` asks a stage that talks to
 * the network whether its credentials and endpoints work, before a real
 * run.  Called once, after a successful init() and before fini(); nothing
 * else is called on the state.  It makes the cheapest requests that prove
 * the connection (a token fetch and one small read, a bind and release of
 * a listen address, ...): it emits and writes no record, rejects none,
 * and changes nothing outside (no file, no remote object, no position).
 * Returns TF_OK, or a negative code after logging with host->log what
 * failed, naming the URL or address and which option or environment
 * variable holds the refused credential, never its value: "401 from
 * https://login.example.com/services/oauth2/token: the client secret in
 * ${TF_SF_CLIENT_SECRET} was refused".  A stage whose init() already
 * proves the connection may still have it, to say so. */
typedef int (*tf_check_connection_fn)(void *state, tf_ctx *ctx);

/* A sink's verdict on one batch. */
typedef enum tf_sink_result {
  TF_SINK_OK = 0,    /* every record was written or dead-lettered */
  TF_SINK_RETRY = 1, /* nothing was committed; the host retries the batch */
  TF_SINK_ERROR = 2  /* failed for good; the run fails (exit 1) */
} tf_sink_result;

/* What every kind has: identity and lifecycle.  Frozen for ABI 2. */
typedef struct tf_plugin {
  /* Checked first, in this order. */
  uint32_t abi_major;   /* TF_ABI_MAJOR of the SDK the plugin was built with */
  uint32_t struct_size; /* sizeof the kind's descriptor it was built with */

  tf_plugin_kind kind;
  const char *name;         /* [a-z0-9_]+, unique per kind */
  const char *version;      /* the plugin's own version, e.g. "1.2.0" */
  const char *description;  /* one sentence */
  const char *license;      /* SPDX identifier, e.g. "MIT" */
  const tf_option *options; /* ended by an entry with name == NULL */

  /* Optional: the plugin's own config checks, beyond what the option
   * table expresses (e.g. "list_id is required when sync_type is
   * audience").  `touchflow validate` runs it, and `run` runs it before
   * init(), so a pipeline that validates never fails its config in init.
   * config has passed the option table's checks.  No I/O, no side effect,
   * no state: report every problem with problem(ud, path, message), then
   * return TF_OK (no problem) or TF_ERR_CONFIG. */
  int (*check)(const tf_config *config, tf_problem_fn problem, void *ud);

  /* Required.  init returns TF_OK, or a negative code after logging why
   * and freeing what it made (fini is not called then); fini frees the
   * state of an init that succeeded. */
  int (*init)(tf_ctx *ctx, const tf_host *host, const tf_config *config,
              void **state);
  void (*fini)(void *state);
} tf_plugin;

/* A source: reads records from outside and emits them. */
typedef struct tf_source_plugin {
  tf_plugin base;

  /* Required: emit up to max_records records with host->emit(); return
   * TF_MORE, TF_DONE or a negative error code (the run fails). */
  int (*produce)(void *state, tf_ctx *ctx, size_t max_records);

  /* Optional: the source's low watermark, asked after every produce() that
   * returned TF_MORE: no record it emits later has an event time before
   * the value.  Return TF_WATERMARK_UNKNOWN when it cannot promise
   * anything; a value below one returned before is ignored (the watermark
   * never goes back).  Without it a source's watermark is unknown until
   * produce() returns TF_DONE, which the host takes as TF_WATERMARK_END. */
  int64_t (*watermark)(void *state);

  /* Optional: position() reports, after a produce() call, a JSON value
   * from which seek() resumes without repeating or losing a record. */
  int (*position)(void *state, json_t **position);
  int (*seek)(void *state, const json_t *position);

  /* Optional (appended in ABI 2; read with TF_PLUGIN_HAS): the source is
   * unbounded (a receiver, a subscription) and never returns TF_DONE by
   * itself.  On the run's first stop signal (SIGINT, SIGTERM, SIGHUP) the
   * host calls stop() once, from the pipeline thread, when every source
   * still running has it; the source then stops taking input, emits what
   * it already took and returns TF_DONE, and the run ends as a finished
   * one (flushed, committed, exit 0: docs/checkpoints.md, "Stopping").
   * Without it, a stop signal interrupts the run (nothing committed).
   * TF_OK or a negative code (the run fails). */
  int (*stop)(void *state);

  /* Appended after 2.0 (TF_PLUGIN_HAS): see tf_check_connection_fn. */
  tf_check_connection_fn check_connection;

  /* Appended after 2.0: read it with TF_SOURCE_FLAGS.  TF_SOURCE_* bits;
   * 0 behaves as a source built before it. */
  uint32_t flags;
} tf_source_plugin;

/* tf_source_plugin.flags: the source may run on a thread of its own.  The
 * host may then call produce(), and after each produce() watermark() and
 * position(), on one thread it starts for the stage, a few batches ahead of
 * the pipeline, while the pipeline thread runs the other stages: reading,
 * decompressing and mapping input use a second core.  The host still never
 * calls two callbacks of the stage at once (init() and seek() come before
 * that thread starts, fini() after it ended), and what the source asks of
 * the host there (emit, reject, log, metric) reaches the pipeline in the
 * order asked, when the pipeline takes that batch: the output, the dead
 * letters, the metrics and the checkpoints are what one thread gives.  A
 * source with stop() is never run so.  Set it only when:
 *   - the callbacks keep nothing per thread (thread-local data, signal
 *     masks or signal waits: a source that waits for a stop signal during a
 *     request must run on the pipeline thread);
 *   - position() has no side effect: it may be called after every
 *     produce(), not only when a checkpoint is taken;
 *   - the source does not touch a record it emitted (emit steals it) nor
 *     share anything else with other stages;
 *   - what it reads does not depend on when it is read (files, not a clock
 *     or a live endpoint: reading ahead must not change what is read).
 * `touchflow run --source-threads off` runs every source on the pipeline
 * thread. */
#define TF_SOURCE_OWN_THREAD 0x1u

/* d's flags, or 0 when d (a const tf_source_plugin *) was built before
 * flags existed. */
#define TF_SOURCE_FLAGS(d)                                                     \
  ((d)->base.struct_size >=                                                    \
           offsetof(tf_source_plugin, flags) + sizeof((d)->flags)              \
       ? (d)->flags                                                            \
       : 0u)

/* A transform: reads batches, emits records. */
typedef struct tf_transform_plugin {
  tf_plugin base;

  /* Required: read the batch, emit results with host->emit().  Returns
   * TF_OK or a negative code (the run fails).  Bad records go to
   * host->reject(), they are not errors. */
  int (*process)(void *state, tf_ctx *ctx, const tf_batch *batch);

  /* Optional: the stage's input watermark rose to `watermark` (the
   * smallest of its inputs' watermarks; never TF_WATERMARK_UNKNOWN nor
   * TF_WATERMARK_END: the end of input is flush()).  Every record emitted
   * upstream before that point has already been given to process().  The
   * transform may emit records, and declares its own output watermark with
   * host->watermark() (without it, its output watermark stays unknown
   * until flush).  A transform without advance() forwards its input
   * watermark unchanged.  TF_OK or a negative code. */
  int (*advance)(void *state, tf_ctx *ctx, int64_t watermark);

  /* Optional: the end of input.  Emit what is still held, or a part of it
   * and return TF_FLUSH_AGAIN to be called again once the host has moved
   * that part downstream; TF_OK when all is out.  Must be harmless when
   * called again after TF_OK. */
  int (*flush)(void *state, tf_ctx *ctx);

  /* Optional: the transform's state, to resume a run (new reference the
   * host owns / borrowed). */
  int (*snapshot)(void *state, json_t **snapshot);
  int (*restore)(void *state, const json_t *snapshot);
} tf_transform_plugin;

/* A sink: writes records outside. */
typedef struct tf_sink_plugin {
  tf_plugin base;

  /* Required: write the batch. */
  tf_sink_result (*write)(void *state, tf_ctx *ctx, const tf_batch *batch);

  /* Optional: commit what was written (e.g. rename the output into
   * place).  TF_OK or a negative code.  Must be harmless when called
   * twice. */
  int (*flush)(void *state, tf_ctx *ctx);

  /* Optional: the sink's committed state (see the transform's). */
  int (*snapshot)(void *state, json_t **snapshot);
  int (*restore)(void *state, const json_t *snapshot);

  /* Appended after 2.0: read it with TF_PLUGIN_HAS(tf_sink_plugin, d,
   * advance).  Optional: the sink's input watermark rose to `watermark`
   * (the smallest of its inputs' watermarks), as a transform's advance()
   * is told: the values rise strictly from call to call, are never
   * TF_WATERMARK_UNKNOWN nor TF_WATERMARK_END (the end of input is
   * flush()), and every record emitted upstream before that point has
   * already been given to write() (and answered OK or dead-lettered).  No
   * record with an event time before `watermark` is written after it.  A
   * sink that hands its records on to other pipelines (a log, a queue)
   * passes the promise on with them; others need not have it.  TF_OK or a
   * negative code (the run fails). */
  int (*advance)(void *state, tf_ctx *ctx, int64_t watermark);

  /* Appended after 2.0 (TF_PLUGIN_HAS): see tf_check_connection_fn. */
  tf_check_connection_fn check_connection;
} tf_sink_plugin;

/* The size of a sink descriptor built against ABI 2.0 (before advance was
 * appended): the smallest a host takes. */
#define TF_SINK_PLUGIN_SIZE_2_0 offsetof(tf_sink_plugin, advance)

/* The whole descriptor behind a base of that kind, or NULL when p is NULL,
 * of another kind, or too small to be one (struct_size).  Borrowed. */
const tf_source_plugin *tf_plugin_source(const tf_plugin *p);
const tf_transform_plugin *tf_plugin_transform(const tf_plugin *p);
const tf_sink_plugin *tf_plugin_sink(const tf_plugin *p);

/* 1 when descriptor d, a `const type *` (tf_source_plugin, ...), was built
 * with member m and m is set: how a host reads a member appended after
 * 2.0.  Members of 2.0 itself are always there (the loader refuses a
 * descriptor smaller than its kind's 2.0 size). */
#define TF_PLUGIN_HAS(type, d, m)                                              \
  ((d)->base.struct_size >= offsetof(type, m) + sizeof((d)->m) &&              \
   (d)->m != NULL)

/* The entry point's type and its symbol name. */
typedef const tf_plugin *(*tf_plugin_entry_fn)(void);
#define TF_PLUGIN_ENTRY_SYMBOL "tf_plugin_entry"

/* Write a descriptor with designated initializers, its first line the
 * header of its kind, and declare its entry point.  MODULE is the module's
 * file name without extension ("source_myco" for source_myco.la):
 * libtool's MODULE_LTX_ prefix keeps the symbols of several modules apart
 * when they are linked into one binary with -dlpreopen, and libltdl finds
 * the prefixed name first when it opens either form.
 *
 *   static const tf_source_plugin myco = {
 *       TF_SOURCE_HEADER,
 *       .base.name = "myco",
 *       .base.version = "1.0.0",
 *       .base.description = "Reads MyCo exports.",
 *       .base.license = "MIT",
 *       .base.options = myco_options,
 *       .base.init = myco_init,
 *       .base.fini = myco_fini,
 *       .produce = myco_produce,
 *   };
 *   TF_SOURCE_PLUGIN(source_myco, myco)
 *
 * Members left out are NULL, and a descriptor keeps compiling when members
 * are appended.  TF_SOURCE_PLUGIN given a tf_sink_plugin (or anything but
 * a tf_source_plugin) does not compile. */
#define TF_PLUGIN_HEADER_(TYPE, KIND)                                          \
  .base.abi_major = TF_ABI_MAJOR, .base.struct_size = sizeof(TYPE),            \
  .base.kind = KIND
#define TF_SOURCE_HEADER TF_PLUGIN_HEADER_(tf_source_plugin, TF_KIND_SOURCE)
#define TF_TRANSFORM_HEADER                                                    \
  TF_PLUGIN_HEADER_(tf_transform_plugin, TF_KIND_TRANSFORM)
#define TF_SINK_HEADER TF_PLUGIN_HEADER_(tf_sink_plugin, TF_KIND_SINK)

#define TF_PLUGIN_ENTRY_(MODULE, TYPE, DESCRIPTOR)                             \
  const tf_plugin *MODULE##_LTX_tf_plugin_entry(void);                         \
  const tf_plugin *MODULE##_LTX_tf_plugin_entry(void)                          \
  {                                                                            \
    const TYPE *d = &(DESCRIPTOR);                                             \
    return &d->base;                                                           \
  }
#define TF_SOURCE_PLUGIN(MODULE, DESCRIPTOR)                                   \
  TF_PLUGIN_ENTRY_(MODULE, tf_source_plugin, DESCRIPTOR)
#define TF_TRANSFORM_PLUGIN(MODULE, DESCRIPTOR)                                \
  TF_PLUGIN_ENTRY_(MODULE, tf_transform_plugin, DESCRIPTOR)
#define TF_SINK_PLUGIN(MODULE, DESCRIPTOR)                                     \
  TF_PLUGIN_ENTRY_(MODULE, tf_sink_plugin, DESCRIPTOR)

/* "source", "transform", "sink" (or "unknown"). */
const char *tf_plugin_kind_name(tf_plugin_kind kind);

#ifdef __cplusplus
}
#endif
#endif
