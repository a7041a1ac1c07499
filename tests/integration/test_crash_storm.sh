#!/usr/bin/env bash
# test_crash_storm.sh: crash consistency of the lease database under load.
# During a DORA storm (benchmarks/dhcp_storm, relay mode, scattered MACs:
# every client one exchange), rackboot is killed with SIGKILL -- its control
# process, or its dataplane, or both at once -- at RB_CRASH_POINTS points
# (different times into the storm) per kill mode, and started again at once
# with the ordinary command while the storm goes on. Each storm records every
# ACK it received (MAC, address). After a final clean stop the lease database
# must hold every ACKed lease, bound, with the MAC it was ACKed to (0 lost),
# and no address may have been ACKed to two clients (0 double).
#  - every start after a kill comes up by itself; what it cleaned up (the
#    XDP program, the runtime directory of the killed instance, its server
#    address, a wait for its orphaned dataplane) is logged; after the final
#    clean stop no address, tap or runtime directory is left
#  - figures: ACKs, lost, double per kill mode and point
# Port mode: the first argument or RB_CRASH_PORT, af_xdp (default; XDP
# exception path) | tap (af_packet
# with the exception tap), RB_CRASH_POINTS=5, RB_CRASH_RATE=800 (DORA/s
# offered), RB_CRASH_SECS=3 (storm length per point).
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_crash_storm.sh ip python3 timeout

PORT=${1:-${RB_CRASH_PORT:-af_xdp}}
POINTS=${RB_CRASH_POINTS:-5}
RATE=${RB_CRASH_RATE:-800}
SECS=${RB_CRASH_SECS:-3}
STORM=$RB_BUILD/benchmarks/dhcp_storm
export RB_PREFIX=rbc$$ # rbc: this test
P=$RB_PREFIX
SRV_IP=198.18.0.1
work=$(mktemp -d /tmp/rackboot-crashstorm.XXXXXX)
pass=0 fail=0 storm_pid=''
[ -x "$STORM" ] || { echo "test_crash_storm.sh: $STORM missing (build the benchmarks)" >&2; exit 1; }

cleanup() {
  [ -n "$storm_pid" ] && kill_wait "$storm_pid"
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  local p
  for p in $(dataplanes); do kill_wait "$p"; done
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/repo" "$work/tftp" "$work/acks"
chmod -R a+rX "$work"
"$RACK" up >/dev/null
"$RACK" client c1 198.18.0.11/16 >/dev/null
case $PORT in
  af_xdp) base=(af_xdp xdp) ;;
  tap) base=(af_packet tap "${P}t") ;;
  *) echo "test_crash_storm.sh: RB_CRASH_PORT must be af_xdp or tap" >&2; exit 2 ;;
esac
{ rb_yaml_base "$SRV_IP/16" "$work/repo" "$work/tftp" "${base[@]}"
  cat <<YAML
dhcp:
  mode: server
  database: $work/leases.db
  lease_time: 3600
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/16
      pool: 198.18.1.0-198.18.255.254
YAML
} > "$work/rb.yaml"

# The dataplane processes started by this test's rackboots (children of a
# control that may be dead by now: found by executable and namespace).
dataplanes() {
  local p
  for p in $(ip netns pids "$P-srv" 2>/dev/null); do
    case "$(readlink "/proc/$p/exe" 2>/dev/null)" in *rackboot-dataplane*) echo "$p" ;; esac
  done
}
dataplane_of() { # control-pid
  local c
  # shellcheck disable=SC2013 # pids, one word each
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    case "$(readlink "/proc/$c/exe" 2>/dev/null)" in *rackboot-dataplane*) echo "$c"; return 0 ;; esac
  done
  return 1
}
wait_gone() { # pid secs
  local i
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start"
ctl_pids=("$srv_pid")
echo "# port $PORT, $POINTS points per kill mode, storms of ${SECS}s at $RATE DORA/s offered"

# One kill point: a storm with its own MACs (seed), the kill at MS into it,
# the ordinary start right after. Sets k_what (what the restart cleaned up).
seed=0
kill_point() { # mode ms
  local mode=$1 ms=$2 ctl=$srv_pid dp n0 rc
  seed=$((seed + 1))
  dp=$(dataplane_of "$ctl") || { bad "$mode @${ms}ms: no dataplane under rackboot $ctl"; return; }
  ip netns exec "$P-c1" timeout -k 5 $((SECS + 20)) "$STORM" --server "$SRV_IP" --relay 198.18.0.11 \
    --rate "$RATE" --clients $((RATE * SECS + 1000)) --duration "$SECS" --timeout 1000 \
    --seed "$seed" --acks "$work/acks/$mode-$ms" > "$work/storm-$mode-$ms.txt" 2>&1 &
  storm_pid=$!
  sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
  case $mode in
    control) kill -KILL "$ctl" ;;
    dataplane) kill -KILL "$dp" ;;
    both) kill -KILL "$ctl" "$dp" ;;
  esac
  wait "$ctl" 2>/dev/null; srv_pid=''
  n0=$(wc -l < "$work/rb.log")
  rb_start "$work/rb.yaml" "$work/rb.log"; rc=$?
  [ -n "$srv_pid" ] && ctl_pids+=("$srv_pid")
  k_what=$(tail -n +"$((n0 + 1))" "$work/rb.log" | grep -oE 'detached XDP program [0-9]+|removed [^ ]+ left by rackboot pid [0-9]+|waited [0-9.]+ s for the dataplane|took over the address [^ ]+' |
    paste -sd ';' -)
  check "$mode killed at ${ms} ms: the ordinary start comes up by itself (cleaned up: ${k_what:-nothing})" [ "$rc" = 0 ]
  wait "$storm_pid"; storm_pid=''
  [ -n "$srv_pid" ] || bail "no rackboot running after the $mode kill at ${ms} ms"
}

step=$(( SECS * 1000 / (POINTS + 1) ))
for mode in control dataplane both; do
  for ((k = 1; k <= POINTS; k++)); do kill_point "$mode" $((k * step)); done
done
rb_stop "$srv_pid"; rc=$?; srv_pid=''
check "the last rackboot stops cleanly (exit $rc)" [ "$rc" = 0 ]
[ -z "$(dataplanes)" ] || bad "dataplane processes left: $(dataplanes)"
# What the killed instances left is gone after the clean stop: the server
# address (the kernel side of the port or the tap), the taps, the runtime
# directories of this test's rackboots.
left=$(in_srv ip -br addr | awk -v a="$SRV_IP/16" '{ for (i = 3; i <= NF; i++) if ($i == a) print $1 }')
check "no server address left after the clean stop (${left:-none})" [ -z "$left" ]
left=$(in_srv ip -br link | awk -v t="${P}t" '$1 == t { print $1 }')
check "no tap left after the clean stop (${left:-none})" [ -z "$left" ]
left=$(for p in "${ctl_pids[@]}"; do [ -e "/var/run/dpdk/rackboot$p" ] && echo "rackboot$p"; done | paste -sd ' ' -)
check "no runtime directory of these rackboots left (${left:-none})" [ -z "$left" ]

# Every ACK against the database: lost = ACKed but not bound there to that
# MAC; double = an address ACKed to two different MACs.
python3 - "$work/leases.db" "$work/acks" "$POINTS" "$step" > "$work/result.txt" <<'PY'
import ipaddress, os, sqlite3, sys
db, acks_dir, points, step = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bound = {}
for ip, chaddr in sqlite3.connect(db).execute("select ip, chaddr from leases where state = 2"):
    bound[str(ipaddress.IPv4Address(ip))] = bytes(chaddr or b"")[:6].hex(":")
owner, tot = {}, [0, 0, 0]
for mode in ("control", "dataplane", "both"):
    for k in range(1, points + 1):
        name = f"{mode}-{k * step}"
        n = lost = double = 0
        for line in open(os.path.join(acks_dir, name)):
            mac, ip = line.split()[:2]
            n += 1
            if bound.get(ip) != mac:
                lost += 1
                print(f"# lost: {ip} ACKed to {mac} ({name}), database: {bound.get(ip, 'none')}")
            if owner.setdefault(ip, mac) != mac:
                double += 1
                print(f"# double: {ip} ACKed to {owner[ip]} and to {mac} ({name})")
        print(f"{mode} @{k * step}ms: acks={n} lost={lost} double={double}")
        tot = [tot[0] + n, tot[1] + lost, tot[2] + double]
print(f"total: acks={tot[0]} lost={tot[1]} double={tot[2]} bound_in_db={len(bound)}")
PY
sed 's/^/# /' "$work/result.txt" | grep -v '^# # ' | head -n 40
grep '^# ' "$work/result.txt" | head -n 10
read -r acks lost double < <(awk '/^total:/ { split($2, a, "="); split($3, l, "="); split($4, d, "="); print a[2], l[2], d[2] }' "$work/result.txt")
check "the storms received ACKs (${acks:-?})" [ "${acks:-0}" -ge $((RATE * SECS)) ]
check "every ACKed lease is in the database with its owner (lost: ${lost:-?})" [ "${lost:-x}" = 0 ]
check "no address ACKed to two clients (double: ${double:-?})" [ "${double:-x}" = 0 ]

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
