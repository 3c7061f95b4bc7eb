#!/usr/bin/env python3
"""Writes N small web-hit records as NDJSON (fixed seed) for the benchmarks."""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
rng = random.Random(42)
pages = ["/", "/pricing", "/demo", "/blog/attribution-101", "/contact"]
out = sys.stdout
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
