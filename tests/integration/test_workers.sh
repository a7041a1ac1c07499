#!/usr/bin/env bash
# test_workers.sh: rackboot with two dataplane workers and two port queues.
# The rack's server port has two queues and spreads flows over them by
# hash, as RSS does: a client's request (to port 69) and its ACKs (to the
# transfer's port) can land on different workers. The session port names
# the worker that owns the transfer; the other one hands the packet over.
#  - 8 unicast TFTP transfers at once (windowsize 8) come back identical,
#    packets were handed over, none met an unknown transfer ID
#  - RFC 2090 multicast (4 clients) and PXE MTFTP (4 clients): one stream
#    each, on worker 0, identical files
#  - HTTP through the exception tap (one queue pair per worker) works
# On a 2-core box the two workers share a core (EAL lcore@cpu form).
# af_packet: the af_xdp PMD of DPDK 22.11 takes one queue from a veth.
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_workers.sh ip curl atftp cmp timeout

export RB_PREFIX=rbw$$ RB_SRV_QUEUES=2
P=$RB_PREFIX
SRV_IP=198.18.0.1
work=$(rb_workdir workers)
pass=0 fail=0

cleanup() {
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/repo" "$work/tftp" "$work/out"
head -c 3000000 /dev/urandom > "$work/tftp/f3m"
head -c 700000 /dev/urandom > "$work/tftp/pxelinux.0"
echo "two workers" > "$work/repo/hello.txt"
chmod -R a+rX "$work"

"$RACK" up >/dev/null
for i in 1 2 3 4; do "$RACK" client "c$i" "198.18.0.$((10 + i))/24" >/dev/null; done

rb_yaml_base "$SRV_IP/24" "$work/repo" "$work/tftp" af_packet tap "${P}t" |
  sed 's/^  tap_name: .*/&\n  queues: 2/;
       s/lcores: .*/lcores: "0@0,(1,2)@1"/' > "$work/rb.yaml"
printf '  mtftp_group: 239.255.70.1\n' >> "$work/rb.yaml"
rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start"
check "rackboot starts with 2 workers on 2 queues ($(grep -o '[0-9] worker(s)' "$work/rb.log"))" \
  grep -q "2 worker(s)" "$work/rb.log"

dp_metric() { metric "rackboot_dp_$1"; }
check "HTTP through the exception tap" \
  bash -c "[ \"\$(ip netns exec $P-c1 curl -s --max-time 5 http://$SRV_IP/hello.txt)\" = 'two workers' ]"

# Unicast: 8 transfers at once, two per client namespace.
pids=()
for i in 1 2 3 4 5 6 7 8; do
  in_ns "c$(( (i - 1) % 4 + 1 ))" timeout 60 atftp --get -r f3m -l "$work/out/u$i" \
    --option "blksize 1468" --option "windowsize 8" "$SRV_IP" > "$work/u$i.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
same=0
for i in 1 2 3 4 5 6 7 8; do cmp -s "$work/out/u$i" "$work/tftp/f3m" && same=$((same + 1)); done
check "8 unicast transfers at once over 2 workers: identical ($same/8)" [ "$same" = 8 ]
h=$(dp_metric tftp_handoffs_total)
check "packets reached the worker owning their transfer through its ring (${h:-?} handed over)" \
  [ "${h:-0}" -gt 0 ]
u=$(metric 'rackboot_dp_drops_total{reason="tftp_unknown_tid"}')
check "no packet met an unknown transfer ID (${u:-?})" [ "${u:-x}" = 0 ]

# Multicast: RFC 2090 and MTFTP, 4 clients each.
mc_run() { # kind
  local i pids=() s0 s1
  s0=$(dp_metric tftp_mc_streams_total)
  for i in 1 2 3 4; do
    if [ "$1" = rfc ]; then
      in_ns "c$i" timeout 60 atftp --get -r f3m -l "$work/out/m$i" --option multicast \
        --option "blksize 1468" "$SRV_IP" > "$work/m$i.log" 2>&1 &
    else
      in_ns "c$i" timeout 60 atftp --mget -r pxelinux.0 -l "$work/out/m$i" \
        --mtftp "mcast-ip 239.255.70.1" --mtftp "client-port 1758" --mtftp "listen-delay 1" \
        --mtftp "timeout-delay 1" "$SRV_IP" 1759 > "$work/m$i.log" 2>&1 &
    fi
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  s1=$(dp_metric tftp_mc_streams_total)
  mc_same=0
  for i in 1 2 3 4; do
    cmp -s "$work/out/m$i" "$work/tftp/$([ "$1" = rfc ] && echo f3m || echo pxelinux.0)" &&
      mc_same=$((mc_same + 1))
  done
  mc_streams=$(( ${s1:-0} - ${s0:-0} ))
}
mc_run rfc
check "RFC 2090 over 2 workers: 4 clients identical ($mc_same/4), $mc_streams stream(s)" \
  [ "$mc_same" = 4 ] && [ "$mc_streams" -ge 1 ] && [ "$mc_streams" -le 2 ]
mc_run mtftp
check "PXE MTFTP over 2 workers: 4 clients identical ($mc_same/4), $mc_streams stream" \
  [ "$mc_same" = 4 ] && [ "$mc_streams" = 1 ]

rb_stop "$srv_pid"; rc=$?; srv_pid=
check "SIGTERM stops it cleanly (exit $rc)" [ "$rc" = 0 ]
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
