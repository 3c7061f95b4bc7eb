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
 * tf_event_new builds that part; the source then adds the fields of its
 * event type, for instance:
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

#ifdef __cplusplus
}
#endif
#endif
