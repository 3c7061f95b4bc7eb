#!/usr/bin/env bash
# touchflow side by side with its peers and with the "jansson floor"
# (bench/jansson_floor.c: json_loadb + json_dumpb per line, nothing else).
#
# Usage: bench/compare.sh BUILD-DIR [RECORDS] [--rss-scale] [--perf]
#   RECORDS      records of the generated input (default 1000000)
#   --rss-scale  also runs the touchflow pass-through on 10 x RECORDS
#                records (about 2.5 GB of input and as much output per
#                10M) to see whether peak RSS stays flat
#   --perf       also records `perf record -g` of one touchflow
#                pass-through run and prints the top symbols
#
# Work (each run REPEATS times, default 3, interleaved A,B,C,A,B,C...; the
# table gives the median wall time, CPU time (user + system) and peak RSS,
# all from /usr/bin/time; the targets are judged on wall time):
#   pass-through    NDJSON file -> NDJSON file: touchflow (file -> file),
#                   the floor (--mode pass), `jq -c .`, `mlr --ijsonl
#                   --ojsonl cat`
#   gzip            the same input gzipped: touchflow and the floor
#                   (measured in the same rounds as pass-through)
#   dedupe          on type, biz_uid, ts: touchflow `dedupe` (count
#                   window = RECORDS, so it forgets no key, as the floor)
#                   against the floor's --mode dedupe (a hash set of keys)
#   session_merge   `web` + `calltracking` -> `session_merge` -> `file` on
#                   bench/gen_events.py's time-sorted hits and Tasks (both
#                   declared sorted_by_time), against the floor's parse-only
#                   rate (--mode parse) on the same hits file; before
#                   each round, core_roundtrip.c measures how fast a
#                   cache line crosses between the two cores
#   rss             (--rss-scale) touchflow pass-through at RECORDS and at
#                   10 x RECORDS
#
# The input (bench/gen_hits.py --touchpoints, fixed seed): about 250-byte
# touchpoint-like records, one in ten a repeat of a recent one.  Outputs
# are checked, and the script fails when a check fails: touchflow's
# pass-through output (plain and gzip input) equals the input byte for
# byte; every peer wrote RECORDS records; touchflow's dedupe output equals
# the floor's; the floor parsed every hit.
#
# WORKS (default "pass-through dedupe session_merge") picks the works to
# run (pass-through includes gzip); the targets of the others are not
# judged.  BASELINE, a second build directory, adds its touchflow to the
# session_merge rounds as "touchflow baseline" (interleaved, same data: a
# before/after comparison), its touchpoints and dead letters checked
# byte-identical to touchflow's.
#
# Missing `time`, `jq` and `mlr` (Debian: time, jq, miller) are installed
# with apt-get when running as root; this script is not part of CI.
# Environment: REPEATS (default 3), TMPDIR (where the temporary folder
# goes, removed at the end), CC (default cc).
set -euo pipefail

usage() {
  echo "usage: $0 BUILD-DIR [RECORDS] [--rss-scale] [--perf]" >&2
  exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
rss_scale=0
do_perf=0
pos=()
for a in "$@"; do
  case $a in
    --rss-scale) rss_scale=1 ;;
    --perf) do_perf=1 ;;
    -*) usage ;;
    *) pos+=("$a") ;;
  esac
done
if [ ${#pos[@]} -lt 1 ] || [ ${#pos[@]} -gt 2 ]; then usage; fi
build=$(cd "${pos[0]}" && pwd)
n=${pos[1]:-1000000}
[[ $n =~ ^[1-9][0-9]*$ ]] || usage
repeats=${REPEATS:-3}
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "$0: REPEATS must be a positive integer" >&2; exit 2; }
tf=$build/touchflow
works=${WORKS:-pass-through dedupe session_merge}
want() { [[ " $works " == *" $1 "* ]]; }
base_tf=""
if [ -n "${BASELINE:-}" ]; then
  base_tf=$(cd "$BASELINE" && pwd)/touchflow
  [ -x "$base_tf" ] || { echo "$0: no $base_tf (BASELINE)" >&2; exit 2; }
fi
timecmd=/usr/bin/time
[ -x "$tf" ] || { echo "$0: no $tf (build first: bash .ci/build NAME)" >&2; exit 2; }

# --- tools
need=()
[ -x "$timecmd" ] || need+=(time)
command -v jq >/dev/null || need+=(jq)
command -v mlr >/dev/null || need+=(miller)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} (apt-get)"
    apt-get install -y "${need[@]}" >/dev/null
  else
    echo "$0: missing ${need[*]} (Debian packages); install them first" >&2
    exit 2
  fi
fi
if [ $do_perf = 1 ] && ! command -v perf >/dev/null; then
  echo "$0: --perf: perf is not installed (Debian: linux-perf)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tf-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results.tsv
: >"$results"

# --- the floor
zlib_libs=$(pkg-config --libs zlib 2>/dev/null || echo -lz)
# shellcheck disable=SC2046,SC2086  # pkg-config output is meant to be split
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -o "$work/jansson_floor" \
  "$here/jansson_floor.c" $(pkg-config --cflags --libs jansson) $zlib_libs
floor=$work/jansson_floor
# How fast a cache line crosses between the two cores (core_roundtrip.c):
# printed before every session_merge round, whose two threads hand every
# record across.
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -pthread -o "$work/core_roundtrip" \
  "$here/core_roundtrip.c"
roundtrips=()

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" \
  "(family $(grep -m1 'cpu family' /proc/cpuinfo | sed 's/.*: //')," \
  "model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | sed 's/.*: //')," \
  "$(grep -m1 'cpu MHz' /proc/cpuinfo | sed 's/.*: //') MHz), nproc $(nproc)"
echo "memory: $(awk '/^MemTotal:/ {printf "%.1f GiB total", $2 / 1048576}
  /^MemAvailable:/ {printf ", %.1f GiB available", $2 / 1048576}' /proc/meminfo)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "touchflow: $tf ($("$tf" --version 2>&1 | paste -sd ';' | sed 's/;/; /g')); jq: $(jq --version);" \
  "mlr: $(mlr --version); jansson $(pkg-config --modversion jansson);" \
  "cc: $("${CC:-cc}" --version | head -1)"
echo "records: $n, repeats: $repeats, work folder: $work"
echo

# --- inputs
t0=$(date +%s)
python3 "$here/gen_hits.py" "$n" --touchpoints >"$work/in.ndjson"
gzip -c "$work/in.ndjson" >"$work/in.ndjson.gz"
mkdir "$work/ev"
python3 "$here/gen_events.py" "$n" "$work/ev" >/dev/null
rm -f "$work/ev/hits_shuffled.ndjson"
hits=$(awk '$1 == "hits" {print $2}' "$work/ev/stats.txt")
calls=$(awk '$1 == "calls" {print $2}' "$work/ev/stats.txt")
in_bytes=$(stat -c %s "$work/in.ndjson")
echo "== inputs (generated in $(($(date +%s) - t0)) s)"
echo "in.ndjson: $n records, $in_bytes bytes ($((in_bytes / n)) bytes a record)," \
  "$(sort -u "$work/in.ndjson" | wc -l) distinct"
echo "in.ndjson.gz: $(stat -c %s "$work/in.ndjson.gz") bytes (gzip -6)"
echo "session_merge input: $hits hits ($(stat -c %s "$work/ev/hits.ndjson") bytes)," \
  "$calls Tasks ($(stat -c %s "$work/ev/tasks.csv") bytes)"
echo

# --- pipelines
window=$((n < 10000000 ? n : 10000000))
cat >"$work/tf_pass.json" <<JSON
{"version": 1, "name": "tf_pass",
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["in"], "config": {"path": "tf_pass.out.ndjson"}}],
 "dead_letter": {"path": "tf_pass.rejected.ndjson"}}
JSON
cat >"$work/tf_gzip.json" <<JSON
{"version": 1, "name": "tf_gzip",
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in.ndjson.gz"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["in"], "config": {"path": "tf_gzip.out.ndjson"}}],
 "dead_letter": {"path": "tf_gzip.rejected.ndjson"}}
JSON
cat >"$work/tf_dedupe.json" <<JSON
{"version": 1, "name": "tf_dedupe",
 "sources": [{"id": "in", "plugin": "file", "config": {"path": "in.ndjson"}}],
 "transforms": [{"id": "dd", "plugin": "dedupe", "inputs": ["in"],
   "config": {"key": ["type", "biz_uid", "ts"], "window": "$window"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["dd"], "config": {"path": "tf_dedupe.out.ndjson"}}],
 "dead_letter": {"path": "tf_dedupe.rejected.ndjson"}}
JSON
cat >"$work/tf_merge.json" <<JSON
{"version": 1, "name": "tf_merge",
 "sources": [
  {"id": "hits", "plugin": "web", "config": {"path": "ev/hits.ndjson", "sorted_by_time": true}},
  {"id": "calls", "plugin": "calltracking", "config": {"path": "ev/tasks.csv", "sorted_by_time": true}}],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["hits", "calls"],
   "config": {"spill_dir": "."}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"], "config": {"path": "tf_merge.out.ndjson"}}],
 "dead_letter": {"path": "tf_merge.rejected.ndjson"}}
JSON
if [ $rss_scale = 1 ]; then
  sed -e 's/in\.ndjson"/in10.ndjson"/' -e 's/tf_pass/tf_pass10/g' \
    "$work/tf_pass.json" >"$work/tf_pass10.json"
fi

fail() {
  echo "$0: CHECK FAILED: $*" >&2
  exit 1
}

lines() { wc -l <"$1" | tr -d ' '; }

# run WORK TOOL RECORDS OUT-FILE|- COMMAND...: runs COMMAND under
# /usr/bin/time (stdout to OUT-FILE, or discarded for -), appends
# "work tool records wall rss_kib load1" to $results.
run() {
  local w=$1 tool=$2 records=$3 out=$4 rc=0
  shift 4
  local tv=$work/time.txt err=$work/stderr.txt load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$out" = - ]; then
    "$timecmd" -f '%e %M %U %S' -o "$tv" "$@" >/dev/null 2>"$err" || rc=$?
  else
    "$timecmd" -f '%e %M %U %S' -o "$tv" "$@" >"$out" 2>"$err" || rc=$?
  fi
  if [ $rc -ne 0 ]; then
    echo "$w / $tool failed (exit $rc): $*" >&2
    tail -20 "$err" >&2
    exit 1
  fi
  local wall rss user sys cpu
  read -r wall rss user sys < <(tail -1 "$tv")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$tool" "$records" "$wall" "$rss" "$load" "$cpu" >>"$results"
  printf '  %-16s %-22s wall %7.2f s  CPU %7.2f s  %10.0f rec/s  peak RSS %8.1f MiB  (load %s)\n' \
    "$w" "$tool" "$wall" "$cpu" "$(awk -v r="$records" -v w="$wall" 'BEGIN {print (w > 0 ? r / w : 0)}')" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$load"
}

# --- pass-through and gzip (one interleaved set)
want pass-through && echo "== pass-through and gzip input ($repeats rounds)"
for ((r = 1; r <= repeats; r++)); do
  want pass-through || break
  run pass-through touchflow "$n" - "$tf" run "$work/tf_pass.json" --progress never
  cmp -s "$work/in.ndjson" "$work/tf_pass.out.ndjson" ||
    fail "touchflow pass-through output differs from the input"
  rm -f "$work/tf_pass.out.ndjson"

  run pass-through jansson-floor "$n" - "$floor" --mode pass "$work/in.ndjson" "$work/floor.out"
  [ "$(lines "$work/floor.out")" = "$n" ] || fail "floor pass-through wrote $(lines "$work/floor.out") records, not $n"
  rm -f "$work/floor.out"

  run pass-through "jq -c ." "$n" "$work/jq.out" jq -c . "$work/in.ndjson"
  [ "$(lines "$work/jq.out")" = "$n" ] || fail "jq wrote $(lines "$work/jq.out") records, not $n"
  rm -f "$work/jq.out"

  run pass-through "mlr cat" "$n" "$work/mlr.out" mlr --ijsonl --ojsonl cat "$work/in.ndjson"
  [ "$(lines "$work/mlr.out")" = "$n" ] || fail "mlr wrote $(lines "$work/mlr.out") records, not $n"
  rm -f "$work/mlr.out"

  run gzip touchflow "$n" - "$tf" run "$work/tf_gzip.json" --progress never
  cmp -s "$work/in.ndjson" "$work/tf_gzip.out.ndjson" ||
    fail "touchflow output from gzip input differs from the input"
  rm -f "$work/tf_gzip.out.ndjson"

  run gzip jansson-floor "$n" - "$floor" --mode pass "$work/in.ndjson.gz" "$work/floor.out"
  [ "$(lines "$work/floor.out")" = "$n" ] || fail "floor (gzip) wrote $(lines "$work/floor.out") records, not $n"
  rm -f "$work/floor.out"
done
want pass-through && echo

# --- dedupe
want dedupe && echo "== dedupe on type, biz_uid, ts ($repeats rounds; touchflow window \"$window\")"
for ((r = 1; r <= repeats; r++)); do
  want dedupe || break
  run dedupe touchflow "$n" - "$tf" run "$work/tf_dedupe.json" --progress never
  run dedupe jansson-floor "$n" - "$floor" --mode dedupe --keys type,biz_uid,ts \
    "$work/in.ndjson" "$work/floor_dedupe.out"
  kept_tf=$(lines "$work/tf_dedupe.out.ndjson")
  kept_floor=$(lines "$work/floor_dedupe.out")
  [ "$kept_tf" = "$kept_floor" ] ||
    fail "dedupe: touchflow kept $kept_tf records, the floor $kept_floor"
  cmp -s "$work/tf_dedupe.out.ndjson" "$work/floor_dedupe.out" ||
    fail "dedupe: touchflow's output differs from the floor's (same count, $kept_tf)"
  rm -f "$work/tf_dedupe.out.ndjson" "$work/floor_dedupe.out"
done
want dedupe && echo "kept $kept_tf of $n records (both)" && echo

# --- session_merge
want session_merge && echo "== session_merge: web + calltracking -> session_merge -> file ($repeats rounds)"
for ((r = 1; r <= repeats; r++)); do
  want session_merge || break
  roundtrips+=("$("$work/core_roundtrip")")
  echo "  cross-core round trip before round $r: ${roundtrips[-1]} ns"
  run session_merge touchflow "$((hits + calls))" - "$tf" run "$work/tf_merge.json" --progress never
  touchpoints=$(lines "$work/tf_merge.out.ndjson")
  [ "$touchpoints" -gt 0 ] || fail "session_merge wrote no touchpoint"
  dead=$(lines "$work/tf_merge.rejected.ndjson")
  if [ -n "$base_tf" ]; then
    mv "$work/tf_merge.out.ndjson" "$work/tf_merge.new.ndjson"
    mv "$work/tf_merge.rejected.ndjson" "$work/tf_merge.new.rejected.ndjson"
    run session_merge "touchflow baseline" "$((hits + calls))" - "$base_tf" run "$work/tf_merge.json" --progress never
    cmp -s "$work/tf_merge.out.ndjson" "$work/tf_merge.new.ndjson" ||
      fail "session_merge: the baseline's touchpoints differ from touchflow's"
    cmp -s "$work/tf_merge.rejected.ndjson" "$work/tf_merge.new.rejected.ndjson" ||
      fail "session_merge: the baseline's dead letters differ from touchflow's"
    rm -f "$work/tf_merge.new.ndjson" "$work/tf_merge.new.rejected.ndjson"
  fi
  rm -f "$work/tf_merge.out.ndjson" "$work/tf_merge.rejected.ndjson"
  run session_merge "jansson-floor parse" "$hits" - "$floor" --mode parse "$work/ev/hits.ndjson"
  grep -q "mode parse: $hits records, 0 written, 0 duplicates dropped, 0 bad" "$work/stderr.txt" ||
    fail "the floor did not parse all $hits hits: $(tail -1 "$work/stderr.txt")"
done
want session_merge && echo "touchpoints: $touchpoints, dead letters: $dead" &&
  echo "cross-core round trips before the rounds: ${roundtrips[*]} ns (this" \
    "machine: about 70 ns when its two vCPUs share a cache, about 350 ns when" \
    "not; the session_merge rounds run at that speed)" && echo

# --- peak RSS at 10 x RECORDS
if [ $rss_scale = 1 ]; then
  n10=$((n * 10))
  need_mib=$((in_bytes * 10 * 2 / 1048576 + 256))
  avail_mib=$(df -Pm "$work" | awk 'NR == 2 {print $4}')
  [ "$avail_mib" -ge "$need_mib" ] ||
    fail "--rss-scale needs about $need_mib MiB of disk in $work, $avail_mib MiB free"
  echo "== peak RSS: pass-through at $n and $n10 records ($repeats rounds)"
  t0=$(date +%s)
  python3 "$here/gen_hits.py" "$n10" --touchpoints >"$work/in10.ndjson"
  echo "in10.ndjson: $(stat -c %s "$work/in10.ndjson") bytes, generated in $(($(date +%s) - t0)) s"
  for ((r = 1; r <= repeats; r++)); do
    run rss "touchflow ${n}" "$n" - "$tf" run "$work/tf_pass.json" --progress never
    rm -f "$work/tf_pass.out.ndjson"
    run rss "touchflow ${n10}" "$n10" - "$tf" run "$work/tf_pass10.json" --progress never
    cmp -s "$work/in10.ndjson" "$work/tf_pass10.out.ndjson" ||
      fail "touchflow pass-through output at $n10 records differs from the input"
    rm -f "$work/tf_pass10.out.ndjson"
  done
  rm -f "$work/in10.ndjson"
  echo
fi

# --- perf
if [ $do_perf = 1 ]; then
  echo "== perf record -g: touchflow pass-through, $n records"
  if (cd "$work" && perf record -q -g -o perf.data -- "$tf" run tf_pass.json --progress never --quiet) \
    >"$work/perf.log" 2>&1; then
    # self time per symbol, then per shared object (-g none: no call
    # chains in the listing; the report goes to a file, so that head
    # cannot cut perf's pipe under pipefail)
    perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio -g none \
      >"$work/perf_sym.txt" 2>/dev/null
    perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none \
      >"$work/perf_dso.txt" 2>/dev/null
    grep -m1 '^# Samples' "$work/perf_sym.txt" || true
    grep -E '^ +[0-9]' "$work/perf_sym.txt" | sed 's/[[:space:]-]*$//' | head -30 || true
    echo
    echo "by shared object (self):"
    grep -E '^ +[0-9]' "$work/perf_dso.txt" | sed 's/[[:space:]-]*$//' | head -12 || true
  else
    echo "perf record failed (not permitted here?):"
    tail -5 "$work/perf.log"
  fi
  rm -f "$work/tf_pass.out.ndjson"
  echo
fi

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "1-min load seen before the runs: $(awk -F'\t' 'NR == 1 {lo = hi = $6} {if ($6 < lo) lo = $6; if ($6 > hi) hi = $6}
    END {print lo " to " hi}' "$results")"
echo

# --- medians and the table
# summary.tsv: work tool records median_wall median_rss_mib rec_per_s
awk -F'\t' '
  function median(list,   a, k, m, i, j, v) {
    k = split(list, a, " ")
    # insertion sort, k is small
    for (i = 2; i <= k; i++) { v = a[i] + 0; j = i - 1
      while (j >= 1 && a[j] + 0 > v) { a[j + 1] = a[j]; j-- } a[j + 1] = v }
    m = int((k + 1) / 2)
    return (k % 2) ? a[m] + 0 : (a[m] + a[m + 1]) / 2
  }
  { key = $1 "\t" $2; if (!(key in recs)) { order[++n] = key; recs[key] = $3 }
    walls[key] = walls[key] " " $4; rss[key] = rss[key] " " $5; cpus[key] = cpus[key] " " $7 }
  END { for (i = 1; i <= n; i++) { k = order[i]; w = median(walls[k]); c = median(cpus[k])
    printf "%s\t%s\t%.2f\t%.1f\t%.0f\t%.2f\t%.0f\n", k, recs[k], w, median(rss[k]) / 1024,
      (w > 0 ? recs[k] / w : 0), c, (c > 0 ? recs[k] / c : 0) } }
' "$results" >"$work/summary.tsv"

get() { # WORK TOOL FIELD(3 records, 4 wall, 5 rss MiB, 6 rec/s, 7 CPU s, 8 rec/CPU s)
  awk -F'\t' -v w="$1" -v t="$2" -v f="$3" '$1 == w && $2 == t {print $f}' "$work/summary.tsv"
}
div() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }

# the reference of each work: records/s (field 6) or records per CPU
# second (field 8) of the floor (jq for "x jq")
ref() { # WORK FIELD
  case $1 in
    pass-through) get pass-through jansson-floor "$2" ;;
    gzip) get gzip jansson-floor "$2" ;;
    dedupe) get dedupe jansson-floor "$2" ;;
    session_merge) get session_merge "jansson-floor parse" "$2" ;;
  esac
}

echo "== results (medians of $repeats)"
echo
echo "records/s: input records per second of wall time; CPU s: user + system"
echo "time (touchflow reads ahead in a second thread); x floor: records/s over"
echo "the floor's records/s for the same work (session_merge: over the floor's"
echo "parse-only rate on the hits); x floor CPU: the same with records per CPU"
echo "second; x jq: records/s over jq's."
echo
echo "| work | tool | records | wall s | CPU s | records/s | peak RSS MiB | x floor | x floor CPU | x jq |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
while IFS=$'\t' read -r w t recs wall rss rate cpu cpu_rate; do
  vf=$(div "$rate" "$(ref "$w" 6)")
  vc=$(div "$cpu_rate" "$(ref "$w" 8)")
  vj=""
  [ "$w" = pass-through ] && vj=$(div "$rate" "$(get pass-through "jq -c ." 6)")
  [ "$w" = rss ] && vf="" && vc=""
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$w" "$t" "$recs" "$wall" "$cpu" "$rate" "$rss" "$vf" "$vc" "$vj"
done <"$work/summary.tsv"
echo

verdict() { # VALUE OP LIMIT -> PASS|MISS
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    ok = (op == ">=") ? (v >= l) : (op == "<=") ? (v <= l) : (v >= 1 - l && v <= 1 + l)
    print ok ? "PASS" : "MISS" }'
}
# ratio WORK TOOL FIELD [REF-TOOL]: TOOL's FIELD over the reference's
ratio() {
  local r
  if [ $# -ge 4 ]; then r=$(get "$1" "$4" "$3"); else r=$(ref "$1" "$3"); fi
  div "$(get "$1" "$2" "$3")" "$r"
}

echo "== targets (issue 9): the verdict is on wall time; CPU time for comparison"
echo
echo "| target | measured (wall) | by CPU time | result |"
echo "|---|---|---|---|"
if want pass-through; then
v=$(ratio pass-through touchflow 6)
echo "| pass-through >= 3.8x the floor | $v x | $(ratio pass-through touchflow 8) x | $(verdict "$v" '>=' 3.8) |"
v=$(ratio pass-through touchflow 6 "jq -c .")
echo "| pass-through >= 6x jq | $v x | $(ratio pass-through touchflow 8 "jq -c .") x | $(verdict "$v" '>=' 6) |"
fi
if want dedupe; then
v=$(ratio dedupe touchflow 6)
echo "| dedupe >= 3x the floor's dedupe | $v x | $(ratio dedupe touchflow 8) x | $(verdict "$v" '>=' 3) |"
fi
if want session_merge; then
v=$(ratio session_merge touchflow 6)
echo "| session_merge input rec/s >= 2x the floor's parse-only rate | $v x ($(get session_merge touchflow 6) vs $(ref session_merge 6) rec/s) | $(ratio session_merge touchflow 8) x | $(verdict "$v" '>=' 2) |"
fi
if want pass-through; then
v=$(div "$(get gzip touchflow 4)" "$(get pass-through touchflow 4)")
echo "| gzip input <= 1.3x plain (touchflow) | $v x ($(get gzip touchflow 4) s vs $(get pass-through touchflow 4) s; the floor: $(div "$(get gzip jansson-floor 4)" "$(get pass-through jansson-floor 4)") x) | $(div "$(get gzip touchflow 7)" "$(get pass-through touchflow 7)") x | $(verdict "$v" '<=' 1.3) |"
fi
if [ $rss_scale = 1 ]; then
  r1=$(get rss "touchflow ${n}" 5)
  r10=$(get rss "touchflow ${n10}" 5)
  v=$(div "$r10" "$r1")
  echo "| peak RSS at 10x records within +-20 % | $v x ($r10 MiB at $n10 vs $r1 MiB at $n) | | $(verdict "$v" '~' 0.2) |"
else
  echo "| peak RSS at 10x records within +-20 % | not measured (--rss-scale) | | - |"
fi
