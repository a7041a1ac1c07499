#!/usr/bin/env bash
# rack.sh: the virtual rack — network namespaces standing in for a rack switch,
# the server's port and PXE clients. Addresses live only inside these namespaces
# (198.18.0.0/15, the benchmarking range).
#
#   rack.sh up                 rack switch (bridge) + server namespace and port
#   rack.sh down               remove everything this script created
#   rack.sh server NAME        add another server namespace $P-NAME, its port
#                              "$P-NAME0" on the bridge (a second rackboot)
#   rack.sh client NAME [IP/P] add a client namespace NAME with eth0 on the bridge
#                              (optionally addressed, e.g. 198.18.0.10/24)
#   rack.sh tap NAME           add a tap on the bridge for a qemu VM (-netdev tap,ifname=NAME)
#   rack.sh status             list what exists
#
# Names: $RB_PREFIX (default "rb") keeps parallel racks apart:
#   $P-rack     namespace holding bridge "br0" (the rack switch)
#   $P-srv      namespace where rackboot runs; its port is "$P-srv0"
#   $P-<NAME>   client namespaces (created by `client NAME`)
# All commands are idempotent.
set -euo pipefail

P=${RB_PREFIX:-rb}
RACK=$P-rack
SRV=$P-srv
SRVIF=$P-srv0
MTU=${RB_MTU:-1500}
Q=${RB_SRV_QUEUES:-1}

die() { echo "rack.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }
in_rack() { ip netns exec "$RACK" "$@"; }

up() {
  ns_exists "$RACK" || ip netns add "$RACK"
  in_rack ip link set lo up
  if ! in_rack ip link show br0 >/dev/null 2>&1; then
    in_rack ip link add br0 type bridge
    # A rack switch forwards at once: no STP listening delay, no multicast snooping
    # surprises for MTFTP groups.
    in_rack ip link set br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  fi
  in_rack ip link set br0 mtu "$MTU" up
  # A switch does not run the host's iptables: with br_netfilter in the
  # kernel, bridged IPv4 would otherwise take a routing lookup and the
  # netfilter hooks per frame (the rack's own loss rules are nftables
  # bridge-family rules, which do not need it).
  in_rack sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
  add_server "$SRV" "$SRVIF"
  echo "rack $RACK up: server port $SRVIF in namespace $SRV"
}

# add_server NAMESPACE PORT: a server namespace with its port on the switch.
add_server() {
  local ns=$1 port=$2
  [ ${#port} -le 13 ] || die "server port name '$port' too long for an interface name"
  ns_exists "$ns" || ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  if ! ip netns exec "$ns" ip link show "$port" >/dev/null 2>&1; then
    # RB_SRV_QUEUES (1): queues on the server port, for port.queues > 1 (a
    # veth spreads flows over them by hash, like RSS).
    ip link add "$port" numrxqueues "$Q" numtxqueues "$Q" type veth \
      peer name "p-$port" numrxqueues "$Q" numtxqueues "$Q"
    ip link set "$port" netns "$ns"
    ip link set "p-$port" netns "$RACK"
  fi
  ip netns exec "$ns" ip link set "$port" mtu "$MTU" up
  # One queue on each side (the default) keeps af_xdp's queue 0 the only one.
  in_rack ip link set "p-$port" mtu "$MTU" master br0 up
}

server() {
  local name=$1
  [ -n "$name" ] || die "server needs a name"
  ns_exists "$RACK" || die "rack is not up (rack.sh up)"
  add_server "$P-$name" "$P-${name}0"
  echo "server port $P-${name}0 in namespace $P-$name on $RACK/br0"
}

client() {
  local name=$1 addr=${2:-}
  [ -n "$name" ] || die "client needs a name"
  local ns=$P-$name peer=p-$P-$name
  [ ${#peer} -le 15 ] || die "client name '$name' too long for an interface name"
  ns_exists "$RACK" || die "rack is not up (rack.sh up)"
  ns_exists "$ns" || ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  if ! ip netns exec "$ns" ip link show eth0 >/dev/null 2>&1; then
    ip link add "tmp-$name" type veth peer name "$peer"
    ip link set "tmp-$name" netns "$ns"
    ip netns exec "$ns" ip link set "tmp-$name" name eth0
    ip link set "$peer" netns "$RACK"
  fi
  ip netns exec "$ns" ip link set eth0 mtu "$MTU" up
  # A veth hands packet sockets frames whose checksum is still to be filled
  # in (CHECKSUM_PARTIAL); forwarded through an af_packet port to the
  # exception tap they arrive corrupt. Real NICs and qemu send full sums.
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1 ||
    echo "rack.sh: warning: ethtool missing, tap-mode HTTP from $ns will fail" >&2
  in_rack ip link set "$peer" mtu "$MTU" master br0 up
  if [ -n "$addr" ]; then
    ip netns exec "$ns" ip addr replace "$addr" dev eth0
  fi
  # Multicast TFTP (RFC 2090, PXE MTFTP) joins groups on eth0: without a
  # route for them, IP_ADD_MEMBERSHIP fails with ENODEV. The groups stay
  # on the rack switch (rackboot sends them with TTL 1).
  ip netns exec "$ns" ip route replace 224.0.0.0/4 dev eth0
  echo "client $ns on $RACK/br0${addr:+ with $addr}"
}

tap() {
  local name=$1
  ns_exists "$RACK" || die "rack is not up (rack.sh up)"
  # qemu opens the tap by name in its own namespace: create it in the root
  # namespace... but the bridge lives in the rack namespace. So create the tap
  # inside the rack namespace and run qemu with `ip netns exec $RACK`.
  if ! in_rack ip link show "$name" >/dev/null 2>&1; then
    in_rack ip tuntap add dev "$name" mode tap
  fi
  in_rack ip link set "$name" mtu "$MTU" master br0 up
  echo "tap $name on $RACK/br0: run qemu as 'ip netns exec $RACK qemu-system-x86_64 ... -netdev tap,id=n0,ifname=$name,script=no,downscript=no'"
}

down() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$P-" || true); do
    # Deleting a namespace destroys its veths (and their peers) with it.
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$ns"
  done
  echo "rack $P down"
}

status() {
  ip netns list | grep -E "^$P-" || echo "no $P namespaces"
  if ns_exists "$RACK"; then in_rack bridge link show || true; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  server) shift; server "${1:-}" ;;
  client) shift; client "${1:-}" "${2:-}" ;;
  tap) shift; tap "${1:-}" ;;
  status) status ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
