#!/usr/bin/env bash
# test_events.sh: boot events from the dataplane reach the control. rackboot
# runs with --log-level debug, where the control logs one line per event,
# and real clients boot against it:
#  - udhcpc (no option 93) and an iPXE-like PXE client (arch 7): one
#    dhcp-ack line each, with the client's MAC and address, arch and ipxe
#  - curl fetches a small file and one of 3 MiB + 5 bytes: tftp-start,
#    tftp-progress past each MiB and tftp-done with the name as requested,
#    its bytes and size
#  - a client that takes DATA 1 and never acknowledges: tftp-fail timeout
#    (the server gives up after tftp.retries and 15 s of silence)
#  - EDK2's tsize probe (OACK answered with ERROR 8): tftp-fail
#    client-error 8, never a timeout
#  - a transfer still open when rackboot stops: tftp-fail evicted, flushed
#    at exit
#  - /metrics counts the events sent and none dropped
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_events.sh ip curl udhcpc python3 timeout

export RB_PREFIX=rbe$$
P=$RB_PREFIX
STALL="$RB_SRC/tests/tools/tftp_stall.py"
PROBE="$RB_SRC/tests/tools/dhcp_probe.py"
work=$(rb_workdir events)
log=$work/rb.log
pass=0 fail=0
BIG=$(((3 << 20) + 5))

cleanup() {
  [ -n "$srv_pid" ] && kill_wait "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/repo" "$work/tftp/boot"
head -c 43210 /dev/urandom > "$work/tftp/pxelinux.0"
head -c "$BIG" /dev/urandom > "$work/tftp/boot/big.img"
chmod -R a+rX "$work"
{ rb_yaml_base 198.18.0.1/24 "$work/repo" "$work/tftp"
  cat <<YAML
dhcp:
  mode: server
  database: $work/db/leases.db
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.150
  boot:
    bios: pxelinux.0
    efi-x64: pxelinux.0
    ipxe_script: http://198.18.0.1/boot.ipxe
YAML
} > "$work/rb.yaml"

# wait_line REGEX SECS: until the log has a line matching REGEX.
wait_line() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    grep -Eq "$1" "$log" && return 0
    sleep 0.2
  done
  return 1
}

"$RACK" up >/dev/null
"$RACK" client c1 198.18.0.5/24 >/dev/null   # TFTP, /metrics
"$RACK" client c2 >/dev/null                 # udhcpc
"$RACK" client c3 198.18.0.7/24 >/dev/null   # the clients that misbehave
"$RACK" client c4 >/dev/null                 # PXE / iPXE DHCP
mac() { in_ns "$1" cat /sys/class/net/eth0/address; }
mac1=$(mac c1) mac2=$(mac c2) mac3=$(mac c3) mac4=$(mac c4)

RB_OPTS="--log-level debug" rb_start "$work/rb.yaml" "$log" || bail "rackboot did not start"
ok "rackboot starts with --log-level debug"

# The stalled client first: its timeout takes 15 s, the rest runs meanwhile.
t0=$SECONDS
check "a client takes DATA 1 and goes silent" \
  in_ns c3 timeout 10 python3 "$STALL" 198.18.0.1 pxelinux.0 stall

# --- DHCP ---------------------------------------------------------------------
# udhcpc's script records the address it was given.
cat > "$work/u.sh" <<SH
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip" > "$work/ip2"
exit 0
SH
chmod +x "$work/u.sh"
in_ns c2 timeout 20 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$work/u.sh" > "$work/u2.out" 2>&1
ip2=$(cat "$work/ip2" 2>/dev/null)
check "udhcpc gets a lease ($ip2)" [ -n "$ip2" ]
check "dhcp-ack event for udhcpc: its MAC and address, no arch" \
  wait_line "event dhcp-ack $mac2 ${ip2//./\\.} arch none\$" 5
out=$(in_ns c4 timeout 40 python3 "$PROBE" --pxe --ipxe --arch 7 2> "$work/probe.err")
ip4=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["lease"]["ip"])' <<<"$out" 2>/dev/null)
check "an iPXE client (arch 7) gets a lease ($ip4)" [ -n "$ip4" ]
check "dhcp-ack event for it: arch 7, ipxe" \
  wait_line "event dhcp-ack $mac4 ${ip4//./\\.} arch 7 ipxe\$" 5

# --- TFTP ---------------------------------------------------------------------
A="198\\.18\\.0\\.5:[0-9]+"
check "curl fetches pxelinux.0" \
  in_ns c1 curl -s --max-time 20 -o "$work/p0" tftp://198.18.0.1/pxelinux.0
check "tftp-start for pxelinux.0" wait_line "event tftp-start $mac1 $A pxelinux\\.0 0/43210 B\$" 5
check "tftp-done for pxelinux.0" wait_line "event tftp-done $mac1 $A pxelinux\\.0 43210/43210 B\$" 5
check "curl fetches boot/big.img (3 MiB + 5)" \
  in_ns c1 curl -s --max-time 60 -o "$work/big" tftp://198.18.0.1/boot/big.img
check "tftp-done for boot/big.img" \
  wait_line "event tftp-done $mac1 $A boot/big\\.img $BIG/$BIG B\$" 5
prog=$(grep -Ec "event tftp-progress $mac1 $A boot/big\\.img [0-9]+/$BIG B\$" "$log")
check "tftp-progress lines for each MiB passed ($prog)" test "$prog" -ge 2 -a "$prog" -le 3
sizes=$(grep -E "event tftp-progress $mac1 .* boot/big\\.img" "$log" |
  sed -E 's|.* ([0-9]+)/[0-9]+ B$|\1|' | tr '\n' ' ')
check "progress bytes pass 1 and 2 MiB in order ($sizes)" \
  awk -v s="$sizes" 'BEGIN { n = split(s, b, " "); exit !(n >= 2 && b[1] >= 1048576 && b[1] < 2097152 && b[2] >= 2097152 && b[2] < 3145728) }'

# --- failures -----------------------------------------------------------------
check "an EDK2-style tsize probe gets its OACK and aborts with ERROR 8" \
  in_ns c3 timeout 10 python3 "$STALL" 198.18.0.1 boot/big.img probe
check "tftp-fail client-error 8 for the probe" \
  wait_line "event tftp-fail $mac3 198\\.18\\.0\\.7:[0-9]+ boot/big\\.img 0/$BIG B client-error 8\$" 5
check "tftp-start for the stalled client" \
  grep -Eq "event tftp-start $mac3 198\\.18\\.0\\.7:[0-9]+ pxelinux\\.0 0/43210 B\$" "$log"
check "tftp-fail timeout for the stalled client" \
  wait_line "event tftp-fail $mac3 198\\.18\\.0\\.7:[0-9]+ pxelinux\\.0 0/43210 B timeout\$" 40
echo "# the stalled client was given up after $((SECONDS - t0)) s"
check "the tsize probe never times out" \
  bash -c "! grep -E 'event tftp-fail .* boot/big\\.img .* timeout' '$log'"

sent=$(metric rackboot_dp_events_sent_total)
dropped=$(metric rackboot_dp_events_dropped_total)
check "/metrics: events sent ($sent), none dropped ($dropped)" \
  test "${sent:-0}" -ge 10 -a "${dropped:-x}" = 0

# --- shutdown with a transfer open --------------------------------------------
check "another client goes silent" \
  in_ns c3 timeout 10 python3 "$STALL" 198.18.0.1 boot/big.img stall
sleep 0.3
rb_stop "$srv_pid"; rc=$?; srv_pid=
check "rackboot stops cleanly (exit $rc)" [ "$rc" = 0 ]
check "tftp-fail evicted for the transfer open at shutdown" \
  grep -Eq "event tftp-fail $mac3 198\\.18\\.0\\.7:[0-9]+ boot/big\\.img 0/$BIG B evicted\$" "$log"

grep -E ' event[ :]' "$log" | sed 's/^/#   /'
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
