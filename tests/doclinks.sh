#!/usr/bin/env bash
# Docs that stand alone: every reference to a document must lead to a file
# of the repository, since a user has nothing else.  Checked, in every
# *.md, *.c, *.h, *.sh, *.in, *.am and *.inc file (build folders and .git
# left out):
#   - every Markdown link [text](target) and reference definition
#     [label]: target of a .md file (outside code blocks and code spans),
#     relative to the file's folder; web links (scheme:...) are not checked;
#   - every mention of a page of docs/ (docs/*.md), taken from the top of
#     the repository;
#   - every mention of the outside documents the project used to rely on
#     (the upper-case contract, domain and formats notes) and of the
#     shared folder beside the repository: they exist nowhere in a clone;
#   - for target#anchor, a heading of the target whose GitHub anchor is
#     that (or an explicit <a id/name>).
# Prints each broken reference as FILE:LINE: target and exits 1 if any.
set -u
src=${TF_SRCDIR:-.}
cd "$src" || exit 1
root=$(pwd -P)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/doclinks.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

find . \( -path ./.git -o -path './build' -o -path './build[-_.a-z0-9]*' \
  -o -path ./autom4te.cache -o -path ./_inst \) -prune -o -type f \
  \( -name '*.md' -o -name '*.c' -o -name '*.h' -o -name '*.sh' \
  -o -name '*.in' -o -name '*.am' -o -name '*.inc' \) -print | sed 's|^\./||' | LC_ALL=C sort >"$tmp/files"

# One reference a line: FILE <TAB> LINE <TAB> KIND <TAB> TARGET, where KIND
# is "rel" (relative to FILE's folder), "top" (relative to the top) or
# "gone" (a document that is not in the repository).
while IFS= read -r f; do
  awk -v file="$f" '
    function emit(kind, t) { printf "%s\t%d\t%s\t%s\n", file, FNR, kind, t }
    function links(s,    t, p) {
      while (match(s, /\]\([^)]*\)/)) {
        t = substr(s, RSTART + 2, RLENGTH - 3)
        s = substr(s, RSTART + RLENGTH)
        sub(/^[ \t]+/, "", t)
        if (t ~ /^</) { t = substr(t, 2); sub(/>.*$/, "", t) }
        p = index(t, " "); if (p) t = substr(t, 1, p - 1)
        if (t == "" || t ~ /^[A-Za-z][A-Za-z0-9+.-]*:/) continue
        emit("rel", t)
      }
    }
    function mentions(line,    s, t) {
      s = line
      while (match(s, /(^|[^A-Za-z0-9_.\/-])docs\/[A-Za-z0-9_.\/-]*\.md(#[A-Za-z0-9_-]+)?/)) {
        t = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        if (t !~ /^docs\//) t = substr(t, 2)
        emit("top", t)
      }
      s = line
      while (match(s, /(^|[^A-Za-z0-9_])(CONTRACT|DOMAIN|FORMATS)\.md/)) {
        t = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        sub(/^[^A-Z]/, "", t)
        emit("gone", t)
      }
      s = line
      while (match(s, /(\.\.\/)+shared[A-Za-z0-9_.\/-]*/)) {
        t = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        emit("rel", t)
      }
    }
    {
      line = $0
      mentions(line)
      if (file !~ /\.md$/) next
      if (line ~ /^ ? ? ?(```|~~~)/) { fence = !fence; next }
      if (fence) next
      gsub(/`[^`]*`/, "", line)
      links(line)
      if (match(line, /^ ? ? ?\[[^]]+\]:[ \t]+[^ \t]+/)) {
        t = line; sub(/^ ? ? ?\[[^]]+\]:[ \t]+/, "", t); sub(/[ \t].*$/, "", t)
        if (t !~ /^[A-Za-z][A-Za-z0-9+.-]*:/) emit("rel", t)
      }
    }' "$f"
done <"$tmp/files" >"$tmp/refs"

# The anchors of one Markdown file, one a line, as GitHub makes them.
anchors() {
  awk '
    /^ ? ? ?(```|~~~)/ { fence = !fence; next }
    fence { next }
    {
      s = $0
      while (match(s, /<a [^>]*(id|name)="[^"]*"/)) {
        a = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
        sub(/^.*(id|name)="/, "", a); sub(/"$/, "", a); print a
      }
    }
    /^#+[ \t]/ {
      h = $0
      sub(/^#+[ \t]+/, "", h); sub(/[ \t]+#+[ \t]*$/, "", h); sub(/[ \t]+$/, "", h)
      while (match(h, /\[[^]]*\]\([^)]*\)/)) {
        l = substr(h, RSTART, RLENGTH); sub(/\]\(.*$/, "", l)
        h = substr(h, 1, RSTART - 1) substr(l, 2) substr(h, RSTART + RLENGTH)
      }
      h = tolower(h)
      gsub(/[^a-z0-9 _\200-\377-]/, "", h)
      gsub(/ /, "-", h)
      n = seen[h]++
      print (n ? h "-" n : h)
    }' "$1"
}

broken=0
checked=0
while IFS=$'\t' read -r f line kind target; do
  checked=$((checked + 1))
  path=${target%%#*}
  anchor=
  case $target in *'#'*) anchor=${target#*#} ;; esac
  dir=$(dirname "$f")
  case $kind in
  gone) abs= ;;
  top) abs=$root/$path ;;
  *)
    if [ -z "$path" ]; then
      abs=$root/$f
    elif [ "${path#/}" != "$path" ]; then
      abs=$root$path
    else
      abs=$root/$dir/$path
    fi
    ;;
  esac
  ok=0
  if [ -n "$abs" ]; then
    abs=$(realpath -m "$abs")
    case $abs in
    "$root" | "$root"/*) [ -e "$abs" ] && ok=1 ;;
    esac
  fi
  if [ $ok = 1 ] && [ -n "$anchor" ]; then
    if [ -f "$abs" ] && [ "${abs%.md}" != "$abs" ]; then
      anchors "$abs" | grep -qxF -- "$anchor" || ok=0
    else
      ok=0
    fi
  fi
  if [ $ok = 0 ]; then
    echo "$f:$line: $target"
    broken=$((broken + 1))
  fi
done <"$tmp/refs"

echo "doclinks: $checked references checked, $broken broken"
[ "$broken" -eq 0 ]
