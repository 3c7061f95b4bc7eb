#!/usr/bin/env bash
# Scale-out on NATS JetStream, end to end (docs/scale-out.md), against a
# nats-server this test starts on 127.0.0.1 (a free port, a temporary file
# store).  Skipped (77) when nats-server is not installed (Debian package
# nats-server; .ci/deps installs it).
#  - 1 ingest + 3 merge workers on the sample attribution data: the union
#    of the workers' touchpoints is byte-identical, after sorting, to one
#    process running pipelines/attribution.json;
#  - a worker SIGKILLed at crash points spread over its run (with
#    --state-dir) and restarted writes what its uninterrupted run writes,
#    byte for byte;
#  - the ingest killed mid-run and run again, or resumed from its
#    checkpoint, stores every record once (message ids in the duplicate
#    window);
#  - workers waiting while nats-server restarts (same file store) go on;
#    an ingest started while the server is down fails naming the URL;
#  - a worker killed, nats-server restarted on its file store, the worker
#    resumed: the same union;
#  - nats-server restarted while the ingest publishes 150000 records: each
#    is stored once;
#  - watermarks travel: with time-sorted inputs, workers emit touchpoints
#    before the ingest ends (killed half way: each written one is the
#    single process's, none closed 3 h before the watermark is missing),
#    and resumed after a full ingest give the single process's union;
#  - a token from the environment: a wrong one refused, the right one
#    taken and never printed; TLS with our own CA (tls_ca), refused
#    without it;
#  - pipelines/nats/run_local.sh with 2 workers gives the same union.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
tf="$build/touchflow"
if ! command -v nats-server >/dev/null; then
  echo "SKIP: nats-server is not installed (Debian: apt-get install nats-server)"
  exit 77
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TF_NATS_URL="nats://127.0.0.1:$port"
start_server() {
  nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/store" >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    grep -q "Server is ready" "$work/server.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nats-server did not start: $(tail -5 "$work/server.log")"
  exit 1
}
stop_server() {
  kill "$server" && wait "$server" 2>/dev/null
  server=
  : >"$work/server.log"
}
start_server

mkdir -p "$work/p" && cp -r "$src/pipelines/." "$work/p/"
chmod -R u+w "$work/p"
cd "$work/p" || exit 1

# Stream STREAM (and its subjects) for one scenario: a copy of the pair.
pair() { # STREAM
  sed "s/\"ATTRIBUTION\"/\"$1\"/; s/attribution\.events/$1.events/" \
    attribution-ingest.json >"ingest-$1.json"
  sed "s/\"ATTRIBUTION\"/\"$1\"/; s/attribution\.events/$1.events/; s#out/workers/#out/$1/#" \
    attribution-merge.json >"merge-$1.json"
}
worker() { # STREAM K N [ARGS...]: runs worker K of N (its name wK)
  local stream=$1 k=$2 n=$3
  shift 3
  { (exec env TF_WORKER="$k/$n" TF_WORKER_NAME="w$k" timeout 120 "$tf" run \
      "merge-$stream.json" --progress never --quiet "$@") 2>>"$work/$stream.log"; } 2>/dev/null
}
union() { # STREAM
  cat out/"$1"/w*/touchpoints.ndjson | LC_ALL=C sort
}

# The reference: one process.
"$tf" run attribution.json --progress never --quiet
check "single-process run" $? "exit status $?"
LC_ALL=C sort out/touchpoints.ndjson >"$work/ref.ndjson"
[ "$(wc -l <"$work/ref.ndjson")" -gt 300 ]
check "the reference has touchpoints" $? "$(wc -l <"$work/ref.ndjson")"

# --- 1 ingest + 3 workers -------------------------------------------------
pair E2E
"$tf" run ingest-E2E.json --progress never --quiet --summary-json "$work/ingest.json" 2>>"$work/E2E.log"
check "ingest" $? "$(tail -3 "$work/E2E.log")"
pids=""
for k in 1 2 3; do
  worker E2E $k 3 &
  pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
check "3 merge workers" $rc "$(tail -5 "$work/E2E.log")"
union E2E >"$work/e2e.ndjson"
cmp -s "$work/ref.ndjson" "$work/e2e.ndjson"
check "3 workers: union byte-identical to the single process (sorted)" $? \
  "$(diff "$work/ref.ndjson" "$work/e2e.ndjson" | head -4)"
for k in 1 2 3; do
  [ -s "out/E2E/w$k/touchpoints.ndjson" ] || rc=1
done
check "every worker wrote touchpoints" $rc "$(wc -l out/E2E/w*/touchpoints.ndjson)"

# --- one partition, one worker: more than 1000 messages unacknowledged ----
# (nothing is acknowledged without checkpoints; the server's default
# MaxAckPending of 1000 stopped delivery once)
pair ONE
sed -i 's/"partitions": 12/"partitions": 1/' ingest-ONE.json merge-ONE.json
"$tf" run ingest-ONE.json --progress never --quiet 2>>"$work/ONE.log" &&
  worker ONE 1 1
check "1 partition, 1 worker (1430 messages in flight)" $? "$(tail -3 "$work/ONE.log")"
cmp -s "$work/ref.ndjson" <(union ONE)
check "1 worker: byte-identical to the single process" $? ""

# --- a worker killed at crash points and restarted ------------------------
pair KILL
"$tf" run ingest-KILL.json --progress never --quiet 2>>"$work/KILL.log"
worker KILL 2 3 --state-dir "$work/st-ref" --checkpoint-every 40 \
  --batch-size 16 >/dev/null
mv out/KILL/w2 "$work/w2-ref"
rm -rf "$work/st-ref"
TOUCHFLOW_CRASH_COUNT="$work/count" worker KILL 2 3 --state-dir "$work/st-count" \
  --checkpoint-every 40 --batch-size 16
total=$(cat "$work/count")
rm -rf out/KILL/w2 "$work/st-count"
bad=""
n=0
for at in $(seq 3 $(((total + 7) / 8)) "$total") $((total - 2)); do
  rm -rf out/KILL/w2 "$work/st"
  TOUCHFLOW_CRASH_AT=$at worker KILL 2 3 --state-dir "$work/st" \
    --checkpoint-every 40 --batch-size 16
  rc=$?
  if [ $rc -ne 137 ]; then
    bad="$bad $at(no crash: $rc)"
    continue
  fi
  worker KILL 2 3 --state-dir "$work/st" --checkpoint-every 40 --batch-size 16
  rc=$?
  if [ $rc -ne 0 ] ||
    ! cmp -s "$work/w2-ref/touchpoints.ndjson" out/KILL/w2/touchpoints.ndjson ||
    ! cmp -s "$work/w2-ref/rejected.ndjson" out/KILL/w2/rejected.ndjson; then
    bad="$bad $at(resume: $rc)"
  fi
  n=$((n + 1))
done
[ -z "$bad" ] && [ "$n" -ge 5 ]
check "worker SIGKILLed at $n of $total crash points, restarted: byte-identical" \
  $? "$bad"

# --- the ingest killed and run again: each record stored once -------------
pair DUP
# (the braces keep bash's "Killed" notice out of the test log)
{ (exec env TOUCHFLOW_CRASH_AT=100 "$tf" run ingest-DUP.json --batch-size 16 \
  --progress never --quiet) 2>/dev/null; } 2>/dev/null
rc=$?
[ $rc -eq 137 ]
check "ingest killed mid-run" $? "exit $rc"
"$tf" run ingest-DUP.json --progress never --quiet 2>>"$work/DUP.log"
check "ingest run again" $? "$(tail -3 "$work/DUP.log")"
total_in=0
for k in 1 2 3; do
  worker DUP $k 3 --summary-json "$work/dup-$k.json" || rc=1
  n=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print([x for x in s["stages"] if x["id"] == "events"][0]["out"])' "$work/dup-$k.json")
  total_in=$((total_in + n))
done
published=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print([x for x in s["stages"] if x["id"] == "log"][0]["in"])' "$work/ingest.json")
[ "$total_in" -eq "$published" ]
check "after a crashed and a full ingest the workers read $total_in records, one ingest published $published" $? ""
cmp -s "$work/ref.ndjson" <(union DUP)
check "crashed ingest: union byte-identical" $? ""

# --- the ingest killed under --state-dir and resumed -----------------------
# It publishes again what followed its checkpoint, with the same message
# ids: each record is stored once.
pair RESUME
{ (exec env TOUCHFLOW_CRASH_AT=120 "$tf" run ingest-RESUME.json --batch-size 16 \
  --checkpoint-every 200 --state-dir "$work/st-ingest" --progress never --quiet) \
  2>/dev/null; } 2>/dev/null
rc=$?
"$tf" run ingest-RESUME.json --batch-size 16 --checkpoint-every 200 \
  --state-dir "$work/st-ingest" --progress never --quiet 2>>"$work/RESUME.log"
rc2=$?
total_in=0
for k in 1 2 3; do
  worker RESUME $k 3 --summary-json "$work/resume-$k.json" || rc2=1
  n=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print([x for x in s["stages"] if x["id"] == "events"][0]["out"])' "$work/resume-$k.json")
  total_in=$((total_in + n))
done
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && [ "$total_in" -eq "$published" ] &&
  grep -q "resuming from checkpoint" "$work/RESUME.log" &&
  cmp -s "$work/ref.ndjson" <(union RESUME)
check "ingest killed under --state-dir, resumed: $total_in records read, union byte-identical" \
  $? "crash exit $rc, then $rc2; $total_in records of $published; $(head -2 "$work/RESUME.log")"

# --- nats-server restarts while workers wait ------------------------------
pair RESTART
pids=""
for k in 1 2 3; do
  worker RESTART $k 3 &
  pids="$pids $!"
done
sleep 1
stop_server
"$tf" run ingest-RESTART.json --progress never --quiet 2>"$work/down.log"
rc=$?
[ $rc -ne 0 ] && grep -q "cannot connect to NATS at $TF_NATS_URL" "$work/down.log"
check "server down: the ingest fails naming the URL" $? "exit $rc: $(cat "$work/down.log")"
sleep 1
start_server
"$tf" run ingest-RESTART.json --progress never --quiet 2>>"$work/RESTART.log"
check "ingest after the restart" $? "$(tail -3 "$work/RESTART.log")"
rc=0
for p in $pids; do wait "$p" || rc=1; done
check "workers survived the server restart" $rc "$(tail -5 "$work/RESTART.log")"
cmp -s "$work/ref.ndjson" <(union RESTART)
check "server restart: union byte-identical" $? ""

# --- nats-server restarted between a worker's crash and its resume -------
# (file storage: the stream and the consumers' state survive)
pair PERSIST
"$tf" run ingest-PERSIST.json --progress never --quiet 2>>"$work/PERSIST.log"
TOUCHFLOW_CRASH_AT=$((total / 2)) worker PERSIST 1 3 --state-dir "$work/st-p" \
  --checkpoint-every 40 --batch-size 16
rc=$?
stop_server
start_server
worker PERSIST 1 3 --state-dir "$work/st-p" --checkpoint-every 40 --batch-size 16 &&
  worker PERSIST 2 3 && worker PERSIST 3 3
rc2=$?
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && cmp -s "$work/ref.ndjson" <(union PERSIST)
check "worker killed, nats-server restarted, worker resumed: union byte-identical" \
  $? "crash exit $rc, then $rc2: $(tail -3 "$work/PERSIST.log")"

# --- nats-server restarted while the ingest publishes ---------------------
# 150000 generated hits (bench/gen_events.py, fixed seed) take seconds to
# publish; the server is stopped half a second in and started again a
# second later.  The sink reconnects, sends again what was not
# acknowledged, and every record is stored once.
python3 "$src/bench/gen_events.py" 150000 "$work/big" >/dev/null
cat >ingest-BIG.json <<JSON
{"version": 1, "name": "big",
 "sources": [{"id": "hits", "plugin": "web", "config": {"path": "$work/big/hits.ndjson"}},
             {"id": "calls", "plugin": "calltracking", "config": {"path": "$work/big/tasks.csv"}}],
 "sinks": [{"id": "log", "plugin": "nats", "inputs": ["hits", "calls"],
            "config": {"url": "\${TF_NATS_URL}", "stream": "BIG", "subject_prefix": "big.events",
                       "partitions": 4, "reconnect_wait": "100ms"}}],
 "dead_letter": {"path": "out/BIG/ingest-rejected.ndjson"}}
JSON
cat >merge-BIG.json <<JSON
{"version": 1, "name": "big-read",
 "sources": [{"id": "events", "plugin": "nats",
              "config": {"url": "\${TF_NATS_URL}", "stream": "BIG", "subject_prefix": "big.events",
                         "partitions": 4, "worker": "\${TF_WORKER}"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["events"],
            "config": {"path": "out/BIG/\${TF_WORKER_NAME}/records.ndjson"}}],
 "dead_letter": {"path": "out/BIG/\${TF_WORKER_NAME}/rejected.ndjson"}}
JSON
"$tf" run ingest-BIG.json --progress never --quiet --summary-json "$work/big.json" \
  2>>"$work/BIG.log" &
ingest=$!
sleep 0.5
kill -0 "$ingest" 2>/dev/null
during=$?
stop_server
sleep 1
start_server
wait "$ingest"
rc=$?
[ $during -eq 0 ] && [ $rc -eq 0 ]
check "ingest across a server restart (stopped while it published)" $? \
  "still running when stopped: $([ $during -eq 0 ] && echo yes || echo no), exit $rc: $(tail -3 "$work/BIG.log")"
worker BIG 1 2 & w1=$!
worker BIG 2 2
rc=$?
wait "$w1" || rc=1
published=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print([x for x in s["stages"] if x["id"] == "log"][0]["in"])' "$work/big.json")
read_all=$(cat out/BIG/w*/records.ndjson | wc -l)
read_unique=$(cat out/BIG/w*/records.ndjson | LC_ALL=C sort -u | wc -l)
[ $rc -eq 0 ] && [ "$read_all" -eq "$published" ] && [ "$read_unique" -eq "$published" ]
check "server restart mid-ingest: $published records published, read $read_all ($read_unique distinct)" $? ""

# --- the watermark travels: workers resolve sessions before the end --------
# 100000 generated hits and their calls (bench/gen_events.py, fixed seed;
# about 29 h of traffic, sorted by time, declared sorted_by_time) published
# with watermark markers every 2000 records.  The ingest is killed half way
# (no end marker); two workers read what is there and are stopped (SIGTERM:
# a checkpoint).  Each must already have written touchpoints: all of them
# the single process's, and every single-process touchpoint dated 3 h or
# more before the workers' watermark (a session's hits span at most 3 h:
# 20 views 9 min apart, then session_timeout).  Then the ingest runs again
# to its end, the workers resume, and their union is the single process's,
# byte for byte after sorting.
python3 "$src/bench/gen_events.py" 100000 "$work/wm" >/dev/null
wm_sources='{"id": "hits", "plugin": "web", "config": {"path": "'$work'/wm/hits.ndjson", "sorted_by_time": true}},
  {"id": "calls", "plugin": "calltracking", "config": {"path": "'$work'/wm/tasks.csv", "sorted_by_time": true}}'
cat >single-WM.json <<JSON
{"version": 1, "name": "wm-single", "sources": [$wm_sources],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["hits", "calls"], "config": {}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"], "config": {"path": "out/WM/single.ndjson"}}],
 "dead_letter": {"path": "out/WM/single-rejected.ndjson"}}
JSON
cat >ingest-WM.json <<JSON
{"version": 1, "name": "wm-ingest", "sources": [$wm_sources],
 "sinks": [{"id": "log", "plugin": "nats", "inputs": ["hits", "calls"],
            "config": {"url": "\${TF_NATS_URL}", "stream": "WM", "subject_prefix": "wm.events",
                       "partitions": 4, "watermark_every": 2000, "watermark_interval": "0"}}],
 "dead_letter": {"path": "out/WM/ingest-rejected.ndjson"}}
JSON
cat >merge-WM.json <<JSON
{"version": 1, "name": "wm-merge",
 "sources": [{"id": "events", "plugin": "nats",
              "config": {"url": "\${TF_NATS_URL}", "stream": "WM", "subject_prefix": "wm.events",
                         "partitions": 4, "worker": "\${TF_WORKER}", "fetch_wait": "100ms"}}],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["events"], "config": {}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"],
            "config": {"path": "out/WM/\${TF_WORKER_NAME}/touchpoints.ndjson"}}],
 "dead_letter": {"path": "out/WM/\${TF_WORKER_NAME}/rejected.ndjson"}}
JSON
"$tf" run single-WM.json --progress never --quiet 2>>"$work/WM.log"
LC_ALL=C sort out/WM/single.ndjson >"$work/wm-ref.ndjson"
{ (exec env TOUCHFLOW_CRASH_AT=300 "$tf" run ingest-WM.json --progress never --quiet) \
  2>/dev/null; } 2>/dev/null
rc=$?
pids=""
# --foreground: timeout then signals touchflow only, not also its process
# group; a second SIGTERM landing after the first was handled would end
# the worker at once (signals.h), before the checkpoint that writes out
# what its file sink still buffers.
for k in 1 2; do
  TF_WORKER=$k/2 TF_WORKER_NAME=w$k TOUCHFLOW_DEBUG=1 timeout --foreground --preserve-status -s TERM 8 "$tf" run \
    merge-WM.json --progress never --quiet --state-dir "$work/st-wm$k" 2>"$work/wm-w$k.log" &
  pids="$pids $!"
done
rc2=0
for p in $pids; do wait "$p"; [ $? -eq 143 ] || rc2=1; done
# What each worker wrote so far is in its output's temporary file (not
# committed: a last line may be cut).
mid=$(python3 - "$work/wm-ref.ndjson" "$work"/wm-w1.log "$work"/wm-w2.log out/WM/w*/.touchpoints.ndjson.tmp.* <<'PY'
import datetime, json, re, sys
ref = open(sys.argv[1]).read().splitlines()
mid = [l for f in sys.argv[4:] for l in open(f).read().split("\n")[:-1]]
marks = [re.findall(r"watermark of the partitions: (\d+)", open(f).read()) for f in sys.argv[2:4]]
wm = min(int(m[-1]) if m else 0 for m in marks)
def ms(line):
    d = json.loads(line)["date"].replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(d).timestamp() * 1000
refs, mids = set(ref), set(mid)
closed = [l for l in ref if ms(l) < wm - 3 * 3600 * 1000]
wrong = [l for l in mid if l not in refs]
missing = [l for l in closed if l not in mids]
ok = mid and not wrong and not missing and len(mids) == len(mid) and len(closed) > 1000
print("%s %d touchpoints written mid-stream (watermark %.1f h into the data), %d wrong, %d of %d closed ones missing"
      % ("ok" if ok else "bad", len(mid), (wm - ms(min(ref, key=ms))) / 3.6e6 if ref else 0,
         len(wrong), len(missing), len(closed)))
PY
)
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && [ "${mid%% *}" = ok ]
check "ingest killed half way: the workers resolve sessions as the watermark travels: ${mid#* }" \
  $? "ingest exit $rc, workers stopped by SIGTERM: $([ $rc2 -eq 0 ] && echo yes || echo no); $(tail -2 "$work"/wm-w1.log)"
"$tf" run ingest-WM.json --progress never --quiet 2>>"$work/WM.log"
rc=$?
for k in 1 2; do
  TF_WORKER=$k/2 TF_WORKER_NAME=w$k timeout 120 "$tf" run merge-WM.json --progress never \
    --quiet --state-dir "$work/st-wm$k" 2>>"$work/WM.log" || rc=1
done
[ $rc -eq 0 ] && cmp -s "$work/wm-ref.ndjson" <(union WM)
check "ingest run again, workers resumed: union byte-identical to the single process" \
  $? "$(tail -3 "$work/WM.log"; diff "$work/wm-ref.ndjson" <(union WM) | head -4)"

# A worker of that stream (watermark markers, sessions resolved as it
# goes) killed at a crash point half way and resumed from its checkpoint
# (the partitions' watermarks in its position) writes what its
# uninterrupted run writes, byte for byte.
wm_worker() { # NAME [ARGS...]: worker 1/2 of the WM stream, output under out/WM/NAME
  local name=$1
  shift
  { (exec env TF_WORKER=1/2 TF_WORKER_NAME="$name" timeout 120 "$tf" run merge-WM.json \
    --progress never --quiet --checkpoint-every 5000 "$@") 2>>"$work/WM.log"; } 2>/dev/null
}
TOUCHFLOW_CRASH_COUNT="$work/wm-count" wm_worker k1 --state-dir "$work/st-wmk1"
total=$(cat "$work/wm-count")
TOUCHFLOW_CRASH_AT=$((total / 2)) wm_worker k2 --state-dir "$work/st-wmk2"
rc=$?
wm_worker k2 --state-dir "$work/st-wmk2"
rc2=$?
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && [ -s out/WM/k1/touchpoints.ndjson ] &&
  cmp -s out/WM/k1/touchpoints.ndjson out/WM/k2/touchpoints.ndjson &&
  cmp -s out/WM/k1/rejected.ndjson out/WM/k2/rejected.ndjson
check "with watermarks: a worker SIGKILLed at crash point $((total / 2)) of $total, resumed: byte-identical" \
  $? "crash exit $rc, then $rc2; $(tail -2 "$work/WM.log")"

# --- a token from the environment ----------------------------------------
# A second server that wants a token; the token comes from ${TF_NATS_TOKEN}
# and appears in no output.
auth_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$auth_port" -sd "$work/auth-store" \
  --auth "tok-$$-secret" >"$work/auth.log" 2>&1 &
auth_server=$!
for _ in $(seq 100); do grep -q "Server is ready" "$work/auth.log" && break; sleep 0.1; done
sed 's/"url": "${TF_NATS_URL}",/"url": "nats:\/\/127.0.0.1:'"$auth_port"'", "token": "${TF_NATS_TOKEN}",/' \
  ingest-E2E.json >ingest-AUTH.json
TF_NATS_TOKEN=wrong "$tf" run ingest-AUTH.json --progress never >"$work/auth-bad.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -qi "authorization" "$work/auth-bad.log"
check "a wrong token is refused, saying so" $? "exit $rc: $(tail -3 "$work/auth-bad.log")"
TF_NATS_TOKEN="tok-$$-secret" "$tf" run ingest-AUTH.json --progress never \
  >"$work/auth-ok.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ! grep -q "tok-$$-secret" "$work/auth-ok.log" "$work/auth-bad.log"
check "the token from the environment is accepted and never printed" $? \
  "exit $rc: $(tail -3 "$work/auth-ok.log")"
kill "$auth_server"

# --- TLS with a CA of our own (openssl) ------------------------------------
if command -v openssl >/dev/null; then
  t=$work/tls
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$t/ca.key" -out "$t/ca.pem" \
    -days 2 -subj "/CN=touchflow test CA" 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout "$t/server.key" -out "$t/server.csr" \
      -subj "/CN=127.0.0.1" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\n' >"$t/ext.cnf" &&
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
      -CAcreateserial -out "$t/server.pem" -days 2 -extfile "$t/ext.cnf" 2>/dev/null
  tls_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  nats-server -js -a 127.0.0.1 -p "$tls_port" -sd "$t/store" --tls \
    --tlscert "$t/server.pem" --tlskey "$t/server.key" >"$t/server.log" 2>&1 &
  tls_server=$!
  for _ in $(seq 100); do grep -q "Server is ready" "$t/server.log" && break; sleep 0.1; done
  sed 's#"url": "${TF_NATS_URL}",#"url": "tls://127.0.0.1:'"$tls_port"'",#' \
    ingest-E2E.json >ingest-NOCA.json
  sed 's#"url": "${TF_NATS_URL}",#"url": "tls://127.0.0.1:'"$tls_port"'", "tls_ca": "'"$t/ca.pem"'",#' \
    ingest-E2E.json >ingest-TLS.json
  "$tf" run ingest-NOCA.json --progress never --quiet >"$t/noca.log" 2>&1
  rc=$?
  [ $rc -ne 0 ] && grep -q "cannot connect to NATS at tls://127.0.0.1:$tls_port: SSL" "$t/noca.log"
  check "TLS without tls_ca: refused, naming the URL and the certificate error" $? \
    "exit $rc: $(cat "$t/noca.log")"
  "$tf" run ingest-TLS.json --progress never --quiet >"$t/tls.log" 2>&1
  check "TLS with tls_ca: the ingest runs" $? "$(cat "$t/tls.log")"
  kill "$tls_server"
fi

# --- the script that runs it all locally ----------------------------------
rm -rf out/workers
TOUCHFLOW="$tf" timeout 120 nats/run_local.sh 2 >"$work/run_local.log" 2>&1
check "nats/run_local.sh 2" $? "$(tail -5 "$work/run_local.log")"
cmp -s "$work/ref.ndjson" <(cat out/workers/w*/touchpoints.ndjson | LC_ALL=C sort)
check "run_local.sh with 2 workers: union byte-identical" $? ""

echo "nats: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
