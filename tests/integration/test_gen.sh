#!/usr/bin/env bash
# test_gen.sh: the generated boot configs, served from memory on top of the
# loaded TFTP tree (no gen-N directory, no image reload for a config change).
#  - at start: pxelinux.cfg/default (the menu) and a host's
#    pxelinux.cfg/01-<mac> over TFTP (tftp-hpa) and HTTP /boot/ agree, and
#    the dataplane logs the publish of the set
#  - a config change (menu timeout, a profile label) and SIGHUP: the new text
#    over both, while a 4 MiB TFTP transfer at blksize 512 started before the
#    SIGHUP (its client paused until after the publish) finishes
#    byte-identical; the dataplane logs the set it applied
#  - a bad config on SIGHUP: the previous set keeps serving over both
#  - /metrics: the set's files and publishes; nothing under /run/rackboot/<pid>
# Needs root. Uses its own namespace prefix so it never touches a running rack.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_gen.sh ip curl tftp atftp cmp timeout

export RB_PREFIX=rbg$$ # rbg: this test
P=$RB_PREFIX
SRV_IP=198.18.0.1
HOST_MAC=52:54:00:6e:00:01
HOST_CFG=pxelinux.cfg/01-52-54-00-6e-00-01
work=$(rb_workdir gen)
tftp_root=$work/tftp
pass=0 fail=0 big_pid=

cleanup() {
  [ -n "$big_pid" ] && kill_wait "$big_pid"
  [ -n "$srv_pid" ] && kill_wait "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tftp_root" "$work/repo" "$work/out"
head -c 1000 /dev/urandom > "$tftp_root/vmlinuz"
head -c 1000 /dev/urandom > "$tftp_root/initrd.gz"
head -c $((4 << 20)) /dev/urandom > "$tftp_root/fbig" # 8193 blocks of 512
chmod -R a+rX "$work"

# write_cfg TIMEOUT LABEL: the config, with a menu and one known host.
write_cfg() {
  { rb_yaml_base "$SRV_IP/24" "$work/repo" "$tftp_root"
    printf '  port: 69\n  session_ports: 61000-65535\n'
    cat <<YAML
boot:
  menu: {timeout: $1, default: inst}
  bios: pxelinux
  efi: grub
profiles:
  inst:
    label: $2
    kernel: vmlinuz
    initrd: [initrd.gz]
    cmdline: "console=ttyS0"
  local: {label: Boot from local drive, localboot: true}
hosts:
  - name: node01
    mac: $HOST_MAC
    profile: inst
YAML
  } > "$work/rb.yaml"
}

# tftp_get NAME OUT: tftp-hpa from c1, lockstep 512; success only without an error.
tftp_get() {
  rm -f "$2"
  in_ns c1 timeout 20 tftp "$SRV_IP" -m binary -c get "$1" "$2" > "$work/tftp.log" 2>&1 &&
    ! grep -qE 'Error code|timed out' "$work/tftp.log" && [ -f "$2" ]
}
http_get() { in_ns c1 curl -sf --max-time 10 -o "$2" "http://$SRV_IP/boot/$1"; }

# same_both NAME: TFTP and HTTP serve NAME with the same bytes (in
# $work/out/tftp and $work/out/http).
same_both() {
  tftp_get "$1" "$work/out/tftp" && http_get "$1" "$work/out/http" &&
    cmp -s "$work/out/tftp" "$work/out/http"
}
# shows NAME TEXT...: over TFTP and HTTP, NAME holds every TEXT.
shows() {
  local name=$1 t; shift
  same_both "$name" || return 1
  for t in "$@"; do grep -qF -- "$t" "$work/out/tftp" || return 1; done
}
lacks() { ! grep -qF -- "$1" "$work/out/tftp" && ! grep -qF -- "$1" "$work/out/http"; }
# eventually SECS CMD...: CMD succeeds within SECS (tried every 0.5 s).
eventually() {
  local i n=$(($1 * 2)); shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.5; done
  return 1
}
publish_lines() { grep -c "generated files: $1 file(s)" "$work/srv.log" || true; }
more_publish_lines() { [ "$(publish_lines "$1")" -gt "$2" ]; } # files, lines before
pub_is() { [ "$(metric rackboot_dp_tftp_gen_published_total)" = "$1" ]; }

"$RACK" up >/dev/null
"$RACK" client c1 198.18.0.10/24 >/dev/null
"$RACK" client c2 198.18.0.11/24 >/dev/null
write_cfg 5 "Install v1"
"$RB" -c "$work/rb.yaml" --check > "$work/check.log" 2>&1 ||
  { sed 's/^/# /' "$work/check.log"; bail "the test's config is refused"; }
rb_start "$work/rb.yaml" "$work/srv.log" || bail "rackboot did not start"

# --- at start ------------------------------------------------------------------
nfiles=$(metric rackboot_dp_tftp_gen_files)
check "the dataplane serves the generated set ($nfiles files)" [ "${nfiles:-0}" -ge 4 ]
check "the dataplane logged its publish" \
  eventually 5 grep -q "generated files: $nfiles file(s), [0-9]* bytes published as generation" "$work/srv.log"
check "menu over TFTP and HTTP: the same, label and timeout" \
  shows pxelinux.cfg/default "Install v1" "TIMEOUT 50"
check "the host's own config over TFTP and HTTP: the same" shows "$HOST_CFG" "Install v1"
check "a loader from its package is still served" tftp_get pxelinux.0 "$work/out/pxe"
check "... byte-identical" cmp -s "$work/out/pxe" /usr/lib/PXELINUX/pxelinux.0
check "no generated directory under /run/rackboot" [ ! -e "/run/rackboot/$srv_pid" ]

# --- a change, SIGHUP, a long transfer under way --------------------------------
# ip netns exec execs atftp, so $! is atftp itself. It is paused once its
# first blocks have arrived and resumed after the publish: its transfer
# certainly spans it (the server retransmits meanwhile; a session is given
# up only after 15 s without progress).
n0=$(publish_lines "$nfiles")
pub0=$(metric rackboot_dp_tftp_gen_published_total)
ip netns exec "$P-c2" atftp --get -r fbig -l "$work/out/fbig" --tftp-timeout 1 "$SRV_IP" \
  > "$work/big.log" 2>&1 &
big_pid=$!
for _ in $(seq 1 1000); do [ -s "$work/out/fbig" ] && break; sleep 0.01; done
kill -STOP "$big_pid"
got=$(stat -c %s "$work/out/fbig" 2>/dev/null || echo 0)
check "a 4 MiB transfer at blksize 512 is under way ($got bytes so far)" \
  bash -c "[ $got -gt 0 ] && [ $got -lt $((4 << 20)) ]"
write_cfg 7 "Install v2"
kill -HUP "$srv_pid"
check "after SIGHUP the menu shows the new label and timeout over TFTP and HTTP" \
  eventually 15 shows pxelinux.cfg/default "Install v2" "TIMEOUT 70"
check "... and not the old ones" lacks "Install v1"
check "the host's config too" eventually 5 shows "$HOST_CFG" "Install v2"
check "the dataplane logged the set it applied on the reloaded tree" \
  eventually 5 more_publish_lines "$nfiles" "$n0"
check "... on the reload's own line" \
  grep -q "tftp reload: generation .*generated files: $nfiles file(s)" "$work/srv.log"
check "one more set published ($pub0 before)" eventually 5 pub_is $((pub0 + 1))
kill -CONT "$big_pid"
big_done() { ! kill -0 "$big_pid" 2>/dev/null; }
eventually 60 big_done
wait "$big_pid"; big_rc=$?; big_pid=
check "the transfer paused across the publish finished identical (exit $big_rc)" \
  bash -c "[ $big_rc = 0 ] && cmp -s '$work/out/fbig' '$tftp_root/fbig'"

# --- a bad config: the previous set stays ----------------------------------------
cp "$work/rb.yaml" "$work/rb.good"
echo "profiles: [not, a, mapping]" >> "$work/rb.yaml"
kill -HUP "$srv_pid"
check "a bad config is refused on SIGHUP" \
  eventually 10 grep -q "reload: .*keeping the previous configuration" "$work/srv.log"
check "... the previous menu keeps serving over TFTP and HTTP" \
  eventually 10 shows pxelinux.cfg/default "Install v2" "TIMEOUT 70"
check "rackboot is still running" kill -0 "$srv_pid"

# --- stop ------------------------------------------------------------------------
rb_stop "$srv_pid"; rc=$?; srv_pid=
check "rackboot stops cleanly (status $rc)" [ "$rc" = 0 ]

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
