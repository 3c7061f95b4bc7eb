#!/usr/bin/env python3
"""A CallTrackingMetrics REST API emulator for the ctm_api source's tests.

Serves the calls list endpoint the source reads (FORMATS.md section 4, as
plugins/source/ctm_api/README.md states it):

  GET /api/v1/accounts/{account}/calls.json?page=N&per_page=P
      [&start_date=YYYY-MM-DD][&end_date=YYYY-MM-DD]
  -> {"calls": [...], "page": N, "per_page": P, "total_entries": T,
      "total_pages": ceil(T / P), "next_page": "<url>" | null,
      "previous_page": "<url>" | null}
      calls sorted by unix_time, most recent first (then id, highest
      first); start_date and end_date are UTC dates, both included;
      per_page defaults to 10 and is capped at --max-per-page.

Every request needs HTTP Basic --access-key:--secret-key, else 401; an
account other than --account is 404.  The data is a file of CTM calls, one
a line (or API pages {"calls": [...]} a line, flattened): the same file
the calltracking source reads as an export.  It is read again on every
request, so a test adds calls by appending to it.

Control API (no auth):
  POST /_emulator/fault {"kind": K, "count": N, "retry_after": S,
                         "after": A}   after A more API requests (default
      0) the next N answer so: "429" (with Retry-After S, default 1),
      "500", "503", "drop" (the connection is closed unanswered), "401",
      "malformed" (200 with a truncated JSON body), "empty" (200 with the
      page's paging but no calls)
  POST /_emulator/config {"arrive_after_page": K, "arrive": [calls]}: once
      page K has been served, these calls arrive (newest of all, so every
      later page shifts by their number, as when calls come in while a
      client pages)
  GET  /_emulator/stats  {"requests", "pages": [page numbers served],
      "queries": [query strings], "faults_served", "after_429_ms": the
      time from the last 429 to the next request, "auth_failures"}
  POST /_emulator/reset  clears faults, arrivals and statistics

Start:  python3 emulator.py --port 0 --port-file FILE --data FILE
        --account 12345 --access-key KEY --secret-key SECRET
It binds 127.0.0.1, writes the port to FILE once it accepts connections
and serves until SIGTERM.  Python 3 standard library only.
"""

import base64
import datetime
import json
import os
import re
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from emulib import (JsonHandler, arguments, control,  # noqa: E402
                    next_fault, serve)

LOCK = threading.Lock()
STATE = {"faults": [], "stats": None, "config": {}, "arrived": []}


def fresh_stats():
    return {"requests": 0, "pages": [], "queries": [], "faults_served": 0,
            "after_429_ms": None, "last_429": None, "auth_failures": 0}


def load(path):
    calls = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            calls.extend(obj["calls"] if "calls" in obj else [obj])
    return calls


def day(text):
    return datetime.date.fromisoformat(text)


def in_window(call, start, end):
    try:
        when = datetime.datetime.fromtimestamp(int(call["unix_time"]),
                                               datetime.timezone.utc).date()
    except (KeyError, TypeError, ValueError):
        return True  # a broken call is listed as it is
    return (start is None or when >= start) and (end is None or when <= end)


def sort_key(call):
    if not isinstance(call, dict):
        return (0, 0)
    try:
        return (int(call.get("unix_time", 0)), int(call.get("id", 0)))
    except (TypeError, ValueError):
        return (0, 0)


class Handler(JsonHandler):
    def do_POST(self):
        control(self, STATE, LOCK, fresh_stats, {"config": {}, "arrived": []})

    def authorized(self):
        want = base64.b64encode(
            ("%s:%s" % (ARGS.access_key, ARGS.secret_key)).encode()).decode()
        return self.headers.get("Authorization") == "Basic " + want

    def serve_fault(self, fault):
        kind = fault["kind"]
        if kind == "429":
            return self.reply(429, {"error": "rate limited"},
                              [("Retry-After",
                                str(fault.get("retry_after", 1)))])
        if kind in ("500", "503"):
            return self.reply(int(kind), {"error": "server error"})
        if kind == "401":
            return self.reply(401, {"error": "unauthorized"})
        if kind == "malformed":
            return self.reply(200, None, raw=b'{"calls": [{"id": 1, "unix')
        return self.drop()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/_emulator/stats":
            with LOCK:
                return self.reply(200, {k: v for k, v in STATE["stats"].items()
                                        if k != "last_429"})
        fault = next_fault(STATE, LOCK)
        if fault and fault["kind"] != "empty":
            return self.serve_fault(fault)
        if not self.authorized():
            with LOCK:
                STATE["stats"]["auth_failures"] += 1
            return self.reply(401, {"error": "Unauthorized: invalid access "
                                             "key or secret key"})
        m = re.fullmatch(r"/api/v1/accounts/(\d+)/calls\.json", url.path)
        if not m:
            return self.reply(404, {"error": "not found"})
        if int(m.group(1)) != ARGS.account:
            return self.reply(404, {"error": "account not found"})
        try:
            page = int(query.get("page", ["1"])[0])
            per_page = min(int(query.get("per_page", ["10"])[0]),
                           ARGS.max_per_page)
            start = day(query["start_date"][0]) if "start_date" in query \
                else None
            end = day(query["end_date"][0]) if "end_date" in query else None
        except ValueError:
            return self.reply(400, {"error": "bad parameter"})
        if page < 1 or per_page < 1:
            return self.reply(400, {"error": "bad page"})
        self.list_calls(url, query, page, per_page, start, end, fault)

    def list_calls(self, url, query, page, per_page, start, end, fault):
        with LOCK:
            calls = load(ARGS.data) + STATE["arrived"]
        calls = [c for c in calls if in_window(c, start, end)]
        calls.sort(key=sort_key, reverse=True)
        total = len(calls)
        pages = (total + per_page - 1) // per_page

        def link(n):
            q = dict((k, v[0]) for k, v in query.items())
            q["page"] = str(n)
            return "http://%s%s?%s" % (self.headers.get("Host"), url.path,
                                       urllib.parse.urlencode(q))
        body = {"calls": [] if fault else
                calls[(page - 1) * per_page:page * per_page],
                "page": page, "per_page": per_page, "total_entries": total,
                "total_pages": pages,
                "next_page": link(page + 1) if page < pages else None,
                "previous_page": link(page - 1) if page > 1 else None}
        with LOCK:
            STATE["stats"]["pages"].append(page)
            STATE["stats"]["queries"].append(url.query)
            cfg = STATE["config"]
            if cfg.get("arrive") and cfg.get("arrive_after_page") == page:
                STATE["arrived"].extend(cfg.pop("arrive"))
        self.reply(200, body)


def main():
    global ARGS
    p = arguments()
    p.add_argument("--account", type=int, required=True)
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--max-per-page", type=int, default=100)
    ARGS = p.parse_args()
    STATE["stats"] = fresh_stats()
    serve(Handler, ARGS.port, ARGS.port_file)


if __name__ == "__main__":
    main()
