#!/usr/bin/env python3
"""Generates the attribution demo's sample data in each vendor's real format.

Fixed seed: the same files on every run.  Written into data/attribution/:
  hits.ndjson.gz         Marketo Measure web hits (page views, form submits)
  tasks.csv              call-tracking Tasks, a Salesforce Bulk API 2.0 export
  ctm_calls.ndjson       CallTrackingMetrics call records
  drift.ndjson           Drift conversations (REST shape) and webhook events
  crm_tasks.csv          other Salesforce Tasks (CRM Activity candidates)
  campaign_members.csv   Salesforce CampaignMembers (CRM Campaign candidates)
  leads.csv              Salesforce Leads (people)

Every rule of ../../docs (DOMAIN.md) occurs at least once; SCENARIOS.md
beside this script names the record that shows each rule.
Usage: python3 generate.py [OUTDIR]
"""
import datetime as dt
import gzip
import json
import os
import random
import sys

SEED = 20261122
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "attribution")
BASE = dt.datetime(2026, 3, 2, 8, 0, 0, tzinfo=dt.timezone.utc)
D = dt.datetime(2026, 3, 4, tzinfo=dt.timezone.utc)  # chat integration on
SITE = "https://www.acme-analytics.com"
PAGES = ["/", "/pricing", "/product", "/demo", "/blog/attribution-101",
         "/customers", "/contact"]
CHAT_CAMPAIGN = "7015e000000DriftAAA"
WEBINAR_CAMPAIGN = "7015e000000WebinAAA"

rng = random.Random(SEED)

# How visitors arrive: (name, url query, referrer)
ARRIVALS = [
    ("google_cpc", "?utm_source=google&utm_medium=cpc&utm_campaign=brand-search-us&gclid=EAIaIQob", "https://www.google.com/"),
    ("linkedin_paid", "?utm_source=linkedin&utm_medium=paid_social&utm_campaign=cmo-webinar", "https://www.linkedin.com/"),
    ("linkedin_organic", "", "https://www.linkedin.com/feed/"),
    ("newsletter", "?utm_source=newsletter&utm_medium=email&utm_campaign=march-digest", None),
    ("google_organic", "", "https://www.google.com/"),
    ("bing_organic", "", "https://www.bing.com/"),
    ("partner_referral", "", "https://partner.example.org/tools"),
    ("display", "?utm_source=doubleclick&utm_medium=display&utm_campaign=retarget-q1", None),
    ("direct", "", None),
]


def iso(t, ms=False):
    if ms:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sf_datetime(t, form):
    """Salesforce datetime in one of the forms exports use."""
    if form == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if form == 1:
        return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if form == 2:
        return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(t):
    return int(t.timestamp() * 1000)


def uid():
    return "%032x" % rng.getrandbits(128)


def sf_id(prefix, n):
    return "%s5e00000%07dAAA" % (prefix, n)


class Visitor:
    def __init__(self, n):
        self.n = n
        self.uid = uid()
        self.email = "visitor%03d@%s" % (n, rng.choice(
            ["acme.io", "globex.com", "initech.net", "umbrella.org"]))
        self.first = rng.choice(["Ana", "Ben", "Chloe", "Dev", "Eva", "Femi",
                                 "Gus", "Hana", "Ivo", "Jun"])
        self.last = rng.choice(["Silva", "Okafor", "Berg", "Nair", "Kowal",
                                "Haddad", "Moreau", "Tan"])
        self.hits = []       # (time, url, referrer, event, email, form_url)
        self.sessions = []   # (first hit time, last hit time)


hits, tasks, ctm, drift, crm_tasks, members, leads = [], [], [], [], [], [], []
scenario = []


def add_hit(v, t, page, query="", referrer=None, event="page_view", email=None):
    url = SITE + page + query
    form_url = SITE + page if event == "form_submit" else None
    v.hits.append((t, url, referrer, event, email, form_url))


def add_session(v, start, arrival, n_pages, form=False, direct_middle=False):
    name, query, ref = arrival
    t = start
    add_hit(v, t, rng.choice(PAGES), query, ref)
    for i in range(1, n_pages):
        t += dt.timedelta(seconds=rng.randint(40, 9 * 60))
        add_hit(v, t, rng.choice(PAGES), "",
                SITE + "/" if not direct_middle or i != 1 else None)
    if form:
        t += dt.timedelta(seconds=rng.randint(30, 240))
        add_hit(v, t, "/demo", "", SITE + "/pricing", "form_submit", v.email)
    v.sessions.append((start, t))
    return t


def task_row(v, n, created, type_, with_uid=True, touch_date=None, note=""):
    tasks.append({
        "Id": sf_id("00T", n), "WhoId": sf_id("00Q", v.n), "WhatId": "",
        "Subject": "Inbound call from (617) 555-%04d" % rng.randint(0, 9999),
        "Type": type_, "Status": "Completed",
        "ActivityDate": created.strftime("%Y-%m-%d"),
        "CreatedDate": sf_datetime(created, n % 4),
        "CallType": "Inbound",
        "CallDurationInSeconds": str(rng.randint(30, 900)),
        "Description": note,
        "bizible2__BizibleId__c": v.uid if with_uid else "",
        "bizible2__Bizible_Touchpoint_Date__c":
            sf_datetime(touch_date, 0) if touch_date else "",
    })
    return sf_id("00T", n)


def build_visitors():
    visitors = [Visitor(i) for i in range(1, 161)]
    day = dt.timedelta(days=1)
    for v in visitors:
        t = BASE + dt.timedelta(minutes=rng.randint(0, 6 * 60),
                                days=rng.randint(0, 3))
        for s in range(rng.randint(1, 3)):
            arrival = rng.choice(ARRIVALS)
            end = add_session(v, t, arrival, rng.randint(1, 7),
                              form=rng.random() < 0.15,
                              direct_middle=rng.random() < 0.2)
            t = end + dt.timedelta(minutes=rng.randint(45, 600))
            if t > BASE + 5 * day:
                break
    return visitors


def special_cases(visitors):
    """The exact situations DOMAIN.md describes, each named in SCENARIOS."""
    tid = 900
    # Call rule 3, DOMAIN's own example: ad click 12:17 is the only hit;
    # the call at 13:05 comes after the session ended at 12:47.
    v = visitors[0]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=12, minute=17, second=0) + dt.timedelta(days=1)
    add_session(v, t, ARRIVALS[0], 1)
    tid += 1
    scenario.append(("call rule 3: call after the session ended (12:17 click, 13:05 call)",
                     task_row(v, tid, t.replace(hour=13, minute=5), "Call")))
    # Call rule 2: a call inside the session (between two page views).
    v = visitors[1]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=10) + dt.timedelta(days=1)
    end = add_session(v, t, ARRIVALS[1], 3)
    tid += 1
    scenario.append(("call rule 2: call inside the visitor's LinkedIn session",
                     task_row(v, tid, end + dt.timedelta(minutes=12), "Call")))
    # Call rule 2 with an empty Task.Type: the touchpoint type is Web Visit.
    v = visitors[2]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=11) + dt.timedelta(days=2)
    end = add_session(v, t, ARRIVALS[3], 2)
    tid += 1
    scenario.append(("call rule 2: Task.Type empty gives a Web Visit touchpoint",
                     task_row(v, tid, end + dt.timedelta(minutes=5), "")))
    # Session boundary: a call exactly 30:00 after the last hit is outside.
    v = visitors[3]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=15) + dt.timedelta(days=2)
    end = add_session(v, t, ARRIVALS[4], 2)
    tid += 1
    scenario.append(("session: a call exactly 30:00 after the last hit is outside the session",
                     task_row(v, tid, end + dt.timedelta(minutes=30), "Call")))
    # Call rule 4: a call, then a form fill later in the same journey.
    v = visitors[4]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=9) + dt.timedelta(days=3)
    end = add_session(v, t, ARRIVALS[0], 2)
    tid += 1
    scenario.append(("call rule 4: call merged, then a later form fill of the same visitor",
                     task_row(v, tid, end + dt.timedelta(minutes=3), "Call")))
    add_hit(v, end + dt.timedelta(minutes=20), "/demo", "", SITE + "/",
            "form_submit", v.email)
    # Call rule 1: Tasks without a BizibleId are dead-lettered.
    for k in range(3):
        tid += 1
        scenario.append(("call rule 1: Task without a BizibleId is dead-lettered",
                         task_row(visitors[5 + k], tid, BASE + dt.timedelta(hours=30 + k),
                                  "Call", with_uid=False)))
    # The Buyer Touchpoint Date wins over CreatedDate when set.
    v = visitors[8]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=14) + dt.timedelta(days=1)
    end = add_session(v, t, ARRIVALS[6], 2)
    tid += 1
    scenario.append(("call time: bizible2__Bizible_Touchpoint_Date__c wins over CreatedDate",
                     task_row(v, tid, end + dt.timedelta(hours=2), "Call",
                              touch_date=end + dt.timedelta(minutes=4))))
    # Channel change within 30 minutes starts a new session; a direct hit
    # in between does not.
    v = visitors[9]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=16) + dt.timedelta(days=1)
    add_hit(v, t, "/", ARRIVALS[4][1], ARRIVALS[4][2])
    add_hit(v, t + dt.timedelta(minutes=5), "/pricing", "", None)
    add_hit(v, t + dt.timedelta(minutes=9), "/", ARRIVALS[0][1], ARRIVALS[0][2])
    scenario.append(("session: a paid-search arrival 9 min into an organic session starts a new session; the direct hit at 5 min does not", v.uid))
    return tid


def random_calls(visitors, tid):
    for v in visitors[12:60]:
        if not v.sessions or rng.random() < 0.4:
            continue
        first, last = rng.choice(v.sessions)
        inside = rng.random() < 0.7
        if inside:
            t = first + (last - first) * rng.random() + dt.timedelta(minutes=rng.randint(0, 20))
        else:
            t = last + dt.timedelta(minutes=rng.randint(35, 300))
        tid += 1
        task_row(v, tid, t, "Call")
    return tid


def ctm_calls(visitors):
    for k, v in enumerate(visitors[60:70]):
        if not v.sessions:
            continue
        first, last = v.sessions[0]
        t = last + dt.timedelta(minutes=rng.randint(1, 25))
        ctm.append({
            "id": 98765000 + k, "sid": "CA%030x" % rng.getrandbits(120),
            "account_id": 12345, "direction": "inbound",
            "called_at": t.strftime("%Y-%m-%d %I:%M %p +00:00"),
            "unix_time": int(t.timestamp()), "duration": rng.randint(30, 600),
            "tracking_number": "+18005550100", "tracking_label": "Website pool",
            "caller_number": "+1617555%04d" % rng.randint(0, 9999),
            "source": "Website", "call_status": "answered",
            "custom_fields": {"bizible_id": v.uid}})


def drift_conversation(cid, v, t, email_in_message=True, with_uid=True):
    contact_id = 4200000000 + v.n
    msgs = [{"id": cid * 10 + 1, "orgId": 1234, "conversationId": cid, "type": "chat",
             "body": "<p>Hi! What brings you to Acme today?</p>",
             "author": {"type": "user", "id": 243266, "bot": True},
             "createdAt": epoch_ms(t)},
            {"id": cid * 10 + 2, "orgId": 1234, "conversationId": cid, "type": "chat",
             "body": "Looking at pricing for 40 seats",
             "author": {"type": "contact", "id": contact_id, "bot": False},
             "createdAt": epoch_ms(t + dt.timedelta(seconds=25))}]
    if email_in_message:
        msgs.append({"id": cid * 10 + 3, "orgId": 1234, "conversationId": cid, "type": "chat",
                     "body": "<p>sure, it's <a href=\"mailto:%s\">%s</a></p>" % (v.email, v.email),
                     "author": {"type": "contact", "id": contact_id, "bot": False},
                     "createdAt": epoch_ms(t + dt.timedelta(seconds=70))})
    attrs = {"name": "%s %s" % (v.first, v.last)}
    if email_in_message:
        attrs["email"] = v.email
    if with_uid:
        attrs["biz_uid"] = v.uid
    drift.append({"id": cid, "orgId": 1234, "status": "closed",
                  "participants": [243266], "contactId": contact_id,
                  "inboxId": 116983, "createdAt": epoch_ms(t),
                  "updatedAt": epoch_ms(t + dt.timedelta(minutes=5)),
                  "messages": msgs,
                  "contact": {"id": contact_id, "createdAt": epoch_ms(t),
                              "attributes": attrs}})


def webhook(type_, data):
    drift.append({"type": type_, "token": "vt_demo", "orgId": 1234, "data": data})


def drift_data(visitors):
    cid = 1485840000
    for v in visitors[70:100]:
        if not v.sessions:
            continue
        first, last = rng.choice(v.sessions)
        cid += 1
        drift_conversation(cid, v, first + (last - first) / 2)
    # Drift rule 1 variants as webhook streams.
    v = visitors[100]
    if v.sessions:
        t = v.sessions[0][0] + dt.timedelta(minutes=1)
        cid += 1
        contact = 4200000000 + v.n
        webhook("new_conversation", {"id": cid, "status": "open", "contactId": contact,
                                     "inboxId": 116983, "createdAt": epoch_ms(t), "updatedAt": epoch_ms(t)})
        webhook("new_message", {"id": 1, "conversationId": cid, "type": "chat", "body": "hello",
                                "author": {"type": "contact", "id": contact, "bot": False},
                                "createdAt": epoch_ms(t + dt.timedelta(seconds=10))})
        webhook("contact_identified", {"id": contact, "createdAt": epoch_ms(t + dt.timedelta(seconds=40)),
                                       "attributes": {"email": v.email, "biz_uid": v.uid}})
        scenario.append(("drift rule 1: contact_identified gives the chat moment", str(cid)))
    v = visitors[101]
    if v.sessions:
        t = v.sessions[0][0] + dt.timedelta(minutes=2)
        cid += 1
        contact = 4200000000 + v.n
        webhook("new_message", {"id": 2, "conversationId": cid, "type": "chat", "body": "book a demo?",
                                "author": {"type": "user", "id": 243266, "bot": True},
                                "createdAt": epoch_ms(t)})
        webhook("playbook_goal_met", {"conversationId": cid, "playbookId": 1561966, "contactId": contact,
                                      "goalId": "42fe19bf-b3f4-44c6-b358-1934dc69a614",
                                      "goalName": "Booked demo", "playbookName": "Pricing page bot",
                                      "contactEmail": v.email})
        scenario.append(("drift rule 1: playbook_goal_met dated by the conversation's latest message", str(cid)))
    cid += 1
    webhook("playbook_goal_met", {"conversationId": cid, "playbookId": 1561966, "contactId": 4299999999,
                                  "goalId": "0b9f", "goalName": "Booked demo",
                                  "playbookName": "Pricing page bot", "contactEmail": "nomessages@example.org"})
    scenario.append(("drift rule 1: playbook_goal_met with no message seen is dead-lettered no_timestamp", str(cid)))
    v = visitors[102]
    if v.sessions:
        cid += 1
        drift_conversation(cid, v, v.sessions[0][0], email_in_message=False)
        scenario.append(("drift rule 1: a conversation with no email makes no chat", str(cid)))
    # A chat without BizibleId joins the session of the same email's form fill.
    v = visitors[103]
    v.hits.clear(); v.sessions.clear()
    t = BASE.replace(hour=13) + dt.timedelta(days=2)
    end = add_session(v, t, ARRIVALS[1], 2, form=True)
    cid += 1
    drift_conversation(cid, v, end + dt.timedelta(minutes=3), with_uid=False)
    scenario.append(("drift chat without BizibleId joins the web session of the same email (form fill)", str(cid)))


def crm_data(visitors):
    n = 0
    for v in visitors[110:150]:
        n += 1
        t = BASE + dt.timedelta(hours=rng.randint(0, 110))
        type_ = rng.choice(["Email", "Meeting", "Chat", "Chat"])
        crm_tasks.append({"Id": sf_id("00T", 5000 + n), "WhoId": sf_id("00Q", v.n),
                          "Subject": "%s with %s" % (type_, v.first), "Type": type_,
                          "Status": "Completed", "CreatedDate": sf_datetime(t, n % 4)})
    # Chat activity exactly at D and one second before D (rule 3 boundary).
    for k, t in enumerate([D, D - dt.timedelta(seconds=1)]):
        crm_tasks.append({"Id": sf_id("00T", 6000 + k), "WhoId": sf_id("00Q", 150 + k),
                          "Subject": "Drift chat transcript", "Type": "Chat",
                          "Status": "Completed", "CreatedDate": sf_datetime(t, 0)})
    scenario.append(("drift rule 3 (activity rules): a Chat Task created at D is dropped, one a second before D counts",
                     sf_id("00T", 6000)))
    n = 0
    for v in visitors[:160:3]:
        n += 1
        camp = CHAT_CAMPAIGN if n % 2 else WEBINAR_CAMPAIGN
        created = BASE + dt.timedelta(hours=rng.randint(0, 110))
        responded = rng.random() < 0.6
        members.append({"Id": sf_id("00v", n), "CampaignId": camp,
                        "LeadId": sf_id("00Q", v.n), "ContactId": "",
                        "Status": "Responded" if responded else "Sent",
                        "HasResponded": "true" if responded else "false",
                        "FirstRespondedDate": (created + dt.timedelta(days=1)).strftime("%Y-%m-%d") if responded else "",
                        "CreatedDate": sf_datetime(created, n % 4)})
    members.append({"Id": sf_id("00v", 999), "CampaignId": CHAT_CAMPAIGN,
                    "LeadId": sf_id("00Q", 999), "ContactId": "", "Status": "Responded",
                    "HasResponded": "true", "FirstRespondedDate": D.strftime("%Y-%m-%d"),
                    "CreatedDate": sf_datetime(D - dt.timedelta(days=2), 0)})
    scenario.append(("drift rule 3 (campaigns): a chat-campaign member responding on D itself is dropped",
                     sf_id("00v", 999)))
    for v in visitors:
        leads.append({"Id": sf_id("00Q", v.n), "Email": v.email, "FirstName": v.first,
                      "LastName": v.last, "Company": v.email.split("@")[1].split(".")[0].title(),
                      "Status": "Open", "CreatedDate": sf_datetime(BASE, v.n % 4)})


def write_csv(name, rows, columns):
    def q(value):
        return '"' + str(value).replace('"', '""') + '"'
    with open(os.path.join(OUT, name), "w", newline="") as f:
        f.write(",".join(q(c) for c in columns) + "\n")
        for r in rows:
            f.write(",".join(q(r.get(c, "")) for c in columns) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    visitors = build_visitors()
    tid = special_cases(visitors)
    random_calls(visitors, tid)
    ctm_calls(visitors)
    drift_data(visitors)
    crm_data(visitors)
    for v in visitors:
        for (t, url, ref, event, email, form_url) in v.hits:
            rec = {"biz_uid": v.uid, "ts": iso(t), "url": url, "referrer": ref, "event": event}
            if email:
                rec["email"] = email
                rec["form_url"] = form_url
            hits.append((t, v.uid, rec))
    hits.sort(key=lambda h: (h[0], h[1]))
    with gzip.GzipFile(os.path.join(OUT, "hits.ndjson.gz"), "wb", mtime=0) as f:
        for _, _, rec in hits:
            f.write((json.dumps(rec, separators=(",", ":")) + "\n").encode())
    tasks.sort(key=lambda r: r["Id"])
    write_csv("tasks.csv", tasks, ["Id", "WhoId", "WhatId", "Subject", "Type", "Status",
                                   "ActivityDate", "CreatedDate", "CallType",
                                   "CallDurationInSeconds", "Description",
                                   "bizible2__BizibleId__c",
                                   "bizible2__Bizible_Touchpoint_Date__c"])
    with open(os.path.join(OUT, "ctm_calls.ndjson"), "w") as f:
        for c in ctm:
            f.write(json.dumps(c, separators=(",", ":")) + "\n")
    with open(os.path.join(OUT, "drift.ndjson"), "w") as f:
        for d in drift:
            f.write(json.dumps(d, separators=(",", ":")) + "\n")
    write_csv("crm_tasks.csv", crm_tasks, ["Id", "WhoId", "Subject", "Type", "Status", "CreatedDate"])
    write_csv("campaign_members.csv", members, ["Id", "CampaignId", "LeadId", "ContactId", "Status",
                                                "HasResponded", "FirstRespondedDate", "CreatedDate"])
    write_csv("leads.csv", leads, ["Id", "Email", "FirstName", "LastName", "Company", "Status",
                                   "CreatedDate"])
    with open(os.path.join(OUT, "SCENARIOS.md"), "w") as f:
        f.write("# What each DOMAIN.md rule looks like in this data\n\n"
                "Generated by `../generate.py` (seed %d); the activation date D of the\n"
                "Drift integration is %s.\n\n| rule | record |\n|---|---|\n" % (SEED, D.date()))
        for rule, rec in scenario:
            f.write("| %s | `%s` |\n" % (rule, rec))
    print("hits %d, tasks %d, ctm %d, drift %d, crm tasks %d, members %d, leads %d" % (
        len(hits), len(tasks), len(ctm), len(drift), len(crm_tasks), len(members), len(leads)))


if __name__ == "__main__":
    main()
