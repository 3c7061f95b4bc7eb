/*
 * store.h - what the `attribution` transform holds until the end of its
 * input: the touchpoints that can belong to a journey, the contacts'
 * emails, the opportunity-contact links and the opportunities; and the
 * journey of one opportunity built from them
 * (docs/attribution-rules.md#attribution-models-and-revenue).
 *
 * Every string is the store's own copy.  Touchpoints are kept once per
 * touchpoint_id; a contact or an opportunity read again replaces the
 * earlier one (the later export wins).
 */
#ifndef ATTRIBUTION_STORE_H
#define ATTRIBUTION_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "strmap.h"

#define ATTR_NONE ((size_t)-1)

typedef struct attr_tp {
  char *id, *type, *channel, *source, *campaign, *email, *biz_uid;
  int64_t ts_ms;
  int is_call; /* origin calltracking: a call, whatever its type */
  size_t next_by_email, next_by_biz; /* the lists of one email, one biz_uid */
} attr_tp;

typedef struct attr_opp {
  char *id, *currency, *stage;
  int64_t amount; /* cents; 0 when has_amount is 0 */
  int has_amount, won, closed;
  int64_t created_ms;
  int64_t close_ms; /* the last instant the journey may reach when closed */
} attr_opp;

typedef struct attr_contact {
  char *id, *email;
} attr_contact;

typedef struct attr_link {
  char *opp_id, *contact_id;
  size_t next; /* the next link of the same opportunity */
} attr_link;

typedef struct attr_store {
  attr_tp *tps;
  size_t n_tps, cap_tps;
  attr_opp *opps;
  size_t n_opps, cap_opps;
  attr_contact *contacts;
  size_t n_contacts, cap_contacts;
  attr_link *links;
  size_t n_links, cap_links;
  strmap tp_by_id, email_head, biz_head, contact_by_id, opp_by_id, link_head;
  unsigned *mark; /* journey building: the generation that took a tp */
  unsigned generation;
} attr_store;

/* The number of records held (what max_held bounds). */
size_t attr_store_held(const attr_store *s);

/* Adds a touchpoint (strings copied; NULL allowed except id and type).
 * Returns 0 when added, 1 when its id is held already (not added), -1 when
 * memory runs out. */
int attr_store_add_tp(attr_store *s, const attr_tp *tp);

/* Sets the email of a contact (both copied).  0 or -1. */
int attr_store_add_contact(attr_store *s, const char *id, const char *email);

/* Links a contact to an opportunity (copied).  0 or -1. */
int attr_store_add_link(attr_store *s, const char *opp_id,
                        const char *contact_id);

/* Adds or replaces an opportunity (strings copied).  0 or -1. */
int attr_store_add_opp(attr_store *s, const attr_opp *opp);

/* The journey of opportunity o: indices of s->tps in journey order (date,
 * then touchpoint_id), cut at the close when it is closed, in a new array
 * *out (free it) of *n entries (possibly 0; *out may then be NULL).
 * 0 or -1. */
int attr_store_journey(attr_store *s, const attr_opp *o, size_t **out,
                       size_t *n);

/* The opportunities' indices sorted by id, in a new array.  NULL when
 * memory runs out (or there are none). */
size_t *attr_store_opps_by_id(const attr_store *s);

/* The held data as JSON (new reference, NULL when memory runs out), and
 * back into an empty store (0, or -1 when the JSON is not one of ours or
 * memory runs out). */
json_t *attr_store_to_json(const attr_store *s);
int attr_store_from_json(attr_store *s, const json_t *j);

void attr_store_free(attr_store *s);

#endif
