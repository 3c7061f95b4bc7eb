#!/usr/bin/env bash
# The marketo sink is at least once under checkpoints (docs/checkpoints.md):
# after a crash, the batches sent since the last checkpoint are sent
# again, and its lookup-then-sync by the dedupe field must make that
# harmless.  The CRM -> Marketo example runs against the emulator with
# --state-dir, a checkpoint every 3 records and batches of 2; it is killed
# with SIGKILL at every crash point (core/crashpoint.h) in turn, resumed,
# and the emulator's lead database must end exactly as after an
# uninterrupted run: no lead created twice, no list membership twice.
set -u
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
command -v python3 >/dev/null || { echo "marketo crash: python3 is missing"; exit 77; }
tf="$(cd "$build" && pwd)/touchflow"
work=$(mktemp -d)
cp -r "$src/pipelines/." "$work/"
chmod -R u+w "$work"
rm -rf "$work/out"
python3 "$src/tests/marketo/emulator.py" --port 0 --port-file "$work/port" \
  --client-id my-client --client-secret my-secret &
emulator=$!
trap 'kill $emulator 2>/dev/null; wait $emulator 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "marketo crash: the emulator did not start"; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"
export MARKETO_ENDPOINT=$base MARKETO_CLIENT_ID=my-client \
  MARKETO_CLIENT_SECRET=my-secret

reset_db() {
  python3 - "$base" <<'PY' || exit 1
import json, sys, urllib.request
seed = {"clients": {"my-client": "my-secret"},
        "partitions": ["Default", "EMEA"], "lists": [1001],
        "leads": [
            {"email": "ann.lee@example.com", "firstName": "Ann", "lastName": "Lee",
             "partition": "EMEA", "updatedAt": "2026-01-05T10:00:00Z"},
            {"email": "ann.lee@example.com", "firstName": "Ann", "lastName": "L.",
             "partition": "Default", "updatedAt": "2025-06-01T10:00:00Z"},
            {"email": "hugo.blanc@example.com", "firstName": "Hugo",
             "lastName": "Blanc", "partition": "EMEA"}]}
req = urllib.request.Request(sys.argv[1] + "/_emulator/reset", json.dumps(seed).encode(),
                             {"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()
PY
}

# The lead database without what differs between runs (ids, clocks).
dump_db() {
  python3 - "$base" >"$1" <<'PY'
import json, sys, urllib.request
db = json.load(urllib.request.urlopen(sys.argv[1] + "/_emulator/leads", timeout=10))
rows = []
for lead in db["leads"]:
    rows.append({k: v for k, v in lead.items()
                 if k not in ("id", "createdAt", "updatedAt")})
rows.sort(key=lambda l: json.dumps(l, sort_keys=True))
for r in rows:
    print(json.dumps(r, sort_keys=True))
PY
}

run() {
  { (exec env "$@" "$tf" run "$work/crm_to_marketo.json" --state-dir \
    "$work/st" --checkpoint-every 3 --batch-size 2 --progress never \
    --quiet) 2>>"$work/log"; } 2>/dev/null
}

reset_db
run TOUCHFLOW_CRASH_COUNT="$work/count" || { cat "$work/log"; exit 1; }
dump_db "$work/ref.db"
cp "$work/out/rejected_marketo.ndjson" "$work/ref.dead"
total=$(cat "$work/count")
[ "$(wc -l <"$work/ref.db")" -eq 11 ] ||
  { echo "marketo crash: the uninterrupted run left $(wc -l <"$work/ref.db") leads, not 11"; exit 1; }

bad=""
n=0
for at in $(seq 1 "$total"); do
  reset_db
  rm -rf "$work/st" "$work/out"
  : >"$work/log"
  run TOUCHFLOW_CRASH_AT="$at"
  rc=$?
  [ $rc -eq 137 ] || { bad="$bad $at(no crash: $rc)"; continue; }
  run
  rc=$?
  dump_db "$work/got.db"
  if [ $rc -ne 0 ] || ! cmp -s "$work/ref.db" "$work/got.db" ||
    ! cmp -s "$work/ref.dead" "$work/out/rejected_marketo.ndjson"; then
    bad="$bad $at(exit $rc)"
    diff "$work/ref.db" "$work/got.db" | head -5
  fi
  n=$((n + 1))
done
if [ -n "$bad" ]; then
  echo "FAIL: killed at $n points; the lead database differs after:$bad"
  exit 1
fi
echo "ok: killed at each of $n crash points and resumed: the lead database" \
  "and the dead letters are as after one uninterrupted run"
