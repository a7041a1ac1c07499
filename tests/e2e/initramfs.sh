#!/usr/bin/env bash
# initramfs.sh [CACHE_DIR]: the e2e VMs' kernel, initramfs and the boot
# loaders that are not installed as files by scripts/deps.sh.
#
# Into CACHE_DIR (default $RB_E2E_CACHE or /var/cache/rackboot-e2e), reused
# while the stamp (this script's sha256 + the kernel package version) holds:
#   vmlinuz            Debian 12's kernel (linux-image-amd64's dependency)
#   initrd.gz          busybox-static + NIC modules + /init (below), cpio.gz
#   grubnetx64.efi     grub-efi-amd64-signed's signed network GRUB
#   kver               the kernel version
# The .debs are fetched with apt-get download and unpacked with dpkg-deb -x,
# never installed.
#
# /init (console on ttyS0): mounts proc/sys/dev, insmods the NIC drivers in
# dependency order (Debian 12's .ko files are uncompressed; virtio_pci,
# virtio_net and e1000 are modules, not built in), brings the first NIC up
# with udhcpc, fetches the URL in rb.ks= from /proc/cmdline with wget,
# prints it between RACKBOOT-E2E-KS-BEGIN / RACKBOOT-E2E-KS-END, prints
# RACKBOOT-E2E-OK and powers off. Any failure prints RACKBOOT-E2E-FAIL <reason>.
set -euo pipefail

CACHE=${1:-${RB_E2E_CACHE:-/var/cache/rackboot-e2e}}
die() { echo "initramfs.sh: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg-deb cpio gzip sha256sum; do
  command -v $t >/dev/null || die "$t missing: run scripts/deps.sh"
done
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx udhcpc ||
  die "busybox-static missing (/bin/busybox with udhcpc): run scripts/deps.sh"
file /bin/busybox 2>/dev/null | grep -q dynamically &&
  die "/bin/busybox is dynamically linked: install busybox-static (scripts/deps.sh)"

# Modules the VM needs, by name; their dependencies are added below.
MODULES=(virtio_pci virtio_net e1000)

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64's kernel package (apt-get update?)"
kver_pkg=$(apt-cache policy "$kpkg" | awk '/Candidate:/{print $2}')
stamp="$(sha256sum "$0" | cut -c1-16) $kpkg $kver_pkg"
if [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$stamp" ] &&
   [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/initrd.gz" ] && [ -s "$CACHE/grubnetx64.efi" ]; then
  echo "initramfs.sh: cached in $CACHE ($stamp)"
  exit 0
fi

mkdir -p "$CACHE"
tmp=$(mktemp -d /tmp/rackboot-e2e-initramfs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"   # apt-get download runs as _apt where it can
(cd "$tmp" && apt-get download -q "$kpkg" grub-efi-amd64-signed >/dev/null 2>"$tmp/apt.err") ||
  { cat "$tmp/apt.err" >&2; die "apt-get download $kpkg grub-efi-amd64-signed failed"; }
dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/k"
dpkg-deb -x "$tmp"/grub-efi-amd64-signed_*.deb "$tmp/g"
kver=$(ls "$tmp/k/lib/modules")
moddir=$tmp/k/lib/modules/$kver

# Dependency order from each module's .modinfo "depends=" (no depmod data
# is shipped in the .deb; modules.dep is made by its postinst).
declare -A done_=()
order=()
modfile() { find "$moddir/kernel" -name "$1.ko" -print -quit; }
add_mod() {
  local m=$1 f d
  [ -n "${done_[$m]:-}" ] && return 0
  f=$(modfile "$m")
  if [ -z "$f" ]; then
    grep -q "/$m.ko\$" "$moddir/modules.builtin" && { done_[$m]=builtin; return 0; }
    find "$moddir/kernel" -name "$m.ko.*" | grep -q . && die "$m.ko is compressed: unpack support needed"
    die "module $m not found in $kpkg"
  fi
  done_[$m]=1
  for d in $(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do add_mod "$d"; done
  order+=("$m")
}
for m in "${MODULES[@]}"; do add_mod "$m"; done

r=$tmp/root
mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,lib/modules}
cp /bin/busybox "$r/bin/busybox"
for m in "${order[@]}"; do cp "$(modfile "$m")" "$r/lib/modules/$m.ko"; done
printf '%s\n' "${order[@]}" > "$r/lib/modules/order"
mknod -m 600 "$r/dev/console" c 5 1 2>/dev/null || true

cat > "$r/udhcpc.script" <<'EOF'
#!/bin/busybox sh
# busybox udhcpc hook: address, routes, resolver.
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "rb-e2e: dhcp $interface $ip/${mask:-24} router=${router:-} server=${serverid:-} boot_file=${boot_file:-}"
    ;;
esac
exit 0
EOF

cat > "$r/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
exec >/dev/console 2>&1 </dev/console
up() { cut -d' ' -f1 /proc/uptime; }
fail() { echo "RACKBOOT-E2E-FAIL $*"; sync; poweroff -f; sleep 10; }
echo "rb-e2e: init at $(up) s uptime"
for m in $(cat /lib/modules/order); do
  insmod /lib/modules/$m.ko || fail "insmod $m"
done
nic=
for _ in $(seq 1 50); do
  for n in /sys/class/net/*; do
    n=${n##*/}; [ "$n" = lo ] && continue; nic=$n; break
  done
  [ -n "$nic" ] && break
  sleep 0.1
done
[ -n "$nic" ] || fail "no network interface after insmod ($(cat /lib/modules/order | tr '\n' ' '))"
ip link set lo up
ip link set "$nic" up
echo "rb-e2e: $nic $(cat /sys/class/net/$nic/address) up at $(up) s"
udhcpc -i "$nic" -f -q -n -t 6 -T 2 -s /udhcpc.script || fail "udhcpc on $nic got no lease"
ks=
for w in $(cat /proc/cmdline); do
  case "$w" in rb.ks=*) ks=${w#rb.ks=} ;; esac
done
[ -n "$ks" ] || fail "no rb.ks= on the kernel command line"
echo "rb-e2e: fetching $ks at $(up) s"
# busybox 1.35 (Debian 12) wget segfaults with -T: bound it with timeout
timeout 20 wget -q -O /tmp/ks "$ks" || fail "wget $ks"
echo "RACKBOOT-E2E-KS-BEGIN"
cat /tmp/ks
echo "RACKBOOT-E2E-KS-END"
echo "RACKBOOT-E2E-OK at $(up) s uptime"
sync
poweroff -f
sleep 10
EOF
chmod 755 "$r/init" "$r/udhcpc.script"

(cd "$r" && find . | cpio -o -H newc --quiet | gzip -9) > "$CACHE/initrd.gz.new"
cp "$tmp/k/boot/vmlinuz-$kver" "$CACHE/vmlinuz.new"
cp "$tmp/g/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" "$CACHE/grubnetx64.efi.new"
for f in initrd.gz vmlinuz grubnetx64.efi; do mv "$CACHE/$f.new" "$CACHE/$f"; done
echo "$kver" > "$CACHE/kver"
echo "$stamp" > "$CACHE/stamp"
echo "initramfs.sh: built $CACHE: kernel $kver, modules ${order[*]}," \
  "initrd $(stat -c %s "$CACHE/initrd.gz") bytes"
