#!/usr/bin/env bash
# test_installer.sh: the default config (config/rackboot.yaml) boots a real
# BIOS VM and a real UEFI VM into the Debian installer, nothing copied by
# hand: the loaders come from Debian's packages, the installer from
# debian-installer-12-netboot-amd64 (mounted in place by tftp.mounts), the
# boot menu is generated. The VMs are machines nobody declared, so they get
# the menu; the test only shortens its timeout and makes "Install Debian 12"
# the default entry (the shipped default is "Boot from local drive").
# Each VM must reach the installer's own requests to rackboot: its preseed,
# rendered for it (GET /t/preseed.cfg), and the mirror's Release file under
# rackboot's repository (GET /debian/dists/.../Release). The test ends
# there: no internet, no mirror.
#   bios  SeaBIOS + iPXE ROM: boot.ipxe -> ipxe/default.ipxe (the menu) ->
#         kernel and initrd over HTTP /boot/
#   uefi  OVMF's own PXE: grubnetx64.efi -> grub/grub.cfg (the menu) ->
#         kernel and initrd over TFTP
# Needs root. RB_E2E_TIMEOUT (420) bounds each VM; RB_E2E_KEEP=1 keeps logs.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"

# shellcheck source=tests/e2e/lib.sh
. "$RB_SRC/tests/e2e/lib.sh"

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

[ -x "$RB_BUILD/control/rackboot" ] || e2e_die "$RB_BUILD/control/rackboot not built"
[ -f /usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz ] ||
  e2e_die "debian-installer-12-netboot-amd64 missing: run scripts/deps.sh"
e2e_init
trap e2e_cleanup EXIT
e2e_rack_up
TIMEOUT=${RB_E2E_TIMEOUT:-420}
E2E_MEM=${RB_E2E_MEM:-1024}   # the installer's initrd unpacks to ~400 MB

# The default config, with only what a private test rack needs changed:
# its port, state directories and files (the lease database and the API
# token: the test's, not the machine's), no hugepages, and the menu's
# default entry.
default_config() { # dir
  local d=$1
  mkdir -p "$d/repo" "$d/tftp"
  cp -r "$RB_SRC/config/templates" "$d/"
  sed -e "s|^  interface: rb-srv0|  interface: $P-srv0|" \
      -e "s|^  hugepages: auto|  hugepages: off|" \
      -e "s|^  root: /var/lib/rackboot/repo|  root: $d/repo|" \
      -e "s|^  root: /var/lib/rackboot/tftp|  root: $d/tftp|" \
      -e "s|^  database: /var/lib/rackboot/leases.db|  database: $d/leases.db|" \
      -e "s|^  token_file: /var/lib/rackboot/api.token|  token_file: $d/api.token|" \
      -e "s|^    timeout: 10|    timeout: 2|" \
      -e "s|^    default: local|    default: debian12|" \
      "$RB_SRC/config/rackboot.yaml" > "$d/rackboot.yaml"
  # every substitution must have happened, or the test would run
  # something else than it says
  for l in "interface: $P-srv0" "hugepages: off" "root: $d/repo" "root: $d/tftp" \
           "database: $d/leases.db" "token_file: $d/api.token" "timeout: 2" \
           "default: debian12"; do
    grep -q "$l" "$d/rackboot.yaml" || e2e_die "config/rackboot.yaml changed: no '$l' after editing"
  done
}

# Waits until the capture shows the installer's mirror request.
wait_http() { # pcap pattern timeout
  local el
  while :; do
    tcpdump -r "$1" -nn -A 'tcp dst port 80' 2>/dev/null | grep -aqE "$2" && return 0
    kill -0 "$E2E_QEMU_PID" 2>/dev/null || return 1
    el=$(e2e_since "$E2E_T0")
    awk -v e="$el" -v l="$3" 'BEGIN { exit !(e >= l) }' && return 1
    sleep 2
  done
}

run_fw() { # bios|uefi
  local name=$1 fw d=$E2E_WORK/$1 tl
  [ "$name" = bios ] && fw=seabios || fw=ovmf
  mkdir -p "$d"
  default_config "$d"
  if ! e2e_rb_start "$d/rackboot.yaml"; then bad "$name: rackboot starts with the default config"; return; fi
  e2e_tcpdump_start "$d/tap.pcap"
  e2e_qemu_start "$fw" "$d/serial.log"
  local rc=0
  wait_http "$d/tap.pcap" 'GET /debian/dists/[a-z]+/Release' "$TIMEOUT" || rc=1
  local secs; secs=$(e2e_since "$E2E_T0")
  e2e_qemu_stop
  e2e_tcpdump_stop
  tl=$d/timeline.txt
  e2e_timeline "$d/tap.pcap" > "$tl"
  echo "# $name timeline (s from qemu start):"; grep -E 'HTTP|RRQ' "$tl" | sed 's/^/#/' | head -30
  check "$name: the installer asked for its preseed (GET /t/preseed.cfg)" \
    grep -q 'HTTP GET /t/preseed.cfg?profile=debian12' "$tl"
  check "$name: the installer asked rackboot's repository for the mirror's Release file" [ $rc = 0 ]
  [ $rc = 0 ] && echo "# timing $name-installer $secs"
  case "$name" in
    bios) check "bios: the menu came from the generated iPXE script" grep -q 'HTTP GET /boot/ipxe/default.ipxe' "$tl" ;;
    uefi) check "uefi: GRUB read the generated grub.cfg" grep -q 'grub/grub.cfg' "$tl" ;;
  esac
  if [ $rc != 0 ]; then
    echo "# --- $name serial log (last 30 lines):"; tail -n 30 "$d/serial.log" | tr -d '\r' | sed 's/^/#   /'
    echo "# --- $name rackboot log (last 15 lines):"; tail -n 15 "$d/rackboot.log" | sed 's/^/#   /'
  fi
  # what rackboot rendered for this machine, as the installer got it
  local mac=${E2E_MAC}
  check "$name: the preseed rendered for the VM names its hostname and the mirror" \
    bash -c "ip netns exec '$P-srv' curl -sf 'http://$E2E_SERVER/t/preseed.cfg?mac=$mac&profile=debian12' |
             grep -q 'get_hostname string rb-$(tr -d ':' <<<"$mac")' "
  e2e_rb_stop
}

for fw in ${RB_E2E_FW:-bios uefi}; do run_fw "$fw"; done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
