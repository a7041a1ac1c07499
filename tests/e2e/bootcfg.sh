# bootcfg.sh: what the e2e boot servers serve: the kernel and initramfs from
# initramfs.sh, the loaders, a kickstart-like file and one hand-written
# config per loader family. Sourced by test_boot.sh and
# benchmarks/boot_bench.sh. To test configs rackboot generates instead,
# replace the body of the bootcfg_* function of that family.
#
# Layout: a path's boot tree is DIR/repo (HTTP root) and DIR/tftp (TFTP root).

E2E_KS_PATH=ks/node.cfg
E2E_CMDLINE="console=ttyS0 quiet rb.ks=http://$E2E_SERVER/$E2E_KS_PATH"

# Kernel, initramfs and the kickstart-like file, in both roots.
bootcfg_common() { # dir
  local d=$1
  mkdir -p "$d/repo/ks" "$d/tftp"
  cp "$E2E_CACHE/vmlinuz" "$E2E_CACHE/initrd.gz" "$d/repo/"
  cp "$E2E_CACHE/vmlinuz" "$E2E_CACHE/initrd.gz" "$d/tftp/"
  cat > "$d/repo/$E2E_KS_PATH" <<EOF
# rackboot e2e kickstart
hostname node-e2e01
mac $E2E_MAC
rootpw --plaintext e2e-not-secret
disk /dev/vda
EOF
}

# The lines of the kickstart file that must appear on the serial console.
bootcfg_ks_lines() { grep -v '^#' "$1/repo/$E2E_KS_PATH"; }

# iPXE (ROM or ipxe.efi): the script rackboot's dhcp.boot.ipxe_script points
# at, kernel and initrd over HTTP. initrd= names the initrd for the EFI stub
# when iPXE runs under UEFI (harmless under BIOS). Prints the script's URL.
bootcfg_ipxe() { # dir
  cat > "$1/repo/boot.ipxe" <<EOF
#!ipxe
echo rb-e2e: ipxe script running
kernel http://$E2E_SERVER/vmlinuz initrd=initrd.gz $E2E_CMDLINE
initrd http://$E2E_SERVER/initrd.gz
boot
EOF
  echo "http://$E2E_SERVER/boot.ipxe"
}

# PXELINUX (BIOS) and SYSLINUX.EFI: one pxelinux.cfg/default menu, kernel
# and initrd over TFTP. Which loader binaries go with it is the caller's.
bootcfg_pxelinux() { # dir bios|efi64
  local d=$1/tftp
  mkdir -p "$d/pxelinux.cfg"
  case "$2" in
    bios)  cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$d/" ;;
    efi64) cp /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi /usr/lib/syslinux/modules/efi64/ldlinux.e64 "$d/" ;;
  esac
  cat > "$d/pxelinux.cfg/default" <<EOF
SERIAL 0 115200
DEFAULT e2e
PROMPT 0
TIMEOUT 1
LABEL e2e
  KERNEL vmlinuz
  APPEND initrd=initrd.gz $E2E_CMDLINE
EOF
}

# GRUB (grubnetx64.efi, Debian's signed network image). It asks for its
# config under its built-in prefix; the names it requested on the wire are
# in the timeline: /grub/x86_64-efi/{command,fs,crypto,terminal}.lst, then
# /grub/grub.cfg (prefix /grub, names with a leading slash).
E2E_GRUB_CFGS=${E2E_GRUB_CFGS:-"grub/grub.cfg"}
bootcfg_grub() { # dir
  local d=$1/tftp n
  cp "$E2E_CACHE/grubnetx64.efi" "$d/grubnetx64.efi"
  for n in $E2E_GRUB_CFGS; do
    mkdir -p "$d/$(dirname "$n")"
    cat > "$d/$n" <<EOF
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output serial console
menuentry "rackboot e2e" {
  echo "rb-e2e: grub loading vmlinuz"
  linux (tftp,$E2E_SERVER)/vmlinuz $E2E_CMDLINE
  initrd (tftp,$E2E_SERVER)/initrd.gz
}
EOF
  done
}

bootcfg_ipxe_efi() { # dir
  cp /usr/lib/ipxe/ipxe.efi "$1/tftp/ipxe.efi"
}
