/*
 * signals.h - what one hit tells about how the visitor arrived.
 *
 * The page URL's host and utm_* parameters, the referrer's host, whether
 * the referrer is external, and any known ad click id (gclid, fbclid, ...).
 * The channel classification (channel.h) and the user's channel_rules
 * (rules.h) both read these signals; computing them once per hit keeps the
 * URL parsing in one place.
 */
#ifndef SM_SIGNALS_H
#define SM_SIGNALS_H

#include "url.h"

typedef enum sm_utm {
  SM_UTM_SOURCE,
  SM_UTM_MEDIUM,
  SM_UTM_CAMPAIGN,
  SM_UTM_TERM,
  SM_UTM_CONTENT,
  SM_UTM_COUNT
} sm_utm;

/* Where an ad click id comes from. */
typedef enum sm_click_kind { SM_CLICK_SEARCH, SM_CLICK_SOCIAL } sm_click_kind;

typedef struct sm_click_id {
  const char *param;  /* the query parameter, e.g. "gclid" */
  sm_click_kind kind; /* search or social ads */
  const char *source; /* the ad platform, e.g. "Google" */
} sm_click_id;

/* Bytes of decoded utm values kept inside sm_signals (longer ones are
 * allocated). */
#define SM_SIGNALS_ROOM 256

/* Points into itself (utm values, the urls' hosts): never copy one. */
typedef struct sm_signals {
  sm_url page;              /* owned */
  sm_url ref;               /* owned; empty host when no referrer */
  int external;             /* the referrer's host differs from the page's */
  char *utm[SM_UTM_COUNT];  /* owned; decoded, NULL when absent or empty;
                               in room, or allocated when they do not fit */
  int has_utm;              /* at least one utm[] is set */
  const sm_click_id *click; /* the first known click id present, or NULL */
  unsigned allocated;       /* bit i: utm[i] is allocated, not in room */
  char room[SM_SIGNALS_ROOM];
} sm_signals;

/* The name of a utm parameter ("utm_source", ...). */
const char *sm_utm_name(sm_utm which);

/* Reads the signals of a hit from its page URL and referrer (either may be
 * NULL).  Returns TF_OK or TF_ERR_NOMEM (then s needs no clearing). */
int sm_signals_read(const char *url, const char *referrer, sm_signals *s);

/* Frees what sm_signals_read allocated. */
void sm_signals_clear(sm_signals *s);

/* 1 when the hit is an *arrival* (docs/attribution-rules.md#sessions): it has
 * utm_* parameters or an external referrer; a known ad click id counts too. */
int sm_signals_arrival(const sm_signals *s);

#endif
