#!/usr/bin/env bash
# session_merge's memory with the host's event time: sorted inputs (flat
# memory) against unsorted ones (memory_budget, then spill files).
#
# Usage: bench/event_time.sh BUILD-DIR [HITS...]   (default 1000000 2000000 5000000)
#
# For each size, bench/gen_events.py writes (fixed seed) Marketo Measure web
# hits sorted by time, the same hits shuffled, and call-tracking Tasks (CSV)
# sorted by call time, then times `web` + `calltracking` -> `session_merge`
# -> `file` (NDJSON) under /usr/bin/time -v:
#   a  time-sorted inputs declared sorted_by_time: true (default budget)
#   b  shuffled hits, nothing declared sorted, memory_budget each of
#      $BUDGETS (default "64M 256M"): spills
#   c  the same with memory_budget $NOSPILL_BUDGET (default 1024G): no spill
# and prints per run wall time, input records/s, peak RSS, touchpoints out,
# dead letters, spilled_records, and whether the sorted touchpoints equal
# those of run a.  At the end: the ratio of run a's peak RSS between the
# largest and the smallest size (flat: within +-20 %), each b's peak against
# its budget + baseline (baseline: run a's peak at the same size), and the
# time cost of spilling (wall b / wall c).
#
# Environment: SEED (generator seed, default 20261205), BUDGETS,
# NOSPILL_BUDGET, TMPDIR (where the temporary folder goes; it is removed at
# the end), RESERVE_MIB (default 4096): an unsorted run is skipped when the
# peak RSS projected from an earlier one (linear in the hits) would leave
# less than this much of MemAvailable (the machine may be shared).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD-DIR [HITS...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 2000000 5000000)
seed=${SEED:-20261205}
read -r -a budgets <<<"${BUDGETS:-64M 256M}"
nospill=${NOSPILL_BUDGET:-1024G}
reserve_mib=${RESERVE_MIB:-4096}
tf=$build/touchflow
timecmd=/usr/bin/time
[ -x "$tf" ] || { echo "$0: no $tf (build first: bash .ci/build NAME)" >&2; exit 2; }
[ -x "$timecmd" ] || { echo "$0: $timecmd is missing (Debian: apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tf-event-time.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/spill"
results=$work/results.tsv
: >"$results"

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc)"
free -h | sed 's/^/  /'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work folder: $work"
df -h "$work" | sed 's/^/  /'
echo

mem_available_mib() { awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo; }
avail_mib() { df -Pm "$work" | awk 'NR == 2 {print $4}'; }

# pipeline NAME HITS-FILE SORTED(true|false) BUDGET
pipeline() {
  local extra="" merge=""
  [ "$3" = true ] && extra=', "sorted_by_time": true'
  [ -n "$4" ] && merge="\"memory_budget\": \"$4\", "
  cat >"$work/$1.json" <<JSON
{"version": 1, "name": "$1",
 "sources": [
  {"id": "hits", "plugin": "web", "config": {"path": "$2"$extra}},
  {"id": "calls", "plugin": "calltracking", "config": {"path": "tasks.csv"$extra}}],
 "transforms": [{"id": "merge", "plugin": "session_merge", "inputs": ["hits", "calls"],
   "config": {${merge}"spill_dir": "spill"}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["merge"], "config": {"path": "$1.out.ndjson"}}],
 "dead_letter": {"path": "$1.rejected.ndjson"}}
JSON
}

# measure SIZE RUN BUDGET NAME: runs the pipeline NAME, appends a row to
# $results and prints it.
measure() {
  local size=$1 run=$2 budget=$3 name=$4 rc=0
  local tv=$work/$name.time err=$work/$name.stderr
  "$timecmd" -v -o "$tv" "$tf" run "$work/$name.json" --progress never 2>"$err" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "run $name failed (exit $rc):" >&2
    tail -20 "$err" >&2
    exit 1
  fi
  local wall rss_kib touchpoints dead spilled out_of_order late digest same
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0;
         for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$tv")
  rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
  touchpoints=$(awk '$1 == "out" && $2 == "sink" {print $4}' "$err")
  dead=$(awk '/dead-letter: [0-9]+ records/ {print $2}' "$err")
  spilled=$(awk '$1 == "spilled_records:" {print $2}' "$err")
  out_of_order=$(awk '$1 == "out_of_order:" {s += $2} END {print s + 0}' "$err")
  late=$(awk '$1 == "late:" {print $2}' "$err")
  digest=$(LC_ALL=C sort -S 25% -T "$work" "$work/$name.out.ndjson" | sha256sum | cut -c1-16)
  rm -f "$work/$name.out.ndjson" "$work/$name.rejected.ndjson"
  if [ "$run" = a ]; then
    ref_digest=$digest
    same=ref
  elif [ "$digest" = "$ref_digest" ]; then
    same=OK
  else
    same=DIFF
  fi
  local records=$((hits + calls))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$run" "$budget" \
    "$wall" "$(awk -v r="$records" -v w="$wall" 'BEGIN {printf "%.0f", r / w}')" \
    "$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')" \
    "$touchpoints" "${dead:-0}" "${spilled:-0}" "$same" "${late:-0}" "$out_of_order" >>"$results"
  printf '%-9s %-2s %-9s wall %8.2f s  %9s in rec/s  peak RSS %9.1f MiB  touchpoints %8s  dead letters %6s  spilled %9s  output %s%s\n' \
    "$size" "$run" "$budget" "$wall" \
    "$(awk -v r="$records" -v w="$wall" 'BEGIN {printf "%.0f", r / w}')" \
    "$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')" \
    "$touchpoints" "${dead:-0}" "${spilled:-0}" "$same" \
    "$([ "${late:-0}" = 0 ] && [ "$out_of_order" = 0 ] || echo "  late ${late:-0} out_of_order $out_of_order")"
}

# The peak RSS (MiB) an unsorted run at $1 hits would reach, from the
# largest unsorted run measured so far (linear in the hits); 0 if none.
projected_mib() {
  awk -F'\t' -v n="$1" '$2 != "a" && $1 + 0 > best {best = $1 + 0; rss = $6}
    END {if (best) printf "%.0f", rss * n / best * 1.1; else print 0}' "$results"
}

for size in "${sizes[@]}"; do
  echo "== $size hits"
  # disk: the inputs (about 230 bytes a hit, twice), spill files (as much
  # again), the output and its sorted copy (about 200 bytes a hit each)
  need_mib=$((size * 1200 / 1048576 + 64))
  if [ "$(avail_mib)" -lt "$need_mib" ]; then
    echo "$0: about $need_mib MiB of disk needed in $work, $(avail_mib) MiB free" >&2
    exit 1
  fi
  t0=$(date +%s)
  python3 "$here/gen_events.py" "$size" "$work" "$seed"
  hits=$(awk '$1 == "hits" {print $2}' "$work/stats.txt")
  calls=$(awk '$1 == "calls" {print $2}' "$work/stats.txt")
  echo "generated in $(($(date +%s) - t0)) s: $(tr '\n' ' ' <"$work/stats.txt")"
  echo "files: hits $(stat -c %s "$work/hits.ndjson") bytes, tasks $(stat -c %s "$work/tasks.csv") bytes"

  pipeline "a_$size" hits.ndjson true ""
  measure "$size" a default "a_$size"
  rm -f "$work/hits.ndjson"
  for b in "${budgets[@]}" "$nospill"; do
    run=b
    [ "$b" = "$nospill" ] && run=c
    proj=$(projected_mib "$size")
    avail=$(mem_available_mib)
    if [ "$proj" -gt 0 ] && [ $((proj + reserve_mib)) -gt "$avail" ]; then
      echo "$size $run $b: SKIPPED: projected peak RSS ${proj} MiB, MemAvailable ${avail} MiB (reserve ${reserve_mib} MiB)"
      printf '%s\t%s\t%s\tskipped\t\t%s\t\t\t\tskipped\t\t\n' "$size" "$run" "$b" "~$proj" >>"$results"
      continue
    fi
    pipeline "${run}_${b}_$size" hits_shuffled.ndjson false "$b"
    measure "$size" "$run" "$b" "${run}_${b}_$size"
  done
  rm -f "$work/hits_shuffled.ndjson" "$work/tasks.csv" "$work/stats.txt"
  echo
done

echo "== results"
echo
echo "| hits | run | memory_budget | wall s | input rec/s | peak RSS MiB | touchpoints | dead letters | spilled_records | output = a |"
echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---|"
awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}' "$results"
echo

echo "== a: sorted inputs, peak RSS flat?"
awk -F'\t' '$2 == "a" {if (!first) {first = $1; lo = $6} last = $1; hi = $6}
  END {if (first) {r = hi / lo; printf "peak RSS at %s hits / at %s hits = %.1f / %.1f MiB = %.3f: %s\n",
        last, first, hi, lo, r, (r >= 0.8 && r <= 1.2) ? "flat (within 20 %)" : "NOT flat"}}' "$results"
echo

echo "== b: unsorted inputs, peak RSS within memory_budget + baseline (run a, same size)?"
awk -F'\t' 'function mib(s,  n, u) {n = s + 0; u = substr(s, length(s));
              return u == "G" ? n * 1024 : u == "M" ? n : u == "K" ? n / 1024 : n / 1048576}
  $2 == "a" {base[$1] = $6}
  $2 == "b" && $4 != "skipped" {lim = mib($3) + base[$1];
    printf "%s hits, budget %s: peak %.1f MiB, baseline %.1f MiB, limit %.1f MiB: %s (peak / limit %.2f)\n",
      $1, $3, $6, base[$1], lim, ($6 <= lim) ? "held" : "NOT held", $6 / lim}' "$results"
echo

echo "== cost of spilling: wall b / wall c (c: memory_budget $nospill, nothing spilled)"
awk -F'\t' '$2 == "c" && $4 != "skipped" {c[$1] = $4}
  $2 == "b" && $4 != "skipped" {b[$1 SUBSEP $3] = $4; order[++n] = $1 SUBSEP $3}
  END {for (i = 1; i <= n; i++) {split(order[i], k, SUBSEP);
    if (k[1] in c) printf "%s hits, budget %s: %.2f s / %.2f s = %.2f\n", k[1], k[2], b[order[i]], c[k[1]], b[order[i]] / c[k[1]]}}' "$results"
