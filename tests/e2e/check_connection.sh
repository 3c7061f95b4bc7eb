#!/usr/bin/env bash
# `touchflow check-connection PIPELINE` against the emulators of the live
# sources (tests/drift, tests/ctm, tests/salesforce) and of the marketo
# sink (tests/marketo), a nats-server it starts (skipped without one) and
# a drift_webhook listen address:
#  - every credential right: exit 0, one "ok" line per live stage, "not
#    checked (no network)" for the file stages, and nothing written (no
#    output, no dead letters, no spool);
#  - a wrong secret: exit 1, the stage named, the secret not shown;
#  - an emulator, the server or the address down or taken: exit 1, its
#    URL or address named; a closed port answers within seconds, with
#    the default retry options too;
#  - a pipeline of file stages only: exit 0, every stage "not checked";
#  - a broken pipeline or no pipeline: exit 2.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, tfrun
build=${TF_BUILDDIR:-.}
src=$(cd "${TF_SRCDIR:-$(dirname "$0")/../..}" && pwd)
build=$(cd "$build" && pwd)
tf=$build/touchflow
work=$(mktemp -d)
mkdir "$work/run"
emus=""
trap 'for p in $emus; do kill $p 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work/run" || exit 1
[ -n "${KEEP:-}" ] && echo "work: $work"

start() { # NAME ARGS...: an emulator, its base URL in NAME.port
  local name=$1
  shift
  python3 "$src/tests/$name/emulator.py" --port 0 --port-file "$name.port" "$@" >"$name.log" 2>&1 &
  emus="$emus $!"
  eval "${name}_pid=$!"
  for _ in $(seq 50); do [ -s "$name.port" ] && break; sleep 0.1; done
  [ -s "$name.port" ] || { echo "check_connection: the $name emulator did not start"; exit 1; }
}
echo '{"id": 1, "updatedAt": 1700000000000, "createdAt": 1700000000000, "contactId": 1, "messages": []}' >drift.ndjson
start drift --data drift.ndjson --token tok-s3cret-drift
cp "$src/pipelines/data/attribution/ctm_calls.ndjson" calls.ndjson
start ctm --data calls.ndjson --account 12345 --access-key ak-e2e --secret-key sk-s3cret-ctm
cp "$src/pipelines/data/attribution/tasks.csv" tasks.csv
start salesforce --data Task=tasks.csv --client-id cid --client-secret s3cret-sf
start marketo --client-id mk-id --client-secret mk-s3cret
export MARKETO_ENDPOINT=http://127.0.0.1:$(cat marketo.port) MARKETO_SECRET=mk-s3cret
export DRIFT_ENDPOINT=http://127.0.0.1:$(cat drift.port) DRIFT_TOKEN=tok-s3cret-drift
export CTM_ENDPOINT=http://127.0.0.1:$(cat ctm.port)/api/v1 CTM_ACCESS_KEY=ak-e2e CTM_SECRET_KEY=sk-s3cret-ctm
export SF_ENDPOINT=http://127.0.0.1:$(cat salesforce.port) SF_CLIENT_ID=cid SF_CLIENT_SECRET=s3cret-sf

cat >live.json <<'EOF'
{"version": 1, "name": "check_connection",
 "sources": [
  {"id": "chats", "plugin": "drift_api",
   "config": {"endpoint": "${DRIFT_ENDPOINT}", "token": "${DRIFT_TOKEN}",
              "backoff": "10ms", "max_retries": 1}},
  {"id": "calls", "plugin": "ctm_api",
   "config": {"endpoint": "${CTM_ENDPOINT}", "account_id": 12345,
              "access_key": "${CTM_ACCESS_KEY}", "secret_key": "${CTM_SECRET_KEY}",
              "backoff": "10ms", "max_retries": 1}},
  {"id": "tasks", "plugin": "salesforce_api",
   "config": {"endpoint": "${SF_ENDPOINT}", "client_id": "${SF_CLIENT_ID}",
              "client_secret": "${SF_CLIENT_SECRET}", "object": "Task",
              "task_events": "call", "backoff": "10ms", "max_retries": 1}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["chats", "calls", "tasks"],
   "config": {"path": "out/events.ndjson"}}],
 "dead_letter": {"path": "out/rejected.ndjson"}}
EOF

# 1. Every credential right.
ls >../before.ls
tfrun check-connection live.json >out.1 2>err.1
status=$?
[ $status -eq 0 ] && [ "$(grep -c ' ok$' out.1)" -eq 3 ] &&
  grep -q '^out .*file .*not checked (no network)$' out.1
check "all credentials right: exit 0, three ok, the file sink not checked" $? \
  "exit $status: $(cat out.1 err.1)"
ls | grep -v -x -e out.1 -e err.1 | cmp -s ../before.ls - && [ ! -e out ]
check "nothing written (no output, no dead letters)" $? "$(ls -R)"
tokens=$(python3 -c "import urllib.request,json; print(json.load(urllib.request.urlopen('$SF_ENDPOINT/_emulator/stats'))['tokens'])")
[ "$tokens" -eq 2 ]
check "the Salesforce check fetched a token of its own (2 with init's)" $? "$tokens tokens"

# 2. A wrong secret: the stage named, the secret not shown.
refused() { # NAME VAR VALUE STAGE MESSAGE: VAR=VALUE refused at STAGE
  (export "$2=$3" && tfrun check-connection live.json >"out.$2" 2>"err.$2")
  local status=$?
  [ $status -eq 1 ] && grep -q "^$4 .*FAILED: .*$5" "out.$2" &&
    [ "$(grep -c ' ok$' "out.$2")" -eq 2 ] && ! grep -q -- "$3" "out.$2" "err.$2"
  check "$1: exit 1, the stage named, the secret not shown" $? \
    "exit $status: $(cat "out.$2" "err.$2")"
}
refused "a wrong Salesforce secret" SF_CLIENT_SECRET wrong-s3cret-x tasks \
  "refused the client credentials"
refused "a wrong Drift token" DRIFT_TOKEN bad-t0ken-y chats "refused the token"
refused "a wrong CTM secret key" CTM_SECRET_KEY bad-ctm-z calls \
  "refused the access key"

# 3. An emulator down: its URL named.
kill "$ctm_pid"
wait "$ctm_pid" 2>/dev/null
tfrun check-connection live.json >out.3 2>err.3
status=$?
[ $status -eq 1 ] && grep -q "^calls .*FAILED: .*$CTM_ENDPOINT" out.3 &&
  [ "$(grep -c ' ok$' out.3)" -eq 2 ]
check "the CTM emulator down: exit 1, its URL named" $? "exit $status: $(cat out.3 err.3)"

# 3b. Every live source on a closed port, with the default retry options
# (5 retries from 1 s: a run's policy would wait 31 s for each): tried
# once each, so exit 1 within seconds (10 s: slack for valgrind), each
# stage's line naming its URL and curl's reason.
cat >down.json <<'EOF'
{"version": 1, "name": "down",
 "sources": [
  {"id": "chats", "plugin": "drift_api",
   "config": {"endpoint": "${CTM_ENDPOINT}", "token": "${DRIFT_TOKEN}"}},
  {"id": "calls", "plugin": "ctm_api",
   "config": {"endpoint": "${CTM_ENDPOINT}", "account_id": 12345,
              "access_key": "${CTM_ACCESS_KEY}", "secret_key": "${CTM_SECRET_KEY}"}},
  {"id": "tasks", "plugin": "salesforce_api",
   "config": {"endpoint": "${CTM_ENDPOINT}", "client_id": "${SF_CLIENT_ID}",
              "client_secret": "${SF_CLIENT_SECRET}", "object": "Task",
              "task_events": "call"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["chats", "calls", "tasks"],
   "config": {"path": "out/events.ndjson"}}]}
EOF
t0=$(date +%s%N)
tfrun check-connection down.json >out.3b 2>err.3b
status=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $status -eq 1 ] && [ $ms -lt 10000 ] &&
  [ "$(grep -c "FAILED: .*$CTM_ENDPOINT.*Couldn't connect" out.3b)" -eq 3 ] &&
  ! grep -q "retrying in" err.3b
check "a closed port, default retries: exit 1 in $ms ms, three URLs named" $? \
  "exit $status after $ms ms: $(cat out.3b err.3b)"

# 4. The marketo sink: its token and the partitions.
cat >marketo.json <<'EOF'
{"version": 1, "name": "to_marketo",
 "sources": [{"id": "chats", "plugin": "drift", "config": {"path": "drift.ndjson"}}],
 "sinks": [{"id": "mkto", "plugin": "marketo", "inputs": ["chats"],
   "config": {"endpoint": "${MARKETO_ENDPOINT}", "client_id": "mk-id",
              "client_secret": "${MARKETO_SECRET}", "sync_type": "profile",
              "person_action": "update_only", "dedupe_field": "email",
              "partition": "Default", "mapping": {"email": "email"},
              "max_retries": 1, "retry_base": "10ms"}}],
 "dead_letter": {"path": "out/rejected.ndjson"}}
EOF
tfrun check-connection marketo.json >out.4 2>err.4
status=$?
[ $status -eq 0 ] && grep -q '^mkto .*sink .*marketo .*ok$' out.4 &&
  grep -q '^chats .*not checked (no network)$' out.4 && [ ! -e out ]
check "marketo: exit 0, the sink ok, nothing written" $? "exit $status: $(cat out.4 err.4)"
(export MARKETO_SECRET=mk-wr0ng && tfrun check-connection marketo.json >out.4b 2>err.4b)
status=$?
[ $status -eq 1 ] && grep -q '^mkto .*FAILED: .*refused the client credentials' out.4b &&
  ! grep -q mk-wr0ng out.4b err.4b
check "marketo, a wrong secret: exit 1, the sink named, the secret not shown" $? \
  "exit $status: $(cat out.4b err.4b)"
kill "$marketo_pid"
wait "$marketo_pid" 2>/dev/null
tfrun check-connection marketo.json >out.4c 2>err.4c
status=$?
[ $status -eq 1 ] && grep -q "^mkto .*FAILED: .*$MARKETO_ENDPOINT/identity" out.4c
check "marketo down: exit 1, its URL named" $? "exit $status: $(cat out.4c err.4c)"

# 5. File stages only: nothing to check.
cat >files.json <<'EOF'
{"version": 1, "name": "files",
 "sources": [{"id": "chats", "plugin": "drift", "config": {"path": "drift.ndjson"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["chats"],
   "config": {"path": "out/x.ndjson"}}]}
EOF
tfrun check-connection files.json >out.5 2>err.5
status=$?
[ $status -eq 0 ] && [ "$(grep -c 'not checked (no network)$' out.5)" -eq 2 ] && [ ! -e out ]
check "file stages only: exit 0, both not checked" $? "exit $status: $(cat out.5 err.5)"

# 6. The nats source: it connects and looks its stream up (never creates
# it).  Skipped without nats-server.
if command -v nats-server >/dev/null; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export TF_NATS_URL="nats://127.0.0.1:$port"
  nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/store" >nats.log 2>&1 &
  nats_pid=$!
  emus="$emus $nats_pid"
  for _ in $(seq 100); do grep -q "Server is ready" nats.log && break; sleep 0.1; done
  cat >nats.json <<'EOF'
{"version": 1, "name": "worker",
 "sources": [{"id": "events", "plugin": "nats",
   "config": {"url": "${TF_NATS_URL}", "stream": "CC", "subject_prefix": "cc.events",
              "connect_timeout": "500ms"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["events"],
   "config": {"path": "out/records.ndjson"}}]}
EOF
  cat >ingest.json <<'EOF'
{"version": 1, "name": "ingest",
 "sources": [{"id": "chats", "plugin": "drift", "config": {"path": "drift.ndjson"}}],
 "sinks": [{"id": "log", "plugin": "nats", "inputs": ["chats"],
   "config": {"url": "${TF_NATS_URL}", "stream": "CC", "subject_prefix": "cc.events"}}],
 "dead_letter": {"path": "ingest/rejected.ndjson"}}
EOF
  tfrun check-connection nats.json >out.6 2>err.6
  status=$?
  [ $status -eq 1 ] && grep -q "^events .*FAILED: the stream CC does not exist at $TF_NATS_URL" out.6
  check "nats: no stream yet: exit 1, the stream and the server named" $? \
    "exit $status: $(cat out.6 err.6)"
  tfrun run ingest.json --quiet --progress never 2>err.6b
  check "nats: the ingest creates the stream" $? "$(cat err.6b)"
  tfrun check-connection nats.json >out.6c 2>err.6c
  status=$?
  [ $status -eq 0 ] && grep -q '^events .*source .*nats .*ok$' out.6c && [ ! -e out ]
  check "nats: the stream there: exit 0" $? "exit $status: $(cat out.6c err.6c)"
  kill "$nats_pid"
  wait "$nats_pid" 2>/dev/null
  tfrun check-connection nats.json >out.6d 2>err.6d
  status=$?
  [ $status -eq 1 ] && grep -q "^events .*FAILED: .*$TF_NATS_URL" out.6d
  check "nats: the server down: exit 1, its URL named" $? "exit $status: $(cat out.6d err.6d)"
else
  echo "skip: nats (nats-server is not installed)"
fi

# 7. The drift_webhook receiver: it binds its listen address and releases
# it, leaving no spool behind; a taken address fails, named.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HOOK_LISTEN=127.0.0.1:$port HOOK_TOKEN=hook-s3cret
cat >webhook.json <<'EOF'
{"version": 1, "name": "webhook",
 "sources": [{"id": "hooks", "plugin": "drift_webhook",
   "config": {"listen": "${HOOK_LISTEN}", "token": "${HOOK_TOKEN}",
              "spool": "webhook.spool"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["hooks"],
   "config": {"path": "out/chats.ndjson"}}]}
EOF
tfrun check-connection webhook.json >out.7 2>err.7
status=$?
[ $status -eq 0 ] && grep -q '^hooks .*drift_webhook .*ok$' out.7 &&
  [ ! -e webhook.spool ] && [ ! -e out ]
check "drift_webhook: the address binds: exit 0, no spool left" $? \
  "exit $status: $(cat out.7 err.7; ls)"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open("taken", "w").close(); time.sleep(30)' "$port" &
holder=$!
emus="$emus $holder"
for _ in $(seq 50); do [ -e taken ] && break; sleep 0.1; done
tfrun check-connection webhook.json >out.7b 2>err.7b
status=$?
[ $status -eq 1 ] && grep -q "^hooks .*FAILED: .*$HOOK_LISTEN" out.7b &&
  ! grep -q hook-s3cret out.7b err.7b
check "drift_webhook: the address taken: exit 1, the address named" $? \
  "exit $status: $(cat out.7b err.7b)"
kill "$holder"

# 8. A broken pipeline or a usage error: exit 2.
echo '{"version": 1, "sources": []' >broken.json
tfrun check-connection broken.json >out.8 2>err.8
status=$?
[ $status -eq 2 ]
check "a broken pipeline: exit 2" $? "exit $status: $(cat out.8 err.8)"
tfrun check-connection >out.8b 2>err.8b
status=$?
[ $status -eq 2 ]
check "no pipeline given: exit 2" $? "exit $status: $(cat err.8b)"

echo "check_connection: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
