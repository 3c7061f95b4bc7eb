#!/usr/bin/env bash
# Runs the split attribution pipelines on this machine: one ingest
# (attribution-ingest.json: the sources -> NATS JetStream) and N merge
# workers (attribution-merge.json: their partitions -> session_merge ->
# dedupe -> out/workers/wK/touchpoints.ndjson).  docs/scale-out.md.
#
# Usage: pipelines/nats/run_local.sh [WORKERS]      (default 3)
#
# Without TF_NATS_URL a nats-server (Debian package nats-server) is started
# on a free port of 127.0.0.1 with a temporary store, and stopped at the
# end.  With TF_NATS_URL that server is used: the stream ATTRIBUTION must
# not hold an earlier run (delete it first: one ingest run per stream).
# TOUCHFLOW names the touchflow binary (default: touchflow on the PATH).
# The workers start first and wait for the stream; the union of their
# touchpoints is what pipelines/attribution.json writes in one process.
set -euo pipefail
workers=${1:-3}
tf=${TOUCHFLOW:-touchflow}
cd "$(dirname "$0")/.."
case $workers in
'' | *[!0-9]* | 0) echo "usage: $0 [WORKERS >= 1]" >&2; exit 2 ;;
esac
server=
tmp=$(mktemp -d)
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -z "${TF_NATS_URL:-}" ]; then
  command -v nats-server >/dev/null ||
    { echo "$0: nats-server is not installed (apt-get install nats-server), and TF_NATS_URL is not set" >&2; exit 2; }
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  nats-server -js -a 127.0.0.1 -p "$port" -sd "$tmp/store" >"$tmp/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q "Server is ready" "$tmp/server.log" && break; sleep 0.1; done
  export TF_NATS_URL="nats://127.0.0.1:$port"
  echo "run_local: nats-server at $TF_NATS_URL (store $tmp/store)"
fi
rm -rf out/workers
pids=()
for k in $(seq "$workers"); do
  TF_WORKER="$k/$workers" TF_WORKER_NAME="w$k" "$tf" run attribution-merge.json \
    --progress never --quiet &
  pids+=("$!")
done
"$tf" run attribution-ingest.json --progress never --quiet
failed=0
for k in $(seq "$workers"); do
  wait "${pids[$((k - 1))]}" || { echo "run_local: worker $k/$workers failed" >&2; failed=1; }
done
[ "$failed" -eq 0 ] || exit 1
for k in $(seq "$workers"); do
  echo "run_local: worker $k/$workers: $(wc -l <"out/workers/w$k/touchpoints.ndjson") touchpoints in out/workers/w$k/touchpoints.ndjson"
done
