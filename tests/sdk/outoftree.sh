#!/usr/bin/env bash
# The SDK as teams outside this repo use it: installs BUILD-DIR into a
# temporary root, then, with only that install on PATH and PKG_CONFIG_PATH,
#   1. `touchflow new-plugin` for each kind, and each generated project
#      built out of tree (autoreconf, configure, make, make check) and run
#      through touchflow-conformance;
#   2. every ```sh guide block of docs/plugin-guide.md, in order.
# Usage: tests/sdk/outoftree.sh BUILD-DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD-DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== outoftree: make install into $tmp/root"
make -C "$build" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$build/sdk/touchflow.pc")
root=$tmp/root$prefix
for f in share/man/man1/touchflow.1 share/man/man1/touchflow-conformance.1 \
  share/man/man5/touchflow-pipeline.5 share/man/man7/touchflow-plugins.7 \
  share/bash-completion/completions/touchflow lib/pkgconfig/touchflow-io.pc \
  lib/pkgconfig/touchflow-attribution.pc; do
  [ -s "$root/$f" ] || { echo "outoftree: make install did not install $f"; exit 1; }
done
# libtool archives record the real prefix; plugins link through pkg-config.
rm -f "$root"/lib/libtouchflow*.la

# The install is not at its configured prefix: pkg-config relocates it,
# the programs find their libraries, bundled plugins, templates and data
# under the temporary root.
export PATH="$root/bin:$PATH"
export PKG_CONFIG_PATH="$root/lib/pkgconfig"
export PKG_CONFIG="pkg-config --define-variable=prefix=$root"
export LD_LIBRARY_PATH="$root/lib:$root/lib/touchflow/plugins"
export TOUCHFLOW_TEMPLATE_DIR="$root/share/touchflow/templates"
export TOUCHFLOW_CONFORMANCE_DATA="$root/share/touchflow/conformance"
unset TOUCHFLOW_PLUGIN_PATH
# The guide calls plain pkg-config: give it the relocating one.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec %s --define-variable=prefix=%s "$@"\n' \
  "$(command -v pkg-config)" "$root" > "$tmp/bin/pkg-config"
chmod +x "$tmp/bin/pkg-config"
export PATH="$tmp/bin:$PATH"
[ "$(pkg-config --variable=prefix touchflow)" = "$root" ] ||
  { echo "outoftree: pkg-config does not find the temporary install"; exit 1; }
[ "$(command -v touchflow-conformance)" = "$root/bin/touchflow-conformance" ]

for kind in source transform sink; do
  echo "== outoftree: new-plugin --kind $kind"
  cd "$tmp"
  touchflow new-plugin --kind "$kind" "oot_$kind"
  cd "oot_$kind"
  autoreconf -fi >/dev/null 2>&1
  ./configure --quiet
  make --no-print-directory >/dev/null
  make --no-print-directory check >check.log 2>&1 ||
    { cat check.log test-suite.log 2>/dev/null; exit 1; }
  touchflow-conformance "./${kind}_oot_$kind.la" --config conformance.json \
    --report-json report.json >/dev/null ||
    { touchflow-conformance "./${kind}_oot_$kind.la" --config conformance.json; exit 1; }
done

echo "== outoftree: docs/plugin-guide.md"
awk '/^```sh guide$/ {on = 1; next} /^```/ {on = 0} on' \
  "$top/docs/plugin-guide.md" > "$tmp/guide.sh"
[ -s "$tmp/guide.sh" ] || { echo "outoftree: no sh guide block"; exit 1; }
mkdir "$tmp/guide"
(cd "$tmp/guide" && bash -euo pipefail "$tmp/guide.sh") > "$tmp/guide.log" 2>&1 ||
  { cat "$tmp/guide.log"; echo "outoftree: the guide failed"; exit 1; }
echo "outoftree: 3 generated projects and the guide passed"
