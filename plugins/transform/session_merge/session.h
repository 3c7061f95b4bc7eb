/*
 * session.h - one web session of one visitor
 * (docs/attribution-rules.md#sessions).
 *
 * A session covers [first hit, last hit + session_timeout).  Its web
 * fields (channel, source, medium, campaign, landing page, referrer) come
 * from its first hit and are kept as C strings: the classification's in
 * one block the session owns, the landing page and referrer borrowed from
 * the first hit's record (which the session holds), with the values they
 * were read from so that touchpoints copy them as they stand.  The session also
 * knows whether it had a conversion (then it yields no Web Visit), the merged
 * call that converted it (docs/attribution-rules.md#call-rule-4) and the
 * emails given on its forms (to join chats that come without a BizibleId).
 */
#ifndef SM_SESSION_H
#define SM_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <touchflow/value.h>
#include "channel.h"
#include "event.h"
#include "hash.h"

/* "ses_" + 32 hex digits, plus a NUL. */
#define SM_SESSION_ID_SIZE (4 + SM_HASH_HEX_LEN + 1)

typedef struct sm_form_email {
  char *email;     /* owned */
  int64_t last_ts; /* the latest form fill with it */
} sm_form_email;

/* The web fields of a session (see sm_session_new); NULL strings are
 * written as null. */
typedef struct sm_web {
  const char *channel;      /* static (channel.h) */
  const char *source;       /* in the session's block, or NULL */
  const char *medium;       /* ditto */
  const char *campaign;     /* ditto */
  const char *landing_page; /* borrowed from the first hit */
  const char *referrer;     /* borrowed from the first hit, or NULL */
  const tf_value *v_landing_page, *v_referrer; /* their values */
  char session_id[SM_SESSION_ID_SIZE];
} sm_web;

typedef struct sm_session {
  sm_web web;          /* the web fields, see sm_session_new */
  char *block;         /* source, medium and campaign, allocated with the
                          session (freed with it) */
  size_t block_room;   /* bytes allocated for block */
  tf_record *first;    /* owned reference: the first hit */
  sm_event first_hit;  /* the first hit as read (strings borrowed from
                          first) */
  const char *biz_uid; /* borrowed from first */
  int64_t first_ts;
  int64_t last_ts;
  int converted;         /* a form fill, a chat or a merged call */
  char *conversion_id;   /* owned: the first merged call's touchpoint_id */
  sm_form_email *emails; /* owned */
  size_t nemails;
} sm_session;

/* The stable session id: "ses_" + sm_hash_hex(biz_uid, first hit time in
 * decimal ms, first hit's source_record_id). */
void sm_session_id(const char *biz_uid, int64_t first_ts,
                   const char *first_srid, char id[SM_SESSION_ID_SIZE]);

/* A new session started by hit (classified as cls, copied).  Its web
 * fields are channel, source, medium, campaign, landing_page (the hit's
 * url), referrer (the hit's referrer) and session_id.  Takes a reference to the
 * hit's record.  Returns TF_OK or TF_ERR_NOMEM. */
int sm_session_new(const sm_event *hit, const sm_class *cls, sm_session **out);

/* NULL-safe. */
void sm_session_free(sm_session *s);

/* Drops what s holds (its first hit's reference, its emails, its
 * conversion_id) but keeps its memory, to be started again by
 * sm_session_reuse or freed by sm_session_free. */
void sm_session_release(sm_session *s);

/* Starts the released session s again as sm_session_new would for hit
 * and cls, when cls's strings fit in its block: 1, else 0 (s unchanged). */
int sm_session_reuse(sm_session *s, const sm_event *hit, const sm_class *cls);

/* last hit + timeout, the first moment outside the session (saturated). */
int64_t sm_session_end(const sm_session *s, int64_t timeout);

/* 1 when an arrival classified as cls starts a new session: its channel or
 * its source (compared without regard to case) differs from the
 * session's. */
int sm_session_arrival_breaks(const sm_session *s, const sm_class *cls);

/* Records a form fill with email (NULL: none) at ts.  TF_OK or
 * TF_ERR_NOMEM. */
int sm_session_note_form(sm_session *s, const char *email, int64_t ts);

/* 1 when the session had a form fill with email; *ts is then the time of
 * the latest one.  0 when none. */
int sm_session_form_ts(const sm_session *s, const char *email, int64_t *ts);

#endif
