#!/usr/bin/env bash
# test_localboot.sh: rackboot's generated local-boot entries hand a SeaBIOS
# machine back to its local disk, and never to the unknown machines'
# default. Three VMs, each with the NIC first and a disk second in its boot
# order (the disk's boot sector, localdisk.S, prints RACKBOOT-LOCALDISK on
# COM1), boot from one rackboot:
#   lb-ipxe      a host with a localboot profile: boot.ipxe runs
#                ipxe/<mac>.ipxe, whose entry is `exit 0`
#   lb-pxelinux  a host with a localboot profile with loader: pxelinux:
#                ipxe/<mac>.ipxe chains pxelinux.0, which reads
#                pxelinux.cfg/01-<mac>: `LOCALBOOT -1`
#   lb-unknown   a machine nobody declared
# Phase 1: boot.unknown is a profile that boots the e2e kernel (it prints
# RACKBOOT-E2E-OK): the two hosts must reach their disks and must not boot
# that kernel (a host script that returns must not fall through to
# ipxe/default.ipxe); lb-unknown must boot it (after its own script's 404).
# Phase 2: boot.unknown: local, reloaded by SIGHUP; lb-unknown, powered on
# again, reaches its disk through ipxe/default.ipxe's `exit 0`.
# Each must also show, in a capture on the rack switch, the generated file
# it read. vmpower.sh, the e2e power driver, starts and stops the VMs (this
# also checks its on/status/cycle/off). Prints "# timing localboot-<vm> <s>"
# (power on to the marker). Needs root. RB_E2E_TIMEOUT (180) bounds each
# phase's wait.
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
TIMEOUT=${RB_E2E_TIMEOUT:-180}
d=$E2E_WORK/localboot
mkdir -p "$d/repo" "$d/tftp"
cp "$E2E_CACHE/vmlinuz" "$E2E_CACHE/initrd.gz" "$d/tftp/"
echo "# the unknown machines' default, rendered for {{hostname}}" > "$d/ks.tpl"

# name, MAC, how it reaches the disk (the file it must read)
VMS=(lb-ipxe lb-pxelinux lb-unknown)
declare -A MAC=([lb-ipxe]=52:54:00:e2:e3:01 [lb-pxelinux]=52:54:00:e2:e3:02
                [lb-unknown]=52:54:00:e2:e3:03)
mh() { tr ':' '-' <<<"${MAC[$1]}"; }
declare -A READS=([lb-ipxe]="GET /boot/ipxe/$(mh lb-ipxe).ipxe"
                  [lb-pxelinux]="pxelinux.cfg/01-$(mh lb-pxelinux)"
                  [lb-unknown]="GET /boot/ipxe/default.ipxe")

rb_yaml() { # boot.unknown
  bootcfg_rb_head "$d"
  cat <<YAML
boot:
  unknown: $1
profiles:
  local: {label: Boot from local drive, localboot: true}
  local-pxelinux: {label: Local drive via pxelinux, localboot: true, loader: pxelinux}
  other:
    kernel: vmlinuz
    initrd: [initrd.gz]
    cmdline: "console=ttyS0 quiet rb.ks={{http}}/t/ks.cfg"
    templates: {ks.cfg: ks.tpl}
hosts:
  - {name: lb-ipxe, mac: "${MAC[lb-ipxe]}", address: 198.18.0.61, profile: local}
  - {name: lb-pxelinux, mac: "${MAC[lb-pxelinux]}", address: 198.18.0.62, profile: local-pxelinux}
YAML
}
rb_yaml other > "$d/rackboot.yaml"
e2e_rb_start "$d/rackboot.yaml" || bail "rackboot does not start"

# What rackboot generated, as the loaders read it.
for f in "ipxe/$(mh lb-ipxe).ipxe" "ipxe/$(mh lb-pxelinux).ipxe" "pxelinux.cfg/01-$(mh lb-pxelinux)" \
         ipxe/default.ipxe; do
  echo "# --- /boot/$f:"
  in_srv curl -s --max-time 5 "http://$E2E_SERVER/boot/$f" | sed 's/^/#   /'
done
check "the host's iPXE entry is exit" \
  bash -c "ip netns exec '$P-srv' curl -sf 'http://$E2E_SERVER/boot/ipxe/$(mh lb-ipxe).ipxe' | grep -qx 'exit 0'"
check "the pxelinux host's entry is LOCALBOOT" \
  bash -c "ip netns exec '$P-srv' curl -sf 'http://$E2E_SERVER/boot/pxelinux.cfg/01-$(mh lb-pxelinux)' | grep -q LOCALBOOT"

E2E_T0=$(e2e_now)   # the timeline's zero
e2e_tcpdump_start "$d/rack.pcap" br0
e2e_localdisk "$d/disk.img"
declare -A T0=() SECS=()
i=0
for vm in "${VMS[@]}"; do
  i=$((i + 1))
  cp "$d/disk.img" "$d/$vm.img"   # qemu locks an image it writes
  e2e_vm_define "$vm" "${P}l$i" seabios "${MAC[$vm]}" "$d/$vm.img"
  check "$vm: status off before power on" [ "$(e2e_vm_power "$vm" status)" = off ]
  T0[$vm]=$(e2e_now)
  check "$vm: power on" e2e_vm_power "$vm" on
  check "$vm: status on after power on" [ "$(e2e_vm_power "$vm" status)" = on ]
done

# Until every VM in $@ shows PATTERN past its mark (MARK[vm]), or
# TIMEOUT: sets SECS[vm] (seconds from T0[vm]) for those that did.
wait_consoles() { # pattern vm...
  local pat=$1 t0 left vm
  shift
  t0=$(e2e_now)
  while :; do
    left=0
    for vm in "$@"; do
      [ -n "${SECS[$vm]:-}" ] && continue
      if e2e_vm_seen "$vm" "${MARK[$vm]}" "$pat"; then
        SECS[$vm]=$(e2e_since "${T0[$vm]}")
      else
        left=$((left + 1))
      fi
    done
    [ $left = 0 ] && return 0
    awk -v e="$(e2e_since "$t0")" -v l="$TIMEOUT" 'BEGIN { exit !(e >= l) }' && return 1
    sleep 0.5
  done
}
console_tail() { # vm
  echo "# --- $1 serial log (last 25 lines):"
  tail -n 25 "$E2E_VM_DIR/$1.log" | tr -d '\r' | sed 's/^/#   /'
}

declare -A MARK=([lb-ipxe]=0 [lb-pxelinux]=0 [lb-unknown]=0)
wait_consoles "$E2E_LOCALDISK|$E2E_OK|$E2E_FAIL" "${VMS[@]}"
e2e_tcpdump_stop
e2e_timeline "$d/rack.pcap" > "$d/timeline.txt"

for vm in lb-ipxe lb-pxelinux; do
  if [ -n "${SECS[$vm]:-}" ] && e2e_vm_seen "$vm" 0 "$E2E_LOCALDISK"; then
    ok "$vm: the local disk's marker on the console"
    echo "# timing localboot-$vm ${SECS[$vm]}"
  elif [ -n "${SECS[$vm]:-}" ]; then
    bad "$vm: the local disk's marker on the console (it booted a kernel instead)"
    console_tail "$vm"
  else
    bad "$vm: the local disk's marker on the console (nothing within ${TIMEOUT}s)"
    console_tail "$vm"
  fi
  check "$vm: it did not boot the unknown machines' default kernel" \
    bash -c "! grep -aq 'rb-e2e: init' '$E2E_VM_DIR/$vm.log'"
  check "$vm: the loader read its generated file (${READS[$vm]})" grep -qF "${READS[$vm]}" "$d/timeline.txt"
done
if e2e_vm_seen lb-unknown 0 "$E2E_OK"; then
  ok "lb-unknown: booted the unknown machines' default profile"
  echo "# timing unknown-default-kernel ${SECS[lb-unknown]}"
else
  bad "lb-unknown: booted the unknown machines' default profile"
  console_tail lb-unknown
fi
check "lb-unknown: it read ipxe/default.ipxe" grep -qF "GET /boot/ipxe/default.ipxe" "$d/timeline.txt"
echo "# rack timeline (capture on br0, s from the first power on):"
grep -E 'HTTP|RRQ' "$d/timeline.txt" | sed 's/^/#/' | head -30

# Phase 2: unknown machines boot locally.
rb_yaml local > "$d/rackboot.yaml"
kill -HUP "$E2E_RB_PID"
reloaded() { in_srv curl -sf --max-time 5 "http://$E2E_SERVER/boot/ipxe/default.ipxe" | grep -qx 'exit 0'; }
for _ in $(seq 1 50); do reloaded && break; sleep 0.2; done
check "reload: ipxe/default.ipxe is a local boot" reloaded
# The kernel powered the VM off: qemu has exited.
check "lb-unknown: status off after its kernel powered off" [ "$(e2e_vm_power lb-unknown status)" = off ]
MARK[lb-unknown]=$(e2e_vm_mark lb-unknown)
unset 'SECS[lb-unknown]'
T0[lb-unknown]=$(e2e_now)
check "lb-unknown: power cycle (starts it)" e2e_vm_power lb-unknown cycle
if wait_consoles "$E2E_LOCALDISK" lb-unknown; then
  ok "lb-unknown: the local disk's marker after boot.unknown: local"
  echo "# timing localboot-lb-unknown ${SECS[lb-unknown]}"
else
  bad "lb-unknown: the local disk's marker after boot.unknown: local (none within ${TIMEOUT}s)"
  console_tail lb-unknown
fi

# A reset of a running VM (a halted local boot) boots it again.
MARK[lb-ipxe]=$(e2e_vm_mark lb-ipxe)
unset 'SECS[lb-ipxe]'
T0[lb-ipxe]=$(e2e_now)
check "lb-ipxe: power cycle (QMP system_reset)" e2e_vm_power lb-ipxe cycle
check "lb-ipxe: the local disk's marker again after the reset" wait_consoles "$E2E_LOCALDISK" lb-ipxe
echo "# lb-ipxe power actions:"; sed 's/^/#   /' "$E2E_VM_DIR/lb-ipxe.power"

for vm in "${VMS[@]}"; do
  check "$vm: power off" e2e_vm_power "$vm" off
  check "$vm: status off after power off" [ "$(e2e_vm_power "$vm" status)" = off ]
done
e2e_rb_stop

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
