/*
 * explain_print.c - the journey `touchflow explain` prints: what the
 * visitor did, in time order, each step followed by what touchflow made of
 * it (the touchpoint and its reason); then the sessions, the records
 * rejected and the revenue credited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/time.h>

#include "explain.h"

static const char *str(const json_t *obj, const char *key)
{
  return json_string_value(json_object_get(obj, key));
}

static const char *text_or(const char *s, const char *dflt)
{
  return s && *s ? s : dflt;
}

/* The time of a record (ts_ms, ts or date) in ms; 0 when it has none. */
static int64_t when(const json_t *rec)
{
  const json_t *ms = json_object_get(rec, "ts_ms");
  const char *t = text_or(str(rec, "ts"), str(rec, "date"));
  int64_t v = 0;

  if (json_is_integer(ms))
    return json_integer_value(ms);
  if (t && tf_time_parse(t, &v) == 0)
    return v;
  return 0;
}

/* "2026-03-03 12:17:00" */
static void clock_text(int64_t ms, char *buf, size_t size)
{
  char iso[TF_TIME_ISO_LEN];

  tf_time_format(ms, iso, sizeof(iso));
  snprintf(buf, size, "%.10s %.8s", iso, iso + 11);
}

/* How an event other than a hit is told: before, its first field (none1
 * when empty), between, its second field (none2), after. */
typedef struct event_words {
  const char *event, *before, *first, *none1, *between, *second, *none2, *after;
} event_words;

static const event_words words[] = {
    {"call", "phone call ", "source_record_id", "?", " (type \"", "call_type",
     "", "\")"},
    {"chat", "Drift chat ", "source_record_id", "?",
     ": the visitor gave the email ", "email", "?", ""},
    {"crm_activity", "CRM Task ", "source_record_id", "?", " (",
     "activity_type", "no type", ")"},
    {"crm_campaign", "CRM campaign member ", "source_record_id", "?",
     " of campaign ", "campaign_id", "?", ""},
    {"person", "CRM person (Lead or Contact) ", "source_record_id", "?",
     ", email ", "email", "none", ""},
};

static const event_words *words_of(const char *event)
{
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (strcmp(words[i].event, event) == 0)
      return &words[i];
  return NULL;
}

/* One step of the visitor, in words. */
static void say_event(const json_t *item, FILE *out)
{
  const json_t *r = json_object_get(item, "record");
  const char *ev = text_or(str(r, "event"), "record");
  const event_words *w;

  if (strcmp(ev, "hit") == 0 && text_or(str(r, "hit_type"), "")[0] == 'f')
    fprintf(out, "form fill on %s (email %s)",
            text_or(str(r, "form_url"), text_or(str(r, "url"), "?")),
            text_or(str(r, "email"), "none"));
  else if (strcmp(ev, "hit") == 0)
    fprintf(out, "page view %s%s%s", text_or(str(r, "url"), "?"),
            str(r, "referrer") ? ", coming from " : "",
            text_or(str(r, "referrer"), ""));
  else if ((w = words_of(ev)) != NULL)
    fprintf(out, "%s%s%s%s%s", w->before, text_or(str(r, w->first), w->none1),
            w->between, text_or(str(r, w->second), w->none2), w->after);
  else
    fprintf(out, "%s %s", ev,
            text_or(str(r, "url"), text_or(str(r, "source_record_id"), "")));
  fprintf(out, "\n%21s[%s, %s]\n", "", str(item, "stage"),
          text_or(str(item, "input"), "input unknown"));
}

/* The latest page view or form fill of biz before t, or -1. */
static int64_t last_hit_before(const tf__explain *e, const char *biz, int64_t t)
{
  int64_t best = -1;
  size_t i;

  for (i = 0; biz && i < json_array_size(e->events); i++) {
    const json_t *r = json_object_get(json_array_get(e->events, i), "record");
    const char *ev = str(r, "event"), *b = str(r, "biz_uid");
    int64_t at = when(r);

    if (ev && strcmp(ev, "hit") == 0 && b && strcasecmp(b, biz) == 0 &&
        at < t && at > best)
      best = at;
  }
  return best;
}

/* Call rule 3 in the visitor's own terms: when the session before the
 * call ended (its last hit + the timeout, since no session holds the call). */
static void say_nearest(const tf__explain *e, const json_t *tp,
                        long long timeout, FILE *out)
{
  int64_t t = when(tp), last = last_hit_before(e, str(tp, "biz_uid"), t);
  char hit[32], end[32];

  if (last < 0) {
    fprintf(out, "%21sno page view of this BizibleId came before the call\n",
            "");
    return;
  }
  clock_text(last, hit, sizeof(hit));
  clock_text(last + timeout, end, sizeof(end));
  fprintf(out,
          "%21sthe visitor's last page view before it was at %s, %lld "
          "minutes before the call;\n%21sits session ended %lld minutes "
          "after that hit, at %s\n",
          "", hit + 11, (long long)((t - last) / 60000), "", timeout / 60000,
          end + 11);
}

static void say_touchpoint(const tf__explain *e, const json_t *tp,
                           long long timeout, FILE *out)
{
  const char *reason = text_or(str(tp, "reason"), "(no reason given)");

  fprintf(out, "%21s=> %s touchpoint %s, channel %s, source %s", "",
          text_or(str(tp, "type"), "?"), text_or(str(tp, "touchpoint_id"), "?"),
          text_or(str(tp, "channel"), "?"), text_or(str(tp, "source"), "none"));
  if (str(tp, "campaign"))
    fprintf(out, ", campaign %s", str(tp, "campaign"));
  fprintf(out, "\n%21s   why: %s\n", "", reason);
  if (strncmp(reason, "call rule 3:", 12) == 0)
    say_nearest(e, tp, timeout, out);
}

static int by_time(const void *a, const void *b)
{
  const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  int64_t tx = json_integer_value(json_object_get(x, "at"));
  int64_t ty = json_integer_value(json_object_get(y, "at"));
  int64_t kx = json_integer_value(json_object_get(x, "kind"));
  int64_t ky = json_integer_value(json_object_get(y, "kind"));

  if (tx != ty)
    return tx < ty ? -1 : 1;
  if (kx != ky)
    return kx < ky ? -1 : 1;
  return json_integer_value(json_object_get(x, "n")) <
                 json_integer_value(json_object_get(y, "n"))
             ? -1
             : 1;
}

/* The touchpoints the sinks got, once each (several sinks may read one
 * stage). */
static json_t *touchpoints(const tf__explain *e)
{
  json_t *seen = json_object(), *out = json_array();
  size_t i;

  for (i = 0; i < json_array_size(e->outputs); i++) {
    json_t *r = json_object_get(json_array_get(e->outputs, i), "record");
    const char *id = str(r, "touchpoint_id");

    if (!id || str(r, "model") || json_object_get(seen, id))
      continue;
    json_object_set_new(seen, id, json_true());
    json_array_append(out, r);
  }
  json_decref(seen);
  return out;
}

/* kind 0: a record of the inputs ({"record": ...}); 1: a touchpoint. */
static void add_step(json_t *steps, json_t *what, int kind)
{
  const json_t *rec = kind == 0 ? json_object_get(what, "record") : what;

  json_array_append_new(
      steps,
      json_pack("{s:I, s:i, s:I, s:O}", "at", (json_int_t)when(rec), "kind",
                kind, "n", (json_int_t)json_array_size(steps), "what", what));
}

static void print_steps(const tf__explain *e, const json_t *tps,
                        long long timeout, FILE *out)
{
  json_t *steps = json_array();
  size_t i, n;
  json_t **v;
  char at[32];

  for (i = 0; i < json_array_size(e->events); i++) {
    const char *ev =
        str(json_object_get(json_array_get(e->events, i), "record"), "event");

    if (!ev || (strcmp(ev, "opportunity") && strcmp(ev, "opportunity_contact")))
      add_step(steps, json_array_get(e->events, i), 0);
  }
  for (i = 0; i < json_array_size(tps); i++)
    add_step(steps, json_array_get(tps, i), 1);
  n = json_array_size(steps);
  v = calloc(n ? n : 1, sizeof(*v));
  for (i = 0; v && i < n; i++)
    v[i] = json_array_get(steps, i);
  if (v)
    qsort(v, n, sizeof(*v), by_time);
  fprintf(out, "\nWhat happened, in time order (UTC):\n");
  if (n == 0)
    fprintf(out, "  no record of the inputs got through: see the records "
                 "rejected below\n");
  for (i = 0; v && i < n; i++) {
    const json_t *what = json_object_get(v[i], "what");

    clock_text(json_integer_value(json_object_get(v[i], "at")), at, sizeof(at));
    if (json_integer_value(json_object_get(v[i], "kind")) == 0) {
      fprintf(out, "  %s  ", at);
      say_event(what, out);
    } else
      say_touchpoint(e, what, timeout, out);
  }
  free(v);
  json_decref(steps);
}

static void print_sessions(const json_t *tps, long long timeout, FILE *out)
{
  json_t *seen = json_object();
  size_t i;

  fprintf(out,
          "\nWeb sessions (a session is the hits of one BizibleId with no "
          "%lld-minute gap; its\nchannel comes from its first hit):\n",
          timeout / 60000);
  for (i = 0; i < json_array_size(tps); i++) {
    const json_t *tp = json_array_get(tps, i);
    const char *ses = str(tp, "session_id");

    if (!ses || json_object_get(seen, ses))
      continue;
    json_object_set_new(seen, ses, json_true());
    fprintf(out,
            "  %s: channel %s, source %s, medium %s, campaign %s\n%4s"
            "landing page %s\n",
            ses, text_or(str(tp, "channel"), "?"),
            text_or(str(tp, "source"), "none"),
            text_or(str(tp, "medium"), "none"),
            text_or(str(tp, "campaign"), "none"), "",
            text_or(str(tp, "landing_page"), "none"));
  }
  if (json_object_size(seen) == 0)
    fprintf(out, "  none\n");
  json_decref(seen);
}

static void print_dead(const json_t *dead, FILE *out)
{
  size_t i;

  fprintf(out, "\nRecords rejected (dead letters), with why:\n");
  for (i = 0; i < json_array_size(dead); i++) {
    const json_t *d = json_array_get(dead, i);

    fprintf(out, "  %s (stage %s, code %s):\n    %s\n",
            text_or(str(d, "input"), "input unknown"),
            text_or(str(d, "stage"), "?"), text_or(str(d, "code"), "?"),
            text_or(str(d, "message"), ""));
  }
  if (i == 0)
    fprintf(out, "  none\n");
}

static void print_credits(const tf__explain *e, FILE *out)
{
  size_t i, n = 0;

  for (i = 0; i < json_array_size(e->outputs); i++) {
    const json_t *c = json_object_get(json_array_get(e->outputs, i), "record");
    const json_t *ms = json_object_get(c, "milestones");
    char at[32], marks[64] = "";
    size_t k;

    if (!str(c, "model"))
      continue;
    if (n++ == 0)
      fprintf(out, "\nRevenue credited to these touchpoints (attribution; "
                   "computed from this visitor's\ntouchpoints only):\n");
    for (k = 0; k < json_array_size(ms); k++)
      snprintf(marks + strlen(marks), sizeof(marks) - strlen(marks), "%s%s",
               k ? "+" : "", json_string_value(json_array_get(ms, k)));
    clock_text(when(c), at, sizeof(at));
    fprintf(
        out, "  opportunity %s (%s): model %s: %s %s, %s %s on %s %s (%s)\n",
        text_or(str(c, "opportunity_id"), "?"), text_or(str(c, "stage"), "?"),
        str(c, "model"), text_or(str(c, "amount"), "?"),
        text_or(str(c, "currency"), ""),
        text_or(str(c, "touchpoint_type"), "?"), at,
        text_or(str(c, "channel"), "?"), text_or(str(c, "touchpoint_id"), "?"),
        *marks ? marks : "no milestone");
  }
}

/* Drift chat rule 1 leaves no trace of a conversation without an email:
 * say so when the journey has no chat. */
static void print_chat_note(const tf__explain *e, const json_t *tps, FILE *out)
{
  for (size_t i = 0; i < json_array_size(tps); i++)
    if (strcmp(text_or(str(json_array_get(tps, i), "type"), ""), "Web Chat") ==
        0)
      return;
  if (!e->has_chat_source || e->biz.n + e->emails.n == 0)
    return;
  fprintf(out,
          "\nNo chat: a Drift conversation makes a Web Chat touchpoint only "
          "at the moment the\nvisitor gives an email in it (Drift chat rule "
          "1).  A conversation where no email\nwas given makes none and is "
          "not in this journey (the drift source counts them\nas "
          "conversations_without_email in the run summary).\n");
}

void tf__explain_print(const tf__explain *e, const json_t *dead,
                       long long timeout, FILE *out)
{
  json_t *tps = touchpoints(e);
  size_t i;

  fprintf(out, "Journey of");
  for (i = 0; i < e->biz.n; i++)
    fprintf(out, " BizibleId %s%s", e->biz.s[i],
            i + 1 < e->biz.n || e->emails.n ? "," : "");
  for (i = 0; i < e->emails.n; i++)
    fprintf(out, " email %s%s", e->emails.s[i], i + 1 < e->emails.n ? "," : "");
  if (e->biz.n + e->emails.n == 0)
    fprintf(out, " the record asked for (it names no visitor)");
  fprintf(out,
          "\n%zu record%s of the inputs, %zu touchpoint%s, %zu dead "
          "letter%s\n",
          json_array_size(e->events),
          json_array_size(e->events) == 1 ? "" : "s", json_array_size(tps),
          json_array_size(tps) == 1 ? "" : "s", json_array_size(dead),
          json_array_size(dead) == 1 ? "" : "s");
  print_steps(e, tps, timeout, out);
  print_sessions(tps, timeout, out);
  print_dead(dead, out);
  print_credits(e, out);
  print_chat_note(e, tps, out);
  json_decref(tps);
}
