#!/usr/bin/env python3
"""A Drift REST API emulator for the drift_api source's tests.

Serves the three endpoints the source reads (FORMATS.md section 3, as
plugins/source/drift_api/README.md states them):

  GET /conversations/list?limit=N[&next=CURSOR]
      {"data": [conversation...], "pagination": {"more": true, "next": "..."}}
      sorted by updatedAt, most recent first (then id, highest first);
      "pagination" only when more pages follow; limit above 100 is 400.
  GET /conversations/{id}/messages[?next=CURSOR]
      {"data": {"messages": [...]}, "pagination": {"more": bool, "next": ...}}
      --msg-page messages a page (default 2).
  GET /contacts/{id}  ->  {"data": contact}, or 404.

Every request needs "Authorization: Bearer <--token>", else 401.  The data
is a file of REST conversations, one a line, each with its "messages" and
"contact" embedded (the shape the file-based drift source reads): the same
file feeds both sources.  It is read again on every request, so a test
adds or updates conversations by rewriting it.

Control API (no auth):
  POST /_emulator/fault {"kind": "429"|"500"|"drop"|"401", "count": N,
                         "retry_after": S, "after": K}   after K more API
                         requests (default 0), the next N fail so
  GET  /_emulator/stats  {"requests", "list", "messages": {id: n},
                          "contacts", "faults_served", "after_429_ms": the
                          time from the last 429 to the next request}
  POST /_emulator/config {"msg_pagination_in_data": true}: the messages
                         answer holds "pagination" inside "data" (its
                         place is UNCONFIRMED in Drift's docs);
                         {"list_duplicate": true}: the last list page
                         repeats the most recent conversation
  POST /_emulator/reset  clears faults and statistics

Start:  python3 emulator.py --port 0 --port-file FILE --data FILE --token T
It binds 127.0.0.1, writes the port to FILE once it accepts connections and
serves until SIGTERM.  Python 3 standard library only.
"""

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
STATE = {"faults": [], "stats": None, "config": {}}


def fresh_stats():
    return {"requests": 0, "list": 0, "messages": {}, "contacts": 0,
            "faults_served": 0, "after_429_ms": None, "last_429": None}


def load(path):
    convs = []
    with open(path) as f:
        for line in f:
            if line.strip():
                convs.append(json.loads(line))
    return convs


class Handler(JsonHandler):
    def do_POST(self):
        control(self, STATE, LOCK, fresh_stats)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/_emulator/stats":
            with LOCK:
                return self.reply(200, STATE["stats"])
        fault = next_fault(STATE, LOCK)
        stats = STATE["stats"]
        if fault:
            kind = fault["kind"]
            if kind == "429":
                return self.reply(429, {"error": {"type": "rate_limited"}},
                                  [("Retry-After",
                                    str(fault.get("retry_after", 1)))])
            if kind == "500":
                return self.reply(500, {"error": {"type": "server_error"}})
            if kind == "401":
                return self.reply(401, {"error": {"type": "authentication"}})
            if kind == "drop":
                return self.drop()
        if self.headers.get("Authorization") != "Bearer " + ARGS.token:
            return self.reply(401, {"error": {"type": "authentication",
                                              "message": "invalid token"}})
        convs = load(ARGS.data)
        start = int(query.get("next", ["0"])[0])
        if url.path == "/conversations/list":
            limit = int(query.get("limit", ["25"])[0])
            if limit < 1 or limit > 100:
                return self.reply(400, {"errors": [{
                    "type": "validation_error", "param": "limit"}]})
            with LOCK:
                stats["list"] += 1
            convs.sort(key=lambda c: (c["updatedAt"], c["id"]), reverse=True)
            page = [{k: v for k, v in c.items()
                     if k not in ("messages", "contact")}
                    for c in convs[start:start + limit]]
            if STATE["config"].get("list_duplicate") and \
                    start + limit >= len(convs) and convs:
                # The most recent conversation again on the last page, as
                # if it had been updated while the list was paged.
                page.append({k: v for k, v in convs[0].items()
                             if k not in ("messages", "contact")})
            body = {"data": page}
            if start + limit < len(convs):
                body["pagination"] = {"more": True,
                                      "next": str(start + limit)}
            return self.reply(200, body)
        m = re.fullmatch(r"/conversations/(\d+)/messages", url.path)
        if m:
            cid = int(m.group(1))
            with LOCK:
                stats["messages"][str(cid)] = \
                    stats["messages"].get(str(cid), 0) + 1
            conv = next((c for c in convs if c["id"] == cid), None)
            if conv is None:
                return self.reply(404, {"error": {"type": "not_found"}})
            msgs = conv.get("messages", [])
            page = msgs[start:start + ARGS.msg_page]
            more = start + ARGS.msg_page < len(msgs)
            pag = {"more": more}
            if more:
                pag["next"] = str(start + ARGS.msg_page)
            if STATE["config"].get("msg_pagination_in_data"):
                return self.reply(200, {"data": {"messages": page,
                                                 "pagination": pag}})
            return self.reply(200, {"data": {"messages": page},
                                    "pagination": pag})
        m = re.fullmatch(r"/contacts/(\d+)", url.path)
        if m:
            with LOCK:
                stats["contacts"] += 1
            cid = int(m.group(1))
            for c in convs:
                contact = c.get("contact")
                if contact and contact.get("id") == cid:
                    return self.reply(200, {"data": contact})
            return self.reply(404, {"error": {"type": "not_found"}})
        self.reply(404, {"error": {"type": "not_found"}})


def main():
    global ARGS
    p = arguments()
    p.add_argument("--token", required=True)
    p.add_argument("--msg-page", type=int, default=2)
    ARGS = p.parse_args()
    STATE["stats"] = fresh_stats()
    serve(Handler, ARGS.port, ARGS.port_file)


if __name__ == "__main__":
    main()
