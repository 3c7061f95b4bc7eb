#!/usr/bin/env bash
# All the live sources together, end to end (issue 11): the example
# pipelines/live/run_emulated.sh, which runs pipelines/attribution-live.json
# against tests/drift/emulator.py, tests/ctm/emulator.py and
# tests/salesforce/emulator.py (two orgs) serving the sample data of
# pipelines/data/attribution, with the sample's Drift webhook events posted
# by curl to the drift_webhook receiver, through session_merge and dedupe
# into touchpoints, is compared with pipelines/attribution.json reading the
# same sample from the export files:
#  - the touchpoints (NDJSON and CSV), sorted, are byte for byte the same;
#  - the dead letters are the same by (code, record id): their stage,
#    plugin and input (file:line or spool line) differ by nature;
#  - every live stage took part (the summary's counts), the conversations
#    known only from webhook events made their chats through the receiver,
#    and no secret is on stderr.
# Everything of the sample is served live except the web hits (Marketo
# Measure has no live source: a file in both pipelines).  The sample's
# drift.ndjson mixes REST conversations and webhook events: the script
# serves the first from the Drift emulator and posts the second, so both
# pipelines read the same Drift records.
# TF_VALGRIND=1 (.ci/valgrind): both runs under valgrind (tfrun).
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed, tfrun
build=${TF_BUILDDIR:-.}
src=$(cd "${TF_SRCDIR:-$(dirname "$0")/../..}" && pwd)
build=$(cd "$build" && pwd)
tf=$build/touchflow
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work" || exit 1
[ -n "${KEEP:-}" ] && echo "work: $work"

# A copy of pipelines/ with the emulators beside it, where the script
# finds them.
mkdir -p tree/tests
cp -r "$src/pipelines" tree/pipelines
cp -r "$src/tests/drift" "$src/tests/ctm" "$src/tests/salesforce" "$src/tests/emulib.py" tree/tests/
chmod -R u+w tree
rm -rf tree/pipelines/out
out=tree/pipelines/out
live=$out/attribution-live

tfrun run tree/pipelines/attribution.json --quiet --progress never 2>log.file
check "attribution.json on the export files" $? "$(cat log.file)"
# The script runs $TOUCHFLOW: tfrun's, as a command.
printf '#!/usr/bin/env bash\nset -u\nbuild=%q tf=%q\n. %q\ntfrun "$@"\n' \
  "$build" "$tf" "$src/tests/e2e/lib.sh" >tfrun.sh
chmod +x tfrun.sh
TOUCHFLOW=$work/tfrun.sh bash tree/pipelines/live/run_emulated.sh --quiet \
  --summary-json "$work/summary.json" >stdout.live 2>log.live
check "pipelines/live/run_emulated.sh (attribution-live.json on the emulators)" $? \
  "$(cat stdout.live log.live)"
grep -q "touchpoints in pipelines/out/attribution-live/touchpoints.ndjson" stdout.live
check "it says where the output went" $? "$(cat stdout.live)"

# 1. The touchpoints.
n=$(wc -l <"$out/touchpoints.ndjson")
[ "$n" -gt 300 ]
check "there are touchpoints to compare ($n)" $? "$n touchpoints"
cmp -s <(sort "$out/touchpoints.ndjson") <(sort "$live/touchpoints.ndjson")
check "the touchpoints (sorted) are byte for byte attribution.json's" $? \
  "$(diff <(sort "$out/touchpoints.ndjson") <(sort "$live/touchpoints.ndjson") | head -5)"
csv() { head -1 "$1"; tail -n +2 "$1" | sort; }
[ "$(wc -l <"$live/touchpoints.csv")" -eq $((n + 1)) ] &&
  cmp -s <(csv "$out/touchpoints.csv") <(csv "$live/touchpoints.csv")
check "the CSV report too (header, then sorted rows)" $? \
  "$(diff <(csv "$out/touchpoints.csv") <(csv "$live/touchpoints.csv") | head -5)"

# 2. The dead letters, by (code, record id): a Salesforce record's Id, a
# conversation's id, a webhook event's conversation (or contact) id.
cat >reasons.py <<'PY'
import json, sys
def rid(r):
    d = r.get("data") if isinstance(r.get("data"), dict) else {}
    for v in (r.get("Id"), r.get("id"), r.get("call_id"), d.get("conversationId"), d.get("id")):
        if v is not None:
            return str(v)
    return json.dumps(r, sort_keys=True)
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n".join(sorted("%s %s" % (j["code"], rid(j.get("record") or {})) for j in rows)))
PY
python3 reasons.py "$out/rejected.ndjson" >dl.file
python3 reasons.py "$live/rejected.ndjson" >dl.live
[ -s dl.file ] && cmp -s dl.file dl.live
check "the same dead letters by (code, record id): $(tr '\n' ',' <dl.file)" $? \
  "file: $(tr '\n' ' ' <dl.file) live: $(tr '\n' ' ' <dl.live)"
plugins=$(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["plugin"] for l in open(sys.argv[1])})))' "$live/rejected.ndjson")
[ "$plugins" = "drift_webhook salesforce_api" ]
check "the live dead letters come from the live sources ($plugins)" $? "$plugins"

# 3. Every live stage took part; the webhook-only conversations made chats.
cat >stages.py <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
src = [t for t in s["stages"] if t["kind"] == "source"]
print(" ".join("%s:%s" % (t["id"], t["plugin"]) for t in src))
print(" ".join(str(t["out"] + t["rejected"]) for t in src))
PY
stages=$(python3 stages.py summary.json)
want='hits:web calls:salesforce_api ctm:ctm_api chats:drift_api chat_events:drift_webhook activities:salesforce_api campaigns:salesforce_api'
counts=$(echo "$stages" | sed -n 2p)
[ "$(echo "$stages" | head -1)" = "$want" ] && ! echo " $counts " | grep -q ' 0 '
check "every source is live but the hits, and each took records ($counts)" $? "$stages"
for c in 1485840031 1485840032; do
  grep -q "\"source_record_id\":\"$c\"" "$live/touchpoints.ndjson"
  check "conversation $c, known only from webhook events, made its chat touchpoint" $? "missing"
done
! grep -q -e demo-drift-token -e demo-secret-key -e demo-client-secret -e vt_demo \
  log.live stdout.live "$live/drift-webhook.spool"
check "no secret on stderr, stdout or in the spool" $? "found"

echo "live_attribution: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
