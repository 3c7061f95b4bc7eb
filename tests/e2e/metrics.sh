#!/usr/bin/env bash
# Metrics, end to end (docs/operations.md#metrics): a run slowed down by the
# test-only TOUCHFLOW_TEST_BATCH_DELAY_MS is scraped on GET /metrics while
# it runs, on a loopback port the system chose (printed by the run), and
# every scrape is parsed by prometheus_client's text-format parser
# (Debian python3-prometheus-client).  Scrapes during the run show the run
# in progress and counters that never go back; the --metrics-textfile
# written at the end holds the final counts, which match the files the
# run wrote.  Also: 404 and 405 for other paths and methods, an address in
# use is exit 2 naming it, a malformed address is a usage error.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
build=${TF_BUILDDIR:-.}
tf="$(cd "$build" && pwd)/touchflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# Debian's python3, where python3-prometheus-client is installed (a
# python3 earlier on PATH may be another one).
py=/usr/bin/python3
[ -x "$py" ] || py=python3

"$py" - <<'PYEOF'
with open("in.ndjson", "w") as f:
    for i in range(3000):
        if i % 500 == 3:
            f.write('{"broken": \n')
        else:
            f.write('{"type": "web", "biz_uid": "u%d", "ts": %d}\n'
                    % (i % 2400, 1700000000000 + i % 2400))
PYEOF
cat >p.json <<'JSON'
{"version": 1, "name": "metrics \"e2e\"",
 "dead_letter": {"path": "out/dead.ndjson"},
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "transforms": [{"id": "dd", "plugin": "dedupe", "inputs": ["in"],
                 "config": {"key": ["type", "biz_uid", "ts"]}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["dd"],
            "config": {"path": "out/o.ndjson"}}]}
JSON

TF="$tf" "$py" - <<'PYEOF'
import os, re, subprocess, sys, time, urllib.error, urllib.request
from prometheus_client.parser import text_string_to_metric_families

failures = []
def check(name, ok, why=""):
    print(("ok: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
    if not ok:
        failures.append(name)

def parse(text):
    """{(sample name, sorted labels): value}, and the families' types."""
    values, types = {}, {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            values[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return values, types

def value(values, name, **labels):
    return values.get((name, tuple(sorted(labels.items()))))

def answer(url, method):
    data = b"" if method == "POST" else None
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=5):
            return 200
    except urllib.error.HTTPError as e:
        return e.code

err = open("run.log", "w")
env = dict(os.environ, TOUCHFLOW_TEST_BATCH_DELAY_MS="15")
proc = subprocess.Popen(
    [os.environ["TF"], "run", "p.json", "--batch-size", "100",
     "--progress", "never", "--metrics-listen", "127.0.0.1:0",
     "--metrics-textfile", "out/metrics.prom"], stderr=err, env=env)
url = None
deadline = time.time() + 30
while url is None and time.time() < deadline and proc.poll() is None:
    m = re.search(r"metrics at (http://127\.0\.0\.1:\d+)/metrics",
                  open("run.log").read())
    if m:
        url = m.group(1)
    else:
        time.sleep(0.02)
check("the run prints the address it listens on", url is not None,
      open("run.log").read())
if url is None:
    proc.kill()
    sys.exit(1)

scrapes, content_types = [], set()
while proc.poll() is None:
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
            content_types.add(r.headers["Content-Type"])
            scrapes.append(r.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError):
        # The run stops its server as it ends, a moment before it exits:
        # a refusal is an error only if the run then goes on.
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise
    if len(scrapes) == 3:
        for path, method, want in (("/", "GET", 404), ("/metric", "GET", 404),
                                   ("/metrics", "POST", 405),
                                   ("/metrics", "DELETE", 405)):
            got = answer(url + path, method)
            check("%s %s answers %d" % (method, path, want), got == want,
                  "got %d" % got)
    time.sleep(0.05)
status = proc.wait()
err.close()
check("the run exits 0", status == 0, open("run.log").read())
check("the content type is the text format 0.0.4",
      content_types == {"text/plain; version=0.0.4; charset=utf-8"},
      repr(content_types))
check("several scrapes during the run", len(scrapes) >= 5, str(len(scrapes)))

lines = sum(1 for _ in open("in.ndjson"))
broken = sum(1 for l in open("in.ndjson") if l.startswith('{"broken"'))
written = sum(1 for _ in open("out/o.ndjson"))
dead = sum(1 for _ in open("out/dead.ndjson"))
final, types = parse(open("out/metrics.prom").read())
src = dict(stage="in", plugin="file")
dd = dict(stage="dd", plugin="dedupe")
out = dict(stage="out", plugin="file")

def went_back(prev, cur):
    """The counters (and histogram series) of prev that are lower in cur."""
    return [k for k, v in prev.items()
            if k[0].endswith(("_total", "_bucket", "_count"))
            and cur.get(k, -1) < v]

parsed, last, bad = [], {}, []
for text in scrapes:
    values, _ = parse(text)
    parsed.append(values)
    bad += went_back(last, values)
    last = values
check("no counter goes back between scrapes", not bad, repr(bad[:3]))
check("the last scrape is at most the final counts",
      not went_back(last, final), repr(went_back(last, final)[:3]))
outs = [value(v, "touchflow_stage_records_out_total", **src) for v in parsed]
check("a scrape shows the run half way",
      any(0 < n < lines - broken for n in outs), repr(outs))
check("every histogram's +Inf bucket is its count",
      all(value(v, "touchflow_stage_batch_seconds_bucket", le="+Inf", **s)
          == value(v, "touchflow_stage_batch_seconds_count", **s)
          for v in parsed + [final] for s in (src, dd, out)))

check("the types", types.get("touchflow_stage_records_in") == "counter"
      and types.get("touchflow_stage_batch_seconds") == "histogram"
      and types.get("touchflow_stage_queued_batches") == "gauge", repr(types))
n = value(final, "touchflow_stage_records_out_total", **src)
check("source records out == records in the input, less the broken lines",
      n == lines - broken, "%r vs %d" % (n, lines - broken))
check("records read == source records out",
      value(final, "touchflow_records_read_total") == n)
n = value(final, "touchflow_stage_records_in_total", **out)
check("sink records in == lines of the output file", n == written,
      "%r vs %d" % (n, written))
n = value(final, "touchflow_plugin_counter_total",
          counter="dropped_duplicate", **dd)
check("dedupe's dropped_duplicate counter == what it dropped",
      n == lines - broken - written > 0, "%r" % n)
n = value(final, "touchflow_dead_letters_total", reason="invalid_json")
check("dead letters by reason == the dead-letter file",
      n == dead == broken, "%r %d %d" % (n, dead, broken))
check("the source's rejects",
      value(final, "touchflow_stage_records_rejected_total", **src) == broken)
# one observation per call: a batch dedupe emitted nothing from sends the
# sink nothing; every batch handed on is one call of the stage below
calls = [value(final, "touchflow_stage_batch_seconds_count", **s)
         for s in (src, dd, out)]
check("the stages' calls are counted", calls[0] >= calls[1] >= calls[2] > 0
      and calls[1] >= (lines - broken) // 100, repr(calls))
check("the textfile says the run ended with 0",
      value(final, "touchflow_run_exit_status") == 0 and
      value(final, "touchflow_run_end_time_seconds") >=
      value(final, "touchflow_run_start_time_seconds") > 1.6e9)
check("the pipeline name is escaped and parsed back",
      value(final, "touchflow_run_info", pipeline='metrics "e2e"') == 1)
check("no temporary file is left beside the textfile",
      sorted(os.listdir("out")) == ["dead.ndjson", "metrics.prom", "o.ndjson"],
      repr(os.listdir("out")))
sys.exit(1 if failures else 0)
PYEOF
check "scraping a running pipeline" $? "see above"

# An address in use: exit 2, naming it; the textfile says so too.
"$py" - "$tf" <<'PYEOF'
import socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
port = s.getsockname()[1]
r = subprocess.run([sys.argv[1], "run", "p.json", "--progress", "never",
                    "--metrics-listen", "127.0.0.1:%d" % port,
                    "--metrics-textfile", "refused.prom"],
                   capture_output=True, text=True)
want = "cannot listen on 127.0.0.1:%d: Address already in use" % port
print(r.returncode, r.stderr.strip())
ok = r.returncode == 2 and want in r.stderr
sys.exit(0 if ok and "\ntouchflow_run_exit_status 2\n"
         in open("refused.prom").read() else 1)
PYEOF
check "an address in use is exit 2 naming it" $? "see above"

(exec "$tf" run p.json --metrics-listen localhost:80) 2>log
[ $? -eq 2 ] && grep -q -- '--metrics-listen: "localhost": not a numeric' log
check "a host name is a usage error" $? "$(cat log)"

echo "metrics: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
