#!/usr/bin/env bash
# test_crash.sh: rackboot comes back by itself after a crash, and never
# fights another instance for its port (af_xdp, XDP exception path).
#  - a second rackboot on the same port is refused at once, naming the
#    first one's pid, and the first keeps serving
#  - SIGKILL of the dataplane (as a segfault or the OOM killer would): the
#    control stops, the dataplane's XDP program is left on the interface;
#    the ordinary start command comes up anyway, logs what it detached,
#    and serves DHCP
#  - SIGKILL of the control: its dataplane goes too, and the next start
#    comes up and serves
#  - another program's XDP program on the interface is never replaced:
#    the start is refused naming it
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_crash.sh ip udhcpc clang timeout

export RB_PREFIX=rbk$$ # rbk: this test
P=$RB_PREFIX
SRV_IP=198.18.0.1
work=$(rb_workdir crash)
pass=0 fail=0 srv_pid='' dp_pid=''

cleanup() {
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  [ -n "$dp_pid" ] && kill_wait "$dp_pid"
  in_srv ip link set dev "$P-srv0" xdp off 2>/dev/null
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/repo" "$work/tftp"
chmod -R a+rX "$work"
"$RACK" up >/dev/null
"$RACK" client c1 >/dev/null
{ rb_yaml_base "$SRV_IP/24" "$work/repo" "$work/tftp"
  cat <<YAML
dhcp:
  mode: server
  database: $work/leases.db
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.150
YAML
} > "$work/rb.yaml"

xdp_prog() { in_srv ip -d link show dev "$P-srv0" | grep -oE 'prog/xdp id [0-9]+ name [^ ]+|prog/xdp id [0-9]+' | head -n 1; }
dhcp_ok() { # a lease for c1 from the running rackboot
  in_ns c1 ip addr flush dev eth0
  in_ns c1 timeout 15 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s /bin/true > "$work/udhcpc.out" 2>&1 &&
    grep -q 'lease of 198.18.0.1[0-9][0-9] obtained' "$work/udhcpc.out"
}
# A start that must not come up (rb_refused): its exit status.
start_refused() { rb_refused "$work/rb.yaml" "$@"; } # log secs

# --- one instance per port -------------------------------------------------------
rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start"
first=$srv_pid
start_refused "$work/second.log" 10; rc=$?
check "a second rackboot on the same port exits at once (exit $rc)" [ "$rc" != 0 ]
check "...saying the port is in use by the first ($(grep -o 'interface.*in use.*' "$work/second.log" | head -n 1))" \
  grep -q "in use by another rackboot (pid $first" "$work/second.log"
check "the first still serves DHCP" dhcp_ok

# --- SIGKILL of the dataplane ---------------------------------------------------
dp_pid=$(dataplane_of "$srv_pid") || bail "no dataplane process under rackboot $srv_pid"
before=$(xdp_prog)
check "rackboot's XDP program is on the port ($before)" grep -q "name rb_xdp_steer" <<<"$before"
kill -KILL "$dp_pid"; dp_pid=''
wait_gone "$srv_pid" 20; wait "$srv_pid"; rc=$?; srv_pid=''
check "the control stops when its dataplane is killed (exit $rc)" [ "$rc" != 0 ]
left=$(xdp_prog)
echo "# XDP on the port after the kill: ${left:-none}"
n0=$(grep -c "serving http" "$work/rb.log")
check "the ordinary start comes up after the dataplane's SIGKILL" rb_start "$work/rb.yaml" "$work/rb.log"
if [ -n "$left" ]; then
  check "...and logs the leftover XDP program it detached" \
    bash -c "tail -n +$((n0 + 1)) '$work/rb.log' | grep -q 'detached XDP program .* left attached by a rackboot that did not stop cleanly'"
fi
check "...and serves DHCP" dhcp_ok

# --- SIGKILL of the control -----------------------------------------------------
dp_pid=$(dataplane_of "$srv_pid") || bail "no dataplane process under rackboot $srv_pid"
kill -KILL "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=''
check "the dataplane exits when its control is killed" wait_gone "$dp_pid" 15
dp_pid=''
check "the ordinary start comes up after the control's SIGKILL" rb_start "$work/rb.yaml" "$work/rb.log"
check "...and serves DHCP" dhcp_ok
rb_stop "$srv_pid"; rc=$?; srv_pid=''
check "rackboot stops cleanly (exit $rc) and leaves no XDP program ($(xdp_prog))" \
  [ "$rc" = 0 -a -z "$(xdp_prog)" ]

# --- someone else's XDP program ---------------------------------------------------
cat > "$work/other.c" <<'C'
/* No kernel headers: the program only returns XDP_PASS (2). */
__attribute__((section("xdp"), used)) int other_prog(void *ctx) { (void)ctx; return 2; }
char _license[] __attribute__((section("license"), used)) = "GPL";
C
clang -O2 -target bpf -c "$work/other.c" -o "$work/other.o" || bail "clang could not build the test's XDP program"
in_srv ip link set dev "$P-srv0" xdpgeneric obj "$work/other.o" sec xdp || bail "could not attach the test's XDP program"
start_refused "$work/other.log" 60; rc=$?
check "with another XDP program on the port rackboot does not start (exit $rc)" [ "$rc" != 0 ]
check "...and names it ($(grep -o 'has another XDP program.*' "$work/other.log" | head -n 1 | cut -c1-80))" \
  grep -q "has another XDP program attached (id [0-9]*, 'other_prog')" "$work/other.log"
check "...which is still attached ($(xdp_prog))" grep -q "other_prog" <<<"$(xdp_prog)"
in_srv ip link set dev "$P-srv0" xdpgeneric off

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
