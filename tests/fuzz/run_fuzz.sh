#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# run_fuzz.sh NAME [SECONDS]: build tests/fuzz/fuzz_NAME.c as a real libFuzzer
# binary (clang, ASan + UBSan, every report fatal) into build/fuzz/ (or
# $RB_FUZZ_OUT) and run it for SECONDS (default 60) on a scratch copy of
# tests/fuzz/corpus/NAME, so the committed seeds never change. Exits non-zero
# on a crash, leak or sanitizer report (the reproducer is left in the output
# directory), 77 (skipped) when clang cannot build fuzzers.
set -eu

name=${1:?usage: run_fuzz.sh NAME [SECONDS]}
secs=${2:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${RB_FUZZ_OUT:-$src/build/fuzz}
clang=${CLANG:-clang}

# The codec sources each target needs (pure C, no DPDK).
case $name in
dhcp) srcs="$src/proto/dhcp.c $src/util/hash.c" ;;
tftp) srcs="$src/proto/tftp.c" ;;
template) srcs="-I$src/control/provision -I$src/util $src/control/provision/template.c $src/util/strbuf.c" ;;
*) echo "run_fuzz: unknown target '$name'" >&2; exit 2 ;;
esac

if ! command -v "$clang" >/dev/null 2>&1; then
	echo "run_fuzz: $clang not found, skipping" >&2
	exit 77
fi
mkdir -p "$out"
flags="-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# Skip only when the toolchain lacks libFuzzer; a target that does not
# compile is a failure.
probe=$out/probe.c
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return !d + (int)n; }' >"$probe"
# shellcheck disable=SC2086 # flags is a list
if ! "$clang" $flags "$probe" -o "$out/probe" 2>/dev/null; then
	echo "run_fuzz: $clang cannot build a libFuzzer binary, skipping" >&2
	exit 77
fi
bin=$out/fuzz_$name
# shellcheck disable=SC2086 # flags and srcs are lists
"$clang" $flags -I"$src/proto" -I"$src/util" $srcs "$src/tests/fuzz/fuzz_$name.c" -o "$bin"

corpus=$out/corpus-$name
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$src/tests/fuzz/corpus/$name"/* "$corpus"/

cd "$out"
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped":
# make every finding a plain failure.
exec "$bin" -max_total_time="$secs" -max_len=2200 -timeout=10 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$out/$name-" "$corpus"
