#!/usr/bin/env bash
# test_rack.sh: rackboot on a virtual rack, checked with real clients.
#  - bad and missing configs exit 2 with file:line:column and leave nothing
#  - in af_xdp mode and in tap exception mode: ping is answered by the
#    dataplane (counter moves), curl gets files byte-identical, ranges exact
#  - SIGTERM leaves no process, tap, XDP program, address or hugepage file
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
[ "$(id -u)" = 0 ] || { echo "test_rack.sh: needs root (network namespaces); run scripts/test.sh as root" >&2; exit 1; }
for t in ip curl ping cmp; do
  command -v $t >/dev/null || { echo "test_rack.sh: $t missing: run scripts/deps.sh" >&2; exit 1; }
done

export RB_PREFIX=rbt$$
P=$RB_PREFIX
RACK="$RB_SRC/scripts/rack.sh"
RB="$RB_BUILD/control/rackboot"
work=$(mktemp -d /tmp/rackboot-it.XXXXXX)
pass=0 fail=0 rb_pid= dp_pid=

# shellcheck source=tests/integration/lib.sh
. "$RB_SRC/tests/integration/lib.sh"
in_srv() { ip netns exec "$P-srv" "$@"; }
in_cli() { ip netns exec "$P-c1" "$@"; }

cleanup() {
  [ -n "$rb_pid" ] && kill "$rb_pid" 2>/dev/null && wait "$rb_pid" 2>/dev/null
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/repo/sub" "$work/tftp"
head -c 3000000 /dev/urandom > "$work/repo/blob.bin"
head -c 5000000 /dev/urandom > "$work/tftp/kernel.bin"   # TFTP: zero copy or counted copy
echo "hello rack" > "$work/repo/sub/hello.txt"
: > "$work/repo/empty"

write_cfg() { # mode exception
  cat > "$work/rb-$1.yaml" <<YAML
server:
  address: 198.18.0.1/24
port:
  mode: $1
  interface: $P-srv0
  exception: $2
  tap_name: ${P}tap
dataplane:
  lcores: "0,1"
  hugepages: off
  memory_mb: 256
  mbufs: 8192
http:
  port: 80
  root: $work/repo
tftp:
  root: $work/tftp
YAML
}

# --- bad input --------------------------------------------------------------
out=$("$RB" --check -c "$RB_SRC/tests/integration/bad-netmask.yaml" 2>&1); rc=$?
check "netmask /33 exits 2" [ "$rc" = 2 ]
check "netmask /33 names file:line:column ($out)" \
  grep -qE 'bad-netmask.yaml:3:[0-9]+: error: .*33' <<<"$out"
"$RB" -c "$RB_SRC/tests/integration/bad-netmask.yaml" > "$work/bad.log" 2>&1 &
bad_pid=$!; wait $bad_pid; rc=$?
check "netmask /33 without --check exits 2 too" [ "$rc" = 2 ]
# EAL would have made its runtime directory had a dataplane been started.
check "a bad config starts no dataplane" [ ! -e /var/run/dpdk/rackboot$bad_pid ]
out=$("$RB" -c "$work/nope.yaml" 2>&1); rc=$?
check "missing config exits 2 ($out)" [ "$rc" = 2 ]
check "missing config names the file" grep -q "nope.yaml" <<<"$out"

# --- the rack ---------------------------------------------------------------
"$RACK" up >/dev/null && "$RACK" client c1 198.18.0.10/24 >/dev/null
check "rack is up" ip netns exec "$P-srv" ip link show "$P-srv0"

metric() { # name -> value from /metrics
  in_cli curl -s --max-time 5 http://198.18.0.1/metrics | awk -v m="$1" '$1 == m {print $2}'
}

start_rb() { # mode exception
  write_cfg "$1" "$2"
  ip netns exec "$P-srv" "$RB" -c "$work/rb-$1.yaml" --no-status > "$work/rb-$1.log" 2>&1 &
  rb_pid=$!
  for _ in $(seq 1 100); do
    if grep -q "serving http" "$work/rb-$1.log" 2>/dev/null; then
      dp_pid=$(pgrep -P "$rb_pid" -x rackboot-datapl)
      return 0
    fi
    kill -0 "$rb_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "--- rackboot log:"; cat "$work/rb-$1.log"
  return 1
}

stop_rb() { local rc; rb_stop "$rb_pid"; rc=$?; rb_pid=; return $rc; }

exercise() { # label mode exception
  local label=$1
  check "$label: rackboot starts" start_rb "$2" "$3" || return
  in_cli ip neigh flush dev eth0   # make the client ARP again
  check "$label: ping answered" in_cli ping -c 3 -i 0.2 -W 2 198.18.0.1
  local echo_n; echo_n=$(metric rackboot_dp_icmp_echo_replies_total)
  check "$label: pings answered by the dataplane (icmp_echo_replies=$echo_n)" [ "${echo_n:-0}" -ge 3 ]
  local arp_n; arp_n=$(metric rackboot_dp_arp_replies_total)
  check "$label: ARP answered by the dataplane (arp_replies=$arp_n)" [ "${arp_n:-0}" -ge 1 ]
  in_cli curl -s --max-time 20 -o "$work/got.bin" http://198.18.0.1/blob.bin
  check "$label: curl whole file byte-identical" cmp -s "$work/got.bin" "$work/repo/blob.bin"
  in_cli curl -s --max-time 20 -r 100-199 -o "$work/range.bin" http://198.18.0.1/blob.bin
  check "$label: curl -r 100-199 returns exactly those bytes" \
    cmp -s "$work/range.bin" <(tail -c +101 "$work/repo/blob.bin" | head -c 100)
  check "$label: nested file" [ "$(in_cli curl -s --max-time 5 http://198.18.0.1/sub/hello.txt)" = "hello rack" ]
  check "$label: empty file" [ "$(in_cli curl -s --max-time 5 -o /dev/null -w '%{http_code}:%{size_download}' http://198.18.0.1/empty)" = "200:0" ]
  check "$label: 404" [ "$(in_cli curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://198.18.0.1/nope)" = "404" ]
  check "$label: traversal refused" [ "$(in_cli curl -s --max-time 5 --path-as-is -o /dev/null -w '%{http_code}' http://198.18.0.1/../../etc/passwd)" != "200" ]
  check "$label: healthz" [ "$(in_cli curl -s --max-time 5 http://198.18.0.1/healthz)" = "ok" ]
  check "$label: dataplane runs as rackboot's child (pid ${dp_pid:-none})" [ -n "$dp_pid" ]
  local rbp=$rb_pid rundir=/var/run/dpdk/rackboot$rb_pid
  local kernel_pkts; kernel_pkts=$(metric rackboot_dp_to_kernel_total)
  echo "# $label: to_kernel=$kernel_pkts (tap mode carries HTTP through the dataplane; xdp mode passes it in the kernel)"
  # TFTP blocks: chained straight out of the image cache where the port
  # transmits multi-segment mbufs (af_packet), one counted copy where not (af_xdp).
  in_cli curl -s --max-time 30 --tftp-blksize 1468 -o "$work/tftp.got" tftp://198.18.0.1/kernel.bin
  check "$label: TFTP 5 MB byte-identical" cmp -s "$work/tftp.got" "$work/tftp/kernel.bin"
  local blocks copies
  blocks=$(metric rackboot_dp_tftp_blocks_total) copies=$(metric rackboot_dp_tftp_copies_total)
  if [ "$2" = af_packet ]; then
    check "$label: TFTP zero copy ($blocks blocks, $copies copies)" [ "${blocks:-0}" -gt 3000 -a "${copies:-1}" = 0 ]
  else
    check "$label: TFTP copies counted ($blocks blocks, $copies copies)" [ "${blocks:-0}" -gt 3000 -a "${copies:-0}" = "${blocks:-x}" ]
  fi
  if [ "$3" = tap ]; then
    check "$label: HTTP went through the exception port (to_kernel=$kernel_pkts)" [ "${kernel_pkts:-0}" -gt 100 ]
  else
    check "$label: HTTP stayed in the kernel (to_kernel=$kernel_pkts)" [ "${kernel_pkts:-1}" = 0 ]
  fi
  check "$label: SIGTERM stops cleanly (exit 0)" stop_rb
  check "$label: no dataplane process left" bash -c "! kill -0 ${dp_pid:-999999} 2>/dev/null"
  check "$label: no tap left" bash -c "! in_srv ip link show ${P}tap 2>/dev/null" 
  check "$label: no XDP program left on the port" bash -c "! ip netns exec $P-srv ip link show $P-srv0 | grep -q xdp"
  check "$label: server address removed" bash -c "! ip netns exec $P-srv ip -4 addr | grep -q 198.18.0.1"
  check "$label: no runtime directory left ($rundir)" [ ! -e "$rundir" ]
  check "$label: no hugepage files left" bash -c "! ls /dev/hugepages/rackboot$rbp* 2>/dev/null | grep -q ."
}
export -f in_srv; export P

exercise "af_xdp" af_xdp xdp
exercise "tap exception" af_packet tap

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
