/*
 * emails.h - which open sessions had a form fill with a given email.
 *
 * A chat that comes without a BizibleId is joined to the session of the
 * visitor who gave the same email on a form (docs/attribution-rules.md#chats;
 * the exact rule is in README.md "Decisions").  Only open sessions are indexed:
 * a session leaves the index when it closes, so the index is bounded by the
 * open sessions.
 */
#ifndef SM_EMAILS_H
#define SM_EMAILS_H

#include <stdint.h>
#include "visitor.h"

typedef struct sm_emails sm_emails;

/* A new empty index, or NULL on ENOMEM. */
sm_emails *sm_emails_new(void);

/* NULL-safe; the visitors are borrowed, not freed. */
void sm_emails_free(sm_emails *e);

/* Notes that v's open session had a form fill with email (once per pair).
 * TF_OK or TF_ERR_NOMEM. */
int sm_emails_add(sm_emails *e, const char *email, sm_visitor *v);

/* Forgets the pair (when v's session closes). */
void sm_emails_remove(sm_emails *e, const char *email, const sm_visitor *v);

/* The visitor whose open session contains t (first hit <= t < last hit +
 * timeout) and had the latest form fill with email at or before t; on a
 * tie the smaller BizibleId.  NULL when none. */
sm_visitor *sm_emails_find(const sm_emails *e, const char *email, int64_t t,
                           int64_t timeout);

#endif
