#!/usr/bin/env python3
"""report_check.py DOM CSV_DIR: checks the report page, as the browser
built it (Chromium's --dump-dom), against the CSV tables the report sink
wrote beside it.

Every CSV file NAME.csv must have its rows, in the page, in the tables
marked data-table="NAME" (the revenue tables appear once per model: their
rows together make the CSV); each row's label cells must equal the CSV's
and its number cell's data-value and text the CSV's number.  Also: the
page has bars (SVG rect with a <title>) and fetches nothing (no src, href
or url() other than a fragment).  Exit 0 when all holds, else 1 with each
difference on stderr."""
import csv
import os
import re
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = {}  # name -> [row tuple]
        self.table = None
        self.row = None
        self.cell = None
        self.value = None
        self.bars = 0
        self.external = []
        self.in_rect = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "xlink:href"):
            if k in a and not (a[k] or "").startswith("#"):
                self.external.append("%s %s=%s" % (tag, k, a[k]))
        if tag == "table" and "data-table" in a:
            self.table = self.tables.setdefault(a["data-table"], [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ""
            self.value = a.get("data-value")
        elif tag == "rect":
            self.in_rect = True
        elif tag == "title" and self.in_rect:
            self.bars += 1

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append((self.cell, self.value))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "rect":
            self.in_rect = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def main():
    dom, csv_dir = sys.argv[1], sys.argv[2]
    page = Page()
    with open(dom, encoding="utf-8") as f:
        text = f.read()
    page.feed(text)
    errors = []
    if re.search(r"url\(\s*['\"]?(?!#)", text):
        errors.append("the page has a url() that is not a fragment")
    errors += ["the page fetches %s" % e for e in page.external]
    if page.bars == 0:
        errors.append("the page has no bars with a tooltip")
    names = sorted(n[:-4] for n in os.listdir(csv_dir) if n.endswith(".csv"))
    if not names:
        errors.append("no CSV files in %s" % csv_dir)
    for name in names:
        with open(os.path.join(csv_dir, name + ".csv"), newline="",
                  encoding="utf-8") as f:
            rows = list(csv.reader(f))[1:]
        got = page.tables.get(name)
        if got is None:
            errors.append("%s: no table in the page" % name)
            continue
        want = sorted(tuple(r) for r in rows)
        seen = []
        for cells in got:
            labels = [c for c, _ in cells[:-1]]
            text, value = cells[-1]
            if value != text.strip():
                errors.append("%s: %s: data-value %r, text %r"
                              % (name, labels, value, text))
            seen.append(tuple(labels + [value or ""]))
        seen.sort()
        if seen != want:
            for r in sorted(set(want) - set(seen)):
                errors.append("%s: in the CSV, not in the page: %s" % (name, r))
            for r in sorted(set(seen) - set(want)):
                errors.append("%s: in the page, not in the CSV: %s" % (name, r))
            if set(seen) == set(want):
                errors.append("%s: rows repeated" % name)
    extra = sorted(set(page.tables) - set(names))
    errors += ["%s: a table in the page without a CSV" % n for n in extra]
    for e in errors:
        print("report_check: " + e, file=sys.stderr)
    if not errors:
        print("report_check: %d tables, %d rows equal the CSV, %d bars"
              % (len(names), sum(len(t) for t in page.tables.values()),
                 page.bars))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
