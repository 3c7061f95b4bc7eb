/*
 * signals.c - reads a hit's arrival signals: hosts, utm_* values and ad
 * click ids, and decides whether the hit is an arrival.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "signals.h"

/* Ad click ids, in the order they are looked for: X(param, kind, network),
 * written once for both tables below. */
#define CLICK_IDS(X)                                                           \
  X("gclid", SM_CLICK_SEARCH, "Google")                                        \
  X("gbraid", SM_CLICK_SEARCH, "Google")                                       \
  X("wbraid", SM_CLICK_SEARCH, "Google")                                       \
  X("msclkid", SM_CLICK_SEARCH, "Bing")                                        \
  X("fbclid", SM_CLICK_SOCIAL, "Facebook")                                     \
  X("li_fat_id", SM_CLICK_SOCIAL, "LinkedIn")                                  \
  X("ttclid", SM_CLICK_SOCIAL, "TikTok")                                       \
  X("twclid", SM_CLICK_SOCIAL, "Twitter")

#define CLICK_ID(param, kind, network) {param, kind, network},
static const sm_click_id click_ids[] = {CLICK_IDS(CLICK_ID)};
#undef CLICK_ID
#define CLICK_ID_COUNT (sizeof(click_ids) / sizeof(click_ids[0]))

/* The query parameters a hit is read for, all found in one pass: the utm_*
 * ones in sm_utm order, then the click ids of click_ids, in its order. */
#define NAME(s) {s, sizeof(s) - 1},
#define CLICK_ID_NAME(param, kind, network) NAME(param)
static const sm_url_name param_names[SM_UTM_COUNT + CLICK_ID_COUNT] = {
    NAME("utm_source") NAME("utm_medium") NAME("utm_campaign") NAME("utm_term")
        NAME("utm_content") CLICK_IDS(CLICK_ID_NAME)};
#undef CLICK_ID_NAME
#undef NAME

const char *sm_utm_name(sm_utm which)
{
  return param_names[which].name;
}

/* Reads the utm_* values, decoded into s's room while they fit; empty ones
 * count as absent (a value decodes to "" only when its raw text is empty:
 * no decoding, no allocation). */
static int read_utm(sm_signals *s, const sm_url_raw *found)
{
  size_t used = 0;
  int i;

  for (i = 0; i < SM_UTM_COUNT; i++) {
    if (!found[i].at || found[i].len == 0)
      continue;
    s->utm[i] =
        sm_url_decode_in(&found[i], s->room + used, sizeof(s->room) - used);
    if (!s->utm[i])
      return TF_ERR_NOMEM;
    if (s->utm[i] == s->room + used)
      used += strlen(s->utm[i]) + 1;
    else
      s->allocated |= 1u << i;
    s->has_utm = 1;
  }
  return TF_OK;
}

static const sm_click_id *find_click_id(const sm_url_raw *found)
{
  size_t i;

  for (i = 0; i < CLICK_ID_COUNT; i++)
    if (found[SM_UTM_COUNT + i].at)
      return &click_ids[i];
  return NULL;
}

int sm_signals_read(const char *url, const char *referrer, sm_signals *s)
{
  sm_url_raw found[SM_UTM_COUNT + CLICK_ID_COUNT];
  int rc;

  /* Everything but the room, which needs no clearing. */
  memset(s, 0, offsetof(sm_signals, room));
  rc = sm_url_parse(url, &s->page);
  if (rc != TF_OK)
    return rc;
  rc = sm_url_parse(referrer, &s->ref);
  if (rc != TF_OK)
    goto out_clear;
  sm_url_find_params(&s->page, param_names, SM_UTM_COUNT + CLICK_ID_COUNT,
                     found);
  rc = read_utm(s, found);
  if (rc != TF_OK)
    goto out_clear;
  s->external = *s->ref.host && strcmp(s->ref.host, s->page.host) != 0;
  s->click = find_click_id(found);
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
    if (s->allocated & (1u << i))
      free(s->utm[i]);
    s->utm[i] = NULL;
  }
  s->allocated = 0;
}

int sm_signals_arrival(const sm_signals *s)
{
  return s->has_utm || s->external || s->click != NULL;
}
