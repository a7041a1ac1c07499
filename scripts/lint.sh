#!/usr/bin/env bash
# lint.sh shellcheck|clang-format: the 'lint' meson suite (tests/meson.build),
# also runnable by hand from anywhere in the tree.
#   'shellcheck': every shell script at shellcheck's default severity:
#                 scripts/*.sh and scripts/lib/*.sh, tests/integration/*.sh, tests/e2e/*.sh,
#                 tests/fuzz/*.sh, benchmarks/*.sh, benchmarks/run, .ci/run
#   'clang-format': every tracked .c and .h file against the committed
#                 .clang-format (git ls-files; a glob of the same folders
#                 when the tree is not a git checkout, e.g. a tarball)
# A missing tool is a failure, not a skip: scripts/deps.sh installs both.
set -euo pipefail
cd "${RB_SRC:-$(dirname "$0")/..}"

need() { command -v "$1" >/dev/null || { echo "lint.sh: $1 missing: run scripts/deps.sh" >&2; exit 1; }; }

case "${1:-}" in
  shellcheck)
    need shellcheck
    files=(scripts/*.sh scripts/lib/*.sh tests/integration/*.sh tests/e2e/*.sh tests/fuzz/*.sh benchmarks/*.sh benchmarks/run .ci/run)
    # -x: follow `. file` to the file its `# shellcheck source=` names
    # (paths from the top of the tree, where this runs).
    shellcheck -x "${files[@]}"
    echo "shellcheck: ${#files[@]} scripts clean"
    ;;
  clang-format)
    need clang-format
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      mapfile -t files < <(git ls-files '*.c' '*.h')
    else
      mapfile -t files < <(find . -path ./build -prune -o -path './build-*' -prune -o \
        -type f \( -name '*.c' -o -name '*.h' \) -print | sort)
    fi
    [ ${#files[@]} -gt 0 ] || { echo "lint.sh: no C files found in $PWD" >&2; exit 1; }
    clang-format --dry-run -Werror "${files[@]}"
    echo "clang-format: ${#files[@]} files clean"
    ;;
  *) echo "usage: lint.sh shellcheck|clang-format" >&2; exit 2 ;;
esac
