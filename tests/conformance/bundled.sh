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
for conf in $(cd "$src" && find plugins -name conformance.json | sort); do
  dir=${conf%/conformance.json}
  kind=$(basename "$(dirname "$dir")")
  name=$(basename "$dir")
  module="$build/$dir/${kind}_${name}.la"
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
