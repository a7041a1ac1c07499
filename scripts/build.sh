#!/usr/bin/env bash
# build.sh [--sanitize]: configure (once) and build into ./build, warnings
# as errors. --sanitize: also build-asan, the same tree with AddressSanitizer
# and UndefinedBehaviorSanitizer (b_lundef=false: sanitized shared objects
# leave the runtime's symbols to the executable), for scripts/test.sh's
# sanitizer run of the unit suite.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=0
case "${1:-}" in
  --sanitize) sanitize=1 ;;
  '') ;;
  *) echo "usage: build.sh [--sanitize]" >&2; exit 2 ;;
esac

# setup DIR [OPTION...]: configure DIR once; an existing DIR is brought to
# werror=true (a build dir made before it was the default here).
setup() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Ddataplane=enabled -Dtests=enabled -Dwerror=true "$@" >/dev/null
  else
    meson configure "$dir" -Dwerror=true "$@" >/dev/null
  fi
  ninja -C "$dir"
}
setup build
if [ "$sanitize" = 1 ]; then
  setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
