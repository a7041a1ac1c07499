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
#  - the lease commit: a batch the database refuses (a trigger raising for
#    one client's MAC) is given up after its attempts, its ACK never sent,
#    counted and logged once, and the next client's lease still commits;
#    once the database takes it again the refused client gets its lease
#  - commit order: 16 clients each RELEASE and REQUEST again while the
#    database is locked (so all of it lands in one batch), from source ports
#    that spread them over both workers: every client ends "bound"
# On a 2-core box the two workers share a core (EAL lcore@cpu form).
# af_packet: the af_xdp PMD of DPDK 22.11 takes one queue from a veth.
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_workers.sh ip curl atftp cmp timeout python3 jq
PROBE=$RB_SRC/tests/tools/dhcp_probe.py
ORDER=$RB_SRC/tests/tools/dhcp_order.py

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
cat >> "$work/rb.yaml" <<YAML
dhcp:
  mode: server
  database: $work/db/leases.db
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.150
YAML
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

# The lease commit when the database refuses a batch. Clients are MACs of
# dhcp_probe.py's (chaddr) from c1; the trigger raises for POISON's rows
# only, so its batch fails every attempt while other batches could go.
POISON=02:00:00:c0:ff:ee
# Replies may be slow on a loaded box: 10 s each before a probe gives up.
probe() { in_ns c1 timeout 30 python3 "$PROBE" --timeout 10 "$@" 2>> "$work/probe.err"; }
# A client that expects a lease tries twice, as real ones retry (an ACK
# whose commit waited over 2 s on a loaded disk is dropped by design).
probe_ok() { local out; out=$(probe "$@") && { echo "$out"; return 0; }; probe "$@"; }
dbexec() { python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=10); c.execute(sys.argv[2]); c.commit()' "$work/db/leases.db" "$1"; }
bound_to() { # MAC -> its bound address in the database, or nothing
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
for ip, in c.execute("select ip from leases where state = 2 and hex(chaddr) = ?", (sys.argv[2].replace(":", "").upper(),)):
    print(".".join(str(ip >> s & 255) for s in (24, 16, 8, 0)))' "$work/db/leases.db" "$1"
}
check "a client gets a lease over 2 workers ($(probe_ok --mac 02:00:00:00:00:01 | jq -r '.lease.yiaddr // .error'))" \
  [ -n "$(bound_to 02:00:00:00:00:01)" ]
dbexec "CREATE TRIGGER poison BEFORE INSERT ON leases WHEN hex(NEW.chaddr) = '$(tr -d : <<<"$POISON" | tr a-f A-F)' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
out=$(probe --mac "$POISON"); prc=$?
noack=$(jq '[.replies[].type] | index("ack") == null' <<<"$out")
check "a client whose lease the database refuses gets no ACK (exit $prc, $(jq -c '[.replies[].type]' <<<"$out"))" \
  [ "$prc" = 1 -a "$noack" = true ]
g=$(dp_metric lease_batches_given_up_total)
check "its batch was given up after its attempts (${g:-?} given up)" [ "${g:-0}" -ge 1 ]
d=$(metric 'rackboot_dp_drops_total{reason="dhcp_commit_failed"}')
check "its held ACK was dropped and counted (${d:-?})" [ "${d:-0}" -ge 1 ]
out=$(probe_ok --mac 02:00:00:00:00:02); prc=$?
check "the next client's lease still commits (exit $prc, $(jq -r '.lease.yiaddr // .error' <<<"$out"))" \
  [ "$prc" = 0 -a -n "$(bound_to 02:00:00:00:00:02)" ]
n=$(grep -c "lease commit failing" "$work/rb.log"); n2=$(grep -c "lease db: commit failed" "$work/rb.log")
check "the failure is logged once by each side, not per attempt ($n, $n2)" [ "$n" = 1 -a "$n2" = 1 ]
check "...and the recovery is logged" grep -q "lease commit works again" "$work/rb.log"
check "the refused client is not in the database" [ -z "$(bound_to "$POISON")" ]
dbexec "DROP TRIGGER poison"
out=$(probe_ok --mac "$POISON"); prc=$?
check "once the database takes it, that client gets its lease (exit $prc, $(jq -r '.lease.yiaddr // .error' <<<"$out"))" \
  [ "$prc" = 0 -a "$(bound_to "$POISON")" = "$(jq -r .lease.yiaddr <<<"$out")" ]

# Commit order across workers: a RELEASE on one worker and the client's
# next REQUEST on the other must reach the database in the order decided.
b0=$(dp_metric lease_batches_total)
out=$(in_ns c1 timeout 120 python3 "$ORDER" --db "$work/db/leases.db" --clients 16); prc=$?
sleep 1
b1=$(dp_metric lease_batches_total)
nb=0
for m in $(jq -r '.clients[].mac' <<<"$out"); do [ -n "$(bound_to "$m")" ] && nb=$((nb + 1)); done
check "16 clients RELEASE and REQUEST again over 2 workers ($(( ${b1:-0} - ${b0:-0} )) batches with the 16 DORAs'): all end bound ($nb/16)$(jq -r '.error // empty | " " + .' <<<"$out")" \
  [ "$prc" = 0 -a "$nb" = 16 ]

[ "$fail" = 0 ] || in_ns c1 curl -s --max-time 5 "http://$SRV_IP/metrics" |
  grep -E '^rackboot_dp_(dhcp|lease|drops_total\{reason="(dhcp|tx))' | grep -v ' 0$' | sed 's/^/# /'

rb_stop "$srv_pid"; rc=$?; srv_pid=
check "SIGTERM stops it cleanly (exit $rc)" [ "$rc" = 0 ]
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
