#!/usr/bin/env bash
# The long crash test (docs/checkpoints.md; tests/e2e/checkpoint.sh is its
# short form in make check).  Generates RECORDS web events (fixed seed)
# with some broken lines and repeats, and runs file -> dedupe -> an NDJSON
# and a gzip CSV file sink under --state-dir, killing it again and
# again until it completes:
#   - with SIGKILL at random moments (a random delay, so random byte
#     offsets of the output and random places in the run);
#   - with SIGKILL at random crash points (core/crashpoint.h: between
#     batches, inside checkpoint writes, around each sink's commit);
#   - with SIGTERM at random moments (a clean stop, then resume).
# After every chain the outputs and the dead-letter file must equal an
# uninterrupted run's: byte for byte for the NDJSON and dead-letter files
# and the gzip after a crash; the gzip's content after a SIGTERM (a stop
# ends a gzip member where an uninterrupted run does not).
# Usage: bench/crash.sh BUILD-DIR [RECORDS] [CHAINS]   (200000, 20)
set -euo pipefail
build=$(cd "$1" && pwd)
records=${2:-200000}
chains=${3:-20}
tf="$build/touchflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
RANDOM=4242

python3 - "$records" <<'PY'
import json, random, sys
n = int(sys.argv[1])
rng = random.Random(7)
pages = ["/", "/pricing", "/demo", "/blog/attribution-101", "/contact"]
with open("in.ndjson", "w") as f:
    for i in range(n):
        if i % 997 == 5:
            f.write('{"broken": \n')  # dead-lettered
            continue
        k = rng.randrange(n // 2 + 1)  # about one record in three repeats
        f.write(json.dumps({"type": "web", "biz_uid": "u%d" % k,
                            "ts": 1700000000000 + k * 1000, "n": i,
                            "url": "https://example.com" + rng.choice(pages)}) + "\n")
PY
cat >p.json <<'JSON'
{"version": 1, "name": "crash-bench",
 "dead_letter": {"path": "out/dead.ndjson"},
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "transforms": [{"id": "dd", "plugin": "dedupe", "inputs": ["in"],
                 "config": {"key": ["type", "biz_uid", "ts"]}}],
 "sinks": [{"id": "nd", "plugin": "file", "inputs": ["dd"],
            "config": {"path": "out/o.ndjson"}},
           {"id": "csv", "plugin": "file", "inputs": ["dd"],
            "config": {"path": "out/o.csv.gz"}}]}
JSON
opts=(--state-dir st --checkpoint-every 10000 --progress never --quiet)

start=$(date +%s.%N)
"$tf" run p.json "${opts[@]}" 2>/dev/null
took=$(echo "$(date +%s.%N) - $start" | bc)
TOUCHFLOW_CRASH_COUNT=$work/count "$tf" run p.json --reset-state "${opts[@]}" 2>/dev/null
mv out ref
rm -rf st
points=$(cat count)
ms=$(echo "$took * 1000 / 1" | bc)
echo "crash: $records records, an uninterrupted run takes ${ms} ms and passes $points crash points"

same() { # MODE: bytes | content
  cmp -s ref/o.ndjson out/o.ndjson && cmp -s ref/dead.ndjson out/dead.ndjson || return 1
  if [ "$1" = bytes ]; then cmp -s ref/o.csv.gz out/o.csv.gz; else
    cmp -s <(gunzip -c ref/o.csv.gz) <(gunzip -c out/o.csv.gz); fi
}

run_until_done() { # KIND: time | point | term ; prints the number of kills
  local kind=$1 kills=0 rc
  while :; do
    case $kind in
      time) { timeout --foreground -s KILL "0.$(printf '%03d' $((RANDOM % 1000)))" \
                "$tf" run p.json "${opts[@]}"; } 2>/dev/null && rc=0 || rc=$? ;;
      point) { TOUCHFLOW_CRASH_AT=$((RANDOM % points + 1)) \
                 "$tf" run p.json "${opts[@]}"; } 2>/dev/null && rc=0 || rc=$? ;;
      term) { timeout --foreground -s TERM "0.$(printf '%03d' $((RANDOM % 1000)))" \
                "$tf" run p.json "${opts[@]}"; } 2>/dev/null && rc=0 || rc=$? ;;
    esac
    case $rc in
      0) break ;;
      2) "$tf" state st | grep -q complete && break
         echo "crash: unexpected exit 2"; return 1 ;;
      137|143|124) kills=$((kills + 1)) ;;
      *) echo "crash: unexpected exit $rc"; return 1 ;;
    esac
    [ $kills -lt 500 ] || { echo "crash: no progress after 500 kills"; return 1; }
  done
  echo $kills
}

failed=0
total_kills=0
for kind in time point term; do
  for c in $(seq "$chains"); do
    rm -rf out st
    kills=$(run_until_done "$kind") || { failed=$((failed + 1)); continue; }
    total_kills=$((total_kills + kills))
    mode=bytes
    [ "$kind" = term ] && mode=content
    if ! same $mode; then
      echo "crash: $kind chain $c ($kills kills): outputs differ"
      failed=$((failed + 1))
    fi
  done
  echo "crash: $kind: $chains chains done"
done
echo "crash: $((3 * chains)) chains, $total_kills kills in all, $failed failed"
[ $failed -eq 0 ]
