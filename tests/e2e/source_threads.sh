#!/usr/bin/env bash
# Sources on threads of their own (TF_SOURCE_OWN_THREAD, core/source_thread.c)
# give what one thread gives, byte for byte: the attribution pipeline (six
# sources, four of them file sources that run on their own thread ->
# session_merge -> dedupe -> two file sinks) on the sample data, with bad
# lines and rows added to three inputs so that threaded sources reject
# records (dead letters), warn, and count metrics, is run with
# --source-threads off and on at batch sizes 1, 7 and 512.  Compared
# without sorting: both outputs, the dead letters, the sources' log lines,
# and the --summary-json's counts and metrics per stage.  Then with a state
# directory: the checkpoints the two modes write are the same, and a run
# stopped by SIGTERM and resumed with threads gives the same output as one
# uninterrupted run without.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed, tfrun
e2e_pipelines # src, build, tf, work (a copy of pipelines/), data
rm -rf "$work/out"
# Bad input in three threaded sources: a line that is not JSON and one that
# is not an object in the hits (web), a row with a column too many in the
# Tasks (calltracking), a row with a column missing in the CRM Tasks (crm).
gunzip -c "$data/hits.ndjson.gz" |
  awk 'NR == 40 {print "{\"id\": \"broken"} NR == 300 {print "[1, 2]"} {print}' |
  gzip >"$data/hits.tmp" && mv "$data/hits.tmp" "$data/hits.ndjson.gz"
awk 'NR == 5 {print $0 ",extra"} {print}' "$data/tasks.csv" >"$data/tasks.tmp" &&
  mv "$data/tasks.tmp" "$data/tasks.csv"
awk 'NR == 3 {print "only,two"} {print}' "$data/crm_tasks.csv" >"$data/crm.tmp" &&
  mv "$data/crm.tmp" "$data/crm_tasks.csv"

# Writes attribution.json with its outputs under out-NAME/.
variant() { # NAME
  python3 - "$work/attribution.json" "$work/$1.json" "$1" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
for s in p["sinks"]:
    s["config"]["path"] = s["config"]["path"].replace("out/", "out-%s/" % sys.argv[3])
p["dead_letter"]["path"] = "out-%s/rejected.ndjson" % sys.argv[3]
json.dump(p, open(sys.argv[2], "w"), indent=1)
EOF
}

# The per-stage counts and metrics of a --summary-json (no timings).
counts() { # SUMMARY-JSON
  python3 - "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
keep = ("id", "in", "out", "rejected", "metrics", "status")
for st in s["stages"]:
    print(json.dumps({k: st.get(k) for k in keep}, sort_keys=True))
print(json.dumps(s.get("dead_letters"), sort_keys=True))
EOF
}

# Runs NAME (a variant) with ARGS; 0 when it exited 0.
run() { # NAME ARGS...
  local name=$1
  shift
  variant "$name"
  tfrun run "$work/$name.json" --progress never --summary-json \
    "$work/$name.summary.json" "$@" >"$work/$name.stdout" 2>"$work/$name.stderr"
}

# NAME-A and NAME-B wrote the same files, log lines and counts.
same() { # CHECK-NAME A B
  local f status=0 why=""
  for f in touchpoints.ndjson touchpoints.csv rejected.ndjson; do
    if ! cmp -s "$work/out-$2/$f" "$work/out-$3/$f"; then
      status=1 why="$why $f differs;"
    fi
  done
  # The stages' log lines (the summary table's timings differ).
  grep '^touchflow: [a-z]*: ' "$work/$2.stderr" >"$work/$2.log" || true
  grep '^touchflow: [a-z]*: ' "$work/$3.stderr" >"$work/$3.log" || true
  cmp -s "$work/$2.log" "$work/$3.log" || { status=1 why="$why log lines differ;"; }
  [ -s "$work/$2.log" ] || { status=1 why="$why no log line from a stage;"; }
  cmp -s <(counts "$work/$2.summary.json") <(counts "$work/$3.summary.json") ||
    { status=1 why="$why counts or metrics differ;"; }
  check "$1" "$status" "$why"
}

for size in 1 7 512; do
  run "off$size" --batch-size "$size" --source-threads off
  check "batch $size, one thread: runs" $? "$(head -3 "$work/off$size.stderr")"
  run "on$size" --batch-size "$size" --source-threads on
  check "batch $size, source threads: runs" $? "$(head -3 "$work/on$size.stderr")"
  same "batch $size: source threads give what one thread gives" "off$size" "on$size"
done

# The bad input really reached the dead letters, from three threaded sources.
for code in invalid_json not_an_object csv_column_count; do
  grep -q "\"code\":\"$code\"" "$work/out-on7/rejected.ndjson"
  check "dead letter $code from a threaded source" $? "not in out-on7/rejected.ndjson"
done
stages=$(python3 -c 'import json, sys
print(" ".join(sorted({json.loads(l)["stage"] for l in open(sys.argv[1])})))' \
  "$work/out-on7/rejected.ndjson")
case $stages in
  *activities*calls*hits*) check "dead letters from hits, calls and activities" 0 "" ;;
  *) check "dead letters from hits, calls and activities" 1 "stages: $stages" ;;
esac

# Checkpoints: the same state, every 50 records, in both modes.
run cpoff --batch-size 7 --source-threads off --state-dir "$work/state-off" \
  --checkpoint-every 50
check "checkpointed run, one thread" $? "$(head -3 "$work/cpoff.stderr")"
run cpon --batch-size 7 --source-threads on --state-dir "$work/state-on" \
  --checkpoint-every 50
check "checkpointed run, source threads" $? "$(head -3 "$work/cpon.stderr")"
state_of() { # STATE-DIR: its checkpoint without the times and paths
  python3 - "$1" <<'EOF'
import json, os, re, sys
d = sys.argv[1]
names = [n for n in os.listdir(d) if n.endswith(".json")]
for n in sorted(names):
    cp = json.load(open(os.path.join(d, n)))
    # A sink's config fingerprint covers its path, which differs between
    # the variants; so does its snapshot's output file (out-NAME/, a
    # temporary file of a random name).
    for st in cp.get("stages", []):
        st.pop("config", None)
        text = json.dumps(st, sort_keys=True)
        print(re.sub(r"out-[a-z0-9]+/(\.[^\"]*\.tmp\.)?[^\"]*", "OUT", text))
    print(cp.get("status"), cp.get("sequence"), cp.get("records_read"))
EOF
}
cmp -s <(state_of "$work/state-off") <(state_of "$work/state-on")
check "the last checkpoints of both modes are the same" $? \
  "$(diff <(state_of "$work/state-off") <(state_of "$work/state-on") | cut -c1-200 | head -6)"
same "checkpointed runs: same output" cpoff cpon
# Killed at the same point of the pipeline thread's loop (the 300th crash
# point passed), both modes leave the same running checkpoint.
for mode in off on; do
  variant "kill$mode"
  TOUCHFLOW_CRASH_AT=300 "$tf" run "$work/kill$mode.json" --progress never \
    --quiet --batch-size 7 --source-threads $mode --state-dir "$work/state-k$mode" \
    --checkpoint-every 50 >/dev/null 2>&1
  status=$?
  [ "$status" -eq 137 ]
  check "killed at crash point 300 ($mode)" $? "exit $status"
done
cmp -s <(state_of "$work/state-koff") <(state_of "$work/state-kon")
check "killed at the same point: the same checkpoint in both modes" $? \
  "$(diff <(state_of "$work/state-koff") <(state_of "$work/state-kon") | cut -c1-200 | head -6)"
[ -n "$(state_of "$work/state-kon" | grep '"position"')" ]
check "that checkpoint has the sources' positions" $? "none"

# A run stopped by SIGTERM between batches, resumed, with source threads.
variant stopped
TOUCHFLOW_TEST_BATCH_DELAY_MS=20 "$tf" run "$work/stopped.json" --progress never \
  --quiet --batch-size 7 --state-dir "$work/state-stop" --checkpoint-every 50 \
  >/dev/null 2>"$work/stopped.stderr" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 143 ]
check "SIGTERM stops a run with source threads (143)" $? "exit $status"
tfrun run "$work/stopped.json" --progress never --quiet --batch-size 7 \
  --state-dir "$work/state-stop" --checkpoint-every 50 >/dev/null \
  2>"$work/resumed.stderr"
check "the stopped run resumes" $? "$(head -3 "$work/resumed.stderr")"
grep -q "resuming from checkpoint" "$work/resumed.stderr"
check "it resumed from a checkpoint" $? "$(head -3 "$work/resumed.stderr")"
for f in touchpoints.ndjson touchpoints.csv rejected.ndjson; do
  cmp -s "$work/out-off7/$f" "$work/out-stopped/$f"
  check "stopped and resumed: $f as one uninterrupted run" $? "differs"
done

echo "source_threads: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
