/*
 * call_event.h - the record -> `call` event mapping of the `calltracking`
 * source and the settings it reads, kept apart from the plugin's lifecycle
 * so that tests can call it directly with hand-made records.
 */
#ifndef SOURCE_CALLTRACKING_CALL_EVENT_H
#define SOURCE_CALLTRACKING_CALL_EVENT_H

#include <touchflow/builder.h>
#include <touchflow/filesource.h>

typedef enum call_record_type {
  CALL_TASK,    /* a Salesforce Task written by the call-tracking vendor */
  CALL_CTM_CALL /* a CallTrackingMetrics call record */
} call_record_type;

/* Where a CTM call record holds the BizibleId and the caller's number
 * unless the config says otherwise (README.md; ctm_api uses them too). */
#define CALL_CTM_BIZIBLE_ID_FIELD "custom_fields.bizible_id"
#define CALL_CTM_PHONE_FIELD "caller_number"

/* What the mapping needs from the config.  The strings are borrowed (from
 * the plugin's config) and must outlive every call of the mapping. */
typedef struct call_settings {
  call_record_type type;
  const char *bizible_id_field; /* field name or dotted path */
  const char *phone_field;      /* field name or dotted path; NULL: none */
  tf_time_order *order;         /* the source's order check; NULL: none */
} call_settings;

/* What the source hands its file source as the mapping's ud: the settings
 * and the builder every event is written with (the source's own, one per
 * instance: a source maps its records one at a time). */
typedef struct call_mapping {
  call_settings settings;
  tf_builder *builder; /* borrowed; NULL: one is made for each event */
} call_mapping;

/* A tf_file_source_map_fn; ud is a const call_settings *.  Turns one Task
 * or CTM call into a `call` event (docs/events.md) built with a
 * tf_builder, keeping rec's file:line, and emits it through settings->order
 * (which dead-letters an event out of order), or rejects rec with one of the
 * codes listed in README.md.  A CTM API page ({"calls": [...]}) gives one event
 * per call.  rec is borrowed.  Returns TF_OK, TF_ERR_NOMEM, or the error
 * host->emit or host->reject returned. */
int source_calltracking_map_call(void *ud, tf_ctx *ctx, const tf_host *host,
                                 const tf_record *rec);

/* The same, ud a const call_mapping *: the events are written with its
 * builder, without a builder made and freed for each. */
int source_calltracking_map_call_with(void *ud, tf_ctx *ctx,
                                      const tf_host *host,
                                      const tf_record *rec);

#endif
