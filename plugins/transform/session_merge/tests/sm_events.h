/*
 * sm_events.h - builders of input events (docs/events.md) for the
 * session_merge tests, all on 2026-03-01 unless a full timestamp is given.
 */
#ifndef SM_TEST_EVENTS_H
#define SM_TEST_EVENTS_H

#include <stdint.h>
#include <touchflow/touchflow.h>

#define BIZ_A "277d79d01678498fea067c9b631bf6df"
#define BIZ_B "08c1063cb0a64349ad0d2d862f5cc700"
#define BIZ_C "1ee8567c175a4cd0b6e2a0f8a9c3d4e5"

/* "12:17:05" (on 2026-03-01) or a full ISO-8601 time, in epoch ms. */
int64_t ev_time(const char *when);

/* Each returns a new record (the caller owns it).  NULL strings become
 * JSON null. */
tf_record *ev_hit(const char *id, const char *biz, const char *when,
                  const char *url, const char *referrer);
tf_record *ev_form(const char *id, const char *biz, const char *when,
                   const char *url, const char *email);
tf_record *ev_call(const char *id, const char *biz, const char *when,
                   const char *call_type);
tf_record *ev_chat(const char *id, const char *biz, const char *when,
                   const char *email);
tf_record *ev_crm_activity(const char *id, const char *when,
                           const char *activity_type, const char *email);
tf_record *ev_crm_campaign(const char *id, const char *when,
                           const char *campaign_id);
tf_record *ev_person(const char *id);

#endif
