/*
 * store.c - the held touchpoints, contacts, links and opportunities of the
 * `attribution` transform (store.h), the journey of one opportunity, and
 * their snapshot.
 *
 * Touchpoints are chained in two lists, by email and by BizibleId, so that
 * a journey is found without a scan: a contact's email gives its
 * touchpoints, their BizibleIds give the anonymous ones
 * (docs/attribution-rules.md#attribution-models-and-revenue, "a person's
 * journey").
 */
#include <stdlib.h>
#include <string.h>
#include "store.h"

static char *dup(const char *s)
{
  size_t n;
  char *d;

  if (!s)
    return NULL;
  n = strlen(s) + 1;
  d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

/* Makes room for one more element in *arr.  0 or -1. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
  size_t want = *cap ? *cap * 2 : 64;
  void *p;

  if (n < *cap)
    return 0;
  p = realloc(*arr, want * size);
  if (!p)
    return -1;
  *arr = p;
  *cap = want;
  return 0;
}

size_t attr_store_held(const attr_store *s)
{
  return s->n_tps + s->n_opps + s->n_contacts + s->n_links;
}

static void free_tp(attr_tp *t)
{
  free(t->id);
  free(t->type);
  free(t->channel);
  free(t->source);
  free(t->campaign);
  free(t->email);
  free(t->biz_uid);
}

/* Puts touchpoint i at the head of the list of key in heads. */
static int chain(strmap *heads, const char *key, size_t i, size_t *next)
{
  size_t head;

  *next = ATTR_NONE;
  if (!key)
    return 0;
  if (strmap_get(heads, key, &head))
    *next = head;
  return strmap_put(heads, key, i);
}

int attr_store_add_tp(attr_store *s, const attr_tp *tp)
{
  size_t i = s->n_tps, old_cap = s->cap_tps, dummy;
  attr_tp *t;

  if (strmap_get(&s->tp_by_id, tp->id, &dummy))
    return 1;
  if (reserve((void **)&s->tps, &s->cap_tps, i, sizeof(*s->tps)))
    return -1;
  if (s->cap_tps != old_cap) {
    unsigned *m = realloc(s->mark, s->cap_tps * sizeof(*m));

    if (!m)
      return -1;
    s->mark = m;
  }
  t = &s->tps[i];
  memset(t, 0, sizeof(*t));
  t->ts_ms = tp->ts_ms;
  t->is_call = tp->is_call;
  t->id = dup(tp->id);
  t->type = dup(tp->type);
  t->channel = dup(tp->channel);
  t->source = dup(tp->source);
  t->campaign = dup(tp->campaign);
  t->email = dup(tp->email);
  t->biz_uid = dup(tp->biz_uid);
  if (!t->id || !t->type || (tp->channel && !t->channel) ||
      (tp->source && !t->source) || (tp->campaign && !t->campaign) ||
      (tp->email && !t->email) || (tp->biz_uid && !t->biz_uid) ||
      strmap_put(&s->tp_by_id, t->id, i) ||
      chain(&s->email_head, t->email, i, &t->next_by_email) ||
      chain(&s->biz_head, t->biz_uid, i, &t->next_by_biz)) {
    free_tp(t);
    return -1;
  }
  s->mark[i] = 0;
  s->n_tps++;
  return 0;
}

int attr_store_add_contact(attr_store *s, const char *id, const char *email)
{
  attr_contact *c;
  size_t i;
  char *e = dup(email);

  if (!e)
    return -1;
  if (strmap_get(&s->contact_by_id, id, &i)) {
    free(s->contacts[i].email);
    s->contacts[i].email = e;
    return 0;
  }
  i = s->n_contacts;
  if (reserve((void **)&s->contacts, &s->cap_contacts, i, sizeof(*s->contacts)))
    goto out_free_email;
  c = &s->contacts[i];
  c->email = e;
  c->id = dup(id);
  if (!c->id)
    goto out_free_email;
  if (strmap_put(&s->contact_by_id, c->id, i)) {
    free(c->id);
    goto out_free_email;
  }
  s->n_contacts++;
  return 0;

out_free_email:
  free(e);
  return -1;
}

int attr_store_add_link(attr_store *s, const char *opp_id,
                        const char *contact_id)
{
  size_t i = s->n_links;
  attr_link *l;

  if (reserve((void **)&s->links, &s->cap_links, i, sizeof(*s->links)))
    return -1;
  l = &s->links[i];
  l->opp_id = dup(opp_id);
  l->contact_id = dup(contact_id);
  if (!l->opp_id || !l->contact_id ||
      chain(&s->link_head, l->opp_id, i, &l->next)) {
    free(l->opp_id);
    free(l->contact_id);
    return -1;
  }
  s->n_links++;
  return 0;
}

static void free_opp_fields(attr_opp *o)
{
  free(o->currency);
  free(o->stage);
}

int attr_store_add_opp(attr_store *s, const attr_opp *opp)
{
  attr_opp copy = *opp, *o;
  size_t i;

  copy.currency = dup(opp->currency);
  copy.stage = dup(opp->stage);
  if ((opp->currency && !copy.currency) || (opp->stage && !copy.stage))
    goto out_free;
  if (strmap_get(&s->opp_by_id, opp->id, &i)) { /* the later one wins */
    o = &s->opps[i];
    free_opp_fields(o);
    copy.id = o->id;
    *o = copy;
    return 0;
  }
  i = s->n_opps;
  if (reserve((void **)&s->opps, &s->cap_opps, i, sizeof(*s->opps)))
    goto out_free;
  copy.id = dup(opp->id);
  if (!copy.id)
    goto out_free;
  if (strmap_put(&s->opp_by_id, copy.id, i)) {
    free(copy.id);
    goto out_free;
  }
  s->opps[i] = copy;
  s->n_opps++;
  return 0;

out_free:
  free_opp_fields(&copy);
  return -1;
}

/* --- Journeys ------------------------------------------------------------ */

typedef struct journey {
  attr_store *s;
  const attr_opp *o;
  size_t *idx;
  size_t n, cap;
} journey;

/* Adds touchpoint t unless it is in already or after the close. */
static int take(journey *j, size_t t)
{
  if (j->s->mark[t] == j->s->generation)
    return 0;
  if (j->o->closed && j->s->tps[t].ts_ms > j->o->close_ms)
    return 0;
  if (reserve((void **)&j->idx, &j->cap, j->n, sizeof(*j->idx)))
    return -1;
  j->s->mark[t] = j->s->generation;
  j->idx[j->n++] = t;
  return 0;
}

/* The touchpoints of one email, and every touchpoint of the BizibleIds
 * found on them. */
static int take_person(journey *j, const char *email)
{
  attr_store *s = j->s;
  size_t head, t, u;

  if (!strmap_get(&s->email_head, email, &head))
    return 0;
  for (t = head; t != ATTR_NONE; t = s->tps[t].next_by_email)
    if (take(j, t))
      return -1;
  for (t = head; t != ATTR_NONE; t = s->tps[t].next_by_email) {
    if (!s->tps[t].biz_uid || !strmap_get(&s->biz_head, s->tps[t].biz_uid, &u))
      continue;
    for (; u != ATTR_NONE; u = s->tps[u].next_by_biz)
      if (take(j, u))
        return -1;
  }
  return 0;
}

/* What the sorts compare, copied beside each index so that qsort needs no
 * pointer to the store. */
typedef struct sort_key {
  int64_t ts_ms;
  const char *id;
  size_t i;
} sort_key;

static int by_time_then_id(const void *a, const void *b)
{
  const sort_key *x = a, *y = b;

  if (x->ts_ms != y->ts_ms)
    return x->ts_ms < y->ts_ms ? -1 : 1;
  return strcmp(x->id, y->id);
}

/* Sorts the n indices of idx: touchpoints (tps) by date then id, else
 * opportunities by id. */
static int sort_indices(size_t *idx, size_t n, const attr_store *s, int tps)
{
  sort_key *keys;
  size_t i;

  if (n < 2)
    return 0;
  keys = malloc(n * sizeof(*keys));
  if (!keys)
    return -1;
  for (i = 0; i < n; i++) {
    keys[i].ts_ms = tps ? s->tps[idx[i]].ts_ms : 0;
    keys[i].id = tps ? s->tps[idx[i]].id : s->opps[idx[i]].id;
    keys[i].i = idx[i];
  }
  qsort(keys, n, sizeof(*keys), by_time_then_id);
  for (i = 0; i < n; i++)
    idx[i] = keys[i].i;
  free(keys);
  return 0;
}

int attr_store_journey(attr_store *s, const attr_opp *o, size_t **out,
                       size_t *n)
{
  journey j = {s, o, NULL, 0, 0};
  size_t l, c;

  if (++s->generation == 0) { /* wrapped: forget every old mark */
    if (s->n_tps)
      memset(s->mark, 0, s->n_tps * sizeof(*s->mark));
    s->generation = 1;
  }
  if (strmap_get(&s->link_head, o->id, &l))
    for (; l != ATTR_NONE; l = s->links[l].next)
      if (strmap_get(&s->contact_by_id, s->links[l].contact_id, &c) &&
          take_person(&j, s->contacts[c].email))
        goto out_free;
  if (sort_indices(j.idx, j.n, s, 1))
    goto out_free;
  *out = j.idx;
  *n = j.n;
  return 0;

out_free:
  free(j.idx);
  return -1;
}

size_t *attr_store_opps_by_id(const attr_store *s)
{
  size_t *order, i;

  if (!s->n_opps)
    return NULL;
  order = malloc(s->n_opps * sizeof(*order));
  if (!order)
    return NULL;
  for (i = 0; i < s->n_opps; i++)
    order[i] = i;
  if (sort_indices(order, s->n_opps, s, 0)) {
    free(order);
    return NULL;
  }
  return order;
}

/* --- Snapshot ------------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
  return s ? json_string(s) : json_null();
}

static int append(json_t *arr, json_t *item)
{
  return item ? json_array_append_new(arr, item) : -1;
}

json_t *attr_store_to_json(const attr_store *s)
{
  json_t *tps = json_array(), *contacts = json_array(), *links = json_array(),
         *opps = json_array(), *out;
  size_t i;
  int bad = !tps || !contacts || !links || !opps;

  for (i = 0; !bad && i < s->n_tps; i++) {
    const attr_tp *t = &s->tps[i];

    bad = append(tps, json_pack("[s,I,s,o,o,o,o,o,b]", t->id,
                                (json_int_t)t->ts_ms, t->type,
                                str_or_null(t->channel), str_or_null(t->source),
                                str_or_null(t->campaign), str_or_null(t->email),
                                str_or_null(t->biz_uid), t->is_call));
  }
  for (i = 0; !bad && i < s->n_contacts; i++)
    bad = append(contacts,
                 json_pack("[s,s]", s->contacts[i].id, s->contacts[i].email));
  for (i = 0; !bad && i < s->n_links; i++)
    bad = append(
        links, json_pack("[s,s]", s->links[i].opp_id, s->links[i].contact_id));
  for (i = 0; !bad && i < s->n_opps; i++) {
    const attr_opp *o = &s->opps[i];

    bad = append(
        opps, json_pack("[s,o,o,o,I,I,b,b]", o->id,
                        o->has_amount ? json_integer(o->amount) : json_null(),
                        str_or_null(o->currency), str_or_null(o->stage),
                        (json_int_t)o->created_ms, (json_int_t)o->close_ms,
                        o->won, o->closed));
  }
  if (bad) {
    json_decref(tps);
    json_decref(contacts);
    json_decref(links);
    json_decref(opps);
    return NULL;
  }
  out = json_pack("{s:o,s:o,s:o,s:o}", "touchpoints", tps, "contacts", contacts,
                  "links", links, "opportunities", opps);
  return out;
}

/* The string at position i of arr, or NULL (absent or null). */
static const char *str_at(const json_t *arr, size_t i)
{
  return json_string_value(json_array_get(arr, i));
}

static int restore_tps(attr_store *s, const json_t *tps)
{
  const json_t *e;
  size_t i;

  json_array_foreach (tps, i, e) {
    attr_tp t = {0};

    t.id = (char *)str_at(e, 0);
    t.type = (char *)str_at(e, 2);
    t.channel = (char *)str_at(e, 3);
    t.source = (char *)str_at(e, 4);
    t.campaign = (char *)str_at(e, 5);
    t.email = (char *)str_at(e, 6);
    t.biz_uid = (char *)str_at(e, 7);
    if (!t.id || !t.type || !json_is_integer(json_array_get(e, 1)))
      return -1;
    t.ts_ms = json_integer_value(json_array_get(e, 1));
    t.is_call = json_is_true(json_array_get(e, 8));
    if (attr_store_add_tp(s, &t) < 0)
      return -1;
  }
  return 0;
}

static int restore_pairs(attr_store *s, const json_t *arr, int links)
{
  const json_t *e;
  size_t i;

  json_array_foreach (arr, i, e) {
    const char *a = str_at(e, 0), *b = str_at(e, 1);

    if (!a || !b)
      return -1;
    if (links ? attr_store_add_link(s, a, b) : attr_store_add_contact(s, a, b))
      return -1;
  }
  return 0;
}

static int restore_opps(attr_store *s, const json_t *opps)
{
  const json_t *e;
  size_t i;

  json_array_foreach (opps, i, e) {
    attr_opp o = {0};
    const json_t *amount = json_array_get(e, 1);

    o.id = (char *)str_at(e, 0);
    o.has_amount = json_is_integer(amount);
    o.amount = o.has_amount ? json_integer_value(amount) : 0;
    o.currency = (char *)str_at(e, 2);
    o.stage = (char *)str_at(e, 3);
    o.created_ms = json_integer_value(json_array_get(e, 4));
    o.close_ms = json_integer_value(json_array_get(e, 5));
    o.won = json_is_true(json_array_get(e, 6));
    o.closed = json_is_true(json_array_get(e, 7));
    if (!o.id || attr_store_add_opp(s, &o))
      return -1;
  }
  return 0;
}

int attr_store_from_json(attr_store *s, const json_t *j)
{
  if (!json_is_object(j) || restore_tps(s, json_object_get(j, "touchpoints")) ||
      restore_pairs(s, json_object_get(j, "contacts"), 0) ||
      restore_pairs(s, json_object_get(j, "links"), 1) ||
      restore_opps(s, json_object_get(j, "opportunities")))
    return -1;
  return 0;
}

void attr_store_free(attr_store *s)
{
  size_t i;

  for (i = 0; i < s->n_tps; i++)
    free_tp(&s->tps[i]);
  for (i = 0; i < s->n_opps; i++) {
    free(s->opps[i].id);
    free_opp_fields(&s->opps[i]);
  }
  for (i = 0; i < s->n_contacts; i++) {
    free(s->contacts[i].id);
    free(s->contacts[i].email);
  }
  for (i = 0; i < s->n_links; i++) {
    free(s->links[i].opp_id);
    free(s->links[i].contact_id);
  }
  free(s->tps);
  free(s->opps);
  free(s->contacts);
  free(s->links);
  free(s->mark);
  strmap_free(&s->tp_by_id);
  strmap_free(&s->email_head);
  strmap_free(&s->biz_head);
  strmap_free(&s->contact_by_id);
  strmap_free(&s->opp_by_id);
  strmap_free(&s->link_head);
  memset(s, 0, sizeof(*s));
}
