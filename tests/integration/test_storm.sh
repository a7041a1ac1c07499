#!/usr/bin/env bash
# test_storm.sh: rackboot-storm against rackboot on a virtual rack.
#  - 50 emulated PXE nodes (one DPDK af_packet port in one client
#    namespace), each: DHCP with PXE options -> a lease from the pool; the
#    boot file the ACK names (loader.efi, 300 KB) and a 4 MiB initrd by
#    TFTP, blksize 1468, every byte compared with the server's copy
#  - every node leased a distinct address of the pool and fetched both files
#    from that address (rackboot's TFTP saw 100 transfers done, none refused
#    by the per-source caps)
#  - 10 nodes more with EDK2's tsize probe (its ERROR 8 reaches rackboot),
#    windowsize 8 and the iPXE user class: all done, bytes verified
#  - 20 nodes more with --multicast (RFC 2090, as iPXE's tftm://): the
#    boot file unicast, the 4 MiB initrd from one group stream, every byte
#    of every node compared; rackboot counts 20 multicast clients done, and
#    its group DATA frames add up to less than half of what 20 unicast
#    copies take (late joiners are repaired by the same stream)
#  - the DORA rate mode: 200 DORA exchanges at 200/s from 60 clients
#    (seed 4; the ring wraps, each client is ACKed its own address again),
#    none lost or NAKed, 60 distinct addresses of the pool in --leases
#  - the storm's raw mode puts 64-byte frames on the link and the server
#    port receives them (the rate is printed, not judged: benchmarks/ does)
# Prints the per-node timings (time to lease, time to the last byte:
# median, p95, max). Needs root. Own namespace prefix; cleans up.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_storm.sh ip curl jq timeout

STORM=$RB_BUILD/benchmarks/rackboot-storm
NODES=${RB_STORM_NODES:-50}
export RB_PREFIX=rbs$$   # rbs: this test
P=$RB_PREFIX
SRV_IP=198.18.0.1
work=$(mktemp -d /tmp/rackboot-storm.XXXXXX)
root=$work/tftp
pass=0 fail=0

cleanup() {
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$STORM" ] || bail "$STORM missing (built with the dataplane: scripts/build.sh)"
mkdir -p "$root" "$work/repo" "$work/db"
head -c 300000 /dev/urandom > "$root/loader.efi"
head -c $((4 << 20)) /dev/urandom > "$root/initrd.img"
chmod -R a+rX "$work"

"$RACK" up >/dev/null
"$RACK" client c1 198.18.0.10/24 >/dev/null   # asks /metrics
"$RACK" client st >/dev/null                  # the storm's port: no address of its own

{ rb_yaml_base "$SRV_IP/24" "$work/repo" "$root"
  cat <<YAML
dhcp:
  mode: server
  database: $work/db/leases.db
  lease_time: 600
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.250
      routers: [198.18.0.1]
  boot:
    efi-x64: loader.efi
YAML
} > "$work/rb.yaml"
rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start"

# storm ARGS...: rackboot-storm on eth0 of $P-st, no hugepages.
storm() {
  in_ns st timeout 150 "$STORM" --no-pci --no-huge --no-shconf -m 256 --file-prefix "storm$$" \
    --vdev net_af_packet0,iface=eth0 --log-level=notice -- "$@"
}

# --------------------------------------------------------- the 50-node boot
storm --nodes "$NODES" --tftp-root "$root" --file initrd.img --dhcp-timeout-ms 1000 \
  --timeout 90 --json "$work/storm.json" > "$work/storm.out" 2> "$work/storm.err"
rc=$?
line=$(grep '^nodes=' "$work/storm.out")
echo "# $line"
sed 's/^/#   /' "$work/storm.err" | grep -v 'EAL\|^#   $' | head -20
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
check "rackboot-storm exits 0 ($rc)" [ "$rc" = 0 ]
check "all $NODES nodes leased ($(kv leased))" [ "$(kv leased)" = "$NODES" ]
ndone=$(kv "done") nfailed=$(kv failed)
check "all $NODES nodes done, none failed ($ndone done, $nfailed failed)" \
  [ "$ndone/$nfailed" = "$NODES/0" ]

js() { jq -r "$@" "$work/storm.json"; }
size_l=$(stat -c %s "$root/loader.efi") size_i=$(stat -c %s "$root/initrd.img")
check "the JSON has $NODES nodes, every one done" \
  [ "$(js '[.nodes[] | select(.state == "done")] | length')" = "$NODES" ]
# shellcheck disable=SC2016 # $s is jq's variable, not the shell's
got_l=$(js --argjson s "$size_l" '[.nodes[] | select(.files[0].name == "loader.efi" and .files[0].bytes == $s)] | length')
# shellcheck disable=SC2016
got_i=$(js --argjson s "$size_i" '[.nodes[] | select(.files[1].name == "initrd.img" and .files[1].bytes == $s)] | length')
check "every node fetched the boot file its ACK named, loader.efi: $size_l bytes verified ($got_l)" \
  [ "$got_l" = "$NODES" ]
check "every node fetched initrd.img: $size_i bytes verified ($got_i)" [ "$got_i" = "$NODES" ]
check "the leases are $NODES distinct addresses of the pool" \
  [ "$(js '[.nodes[].ip | select(test("^198\\.18\\.0\\.(1[0-9][0-9]|2[0-4][0-9]|250)$"))] | unique | length')" = "$NODES" ]
done_t=$(metric rackboot_dp_tftp_sessions_done_total)
check "rackboot completed $((2 * NODES)) TFTP transfers (${done_t:-?})" [ "${done_t:-0}" -ge $((2 * NODES)) ]
src_full=$(metric 'rackboot_dp_drops_total{reason="tftp_source_full"}')
rate_l=$(metric 'rackboot_dp_drops_total{reason="tftp_rrq_rate_limited"}')
check "no request met a per-source cap: each node asks from its own address (${src_full:-?}, ${rate_l:-?})" \
  [ "${src_full:-x}/${rate_l:-x}" = 0/0 ]

# The timings, per node (ms since the node's first DISCOVER).
pct() { # jq path -> "median p95 max"
  js "[.nodes[] | $1] | sort | \"median \\(.[(length - 1) / 2 | floor]) p95 \\(.[(length - 1) * 95 / 100 | floor]) max \\(.[-1])\""
}
echo "# time to lease, ms:          $(pct .lease_ms)"
echo "# time to loader.efi's end:   $(pct '.files[0].done_ms')"
echo "# time to the last byte, ms:  $(pct '.files[1].done_ms')"
echo "# retries: dhcp $(js '[.nodes[].dhcp_retries] | add') tftp $(js '[.nodes[].tftp_retries] | add')"

# ------------------------------------------- EDK2's tsize probe, iPXE windows
# 10 more nodes (seed 2: other MACs, other leases): the probe (RRQ tsize,
# OACK, ERROR 8, RRQ) before the boot file, windowsize 8, user class iPXE
# (2 requests each: DISCOVER and REQUEST).
storm --nodes 10 --seed 2 --ipxe --tftp-root "$root" --file initrd.img --tsize-probe --windowsize 8 \
  --dhcp-timeout-ms 1000 --timeout 60 --json "$work/storm2.json" > "$work/storm2.out" 2> "$work/storm2.err"
rc=$?
line=$(grep '^nodes=' "$work/storm2.out")
echo "# $line"
check "tsize probe + windowsize 8: exit 0 ($rc), 10 nodes done ($(kv "done"))" [ "$rc/$(kv "done")" = 0/10 ]
ends=$(metric 'rackboot_dp_drops_total{reason="tftp_client_error"}')
check "rackboot saw the 10 probes end with the client's ERROR (${ends:-?})" [ "${ends:-0}" -ge 10 ]
ipxe=$(metric rackboot_dp_dhcp_ipxe_clients_total)
check "rackboot counted the nodes' requests as iPXE's (${ipxe:-?})" [ "${ipxe:-0}" -ge 20 ]

# ------------------------------------------------------- RFC 2090 multicast
# 20 more nodes (seed 3): the initrd by one multicast stream. The rack
# switch has no multicast snooping (scripts/rack.sh), and the storm's port
# is promiscuous and allmulticast: group frames reach it without IGMP.
MC_NODES=20
mc0=$(metric rackboot_dp_tftp_mc_done_total) mb0=$(metric rackboot_dp_tftp_mc_blocks_total)
storm --nodes "$MC_NODES" --seed 3 --multicast --tftp-root "$root" --file initrd.img \
  --dhcp-timeout-ms 1000 --timeout 60 --json "$work/storm3.json" > "$work/storm3.out" 2> "$work/storm3.err"
rc=$?
line=$(grep '^nodes=' "$work/storm3.out")
echo "# $line"
echo "# $(grep '^mc_frames=' "$work/storm3.out")"
sed 's/^/#   /' "$work/storm3.err" | grep -v 'EAL\|^#   $' | head -20
check "multicast: exit 0 ($rc), $MC_NODES nodes done ($(kv "done"))" [ "$rc/$(kv "done")" = "0/$MC_NODES" ]
# shellcheck disable=SC2016
got_m=$(jq -r --argjson s "$size_i" '[.nodes[] | select(.state == "done" and .files[1].bytes == $s and .mc_blocks > 0)] | length' "$work/storm3.json")
check "multicast: every node took initrd.img from the group, $size_i bytes verified ($got_m)" \
  [ "$got_m" = "$MC_NODES" ]
mc1=$(metric rackboot_dp_tftp_mc_done_total) mb1=$(metric rackboot_dp_tftp_mc_blocks_total)
check "rackboot counted $MC_NODES multicast clients done ($((${mc1:-0} - ${mc0:-0})))" \
  [ "$((${mc1:-0} - ${mc0:-0}))" = "$MC_NODES" ]
nblk=$((size_i / 1468 + 1)) sent=$((${mb1:-0} - ${mb0:-0}))
echo "# group DATA frames: $sent for $MC_NODES nodes of $nblk blocks each ($(jq '[.nodes[].mc_masters] | add' "$work/storm3.json") masters in turn)"
check "one stream served them: $sent group frames, >= $nblk and < half of $MC_NODES unicast copies" \
  [ "$(( sent >= nblk && sent < MC_NODES * nblk / 2 ))" = 1 ]

# ------------------------------------------------------------ DORA rate mode
# 60 clients (the pool has 151 addresses, 80 taken above), 200 exchanges at
# 200/s; the timeout is generous (a busy shared box), the rate is not judged.
storm --dora-rate 200 --duration 1 --clients 60 --seed 4 --dora-timeout-ms 5000 \
  --leases "$work/dora.leases" > "$work/dora.out" 2> "$work/dora.err"
rc=$?
line=$(grep '^mode=dora ' "$work/dora.out")
echo "# $line"
check "DORA rate mode: exit 0 ($rc), 200 exchanges started ($(kv started))" \
  [ "$rc/$(kv started)" = 0/200 ]
check "DORA rate mode: 200 done, none lost or NAKed ($(kv "done") done, $(kv lost) lost, $(kv naks) naks)" \
  [ "$(kv "done")/$(kv lost)/$(kv naks)" = 200/0/0 ]
check "DORA rate mode: 60 clients leased ($(wc -l < "$work/dora.leases"))" \
  [ "$(wc -l < "$work/dora.leases")" = 60 ]
check "DORA rate mode: 60 distinct addresses of the pool, from $SRV_IP" \
  [ "$(awk '$2 ~ /^198\.18\.0\.(1[0-9][0-9]|2[0-4][0-9]|250)$/ && $3 == "'"$SRV_IP"'" { print $2 }' \
       "$work/dora.leases" | sort -u | wc -l)" = 60 ]
check "DORA rate mode: no address of the boot storm's nodes given again" \
  [ "$( { js '.nodes[].ip'; awk '{ print $2 }' "$work/dora.leases"; } | sort | uniq -d | wc -l)" = 0 ]

# ------------------------------------------------------------------ raw mode
# To the server port's MAC but an address nobody has: the server's kernel
# drops each frame at once, so the rate is the link's, not its UDP stack's.
srv_mac=$(in_srv cat "/sys/class/net/$P-srv0/address")
srv_rx() { in_srv cat "/sys/class/net/$P-srv0/statistics/rx_packets"; }
for size in 64 1514; do
  rx0=$(srv_rx)
  storm --raw --dst-mac "$srv_mac" --dst-ip 198.18.0.97 --src-ip 198.18.0.99 --size "$size" \
    --secs 3 > "$work/raw.out" 2> "$work/raw.err"
  rc=$?
  rx1=$(srv_rx)
  raw=$(grep '^mode=raw' "$work/raw.out")
  echo "# $raw"
  got=$((rx1 - rx0))
  echo "# the server port received $got frames in that time ($((got / 3)) per second)"
  sent=$(sed -n 's/.* tx_pkts=\([0-9]*\).*/\1/p' <<<"$raw")
  check "raw mode, $size-byte frames: exit 0 ($rc)" [ "$rc" = 0 ]
  check "raw mode, $size-byte frames: sent (${sent:-?}) and the server port received them ($got)" \
    [ "$(( ${sent:-0} > 0 && got > 0 ))" = 1 ]
done

rb_stop "$srv_pid"; rc=$?; srv_pid=
check "rackboot stops cleanly (exit $rc)" [ "$rc" = 0 ]
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
