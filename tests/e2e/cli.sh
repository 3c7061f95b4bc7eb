#!/usr/bin/env bash
# The touchflow command line as docs/contract.md describes it: exit codes, usage
# errors, validate, plugins, inspect (text and --json, generated from the
# option tables), and secrets never printed.
set -u
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
tf="$build/touchflow"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
passed=0

expect() { # NAME WANT-STATUS COMMAND...
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name: exit $got, expected $want"; cat "$work/err"
    failed=$((failed + 1))
  fi
}

contains() { # NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    passed=$((passed + 1))
  else
    echo "FAIL: $1: $(basename "$2") lacks: $3"; cat "$2"
    failed=$((failed + 1))
  fi
}

lacks() { # NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    echo "FAIL: $1: $(basename "$2") shows: $3"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

expect version 0 "$tf" --version
contains version "$work/out" "plugin ABI 2)"
# The allocator the build was configured with (configure.ac: mimalloc unless
# --without-mimalloc or a sanitizer build) is the one malloc() reaches.
if grep -q '^#define HAVE_MIMALLOC 1' "$build/config.h"; then
  contains version-allocator "$work/out" "allocator: mimalloc "
  lacks version-allocator-in-use "$work/out" "malloc is another's"
else
  contains version-allocator "$work/out" "allocator: the C library's malloc"
fi
expect help 0 "$tf" --help
contains help "$work/out" "touchflow inspect PLUGIN"
expect no-command 2 "$tf"
expect unknown-command 2 "$tf" frobnicate
contains unknown-command "$work/err" 'unknown command "frobnicate"'
expect unknown-option 2 "$tf" run x.json --fast
contains unknown-option "$work/err" 'unknown or incomplete option "--fast"'
expect missing-argument 2 "$tf" validate
expect bad-progress 2 "$tf" run x.json --progress sometimes

# plugins: the bundled ones are listed.
expect plugins 0 "$tf" plugins
for p in "source     file" "sink       file" "transform  map"; do
  contains plugins "$work/out" "$p"
done
expect plugins-json 0 "$tf" plugins --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert {p["name"] for p in d} >= {"file","map"}' "$work/out"
expect plugins-json-parses 0 test $? -eq 0

# inspect: every option of the table, in text and JSON; both kinds of file.
expect inspect-file 0 "$tf" inspect file
contains inspect-file "$work/out" "source file"
contains inspect-file "$work/out" "sink file"
expect inspect-json 0 "$tf" inspect map --json
python3 - "$work/out" <<'PY' || { echo "FAIL: inspect-json"; failed=$((failed + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["name"] == "map" and d["kind"] == "transform", d
assert d["options"], "no options"
for o in d["options"]:
    assert o["description"], "undocumented option " + o["name"]
    assert o["type"] in ("string", "int", "bool", "double", "size", "duration", "enum", "list", "object"), o
PY
"$tf" inspect map >"$work/text"
for name in $(python3 -c 'import json,sys; print(" ".join(o["name"] for o in json.load(open(sys.argv[1]))["options"]))' "$work/out"); do
  contains inspect-text "$work/text" "  $name"
done
expect inspect-module-path 0 "$tf" inspect "$build/tests/plugins/source_seq.la"
contains inspect-module-path "$work/out" "source seq"
expect inspect-unknown 2 "$tf" inspect nosuchplugin
expect inspect-bad-abi 2 "$tf" inspect "$build/tests/plugins/source_badabi.la"
contains inspect-bad-abi "$work/err" "ABI 99, this host loads ABI 2"

# validate and run refuse a bad pipeline with every problem, exit 2, and run
# writes nothing.
cat >"$work/bad.json" <<'JSON'
{"version": 1, "nme": "x",
 "sources": [{"id": "s", "plugin": "file", "config": {"pth": "in.ndjson"}}],
 "sinks": [{"id": "o", "plugin": "file", "inputs": ["z"], "config": {"path": "result/o.ndjson"}}]}
JSON
expect validate-bad 2 "$tf" validate "$work/bad.json"
contains validate-bad "$work/err" "$work/bad.json: nme: unknown key \"nme\" (did you mean \"name\"?)"
contains validate-bad "$work/err" "$work/bad.json: sources[0].config.pth: unknown option \"pth\" (did you mean \"path\"?)"
contains validate-bad "$work/err" "$work/bad.json: sinks[0].inputs[0]: unknown input \"z\""
expect run-bad 2 "$tf" run "$work/bad.json"
expect run-bad-wrote-nothing 1 test -e "$work/result"

# A valid pipeline validates; its secret never shows, even in errors.
printf '{"a": 1}\n' >"$work/in.ndjson"
cat >"$work/good.json" <<'JSON'
{"version": 1, "name": "good",
 "sources": [{"id": "s", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "sinks": [{"id": "o", "plugin": "file", "inputs": ["s"], "config": {"path": "result/o.ndjson"}}]}
JSON
expect validate-good 0 "$tf" validate "$work/good.json"
contains validate-good "$work/out" "OK (2 stages)"
expect run-good 0 "$tf" run "$work/good.json" --progress never
contains run-good "$work/result/o.ndjson" '{"a": 1}'
contains run-summary "$work/err" 'pipeline "good" finished'
expect run-quiet 0 "$tf" run "$work/good.json" --quiet
lacks run-quiet "$work/err" "finished"
cat >"$work/collide.json" <<'JSON'
{"version": 1, "name": "collide", "dead_letter": {"path": "in.ndjson"},
 "sources": [{"id": "s", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "sinks": [{"id": "a", "plugin": "file", "inputs": ["s"], "config": {"path": "col/x.ndjson"}},
           {"id": "b", "plugin": "file", "inputs": ["s"], "config": {"path": "col/./x.ndjson"}}]}
JSON
cp "$work/in.ndjson" "$work/in.keep"
expect paths-collide 2 "$tf" run "$work/collide.json" --quiet
contains paths-collide "$work/err" "sinks[1].config.path: writes $work/col/x.ndjson, as sinks[0].config.path does"
contains paths-collide "$work/err" "dead_letter.path: writes $work/in.ndjson, which sources[0].config.path reads"
expect input-untouched 0 cmp "$work/in.ndjson" "$work/in.keep"
# Two runs of one pipeline at once: the second is refused (the first
# waits on a FIFO until the check is done).
mkfifo "$work/wait.ndjson"
sed 's#"path": "in.ndjson"#"path": "wait.ndjson"#' "$work/good.json" >"$work/twice.json"
rm -f "$work/rejected.ndjson"
("$tf" run "$work/twice.json" --quiet 2>/dev/null) &
first=$!
for _ in $(seq 100); do # until the first run holds the lock
  [ -e "$work/rejected.ndjson" ] && ! flock -n "$work/rejected.ndjson" true &&
    break
  sleep 0.1
done
expect run-twice 1 timeout 20 "$tf" run "$work/twice.json" --quiet
contains run-twice "$work/err" "another touchflow run is writing this dead-letter file"
timeout 20 bash -c ": >'$work/wait.ndjson'" || kill $first 2>/dev/null
wait $first
# A failed run commits nothing: a truncated gzip input fails the run, and
# the older output stays as it was, with no temporary file left beside it.
seq 1 3000 | sed 's/.*/{"n": &}/' | gzip >"$work/full.ndjson.gz"
head -c "$(($(stat -c %s "$work/full.ndjson.gz") / 3))" "$work/full.ndjson.gz" >"$work/cut.ndjson.gz"
mkdir -p "$work/kept"
echo '{"old": true}' >"$work/kept/o.ndjson"
cat >"$work/cut.json" <<'JSON'
{"version": 1, "name": "cut", "dead_letter": {"path": "kept/dead.ndjson"},
 "sources": [{"id": "s", "plugin": "file", "config": {"path": "cut.ndjson.gz"}}],
 "sinks": [{"id": "o", "plugin": "file", "inputs": ["s"], "config": {"path": "kept/o.ndjson"}}]}
JSON
expect failed-run-commits-nothing 1 "$tf" run "$work/cut.json" --progress never
contains failed-run-commits-nothing "$work/err" "the run failed: no output was committed"
contains failed-run-commits-nothing "$work/kept/o.ndjson" '{"old": true}'
expect failed-run-no-temp 0 test "$(ls -A "$work/kept" | grep -c tmp)" -eq 0
# What plugins log is safe to print: a secret option's value is masked
# wherever it shows, and a control character (a terminal escape) is
# written as \xNN.  A file the plugin cannot open is a failed run (1),
# not a config error (2).
cat >"$work/leaky.json" <<'JSON'
{"version": 1,
 "sources": [{"id": "s", "plugin": "seq", "config": {"count": 3}}],
 "sinks": [{"id": "k", "plugin": "flaky", "inputs": ["s"],
            "config": {"path": "no/such/\u001b[31m/${TF_LEAKY}/k", "token": "${TF_LEAKY}"}}]}
JSON
TF_LEAKY=hunter4-leaky expect secret-in-log 1 \
  "$tf" run "$work/leaky.json" --plugin-path "$build/tests/plugins" --progress never
contains secret-in-log "$work/err" "/no/such/\\x1b[31m/<secret>/k"
lacks secret-in-log "$work/err" "hunter4"
expect no-raw-escape 1 grep -q "$(printf '\033')" "$work/err"
# For machines: --summary-json (written atomically, a documented shape)
# and --log-format json (one JSON object a line).
expect summary-json 0 "$tf" run "$work/good.json" --summary-json "$work/sum/run.json" \
  --log-format json --progress never
cp "$work/err" "$work/log.json"
expect summary-json-shape 0 python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["format"] == "touchflow-summary" and s["version"] == 1, s
assert s["exit_status"] == 0 and s["status"] == "finished", s
assert [st["id"] for st in s["stages"]] == ["s", "o"], s
assert s["stages"][0]["out"] == 1 and s["stages"][1]["in"] == 1, s
assert s["dead_letter"]["count"] == 0 and s["dead_letter"]["by_reason"] == {}, s
' "$work/sum/run.json"
expect log-json-lines 0 python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert lines and all("level" in l and "time" in l for l in lines), lines
assert any(l.get("message") == "summary" for l in lines), lines
' "$work/log.json"
expect summary-json-refused 2 "$tf" run "$work/collide.json" --summary-json "$work/sum/refused.json"
expect summary-json-refused-shape 0 python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["exit_status"] == 2 and s["status"] == "refused", s
assert len(s["problems"]) == 2 and "one would overwrite the other" in s["problems"][0], s
' "$work/sum/refused.json"
expect summary-json-failed 1 "$tf" run "$work/cut.json" --summary-json "$work/sum/failed.json" --progress never
expect summary-json-failed-shape 0 python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["exit_status"] == 1 and s["status"] == "failed", s
assert s["stages"][0]["failed"] is True, s
' "$work/sum/failed.json"
expect log-format-bad 2 "$tf" run "$work/good.json" --log-format yaml
contains log-format-bad "$work/err" "--log-format takes text or json"
# touchflow-plugins(7) comes from the option tables: every option of every
# bundled plugin is in it.
expect plugins-man 0 "$tf" plugins --man
cp "$work/out" "$work/plugins.7"
contains plugins-man "$work/plugins.7" ".TH TOUCHFLOW-PLUGINS 7"
"$tf" inspect file --json >"$work/file.json"
expect plugins-man-options 0 python3 -c '
import json, sys
man = open(sys.argv[1]).read()
for plugin in json.load(open(sys.argv[2])):
    assert ".SS \"%s %s\"" % (plugin["kind"], plugin["name"]) in man, plugin["name"]
    for o in plugin["options"]:
        assert ".B " + o["name"].replace("-", "\\-") + "\n" in man, o["name"]
' "$work/plugins.7" "$work/file.json"
# Bash completion: commands, then a command's options.
expect completion 0 bash -c '
. "$1/completion/touchflow"
COMP_WORDS=(touchflow ru); COMP_CWORD=1; _touchflow
[ "${COMPREPLY[*]}" = run ] || { echo "got: ${COMPREPLY[*]}"; exit 1; }
COMP_WORDS=(touchflow run --state); COMP_CWORD=2; _touchflow
[ "${COMPREPLY[*]}" = --state-dir ] || { echo "got: ${COMPREPLY[*]}"; exit 1; }
COMP_WORDS=(touchflow run --log-format j); COMP_CWORD=3; _touchflow
[ "${COMPREPLY[*]}" = json ] || { echo "got: ${COMPREPLY[*]}"; exit 1; }
' completion "$src"
mkdir -p "$work/adir"
expect pipeline-is-a-folder 2 "$tf" validate "$work/adir"
contains pipeline-is-a-folder "$work/err" "adir: is a folder, not a pipeline file"
sed 's#"path": "in.ndjson"#"path": "${TF_BAD_UTF8}"#' "$work/good.json" >"$work/envutf8.json"
expect env-not-utf8 2 env TF_BAD_UTF8="$(printf 'a\377b')" "$tf" validate "$work/envutf8.json"
contains env-not-utf8 "$work/err" "environment variable TF_BAD_UTF8 is not valid UTF-8"
lacks env-not-utf8 "$work/err" "out of memory"
mkdir -p "$work/shadow"
cp "$build/plugins/source/file/.libs/source_file.so" "$work/shadow/"
expect validate-modules 0 "$tf" validate "$work/good.json" --plugin-path "$work/shadow"
contains validate-modules "$work/out" "source file ($work/shadow/source_file.so, in place of the bundled one)"
contains validate-modules "$work/out" "sink file (bundled)"
expect run-shadowed 0 "$tf" run "$work/good.json" --plugin-path "$work/shadow" --quiet
contains run-shadowed "$work/err" "is loaded from $work/shadow/source_file.so, in place of the bundled one"
chmod o+w "$work/shadow"
expect run-unsafe-folder 2 "$tf" run "$work/good.json" --plugin-path "$work/shadow" --quiet
contains run-unsafe-folder "$work/err" "plugin folder is writable by every user"
expect state-dir-run 0 "$tf" run "$work/good.json" --state-dir "$work/state"
expect state-dir-again 0 "$tf" run "$work/good.json" --state-dir "$work/state"
contains state-dir-again "$work/err" "nothing new in the inputs since the last run"
expect state-dir-reset 0 "$tf" run "$work/good.json" --state-dir "$work/state" --reset-state
expect reset-needs-state 2 "$tf" run "$work/good.json" --reset-state
contains reset-needs-state "$work/err" "--reset-state needs --state-dir"
expect checkpoint-every-bad 2 "$tf" run "$work/good.json" --state-dir "$work/state" --checkpoint-every 0
contains checkpoint-every-bad "$work/err" "--checkpoint-every takes a number"
expect state-none 0 "$tf" state "$work/nostate"
contains state-none "$work/out" "no checkpoint"
expect state-complete 0 "$tf" state "$work/state"
contains state-complete "$work/out" "complete"

cat >"$work/secret.json" <<'JSON'
{"version": 1,
 "sources": [{"id": "s", "plugin": "seq", "config": {"count": "${TF_SECRET_HOLDER}"}}],
 "sinks": [{"id": "k", "plugin": "flaky", "inputs": ["s"],
            "config": {"path": "o", "token": "${TF_SECRET_HOLDER}", "retries": "x"}}]}
JSON
TF_SECRET_HOLDER=hunter2-very-secret expect secret 2 \
  "$tf" validate "$work/secret.json" --plugin-path "$build/tests/plugins"
lacks secret-not-printed "$work/err" "hunter2"
contains secret-errors-still-reported "$work/err" "sinks[0].config.retries"

# A list option of objects (session_merge's channel_rules) goes through the
# host's checks to the plugin's own, which names the bad condition.
cat >"$work/rules.json" <<'JSON'
{"version": 1,
 "sources": [{"id": "hits", "plugin": "web", "config": {"path": "in.ndjson"}}],
 "transforms": [{"id": "m", "plugin": "session_merge", "inputs": ["hits"],
   "config": {"channel_rules": [
     {"channel": "Paid Social", "source": "Reddit", "match": {"utm_source": ["reddit"]}}]}}],
 "sinks": [{"id": "o", "plugin": "file", "inputs": ["m"], "config": {"path": "result/r.ndjson"}}]}
JSON
expect channel-rules-objects 0 "$tf" validate "$work/rules.json"
sed 's/"utm_source": \["reddit"\]/"utm_sorce": ["reddit"]/' "$work/rules.json" >"$work/rules_bad.json"
expect channel-rules-bad-condition 2 "$tf" run "$work/rules_bad.json"
contains channel-rules-bad-condition "$work/err" "utm_sorce"
sed 's/\[$/["not an object",/' "$work/rules.json" >"$work/rules_str.json"
expect channel-rules-not-objects 2 "$tf" validate "$work/rules_str.json"
contains channel-rules-not-objects "$work/err" "channel_rules[0]: expected an object, got a string"

# A plugin's own config check (its check() callback) stops run before any
# record moves, with the lines validate prints: nothing is written, not
# even the dead-letter file, and init() (which would reach Marketo) never
# runs.  The secret never shows.
cat >"$work/checked.json" <<'JSON'
{"version": 1,
 "sources": [{"id": "s", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "transforms": [{"id": "d", "plugin": "dedupe", "inputs": ["s"], "config": {"window": "24 h"}}],
 "sinks": [{"id": "o", "plugin": "file", "inputs": ["d"], "config": {"path": "checked/o.ndjson"}},
  {"id": "m", "plugin": "marketo", "inputs": ["d"],
   "config": {"endpoint": "http://127.0.0.1:9", "client_id": "c",
     "client_secret": "${TF_CHECK_SECRET}", "sync_type": "profile",
     "person_action": "update_only", "dedupe_field": "id",
     "mapping": {"email": "email"}}}],
 "dead_letter": {"path": "checked/rejected.ndjson"}}
JSON
window_line="$work/checked.json: transforms[0].config.window: expected a record count (\"100000\") or a duration with a unit (\"250ms\", \"30s\", \"30m\", \"24h\", \"7d\"), got \"24 h\""
dedupe_field_line="$work/checked.json: sinks[1].config.dedupe_field: \"id\" is not allowed (Lead ID and ECID cannot match leads); use email or a custom id field"
TF_CHECK_SECRET=hunter3-check-secret expect plugin-check-validate 2 \
  "$tf" validate "$work/checked.json"
contains plugin-check-validate "$work/err" "$window_line"
contains plugin-check-validate "$work/err" "$dedupe_field_line"
TF_CHECK_SECRET=hunter3-check-secret expect plugin-check-run 2 \
  "$tf" run "$work/checked.json" --progress never
contains plugin-check-run "$work/err" "$window_line"
contains plugin-check-run "$work/err" "$dedupe_field_line"
contains plugin-check-run "$work/err" "3 problems found; nothing was run"
lacks plugin-check-run-no-secret "$work/err" "hunter3"
lacks plugin-check-run-no-init "$work/err" "127.0.0.1"
expect plugin-check-run-wrote-nothing 1 test -e "$work/checked"

# Progress: a live line on request (as on a terminal) once a run lasts a
# second; none when stderr is not a terminal and progress is auto.
cat >"$work/slow.json" <<'JSON'
{"version": 1, "name": "slow",
 "sources": [{"id": "s", "plugin": "seq", "config": {"count": 3000}}],
 "sinks": [{"id": "k", "plugin": "flaky", "inputs": ["s"],
            "config": {"path": "slow.out", "delay_ms": 250}}]}
JSON
expect progress-always 0 "$tf" run "$work/slow.json" --progress always \
  --plugin-path "$build/tests/plugins"
contains progress-always "$work/err" " records  "
contains progress-always "$work/err" " rec/s  0:01 elapsed"
expect progress-auto-not-a-tty 0 "$tf" run "$work/slow.json" \
  --plugin-path "$build/tests/plugins"
lacks progress-auto-not-a-tty "$work/err" "elapsed"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
