/*
 * web_hit.h - the record -> `hit` event mapping of the `web` source, kept
 * apart from the plugin's lifecycle so that tests can call it directly
 * with hand-made records.
 */
#ifndef SOURCE_WEB_HIT_H
#define SOURCE_WEB_HIT_H

#include <touchflow/filesource.h>

/* A tf_file_source_map_fn.  Turns one Marketo Measure hit into a `hit`
 * event (docs/events.md) derived from rec (so it keeps rec's file:line) and
 * emits it, or rejects rec with one of the codes listed in README.md.  ud
 * is unused; rec is borrowed.  Returns TF_OK, TF_ERR_NOMEM, or the error
 * host->emit or host->reject returned. */
int source_web_map_hit(void *ud, tf_ctx *ctx, const tf_host *host,
                       const tf_record *rec);

#endif
