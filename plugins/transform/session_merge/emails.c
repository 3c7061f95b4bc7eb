/*
 * emails.c - the index from a form email to the visitors whose open
 * session had a form fill with it, and the choice of one for a chat.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "emails.h"
#include "table.h"

typedef struct holders {
  char *email;           /* owned; the table's key */
  sm_visitor **visitors; /* owned array of borrowed visitors */
  size_t count;
} holders;

struct sm_emails {
  sm_table *table; /* email -> holders */
};

sm_emails *sm_emails_new(void)
{
  sm_emails *e = calloc(1, sizeof(*e));

  if (!e)
    return NULL;
  e->table = sm_table_new();
  if (!e->table) {
    free(e);
    return NULL;
  }
  return e;
}

static void free_holders(holders *h)
{
  free(h->visitors);
  free(h->email);
  free(h);
}

void sm_emails_free(sm_emails *e)
{
  holders *h;

  if (!e)
    return;
  while ((h = sm_table_any(e->table)) != NULL) {
    sm_table_remove(e->table, h->email);
    free_holders(h);
  }
  sm_table_free(e->table);
  free(e);
}

/* The holders of email, created when absent; NULL on ENOMEM. */
static holders *holders_of(sm_emails *e, const char *email)
{
  holders *h = sm_table_get(e->table, email);

  if (h)
    return h;
  h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->email = strdup(email);
  if (!h->email || sm_table_put(e->table, h->email, h) != TF_OK) {
    free_holders(h);
    return NULL;
  }
  return h;
}

int sm_emails_add(sm_emails *e, const char *email, sm_visitor *v)
{
  holders *h = holders_of(e, email);
  sm_visitor **grown;
  size_t i;

  if (!h)
    return TF_ERR_NOMEM;
  for (i = 0; i < h->count; i++)
    if (h->visitors[i] == v)
      return TF_OK;
  grown = realloc(h->visitors, (h->count + 1) * sizeof(*grown));
  if (!grown)
    return TF_ERR_NOMEM;
  h->visitors = grown;
  h->visitors[h->count++] = v;
  return TF_OK;
}

void sm_emails_remove(sm_emails *e, const char *email, const sm_visitor *v)
{
  holders *h = sm_table_get(e->table, email);
  size_t i;

  for (i = 0; h && i < h->count; i++)
    if (h->visitors[i] == v) {
      h->visitors[i] = h->visitors[--h->count];
      break;
    }
  if (h && h->count == 0) {
    sm_table_remove(e->table, h->email);
    free_holders(h);
  }
}

/* 1 when candidate (its form fill at form_ts) beats best (at best_ts). */
static int better(const sm_visitor *candidate, int64_t form_ts,
                  const sm_visitor *best, int64_t best_ts)
{
  if (!best || form_ts != best_ts)
    return !best || form_ts > best_ts;
  return strcmp(candidate->biz_uid, best->biz_uid) < 0;
}

sm_visitor *sm_emails_find(const sm_emails *e, const char *email, int64_t t,
                           int64_t timeout)
{
  holders *h = sm_table_get(e->table, email);
  sm_visitor *best = NULL;
  int64_t best_ts = 0, form_ts;
  size_t i;

  for (i = 0; h && i < h->count; i++) {
    const sm_session *s = h->visitors[i]->session;

    if (!s || s->first_ts > t || t >= sm_session_end(s, timeout) ||
        !sm_session_form_ts(s, email, &form_ts) || form_ts > t)
      continue;
    if (better(h->visitors[i], form_ts, best, best_ts)) {
      best = h->visitors[i];
      best_ts = form_ts;
    }
  }
  return best;
}
