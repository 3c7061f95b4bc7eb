#!/usr/bin/env bash
# Runs pipelines/salesforce-live.json against the Salesforce API emulator
# (tests/salesforce/emulator.py) serving this folder's sample data, the
# same records pipelines/revenue.json reads from files:
#
#   bash pipelines/salesforce-live.sh [touchflow run options...]
#
# Two emulators on free ports of 127.0.0.1: one org with the call-tracking
# Tasks (data/attribution/tasks.csv), one with the other Tasks, the
# CampaignMembers, Contacts, Opportunities and OpportunityContactRoles.
# The outputs go to pipelines/out/salesforce-live-*.ndjson.  TOUCHFLOW
# names the binary (default: touchflow on the PATH).  Needs python3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
emulator=$here/../tests/salesforce/emulator.py
data=$here/data
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
export SF_CLIENT_ID=sample-client SF_CLIENT_SECRET=sample-secret

start() { # NAME DATA...: starts an emulator; prints its URL
  local args=() d
  for d in "${@:2}"; do args+=(--data "$d"); done
  python3 "$emulator" --port 0 --port-file "$work/$1" "${args[@]}" \
    --client-id "$SF_CLIENT_ID" --client-secret "$SF_CLIENT_SECRET" \
    >"$work/$1.log" 2>&1 &
  pids+=($!)
}
start calls "Task=$data/attribution/tasks.csv"
start org "Task=$data/attribution/crm_tasks.csv" \
  "CampaignMember=$data/attribution/campaign_members.csv" \
  "Contact=$data/revenue/contacts.csv" \
  "Opportunity=$data/revenue/opportunities.csv" \
  "OpportunityContactRole=$data/revenue/contact_roles.csv"
for _ in $(seq 100); do
  [ -s "$work/calls" ] && [ -s "$work/org" ] && break
  sleep 0.1
done
[ -s "$work/calls" ] && [ -s "$work/org" ] || {
  echo "salesforce-live: the emulator did not start: $(cat "$work"/*.log)" >&2
  exit 1
}
SF_CALLS_ENDPOINT="http://127.0.0.1:$(cat "$work/calls")"
SF_ENDPOINT="http://127.0.0.1:$(cat "$work/org")"
export SF_CALLS_ENDPOINT SF_ENDPOINT
"${TOUCHFLOW:-touchflow}" run "$here/salesforce-live.json" "$@"
