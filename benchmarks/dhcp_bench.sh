#!/usr/bin/env bash
# dhcp_bench.sh: DHCP DORA exchanges/s at <= 2.5% loss, rackboot and its peers,
# on the same private virtual rack, in one run.
#
# Every server gets the same network: server 198.18.0.1/16, one subnet
# 198.18.0.0/16, pool 198.18.1.0-198.18.255.254 (65022 addresses; a /24 pool
# would run dry under perfdhcp's random clients). perfdhcp runs in client
# namespaces as a relay agent (-l <its own address>): it sets giaddr to that
# address, 198.18.0.1x, inside the served subnet, and sends unicast to the
# server. That is the one perfdhcp mode every server answers (a server that
# only serves its own subnet picks the subnet by giaddr).
#
# Method, per server and repetition: a rate search. Each step starts the
# server afresh (empty lease database: dnsmasq's allocation cost grows with
# its lease table, so a reused server would make a step depend on the steps
# before it), runs perfdhcp for RB_PERIOD seconds at an offered rate, and
# measures achieved DORA/s (ACKs / period) and loss (1 - ACKs / DISCOVERs
# sent). The rate grows by RB_RATE_FACTOR until loss exceeds RB_MAX_DROP %
# or the achieved rate stops growing; then RB_REFINE bisection steps between
# the last good and the first bad rate. The result of a repetition is the
# best achieved rate with loss <= RB_MAX_DROP; the table shows the median
# over RB_REPS repetitions, perfdhcp's CPU % (to see whether the client is
# the bottleneck on a small box), the server's CPU % and the whole box's
# busy % (other work on a shared box shows there; each step first waits for
# the box to be idle). Every step is a line of steps.tsv in the results.
#
# A server is a pair of functions start_<name>/stop_<name>; RB_SERVERS lists
# the ones to run ("-" in a name stands for "_": rackboot-pg is
# start_rackboot_pg). Bounded: every perfdhcp and server start has a timeout;
# everything started here is stopped by PID; the rack is removed on exit.
#
# The shared lease store (issue 14): rackboot-pg is rackboot with its
# leases in PostgreSQL, rackboot-pg2 two rackboot servers (198.18.0.1 and
# 198.18.0.2, each its own namespace and port on the rack) sharing that
# database, every request relayed to both (dhcp_storm --server twice: a
# broadcast reaches both), rackboot-pg2-balance the same two splitting the
# clients (dhcp.balance 1/2 and 2/2), kea-pg kea-dhcp4 with its PostgreSQL lease
# backend. All of them use one temporary PostgreSQL server for the whole run
# (scripts/pg_cluster.sh: unix socket, fsync on, in a fresh directory under
# /tmp, the same disk as the other servers' lease files), databases
# `rackboot` and `kea`; each step empties the lease tables first (TRUNCATE).
# Their rows also show PostgreSQL's CPU %.
#
# usage: benchmarks/dhcp_bench.sh [REPS (default 3)]
# env:   RB_SERVERS="rackboot dnsmasq kea" (also rackboot-pg rackboot-pg2
#        rackboot-pg2-balance rackboot-pg2-fifo kea-pg)
#        RB_REPS=3  RB_PERIOD=10
#        RB_START_RATE=200  RB_RATE_FACTOR=1.5  RB_MAX_STEPS=14  RB_REFINE=2
#        RB_MAX_DROP=2.5  RB_PERFDHCP_PROCS=1  RB_CLIENTS=60000 (total)
#        RB_PERFDHCP_THREADS=single|multi  RB_KEA_SOCKET=udp|raw
#        RB_KEA_THREADS=0 (kea's multi-threading: 0 its default, off in 2.2;
#        N enables it with N threads)
#        RB_RB_MODE=af_xdp|af_packet (rackboot port mode)  RB_RESULTS=results
#        RB_STATE_DIR=/tmp (lease files)  RB_QUIET_WAIT=30 (s to wait for an idle box)
#        RB_LOADGEN=storm|perfdhcp|rackboot-storm (storm: one dhcp_storm
#        process; perfdhcp: RB_PERFDHCP_PROCS processes; rackboot-storm: see
#        below)
#        RB_STORM_VDEV=net_af_packet0,iface=eth0,... (rackboot-storm's port)
#        RB_PERF=auto|1|0 (perf profiles of the servers, below; auto: when
#        perf is installed)  RB_PERF_SECS=5  RB_PERF_HZ=499
#
# RB_LOADGEN=rackboot-storm: the generator is rackboot-storm's DORA rate mode
# (build/benchmarks/rackboot-storm --dora-rate, benchmarks/storm_dora.h) on
# a DPDK af_packet port in a client namespace of the rack without an
# address: PXE firmware's broadcast DISCOVER and REQUEST (no relay, no
# kernel socket on the client side), the same open loop, clients cycled,
# timeout and loss as dhcp_storm. Kea then needs raw sockets (its clients
# have no address): RB_KEA_SOCKET is raw. dnsmasq answers them too.
#
# Where the time went: with perf (RB_PERF), every step samples the server's
# processes (rackboot: control and dataplane; both servers of rackboot-pg2)
# with `perf record -g` at RB_PERF_HZ for RB_PERF_SECS (or the period, if
# shorter) while the load runs; the heaviest step of each server's median
# repetition (the highest offered rate: where it fell short) is summarised,
# its top symbols by self time, in perf.md next to table.md. perf missing
# with RB_PERF=1 is an error (scripts/deps.sh installs linux-perf); with
# auto, perf.md says it was not run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/rack.sh
. scripts/lib/rack.sh
# shellcheck source=scripts/lib/bench.sh
. scripts/lib/bench.sh
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh

REPS=${1:-${RB_REPS:-3}}
SERVERS=${RB_SERVERS:-"rackboot dnsmasq kea"}
PERIOD=${RB_PERIOD:-10}
START_RATE=${RB_START_RATE:-200}
FACTOR=${RB_RATE_FACTOR:-1.5}
MAX_STEPS=${RB_MAX_STEPS:-14}
REFINE=${RB_REFINE:-2}
MAX_DROP=${RB_MAX_DROP:-2.5}
PROCS=${RB_PERFDHCP_PROCS:-1}
CLIENTS=${RB_CLIENTS:-60000}
# Single-threaded perfdhcp reached a higher rate with less CPU than its
# default multi-thread mode on 2 cores (its receiver thread competes with
# the server for the second core).
THREADS=${RB_PERFDHCP_THREADS:-single}
KEA_SOCKET=${RB_KEA_SOCKET:-udp}
KEA_THREADS=${RB_KEA_THREADS:-0}
RB_MODE=${RB_RB_MODE:-af_xdp}
# The load generator: storm (build/benchmarks/dhcp_storm: relay-mode DORA
# with sendmmsg/recvmmsg, a few % of a core per 10k exchanges/s) or perfdhcp
# (Kea's tool; about one core per 12k exchanges/s on this box, so it is the
# ceiling before the faster servers are).
LOADGEN=${RB_LOADGEN:-storm}
STORM=build/benchmarks/dhcp_storm
RBSTORM=build/benchmarks/rackboot-storm
# The storm's port: af_packet with a ring big enough for its bursts
# (README "Rack storm"). 32768 frames (64 MiB of kernel memory each way):
# with 8192 the storm, sharing two cores with the server, lost 53,675
# received frames (rx_lost) in a 3 s step at 60,000 DORA/s that the server
# had all answered, and the search stopped at 45,213; with 32768 the same
# run lost none up to 53,453/s sent and found 53,202 (2026-12-08).
RBSTORM_VDEV=${RB_STORM_VDEV:-net_af_packet0,iface=eth0,blocksz=4096,framesz=2048,framecnt=32768}
PERF=${RB_PERF:-auto}
PERF_SECS=${RB_PERF_SECS:-5}
PERF_HZ=${RB_PERF_HZ:-499}
QUIET_WAIT=${RB_QUIET_WAIT:-30}

die() { echo "dhcp_bench.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
command -v perfdhcp >/dev/null || die "perfdhcp missing (apt-get install kea-admin)"
[[ $REPS =~ ^[1-9][0-9]*$ && $PROCS =~ ^[1-9]$ && $PERIOD =~ ^[1-9][0-9]*$ ]] ||
  die "REPS, RB_PERIOD must be positive integers, RB_PERFDHCP_PROCS 1..9"
[[ $KEA_THREADS =~ ^[0-9]+$ ]] || die "RB_KEA_THREADS must be a number"
case $LOADGEN in
  storm | perfdhcp) ;;
  rackboot-storm)
    [ -x "$RBSTORM" ] || die "$RBSTORM missing (scripts/build.sh, with the dataplane)"
    KEA_SOCKET=raw ;;
  *) die "RB_LOADGEN: storm, perfdhcp or rackboot-storm" ;;
esac
[[ $PERF_SECS =~ ^[1-9][0-9]*$ && $PERF_HZ =~ ^[1-9][0-9]*$ ]] || die "RB_PERF_SECS, RB_PERF_HZ: positive integers"
case $PERF in
  auto) if command -v perf >/dev/null; then PERF=1; else PERF=0 PERF_WHY="perf not installed (scripts/deps.sh installs linux-perf)"; fi ;;
  1) command -v perf >/dev/null || die "RB_PERF=1 but perf is missing (scripts/deps.sh installs linux-perf)" ;;
  0) PERF_WHY="RB_PERF=0" ;;
  *) die "RB_PERF: auto, 1 or 0" ;;
esac

# The PostgreSQL servers need a database server: run this script again
# under scripts/pg_cluster.sh, which starts one (RB_PG_URI and the rest in
# the environment) and removes it when we exit.
PG=0
for name in $SERVERS; do case $name in *pg*) PG=1 ;; esac; done
if [ "$PG" = 1 ] && [ -z "${RB_PG_URI:-}" ]; then
  exec scripts/pg_cluster.sh benchmarks/dhcp_bench.sh "$@"
fi

# Our own rack prefix, never the caller's: `rack.sh down` removes every
# namespace with the prefix, and "rb" may be a rack someone is using.
export RB_PREFIX=rbp$$   # rbp: this script; rbd, rbt, rbb are the tests and http_bench
P=$RB_PREFIX
ip netns list | awk '{print $1}' | grep -q "^$P-" && die "namespaces $P-* already exist"

SRV_IP=198.18.0.1
SRV_CIDR=$SRV_IP/16
SRV2_IP=198.18.0.2      # rackboot-pg2's second server, namespace $P-s2
# The addresses the load generator sends every request to (all of them);
# a start function with two servers sets it, its stop function resets it.
SRV_ADDRS=("$SRV_IP")
srv2_pid=''
client_ip() { echo "198.18.0.$((10 + $1))"; }
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

stamp=$(date +%Y%m%d-%H%M%S)
res=${RB_RESULTS:-results}/dhcp-$stamp
mkdir -p "$res/raw"
# Lease files live here: on disk by default, as in production (dnsmasq
# rewrites and fsyncs its whole lease file after each batch of changes, Kea
# appends to its CSV); RB_STATE_DIR=/dev/shm takes the disk out of it.
work=$(mktemp -d "${RB_STATE_DIR:-/tmp}/rackboot-dhcpbench.XXXXXX")
chmod 755 "$work"        # dnsmasq drops privileges after opening its files
CUR='' PERF_PIDS=() PROF_PID=''

cleanup() {
  local pid
  for pid in "${PERF_PIDS[@]}" $PROF_PID; do kill "$pid" 2>/dev/null || true; done
  [ -n "$srv_pid$srv2_pid" ] && [ -n "$CUR" ] && { "stop_$CUR" || true; }
  scripts/rack.sh down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Servers are stopped with kill_wait (scripts/lib/rack.sh): TERM, up to
# 10 s to exit (kea writes its lease file on the way out), then KILL.

# ---------------------------------------------------------------- servers
# start_<name> DIR LOG: start the server with its state in DIR (fresh for each
# step), set srv_pid, return non-zero if it did not start. stop_<name>: stop
# it and undo what start did. Readiness (answers DHCP) is checked by the caller.

start_dnsmasq() {
  command -v dnsmasq >/dev/null || { echo "dnsmasq not installed" > "$2"; return 1; }
  srv_addr_add "$SRV_CIDR"
  # --no-ping: dnsmasq otherwise pings every address before offering it and
  # holds the OFFER ~3 s for the echo timeout; perfdhcp then counts every new
  # client as lost. Kea does no such check by default either.
  # --quiet-dhcp + --log-facility=-: no per-packet logging, none to syslog.
  # ip netns exec directly, not the in_srv function: `in_srv ... &` would be
  # a subshell, and $! its PID rather than dnsmasq's.
  ip netns exec "$P-srv" dnsmasq --no-daemon --conf-file=/dev/null --pid-file= --port=0 \
    --interface="$P-srv0" --bind-interfaces --dhcp-authoritative --no-ping \
    --dhcp-range=198.18.1.0,198.18.255.254,255.255.0.0,1h \
    --dhcp-option=3,$SRV_IP --dhcp-lease-max=1000000 \
    --dhcp-leasefile="$1/dnsmasq.leases" --quiet-dhcp --log-facility=- > "$2" 2>&1 &
  srv_pid=$!
}
stop_dnsmasq() {
  kill_wait "$srv_pid"; srv_pid=
  srv_addr_del "$SRV_CIDR"
}

# kea_bench DIR LOG [LEASE-DATABASE]: Kea for this benchmark (the one subnet
# and pool, $KEA_SOCKET sockets, $KEA_THREADS threads), scripts/lib/peers.sh.
kea_bench() {
  srv_addr_add "$SRV_CIDR"
  local mt=''
  [ "$KEA_THREADS" = 0 ] ||
    mt="\"multi-threading\": { \"enable-multi-threading\": true, \"thread-pool-size\": $KEA_THREADS, \"packet-queue-size\": 64 },"
  # "udp" sockets take relayed (unicast) traffic; "raw" works too but was
  # slower here, and is only needed for clients without an address.
  kea_start "$1" "$2" "$KEA_SOCKET" 198.18.0.0/16 198.18.1.0-198.18.255.254 "" "${3:-}" "$mt"
}
start_kea() {
  kea_bench "$1" "$2"
}
stop_kea() {
  kill_wait "$srv_pid"; srv_pid=
  srv_addr_del "$SRV_CIDR"
}

# ===== rackboot ========================================================
# rackboot holds the server address itself (server.address); the kernel
# side of the port carries none. The dhcp section follows the config
# contract in control/config.h (mode, database, lease_time, rate_limit,
# subnets); rate_limit 0 turns off the per-client limit, which perfdhcp's
# random clients would not hit anyway.
# rb_config DIR ADDRESS DATABASE-LINES: write DIR/rackboot.yaml, a server
# at ADDRESS on the port of namespace $P-$SRV_NS (srv unless set), its
# roots in DIR, the dhcp section's database key(s) given as YAML lines.
rb_config() {
  mkdir -p "$1/repo" "$1/tftp"
  local exc=xdp ns=${SRV_NS:-srv}; [ "$RB_MODE" = af_xdp ] || exc=tap
  cat > "$1/rackboot.yaml" <<YAML
server: { address: $2/16 }
port: { mode: $RB_MODE, interface: $P-${ns}0, exception: $exc, tap_name: ${P}t$ns }
dataplane: { lcores: "0,1", hugepages: auto, memory_mb: 256 }
http: { port: 80, root: $1/repo }
api: { token_file: $1/api.token }
tftp: { root: $1/tftp }
dhcp:
  mode: server
$3
  lease_time: 3600
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/16
      pool: 198.18.1.0-198.18.255.254
      routers: [$SRV_IP]
YAML
}
rb_built() {
  [ -x build/control/rackboot ] || { echo "build/control/rackboot missing (scripts/build.sh)" > "$1"; return 1; }
}
start_rackboot() {
  rb_built "$2" || return 1
  rb_config "$1" "$SRV_IP" "  database: $1/leases.db"
  rb_start "$1/rackboot.yaml" "$2"   # up to 30 s: DPDK init and hugepages
}
stop_rackboot() { kill_wait "$srv_pid"; srv_pid=; }
# ===== end rackboot ====================================================

# ===== PostgreSQL ======================================================
# One server for the run (see the top); psql as its superuser (PG* set by
# scripts/pg_cluster.sh). pg_sql DB SQL.
pg_sql() { "$RB_PG_BIN/psql" -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
# The postmaster's PID: its CPU and its backends' is PostgreSQL's share.
pg_pid() { head -1 "$RB_PG_DIR/data/postmaster.pid" 2>/dev/null || true; }
# Empty rackboot's lease store (the schema stays: rackboot made it on its
# first start, and checks its version at every start).
pg_empty_rackboot() {
  pg_sql rackboot "DO \$\$ BEGIN IF to_regclass('leases') IS NOT NULL THEN
                     TRUNCATE leases; END IF; END \$\$"
}
# The rackboot database keys: the password comes from a file the service
# user owns (scripts/pg_cluster.sh made it), never the config.
RB_PG_YAML="  database: ${RB_PG_URI:-}
  database_password_file: ${RB_PG_SERVICE_PASSWORD_FILE:-}"

start_rackboot_pg() {
  rb_built "$2" || return 1
  pg_empty_rackboot > "$2" 2>&1 || return 1
  rb_config "$1" "$SRV_IP" "$RB_PG_YAML"
  rb_start "$1/rackboot.yaml" "$2"
}
stop_rackboot_pg() { kill_wait "$srv_pid"; srv_pid=; }

# Two servers on the one database; the storm sends every request to both.
# As configured by default, both answer every DISCOVER (both offer, the
# client takes the first); RB_PG2_BALANCE=1 splits the clients instead
# (dhcp.balance 1/2 and 2/2: each DISCOVER answered by one of them;
# rackboot-pg2-balance below).
start_rackboot_pg2() {
  rb_built "$2" || return 1
  pg_empty_rackboot > "$2" 2>&1 || return 1
  mkdir -p "$1/s2"
  local b1='' b2=''
  if [ "${RB_PG2_BALANCE:-0}" = 1 ]; then
    b1=$'\n  balance: 1/2' b2=$'\n  balance: 2/2'
  fi
  rb_config "$1" "$SRV_IP" "$RB_PG_YAML$b1"
  SRV_NS=s2 rb_config "$1/s2" "$SRV2_IP" "$RB_PG_YAML$b2"
  rb_start "$1/rackboot.yaml" "$2" || return 1
  local first=$srv_pid
  if ! SRV_NS=s2 rb_start "$1/s2/rackboot.yaml" "${2%.log}.s2.log"; then
    kill_wait "$first"; srv_pid=; return 1
  fi
  srv2_pid=$srv_pid srv_pid=$first
  SRV_ADDRS=("$SRV_IP" "$SRV2_IP")
}
stop_rackboot_pg2() {
  kill_wait "$srv_pid"; srv_pid=
  [ -z "$srv2_pid" ] || kill_wait "$srv2_pid"
  srv2_pid=
  SRV_ADDRS=("$SRV_IP")
}
# The same two servers picking addresses in FIFO order (dhcp.pool_order:
# fifo) instead of the shared store's default, client-hash: what the
# default buys, in the same run.
start_rackboot_pg2_fifo() {
  RB_PG_YAML="$RB_PG_YAML
  pool_order: fifo" start_rackboot_pg2 "$@"
}
stop_rackboot_pg2_fifo() { stop_rackboot_pg2; }
# The same two servers splitting the clients (dhcp.balance).
start_rackboot_pg2_balance() { RB_PG2_BALANCE=1 start_rackboot_pg2 "$@"; }
stop_rackboot_pg2_balance() { stop_rackboot_pg2; }

# Kea on its own database (schema from Kea's own script, made once below).
# Its config carries the password ("password" is the only way Kea 2.2
# takes one): the step's directory is made private (0700, root's) first.
start_kea_pg() {
  pg_sql kea "TRUNCATE lease4, lease4_stat" > "$2" 2>&1 || return 1
  chmod 0700 "$1"
  local pw
  pw=$(cat "$RB_PG_PASSWORD_FILE")
  kea_bench "$1" "$2" "{ \"type\": \"postgresql\", \"name\": \"kea\", \"host\": \"$RB_PG_DIR\",
    \"port\": ${PGPORT:-5432}, \"user\": \"postgres\", \"password\": \"$pw\" }"
}
stop_kea_pg() { stop_kea; }
# ===== end PostgreSQL ==================================================

# ---------------------------------------------------------------- perfdhcp
# Counters from one perfdhcp report: DISCOVERs sent, ACKs received, CPU
# seconds (bash `times` after it exits: children's user + system).
parse_perf() { # file -> "disc_sent acks cpu_s"
  awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } /Statistics for: REQUEST-ACK/ { s = 2 }
       /^sent packets:/ { sent[s] = $3 } /^received packets:/ { recv[s] = $3 }
       /^[0-9]+m[0-9.]+s [0-9]+m[0-9.]+s$/ { split($1, u, /[ms]/); split($2, y, /[ms]/)
                                            cpu = u[1] * 60 + u[2] + y[1] * 60 + y[2] }
       END { printf "%d %d %.2f\n", sent[1], recv[2], cpu }' "$1"
}

# CPU ticks of a process and its children (rackboot's dataplane is a child).
ticks() { # pid
  local p t=0
  for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    [ -r "/proc/$p/stat" ] || continue
    # Fields after the ")" of comm: utime and stime are the 12th and 13th.
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}

# busy (scripts/lib/bench.sh): with the server's and perfdhcp's shares it
# shows what else was running, kernel networking for the rack included.

# On a shared box other work skews a step: before each one, wait up to
# RB_QUIET_WAIT seconds for a second with the box under 25% of one core busy.
quiet() {
  local i b0 b1
  for i in $(seq 1 "$QUIET_WAIT"); do
    b0=$(busy); sleep 1; b1=$(busy)
    [ $(((b1 - b0) * 100 / HZ)) -lt 25 ] && return 0
  done
  echo "  (box still busy after ${QUIET_WAIT}s, $(((b1 - b0) * 100 / HZ))% of one core: measuring anyway)" >&2
}

# Does the server at ADDR answer relayed DORA? 20 exchanges in 1 s from
# client 1. Returns 1 if it never answers, 2 if it exited.
ready_one() { # log addr
  local i out
  for i in 1 2 3 4 5; do
    out=$(timeout 10 ip netns exec "$P-c1" perfdhcp -4 -l "$(client_ip 1)" -r 20 -p 1 \
            -W 300000 -R 1 -b mac=02:ee:00:00:00:01 "$2" 2>&1 || true)
    echo "$out" >> "$1"
    [ "$(echo "$out" | awk '/^received packets:/ { n = $3 } END { print n + 0 }')" -gt 0 ] && return 0
    kill -0 "$srv_pid" 2>/dev/null || return 2
  done
  return 1
}
# Every server of the step answers.
ready() { # log
  local a
  for a in "${SRV_ADDRS[@]}"; do ready_one "$1" "$a" || return; done
}

# One measurement at an offered rate on a fresh server. Sets R_STATUS (ok,
# start: did not start, noreply: no DHCP answers) and, when ok, R_ACH
# (achieved DORA/s), R_DROP (loss %), R_CPU (perfdhcp CPU %, the busiest
# process), R_SRV (server CPU %, both servers of rackboot-pg2), R_DB
# (PostgreSQL's CPU %, - without it). Globals, not output: a $(...) subshell
# would hide srv_pid from the cleanup trap.
step() { # server rate tag
  local name=$1 rate=$2 tag=$3 dir i t0 t1 k0 k1 b0 b1 d0=0 d1=0 pgp tot_sent=0 tot_acks=0 cpu_max=0 s a c
  dir=$work/$tag; mkdir -p "$dir"
  CUR=$name R_STATUS=start
  quiet
  "start_$name" "$dir" "$res/raw/$tag.server.log" || return 0
  local rc=0
  ready "$res/raw/$tag.ready.txt" || rc=$?
  if [ "$rc" != 0 ]; then
    "stop_$name"
    [ "$rc" = 2 ] || R_STATUS=noreply
    return 0
  fi
  local per_rate=$(( (rate + PROCS - 1) / PROCS )) per_clients=$((CLIENTS / PROCS))
  # No -D: perfdhcp 2.2 counts exchanges still in flight as drops, so both
  # "-D N%" (checked after 10 exchanges) and "-D N" abort runs that lose
  # nothing; an overloaded step simply runs its whole period.
  pgp=$(pg_pid_if "$name")
  [ -z "$pgp" ] || d0=$(ticks "$pgp")
  k0=$(srv_ticks); b0=$(busy); t0=$(date +%s.%N)
  profile_start "$tag"
  if [ "$LOADGEN" = rackboot-storm ]; then
    # Only its summary line in .storm.txt (EAL's messages go to .storm.err).
    timeout -k 5 $((PERIOD + 30)) ip netns exec "$P-st" "$RBSTORM" --no-pci --no-huge --no-shconf \
      -m 512 --file-prefix "rbp$$" --vdev "$RBSTORM_VDEV" --log-level=notice -- \
      --dora-rate "$rate" --clients "$CLIENTS" --duration "$PERIOD" \
      > "$res/raw/$tag.storm.txt" 2> "$res/raw/$tag.storm.err" || true
  elif [ "$LOADGEN" = storm ]; then
    local to=() a
    for a in "${SRV_ADDRS[@]}"; do to+=(--server "$a"); done
    timeout -k 5 $((PERIOD + 20)) ip netns exec "$P-c1" "$STORM" "${to[@]}" \
      --relay "$(client_ip 1)" --rate "$rate" --clients "$CLIENTS" --duration "$PERIOD" \
      > "$res/raw/$tag.storm.txt" 2>&1 || true
  else
    PERF_PIDS=()
    for i in $(seq 1 "$PROCS"); do
      # Distinct base MACs per process so the client sets do not overlap; -W
      # waits 0.5 s after the period for replies still in flight. `times`
      # reports perfdhcp's CPU seconds once it has exited.
      # shellcheck disable=SC2016 # the inner bash expands "$@" and $rc
      timeout -k 5 $((PERIOD + 20)) ip netns exec "$P-c$i" bash -c 'perfdhcp "$@"; rc=$?; times; exit $rc' _ \
        -4 -g "$THREADS" -l "$(client_ip "$i")" -r "$per_rate" -R "$per_clients" \
        -b "mac=02:0c:00:0$i:00:00" -p "$PERIOD" -W 500000 -x e "$SRV_IP" \
        > "$res/raw/$tag.perfdhcp$i.txt" 2>&1 &
      PERF_PIDS+=($!)
    done
    for i in "${PERF_PIDS[@]}"; do wait "$i" || true; done
    PERF_PIDS=()
  fi
  t1=$(date +%s.%N); k1=$(srv_ticks); b1=$(busy)
  profile_stop
  [ -z "$pgp" ] || d1=$(ticks "$pgp")
  kill -0 "$srv_pid" 2>/dev/null || echo "  $tag: $name exited during the run (see raw/$tag.server.log)" >&2
  # A child that exited (or was replaced) during the run takes its ticks
  # with it: server CPU is then unknown, not negative.
  [ "$k1" -ge "$k0" ] || k1=-1
  read -r R_PERB R_LOST < <(rb_commit_stats "$name" "$tag")
  "stop_$name"
  if [ "$LOADGEN" != perfdhcp ]; then
    # started = DISCOVERs sent, done = ACKs received, cpu_s = its own CPU.
    read -r s a c < <(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
                          END { printf "%d %d %.2f\n", v["started"], v["done"], v["cpu_s"] }' \
                        "$res/raw/$tag.storm.txt")
    tot_sent=$s tot_acks=$a
    cpu_max=$(awk -v c="$c" -v t0="$t0" -v t1="$t1" 'BEGIN { print 100 * c / (t1 - t0) }')
  else
    for i in $(seq 1 "$PROCS"); do
      read -r s a c < <(parse_perf "$res/raw/$tag.perfdhcp$i.txt")
      tot_sent=$((tot_sent + s)) tot_acks=$((tot_acks + a))
      cpu_max=$(awk -v c="$c" -v m="$cpu_max" -v t0="$t0" -v t1="$t1" 'BEGIN { v = 100 * c / (t1 - t0); print (v > m ? v : m) }')
    done
  fi
  read -r R_ACH R_DROP R_CPU R_SRV R_BUSY R_DB < <(awk -v s="$tot_sent" -v a="$tot_acks" -v p="$PERIOD" \
      -v c="$cpu_max" -v k="$((k1 - k0))" -v b="$((b1 - b0))" -v hz="$HZ" -v t0="$t0" -v t1="$t1" \
      -v d="$((d1 - d0))" -v db="${pgp:+1}" \
    'BEGIN { printf "%.0f %.2f %.0f %s %.0f %s\n", a / p, (s > 0 ? 100 * (1 - a / s) : 100), c,
             (k < 0 ? "?" : sprintf("%.0f", 100 * k / hz / (t1 - t0))), 100 * b / hz / (t1 - t0),
             (db == "" ? "-" : (d < 0 ? "?" : sprintf("%.0f", 100 * d / hz / (t1 - t0)))) }')
  R_STATUS=ok
  # rackboot-storm's own port: received frames that never reached it
  # (rx_lost, its ring overflowed) and what it managed to send: when these
  # fall short, the generator is the limit, not the server.
  R_GENLOST=0 gen=''
  if [ "$LOADGEN" = rackboot-storm ]; then
    read -r R_GENLOST sent < <(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
                                  END { printf "%d %d\n", v["rx_lost"], v["sent_per_s"] }' "$res/raw/$tag.storm.txt")
    gen=", generator sent $sent/s, rx_lost $R_GENLOST"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rep" "$tag" "$rate" "$R_ACH" "$R_DROP" "$R_CPU" "$R_SRV" "$R_BUSY" "$R_DB" "$R_PERB" "$R_LOST" >> "$res/steps.tsv"
  echo "  $tag: offered $rate/s -> $R_ACH DORA/s, drop $R_DROP%, $LOADGEN CPU $R_CPU%, server CPU $R_SRV%, PostgreSQL CPU $R_DB%, box busy $R_BUSY% of $((100 * NCPU)), records/batch $R_PERB, claims lost $R_LOST$gen" >&2
}

# The server's CPU ticks, both servers' for rackboot-pg2.
srv_ticks() {
  local t
  t=$(ticks "$srv_pid")
  [ -z "$srv2_pid" ] || t=$((t + $(ticks "$srv2_pid")))
  echo "$t"
}
# rackboot's own view of a step, from its /metrics (both servers of
# rackboot-pg2, counted since they started): lease records per commit
# batch and claims lost to another server; "- -" for other servers.
rb_commit_stats() { # name tag
  case $1 in rackboot*) ;; *) echo "- -"; return 0 ;; esac
  local a rec=0 bat=0 lost=0 r b l k=0
  for a in "${SRV_ADDRS[@]}"; do
    # Kept whole (raw/TAG.metricsN.txt): the drop and commit counters say
    # where a lossy step lost its clients.
    k=$((k + 1))
    read -r r b l < <(ip netns exec "$P-c1" curl -s --max-time 3 "http://$a/metrics" | tee "$res/raw/$2.metrics$k.txt" |
      awk '$1 == "rackboot_dp_lease_records_total" { r = $2 } $1 == "rackboot_dp_lease_batches_total" { b = $2 }
           $1 == "rackboot_dp_lease_claims_lost_total" { l = $2 } END { print r + 0, b + 0, l + 0 }')
    rec=$((rec + r)) bat=$((bat + b)) lost=$((lost + l))
  done
  awk -v r="$rec" -v b="$bat" -v l="$lost" 'BEGIN { printf "%s %d\n", (b > 0 ? sprintf("%.1f", r / b) : "-"), l }'
}
# ------------------------------------------------------------ perf profiles
# profile_start TAG: sample the step's server processes (and their children:
# rackboot's dataplane) in the background, RB_PERF_SECS at most the period;
# profile_stop waits for it (it ends by itself). Nothing without perf.
profile_start() {
  [ "$PERF" = 1 ] || return 0
  local p pids secs=$PERF_SECS
  [ "$secs" -le "$PERIOD" ] || secs=$PERIOD
  pids=$(for p in $srv_pid $srv2_pid; do echo "$p"; pgrep -P "$p" || true; done | paste -sd, -)
  [ -n "$pids" ] || return 0
  perf record -q -F "$PERF_HZ" -g -p "$pids" -o "$res/raw/$1.perf.data" -- sleep "$secs" \
    > "$res/raw/$1.perf.log" 2>&1 &
  PROF_PID=$!
}
profile_stop() {
  [ -n "$PROF_PID" ] || return 0
  wait "$PROF_PID" || true
  PROF_PID=
}
# profile_summary NAME TAG: the step's profile as markdown, its top symbols
# by self time (all threads of the server's processes; "[k]" kernel).
profile_summary() {
  local f=$res/raw/$2.perf.data row
  row=$(awk -F'\t' -v t="$2" '$3 == t { printf "offered %s/s, achieved %s DORA/s, drop %s%%, server CPU %s%%", $4, $5, $6, $8 }' "$res/steps.tsv")
  echo "### $1: step $2 ($row)"
  echo
  if [ ! -s "$f" ]; then
    echo "no profile: $(tail -1 "$res/raw/$2.perf.log" 2>/dev/null || echo 'perf did not run')"
    echo
    return 0
  fi
  echo '```'
  # By object first (kernel, libc, the server's own code), then by symbol.
  # (awk, not head: head's early exit would SIGPIPE the pipe, fatal here.)
  perf report -i "$f" --stdio --no-children -g none --sort dso 2>/dev/null |
    awk '/^# Samples|^ +[0-9.]+%/ && n++ < 7' || true
  echo
  perf report -i "$f" --stdio --no-children -g none --sort comm,dso,sym 2>/dev/null |
    awk '/^ +[0-9.]+%/ && n++ < 10' || true
  echo '```'
  echo
}

# The postmaster's PID for a server on PostgreSQL, nothing for the others.
pg_pid_if() { case $1 in *pg*) pg_pid ;; esac; }

# ratio LABEL A B TARGET: "LABEL: A/B x (target >= TARGET: met|missed)",
# nothing when either median is missing.
ratio() {
  [ -n "$2" ] && [ -n "$3" ] && [ "$3" != 0 ] || return 0
  awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" \
    'BEGIN { printf "%s: %.2fx (%s / %s; target >= %s: %s)\n", l, a / b, a, b, t, (a / b >= t ? "met" : "missed") }'
}
fgt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }   # float a > b

# --------------------------------------------------------------- search
# One repetition's rate search. Sets S_STATUS (ok/start/noreply), S_BEST
# (best DORA/s with loss <= MAX_DROP) and that step's S_DROP, S_CPU, S_SRV,
# S_MAXCPU (perfdhcp's busiest step) and S_WHY (why the search stopped).
search() { # server rep
  local name=$1 rep=$2 rate=$START_RATE n=0 lo=0 hi=0 k=0
  S_BEST=0 S_DROP=0 S_CPU=0 S_SRV=0 S_BUSY=0 S_DB=- S_MAXCPU=0 S_WHY='' S_TOP=0 S_TOPTAG=- S_GENLOST=0
  keep() { S_BEST=$R_ACH S_DROP=$R_DROP S_CPU=$R_CPU S_SRV=$R_SRV S_BUSY=$R_BUSY S_DB=$R_DB; }
  while [ "$n" -lt "$MAX_STEPS" ]; do
    n=$((n + 1))
    step "$name" "$rate" "$name-r$rep-s$n"
    S_STATUS=$R_STATUS
    [ "$R_STATUS" = ok ] || return 0
    fgt "$R_CPU" "$S_MAXCPU" && S_MAXCPU=$R_CPU
    [ "$rate" -le "$S_TOP" ] || S_TOP=$rate S_TOPTAG=$name-r$rep-s$n
    [ "$R_GENLOST" -le "$S_GENLOST" ] || S_GENLOST=$R_GENLOST
    if ! fgt "$R_DROP" "$MAX_DROP"; then
      if fgt "$R_ACH" "$(awk -v b="$S_BEST" 'BEGIN { print b * 1.02 }')"; then
        keep; lo=$rate
        rate=$(awk -v r="$rate" -v f="$FACTOR" 'BEGIN { printf "%.0f", r * f }')
        continue
      fi
      # Loss is fine but the rate no longer grows: the sender is the limit.
      S_WHY="achieved stopped growing at offered $rate/s"; break
    fi
    hi=$rate
    if [ "$lo" = 0 ] && [ "$rate" -gt 20 ]; then
      rate=$((rate / 2)); continue     # even the start rate loses: search down
    fi
    S_WHY="drop $R_DROP% at offered $rate/s"; break
  done
  [ -n "$S_WHY" ] || S_WHY="step limit at offered $rate/s"
  # Bisect (geometrically) between the last good and the first lossy rate.
  while [ "$k" -lt "$REFINE" ] && [ "$lo" -gt 0 ] && [ "$hi" -gt "$lo" ]; do
    k=$((k + 1)) n=$((n + 1))
    rate=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.0f", sqrt(l * h) }')
    step "$name" "$rate" "$name-r$rep-s$n"
    [ "$R_STATUS" = ok ] || break
    fgt "$R_CPU" "$S_MAXCPU" && S_MAXCPU=$R_CPU
    [ "$rate" -le "$S_TOP" ] || S_TOP=$rate S_TOPTAG=$name-r$rep-s$n
    [ "$R_GENLOST" -le "$S_GENLOST" ] || S_GENLOST=$R_GENLOST
    if fgt "$R_DROP" "$MAX_DROP"; then
      hi=$rate
    else
      lo=$rate
      if fgt "$R_ACH" "$S_BEST"; then keep; fi
    fi
  done
  S_STATUS=ok
}

# ------------------------------------------------------------------- main
scripts/rack.sh up >/dev/null
for i in $(seq 1 "$PROCS"); do
  scripts/rack.sh client "c$i" "$(client_ip "$i")/16" >/dev/null
done
# rackboot-storm's port: a client with no address of its own.
[ "$LOADGEN" != rackboot-storm ] || scripts/rack.sh client st >/dev/null
case " $SERVERS " in *" rackboot-pg2"* | *" rackboot_pg2"*) scripts/rack.sh server s2 >/dev/null ;; esac
if [ "$PG" = 1 ]; then
  # Kea's database and schema, once (the lease tables are emptied per step).
  pg_sql postgres "CREATE DATABASE kea" >/dev/null
  "$RB_PG_BIN/psql" -q -v ON_ERROR_STOP=1 -d kea -f /usr/share/kea/scripts/pgsql/dhcpdb_create.pgsql \
    > "$res/raw/kea-schema.txt" 2>&1 || die "kea's schema failed (see $res/raw/kea-schema.txt)"
fi
printf 'server\trep\tstep\toffered\tachieved\tdrop_pct\tperfdhcp_cpu_pct\tserver_cpu_pct\tbox_busy_pct\tpg_cpu_pct\trecords_per_batch\tclaims_lost\n' > "$res/steps.tsv"
{
  echo "dhcp_bench: $(nproc) cores, kernel $(uname -r), $(perfdhcp -v 2>&1 | head -1 | sed 's/^/perfdhcp /')"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  [ "$PG" = 0 ] || echo "PostgreSQL: $("$RB_PG_BIN/postgres" --version), socket in $RB_PG_DIR, fsync on"
  echo "servers: $SERVERS; reps $REPS, period ${PERIOD}s, start ${START_RATE}/s x$FACTOR, refine $REFINE, max drop $MAX_DROP%"
  if [ "$LOADGEN" = rackboot-storm ]; then
    echo "load: rackboot-storm --dora-rate, DPDK ${RBSTORM_VDEV%%,*} port in $P-st, $CLIENTS clients, PXE broadcast DISCOVER/REQUEST (no relay); kea on raw sockets"
  elif [ "$LOADGEN" = storm ]; then
    echo "load: dhcp_storm, 1 process, $CLIENTS clients, relay mode (giaddr 198.18.0.11)"
  else
    echo "load: perfdhcp, $PROCS process(es), -g $THREADS, $CLIENTS clients total, relay mode (giaddr 198.18.0.1x)"
  fi
} | tee "$res/env.txt" >&2

# Repetitions are interleaved (rep 1 of every server, then rep 2, ...): on
# a shared box the load from other work drifts over a run, and a server's
# repetitions should not all fall into one quiet or one busy stretch.
declare -A ROW MED ST R_BEST R_DROPS R_CPUS R_SRVS R_BUSYS R_DBS R_MAXCPUS R_WHYS R_TOPS TOPTAG R_GENLOSTS
for name in $SERVERS; do
  fn=${name//-/_}
  if ! declare -F "start_$fn" >/dev/null; then
    ST[$name]=unknown; ROW[$name]="| $name | - | - | - | - | failed (unknown server) |"; continue
  fi
  ST[$name]=ok
  if [[ $name == rackboot* ]] && [ ! -x build/control/rackboot ]; then
    scripts/build.sh >/dev/null 2>&1 || echo "dhcp_bench: rackboot build failed" >&2
  fi
done
for rep in $(seq 1 "$REPS"); do
  for name in $SERVERS; do
    [ "${ST[$name]}" = ok ] || continue   # did not start / no replies: no point repeating
    fn=${name//-/_}
    search "$fn" "$rep"
    if [ "$S_STATUS" != ok ]; then
      ST[$name]=$S_STATUS
      case $S_STATUS in
        start)   ROW[$name]="| $name | - | - | - | - | failed (did not start; see raw/$fn-r$rep-s1.server.log) |" ;;
        noreply) ROW[$name]="| $name | - | - | - | - | failed (no replies) |" ;;
      esac
      continue
    fi
    R_BEST[$name]+="$S_BEST " R_DROPS[$name]+="$S_DROP " R_CPUS[$name]+="$S_CPU " R_SRVS[$name]+="$S_SRV "
    R_BUSYS[$name]+="$S_BUSY " R_DBS[$name]+="$S_DB " R_MAXCPUS[$name]+="$S_MAXCPU " R_WHYS[$name]+="$S_WHY|"
    R_TOPS[$name]+="$S_TOPTAG " R_GENLOSTS[$name]+="$S_GENLOST "
    echo "$name rep $rep: best $S_BEST DORA/s (drop $S_DROP%, $LOADGEN CPU $S_CPU%, server CPU $S_SRV%, box busy $S_BUSY%); stopped: $S_WHY" >&2
  done
done
for name in $SERVERS; do
  [ "${ST[$name]}" = ok ] || continue
  read -ra bests <<<"${R_BEST[$name]}"; read -ra drops <<<"${R_DROPS[$name]}"
  read -ra cpus <<<"${R_CPUS[$name]}"; read -ra srvs <<<"${R_SRVS[$name]}"
  read -ra busys <<<"${R_BUSYS[$name]}"; read -ra dbs <<<"${R_DBS[$name]}"
  read -ra maxcpus <<<"${R_MAXCPUS[$name]}"; IFS='|' read -ra whys <<<"${R_WHYS[$name]}"
  # The median repetition (lower middle for an even count) supplies the
  # drop and CPU figures shown next to the median rate.
  m=$(for i in "${!bests[@]}"; do echo "${bests[$i]} $i"; done | sort -n | awk -v n="${#bests[@]}" 'NR == int((n + 1) / 2) { print $2 }')
  maxcpu=$(printf '%s\n' "${maxcpus[@]}" | sort -n | tail -1)
  read -ra tops <<<"${R_TOPS[$name]}"
  TOPTAG[$name]=${tops[$m]}
  note="server CPU ${srvs[$m]}%, box busy ${busys[$m]}% of $((100 * NCPU)) (runs: ${busys[*]}); stopped: ${whys[$m]}"
  [ "${dbs[$m]}" = - ] || note="PostgreSQL CPU ${dbs[$m]}%, $note"
  if fgt "$maxcpu" 90; then note="$note; $LOADGEN near CPU-bound"; fi
  read -ra genlost <<<"${R_GENLOSTS[$name]}"
  if [ "${genlost[$m]:-0}" -gt 0 ]; then
    note="$note; the generator's port dropped up to ${genlost[$m]} received frames in a step (rx_lost; each costs an exchange: compare with the step's lost ones in raw/*.storm.txt)"
  fi
  case $name in
    dnsmasq) note="$note; --no-ping" ;;
    kea) note="$note; memfile persist, $KEA_SOCKET socket" ;;
    kea[-_]pg) note="$note; PostgreSQL lease backend, $KEA_SOCKET socket, threads ${KEA_THREADS/#0/default}" ;;
    rackboot[-_]pg2) note="$note; two servers, one database, every request to both" ;;
    rackboot[-_]pg2[-_]fifo) note="$note; as rackboot-pg2, dhcp.pool_order: fifo" ;;
    rackboot[-_]pg2[-_]balance) note="$note; as rackboot-pg2, dhcp.balance 1/2 and 2/2: each DISCOVER answered by one" ;;
  esac
  MED[$name]=${bests[$m]}
  all="${bests[*]}"
  ROW[$name]="| $name | ${bests[$m]} | ${all// /, } | ${drops[$m]} | ${cpus[$m]} (max $maxcpu) | $note |"
done

{
  echo "DHCP DORA exchanges/s at <= $MAX_DROP% loss, median of $REPS, same rack, same run ($stamp)"
  echo
  echo "| server | median DORA/s | runs | drop % | $LOADGEN CPU % | notes |"
  echo "|---|---|---|---|---|---|"
  for name in $SERVERS; do echo "${ROW[$name]}"; done
  # The ratios of issue 14: rackboot on PostgreSQL against Kea on the same
  # PostgreSQL (target >= 10) and against rackboot on SQLite (>= 0.5).
  kea='' sqlite='' keamem=''
  for name in $SERVERS; do
    case $name in
      rackboot) sqlite=${MED[$name]:-} ;;
      kea) keamem=${MED[$name]:-} ;;
      kea[-_]pg) kea=${MED[$name]:-} ;;
    esac
  done
  echo
  # Issue 15: rackboot against Kea (memfile), target >= 10.
  ratio "rackboot / kea ($LOADGEN)" "$sqlite" "$keamem" 10
  for name in $SERVERS; do
    case $name in
      rackboot[-_]pg | rackboot[-_]pg2 | rackboot[-_]pg2[-_]fifo | rackboot[-_]pg2[-_]balance)
        ratio "$name / kea-pg" "${MED[$name]:-}" "$kea" 10
        ratio "$name / rackboot (SQLite)" "${MED[$name]:-}" "$sqlite" 0.5 ;;
    esac
  done
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$res/table.md"

# Where the time went: each server's heaviest step of its median repetition.
{
  echo "## Where the time went (perf record -g, $PERF_HZ Hz, up to ${PERF_SECS} s of each step; load: $LOADGEN)"
  echo
  if [ "$PERF" != 1 ]; then
    echo "not profiled: $PERF_WHY"
  else
    echo "The heaviest step (highest offered rate) of each server's median repetition: where it fell"
    echo "short. Self time by command, object and symbol, all threads of the server's processes."
    echo
    for name in $SERVERS; do
      if [ "${ST[$name]}" = ok ] && [ "${TOPTAG[$name]:--}" != - ]; then
        profile_summary "$name" "${TOPTAG[$name]}"
      fi
    done
  fi
} > "$res/perf.md"
echo "(raw output in $res; profiles in $res/perf.md)"
