/*
 * resolve.c - the attribution rules of docs/attribution-rules.md, applied to
 * one step of one visitor: a hit extends its session or starts a new one, a
 * form fill is a Web Form, a call merges into the session that contains it or
 * becomes a CRM Activity, a chat joins the session it happened in, a
 * closed session without a conversion is a Web Visit, and CRM events are
 * CRM touchpoints.
 *
 * Steps come in global event-time order (merge.c), so when an event is
 * handled every hit up to its time has been handled, and a visitor's open
 * session is the one running at that time.  Because a session's end is
 * due before any later event of its visitor, an open session always
 * contains the time of the event being handled.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "channel.h"
#include "merge_internal.h"
#include "signals.h"
#include "touchpoint.h"

#define SOURCE_CRM_ACTIVITY "CRM Activity"
#define SOURCE_CRM_CAMPAIGN "CRM Campaign"

/* Builds the touchpoint (derived from `from`) into the outbox. */
static int queue(sm_merge *m, const sm_tp *tp, const tf_record *from,
                 sm_counter counter)
{
  char id[SM_TP_ID_SIZE];
  tf_record *rec;

  sm_tp_id(tp, id);
  rec = sm_touchpoint_new(m->builder, tp, id, from);
  if (!rec)
    return TF_ERR_NOMEM;
  m->counts[counter]++;
  return sm_outbox_add(&m->out, rec, tp->ts, id);
}

/* The fields every touchpoint of an event takes from it. */
static void start_tp(sm_tp *tp, const char *type, const sm_event *ev)
{
  memset(tp, 0, sizeof(*tp));
  tp->type = type;
  tp->ts = ev->ts;
  tp->biz_uid = ev->biz_uid;
  tp->v_biz_uid = ev->v_biz_uid;
  tp->email = ev->email;
  tp->v_email = ev->v_email;
  tp->origin = ev->origin;
  tp->v_origin = ev->v_origin;
  tp->srid = ev->srid;
  tp->v_srid = ev->v_srid;
}

/* A touchpoint with no web data (docs/attribution-rules.md#crm-touchpoints). */
static void set_no_web(sm_tp *tp, const char *source, const char *medium)
{
  tp->channel = SM_OTHER;
  tp->source = source;
  tp->medium = medium;
}

int sm_resolve_crm(sm_merge *m, const sm_event *ev)
{
  sm_reason why = {.why = SM_WHY_CRM_ACTIVITY, .at = ev->ts};
  sm_tp tp;

  if (ev->kind == SM_CRM_ACTIVITY) {
    start_tp(&tp, SM_TYPE_CRM_ACTIVITY, ev);
    tp.reason = &why;
    set_no_web(&tp, SOURCE_CRM_ACTIVITY, ev->activity_type);
    tp.v_medium = ev->v_activity_type;
    return queue(m, &tp, ev->rec, SM_N_CRM_ACTIVITIES);
  }
  start_tp(&tp, SM_TYPE_CRM_CAMPAIGN, ev);
  why.why = SM_WHY_CRM_CAMPAIGN;
  tp.reason = &why;
  set_no_web(&tp, SOURCE_CRM_CAMPAIGN, NULL);
  tp.campaign = ev->campaign_id;
  tp.v_campaign = ev->v_campaign_id;
  return queue(m, &tp, ev->rec, SM_N_CRM_CAMPAIGNS);
}

/* A reason about session s at time at. */
static void session_reason(sm_reason *r, sm_why why, int64_t at,
                           const sm_session *s, int64_t timeout)
{
  memset(r, 0, sizeof(*r));
  r->why = why;
  r->at = at;
  r->session_id = s->web.session_id;
  r->start = s->first_ts;
  r->end = sm_session_end(s, timeout);
}

/* A session with no conversion: one Web Visit dated at its first hit,
 * with the first hit's email, origin and source_record_id. */
static int queue_web_visit(sm_merge *m, const sm_session *s)
{
  sm_reason why;
  sm_tp tp;

  start_tp(&tp, SM_TYPE_WEB_VISIT, &s->first_hit);
  tp.ts = s->first_ts;
  tp.biz_uid = s->biz_uid;
  tp.v_biz_uid = s->first_hit.v_biz_uid;
  sm_tp_set_web(&tp, &s->web);
  session_reason(&why, SM_WHY_WEB_VISIT, tp.ts, s, m->set.timeout);
  tp.reason = &why;
  return queue(m, &tp, s->first, SM_N_WEB_VISITS);
}

int sm_resolve_close(sm_merge *m, sm_visitor *v)
{
  sm_session *s = v->session;
  size_t i;
  int rc = TF_OK;

  v->session = NULL;
  m->open_sessions--;
  m->counts[SM_N_SESSIONS]++;
  for (i = 0; i < s->nemails; i++)
    sm_emails_remove(m->emails, s->emails[i].email, v);
  if (!s->converted && m->set.emit_web_visits)
    rc = queue_web_visit(m, s);
  if (m->nspare_sessions < SM_SPARE_SESSIONS) {
    sm_session_release(s);
    m->spare_sessions[m->nspare_sessions++] = s;
  } else {
    sm_session_free(s);
  }
  return rc;
}

/* A session for hit: a spare one when cls fits it, else a new one. */
static int open_session(sm_merge *m, sm_visitor *v, const sm_event *hit,
                        const sm_class *cls)
{
  int rc = TF_OK;

  if (m->nspare_sessions > 0 &&
      sm_session_reuse(m->spare_sessions[m->nspare_sessions - 1], hit, cls))
    v->session = m->spare_sessions[--m->nspare_sessions];
  else
    rc = sm_session_new(hit, cls, &v->session);
  if (rc == TF_OK)
    m->open_sessions++;
  return rc;
}

/* Puts a hit in the running session, or ends that session and starts a
 * new one: with no running session, or for an arrival whose channel or
 * source differs from the session's.  A direct hit never starts one. */
static int place_hit(sm_merge *m, sm_visitor *v, const sm_event *hit,
                     const sm_signals *sig)
{
  sm_class cls;
  int rc = TF_OK;

  if (v->session && !sm_signals_arrival(sig)) {
    v->session->last_ts = hit->ts;
    return TF_OK;
  }
  sm_classify(m->set.rules, sig, &cls);
  if (v->session && sm_session_arrival_breaks(v->session, &cls))
    rc = sm_resolve_close(m, v);
  if (rc == TF_OK && !v->session)
    rc = open_session(m, v, hit, &cls);
  else if (rc == TF_OK)
    v->session->last_ts = hit->ts;
  return rc;
}

/* A form fill: a Web Form touchpoint carrying its session's web fields;
 * after a merged call of the same session it is a later touchpoint of the
 * converted journey (call rule 4). */
static int on_form(sm_merge *m, sm_visitor *v, const sm_event *hit)
{
  sm_session *s = v->session;
  sm_reason why;
  sm_tp tp;
  int rc;

  start_tp(&tp, SM_TYPE_WEB_FORM, hit);
  sm_tp_set_web(&tp, &s->web);
  tp.form_url = hit->form_url ? hit->form_url : hit->url;
  tp.v_form_url = hit->form_url ? hit->v_form_url : hit->v_url;
  tp.post_conversion = s->conversion_id != NULL;
  tp.conversion_id = s->conversion_id;
  session_reason(&why,
                 tp.post_conversion ? SM_WHY_FORM_AFTER_CALL : SM_WHY_FORM,
                 hit->ts, s, m->set.timeout);
  why.conversion_id = s->conversion_id;
  tp.reason = &why;
  if (tp.post_conversion)
    m->counts[SM_N_POST_CONVERSION_FORMS]++;
  s->converted = 1;
  rc = sm_session_note_form(s, hit->email, hit->ts);
  if (rc == TF_OK && hit->email)
    rc = sm_emails_add(m->emails, hit->email, v);
  if (rc == TF_OK)
    rc = queue(m, &tp, hit->rec, SM_N_WEB_FORMS);
  return rc;
}

static int on_hit(sm_merge *m, sm_visitor *v, const sm_event *hit)
{
  sm_signals sig;
  int rc = sm_signals_read(hit->url, hit->referrer, &sig);

  if (rc != TF_OK)
    return rc;
  rc = place_hit(m, v, hit, &sig);
  sm_signals_clear(&sig);
  if (rc == TF_OK && hit->form)
    rc = on_form(m, v, hit);
  return rc;
}

/* Call rule 3: no session contains the call time: a CRM Activity with no
 * web data, medium = the call's type. */
static int queue_unmerged_call(sm_merge *m, const sm_event *call)
{
  sm_reason why = {.why = SM_WHY_CALL_UNMERGED, .at = call->ts};
  sm_tp tp;

  start_tp(&tp, SM_TYPE_CRM_ACTIVITY, call);
  tp.reason = &why;
  set_no_web(&tp, SOURCE_CRM_ACTIVITY,
             *call->call_type ? call->call_type : NULL);
  tp.v_medium = *call->call_type ? call->v_call_type : NULL;
  return queue(m, &tp, call->rec, SM_N_CALLS_WITHOUT_SESSION);
}

/* Call rule 2: the open session contains the call time: one touchpoint
 * dated at the call, type and medium from the call's type (type Web Visit
 * when empty), every other field from the session.  The session is
 * converted; its first merged call is the conversion later form fills
 * refer to. */
static int on_call(sm_merge *m, sm_visitor *v, const sm_event *call)
{
  sm_session *s = v->session;
  char id[SM_TP_ID_SIZE];
  sm_reason why;
  sm_tp tp;

  if (!s)
    return queue_unmerged_call(m, call);
  start_tp(&tp, *call->call_type ? call->call_type : SM_TYPE_WEB_VISIT, call);
  sm_tp_set_web(&tp, &s->web);
  session_reason(&why, SM_WHY_CALL_MERGED, call->ts, s, m->set.timeout);
  tp.reason = &why;
  if (*call->call_type) {
    tp.medium = call->call_type;
    tp.v_medium = call->v_call_type;
  }
  s->converted = 1;
  if (!s->conversion_id) {
    sm_tp_id(&tp, id);
    s->conversion_id = strdup(id);
    if (!s->conversion_id)
      return TF_ERR_NOMEM;
  }
  return queue(m, &tp, call->rec, SM_N_CALLS_MERGED);
}

/* A chat with an email: a Web Chat in the session running at the chat
 * moment (its visitor's; for a chat without a BizibleId, the session of
 * the visitor who gave the same email on a form), else a Web Chat with no
 * session data. */
static int on_chat(sm_merge *m, sm_visitor *v, const sm_event *chat)
{
  sm_visitor *owner = v->session ? v : NULL;
  sm_reason why = {.why = SM_WHY_CHAT_NO_SESSION, .at = chat->ts};
  sm_tp tp;

  if (!owner && !chat->biz_uid)
    owner = sm_emails_find(m->emails, chat->email, chat->ts, m->set.timeout);
  start_tp(&tp, SM_TYPE_WEB_CHAT, chat);
  tp.reason = &why;
  why.has_biz_uid = chat->biz_uid != NULL;
  if (!owner) {
    tp.channel = SM_OTHER;
    m->counts[SM_N_CHATS_WITHOUT_SESSION]++;
    return queue(m, &tp, chat->rec, SM_N_WEB_CHATS);
  }
  sm_tp_set_web(&tp, &owner->session->web);
  session_reason(&why, owner == v ? SM_WHY_CHAT_SESSION : SM_WHY_CHAT_BY_EMAIL,
                 chat->ts, owner->session, m->set.timeout);
  tp.biz_uid = owner->biz_uid;
  tp.v_biz_uid = NULL;
  owner->session->converted = 1;
  if (owner != v)
    m->counts[SM_N_CHATS_JOINED_BY_EMAIL]++;
  return queue(m, &tp, chat->rec, SM_N_WEB_CHATS);
}

int sm_resolve_step(sm_merge *m, sm_visitor *v)
{
  sm_event ev;
  int rc = TF_OK;

  if (v->due_rank == SM_RANK_CLOSE)
    return sm_resolve_close(m, v);
  sm_visitor_pop(v, &ev);
  m->waiting--;
  if (ev.kind == SM_HIT)
    rc = on_hit(m, v, &ev);
  else if (ev.kind == SM_CALL)
    rc = on_call(m, v, &ev);
  else if (ev.kind == SM_CHAT)
    rc = on_chat(m, v, &ev);
  tf_record_unref(ev.rec);
  return rc;
}
