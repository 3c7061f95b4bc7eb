#!/usr/bin/env python3
"""Writes N small web-hit records as NDJSON (fixed seed) for the benchmarks.

Usage: gen_hits.py N [--touchpoints]

--touchpoints (bench/compare.sh): about 250-byte touchpoint-like records
with a `type` (so the `dedupe` transform judges them), where one record in
ten repeats a recent line (one of 1000 kept, randomly replaced) byte for
byte: the same `type`, `biz_uid` and `ts`.
"""
import json
import random
import sys

args = [a for a in sys.argv[1:] if a != "--touchpoints"]
n = int(args[0]) if args else 1000000
rng = random.Random(42)
pages = ["/", "/pricing", "/demo", "/blog/attribution-101", "/contact"]
out = sys.stdout


def touchpoints():
    types = ["Web Visit", "Web Visit", "Web Visit", "Web Form", "Web Chat"]
    arrivals = [
        ("?utm_source=google&utm_medium=cpc&utm_campaign=brand-search-us", "https://www.google.com/", "Paid Search"),
        ("?utm_source=linkedin&utm_medium=paid_social&utm_campaign=cmo-webinar", "https://www.linkedin.com/", "Paid Social"),
        ("?utm_source=newsletter&utm_medium=email&utm_campaign=march-digest", None, "Email"),
        ("", "https://www.bing.com/search", "Organic Search"),
        ("", None, "Direct"),
    ]
    recent = []
    for i in range(n):
        if recent and rng.random() < 0.1:
            line = rng.choice(recent)
        else:
            query, ref, channel = rng.choice(arrivals)
            rec = {
                "type": rng.choice(types),
                "biz_uid": "%032x" % rng.getrandbits(128),
                "ts": "2026-03-01T%02d:%02d:%02d.%03dZ" % (i // 3600000 % 24, i // 60000 % 60, i // 1000 % 60, i % 1000),
                "url": "https://www.acme-analytics.com" + rng.choice(pages) + query,
                "referrer": ref,
                "channel": channel,
                "email": None,
            }
            line = json.dumps(rec, separators=(",", ":")) + "\n"
            if len(recent) < 1000:
                recent.append(line)
            else:
                recent[rng.randrange(1000)] = line
        out.write(line)


if "--touchpoints" in sys.argv[1:]:
    touchpoints()
    sys.exit(0)

for i in range(n):
    rec = {
        "biz_uid": "%032x" % rng.getrandbits(128),
        "ts": "2026-03-01T%02d:%02d:%02dZ" % (i // 3600 % 24, i // 60 % 60, i % 60),
        "url": "https://www.example.com" + rng.choice(pages),
        "referrer": None,
        "event": "page_view",
    }
    out.write(json.dumps(rec, separators=(",", ":")))
    out.write("\n")
