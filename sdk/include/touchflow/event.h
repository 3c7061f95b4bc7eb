/*
 * touchflow/event.h - the part every attribution event has.
 *
 * The attribution sources (web, drift, calltracking, crm, and any a team
 * writes for its own vendor) emit events: flat JSON objects that share
 * the fields of docs/events.md "Fields every event has", in this order:
 *
 *   event             the event type ("hit", "call", "chat", ...)
 *   ts                the time, ISO 8601 UTC with milliseconds
 *   ts_ms             the same time in epoch milliseconds
 *   biz_uid           the BizibleId, or null
 *   email             lowercased, or null
 *   origin            the source ("web", "drift", ...)
 *   source_record_id  the id of the vendor record
 *
 * A source writes an event with a tf_builder (builder.h), one per source
 * instance, reused for every event: tf_event_begin writes that part, the
 * source then adds the fields of its event type, and tf_event_finish makes
 * the record, with the input's file:line:
 *
 *   if (tf_event_begin(b, "hit", ts_ms, biz_uid, email, "web", id) ||
 *       tf_event_text(b, "url", url) ||
 *       tf_event_text(b, "referrer", referrer) ||     NULL: null
 *       tf_event_finish(b, rec, &event))
 *     ... tf_builder_error(b) says why (ENOMEM, or bad UTF-8) ...
 *
 * The text is what jansson's JSON_COMPACT writes for the same object, so
 * an event reads (and a sink writes it) byte for byte as one built with
 * tf_event_new and json_object_update_new, the slow path that builds a
 * jansson tree:
 *
 *   json_t *event = tf_event_new("hit", ts_ms, biz_uid, email, "web", id);
 *
 *   if (json_object_update_new(event, json_pack("{s:s}", "url", url)) != 0)
 *     ... ENOMEM: json_decref(event) (NULL-safe) ...
 *
 * (json_object_update_new fails when either object is NULL and always
 * drops the second, so the results of both calls can go straight in.)
 */
#ifndef TOUCHFLOW_EVENT_H
#define TOUCHFLOW_EVENT_H

#include <stdint.h>
#include <jansson.h>
#include "builder.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new event object with the common fields above, which the caller owns.
 * ts is ts_ms formatted by tf_time_format_ms.  biz_uid and email may be
 * NULL (JSON null); email is copied with its ASCII letters lowercased.  The
 * strings are borrowed and copied, and must be valid UTF-8.  Returns NULL
 * when type, origin or source_record_id is NULL, a string is not valid
 * UTF-8, or memory runs out. */
json_t *tf_event_new(const char *type, int64_t ts_ms, const char *biz_uid,
                     const char *email, const char *origin,
                     const char *source_record_id);

/* Starts an event in b: drops whatever b held (tf_builder_reset), opens
 * the event's object and writes the common fields above, formatted as
 * tf_event_new formats them (biz_uid and email NULL: null; email
 * lowercased).  Returns TF_OK, or the builder's error (sticky, see
 * builder.h): TF_ERR_INVAL when type, origin or source_record_id is NULL
 * or a string is not valid UTF-8, TF_ERR_NOMEM. */
int tf_event_begin(tf_builder *b, const char *type, int64_t ts_ms,
                   const char *biz_uid, const char *email, const char *origin,
                   const char *source_record_id);

/* Adds the member `key` to the event being built: text as a JSON string,
 * or null when text is NULL.  Returns TF_OK or the builder's error. */
int tf_event_text(tf_builder *b, const char *key, const char *text);

/* Closes the event's object and makes the record (tf_builder_finish):
 * *out then has one reference for the caller and origin_of's file:line
 * (origin_of may be NULL).  On an error *out is NULL, the builder is empty
 * again and tf_builder_error(b) says why. */
int tf_event_finish(tf_builder *b, const tf_record *origin_of, tf_record **out);

#ifdef __cplusplus
}
#endif
#endif
