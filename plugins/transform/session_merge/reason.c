/*
 * reason.c - the sentences of reason.h, one per rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <touchflow/host.h>
#include "reason.h"

#define DAY_MS 86400000LL

static int64_t day_of(int64_t ms)
{
  return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

/* Writes v as two digits at p (0 <= v < 100). */
static char *two_digits(char *p, int v)
{
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
  return p + 2;
}

/* Writes "YYYY-MM-DD " for the day `day` (days since the epoch) at p, as
 * snprintf("%04d-%02d-%02d ") did (buf holds 32 bytes).  The year is
 * written by hand when it has four digits, by snprintf otherwise.  Returns
 * the end, or p when gmtime_r cannot place the day. */
static char *date_of(int64_t day, char *p, size_t size)
{
  time_t secs = (time_t)(day * 86400);
  struct tm tm;
  int year, n;

  if (!gmtime_r(&secs, &tm))
    return p;
  year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) {
    n = snprintf(p, size, "%04d-%02d-%02d ", year, tm.tm_mon + 1, tm.tm_mday);
    return n < 0 || (size_t)n >= size ? p : p + n;
  }
  p = two_digits(p, year / 100);
  p = two_digits(p, year % 100);
  *p++ = '-';
  p = two_digits(p, tm.tm_mon + 1);
  *p++ = '-';
  p = two_digits(p, tm.tm_mday);
  *p++ = ' ';
  return p;
}

/* ms as "HH:MM" or "HH:MM:SS", with "YYYY-MM-DD " in front when its day
 * is not the day of ref.  buf holds at least 32 bytes.  Written digit by
 * digit: snprintf took 4 % of a session_merge run's instructions here. */
static void clock_of(int64_t ms, int64_t ref, char *buf, size_t size)
{
  int64_t day = day_of(ms);
  int in_day = (int)((ms - day * DAY_MS) / 1000);
  char *p = buf;

  if (day != day_of(ref))
    p = date_of(day, p, size);
  p = two_digits(p, in_day / 3600);
  *p++ = ':';
  p = two_digits(p, in_day / 60 % 60);
  if (in_day % 60) {
    *p++ = ':';
    p = two_digits(p, in_day % 60);
  }
  *p = '\0';
}

/* snprintf for formats whose only conversion is %s (the sentences below),
 * without stdio's cost: the text is cut at size - 1 bytes the same way. */
static void fill(char *buf, size_t size, const char *fmt, ...) TF_PRINTF(3, 4);

/* Appends n bytes of s at *p, no further than last; returns 0 when cut. */
static int append(char **p, char *last, const char *s, size_t n)
{
  size_t room = (size_t)(last - *p);

  if (n > room)
    n = room;
  memcpy(*p, s, n);
  *p += n;
  return *p < last;
}

static void fill(char *buf, size_t size, const char *fmt, ...)
{
  char *p = buf, *last = buf + size - 1;
  const char *mark;
  va_list ap;
  int room = 1;

  va_start(ap, fmt);
  while (room && (mark = strstr(fmt, "%s")) != NULL) {
    const char *arg = va_arg(ap, const char *);

    room = append(&p, last, fmt, (size_t)(mark - fmt)) &&
           append(&p, last, arg, strlen(arg));
    fmt = mark + 2;
  }
  if (room)
    append(&p, last, fmt, strlen(fmt));
  va_end(ap);
  *p = '\0';
}

static void chat_no_session(const sm_reason *r, const char *at, char *buf,
                            size_t size)
{
  if (r->has_biz_uid)
    fill(buf, size,
         "Drift chat rule 1: email given in chat at %s; no session of "
         "this BizibleId contains it: Web Chat without web data",
         at);
  else
    fill(buf, size,
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
    fill(buf, size,
         "web session rule: session %s [%s, %s) had no form fill, chat "
         "or call: one Web Visit at its first hit",
         ses, start, end);
    break;
  case SM_WHY_FORM:
    fill(buf, size,
         "web session rule: form fill at %s in session %s (from %s): a "
         "conversion",
         at, ses, start);
    break;
  case SM_WHY_FORM_AFTER_CALL:
    fill(buf, size,
         "call rule 4: form fill at %s after the call %s in session %s: "
         "a later step of the journey, not a second conversion",
         at, r->conversion_id ? r->conversion_id : "?", ses);
    break;
  case SM_WHY_CALL_MERGED:
    fill(buf, size, "call rule 2: merged into session %s [%s, %s)", ses, start,
         end);
    break;
  case SM_WHY_CALL_UNMERGED:
    fill(buf, size,
         "call rule 3: no session of this BizibleId contains %s: a "
         "separate CRM Activity without web data",
         at);
    break;
  case SM_WHY_CHAT_SESSION:
    fill(buf, size,
         "Drift chat rule 1: email given in chat at %s, joined session "
         "%s [%s, %s)",
         at, ses, start, end);
    break;
  case SM_WHY_CHAT_BY_EMAIL:
    fill(buf, size,
         "Drift chat rule 1: email given in chat at %s without a "
         "BizibleId, joined session %s [%s, %s) of the visitor who gave "
         "this email on a form",
         at, ses, start, end);
    break;
  case SM_WHY_CHAT_NO_SESSION: chat_no_session(r, at, buf, size); break;
  case SM_WHY_CRM_ACTIVITY:
    fill(buf, size,
         "CRM touchpoint rule: a Salesforce Task makes a CRM "
         "Activity, without web data");
    break;
  case SM_WHY_CRM_CAMPAIGN:
    fill(buf, size,
         "CRM touchpoint rule: a CampaignMember makes a CRM "
         "Campaign, without web data");
    break;
  }
}
