#!/usr/bin/env bash
# deps.sh: install every Debian 12 package rackboot needs to build, run, test
# and benchmark. Idempotent: does nothing when all are present.
set -euo pipefail

PKGS=(
  # build
  build-essential meson ninja-build pkg-config clang llvm
  libdpdk-dev libnuma-dev libbpf-dev libxdp-dev linux-libc-dev
  libmicrohttpd-dev libsqlite3-dev libyaml-dev libjansson-dev
  # the PostgreSQL lease store (control/leasedb_pg.c)
  libpq-dev
  # rackbootctl's HTTP client and the redfish power driver
  libcurl4-openssl-dev
  # run
  libhugetlbfs-bin iproute2 procps ethtool
  # power control: the ipmi driver runs ipmitool (control/lifecycle/power_ipmi.c)
  ipmitool
  # boot loaders served from the packages' own paths (control/provision/loaders.c)
  # and the Debian installer the default config offers
  pxelinux syslinux-common syslinux-efi ipxe grub-efi-amd64-signed
  debian-installer-12-netboot-amd64
  # tests
  libcmocka-dev curl iputils-ping valgrind jq python3
  # a temporary PostgreSQL server for the shared lease store's tests
  # (scripts/pg_cluster.sh)
  postgresql
  # test_ra.sh: a router solicitation client, and the wire seen from a client
  ndisc6 tcpdump
  # test_power.sh: a simulated BMC (ipmi_sim, IPMI over LAN) for the ipmi
  # driver; openssl makes the fake Redfish BMC's certificate
  openipmi openssl
  # lint (the meson suite "lint")
  shellcheck clang-format
  udhcpc isc-dhcp-client kea-admin dnsmasq-base
  tftp-hpa atftp nftables
  # benchmarks (peers measured in the same run)
  nginx-light kea-dhcp4-server
  # TFTP peers: tftpd-hpa; atftpd conflicts with it, so the TFTP test and
  # benchmark unpack atftpd from its .deb and need only its libraries
  tftpd-hpa libwrap0 libpcre2-8-0
  # benchmarks/run: the seed's own stack (ISC dhcpd + tftp-hpa + Apache
  # httpd) as a peer, and the report's plots
  isc-dhcp-server apache2 gnuplot-nox
  # benchmarks: where each server's time went (dhcp_bench.sh's perf profiles)
  linux-perf
  # e2e (tests/e2e, benchmarks/boot_bench.sh): qemu with SeaBIOS + iPXE ROMs
  # and OVMF, the loaders served (pxelinux, syslinux.efi, ipxe.efi), busybox
  # and cpio for the initramfs, tcpdump for the wire timeline. The kernel and
  # grubnetx64.efi are unpacked from .debs by tests/e2e/initramfs.sh.
  qemu-system-x86 seabios ipxe-qemu ovmf ipxe pxelinux syslinux-common
  syslinux-efi busybox-static cpio tcpdump
  # e2e rack of VMs: the local disk's boot sector (GNU as, ld), the VMs'
  # power driver talks QMP through socat (tests/e2e/vmpower.sh)
  binutils socat
)

# The control process drops root to this user after start-up (server.user,
# docs/security.md); a system user and group, no login, no home made.
service_user() {
  id -u rackboot >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: no user rackboot (the control runs as it); run as root to create it" >&2
    exit 1
  fi
  echo "deps.sh: creating the system user rackboot"
  adduser --system --group --no-create-home --home /var/lib/rackboot \
    --shell /usr/sbin/nologin rackboot >/dev/null
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  service_user
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# The nginx package starts a system nginx where an init system runs; the
# benchmark starts its own, on the rack only.
if command -v nginx >/dev/null && pgrep -x nginx >/dev/null 2>&1 && [ -f /run/nginx.pid ]; then
  nginx -s stop 2>/dev/null || true
fi
# tftpd-hpa comes for the TFTP peer benchmark only; where an init system
# started its daemon on port 69, stop it (the tests start their own, on the rack).
if command -v systemctl >/dev/null && systemctl is-active --quiet tftpd-hpa 2>/dev/null; then
  systemctl disable --now tftpd-hpa || true
fi
# isc-dhcp-server and apache2 come for benchmarks/run only (it starts its
# own, on the rack): where an init system started theirs, stop and disable
# them (a system dhcpd would answer on the host's networks).
if command -v systemctl >/dev/null; then
  for unit in isc-dhcp-server apache2; do
    if systemctl is-active --quiet "$unit" 2>/dev/null || systemctl is-enabled --quiet "$unit" 2>/dev/null; then
      systemctl disable --now "$unit" || true
    fi
  done
fi
service_user
