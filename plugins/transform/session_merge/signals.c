/*
 * signals.c - reads a hit's arrival signals: hosts, utm_* values and ad
 * click ids, and decides whether the hit is an arrival.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "signals.h"

static const char *const utm_names[SM_UTM_COUNT] = {
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"};

/* Ad click ids, in the order they are looked for. */
static const sm_click_id click_ids[] = {
    {"gclid", SM_CLICK_SEARCH, "Google"},
    {"gbraid", SM_CLICK_SEARCH, "Google"},
    {"wbraid", SM_CLICK_SEARCH, "Google"},
    {"msclkid", SM_CLICK_SEARCH, "Bing"},
    {"fbclid", SM_CLICK_SOCIAL, "Facebook"},
    {"li_fat_id", SM_CLICK_SOCIAL, "LinkedIn"},
    {"ttclid", SM_CLICK_SOCIAL, "TikTok"},
    {"twclid", SM_CLICK_SOCIAL, "Twitter"},
    {NULL, SM_CLICK_SEARCH, NULL}};

const char *sm_utm_name(sm_utm which)
{
  return utm_names[which];
}

/* Reads the utm_* values; empty ones count as absent. */
static int read_utm(sm_signals *s)
{
  int i, rc;

  for (i = 0; i < SM_UTM_COUNT; i++) {
    rc = sm_url_param(&s->page, utm_names[i], &s->utm[i]);
    if (rc != TF_OK)
      return rc;
    if (s->utm[i] && !*s->utm[i]) {
      free(s->utm[i]);
      s->utm[i] = NULL;
    }
    if (s->utm[i])
      s->has_utm = 1;
  }
  return TF_OK;
}

static const sm_click_id *find_click_id(const sm_url *page)
{
  const sm_click_id *c;

  for (c = click_ids; c->param; c++)
    if (sm_url_has_param(page, c->param))
      return c;
  return NULL;
}

int sm_signals_read(const char *url, const char *referrer, sm_signals *s)
{
  int rc;

  memset(s, 0, sizeof(*s));
  rc = sm_url_parse(url, &s->page);
  if (rc != TF_OK)
    return rc;
  rc = sm_url_parse(referrer, &s->ref);
  if (rc != TF_OK)
    goto out_clear;
  rc = read_utm(s);
  if (rc != TF_OK)
    goto out_clear;
  s->external = *s->ref.host && strcmp(s->ref.host, s->page.host) != 0;
  s->click = find_click_id(&s->page);
  return TF_OK;

out_clear:
  sm_signals_clear(s);
  return rc;
}

void sm_signals_clear(sm_signals *s)
{
  int i;

  sm_url_clear(&s->page);
  sm_url_clear(&s->ref);
  for (i = 0; i < SM_UTM_COUNT; i++) {
    free(s->utm[i]);
    s->utm[i] = NULL;
  }
}

int sm_signals_arrival(const sm_signals *s)
{
  return s->has_utm || s->external || s->click != NULL;
}
