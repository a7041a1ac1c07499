#!/usr/bin/env bash
# test_ra.sh: rackboot answers IPv6 router solicitations (server.ipv6_ra).
#  - in af_xdp mode and in tap exception mode: rdisc6 from a client gets a
#    router advertisement from the server's link-local address, router
#    lifetime 0, no prefix; on the wire (tcpdump): IPv6 hop limit 255 and
#    exactly one RA for the one RS; /metrics counts it (ra_sent)
#  - with ipv6_ra: off nothing answers in either mode: the RS reaches the
#    kernel (through XDP_PASS, or the tap), which is a host and stays quiet
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_ra.sh ip curl rdisc6 tcpdump

export RB_PREFIX=rbr$$
P=$RB_PREFIX
work=$(rb_workdir ra)
pass=0 fail=0 dump_pid=

cleanup() {
  [ -n "$dump_pid" ] && kill_wait "$dump_pid"
  [ -n "$srv_pid" ] && kill_wait "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/repo" "$work/tftp"

"$RACK" up >/dev/null && "$RACK" client c1 198.18.0.10/24 >/dev/null
check "rack is up" ip netns exec "$P-srv" ip link show "$P-srv0"
# The client's kernel solicits by itself when its link comes up; keep it
# quiet so that the only RS on the wire is rdisc6's, and keep it from
# acting on the answers.
in_ns c1 sysctl -qw net.ipv6.conf.eth0.router_solicitations=0 net.ipv6.conf.eth0.accept_ra=0
# The rack switch is a switch: no IPv6 of its own (its bridge and ports
# would solicit too, and rackboot rightly answers them, which muddles the
# counts). It still forwards IPv6 frames.
ip netns exec "$P-rack" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
c1_mac=$(in_ns c1 cat /sys/class/net/eth0/address)
srv_mac=$(in_srv cat /sys/class/net/"$P-srv0"/address)

# link_local NS IF: the interface's link-local address once DAD is done.
link_local() {
  local _ a
  for _ in $(seq 1 50); do
    a=$(ip netns exec "$1" ip -6 -o addr show dev "$2" scope link | grep -v tentative |
      awk '{ sub("/.*", "", $4); print $4; exit }')
    [ -n "$a" ] && { echo "$a"; return 0; }
    sleep 0.1
  done
  return 1
}
# The server's: the kernel's EUI-64 address on the port, which rackboot's
# RA comes from too (same MAC). Read before rackboot starts: in af_packet
# mode it turns IPv6 off on the port.
srv_ll=$(link_local "$P-srv" "$P-srv0") || bail "server port has no link-local address"
link_local "$P-c1" eth0 >/dev/null || bail "client has no link-local address"

write_cfg() { # mode exception ipv6_ra
  rb_yaml_base 198.18.0.1/24 "$work/repo" "$work/tftp" "$1" "$2" |
    sed "s/^  address: .*/&\n  ipv6_ra: $3/" > "$work/rb-$1-$3.yaml"
}

# solicit LABEL: one RS from c1 (rdisc6, a single try, 2 s for the
# answer) with tcpdump on c1's eth0 around it. rdisc6's output in
# $work/rdisc6.out (status in rd_rc), the capture in $work/dump.out.
solicit() {
  : > "$work/dump.err"
  # Not through in_ns: a function in the background is a subshell, and
  # $! would be that, not tcpdump (ip netns exec execs its command).
  ip netns exec "$P-c1" tcpdump -i eth0 -n -vv -l 'icmp6 and (ip6[40] == 133 or ip6[40] == 134)' \
    > "$work/dump.out" 2> "$work/dump.err" &
  dump_pid=$!
  for _ in $(seq 1 50); do grep -q "listening on" "$work/dump.err" && break; sleep 0.1; done
  in_ns c1 rdisc6 -n -1 -r 1 -w 2000 eth0 > "$work/rdisc6.out" 2>&1
  rd_rc=$?
  sleep 1 # an RA sent twice would come at once, not after seconds
  kill_wait "$dump_pid"; dump_pid=
  echo "# $1: rdisc6 said:"; sed 's/^/#   /' "$work/rdisc6.out"
  echo "# $1: on the wire:"; sed 's/^/#   /' "$work/dump.out"
}

# RS lines from c1 and RA lines (any sender) in the capture.
rs_count() { grep -c "^[0-9:.]* IP6 .* ${c1_ll}[. ].*router solicitation" "$work/dump.out"; }
ra_count() { grep -c "router advertisement" "$work/dump.out"; }

# ra_sent: the counter from /metrics, asked up to 3 times (a loaded box
# can miss one curl's 5 s).
ra_sent() {
  local v _
  for _ in 1 2 3; do
    v=$(metric rackboot_dp_ra_sent_total)
    [ -n "$v" ] && break
  done
  echo "$v"
}

start_rb() { # mode exception ipv6_ra
  write_cfg "$1" "$2" "$3"
  rb_start "$work/rb-$1-$3.yaml" "$work/rb-$1-$3.log"
}
stop_rb() { local rc; rb_stop "$srv_pid"; rc=$?; srv_pid=; return $rc; }

c1_ll=$(link_local "$P-c1" eth0)
echo "# server $srv_mac $srv_ll, client $c1_mac $c1_ll"

answers() { # label mode exception
  local label=$1 n n0
  check "$label: rackboot starts" start_rb "$2" "$3" on || bail "$label: rackboot did not start"
  n0=$(ra_sent)
  solicit "$label"
  check "$label: rdisc6 got an RA (exit $rd_rc)" [ "$rd_rc" = 0 ]
  check "$label: from the server's link-local address $srv_ll" \
    grep -qi "^ from $srv_ll\$" "$work/rdisc6.out"
  check "$label: router lifetime 0" grep -qE "^Router lifetime +: +0 \(0x0+\) seconds" "$work/rdisc6.out"
  check "$label: M and O clear" bash -c "grep -qE '^Stateful address conf\\. +: +No\$' '$work/rdisc6.out' &&
    grep -qE '^Stateful other conf\\. +: +No\$' '$work/rdisc6.out'"
  check "$label: no prefix" bash -c "! grep -q Prefix '$work/rdisc6.out'"
  check "$label: our MAC as source link-layer address" grep -qi "Source link-layer address: *$srv_mac" "$work/rdisc6.out"
  check "$label: one RS from the client on the wire ($(rs_count))" [ "$(rs_count)" = 1 ]
  check "$label: exactly one RA on the wire ($(ra_count))" [ "$(ra_count)" = 1 ]
  check "$label: RA with IPv6 hop limit 255, from $srv_ll to the client" \
    grep -qE "^[0-9:.]* IP6 \(.*hlim 255.*\) $srv_ll > $c1_ll: .*router advertisement" "$work/dump.out"
  check "$label: RA carries no prefix option" bash -c "! grep -q 'prefix info' '$work/dump.out'"
  check "$label: RA says router lifetime 0s" grep -q "router lifetime 0s" "$work/dump.out"
  n=$(ra_sent)
  check "$label: /metrics counts it (ra_sent $n0 -> $n)" [ "$((${n:-0} - ${n0:-0}))" = 1 ]
  n=$(in_ns c1 curl -s --max-time 5 http://198.18.0.1/metrics | grep -c 'reason="bad_rs"')
  check "$label: bad_rs drop reason listed" [ "$n" = 1 ]
  check "$label: SIGTERM stops cleanly" stop_rb
}

silent() { # label mode exception
  local label="$1, ipv6_ra off"
  check "$label: rackboot starts" start_rb "$2" "$3" off || bail "$label: rackboot did not start"
  solicit "$label"
  check "$label: rdisc6 got no answer (exit $rd_rc)" [ "$rd_rc" != 0 ]
  check "$label: the RS went out ($(rs_count))" [ "$(rs_count)" = 1 ]
  check "$label: no RA on the wire ($(ra_count))" [ "$(ra_count)" = 0 ]
  local n; n=$(ra_sent)
  check "$label: ra_sent stays 0 ($n)" [ "$n" = 0 ]
  check "$label: SIGTERM stops cleanly" stop_rb
}

answers "af_xdp" af_xdp xdp
silent "af_xdp" af_xdp xdp
answers "tap exception" af_packet tap
silent "tap exception" af_packet tap

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
