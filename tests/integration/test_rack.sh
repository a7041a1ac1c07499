#!/usr/bin/env bash
# test_rack.sh: rackboot on a virtual rack, checked with real clients.
#  - bad and missing configs exit 2 with file:line:column and leave nothing
#  - in af_xdp mode and in tap exception mode: ping is answered by the
#    dataplane (counter moves), curl gets files byte-identical, ranges exact
#  - SIGTERM leaves no process, tap, XDP program, address or hugepage file
#  - the boot namespace: tftp.mounts (a directory at a name, single files,
#    one shadowing a tftp.root file) served byte-identical over TFTP and
#    HTTP /boot/; SIGHUP reloads a changed file in a mounted directory; a
#    missing mount path is refused with file:line:column
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_rack.sh ip curl ping cmp

export RB_PREFIX=rbt$$
P=$RB_PREFIX
work=$(rb_workdir it)
pass=0 fail=0 dp_pid=

cleanup() {
  [ -n "$srv_pid" ] && kill_wait "$srv_pid"
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
  rb_yaml_base 198.18.0.1/24 "$work/repo" "$work/tftp" "$1" "$2" > "$work/rb-$1.yaml"
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

start_rb() { # mode exception
  write_cfg "$1" "$2"
  rb_start "$work/rb-$1.yaml" "$work/rb-$1.log" || return 1
  dp_pid=$(pgrep -P "$srv_pid" -x rackboot-datapl)
}

stop_rb() { local rc; rb_stop "$srv_pid"; rc=$?; srv_pid=; return $rc; }

exercise() { # label mode exception
  local label=$1
  check "$label: rackboot starts" start_rb "$2" "$3" || bail "$label: rackboot did not start"
  in_ns c1 ip neigh flush dev eth0   # make the client ARP again
  check "$label: ping answered" in_ns c1 ping -c 3 -i 0.2 -W 2 198.18.0.1
  local echo_n; echo_n=$(metric rackboot_dp_icmp_echo_replies_total)
  check "$label: pings answered by the dataplane (icmp_echo_replies=$echo_n)" [ "${echo_n:-0}" -ge 3 ]
  local arp_n; arp_n=$(metric rackboot_dp_arp_replies_total)
  check "$label: ARP answered by the dataplane (arp_replies=$arp_n)" [ "${arp_n:-0}" -ge 1 ]
  in_ns c1 curl -s --max-time 20 -o "$work/got.bin" http://198.18.0.1/blob.bin
  check "$label: curl whole file byte-identical" cmp -s "$work/got.bin" "$work/repo/blob.bin"
  in_ns c1 curl -s --max-time 20 -r 100-199 -o "$work/range.bin" http://198.18.0.1/blob.bin
  check "$label: curl -r 100-199 returns exactly those bytes" \
    cmp -s "$work/range.bin" <(tail -c +101 "$work/repo/blob.bin" | head -c 100)
  check "$label: nested file" [ "$(in_ns c1 curl -s --max-time 5 http://198.18.0.1/sub/hello.txt)" = "hello rack" ]
  check "$label: empty file" [ "$(in_ns c1 curl -s --max-time 5 -o /dev/null -w '%{http_code}:%{size_download}' http://198.18.0.1/empty)" = "200:0" ]
  check "$label: 404" [ "$(in_ns c1 curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://198.18.0.1/nope)" = "404" ]
  check "$label: traversal refused" [ "$(in_ns c1 curl -s --max-time 5 --path-as-is -o /dev/null -w '%{http_code}' http://198.18.0.1/../../etc/passwd)" != "200" ]
  check "$label: healthz" [ "$(in_ns c1 curl -s --max-time 5 http://198.18.0.1/healthz)" = "ok" ]
  check "$label: dataplane runs as rackboot's child (pid ${dp_pid:-none})" [ -n "$dp_pid" ]
  local rbp=$srv_pid rundir=/var/run/dpdk/rackboot$srv_pid
  local kernel_pkts; kernel_pkts=$(metric rackboot_dp_to_kernel_total)
  echo "# $label: to_kernel=$kernel_pkts (tap mode carries HTTP through the dataplane; xdp mode passes it in the kernel)"
  # TFTP blocks: chained straight out of the image cache where the port
  # transmits multi-segment mbufs (af_packet), one counted copy where not (af_xdp).
  in_ns c1 curl -s --max-time 30 --tftp-blksize 1468 -o "$work/tftp.got" tftp://198.18.0.1/kernel.bin
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

# --- the boot namespace -----------------------------------------------------
mkdir -p "$work/di/sub"
head -c 200000 /dev/urandom > "$work/di/linux"
head -c 70000 /dev/urandom > "$work/di/sub/initrd.gz"
head -c 40000 /dev/urandom > "$work/pxelinux.bin"
echo "menu from tftp.root" > "$work/tftp/menu.cfg"
echo "shadows tftp.root's kernel.bin" > "$work/kshadow"
ns_cfg() { # mounts... ("name: path" lines)
  rb_yaml_base 198.18.0.1/24 "$work/repo" "$work/tftp" af_xdp xdp
  echo "  mounts:"
  printf '    %s\n' "$@"
}
ns_cfg "x: $work/nope" > "$work/rb-badmount.yaml"
out=$("$RB" --check -c "$work/rb-badmount.yaml" 2>&1); rc=$?
check "tftp.mounts with a missing path exits 2" [ "$rc" = 2 ]
check "... naming file:line:column and the path ($out)" \
  grep -qE "rb-badmount.yaml:[0-9]+:8: error: tftp.mounts.x '$work/nope': No such file" <<<"$out"
ns_cfg "d-i/amd64: $work/di" "pxelinux.0: $work/pxelinux.bin" "kernel.bin: $work/kshadow" \
  > "$work/rb-ns.yaml"
# name file: TFTP and HTTP /boot/ both return exactly file
both_same() {
  rm -f "$work/ns.t" "$work/ns.h"
  in_ns c1 curl -s --max-time 20 -o "$work/ns.t" "tftp://198.18.0.1/$1"
  in_ns c1 curl -s --max-time 20 -o "$work/ns.h" "http://198.18.0.1/boot/$1"
  cmp -s "$work/ns.t" "$2" && cmp -s "$work/ns.h" "$2"
}
tftp_same() { rm -f "$work/ns.t"; in_ns c1 curl -s --max-time 20 -o "$work/ns.t" "tftp://198.18.0.1/$1" && cmp -s "$work/ns.t" "$2"; }
http_code() { in_ns c1 curl -s --max-time 5 --path-as-is -o /dev/null -w '%{http_code}' "http://198.18.0.1$1"; }
if check "boot namespace: rackboot starts with tftp.mounts" rb_start "$work/rb-ns.yaml" "$work/rb-ns.log"; then
  check "boot namespace: a file in a mounted directory, TFTP = HTTP /boot/ = the file" both_same d-i/amd64/linux "$work/di/linux"
  check "boot namespace: ... nested" both_same d-i/amd64/sub/initrd.gz "$work/di/sub/initrd.gz"
  check "boot namespace: a single-file mount" both_same pxelinux.0 "$work/pxelinux.bin"
  check "boot namespace: a mount shadows tftp.root's file of that name" both_same kernel.bin "$work/kshadow"
  check "boot namespace: tftp.root's other files still served" both_same menu.cfg "$work/tftp/menu.cfg"
  check "boot namespace: HTTP /boot/ of a directory is 404" [ "$(http_code /boot/d-i/amd64)" = 404 ]
  check "boot namespace: HTTP /boot/ traversal refused" [ "$(http_code /boot/../blob.bin)" = 400 ]
  check "boot namespace: the repository keeps /" [ "$(http_code /blob.bin)" = 200 ]
  gen0=$(metric rackboot_dp_tftp_cache_generation)
  cp "$work/di/linux" "$work/linux.v1"
  head -c 150000 /dev/urandom > "$work/di/linux.tmp" && mv "$work/di/linux.tmp" "$work/di/linux"
  echo "added later" > "$work/di/sub/new.cfg"
  check "boot namespace: before the reload TFTP serves the loaded copy" tftp_same d-i/amd64/linux "$work/linux.v1"
  kill -HUP "$srv_pid"
  for _ in $(seq 1 40); do [ "$(metric rackboot_dp_tftp_cache_generation)" = $((gen0 + 1)) ] && break; sleep 0.5; done
  check "boot namespace: SIGHUP publishes generation $((gen0 + 1)) (now $(metric rackboot_dp_tftp_cache_generation))" \
    [ "$(metric rackboot_dp_tftp_cache_generation)" = $((gen0 + 1)) ]
  check "boot namespace: after it, the changed file in a mounted directory, both ways" both_same d-i/amd64/linux "$work/di/linux"
  check "boot namespace: ... and a file added there" both_same d-i/amd64/sub/new.cfg "$work/di/sub/new.cfg"
  check "boot namespace: ... the single-file mount still served" both_same pxelinux.0 "$work/pxelinux.bin"
  check "boot namespace: SIGTERM stops cleanly" stop_rb
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
