#!/usr/bin/env bash
# The long crash test (docs/checkpoints.md; tests/e2e/checkpoint.sh and
# tests/e2e/attribution_crash.sh are its short forms in make check).
#
#   bench/crash.sh BUILD-DIR [RECORDS] [CHAINS]                (200000, 20)
#     Generates RECORDS web events (fixed seed) with some broken lines and
#     repeats, and runs file -> dedupe -> an NDJSON and a gzip CSV file
#     sink.
#   bench/crash.sh BUILD-DIR attribution [RECORDS] [CHAINS]    (200000, 8)
#     Generates about RECORDS records for every source of the attribution
#     pipeline (bench/gen_attribution.py: web hits, call Tasks, CTM calls,
#     Drift conversations and webhook events, CRM Tasks, CampaignMembers)
#     and runs pipelines/attribution.json on them (session_merge, dedupe,
#     an NDJSON and a CSV file sink).
#
# Either runs under --state-dir, killing it again and again until it
# completes:
#   - with SIGKILL at random moments (a random delay up to an uninterrupted
#     run's time, so random byte offsets of the output and random places
#     in the run);
#   - with SIGKILL at random crash points (core/crashpoint.h: between
#     batches, inside checkpoint writes, around each sink's commit);
#   - with SIGTERM at random moments (a clean stop, then resume).
# After every chain the outputs and the dead-letter file must equal an
# uninterrupted run's: byte for byte, except the gzip after a SIGTERM
# (a stop ends a gzip member where an uninterrupted run does not), whose
# content must be the same.
set -euo pipefail
build=$(cd "$1" && pwd)
mode=events
if [ "${2:-}" = attribution ]; then
  mode=attribution
  shift
fi
records=${2:-200000}
if [ $mode = attribution ]; then chains=${3:-8}; else chains=${3:-20}; fi
tf="$build/touchflow"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
RANDOM=4242

if [ $mode = attribution ]; then
  python3 "$here/gen_attribution.py" "$records" "$work" | sed 's/^/crash: input: /'
  pipeline=pipeline.json
  files="touchpoints.ndjson touchpoints.csv rejected.ndjson"
  gz=
else
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
  pipeline=p.json
  files="o.ndjson dead.ndjson"
  gz=o.csv.gz
fi
opts=(--state-dir st --checkpoint-every 10000 --progress never --quiet)

start=$(date +%s.%N)
"$tf" run $pipeline "${opts[@]}" 2>/dev/null
took=$(echo "$(date +%s.%N) - $start" | bc)
TOUCHFLOW_CRASH_COUNT=$work/count "$tf" run $pipeline --reset-state "${opts[@]}" 2>/dev/null
mv out ref
rm -rf st
points=$(cat count)
ms=$(echo "$took * 1000 / 1" | bc)
echo "crash: $mode, $records records, an uninterrupted run takes ${ms} ms and passes $points crash points"

same() { # MODE: bytes | content
  local f
  for f in $files; do cmp -s "ref/$f" "out/$f" || return 1; done
  [ -n "$gz" ] || return 0
  if [ "$1" = bytes ]; then cmp -s "ref/$gz" "out/$gz"; else
    cmp -s <(gunzip -c "ref/$gz") <(gunzip -c "out/$gz"); fi
}

# A random delay up to the uninterrupted run's time, as seconds.
delay() {
  local d=$(((RANDOM * 32768 + RANDOM) % (ms > 50 ? ms : 50) + 1))
  printf '%d.%03d' $((d / 1000)) $((d % 1000))
}

run_until_done() { # KIND: time | point | term ; prints the number of kills
  local kind=$1 kills=0 rc
  while :; do
    case $kind in
      time) { timeout --foreground -s KILL "$(delay)" \
                "$tf" run $pipeline "${opts[@]}"; } 2>/dev/null && rc=0 || rc=$? ;;
      point) { TOUCHFLOW_CRASH_AT=$((RANDOM % points + 1)) \
                 "$tf" run $pipeline "${opts[@]}"; } 2>/dev/null && rc=0 || rc=$? ;;
      term) { timeout --foreground -s TERM "$(delay)" \
                "$tf" run $pipeline "${opts[@]}"; } 2>/dev/null && rc=0 || rc=$? ;;
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
begin=$(date +%s)
for kind in time point term; do
  kind_kills=0
  for c in $(seq "$chains"); do
    rm -rf out st
    kills=$(run_until_done "$kind") || { failed=$((failed + 1)); continue; }
    kind_kills=$((kind_kills + kills))
    mode_cmp=bytes
    [ "$kind" = term ] && mode_cmp=content
    if ! same $mode_cmp; then
      echo "crash: $kind chain $c ($kills kills): outputs differ"
      failed=$((failed + 1))
    fi
  done
  total_kills=$((total_kills + kind_kills))
  echo "crash: $kind: $chains chains done, $kind_kills kills"
done
echo "crash: $((3 * chains)) chains, $total_kills kills in all, $failed failed, $(($(date +%s) - begin)) s"
[ $failed -eq 0 ]
