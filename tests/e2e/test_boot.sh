#!/usr/bin/env bash
# test_boot.sh: real firmware under qemu (TCG) boots from rackboot on a
# private virtual rack, through to a Debian kernel + initramfs that fetches
# its kickstart over HTTP and prints it on the serial console. Nothing is
# hand-written: the VM is a host in rackboot's config (bootcfg.sh's
# bootcfg_rackboot_gen); rackboot generates the loader configs, serves the
# loaders from Debian's packages and renders the kickstart for the host.
# Paths (RB_E2E_PATHS narrows them, space separated):
#   ipxe-http      SeaBIOS + the NIC's iPXE ROM: boot.ipxe chains the
#                  host's ipxe/<mac>.ipxe; kernel, initrd over HTTP (/boot/)
#   pxelinux       SeaBIOS + iPXE ROM, a profile with loader: pxelinux: the
#                  host's iPXE script chains pxelinux.0 by TFTP, which reads
#                  pxelinux.cfg/01-<mac>; kernel, initrd by TFTP
#   ovmf-syslinux  OVMF, NIC ROM off: EDK2 PXE -> efi64/syslinux.efi ->
#                  efi64/pxelinux.cfg/01-<mac> -> TFTP
#   ovmf-grub      OVMF: EDK2 PXE -> grubnetx64.efi -> grub/grub.cfg ->
#                  grub/hosts/<mac>.cfg -> TFTP
#   ovmf-ipxe      OVMF: EDK2 PXE -> ipxe.efi -> boot.ipxe -> HTTP
#   ovmf-http      OVMF with its PXE options off (fw_cfg), so its first
#                  network option is UEFI HTTP Boot: DHCP "HTTPClient"
#                  arch 16 -> the URL DHCP hands out, /boot/ipxe.efi over
#                  HTTP -> boot.ipxe -> HTTP; never TFTP
# Each path prints "# timing <path> <seconds>" (qemu start to the marker)
# and a timeline of DHCP/TFTP/HTTP/ICMPv6 events from a capture on the tap.
# Needs root. RB_E2E_TIMEOUT (240) bounds each VM; RB_E2E_KEEP=1 keeps logs.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"

# shellcheck source=tests/e2e/lib.sh
. "$RB_SRC/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/bootcfg.sh
. "$RB_SRC/tests/e2e/bootcfg.sh"

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

[ -x "$RB_BUILD/control/rackboot" ] || e2e_die "$RB_BUILD/control/rackboot not built"
e2e_init
trap e2e_cleanup EXIT
e2e_rack_up
TIMEOUT=${RB_E2E_TIMEOUT:-240}
PATHS=${RB_E2E_PATHS:-"ipxe-http pxelinux ovmf-syslinux ovmf-grub ovmf-ipxe ovmf-http"}

# What the timeline must show for PATH: the loader's own requests. (The
# kickstart's GET is not required here: the capture may miss the last
# packets before the VM stops; the rendered values on the console prove it.)
expect_on_wire() { # path timeline-file
  local mh; mh=$(tr ':' '-' <<<"$E2E_MAC")
  case "$1" in
    ipxe-http)     grep -q 'HTTP GET /boot/boot.ipxe' "$2" && grep -q "HTTP GET /boot/ipxe/$mh.ipxe" "$2" &&
                   grep -q 'HTTP GET /boot/vmlinuz' "$2" ;;
    # pxelinux.0 chained by iPXE reads through iPXE, relative to the
    # script's URL: its config and kernel come over HTTP /boot/.
    pxelinux)      grep -q 'RRQ "pxelinux.0"' "$2" && grep -q "pxelinux.cfg/01-$mh" "$2" &&
                   grep -q 'initrd.gz' "$2" ;;
    ovmf-syslinux) grep -q 'RRQ "efi64/syslinux.efi"' "$2" && grep -q 'efi64/ldlinux.e64"' "$2" &&
                   grep -q "efi64/pxelinux.cfg/01-$mh\"" "$2" && grep -q 'initrd.gz"' "$2" ;;
    ovmf-grub)     grep -q 'RRQ "grubnetx64.efi"' "$2" && grep -q 'grub/grub.cfg"' "$2" &&
                   grep -q "grub/hosts/$E2E_MAC.cfg" "$2" && grep -q 'initrd.gz"' "$2" ;;
    ovmf-ipxe)     grep -q 'RRQ "ipxe.efi"' "$2" && grep -q 'HTTP GET /boot/boot.ipxe' "$2" &&
                   grep -q 'HTTP GET /boot/vmlinuz' "$2" ;;
    ovmf-http)     grep -q '"HTTPClient:Arch:00016' "$2" && grep -q 'Vendor-Class (60), length 10: "HTTPClient"' "$2" &&
                   grep -q 'HTTP GET /boot/ipxe.efi' "$2" && grep -q 'HTTP GET /boot/vmlinuz' "$2" &&
                   ! grep -q 'RRQ' "$2" ;;
    *)             echo "# expect_on_wire: no expectations for path $1"; return 1 ;;
  esac
}

run_path() { # path
  local p=$1 d=$E2E_WORK/$1 tl
  mkdir -p "$d"
  bootcfg_rackboot_gen "$d" "$p"
  if ! e2e_rb_start "$d/rackboot-gen.yaml"; then bad "$p: rackboot starts"; return; fi
  e2e_tcpdump_start "$d/tap.pcap"
  e2e_qemu_start "$FW" "$d/serial.log"
  local rc=0; e2e_wait "$d/serial.log" "$TIMEOUT" || rc=1
  e2e_qemu_stop
  e2e_tcpdump_stop
  tl=$d/timeline.txt
  e2e_timeline "$d/tap.pcap" > "$tl"
  if [ $rc = 0 ]; then
    ok "$p: $E2E_OK on the serial console"
    echo "# timing $p ${E2E_SECONDS}"
  else
    bad "$p: $E2E_OK on the serial console ($E2E_WHY)"
    echo "# --- $p serial log (last 40 lines):"; tail -n 40 "$d/serial.log" | tr -d '\r' | sed 's/^/#   /'
    echo "# --- $p rackboot log (last 20 lines):"; tail -n 20 "$d/rackboot-gen.log" | sed 's/^/#   /'
  fi
  echo "# $p milestones (s from qemu start):${E2E_MILESTONES:- none}"
  echo "# $p serial:"; grep -a 'rb-e2e:' "$d/serial.log" | tr -d '\r' | sed 's/^/#   /'
  echo "# $p timeline (capture on the VM's tap, s from qemu start):"; sed 's/^/#/' "$tl"
  local ks_seen; ks_seen=$(e2e_ks_seen "$d/serial.log")
  local missing=0 l
  while IFS= read -r l; do grep -qxF "$l" <<<"$ks_seen" || missing=$((missing + 1)); done < "$d/ks.expected"
  check "$p: the kickstart rendered for the host came back on the console ($missing lines missing)" \
    [ $rc = 0 -a "$missing" = 0 ]
  check "$p: the loader's requests are on the wire" expect_on_wire "$p" "$tl"
  local m; m=$(e2e_rb_metrics)
  echo "# $p rackboot counters:"; grep -E '^rackboot_dp_(dhcp|tftp)_[a-z_]+(\{[^}]*\})? [1-9]' <<<"$m" | sed 's/^/#   /' | head -40
  e2e_rb_stop
}

for p in $PATHS; do run_path "$p"; done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
