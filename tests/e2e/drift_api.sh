#!/usr/bin/env bash
# The drift_api source against tests/drift/emulator.py
# (plugins/source/drift_api/README.md):
#  - it pages through the conversation list (several pages) and each
#    conversation's messages, and its chat events are byte for byte those
#    the file-based drift source makes from the same conversations as an
#    export file;
#  - 429 waits Retry-After; a 500 and a dropped connection are retried;
#    401 stops the run with exit 2 and a message naming the token; the
#    token never appears on stderr;
#  - a run failed mid-way resumes from its checkpoint to the same chats;
#  - SIGTERM during a long Retry-After stops the run at once (exit 143),
#    and the resumed run delivers every chat exactly once;
#  - an incremental run (--state-dir) after conversations were added and
#    one updated fetches only those (the emulator counts the requests),
#    including a new conversation at exactly the high-water millisecond,
#    and emits no chat twice.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed, tfrun, emu_ctl, emu_stat, e2e_begin
e2e_begin

# gen.py FILE FIRST COUNT [UPDATED]: COUNT conversations numbered from
# FIRST appended to FILE, ordered by (updatedAt, id) as the source takes
# them; each has 1 + n % 5 messages (so several message pages) and a
# contact; every third visitor gives no email.  UPDATED: their updatedAt.
cat >gen.py <<'EOF'
import json, sys
path, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fixed = int(sys.argv[4]) if len(sys.argv) > 4 else None
with open(path, "a") as f:
    for n in range(first, first + count):
        cid, contact, t0 = 500000 + n, 900000 + n, 1700000000000 + n * 60000
        msgs = []
        for k in range(1 + n % 5):
            who = "contact" if k % 2 else "user"
            body = "hello %d.%d" % (n, k)
            if who == "contact" and n % 3 != 0:
                body = "write to <b>User%d@Example.com</b>" % n
            msgs.append({"id": cid * 10 + k, "conversationId": cid, "type": "chat",
                         "body": body, "author": {"type": who, "id": contact if who == "contact" else 7,
                                                  "bot": who != "contact"},
                         "createdAt": t0 + k * 1000})
        conv = {"id": cid, "status": "closed", "contactId": contact, "inboxId": 1,
                "createdAt": t0, "updatedAt": fixed if fixed else t0 + 50000,
                "messages": msgs,
                "contact": {"id": contact, "createdAt": t0,
                            "attributes": {"email": "user%d@example.com" % n,
                                           "biz_uid": "%032x" % (0xabc000 + n)}}}
        f.write(json.dumps(conv) + "\n")
EOF
python3 gen.py data.ndjson 0 23

python3 "$src/tests/drift/emulator.py" --port 0 --port-file port \
  --data data.ndjson --token tok-s3cret --msg-page 2 &
emulator=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || { echo "drift_api: the emulator did not start"; exit 1; }
base="http://127.0.0.1:$(cat port)"
export DRIFT_ENDPOINT=$base DRIFT_TOKEN=tok-s3cret


cat >api.json <<'EOF'
{"version": 1, "name": "drift_api",
 "sources": [{"id": "chats", "plugin": "drift_api",
   "config": {"endpoint": "${DRIFT_ENDPOINT}", "token": "${DRIFT_TOKEN}",
              "limit": 5, "backoff": "100ms", "max_retries": 3}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["chats"],
   "config": {"path": "out/api-${RUN}.ndjson"}}]}
EOF
cat >file.json <<'EOF'
{"version": 1, "name": "drift_file",
 "sources": [{"id": "chats", "plugin": "drift", "config": {"path": "data.ndjson"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["chats"],
   "config": {"path": "out/file.ndjson"}}]}
EOF

# 1. The same chats as the drift source on the export.
RUN=1 tfrun run file.json --quiet 2>log.file
check "drift source on the export" $? "$(cat log.file)"
RUN=1 tfrun run api.json --quiet 2>log.1
check "drift_api run" $? "$(cat log.1)"
n=$(wc -l <out/file.ndjson)
# 12 chats: n % 3 != 0 (an email) and n % 5 != 0 (a visitor message).
[ "$n" -eq 12 ] && cmp -s out/file.ndjson out/api-1.ndjson
check "drift_api chats = drift source chats, byte for byte ($n chats)" $? \
  "$(diff out/file.ndjson out/api-1.ndjson | head -5)"
[ "$(emu_stat "list")" -eq 5 ]
check "23 conversations listed in 5 pages of 5" $? "list requests: $(emu_stat list)"
# ceil((1 + n % 5) / 2) pages each: 9 per 5 conversations, 36 + 1 + 1 + 2.
[ "$(emu_stat "sum(messages.values())")" -eq 40 ] && [ "$(emu_stat "len(messages)")" -eq 23 ]
check "messages fetched page by page (2 a page)" $? \
  "message requests: $(emu_stat "sum(messages.values())")"
! grep -q tok-s3cret log.1
check "the token is not on stderr" $? "$(cat log.1)"

# Messages' pagination inside "data" (its place is unconfirmed): the same.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/config '{"msg_pagination_in_data": true}' >/dev/null
RUN=1b tfrun run api.json --quiet 2>log.1b
status=$?
emu_ctl /_emulator/config '{"msg_pagination_in_data": false}' >/dev/null
[ $status -eq 0 ] && cmp -s out/file.ndjson out/api-1b.ndjson &&
  [ "$(emu_stat "sum(messages.values())")" -eq 40 ]
check "messages' pagination inside data: the same chats, every page read" $? \
  "exit $status: $(diff out/file.ndjson out/api-1b.ndjson | head -3)"

# A conversation listed twice (updated while the list was paged): fetched
# once, the same chats.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/config '{"list_duplicate": true}' >/dev/null
RUN=1c tfrun run api.json --quiet 2>log.1c
status=$?
emu_ctl /_emulator/config '{"list_duplicate": false}' >/dev/null
[ $status -eq 0 ] && cmp -s out/file.ndjson out/api-1c.ndjson &&
  [ "$(emu_stat "max(messages.values())")" -le 3 ] && [ "$(emu_stat "sum(messages.values())")" -eq 40 ]
check "a conversation listed twice is fetched once" $? \
  "exit $status: message requests $(emu_stat "messages")"

# 2. Faults: 429 with Retry-After 2, then a 500, then a dropped connection.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "429", "count": 1, "retry_after": 2}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "500", "count": 1}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "drop", "count": 1}' >/dev/null
RUN=2 tfrun run api.json --quiet 2>log.2
status=$?
elapsed=$(emu_stat after_429_ms)
check "a run through 429, 500 and a dropped connection succeeds" $status "$(cat log.2)"
cmp -s out/file.ndjson out/api-2.ndjson
check "the same chats after the retries" $? "$(diff out/file.ndjson out/api-2.ndjson | head -5)"
[ "$elapsed" -ge 2000 ] && [ "$elapsed" -lt 3000 ]
check "429 waits Retry-After (2 s): the next request came $elapsed ms later" $? \
  "after $elapsed ms"
[ "$(emu_stat faults_served)" -eq 3 ] && grep -q "HTTP 429" log.2 && grep -q "HTTP 500" log.2
check "the three faults were met and logged" $? "$(cat log.2)"

# 3. 401: exit 2, a clear message, no token.
emu_ctl /_emulator/fault '{"kind": "401", "count": 1}' >/dev/null
RUN=3 tfrun run api.json --quiet 2>log.3
status=$?
[ $status -eq 2 ] && grep -q "refused the token" log.3 && ! grep -q tok-s3cret log.3
check "401: exit 2 naming the token" $? "exit $status: $(cat log.3)"
DRIFT_TOKEN=wrong RUN=3 tfrun run api.json --quiet 2>log.3b
status=$?
[ $status -eq 2 ] && grep -q "refused the token" log.3b && ! grep -q wrong log.3b
check "a wrong token: exit 2, the token not shown" $? "exit $status: $(cat log.3b)"

# 4. A literal token is refused before anything runs.
sed 's/"${DRIFT_TOKEN}"/"literal-token"/' api.json >literal.json
RUN=4 tfrun run literal.json --quiet 2>log.4
status=$?
[ $status -eq 2 ] && ! grep -q literal-token log.4
check "a literal token is refused (exit 2), not echoed" $? "exit $status: $(cat log.4)"

# `since`: the first run takes only conversations updated at or after it
# (20, 21 and 22; only 22 makes a chat) and lists one page.
since=$(python3 -c 'import datetime; print(datetime.datetime.fromtimestamp((1700000000000 + 20 * 60000 + 50000) / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))')
sed "s/\"max_retries\": 3/\"max_retries\": 3, \"since\": \"$since\"/" api.json >since.json
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=4 tfrun run since.json --quiet 2>log.4b
status=$?
fetched=$(emu_stat "sorted(messages)")
[ $status -eq 0 ] && [ "$fetched" = "['500020', '500021', '500022']" ] &&
  [ "$(emu_stat list)" -eq 1 ] && grep -q '"conversation_id":500022}' out/api-4.ndjson &&
  [ "$(wc -l <out/api-4.ndjson)" -eq 1 ]
check "since $since: conversations 20 to 22 only" $? "exit $status, fetched $fetched: $(cat log.4b)"

# 5. A run that fails mid-way (a 500 past max_retries, after 40 requests)
# resumes from its last checkpoint: the same chats, and the conversations
# before that checkpoint are not fetched again.
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "500", "count": 4, "after": 40}' >/dev/null
RUN=5 tfrun run api.json --state-dir st5 --checkpoint-every 2 --batch-size 1 \
  --quiet 2>log.5
status=$?
[ $status -eq 1 ] && grep -q "failed after 4 attempts: HTTP 500" log.5
check "500 past max_retries fails the run (exit 1)" $? "exit $status: $(cat log.5)"
resumes() { # RUN: run RUN resumed from st$RUN makes every chat once,
  # fetching only what the checkpoint did not hold
  emu_ctl /_emulator/reset '{}' >/dev/null
  RUN=$1 tfrun run api.json --state-dir "st$1" --checkpoint-every 2 \
    --batch-size 1 --quiet 2>"log.$1b"
  check "run $1 resumes" $? "$(cat "log.$1b")"
  cmp -s out/file.ndjson "out/api-$1.ndjson"
  check "the resumed run's output = the drift source's (every chat once)" $? \
    "$(diff out/file.ndjson "out/api-$1.ndjson" | head -3)"
  n=$(emu_stat "len(messages)")
  [ "$n" -gt 0 ] && [ "$n" -lt 23 ]
  check "the resumed run fetches only what the checkpoint did not hold ($n)" $? \
    "fetched $n conversations"
}
resumes 5

# 5b. SIGTERM while the source waits out a long Retry-After (300 s, met
# after 40 requests): the run stops within seconds (exit 143, a
# checkpoint), and the resumed run delivers every chat exactly once,
# fetching only what the checkpoint did not hold.  (5 s: slack for
# valgrind; before, the run waited the 300 s out.)
emu_ctl /_emulator/reset '{}' >/dev/null
emu_ctl /_emulator/fault '{"kind": "429", "count": 1, "retry_after": 300, "after": 40}' >/dev/null
(RUN=9 TOUCHFLOW_DEBUG=1 tfexec run api.json --state-dir st9 \
  --checkpoint-every 2 --batch-size 1 2>log.9) &
runner=$!
for _ in $(seq 600); do [ "$(emu_stat faults_served)" -ge 1 ] && break; sleep 0.1; done
sleep 0.5 # into the wait
t0=$(date +%s%N)
kill -TERM $runner
wait $runner
status=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $status -eq 143 ] && [ $ms -lt 5000 ] && grep -q "HTTP 429" log.9 &&
  grep -q "a stop signal arrived" log.9
check "SIGTERM in a 300 s Retry-After: exit 143 after $ms ms" $? \
  "exit $status after $ms ms: $(cat log.9)"
resumes 9

# 6. Incremental.  Run 1 on a state directory takes all 23.
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=6 tfrun run api.json --state-dir st --quiet 2>log.6
check "first run on a state directory" $? "$(cat log.6)"
cmp -s out/file.ndjson out/api-6.ndjson
check "it makes all the chats" $? "$(diff out/file.ndjson out/api-6.ndjson | head -3)"
hwm=$((1700000000000 + 22 * 60000 + 50000))
# Two new conversations (one at exactly the high-water millisecond), and
# conversation 4 updated (its chat went out: it must not come again).
python3 gen.py data.ndjson 30 1 "$hwm"
python3 gen.py data.ndjson 31 1
python3 - <<'EOF'
import json
lines = [json.loads(l) for l in open("data.ndjson")]
for c in lines:
    if c["id"] == 500004:
        c["updatedAt"] = 1800000000000
open("data.ndjson", "w").write("".join(json.dumps(c) + "\n" for c in lines))
EOF
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=7 tfrun run api.json --state-dir st --quiet 2>log.7
check "incremental run" $? "$(cat log.7)"
fetched=$(emu_stat "sorted(messages)")
[ "$fetched" = "['500004', '500030', '500031']" ]
check "only the new, the updated and the one at the HWM ms are fetched" $? "fetched: $fetched"
[ "$(emu_stat list)" -eq 1 ]
check "listing stops at the page reaching below the HWM" $? "list requests: $(emu_stat list)"
ids=$(python3 -c 'import json,sys; print(sorted(json.loads(l)["conversation_id"] for l in open(sys.argv[1])))' out/api-7.ndjson)
[ "$ids" = "[500031]" ]
check "new chats only (500030 gives none: n%3==0; 500004 not again)" $? "chats: $ids"
emu_ctl /_emulator/reset '{}' >/dev/null
RUN=8 tfrun run api.json --state-dir st --quiet 2>log.8
check "a third run" $? "$(cat log.8)"
[ "$(emu_stat "len(messages)")" -eq 0 ] && [ ! -s out/api-8.ndjson ]
check "finds nothing new: fetches no conversation, writes nothing" $? \
  "fetched: $(emu_stat "sorted(messages)")"

echo "drift_api: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
