#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# fuzz_all.sh [SECONDS | runs=N] [NAME...]: run_fuzz.sh for each target (all
# of tests/fuzz/fuzz_*.c when none is named), one after the other, each for
# SECONDS (default 60) or N inputs, and print a table: target, inputs run,
# inputs per second, seconds fuzzing (build excluded), corpus files at the
# end, findings (the reproducer a crash, leak, timeout or sanitizer report
# left, or the exit status). Logs go
# to $RB_FUZZ_OUT (default build/fuzz) as NAME.log. Exits non-zero when any
# target had a finding or did not build, 77 when clang cannot build fuzzers.
set -eu

limit=${1:-60}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
out=${RB_FUZZ_OUT:-$here/../../build/fuzz}
mkdir -p "$out"
export RB_FUZZ_OUT="$out"

if [ $# -eq 0 ]; then
	for f in "$here"/fuzz_*.c; do
		n=${f##*/fuzz_}
		set -- "$@" "${n%.c}"
	done
fi

# The value of one of libFuzzer's final "stat::NAME: value" lines.
stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

bad=0
printf '%-12s %12s %9s %7s %7s  %s\n' target execs execs/s secs corpus findings
for name in "$@"; do
	log=$out/$name.log
	rm -f "$out/$name"-crash-* "$out/$name"-leak-* "$out/$name"-timeout-* "$out/$name"-oom-*
	rc=0
	"$here/run_fuzz.sh" "$name" "$limit" >"$log" 2>&1 || rc=$?
	[ "$rc" -eq 77 ] && { cat "$log" >&2; exit 77; }
	execs=$(stat number_of_executed_units "$log")
	rate=$(stat average_exec_per_sec "$log")
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	corpus=$(find "$out/corpus-$name" -type f 2>/dev/null | wc -l)
	found=$(find "$out" -maxdepth 1 -type f \( -name "$name-crash-*" -o -name "$name-leak-*" \
		-o -name "$name-timeout-*" -o -name "$name-oom-*" \) | sed 's|.*/||' | tr '\n' ' ')
	if [ "$rc" -ne 0 ]; then
		bad=1
		[ -n "$found" ] || found="exit $rc (see $log)"
	else
		found=${found:-none}
	fi
	printf '%-12s %12s %9s %7s %7s  %s\n' "$name" "${execs:-?}" "${rate:-?}" \
		"${secs:-?}" "$corpus" "$found"
done
exit "$bad"
