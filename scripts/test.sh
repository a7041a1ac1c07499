#!/usr/bin/env bash
# test.sh: the README's second command. Installs what is missing, builds, and
# runs every test suite: unit (no root) and integration (root: a virtual rack
# in network namespaces, real clients, rackboot without hugepages).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (the integration suite builds network namespaces)" >&2; exit 1; }
scripts/deps.sh
scripts/build.sh
meson test -C build --print-errorlogs --suite unit --suite integration "$@"
