# shellcheck shell=bash
# shellcheck disable=SC2034  # sets FW, BOOT_* for its callers
# bootcfg.sh: what the e2e boot servers serve. rackboot: a host
# declaration from which it generates everything (bootcfg_rackboot_gen).
# The peer (dnsmasq, for benchmarks/boot_bench.sh): the kernel and
# initramfs from initramfs.sh, the loaders, a kickstart-like file and one
# hand-written config per loader family, of the same content. Sourced by
# test_boot.sh and benchmarks/boot_bench.sh.
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

# A path's boot tree in DIR, and what its server must hand out: sets FW
# (seabios|ovmf|ovmf-http), BOOT_BIOS, BOOT_EFI64, BOOT_HTTP (the URL for
# UEFI HTTP Boot, arch 16) and BOOT_SCRIPT ("" for none).
bootcfg_path() { # path dir
  local d=$2
  bootcfg_common "$d"
  BOOT_BIOS='' BOOT_EFI64='' BOOT_SCRIPT='' BOOT_HTTP=''
  case "$1" in
    ipxe-http)     FW=seabios; BOOT_SCRIPT=$(bootcfg_ipxe "$d") ;;
    pxelinux)      FW=seabios; bootcfg_pxelinux "$d" bios; BOOT_BIOS=pxelinux.0 ;;
    ovmf-syslinux) FW=ovmf; bootcfg_pxelinux "$d" efi64; BOOT_EFI64=syslinux.efi ;;
    ovmf-grub)     FW=ovmf; bootcfg_grub "$d"; BOOT_EFI64=grubnetx64.efi ;;
    ovmf-ipxe)     FW=ovmf; bootcfg_ipxe_efi "$d"; BOOT_EFI64=ipxe.efi
                   BOOT_SCRIPT=$(bootcfg_ipxe "$d") ;;
    ovmf-http)     FW=ovmf-http; cp /usr/lib/ipxe/ipxe.efi "$d/repo/ipxe.efi"
                   BOOT_HTTP=http://$E2E_SERVER/ipxe.efi; BOOT_SCRIPT=$(bootcfg_ipxe "$d") ;;
    *) e2e_die "unknown path '$1'" ;;
  esac
}

# The sections every generated rackboot config starts with: server, port,
# dataplane, http (root DIR/repo), tftp (root DIR/tftp) and dhcp (a pool,
# the database in DIR); the caller adds boot, profiles and hosts.
bootcfg_rb_head() { # dir
  e2e_rb_yaml_base "$1/repo" "$1/tftp"
  cat <<YAML
dhcp:
  mode: server
  database: $1/leases.db
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.250
      routers: [$E2E_SERVER]
YAML
}

# rackboot with nothing hand-written: DIR/rackboot-gen.yaml declares the VM
# as a host with a profile, and rackboot generates every loader config
# (pxelinux.cfg, grub.cfg, iPXE scripts), serves the loaders from Debian's
# packages and renders the kickstart template per host at /t/ks.cfg. The
# tree holds only the kernel, the initramfs and the template; the lines
# the VM must print are in DIR/ks.expected. Sets FW for the path.
E2E_HOST_IP=198.18.0.50
bootcfg_rackboot_gen() { # dir path
  local d=$1 bios=pxelinux efi=grub loader=any
  mkdir -p "$d/repo" "$d/tftp"
  cp "$E2E_CACHE/vmlinuz" "$E2E_CACHE/initrd.gz" "$d/tftp/"
  case "$2" in
    ipxe-http)     FW=seabios ;;
    pxelinux)      FW=seabios; loader=pxelinux ;;
    ovmf-syslinux) FW=ovmf; efi=syslinux ;;
    ovmf-grub)     FW=ovmf; efi=grub ;;
    ovmf-ipxe)     FW=ovmf; efi=ipxe ;;
    ovmf-http)     FW=ovmf-http ;;
    *) e2e_die "unknown path '$2'" ;;
  esac
  cat > "$d/ks.tpl" <<'TPL'
# rackboot e2e kickstart, rendered for {{hostname}}
hostname {{hostname}}
mac {{mac}}
ip {{ip}}
server {{server}}
gateway {{gateway}}
disk {{disk}}
profile {{profile}}
TPL
  cat > "$d/ks.expected" <<EXP
hostname node-e2e01
mac $E2E_MAC
ip $E2E_HOST_IP
server $E2E_SERVER
gateway $E2E_SERVER
disk /dev/vda
profile e2e
EXP
  {
    bootcfg_rb_head "$d"
    cat <<YAML
boot:
  menu: {timeout: 5, default: local}
  bios: $bios
  efi: $efi
profiles:
  e2e:
    label: rackboot e2e
    loader: $loader
    kernel: vmlinuz
    initrd: [initrd.gz]
    cmdline: "console=ttyS0 quiet rb.ks={{http}}/t/ks.cfg"
    templates: {ks.cfg: ks.tpl}
    vars: {disk: /dev/sda}
  local: {label: Boot from local drive, localboot: true}
hosts:
  - name: node-e2e01
    mac: $E2E_MAC
    address: $E2E_HOST_IP
    profile: e2e
    vars: {disk: /dev/vda}
YAML
  } > "$d/rackboot-gen.yaml"
}

# The peer's config, DIR/dnsmasq.conf: DHCP + TFTP handing out the same
# files. Like rackboot it sends iPXE 175.176 = 1 (no proxyDHCP wait).
# E2E_DNSMASQ_RA=1 (default) also answers router solicitations (enable-ra,
# SLAAC prefix 2001:2::/64, the IPv6 benchmarking range), which ends iPXE's
# wait for IPv6 autoconfiguration; rackboot does not send RAs.
bootcfg_dnsmasq() { # dir
  local ifc=$P-srv0
  {
    cat <<EOF
port=0
interface=$ifc
bind-interfaces
dhcp-authoritative
dhcp-range=198.18.0.100,198.18.0.250,255.255.255.0,1h
dhcp-option=option:router,$E2E_SERVER
dhcp-leasefile=$1/dnsmasq.leases
enable-tftp
tftp-root=$1/tftp
dhcp-userclass=set:ipxe,iPXE
dhcp-option=tag:ipxe,encap:175,176,1b
dhcp-match=set:efi64,option:client-arch,7
dhcp-match=set:efi64,option:client-arch,9
EOF
    # UEFI HTTP Boot: the URL as the boot file, and option 60 "HTTPClient"
    # in the reply, without which EDK2 ignores the offer.
    if [ -n "$BOOT_HTTP" ]; then
      echo "dhcp-match=set:efihttp,option:client-arch,16"
      echo "dhcp-option-force=tag:efihttp,60,HTTPClient"
      echo "dhcp-boot=tag:efihttp,tag:!ipxe,$BOOT_HTTP"
    fi
    [ -n "$BOOT_SCRIPT" ] && echo "dhcp-boot=tag:ipxe,$BOOT_SCRIPT"
    [ -n "$BOOT_EFI64" ] && echo "dhcp-boot=tag:!ipxe,tag:efi64,$BOOT_EFI64"
    [ -n "$BOOT_BIOS" ] && echo "dhcp-boot=tag:!ipxe,tag:!efi64,$BOOT_BIOS"
    # iPXE loads the BIOS boot file itself when no script is configured.
    [ -n "$BOOT_BIOS" ] && [ -z "$BOOT_SCRIPT" ] && echo "dhcp-boot=tag:ipxe,tag:!efi64,$BOOT_BIOS"
    if [ "${E2E_DNSMASQ_RA:-1}" = 1 ]; then
      echo "enable-ra"
      echo "dhcp-range=::,constructor:$ifc,ra-only"
    fi
  } > "$1/dnsmasq.conf"
}

# --- reinstalling hosts (test_reinstall.sh, test_reinstall_fail.sh) --------
# The installer tree in DIR: the kernel and the initramfs (booted with
# rb.mode=installer, initramfs.sh), "repository" files under DIR/repo/pool
# that every kickstart names for download, and the kickstart templates:
#   ks.tpl       the host's own values on "# rb-var:" lines, two downloads,
#                and the callback, as an installer ends
#   ks-nocb.tpl  the same without the callback: an installer that never
#                reports back
# Hosts using them set the variable slot. bootcfg_installer_var_line NAME
# MAC IP SLOT PROFILE prints the "# rb-var:" line such a host must print.
bootcfg_installer_tree() { # dir
  local d=$1
  mkdir -p "$d/repo/pool" "$d/tftp"
  cp "$E2E_CACHE/vmlinuz" "$E2E_CACHE/initrd.gz" "$d/tftp/"
  head -c 1500000 /dev/zero > "$d/repo/pool/e2e-base.deb"
  head -c 300000 /dev/zero > "$d/repo/pool/e2e-tools.deb"
  cat > "$d/ks.tpl" <<'TPL'
# rackboot e2e installer kickstart, rendered for {{hostname}}
# rb-var: name={{name}} mac={{mac}} ip={{ip}} slot={{slot}} profile={{profile}}
# rackboot-fetch: {{http}}/pool/e2e-base.deb
# rackboot-fetch: {{http}}/pool/e2e-tools.deb
# rackboot-callback: {{callback_url}}
TPL
  grep -v '^# rackboot-callback:' "$d/ks.tpl" > "$d/ks-nocb.tpl"
}
bootcfg_installer_var_line() { # name mac ip slot profile
  echo "# rb-var: name=$1 mac=$2 ip=$3 slot=$4 profile=$5"
}

# The installer profiles (a `profiles:` section), all `install: true`:
#   inst-ipxe      kernel and initrd over HTTP from the host's iPXE script
#   inst-pxelinux  the same through pxelinux.0 (loader: pxelinux)
#   inst-nocb      iPXE, the kickstart without the callback
#   inst-big       a 32 MB "kernel" (DIR/tftp/vmlinuz-big, written here) for
#                  a UEFI host, which GRUB reads over TFTP: long enough a
#                  transfer to cut in the middle
bootcfg_installer_profiles() { # dir
  local name kernel loader tpl
  truncate -s 32M "$1/tftp/vmlinuz-big"
  echo "profiles:"
  while read -r name kernel loader tpl; do
    cat <<YAML
  $name:
    label: e2e installer ($name)
    install: true
    loader: $loader
    kernel: $kernel
    initrd: [initrd.gz]
    cmdline: "console=ttyS0 quiet rb.mode=installer rb.ks={{http}}/t/ks.cfg?mac={{mac}}"
    templates: {ks.cfg: $tpl}
YAML
  done <<EOF
inst-ipxe vmlinuz any ks.tpl
inst-pxelinux vmlinuz pxelinux ks.tpl
inst-nocb vmlinuz any ks-nocb.tpl
inst-big vmlinuz-big any ks.tpl
EOF
}
