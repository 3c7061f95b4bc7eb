"""What the API emulators of tests/ share (tests/drift/emulator.py,
tests/ctm/emulator.py): JSON replies, a queue of faults to inject, and
serving on 127.0.0.1 with the port written to a file.  Python 3 standard
library only; an emulator imports it from the folder above its own.
"""

import argparse
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler answering JSON."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body, headers=(), raw=None):
        """Answers status with body as JSON (or the bytes raw)."""
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        """Closes the connection without an answer."""
        self.close_connection = True
        self.connection.shutdown(2)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")


def control(handler, state, lock, fresh_stats, cleared=None):
    """Answers the control API's POSTs on state:
      /_emulator/fault   queue_faults
      /_emulator/config  updates state["config"] with the body
      /_emulator/reset   empties the faults, new statistics (fresh_stats()),
                         and state[k] = copy of v for each k, v of cleared
    """
    body = handler.read_json()
    with lock:
        if handler.path == "/_emulator/fault":
            queue_faults(state["faults"], body)
            return handler.reply(200, {"queued": len(state["faults"])})
        if handler.path == "/_emulator/config":
            state["config"].update(body)
            return handler.reply(200, state["config"])
        if handler.path == "/_emulator/reset":
            state["faults"] = []
            state["stats"] = fresh_stats()
            for k, v in (cleared or {}).items():
                state[k] = type(v)(v)
            return handler.reply(200, {})
    return handler.reply(404, {"error": "not found"})


def queue_faults(faults, rule):
    """POST /_emulator/fault: after rule["after"] requests (default 0),
    the next rule["count"] (default 1) answer with the rule."""
    faults.extend([None] * int(rule.get("after", 0)))
    faults.extend([rule] * int(rule.get("count", 1)))


def next_fault(state, lock):
    """Counts a request in state["stats"] ("requests", "faults_served",
    "after_429_ms": the time from the last 429 to this request) and pops
    the fault it is to meet (None: none)."""
    with lock:
        stats = state["stats"]
        stats["requests"] += 1
        if stats.get("last_429") is not None:
            stats["after_429_ms"] = int(
                (time.monotonic() - stats["last_429"]) * 1000)
            stats["last_429"] = None
        fault = state["faults"].pop(0) if state["faults"] else None
        if fault is not None:
            stats["faults_served"] += 1
            if fault["kind"] == "429":
                stats["last_429"] = time.monotonic()
        return fault


class QuietServer(ThreadingHTTPServer):
    """Says nothing when a client closes its connection (a client that
    stops keeps its idle keep-alive connections to the end)."""
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(handler, port, port_file):
    """Serves handler on 127.0.0.1:port (0: a free one) until SIGTERM,
    writing the port to port_file once it accepts connections."""
    server = QuietServer(("127.0.0.1", port), handler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, port_file)
    server.serve_forever()


def arguments():
    """A parser of the options every emulator takes: --port (0: a free
    one), --port-file, --data (the records served)."""
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--data", required=True)
    return p
