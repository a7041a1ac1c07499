#!/usr/bin/env bash
# vmpower.sh [VM_DIR] ACTION: rackboot's power `command` driver for the e2e
# VMs: a host's `power: {driver: command, command: "<this script> VM_DIR"}`.
# rackboot runs it without a shell, the action appended as the last
# argument, the host in $RACKBOOT_HOST, in an environment of its own (a
# fixed PATH and RACKBOOT_* only): so the VM directory comes as the fixed
# argument (else $RB_VM_DIR). One qemu VM per host, driven through its QMP
# socket; the test declares the VMs (lib.sh's e2e_vm_define), this script
# only turns them on and off.
#
#   on      start the VM in the background unless it runs
#   off     QMP quit, then wait for the qemu process to end (SIGTERM, then
#           SIGKILL, to that PID, if it does not within 10 s)
#   cycle   QMP system_reset when it runs (a reset button), else start it
#   status  print "on" or "off"
# Exit 0 on success; 1 with a message on stderr otherwise.
#
# Files in VM_DIR, per host NAME:
#   NAME.cmd    the VM's qemu command line, one argument a line (read, never
#               evaluated by a shell): `ip netns exec <rack> qemu-system-x86_64
#               ...`, so the VM's tap sits on the rack bridge
#   NAME.log    its serial console, appended across power cycles
#   NAME.pid    qemu's PID (qemu -daemonize -pidfile writes it)
#   NAME.qmp    the QMP socket
#   NAME.power  one line per action: time, action, outcome
#   NAME.err    what qemu printed when it started
#   NAME.lock   held while acting, so calls for one host do not interleave
#               (calls for different hosts run side by side)
#
# Powered off is "qemu is not running": the guest's `poweroff -f` ends qemu
# (no -no-shutdown), so status says off and on/cycle start it afresh, as
# for a real machine. No -no-reboot either: a guest reboot, or QMP
# system_reset, restarts the firmware in the same qemu, which is what a
# power cycle does to a machine that is on.
set -eu

die() { echo "vmpower.sh: ${host:-?}: $*" >&2; exit 1; }
case $# in
  1) dir=${RB_VM_DIR:-} action=$1 ;;
  2) dir=$1 action=$2 ;;
  *) echo "usage: RACKBOOT_HOST=NAME vmpower.sh [VM_DIR] on|off|cycle|status" >&2; exit 1 ;;
esac
host=${RACKBOOT_HOST:-}
case $host in
  '' | *[!A-Za-z0-9._-]* | .*) die "RACKBOOT_HOST must be a host name (letters, digits, . _ -)" ;;
esac
{ [ -n "$dir" ] && [ -d "$dir" ]; } || die "no VM directory (an argument, or RB_VM_DIR)"
cmdf=$dir/$host.cmd pidf=$dir/$host.pid qmpf=$dir/$host.qmp log=$dir/$host.log
[ -f "$cmdf" ] || die "no VM declared for this host ($cmdf missing)"
command -v socat >/dev/null || die "socat missing: run scripts/deps.sh"

trail() { echo "$(date +%s.%N) $action $*" >> "$dir/$host.power"; }

# Sets PID when the host's qemu runs. The PID file alone could name a
# process that reused the number: the process must hold our QMP socket
# on its command line.
PID=
running() {
  local pid
  PID=
  [ -s "$pidf" ] || return 1
  pid=$(cat "$pidf" 2>/dev/null) || return 1
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "unix:$qmpf," || return 1
  PID=$pid
}

gone() { # seconds: until PID has exited
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    kill -0 "$PID" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# One QMP command after the capabilities handshake; succeeds when both got
# a "return" (the greeting has none).
qmp() { # command
  local out
  out=$(printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$1" |
        timeout 10 socat -t 1 - "UNIX-CONNECT:$qmpf" 2>&1) || true
  [ "$(grep -o '"return"' <<<"$out" | wc -l)" -ge 2 ]
}

start() {
  local args=()
  mapfile -t args < "$cmdf"
  [ ${#args[@]} -gt 0 ] || die "$cmdf is empty"
  rm -f "$pidf" "$qmpf"
  # -daemonize: qemu returns once the VM is set up (its PID file written,
  # the QMP socket listening) and detaches from rackboot's process group
  # and from our descriptors; the lock's descriptor is not handed down.
  if ! "${args[@]}" -name "$host" -qmp "unix:$qmpf,server=on,wait=off" \
       -chardev "file,id=con0,path=$log,append=on" -serial chardev:con0 \
       -daemonize -pidfile "$pidf" < /dev/null > "$dir/$host.err" 2>&1 9>&-; then
    die "qemu did not start: $(tail -n 3 "$dir/$host.err" | tr '\n' ' ')"
  fi
  running || die "qemu started but is not running ($(tail -n 3 "$dir/$host.err" | tr '\n' ' '))"
}

exec 9>> "$dir/$host.lock"
flock -w 60 9 || die "another power action on this host holds $dir/$host.lock"

case $action in
  on)
    if running; then trail "already on (pid $PID)"; exit 0; fi
    start
    trail "started (pid $PID)"
    ;;
  off)
    if ! running; then trail "already off"; exit 0; fi
    qmp quit || true
    if ! gone 10; then
      kill -TERM "$PID" 2>/dev/null || true
      gone 5 || { kill -KILL "$PID" 2>/dev/null || true; gone 5 || die "qemu pid $PID does not exit"; }
      trail "stopped by signal (pid $PID)"
    else
      trail "quit (pid $PID)"
    fi
    rm -f "$pidf"
    ;;
  cycle)
    if running; then
      qmp system_reset || die "QMP system_reset failed (pid $PID)"
      trail "reset (pid $PID)"
    else
      start
      trail "was off: started (pid $PID)"
    fi
    ;;
  status)
    if running; then echo on; else echo off; fi
    ;;
  *) die "unknown action '$action' (on, off, cycle, status)" ;;
esac
