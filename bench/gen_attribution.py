#!/usr/bin/env python3
"""Writes input for every source of the attribution pipeline (fixed seed).

Usage: gen_attribution.py RECORDS OUTDIR [SEED]

About RECORDS input records in all, in the formats of
pipelines/data/attribution (docs/formats.md), written into OUTDIR:
  hits.ndjson.gz         web hits (gen_events.py's, about 89 % of RECORDS),
                         gzip
  tasks.csv              call-tracking Salesforce Tasks (gen_events.py's)
  ctm_calls.ndjson       CallTrackingMetrics calls of one visitor in 25,
                         minutes after one of their hits
  drift.ndjson           Drift, one visitor in 6: REST conversations (most),
                         webhook-only conversations (new_conversation,
                         new_message, contact_identified or
                         playbook_goal_met: open until the end of input),
                         webhook conversations later closed by their REST
                         record, conversations without an email, a copy of
                         a conversation sent again, and a few broken lines;
                         in event-time order, so conversations stay open
                         across many checkpoints
  crm_tasks.csv          Salesforce Tasks (Email, Meeting, Chat) of one
                         visitor in 15
  campaign_members.csv   CampaignMembers of one visitor in 20 (half of them
                         in the Drift chat campaign)
  pipeline.json          the attribution pipeline over these files
and prints the number of records of each.
"""
import datetime as dt
import gzip
import json
import os
import random
import subprocess
import sys

CHAT_CAMPAIGN = "7015e000000DriftAAA"
WEBINAR_CAMPAIGN = "7015e000000WebinAAA"


def parse_ms(iso):
    t = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(t.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def sf_datetime(ms):
    t = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sf_id(prefix, n):
    return "%s5e%09dAAA" % (prefix, n)


def q(value):
    return '"' + str(value).replace('"', '""') + '"'


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as f:
        f.write(",".join(q(c) for c in columns) + "\n")
        for r in rows:
            f.write(",".join(q(r.get(c, "")) for c in columns) + "\n")


def read_visitors(path):
    """biz_uid -> (first index, hit times, email) in order of first hit."""
    visitors = {}
    with open(path) as f:
        for line in f:
            h = json.loads(line)
            v = visitors.setdefault(h["biz_uid"], [len(visitors), [], None])
            v[1].append(parse_ms(h["ts"]))
            if h.get("email"):
                v[2] = h["email"]
    return sorted(visitors.items(), key=lambda kv: kv[1][0])


def message(cid, k, author, contact, body, ms):
    return {"id": cid * 10 + k, "orgId": 1234, "conversationId": cid,
            "type": "chat", "body": body,
            "author": {"type": author, "id": contact if author == "contact" else 243266,
                       "bot": author != "contact"},
            "createdAt": ms}


def conversation(cid, contact, uid, email, ms, with_email=True):
    msgs = [message(cid, 1, "user", contact, "<p>Hi! What brings you here?</p>", ms),
            message(cid, 2, "contact", contact, "pricing for 40 seats", ms + 25000)]
    attrs = {"biz_uid": uid}
    if with_email:
        msgs.append(message(cid, 3, "contact", contact,
                            "<p>sure, it's <a href=\"mailto:%s\">%s</a></p>" % (email, email),
                            ms + 70000))
        attrs["email"] = email
    return {"id": cid, "orgId": 1234, "status": "closed", "participants": [243266],
            "contactId": contact, "inboxId": 116983, "createdAt": ms,
            "updatedAt": ms + 300000, "messages": msgs,
            "contact": {"id": contact, "createdAt": ms, "attributes": attrs}}


def webhook(type_, data):
    return {"type": type_, "token": "vt_bench", "orgId": 1234, "data": data}


def drift_lines(rng, n, uid, email, hits, cid):
    """(time, line) pairs of one visitor's chat."""
    contact = 4200000000 + n
    email = email or "visitor%d@example.com" % n
    ms = rng.choice(hits)
    kind = rng.random()
    if kind < 0.62:
        out = [(ms + 300000, conversation(cid, contact, uid, email, ms))]
        if kind < 0.04:  # sent again later: records_after_chat
            out.append((ms + 900000, conversation(cid, contact, uid, email, ms)))
        return out
    if kind < 0.70:
        return [(ms + 300000, conversation(cid, contact, uid, email, ms, False))]
    out = [(ms, webhook("new_conversation", {"id": cid, "status": "open",
                                             "contactId": contact, "inboxId": 116983,
                                             "createdAt": ms, "updatedAt": ms})),
           (ms + 10000, webhook("new_message", message(cid, 1, "contact", contact,
                                                       "hello", ms + 10000)))]
    if kind < 0.82:
        out.append((ms + 40000, webhook("contact_identified", {
            "id": contact, "createdAt": ms + 40000,
            "attributes": {"email": email, "biz_uid": uid}})))
    elif kind < 0.90:
        out.append((ms + 50000, webhook("playbook_goal_met", {
            "conversationId": cid, "playbookId": 1561966, "contactId": contact,
            "goalName": "Booked demo", "contactEmail": email})))
    else:  # closed later by its REST record
        out.append((ms + 600000, conversation(cid, contact, uid, email, ms)))
    return out


def main():
    records = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261205
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "gen_events.py"),
                    str(int(records * 0.89)), out, str(seed)],
                   check=True, stdout=subprocess.DEVNULL)
    visitors = read_visitors(os.path.join(out, "hits.ndjson"))
    with open(os.path.join(out, "hits.ndjson"), "rb") as f, \
            gzip.GzipFile(os.path.join(out, "hits.ndjson.gz"), "wb", mtime=0) as g:
        g.write(f.read())
    for name in ("hits.ndjson", "hits_shuffled.ndjson", "stats.txt"):
        os.remove(os.path.join(out, name))
    ctm, drift, crm, members = [], [], [], []
    cid = 1485840000
    for uid, (n, hits, email) in visitors:
        if n % 25 == 3:
            ms = rng.choice(hits) + rng.randint(60, 1500) * 1000
            t = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
            ctm.append({"id": 98765000 + n, "sid": "CA%030x" % rng.getrandbits(120),
                        "account_id": 12345, "direction": "inbound",
                        "called_at": t.strftime("%Y-%m-%d %I:%M %p +00:00"),
                        "unix_time": ms // 1000, "duration": rng.randint(30, 600),
                        "tracking_number": "+18005550100",
                        "tracking_label": "Website pool",
                        "caller_number": "+1617555%04d" % rng.randint(0, 9999),
                        "source": "Website", "call_status": "answered",
                        "custom_fields": {"bizible_id": uid}})
        if n % 6 == 1:
            cid += 1
            drift += drift_lines(rng, n, uid, email, hits, cid)
        if n % 15 == 7:
            type_ = rng.choice(["Email", "Meeting", "Chat"])
            crm.append({"Id": sf_id("00T", 500000 + n), "WhoId": sf_id("00Q", n),
                        "Subject": "%s follow-up" % type_, "Type": type_,
                        "Status": "Completed", "CreatedDate": sf_datetime(rng.choice(hits))})
        if n % 20 == 11:
            created = rng.choice(hits)
            responded = rng.random() < 0.6
            members.append({"Id": sf_id("00v", n), "LeadId": sf_id("00Q", n),
                            "CampaignId": CHAT_CAMPAIGN if n % 40 == 11 else WEBINAR_CAMPAIGN,
                            "ContactId": "", "Status": "Responded" if responded else "Sent",
                            "HasResponded": "true" if responded else "false",
                            "FirstRespondedDate": dt.datetime.fromtimestamp(
                                created / 1000 + 86400, dt.timezone.utc).strftime("%Y-%m-%d")
                            if responded else "",
                            "CreatedDate": sf_datetime(created)})
    drift.sort(key=lambda tl: tl[0])
    with open(os.path.join(out, "ctm_calls.ndjson"), "w") as f:
        for c in ctm:
            f.write(json.dumps(c, separators=(",", ":")) + "\n")
    with open(os.path.join(out, "drift.ndjson"), "w") as f:
        for k, (_, d) in enumerate(drift):
            if k % 997 == 500:
                f.write('{"type": "new_message", "data": \n')  # dead-lettered
            f.write(json.dumps(d, separators=(",", ":")) + "\n")
    write_csv(os.path.join(out, "crm_tasks.csv"), crm,
              ["Id", "WhoId", "Subject", "Type", "Status", "CreatedDate"])
    write_csv(os.path.join(out, "campaign_members.csv"), members,
              ["Id", "CampaignId", "LeadId", "ContactId", "Status", "HasResponded",
               "FirstRespondedDate", "CreatedDate"])
    with open(os.path.join(here, "..", "pipelines", "attribution.json")) as f:
        pipeline = f.read().replace("data/attribution/", "")
    with open(os.path.join(out, "pipeline.json"), "w") as f:
        f.write(pipeline)
    counts = {}
    with gzip.open(os.path.join(out, "hits.ndjson.gz"), "rt") as f:
        counts["hits"] = sum(1 for _ in f)
    for name in ("tasks.csv", "ctm_calls.ndjson", "drift.ndjson", "crm_tasks.csv",
                 "campaign_members.csv"):
        with open(os.path.join(out, name)) as f:
            counts[name] = sum(1 for _ in f) - (1 if name.endswith(".csv") else 0)
    print(" ".join("%s %d" % kv for kv in counts.items()),
          "total %d" % sum(counts.values()))


if __name__ == "__main__":
    main()
