#!/usr/bin/env bash
# test_power.sh: rackboot's power drivers against BMCs on a private rack.
#  - ipmi: OpenIPMI's ipmi_sim (a simulated BMC serving IPMI over LAN,
#    RMCP+ for ipmitool's lanplus, cipher suite 3) in its own namespace;
#    its chassis control program answers the power state from a file and
#    records every power change. status follows the machine, on -> status
#    on, off -> status off, cycle of a machine that is off -> on (and no
#    power down first), cycle of one that is on -> down then up, a wrong
#    password and a wrong user -> an error naming the authentication
#    failure and ipmitool's reason, a cipher suite the BMC lacks -> an
#    error naming it, a BMC that does not answer -> the action's timeout.
#    About 5 s (3 of them the silent BMC's timeout).
#  - redfish: tests/tools/fake_redfish.py (HTTP, and HTTPS with a
#    self-signed certificate): the request paths, JSON bodies and basic
#    credentials it saw, PowerState, the first system found by listing
#    Systems or named by system_id, cycle of a machine that is off -> "On",
#    a wrong password -> HTTP 401, a self-signed certificate refused unless
#    tls_verify is off.
# Actions run through tests/tools/power_probe (power_run()) in a client
# namespace. Argument: ipmi, redfish or both (default). Needs root. Uses
# its own namespace prefix.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
parts=${1:-ipmi redfish}
case $parts in
  ipmi) rb_require test_power.sh ip ipmi_sim ipmitool ;;
  redfish) rb_require test_power.sh ip python3 openssl jq ;;
  "ipmi redfish") rb_require test_power.sh ip ipmi_sim ipmitool python3 openssl jq ;;
  *) echo "usage: test_power.sh [ipmi|redfish]" >&2; exit 2 ;;
esac
PROBE=${RB_POWER_PROBE:-$RB_BUILD/tests/integration/power_probe}
[ -x "$PROBE" ] || { echo "test_power.sh: $PROBE missing: build first" >&2; exit 1; }

export RB_PREFIX=rbp$$
P=$RB_PREFIX
BMC=198.18.0.50
work=$(rb_workdir power)
pass=0 fail=0 sim_pid='' rf_pid='' rfs_pid=''

cleanup() {
  local p
  for p in "$sim_pid" "$rf_pid" "$rfs_pid"; do
    [ -n "$p" ] && kill_wait "$p"
  done
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

"$RACK" up >/dev/null || bail "rack.sh up failed"
"$RACK" client bmc "$BMC/24" >/dev/null || bail "no bmc namespace"
"$RACK" client mgmt 198.18.0.60/24 >/dev/null || bail "no mgmt namespace"

# probe ACTION key=value...: the probe's one line of output (rc=N msg=...).
probe() { in_ns mgmt "$PROBE" "$@" 2>&1; }
# has TEXT PATTERN: does TEXT hold PATTERN (a fixed string)?
has() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }

printf 'not-the-password' > "$work/wrong.pass"
chmod 600 "$work/wrong.pass"

# ------------------------------------------------------------------ ipmi
test_ipmi() {
  local t_start=$SECONDS
  printf 'ipmi-secret' > "$work/ipmi.pass"
  chmod 600 "$work/ipmi.pass"
  echo 0 > "$work/power.state"
  : > "$work/power.changes"
  : > "$work/chassis.calls"

  # ipmi_sim's chassis control program (lan.conf chassis_control), run as
  # "PROGRAM DEVICE get power" (answers "power:0|1") and "PROGRAM DEVICE
  # set power V" (switches). Each call is a line in chassis.calls; each
  # switch a line in power.changes: the simulated machine's power supply,
  # as seen from it.
  cat > "$work/chassis.sh" <<EOF
#!/bin/sh
echo "\$*" >> $work/chassis.calls
shift
op=\$1
shift
case \$op in
get)
  for p in "\$@"; do
    case \$p in
    power) echo "power:\$(cat $work/power.state)" ;;
    boot) echo "boot:default" ;;
    *) echo "Invalid parameter: \$p"; exit 1 ;;
    esac
  done ;;
set)
  while [ \$# -ge 2 ]; do
    case \$1 in
    power) echo "\$2" > $work/power.state; echo "power \$2" >> $work/power.changes ;;
    identify) shift ;; # identify INTERVAL FORCE
    reset|boot) ;;
    *) echo "Invalid parameter: \$1"; exit 1 ;;
    esac
    shift 2
  done ;;
*) exit 1 ;;
esac
EOF
  chmod 755 "$work/chassis.sh"

  # One LAN channel on the BMC namespace's own address (RMCP+ needs the
  # guid: it is in the RAKP exchange); user 2 "admin" may open admin
  # sessions; user 1 (anonymous) does not exist, so a wrong user is refused.
  cat > "$work/lan.conf" <<EOF
name "rbpower"
set_working_mc 0x20
  startlan 1
    addr $BMC 623
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$work/chassis.sh 0x20"
  user 2 true "admin" "ipmi-secret" admin 10 md5
EOF
  cat > "$work/bmc.emu" <<EOF
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
mc_enable 0x20
EOF

  # -s: its persistent state (users, SEL, LAN parameters) here, not in
  # /var/ipmi_sim; -n: no console on stdin/stdout.
  mkdir -p "$work/state"
  in_ns bmc ipmi_sim -n -c "$work/lan.conf" -f "$work/bmc.emu" -s "$work/state" \
    > "$work/sim.log" 2>&1 &
  sim_pid=$!

  # cipher_suite 3 (ipmitool -C 3): ipmi_sim ignores the pre-session "Get
  # Channel Cipher Suites" that ipmitool sends without -C, and ipmitool
  # waits ~10 s for it on every call.
  IPMI=(driver=ipmi host=node1 "address=$BMC" username=admin "password_file=$work/ipmi.pass" cipher_suite=3)
  up=
  for _ in $(seq 50); do
    kill -0 "$sim_pid" 2>/dev/null || break
    if has "$(probe status "${IPMI[@]}" timeout=2)" "rc=0 "; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || { cat "$work/sim.log"; bail "ipmi_sim did not answer"; }
  ok "ipmi_sim answers on $BMC (lanplus, cipher suite 3)"

  out=$(probe status "${IPMI[@]}")
  check "ipmi status of a machine that is off: off ($out)" has "$out" "rc=0 msg=off"
  check "...read through the chassis control program" grep -qx "0x20 get power" "$work/chassis.calls"

  # The machine switches itself on (its own button): status follows it.
  echo 1 > "$work/power.state"
  out=$(probe status "${IPMI[@]}")
  check "ipmi status of a machine that came on by itself: on ($out)" has "$out" "rc=0 msg=on"
  echo 0 > "$work/power.state"

  out=$(probe on "${IPMI[@]}")
  check "ipmi on ($out)" has "$out" "rc=0 msg=ok"
  check "the machine's power went on" test "$(cat "$work/power.changes")" = "power 1"
  out=$(probe status "${IPMI[@]}")
  check "ipmi status after on: on ($out)" has "$out" "rc=0 msg=on"

  out=$(probe off "${IPMI[@]}")
  check "ipmi off ($out)" has "$out" "rc=0 msg=ok"
  check "the machine's power went off" test "$(tail -n 1 "$work/power.changes")" = "power 0"
  out=$(probe status "${IPMI[@]}")
  check "ipmi status after off: off ($out)" has "$out" "rc=0 msg=off"

  # cycle of a machine that is off: on, with no power-down first
  n=$(wc -l < "$work/power.changes")
  out=$(probe cycle "${IPMI[@]}")
  check "ipmi cycle of an off machine powers it on ($out)" has "$out" "rc=0 msg=was off: powered on"
  check "...one change, to on" test "$(tail -n +$((n + 1)) "$work/power.changes" | tr '\n' ' ')" = "power 1 "
  out=$(probe status "${IPMI[@]}")
  check "ipmi status after cycle: on ($out)" has "$out" "rc=0 msg=on"

  # cycle of a machine that is on: down at once, then up on ipmi_sim's
  # own 1 s timer (waited for up to 5 s)
  n=$(wc -l < "$work/power.changes")
  out=$(probe cycle "${IPMI[@]}")
  check "ipmi cycle of an on machine ($out)" has "$out" "rc=0 msg=ok"
  for _ in $(seq 50); do
    [ "$(tail -n +$((n + 1)) "$work/power.changes" | tr '\n' ' ')" = "power 0 power 1 " ] && break
    sleep 0.1
  done
  check "...power went down, then up" test "$(tail -n +$((n + 1)) "$work/power.changes" | tr '\n' ' ')" = "power 0 power 1 "
  out=$(probe status "${IPMI[@]}")
  check "ipmi status after the cycle: on ($out)" has "$out" "rc=0 msg=on"

  n=$(wc -l < "$work/power.changes")
  out=$(probe off driver=ipmi host=node1 address=$BMC username=admin password_file="$work/wrong.pass" cipher_suite=3)
  check "ipmi with a wrong password fails ($out)" has "$out" "rc=-13 "
  check "...naming the authentication failure" has "$out" "authentication failed at $BMC"
  check "...and ipmitool's reason (RAKP 2 HMAC)" has "$out" "RAKP 2 HMAC is invalid"
  out=$(probe off driver=ipmi host=node1 address=$BMC username=nobody password_file="$work/ipmi.pass" cipher_suite=3)
  check "ipmi with an unknown user fails ($out)" has "$out" "rc=-13 msg=authentication failed"
  check "...unauthorized name" has "$out" "unauthorized name"
  # ipmi_sim has no SHA-256: suite 17 is refused, and not as a password
  out=$(probe off driver=ipmi host=node1 address=$BMC username=admin password_file="$work/ipmi.pass" cipher_suite=17)
  check "ipmi with a cipher suite the BMC lacks fails, naming it ($out)" has "$out" "rc=-5 msg=$BMC does not take cipher suite 17"
  check "...and nothing was switched" test "$(wc -l < "$work/power.changes")" = "$n"

  # nobody at this address: the action's own timeout ends it
  t0=$(date +%s)
  out=$(probe status driver=ipmi host=node2 address=198.18.0.99 username=admin password_file="$work/ipmi.pass" cipher_suite=3 timeout=3)
  t1=$(date +%s)
  check "ipmi to a silent BMC fails ($out)" has "$out" "rc=-110 "
  check "...within its timeout (took $((t1 - t0)) s)" test $((t1 - t0)) -le 5
  kill_wait "$sim_pid"
  sim_pid=''
  echo "# ipmi part: $((SECONDS - t_start)) s"
}

# --------------------------------------------------------------- redfish
test_redfish() {
  printf 'rf-secret\n' > "$work/rf.pass"
  chmod 600 "$work/rf.pass"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$BMC" \
    -addext "subjectAltName=IP:$BMC" -keyout "$work/bmc.key" -out "$work/bmc.crt" 2>/dev/null \
    || bail "openssl could not make a certificate"

  FAKE=$RB_SRC/tests/tools/fake_redfish.py
  in_ns bmc python3 "$FAKE" --addr $BMC --port 8000 --user root --password-file "$work/rf.pass" \
    --log "$work/rf.log" > "$work/rf.out" 2>&1 &
  rf_pid=$!
  in_ns bmc python3 "$FAKE" --addr $BMC --port 8443 --user root --password-file "$work/rf.pass" \
    --log "$work/rfs.log" --cert "$work/bmc.crt" --key "$work/bmc.key" > "$work/rfs.out" 2>&1 &
  rfs_pid=$!
  for _ in $(seq 50); do
    grep -q ready "$work/rf.out" 2>/dev/null && grep -q ready "$work/rfs.out" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -q ready "$work/rf.out" || ! grep -q ready "$work/rfs.out"; then
    cat "$work"/rf*.out
    bail "fake BMCs did not start"
  fi

  RF=(driver=redfish host=node3 "address=http://$BMC:8000/" username=root "password_file=$work/rf.pass")
  # rf_requests: the log's requests since line $1, as "METHOD PATH AUTH BODY" lines.
  rf_requests() { tail -n +"$1" "$work/rf.log" | jq -r '"\(.method) \(.path) \(.auth) \(.body | tojson)"'; }

  out=$(probe status "${RF[@]}")
  check "redfish status: off ($out)" has "$out" "rc=0 msg=off"
  check "...found the system by listing Systems, with the credentials" \
    test "$(rf_requests 1 | tr '\n' ';')" = "GET /redfish/v1/Systems true null;GET /redfish/v1/Systems/SYS1 true null;"

  n=$(($(wc -l < "$work/rf.log") + 1))
  out=$(probe on "${RF[@]}")
  check "redfish on ($out)" has "$out" "rc=0 msg=ok"
  check "...POSTed ResetType On to the system's Reset action" \
    test "$(rf_requests $n | tail -n 1)" = 'POST /redfish/v1/Systems/SYS1/Actions/ComputerSystem.Reset true {"ResetType":"On"}'
  out=$(probe status "${RF[@]}")
  check "redfish status after on: on ($out)" has "$out" "rc=0 msg=on"

  n=$(($(wc -l < "$work/rf.log") + 1))
  out=$(probe cycle "${RF[@]}" system_id=SYS1)
  check "redfish cycle of an on machine ($out)" has "$out" "rc=0 msg=ok"
  check "...asked PowerState, then ForceRestart; system_id: no listing" \
    test "$(rf_requests $n | tr '\n' ';')" = 'GET /redfish/v1/Systems/SYS1 true null;POST /redfish/v1/Systems/SYS1/Actions/ComputerSystem.Reset true {"ResetType":"ForceRestart"};'

  n=$(($(wc -l < "$work/rf.log") + 1))
  out=$(probe off "${RF[@]}")
  check "redfish off ($out)" has "$out" "rc=0 msg=ok"
  check "...ResetType ForceOff" has "$(rf_requests $n | tail -n 1)" '{"ResetType":"ForceOff"}'

  n=$(($(wc -l < "$work/rf.log") + 1))
  out=$(probe cycle "${RF[@]}")
  check "redfish cycle of an off machine powers it on ($out)" has "$out" "rc=0 msg=was off: powered on"
  check "...with ResetType On (the BMC refuses ForceRestart when off)" has "$(rf_requests $n | tail -n 1)" '{"ResetType":"On"}'

  out=$(probe status driver=redfish host=node3 address=http://$BMC:8000 username=root password_file="$work/wrong.pass")
  check "redfish with a wrong password fails with 401 ($out)" has "$out" "rc=-13 "
  check "...naming the authentication failure" has "$out" "HTTP 401 (authentication failed"
  check "...and the BMC's own message" has "$out" "credentials included with this request are invalid"

  out=$(probe status driver=redfish host=node3 address=http://$BMC:8000 username=root password_file="$work/rf.pass" system_id=NOPE)
  check "redfish with an unknown system_id: HTTP 404 ($out)" has "$out" "HTTP 404"

  out=$(probe status driver=redfish host=node3 address=https://$BMC:8443 username=root password_file="$work/rf.pass")
  check "redfish over TLS refuses a self-signed certificate ($out)" has "$out" "rc=-13 "
  check "...saying so" has "$out" "certificate"
  check "...before any request reached the BMC" test ! -s "$work/rfs.log"
  out=$(probe status driver=redfish host=node3 address=https://$BMC:8443 username=root password_file="$work/rf.pass" insecure=1)
  check "redfish over TLS with tls_verify off ($out)" has "$out" "rc=0 msg=off"
}

for part in $parts; do
  "test_$part"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
