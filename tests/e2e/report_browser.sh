#!/usr/bin/env bash
# The report sink in a real browser: pipelines/report.json runs on the
# bundled sample data (in a copy of pipelines/), then headless Chromium
# (Debian package chromium) loads the HTML page with the network off (a
# proxy on a closed port, no other network) and:
#  - the page renders: the dumped DOM holds every table and the charts'
#    bars, and a screenshot is saved as tests/e2e/report.png in the build
#    folder;
#  - the console stays silent: the page has no script, so any console
#    line Chromium logs (it logs them as INFO:CONSOLE) is a failure;
#  - nothing is fetched: no src, href or url() in the page points outside
#    it;
#  - the numbers in the page equal the CSV files, table by table, row by
#    row (report_check.py).
# Skipped (exit 77) when chromium is not installed.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" # check, passed, failed
src=${TF_SRCDIR:-.}
build=$(cd "${TF_BUILDDIR:-.}" && pwd)
tf="$build/touchflow"
chromium=${TF_CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ]; then
  echo "report_browser: chromium is not installed (apt-get install chromium): skipped"
  exit 77
fi
if ! command -v python3 >/dev/null; then
  echo "report_browser: python3 is not installed: skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/pipelines/." "$work/"
chmod -R u+w "$work"
rm -rf "$work/out"

"$tf" run --quiet "$work/report.json" >"$work/run.log" 2>&1
check run $? "touchflow run report.json failed: $(tail -5 "$work/run.log")"
page="$work/out/report.html"
tables="$work/out/report-tables"
[ -s "$page" ] && [ -s "$tables/summary.csv" ]
check files $? "no $page or no CSV tables beside it"

# The dead letters by reason equal the run's dead-letter file (the page's
# table is then compared with this CSV below).
want=$(python3 -c 'import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    d = json.loads(line); c[(d["code"], d["stage"])] += 1
print("reason,stage,records")
for (code, stage), n in sorted(c.items()): print("%s,%s,%d" % (code, stage, n))' \
  "$work/out/report-rejected.ndjson")
[ "$want" = "$(cat "$tables/dead_letters.csv")" ] &&
  grep -q '^missing_bizible_id,calls,3$' "$tables/dead_letters.csv"
check dead-letters $? "dead_letters.csv differs from the dead-letter file: $(cat "$tables/dead_letters.csv")"

shot="$build/tests/e2e/report.png"
mkdir -p "$build/tests/e2e"
rm -f "$shot"
browse() { # OUTPUT-FLAG...: headless, no network, a profile of its own
  timeout 120 "$chromium" --headless --disable-gpu --no-sandbox \
    --no-first-run --disable-extensions --disable-background-networking \
    --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --proxy-server=127.0.0.1:9 \
    --proxy-bypass-list='<-loopback>' --enable-logging=stderr --v=0 \
    --window-size=1280,2000 "$@" "file://$page"
}
browse --dump-dom >"$work/dom.html" 2>"$work/chromium.log"
check dump-dom $? "chromium failed: $(grep -v dbus "$work/chromium.log" | tail -5)"
browse --screenshot="$shot" >/dev/null 2>"$work/shot.log"
[ -s "$shot" ] && [ "$(head -c 4 "$shot" | tail -c 3)" = PNG ]
check screenshot $? "no PNG at $shot: $(grep -v dbus "$work/shot.log" | tail -5)"

! grep -h "CONSOLE" "$work/chromium.log" "$work/shot.log"
check console $? "the page logged to the console (above)"

python3 "$src/tests/e2e/report_check.py" "$work/dom.html" "$tables"
check numbers $? "the page's numbers differ from the CSV (above)"

# The check itself can fail: a page whose number differs from its CSV.
sed 's/data-value="\([0-9]*\)\.\([0-9]*\)"/data-value="9\1.\2"/' \
  "$work/dom.html" >"$work/wrong.html"
! python3 "$src/tests/e2e/report_check.py" "$work/wrong.html" "$tables" \
  >/dev/null 2>&1
check numbers-differ $? "report_check.py accepted a page with other numbers"

echo "report_browser: $passed passed, $failed failed (screenshot: $shot)"
[ "$failed" -eq 0 ]
