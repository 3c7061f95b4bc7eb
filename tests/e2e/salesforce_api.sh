#!/usr/bin/env bash
# The salesforce_api source against tests/salesforce/emulator.py
# (plugins/source/salesforce_api/README.md):
#  - pipelines/salesforce-live.json (through pipelines/salesforce-live.sh,
#    the emulator serving the sample data) gives the same events, the same
#    touchpoints and the same credits as pipelines/revenue.json reading the
#    same records from the export files, and the same dead-letter reasons;
#    through the Bulk API 2.0 too;
#  - faults (429 Retry-After, 500, a connection dropped mid-answer, token
#    expiry) are survived; refused credentials stop the run with exit 2
#    and no secret on stderr; a literal secret is refused;
#    REQUEST_LIMIT_EXCEEDED ends the run cleanly with a message, and the
#    next run goes on from there;
#  - a run failed mid-way resumes from its checkpoint: nothing missing or
#    repeated; the next incremental run takes only the new records (one at
#    exactly the mark's millisecond).
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, tfrun, emu_ctl, emu_stat, e2e_begin
e2e_begin

# 1. The sample pipelines, file and live, in a copy of pipelines/ (with
# tests/salesforce beside it, where salesforce-live.sh finds the emulator),
# each Salesforce stage's events written too.
mkdir -p tree/tests
cp -r "$src/pipelines" tree/pipelines
cp -r "$src/tests/salesforce" tree/tests/salesforce
chmod -R u+w tree
rm -rf tree/pipelines/out
cat >tree/add_sinks.py <<'EOF'
import json, sys
path, tag, touchpoints, api = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
p = json.load(open(path))
for s in p["sources"]:
    if s["id"] in ("calls", "activities", "campaigns", "contacts", "opportunities", "roles"):
        p["sinks"].append({"id": "ev_" + s["id"], "plugin": "file", "inputs": [s["id"]],
                           "config": {"path": "out/%s-%s.ndjson" % (tag, s["id"])}})
        if api != "rest" and s["plugin"] == "salesforce_api":
            s["config"].update({"api": "bulk", "page_size": 4, "bulk_poll_interval": "10ms"})
if touchpoints == "yes":
    p["sinks"].append({"id": "touchpoints", "plugin": "file", "inputs": ["dedupe"],
                       "config": {"path": "out/%s-touchpoints.ndjson" % tag}})
for s in p["sinks"]:
    if s["id"] == "credits":
        s["config"]["path"] = "out/%s-credits.ndjson" % tag
    if s["id"] == "touchpoints":
        s["config"]["path"] = "out/%s-touchpoints.ndjson" % tag
p["dead_letter"]["path"] = "out/%s-rejected.ndjson" % tag
json.dump(p, open(path, "w"), indent=1)
EOF
cp tree/pipelines/revenue.json tree/pipelines/file.json
python3 tree/add_sinks.py tree/pipelines/file.json file yes rest
cp tree/pipelines/salesforce-live.json tree/pipelines/live.json
cp tree/pipelines/salesforce-live.json tree/pipelines/bulk.json
python3 tree/add_sinks.py tree/pipelines/live.json live no rest
python3 tree/add_sinks.py tree/pipelines/bulk.json bulk no bulk
tfrun run tree/pipelines/file.json --quiet --progress never 2>log.file
check "revenue.json on the export files" $? "$(cat log.file)"
# salesforce-live.sh runs $TOUCHFLOW: tfrun's, as a command.
printf '#!/usr/bin/env bash\nset -u\nbuild=%q tf=%q\n. %q\ntfrun "$@"\n' \
  "$build" "$tf" "$src/tests/e2e/lib.sh" >tfrun.sh
chmod +x tfrun.sh
sed 's/salesforce-live.json/live.json/' tree/pipelines/salesforce-live.sh >tree/pipelines/live.sh
TOUCHFLOW=$work/tfrun.sh bash tree/pipelines/live.sh --quiet --progress never 2>log.live
check "pipelines/salesforce-live.sh (the live pipeline on the emulator)" $? "$(cat log.live)"
out=tree/pipelines/out
same_events() { # TAG: every Salesforce stage's events = the file sources'
  local s bad=""
  for s in calls activities campaigns contacts opportunities roles; do
    [ -s "$out/file-$s.ndjson" ] && cmp -s <(sort "$out/file-$s.ndjson") <(sort "$out/$1-$s.ndjson") ||
      bad="$bad $s"
  done
  [ -z "$bad" ] || { echo "$bad"; return 1; }
}
bad=$(same_events live)
check "each Salesforce stage's events = the file sources' (as sets)" $? "differ:$bad"
n=$(cat "$out"/file-{calls,activities,campaigns,contacts,opportunities,roles}.ndjson | wc -l)
[ "$n" -gt 100 ]
check "there are events to compare ($n)" $? "$n events"
cmp -s "$out/file-touchpoints.ndjson" "$out/live-touchpoints.ndjson"
check "the touchpoints are byte for byte the same" $? \
  "$(diff "$out/file-touchpoints.ndjson" "$out/live-touchpoints.ndjson" | head -5)"
[ -s "$out/file-credits.ndjson" ] && cmp -s "$out/file-credits.ndjson" "$out/live-credits.ndjson"
check "the credits are byte for byte the same" $? \
  "$(diff "$out/file-credits.ndjson" "$out/live-credits.ndjson" | head -5)"
reasons() { python3 -c 'import json,sys; print(sorted((j["stage"], j["code"], j["message"]) for j in map(json.loads, open(sys.argv[1]))))' "$1"; }
[ "$(reasons "$out/file-rejected.ndjson")" = "$(reasons "$out/live-rejected.ndjson")" ]
check "the same records dead-lettered, for the same reasons" $? \
  "$(reasons "$out/file-rejected.ndjson") vs $(reasons "$out/live-rejected.ndjson")"
! grep -q sample-secret log.live
check "the client secret is not on stderr" $? "$(cat log.live)"
sed 's/salesforce-live.json/bulk.json/' tree/pipelines/salesforce-live.sh >tree/pipelines/bulk.sh
TOUCHFLOW=$work/tfrun.sh bash tree/pipelines/bulk.sh --quiet --progress never 2>log.bulk
check "the live pipeline through the Bulk API 2.0" $? "$(cat log.bulk)"
bad=$(same_events bulk)
check "Bulk API: each stage's events = the file sources'" $? "differ:$bad"
cmp -s "$out/file-credits.ndjson" "$out/bulk-credits.ndjson"
check "Bulk API: the same credits" $? "$(diff "$out/file-credits.ndjson" "$out/bulk-credits.ndjson" | head -5)"

# 2. One source on its own emulator: the call Tasks, 3 a page.
cp "$src/pipelines/data/attribution/tasks.csv" tasks.csv
python3 "$src/tests/salesforce/emulator.py" --port 0 --port-file port \
  --data Task=tasks.csv --client-id cid --client-secret s3cret-sf --page-size 3 &
emulator=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || { echo "salesforce_api: the emulator did not start"; exit 1; }
base="http://127.0.0.1:$(cat port)"
export SF_ENDPOINT=$base SF_CLIENT_ID=cid SF_CLIENT_SECRET=s3cret-sf
cat >api.json <<'EOF'
{"version": 1, "name": "salesforce_api",
 "sources": [{"id": "calls", "plugin": "salesforce_api",
   "config": {"endpoint": "${SF_ENDPOINT}", "client_id": "${SF_CLIENT_ID}",
              "client_secret": "${SF_CLIENT_SECRET}", "object": "Task",
              "task_events": "call", "page_size": 3, "backoff": "100ms",
              "max_retries": 3}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["calls"],
   "config": {"path": "out/api-${RUN}.ndjson"}}],
 "dead_letter": {"path": "out/rejected-${RUN}.ndjson"}}
EOF
sort "$out/file-calls.ndjson" >want.ndjson
nwant=$(wc -l <want.ndjson)

# Faults: 429 (Retry-After 2), a 500, a dropped connection, token expiry.
emu_ctl /_emulator/fault '{"kind": "429", "retry_after": 2}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "500", "after": 3}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "drop", "after": 6}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "expire", "after": 9}' >/dev/null
RUN=2 tfrun run api.json --quiet 2>log.2
check "a run through 429, 500, a dropped connection and token expiry" $? "$(cat log.2)"
cmp -s want.ndjson <(sort out/api-2.ndjson)
check "the same call events after the faults" $? "$(diff want.ndjson <(sort out/api-2.ndjson) | head -3)"
elapsed=$(emu_stat after_429_ms)
[ "$elapsed" -ge 2000 ] && [ "$elapsed" -lt 3000 ]
check "429 waits Retry-After (2 s): the next request came $elapsed ms later" $? "after $elapsed ms"
[ "$(emu_stat faults_served)" -eq 4 ] && [ "$(emu_stat tokens)" -eq 2 ] &&
  grep -q "HTTP 429" log.2 && grep -q "HTTP 500" log.2 && ! grep -q "HTTP 501" log.2
check "the four faults were met and logged, the token renewed once" $? \
  "faults $(emu_stat faults_served), tokens $(emu_stat tokens): $(cat log.2)"
! grep -q -e s3cret-sf -e '!emu' log.2
check "neither the secret nor a token on stderr" $? "$(cat log.2)"

# Refused credentials, a literal secret.
SF_CLIENT_SECRET=wrong-one RUN=3 tfrun run api.json --quiet 2>log.3
status=$?
[ $status -eq 2 ] && grep -q "refused the client credentials" log.3 && ! grep -q wrong-one log.3
check "wrong credentials: exit 2, a clear message, the secret not shown" $? "exit $status: $(cat log.3)"
sed 's/"${SF_CLIENT_SECRET}"/"literal-secret"/' api.json >literal.json
RUN=3 tfrun run literal.json --quiet 2>log.3b
status=$?
[ $status -eq 2 ] && ! grep -q literal-secret log.3b
check "a literal secret is refused (exit 2), not echoed" $? "exit $status: $(cat log.3b)"

# REQUEST_LIMIT_EXCEEDED on the third page: a clean stop with a message;
# the next run (same state directory) takes the rest.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "limit", "after": 2}' >/dev/null
RUN=4 tfrun run api.json --state-dir st4 --quiet 2>log.4
status=$?
[ $status -eq 0 ] && grep -q REQUEST_LIMIT_EXCEEDED log.4 && [ "$(wc -l <out/api-4.ndjson)" -eq 6 ]
check "REQUEST_LIMIT_EXCEEDED: exit 0 after 2 pages, with a message" $? \
  "exit $status, $(wc -l <out/api-4.ndjson) events: $(cat log.4)"
RUN=4b tfrun run api.json --state-dir st4 --quiet 2>log.4b
check "the next run" $? "$(cat log.4b)"
cmp -s want.ndjson <(sort out/api-4.ndjson out/api-4b.ndjson)
check "the two runs together: every call once" $? \
  "$(diff want.ndjson <(sort out/api-4.ndjson out/api-4b.ndjson) | head -3)"

# A run that fails mid-way (500s past max_retries after 6 requests)
# resumes from its last checkpoint: nothing missing, nothing repeated.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "500", "count": 4, "after": 6}' >/dev/null
RUN=5 tfrun run api.json --state-dir st5 --checkpoint-every 2 --batch-size 1 \
  --quiet 2>log.5
status=$?
[ $status -eq 1 ] && grep -q "failed after 4 attempts: HTTP 500" log.5
check "500 past max_retries fails the run (exit 1)" $? "exit $status: $(cat log.5)"
RUN=5 tfrun run api.json --state-dir st5 --checkpoint-every 2 --batch-size 1 \
  --quiet 2>log.5b
check "the run resumes" $? "$(cat log.5b)"
cmp -s want.ndjson <(sort out/api-5.ndjson)
check "the resumed run's output = the calltracking source's" $? \
  "$(diff want.ndjson <(sort out/api-5.ndjson) | head -3)"
q=$(emu_stat "soql[-1]")
case "$q" in *"WHERE SystemModstamp >="*) true ;; *) false ;; esac
check "the resumed run queries from the mark" $? "$q"

# Incremental: a run on a state directory takes all; two new Tasks (one
# at exactly the mark's millisecond, the last CreatedDate) and the next
# run takes only those; a third run nothing.
RUN=6 tfrun run api.json --state-dir st6 --quiet 2>log.6
check "first run on a state directory" $? "$(cat log.6)"
mark=$(python3 -c 'import csv; print(max(r["CreatedDate"] for r in csv.DictReader(open("tasks.csv")) if r["CreatedDate"].startswith("2026-03-0")))')
python3 - "$mark" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open("tasks.csv")))
f = open("tasks.csv", "a", newline="")
w = csv.DictWriter(f, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\n")
for n, stamp in (("991", sys.argv[1]), ("992", "2026-03-20T12:00:00.000Z")):
    r = dict(rows[0], Id="00T5e000000000%sAAA" % n, CreatedDate=stamp,
             bizible2__BizibleId__c="%032x" % int(n))
    r["bizible2__Bizible_Touchpoint_Date__c"] = ""
    w.writerow(r)
EOF
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=7 tfrun run api.json --state-dir st6 --quiet 2>log.7
check "incremental run" $? "$(cat log.7)"
ids=$(python3 -c 'import json,sys; print(sorted(json.loads(l)["source_record_id"] for l in open(sys.argv[1])))' out/api-7.ndjson)
[ "$ids" = "['00T5e000000000991AAA', '00T5e000000000992AAA']" ]
check "only the new Tasks, the one at the mark included" $? "events: $ids ($(cat log.7))"
RUN=8 tfrun run api.json --state-dir st6 --quiet 2>log.8
[ $? -eq 0 ] && [ ! -s out/api-8.ndjson ]
check "a third run finds nothing new" $? "$(cat log.8)"
[ "$nwant" -gt 20 ]
check "there were calls to compare ($nwant)" $? "$nwant"

echo "salesforce_api: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
