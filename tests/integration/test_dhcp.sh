#!/usr/bin/env bash
# test_dhcp.sh: rackboot's DHCP fast path on a virtual rack, with real clients.
#  - busybox udhcpc and ISC dhclient get a lease with the configured options,
#    next-server and boot file; renew (unicast), INIT-REBOOT and release work
#  - a reserved MAC always gets its address
#  - PXE firmware per architecture gets its boot file, iPXE its script URL
#  - perfdhcp runs against it with no errors; rackboot restarted mid-run keeps
#    every lease it ACKed, and a returning client gets its address back
#  - proxyDHCP beside dnsmasq: the address from dnsmasq, the boot file from us
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_dhcp.sh ip curl udhcpc dhclient perfdhcp dnsmasq python3 jq

export RB_PREFIX=rbd$$
P=$RB_PREFIX
PROBE="$RB_SRC/tests/tools/dhcp_probe.py"
work=$(rb_workdir dhcp)
pass=0 fail=0 dnsmasq_pid=''
RESV_MAC=52:54:00:be:ef:01

jqe() { jq -e "$@" > /dev/null; }   # a jq condition as an exit status

cleanup() {
  [ -n "$srv_pid" ] && kill_wait "$srv_pid"
  [ -n "$dnsmasq_pid" ] && kill_wait "$dnsmasq_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/repo" "$work/tftp"

write_cfg() { # dhcp-mode
  { rb_yaml_base 198.18.0.1/24 "$work/repo" "$work/tftp"; printf 'dhcp:\n  mode: %s\n' "$1"; } \
    > "$work/rb.yaml"
  [ "$1" = server ] && cat >> "$work/rb.yaml" <<YAML
  database: $work/db/leases.db
  lease_time: 600
  rate_limit: 0
  domain: rack.test
  dns: [198.18.0.1]
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.250
      routers: [198.18.0.1]
  reservations:
    - mac: $RESV_MAC
      address: 198.18.0.20
      hostname: resv1
YAML
  cat >> "$work/rb.yaml" <<YAML
  boot:
    bios: pxelinux.0
    efi-x64: syslinux.efi
    efi-arm64: grubaa64.efi
    http-x64: http://198.18.0.1/boot/ipxe.efi
    ipxe_script: http://198.18.0.1/boot.ipxe
YAML
}

start_rb() { rb_start "$work/rb.yaml" "$work/rb.log"; }   # appends to one log
stop_rb() { local rc; rb_stop "$srv_pid"; rc=$?; srv_pid=; return $rc; }

leases() { # [state] -> the array of the lease API (loopback, in the server's namespace)
  in_srv curl -s --max-time 5 "http://127.0.0.1:8081/api/v1/leases${1:+?state=$1}" | jq '.leases'
}

# A udhcpc event script that records what it was told, one line per event.
cat > "$work/udhcpc.sh" <<'SH'
#!/bin/sh
echo "$1 ip=$ip subnet=$subnet router=$router dns=$dns domain=$domain siaddr=$siaddr boot_file=$boot_file tftp=$tftp bootfile=$bootfile serverid=$serverid lease=$lease hostname=$hostname" >> "$UDHCPC_LOG"
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
SH
chmod +x "$work/udhcpc.sh"

# --- rack and server --------------------------------------------------------
"$RACK" up >/dev/null
for c in c1 c2 c3 c4; do "$RACK" client $c >/dev/null; done
in_ns c1 ip addr add 198.18.0.5/24 dev eth0   # c1 talks to the API; static
in_ns c2 ip link set eth0 address "$RESV_MAC"
write_cfg server
check "rackboot starts in DHCP server mode" start_rb || bail "rackboot did not start"

# --- the API: its own listener on loopback, a token for writes -------------
tok=$work/api.token
check "the API token file is made 0600 with 64 hex digits" \
  bash -c "[ \"\$(stat -c %a '$tok')\" = 600 ] && grep -qxE '[0-9a-f]{64}' '$tok'"
check "the rack cannot reach the API port" \
  bash -c "! ip netns exec $P-c1 curl -s --max-time 3 -o /dev/null http://198.18.0.1:8081/api/v1/status"
check "the old public /api/leases is gone" \
  [ "$(in_ns c1 curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://198.18.0.1/api/leases)" = 404 ]
api() { in_srv curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
check "a loopback GET needs no token" [ "$(api http://127.0.0.1:8081/api/v1/leases)" = 200 ]
check "a POST without the token is 401" [ "$(api -X POST http://127.0.0.1:8081/api/v1/reload)" = 401 ]
check "a POST with a wrong token is 401" \
  [ "$(api -X POST -H "Authorization: Bearer $(printf '%064d' 0)" http://127.0.0.1:8081/api/v1/reload)" = 401 ]
check "a POST with the token gets past auth to the body check (400)" \
  [ "$(api -X POST -H "Authorization: Bearer $(cat "$tok")" -d '{"select": 1}' \
       http://127.0.0.1:8081/api/v1/reinstall)" = 400 ]

# --- udhcpc: DORA, options, renew, release -----------------------------------
export UDHCPC_LOG=$work/u3.log
in_ns c3 timeout 20 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$work/udhcpc.sh" -O bootfile -O tftp \
  -x hostname:node-c3 > "$work/u3.out" 2>&1
line=$(grep '^bound' "$work/u3.log" | tail -1)
check "udhcpc gets a lease ($line)" grep -q 'ip=198.18.0.1[0-9][0-9]' <<<"$line"
check "udhcpc: subnet, router, dns, domain" \
  grep -q 'subnet=255.255.255.0 router=198.18.0.1 dns=198.18.0.1 domain=rack.test' <<<"$line"
check "udhcpc: next-server and boot file" grep -q 'siaddr=198.18.0.1 boot_file=pxelinux.0' <<<"$line"
check "udhcpc: server id and lease time" grep -q 'serverid=198.18.0.1 lease=600' <<<"$line"
ip3=$(sed -n 's/.*ip=\([0-9.]*\).*/\1/p' <<<"$line")
check "lease API lists $ip3 as bound with hostname node-c3" \
  bash -c "$(declare -f in_srv leases); P=$P; leases bound | jq -e '.[] | select(.address==\"$ip3\" and .hostname==\"node-c3\")' >/dev/null"

# Renew: udhcpc in the background, SIGUSR1 makes it send a unicast REQUEST.
: > "$work/u4.log"; export UDHCPC_LOG=$work/u4.log
ip netns exec "$P-c4" udhcpc -i eth0 -f -t 5 -T 1 -s "$work/udhcpc.sh" > "$work/u4.out" 2>&1 &
u4=$!
for _ in $(seq 1 50); do grep -q '^bound' "$work/u4.log" && break; sleep 0.2; done
acks0=$(metric rackboot_dp_dhcp_ack_total)
kill -USR1 $u4
for _ in $(seq 1 50); do grep -q '^renew' "$work/u4.log" && break; sleep 0.2; done
acks1=$(metric rackboot_dp_dhcp_ack_total)
check "udhcpc renew gets an ACK ($(grep -c '^renew' "$work/u4.log") renew events, acks $acks0 -> $acks1)" \
  [ "$(grep -c '^renew' "$work/u4.log")" -ge 1 -a "${acks1:-0}" -gt "${acks0:-0}" ]
ip4=$(sed -n 's/^bound ip=\([0-9.]*\).*/\1/p' "$work/u4.log" | head -1)
check "renew keeps the address" grep -q "^renew ip=$ip4 " "$work/u4.log"
# udhcpc sends its RELEASE unicast and deconfigures the address at once: if
# ARP for the server is still pending then, the kernel drops the RELEASE.
# Resolve the server first, as a client that has been talking to it would.
in_ns c4 ping -c 1 -W 2 198.18.0.1 > /dev/null
kill -USR2 $u4   # USR2: release
released() { leases released | jq -e ".[] | select(.address==\"$ip4\")" > /dev/null; }
for _ in $(seq 1 25); do released && break; sleep 0.2; done
kill $u4; wait $u4 2>/dev/null
check "release: $ip4 is released in the lease API (releases seen: $(metric rackboot_dp_dhcp_release_total), unknown: $(metric 'rackboot_dp_drops_total{reason="dhcp_unknown_lease"}'))" released

# --- reservation ------------------------------------------------------------
for i in 1 2; do
  : > "$work/u2.log"; export UDHCPC_LOG=$work/u2.log
  in_ns c2 timeout 20 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$work/udhcpc.sh" -O hostname > /dev/null 2>&1
  check "reserved MAC gets 198.18.0.20 with its hostname (run $i)" \
    grep -q '^bound ip=198.18.0.20 .*hostname=resv1' "$work/u2.log"
done

# --- ISC dhclient: DORA, INIT-REBOOT, release --------------------------------
# dhclient runs its script with an environment of its own: the log path is
# written into the script.
cat > "$work/dhclient.sh" <<SH
#!/bin/sh
LOG=$work/dh.log
SH
cat >> "$work/dhclient.sh" <<'SH'
echo "$reason ip=$new_ip_address next=$new_next_server file=$new_filename dom=$new_domain_name" >> "$LOG"
case "$reason" in
  BOUND|RENEW|REBOOT|REBIND) ip addr flush dev "$interface"; ip addr add "$new_ip_address/24" dev "$interface" ;;
  RELEASE|EXPIRE|FAIL|STOP) ip addr flush dev "$interface" ;;
esac
SH
chmod +x "$work/dhclient.sh"
in_ns c3 ip addr flush dev eth0
dh() { in_ns c3 timeout 30 dhclient -1 -v -sf "$work/dhclient.sh" \
  -lf "$work/dh.leases" -pf "$work/dh.pid" eth0 > "$work/dh.out" 2>&1; }
dh
line=$(grep '^BOUND' "$work/dh.log" | tail -1)
check "dhclient gets a lease ($line)" grep -q 'ip=198.18.0.1[0-9][0-9] next=198.18.0.1 file=pxelinux.0 dom=rack.test' <<<"$line"
ipd=$(sed -n 's/.*ip=\([0-9.]*\).*/\1/p' <<<"$line")
# -sf: without it the stop runs /sbin/dhclient-script, which rewrites the
# host's /etc/resolv.conf (a network namespace shares the file system)
in_ns c3 dhclient -x -sf "$work/dhclient.sh" -pf "$work/dh.pid" > /dev/null 2>&1   # stop, keep the lease
in_ns c3 ip addr flush dev eth0
dh
check "dhclient restart does INIT-REBOOT and keeps $ipd" grep -q "^REBOOT ip=$ipd " "$work/dh.log"
check "dhclient's reboot REQUEST was answered without a DISCOVER" \
  bash -c "[ -n '$ipd' ] && grep -q 'DHCPREQUEST for $ipd' '$work/dh.out' && ! grep -q DHCPDISCOVER '$work/dh.out'"
in_ns c3 dhclient -r -sf "$work/dhclient.sh" -lf "$work/dh.leases" -pf "$work/dh.pid" eth0 > /dev/null 2>&1
sleep 0.5
check "dhclient -r releases $ipd" \
  bash -c "$(declare -f in_srv leases); P=$P; leases released | jq -e '.[] | select(.address==\"$ipd\")' >/dev/null"

# --- PXE firmware per architecture, iPXE, HTTP boot ---------------------------
probe() { in_ns c3 timeout 40 python3 "$PROBE" "$@" 2> "$work/probe.err"; }
for a in "0 pxelinux.0" "7 syslinux.efi" "9 syslinux.efi" "11 grubaa64.efi"; do
  read -r arch want <<<"$a"
  out=$(probe --mode discover --pxe --arch "$arch")
  file=$(jq -r '.replies[0].file' <<<"$out")
  check "PXE arch $arch is offered $want (got $file)" [ "$file" = "$want" ]
done
out=$(probe --mode discover --pxe --arch 7)
check "PXE offer echoes PXEClient, UUID, and has option 43" \
  jqe '.replies[0] | .vendor_class == "PXEClient" and (.uuid | length) == 34 and .option43 == "060108ff"' <<<"$out"
out=$(probe --mode discover --http-boot --arch 16)
check "HTTP boot (arch 16) gets the URL and HTTPClient" \
  jqe '.replies[0] | .bootfile == "http://198.18.0.1/boot/ipxe.efi" and .vendor_class == "HTTPClient"' <<<"$out"
out=$(probe --mode discover --pxe --ipxe --arch 7)
check "iPXE gets the HTTP script URL and 175.176 (no-pxedhcp)" \
  jqe '.replies[0] | .bootfile == "http://198.18.0.1/boot.ipxe" and (.options["175"] | test("b00101"))' <<<"$out"
check "PXE and iPXE clients are counted" [ "$(metric rackboot_dp_dhcp_ipxe_clients_total)" -ge 1 ]

# --- perfdhcp, restart mid-run, durability ------------------------------------
in_ns c4 ip addr flush dev eth0
in_ns c4 ip addr add 198.18.0.6/24 dev eth0
# perfdhcp acts as a relay at 198.18.0.6 (giaddr): 200 DORA/s over 100
# clients for 30 s; rackboot is restarted 10 s in.
ip netns exec "$P-c4" timeout 90 perfdhcp -4 -l 198.18.0.6 -r 200 -R 100 -p 30 -t 5 198.18.0.1 \
  > "$work/perf.out" 2>&1 &
perf=$!
sleep 10
acked=$(metric rackboot_dp_dhcp_ack_total)
stop_rb; rc=$?
check "rackboot stops cleanly mid-run (exit $rc, after $acked ACKs)" [ "$rc" = 0 ]
# What the database holds once rackboot is gone: every ACK went out only
# after its lease was committed, so every perfdhcp lease must be here.
python3 - "$work/db/leases.db" > "$work/before.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select ip, hex(client_key) from leases where state = 2 order by ip").fetchall()
print(json.dumps([list(r) for r in rows]))
PY
nb=$(jq length "$work/before.json")
check "the database holds the bound leases ($nb rows, 100 perfdhcp clients + earlier ones)" [ "${nb:-0}" -ge 90 ]
check "rackboot restarts" start_rb || bail "rackboot did not restart"
check "the restart reports the leases it loaded" grep -q "lease record(s) loaded" "$work/rb.log"
wait $perf; prc=$?
sed 's/^/# /' "$work/perf.out" | grep -E 'sent|received|drops|Rate|orphans|rejected|unique|Malformed' | head -20
check "perfdhcp completes its 30 s run (exit $prc)" [ "$prc" = 0 -o "$prc" = 3 ]
check "perfdhcp: no malformed packets" grep -q '^Malformed packets: 0' "$work/perf.out"
check "perfdhcp: no rejected leases, no non-unique addresses" \
  bash -c "! grep -E '^(rejected leases|non unique addresses): [1-9]' '$work/perf.out'"
# An orphan is a reply perfdhcp cannot match to an open exchange: across the
# restart, the answer to an exchange it had already counted as dropped (how
# many depends on timing). More orphans than drops would be replies to
# nothing.
orphans=$(awk '/^orphans: / { n += $2 } END { print n + 0 }' "$work/perf.out")
drops=$(awk '/^drops: / { n += $2 } END { print n + 0 }' "$work/perf.out")
check "perfdhcp: orphans only for exchanges it had given up ($orphans orphans, $drops drops)" \
  [ "$orphans" -le "$drops" ]
after=$(leases bound)
# shellcheck disable=SC2016 # $a and $b are jq variables, not the shell's
check "every lease bound before the restart is still bound to the same client after it" \
  jqe --slurpfile b "$work/before.json" \
    '[.[] | [(.address | split(".") | map(tonumber) | .[0]*16777216 + .[1]*65536 + .[2]*256 + .[3]), (.client_id | ascii_upcase)]] as $a | ($b[0] - $a) | length == 0' <<<"$after"
dups=$(jq '[.[].address] | length - (unique | length)' <<<"$after")
check "no address is bound twice after the restart (duplicates: $dups)" [ "$dups" = 0 ]
: > "$work/u3.log"; export UDHCPC_LOG=$work/u3.log
in_ns c3 timeout 20 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$work/udhcpc.sh" > /dev/null 2>&1
check "after the restart udhcpc gets its old address $ip3 back" grep -q "^bound ip=$ip3 " "$work/u3.log"
stop_rb

# --- proxyDHCP beside dnsmasq -------------------------------------------------
"$RACK" client dm 198.18.0.2/24 >/dev/null
# --no-ping: dnsmasq otherwise pings each new address and holds its offer
# about 3 s, which races the probe's timeout.
ip netns exec "$P-dm" dnsmasq --no-daemon --port=0 --interface=eth0 --bind-interfaces --no-ping \
  --dhcp-range=198.18.0.60,198.18.0.90,255.255.255.0,10m --dhcp-leasefile="$work/dm.leases" \
  --pid-file="$work/dm.pid" > "$work/dm.log" 2>&1 &
dnsmasq_pid=$!
write_cfg proxy
# This run also puts the API on the rack's address, as an operator who
# manages rackboot from another machine would: from there every request
# needs the token.
sed -i 's|^api:$|api:\n  address: 198.18.0.1|' "$work/rb.yaml"
check "rackboot starts in proxyDHCP mode" start_rb || bail "rackboot did not start in proxyDHCP mode"
rapi() { in_ns c1 curl -s --max-time 5 -o "$work/rapi.out" -w '%{http_code}' "$@"; }
code=$(rapi http://198.18.0.1:8081/api/v1/status)
check "API on the rack's address: a GET from the rack without the token is 401 ($code)" [ "$code" = 401 ]
check "...with a JSON error ($(cat "$work/rapi.out"))" jq -e '.error | type == "string"' "$work/rapi.out"
code=$(rapi -H "Authorization: Bearer $(cat "$tok")" http://198.18.0.1:8081/api/v1/status)
check "...with the token it is 200 ($code)" [ "$code" = 200 ]
code=$(rapi -H "Authorization: Bearer $(cat "$tok")" -d '{"select": "all", ' http://198.18.0.1:8081/api/v1/reinstall)
check "...a malformed JSON body is 400 ($code)" [ "$code" = 400 ]
check "...with a JSON error saying so ($(cat "$work/rapi.out"))" jq -e '.error | test("JSON|json")' "$work/rapi.out"
unauth=$(metric rackboot_api_unauthorized_total)
check "...and the refusal is counted (rackboot_api_unauthorized_total $unauth)" [ "${unauth:-0}" -ge 1 ]
in_ns c3 ip addr flush dev eth0
out=$(probe --mode proxy --pxe --arch 7 --collect 2 --timeout 8)
echo "$out" | jq -c '.replies[] | {type, server_id, yiaddr, from, file}' | sed 's/^/# /'
in_ns c1 curl -s --max-time 5 http://198.18.0.1/metrics | grep -E '^rackboot_(dp_(dhcp|drops|rx|tx|arp)|port)' | grep -v ' 0$' | sed 's/^/# /'
check "PXE client gets its address from dnsmasq" jqe '.lease.yiaddr | startswith("198.18.0.")' <<<"$out"
check "... and from rackboot a proxy offer without an address" \
  jqe '[.replies[] | select(.type == "offer" and .server_id == "198.18.0.1" and .yiaddr == "0.0.0.0")] | length >= 1' <<<"$out"
check "... and the boot file over port 4011" \
  jqe '[.replies[] | select(.from == "198.18.0.1:4011" and .file == "syslinux.efi")] | length >= 1' <<<"$out"
out=$(probe --mode discover --collect 2)
check "a non-PXE client gets no proxy offer" \
  jqe '[.replies[] | select(.server_id == "198.18.0.1")] | length == 0' <<<"$out"
check "non-PXE requests are counted as not_pxe" [ "$(metric 'rackboot_dp_drops_total{reason="dhcp_not_pxe"}')" -ge 1 ]
stop_rb

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
