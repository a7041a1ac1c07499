#!/usr/bin/env bash
# test.sh: the README's second command. Installs what is missing, builds
# (./build, and ./build-asan with the sanitizers), and runs:
#   ./build:      unit (no root), lint (shellcheck, clang-format) and
#                 integration (root: a virtual rack in network namespaces,
#                 real clients, rackboot without hugepages)
#   ./build-asan: unit again, under ASan + UBSan; any report fails the test
# Arguments replace that choice: they go to `meson test -C build` alone
# (`scripts/test.sh --suite unit`, `scripts/test.sh dhcp-net`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (the integration suite builds network namespaces)" >&2; exit 1; }
scripts/deps.sh
scripts/build.sh --sanitize
if [ $# -gt 0 ]; then
  exec meson test -C build --print-errorlogs "$@"
fi
rc=0
meson test -C build --print-errorlogs --suite unit --suite lint --suite integration --suite e2e || rc=1
# halt_on_error + print_stacktrace: a UBSan finding fails the test with a
# stack, as an ASan one does; detect_leaks: leaks fail too.
ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:print_stacktrace=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --suite unit || rc=1
exit "$rc"
