/*
 * reason.h - the `reason` of a touchpoint: one short sentence naming the
 * rule of docs/attribution-rules.md that made it ("call rule 2: merged into
 * session ses_... [12:17, 12:47)"), for people reading a journey
 * (`touchflow explain`) and for anyone asking why a touchpoint looks as it
 * does.  The wording is listed in docs/attribution-rules.md, "Reasons".
 *
 * The sentence is written into the caller's buffer (on the stack): no
 * allocation per touchpoint.  Times are UTC, written HH:MM (HH:MM:SS when
 * the seconds are not zero), with the date in front when it is not the
 * day of the touchpoint.
 *
 * Call rule 3's sentence does not say when the visitor's previous session
 * ended: session_merge forgets a session once it is resolved (its memory
 * is bounded by the open sessions), and a call is handled after every
 * earlier session end.  `touchflow explain`, which sees the visitor's whole
 * journey, says it.
 */
#ifndef SM_REASON_H
#define SM_REASON_H

#include <stddef.h>
#include <stdint.h>

/* Enough for every sentence: the longest is about 200 bytes. */
#define SM_REASON_SIZE 320

typedef enum sm_why {
  SM_WHY_WEB_VISIT,       /* a session without a conversion */
  SM_WHY_FORM,            /* a form fill in a session */
  SM_WHY_FORM_AFTER_CALL, /* call rule 4 */
  SM_WHY_CALL_MERGED,     /* call rule 2 */
  SM_WHY_CALL_UNMERGED,   /* call rule 3 */
  SM_WHY_CHAT_SESSION,    /* Drift chat rule 1: the visitor's session */
  SM_WHY_CHAT_BY_EMAIL,   /* ... the session of the form's email */
  SM_WHY_CHAT_NO_SESSION, /* ... no session: no web data */
  SM_WHY_CRM_ACTIVITY,    /* a CRM Task */
  SM_WHY_CRM_CAMPAIGN     /* a CampaignMember */
} sm_why;

/* What a sentence says; strings are borrowed and may be NULL where not
 * used.  Times in epoch milliseconds. */
typedef struct sm_reason {
  sm_why why;
  int64_t at;                /* the touchpoint's time */
  const char *session_id;    /* the session joined */
  int64_t start, end;        /* its window [start, end) as known at `at` */
  const char *conversion_id; /* call rule 4: the call */
  int has_biz_uid;           /* chats: the chat came with a BizibleId */
} sm_reason;

/* Writes the sentence of r into buf (size >= SM_REASON_SIZE), NUL ended;
 * returns its length (without the NUL). */
size_t sm_reason_format(const sm_reason *r, char *buf, size_t size);

#endif
