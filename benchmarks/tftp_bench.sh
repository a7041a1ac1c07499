#!/usr/bin/env bash
# tftp_bench.sh: TFTP aggregate goodput, rackboot and its peers, on the same
# private virtual rack, in one run, next to the rack link's own limit.
#
# For each server in RB_SERVERS, started once and serving a RB_SIZE_MB (64)
# MiB file of random bytes as 198.18.0.1:69: rounds of N concurrent
# downloads (N in RB_CLIENTS, "1 50 200"), blksize 1468 (a DATA packet is
# then exactly a 1500-byte IP packet) and windowsize W (RB_WINDOWS, "1 32";
# windowsize 1 is lockstep; "mc" asks for RFC 2090 multicast instead: one
# stream to a group for all clients, where the server offers it; each
# multicast client runs in a namespace of its own, since it binds the
# group's port). A server that does not acknowledge windowsize
# serves lockstep anyway: the notes say so (from the OACK of a probe
# transfer). The clients are spread over RB_CLIENT_NS (4) client namespaces,
# so no single namespace's socket tables carry them all.
# Clients (RB_CLIENT): "storm" (default) runs benchmarks/tftp_storm, one
# process per namespace holding that namespace's share of the downloads,
# each on its own socket, every payload byte compared with the file; "atftp"
# runs an atftp process per download (the client CPU then dominates a 2-core
# box: 200 of them writing 12.8 GB make every server look alike). Multicast
# rounds always use atftp, the RFC 2090 client.
# Goodput = bytes of all complete downloads / wall time of the round (from
# the first client's start to the last client's end), MB = 10^6 bytes. With
# atftp every download's size is checked (atftp writes into `wc -c`) and
# client 1's copy is compared byte for byte; tftp_storm checks every byte of
# every download. A round with any short download counts as failed.
# The table shows the median over the RB_REPS (3) rounds that succeeded.
# For rackboot the notes add what its /metrics counted in the last round:
# payload copies per DATA block sent (0 where the port sends chained mbufs;
# every block on af_xdp, whose 22.11 PMD sends one segment) and, for
# multicast rounds, DATA frames sent to the group per block of the file.
# "server CPU-s per GB": CPU time of the server's cgroup (each server runs
# in one of its own, so threads and forked children count) per GB of
# complete downloads, median over the rounds. Kernel work the server's own
# system calls do counts (with af_xdp on a veth, delivery through the
# bridge happens inside rackboot's sendto); softirq work elsewhere does not.
# rackboot runs twice: as configured by default ("rackboot": its worker
# naps between ACKs) and busy-polling ("rackboot-busypoll").
#
# The link: a UDP blast (small C senders with sendmmsg, RB_BLAST_STREAMS of
# them, a receiver with recvmmsg, compiled here) between two client namespaces across the rack
# bridge, 1472-byte payloads (1500-byte IP packets, the size of a 1468-byte
# TFTP DATA), RB_BLAST_SECS (5) s per run, RB_REPS runs: the median received
# packets/s is the link's packet limit on this box. "% of link" = TFTP
# goodput / (that packet rate x 1468 payload bytes).
#
# Peers: tftpd-hpa (in.tftpd -L --secure; forks a process per request),
# atftpd (--maxthread 1000; its default is 100, fewer than 200 clients),
# dnsmasq (--tftp-max=1000; its default is 50 concurrent transfers). atftpd
# conflicts with tftpd-hpa in Debian: when not installed, its binary is
# unpacked from the Debian package into build/peers/ (not installed).
# A server is a pair start_<name>/stop_<name>; one that does not start or
# never answers is reported "failed" and the run goes on (rackboot until its
# TFTP service exists).
#
# Bounded: every client runs under timeout (RB_ROUND_TIMEOUT, 600 s per
# round), blasts under timeout; everything started here is stopped by PID;
# the rack ($RB_PREFIX-*, rbg<pid>) and the work directory are removed on exit.
# Raw output: results/tftp-<date>/ (env.txt, rounds.tsv, blast.tsv, raw/).
#
# usage: benchmarks/tftp_bench.sh
# env:   RB_SERVERS="rackboot rackboot-busypoll tftpd-hpa atftpd dnsmasq"
#        RB_REPS=3
#        RB_CLIENTS="1 50 200"  RB_WINDOWS="1 32"  RB_SIZE_MB=64  RB_CLIENT_NS=4
#        RB_ROUND_TIMEOUT=600  RB_BLAST_SECS=5  RB_BLAST_STREAMS=<cores, min 2>
#        RB_QUIET_WAIT=30
#        RB_RB_MODE=af_xdp|af_packet (rackboot port mode)  RB_RESULTS=results
#        RB_CLIENT=storm|atftp
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/rack.sh
. scripts/lib/rack.sh

SERVERS=${RB_SERVERS:-"rackboot rackboot-busypoll tftpd-hpa atftpd dnsmasq"}
REPS=${RB_REPS:-3}
CLIENTS=${RB_CLIENTS:-"1 50 200"}
WINDOWS=${RB_WINDOWS:-"1 32"}
SIZE_MB=${RB_SIZE_MB:-64}
NS=${RB_CLIENT_NS:-4}
ROUND_T=${RB_ROUND_TIMEOUT:-600}
BLAST_S=${RB_BLAST_SECS:-5}
BLAST_N=${RB_BLAST_STREAMS:-$(( $(nproc) < 2 ? 2 : $(nproc) ))}
QUIET_WAIT=${RB_QUIET_WAIT:-30}
RB_MODE=${RB_RB_MODE:-af_xdp}
CLIENT=${RB_CLIENT:-storm}
BLK=1468
SIZE=$((SIZE_MB << 20))

die() { echo "tftp_bench.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
for t in ip atftp curl cc timeout cmp; do
  command -v $t >/dev/null || die "$t missing: run scripts/deps.sh"
done
[[ $CLIENT == storm || $CLIENT == atftp ]] || die "RB_CLIENT: storm or atftp"
if [ "$CLIENT" = storm ] && [ ! -x build/benchmarks/tftp_storm ]; then
  scripts/build.sh >&2 || die "build failed (tftp_storm)"
fi
[[ $REPS =~ ^[1-9][0-9]*$ && $NS =~ ^[1-9]$ && $SIZE_MB =~ ^[1-9][0-9]*$ ]] ||
  die "RB_REPS, RB_SIZE_MB must be positive integers, RB_CLIENT_NS 1..9"

# Our own rack prefix: `rack.sh down` removes every namespace with it.
export RB_PREFIX=rbg$$   # rbg: this script (rbp, rbb: dhcp_bench, http_bench; rbf: test_tftp)
P=$RB_PREFIX
ip netns list | awk '{print $1}' | grep -q "^$P-" && die "namespaces $P-* already exist"
SRV_IP=198.18.0.1
HZ=$(getconf CLK_TCK)

stamp=$(date +%Y%m%d-%H%M%S)
res=${RB_RESULTS:-results}/tftp-$stamp
mkdir -p "$res/raw"
work=$(mktemp -d /tmp/rackboot-tftpbench.XXXXXX)
chmod 755 "$work"        # servers drop privileges (tftp, nobody)
CUR='' BG=() CG=''

cleanup() {
  local p
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$srv_pid" ] && [ -n "$CUR" ] && { "stop_$CUR" >/dev/null 2>&1 || true; }
  scripts/rack.sh down >/dev/null 2>&1 || true
  [ -z "$CG" ] || rmdir "$CG" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the files
mkdir -p "$work/root" "$work/repo" "$work/r"
head -c "$SIZE" /dev/urandom > "$work/root/image.bin"
head -c 300000 /dev/urandom > "$work/root/probe.bin"   # > 32 blocks: shows windowing
chmod -R a+rX "$work/root"
cat "$work/root/image.bin" > /dev/null    # page cache, for every server alike

# ---------------------------------------------------------------- servers
# start_<name> LOG: serve $work/root as $SRV_IP:69 in $P-srv, set srv_pid;
# non-zero if it did not start. stop_<name>: stop it, undo what start did.
# Readiness (answers an RRQ) is checked by the caller. Every server runs in
# the cgroup RB_SRV_CG (scripts/lib/rack.sh's srv_exec), for its CPU time.

# rackboot as configured by default (a worker naps dataplane.idle_sleep_us,
# 50 us, after a run of empty polls); rackboot-busypoll: idle_sleep_us 0,
# the setting for cores of its own.
start_rackboot() { rb_bench_start "$1" ""; }
start_rackboot-busypoll() { rb_bench_start "$1" ", idle_sleep_us: 0"; }
stop_rackboot-busypoll() { stop_rackboot; }
rb_bench_start() { # log extra-dataplane-keys
  [ -x build/control/rackboot ] || scripts/build.sh > "$1" 2>&1 || return 1
  local exc=xdp; [ "$RB_MODE" = af_xdp ] || exc=tap
  cat > "$work/rackboot.yaml" <<YAML
server: { address: $SRV_IP/24 }
port: { mode: $RB_MODE, interface: $P-srv0, exception: $exc, tap_name: ${P}t }
dataplane: { lcores: "0,1", hugepages: auto, memory_mb: 256$2 }
http: { port: 80, root: $work/repo }
api: { token_file: $work/api.token }
# The storm runs up to hundreds of clients from each client namespace's one
# address; a rack's nodes each have their own, so the per-source caps (made
# for one real node) are off here and nowhere else.
tftp: { root: $work/root, port: 69, session_ports: 61000-65535,
        per_source_sessions: 0, per_source_rrq_rate: 0 }
YAML
  rb_start "$work/rackboot.yaml" "$1"   # up to 30 s: DPDK init and hugepages
}
stop_rackboot() { kill_wait "$srv_pid"; srv_pid=; }

# The peers (scripts/lib/rack.sh). atftpd: its default of 100 threads is
# fewer than 200 clients; dnsmasq: its default is 50 concurrent transfers.
start_tftpd-hpa() { tftp_peer_start tftpd-hpa "$work/root" "$1"; }
start_atftpd() { tftp_peer_start atftpd "$work/root" "$1" --maxthread 1000 --logfile /dev/null; }
start_dnsmasq() { tftp_peer_start dnsmasq "$work/root" "$1" --tftp-max=1000; }
stop_tftpd-hpa() { tftp_peer_stop; }
stop_atftpd() { tftp_peer_stop; }
stop_dnsmasq() { tftp_peer_stop; }

declare -A NOTE=([rackboot]="$RB_MODE, 2 lcores" [tftpd-hpa]="forks per request"
                 [atftpd]="--maxthread 1000 (default 100)" [dnsmasq]="--tftp-max=1000 (default 50)")
NOTE[rackboot-busypoll]="${NOTE[rackboot]}, idle_sleep_us 0"

# Does the server answer? Up to 15 tries of 1 s.
ready() { tftp_ready probe.bin "$work/root/probe.bin" "$work/ready"; }

# What the server agrees to for blksize 1468 windowsize W: its OACK.
oack() { # w (or mc: the multicast option)
  local opt=(--option "windowsize $1"); [ "$1" = mc ] && opt=(--option multicast)
  ip netns exec "$P-c1" timeout 30 atftp --get -r probe.bin -l "$work/oack.out" --option "blksize $BLK" \
    "${opt[@]}" --trace "$SRV_IP" 2>&1 | sed -n 's/^received OACK <\(.*\)>$/\1/p' | head -1
}

# ---------------------------------------------------------------- load
# Busy ticks of the whole box (everything but idle and iowait).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# CPU time of the server: each server runs in a cgroup of its own (cgroup v2
# cpu.stat, or v1 cpuacct), so threads and forked children (rackboot's
# dataplane, tftpd-hpa's per-request processes) all count. Kernel work done
# in softirq context (forwarding on the rack bridge) is charged to no one.
CG='' CGK=''
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then CG=/sys/fs/cgroup/$P-srv CGK=v2
elif [ -d /sys/fs/cgroup/cpuacct ]; then CG=/sys/fs/cgroup/cpuacct/$P-srv CGK=v1; fi
[ -z "$CG" ] || mkdir -p "$CG" 2>/dev/null || CG='' CGK=''
RB_SRV_CG=$CG   # scripts/lib/rack.sh's srv_exec puts every server in it
srv_cpu() { # microseconds of CPU used in the cgroup so far (0 without one)
  case $CGK in
    v2) awk '$1 == "usage_usec" { print $2 }' "$CG/cpu.stat" ;;
    v1) echo $(( $(cat "$CG/cpuacct.usage") / 1000 )) ;;
    *) echo 0 ;;
  esac
}
# On a shared box: wait up to RB_QUIET_WAIT s for a second under 25% of a
# core, not counting the server's own use (rackboot-busypoll spins a core).
quiet() {
  local i b0 b1 s0 s1 other=0
  for i in $(seq 1 "$QUIET_WAIT"); do
    b0=$(busy); s0=$(srv_cpu); sleep 1; b1=$(busy); s1=$(srv_cpu)
    other=$(( (b1 - b0) * 100 / HZ - (s1 - s0) / 10000 ))
    [ "$other" -lt 25 ] && return 0
  done
  echo "  (box still busy after ${QUIET_WAIT}s, $other% of one core besides the server: measuring anyway)" >&2
}

# One namespace's share of a round, run inside that namespace: start its
# clients, wait for all. Client 1 keeps its copy (compared afterwards); the
# others stream into wc -c, which records the size.
cat > "$work/clients.sh" <<'SH'
#!/bin/bash
# clients.sh DIR TIMEOUT W ID...
dir=$1 t=$2 w=$3; shift 3
# W "mc": the RFC 2090 multicast option instead of a window. A multicast
# client writes blocks out of order (it seeks), so into a file, not a pipe.
opt=(--option "windowsize $w"); [ "$w" = mc ] && opt=(--option multicast)
for i in "$@"; do
  if [ "$i" = 1 ]; then
    { timeout -k 5 "$t" atftp --get -r image.bin -l "$dir/sample" --option "blksize 1468" \
        "${opt[@]}" 198.18.0.1 2> "$dir/err.$i"; stat -c %s "$dir/sample" > "$dir/size.$i"; } &
  elif [ "$w" = mc ]; then
    { timeout -k 5 "$t" atftp --get -r image.bin -l "$dir/out.$i" --option "blksize 1468" \
        "${opt[@]}" 198.18.0.1 2> "$dir/err.$i"; stat -c %s "$dir/out.$i" > "$dir/size.$i"
      rm -f "$dir/out.$i"; } &
  else
    { timeout -k 5 "$t" atftp --get -r image.bin -l /dev/stdout --option "blksize 1468" \
        "${opt[@]}" 198.18.0.1 2> "$dir/err.$i" | wc -c > "$dir/size.$i"; } &
  fi
done
wait
SH
chmod +x "$work/clients.sh"

# round N W TAG: sets R_MBPS (goodput, MB/s), R_FAILS (short downloads),
# R_ERR (what the failed clients said, most frequent first), R_SECS, R_BUSY
# (box busy % of all cores). Globals: a $(...) would hide BG.
round() {
  local n=$1 w=$2 tag=$3 j i k d b ids t0 t1 b0 b1 bytes=0 s e
  rm -f "$work"/r/* "$work/errs"
  touch "$work/errs"
  quiet
  [[ $CUR == rackboot* ]] && c0=$(rb_counts)
  s0=$(srv_cpu); b0=$(busy); t0=$(date +%s.%N)
  BG=()
  if [ "$w" = mc ]; then
    # A multicast client binds the group's port: one client per host, as
    # on a real rack, so each gets a namespace of its own (made once).
    for i in $(seq 1 "$n"); do
      timeout -k 10 $((ROUND_T + 20)) ip netns exec "$P-m$i" "$work/clients.sh" "$work/r" "$ROUND_T" "$w" "$i" &
      BG+=($!)
    done
  elif [ "$CLIENT" = storm ]; then
    # tftp_storm: the namespace's share of the clients in one process,
    # every payload byte checked against the file.
    for j in $(seq 1 "$NS"); do
      k=$(seq "$j" "$NS" "$n" | wc -l)
      [ "$k" -gt 0 ] || continue
      timeout -k 10 $((ROUND_T + 20)) ip netns exec "$P-c$j" timeout -k 5 "$ROUND_T" \
        build/benchmarks/tftp_storm --server "$SRV_IP" --file image.bin --expect "$work/root/image.bin" \
        --clients "$k" --blksize "$BLK" --windowsize "$w" > "$work/r/storm.$j" 2> "$work/r/err.$j" &
      BG+=($!)
    done
  else
    for j in $(seq 1 "$NS"); do
      ids=$(seq "$j" "$NS" "$n" | tr '\n' ' ')
      [ -n "$ids" ] || continue
      # shellcheck disable=SC2086
      timeout -k 10 $((ROUND_T + 20)) ip netns exec "$P-c$j" "$work/clients.sh" "$work/r" "$ROUND_T" "$w" $ids &
      BG+=($!)
    done
  fi
  for i in "${BG[@]}"; do wait "$i" || true; done
  BG=()
  t1=$(date +%s.%N); b1=$(busy); s1=$(srv_cpu)
  R_FAILS=0
  if [ "$CLIENT" = storm ] && [ "$w" != mc ]; then
    # Each storm says clients=, done=, bytes=; a storm that said nothing
    # (killed) failed all of its clients.
    for j in $(seq 1 "$NS"); do
      k=$(seq "$j" "$NS" "$n" | wc -l)
      [ "$k" -gt 0 ] || continue
      read -r d b < <(sed -n 's/.* done=\([0-9]*\) .*bytes=\([0-9]*\) .*/\1 \2/p' "$work/r/storm.$j" 2>/dev/null) || true
      bytes=$((bytes + ${b:-0})); R_FAILS=$((R_FAILS + k - ${d:-0}))
      grep -h '^tftp_storm: client' "$work/r/err.$j" 2>/dev/null |
        sed 's/^tftp_storm: client [0-9]*: //; s/ ([0-9]* bytes, next block [0-9]*)$//' >> "$work/errs" || true
      [ "${d:-0}" = "$k" ] && continue
      { echo "namespace c$j: ${d:-0} of $k done"; head -5 "$work/r/err.$j" 2>/dev/null || true; } >> "$res/raw/$tag.failures.txt"
      [ -s "$work/r/storm.$j" ] || echo "no summary (killed by the round timeout?)" >> "$work/errs"
    done
    cat "$work"/r/storm.* > "$res/raw/$tag.storm.txt" 2>/dev/null || true
  fi
  ids=; [ "$CLIENT" = storm ] && [ "$w" != mc ] || ids=$(seq 1 "$n")
  for i in $ids; do
    s=$(cat "$work/r/size.$i" 2>/dev/null || echo 0)
    if [ "${s:-0}" = "$SIZE" ]; then bytes=$((bytes + s)); else
      R_FAILS=$((R_FAILS + 1))
      e=$(grep -v aborting "$work/r/err.$i" 2>/dev/null | grep -m1 '^tftp: ' || true)
      echo "${e:-no message (killed by the round timeout?)}" >> "$work/errs"
      if [ "$R_FAILS" -le 3 ]; then
        { echo "client $i: ${s:-0} bytes"; cat "$work/r/err.$i" 2>/dev/null || true; } >> "$res/raw/$tag.failures.txt"
      fi
    fi
  done
  R_ERR=$(sort "$work/errs" | uniq -c | sort -rn | head -3 |
          awk '{ c = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? ", " : ""), substr($0, 2), c }')
  if [ -f "$work/r/size.1" ] && [ "$(cat "$work/r/size.1")" = "$SIZE" ] && ! cmp -s "$work/r/sample" "$work/root/image.bin"; then
    R_FAILS=$((R_FAILS + 1)); echo "client 1: right size, wrong bytes" >> "$res/raw/$tag.failures.txt"
  fi
  read -r R_MBPS R_SECS R_BUSY R_SCPU < <(awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v k="$((b1 - b0))" \
    -v sc="$((s1 - s0))" -v cg="${CGK:+1}" -v hz="$HZ" 'BEGIN { printf "%.1f %.1f %.0f %s\n", b / (t1 - t0) / 1e6, t1 - t0,
      100 * k / hz / (t1 - t0), (b > 0 && cg ? sprintf("%.2f", sc / 1e6 / (b / 1e9)) : "-") }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CUR" "$n" "$w" "$tag" "$bytes" "$R_SECS" "$R_MBPS" "$R_FAILS" >> "$res/rounds.tsv"
  R_RB=
  if [[ $CUR == rackboot* ]]; then
    # What rackboot says it did: payload copies per DATA block (0 where
    # the port sends chained mbufs), and for multicast the frames sent to
    # the group per block of the file.
    read -r k0 bl0 mc0 <<<"$c0"; read -r k1 bl1 mc1 <<<"$(rb_counts)"
    R_RB=$(awk -v k=$((k1 - k0)) -v b=$((bl1 - bl0)) -v m=$((mc1 - mc0)) -v nb=$((SIZE / BLK + 1)) \
      -v mc="$([ "$w" = mc ] && echo 1 || echo 0)" 'BEGIN {
        printf "%d copies in %d blocks", k, b; if (mc) printf ", %.2f group frames per file block", m / nb }')
    echo "$R_RB" >> "$res/raw/$tag.rackboot.txt"
  fi
  echo "  $tag: $n x $SIZE_MB MiB, windowsize $w: $R_MBPS MB/s in $R_SECS s, $R_FAILS failed, box busy $R_BUSY%, server $R_SCPU CPU-s/GB${R_RB:+; $R_RB}" >&2
}

rb_counts() { # tftp_copies tftp_blocks tftp_mc_blocks from rackboot's /metrics
  ip netns exec "$P-c1" curl -s --max-time 5 "http://$SRV_IP/metrics" | awk '
    $1 == "rackboot_dp_tftp_copies_total" { c = $2 } $1 == "rackboot_dp_tftp_blocks_total" { b = $2 }
    $1 == "rackboot_dp_tftp_mc_blocks_total" { m = $2 } END { print c + 0, b + 0, m + 0 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------- link
# The blaster: "send IP PORT SECS LEN" sends LEN-byte UDP payloads with
# sendmmsg for SECS s; "recv PORT SECS" counts what arrives (recvmmsg) and
# prints packets and packets/s between the first and the last one.
cat > "$work/blast.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define BATCH 64
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv)
{
	static char buf[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec v[BATCH];
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s = socket(AF_INET, SOCK_DGRAM, 0), i, big = 16 << 20;
	if (argc < 4 || s < 0) return 2;
	memset(m, 0, sizeof m);
	if (!strcmp(argv[1], "send") && argc == 6) {
		double secs = atof(argv[4]), t0 = now();
		int len = atoi(argv[5]);
		long sent = 0, errs = 0;
		inet_pton(AF_INET, argv[2], &a.sin_addr);
		a.sin_port = htons(atoi(argv[3]));
		if (connect(s, (struct sockaddr *)&a, sizeof a)) return 1;
		for (i = 0; i < BATCH; i++) {
			v[i].iov_base = buf[i]; v[i].iov_len = len;
			m[i].msg_hdr.msg_iov = &v[i]; m[i].msg_hdr.msg_iovlen = 1;
		}
		while (now() - t0 < secs) {
			int r = sendmmsg(s, m, BATCH, 0);
			if (r > 0) sent += r; else errs++;
		}
		printf("sent %ld errors %ld\n", sent, errs);
		return 0;
	}
	if (!strcmp(argv[1], "recv") && argc == 4) {
		double secs = atof(argv[3]), t0 = now(), first = 0, last = 0;
		struct timeval tv = { 0, 200000 };
		long n = 0;
		a.sin_port = htons(atoi(argv[2]));
		setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (bind(s, (struct sockaddr *)&a, sizeof a)) return 1;
		for (i = 0; i < BATCH; i++) {
			v[i].iov_base = buf[i]; v[i].iov_len = sizeof buf[i];
			m[i].msg_hdr.msg_iov = &v[i]; m[i].msg_hdr.msg_iovlen = 1;
		}
		while (now() - t0 < secs) {
			int r = recvmmsg(s, m, BATCH, MSG_WAITFORONE, NULL);
			if (r <= 0) { if (n && now() - last > 0.5) break; continue; }
			if (!n) first = now();
			n += r; last = now();
		}
		printf("received %ld pps %.0f\n", n, n > 1 && last > first ? n / (last - first) : 0);
		return 0;
	}
	return 2;
}
C
cc -O2 -Wall -o "$work/blast" "$work/blast.c"

# Blast from b1 to b2 across the bridge with BLAST_N senders at once (one
# sender is CPU-bound before the bridge is: on 2 cores one reached ~60% of
# what two did, three or four no more than two); prints received packets/s.
blast() { # rep
  local out=$res/raw/blast-$1 rpid k spids=()
  timeout $((BLAST_S + 10)) ip netns exec "$P-b2" "$work/blast" recv 5001 $((BLAST_S + 3)) > "$out.recv" &
  rpid=$!
  sleep 0.5
  for k in $(seq 1 "$BLAST_N"); do
    timeout $((BLAST_S + 10)) ip netns exec "$P-b1" "$work/blast" send 198.18.0.31 5001 "$BLAST_S" 1472 > "$out.send$k" &
    spids+=($!)
  done
  for k in "${spids[@]}"; do wait "$k" || true; done
  wait "$rpid" || true
  awk '/^received/ { print $4 }' "$out.recv"
}

# ---------------------------------------------------------------- main
scripts/rack.sh up >/dev/null
for j in $(seq 1 "$NS"); do scripts/rack.sh client "c$j" "198.18.0.$((9 + j))/24" >/dev/null; done
if [[ " $WINDOWS " == *" mc "* ]]; then   # multicast rounds: a host per client
  maxn=0; for n in $CLIENTS; do [ "$n" -gt "$maxn" ] && maxn=$n; done
  [ "$maxn" -le 200 ] || die "multicast rounds: at most 200 clients (one namespace each, 198.18.0.40-239)"
  for i in $(seq 1 "$maxn"); do scripts/rack.sh client "m$i" "198.18.0.$((39 + i))/24" >/dev/null; done
fi
scripts/rack.sh client b1 198.18.0.30/24 >/dev/null
scripts/rack.sh client b2 198.18.0.31/24 >/dev/null
printf 'server\tclients\twindowsize\tround\tbytes\tsecs\tMBps\tfailed\n' > "$res/rounds.tsv"
{
  echo "tftp_bench: $(nproc) cores, kernel $(uname -r), $(atftp --version 2>&1 | head -1)"
  echo "servers: $SERVERS; clients $CLIENTS; windowsize $WINDOWS; blksize $BLK; $SIZE_MB MiB file; reps $REPS"
  if [ "$CLIENT" = storm ]; then
    echo "clients: tftp_storm (one process per namespace, a socket per download, every byte checked), spread over $NS namespaces; multicast rounds: atftp; round timeout ${ROUND_T}s"
  else
    echo "clients: atftp, spread over $NS namespaces; round timeout ${ROUND_T}s"
  fi
  echo "peers: tftpd-hpa forks per request; atftpd --maxthread 1000 (default 100);" \
       "dnsmasq --tftp-max=1000 (its default is 50 concurrent transfers)"
} | tee "$res/env.txt" >&2

# The link first, with no server running.
printf 'rep\tpps\n' > "$res/blast.tsv"
pps=()
for r in $(seq 1 "$REPS"); do
  quiet
  p=$(blast "$r"); p=${p:-0}
  printf '%s\t%s\n' "$r" "$p" >> "$res/blast.tsv"
  echo "  link blast $r: $p packets/s of 1500 bytes" >&2
  pps+=("$p")
done
LINK_PPS=$(printf '%s\n' "${pps[@]}" | median)
LINK_MBPS=$(awk -v p="$LINK_PPS" -v b="$BLK" 'BEGIN { printf "%.1f", p * b / 1e6 }')
link_line=$(awk -v p="$LINK_PPS" -v m="$LINK_MBPS" -v s="$BLAST_S" -v n="$REPS" -v k="$BLAST_N" 'BEGIN {
  printf "rack link (veth-bridge-veth, UDP blast from %d senders, 1500-byte packets, %s s, median of %d): %.3f Mpps = %.2f Gbit/s of IP packets = %s MB/s of 1468-byte TFTP payload", k, s, n, p / 1e6, p * 1500 * 8 / 1e9, m }')
echo "$link_line" | tee -a "$res/env.txt" >&2

declare -A ROW
for name in $SERVERS; do
  CUR=$name
  base_note=${NOTE[$name]:-}
  if ! declare -F "start_$name" >/dev/null; then
    for n in $CLIENTS; do for w in $WINDOWS; do ROW[$name,$n,$w]="| $name | $n | $w | - | - | - | 0/$REPS | failed (unknown server) |"; done; done
    continue
  fi
  log=$res/raw/$name.server.log
  why=
  if ! "start_$name" "$log"; then why="did not start (raw/$name.server.log)"
  elif ! ready; then why="no TFTP answer (raw/$name.server.log)"; "stop_$name"; fi
  if [ -n "$why" ]; then
    echo "$name: failed: $why" >&2
    for n in $CLIENTS; do for w in $WINDOWS; do ROW[$name,$n,$w]="| $name | $n | $w | - | - | - | 0/$REPS | failed: $why |"; done; done
    continue
  fi
  declare -A WNOTE=()
  for w in $WINDOWS; do
    o=$(oack "$w" || true)
    echo "$name: OACK for blksize $BLK windowsize $w: ${o:-none}" | tee -a "$res/env.txt" >&2
    WNOTE[$w]=
    [[ $o == *"blksize: $BLK,"* ]] || WNOTE[$w]="blksize $BLK not acknowledged"
    if [ "$w" = mc ]; then
      [[ $o == *"multicast: "* ]] || WNOTE[$w]="${WNOTE[$w]:+${WNOTE[$w]}; }no multicast in OACK: unicast"
    elif [ "$w" != 1 ] && [[ $o != *"windowsize: $w,"* ]]; then WNOTE[$w]="${WNOTE[$w]:+${WNOTE[$w]}; }no windowsize in OACK: lockstep"; fi
  done
  declare -A V=() NF=() BZ=() SC=() FW=() RBN=()
  for rep in $(seq 1 "$REPS"); do
    for n in $CLIENTS; do
      for w in $WINDOWS; do
        round "$n" "$w" "$name-n$n-w$w-r$rep"
        [ -n "$R_RB" ] && RBN[$n,$w]=$R_RB
        if [ "$R_FAILS" = 0 ]; then V[$n,$w]+="$R_MBPS " BZ[$n,$w]+="$R_BUSY " SC[$n,$w]+="$R_SCPU "; else
          NF[$n,$w]=$(( ${NF[$n,$w]:-0} + 1 ))
          # The last failed run, for the notes: how many, why, and the goodput
          # of the downloads that did complete.
          FW[$n,$w]="$R_FAILS of $n downloads short ($R_ERR), $R_MBPS MB/s from the complete ones"
        fi
        kill -0 "$srv_pid" 2>/dev/null || break 3
      done
    done
  done
  alive=yes; kill -0 "$srv_pid" 2>/dev/null || alive=no
  "stop_$name"
  for n in $CLIENTS; do
    for w in $WINDOWS; do
      vals=${V[$n,$w]:-} ok=0
      [ -n "$vals" ] && ok=$(wc -w <<<"$vals")
      note=$base_note
      [ -n "${WNOTE[$w]}" ] && note="$note; ${WNOTE[$w]}"
      [ -n "${RBN[$n,$w]:-}" ] && note="$note; last run: ${RBN[$n,$w]}"
      [ "${NF[$n,$w]:-0}" -gt 0 ] && note="$note; ${NF[$n,$w]} failed run(s), last: ${FW[$n,$w]} (raw/$name-n$n-w$w-r*.failures.txt)"
      [ "$alive" = no ] && note="$note; server exited during the run"
      if [ "$ok" = 0 ]; then
        ROW[$name,$n,$w]="| $name | $n | $w | failed | - | - | 0/$REPS | $note |"
        continue
      fi
      med=$(tr ' ' '\n' <<<"$vals" | grep . | median)
      bz=$(tr ' ' '\n' <<<"${BZ[$n,$w]}" | grep . | median)
      sc=$(tr ' ' '\n' <<<"${SC[$n,$w]}" | grep '^[0-9]' | median); sc=${sc:--}
      pct=$(awk -v m="$med" -v l="$LINK_MBPS" 'BEGIN { printf "%.0f%%", (l > 0 ? 100 * m / l : 0) }')
      ROW[$name,$n,$w]="| $name | $n | $w | $med | $pct | $sc | $ok/$REPS | $note; box busy ${bz}% of $((100 * $(nproc))) |"
    done
  done
  CUR=
done

{
  echo "TFTP aggregate goodput, $SIZE_MB MiB file, blksize $BLK, $([ "$CLIENT" = storm ] && echo tftp_storm || echo atftp) clients over $NS namespaces, median MB/s (10^6) of $REPS run(s), $(nproc) cores"
  echo "$link_line"
  echo
  echo "| server | clients | windowsize | median MB/s | % of link | server CPU-s per GB | runs | notes |"
  echo "|---|---|---|---|---|---|---|---|"
  for name in $SERVERS; do
    for n in $CLIENTS; do for w in $WINDOWS; do echo "${ROW[$name,$n,$w]}"; done; done
  done
} | tee "$res/table.md"
echo "(raw output in $res)"
