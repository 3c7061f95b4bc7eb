/*
 * reason.c - the sentences of reason.h, one per rule.
 */
#include <stdio.h>
#include <time.h>
#include "reason.h"

#define DAY_MS 86400000LL

static int64_t day_of(int64_t ms)
{
  return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

/* ms as "HH:MM" or "HH:MM:SS", with "YYYY-MM-DD " in front when its day
 * is not the day of ref. */
static void clock_of(int64_t ms, int64_t ref, char *buf, size_t size)
{
  int64_t day = day_of(ms), in_day = (ms - day * DAY_MS) / 1000;
  time_t secs = (time_t)(day * 86400);
  struct tm tm;
  int n = 0;

  if (day != day_of(ref) && gmtime_r(&secs, &tm))
    n = snprintf(buf, size, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday);
  if (n < 0 || (size_t)n >= size)
    n = 0;
  if (in_day % 60)
    snprintf(buf + n, size - (size_t)n, "%02d:%02d:%02d", (int)(in_day / 3600),
             (int)(in_day / 60 % 60), (int)(in_day % 60));
  else
    snprintf(buf + n, size - (size_t)n, "%02d:%02d", (int)(in_day / 3600),
             (int)(in_day / 60 % 60));
}

static void chat_no_session(const sm_reason *r, const char *at, char *buf,
                            size_t size)
{
  if (r->has_biz_uid)
    snprintf(buf, size,
             "Drift chat rule 1: email given in chat at %s; no session of "
             "this BizibleId contains it: Web Chat without web data",
             at);
  else
    snprintf(buf, size,
             "Drift chat rule 1: email given in chat at %s; no BizibleId, "
             "and no form fill with this email in a session running then: "
             "Web Chat without web data",
             at);
}

void sm_reason_format(const sm_reason *r, char *buf, size_t size)
{
  char at[32], start[32], end[32];
  const char *ses = r->session_id ? r->session_id : "?";

  clock_of(r->at, r->at, at, sizeof(at));
  clock_of(r->start, r->at, start, sizeof(start));
  clock_of(r->end, r->at, end, sizeof(end));
  switch (r->why) {
  case SM_WHY_WEB_VISIT:
    snprintf(buf, size,
             "web session rule: session %s [%s, %s) had no form fill, chat "
             "or call: one Web Visit at its first hit",
             ses, start, end);
    break;
  case SM_WHY_FORM:
    snprintf(buf, size,
             "web session rule: form fill at %s in session %s (from %s): a "
             "conversion",
             at, ses, start);
    break;
  case SM_WHY_FORM_AFTER_CALL:
    snprintf(buf, size,
             "call rule 4: form fill at %s after the call %s in session %s: "
             "a later step of the journey, not a second conversion",
             at, r->conversion_id ? r->conversion_id : "?", ses);
    break;
  case SM_WHY_CALL_MERGED:
    snprintf(buf, size, "call rule 2: merged into session %s [%s, %s)", ses,
             start, end);
    break;
  case SM_WHY_CALL_UNMERGED:
    snprintf(buf, size,
             "call rule 3: no session of this BizibleId contains %s: a "
             "separate CRM Activity without web data",
             at);
    break;
  case SM_WHY_CHAT_SESSION:
    snprintf(buf, size,
             "Drift chat rule 1: email given in chat at %s, joined session "
             "%s [%s, %s)",
             at, ses, start, end);
    break;
  case SM_WHY_CHAT_BY_EMAIL:
    snprintf(buf, size,
             "Drift chat rule 1: email given in chat at %s without a "
             "BizibleId, joined session %s [%s, %s) of the visitor who gave "
             "this email on a form",
             at, ses, start, end);
    break;
  case SM_WHY_CHAT_NO_SESSION: chat_no_session(r, at, buf, size); break;
  case SM_WHY_CRM_ACTIVITY:
    snprintf(buf, size,
             "CRM touchpoint rule: a Salesforce Task makes a CRM "
             "Activity, without web data");
    break;
  case SM_WHY_CRM_CAMPAIGN:
    snprintf(buf, size,
             "CRM touchpoint rule: a CampaignMember makes a CRM "
             "Campaign, without web data");
    break;
  }
}
