# shellcheck shell=bash
# shellcheck disable=SC2034  # sets variables (E2E_SECONDS, E2E_WHY, ...) its callers read
# lib.sh: the e2e harness: a private virtual rack, a boot server (rackboot
# or dnsmasq + busybox httpd) and qemu VMs with real firmware, watched on
# their serial consoles. Sourced, never run. The caller sets RB_BUILD, RB_SRC
# and calls e2e_init first; e2e_cleanup (trap EXIT) removes everything.
#
#   e2e_init                  prefix, work dir, kernel cache, tools check
#   e2e_rack_up               rack namespaces + tap $E2E_TAP for the VM
#   e2e_rb_start CFG          rackboot in $P-srv (af_xdp on $P-srv0)
#   e2e_rb_stop
#   e2e_dnsmasq_start CONF / e2e_httpd_start ROOT / e2e_peer_stop
#   e2e_tcpdump_start PCAP [IF] / e2e_tcpdump_stop   capture on the VM's tap (or IF)
#   e2e_qemu_argv FW MAC TAP [DISK]  a VM's qemu command line -> E2E_ARGV
#   e2e_qemu_start FW LOG     FW: seabios (NIC iPXE ROM) | ovmf (romfile= off)
#   e2e_wait LOG TIMEOUT      OK marker -> E2E_SECONDS; FAIL/timeout -> 1
#   e2e_qemu_stop
#   e2e_timeline PCAP         DHCP/TFTP/HTTP/ICMPv6 events, s from qemu start
# A rack of VMs driven by rackboot's power driver (vmpower.sh):
#   e2e_vms_init / e2e_localdisk IMG / e2e_vm_define NAME TAP FW MAC [DISK]
#   e2e_vm_power NAME ACTION / e2e_vm_mark NAME / e2e_vm_seen NAME OFF PAT
# rackbootctl in rackboot's namespace:
#   e2e_ctl_init TOKEN_FILE / e2e_ctl ARGS... / e2e_ctl_states / e2e_ctl_field NAME F

E2E_MAC=${E2E_MAC:-52:54:00:e2:e0:01}
E2E_SERVER=198.18.0.1
E2E_MEM=${RB_E2E_MEM:-512}
E2E_NIC=${RB_E2E_NIC:-virtio-net-pci}
# tcg here (no /dev/kvm); RB_E2E_ACCEL=kvm where the machine has it.
E2E_ACCEL=${RB_E2E_ACCEL:-tcg}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
E2E_OK=RACKBOOT-E2E-OK
E2E_FAIL=RACKBOOT-E2E-FAIL

e2e_die() { echo "e2e: $*" >&2; exit 1; }

e2e_init() {
  [ "$(id -u)" = 0 ] || e2e_die "needs root (network namespaces, taps); run scripts/test.sh as root"
  local t
  for t in ip qemu-system-x86_64 tcpdump busybox dnsmasq socat as ld jq nft flock; do
    command -v $t >/dev/null || e2e_die "$t missing: run scripts/deps.sh"
  done
  for t in /usr/lib/ipxe/qemu/efi-virtio.rom "$OVMF_CODE" "$OVMF_VARS" \
           /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 \
           /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi /usr/lib/syslinux/modules/efi64/ldlinux.e64 \
           /usr/lib/ipxe/ipxe.efi; do
    [ -f "$t" ] || e2e_die "$t missing: run scripts/deps.sh"
  done
  # Prefix short enough for "p-$P-srv0" (15 characters at most).
  P=e2$(($$ % 100000))
  export RB_PREFIX=$P
  E2E_TAP=${P}t
  E2E_RACK="$RB_SRC/scripts/rack.sh"
  E2E_CACHE=${RB_E2E_CACHE:-/var/cache/rackboot-e2e}
  "$RB_SRC/tests/e2e/initramfs.sh" "$E2E_CACHE" || e2e_die "initramfs.sh failed"
  E2E_WORK=$(mktemp -d /tmp/rackboot-e2e.XXXXXX)
  chmod 755 "$E2E_WORK"   # dnsmasq reads its TFTP root as nobody
  E2E_QEMU_PID='' E2E_RB_PID='' E2E_PEER_PIDS='' E2E_TCPDUMP_PID=''
}

e2e_cleanup() {
  e2e_vms_stop
  e2e_qemu_stop
  e2e_tcpdump_stop
  [ -n "${E2E_RB_PID:-}" ] && e2e_rb_stop
  e2e_peer_stop
  [ -n "${E2E_RACK:-}" ] && "$E2E_RACK" down >/dev/null 2>&1
  if [ -n "${E2E_WORK:-}" ]; then
    if [ -n "${RB_E2E_KEEP:-}" ]; then echo "# e2e: kept $E2E_WORK"; else rm -rf "$E2E_WORK"; fi
  fi
}

e2e_rack_up() {
  "$E2E_RACK" up >/dev/null || e2e_die "rack.sh up failed"
  "$E2E_RACK" tap "$E2E_TAP" >/dev/null || e2e_die "rack.sh tap failed"
}

# Seconds since the epoch, with fractions.
e2e_now() { date +%s.%N; }
e2e_since() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- boot servers --------------------------------------------------------

# Config sections rackboot needs on the rack besides dhcp: (like
# tests/integration/lib.sh). Args: HTTP root, TFTP root. E2E_RB_USER, when
# set, is server.user (e2e_rb_power_root).
e2e_rb_yaml_base() {
  cat <<YAML
server:
  address: $E2E_SERVER/24
${E2E_RB_USER:+  user: $E2E_RB_USER
}port:
  mode: af_xdp
  interface: $P-srv0
dataplane:
  lcores: "0,1"
  hugepages: off
  memory_mb: 256
  mbufs: 8192
http:
  port: 80
  root: $1
api:
  token_file: $(dirname "$1")/api.token
tftp:
  root: $2
YAML
}

e2e_rb_start() { # config
  local log=${1%.yaml}.log
  ip netns exec "$P-srv" "$RB_BUILD/control/rackboot" -c "$1" --no-status > "$log" 2>&1 &
  E2E_RB_PID=$!
  for _ in $(seq 1 150); do
    grep -q "serving http" "$log" 2>/dev/null && return 0
    kill -0 "$E2E_RB_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "--- rackboot log ($log):"; cat "$log"
  return 1
}

e2e_rb_stop() {
  [ -n "${E2E_RB_PID:-}" ] || return 0
  kill -TERM "$E2E_RB_PID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$E2E_RB_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$E2E_RB_PID" 2>/dev/null
  wait "$E2E_RB_PID" 2>/dev/null
  E2E_RB_PID=
}

# rackboot's /metrics from inside the server namespace (kernel side of the
# address, af_xdp passes TCP to the kernel).
e2e_rb_metrics() {
  ip netns exec "$P-srv" curl -s --max-time 5 "http://$E2E_SERVER/metrics"
}

# The peer: dnsmasq (DHCP + TFTP) and busybox httpd in the server
# namespace, on the plain veth with the server address.
e2e_peer_addr() {
  ip netns exec "$P-srv" ip addr replace "$E2E_SERVER/24" dev "$P-srv0"
  ip netns exec "$P-srv" ip link set "$P-srv0" up
}
e2e_dnsmasq_start() { # conf-file
  e2e_peer_addr
  # enable-ra's constructor takes its prefix from the interface.
  grep -q '^enable-ra' "$1" &&
    ip netns exec "$P-srv" ip -6 addr replace 2001:2::1/64 dev "$P-srv0" nodad
  ip netns exec "$P-srv" dnsmasq --keep-in-foreground --conf-file="$1" \
    --pid-file= --log-facility="${1%.conf}.log" &
  E2E_PEER_PIDS="$E2E_PEER_PIDS $!"
  sleep 0.5
  kill -0 "$!" 2>/dev/null || { cat "${1%.conf}.log" 2>/dev/null; return 1; }
}
e2e_httpd_start() { # root
  e2e_peer_addr
  ip netns exec "$P-srv" busybox httpd -f -p "$E2E_SERVER:80" -h "$1" &
  E2E_PEER_PIDS="$E2E_PEER_PIDS $!"
  sleep 0.3
  kill -0 "$!" 2>/dev/null
}
e2e_peer_stop() {
  local p
  for p in ${E2E_PEER_PIDS:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  E2E_PEER_PIDS=
  [ -n "${P:-}" ] && ip netns exec "$P-srv" ip -4 addr flush dev "$P-srv0" 2>/dev/null
  [ -n "${P:-}" ] && ip netns exec "$P-srv" ip -6 addr del 2001:2::1/64 dev "$P-srv0" 2>/dev/null
  return 0
}

# --- capture ----------------------------------------------------------------

e2e_tcpdump_start() { # pcap [interface in the rack: $E2E_TAP; br0 sees every VM]
  E2E_PCAP=$1
  ip netns exec "$P-rack" tcpdump -i "${2:-$E2E_TAP}" -U -s 1600 -w "$E2E_PCAP" \
    'udp or icmp6 or (tcp port 80)' >/dev/null 2>"$E2E_PCAP.err" &
  E2E_TCPDUMP_PID=$!
  for _ in $(seq 1 30); do [ -s "$E2E_PCAP" ] && break; sleep 0.1; done
}
e2e_tcpdump_stop() {
  [ -n "${E2E_TCPDUMP_PID:-}" ] || return 0
  sleep 0.2
  kill -INT "$E2E_TCPDUMP_PID" 2>/dev/null; wait "$E2E_TCPDUMP_PID" 2>/dev/null
  E2E_TCPDUMP_PID=
}

# One line per event of interest, "  t=SECONDS what", seconds from qemu start.
e2e_timeline() { # pcap
  local t0=${E2E_T0:-0}
  {
    tcpdump -r "$1" -tt -nn -v 'udp port 67 or udp port 68' 2>/dev/null |
      awk '/^[0-9]+\.[0-9]+ IP/ { ts = $1; next }
           /BOOTP\/DHCP/ { dir = $1 " > " $3 }
           /DHCP-Message \(53\)/ { print ts, "DHCP", $NF, dir }
           /Vendor-Class \(60\)|User-Class \(77\)|BF \(67\)|File "/ { sub(/^[ \t]+/, ""); print ts, "     ", $0 }'
    tcpdump -r "$1" -tt -nn 'udp dst port 69 or udp dst port 4011' 2>/dev/null |
      awk '/RRQ|4011/ { i = index($0, "RRQ"); print $1, "TFTP", (i ? substr($0, i) : $0) }'
    tcpdump -r "$1" -tt -nn 'udp' 2>/dev/null |
      awk '/ERROR/ { i = index($0, "ERROR"); print $1, "TFTP", $3, ">", $5, substr($0, i) }'
    tcpdump -r "$1" -tt -nn -A 'tcp dst port 80' 2>/dev/null |
      awk '/^[0-9]+\.[0-9]+ IP/ { ts = $1; next }
           match($0, /(GET|HEAD) [^ ]+/) { print ts, "HTTP", substr($0, RSTART, RLENGTH) }'
    tcpdump -r "$1" -tt -nn 'icmp6' 2>/dev/null |
      awk '/router solicitation|router advertisement|neighbor solicitation/ { i = index($0, "ICMP6"); print $1, substr($0, i) }'
  } | awk -v t0="$t0" '{ t = $1; $1 = ""; printf "  t=%6.2f%s\n", t - t0, $0 }' | sort -t= -k2 -n -s
}

# --- the VM -----------------------------------------------------------------

# The qemu command line of one VM into the array E2E_ARGV, run in the rack
# namespace: firmware, memory ($E2E_MEM), its NIC on TAP. With DISK (a raw
# image, e2e_localdisk) the VM has a local drive too and boots the network
# first, then the drive (bootindex, which SeaBIOS and OVMF both honour);
# without one, the network only (-boot n). No console or control options:
# callers add them (e2e_qemu_start: -serial file, vmpower.sh: QMP).
e2e_qemu_argv() { # seabios|ovmf MAC TAP [DISK]
  local fw=$1 mac=$2 tap=$3 disk=${4:-} dev="$E2E_NIC,netdev=n0,mac=$2" vars
  E2E_ARGV=(ip netns exec "$P-rack" qemu-system-x86_64 -accel "$E2E_ACCEL" -m "$E2E_MEM" -smp 1
            -display none -monitor none)
  case "$fw" in
    seabios) ;;   # the default BIOS; the NIC's default romfile is Debian's iPXE (ipxe-qemu)
    ovmf)
      vars=$E2E_WORK/OVMF_VARS.${mac//:/}.fd
      cp "$OVMF_VARS" "$vars"
      E2E_ARGV+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
                 -drive "if=pflash,format=raw,unit=1,file=$vars")
      dev="$dev,romfile="   # no option ROM: EDK2's own PXE client runs
      ;;
    ovmf-http)
      # OVMF with its PXE boot options switched off through fw_cfg (EDK2's
      # opt/org.tianocore/IPv{4,6}PXESupport): the NIC's first boot option
      # is then UEFI HTTP Boot (DHCP with "HTTPClient", arch 16).
      vars=$E2E_WORK/OVMF_VARS.${mac//:/}.fd
      cp "$OVMF_VARS" "$vars"
      E2E_ARGV+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
                 -drive "if=pflash,format=raw,unit=1,file=$vars"
                 -fw_cfg "name=opt/org.tianocore/IPv4PXESupport,string=n"
                 -fw_cfg "name=opt/org.tianocore/IPv6PXESupport,string=n")
      dev="$dev,romfile="
      ;;
    *) e2e_die "e2e_qemu_argv: firmware seabios, ovmf or ovmf-http, not '$fw'" ;;
  esac
  E2E_ARGV+=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no")
  if [ -n "$disk" ]; then
    E2E_ARGV+=(-device "$dev,bootindex=1"
               -drive "if=none,id=d0,format=raw,file=$disk"
               -device "virtio-blk-pci,drive=d0,bootindex=2")
  else
    E2E_ARGV+=(-boot n -device "$dev")
  fi
}

# One VM ($E2E_MAC on $E2E_TAP), its console in LOG; qemu exits when the
# guest reboots or powers off (-no-reboot).
e2e_qemu_start() { # seabios|ovmf serial-log
  local log=$2
  e2e_qemu_argv "$1" "$E2E_MAC" "$E2E_TAP"
  : > "$log"
  E2E_T0=$(e2e_now)
  "${E2E_ARGV[@]}" -serial "file:$log" -no-reboot > "$log.qemu" 2>&1 &
  E2E_QEMU_PID=$!
}

e2e_qemu_stop() {
  [ -n "${E2E_QEMU_PID:-}" ] || return 0
  kill -TERM "$E2E_QEMU_PID" 2>/dev/null
  for _ in $(seq 1 30); do kill -0 "$E2E_QEMU_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$E2E_QEMU_PID" 2>/dev/null
  wait "$E2E_QEMU_PID" 2>/dev/null
  E2E_QEMU_PID=
}

# --- a rack of VMs under a power driver (vmpower.sh) -------------------------
# Each VM is a host in rackboot's config whose power driver is
# tests/e2e/vmpower.sh: the test declares it (e2e_vm_define), then rackboot
# (or the test, through e2e_vm_power) turns it on and off. $E2E_VM_DIR holds,
# per VM NAME, the files vmpower.sh documents (NAME.cmd, NAME.log the serial
# console appended across power cycles, NAME.power its actions).
# $E2E_POWER is what a host's `power: {driver: command, command: ...}`
# names: vmpower.sh with the VM directory as its fixed argument (rackboot
# gives the command no environment of the test's).

E2E_LOCALDISK=RACKBOOT-LOCALDISK

e2e_vms_init() {
  E2E_VM_DIR=$E2E_WORK/vms
  mkdir -p "$E2E_VM_DIR"
  E2E_POWER="$RB_SRC/tests/e2e/vmpower.sh $E2E_VM_DIR"
  case $E2E_POWER in *[[:space:]]*[[:space:]]*) e2e_die "vmpower.sh's path and $E2E_VM_DIR must have no blanks (rackboot splits the command on them)" ;; esac
}

# For a test whose rackboot runs vmpower.sh itself (hosts with
# `power: {driver: command, command: "$E2E_POWER"}`): the control stays
# root. vmpower.sh starts qemu inside the rack's network namespace (ip netns
# exec, CAP_SYS_ADMIN), which the service user cannot; a real BMC's driver
# (ipmitool, Redfish, a script that talks to a PDU) needs no privilege, so
# every other test runs the control as the service user.
e2e_rb_power_root() { E2E_RB_USER=root; }

# A raw disk image whose boot sector (tests/e2e/localdisk.S) prints
# $E2E_LOCALDISK on COM1 and halts: the VMs' local drive.
e2e_localdisk() { # out-image
  local o=$1.o b=$1.mbr
  if ! { as --32 -o "$o" "$RB_SRC/tests/e2e/localdisk.S" &&
         ld -m elf_i386 -Ttext=0x7c00 -e _start --oformat=binary -o "$b" "$o"; }; then
    e2e_die "assembling tests/e2e/localdisk.S failed"
  fi
  [ "$(stat -c %s "$b")" = 512 ] || e2e_die "localdisk.S: the boot sector is not 512 bytes"
  truncate -s 1M "$1"
  dd if="$b" of="$1" conv=notrunc status=none
  rm -f "$o" "$b"
}

# Declares VM NAME: a tap on the rack bridge and its qemu command line
# (e2e_qemu_argv). It stays off until powered on.
e2e_vm_define() { # NAME TAP seabios|ovmf MAC [DISK]
  "$E2E_RACK" tap "$2" >/dev/null || e2e_die "rack.sh tap $2 failed"
  e2e_qemu_argv "$3" "$4" "$2" "${5:-}"
  printf '%s\n' "${E2E_ARGV[@]}" > "$E2E_VM_DIR/$1.cmd"
  : > "$E2E_VM_DIR/$1.log"
}

# What rackboot does to a host's power, done by the test, in the
# environment rackboot's command driver gives (its PATH, RACKBOOT_*).
e2e_vm_power() { # NAME on|off|cycle|status
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RACKBOOT_ACTION="$2" RACKBOOT_HOST="$1" RACKBOOT_MAC='' RACKBOOT_IP='' \
    "$RB_SRC/tests/e2e/vmpower.sh" "$E2E_VM_DIR" "$2"
}

# Every declared VM off (e2e_cleanup).
e2e_vms_stop() {
  local f n
  [ -n "${E2E_VM_DIR:-}" ] || return 0
  for f in "$E2E_VM_DIR"/*.cmd; do
    [ -e "$f" ] || continue
    n=${f##*/}
    e2e_vm_power "${n%.cmd}" off >/dev/null 2>&1 || echo "# e2e: could not stop VM ${n%.cmd}"
  done
}

# The size of NAME's console log: where a later e2e_vm_seen starts reading.
e2e_vm_mark() { stat -c %s "$E2E_VM_DIR/$1.log"; }
# Does NAME's console hold a line matching PATTERN (grep -E) past OFFSET?
e2e_vm_seen() { # NAME OFFSET PATTERN
  tail -c +"$(($2 + 1))" "$E2E_VM_DIR/$1.log" | tr -d '\r' | grep -aqE "$3"
}

# --- rackbootctl -------------------------------------------------------------
# rackbootctl runs in rackboot's namespace: its API listens on
# 127.0.0.1:8081 there. RB_CTL names it, else it is found in the build.
# TOKEN_FILE is the config's api.token_file (rackboot writes it at start):
# POSTs need the token.
e2e_ctl_init() { # token-file
  E2E_CTL=${RB_CTL:-$(find "$RB_BUILD" -maxdepth 3 -name rackbootctl -type f -perm -u+x | head -n 1)}
  if [ -z "$E2E_CTL" ] || [ ! -x "$E2E_CTL" ]; then
    e2e_die "rackbootctl not built (none under $RB_BUILD; RB_CTL names another)"
  fi
  E2E_CTL_TOKEN=$1
}
e2e_ctl() {
  local tok=()
  [ -r "$E2E_CTL_TOKEN" ] && tok=(--token-file "$E2E_CTL_TOKEN")
  timeout 60 ip netns exec "$P-srv" "$E2E_CTL" "${tok[@]}" "$@"
}
# One line per host: "name state phase reason" (- for null), from --json.
e2e_ctl_states() {
  e2e_ctl hosts --json | jq -r '.hosts[] | "\(.name) \(.state) \(.phase // "-") \(.reason // "-")"'
}
# One field of one host (empty for null).
e2e_ctl_field() { # NAME FIELD
  e2e_ctl host "$1" --json | jq -r --arg f "$2" '.[$f] // empty'
}

# Waits for the OK marker in the serial log. Sets E2E_SECONDS (from qemu
# start) and E2E_MILESTONES (first sight of each firmware/loader stage).
# Returns 1 on the FAIL marker, on timeout, or when qemu exits first.
e2e_wait() { # serial-log timeout-seconds
  local log=$1 limit=$2 el m name pat
  local -A seen=()
  local stages=("iPXE initialising=iPXE" "Start PXE over IPv4=>>Start PXE over IPv4"
                "PXELINUX=PXELINUX" "SYSLINUX=SYSLINUX 6" "GRUB=GNU GRUB|Welcome to GRUB"
                "init=rb-e2e: init" "dhcp=rb-e2e: dhcp" "fetch=rb-e2e: fetching")
  E2E_SECONDS='' E2E_MILESTONES='' E2E_WHY=''
  while :; do
    el=$(e2e_since "$E2E_T0")
    for m in "${stages[@]}"; do
      name=${m%%=*} pat=${m#*=}
      [ -n "${seen[$name]:-}" ] && continue
      if grep -aqE "$pat" "$log" 2>/dev/null; then
        seen[$name]=$el; E2E_MILESTONES="$E2E_MILESTONES $name@$el"
      fi
    done
    if grep -aq "$E2E_OK" "$log" 2>/dev/null; then E2E_SECONDS=$el; return 0; fi
    if grep -aq "$E2E_FAIL" "$log" 2>/dev/null; then
      E2E_WHY=$(grep -a "$E2E_FAIL" "$log" | head -1 | tr -d '\r'); return 1
    fi
    if ! kill -0 "$E2E_QEMU_PID" 2>/dev/null; then
      E2E_WHY="qemu exited without a marker ($(tail -c 300 "$log.qemu" | tr '\n' ' '))"; return 1
    fi
    if awk -v e="$el" -v l="$limit" 'BEGIN { exit !(e >= l) }'; then
      E2E_WHY="no marker within ${limit}s"; return 1
    fi
    sleep 0.2
  done
}

# The kickstart-like file printed back between the markers.
e2e_ks_seen() { # serial-log
  sed -n '/RACKBOOT-E2E-KS-BEGIN/,/RACKBOOT-E2E-KS-END/p' "$1" | tr -d '\r'
}
