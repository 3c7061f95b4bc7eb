#!/usr/bin/env bash
# Incremental runs, end to end (docs/checkpoints.md, "Incremental runs"):
# a pipeline (a file source over a folder of NDJSON and CSV files, dedupe,
# an NDJSON file sink whose path holds ${RUN}, dead letters) runs with
# --state-dir; 10 % is appended to each input and it runs again:
#  - the second run reads only the appended records (its summary says how
#    many) and the two runs' outputs together hold exactly what one run
#    over the whole input writes (dedupe remembers the first run's keys);
#    the dead-letter file holds both runs' dead letters, as one run's;
#  - a run that finds nothing new exits 0, says so, and writes nothing;
#  - a run killed before its first checkpoint is run again to the same
#    output;
#  - a file rotated away (renamed, a new file at its name) and a file
#    truncated in place are both detected, reported, and read from their
#    start; a new file matching the pattern is read whole.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
build=${TF_BUILDDIR:-.}
tf="$(cd "$build" && pwd)/touchflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# gen.py FILE KIND FIRST COUNT: COUNT lines numbered from FIRST; those
# with n % 97 == 5 are broken (bad JSON; a CSV row short of a field),
# every 13th repeats an earlier key of the same file.
cat >gen.py <<'EOF'
import json, sys
path, kind, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(path, "a") as f:
    if kind == "csv" and first == 0:
        f.write("type,biz_uid,ts,n\n")
    for i in range(first, first + count):
        k = i // 2 if i % 13 == 0 else i
        if kind == "ndjson":
            f.write('{"broken": \n' if i % 97 == 5 else
                    json.dumps({"type": "web", "biz_uid": "u%d" % k,
                                "ts": 1700000000000 + k, "n": i}) + "\n")
        else:
            f.write("call,c%d,%d\n" % (k, i) if i % 97 == 5 else
                    "call,c%d,%d,%d\n" % (k, 1700000000000 + k, i))
EOF
cat >p.json <<'EOF'
{"version": 1, "name": "incremental",
 "dead_letter": {"path": "out/dead.ndjson"},
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in/*"}}],
 "transforms": [{"id": "dd", "plugin": "dedupe", "inputs": ["in"],
                 "config": {"key": ["type", "biz_uid", "ts"]}}],
 "sinks": [{"id": "nd", "plugin": "file", "inputs": ["dd"],
            "config": {"path": "out/${RUN}/o.ndjson"}}]}
EOF

run() { # RUN [ENV...]: one run with the state dir st; the log in log.RUN
  local r=$1
  shift
  { (exec env RUN="$r" "$@" "$tf" run p.json --state-dir st \
    --checkpoint-every 500 --batch-size 100 --progress never \
    --summary-json "sum.$r.json") 2>"log.$r"; } 2>/dev/null
}
field() { # FILE EXPR: a value of a summary
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"
}

mkdir in
python3 gen.py in/a.ndjson ndjson 0 2000
python3 gen.py in/b.csv csv 0 1000
cp -r in first # the inputs as the first run sees them

# The reference: one run over the whole input (first part and appended).
python3 gen.py in/a.ndjson ndjson 2000 200
python3 gen.py in/b.csv csv 1000 100
RUN=ref "$tf" run p.json --quiet 2>/dev/null
check "a run over the whole input" $? "exit $?"
mv out/dead.ndjson dead.ref
sort out/ref/o.ndjson >ref.sorted
rm -rf out in
cp -r first in

# The first run, then 10 % more of each input, then the second run.
run 1
check "first run" $? "$(cat log.1)"
python3 gen.py in/a.ndjson ndjson 2000 200
python3 gen.py in/b.csv csv 1000 100
run 2
rc=$?
[ $rc -eq 0 ] && grep -q "incremental run" log.2
check "second run: incremental, and says so" $? "exit $rc: $(cat log.2)"
# 300 lines appended, 3 of them broken (n % 97 == 5): 297 records read.
[ "$(field sum.2.json 's["records_read"]')" = 297 ] &&
  [ "$(field sum.2.json 's["checkpoint"]["incremental"]')" = True ]
check "second run reads only the appended records" $? \
  "records_read $(field sum.2.json 's["records_read"]')"
cat out/1/o.ndjson out/2/o.ndjson | sort | cmp -s - ref.sorted
check "both runs' outputs hold exactly one run's over the whole input" $? \
  "$(cat out/1/o.ndjson out/2/o.ndjson | sort | diff - ref.sorted | head -5)"
sort out/dead.ndjson | cmp -s - <(sort dead.ref)
check "the dead-letter file holds both runs' dead letters" $? \
  "$(wc -l <out/dead.ndjson) lines, want $(wc -l <dead.ref)"
[ "$(field sum.2.json 's["dead_letter"]["count"]')" = 3 ]
check "the summary counts this run's dead letters" $? \
  "$(field sum.2.json 's["dead_letter"]')"

# Nothing new: exit 0, says so, writes nothing, keeps the checkpoint.
cp st/checkpoint.json cp.before
cp out/dead.ndjson dead.before
run 3
rc=$?
[ $rc -eq 0 ] && grep -q "nothing new" log.3 && [ ! -e out/3/o.ndjson ] &&
  cmp -s cp.before st/checkpoint.json && cmp -s dead.before out/dead.ndjson &&
  [ "$(field sum.3.json 's["checkpoint"]["nothing_new"]')" = True ]
check "nothing new: exit 0, says so, writes nothing" $? \
  "exit $rc: $(cat log.3); $(ls out/3 2>&1)"
"$tf" state st >state.txt 2>&1 && grep -q "complete" state.txt &&
  grep -q '"bytes"' state.txt
check "state shows where each file goes on" $? "$(cat state.txt)"

# Killed before its first checkpoint: run again, the same output.
python3 gen.py in/a.ndjson ndjson 2200 50
run 4 TOUCHFLOW_CRASH_AT=2
rc=$?
[ $rc -eq 137 ]
check "an incremental run killed" $? "exit $rc"
run 4
rc=$?
# 50 lines, one broken (n = 2236): 49 records and one more dead letter.
[ $rc -eq 0 ] && [ "$(field sum.4.json 's["records_read"]')" = 49 ] &&
  [ "$(wc -l <out/dead.ndjson)" -eq $(($(wc -l <dead.before) + 1)) ]
check "run again after the kill: the same records, no dead letter twice" $? \
  "exit $rc: $(cat log.4)"

# Rotation: the file renamed away, a new one at its name.
mv in/a.ndjson a.ndjson.rotated
python3 gen.py in/a.ndjson ndjson 5000 30
run 5
rc=$?
[ $rc -eq 0 ] && grep -q "a.ndjson: not the file read before" log.5 &&
  [ "$(field sum.5.json 's["records_read"]')" = 30 ]
check "a rotated file: reported, the new one read from its start" $? \
  "exit $rc: $(cat log.5)"

# Truncation in place (same inode): reported, read from its start.
head -n 11 in/b.csv >b.head && cat b.head >in/b.csv
run 6
rc=$?
# The header and rows 0 to 9, row 5 broken: 9 records.
[ $rc -eq 0 ] && grep -q "b.csv: shorter than when it was read before" log.6 &&
  [ "$(field sum.6.json 's["records_read"]')" = 9 ]
check "a truncated file: reported, read from its start" $? \
  "exit $rc: $(cat log.6)"

# A new file matching the pattern is read whole, the others not again.
python3 gen.py in/c.ndjson ndjson 9000 20
run 7
rc=$?
[ $rc -eq 0 ] && [ "$(field sum.7.json 's["records_read"]')" = 20 ]
check "a new file: read whole, nothing else again" $? "exit $rc: $(cat log.7)"

# A changed pipeline is refused; --reset-state starts over.
sed 's/"type", "biz_uid", "ts"/"type", "biz_uid"/' p.json >p2.json
RUN=8 "$tf" run p2.json --state-dir st --quiet 2>log.8
rc=$?
[ $rc -eq 2 ] && grep -q 'stage "dd" changed' log.8
check "a changed pipeline is refused" $? "exit $rc: $(cat log.8)"

echo "incremental: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
