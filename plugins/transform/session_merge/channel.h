/*
 * channel.h - marketing channel, source, medium and campaign of a hit.
 *
 * The channel is one of the nine values of
 * docs/contract.md#the-touchpoint-record.  The user's channel_rules are tried
 * first (first match wins), then the default table (README.md "Channel
 * classification" lists it row by row).
 */
#ifndef SM_CHANNEL_H
#define SM_CHANNEL_H

#include "rules.h"
#include "signals.h"

#define SM_PAID_SEARCH "Paid Search"
#define SM_PAID_SOCIAL "Paid Social"
#define SM_SOCIAL "Social"
#define SM_EMAIL "Email"
#define SM_DISPLAY "Display"
#define SM_ORGANIC_SEARCH "Organic Search"
#define SM_WEB_REFERRAL "Web Referral"
#define SM_DIRECT "Direct"
#define SM_OTHER "Other"

/* The static string of the channel called name (exact spelling), or NULL
 * when name is NULL or not a channel. */
const char *sm_channel_canonical(const char *name);

/* "Paid Search, Paid Social, ..., Other", for messages. */
const char *sm_channel_list(void);

/* A hit's channel, source, medium and campaign.  Nothing is owned: each
 * string is static or borrowed from the signals or the rules it was
 * classified with, and is valid while they are (sm_session_new copies
 * what it keeps). */
typedef struct sm_class {
  const char *channel;  /* static */
  const char *source;   /* or NULL */
  const char *medium;   /* or NULL */
  const char *campaign; /* or NULL */
} sm_class;

/* Classifies a hit.  rules may be NULL. */
void sm_classify(const sm_rules *rules, const sm_signals *s, sm_class *out);

#endif
