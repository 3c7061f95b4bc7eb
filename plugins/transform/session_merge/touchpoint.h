/*
 * touchpoint.h - builds touchpoint records
 * (docs/contract.md#the-touchpoint-record, plus the fields post_conversion,
 * conversion_id and reason).
 *
 * Every touchpoint has the same keys, in the same order, whatever its type
 * (absent values are null), so that CSV sinks get one column set.  The
 * record is written with a tf_builder (no jansson tree): the text is what
 * json_dumps(JSON_COMPACT) gave for the same object, keys in the same
 * order.
 */
#ifndef SM_TOUCHPOINT_H
#define SM_TOUCHPOINT_H

#include <stdint.h>
#include <touchflow/builder.h>
#include <touchflow/record.h>
#include <touchflow/value.h>
#include "hash.h"
#include "reason.h"
#include "session.h"

/* "tp_" + 32 hex digits, plus a NUL. */
#define SM_TP_ID_SIZE (3 + SM_HASH_HEX_LEN + 1)

#define SM_TYPE_WEB_VISIT "Web Visit"
#define SM_TYPE_WEB_FORM "Web Form"
#define SM_TYPE_WEB_CHAT "Web Chat"
#define SM_TYPE_CRM_ACTIVITY "CRM Activity"
#define SM_TYPE_CRM_CAMPAIGN "CRM Campaign"

/* The values of one touchpoint; every string is borrowed and may be NULL
 * (written as null) except type, origin and srid.  A string taken
 * unchanged from an input record may come with the value it was read from
 * (the v_ fields, else NULL): its text is then copied as it stands, when
 * that is how the builder would write it. */
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
  const sm_reason *reason;   /* why it was made (reason.h); NULL: null */
  const tf_value *v_biz_uid, *v_email, *v_medium, *v_campaign, *v_landing_page,
      *v_referrer, *v_form_url, *v_origin, *v_srid;
} sm_tp;

/* Sets channel, source, medium, campaign, landing_page, referrer and
 * session_id from a session's web fields (session.h), borrowed. */
void sm_tp_set_web(sm_tp *tp, const sm_web *web);

/* The stable id: "tp_" + sm_hash_hex(origin, srid, type, ts in decimal
 * milliseconds). */
void sm_tp_id(const sm_tp *tp, char id[SM_TP_ID_SIZE]);

/* A new touchpoint record with the id `id` (sm_tp_id) written by b (reset
 * first), that keeps the origin (file:line) of `from` (borrowed).  NULL on
 * ENOMEM. */
tf_record *sm_touchpoint_new(tf_builder *b, const sm_tp *tp, const char *id,
                             const tf_record *from);

#endif
