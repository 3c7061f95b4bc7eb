/*
 * web_hit.h - the record -> `hit` event mapping of the `web` source, kept
 * apart from the plugin's lifecycle so that tests can call it directly
 * with hand-made records.
 */
#ifndef SOURCE_WEB_HIT_H
#define SOURCE_WEB_HIT_H

#include <touchflow/builder.h>
#include <touchflow/filesource.h>

/* What the mapping needs besides the record. */
typedef struct web_settings {
  /* The source's event-time order check (tf_file_source_time_order),
   * borrowed; NULL: every hit is emitted unchecked. */
  tf_time_order *order;
  /* The builder every event is written with (the source's own, one per
   * instance; a source reads its records one at a time), borrowed; NULL:
   * a builder is made for each hit. */
  tf_builder *builder;
} web_settings;

/* A tf_file_source_map_fn; ud is a const web_settings * (or NULL).  Turns
 * one Marketo Measure hit into a `hit` event (docs/events.md) built with
 * the settings' builder, keeping rec's file:line, and emits it through the
 * order check, or rejects rec with one of the codes listed in README.md.  rec
 * is borrowed.  Returns TF_OK, TF_ERR_NOMEM, or the error host->emit or
 * host->reject returned. */
int source_web_map_hit(void *ud, tf_ctx *ctx, const tf_host *host,
                       const tf_record *rec);

#endif
