#!/usr/bin/env bash
# build.sh: configure (once) and build into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build -Ddataplane=enabled -Dtests=enabled >/dev/null
fi
ninja -C build
