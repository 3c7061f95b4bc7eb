#!/usr/bin/env bash
# Runs pipelines/ctm_api.json (CTM calls from the CTM REST API, with the
# web hits, through session_merge) against the CTM emulator of the
# repository (tests/ctm/emulator.py), which serves the sample calls
# data/attribution/ctm_calls.ndjson as account 12345.  From a checkout:
#
#   pipelines/ctm_api/run_emulated.sh [touchflow run options...]
#
# e.g. --state-dir st (incremental: a second run takes nothing new).
# TOUCHFLOW names the touchflow binary (default: touchflow on the PATH).
# The touchpoints are written to pipelines/out/ctm_api/touchpoints.ndjson.
# Against the real API, set CTM_ENDPOINT (or leave it out of the pipeline:
# the default is https://api.calltrackingmetrics.com/api/v1),
# CTM_ACCESS_KEY, CTM_SECRET_KEY and account_id, and run touchflow run
# pipelines/ctm_api.json yourself.
set -euo pipefail
tf=${TOUCHFLOW:-touchflow}
cd "$(dirname "$0")/.."
emulator=../tests/ctm/emulator.py
[ -f "$emulator" ] ||
  { echo "$0: $emulator not found: run it from a touchflow checkout" >&2; exit 2; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
python3 "$emulator" --port 0 --port-file "$tmp/port" \
  --data data/attribution/ctm_calls.ndjson --account 12345 \
  --access-key demo-access-key --secret-key demo-secret-key &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "$0: the emulator did not start" >&2; exit 1; }
export CTM_ENDPOINT="http://127.0.0.1:$(cat "$tmp/port")/api/v1"
export CTM_ACCESS_KEY=demo-access-key CTM_SECRET_KEY=demo-secret-key
echo "run_emulated: CTM emulator at $CTM_ENDPOINT"
"$tf" run ctm_api.json --progress never "$@"
echo "run_emulated: $(wc -l <out/ctm_api/touchpoints.ndjson) touchpoints in pipelines/out/ctm_api/touchpoints.ndjson"
