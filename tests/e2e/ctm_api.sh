#!/usr/bin/env bash
# The ctm_api source against tests/ctm/emulator.py
# (plugins/source/ctm_api/README.md), on the sample CTM calls of
# pipelines/data/attribution:
#  - its call events are those the calltracking source makes from the same
#    calls as an export file, and through session_merge (with the sample
#    web hits) the touchpoints are the same byte for byte;
#  - 429 waits Retry-After; 500, 503, a dropped connection and a truncated
#    answer are retried; 401 and a wrong key stop the run with exit 2 and a
#    message naming the keys; a literal key is refused; the keys never
#    appear on stderr;
#  - a run that fails while listing resumes from its checkpoint;
#  - an incremental run (--state-dir) after calls were added takes only
#    those (one at exactly the mark's second), and a third run nothing;
#  - the example pipelines/ctm_api/run_emulated.sh makes those touchpoints.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed, tfrun, emu_ctl, emu_stat, e2e_begin
e2e_begin

cp "$src/pipelines/data/attribution/ctm_calls.ndjson" calls.ndjson
mkdir -p data/attribution # as in pipelines/: the hits' ids hold their path
cp "$src/pipelines/data/attribution/hits.ndjson.gz" data/attribution/
python3 "$src/tests/ctm/emulator.py" --port 0 --port-file port \
  --data calls.ndjson --account 12345 --access-key ak-e2e \
  --secret-key sk-e2e-s3cret &
emulator=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || { echo "ctm_api: the emulator did not start"; exit 1; }
base="http://127.0.0.1:$(cat port)"
export CTM_ENDPOINT=$base/api/v1 CTM_ACCESS_KEY=ak-e2e CTM_SECRET_KEY=sk-e2e-s3cret


# calls.json: the calls alone; merge.json: with the web hits through
# session_merge.  SOURCE is the ctm stage of each, api or file.
api='{"id": "ctm", "plugin": "ctm_api",
   "config": {"endpoint": "${CTM_ENDPOINT}", "account_id": 12345,
              "access_key": "${CTM_ACCESS_KEY}", "secret_key": "${CTM_SECRET_KEY}",
              "per_page": 3, "backoff": "100ms", "max_retries": 3}}'
file='{"id": "ctm", "plugin": "calltracking",
   "config": {"path": "calls.ndjson", "record_type": "ctm_call"}}'
pipeline() { # NAME SOURCE: the calls alone
  cat >"$1.json" <<EOF
{"version": 1, "name": "$1", "sources": [$2],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["ctm"],
   "config": {"path": "out/$1-\${RUN}.ndjson"}}],
 "dead_letter": {"path": "out/$1-\${RUN}.rejected.ndjson"}}
EOF
}
merge() { # NAME SOURCE: with the hits, through session_merge
  cat >"$1.json" <<EOF
{"version": 1, "name": "$1",
 "sources": [$2, {"id": "hits", "plugin": "web", "config": {"path": "data/attribution/hits.ndjson.gz"}}],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["hits", "ctm"],
   "config": {"session_timeout": "30m"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"],
   "config": {"path": "out/$1.ndjson"}}]}
EOF
}
pipeline api "$api"
pipeline file "$file"
merge merge_api "$api"
merge merge_file "$file"
sorted() { sort "$1"; }

# 1. The same events and touchpoints as calltracking on the export.
RUN=1 tfrun run file.json --quiet 2>log.file
check "calltracking on the export" $? "$(cat log.file)"
RUN=1 tfrun run api.json --quiet 2>log.1
check "ctm_api run" $? "$(cat log.1)"
n=$(wc -l <out/file-1.ndjson)
[ "$n" -gt 0 ] && cmp -s <(sorted out/file-1.ndjson) <(sorted out/api-1.ndjson)
check "ctm_api events = calltracking events ($n calls)" $? \
  "$(diff <(sorted out/file-1.ndjson) <(sorted out/api-1.ndjson) | head -5)"
[ "$(emu_stat "pages")" = "[1, 2, 3, 4]" ]
check "10 calls listed in 4 pages of 3" $? "pages: $(emu_stat pages)"
! grep -q -e sk-e2e-s3cret -e ak-e2e log.1
check "the keys are not on stderr" $? "$(cat log.1)"
tfrun run merge_file.json --quiet 2>log.mf && tfrun run merge_api.json --quiet 2>log.ma
check "both through session_merge" $? "$(cat log.mf log.ma)"
t=$(grep -c '"origin":"calltracking"' out/merge_file.ndjson)
[ "$t" -gt 0 ] && cmp -s out/merge_file.ndjson out/merge_api.ndjson
check "the same touchpoints byte for byte ($t of them from calls)" $? \
  "$(diff out/merge_file.ndjson out/merge_api.ndjson | head -5)"

# 2. Faults: 429 with Retry-After 2, then 500, 503, a dropped connection
# and a truncated answer.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "429", "count": 1, "retry_after": 2}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "500", "count": 1}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "503", "count": 1, "after": 1}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "drop", "count": 1}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "malformed", "count": 1}' >/dev/null
RUN=2 tfrun run api.json --quiet 2>log.2
status=$?
elapsed=$(emu_stat after_429_ms)
check "a run through 429, 500, 503, a drop and bad JSON succeeds" $status "$(cat log.2)"
cmp -s out/api-1.ndjson out/api-2.ndjson
check "the same events after the retries" $? "$(diff out/api-1.ndjson out/api-2.ndjson | head -5)"
# (the backoff instead would be 100 ms; 2 s of slack for a loaded machine
# or valgrind)
[ "$elapsed" -ge 2000 ] && [ "$elapsed" -lt 4000 ]
check "429 waits Retry-After (2 s): the next request came $elapsed ms later" $? \
  "after $elapsed ms"
[ "$(emu_stat faults_served)" -eq 5 ] && grep -q "HTTP 429" log.2 && grep -q "HTTP 503" log.2 &&
  grep -q "not a JSON object" log.2
check "the five faults were met and logged" $? "$(cat log.2)"

# 3. 401 and a wrong key: exit 2, a clear message, no key.
emu_ctl /_emulator/fault '{"kind": "401", "count": 1}' >/dev/null
RUN=3 tfrun run api.json --quiet 2>log.3
status=$?
[ $status -eq 2 ] && grep -q "refused the access key and secret key" log.3 &&
  ! grep -q -e sk-e2e-s3cret -e ak-e2e log.3
check "401: exit 2 naming the keys" $? "exit $status: $(cat log.3)"
CTM_SECRET_KEY=wrong-secret RUN=3 tfrun run api.json --quiet 2>log.3b
status=$?
[ $status -eq 2 ] && grep -q "refused the access key" log.3b && ! grep -q wrong-secret log.3b
check "a wrong secret key: exit 2, not shown" $? "exit $status: $(cat log.3b)"

# 4. A literal key is refused before anything runs.
sed 's/"${CTM_SECRET_KEY}"/"literal-s3cret"/' api.json >literal.json
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=4 tfrun run literal.json --quiet 2>log.4
status=$?
[ $status -eq 2 ] && ! grep -q literal-s3cret log.4 && [ "$(emu_stat requests)" -eq 0 ]
check "a literal key is refused (exit 2), not echoed, nothing asked" $? \
  "exit $status: $(cat log.4)"

# 5. A run failing while listing (a 500 past max_retries on page 3)
# resumes from its checkpoint to the same events.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "500", "count": 4, "after": 2}' >/dev/null
RUN=5 tfrun run api.json --state-dir st5 --quiet 2>log.5
status=$?
[ $status -eq 1 ] && grep -q "failed after 4 attempts: HTTP 500" log.5
check "500 past max_retries fails the run (exit 1)" $? "exit $status: $(cat log.5)"
RUN=5 tfrun run api.json --state-dir st5 --quiet 2>log.5b
check "the run resumes" $? "$(cat log.5b)"
cmp -s out/api-1.ndjson out/api-5.ndjson
check "the resumed run's events = the first run's" $? \
  "$(diff out/api-1.ndjson out/api-5.ndjson | head -3)"

# 6. Incremental.  Run 6 on a state directory takes all; then three calls
# come, one at exactly the mark's second; run 7 takes those only, run 8
# nothing.
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=6 tfrun run api.json --state-dir st --quiet 2>log.6
check "first run on a state directory" $? "$(cat log.6)"
cmp -s out/api-1.ndjson out/api-6.ndjson
check "it makes all the events" $? "$(diff out/api-1.ndjson out/api-6.ndjson | head -3)"
python3 - <<'EOF'
import json
calls = [json.loads(l) for l in open("calls.ndjson")]
mark = max(c["unix_time"] for c in calls)
with open("calls.ndjson", "a") as f:
    for k, t in enumerate((mark, mark + 60, mark + 3600)):
        f.write(json.dumps({"id": 99000000 + k, "unix_time": t,
                            "caller_number": "+1617555000%d" % k,
                            "custom_fields": {"bizible_id": "%032x" % (0xfeed + k)}}) + "\n")
EOF
RUN=7 tfrun run api.json --state-dir st --quiet 2>log.7
check "incremental run" $? "$(cat log.7)"
ids=$(python3 -c 'import json,sys; print(sorted(json.loads(l)["source_record_id"] for l in open(sys.argv[1])))' out/api-7.ndjson)
[ "$ids" = "['99000000', '99000001', '99000002']" ]
check "only the new calls, the one at the mark's second too" $? "events: $ids"
RUN=8 tfrun run api.json --state-dir st --quiet 2>log.8
check "a third run" $? "$(cat log.8)"
[ ! -s out/api-8.ndjson ]
check "finds nothing new, writes nothing" $? "$(cat out/api-8.ndjson 2>/dev/null)"

# 7. The example: pipelines/ctm_api/run_emulated.sh, in a copy of the
# folders it uses, makes the touchpoints of step 1.
mkdir -p ex/tests
cp -r "$src/pipelines" ex/pipelines && cp -r "$src/tests/ctm" "$src/tests/emulib.py" ex/tests/ &&
  chmod -R u+w ex && rm -rf ex/pipelines/out
TOUCHFLOW=$tf bash ex/pipelines/ctm_api/run_emulated.sh --quiet >log.ex 2>&1
check "pipelines/ctm_api/run_emulated.sh" $? "$(cat log.ex)"
cmp -s out/merge_api.ndjson ex/pipelines/out/ctm_api/touchpoints.ndjson
check "the example's touchpoints = step 1's" $? \
  "$(diff out/merge_api.ndjson ex/pipelines/out/ctm_api/touchpoints.ndjson | head -3)"

echo "ctm_api: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
