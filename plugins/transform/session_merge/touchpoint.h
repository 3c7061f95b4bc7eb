/*
 * touchpoint.h - builds touchpoint records (CONTRACT.md "The touchpoint
 * record", plus the fields post_conversion and conversion_id).
 *
 * Every touchpoint has the same keys, in the same order, whatever its type
 * (absent values are null), so that CSV sinks get one column set.
 */
#ifndef SM_TOUCHPOINT_H
#define SM_TOUCHPOINT_H

#include <stdint.h>
#include <jansson.h>
#include <touchflow/record.h>
#include "hash.h"

/* "tp_" + 32 hex digits, plus a NUL. */
#define SM_TP_ID_SIZE (3 + SM_HASH_HEX_LEN + 1)

#define SM_TYPE_WEB_VISIT "Web Visit"
#define SM_TYPE_WEB_FORM "Web Form"
#define SM_TYPE_WEB_CHAT "Web Chat"
#define SM_TYPE_CRM_ACTIVITY "CRM Activity"
#define SM_TYPE_CRM_CAMPAIGN "CRM Campaign"

/* The values of one touchpoint; every string is borrowed and may be NULL
 * (written as null) except type, origin and srid. */
typedef struct sm_tp {
  const char *type;
  int64_t ts;
  const char *biz_uid;
  const char *email;
  const char *channel;
  const char *source;
  const char *medium;
  const char *campaign;
  const char *landing_page;
  const char *referrer;
  const char *form_url;
  const char *session_id;
  const char *origin;
  const char *srid;
  int post_conversion;       /* a later touchpoint of a converted journey */
  const char *conversion_id; /* the touchpoint that was the conversion */
} sm_tp;

/* Sets channel, source, medium, campaign, landing_page, referrer and
 * session_id from a session's web fields (session.h), borrowed. */
void sm_tp_set_web(sm_tp *tp, const json_t *web);

/* The stable id: "tp_" + sm_hash_hex(origin, srid, type, ts in decimal
 * milliseconds). */
void sm_tp_id(const sm_tp *tp, char id[SM_TP_ID_SIZE]);

/* A new touchpoint record that keeps the origin (file:line) of `from`
 * (borrowed).  NULL on ENOMEM. */
tf_record *sm_touchpoint_new(const sm_tp *tp, const tf_record *from);

#endif
