#!/usr/bin/env python3
"""Tests for the Marketo REST emulator (emulator.py next to this file).

Each documented behaviour the emulator claims (README.md) is checked over real
HTTP against an emulator subprocess started with --port 0 on 127.0.0.1.  Every
loop is bounded and every subprocess is stopped, so the run ends by itself.
Python 3 standard library only; run by `make check`.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")
CLIENT_ID = "test-client"
CLIENT_SECRET = "s3cr3t-value-never-logged"
TIMEOUT = 15
# ResponseOf* in marketo-swagger-mapi.json: the required envelope members.
SPEC_REQUIRED = {"errors", "requestId", "result", "success", "warnings"}
REQUEST_ID = re.compile(r"^[0-9a-f]+#[0-9a-f]+$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Emulator:
    """An emulator subprocess and a tiny HTTP client for it."""

    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="marketo-emu-")
        self.port_file = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "requests.log")
        self.stderr = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR, "--port", "0", "--port-file", self.port_file,
             "--log", self.log] + list(extra),
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(TIMEOUT)
        self.stderr.close()
        return self.proc.returncode

    def request(self, method, target, body=None, headers=None):
        """(HTTP status, headers, parsed JSON body or raw bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, target, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader("Content-Type", "").startswith("application/json"):
                data = json.loads(data.decode())
            return resp.status, resp, data
        finally:
            conn.close()

    def control(self, path, spec=None):
        if spec is None and not path.endswith(("reset", "expire_tokens")):
            status, _, data = self.request("GET", "/_emulator/" + path)
        else:
            status, _, data = self.request("POST", "/_emulator/" + path, spec or {},
                                           {"Content-Type": "application/json"})
        if status != 200:
            raise AssertionError("control %s: %s %s" % (path, status, data))
        return data

    def identity(self, method="GET", **params):
        q = {"grant_type": "client_credentials", "client_id": CLIENT_ID,
             "client_secret": CLIENT_SECRET}
        q.update(params)
        q = {k: v for k, v in q.items() if v is not None}
        status, _, data = self.request(method, "/identity/oauth/token?" + urllib.parse.urlencode(q))
        return status, data


EMU = None


def setUpModule():
    global EMU
    EMU = Emulator("--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET)


def tearDownModule():
    if EMU is not None:
        EMU.stop()


class Base(unittest.TestCase):
    """Resets the emulator and takes a token before each test."""

    reset_spec = {}

    def setUp(self):
        spec = {"partitions": ["Default", "EMEA"], "lists": [1001]}
        spec.update(self.reset_spec)
        EMU.control("reset", spec)
        status, data = EMU.identity()
        self.assertEqual(status, 200, data)
        self.token = data["access_token"]

    def reset(self, **spec):
        base = {"partitions": ["Default", "EMEA"], "lists": [1001]}
        base.update(spec)
        EMU.control("reset", base)
        if "clients" not in spec:
            self.token = EMU.identity()[1]["access_token"]

    def rest(self, method, target, body=None, ctype="application/json", token=None,
             headers=None):
        h = {"Authorization": "Bearer " + (token or self.token)}
        if body is not None and ctype:
            h["Content-Type"] = ctype
        h.update(headers or {})
        status, _, data = EMU.request(method, target, body, h)
        return status, data

    def ok(self, method, target, body=None, **kw):
        status, data = self.rest(method, target, body, **kw)
        self.assertEqual(status, 200, data)
        self.assertTrue(data["success"], data)
        self.assertRegex(data["requestId"], REQUEST_ID)
        return data["result"]

    def fail_code(self, method, target, body=None, **kw):
        status, data = self.rest(method, target, body, **kw)
        self.assertEqual(status, 200, data)
        self.assertIs(data["success"], False, data)
        self.assertNotIn("result", data)
        self.assertEqual(len(data["errors"]), 1)
        err = data["errors"][0]
        self.assertIsInstance(err["code"], str)
        self.assertIsInstance(err["message"], str)
        return err["code"]

    def sync(self, records, **req):
        req["input"] = records
        return self.ok("POST", "/rest/v1/leads.json", req)

    def db(self):
        return {l["id"]: l for l in EMU.control("leads")["leads"]}

    def stats(self):
        return EMU.control("stats")

    def assert_skipped(self, item, code):
        self.assertEqual(item["status"], "skipped", item)
        self.assertNotIn("id", item)
        self.assertEqual([r["code"] for r in item["reasons"]], [code], item)
        self.assertIsInstance(item["reasons"][0]["message"], str)


class TestProcess(unittest.TestCase):
    """The command line: port file, loopback only, signals, the log."""

    def test_port_file_and_sigterm(self):
        emu = Emulator()
        try:
            self.assertGreater(emu.port, 0)
            self.assertEqual(os.listdir(emu.dir).count("port"), 1)
            self.assertFalse([n for n in os.listdir(emu.dir) if ".tmp" in n])
            status, _ = emu.identity(client_id="emulator-client", client_secret="emulator-secret")
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(emu.stop(signal.SIGTERM), 0)

    def test_sigint_stops(self):
        emu = Emulator()
        self.assertEqual(emu.stop(signal.SIGINT), 0)

    def test_binds_loopback_only(self):
        if not os.path.exists("/proc/net/tcp"):
            self.skipTest("no /proc/net/tcp to read listening sockets from")
        listening = []
        for name in ("/proc/net/tcp", "/proc/net/tcp6"):
            if os.path.exists(name):
                with open(name) as f:
                    for line in f.readlines()[1:]:
                        local, state = line.split()[1], line.split()[3]
                        addr, port = local.rsplit(":", 1)
                        if state == "0A" and int(port, 16) == EMU.port:
                            listening.append(addr)
        self.assertEqual(listening, ["0100007F"])  # 127.0.0.1, IPv4 only

    def test_client_flags_go_together(self):
        r = subprocess.run([sys.executable, EMULATOR, "--client-id", "x"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 2)

    def test_token_ttl_flag(self):
        emu = Emulator("--token-ttl", "90")
        try:
            status, data = emu.identity(client_id="emulator-client",
                                        client_secret="emulator-secret")
            self.assertEqual(status, 200)
            self.assertLessEqual(data["expires_in"], 90)
            self.assertGreaterEqual(data["expires_in"], 88)
        finally:
            emu.stop()


class TestLog(Base):
    def test_log_has_a_line_per_request_without_secrets(self):
        self.ok("GET", "/rest/v1/leads/partitions.json")
        EMU.identity()
        with open(EMU.log) as f:
            text = f.read()
        self.assertIn('"GET /rest/v1/leads/partitions.json" 200', text)
        self.assertIn("client_secret=***", text)
        self.assertNotIn(CLIENT_SECRET, text)
        self.assertNotIn(self.token, text)


class TestIdentity(Base):
    def test_token_shape_get_and_post(self):
        for method in ("GET", "POST"):
            status, data = EMU.identity(method)
            self.assertEqual(status, 200)
            self.assertEqual(set(data), {"access_token", "token_type", "expires_in", "scope"})
            self.assertIsInstance(data["access_token"], str)
            self.assertEqual(data["token_type"], "bearer")
            self.assertIsInstance(data["expires_in"], int)
            self.assertLessEqual(data["expires_in"], 3600)
            self.assertGreater(data["expires_in"], 3500)
            self.assertIsInstance(data["scope"], str)

    def test_same_token_with_reduced_lifetime(self):
        first = EMU.identity()[1]
        EMU.control("clock", {"advance_s": 600})
        second = EMU.identity()[1]
        self.assertEqual(first["access_token"], second["access_token"])
        self.assertLessEqual(second["expires_in"], first["expires_in"] - 600)
        self.assertEqual(self.stats()["tokens_issued"], 1)

    def test_tokens_are_per_client(self):
        self.reset(clients={"a": "sa", "b": "sb"})
        ta = EMU.identity(client_id="a", client_secret="sa")[1]["access_token"]
        tb = EMU.identity(client_id="b", client_secret="sb")[1]["access_token"]
        self.assertNotEqual(ta, tb)

    def test_bad_credentials_are_401(self):
        status, data = EMU.identity(client_secret="wrong")
        self.assertEqual(status, 401)
        self.assertEqual(data["error"], "unauthorized")
        self.assertEqual(data["error_description"], "Bad client credentials")
        status, data = EMU.identity(client_id="nobody")
        self.assertEqual(status, 401)
        self.assertIn("No client with requested id", data["error_description"])
        status, data = EMU.identity(client_id=None, client_secret=None)
        self.assertEqual(status, 401)

    def test_grant_type_must_be_client_credentials(self):
        status, data = EMU.identity(grant_type="password")
        self.assertEqual(status, 400)
        self.assertEqual(data["error"], "unsupported_grant_type")
        status, data = EMU.identity(grant_type=None)
        self.assertEqual(status, 400)

    def test_identity_calls_are_not_rate_limited(self):
        self.reset(rate_limit=2)
        for _ in range(5):
            self.assertEqual(EMU.identity()[0], 200)
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "606")


class TestBearer(Base):
    def test_missing_and_unknown_tokens_are_601(self):
        status, _, data = EMU.request("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(status, 200)
        self.assertEqual(data["errors"][0]["code"], "601")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json",
                                        token="not-a-token"), "601")
        status, _, data = EMU.request("GET", "/rest/v1/leads/partitions.json",
                                      headers={"Authorization": "Basic " + self.token})
        self.assertEqual(data["errors"][0]["code"], "601")

    def test_access_token_query_parameter_is_refused(self):
        status, _, data = EMU.request(
            "GET", "/rest/v1/leads/partitions.json?access_token=" + self.token)
        self.assertEqual(data["errors"][0]["code"], "601")

    def test_expired_by_ttl_is_602_then_renewed(self):
        self.reset(token_ttl_s=60)
        self.ok("GET", "/rest/v1/leads/partitions.json")
        EMU.control("clock", {"advance_s": 61})
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "602")
        fresh = EMU.identity()[1]
        self.assertNotEqual(fresh["access_token"], self.token)
        self.ok("GET", "/rest/v1/leads/partitions.json", token=fresh["access_token"])
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "602")

    def test_expired_in_real_time(self):
        self.reset(token_ttl_s=1)
        time.sleep(1.1)
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "602")

    def test_expire_tokens(self):
        self.assertEqual(EMU.control("expire_tokens")["expired"], 1)
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "602")
        fresh = EMU.identity()[1]["access_token"]
        self.assertNotEqual(fresh, self.token)
        self.ok("GET", "/rest/v1/leads/partitions.json", token=fresh)

    def test_token_ttl_config_mid_run(self):
        EMU.control("config", {"token_ttl_s": 5})
        EMU.control("expire_tokens")
        data = EMU.identity()[1]
        self.assertLessEqual(data["expires_in"], 5)


class TestEnvelope(Base):
    def test_docs_envelope(self):
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(set(data), {"requestId", "success", "result"})
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json", token="x")
        self.assertEqual(set(data), {"requestId", "success", "errors"})

    def test_spec_envelope_has_every_required_member(self):
        self.reset(envelope="spec")
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json")
        self.assertTrue(SPEC_REQUIRED <= set(data), data)
        self.assertEqual(data["errors"], [])
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json", token="x")
        self.assertTrue(SPEC_REQUIRED <= set(data), data)
        self.assertEqual(data["result"], [])
        self.assertEqual(data["errors"][0]["code"], "601")


class TestLimits(Base):
    def test_101st_call_in_the_window_is_606(self):
        for _ in range(100):
            self.ok("GET", "/rest/v1/leads/partitions.json")
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(data["errors"][0]["code"], "606")
        self.assertIn("100", data["errors"][0]["message"])
        self.assertEqual(self.stats()["errors"], {"606": 1})

    def test_window_slides(self):
        self.reset(rate_limit=3, rate_window_s=1)
        for _ in range(3):
            self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "606")
        time.sleep(1.1)
        self.ok("GET", "/rest/v1/leads/partitions.json")

    def test_asterisk_codes_are_not_counted(self):
        self.reset(rate_limit=3)
        for _ in range(5):
            self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json",
                                            token="bad"), "601")
        self.assertEqual(self.fail_code("PUT", "/rest/v1/leads.json", {}), "605")
        for _ in range(3):
            self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "606")

    def test_eleventh_concurrent_call_is_615(self):
        EMU.control("faults", {"latency_ms": 3000})
        results = []

        def call():
            results.append(self.rest("GET", "/rest/v1/leads/partitions.json"))

        threads = [threading.Thread(target=call) for _ in range(10)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 3
        while self.stats()["in_flight"] < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        eleventh = self.rest("GET", "/rest/v1/leads/partitions.json")
        for t in threads:
            t.join(TIMEOUT)
        self.assertEqual(eleventh[1]["errors"][0]["code"], "615")
        self.assertEqual([r[1]["success"] for r in results], [True] * 10)
        stats = self.stats()
        self.assertEqual(stats["max_in_flight"], 11)
        self.assertEqual(stats["errors"], {"615": 1})

    def test_eleven_parallel_slow_calls_give_one_615(self):
        EMU.control("faults", {"latency_ms": 1500})
        barrier = threading.Barrier(11)
        results = []

        def call():
            barrier.wait(TIMEOUT)
            results.append(self.rest("GET", "/rest/v1/leads/partitions.json")[1])

        threads = [threading.Thread(target=call) for _ in range(11)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        codes = sorted(r["errors"][0]["code"] for r in results if not r["success"])
        self.assertEqual(codes, ["615"])

    def test_max_in_flight_is_configurable(self):
        self.reset(max_in_flight=1)
        EMU.control("faults", {"latency_ms": 1500})
        t = threading.Thread(target=self.rest, args=("GET", "/rest/v1/leads/partitions.json"))
        t.start()
        deadline = time.monotonic() + 3
        while self.stats()["in_flight"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "615")
        t.join(TIMEOUT)

    def test_daily_quota_607(self):
        self.reset(daily_quota=2)
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "607")
        EMU.control("clock", {"advance_s": 86400})
        self.ok("GET", "/rest/v1/leads/partitions.json", token=EMU.identity()[1]["access_token"])

    def test_invalid_json_609(self):
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", b"{\"input\": ["), "609")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", b"NaN"), "609")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", b"[1]"), "609")

    def test_wrong_content_type_612(self):
        body = {"input": [{"email": "a@example.com"}]}
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", body,
                                        ctype="text/plain"), "612")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", body, ctype=None), "612")
        self.assertEqual(self.fail_code("POST", "/rest/v1/lists/1001/leads.json",
                                        {"input": [{"id": 1}]}, ctype="text/plain"), "612")
        self.ok("POST", "/rest/v1/leads.json", body, ctype="application/json; charset=UTF-8")

    def test_body_over_1mb_is_413(self):
        big = b'{"input":[{"email":"' + b"a" * (1 << 20) + b'"}]}'
        status, data = self.rest("POST", "/rest/v1/leads.json", big)
        self.assertEqual(status, 413)
        self.assertEqual(self.db(), {})
        self.ok("GET", "/rest/v1/leads/partitions.json")

    def test_body_over_1mb_with_expect_100_continue_is_413(self):
        s = socket.create_connection(("127.0.0.1", EMU.port), timeout=TIMEOUT)
        try:
            s.sendall(("POST /rest/v1/leads.json HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n"
                       % (self.token, 2 << 20)).encode())
            head = s.recv(4096).decode("latin-1")
        finally:
            s.close()
        self.assertTrue(head.startswith("HTTP/1.1 413"), head)

    def test_unknown_path_610_and_wrong_method_605(self):
        self.assertEqual(self.fail_code("GET", "/rest/v1/nothing.json"), "610")
        self.assertEqual(self.fail_code("GET", "/rest/v1/lists/abc/leads.json"), "610")
        self.assertEqual(self.fail_code("PUT", "/rest/v1/leads.json", {}), "605")
        self.assertEqual(self.fail_code("DELETE", "/rest/v1/leads/partitions.json"), "605")


class TestFaults(Base):
    def test_next_n_calls_fail_with_code(self):
        EMU.control("faults", {"next": 2, "code": "606"})
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "606")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "606")
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(EMU.control("faults")["pending"], [])

    def test_faults_queue_in_order(self):
        EMU.control("faults", {"code": "602"})
        EMU.control("faults", {"code": "713"})
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "602")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads/partitions.json"), "713")
        self.ok("GET", "/rest/v1/leads/partitions.json")

    def test_http_status(self):
        EMU.control("faults", {"next": 1, "http_status": 502})
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(status, 502)
        EMU.control("faults", {"next": 1, "http_status": 503, "code": "608"})
        status, data = self.rest("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(status, 503)
        self.assertEqual(data["errors"][0]["code"], "608")
        self.assertEqual(self.stats()["http_status"], {"502": 1, "503": 1})

    def test_drop_closes_without_response(self):
        EMU.control("faults", {"next": 1, "drop": True})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.rest("POST", "/rest/v1/leads.json", {"input": [{"email": "a@example.com"}]})
        self.assertEqual(self.db(), {})
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(self.stats()["dropped"], 1)

    def test_drop_after_executing(self):
        EMU.control("faults", {"next": 1, "drop_after": True})
        body = {"action": "createOnly", "input": [{"email": "a@example.com"}]}
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.rest("POST", "/rest/v1/leads.json", body)
        self.assertEqual(len(self.db()), 1)
        self.assert_skipped(self.ok("POST", "/rest/v1/leads.json", body)[0], "1005")

    def test_persistent_latency(self):
        EMU.control("faults", {"latency_ms": 300})
        t0 = time.monotonic()
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertGreaterEqual(time.monotonic() - t0, 0.6)
        EMU.control("faults", {"clear": True})
        self.assertEqual(EMU.control("faults")["latency_ms"], 0)

    def test_endpoint_filter(self):
        EMU.control("faults", {"next": 1, "code": "604", "endpoint": "POST /rest/v1/leads.json"})
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.ok("GET", "/rest/v1/leads.json?filterType=email&filterValues=a@example.com")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json",
                                        {"input": [{"email": "a@example.com"}]}), "604")

    def test_identity_faults(self):
        EMU.control("faults", {"next": 1, "http_status": 503, "target": "identity"})
        self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(EMU.identity()[0], 503)
        self.assertEqual(EMU.identity()[0], 200)

    def test_seed_leads_when_the_rule_fires(self):
        EMU.control("faults", {"endpoint": "POST /rest/v1/leads.json",
                               "seed_leads": [{"email": "race@example.com"}]})
        self.assertEqual(self.ok("GET", "/rest/v1/leads.json?filterType=email"
                                        "&filterValues=race@example.com"), [])
        result = self.sync([{"email": "race@example.com"}], action="createOnly")
        self.assert_skipped(result[0], "1005")

    def test_bad_fault_specs_are_400(self):
        for spec in ({"next": 0, "code": "606"}, {"code": "abc"}, {"bogus": 1},
                     {"target": "nowhere", "code": "606"},
                     {"seed_leads": [{"partition": "Nowhere"}]}):
            status, _, data = EMU.request("POST", "/_emulator/faults", spec,
                                          {"Content-Type": "application/json"})
            self.assertEqual(status, 400, spec)
            self.assertIn("error", data)


class TestSyncLeads(Base):
    def test_create_only(self):
        r = self.sync([{"email": "a@example.com", "firstName": "A"},
                       {"email": "b@example.com"}], action="createOnly")
        self.assertEqual([x["status"] for x in r], ["created", "created"])
        self.assertEqual(set(r[0]), {"id", "status"})
        self.assertNotEqual(r[0]["id"], r[1]["id"])
        r = self.sync([{"email": "a@example.com"}, {"email": "c@example.com"}],
                      action="createOnly")
        self.assert_skipped(r[0], "1005")
        self.assertEqual(r[1]["status"], "created")
        self.assertEqual(self.stats()["reasons"], {"1005": 1})

    def test_create_only_refuses_id_and_missing_lookup_value(self):
        r = self.sync([{"id": 5, "email": "a@example.com"}, {"firstName": "no email"},
                       {"email": None}], action="createOnly")
        self.assert_skipped(r[0], "1003")
        self.assert_skipped(r[1], "1003")
        self.assert_skipped(r[2], "1003")
        self.assertEqual(self.db(), {})

    def test_update_only(self):
        self.reset(leads=[{"email": "a@example.com", "firstName": "Old"},
                          {"email": "dup@example.com"}, {"email": "dup@example.com"}])
        r = self.sync([{"email": "a@example.com", "firstName": "New"},
                       {"email": "none@example.com"}, {"email": "dup@example.com"}],
                      action="updateOnly")
        self.assertEqual(r[0], {"id": 1, "status": "updated"})
        self.assert_skipped(r[1], "1004")
        self.assert_skipped(r[2], "1007")
        db = self.db()
        self.assertEqual(db[1]["firstName"], "New")
        self.assertEqual(len(db), 3)

    def test_create_or_update_is_the_default(self):
        self.reset(leads=[{"email": "dup@example.com"}, {"email": "dup@example.com"}])
        r = self.sync([{"email": "a@example.com", "firstName": "A"}])
        self.assertEqual(r[0]["status"], "created")
        r = self.sync([{"email": "a@example.com", "lastName": "L"},
                       {"email": "dup@example.com"}])
        self.assertEqual(r[0]["status"], "updated")
        self.assert_skipped(r[1], "1007")
        lead = self.db()[r[0]["id"]]
        self.assertEqual((lead["firstName"], lead["lastName"]), ("A", "L"))

    def test_same_key_twice_in_one_batch(self):
        r = self.sync([{"email": "a@example.com", "firstName": "1"},
                       {"email": "a@example.com", "firstName": "2"}])
        self.assertEqual([x["status"] for x in r], ["created", "updated"])
        self.assertEqual(r[0]["id"], r[1]["id"])

    def test_create_duplicate_always_creates(self):
        r = self.sync([{"email": "a@example.com"}, {"email": "a@example.com"}],
                      action="createDuplicate")
        self.assertEqual([x["status"] for x in r], ["created", "created"])
        self.assertEqual(len(self.db()), 2)
        r = self.sync([{"email": "a@example.com"}], action="updateOnly")
        self.assert_skipped(r[0], "1007")

    def test_lookup_by_id(self):
        self.reset(leads=[{"id": 10, "email": "a@example.com", "partition": "EMEA"},
                          {"id": 11, "email": "a@example.com"}])
        r = self.sync([{"id": 10, "firstName": "Emea"}, {"id": 99, "firstName": "x"},
                       {"id": "ten"}, {"firstName": "no id"}],
                      action="updateOnly", lookupField="id")
        self.assertEqual(r[0], {"id": 10, "status": "updated"})
        self.assert_skipped(r[1], "1004")
        self.assert_skipped(r[2], "1001")
        self.assert_skipped(r[3], "1003")
        db = self.db()
        self.assertEqual(db[10]["firstName"], "Emea")
        self.assertEqual(db[10]["partition"], "EMEA")

    def test_lookup_by_id_needs_update_only(self):
        self.reset(leads=[{"id": 10, "email": "a@example.com"}])
        for action in ("createOrUpdate", "createOnly"):
            r = self.sync([{"id": 10}], action=action, lookupField="id")
            self.assert_skipped(r[0], "1003")

    def test_partition_update_not_allowed_1010(self):
        self.reset(leads=[{"id": 10, "email": "a@example.com", "partition": "EMEA"}])
        r = self.sync([{"id": 10, "firstName": "x"}], action="updateOnly",
                      lookupField="id", partitionName="Default")
        self.assert_skipped(r[0], "1010")
        r = self.sync([{"id": 10, "firstName": "x"}], action="updateOnly",
                      lookupField="id", partitionName="EMEA")
        self.assertEqual(r[0]["status"], "updated")

    def test_lookups_search_only_the_given_partition(self):
        self.reset(leads=[{"email": "a@example.com", "partition": "EMEA"}])
        r = self.sync([{"email": "a@example.com"}], action="updateOnly")
        self.assert_skipped(r[0], "1004")
        r = self.sync([{"email": "a@example.com"}], action="createOnly")
        self.assertEqual(r[0]["status"], "created")
        r = self.sync([{"email": "a@example.com", "firstName": "E"}],
                      action="updateOnly", partitionName="EMEA")
        self.assertEqual(r[0], {"id": 1, "status": "updated"})
        r = self.sync([{"email": "b@example.com"}], partitionName="EMEA")
        db = self.db()
        self.assertEqual(db[r[0]["id"]]["partition"], "EMEA")
        self.assertEqual(db[2]["partition"], "Default")

    def test_unknown_partition_1008(self):
        r = self.sync([{"email": "a@example.com"}], partitionName="Mars")
        self.assert_skipped(r[0], "1008")

    def test_unsupported_lookup_field_1011(self):
        r = self.sync([{"email": "a@example.com", "firstName": "A"}], lookupField="firstName")
        self.assert_skipped(r[0], "1011")

    def test_custom_lookup_field(self):
        self.reset(leads=[{"email": "a@example.com", "customerId": "C-1"}])
        r = self.sync([{"customerId": "C-1", "firstName": "Z"}], lookupField="customerId")
        self.assertEqual(r[0], {"id": 1, "status": "updated"})

    def test_non_ascii_email_1001(self):
        r = self.sync([{"email": "jos\u00e9@example.com"}, {"email": "b@example.com",
                                                            "firstName": "Jos\u00e9"}])
        self.assert_skipped(r[0], "1001")
        self.assertEqual(r[1]["status"], "created")

    def test_batch_limit_300(self):
        r = self.sync([{"email": "u%d@example.com" % i} for i in range(300)])
        self.assertEqual(len(r), 300)
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json",
                                        {"input": [{"email": "v%d@example.com" % i}
                                                   for i in range(301)]}), "1003")
        self.assertEqual(len(self.db()), 300)

    def test_request_shape_errors(self):
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", {}), "701")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json", {"input": []}), "701")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json",
                                        {"input": {"email": "a@example.com"}}), "1003")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json",
                                        {"action": "upsert", "input": [{}]}), "1003")
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json",
                                        {"asyncProcessing": "yes", "input": [{}]}), "1003")
        r = self.sync(["not an object"])
        self.assert_skipped(r[0], "1003")

    def test_result_order_follows_input(self):
        self.reset(leads=[{"email": "b@example.com"}])
        r = self.sync([{"email": "a@example.com"}, {"email": "b@example.com"},
                       {"firstName": "nokey"}, {"email": "c@example.com"}])
        self.assertEqual([x["status"] for x in r], ["created", "updated", "skipped", "created"])
        self.assertEqual(r[1]["id"], 1)

    def test_null_clears_a_field_and_read_only_fields_are_ignored(self):
        self.reset(leads=[{"email": "a@example.com", "phone": "1"}])
        self.sync([{"email": "a@example.com", "phone": None, "createdAt": "2000-01-01T00:00:00Z",
                    "leadPartitionId": 2}])
        lead = self.db()[1]
        self.assertNotIn("phone", lead)
        self.assertEqual(lead["partition"], "Default")
        self.assertNotEqual(lead["createdAt"], "2000-01-01T00:00:00Z")

    def test_timestamps_follow_the_clock_and_updates_advance(self):
        EMU.control("clock", {"now": "2026-03-01T12:00:00Z", "freeze": True})
        r = self.sync([{"email": "a@example.com"}])
        lead = self.db()[r[0]["id"]]
        self.assertEqual(lead["createdAt"], "2026-03-01T12:00:00Z")
        self.assertEqual(lead["updatedAt"], "2026-03-01T12:00:00Z")
        self.sync([{"email": "a@example.com", "firstName": "1"}])
        self.sync([{"email": "a@example.com", "firstName": "2"}])
        self.assertEqual(self.db()[1]["updatedAt"], "2026-03-01T12:00:02Z")
        EMU.control("clock", {"advance_s": 3600})
        self.sync([{"email": "a@example.com", "firstName": "3"}])
        lead = self.db()[1]
        self.assertEqual(lead["updatedAt"], "2026-03-01T13:00:00Z")
        self.assertEqual(lead["createdAt"], "2026-03-01T12:00:00Z")
        self.assertRegex(lead["updatedAt"], ISO_Z)


class TestGetLeads(Base):
    reset_spec = {"leads": [
        {"id": 1, "email": "a@example.com", "firstName": "A", "lastName": "Aa",
         "updatedAt": "2026-01-01T00:00:00Z", "createdAt": "2025-12-01T00:00:00Z"},
        {"id": 2, "email": "a@example.com", "firstName": "A2", "partition": "EMEA",
         "updatedAt": "2026-02-01T00:00:00Z"},
        {"id": 3, "email": "b@example.com", "customerId": 42},
    ]}

    def get(self, query, **kw):
        return self.ok("GET", "/rest/v1/leads.json?" + query, **kw)

    def test_filter_across_partitions_with_fields(self):
        r = self.get("filterType=email&filterValues=a@example.com,b@example.com"
                     "&fields=email,updatedAt,leadPartitionId")
        self.assertEqual([x["id"] for x in r], [1, 2, 3])
        self.assertEqual(r[0], {"id": 1, "email": "a@example.com",
                                "updatedAt": "2026-01-01T00:00:00Z", "leadPartitionId": 1})
        self.assertEqual(r[1]["leadPartitionId"], 2)
        self.assertEqual(r[1]["updatedAt"], "2026-02-01T00:00:00Z")

    def test_default_fields_and_nulls_omitted(self):
        r = self.get("filterType=email&filterValues=a@example.com")
        self.assertEqual(set(r[0]), {"id", "email", "updatedAt", "createdAt", "firstName",
                                     "lastName"})
        self.assertEqual(r[0]["createdAt"], "2025-12-01T00:00:00Z")
        self.assertNotIn("lastName", r[1])

    def test_id_always_returned_updated_at_only_when_asked(self):
        r = self.get("filterType=email&filterValues=b@example.com&fields=firstName")
        self.assertEqual(r, [{"id": 3}])

    def test_fields_as_repeated_parameters(self):
        r = self.get("filterType=id&filterValues=1&fields=email&fields=firstName")
        self.assertEqual(r, [{"id": 1, "email": "a@example.com", "firstName": "A"}])

    def test_no_match_is_an_empty_success(self):
        self.assertEqual(self.get("filterType=email&filterValues=z@example.com"), [])

    def test_filter_on_id_custom_field_and_partition(self):
        self.assertEqual([x["id"] for x in self.get("filterType=id&filterValues=3,1,77")], [1, 3])
        self.assertEqual([x["id"] for x in self.get("filterType=customerId&filterValues=42")], [3])
        self.assertEqual([x["id"] for x in
                          self.get("filterType=leadPartitionId&filterValues=2")], [2])

    def test_filter_value_limit_300(self):
        values = ",".join("v%d@example.com" % i for i in range(300))
        status, data = self.rest("POST", "/rest/v1/leads.json?_method=GET",
                                 "filterType=email&filterValues=" + values,
                                 ctype="application/x-www-form-urlencoded")
        self.assertTrue(data["success"], data)
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json?_method=GET",
                                        "filterType=email&filterValues=" + values + ",x",
                                        ctype="application/x-www-form-urlencoded"), "1003")

    def test_missing_parameters_and_unsupported_filter_type(self):
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads.json"), "701")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads.json?filterType=email"), "701")
        self.assertEqual(self.fail_code(
            "GET", "/rest/v1/leads.json?filterType=firstName&filterValues=A"), "1011")

    def test_long_uri_is_414_and_post_method_get_works(self):
        values = ",".join("%032x@example.com" % i for i in range(250)) + ",a@example.com"
        query = "filterType=email&filterValues=" + values + "&fields=email"
        self.assertGreater(len(query), 8192)
        status, data = self.rest("GET", "/rest/v1/leads.json?" + query)
        self.assertEqual(status, 414)
        r = self.ok("POST", "/rest/v1/leads.json?_method=GET", query,
                    ctype="application/x-www-form-urlencoded")
        self.assertEqual([x["id"] for x in r], [1, 2])
        r = self.ok("POST", "/rest/v1/leads.json", "_method=GET&" + query,
                    ctype="application/x-www-form-urlencoded")
        self.assertEqual([x["id"] for x in r], [1, 2])
        self.assertEqual(self.stats()["calls"]["GET /rest/v1/leads.json"], 2)
        self.assertEqual(self.stats()["http_status"], {"414": 1})
        self.assertEqual(self.fail_code("POST", "/rest/v1/leads.json?_method=GET",
                                        {"filterType": "email"}), "612")

    def test_paging(self):
        r1 = self.rest("GET", "/rest/v1/leads.json?filterType=email"
                              "&filterValues=a@example.com,b@example.com&batchSize=2")[1]
        self.assertEqual([x["id"] for x in r1["result"]], [1, 2])
        self.assertTrue(r1["moreResult"])
        tok = urllib.parse.quote(r1["nextPageToken"])
        r2 = self.rest("GET", "/rest/v1/leads.json?filterType=email"
                              "&filterValues=a@example.com,b@example.com&batchSize=2"
                              "&nextPageToken=" + tok)[1]
        self.assertEqual([x["id"] for x in r2["result"]], [3])
        self.assertNotIn("nextPageToken", r2)
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads.json?filterType=email"
                                               "&filterValues=a@example.com&batchSize=301"),
                         "1003")
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads.json?filterType=email"
                                               "&filterValues=a@example.com"
                                               "&nextPageToken=garbage"), "1003")

    def test_more_than_1000_matches_is_1003(self):
        EMU.control("leads", {"leads": [{"email": "same@example.com"}] * 1001})
        self.assertEqual(self.fail_code("GET", "/rest/v1/leads.json?filterType=email"
                                               "&filterValues=same@example.com"), "1003")

    def test_get_lead_by_id(self):
        self.assertEqual(self.ok("GET", "/rest/v1/lead/2.json?fields=email,leadPartitionId"),
                         [{"id": 2, "email": "a@example.com", "leadPartitionId": 2}])
        self.assertEqual(self.ok("GET", "/rest/v1/lead/99.json"), [])


class TestPartitions(Base):
    def test_partitions(self):
        self.reset(partitions=["Default", "EMEA", {"name": "APAC", "description": "Asia"}])
        r = self.ok("GET", "/rest/v1/leads/partitions.json")
        self.assertEqual(r, [
            {"id": 1, "name": "Default", "description": "Initial system lead partition"},
            {"id": 2, "name": "EMEA"},
            {"id": 3, "name": "APAC", "description": "Asia"}])

    def test_default_always_exists(self):
        self.reset(partitions=[])
        self.assertEqual([p["name"] for p in self.ok("GET", "/rest/v1/leads/partitions.json")],
                         ["Default"])


class TestLists(Base):
    reset_spec = {"lists": [1001, {"id": 1002, "name": "Other"}],
                  "leads": [{"id": 1, "email": "a@example.com"},
                            {"id": 2, "email": "b@example.com", "partition": "EMEA"}]}

    def test_add_with_body(self):
        r = self.ok("POST", "/rest/v1/lists/1001/leads.json",
                    {"input": [{"id": 1}, {"id": 2}, {"id": 99}]})
        self.assertEqual(r[0], {"id": 1, "status": "added"})
        self.assertEqual(r[1], {"id": 2, "status": "added"})
        self.assertEqual(r[2]["id"], 99)
        self.assertEqual(r[2]["status"], "skipped")
        self.assertEqual(r[2]["reasons"][0]["code"], "1004")
        db = EMU.control("leads")
        self.assertEqual(db["lists"][0]["members"], [1, 2])
        self.assertEqual(db["leads"][0]["lists"], [1001])

    def test_add_with_query_ids(self):
        r = self.ok("POST", "/rest/v1/lists/1002/leads.json?id=1&id=2")
        self.assertEqual([x["status"] for x in r], ["added", "added"])
        r = self.ok("POST", "/rest/v1/lists/1002/leads.json?id=1,2")
        self.assertEqual([x["status"] for x in r], ["added", "added"])

    def test_unknown_list_1013(self):
        self.assertEqual(self.fail_code("POST", "/rest/v1/lists/4242/leads.json",
                                        {"input": [{"id": 1}]}), "1013")

    def test_limits_and_shape(self):
        self.assertEqual(self.fail_code("POST", "/rest/v1/lists/1001/leads.json",
                                        {"input": [{"id": 1}] * 301}), "1003")
        self.assertEqual(len(self.ok("POST", "/rest/v1/lists/1001/leads.json",
                                     {"input": [{"id": 1}] * 300})), 300)
        self.assertEqual(self.fail_code("POST", "/rest/v1/lists/1001/leads.json",
                                        {"input": [{"email": "a@example.com"}]}), "1003")
        self.assertEqual(self.fail_code("POST", "/rest/v1/lists/1001/leads.json"), "701")
        self.assertEqual(self.fail_code("POST", "/rest/v1/lists/1001/leads.json",
                                        b"{bad", ), "609")

    def test_remove_ismember_and_members(self):
        self.ok("POST", "/rest/v1/lists/1001/leads.json", {"input": [{"id": 1}]})
        r = self.ok("GET", "/rest/v1/lists/1001/leads/ismember.json?id=1&id=2&id=99")
        self.assertEqual([x["status"] for x in r], ["memberof", "notmemberof", "skipped"])
        r = self.ok("GET", "/rest/v1/lists/1001/leads.json?fields=email")
        self.assertEqual(r, [{"id": 1, "email": "a@example.com"}])
        r = self.ok("DELETE", "/rest/v1/lists/1001/leads.json?id=1&id=2&id=99")
        self.assertEqual([x["status"] for x in r], ["removed", "skipped", "skipped"])
        self.assertEqual([x["reasons"][0]["code"] for x in r[1:]], ["1015", "1004"])
        self.assertEqual(self.ok("GET", "/rest/v1/lists/1001/leads.json"), [])


class TestControl(Base):
    def test_reset_seeds_and_reports_the_db(self):
        self.reset(partitions=["EMEA"], lists=[7],
                   leads=[{"email": "a@example.com", "partition": "EMEA", "lists": [7],
                           "updatedAt": "2026-01-02T03:04:05Z", "score": 3}])
        db = EMU.control("leads")
        self.assertEqual([p["name"] for p in db["partitions"]], ["Default", "EMEA"])
        self.assertEqual(db["lists"], [{"id": 7, "name": "List 7", "members": [1]}])
        lead = db["leads"][0]
        self.assertEqual((lead["id"], lead["partition"], lead["leadPartitionId"]), (1, "EMEA", 2))
        self.assertEqual(lead["updatedAt"], "2026-01-02T03:04:05Z")
        self.assertEqual((lead["score"], lead["lists"]), (3, [7]))

    def test_bad_reset_is_400(self):
        for spec in ({"partitons": []}, {"leads": [{"partition": "Nowhere"}]},
                     {"leads": [{"id": 1}, {"id": 1}]}, {"rate_limit": 0},
                     {"envelope": "other"}):
            status, _, data = EMU.request("POST", "/_emulator/reset", spec,
                                          {"Content-Type": "application/json"})
            self.assertEqual(status, 400, spec)

    def test_add_leads_mid_run(self):
        EMU.control("leads", {"leads": [{"email": "x@example.com"}]})
        self.assertEqual(len(self.db()), 1)

    def test_stats(self):
        self.sync([{"email": "a@example.com"}], action="updateOnly")
        self.fail_code("GET", "/rest/v1/leads/partitions.json", token="bad")
        s = self.stats()
        self.assertEqual(s["calls"]["POST /rest/v1/leads.json"], 1)
        self.assertEqual(s["calls"]["GET /rest/v1/leads/partitions.json"], 1)
        self.assertEqual(s["calls"]["GET /identity/oauth/token"], 1)
        self.assertEqual(s["errors"], {"601": 1})
        self.assertEqual(s["reasons"], {"1004": 1})
        self.assertEqual(s["tokens_issued"], 1)
        self.assertEqual(s["max_in_flight"], 1)

    def test_a_connection_from_before_a_reset_is_closed_uncounted(self):
        # A sink of the previous test may still have a request on its way
        # when the next test resets: it must not land in the new state.
        conn = http.client.HTTPConnection("127.0.0.1", EMU.port, timeout=TIMEOUT)
        try:
            headers = {"Authorization": "Bearer " + self.token,
                       "Content-Type": "application/json"}
            body = json.dumps({"input": [{"email": "old@example.com"}]})
            conn.request("POST", "/rest/v1/leads.json", body, headers)
            self.assertEqual(conn.getresponse().read()[:1], b"{")
            self.reset()
            with self.assertRaises((http.client.HTTPException, OSError)):
                conn.request("POST", "/rest/v1/leads.json", body, headers)
                conn.getresponse().read()
        finally:
            conn.close()
        self.assertEqual(self.db(), {})
        self.assertEqual(self.stats()["calls"].get("POST /rest/v1/leads.json", 0), 0)

    def test_a_slow_call_answered_after_a_reset_is_not_counted(self):
        # The previous test's timed-out request may still be sleeping in
        # its latency fault when the next test resets.
        EMU.control("faults", {"latency_ms": 600, "endpoint": "partitions"})
        def slow_call():
            try:
                self.rest("GET", "/rest/v1/leads/partitions.json")
            except (http.client.HTTPException, OSError):
                pass  # closed unanswered: expected
        t = threading.Thread(target=slow_call)
        t.start()
        time.sleep(0.2)
        self.reset()
        t.join(TIMEOUT)
        self.assertEqual(self.stats()["calls"].get(
            "GET /rest/v1/leads/partitions.json", 0), 0)

    def test_request_log(self):
        self.sync([{"email": "a@example.com"}], action="createOnly", partitionName="EMEA")
        log = EMU.control("requests?since=0")
        sync = [e for e in log["requests"] if e.get("endpoint") == "POST /rest/v1/leads.json"]
        self.assertEqual(len(sync), 1)
        self.assertEqual(sync[0]["body"]["partitionName"], "EMEA")
        self.assertTrue(sync[0]["success"])
        later = EMU.control("requests?since=%d" % log["last_seq"])
        self.assertEqual(later["requests"], [])
        self.assertNotIn(CLIENT_SECRET, json.dumps(log))

    def test_clock(self):
        c = EMU.control("clock", {"now": "2030-05-05T05:05:05Z", "freeze": True})
        self.assertEqual(c["now"], "2030-05-05T05:05:05Z")
        self.assertEqual(EMU.control("clock", {"advance_s": 60})["now"], "2030-05-05T05:06:05Z")
        self.assertTrue(EMU.control("clock")["frozen"])

    def test_unknown_control_path_is_404(self):
        self.assertEqual(EMU.request("GET", "/_emulator/nothing")[0], 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
