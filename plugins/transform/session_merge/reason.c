/*
 * reason.c - the sentences of reason.h, one per rule.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
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
 * is not the day of ref; returns its length.  buf holds at least 32
 * bytes.  Written digit by
 * digit: snprintf took 4 % of a session_merge run's instructions here. */
static size_t clock_of(int64_t ms, int64_t ref, char *buf, size_t size)
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
  return (size_t)(p - buf);
}

/* A sentence being written into a buffer, cut where the buffer ends
 * (last: the byte kept for the NUL), as snprintf would cut it. */
typedef struct text {
  char *p;
  char *last;
} text;

/* Appends n bytes of s. */
static void add(text *t, const char *s, size_t n)
{
  size_t room = (size_t)(t->last - t->p);

  if (n > room)
    n = room;
  memcpy(t->p, s, n);
  t->p += n;
}

/* Appends a string literal, its length counted by the compiler. */
#define ADD(t, literal) add((t), "" literal "", sizeof(literal) - 1)

static void add_string(text *t, const char *s)
{
  add(t, s, strlen(s));
}

/* Appends the clock of ms (see clock_of) in the sentence of r. */
static void add_clock(text *t, int64_t ms, const sm_reason *r)
{
  char buf[32];

  add(t, buf, clock_of(ms, r->at, buf, sizeof(buf)));
}

/* Appends " [start, end)", the window of r's session. */
static void add_window(text *t, const sm_reason *r)
{
  ADD(t, " [");
  add_clock(t, r->start, r);
  ADD(t, ", ");
  add_clock(t, r->end, r);
  ADD(t, ")");
}

static void chat_no_session(text *t, const sm_reason *r)
{
  ADD(t, "Drift chat rule 1: email given in chat at ");
  add_clock(t, r->at, r);
  if (r->has_biz_uid)
    ADD(t, "; no session of this BizibleId contains it: Web Chat without "
           "web data");
  else
    ADD(t, "; no BizibleId, and no form fill with this email in a session "
           "running then: Web Chat without web data");
}

/* The sentences of the rules that name a session. */
static void session_sentence(text *t, const sm_reason *r, const char *ses)
{
  switch (r->why) {
  case SM_WHY_WEB_VISIT:
    ADD(t, "web session rule: session ");
    add_string(t, ses);
    add_window(t, r);
    ADD(t, " had no form fill, chat or call: one Web Visit at its first "
           "hit");
    break;
  case SM_WHY_FORM:
    ADD(t, "web session rule: form fill at ");
    add_clock(t, r->at, r);
    ADD(t, " in session ");
    add_string(t, ses);
    ADD(t, " (from ");
    add_clock(t, r->start, r);
    ADD(t, "): a conversion");
    break;
  case SM_WHY_FORM_AFTER_CALL:
    ADD(t, "call rule 4: form fill at ");
    add_clock(t, r->at, r);
    ADD(t, " after the call ");
    add_string(t, r->conversion_id ? r->conversion_id : "?");
    ADD(t, " in session ");
    add_string(t, ses);
    ADD(t, ": a later step of the journey, not a second conversion");
    break;
  case SM_WHY_CALL_MERGED:
    ADD(t, "call rule 2: merged into session ");
    add_string(t, ses);
    add_window(t, r);
    break;
  case SM_WHY_CHAT_SESSION:
    ADD(t, "Drift chat rule 1: email given in chat at ");
    add_clock(t, r->at, r);
    ADD(t, ", joined session ");
    add_string(t, ses);
    add_window(t, r);
    break;
  case SM_WHY_CHAT_BY_EMAIL:
    ADD(t, "Drift chat rule 1: email given in chat at ");
    add_clock(t, r->at, r);
    ADD(t, " without a BizibleId, joined session ");
    add_string(t, ses);
    add_window(t, r);
    ADD(t, " of the visitor who gave this email on a form");
    break;
  default: break;
  }
}

size_t sm_reason_format(const sm_reason *r, char *buf, size_t size)
{
  text t = {buf, buf + size - 1};

  switch (r->why) {
  case SM_WHY_CALL_UNMERGED:
    ADD(&t, "call rule 3: no session of this BizibleId contains ");
    add_clock(&t, r->at, r);
    ADD(&t, ": a separate CRM Activity without web data");
    break;
  case SM_WHY_CHAT_NO_SESSION: chat_no_session(&t, r); break;
  case SM_WHY_CRM_ACTIVITY:
    ADD(&t, "CRM touchpoint rule: a Salesforce Task makes a CRM Activity, "
            "without web data");
    break;
  case SM_WHY_CRM_CAMPAIGN:
    ADD(&t, "CRM touchpoint rule: a CampaignMember makes a CRM Campaign, "
            "without web data");
    break;
  default: session_sentence(&t, r, r->session_id ? r->session_id : "?"); break;
  }
  *t.p = '\0';
  return (size_t)(t.p - buf);
}
