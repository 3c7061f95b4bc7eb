#!/usr/bin/env bash
# The attribution pipeline killed and resumed (docs/checkpoints.md; the
# long form is `bench/crash.sh BUILD-DIR attribution`): pipelines/
# attribution.json on its sample data (every source: web hits, Salesforce
# call Tasks, CTM calls, Drift conversations and webhook events, CRM Tasks
# and CampaignMembers; session_merge, dedupe, an NDJSON and a CSV file
# sink, dead letters) under --state-dir with small batches and a
# checkpoint every 60 records, so that checkpoints fall while Drift
# webhook conversations are open and session_merge holds sessions.
# It is killed with SIGKILL at crash points of every kind
# (TOUCHFLOW_CRASH_TRACE names them: between batches, inside checkpoint
# writes before and after the rename, before and after each sink's final
# rename), resumed, sometimes killed again, and must end with outputs and
# a dead-letter file byte-identical to an uninterrupted run's.  Then
# SIGTERM at a point: exit 143, nothing committed, and the resumed run
# gives the same bytes.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
tf="$(cd "$build" && pwd)/touchflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src/pipelines/attribution.json" "$work/p.json"
mkdir -p "$work/data"
cp -r "$src/pipelines/data/attribution" "$work/data/"
chmod -R u+w "$work"
cd "$work" || exit 1

files="touchpoints.ndjson touchpoints.csv rejected.ndjson"

run() { # run with the state dir st; extra env given
  # (the braces keep bash's "Killed" notice out of the test log)
  { (exec env "$@" "$tf" run p.json --state-dir st --checkpoint-every 60 \
    --batch-size 5 --progress never --quiet) 2>>log; } 2>/dev/null
}

same_as_ref() {
  local f
  for f in $files; do
    cmp -s "ref/$f" "out/$f" || return 1
  done
  return 0
}

# Whether the checkpoint in st holds a Drift conversation still open.
drift_open() {
  [ -f st/checkpoint.json ] && python3 - <<'PY'
import json, sys
c = json.load(open("st/checkpoint.json"))
chats = [s for s in c["stages"] if s["id"] == "chats"][0]
sys.exit(0 if chats.get("position", {}).get("open") else 1)
PY
}

# The uninterrupted run, naming the crash points it passes.
: >log
run TOUCHFLOW_CRASH_TRACE="$work/trace"
check "uninterrupted run" $? "exit status not 0: $(cat log)"
for f in $files; do [ -s "out/$f" ] || check "output $f" 1 "empty or missing"; done
[ "$(grep -c . out/rejected.ndjson)" -gt 0 ] && grep -q '"drift"' out/touchpoints.ndjson
check "the run has dead letters and Drift chats" $? "$(wc -l out/*)"
mv out ref
rm -rf st

# Ten points between batches spread over the run; every checkpoint just
# renamed into place (each checkpoint of the run is then resumed from,
# those with Drift conversations open among them); every third checkpoint
# written but not renamed, and the last; every point around the sinks'
# commits.
between=$(grep ' between batches$' trace | cut -d' ' -f1)
nb=$(echo "$between" | wc -l)
written=$(grep ' checkpoint written' trace | cut -d' ' -f1)
renamed=$(grep ' checkpoint renamed' trace | cut -d' ' -f1)
points=$(
  echo "$between" | awk -v step=$((nb >= 10 ? nb / 10 : 1)) 'NR % step == 3'
  echo "$written" | awk 'NR % 3 == 2'
  echo "$written" | tail -1
  echo "$renamed"
  grep ' a sink.s commit$' trace | cut -d' ' -f1
)
points=$(echo "$points" | sort -n | uniq)
[ "$(echo "$points" | wc -l)" -ge 20 ]
check "$(echo "$points" | wc -l) crash points of $(wc -l <trace) picked" $? \
  "too few: $(cat trace | cut -d' ' -f2- | sort | uniq -c)"

bad=""
n=0
open_resumes=0
for at in $points; do
  rm -rf out st
  : >log
  run TOUCHFLOW_CRASH_AT="$at"
  rc=$?
  if [ $rc -ne 137 ]; then
    bad="$bad $at(no crash: $rc)"
    continue
  fi
  drift_open && open_resumes=$((open_resumes + 1))
  run
  rc=$?
  if [ $rc -ne 0 ] || ! same_as_ref; then
    bad="$bad $at(resume: $rc $(sed -n "${at}p" trace | cut -d' ' -f2-))"
  fi
  n=$((n + 1))
done
[ -z "$bad" ]
check "killed at $n points, resumed: byte-identical outputs and dead letters" $? "$bad"
[ "$open_resumes" -gt 0 ]
check "$open_resumes resumes went on with Drift conversations open" $? \
  "no checkpoint held an open Drift conversation: the test proves less"

# Killed twice: at a point, then again at a point of the resumed run.
bad=""
for at in 120 300; do
  rm -rf out st
  run TOUCHFLOW_CRASH_AT="$at"
  run TOUCHFLOW_CRASH_AT=97
  run
  [ $? -eq 0 ] && same_as_ref || bad="$bad $at"
done
[ -z "$bad" ]
check "killed twice, resumed twice: byte-identical" $? "$bad"

# A clean stop in the middle of the run.
rm -rf out st
: >log
term_at=$(echo "$between" | sed -n "$((nb / 2))p")
run TOUCHFLOW_CRASH_AT="$term_at" TOUCHFLOW_CRASH_SIGNAL=TERM
rc=$?
[ $rc -eq 143 ] && grep -q '"status": "interrupted"' st/checkpoint.json
check "SIGTERM: exit 143, an interrupted checkpoint" $? "exit $rc: $(cat log)"
[ ! -e out/touchpoints.ndjson ] && [ ! -e out/touchpoints.csv ]
check "SIGTERM: nothing committed" $? "$(ls out)"
: >log
run
[ $? -eq 0 ] && same_as_ref
check "SIGTERM then resume: byte-identical" $? "$(cat log)"

echo "attribution_crash: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
