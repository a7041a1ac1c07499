#!/usr/bin/env bash
# test.sh: the README's second command. Installs what is missing, builds
# (./build, and ./build-asan with the sanitizers), and runs:
#   ./build:      unit (no root), lint (shellcheck, clang-format) and
#                 integration (root: a virtual rack in network namespaces,
#                 real clients, rackboot without hugepages)
#   ./build-asan: unit and integration again, under ASan + UBSan; any
#                 report fails the run
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
# The integration suite under the sanitizers too (about 3.5 minutes): the
# servers it starts are build-asan's. A report from a process whose exit
# status no test reads (the dataplane, a server stopped at the end) would be
# lost on stderr, so every report also goes to a file under $san, and any
# file there fails the run. tests/sanitizers/lsan.supp: third-party leaks.
san=$(mktemp -d /tmp/rackboot-san.XXXXXX)
ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:print_stacktrace=1:log_path=$san/asan \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$san/ubsan \
LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0 \
  meson test -C build-asan --print-errorlogs --suite integration || rc=1
if [ -n "$(ls -A "$san")" ]; then
  echo "test.sh: sanitizer reports from the integration suite:" >&2
  for f in "$san"/*; do echo "== $f" >&2; head -n 60 "$f" >&2; done
  rc=1
fi
rm -rf "$san"
exit "$rc"
