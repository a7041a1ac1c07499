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
# never installed. What comes from them (kernel, modules in dependency
# order, GRUB) is kept in CACHE_DIR/base, keyed by the kernel package's
# version and the module list only: a change to /init rebuilds the initrd
# without downloading anything. A cache from before base/ existed gives its
# kernel and modules to base/ when its kernel package version matches.
#
# /init (console on ttyS0): mounts proc/sys/dev, insmods the NIC drivers in
# dependency order (Debian 12's .ko files are uncompressed; virtio_pci,
# virtio_net and e1000 are modules, not built in), brings the first NIC up
# with udhcpc and fetches the URL in rb.ks= from /proc/cmdline with wget.
# Then, by rb.mode= on the kernel command line:
#   (none)     prints the file between RACKBOOT-E2E-KS-BEGIN / -END, then
#              RACKBOOT-E2E-OK. Any failure prints RACKBOOT-E2E-FAIL <reason>.
#   installer  an installer's life in short: prints "RB-KS-FETCHED <bytes>"
#              (or "RB-KS-FAILED <wget error>") and the kickstart's lines that
#              start with "# rb-var:"; fetches every URL named by a
#              "# rackboot-fetch: <URL>" line ("RB-FETCH <URL> <bytes>" or
#              "RB-FETCH <URL> failed: <error>"), as an installer downloads
#              packages; then the URL of the first "# rackboot-callback: <URL>"
#              line, as an installer reports its end: "RB-CALLBACK ok", or
#              "RB-CALLBACK <wget error>", or "RB-CALLBACK none" without such a
#              line; then "RB-INSTALLER-DONE".
# Both end with `poweroff -f`: the VM's qemu exits, and only a power cycle
# boots it again.
set -euo pipefail

CACHE=${1:-${RB_E2E_CACHE:-/var/cache/rackboot-e2e}}
die() { echo "initramfs.sh: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg-deb cpio gzip sha256sum; do
  command -v $t >/dev/null || die "$t missing: run scripts/deps.sh"
done
if ! { [ -x /bin/busybox ] && /bin/busybox --list | grep -qx udhcpc; }; then
  die "busybox-static missing (/bin/busybox with udhcpc): run scripts/deps.sh"
fi
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

B=$CACHE/base
base_stamp="$kpkg $kver_pkg modules: ${MODULES[*]}"
base_ok() {
  [ "$(cat "$B/stamp" 2>/dev/null)" = "$base_stamp" ] && [ -s "$B/vmlinuz" ] &&
    [ -s "$B/grubnetx64.efi" ] && [ -s "$B/kver" ] && [ -s "$B/modules/order" ]
}

# base/ from the packages: kernel, GRUB, and the modules in dependency order.
base_download() {
  local nb=$tmp/base kver moddir m
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
  mkdir -p "$nb/modules"
  for m in "${order[@]}"; do cp "$(modfile "$m")" "$nb/modules/$m.ko"; done
  printf '%s\n' "${order[@]}" > "$nb/modules/order"
  cp "$tmp/k/boot/vmlinuz-$kver" "$nb/vmlinuz"
  cp "$tmp/g/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" "$nb/grubnetx64.efi"
  echo "$kver" > "$nb/kver"
}

# base/ from a cache built before base/ existed, for the same kernel package:
# its kernel and GRUB, and the modules inside its initrd (every one asked for).
base_from_old_cache() {
  local nb=$tmp/base old=$tmp/old m
  [ "$(cut -d' ' -f2- "$CACHE/stamp" 2>/dev/null)" = "$kpkg $kver_pkg" ] || return 1
  [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/initrd.gz" ] && [ -s "$CACHE/grubnetx64.efi" ] &&
    [ -s "$CACHE/kver" ] || return 1
  mkdir -p "$old" "$nb/modules"
  (cd "$old" && gzip -dc "$CACHE/initrd.gz" | cpio -id --quiet 'lib/modules/*') || return 1
  [ -s "$old/lib/modules/order" ] || return 1
  for m in "${MODULES[@]}"; do grep -qx "$m" "$old/lib/modules/order" || return 1; done
  while read -r m; do cp "$old/lib/modules/$m.ko" "$nb/modules/" || return 1; done < "$old/lib/modules/order"
  cp "$old/lib/modules/order" "$nb/modules/order"
  cp "$CACHE/vmlinuz" "$CACHE/grubnetx64.efi" "$CACHE/kver" "$nb/"
  echo "initramfs.sh: kernel and modules taken from the previous cache ($kpkg $kver_pkg)"
}

if ! base_ok; then
  rm -rf "$tmp/base"
  base_from_old_cache || { rm -rf "$tmp/base"; base_download; }
  echo "$base_stamp" > "$tmp/base/stamp"
  rm -rf "$B"
  mv "$tmp/base" "$B"
fi
kver=$(cat "$B/kver")
mapfile -t order < "$B/modules/order"

r=$tmp/root
mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,lib/modules}
cp /bin/busybox "$r/bin/busybox"
cp "$B"/modules/* "$r/lib/modules/"
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
ks= mode=
for w in $(cat /proc/cmdline); do
  case "$w" in
    rb.ks=*) ks=${w#rb.ks=} ;;
    rb.mode=*) mode=${w#rb.mode=} ;;
  esac
done
[ -n "$ks" ] || fail "no rb.ks= on the kernel command line"

# get URL FILE: wget bounded in time (busybox 1.35, Debian 12's, segfaults
# with -T). Prints nothing and succeeds, or prints why it failed on one line.
get() {
  local out rc
  out=$(timeout 30 wget -q -O "$2" "$1" 2>&1); rc=$?
  [ $rc = 0 ] && return 0
  out=$(echo "$out" | tr '\r\n' '  ' | sed 's/^wget: //; s/  *$//')
  case $rc in 124|143) out="timed out after 30 s${out:+ ($out)}" ;; esac
  echo "${out:-wget exited with status $rc}"
  return 1
}

installer() {
  local why u n=0 cb
  echo "rb-e2e: installer: fetching $ks at $(up) s"
  if ! why=$(get "$ks" /tmp/ks); then
    echo "RB-KS-FAILED $why"
  else
    echo "RB-KS-FETCHED $(wc -c < /tmp/ks)"
    grep '^# rb-var:' /tmp/ks
    for u in $(sed -n 's/^# rackboot-fetch: *//p' /tmp/ks | tr -d '\r'); do
      n=$((n + 1))
      if why=$(get "$u" /tmp/pkg); then
        echo "RB-FETCH $u $(wc -c < /tmp/pkg)"
      else
        echo "RB-FETCH $u failed: $why"
      fi
      rm -f /tmp/pkg
    done
    cb=$(sed -n 's/^# rackboot-callback: *//p' /tmp/ks | tr -d '\r' | head -n 1)
    if [ -z "$cb" ]; then
      echo "RB-CALLBACK none"
    elif why=$(get "$cb" /tmp/cb); then
      echo "RB-CALLBACK ok"
    else
      echo "RB-CALLBACK $why"
    fi
  fi
  echo "RB-INSTALLER-DONE at $(up) s uptime"
  sync
  poweroff -f
  sleep 10
}
[ "$mode" = installer ] && installer
[ -z "$mode" ] || fail "unknown rb.mode=$mode"

echo "rb-e2e: fetching $ks at $(up) s"
why=$(get "$ks" /tmp/ks) || fail "wget $ks: $why"
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
cp "$B/vmlinuz" "$CACHE/vmlinuz.new"
cp "$B/grubnetx64.efi" "$CACHE/grubnetx64.efi.new"
for f in initrd.gz vmlinuz grubnetx64.efi; do mv "$CACHE/$f.new" "$CACHE/$f"; done
echo "$kver" > "$CACHE/kver"
echo "$stamp" > "$CACHE/stamp"
echo "initramfs.sh: built $CACHE: kernel $kver, modules ${order[*]}," \
  "initrd $(stat -c %s "$CACHE/initrd.gz") bytes"
