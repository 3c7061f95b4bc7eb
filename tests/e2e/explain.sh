#!/usr/bin/env bash
# End to end: `touchflow explain` on the sample data answers the seed's FAQ
# cases (docs/operations.md#explaining-a-journey), compared with golden
# files under tests/e2e/explain/:
#   call_no_bizible_id  a call Task without a BizibleId (call rule 1)
#   call_48_minutes     a call 48 minutes after the only hit (call rule 3)
#   chat_no_email       a visitor whose Drift conversation gave no email
#   revenue_journey     a person's journey and its credits (attribution)
# plus its errors and that it writes none of the pipeline's files.
# TF_EXPLAIN_REGENERATE=1 rewrites the golden files (then read the diff).
set -u
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
tf="$(cd "$build" && pwd)/touchflow"
golden="$(cd "$src" && pwd)/tests/e2e/explain"
failed=0
passed=0
work=$(mktemp -d)
stamp=$(mktemp)
trap 'rm -rf "$work" "$stamp"' EXIT
cp -r "$src/pipelines/." "$work/"
chmod -R u+w "$work"
rm -rf "$work/out" "$work/rejected.ndjson"

check() { # NAME STATUS(0 = pass) MESSAGE
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else
    echo "FAIL: $1: $3"; failed=$((failed + 1)); fi
}

# golden NAME PIPELINE ARGS...: exit 0 and stdout equal to NAME.txt.
golden() {
  local name=$1 status
  shift
  (cd "$work" && "$tf" explain "$@" >"$work/$name.out" 2>"$work/$name.err")
  status=$?
  check "$name" "$status" "exit $status: $(cat "$work/$name.err")"
  if [ "${TF_EXPLAIN_REGENERATE:-}" = 1 ]; then
    cp "$work/$name.out" "$golden/$name.txt"
  fi
  cmp -s "$golden/$name.txt" "$work/$name.out"
  check "$name" $? "differs from $name.txt: $(diff "$golden/$name.txt" "$work/$name.out" | head -8)"
}

# fails NAME WANT-STATUS WANT-STDERR-TEXT ARGS...
fails() {
  local name=$1 want=$2 text=$3 status
  shift 3
  (cd "$work" && "$tf" explain "$@" >"$work/$name.out" 2>"$work/$name.err")
  status=$?
  check "$name" $((status != want)) "exit $status, expected $want"
  grep -qF -- "$text" "$work/$name.err"
  check "$name" $? "stderr lacks \"$text\": $(cat "$work/$name.err")"
  [ ! -s "$work/$name.out" ]
  check "$name" $? "printed a journey"
}

golden call_no_bizible_id attribution.json --record data/attribution/tasks.csv:7
golden call_48_minutes attribution.json --biz-uid 3ceaaf308142c8ea91d93080f9b439fc
golden chat_no_email attribution.json --biz-uid 67146DD251726E26F2A13976F82D70F4
golden revenue_journey revenue.json --email visitor086@umbrella.org

# The FAQ answers, in the words the golden files must keep.
grep -q "call rule 1: Task 00T5e000000000906AAA has no BizibleId" "$golden/call_no_bizible_id.txt"
check faq-call-rule-1 $? "no call rule 1 message"
grep -q "48 minutes before the call" "$golden/call_48_minutes.txt" &&
  grep -q "at 12:47:00" "$golden/call_48_minutes.txt" &&
  grep -q "why: call rule 3: no session of this BizibleId contains 13:05" "$golden/call_48_minutes.txt"
check faq-call-rule-3 $? "no call rule 3 story"
grep -q "Drift chat rule 1" "$golden/chat_no_email.txt"
check faq-chat-rule-1 $? "no Drift chat rule 1 note"

# --record of a merged record, from another folder: FILE is found under the
# pipeline's folder, and the journey is its visitor's.
first=$(cd / && "$tf" explain "$work/attribution.json" --record data/attribution/tasks.csv:2 | head -1)
[ "$first" = "Journey of BizibleId 3ceaaf308142c8ea91d93080f9b439fc" ]
check record-under-pipeline-folder $? "got \"$first\""

fails unknown-visitor 1 "no record of 0123456789abcdef0123456789abcdef" \
  attribution.json --biz-uid 0123456789abcdef0123456789abcdef
fails no-visitor 2 "explain needs one of --biz-uid, --email or --record" attribution.json
fails two-visitors 2 "explain needs one of" attribution.json --biz-uid a --email b@c.d
fails bad-record 2 "--record takes FILE:LINE" attribution.json --record tasks.csv
fails missing-record-file 2 "--record nope.csv:3: no such file" attribution.json --record nope.csv:3
fails bad-pipeline 2 "nothing.json" nothing.json --biz-uid a

# Nothing of the pipeline's is written.
[ ! -e "$work/out" ] && [ ! -e "$work/rejected.ndjson" ]
check writes-nothing $? "explain wrote $(ls "$work/out" "$work/rejected.ndjson" 2>&1)"
leftovers=$(find /tmp -maxdepth 1 -name 'touchflow-explain-*' -newer "$stamp" 2>/dev/null | wc -l)
check no-temporary-files "$leftovers" "temporary folders left in /tmp"

echo "explain: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
