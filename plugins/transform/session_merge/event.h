/*
 * event.h - one input event of session_merge (docs/events.md), checked.
 *
 * An sm_event holds a reference to its record and borrows every string
 * from it, so an event costs one small struct while it waits for the
 * watermark.  The event is read through the record's value index
 * (touchflow/value.h): no jansson tree is built.  Next to each string it
 * keeps the tf_value it came from, so that a touchpoint can copy the value
 * as its text stands (tf_builder_value) instead of escaping it again.
 */
#ifndef SM_EVENT_H
#define SM_EVENT_H

#include <stdint.h>
#include <touchflow/record.h>
#include <touchflow/value.h>

/* Kinds in the order events of the same time are handled: a hit at the
 * moment of a call is part of the call's session, and a form fill at the
 * moment of a chat is known when the chat looks for its email. */
typedef enum sm_kind {
  SM_HIT = 0,
  SM_CALL = 1,
  SM_CHAT = 2,
  SM_CRM_ACTIVITY,
  SM_CRM_CAMPAIGN,
  SM_PERSON
} sm_kind;

typedef struct sm_event {
  sm_kind kind;
  int64_t ts;                /* event time, epoch ms */
  tf_record *rec;            /* the caller's reference (see sm_event_read) */
  const char *biz_uid;       /* NULL when null, absent or "" */
  const char *email;         /* NULL when null, absent or "" */
  const char *origin;        /* never NULL (except for persons) */
  const char *srid;          /* source_record_id; never NULL (ditto) */
  int form;                  /* hit: a form submit */
  const char *url;           /* hit: never NULL */
  const char *referrer;      /* hit: or NULL */
  const char *form_url;      /* hit: or NULL (then url for form submits) */
  const char *call_type;     /* call: "" when the Task had none */
  const char *activity_type; /* crm_activity: or NULL */
  const char *campaign_id;   /* crm_campaign: never NULL */
  /* The values the strings above were read from (NULL when the string is
   * NULL or a default, such as call_type "" for an absent one). */
  const tf_value *v_biz_uid, *v_email, *v_origin, *v_srid, *v_url, *v_referrer,
      *v_form_url, *v_call_type, *v_activity_type, *v_campaign_id;
} sm_event;

/* Why a record is not a usable event: a dead-letter code and a message. */
typedef struct sm_problem {
  const char *code;
  char message[256];
} sm_problem;

/* Reads rec into ev.  ev->rec is set to rec, borrowed: a caller that keeps
 * the event takes a reference.  Returns 0, or -1 with why filled in. */
int sm_event_read(tf_record *rec, sm_event *ev, sm_problem *why);

/* The order in which events are handled: time, then kind, then
 * source_record_id and the hit's URLs, so that the result never depends on
 * arrival order.  <0, 0 or >0 like strcmp. */
int sm_event_compare(const sm_event *a, const sm_event *b);

#endif
