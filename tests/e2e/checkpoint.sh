#!/usr/bin/env bash
# Checkpoints, end to end (docs/checkpoints.md): a pipeline that reads
# 12,000 NDJSON lines (some of them broken, so there are dead letters),
# dedupes them and writes an NDJSON file and a gzip CSV file, run with
# --state-dir and a checkpoint every 1,000 records.  It is killed with
# SIGKILL at crash points spread over the whole run (between batches,
# inside checkpoint writes, around each sink's commit: core/crashpoint.h),
# resumed, sometimes killed again, and must end with outputs and a
# dead-letter file byte-identical to those of an uninterrupted run.  Then
# a clean stop: SIGTERM at a crash point exits 143, commits nothing, and
# the next run resumes to the same output.
# Also: a changed pipeline is refused naming the stage, --reset-state
# starts over, a second run on a held state directory is refused, and a
# stage that cannot be checkpointed is refused before anything runs.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
build=${TF_BUILDDIR:-.}
tf="$(cd "$build" && pwd)/touchflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

python3 - <<'EOF'
import json, random
random.seed(11)
with open("in.ndjson", "w") as f:
    for i in range(12000):
        if i % 401 == 7:
            f.write('{"broken": \n')
            continue
        k = random.randrange(8000)
        f.write(json.dumps({"type": "web", "biz_uid": "u%d" % k,
                            "ts": 1700000000000 + k, "n": i}) + "\n")
EOF
cat > p.json <<'EOF'
{"version": 1, "name": "crash",
 "dead_letter": {"path": "out/dead.ndjson"},
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "transforms": [{"id": "dd", "plugin": "dedupe", "inputs": ["in"],
                 "config": {"key": ["type", "biz_uid", "ts"]}}],
 "sinks": [{"id": "nd", "plugin": "file", "inputs": ["dd"],
            "config": {"path": "out/o.ndjson"}},
           {"id": "csv", "plugin": "file", "inputs": ["dd"],
            "config": {"path": "out/o.csv.gz"}}]}
EOF
files="o.ndjson o.csv.gz dead.ndjson"

run() { # run the pipeline with the state dir st; extra env and args given
  # (the braces keep bash's "Killed" notice out of the test log)
  { (exec env "$@" "$tf" run p.json --state-dir st --checkpoint-every 1000 \
    --batch-size 100 --progress never --quiet) 2>>log; } 2>/dev/null
}

same_as_ref() {
  local f
  for f in $files; do
    cmp -s "ref/$f" "out/$f" || return 1
  done
  return 0
}

# The uninterrupted run, counting the crash points it passes.
run TOUCHFLOW_CRASH_COUNT="$work/count"
check "uninterrupted run" $? "exit status not 0: $(cat log)"
mv out ref
rm -rf st
total=$(cat count)
[ "$total" -gt 100 ]
check "the run passes $total crash points" $? "too few"

# Every 9th point, and every one of the last 12 (the final commits and the
# last checkpoint writes).
points=$(seq 1 9 "$total"; seq $((total - 11)) "$total")
bad=""
n=0
for at in $points; do
  rm -rf out st
  : >log
  run TOUCHFLOW_CRASH_AT="$at"
  rc=$?
  if [ $rc -ne 137 ]; then
    bad="$bad $at(no crash: $rc)"
    continue
  fi
  run
  rc=$?
  if [ $rc -ne 0 ] || ! same_as_ref; then
    bad="$bad $at(resume: $rc)"
  fi
  n=$((n + 1))
done
[ -z "$bad" ]
check "killed at $n points, resumed: byte-identical outputs" $? "$bad"

# Killed twice: at a point, then again at a point of the resumed run.
bad=""
for at in 5 23 61; do
  rm -rf out st
  run TOUCHFLOW_CRASH_AT="$at"
  run TOUCHFLOW_CRASH_AT="$((at + 40))"
  run
  same_as_ref || bad="$bad $at"
done
[ -z "$bad" ]
check "killed twice, resumed twice: byte-identical" $? "$bad"

# A clean stop: SIGTERM at a point between batches.
rm -rf out st
: >log
run TOUCHFLOW_CRASH_AT=40 TOUCHFLOW_CRASH_SIGNAL=TERM
rc=$?
[ $rc -eq 143 ] && grep -q "stopped by signal 15" log &&
  grep -q "resumes where it stopped" log
check "SIGTERM: exit 143 and says so" $? "exit $rc: $(cat log)"
[ ! -e out/o.ndjson ] && [ ! -e out/o.csv.gz ]
check "SIGTERM: nothing committed" $? "$(ls out)"
grep -q '"status": "interrupted"' st/checkpoint.json
check "SIGTERM: an interrupted checkpoint" $? "$(head -5 st/checkpoint.json)"
"$tf" state st >state.txt 2>&1 && grep -q "interrupted" state.txt &&
  grep -q "in  *file" state.txt
check "state prints the checkpoint" $? "$(cat state.txt)"
run
# The stop's checkpoint ended a gzip member where an uninterrupted run has
# none (docs/checkpoints.md): the gzip file holds the same bytes once
# decompressed; the others are byte-identical.
cmp -s ref/o.ndjson out/o.ndjson && cmp -s ref/dead.ndjson out/dead.ndjson &&
  cmp -s <(gunzip -c ref/o.csv.gz) <(gunzip -c out/o.csv.gz)
check "SIGTERM then resume: the same output" $? "outputs differ"
"$tf" state st | grep -q "complete"
check "state of a finished run" $? "$("$tf" state st)"

# A second run on a finished state directory is incremental: nothing was
# added to the input, so it writes nothing (tests/e2e/incremental.sh
# appends); reset starts over.
: >log
run
# (the outputs stay those of the resumed run above)
[ $? -eq 0 ] && grep -q "nothing new" log && cmp -s ref/o.ndjson out/o.ndjson &&
  cmp -s <(gunzip -c ref/o.csv.gz) <(gunzip -c out/o.csv.gz)
check "a finished state directory: an incremental run, nothing new" $? \
  "$(cat log)"
rm -rf out
"$tf" run p.json --state-dir st --reset-state --checkpoint-every 1000 \
  --batch-size 100 --progress never --quiet 2>log && same_as_ref
check "--reset-state starts over" $? "$(cat log)"

# A changed pipeline is refused, naming the stage.
rm -rf out st
run TOUCHFLOW_CRASH_AT=50
sed 's/"type", "biz_uid", "ts"/"type", "biz_uid"/' p.json >p2.json
: >log
(exec "$tf" run p2.json --state-dir st --progress never --quiet) 2>log
[ $? -eq 2 ] && grep -q 'the config of stage "dd" changed' log
check "a changed config is refused" $? "$(cat log)"

# Two runs on one state directory.
mkfifo slow.ndjson
sed 's/"path": "in.ndjson"/"path": "slow.ndjson"/' p.json >p3.json
("$tf" run p3.json --state-dir st3 --progress never --quiet 2>/dev/null) &
holder=$!
for _ in $(seq 50); do [ -s st3/lock ] && break; sleep 0.1; done
: >log
(exec "$tf" run p3.json --state-dir st3 --progress never --quiet) 2>log
[ $? -eq 2 ] && grep -q "another touchflow run (pid $holder)" log
check "a held state directory is refused" $? "$(cat log)"
# Let the first run read an empty input and end.
timeout 20 bash -c ': >slow.ndjson' || kill $holder 2>/dev/null
wait $holder

# A stage that cannot be checkpointed (a test source without position()).
cat >noresume.json <<'EOF'
{"version": 1, "name": "noresume",
 "sources": [{"id": "nums", "plugin": "noresume", "config": {"count": 5}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["nums"],
            "config": {"path": "out/nums.ndjson"}}]}
EOF
(exec "$tf" run noresume.json --state-dir stn --progress never \
  --plugin-path "$(dirname "$tf")/tests/plugins") 2>log
[ $? -eq 2 ] && grep -q 'stage "nums" (source noresume) cannot be checkpointed: it cannot report a position' log &&
  [ ! -e out/nums.ndjson ]
check "a source without position() is refused" $? "$(cat log)"

echo "checkpoint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
