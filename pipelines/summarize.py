#!/usr/bin/env python3
"""Prints what a marketer asks of the attribution output: which channels
brought calls and chats (and forms and visits), as a table of touchpoint
counts by channel and type.  Usage: summarize.py out/touchpoints.csv"""
import collections
import csv
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "out/touchpoints.csv"
counts = collections.Counter()
types, channels = set(), set()
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        kind = row["type"]
        if row["origin"] == "calltracking":
            # A call merged into its web session carries the Task type (or
            # Web Visit when the Task had none); one outside any session is
            # a CRM Activity with no web data (DOMAIN call rules 2 and 3).
            kind = "Call, no session" if kind == "CRM Activity" else "Call"
        counts[(row["channel"], kind)] += 1
        types.add(kind)
        channels.add(row["channel"])
order = ["Call", "Call, no session", "Web Chat", "Web Form", "Web Visit",
         "CRM Activity", "CRM Campaign"]
cols = [t for t in order if t in types] + sorted(types - set(order))
width = max(len(c) for c in channels | {"channel"}) + 2
print("touchpoints by channel and type (%s)" % path)
print("".join(["%-*s" % (width, "channel")] + ["%*s" % (len(c) + 2, c) for c in cols]))
for ch in sorted(channels, key=lambda c: -sum(counts[(c, t)] for t in cols)):
    print("".join(["%-*s" % (width, ch)] +
                  ["%*d" % (len(c) + 2, counts[(ch, c)]) for c in cols]))
