#!/usr/bin/env bash
# run.sh [CONFIG]: the README's first command. Installs what is missing,
# builds, reserves hugepages, brings up the virtual rack when the config's
# port is the rack's, and runs rackboot in the foreground with a live status
# line. Ctrl-C stops it and removes everything this script created.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
cfg=${1:-config/rackboot.yaml}
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (DPDK, XDP, namespaces)" >&2; exit 1; }

scripts/deps.sh
scripts/build.sh >/dev/null
# The example repository the default config serves.
mkdir -p /var/lib/rackboot/repo /var/lib/rackboot/tftp
[ -e /var/lib/rackboot/repo/README.txt ] ||
  echo "rackboot install repository: put your distribution tree here" > /var/lib/rackboot/repo/README.txt
build/control/rackboot --check -c "$cfg"     # exits 2 with file:line:column on a bad config

rack_up=0 huge_before=
cleanup() {
  trap - EXIT INT TERM
  [ -n "$huge_before" ] && scripts/hugepages.sh restore "$huge_before"
  [ "$rack_up" = 1 ] && scripts/rack.sh down >/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mem=$(awk '/memory_mb:/ {print $2; exit}' "$cfg"); mem=${mem:-256}
if huge_before=$(scripts/hugepages.sh reserve "$mem"); then
  echo "run.sh: $mem MB of hugepages reserved"
else
  echo "run.sh: WARNING: no hugepages; rackboot falls back to --no-huge (slower)" >&2
fi

iface=$(awk '/^ *interface:/ {print $2; exit}' "$cfg")
netns=()
if [ "$iface" = "${RB_PREFIX:-rb}-srv0" ]; then
  scripts/rack.sh up
  rack_up=1
  netns=(ip netns exec "${RB_PREFIX:-rb}-srv")
  echo "run.sh: add a client with: scripts/rack.sh client c1 198.18.0.10/24; then"
  echo "        ip netns exec ${RB_PREFIX:-rb}-c1 curl http://198.18.0.1/README.txt"
fi
# Not exec: the trap must run after rackboot exits. Ctrl-C reaches rackboot
# (same process group), which stops its dataplane and returns.
"${netns[@]}" "$top/build/control/rackboot" -c "$cfg" || exit   # with rackboot's status
