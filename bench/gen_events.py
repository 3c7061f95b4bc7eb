#!/usr/bin/env python3
"""Writes realistic attribution input for the event-time benchmark (fixed seed).

Usage: gen_events.py HITS OUTDIR [SEED]

Writes into OUTDIR:
  hits.ndjson           about HITS Marketo Measure web hits (the `web`
                        source's NDJSON: id, biz_uid, ts, event, url,
                        referrer, email, form_url), sorted by `ts`
  hits_shuffled.ndjson  the same lines in a random order (same seed)
  tasks.csv             call-tracking Salesforce Tasks (Bulk API 2.0 CSV,
                        every value quoted, the `calltracking` source's
                        `task` records), sorted by the call time
  stats.txt             counts (hits, form submits, sessions, calls ...)

The traffic has a fixed rate (about 100,000 hits a day), so a larger HITS
covers more days, not a busier site: what is open at any moment (web
sessions, calls about to come) is the same at every size.  Visitors arrive
as in pipelines/data/generate.py (paid search, paid social, email, organic,
referral, display, direct); a session is 1 to 20 page views 20 s to 9 min
apart, 5 % end in a form fill (with an email); 40 % of sessions are by a
returning visitor.  About one session in six gives a call: 70 % of calls
inside the session (call rule 2), the rest 35 min to 5 h after it (rule 3);
a third of the Tasks carry bizible2__Bizible_Touchpoint_Date__c (the call
time, the Task created up to 2 h later); 0.5 % have no BizibleId (they are
dead-lettered as missing_bizible_id).  Hits carry an `id`, so the
touchpoints do not depend on the line a hit is on (sorted or shuffled).
"""
import datetime as dt
import heapq
import os
import random
import sys

HITS_PER_DAY = 100000
SITE = "https://www.acme-analytics.com"
PAGES = ["/", "/pricing", "/product", "/product/multi-touch", "/demo",
         "/blog/attribution-101", "/blog/utm-guide", "/customers",
         "/customers/globex", "/contact", "/careers", "/docs/getting-started"]
# (weight, url query, referrer)
ARRIVALS = [
    (14, "?utm_source=google&utm_medium=cpc&utm_campaign=brand-search-us&gclid=EAIaIQobChMI%d", "https://www.google.com/"),
    (5, "?utm_source=bing&utm_medium=cpc&utm_campaign=generic-attribution&msclkid=%d", "https://www.bing.com/"),
    (6, "?utm_source=linkedin&utm_medium=paid_social&utm_campaign=cmo-webinar&li_fat_id=%d", "https://www.linkedin.com/"),
    (4, "", "https://www.linkedin.com/feed/"),
    (7, "?utm_source=newsletter&utm_medium=email&utm_campaign=march-digest", None),
    (16, "", "https://www.google.com/"),
    (3, "", "https://www.bing.com/"),
    (4, "", "https://partner.example.org/tools"),
    (3, "?utm_source=doubleclick&utm_medium=display&utm_campaign=retarget-q1", None),
    (2, "?fbclid=IwAR%d", "https://l.facebook.com/"),
    (36, "", None),
]
WEIGHTS = [a[0] for a in ARRIVALS]
DOMAINS = ["acme.io", "globex.com", "initech.net", "umbrella.org",
           "hooli.com", "vandelay.biz", "stark.industries", "wayne.co"]
TASK_COLUMNS = ["Id", "WhoId", "WhatId", "Subject", "Type", "Status",
                "ActivityDate", "CreatedDate", "CallType",
                "CallDurationInSeconds", "Description",
                "bizible2__BizibleId__c", "bizible2__Bizible_Touchpoint_Date__c"]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def iso_ms(ms):
    t = EPOCH + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def sf_datetime(ms, form):
    t = EPOCH + dt.timedelta(milliseconds=ms)
    if form == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if form == 1:
        return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if form == 2:
        return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def q(value):
    return '"' + str(value).replace('"', '""') + '"'


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261205
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    start = int(dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc).timestamp() * 1000)
    # about 3.6 hits per session: the mean gap between session starts
    session_gap_ms = 86400000.0 / (HITS_PER_DAY / 3.6)

    hits_f = open(os.path.join(out, "hits.ndjson"), "w")
    tasks_f = open(os.path.join(out, "tasks.csv"), "w", newline="")
    tasks_f.write(",".join(q(c) for c in TASK_COLUMNS) + "\n")
    pending = []  # heap of (ms, seq, kind, payload): kind 0 hit, 1 call
    seq = 0
    visitors = []  # (uid, email, lead number)
    stats = {"hits": 0, "form_submits": 0, "sessions": 0, "calls": 0,
             "calls_inside": 0, "calls_without_bizible_id": 0,
             "visitors": 0, "days": 0}
    task_n = 0

    def write_task(ms, v, no_uid):
        nonlocal task_n
        task_n += 1
        uid, _, lead = v
        with_touch_date = rng.random() < 1 / 3
        created = ms + rng.randint(60000, 7200000) if with_touch_date else ms
        row = ["00T5e%010dAAA" % task_n, "00Q5e%010dAAA" % lead, "",
               "Inbound call from (617) 555-%04d" % rng.randint(0, 9999),
               "Call", "Completed",
               (EPOCH + dt.timedelta(milliseconds=created)).strftime("%Y-%m-%d"),
               sf_datetime(created, task_n % 4), "Inbound",
               str(rng.randint(30, 900)), "",
               "" if no_uid else uid,
               sf_datetime(ms, 0) if with_touch_date else ""]
        tasks_f.write(",".join(q(c) for c in row) + "\n")

    def flush_before(limit):
        while pending and pending[0][0] < limit:
            ms, _, kind, payload = heapq.heappop(pending)
            if kind == 0:
                hits_f.write(payload % iso_ms(ms))
            else:
                write_task(ms, *payload)

    t = float(start)
    while stats["hits"] < n:
        t += rng.expovariate(1.0 / session_gap_ms)
        first = int(t)
        flush_before(first)
        stats["sessions"] += 1
        if visitors and rng.random() < 0.4:
            v = visitors[rng.randrange(max(0, len(visitors) - 100000), len(visitors))]
        else:
            v = ("%032x" % rng.getrandbits(128),
                 "%s.%s%d@%s" % (rng.choice(["ana", "ben", "chloe", "dev", "eva", "femi", "gus", "hana"]),
                                 rng.choice(["silva", "okafor", "berg", "nair", "kowal", "tan"]),
                                 len(visitors), rng.choice(DOMAINS)),
                 len(visitors) + 1)
            visitors.append(v)
        uid, email, _ = v
        arrival = rng.choices(ARRIVALS, WEIGHTS)[0]
        query = arrival[1] % rng.getrandbits(40) if "%d" in arrival[1] else arrival[1]
        pages = 1 + min(int(rng.expovariate(1 / 3.0)), 19)
        ms = first
        page = rng.choice(PAGES)
        for i in range(pages):
            if i:
                ms += rng.randint(20000, 540000)
                prev, page = page, rng.choice(PAGES)
                url, ref = SITE + page, SITE + prev
            else:
                url, ref = SITE + page + query, arrival[2]
            seq += 1
            line = '{"id":"h%d","biz_uid":"%s","ts":"%%s","event":"page_view","url":"%s","referrer":%s}\n' % (
                seq, uid, url, '"%s"' % ref if ref else "null")
            heapq.heappush(pending, (ms, seq, 0, line))
            stats["hits"] += 1
        if rng.random() < 0.05:
            ms += rng.randint(30000, 240000)
            seq += 1
            line = ('{"id":"h%d","biz_uid":"%s","ts":"%%s","event":"form_submit","url":"%s/demo",'
                    '"referrer":"%s%s","email":"%s","form_url":"%s/demo"}\n') % (
                seq, uid, SITE, SITE, page, email, SITE)
            heapq.heappush(pending, (ms, seq, 0, line))
            stats["hits"] += 1
            stats["form_submits"] += 1
        if rng.random() < 1 / 6:
            if rng.random() < 0.7:
                call = first + int((ms - first) * rng.random()) + rng.randint(0, 1200000)
                stats["calls_inside"] += 1
            else:
                call = ms + rng.randint(35 * 60000, 5 * 3600000)
            no_uid = rng.random() < 0.005
            stats["calls"] += 1
            stats["calls_without_bizible_id"] += no_uid
            seq += 1
            heapq.heappush(pending, (call, seq, 1, (v, no_uid)))
    flush_before(float("inf"))
    hits_f.close()
    tasks_f.close()
    stats["visitors"] = len(visitors)
    stats["days"] = round((t - start) / 86400000.0, 1)

    # The shuffled copy: the same lines, a fixed random order.
    with open(os.path.join(out, "hits.ndjson")) as f:
        lines = f.readlines()
    random.Random(seed + 1).shuffle(lines)
    with open(os.path.join(out, "hits_shuffled.ndjson"), "w") as f:
        f.writelines(lines)
    del lines
    with open(os.path.join(out, "stats.txt"), "w") as f:
        for k, v in stats.items():
            f.write("%s %s\n" % (k, v))


if __name__ == "__main__":
    main()
