#!/usr/bin/env bash
# test_reflect.sh: rackboot's TFTP cannot be turned into a traffic
# reflector. The rack has a router namespace with two routed subnets behind
# it: an attacker's, whose router does not filter source addresses, and a
# victim's. The attacker sends TFTP requests with the victim's address as
# their source; what the server sends goes through the router to the
# victim, and an nft counter on the victim's link adds it up.
#  - A: 10 plain spoofed read requests for an 8 MB file (victim .2)
#  - B: one spoofed request with blksize 1468, windowsize 64 and tsize,
#    then a spoofed ACK 0 to 64 session ports a round robin would have
#    used first, and the request again 5 times, with the ACKs after each
#    (victim .3). Session ports here are 40000-65000: a random one is
#    among the 64 guesses with odds of 64 in 25,001 (0.26%), and only then
#    would the victim get a window.
#  - after 30 s (longer than any unproven session lives): A under 2.5 KB
#    per request, B under 2.5 KB in all, no ERROR sent to either, and a
#    real client on the rack still gets the whole file.
# Figures before the fix (session ports in order, whole windows before any
# ACK, 15 s sessions; measured here on 7b4ebd5): A 7,658 B per request
# (15 packets each), B 1.63 MB plus 379 ERRORs, one per spoofed ACK.
# Needs root. Its own namespace prefix.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_reflect.sh ip nft python3 curl timeout

export RB_PREFIX=rbf$$ # rbf: reflector
P=$RB_PREFIX
SRV_IP=198.18.0.1
SPOOF=$RB_SRC/tests/tools/tftp_spoof.py
work=$(mktemp -d /tmp/rackboot-reflect.XXXXXX)
pass=0 fail=0 srv_pid=''

cleanup() {
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/repo" "$work/tftp"
head -c 8000000 /dev/urandom > "$work/tftp/big.img"
chmod -R a+rX "$work"
"$RACK" up >/dev/null
"$RACK" client c1 198.18.0.10/24 >/dev/null
"$RACK" client rt 198.18.0.254/24 >/dev/null

# Two subnets behind the router: 198.18.10.0/24 (attacker), 198.18.20.0/24
# (victim). The router forwards without reverse-path filtering, as a
# network that does not filter its sources does.
for side in att:10 vic:20; do
  name=${side%%:*} net=${side##*:}
  ip netns add "$P-$name"
  ip link add "$P-$name-r" type veth peer name "$P-$name-h"
  ip link set "$P-$name-r" netns "$P-rt"
  ip link set "$P-$name-h" netns "$P-$name"
  in_ns rt ip addr add "198.18.$net.1/24" dev "$P-$name-r"
  in_ns rt ip link set "$P-$name-r" up
  in_ns "$name" ip link set lo up
  in_ns "$name" ip link set "$P-$name-h" name eth0
  in_ns "$name" ip addr add "198.18.$net.2/24" dev eth0
  in_ns "$name" ip link set eth0 up
  in_ns "$name" ip route add default via "198.18.$net.1"
done
in_ns vic ip addr add 198.18.20.3/24 dev eth0
in_ns rt sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
for d in $(in_ns rt ls /proc/sys/net/ipv4/conf); do in_ns rt sysctl -qw "net.ipv4.conf.$d.rp_filter=0"; done

# What reaches the victim from the server, per victim address (IP bytes).
in_ns vic nft -f - <<'NFT'
table netdev rbf {
  chain in {
    type filter hook ingress device eth0 priority 0;
    ip saddr 198.18.0.1 ip daddr 198.18.20.2 counter
    ip saddr 198.18.0.1 ip daddr 198.18.20.3 counter
    ip saddr 198.18.0.1 ip daddr 198.18.20.3 udp sport 40000-65000 @th,64,16 5 counter
    ip saddr 198.18.0.1 @th,64,32 0x00050000 counter
  }
}
NFT
victim_bytes() { # rule number 1..4: bytes, packets
  in_ns vic nft list chain netdev rbf in | grep -o 'counter packets [0-9]* bytes [0-9]*' |
    sed -n "${1}p" | awk '{ print $5, $3 }'
}

{ rb_yaml_base "$SRV_IP/24" "$work/repo" "$work/tftp"
  echo "  session_ports: 40000-65000"
} > "$work/rb.yaml"
rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start"
echo "# server: $("$RB" --version 2>/dev/null | head -1)"

# The attacker can reach the server at all (a real request from its own
# address is answered): the path works both ways.
check "attacker's subnet reaches the server" \
  in_ns att timeout 20 curl -s -o "$work/att.img" "tftp://$SRV_IP/big.img"
cmp -s "$work/att.img" "$work/tftp/big.img" || bad "attacker's own download differs"

# A: 10 plain requests, victim 198.18.20.2.
for i in $(seq 1 10); do
  in_ns att python3 "$SPOOF" rrq 198.18.20.2 $((4000 + i)) "$SRV_IP" big.img >/dev/null
done
# B: one windowsize 64 request, spoofed ACK 0 to the guessed ports, then
# the request and the ACKs again 5 times; victim 198.18.20.3.
b_opts=(blksize=1468 windowsize=64 tsize=0)
in_ns att python3 "$SPOOF" rrq 198.18.20.3 5000 "$SRV_IP" big.img "${b_opts[@]}" >/dev/null
sleep 0.2
in_ns att python3 "$SPOOF" ack 198.18.20.3 5000 "$SRV_IP" 0 40000-40063 >/dev/null
for i in 1 2 3 4 5; do
  sleep 0.5
  in_ns att python3 "$SPOOF" rrq 198.18.20.3 5000 "$SRV_IP" big.img "${b_opts[@]}" >/dev/null
  in_ns att python3 "$SPOOF" ack 198.18.20.3 5000 "$SRV_IP" 0 40000-40063 >/dev/null
done
sleep 30

read -r a_bytes a_pkts < <(victim_bytes 1)
read -r b_bytes b_pkts < <(victim_bytes 2)
read -r t_bytes t_pkts < <(victim_bytes 3)
read -r _ e_pkts < <(victim_bytes 4)
echo "# A: 10 spoofed requests: $a_pkts packets, $a_bytes bytes to the victim ($((a_bytes / 10)) per request)"
echo "# B: 6 spoofed requests + 384 spoofed ACKs: $b_pkts packets, $b_bytes bytes to the victim; of them ERROR 5 (unknown transfer): $t_pkts packets, $t_bytes bytes"
echo "# ERROR 0 (timed out) to the victims: $e_pkts"
check "A: under 2.5 KB per spoofed request ($((a_bytes / 10)) B)" [ "$a_bytes" -le 25000 ]
check "A: at most 4 packets per spoofed request ($a_pkts for 10)" [ "$a_pkts" -le 40 ]
check "B: under 2.5 KB for the request and its repeats, ERRORs aside ($((b_bytes - t_bytes)) B)" \
  [ $((b_bytes - t_bytes)) -le 2500 ]
# 384 ACKs over about 3 s: 4 ERRORs a second at most (a few seconds' worth).
check "B: ERROR 5 for the 384 spoofed ACKs rate-limited ($t_pkts)" [ "$t_pkts" -le 24 ]
check "no 'timed out' ERROR sent to a source that never answered" [ "$e_pkts" -eq 0 ]
un=$(metric 'rackboot_dp_drops_total{reason="tftp_unproven_timeout"}')
echo "# tftp_unproven_timeout: $un"
check "the spoofed sessions ended as never acknowledged (11: $un)" [ "${un:-0}" -ge 11 ]

# A real client is served as ever.
check "a real client gets the whole file" in_ns c1 timeout 20 curl -s -o "$work/c1.img" "tftp://$SRV_IP/big.img"
check "its copy is byte-identical" cmp -s "$work/c1.img" "$work/tftp/big.img"

rb_stop "$srv_pid"; srv_pid=
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
