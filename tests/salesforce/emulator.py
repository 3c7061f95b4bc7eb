#!/usr/bin/env python3
"""A Salesforce API emulator for the salesforce_api source's tests.

Serves what the source uses (plugins/source/salesforce_api/README.md):

  POST /services/oauth2/token   grant_type=client_credentials, client_id,
      client_secret (form body or query string) ->
      {"access_token", "instance_url", "token_type": "Bearer", "issued_at",
       "id", "signature"}; wrong credentials: HTTP 400
      {"error": "invalid_client", "error_description": "..."}.
  GET  /services/data/vNN.N/query?q=SOQL
      {"totalSize", "done", "records": [...], "nextRecordsUrl"?}; pages of
      --page-size records (or the batchSize of a Sforce-Query-Options
      header).  A query's result is a snapshot taken when it is asked:
      records changed later are not in its pages (like a query locator).
  GET  /services/data/vNN.N/query/<locator>-<offset>   the next page.
  POST /services/data/vNN.N/jobs/query {"operation": "query", "query": SOQL}
      a Bulk API 2.0 query job (state UploadComplete); GET .../jobs/query/ID
      InProgress for --bulk-polls polls, then JobComplete; GET
      .../jobs/query/ID/results?locator=&maxRecords= CSV (every value
      quoted, null empty, datetimes ...Z), headers Sforce-Locator (the
      string "null" on the last) and Sforce-NumberOfRecords.

SOQL understood: SELECT f, g.h FROM Object [WHERE SystemModstamp >= T]
ORDER BY SystemModstamp, Id [LIMIT N].  Every API call needs
"Authorization: Bearer <a token the emulator issued>", else HTTP 401 [{"errorCode":
"INVALID_SESSION_ID", ...}].

Data: --data Object=FILE (repeatable), CSV with a header row (a Bulk API
or Data Loader export: empty is null) or NDJSON.  Read again at every
query, so a test changes records by rewriting the file.  A record without
SystemModstamp gets its LastModifiedDate, else its CreatedDate.  Datetimes
are served as Salesforce writes them (REST: 2026-03-05T14:07:21.000+0000).

Control API (no auth):
  POST /_emulator/fault {"kind": K, "count": N, "after": A, "retry_after": S}
      after A more API requests (every pending fault counts each request;
      the first due is served), the next N are answered so: "429" (with
      Retry-After S), "500", "503", "drop" (the connection closed in the middle of an answer),
      "malformed" (200 with truncated JSON), "empty" (a query page with no
      records that points to the same next page), "expire" (every token
      issued so far is revoked: INVALID_SESSION_ID), "limit" (403
      REQUEST_LIMIT_EXCEEDED).  The token endpoint meets only 429, 500,
      503 and drop.
  GET  /_emulator/stats {"requests", "tokens", "queries", "pages",
      "bulk_jobs", "bulk_polls", "bulk_results", "faults_served",
      "after_429_ms", "soql": [every SOQL text]}
  POST /_emulator/reset  clears faults and statistics

Start: python3 emulator.py --port 0 --port-file F --data Task=tasks.csv \
  --client-id ID --client-secret SECRET
Binds 127.0.0.1, writes the port to F once it accepts connections, serves
until SIGTERM.  Python 3 standard library only.
"""

import argparse
import csv
import datetime
import io
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"faults": [], "stats": None, "tokens": set(), "serial": 0,
         "cursors": {}, "jobs": {}}
ARGS = None
HTTP_FAULTS = {"429", "500", "503", "drop"}
NUMERIC = {"Amount", "CallDurationInSeconds", "Probability"}
DATETIME = {"CreatedDate", "LastModifiedDate", "SystemModstamp",
            "bizible2__Bizible_Touchpoint_Date__c"}
# The fields of each object an org has (FORMATS.md section 5): selecting one
# no data file holds is not an error, selecting another is INVALID_FIELD.
SCHEMA = {
    "Task": "Id WhoId WhatId Subject Type Status Priority ActivityDate CreatedDate "
            "LastModifiedDate SystemModstamp CallType CallDurationInSeconds "
            "CallDisposition CallObject Description TaskSubtype OwnerId AccountId "
            "IsClosed IsDeleted bizible2__BizibleId__c "
            "bizible2__Bizible_Touchpoint_Date__c",
    "CampaignMember": "Id CampaignId LeadId ContactId LeadOrContactId Status "
                      "HasResponded FirstRespondedDate CreatedDate LastModifiedDate "
                      "SystemModstamp IsDeleted FirstName LastName Email CompanyOrAccount",
    "Lead": "Id Email FirstName LastName Company Status LeadSource Phone Website "
            "IsConverted ConvertedDate IsDeleted CreatedDate LastModifiedDate SystemModstamp",
    "Contact": "Id AccountId Account.Name Email FirstName LastName Phone IsDeleted "
               "CreatedDate LastModifiedDate SystemModstamp",
    "Opportunity": "Id Name StageName Amount CurrencyIsoCode CloseDate IsClosed IsWon "
                   "IsDeleted CreatedDate LastModifiedDate SystemModstamp",
    "OpportunityContactRole": "Id OpportunityId ContactId Role IsPrimary IsDeleted "
                              "CreatedDate LastModifiedDate SystemModstamp",
}
SOQL = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+SystemModstamp\s*>=\s*(?P<since>\S+))?"
    r"\s+ORDER\s+BY\s+SystemModstamp\s*,\s*Id"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$", re.I | re.S)


def fresh_stats():
    return {"requests": 0, "tokens": 0, "queries": 0, "pages": 0,
            "bulk_jobs": 0, "bulk_polls": 0, "bulk_results": 0,
            "faults_served": 0, "after_429_ms": None, "last_429": None,
            "soql": []}


def parse_time(text):
    """A Salesforce datetime or date in any form the exports use."""
    t = text.strip()
    if len(t) == 10:
        t += "T00:00:00"
    t = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", t.replace("Z", "+00:00"))
    d = datetime.datetime.fromisoformat(t)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone.utc)


def rest_time(d):
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (d.microsecond // 1000)


def bulk_time(d):
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def typed(name, value):
    """A CSV value as REST JSON gives it."""
    if value == "":
        return None
    if name.startswith(("Is", "Has")) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if name in NUMERIC:
        try:
            n = float(value)
        except ValueError:  # not a number: served as it is (bad data)
            return value
        return int(n) if n == int(n) and "." not in value else n
    if name in DATETIME:
        return rest_time(parse_time(value))
    return value


def load(path):
    with open(path, newline="") as f:
        text = f.read()
    if path.endswith(".csv"):
        rows = [{k: typed(k, v) for k, v in row.items()}
                for row in csv.DictReader(io.StringIO(text))]
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    for r in rows:
        if not r.get("SystemModstamp"):
            r["SystemModstamp"] = r.get("LastModifiedDate") or r.get("CreatedDate")
    return rows


def field_value(rec, name):
    if name in rec:
        return rec[name]
    head, _, rest = name.partition(".")
    if rest and isinstance(rec.get(head), dict):
        return field_value(rec[head], rest)
    return None


def shape(obj, rec, fields):
    """The REST record: attributes, then the selected fields."""
    out = {"attributes": {"type": obj, "url": "/services/data/v60.0/sobjects/%s/%s"
                          % (obj, rec.get("Id"))}}
    for f in fields:
        v = field_value(rec, f)
        if "." in f:
            head, _, rest = f.partition(".")
            if v is None and out.get(head) is None:
                out[head] = None
                continue
            sub = out.get(head) or {"attributes": {"type": head}}
            sub[rest] = v
            out[head] = sub
        else:
            out[f] = v
    return out


def run_soql(soql):
    m = SOQL.match(soql.strip())
    if not m:
        return None, [{"message": "unexpected SOQL: %s" % soql,
                       "errorCode": "MALFORMED_QUERY"}]
    obj = m.group("object")
    fields = [f.strip() for f in m.group("fields").split(",")]
    path = ARGS.data.get(obj)
    if path is None:
        return None, [{"message": "sObject type '%s' is not supported." % obj,
                       "errorCode": "INVALID_TYPE"}]
    rows = load(path)
    known = set(SCHEMA.get(obj, "").split())
    for r in rows:
        known.update(r.keys())
    for f in fields:
        if f not in known:
            return None, [{"message": "No such column '%s' on entity '%s'" % (f, obj),
                           "errorCode": "INVALID_FIELD"}]
    since = m.group("since")
    if since:
        floor = parse_time(since)
        rows = [r for r in rows if parse_time(r["SystemModstamp"]) >= floor]
    rows.sort(key=lambda r: (parse_time(r["SystemModstamp"]), r["Id"]))
    if m.group("limit"):
        rows = rows[:int(m.group("limit"))]
    return (obj, fields, [shape(obj, r, fields) for r in rows]), None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, data, ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def reply(self, status, body, headers=()):
        self.send(status, json.dumps(body).encode(), headers=headers)

    def body(self):
        """The request's body, read once per request (a fault's answer
        reads it too, or the next request on the connection would start
        inside it)."""
        if not hasattr(self, "_body"):
            n = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(n) if n else b""
        return self._body

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    # --- control -------------------------------------------------------
    def control(self, method, path):
        data = self.body()
        with LOCK:
            if path == "/_emulator/fault":
                f = json.loads(data)
                f.setdefault("count", 1)
                f.setdefault("after", 0)
                STATE["faults"].append(f)
                self.reply(200, {"ok": True})
            elif path == "/_emulator/stats":
                s = dict(STATE["stats"])
                s.pop("last_429")
                self.reply(200, s)
            elif path == "/_emulator/reset":
                STATE["faults"] = []
                STATE["stats"] = fresh_stats()
                self.reply(200, {"ok": True})
            else:
                self.reply(404, {"error": "unknown control path"})

    def fault(self, token):
        """The fault this request meets, or None.  Every pending fault's
        "after" counts this request; the first one due is served.  The
        token endpoint meets only the HTTP-level faults."""
        chosen = None
        for f in STATE["faults"]:
            if token and f["kind"] not in HTTP_FAULTS:
                continue
            if f["after"] > 0:
                f["after"] -= 1
            elif chosen is None:
                chosen = f
        if chosen:
            chosen["count"] -= 1
            if chosen["count"] <= 0:
                STATE["faults"].remove(chosen)
            STATE["stats"]["faults_served"] += 1
        return chosen

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_emulator/"):
            return self.control(method, url.path)
        self.__dict__.pop("_body", None)  # one handler serves a connection
        self.body()
        with LOCK:
            st = STATE["stats"]
            st["requests"] += 1
            if st["last_429"] is not None:
                st["after_429_ms"] = int((time.time() - st["last_429"]) * 1000)
                st["last_429"] = None
            f = self.fault(url.path == "/services/oauth2/token")
            if f and f["kind"] == "429":
                st["last_429"] = time.time()
            if f and f["kind"] == "expire":
                STATE["tokens"].clear()
        kind = f["kind"] if f else None
        if kind == "drop":  # mid-answer (libcurl itself retries a
            self.body()        # connection closed before any answer)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'{"totalSize": 12, "records": [')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if kind == "429":
            return self.reply(429, [{"message": "Too many requests",
                                     "errorCode": "REQUEST_LIMIT_EXCEEDED_RATE"}],
                              [("Retry-After", str(f.get("retry_after", 1)))])
        if kind in ("500", "503"):
            return self.reply(int(kind), [{"message": "server error",
                                           "errorCode": "SERVER_UNAVAILABLE"}])
        if url.path == "/services/oauth2/token" and method == "POST":
            return self.token(url)
        if not self.authorized():
            self.body()
            return self.reply(401, [{"message": "Session expired or invalid",
                                     "errorCode": "INVALID_SESSION_ID"}])
        if kind == "limit":
            return self.reply(403, [{"message": "TotalRequests Limit exceeded.",
                                     "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        if kind == "malformed":
            return self.send(200, b'{"totalSize": 3, "done": false, "records": [{"Id"')
        m = re.match(r"^/services/data/v\d+\.\d+(/.*)$", url.path)
        if not m:
            return self.reply(404, [{"message": "The requested resource does not exist",
                                     "errorCode": "NOT_FOUND"}])
        rest = m.group(1)
        if rest == "/query" and method == "GET":
            return self.query(urllib.parse.parse_qs(url.query).get("q", [""])[0],
                              kind == "empty")
        qm = re.match(r"^/query/(\w+)-(\d+)$", rest)
        if qm and method == "GET":
            return self.page(qm.group(1), int(qm.group(2)), kind == "empty")
        if rest == "/jobs/query" and method == "POST":
            return self.bulk_create()
        jm = re.match(r"^/jobs/query/(\w+)(/results)?$", rest)
        if jm and method == "GET":
            if jm.group(2):
                return self.bulk_results(jm.group(1), urllib.parse.parse_qs(url.query))
            return self.bulk_poll(jm.group(1))
        self.reply(404, [{"message": "The requested resource does not exist",
                          "errorCode": "NOT_FOUND"}])

    # --- OAuth -----------------------------------------------------------
    def token(self, url):
        form = urllib.parse.parse_qs(url.query)
        form.update(urllib.parse.parse_qs(self.body().decode()))
        get = lambda k: form.get(k, [""])[0]
        if get("grant_type") != "client_credentials":
            return self.reply(400, {"error": "unsupported_grant_type",
                                    "error_description": "grant type not supported"})
        if get("client_id") != ARGS.client_id or get("client_secret") != ARGS.client_secret:
            return self.reply(400, {"error": "invalid_client",
                                    "error_description": "invalid client credentials"})
        with LOCK:
            STATE["serial"] += 1
            tok = "00D5e0000000001!emu%06d" % STATE["serial"]
            STATE["tokens"].add(tok)
            STATE["stats"]["tokens"] += 1
        host = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.reply(200, {"access_token": tok, "instance_url": host,
                         "id": host + "/id/00D5e0000000001/0055e000000001",
                         "token_type": "Bearer",
                         "issued_at": str(int(time.time() * 1000)),
                         "signature": "c2lnbmF0dXJl"})

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        with LOCK:
            return auth.startswith("Bearer ") and auth[7:] in STATE["tokens"]

    # --- REST query --------------------------------------------------------
    def batch_size(self):
        opts = self.headers.get("Sforce-Query-Options", "")
        m = re.search(r"batchSize\s*=\s*(\d+)", opts)
        return int(m.group(1)) if m else ARGS.page_size

    def query(self, soql, empty):
        result, err = run_soql(soql)
        if err:
            return self.reply(400, err)
        with LOCK:
            STATE["serial"] += 1
            loc = "01g5e%08dAAA" % STATE["serial"]
            STATE["cursors"][loc] = (result[2], self.batch_size())
            STATE["stats"]["queries"] += 1
            STATE["stats"]["soql"].append(soql)
        return self.page(loc, 0, empty)

    def page(self, loc, offset, empty):
        with LOCK:
            cur = STATE["cursors"].get(loc)
            if cur:
                STATE["stats"]["pages"] += 1
        if not cur:
            return self.reply(400, [{"message": "invalid query locator",
                                     "errorCode": "INVALID_QUERY_LOCATOR"}])
        rows, size = cur
        chunk = [] if empty else rows[offset:offset + size]
        end = offset + len(chunk)
        body = {"totalSize": len(rows), "done": end >= len(rows) and not empty,
                "records": chunk}
        if not body["done"]:
            body["nextRecordsUrl"] = "/services/data/v60.0/query/%s-%d" % (loc, end)
        self.reply(200, body)

    # --- Bulk API 2.0 ------------------------------------------------------
    def bulk_create(self):
        try:
            req = json.loads(self.body())
        except ValueError:
            return self.reply(400, [{"message": "invalid JSON", "errorCode": "JSON_PARSER_ERROR"}])
        if req.get("operation") != "query":
            return self.reply(400, [{"message": "operation must be query",
                                     "errorCode": "INVALIDJOB"}])
        result, err = run_soql(req.get("query", ""))
        if err:
            return self.reply(400, err)
        with LOCK:
            STATE["serial"] += 1
            jid = "7505e%08dAAA" % STATE["serial"]
            STATE["jobs"][jid] = {"rows": result, "polls": 0}
            STATE["stats"]["bulk_jobs"] += 1
            STATE["stats"]["soql"].append(req["query"])
        self.reply(200, {"id": jid, "operation": "query", "object": result[0],
                         "state": "UploadComplete", "concurrencyMode": "Parallel",
                         "contentType": "CSV", "apiVersion": 60.0,
                         "lineEnding": "LF", "columnDelimiter": "COMMA"})

    def bulk_poll(self, jid):
        with LOCK:
            job = STATE["jobs"].get(jid)
            if job:
                job["polls"] += 1
                STATE["stats"]["bulk_polls"] += 1
        if not job:
            return self.reply(404, [{"message": "job not found", "errorCode": "NOT_FOUND"}])
        done = job["polls"] > ARGS.bulk_polls
        self.reply(200, {"id": jid, "operation": "query", "object": job["rows"][0],
                         "state": "JobComplete" if done else "InProgress",
                         "numberRecordsProcessed": len(job["rows"][2]) if done else 0})

    def bulk_results(self, jid, qs):
        with LOCK:
            job = STATE["jobs"].get(jid)
            STATE["stats"]["bulk_results"] += 1
        if not job or job["polls"] <= ARGS.bulk_polls:
            return self.reply(400, [{"message": "job not complete",
                                     "errorCode": "INVALIDJOB"}])
        _, fields, rows = job["rows"]
        start = int(qs.get("locator", ["0"])[0] or 0)
        size = int(qs.get("maxRecords", [str(ARGS.page_size)])[0])
        chunk = rows[start:start + size]
        out = io.StringIO()
        w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(fields)
        for r in chunk:
            vals = []
            for f in fields:
                v = field_value(r, f)
                if v is None:
                    v = ""
                elif isinstance(v, bool):
                    v = "true" if v else "false"
                elif f in DATETIME:
                    v = bulk_time(parse_time(v))
                vals.append(str(v))
            w.writerow(vals)
        end = start + len(chunk)
        self.send(200, out.getvalue().encode(), "text/csv",
                  [("Sforce-Locator", str(end) if end < len(rows) else "null"),
                   ("Sforce-NumberOfRecords", str(len(chunk)))])


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--data", action="append", default=[])
    p.add_argument("--client-id", default="emulator-client")
    p.add_argument("--client-secret", default="emulator-secret")
    p.add_argument("--page-size", type=int, default=2000)
    p.add_argument("--bulk-polls", type=int, default=1)
    ARGS = p.parse_args()
    ARGS.data = dict(d.split("=", 1) for d in ARGS.data)
    STATE["stats"] = fresh_stats()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(tmp, ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
