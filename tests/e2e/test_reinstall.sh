#!/usr/bin/env bash
# test_reinstall.sh: "reinstall a rack of VMs with one command". Four BIOS
# VMs (SeaBIOS + iPXE ROM, NIC first, a local disk second) are hosts in a
# generated config, each with the e2e power driver (vmpower.sh, QMP), an
# installer profile (install: true; vm1, vm2 through pxelinux, vm3, vm4
# through iPXE's own HTTP) that boots the e2e initramfs in installer mode,
# and its own variables. The rack starts powered off. Then:
#   1. `rackbootctl reinstall all --power-cycle --yes`: rackboot marks the
#      four and power-cycles them; each installer fetches its kickstart
#      (RB-KS-FETCHED and the "# rb-var:" line of its own values on its
#      console), downloads two repository files, calls its single-use
#      callback URL (RB-CALLBACK ok) and powers off. `rackbootctl watch
#      --once`, captured every few seconds, must once show all four
#      booting or installing; then all four are "installed".
#   2. `rackbootctl power cycle all --yes`: each VM now boots its local disk
#      (RACKBOOT-LOCALDISK on its console, and no kernel), and all four end
#      "local-boot".
# Prints "# timing reinstall-last-callback <s>" (the reinstall command to
# the last callback seen) and per VM the seconds to its callback and, after
# the second cycle, to its disk. Needs root and the lifecycle, power and
# API wired into rackboot. RB_E2E_TIMEOUT (300) bounds the installs.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"

# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
# shellcheck source=tests/e2e/lib.sh
. "$RB_SRC/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/bootcfg.sh
. "$RB_SRC/tests/e2e/bootcfg.sh"

pass=0 fail=0
[ -x "$RB_BUILD/control/rackboot" ] || e2e_die "$RB_BUILD/control/rackboot not built"
E2E_MEM=${RB_E2E_MEM:-256}
e2e_init
trap e2e_cleanup EXIT
e2e_rack_up
e2e_vms_init
e2e_rb_power_root # rackboot runs vmpower.sh (lib.sh says why)
TIMEOUT=${RB_E2E_TIMEOUT:-300}
d=$E2E_WORK/reinstall
mkdir -p "$d"
e2e_ctl_init "$d/api.token"

VMS=(vm1 vm2 vm3 vm4)
declare -A MAC=() IP=() PROF=() VARLINE=()
for i in 1 2 3 4; do
  vm=vm$i
  MAC[$vm]=52:54:00:e2:e5:0$i
  IP[$vm]=198.18.0.8$i
  if [ "$i" -le 2 ]; then PROF[$vm]=inst-pxelinux; else PROF[$vm]=inst-ipxe; fi
  VARLINE[$vm]=$(bootcfg_installer_var_line "$vm" "${MAC[$vm]}" "${IP[$vm]}" "$i" "${PROF[$vm]}")
done

bootcfg_installer_tree "$d"
{
  bootcfg_rb_head "$d"
  cat <<YAML
lifecycle:
  timeouts: {installing: 300}
boot:
  unknown: local
YAML
  bootcfg_installer_profiles "$d"
  echo "hosts:"
  for vm in "${VMS[@]}"; do
    cat <<YAML
  - name: $vm
    mac: "${MAC[$vm]}"
    address: ${IP[$vm]}
    profile: ${PROF[$vm]}
    vars: {slot: "${vm#vm}"}
    power: {driver: command, command: "$E2E_POWER"}
YAML
  done
} > "$d/rackboot.yaml"
e2e_rb_start "$d/rackboot.yaml" || bail "rackboot does not start with $d/rackboot.yaml"

e2e_localdisk "$d/disk.img"
i=0
for vm in "${VMS[@]}"; do
  i=$((i + 1))
  cp "$d/disk.img" "$d/$vm.img"   # qemu locks an image it writes
  e2e_vm_define "$vm" "${P}r$i" seabios "${MAC[$vm]}" "$d/$vm.img"
done
echo "# hosts before (name state phase reason):"
e2e_ctl_states | sed 's/^/#   /'

# --- 1. reinstall -------------------------------------------------------------
t0=$(e2e_now)
if e2e_ctl reinstall all --power-cycle --yes > "$d/reinstall.out" 2>&1; then
  ok "rackbootctl reinstall all --power-cycle --yes"
else
  bad "rackbootctl reinstall all --power-cycle --yes ($(tr '\n' ' ' < "$d/reinstall.out"))"
fi
sed 's/^/#   /' "$d/reinstall.out"
# vm1's kickstart as rackboot renders it now (asked by MAC from the server
# itself, which is no host): its callback URL, to be replayed once used.
old_cb=$(ip netns exec "$P-srv" curl -s --max-time 5 "http://$E2E_SERVER/t/ks.cfg?mac=${MAC[vm1]}" |
  sed -n 's/^# rackboot-callback: *//p')
check "vm1's kickstart carries a callback URL with a token ($old_cb)" \
  grep -qE "^http://$E2E_SERVER/cb/[0-9a-f]{16,}\$" <<<"$old_cb"

# Until every VM's console shows its callback, or TIMEOUT: a watch frame
# every 3 s (in the log, and kept to be checked).
declare -A CB=()
captures=0 next_watch=0
while :; do
  el=$(e2e_since "$t0")
  left=0
  for vm in "${VMS[@]}"; do
    [ -n "${CB[$vm]:-}" ] && continue
    if e2e_vm_seen "$vm" 0 '^RB-CALLBACK '; then CB[$vm]=$el; else left=$((left + 1)); fi
  done
  [ $left = 0 ] && break
  if awk -v e="$el" -v n="$next_watch" 'BEGIN { exit !(e >= n) }'; then
    captures=$((captures + 1))
    e2e_ctl watch --once > "$d/watch.$captures" 2>&1
    echo "# watch --once at ${el}s:"; sed 's/^/#   /' "$d/watch.$captures"
    next_watch=$(awk -v e="$el" 'BEGIN { print e + 3 }')
  fi
  awk -v e="$el" -v l="$TIMEOUT" 'BEGIN { exit !(e >= l) }' && break
  sleep 0.5
done

last=0
for vm in "${VMS[@]}"; do
  log=$E2E_VM_DIR/$vm.log
  check "$vm: the installer fetched its kickstart (RB-KS-FETCHED)" e2e_vm_seen "$vm" 0 '^RB-KS-FETCHED [0-9]+'
  check "$vm: the kickstart carried its own values (${VARLINE[$vm]})" \
    grep -aqxF "${VARLINE[$vm]}" <(tr -d '\r' < "$log")
  check "$vm: both repository downloads" \
    test "$(tr -d '\r' < "$log" | grep -acE '^RB-FETCH http://[^ ]+ [0-9]+$')" -ge 2
  if e2e_vm_seen "$vm" 0 '^RB-CALLBACK ok'; then
    ok "$vm: the installer's callback was accepted (RB-CALLBACK ok)"
    echo "# timing reinstall-callback-$vm ${CB[$vm]}"
    last=$(awk -v a="$last" -v b="${CB[$vm]}" 'BEGIN { print (b > a ? b : a) }')
  else
    bad "$vm: the installer's callback was accepted ($(tr -d '\r' < "$log" | grep -a '^RB-' | tail -n 1))"
    echo "# --- $vm console (last 20 lines):"; tr -d '\r' < "$log" | tail -n 20 | sed 's/^/#   /'
  fi
done
[ ${#CB[@]} = 4 ] && echo "# timing reinstall-last-callback $last"

# One watch frame listing all four hosts booting or installing.
all_moving() { # frame
  local vm
  for vm in "${VMS[@]}"; do
    grep -qE "^${vm}[[:space:]]+(booting|installing)([[:space:]]|\$)" "$1" || return 1
  done
}
moving=0
for ((k = 1; k <= captures; k++)); do all_moving "$d/watch.$k" && moving=$((moving + 1)); done
check "watch --once showed all four hosts booting or installing ($moving of $captures frames)" \
  [ "$moving" -ge 1 ]

# The callbacks make them "installed" (the VMs power off after it).
states_are() { # pattern: every host's state matches
  local s
  s=$(e2e_ctl_states) || return 1
  [ "$(awk '{ print $2 }' <<<"$s" | grep -cxE "$1")" = 4 ]
}
for _ in $(seq 1 60); do states_are 'installed|local-boot' && break; sleep 1; done
echo "# hosts after the installs:"; e2e_ctl_states | sed 's/^/#   /'
check "hosts --json: all four installed" states_are 'installed|local-boot'
for vm in "${VMS[@]}"; do
  check "$vm: rackboot power-cycled it through vmpower.sh" grep -q ' cycle ' "$E2E_VM_DIR/$vm.power"
done
# Each host's timeline (host NAME --json): the states it went through, in
# order, each an event kept by rackboot.
states_seen() { # name: its timeline's "to" states, one line
  e2e_ctl host "$1" --json | jq -r '[.events[] | .to // empty] | join(" ")'
}
in_order() { # "seen" "a b c": a, b, c appear in seen in that order
  awk -v s="$1" -v w="$2" 'BEGIN { n = split(s, a, " "); m = split(w, b, " "); j = 1
    for (i = 1; i <= n && j <= m; i++) if (a[i] == b[j]) j++; exit !(j > m) }'
}
for vm in "${VMS[@]}"; do
  tl=$(states_seen "$vm")
  check "$vm: timeline reinstall-pending, booting, installing, installed ($tl)" \
    in_order "$tl" "reinstall-pending booting installing installed"
done

# The used token, again: refused, and counted.
refused0=$(e2e_rb_metrics | awk '$1 == "rackboot_http_callbacks_total{result=\"refused\"}" { print $2 }')
code=$(ip netns exec "$P-srv" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$old_cb")
refused1=$(e2e_rb_metrics | awk '$1 == "rackboot_http_callbacks_total{result=\"refused\"}" { print $2 }')
check "vm1's used callback URL, replayed, is refused (HTTP $code)" [ "$code" = 403 ]
check "...and counted (refused callbacks ${refused0:-?} -> ${refused1:-?})" \
  [ "$((${refused1:-0} - ${refused0:-0}))" = 1 ]

# --- 2. power cycle: the local disk ------------------------------------------
declare -A MARK=() DISK=()
for vm in "${VMS[@]}"; do MARK[$vm]=$(e2e_vm_mark "$vm"); done
t1=$(e2e_now)
if e2e_ctl power cycle all --yes > "$d/cycle.out" 2>&1; then
  ok "rackbootctl power cycle all --yes"
else
  bad "rackbootctl power cycle all --yes ($(tr '\n' ' ' < "$d/cycle.out"))"
fi
while :; do
  left=0
  for vm in "${VMS[@]}"; do
    [ -n "${DISK[$vm]:-}" ] && continue
    if e2e_vm_seen "$vm" "${MARK[$vm]}" "$E2E_LOCALDISK"; then DISK[$vm]=$(e2e_since "$t1"); else left=$((left + 1)); fi
  done
  [ $left = 0 ] && break
  awk -v e="$(e2e_since "$t1")" 'BEGIN { exit !(e >= 180) }' && break
  sleep 0.5
done
for vm in "${VMS[@]}"; do
  if [ -n "${DISK[$vm]:-}" ]; then
    ok "$vm: booted its local disk after the power cycle"
    echo "# timing reinstall-localboot-$vm ${DISK[$vm]}"
  else
    bad "$vm: booted its local disk after the power cycle"
    echo "# --- $vm console after the cycle:"
    tail -c +"$((MARK[$vm] + 1))" "$E2E_VM_DIR/$vm.log" | tr -d '\r' | tail -n 20 | sed 's/^/#   /'
  fi
  check "$vm: no kernel booted after the power cycle" \
    bash -c "! tail -c +$((MARK[$vm] + 1)) '$E2E_VM_DIR/$vm.log' | grep -aq 'rb-e2e: init'"
done
for _ in $(seq 1 60); do states_are 'local-boot' && break; sleep 1; done
echo "# hosts at the end:"; e2e_ctl_states | sed 's/^/#   /'
check "hosts --json: all four local-boot" states_are 'local-boot'
for vm in "${VMS[@]}"; do
  tl=$(states_seen "$vm")
  check "$vm: timeline ends installed, local-boot ($tl)" in_order "$tl" "installed local-boot"
done
for vm in "${VMS[@]}"; do
  echo "# $vm power actions:"; sed 's/^/#   /' "$E2E_VM_DIR/$vm.power"
done
e2e_rb_stop

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
