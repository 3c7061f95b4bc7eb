#!/usr/bin/env bash
# Event time, end to end: the attribution pipeline (every source ->
# session_merge -> dedupe -> files) on the bundled sample data gives the
# same touchpoints and the same dead-letter records however its inputs are
# presented: every rotation of the sources in the pipeline file and their
# reverse, batch sizes 1, 7, 512 and 100000, the hits split into several
# files (a glob) or several sources, the calls split into two sources, and
# the lines of the hits shuffled.  Outputs are compared after sorting
# (docs/event-time.md: the set is the same, the order of lines may not
# be).  Also checks that calls and chats really merge into sessions and
# that nothing is dead-lettered as late.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
e2e_pipelines # src, build, tf, work (a copy of pipelines/), data
# A hit without an id is known by its file:line (plugins/source/web); give
# every hit an id so that splitting or shuffling the file keeps it.
gunzip -c "$data/hits.ndjson.gz" | python3 -c 'import json, sys
for n, line in enumerate(sys.stdin, 1):
    if line.strip():
        h = json.loads(line)
        h.setdefault("id", "hit-%d" % n)
        print(json.dumps(h))' >"$data/hits.ndjson"

# The canonical form of a run's output: sorted touchpoints, and the
# dead-letter records as (code, record) sorted, without the file:line and
# stage, which legitimately differ when inputs are split or renamed.
canon() { # OUT-DIR
  python3 - "$1" <<'EOF'
import json, sys
out = sys.argv[1]
tps = sorted(open(out + "/touchpoints.ndjson").read().splitlines())
rej = []
for line in open(out + "/rejected.ndjson"):
    r = json.loads(line)
    rej.append(json.dumps([r["code"], r.get("record")], sort_keys=True))
print("\n".join(tps))
print("--- rejected")
print("\n".join(sorted(rej)))
EOF
}

# Writes a variant of the pipeline: SOURCES-JSON replaces the sources and
# the merge stage's inputs follow them.
variant() { # NAME SOURCES-JSON
  python3 - "$work/attribution.json" "$work/$1.json" "$2" "$1" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["sources"] = json.loads(sys.argv[3])
p["transforms"][0]["inputs"] = [s["id"] for s in p["sources"]]
for s in p["sinks"]:
    s["config"]["path"] = s["config"]["path"].replace("out/", "out-%s/" % sys.argv[4])
p["dead_letter"]["path"] = "out-%s/rejected.ndjson" % sys.argv[4]
json.dump(p, open(sys.argv[2], "w"), indent=1)
EOF
}

run_variant() { # NAME [RUN-ARGS...]
  local name=$1
  shift
  "$tf" run "$work/$name.json" --progress never --quiet "$@" \
    >"$work/$name.stdout" 2>"$work/$name.stderr"
  local status=$?
  if [ $status -ne 0 ]; then
    check "$name" 1 "exit status $status: $(head -5 "$work/$name.stderr")"
    return
  fi
  canon "$work/out-$name" >"$work/$name.canon"
  if grep -q '"late"' "$work/out-$name/rejected.ndjson"; then
    check "$name" 1 "records dead-lettered as late"
    return
  fi
  cmp -s "$work/base.canon" "$work/$name.canon"
  check "$name" $? "other touchpoints or dead letters than the baseline: \
$(diff "$work/base.canon" "$work/$name.canon" | head -6)"
}

sources=$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))["sources"]
s[0]["config"]["path"] = "data/attribution/hits.ndjson"
print(json.dumps(s))' "$work/attribution.json")

# The baseline, and proof that it is worth comparing against.
variant base "$sources"
"$tf" run "$work/base.json" --progress never --quiet >/dev/null 2>"$work/base.stderr"
check "baseline runs" $? "$(head -5 "$work/base.stderr")"
canon "$work/out-base" >"$work/base.canon"
python3 - "$work/out-base" <<'EOF'
import json, sys
tps = [json.loads(l) for l in open(sys.argv[1] + "/touchpoints.ndjson")]
calls = sum(1 for t in tps if t["origin"] == "calltracking" and t["session_id"])
chats = sum(1 for t in tps if t["type"] == "Web Chat" and t["session_id"])
late = sum(1 for l in open(sys.argv[1] + "/rejected.ndjson") if '"late"' in l)
sys.exit(0 if calls > 10 and chats > 5 and late == 0 else 1)
EOF
check "baseline merges calls and chats into sessions, nothing late" $? \
  "too few merged calls or chats, or late records"

# Every rotation of the sources, and the reverse order.
for k in 1 2 3 4 5; do
  variant "rotate$k" "$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); k=int(sys.argv[2]); print(json.dumps(s[k:]+s[:k]))' "$sources" $k)"
  run_variant "rotate$k"
done
variant reversed "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[::-1]))' "$sources")"
run_variant reversed

# Batch sizes.
for n in 1 7 512 100000; do
  variant "batch$n" "$sources"
  run_variant "batch$n" --batch-size "$n"
done
variant reversed_batch1 "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[::-1]))' "$sources")"
run_variant reversed_batch1 --batch-size 1

# The hits split into three files read through a glob, and into three
# sources; their lines shuffled; the calls split into two sources.
split -n l/3 -d --additional-suffix=.ndjson "$data/hits.ndjson" "$data/hitpart-"
python3 - "$data" <<'EOF'
import random, sys
d = sys.argv[1]
lines = open(d + "/hits.ndjson").read().splitlines(True)
random.Random(7).shuffle(lines)
open(d + "/hits-shuffled.ndjson", "w").writelines(lines)
rows = open(d + "/tasks.csv").read().splitlines(True)
head, body = rows[0], rows[1:]
open(d + "/tasks-a.csv", "w").writelines([head] + body[0::2])
open(d + "/tasks-b.csv", "w").writelines([head] + body[1::2])
EOF
with() { # replaces the source with id $1 by the JSON list $2
  python3 -c 'import json,sys
s=json.loads(sys.argv[1]); out=[]
for x in s: out += json.loads(sys.argv[3]) if x["id"]==sys.argv[2] else [x]
print(json.dumps(out))' "$sources" "$1" "$2"
}
variant hits_glob "$(with hits '[{"id":"hits","plugin":"web","config":{"path":"data/attribution/hitpart-*.ndjson"}}]')"
run_variant hits_glob
variant hits_three_sources "$(with hits '[{"id":"h0","plugin":"web","config":{"path":"data/attribution/hitpart-00.ndjson"}},
 {"id":"h2","plugin":"web","config":{"path":"data/attribution/hitpart-02.ndjson"}},
 {"id":"h1","plugin":"web","config":{"path":"data/attribution/hitpart-01.ndjson"}}]')"
run_variant hits_three_sources --batch-size 7
variant hits_shuffled "$(with hits '[{"id":"hits","plugin":"web","config":{"path":"data/attribution/hits-shuffled.ndjson"}}]')"
run_variant hits_shuffled
run_variant hits_shuffled --batch-size 1
variant calls_two_sources "$(with calls '[{"id":"calls_b","plugin":"calltracking","config":{"path":"data/attribution/tasks-b.csv"}},
 {"id":"calls_a","plugin":"calltracking","config":{"path":"data/attribution/tasks-a.csv"}}]')"
run_variant calls_two_sources

echo "event_time: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
