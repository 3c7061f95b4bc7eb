#!/usr/bin/env bash
# Every bundled plugin that has a conformance.json must pass
# touchflow-conformance.  A plugin folder with a conformance.json whose
# module is not built (not wired into the build yet) is reported and fails.
set -u
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
export TOUCHFLOW_CONFORMANCE_DATA="$src/sdk/conformance/fixtures"
failed=0
count=0

# Plugins that talk to Marketo (their conformance.json names
# ${TF_MARKETO_ENDPOINT}) run against the emulator on 127.0.0.1.
work=$(mktemp -d)
emulator=
drift_emulator=
trap '[ -n "$emulator" ] && kill "$emulator" 2>/dev/null; [ -n "$drift_emulator" ] && kill "$drift_emulator" 2>/dev/null; rm -rf "$work"' EXIT
if command -v python3 >/dev/null; then
  python3 "$src/tests/marketo/emulator.py" --port 0 --port-file "$work/port" \
    --client-id conformance --client-secret conformance-secret >"$work/log" 2>&1 &
  emulator=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  export TF_MARKETO_ENDPOINT="http://127.0.0.1:$(cat "$work/port" 2>/dev/null)"
  export TF_MARKETO_SECRET=conformance-secret
  # init/fini cycles each fetch a token and the partitions: no rate limit.
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_emulator/config", b"{\"rate_limit\": 1000000}", {"Content-Type": "application/json"}), timeout=10).read()' \
    "$TF_MARKETO_ENDPOINT" || echo "conformance: the Marketo emulator did not start"
fi
# The drift_api source reads the Drift emulator, serving its fixture.
if command -v python3 >/dev/null; then
  python3 "$src/tests/drift/emulator.py" --port 0 --port-file "$work/drift-port" \
    --data "$src/plugins/source/drift_api/tests/data/conversations.ndjson" \
    --token conformance-token >"$work/drift.log" 2>&1 &
  drift_emulator=$!
  for _ in $(seq 100); do [ -s "$work/drift-port" ] && break; sleep 0.1; done
  export TF_DRIFT_ENDPOINT="http://127.0.0.1:$(cat "$work/drift-port" 2>/dev/null)"
  export TF_DRIFT_TOKEN=conformance-token
fi
# The drift_webhook source drains a spool fixture (end_when_idle) with a
# server on 127.0.0.1 port 0; its token comes from the environment.
export TF_DRIFT_WEBHOOK_TOKEN=conformance-token
# The nats sink and source run against a nats-server of their own on
# 127.0.0.1 (a free port, a memory-only JetStream); the source reads a
# stream filled from its fixtures first.  Without nats-server (Debian
# package nats-server) they are reported and skipped.
nats_server=
if command -v nats-server >/dev/null && command -v python3 >/dev/null; then
  nats_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
  nats_server=$!
  trap '[ -n "$emulator" ] && kill "$emulator" 2>/dev/null; [ -n "$drift_emulator" ] && kill "$drift_emulator" 2>/dev/null; [ -n "$nats_server" ] && kill "$nats_server" 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 100); do grep -q "Server is ready" "$work/nats.log" && break; sleep 0.1; done
  export TF_NATS_URL="nats://127.0.0.1:$nats_port"
  # (from a copy: the run writes its dead-letter file beside the pipeline)
  cp -r "$src/plugins/source/nats/conformance" "$work/nats-fixture" &&
    chmod -R u+w "$work/nats-fixture" &&
    (cd "$work/nats-fixture" &&
      "$build/touchflow" run publish.json --quiet --progress never) ||
    echo "conformance: the nats source's stream could not be filled"
fi
for conf in $(cd "$src" && find plugins -name conformance.json | sort); do
  dir=${conf%/conformance.json}
  kind=$(basename "$(dirname "$dir")")
  name=$(basename "$dir")
  module="$build/$dir/${kind}_${name}.la"
  if [ "$name" = nats ] && [ -z "$nats_server" ]; then
    echo "conformance: SKIP $kind $name: nats-server is not installed"
    continue
  fi
  count=$((count + 1))
  if [ ! -f "$module" ]; then
    echo "conformance: FAIL $kind $name: $module is not built"
    failed=$((failed + 1))
    continue
  fi
  if ! "$build/touchflow-conformance" "$module" --config "$src/$conf"; then
    echo "conformance: FAIL $kind $name"
    failed=$((failed + 1))
  fi
done
echo "conformance: $((count - failed)) plugins passed, $failed failed"
[ "$count" -gt 0 ] || { echo "conformance: no conformance.json found"; exit 1; }
[ "$failed" -eq 0 ]
