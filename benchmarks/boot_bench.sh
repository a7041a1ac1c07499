#!/usr/bin/env bash
# boot_bench.sh: seconds from qemu start to a booted, provisioned VM, for
# rackboot and for dnsmasq, with the same VM (qemu TCG, 512 MB, virtio-net,
# fixed MAC), kernel, initramfs and loaders, on the same private virtual
# rack, in one run. rackboot generates its loader configs from a host
# declaration (tests/e2e/bootcfg.sh: bootcfg_rackboot_gen, as the e2e test
# does); dnsmasq serves hand-written ones of the same content (bootcfg_path).
#
# Paths (RB_PATHS, default all five; see tests/e2e/test_boot.sh):
#   ipxe-http pxelinux ovmf-syslinux ovmf-grub ovmf-ipxe ovmf-http
# Servers (RB_SERVERS, default "rackboot dnsmasq"):
#   rackboot  af_xdp on the server port, DHCP + TFTP + HTTP; answers router
#             solicitations (server.ipv6_ra, the default)
#   dnsmasq   DHCP + TFTP (dnsmasq 2.90) and busybox httpd for HTTP, on the
#             plain port; sends iPXE 175.176 = 1 like rackboot, and answers
#             router solicitations (enable-ra, SLAAC 2001:2::/64) unless
#             E2E_DNSMASQ_RA=0, without which iPXE waits ≈ 16 s for IPv6
#             autoconfiguration.
# A run is the time to the RACKBOOT-E2E-OK marker on the serial console
# (the initramfs fetched and printed the kickstart file over HTTP). The
# table shows the median of RB_REPS (3) runs, and dnsmasq / rackboot.
# A failed run counts as such and is left out of the median.
# RB_E2E_TIMEOUT (240) bounds each VM. Needs root; results also go to
# results/boot_bench-<date>.txt.
set -uo pipefail
RB_SRC=${RB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
RB_BUILD=${RB_BUILD:-$RB_SRC/build}
[ -x "$RB_BUILD/control/rackboot" ] || { echo "boot_bench.sh: build rackboot first ($RB_BUILD)" >&2; exit 1; }

# shellcheck source=tests/e2e/lib.sh
. "$RB_SRC/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/bootcfg.sh
. "$RB_SRC/tests/e2e/bootcfg.sh"

REPS=${RB_REPS:-3}
PATHS=${RB_PATHS:-"ipxe-http pxelinux ovmf-syslinux ovmf-grub ovmf-ipxe ovmf-http"}
SERVERS=${RB_SERVERS:-"rackboot dnsmasq"}
TIMEOUT=${RB_E2E_TIMEOUT:-240}

e2e_init
trap e2e_cleanup EXIT
e2e_rack_up

declare -A times=() fails=()

one_run() { # server path rep -> appends to times[server,path]
  local s=$1 p=$2 d=$E2E_WORK/$1-$2-$3 ok=1
  mkdir -p "$d"
  case "$s" in
    rackboot) bootcfg_rackboot_gen "$d" "$p"; e2e_rb_start "$d/rackboot-gen.yaml" >/dev/null || ok=0 ;;
    dnsmasq)  bootcfg_path "$p" "$d"; bootcfg_dnsmasq "$d"
              { e2e_dnsmasq_start "$d/dnsmasq.conf" && e2e_httpd_start "$d/repo"; } || ok=0 ;;
  esac
  if [ $ok = 1 ]; then
    e2e_qemu_start "$FW" "$d/serial.log"
    if e2e_wait "$d/serial.log" "$TIMEOUT"; then
      times[$s,$p]="${times[$s,$p]:-} $E2E_SECONDS"
      echo "# $s $p run $3: $E2E_SECONDS s  (${E2E_MILESTONES# })"
    else
      ok=0
      echo "# $s $p run $3: FAILED ($E2E_WHY)"
    fi
    e2e_qemu_stop
  else
    echo "# $s $p run $3: FAILED (server did not start)"
  fi
  [ $ok = 1 ] || fails[$s,$p]=$(( ${fails[$s,$p]:-0} + 1 ))
  e2e_rb_stop
  e2e_peer_stop
  [ -n "${RB_E2E_KEEP:-}" ] || rm -rf "$d"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
  if (NR == 0) { print "-"; exit }
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for rep in $(seq 1 "$REPS"); do
  for p in $PATHS; do
    for s in $SERVERS; do one_run "$s" "$p" "$rep"; done
  done
done

mkdir -p "$RB_SRC/results"
out=$RB_SRC/results/boot_bench-$(date +%Y%m%d-%H%M%S).txt
{
  echo "boot time, s from qemu start to RACKBOOT-E2E-OK (median of $REPS; qemu $E2E_ACCEL, $E2E_MEM MB, $E2E_NIC)"
  printf '%-15s' path; for s in $SERVERS; do printf '%12s' "$s"; done
  [ "$SERVERS" = "rackboot dnsmasq" ] && printf '%18s' "dnsmasq/rackboot"
  echo
  for p in $PATHS; do
    printf '%-15s' "$p"
    declare -A med=()
    for s in $SERVERS; do
      med[$s]=$(echo "${times[$s,$p]:-}" | median)
      f=${fails[$s,$p]:-0}
      printf '%12s' "${med[$s]}$([ "$f" != 0 ] && echo " (${f}F)")"
    done
    if [ "$SERVERS" = "rackboot dnsmasq" ]; then
      awk -v r="${med[rackboot]}" -v d="${med[dnsmasq]}" \
        'BEGIN { if (r + 0 > 0 && d + 0 > 0) printf "%18.2f", d / r; else printf "%18s", "-" }'
    fi
    echo
    unset med
  done
  echo "(nF: n failed runs; dnsmasq RA: ${E2E_DNSMASQ_RA:-1})"
} | tee "$out"
