# shellcheck shell=bash
# scripts/lib/rack.sh: the helpers the integration tests (tests/integration/)
# and the benchmarks (benchmarks/*.sh) share. Sourced, never run:
#
#   . "$RB_SRC/scripts/lib/rack.sh"
#
# It lives beside scripts/rack.sh, the command that builds the virtual rack,
# because every helper here drives that rack or a server on it, and tests and
# benchmarks both depend on scripts/, never on each other.
#
# What the caller sets before calling (not before sourcing):
#   P        its namespace prefix (RB_PREFIX exported to scripts/rack.sh)
#   SRV_IP   the server address, 198.18.0.1 unless set
#   SRV_NS   the server's namespace suffix, srv unless set (another server
#            made by `rack.sh server NAME` is NAME; its port is $P-NAME0)
#   pass, fail  (tests) the counters ok/bad/check move
# What it may set before sourcing: RB_SRC (the source tree, else found from
# this file), RB_BUILD (else $RB_SRC/build), RB_SRV_CG (a cgroup directory
# every server started here joins; tftp_bench.sh measures CPU with it).
# Server starters set srv_pid, the PID of the server they started.

RB_SRC=${RB_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RB_BUILD=${RB_BUILD:-$RB_SRC/build}
RB=${RB:-$RB_BUILD/control/rackboot}
RACK=${RACK:-$RB_SRC/scripts/rack.sh}
RB_SRV_CG=${RB_SRV_CG:-}
srv_pid=

# ------------------------------------------------------------------ tests
ok()    { pass=$((pass + 1)); echo "ok - $*"; }
bad()   { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# Stop the test at once: what went wrong, the counts, exit 1 (runs the EXIT trap).
bail()  { echo "Bail out! $*"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }

# rb_workdir NAME: a new /tmp/rackboot-NAME.XXXXXX for a test's files, mode
# 0755: rackboot's control reads its config, roots and database there after
# it has become the service user (server.user, default rackboot).
rb_workdir() {
  local d
  d=$(mktemp -d "/tmp/rackboot-$1.XXXXXX") && chmod 755 "$d" && echo "$d"
}

# rb_require NAME TOOL...: root and the tools NAME needs, or exit 1 saying which.
rb_require() {
  local name=$1 t; shift
  [ "$(id -u)" = 0 ] || { echo "$name: needs root (network namespaces); run scripts/test.sh as root" >&2; exit 1; }
  id -u rackboot >/dev/null 2>&1 || { echo "$name: no user rackboot (server.user): run scripts/deps.sh" >&2; exit 1; }
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "$name: $t missing: run scripts/deps.sh" >&2; exit 1; }
  done
}

# ------------------------------------------------------------- namespaces
in_ns()  { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }
in_srv() { ip netns exec "$P-${SRV_NS:-srv}" "$@"; }
# The server address on the kernel side of the server port (peers need it;
# rackboot adds it itself). Arg: address/prefix.
srv_addr_add() { in_srv ip addr replace "$1" dev "$P-${SRV_NS:-srv}0"; }
srv_addr_del() { in_srv ip addr del "$1" dev "$P-${SRV_NS:-srv}0" 2>/dev/null || true; }

# srv_exec CMD...: run as `srv_exec CMD... &`; the background job joins
# $RB_SRV_CG (when set) and becomes CMD, so $! is the server's own PID.
srv_exec() {
  [ -z "$RB_SRV_CG" ] || echo "$BASHPID" > "$RB_SRV_CG/cgroup.procs" || true
  exec "$@"
}

# stop_pid PID [SECS]: SIGTERM, up to SECS (10) to exit, then SIGKILL;
# returns the process's exit status (0 if it was gone already).
stop_pid() {
  local i
  kill -TERM "$1" 2>/dev/null || return 0
  for ((i = 0; i < ${2:-10} * 10; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
# kill_wait PID: stop_pid whose status does not matter (safe under set -e).
kill_wait() { stop_pid "$1" || true; }
# rb_stop PID: stop a rackboot; its exit status (0: a clean stop). rackboot
# gives its dataplane 10 s before it kills it, so it gets 20.
rb_stop() { stop_pid "$1" 20; }

# ---------------------------------------------------------------- rackboot
# The config sections every rack run shares: no hugepages, small memory,
# the API token beside the HTTP root (in the caller's work directory, not
# in /var/lib/rackboot). Args: address/prefix, HTTP root, TFTP root,
# [port mode (af_xdp), [exception port (xdp|tap), [tap name]]].
rb_yaml_base() {
  cat <<YAML
server:
  address: $1
port:
  mode: ${4:-af_xdp}
  interface: $P-${SRV_NS:-srv}0
YAML
  [ -z "${5:-}" ] || printf '  exception: %s\n  tap_name: %s\n' "$5" "${6:-${P}tap}"
  cat <<YAML
dataplane:
  lcores: "0,1"
  hugepages: off
  memory_mb: 256
  mbufs: 8192
http:
  port: 80
  root: $2
api:
  token_file: $(dirname "$2")/api.token
tftp:
  root: $3
YAML
}

# rb_start CONFIG LOG [SECS]: start rackboot in $P-$SRV_NS with CONFIG, its
# output appended to LOG; wait up to SECS (30) until it serves. Sets
# srv_pid. When it exits early or is not ready in time: says so on stderr
# with the tail of LOG, stops it, clears srv_pid, returns 1. RB_OPTS, when
# set, adds options (split at spaces), e.g. RB_OPTS="--log-level debug".
rb_start() {
  local n0 opts=()
  n0=$(grep -cs "serving http" "$2" || true)
  read -ra opts <<<"${RB_OPTS:-}"
  srv_exec ip netns exec "$P-${SRV_NS:-srv}" "$RB" -c "$1" --no-status "${opts[@]}" >> "$2" 2>&1 &
  srv_pid=$!
  rb_wait_ready "$2" "$srv_pid" "${3:-30}" "${n0:-0}" && return 0
  kill_wait "$srv_pid"; srv_pid=
  return 1
}

# rb_refused CONFIG LOG SECS: a start that must not come up: rackboot in
# $P-srv with CONFIG, its output in LOG, up to SECS to exit; returns its exit
# status (0 would be a failure; a rackboot still running after SECS is
# killed, status 137).
rb_refused() {
  local pid
  srv_exec ip netns exec "$P-srv" "$RB" -c "$1" --no-status > "$2" 2>&1 &
  pid=$!
  wait_gone "$pid" "$3" || kill -KILL "$pid" 2>/dev/null
  wait "$pid"
}

# wait_gone PID SECS: until PID has exited; 1 if it still runs after SECS.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

# dataplane_of PID: the PID of rackboot PID's dataplane (its child process
# running rackboot-dataplane); 1 when it has none.
dataplane_of() {
  local c kids
  kids=$(cat /proc/"$1"/task/*/children 2>/dev/null)
  for c in $kids; do
    case "$(readlink "/proc/$c/exe" 2>/dev/null)" in *rackboot-dataplane*) echo "$c"; return 0 ;; esac
  done
  return 1
}

# rb_wait_ready LOG PID SECS [N0]: until LOG holds more than N0 (0) lines
# "serving http" (rackboot's ready line). Returns 1 at once if PID exits,
# or after SECS, with a message and LOG's last 20 lines on stderr.
rb_wait_ready() {
  local i n why rc
  for ((i = 0; i < $3 * 5; i++)); do
    n=$(grep -cs "serving http" "$1" || true)
    [ "${n:-0}" -gt "${4:-0}" ] && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$2" 2>/dev/null; then
    why="not ready after $3 s"
  else
    wait "$2" 2>/dev/null; rc=$?
    why="exited early with status $rc"
  fi
  { echo "rackboot did not start: $why. Last lines of $1:"
    tail -n 20 "$1" 2>/dev/null | sed 's/^/#   /'; } >&2
  return 1
}

# metric NAME: its value in rackboot's /metrics, asked from client c1.
metric() {
  in_ns c1 curl -s --max-time 5 "http://${SRV_IP:-198.18.0.1}/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# ---------------------------------------------------------- TFTP peers
# atftpd_bin: the atftpd binary's absolute path. atftpd conflicts with
# tftpd-hpa in Debian (Conflicts: tftpd-hpa), so when it is not installed
# it is taken from the Debian package, unpacked (not installed) under
# $RB_BUILD/peers. It needs only libpcre2 and libwrap0 (scripts/deps.sh).
atftpd_bin() {
  local dir=$RB_BUILD/peers/atftpd tmp
  command -v atftpd 2>/dev/null && return 0
  if [ ! -x "$dir/usr/sbin/atftpd" ]; then
    tmp=$(mktemp -d /tmp/rackboot-atftpd.XXXXXX)
    chmod 755 "$tmp"    # apt's _apt user writes the download
    { (cd "$tmp" && apt-get download -q atftpd >/dev/null 2>&1) &&
      mkdir -p "$dir" && dpkg-deb -x "$tmp"/atftpd_*.deb "$dir"; } || true
    rm -rf "$tmp"
  fi
  [ -x "$dir/usr/sbin/atftpd" ] && echo "$(cd "$dir/usr/sbin" && pwd)/atftpd"
}

# tftp_peer_start NAME ROOT LOG [OPTION...]: start the peer TFTP server NAME
# (tftpd-hpa, atftpd or dnsmasq) serving ROOT as $SRV_IP:69 in $P-srv, its
# output in LOG, the OPTIONs added to its command line (the server address
# is $SRV_CIDR, else $SRV_IP/24). Sets srv_pid;
# returns 1 (and says why in LOG) if it cannot be started. Whether it
# answers is tftp_ready's question. tftp_peer_stop undoes it.
tftp_peer_start() {
  local name=$1 root=$2 log=$3 bin ip=${SRV_IP:-198.18.0.1}
  local cidr=${SRV_CIDR:-${SRV_IP:-198.18.0.1}/24}
  shift 3
  case $name in
    tftpd-hpa)
      [ -x /usr/sbin/in.tftpd ] || { echo "in.tftpd missing (apt-get install tftpd-hpa)" > "$log"; return 1; }
      srv_addr_add "$cidr"
      # Debian's defaults (/etc/default/tftpd-hpa): --secure (chroot to the
      # root) as user tftp. -L: foreground; it still forks per request.
      srv_exec ip netns exec "$P-srv" /usr/sbin/in.tftpd -L -s -u tftp -a "$ip:69" "$@" "$root" \
        > "$log" 2>&1 &
      ;;
    atftpd)
      bin=$(atftpd_bin) || { echo "atftpd: not installed and apt-get download failed" > "$log"; return 1; }
      srv_addr_add "$cidr"
      srv_exec ip netns exec "$P-srv" "$bin" --daemon --no-fork --port 69 --bind-address "$ip" \
        --user nobody --group nogroup "$@" "$root" > "$log" 2>&1 &
      ;;
    dnsmasq)
      command -v dnsmasq >/dev/null || { echo "dnsmasq not installed" > "$log"; return 1; }
      srv_addr_add "$cidr"
      # --port=0: no DNS. No --tftp-secure: serve any readable file in the root.
      srv_exec ip netns exec "$P-srv" dnsmasq --no-daemon --conf-file=/dev/null --pid-file= --port=0 \
        --interface="$P-srv0" --bind-interfaces --enable-tftp --tftp-root="$root" \
        --log-facility=- "$@" > "$log" 2>&1 &
      ;;
    *) echo "tftp_peer_start: unknown server $name" > "$log"; return 1 ;;
  esac
  srv_pid=$!
}
tftp_peer_stop() {
  kill_wait "$srv_pid"; srv_pid=
  srv_addr_del "${SRV_CIDR:-${SRV_IP:-198.18.0.1}/24}"
}

# tftp_ready NAME COPY OUT: does the server (srv_pid) answer a read request
# for NAME from c1 with a copy identical to COPY? Up to 15 tries of 1 s;
# 1 at once if the server exited.
tftp_ready() {
  local _
  for _ in $(seq 1 15); do
    in_ns c1 curl -s --max-time 1 -o "$3" "tftp://${SRV_IP:-198.18.0.1}/$1" &&
      cmp -s "$3" "$2" && return 0
    kill -0 "$srv_pid" 2>/dev/null || return 1
  done
  return 1
}
