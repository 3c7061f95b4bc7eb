/*
 * channel.c - the default channel table and the classification of a hit:
 * the user's rules first, then the defaults; source, medium and campaign
 * derived from the utm_* values, the click id or the referrer.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include "channel.h"

typedef enum referrer_kind { REFERRER_SEARCH, REFERRER_SOCIAL } referrer_kind;

typedef struct known_referrer {
  const char *pattern; /* a host pattern (url.h) */
  const char *name;    /* the source it gives */
  referrer_kind kind;
} known_referrer;

static const known_referrer known_referrers[] = {
    {"google.*", "Google", REFERRER_SEARCH},
    {"com.google.android.googlequicksearchbox", "Google", REFERRER_SEARCH},
    {"bing.com", "Bing", REFERRER_SEARCH},
    {"yahoo.*", "Yahoo", REFERRER_SEARCH},
    {"duckduckgo.com", "DuckDuckGo", REFERRER_SEARCH},
    {"baidu.com", "Baidu", REFERRER_SEARCH},
    {"yandex.*", "Yandex", REFERRER_SEARCH},
    {"ecosia.org", "Ecosia", REFERRER_SEARCH},
    {"ask.com", "Ask", REFERRER_SEARCH},
    {"naver.com", "Naver", REFERRER_SEARCH},
    {"seznam.cz", "Seznam", REFERRER_SEARCH},
    {"qwant.com", "Qwant", REFERRER_SEARCH},
    {"startpage.com", "Startpage", REFERRER_SEARCH},
    {"search.brave.com", "Brave", REFERRER_SEARCH},
    {"facebook.com", "Facebook", REFERRER_SOCIAL},
    {"fb.com", "Facebook", REFERRER_SOCIAL},
    {"com.facebook.katana", "Facebook", REFERRER_SOCIAL},
    {"instagram.com", "Instagram", REFERRER_SOCIAL},
    {"linkedin.com", "LinkedIn", REFERRER_SOCIAL},
    {"lnkd.in", "LinkedIn", REFERRER_SOCIAL},
    {"com.linkedin.android", "LinkedIn", REFERRER_SOCIAL},
    {"twitter.com", "Twitter", REFERRER_SOCIAL},
    {"t.co", "Twitter", REFERRER_SOCIAL},
    {"x.com", "Twitter", REFERRER_SOCIAL},
    {"youtube.com", "YouTube", REFERRER_SOCIAL},
    {"youtu.be", "YouTube", REFERRER_SOCIAL},
    {"reddit.com", "Reddit", REFERRER_SOCIAL},
    {"pinterest.*", "Pinterest", REFERRER_SOCIAL},
    {"tiktok.com", "TikTok", REFERRER_SOCIAL},
    {"xing.com", "Xing", REFERRER_SOCIAL},
    {"quora.com", "Quora", REFERRER_SOCIAL},
    {"threads.net", "Threads", REFERRER_SOCIAL},
    {NULL, NULL, REFERRER_SEARCH}};

/* utm_source values that name a social network. */
static const char *const social_sources[] = {
    "facebook", "fb",   "instagram", "ig",      "linkedin",
    "twitter",  "x",    "tiktok",    "reddit",  "pinterest",
    "youtube",  "xing", "quora",     "threads", NULL};

/* utm_medium values, compared without regard to case. */
static const char *const paid_social_mediums[] = {
    "paid_social", "paidsocial",  "paid-social", "paid social",
    "social_paid", "social-paid", "socialpaid",  NULL};
static const char *const paid_mediums[] = {"cpc", "ppc",  "cpm",
                                           "cpv", "paid", NULL};
static const char *const paid_search_mediums[] = {
    "cpc",         "ppc",         "paidsearch", "paid_search",
    "paid-search", "paid search", "sem",        NULL};
static const char *const email_mediums[] = {"email", "e-mail", "e_mail",
                                            "newsletter", NULL};
static const char *const display_mediums[] = {"display", "cpm", "banner", NULL};
static const char *const social_mediums[] = {
    "social", "social-media",   "social_media",   "socialmedia",
    "sm",     "organic_social", "organic-social", NULL};
static const char *const organic_mediums[] = {"organic", "seo", NULL};
static const char *const referral_mediums[] = {"referral", NULL};

static const char *const channels[] = {
    SM_PAID_SEARCH,    SM_PAID_SOCIAL,  SM_SOCIAL, SM_EMAIL, SM_DISPLAY,
    SM_ORGANIC_SEARCH, SM_WEB_REFERRAL, SM_DIRECT, SM_OTHER, NULL};

/* The medium a channel gets when the hit has no utm_medium. */
typedef struct channel_medium {
  const char *channel;
  const char *medium;
} channel_medium;

static const channel_medium default_mediums[] = {
    {SM_PAID_SEARCH, "cpc"},       {SM_PAID_SOCIAL, "paid_social"},
    {SM_SOCIAL, "social"},         {SM_EMAIL, "email"},
    {SM_DISPLAY, "display"},       {SM_ORGANIC_SEARCH, "organic"},
    {SM_WEB_REFERRAL, "referral"}, {NULL, NULL}};

const char *sm_channel_canonical(const char *name)
{
  size_t i;

  for (i = 0; name && channels[i]; i++)
    if (strcmp(channels[i], name) == 0)
      return channels[i];
  return NULL;
}

const char *sm_channel_list(void)
{
  return "Paid Search, Paid Social, Social, Email, Display, Organic Search, "
         "Web Referral, Direct, Other";
}

static int in_list(const char *value, const char *const *list)
{
  for (; value && *list; list++)
    if (strcasecmp(value, *list) == 0)
      return 1;
  return 0;
}

/* The known search engine or social network of an external referrer. */
static const known_referrer *find_referrer(const sm_signals *s)
{
  const known_referrer *k;

  if (!s->external)
    return NULL;
  for (k = known_referrers; k->pattern; k++)
    if (sm_host_matches(s->ref.host, k->pattern))
      return k;
  return NULL;
}

/* The hit comes from a social network: a social click id; else its
 * utm_source names one (a utm_source is taken at its word); else, without
 * a utm_source, its referrer (k, find_referrer's) is one. */
static int social_signal(const sm_signals *s, const known_referrer *k)
{
  if (s->click && s->click->kind == SM_CLICK_SOCIAL)
    return 1;
  if (s->utm[SM_UTM_SOURCE])
    return in_list(s->utm[SM_UTM_SOURCE], social_sources);
  return k && k->kind == REFERRER_SOCIAL;
}

/* The default table for a hit with a utm_medium. */
static const char *channel_by_medium(const sm_signals *s, const char *medium,
                                     const known_referrer *k)
{
  if (in_list(medium, paid_social_mediums) ||
      (in_list(medium, paid_mediums) && social_signal(s, k)))
    return SM_PAID_SOCIAL;
  if (in_list(medium, paid_search_mediums))
    return SM_PAID_SEARCH;
  if (in_list(medium, email_mediums))
    return SM_EMAIL;
  if (in_list(medium, display_mediums))
    return SM_DISPLAY;
  if (in_list(medium, social_mediums))
    return SM_SOCIAL;
  if (in_list(medium, organic_mediums))
    return SM_ORGANIC_SEARCH;
  if (in_list(medium, referral_mediums))
    return SM_WEB_REFERRAL;
  if (s->click && s->click->kind == SM_CLICK_SEARCH)
    return SM_PAID_SEARCH;
  return SM_OTHER;
}

/* The default table (README.md "Channel classification"); k is
 * find_referrer's. */
static const char *default_channel(const sm_signals *s, const known_referrer *k)
{
  if (s->utm[SM_UTM_MEDIUM])
    return channel_by_medium(s, s->utm[SM_UTM_MEDIUM], k);
  if (s->click && s->click->kind == SM_CLICK_SEARCH)
    return SM_PAID_SEARCH;
  if (social_signal(s, k))
    return SM_SOCIAL;
  if (k && k->kind == REFERRER_SEARCH)
    return SM_ORGANIC_SEARCH;
  if (s->external)
    return SM_WEB_REFERRAL;
  return s->has_utm ? SM_OTHER : SM_DIRECT;
}

/* utm_source, else the click id's platform, else the referrer's name
 * (k, find_referrer's) or host, else "Web Direct" (Direct) or "Web". */
static const char *default_source(const sm_signals *s, const char *channel,
                                  const known_referrer *k)
{
  if (s->utm[SM_UTM_SOURCE])
    return s->utm[SM_UTM_SOURCE];
  if (s->click)
    return s->click->source;
  if (k)
    return k->name;
  if (s->external)
    return s->ref.host;
  return strcmp(channel, SM_DIRECT) == 0 ? "Web Direct" : "Web";
}

static const char *default_medium(const sm_signals *s, const char *channel)
{
  const channel_medium *d;

  if (s->utm[SM_UTM_MEDIUM])
    return s->utm[SM_UTM_MEDIUM];
  for (d = default_mediums; d->channel; d++)
    if (strcmp(d->channel, channel) == 0)
      return d->medium;
  return NULL;
}

void sm_classify(const sm_rules *rules, const sm_signals *s, sm_class *out)
{
  const sm_rule *rule = sm_rules_match(rules, s);
  const char *source = rule ? sm_rule_source(rule) : NULL;
  const char *medium = rule ? sm_rule_medium(rule) : NULL;
  const known_referrer *k = find_referrer(s);

  memset(out, 0, sizeof(*out));
  out->channel = rule ? sm_rule_channel(rule) : default_channel(s, k);
  if (!source)
    source = default_source(s, out->channel, k);
  if (!medium)
    medium = default_medium(s, out->channel);
  out->source = source;
  out->medium = medium;
  out->campaign = s->utm[SM_UTM_CAMPAIGN];
}
