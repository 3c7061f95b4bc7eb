#!/usr/bin/env bash
# Runs pipelines/attribution-live.json (pipelines/attribution.json with its
# Drift, CallTrackingMetrics and Salesforce data read live) against the
# emulators of the repository, serving the sample data of
# pipelines/data/attribution.  From a checkout:
#
#   bash pipelines/live/run_emulated.sh [touchflow run options...]
#
# It starts on free ports of 127.0.0.1:
#  - tests/drift/emulator.py with the REST conversations of drift.ndjson;
#  - tests/ctm/emulator.py with ctm_calls.ndjson as account 12345;
#  - tests/salesforce/emulator.py twice: one org with the call-tracking
#    Tasks (tasks.csv), one with the other Tasks (crm_tasks.csv) and the
#    CampaignMembers (campaign_members.csv);
# then runs the pipeline, posts the webhook events of drift.ndjson with
# curl to its drift_webhook receiver (one request each, in file order,
# each answered 200), waits for the run to end (the receiver ends its input
# once no event came for 10 s, its `end_when_idle`; the API sources once
# their pull is done), stops the emulators and prints where the output went:
# pipelines/out/attribution-live/ (touchpoints.ndjson, touchpoints.csv,
# rejected.ndjson, and the receiver's spool, started afresh each time).
# TOUCHFLOW names the touchflow binary (default: touchflow on the PATH).
# Needs python3 and curl.
set -euo pipefail
tf=${TOUCHFLOW:-touchflow}
cd "$(dirname "$0")/.."
tests=../tests
data=data/attribution
for e in drift ctm salesforce; do
  [ -f "$tests/$e/emulator.py" ] ||
    { echo "$0: $tests/$e/emulator.py not found: run it from a touchflow checkout" >&2; exit 2; }
done
tmp=$(mktemp -d)
pids=()
run=
stop_all() {
  [ -n "$run" ] && kill -9 "$run" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap stop_all EXIT

# drift.ndjson mixes REST conversations (served by the Drift emulator) and
# webhook events (posted to the receiver).
python3 - "$data/drift.ndjson" "$tmp/conversations.ndjson" "$tmp/webhooks.ndjson" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as conv, open(sys.argv[3], "w") as hooks:
    for line in f:
        if line.strip():
            (hooks if "type" in json.loads(line) else conv).write(line)
PY

export DRIFT_TOKEN=demo-drift-token DRIFT_VERIFICATION_TOKEN=vt_demo
export CTM_ACCESS_KEY=demo-access-key CTM_SECRET_KEY=demo-secret-key
export SF_CLIENT_ID=demo-client SF_CLIENT_SECRET=demo-client-secret
start() { # NAME EMULATOR ARGS...: starts an emulator in the background
  python3 "$tests/$2/emulator.py" --port 0 --port-file "$tmp/$1.port" "${@:3}" \
    >"$tmp/$1.log" 2>&1 &
  pids+=($!)
}
start drift drift --data "$tmp/conversations.ndjson" --token "$DRIFT_TOKEN"
start ctm ctm --data "$data/ctm_calls.ndjson" --account 12345 \
  --access-key "$CTM_ACCESS_KEY" --secret-key "$CTM_SECRET_KEY"
start sf_calls salesforce --data "Task=$data/tasks.csv" \
  --client-id "$SF_CLIENT_ID" --client-secret "$SF_CLIENT_SECRET"
start sf_org salesforce --data "Task=$data/crm_tasks.csv" \
  --data "CampaignMember=$data/campaign_members.csv" \
  --client-id "$SF_CLIENT_ID" --client-secret "$SF_CLIENT_SECRET"
port() { # NAME: waits for the emulator's port file, prints the port
  for _ in $(seq 100); do
    [ -s "$tmp/$1.port" ] && { cat "$tmp/$1.port"; return 0; }
    sleep 0.1
  done
  echo "$0: the $1 emulator did not start: $(cat "$tmp/$1.log")" >&2
  return 1
}
DRIFT_ENDPOINT="http://127.0.0.1:$(port drift)"
CTM_ENDPOINT="http://127.0.0.1:$(port ctm)/api/v1"
SF_CALLS_ENDPOINT="http://127.0.0.1:$(port sf_calls)"
SF_ENDPOINT="http://127.0.0.1:$(port sf_org)"
export DRIFT_ENDPOINT CTM_ENDPOINT SF_CALLS_ENDPOINT SF_ENDPOINT
# The receiver's port: a free one, picked here so that the run's log
# (maybe --quiet) need not be read.
hook_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DRIFT_WEBHOOK_LISTEN=127.0.0.1:$hook_port
echo "run_emulated: Drift API at $DRIFT_ENDPOINT, CTM at $CTM_ENDPOINT," \
  "Salesforce at $SF_CALLS_ENDPOINT (call Tasks) and $SF_ENDPOINT"

# The run, in the background; once its receiver answers (405 to a GET),
# the webhook events are posted.
mkdir -p out/attribution-live
rm -f out/attribution-live/drift-webhook.spool
"$tf" run attribution-live.json --progress never "$@" &
run=$!
up=
for _ in $(seq 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$hook_port/") || true
  [ "$code" = 405 ] && { up=1; break; }
  kill -0 "$run" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$up" ]; then
  if ! kill -0 "$run" 2>/dev/null; then
    status=0
    wait "$run" || status=$?
    run=
    echo "$0: the run ended (exit $status) before its webhook receiver answered" >&2
    exit $((status == 0 ? 1 : status))
  fi
  echo "$0: the run's webhook receiver did not answer on 127.0.0.1:$hook_port" >&2
  exit 1
fi
echo "run_emulated: posting $(wc -l <"$tmp/webhooks.ndjson") Drift webhook events to 127.0.0.1:$hook_port"
while IFS= read -r event; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
    -H "X-Verification-Token: $DRIFT_VERIFICATION_TOKEN" -H 'Content-Type: application/json' \
    --data-binary "$event" "http://127.0.0.1:$hook_port/") || code="failed ($?)"
  [ "$code" = 200 ] || { echo "$0: a webhook event was answered $code" >&2; exit 1; }
done <"$tmp/webhooks.ndjson"

# Every event is spooled (it was answered 200): the receiver ends its input
# once no event came for end_when_idle (10 s), the API sources once their
# pull is done, and the run commits its outputs.
status=0
wait "$run" || status=$?
run=
[ "$status" -eq 0 ] || { echo "$0: the run failed (exit $status)" >&2; exit "$status"; }
out=pipelines/out/attribution-live
echo "run_emulated: $(wc -l <out/attribution-live/touchpoints.ndjson) touchpoints in" \
  "$out/touchpoints.ndjson (and .csv), $(wc -l <out/attribution-live/rejected.ndjson 2>/dev/null || echo 0)" \
  "dead letters in $out/rejected.ndjson"
