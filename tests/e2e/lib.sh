# tests/e2e/lib.sh - what the end-to-end scripts share, sourced by them:
#   check NAME STATUS MESSAGE   counts one result: "ok: NAME" when STATUS
#                               is 0, else "FAIL: NAME: MESSAGE";
#   passed, failed              the counts, for the script's last line;
#   tfrun ARGS...               "$tf" ARGS (the script sets tf and build),
#                               under valgrind when TF_VALGRIND is set
#                               (.ci/valgrind): a leak or a memory error is
#                               exit 99, which fails the check of that run;
#   tfexec ARGS...              tfrun replacing the shell: after
#                               `(tfexec ARGS) &`, $! is touchflow's pid
#                               (to signal it);
#   emu_ctl PATH [JSON]         a call to the control API of the emulator at
#                               $base (a POST of JSON, else a GET); prints
#                               the answer;
#   emu_stat EXPR               EXPR (Python) over the emulator's
#                               /_emulator/stats answer, printed.
#   e2e_begin                   the emulator tests' common start (below);
#   e2e_pipelines               the sample pipelines' tests' start (below).
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

tfrun() {
  (tfexec "$@")
}

tfexec() {
  if [ -n "${TF_VALGRIND:-}" ]; then
    exec "$build/libtool" --mode=execute valgrind --quiet \
      --leak-check=full --show-leak-kinds=definite,indirect \
      --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$tf" "$@"
  else
    exec "$tf" "$@"
  fi
}

emu_ctl() {
  python3 - "$base$1" "${2:-}" <<'PY'
import sys, urllib.request
data = sys.argv[2].encode() if sys.argv[2] else None
print(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data), timeout=10).read().decode())
PY
}

emu_stat() {
  emu_ctl /_emulator/stats |
    python3 -c "import json,sys; print(eval(sys.argv[1], json.load(sys.stdin)))" "$1"
}

# e2e_pipelines: sets src, build, tf and work (a new temporary folder,
# removed at exit) holding a writable copy of pipelines/, and data (its
# attribution sample data).
e2e_pipelines() {
  src=${TF_SRCDIR:-.}
  build=${TF_BUILDDIR:-.}
  tf="$build/touchflow"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$src/pipelines/." "$work/"
  chmod -R u+w "$work"
  data="$work/data/attribution"
}

# e2e_begin: the common start of the emulator tests: sets build and src
# (absolute), tf, work (a new temporary folder, removed at exit unless KEEP
# is set) and emulator (a pid the caller sets, killed at exit), and moves
# into work.
e2e_begin() {
  src=$(cd "${TF_SRCDIR:-$(dirname "$0")/../..}" && pwd)
  build=$(cd "${TF_BUILDDIR:-.}" && pwd)
  tf=$build/touchflow
  work=$(mktemp -d)
  emulator=
  trap '[ -n "$emulator" ] && kill $emulator 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
  cd "$work" || exit 1
  [ -n "${KEEP:-}" ] && echo "work: $work"
}
