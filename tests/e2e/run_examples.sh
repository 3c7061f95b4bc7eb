#!/usr/bin/env bash
# End to end: runs every example pipeline that has expected output under
# tests/e2e/expected/NAME/ with the built touchflow binary, in a copy of
# pipelines/ (the source tree stays untouched), and compares every output
# file byte for byte.  Also checks the exit status and the summary.
set -u
src=${TF_SRCDIR:-.}
build=${TF_BUILDDIR:-.}
tf="$build/touchflow"
failed=0
passed=0

check() { # NAME CONDITION-EXIT-STATUS MESSAGE
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $1: $3"
    failed=$((failed + 1))
  fi
}

shopt -s nullglob
cases=("$src"/tests/e2e/expected/*/)
[ ${#cases[@]} -gt 0 ] || { echo "e2e: no expected outputs under tests/e2e/expected"; exit 1; }
for expected in "${cases[@]}"; do
  name=$(basename "$expected")
  work=$(mktemp -d)
  cp -r "$src/pipelines/." "$work/"
  chmod -R u+w "$work"
  rm -rf "$work/out"
  "$tf" run "$work/$name.json" --progress never >"$work/stdout" 2>"$work/stderr"
  status=$?
  check "$name" $((status != 0)) "exit status $status: $(cat "$work/stderr")"
  grep -q "pipeline \"$name\" finished" "$work/stderr"
  check "$name" $? "no summary on stderr"
  for want in "$expected"*; do
    file=$(basename "$want")
    got="$work/out/$file"
    if [ ! -f "$got" ]; then
      check "$name" 1 "out/$file was not written"
      continue
    fi
    cmp -s "$want" "$got"
    check "$name" $? "out/$file differs: $(diff "$want" "$got" | head -5)"
  done
  leftovers=$(find "$work/out" -name '.*tmp*' | wc -l)
  check "$name" "$leftovers" "temporary files left in out/"
  rm -rf "$work"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
