#!/usr/bin/env bash
# The CRM -> Marketo example (pipelines/crm_to_marketo.json) against the
# Marketo emulator, as plugins/sink/marketo/README.md tells a person to run
# it: the secret comes from the environment, and the lead database ends as
# the README says.  Everything stays on 127.0.0.1 and stops by itself.
set -u
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
command -v python3 >/dev/null || { echo "marketo example: python3 is missing"; exit 77; }
work=$(mktemp -d)
cp -r "$src/pipelines/." "$work/"
chmod -R u+w "$work"
rm -rf "$work/out"
python3 "$src/tests/marketo/emulator.py" --port 0 --port-file "$work/port" \
  --client-id my-client --client-secret my-secret &
emulator=$!
trap 'kill $emulator 2>/dev/null; wait $emulator 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "marketo example: the emulator did not start"; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"

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

MARKETO_ENDPOINT=$base MARKETO_CLIENT_ID=my-client MARKETO_CLIENT_SECRET=my-secret \
  "$build/touchflow" run "$work/crm_to_marketo.json" --progress never 2>"$work/stderr"
status=$?
if [ $status -ne 0 ]; then
  echo "marketo example: exit $status"; cat "$work/stderr"; exit 1
fi
if grep -q my-secret "$work/stderr"; then
  echo "marketo example: the client secret appears on stderr"; exit 1
fi

python3 - "$base" "$work/out/rejected_marketo.ndjson" <<'PY'
import json, sys, urllib.request
db = json.load(urllib.request.urlopen(sys.argv[1] + "/_emulator/leads", timeout=10))
leads = db["leads"]
def find(email, partition):
    return [l for l in leads if l.get("email", "").lower() == email and l["partition"] == partition]
checks = []
def check(what, ok):
    checks.append((what, ok))
ann_emea, ann_default = find("ann.lee@example.com", "EMEA"), find("ann.lee@example.com", "Default")
check("the newer Ann (EMEA) is updated, the later record winning",
      len(ann_emea) == 1 and ann_emea[0]["lastName"] == "Lee-Martin")
check("the older Ann (Default) is untouched",
      len(ann_default) == 1 and ann_default[0]["lastName"] == "L.")
hugo = find("hugo.blanc@example.com", "EMEA")
check("Hugo is updated and his last name is not cleared",
      len(hugo) == 1 and hugo[0]["lastName"] == "Blanc")
created = [l for l in leads if l["partition"] == "Default" and l.get("email", "").lower() != "ann.lee@example.com"]
check("the eight new people are created in Default", len(created) == 8)
members = [l for l in leads if 1001 in l.get("lists", [])]
check("ten leads are in list 1001", len(members) == 10)
check("no email appears twice in a partition",
      len({(l.get("email", "").lower(), l["partition"]) for l in leads}) == len(leads))
rejected = [json.loads(line) for line in open(sys.argv[2])]
check("Ines (no email) is dead-lettered as missing_dedupe_value",
      len(rejected) == 1 and rejected[0]["code"] == "missing_dedupe_value")
failed = [w for w, ok in checks if not ok]
for w, ok in checks:
    print(("ok   " if ok else "FAIL ") + w)
print("marketo example: %d passed, %d failed" % (len(checks) - len(failed), len(failed)))
sys.exit(1 if failed else 0)
PY
