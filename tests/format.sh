#!/usr/bin/env bash
# Formatting drift fails the build: every C file of the tree must be as the
# checked-in .clang-format writes it.
set -u
src=${TF_SRCDIR:-.}
if ! command -v clang-format >/dev/null; then
  echo "format: clang-format is not installed (Debian package clang-format)"
  exit 1
fi
cd "$src" || exit 1
files=$(find sdk core plugins tests -name '*.[ch]' | sort)
bad=0
for f in $files; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "format: $f differs from .clang-format (run clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
n=$(echo "$files" | wc -w)
echo "format: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
