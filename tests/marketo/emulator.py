#!/usr/bin/env python3
"""A Marketo Engage REST API emulator for touchflow's tests.

Implements the documented behaviour of the endpoints the marketo sink uses
(FORMATS.md section 1; the official Swagger specs marketo-swagger-mapi.json and
marketo-swagger-identity.json): the Identity token endpoint, Sync Leads, Get
Leads by filter type, lead partitions and static list membership, with the
documented limits (100 calls / 20 s, 10 in flight, 300 records, 1 MB bodies,
8 KB URIs) and error codes.  A control API under /_emulator/ (no auth) seeds
the lead database, injects faults, moves the clock and reports statistics.

Start:  python3 emulator.py --port 0 --port-file FILE
                            [--client-id ID --client-secret S] [--log FILE]
It binds 127.0.0.1 only, writes the chosen port to FILE (atomically) once it
accepts connections, and serves until SIGTERM or SIGINT.  Python 3 standard
library only.  README.md next to this file documents every behaviour.
"""

import argparse
import base64
import collections
import datetime
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20  # 413 above this many bytes (error-codes.md)
MAX_CONTROL_BODY = 64 << 20  # the control API takes large seeds
MAX_DRAIN = 64 << 20  # an oversized body up to this size is read, then refused
MAX_BATCH = 300  # records per call, filter values, list ids, batchSize
MAX_FILTER_MATCHES = 1000  # Get Leads: more matches -> 1003
REQUEST_LOG_SIZE = 2000

# Calls answered with these codes count against neither the rate limit nor
# the daily quota (the asterisked codes of error-codes.md).
UNCOUNTED_CODES = {"601", "602", "604", "605", "608", "611"}

MESSAGES = {
    "500": "Internal server error",
    "502": "Bad Gateway",
    "601": "Access token invalid",
    "602": "Access token expired",
    "603": "Access denied",
    "604": "Request time-out",
    "605": "HTTP Method not supported",
    "606": "Max rate limit '%s' exceeded with in '%s' secs",
    "607": "Daily quota reached",
    "608": "API Temporarily Unavailable",
    "609": "Invalid JSON",
    "610": "Requested resource not found",
    "611": "System error",
    "612": "Invalid Content Type",
    "613": "Invalid Multipart Request",
    "614": "Invalid Subscription",
    "615": "Concurrent access limit reached",
    "616": "Invalid subscription type",
    "701": "%s cannot be blank",
    "702": "No data found for a given search scenario",
    "703": "The feature is not enabled for the subscription",
    "704": "Invalid date format",
    "709": "Business Rule Violation",
    "713": "Transient Error",
    "1001": "Invalid value '%s'. Required of type '%s'",
    "1003": "Invalid data",
    "1004": "Lead not found",
    "1005": "Lead already exists",
    "1007": "Multiple leads match the lookup criteria",
    "1008": "Access denied to partition '%s'",
    "1010": "Partition update not allowed",
    "1011": "Field '%s' not supported",
    "1013": "Object not found",
    "1015": "Lead not in list",
}

SYNC_ACTIONS = ("createOnly", "updateOnly", "createOrUpdate", "createDuplicate")
DEFAULT_FIELDS = ["id", "email", "updatedAt", "createdAt", "firstName", "lastName"]
# Standard fields that exist but cannot be a lookupField or filterType (1011);
# the searchable standard fields are listed in the filterType description of
# getLeadsByFilterUsingGET, and any other name is taken as a custom field.
UNSEARCHABLE_FIELDS = {
    "firstName", "lastName", "middleName", "salutation", "title", "company",
    "phone", "mobilePhone", "fax", "address", "city", "state", "country",
    "postalCode", "website", "leadSource", "leadStatus", "createdAt",
    "updatedAt", "dateOfBirth", "unsubscribed",
}
# Fields Sync Leads never writes (system managed).
READ_ONLY_FIELDS = {"id", "createdAt", "updatedAt", "leadPartitionId"}

DEFAULT_CLIENT_ID = "emulator-client"
DEFAULT_CLIENT_SECRET = "emulator-secret"
DEFAULT_SCOPE = "apis@emulator.invalid"
DEFAULT_CONFIG = {
    "token_ttl_s": 3600,
    "rate_limit": 100,
    "rate_window_s": 20,
    "max_in_flight": 10,
    "daily_quota": 50000,
    "max_uri_bytes": 8192,
    "envelope": "docs",
}
CONFIG_KEYS = set(DEFAULT_CONFIG) | {"clients"}
RESET_KEYS = CONFIG_KEYS | {"partitions", "lists", "leads"}
FAULT_KEYS = {"next", "code", "message", "http_status", "latency_ms", "drop",
              "drop_after", "seed_leads", "target", "endpoint", "clear"}


class ApiError(Exception):
    """A response-level error: HTTP 200, success false, errors[0] = code."""

    def __init__(self, code, message=None):
        super().__init__(message or MESSAGES.get(code, "Error"))
        self.code = code
        self.message = message or MESSAGES.get(code, "Error")


class ControlError(Exception):
    """A bad control API request: HTTP 400 with {"error": message}."""


def iso(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    if not isinstance(text, str):
        raise ControlError("expected an ISO-8601 date-time string, got %r" % (text,))
    try:
        d = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ControlError("not an ISO-8601 date-time: %r" % (text,))
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


def field_text(value):
    """The string a filter value is compared with."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_multi(values):
    """A query parameter given as repeated keys and/or comma-separated."""
    out = []
    for v in values:
        out.extend(p.strip() for p in v.split(","))
    return [p for p in out if p != ""]


def redact_target(target):
    """The request target with secrets and tokens masked, for the log."""
    parts = urllib.parse.urlsplit(target)
    if not parts.query:
        shown = target
    else:
        pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        masked = [(k, "***" if k in ("client_secret", "access_token") else v)
                  for k, v in pairs]
        shown = parts.path + "?" + urllib.parse.urlencode(masked, safe=",@:*")
    if len(shown) > 300:
        shown = shown[:300] + "...(%d bytes)" % len(target)
    return shown


def mask_token(token):
    return token[:4] + "..." if token else "-"


class Clock:
    """The emulator's business clock: it stamps createdAt/updatedAt and ages
    tokens.  It runs with real time unless frozen; tests move it."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.base = time.time()
        self.mono = time.monotonic()
        self.frozen = False

    def now(self):
        if self.frozen:
            return self.base
        return self.base + (time.monotonic() - self.mono)

    def set(self, t):
        self.base = t
        self.mono = time.monotonic()

    def advance(self, seconds):
        self.set(self.now() + seconds)

    def freeze(self, frozen):
        self.set(self.now())
        self.frozen = frozen


class StaleConnection(Exception):
    """The request came on a connection accepted before the last reset."""


class FaultRule:
    def __init__(self, spec):
        self.remaining = spec.get("next", 1)
        self.code = spec.get("code")
        self.message = spec.get("message")
        self.http_status = spec.get("http_status")
        self.latency_ms = spec.get("latency_ms", 0)
        self.drop = bool(spec.get("drop", False))
        self.drop_after = bool(spec.get("drop_after", False))
        self.seed_leads = spec.get("seed_leads") or []
        self.target = spec.get("target", "rest")
        self.endpoint = spec.get("endpoint")

    def matches(self, target, endpoint):
        if self.target != "all" and self.target != target:
            return False
        return self.endpoint is None or self.endpoint in endpoint

    def describe(self):
        return {k: v for k, v in (
            ("next", self.remaining), ("code", self.code), ("message", self.message),
            ("http_status", self.http_status), ("latency_ms", self.latency_ms),
            ("drop", self.drop), ("drop_after", self.drop_after),
            ("seed_leads", len(self.seed_leads)), ("target", self.target),
            ("endpoint", self.endpoint)) if v not in (None, False, 0)}


class Emulator:
    """All state, behind one lock.  Handlers never sleep holding it."""

    def __init__(self, cli_clients, cli_ttl=None):
        self.lock = threading.Lock()
        self.cli_clients = cli_clients
        self.cli_ttl = cli_ttl
        self.clock = Clock()
        self.log_file = None
        self.in_flight = 0
        self.generation = 0
        self.reset({})

    # ----- configuration -------------------------------------------------
    def reset(self, spec):
        unknown = set(spec) - RESET_KEYS
        if unknown:
            raise ControlError("unknown reset keys: %s" % ", ".join(sorted(unknown)))
        with self.lock:
            self.generation += 1
            self.config = dict(DEFAULT_CONFIG)
            if self.cli_ttl is not None:
                self.config["token_ttl_s"] = self.cli_ttl
            self.clients = dict(self.cli_clients)
            self._apply_config(spec)
            self.clock.reset()
            self.tokens = {}
            self.client_token = {}
            self.faults = []
            self.latency_ms = 0
            self.window = collections.deque()
            self.daily = {}
            self.stats = self._new_stats()
            self.requests = collections.deque(maxlen=REQUEST_LOG_SIZE)
            self.request_seq = 0
            self._reset_db(spec)

    def configure(self, spec):
        unknown = set(spec) - CONFIG_KEYS
        if unknown:
            raise ControlError("unknown config keys: %s" % ", ".join(sorted(unknown)))
        with self.lock:
            self._apply_config(spec)
            return self._describe_config()

    def _apply_config(self, spec):
        for key in ("token_ttl_s", "rate_window_s"):
            if key in spec:
                v = spec[key]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                    raise ControlError("%s must be a positive number" % key)
                self.config[key] = v
        for key in ("rate_limit", "max_in_flight", "daily_quota", "max_uri_bytes"):
            if key in spec:
                v = spec[key]
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise ControlError("%s must be a positive integer" % key)
                self.config[key] = v
        if "envelope" in spec:
            if spec["envelope"] not in ("docs", "spec"):
                raise ControlError("envelope must be \"docs\" or \"spec\"")
            self.config["envelope"] = spec["envelope"]
        if "clients" in spec:
            clients = spec["clients"]
            if not isinstance(clients, dict):
                raise ControlError("clients must be an object {client_id: secret}")
            parsed = {}
            for cid, val in clients.items():
                if isinstance(val, str):
                    parsed[cid] = {"secret": val, "scope": DEFAULT_SCOPE}
                elif isinstance(val, dict) and isinstance(val.get("secret"), str):
                    parsed[cid] = {"secret": val["secret"],
                                   "scope": str(val.get("scope", DEFAULT_SCOPE))}
                else:
                    raise ControlError("clients[%s] must be a secret string or "
                                       "{\"secret\": .., \"scope\": ..}" % cid)
            self.clients = parsed

    def _describe_config(self):
        d = dict(self.config)
        d["clients"] = sorted(self.clients)
        return d

    def _reset_db(self, spec):
        self.partitions = [{"id": 1, "name": "Default",
                            "description": "Initial system lead partition"}]
        for p in spec.get("partitions", []):
            if isinstance(p, str):
                p = {"name": p}
            if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                raise ControlError("partitions: each item is a name or {\"name\": ..}")
            if p["name"] == "Default":
                if "description" in p:
                    self.partitions[0]["description"] = str(p["description"])
                continue
            if any(x["name"] == p["name"] for x in self.partitions):
                raise ControlError("partitions: duplicate name %r" % p["name"])
            entry = {"id": len(self.partitions) + 1, "name": p["name"]}
            if "description" in p:
                entry["description"] = str(p["description"])
            self.partitions.append(entry)
        self.lists = {}
        for item in spec.get("lists", []):
            if isinstance(item, int) and not isinstance(item, bool):
                item = {"id": item}
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                raise ControlError("lists: each item is an id or {\"id\": .., \"name\": ..}")
            self.lists[item["id"]] = {"id": item["id"],
                                      "name": str(item.get("name", "List %d" % item["id"])),
                                      "members": set()}
        self.leads = {}
        self.next_id = 1
        self._seed(spec.get("leads", []))

    def _seed(self, leads):
        if not isinstance(leads, list):
            raise ControlError("leads must be an array")
        for rec in leads:
            if not isinstance(rec, dict):
                raise ControlError("leads: each item must be an object")
            rec = dict(rec)
            pname = rec.pop("partition", "Default")
            part = self._partition(pname)
            if part is None:
                raise ControlError("leads: unknown partition %r" % (pname,))
            lead_id = rec.pop("id", None)
            if lead_id is None:
                lead_id = self.next_id
            elif isinstance(lead_id, bool) or not isinstance(lead_id, int) or lead_id < 1:
                raise ControlError("leads: id must be a positive integer")
            if lead_id in self.leads:
                raise ControlError("leads: duplicate id %d" % lead_id)
            now = self.clock.now()
            created = parse_iso(rec.pop("createdAt")) if "createdAt" in rec else now
            updated = parse_iso(rec.pop("updatedAt")) if "updatedAt" in rec else created
            lists = rec.pop("lists", [])
            rec.pop("leadPartitionId", None)
            for list_id in lists:
                if list_id not in self.lists:
                    raise ControlError("leads: unknown list %r" % (list_id,))
            self.leads[lead_id] = {
                "id": lead_id, "partition": part["id"],
                "fields": {k: v for k, v in rec.items() if v is not None},
                "createdAt": created, "updatedAt": updated,
            }
            for list_id in lists:
                self.lists[list_id]["members"].add(lead_id)
            self.next_id = max(self.next_id, lead_id + 1)

    def seed(self, spec):
        leads = spec.get("leads") if isinstance(spec, dict) else None
        with self.lock:
            self._seed(leads if leads is not None else [])
            return {"leads": len(self.leads)}

    def _partition(self, name):
        for p in self.partitions:
            if p["name"] == name:
                return p
        return None

    def _partition_name(self, pid):
        for p in self.partitions:
            if p["id"] == pid:
                return p["name"]
        return None

    # ----- faults, clock, tokens -----------------------------------------
    def add_faults(self, spec):
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ControlError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        with self.lock:
            if spec.get("clear"):
                self.faults = []
                self.latency_ms = 0
            rule_keys = {"next", "code", "http_status", "drop", "drop_after", "seed_leads"}
            if "latency_ms" in spec and not (set(spec) & rule_keys):
                # Latency alone: applies to every later call until changed.
                self.latency_ms = self._check_ms(spec["latency_ms"])
            elif set(spec) & rule_keys:
                self.faults.append(self._check_rule(spec))
            return self._describe_faults()

    def _check_ms(self, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ControlError("latency_ms must be a non-negative number")
        return v

    def _check_rule(self, spec):
        n = spec.get("next", 1)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ControlError("next must be a positive integer")
        if "code" in spec:
            spec["code"] = str(spec["code"])
            if not re.fullmatch(r"[1-9][0-9]{2,3}", spec["code"]):
                raise ControlError("code must be an error code like \"606\"")
        hs = spec.get("http_status")
        if hs is not None and (isinstance(hs, bool) or not isinstance(hs, int)
                               or not 100 <= hs <= 599):
            raise ControlError("http_status must be an HTTP status code")
        self._check_ms(spec.get("latency_ms", 0))
        if spec.get("target", "rest") not in ("rest", "identity", "all"):
            raise ControlError("target must be \"rest\", \"identity\" or \"all\"")
        if "endpoint" in spec and not isinstance(spec["endpoint"], str):
            raise ControlError("endpoint must be a string")
        self._check_seed(spec.get("seed_leads", []))
        return FaultRule(spec)

    def _check_seed(self, leads):
        """Catches a bad seed_leads rule when it is posted, not when it fires."""
        if not isinstance(leads, list):
            raise ControlError("seed_leads must be an array of leads")
        for rec in leads:
            if not isinstance(rec, dict):
                raise ControlError("seed_leads: each item must be an object")
            if self._partition(rec.get("partition", "Default")) is None:
                raise ControlError("seed_leads: unknown partition %r" % (rec.get("partition"),))
            for list_id in rec.get("lists", []):
                if list_id not in self.lists:
                    raise ControlError("seed_leads: unknown list %r" % (list_id,))

    def _describe_faults(self):
        return {"latency_ms": self.latency_ms,
                "pending": [r.describe() for r in self.faults]}

    def describe_faults(self):
        with self.lock:
            return self._describe_faults()

    def take_fault(self, target, endpoint):
        """The fault rule this call consumes, if any, and the total latency."""
        with self.lock:
            latency = self.latency_ms
            for i, rule in enumerate(self.faults):
                if rule.matches(target, endpoint):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        del self.faults[i]
                    if rule.seed_leads:
                        try:
                            self._seed(rule.seed_leads)
                        except ControlError as e:
                            print("marketo emulator: seed_leads fault: %s" % e,
                                  file=sys.stderr, flush=True)
                    return rule, latency + rule.latency_ms
            return None, latency

    def set_clock(self, spec):
        if not isinstance(spec, dict) or set(spec) - {"advance_s", "now", "freeze"}:
            raise ControlError("clock takes {\"advance_s\": N} or {\"now\": ISO} "
                               "and optionally {\"freeze\": bool}")
        with self.lock:
            if "freeze" in spec:
                self.clock.freeze(bool(spec["freeze"]))
            if "now" in spec:
                self.clock.set(parse_iso(spec["now"]))
            if "advance_s" in spec:
                v = spec["advance_s"]
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise ControlError("advance_s must be a number")
                self.clock.advance(v)
            return self._describe_clock()

    def _describe_clock(self):
        return {"now": iso(self.clock.now()), "epoch": self.clock.now(),
                "frozen": self.clock.frozen}

    def describe_clock(self):
        with self.lock:
            return self._describe_clock()

    def expire_tokens(self):
        with self.lock:
            n = 0
            for tok in self.tokens.values():
                if not tok["expired"]:
                    tok["expired"] = True
                    n += 1
            return {"expired": n}

    def issue_token(self, query):
        """(HTTP status, body) for an Identity call."""
        def one(key):
            vals = query.get(key)
            return vals[0] if vals else None

        grant, cid, secret = one("grant_type"), one("client_id"), one("client_secret")
        with self.lock:
            self.stats["identity_calls"] += 1
            if not grant:
                return 400, {"error": "invalid_request", "error_description": "Missing grant type"}
            if grant != "client_credentials":
                return 400, {"error": "unsupported_grant_type",
                             "error_description": "Unsupported grant type: %s" % grant}
            client = self.clients.get(cid) if cid else None
            if client is None:
                return 401, {"error": "unauthorized",
                             "error_description": "No client with requested id: %s" % (cid or "")}
            if secret != client["secret"]:
                return 401, {"error": "unauthorized",
                             "error_description": "Bad client credentials"}
            now = self.clock.now()
            token = self.client_token.get(cid)
            info = self.tokens.get(token) if token else None
            if info is None or info["expired"] or info["expires"] - now < 1:
                token = "%s:emu" % uuid.uuid4()
                info = {"client": cid, "expires": now + self.config["token_ttl_s"],
                        "expired": False}
                self.tokens[token] = info
                self.client_token[cid] = token
                self.stats["tokens_issued"] += 1
            return 200, {"access_token": token, "token_type": "bearer",
                         "expires_in": int(info["expires"] - now),
                         "scope": client["scope"]}

    def check_token(self, token):
        """None when the token is good, else the error code."""
        with self.lock:
            info = self.tokens.get(token) if token else None
            if info is None:
                return "601"
            if info["expired"] or self.clock.now() >= info["expires"]:
                return "602"
            return None

    # ----- limits ----------------------------------------------------------
    def enter(self):
        with self.lock:
            self.in_flight += 1
            self.stats["max_in_flight"] = max(self.stats["max_in_flight"], self.in_flight)
            return self.in_flight

    def leave(self):
        with self.lock:
            self.in_flight -= 1

    def admit(self):
        """Counts one call against the rate window and the daily quota;
        returns the error code when a limit is exceeded, else None."""
        with self.lock:
            now = time.monotonic()
            window = self.window
            while window and window[0] <= now - self.config["rate_window_s"]:
                window.popleft()
            window.append(now)
            if len(window) > self.config["rate_limit"]:
                return "606"
            # The quota day starts at 12:00 AM CST (UTC-6).
            day = int((self.clock.now() - 6 * 3600) // 86400)
            used = self.daily.get(day, 0)
            if used >= self.config["daily_quota"]:
                return "607"
            self.daily = {day: used + 1}
            return None

    def rate_message(self):
        with self.lock:
            return MESSAGES["606"] % (self.config["rate_limit"],
                                      field_text(self.config["rate_window_s"]))

    # ----- stats and the request log --------------------------------------
    @staticmethod
    def _new_stats():
        return {"calls": collections.Counter(), "errors": collections.Counter(),
                "reasons": collections.Counter(), "http_status": collections.Counter(),
                "max_in_flight": 0, "tokens_issued": 0, "identity_calls": 0,
                "dropped": 0, "counted_calls": 0}

    def record(self, entry):
        with self.lock:
            if entry.pop("generation", self.generation) != self.generation:
                return  # answered across a reset: not this test's call
            s = self.stats
            if entry.get("endpoint"):
                s["calls"][entry["endpoint"]] += 1
            if entry.get("code"):
                s["errors"][entry["code"]] += 1
            for code in entry.pop("reason_codes", []):
                s["reasons"][code] += 1
            if entry.get("http_status") not in (None, 200):
                s["http_status"][str(entry["http_status"])] += 1
            if entry.get("dropped"):
                s["dropped"] += 1
            if entry.get("counted"):
                s["counted_calls"] += 1
            self.request_seq += 1
            entry["seq"] = self.request_seq
            self.requests.append(entry)

    def describe_stats(self):
        with self.lock:
            s = self.stats
            out = {k: (dict(v) if isinstance(v, collections.Counter) else v)
                   for k, v in s.items()}
            out["in_flight"] = self.in_flight
            out["calls_total"] = sum(s["calls"].values())
            out["rate_window_calls"] = len(self.window)
            out["tokens_active"] = sum(
                1 for t in self.tokens.values()
                if not t["expired"] and t["expires"] > self.clock.now())
            return out

    def describe_requests(self, since):
        with self.lock:
            return {"requests": [e for e in self.requests if e["seq"] > since],
                    "last_seq": self.request_seq}

    def log(self, line):
        if self.log_file is None:
            return
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    # ----- the lead database ---------------------------------------------
    def describe_db(self):
        with self.lock:
            membership = collections.defaultdict(list)
            for lst in self.lists.values():
                for lead_id in lst["members"]:
                    membership[lead_id].append(lst["id"])
            leads = []
            for lead in sorted(self.leads.values(), key=lambda x: x["id"]):
                d = dict(lead["fields"])
                d.update({"id": lead["id"], "partition": self._partition_name(lead["partition"]),
                          "leadPartitionId": lead["partition"],
                          "createdAt": iso(lead["createdAt"]), "updatedAt": iso(lead["updatedAt"]),
                          "lists": sorted(membership[lead["id"]])})
                leads.append(d)
            return {"partitions": [dict(p) for p in self.partitions],
                    "lists": [{"id": l["id"], "name": l["name"], "members": sorted(l["members"])}
                              for l in sorted(self.lists.values(), key=lambda x: x["id"])],
                    "leads": leads}

    def _value(self, lead, field):
        if field == "id":
            return lead["id"]
        if field == "leadPartitionId":
            return lead["partition"]
        if field in ("createdAt", "updatedAt"):
            return iso(lead[field])
        return lead["fields"].get(field)

    def render(self, lead, fields):
        out = {"id": lead["id"]}
        for f in fields:
            if f == "id":
                continue
            v = self._value(lead, f)
            if v is not None:
                out[f] = v
        return out

    def sync_leads(self, action, lookup, partition_name, explicit_partition, records):
        with self.lock:
            return [self._sync_one(r, action, lookup, partition_name, explicit_partition)
                    for r in records]

    def _sync_one(self, rec, action, lookup, partition_name, explicit_partition):
        def skip(code, message=None):
            return {"status": "skipped",
                    "reasons": [{"code": code, "message": message or MESSAGES[code]}]}

        if not isinstance(rec, dict):
            return skip("1003", "Invalid data: each input record must be an object")
        part = self._partition(partition_name)
        if part is None:
            return skip("1008", MESSAGES["1008"] % partition_name)
        if action != "createDuplicate":
            if lookup in UNSEARCHABLE_FIELDS:
                return skip("1011", MESSAGES["1011"] % lookup)
            if lookup == "id" and action != "updateOnly":
                return skip("1003", "Invalid data: lookupField 'id' is only valid "
                                    "with action 'updateOnly'")
        if "id" in rec and action != "updateOnly":
            return skip("1003", "Invalid data: 'id' can only be sent with action 'updateOnly'")
        email = rec.get("email")
        if isinstance(email, str) and not email.isascii():
            return skip("1001", MESSAGES["1001"] % (email, "email"))

        if action == "createDuplicate":
            return self._create(rec, part["id"])
        key = rec.get(lookup)
        if key is None or key == "":
            return skip("1003", "Value for lookup field '%s' not found" % lookup)
        if lookup == "id":
            if isinstance(key, bool) or not isinstance(key, int):
                return skip("1001", MESSAGES["1001"] % (field_text(key), "integer"))
            lead = self.leads.get(key)
            matches = [lead] if lead else []
        else:
            text = field_text(key)
            matches = [l for l in self.leads.values()
                       if l["partition"] == part["id"]
                       and self._value(l, lookup) is not None
                       and field_text(self._value(l, lookup)) == text]

        if action == "createOnly":
            return skip("1005") if matches else self._create(rec, part["id"])
        if len(matches) > 1:
            return skip("1007")
        if not matches:
            return skip("1004") if action == "updateOnly" else self._create(rec, part["id"])
        lead = matches[0]
        if explicit_partition and lead["partition"] != part["id"]:
            return skip("1010")
        return self._update(lead, rec)

    def _create(self, rec, partition_id):
        now = self.clock.now()
        lead_id = self.next_id
        self.next_id += 1
        self.leads[lead_id] = {
            "id": lead_id, "partition": partition_id,
            "fields": {k: v for k, v in rec.items()
                       if k not in READ_ONLY_FIELDS and v is not None},
            "createdAt": now, "updatedAt": now,
        }
        return {"id": lead_id, "status": "created"}

    def _update(self, lead, rec):
        for k, v in rec.items():
            if k in READ_ONLY_FIELDS:
                continue
            if v is None:
                lead["fields"].pop(k, None)
            else:
                lead["fields"][k] = v
        # updatedAt advances on every update, even within one clock second.
        lead["updatedAt"] = max(int(self.clock.now()), int(lead["updatedAt"]) + 1)
        return {"id": lead["id"], "status": "updated"}

    def find_leads(self, filter_type, values):
        with self.lock:
            wanted = set(values)
            found = [l for l in self.leads.values()
                     if self._value(l, filter_type) is not None
                     and field_text(self._value(l, filter_type)) in wanted]
            return sorted(found, key=lambda x: x["id"])

    def get_lead(self, lead_id):
        with self.lock:
            return self.leads.get(lead_id)

    def list_members(self, list_id):
        with self.lock:
            lst = self.lists.get(list_id)
            if lst is None:
                return None
            return [self.leads[i] for i in sorted(lst["members"]) if i in self.leads]

    def list_operation(self, list_id, ids, op):
        with self.lock:
            lst = self.lists.get(list_id)
            if lst is None:
                raise ApiError("1013", "Object not found: static list %d" % list_id)
            out = []
            for lead_id in ids:
                if lead_id not in self.leads:
                    out.append({"id": lead_id, "status": "skipped",
                                "reasons": [{"code": "1004", "message": MESSAGES["1004"]}]})
                elif op == "add":
                    lst["members"].add(lead_id)
                    out.append({"id": lead_id, "status": "added"})
                elif op == "remove":
                    if lead_id in lst["members"]:
                        lst["members"].discard(lead_id)
                        out.append({"id": lead_id, "status": "removed"})
                    else:
                        out.append({"id": lead_id, "status": "skipped",
                                    "reasons": [{"code": "1015", "message": MESSAGES["1015"]}]})
                else:
                    out.append({"id": lead_id, "status": "memberof"
                                if lead_id in lst["members"] else "notmemberof"})
            return out


# ----- HTTP ------------------------------------------------------------------

class Reply:
    """What one call answers: a JSON body (or raw bytes) with an HTTP status,
    or a dropped connection."""

    def __init__(self, status=200, body=None, raw=None, ctype="application/json;charset=UTF-8",
                 code=None, drop=False, close=False):
        self.status, self.body, self.raw, self.ctype = status, body, raw, ctype
        self.code, self.drop, self.close = code, drop, close
        self.counted = False
        self.reason_codes = []


def plain(status, text, close=False):
    html = "<html><body><h1>%d %s</h1></body></html>\n" % (status, text)
    return Reply(status, raw=html.encode(), ctype="text/html", close=close)


ROUTES = [
    (re.compile(r"/rest/v1/leads\.json"), "/rest/v1/leads.json",
     {"GET": "get_leads", "POST": "sync_leads"}),
    (re.compile(r"/rest/v1/leads/partitions\.json"), "/rest/v1/leads/partitions.json",
     {"GET": "partitions"}),
    (re.compile(r"/rest/v1/lead/(\d+)\.json"), "/rest/v1/lead/{leadId}.json",
     {"GET": "get_lead"}),
    (re.compile(r"/rest/v1/lists/(\d+)/leads\.json"), "/rest/v1/lists/{listId}/leads.json",
     {"GET": "list_members", "POST": "list_add", "DELETE": "list_remove"}),
    (re.compile(r"/rest/v1/lists/(\d+)/leads/ismember\.json"),
     "/rest/v1/lists/{listId}/leads/ismember.json", {"GET": "list_ismember"}),
]


def media_type(header):
    return (header or "").split(";")[0].strip().lower()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "touchflow-marketo-emulator/1"
    sys_version = ""
    timeout = 120

    def log_message(self, fmt, *args):
        pass  # --log writes our own lines, never headers

    @property
    def em(self):
        return self.server.emulator

    def setup(self):
        super().setup()
        self.generation = self.server.generation_of(self.request)

    def _stale(self):
        """A connection accepted before the last reset belongs to a client
        of the previous test: its late requests must neither change the new
        state nor count in the new statistics."""
        return self.generation != self.em.generation

    # Refuse an announced oversized body before the client sends it.
    def handle_expect_100(self):
        length = self._content_length()
        if length is not None and length > self._body_limit():
            self.close_connection = True
            self._write(plain(413, "Request Entity Too Large", close=True))
            self.em.record({"method": self.command, "path": urllib.parse.urlsplit(self.path).path,
                            "time": iso(self.em.clock.now()), "http_status": 413})
            self._finish_log(413, None, 0.0)
            return False
        return super().handle_expect_100()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    # ----- plumbing ---------------------------------------------------------
    def _content_length(self):
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        try:
            n = int(value)
        except ValueError:
            return -1
        return n if n >= 0 else -1

    def _body_limit(self):
        return MAX_CONTROL_BODY if self.path.startswith("/_emulator/") else MAX_BODY

    def _read_body(self, limit):
        """The body bytes, or None when it exceeds limit (it is drained when
        small enough to keep the connection in step, else the connection is
        closed)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data = self.rfile.read(size)
                self.rfile.readline(65537)
                total += size
                if total > MAX_DRAIN:
                    self.close_connection = True
                    return None
                if total <= limit:
                    chunks.append(data)
            return b"".join(chunks) if total <= limit else None
        n = self._content_length()
        if n is None:
            return b""
        if n < 0:
            raise ValueError("bad Content-Length")
        if n > limit:
            if n <= MAX_DRAIN:
                while n > 0:
                    got = self.rfile.read(min(n, 1 << 16))
                    if not got:
                        break
                    n -= len(got)
            else:
                self.close_connection = True
            return None
        return self.rfile.read(n)

    def _write(self, reply):
        if reply.raw is not None:
            data = reply.raw
        else:
            data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.ctype)
        self.send_header("Content-Length", str(len(data)))
        if reply.close or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _finish_log(self, status, code, started):
        ms = (time.monotonic() - started) * 1000 if started else 0.0
        self.em.log("%s %s \"%s %s\" %s %s %.0fms" % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            self.client_address[0], self.command, redact_target(self.path),
            status if status is not None else "dropped", code or "-", ms))

    def _dispatch(self, method):
        started = time.monotonic()
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        entry = {"method": method, "path": path, "time": iso(self.em.clock.now())}
        try:
            if path.startswith("/_emulator/"):
                body = self._read_body(MAX_CONTROL_BODY)
                reply = self._control(method, path, query, body)
            elif self._stale():
                raise StaleConnection()
            elif len(self.path.encode("utf-8", "replace")) > self.em.config["max_uri_bytes"]:
                self._read_body(0)
                reply = plain(414, "Request-URI Too Long")
            else:
                body = self._read_body(MAX_BODY)
                if body is None:
                    reply = plain(413, "Request Entity Too Large")
                elif path == "/identity/oauth/token":
                    entry["endpoint"] = "%s /identity/oauth/token" % method
                    entry["client_id"] = (query.get("client_id") or [None])[0]
                    reply = self._identity(method, query, entry)
                elif path.startswith("/rest/"):
                    reply = self._rest(method, path, query, body, entry)
                else:
                    reply = plain(404, "Not Found")
        except ValueError:
            self.close_connection = True
            reply = plain(400, "Bad Request", close=True)
        except (BrokenPipeError, ConnectionResetError, StaleConnection):
            self.close_connection = True
            return
        if not path.startswith("/_emulator/"):
            entry["generation"] = self.generation
            entry.update({"http_status": None if reply.drop else reply.status,
                          "code": reply.code, "dropped": reply.drop,
                          "counted": reply.counted, "reason_codes": reply.reason_codes,
                          "ms": round((time.monotonic() - started) * 1000, 1)})
            if isinstance(reply.body, dict) and "success" in reply.body:
                entry["success"] = reply.body["success"]
            self.em.record(entry)
            self._finish_log(None if reply.drop else reply.status, reply.code, started)
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self._write(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # ----- envelopes ---------------------------------------------------------
    def _request_id(self):
        return "%x#%x" % (random.getrandbits(16), int(time.time() * 1000))

    def _ok(self, result, extra=None, warnings=None):
        body = {"requestId": self._request_id(), "success": True, "result": result}
        if self.em.config["envelope"] == "spec":
            body["errors"] = []
            body["warnings"] = warnings or []
        elif warnings:
            body["warnings"] = warnings
        if extra:
            body.update(extra)
        return Reply(200, body)

    def _error(self, code, message=None, status=200):
        body = {"requestId": self._request_id(), "success": False,
                "errors": [{"code": code, "message": message or MESSAGES.get(code, "Error")}]}
        if self.em.config["envelope"] == "spec":
            body["result"] = []
            body["warnings"] = []
        return Reply(status, body, code=code)

    # ----- Identity ------------------------------------------------------------
    def _identity(self, method, query, entry):
        if method not in ("GET", "POST"):
            return plain(405, "Method Not Allowed")
        rule, latency = self.em.take_fault("identity", entry["endpoint"])
        if latency:
            time.sleep(latency / 1000.0)
            if self._stale():
                raise StaleConnection()
        if rule is not None:
            fault = self._fault_reply(rule)
            if fault is not None:
                return fault
        status, body = self.em.issue_token(query)
        reply = Reply(status, body)
        if rule is not None and rule.drop_after:
            reply.drop = True
        return reply

    def _fault_reply(self, rule):
        if rule.drop:
            return Reply(drop=True)
        if rule.code is not None:
            reply = self._error(rule.code, rule.message or (
                self.em.rate_message() if rule.code == "606" else None),
                status=rule.http_status or 200)
            return reply
        if rule.http_status is not None:
            reply = plain(rule.http_status, rule.message or "Injected fault")
            return reply
        return None

    # ----- REST ----------------------------------------------------------------
    def _route(self, path, method):
        for pattern, template, methods in ROUTES:
            m = pattern.fullmatch(path)
            if m:
                return template, methods, m.groups()
        return None, None, None

    def _rest(self, method, path, query, body, entry):
        em = self.em
        template, methods, args = self._route(path, method)
        form = None
        effective = method
        if method == "POST" and template == "/rest/v1/leads.json":
            # POST with _method=GET: Get Leads with the query string in a
            # form-encoded body (the documented 414 workaround).
            if media_type(self.headers.get("Content-Type")) == \
                    "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                             keep_blank_values=True)
            override = (query.get("_method") or (form or {}).get("_method") or [None])[0]
            if override:
                effective = override.upper()
        entry["endpoint"] = "%s %s" % (effective, template or "(unknown)")
        entry["query"] = {k: (["***"] if k == "access_token" else v) for k, v in query.items()}
        entry["body"] = form if form is not None else self._logged_body(body)
        n = em.enter()
        try:
            if n > em.config["max_in_flight"]:
                return self._error("615")
            rule, latency = em.take_fault("rest", entry["endpoint"])
            if latency:
                time.sleep(latency / 1000.0)
                if self._stale():
                    raise StaleConnection()
            if rule is not None:
                fault = self._fault_reply(rule)
                if fault is not None:
                    return fault
            reply = self._rest_call(method, effective, template, methods, args,
                                    query, body, form, entry)
            if rule is not None and rule.drop_after:
                reply.drop = True
            return reply
        finally:
            em.leave()

    def _logged_body(self, body):
        if not body:
            return None
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {"unparsed_bytes": len(body)}

    def _rest_call(self, method, effective, template, methods, args, query, body, form, entry):
        em = self.em
        auth = self.headers.get("Authorization", "")
        token = None
        if auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
        if token is None and "access_token" in query:
            return self._error("601", "Access token invalid: send it in the "
                                      "'Authorization: Bearer' header")
        bad = em.check_token(token)
        if bad:
            return self._error(bad)
        if template is None:
            return self._error("610")
        handler = methods.get(effective)
        if handler is None:
            return self._error("605", "Request method '%s' not supported" % effective)
        limit = em.admit()
        reply = None
        if limit == "606":
            reply = self._error("606", em.rate_message())
        elif limit:
            reply = self._error(limit)
        else:
            try:
                reply = getattr(self, "_api_" + handler)(args, query, body, form)
            except ApiError as e:
                reply = self._error(e.code, e.message)
            except Exception as e:  # an emulator bug: answer like Marketo does
                reply = self._error("611", "System error: %s" % e)
        reply.counted = True
        if isinstance(reply.body, dict):
            for item in reply.body.get("result") or []:
                for reason in item.get("reasons", []) if isinstance(item, dict) else []:
                    reply.reason_codes.append(reason["code"])
        return reply

    def _json_body(self, body):
        if media_type(self.headers.get("Content-Type")) != "application/json":
            raise ApiError("612")
        try:
            return json.loads(body.decode("utf-8"), parse_constant=self._no_constant)
        except (UnicodeDecodeError, ValueError):
            raise ApiError("609")

    @staticmethod
    def _no_constant(name):
        raise ValueError("not JSON: %s" % name)

    @staticmethod
    def _batch_size(query):
        raw = (query.get("batchSize") or [None])[0]
        if raw is None or raw == "":
            return MAX_BATCH
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if not 1 <= n <= MAX_BATCH:
            raise ApiError("1003", "Invalid data: batchSize must be 1..%d" % MAX_BATCH)
        return n

    def _page(self, leads, query, fields, signature):
        """One page of rendered leads, with nextPageToken when more remain."""
        size = self._batch_size(query)
        offset = 0
        token = (query.get("nextPageToken") or [None])[0]
        if token:
            try:
                state = json.loads(base64.b32decode(token.encode()).decode())
                offset = int(state["o"])
                if state["s"] != signature or offset < 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                raise ApiError("1003", "Invalid data: invalid nextPageToken")
        page = leads[offset:offset + size]
        extra = None
        if offset + size < len(leads):
            nxt = json.dumps({"o": offset + size, "s": signature}).encode()
            extra = {"moreResult": True, "nextPageToken": base64.b32encode(nxt).decode()}
        return self._ok([self.em.render(l, fields) for l in page], extra)

    @staticmethod
    def _fields(query):
        fields = split_multi(query.get("fields", []))
        return fields or list(DEFAULT_FIELDS)

    # Sync Leads: POST /rest/v1/leads.json (FORMATS 1.5, SyncLeadRequest)
    def _api_sync_leads(self, args, query, body, form):
        req = self._json_body(body)
        if not isinstance(req, dict):
            raise ApiError("609", "Invalid JSON: the body must be a SyncLeadRequest object")
        action = req.get("action", "createOrUpdate")
        if action not in SYNC_ACTIONS:
            raise ApiError("1003", "Invalid data: action must be one of %s"
                           % ", ".join(SYNC_ACTIONS))
        lookup = req.get("lookupField", "email")
        if not isinstance(lookup, str) or not lookup:
            raise ApiError("1003", "Invalid data: lookupField must be a field name")
        partition = req.get("partitionName")
        if partition is not None and not isinstance(partition, str):
            raise ApiError("1003", "Invalid data: partitionName must be a string")
        if "asyncProcessing" in req and not isinstance(req["asyncProcessing"], bool):
            raise ApiError("1003", "Invalid data: asyncProcessing must be a boolean")
        records = req.get("input")
        if records is None or records == []:
            raise ApiError("701", MESSAGES["701"] % "input")
        if not isinstance(records, list):
            raise ApiError("1003", "Invalid data: input must be an array of leads")
        if len(records) > MAX_BATCH:
            raise ApiError("1003", "Invalid data: input has %d records, the limit is %d"
                           % (len(records), MAX_BATCH))
        return self._ok(self.em.sync_leads(action, lookup, partition or "Default",
                                           partition is not None, records))

    # Get Leads by Filter Type: GET /rest/v1/leads.json (FORMATS 1.6)
    def _api_get_leads(self, args, query, body, form):
        params = dict(query)
        if form is not None:
            for k, v in form.items():
                params[k] = params.get(k, []) + v
        elif body and self.command == "POST":
            raise ApiError("612", "Invalid Content Type: send the query as "
                                  "application/x-www-form-urlencoded")
        filter_type = (params.get("filterType") or [""])[0].strip()
        if not filter_type:
            raise ApiError("701", MESSAGES["701"] % "filterType")
        values = split_multi(params.get("filterValues", []))
        if not values:
            raise ApiError("701", MESSAGES["701"] % "filterValues")
        if len(values) > MAX_BATCH:
            raise ApiError("1003", "Invalid data: %d filterValues, the limit is %d"
                           % (len(values), MAX_BATCH))
        if filter_type in UNSEARCHABLE_FIELDS:
            raise ApiError("1011", MESSAGES["1011"] % filter_type)
        fields = self._fields(params)
        self._batch_size(params)
        found = self.em.find_leads(filter_type, values)
        if len(found) > MAX_FILTER_MATCHES:
            raise ApiError("1003", "Too many results match the filter")
        signature = "%s|%s" % (filter_type, ",".join(sorted(set(values))))
        return self._page(found, params, fields, signature)

    # GET /rest/v1/lead/{leadId}.json
    def _api_get_lead(self, args, query, body, form):
        lead = self.em.get_lead(int(args[0]))
        fields = self._fields(query)
        return self._ok([self.em.render(lead, fields)] if lead else [])

    # GET /rest/v1/leads/partitions.json (FORMATS 1.8, LeadPartition)
    def _api_partitions(self, args, query, body, form):
        with self.em.lock:
            return self._ok([dict(p) for p in self.em.partitions])

    # Static list membership (FORMATS 1.7, ListOperationRequest)
    def _list_ids(self, query, body, required_body=False):
        ids = []
        for raw in split_multi(query.get("id", [])):
            try:
                ids.append(int(raw))
            except ValueError:
                raise ApiError("1003", "Invalid data: lead id %r is not an integer" % raw)
        if body:
            req = self._json_body(body)
            items = req.get("input") if isinstance(req, dict) else None
            if not isinstance(items, list):
                raise ApiError("1003", "Invalid data: the body must be "
                                       "{\"input\": [{\"id\": <lead id>}, ...]}")
            for item in items:
                lead_id = item.get("id") if isinstance(item, dict) else None
                if isinstance(lead_id, bool) or not isinstance(lead_id, int):
                    raise ApiError("1003", "Invalid data: each input item must be "
                                           "{\"id\": <integer lead id>}")
                ids.append(lead_id)
        if not ids:
            raise ApiError("701", MESSAGES["701"] % "id")
        if len(ids) > MAX_BATCH:
            raise ApiError("1003", "Invalid data: %d lead ids, the limit is %d"
                           % (len(ids), MAX_BATCH))
        return ids

    def _api_list_add(self, args, query, body, form):
        ids = self._list_ids(query, body)
        return self._ok(self.em.list_operation(int(args[0]), ids, "add"))

    def _api_list_remove(self, args, query, body, form):
        ids = self._list_ids(query, body)
        return self._ok(self.em.list_operation(int(args[0]), ids, "remove"))

    def _api_list_ismember(self, args, query, body, form):
        ids = self._list_ids(query, b"")
        return self._ok(self.em.list_operation(int(args[0]), ids, "ismember"))

    def _api_list_members(self, args, query, body, form):
        list_id = int(args[0])
        members = self.em.list_members(list_id)
        if members is None:
            raise ApiError("1013", "Object not found: static list %d" % list_id)
        return self._page(members, query, self._fields(query), "list|%d" % list_id)

    # ----- the control API -------------------------------------------------
    def _control(self, method, path, query, body):
        em = self.em
        try:
            spec = {}
            if method == "POST" and body:
                try:
                    spec = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    raise ControlError("body is not JSON: %s" % e)
                if not isinstance(spec, dict):
                    raise ControlError("body must be a JSON object")
            key = (method, path)
            if key == ("POST", "/_emulator/reset"):
                em.reset(spec)
                out = {"ok": True, "config": em.configure({})}
            elif key == ("POST", "/_emulator/config"):
                out = {"ok": True, "config": em.configure(spec)}
            elif key == ("GET", "/_emulator/config"):
                out = em.configure({})
            elif key == ("POST", "/_emulator/faults"):
                out = em.add_faults(spec)
            elif key == ("GET", "/_emulator/faults"):
                out = em.describe_faults()
            elif key == ("POST", "/_emulator/expire_tokens"):
                out = em.expire_tokens()
            elif key == ("POST", "/_emulator/clock"):
                out = em.set_clock(spec)
            elif key == ("GET", "/_emulator/clock"):
                out = em.describe_clock()
            elif key == ("GET", "/_emulator/leads"):
                out = em.describe_db()
            elif key == ("POST", "/_emulator/leads"):
                out = em.seed(spec)
            elif key == ("GET", "/_emulator/stats"):
                out = em.describe_stats()
            elif key == ("GET", "/_emulator/requests"):
                try:
                    since = int((query.get("since") or ["0"])[0])
                except ValueError:
                    raise ControlError("since must be an integer")
                out = em.describe_requests(since)
            else:
                return Reply(404, {"error": "no control endpoint %s %s" % (method, path)})
            return Reply(200, out)
        except ControlError as e:
            return Reply(400, {"error": str(e)})


class Server(ThreadingHTTPServer):
    """Connections are stamped with the emulator's reset generation when
    they are accepted, in the accepting thread: a reset requested on a later
    connection (accepted in order) cannot overtake them."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args, **kwargs):
        self.generations = {}
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.emulator.lock:
            self.generations[request] = self.emulator.generation
        super().process_request(request, client_address)

    def generation_of(self, request):
        with self.emulator.lock:
            return self.generations.pop(request, self.emulator.generation)


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Marketo Engage REST API emulator (tests only).")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--port-file", help="write the chosen port here once ready")
    ap.add_argument("--client-id", help="the accepted client id (default %s)" % DEFAULT_CLIENT_ID)
    ap.add_argument("--client-secret", help="its secret (default %s)" % DEFAULT_CLIENT_SECRET)
    ap.add_argument("--token-ttl", type=float, help="token lifetime in seconds (default 3600)")
    ap.add_argument("--log", help="append one line per request to this file")
    args = ap.parse_args(argv)
    if (args.client_id is None) != (args.client_secret is None):
        ap.error("--client-id and --client-secret go together")
    if args.token_ttl is not None and args.token_ttl <= 0:
        ap.error("--token-ttl must be positive")
    cid = args.client_id or DEFAULT_CLIENT_ID
    secret = args.client_secret or DEFAULT_CLIENT_SECRET

    emulator = Emulator({cid: {"secret": secret, "scope": DEFAULT_SCOPE}}, args.token_ttl)
    if args.log:
        emulator.log_file = open(args.log, "a", encoding="utf-8")
    server = Server(("127.0.0.1", args.port), Handler)
    server.emulator = emulator
    port = server.server_address[1]

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    print("marketo emulator: listening on 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if emulator.log_file:
        emulator.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
