# tests/e2e/lib.sh - what the end-to-end scripts share, sourced by them:
#   check NAME STATUS MESSAGE   counts one result: "ok: NAME" when STATUS
#                               is 0, else "FAIL: NAME: MESSAGE";
#   passed, failed              the counts, for the script's last line;
#   tfrun ARGS...               runs $tf (the caller sets tf and build),
#                               under valgrind when TF_VALGRIND is set;
#   emulator_ctl URL [JSON]     a control call to an emulator (POST with
#                               JSON, else GET); prints the answer.
passed=0
failed=0

check() { # NAME STATUS MESSAGE
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok: $1"
  else
    failed=$((failed + 1))
    echo "FAIL: $1: $3"
  fi
}

# TF_VALGRIND=1 (.ci/valgrind): every run under valgrind; a leak or a
# memory error is exit 99, which fails the check of that run.
tfrun() {
  if [ -n "${TF_VALGRIND:-}" ]; then
    "$build/libtool" --mode=execute valgrind --quiet \
      --leak-check=full --show-leak-kinds=definite,indirect \
      --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$tf" "$@"
  else
    "$tf" "$@"
  fi
}

emulator_ctl() { # URL [JSON]
  python3 - "$1" "${2:-}" <<'PY'
import sys, urllib.request
data = sys.argv[2].encode() if sys.argv[2] else None
print(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data), timeout=10).read().decode())
PY
}
