#!/usr/bin/env bash
# test_reinstall_fail.sh: the hosts a reinstall loses, and why. Two VMs
# are hosts with the e2e power driver (vmpower.sh), reinstalled with one
# `rackbootctl reinstall vm1,vm2 --power-cycle --yes`:
#   vm1  SeaBIOS + iPXE, profile inst-nocb: its installer fetches a
#        kickstart without a callback and powers off, as an installer that
#        dies would; with lifecycle.timeouts.installing 20 it must end
#        `failed`, reason "timeout in installing", 20 s (and a tick) after
#        its kickstart.
#   vm2  OVMF, profile inst-big: GRUB reads a 32 MB kernel over TFTP; once
#        rackboot reports 2 MB of it, the rack switch drops the VM's traffic
#        (an nft bridge rule on its port). The dataplane gives the transfer
#        up and vm2 must end `failed` with the TFTP reason ("tftp: ...").
# `rackbootctl watch --once` must then list both failures with their
# reasons, /metrics count them by class, and `rackbootctl host` keep the
# failure in each timeline; after a restart the failures, the timelines and
# a mark made through the API just before it are still there. Prints "# timing" lines: seconds from the
# kickstart to vm1's failure and from the cut to vm2's.
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
INSTALLING=20
e2e_init
cut_rule=''
cleanup() {
  [ -n "$cut_rule" ] && ip netns exec "$P-rack" nft delete table bridge rbcut 2>/dev/null
  e2e_cleanup
}
trap cleanup EXIT
e2e_rack_up
e2e_vms_init
e2e_rb_power_root # rackboot runs vmpower.sh (lib.sh says why)
d=$E2E_WORK/fail
mkdir -p "$d"
e2e_ctl_init "$d/api.token"

declare -A MAC=([vm1]=52:54:00:e2:e6:01 [vm2]=52:54:00:e2:e6:02)
declare -A IP=([vm1]=198.18.0.91 [vm2]=198.18.0.92)
declare -A PROF=([vm1]=inst-nocb [vm2]=inst-big)
declare -A TAP=([vm1]=${P}f1 [vm2]=${P}f2)

bootcfg_installer_tree "$d"
{
  bootcfg_rb_head "$d"
  cat <<YAML
lifecycle:
  timeouts: {booting: 600, installing: $INSTALLING}
boot:
  unknown: local
  efi: grub
YAML
  bootcfg_installer_profiles "$d"
  echo "hosts:"
  for vm in vm1 vm2; do
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
declare -A FW=([vm1]=seabios [vm2]=ovmf)
for vm in vm1 vm2; do
  cp "$d/disk.img" "$d/$vm.img"
  e2e_vm_define "$vm" "${TAP[$vm]}" "${FW[$vm]}" "${MAC[$vm]}" "$d/$vm.img"
done

jqq() { jq -e "$@" > /dev/null; }
host_field() { # name jq-expression
  e2e_ctl host "$1" --json | jq -r "$2"
}

t0=$(e2e_now)
if e2e_ctl reinstall vm1,vm2 --power-cycle --yes > "$d/reinstall.out" 2>&1; then
  ok "rackbootctl reinstall vm1,vm2 --power-cycle --yes"
else
  bad "rackbootctl reinstall vm1,vm2 --power-cycle --yes ($(tr '\n' ' ' < "$d/reinstall.out"))"
fi
sed 's/^/#   /' "$d/reinstall.out"

# Until vm1 failed and vm2's cut transfer failed, 240 s at most.
t_ks='' t_cut='' t_fail1='' t_fail2=''
while :; do
  el=$(e2e_since "$t0")
  if [ -z "$t_ks" ] && e2e_vm_seen vm1 0 '^RB-KS-FETCHED '; then t_ks=$el; fi
  if [ -z "$t_fail1" ] && [ "$(host_field vm1 .state)" = failed ]; then t_fail1=$el; fi
  if [ -z "$t_cut" ]; then
    read -r phase bytes < <(host_field vm2 '"\(.phase // "-") \(.progress.bytes // 0)"')
    if [ "$phase" = kernel ] && [ "${bytes:-0}" -ge 2097152 ]; then
      if ! ip netns exec "$P-rack" nft -f - <<NFT
table bridge rbcut {
  chain cut {
    type filter hook forward priority 0; policy accept;
    iifname "${TAP[vm2]}" drop
    oifname "${TAP[vm2]}" drop
  }
}
NFT
      then
        bail "nft: the rule that cuts vm2 off was refused"
      fi
      cut_rule=1 t_cut=$(e2e_since "$t0")
      echo "# vm2's traffic dropped at the rack switch at ${t_cut}s, $bytes bytes of its kernel fetched"
    fi
  elif [ -z "$t_fail2" ] && [ "$(host_field vm2 .state)" = failed ]; then
    t_fail2=$(e2e_since "$t0")
  fi
  [ -n "$t_fail1" ] && [ -n "$t_fail2" ] && break
  awk -v e="$el" 'BEGIN { exit !(e >= 240) }' && break
  sleep 0.5
done
e2e_ctl watch --once > "$d/watch" 2>&1
echo "# watch --once at the end:"; sed 's/^/#   /' "$d/watch"

# vm1: the installer that never called back
r1=$(host_field vm1 .reason)
check "vm1 fetched its kickstart (RB-KS-FETCHED, at ${t_ks:-never}s)" [ -n "$t_ks" ]
check "vm1 ends failed (at ${t_fail1:-never}s)" [ -n "$t_fail1" ]
check "...with reason 'timeout in installing' ($r1)" [ "$r1" = "timeout in installing" ]
if [ -n "$t_ks" ] && [ -n "$t_fail1" ]; then
  w=$(awk -v a="$t_ks" -v b="$t_fail1" 'BEGIN { printf "%.1f", b - a }')
  echo "# timing fail-installing-after-kickstart $w"
  check "...not before lifecycle.timeouts.installing ($INSTALLING s) after its kickstart (${w}s)" \
    awk -v w="$w" -v l="$INSTALLING" 'BEGIN { exit !(w >= l - 1 && w <= l + 15) }'
fi

# vm2: the cut TFTP transfer
r2=$(host_field vm2 .reason)
check "vm2's kernel transfer was cut mid-way (at ${t_cut:-never}s)" [ -n "$t_cut" ]
check "vm2 ends failed (at ${t_fail2:-never}s)" [ -n "$t_fail2" ]
check "...with the TFTP reason ($r2)" grep -qE '^tftp: [^ ]*vmlinuz-big [a-z]' <<<"$r2"
if [ -n "$t_cut" ] && [ -n "$t_fail2" ]; then
  echo "# timing fail-tftp-after-cut $(awk -v a="$t_cut" -v b="$t_fail2" 'BEGIN { printf "%.1f", b - a }')"
fi

check "watch --once lists vm1 failed" grep -qE '^vm1 +failed ' "$d/watch"
check "...and under failed, with its reason" grep -qE '^vm1 .*timeout in installing$' "$d/watch"
check "watch --once lists vm2 failed" grep -qE '^vm2 +failed ' "$d/watch"
check "...and under failed, with its reason" grep -qE '^vm2 .*tftp: [^ ]*vmlinuz-big [a-z]' "$d/watch"
check "watch --once counts the failures by class" grep -qE 'failures: timeout_installing 1, tftp 1$' "$d/watch"

m=$(e2e_rb_metrics)
check "/metrics: one timeout_installing failure" \
  grep -qx 'rackboot_host_failures_total{reason="timeout_installing"} 1' <<<"$m"
check "/metrics: one tftp failure" grep -qx 'rackboot_host_failures_total{reason="tftp"} 1' <<<"$m"
check "vm1's timeline keeps the failure" \
  grep -q 'timeout in installing' <(e2e_ctl host vm1 --json | jq -r '.events[] | "\(.to) \(.detail)"')
check "vm2's timeline keeps the failure" \
  grep -q '^failed .*tftp' <(e2e_ctl host vm2 --json | jq -r '.events[] | "\(.to) \(.detail)"')

# Durable: the failures, their reasons and timelines survive a restart,
# and so does a mark made through the API.
before=$(e2e_ctl hosts --json | jq -c '[.hosts[] | {name, state, reason}]')
n_ev=$(e2e_ctl host vm2 --json | jq '.events | length')
e2e_ctl reinstall vm1 --yes > /dev/null
e2e_rb_stop
e2e_rb_start "$d/rackboot.yaml" || bail "rackboot does not restart"
after=$(e2e_ctl hosts --json | jq -c '[.hosts[] | {name, state, reason}]')
check "after a restart vm2 is still failed with its reason ($after)" \
  jqq '.[] | select(.name == "vm2") | .state == "failed" and (.reason | startswith("tftp: "))' <<<"$after"
check "...vm1, marked again through the API before the restart, is reinstall-pending" \
  jqq '.[] | select(.name == "vm1") | .state == "reinstall-pending"' <<<"$after"
check "...and vm2's timeline is kept ($n_ev events before, $(e2e_ctl host vm2 --json | jq '.events | length') after)" \
  [ "$(e2e_ctl host vm2 --json | jq '.events | length')" -ge "$n_ev" ]
echo "# before the restart: $before"
e2e_rb_stop

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
