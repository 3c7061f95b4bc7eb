# tests/e2e/lib.sh - what the end-to-end scripts share, sourced by them:
#   check NAME STATUS MESSAGE   counts one result: "ok: NAME" when STATUS
#                               is 0, else "FAIL: NAME: MESSAGE";
#   passed, failed              the counts, for the script's last line.
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
