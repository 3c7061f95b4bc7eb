#!/usr/bin/env bash
# Throughput of the split pipeline (docs/scale-out.md) against one process.
#
# Usage: bench/nats.sh BUILD-DIR [HITS] [sorted]     (default 200000)
#
# With `sorted` the sources declare sorted_by_time (gen_events.py writes
# them in time order): the ingest publishes watermark markers and each
# worker's session_merge resolves sessions as the stream goes (flat
# memory); without, every worker holds its events until the end.
#
# bench/gen_events.py writes HITS web hits and their call-tracking Tasks
# (fixed seed).  Then, timed:
#   single  web + calltracking -> session_merge -> file, one process
#   ingest  web + calltracking -> nats (8 partitions), alone
#   split   2 merge workers (nats -> session_merge -> file) started first,
#           then the ingest; wall time until the last worker ends
# against a nats-server started here (127.0.0.1, a free port, a file store
# in the temporary folder).  Prints wall time, input records/s, the peak
# RSS of each process, and whether the sorted union of the workers'
# touchpoints equals the single process's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD-DIR [HITS]" >&2; exit 2; }
build=$(cd "$1" && pwd)
hits=${2:-200000}
sorted=${3:-}
[ -z "$sorted" ] || [ "$sorted" = sorted ] || { echo "$0: the third argument is \"sorted\" or nothing" >&2; exit 2; }
order=
[ "$sorted" = sorted ] && order=', "sorted_by_time": true'
tf=$build/touchflow
command -v nats-server >/dev/null || { echo "$0: nats-server is not installed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tf-nats-bench.XXXXXX")
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
python3 "$here/gen_events.py" "$hits" . >/dev/null
records=$(($(wc -l <hits.ndjson) + $(wc -l <tasks.csv) - 1))
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/store" >server.log 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "Server is ready" server.log && break; sleep 0.1; done
url="nats://127.0.0.1:$port"

sources='{"id": "hits", "plugin": "web", "config": {"path": "hits.ndjson"'$order'}},
  {"id": "calls", "plugin": "calltracking", "config": {"path": "tasks.csv"'$order'}}'
nats() { echo '"url": "'$url'", "stream": "'$1'", "subject_prefix": "'$1'.events", "partitions": 8'; }
cat >single.json <<JSON
{"version": 1, "name": "single", "sources": [$sources],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["hits", "calls"], "config": {}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"], "config": {"path": "single.ndjson"}}]}
JSON
cat >ingest.json <<JSON
{"version": 1, "name": "ingest", "sources": [$sources],
 "sinks": [{"id": "log", "plugin": "nats", "inputs": ["hits", "calls"], "config": {$(nats BENCH)}}]}
JSON
cat >ingest2.json <<JSON
{"version": 1, "name": "ingest", "sources": [$sources],
 "sinks": [{"id": "log", "plugin": "nats", "inputs": ["hits", "calls"],
            "config": {$(nats BENCH2)}}]}
JSON
cat >merge.json <<JSON
{"version": 1, "name": "merge",
 "sources": [{"id": "events", "plugin": "nats", "config": {$(nats BENCH2),
   "worker": "\${TF_WORKER}", "fetch_wait": "100ms"}}],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["events"], "config": {}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"], "config": {"path": "w\${TF_WORKER_N}.ndjson"}}],
 "dead_letter": {"path": "w\${TF_WORKER_N}.rejected.ndjson"}}
JSON

now() { date +%s.%N; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.1f MiB", $2 / 1024}' "$1"; }
rate() { awk -v r="$records" -v w="$1" 'BEGIN {printf "%.0f", r / w}'; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $records input records ($hits hits${sorted:+, sorted_by_time})"

t0=$(now)
/usr/bin/time -v -o single.time "$tf" run single.json --progress never --quiet
t1=$(now)
single=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
printf 'single   %6.2f s  %8s rec/s  peak %s\n' "$single" "$(rate "$single")" "$(rss single.time)"

t0=$(now)
/usr/bin/time -v -o ingest.time "$tf" run ingest.json --progress never --quiet
t1=$(now)
ingest=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
printf 'ingest   %6.2f s  %8s rec/s  peak %s\n' "$ingest" "$(rate "$ingest")" "$(rss ingest.time)"

t0=$(now)
pids=()
for k in 1 2; do
  TF_WORKER=$k/2 TF_WORKER_N=$k /usr/bin/time -v -o "w$k.time" "$tf" run merge.json \
    --progress never --quiet &
  pids+=("$!")
done
/usr/bin/time -v -o ingest2.time "$tf" run ingest2.json --progress never --quiet
wait "${pids[@]}"
t1=$(now)
split=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
printf 'split    %6.2f s  %8s rec/s  peaks: ingest %s, workers %s and %s\n' "$split" \
  "$(rate "$split")" "$(rss ingest2.time)" "$(rss w1.time)" "$(rss w2.time)"
if cmp -s <(LC_ALL=C sort single.ndjson) <(cat w1.ndjson w2.ndjson | LC_ALL=C sort); then
  echo "split output: the same touchpoints as the single process ($(wc -l <single.ndjson))"
else
  echo "split output: DIFFERS from the single process"
  exit 1
fi
