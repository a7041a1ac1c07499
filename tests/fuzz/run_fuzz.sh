#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# run_fuzz.sh NAME [SECONDS | runs=N]: build tests/fuzz/fuzz_NAME.c as a real
# libFuzzer binary (clang, ASan + UBSan, every report fatal) into build/fuzz/
# (or $RB_FUZZ_OUT) and run it for SECONDS (default 60), or for N inputs, on a
# scratch copy of tests/fuzz/corpus/NAME, so the committed seeds never change.
# Exits non-zero on a crash, leak or sanitizer report (the reproducer is left
# in the output directory as NAME-crash-*, NAME-leak-*, ...), 77 (skipped)
# when clang cannot build fuzzers. libFuzzer's log goes to stderr; its final
# stats (stat::number_of_executed_units, ...) end it, for fuzz_all.sh.
set -eu

name=${1:?usage: run_fuzz.sh NAME [SECONDS | runs=N]}
limit=${2:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${RB_FUZZ_OUT:-$src/build/fuzz}
clang=${CLANG:-clang}

case $limit in
runs=*[!0-9]* | runs=) echo "run_fuzz: bad limit '$limit'" >&2; exit 2 ;;
runs=*) stop="-runs=${limit#runs=}" ;;
*[!0-9]* | '') echo "run_fuzz: bad limit '$limit'" >&2; exit 2 ;;
*) stop="-max_total_time=$limit" ;;
esac

# The sources each target needs, compiled here with the fuzzer's
# instrumentation (the meson libraries are gcc's), the libraries it links,
# and the longest input worth trying.
util=$(find "$src/util" -name '*.c' | sort | tr '\n' ' ')
engine="$src/dataplane/dhcp_lease.c $src/dataplane/dhcp_server.c $src/dataplane/event_queue.c \
$src/dataplane/gen_set.c $src/dataplane/image_cache.c $src/dataplane/image_cache_load.c \
$src/dataplane/tftp_mcast.c $src/dataplane/tftp_server.c $src/dataplane/tftp_session.c"
proto="$src/proto/channel.c $src/proto/counters.c $src/proto/csum.c $src/proto/dhcp.c \
$src/proto/icmp6.c $src/proto/pkt.c $src/proto/tftp.c"
# The control library minus its entry point: the config loader reaches
# most of it (provisioning, lifecycle, power).
control=$(find "$src/control" -name '*.c' ! -path "$src/control/main.c" | sort | tr '\n' ' ')
libs=""
maxlen=2200
case $name in
dhcp) srcs="$src/proto/dhcp.c $src/util/hash.c" ;;
tftp) srcs="$src/proto/tftp.c" ;;
template) srcs="-I$src/control/provision $src/control/provision/template.c $src/util/strbuf.c" ;;
classify) srcs="$src/proto/pkt.c $src/proto/icmp6.c $src/proto/csum.c" ;;
dhcpd | tftpd) srcs="-I$src/dataplane $engine $proto $util" libs="-lpthread" ;;
http_parse) srcs="-I$src/control $src/control/http_parse.c $util" maxlen=1024 ;;
channel) srcs="$src/proto/channel.c" maxlen=4096 ;;
yaml | api)
	srcs="-I$src/control -I$src/control/api -I$out $(pkg-config --cflags libpq) $control $proto $util"
	libs="-lmicrohttpd -lyaml -lsqlite3 -lpq -ljansson -lcurl -lpthread -lm"
	maxlen=4096
	;;
*) echo "run_fuzz: unknown target '$name'" >&2; exit 2 ;;
esac

if ! command -v "$clang" >/dev/null 2>&1; then
	echo "run_fuzz: $clang not found, skipping" >&2
	exit 77
fi
mkdir -p "$out"
flags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# Skip only when the toolchain lacks libFuzzer; a target that does not
# compile is a failure.
probe=$out/probe.c
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return !d + (int)n; }' >"$probe"
# shellcheck disable=SC2086 # flags is a list
if ! "$clang" $flags "$probe" -o "$out/probe" 2>/dev/null; then
	echo "run_fuzz: $clang cannot build a libFuzzer binary, skipping" >&2
	exit 77
fi
# The control sources include the configure-time header meson writes.
if [ ! -f "$out/rb_build.h" ]; then
	printf '#define RB_VERSION "fuzz"\n#define RB_LIBEXECDIR "/nonexistent"\n#define RB_DATADIR "/nonexistent"\n#define RB_BUILDDIR "%s"\n' \
		"$out" >"$out/rb_build.h"
fi
bin=$out/fuzz_$name
# shellcheck disable=SC2086 # flags, srcs and libs are lists
"$clang" $flags -I"$src/proto" -I"$src/util" $srcs "$src/tests/fuzz/fuzz_$name.c" -o "$bin" $libs

corpus=$out/corpus-$name
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$src/tests/fuzz/corpus/$name"/* "$corpus"/

cd "$out"
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped":
# make every finding a plain failure. No stdin: a config may name a path
# such as /dev/stdin, which must not wait on a terminal.
exec "$bin" "$stop" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$out/$name-" "$corpus" </dev/null
