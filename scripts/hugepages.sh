#!/usr/bin/env bash
# hugepages.sh reserve MB | release
# Reserve 2 MB hugepages for the dataplane with hugeadm (libhugetlbfs-bin).
# `reserve` prints the pool size before the change, so the caller can restore
# it with `restore N`. Exits 1 (and says so) when the kernel could not give
# the pages: the caller then runs with --no-huge.
set -euo pipefail
cmd=${1:-}
nr=/proc/sys/vm/nr_hugepages
case "$cmd" in
  reserve)
    mb=${2:?MB}
    pages=$(( (mb + 1) / 2 + 64 ))   # EAL wants a little beyond -m
    before=$(cat $nr)
    echo "$before"
    if [ "$before" -lt "$pages" ]; then
      hugeadm --pool-pages-min "2MB:$pages" >/dev/null 2>&1 || true
    fi
    free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    if [ "$free" -lt "$pages" ]; then
      echo "hugepages.sh: only $free of $pages 2 MB pages available" >&2
      exit 1
    fi ;;
  restore)
    hugeadm --pool-pages-min "2MB:${2:?N}" >/dev/null 2>&1 || echo "${2}" > $nr ;;
  *) echo "usage: hugepages.sh reserve MB | restore N" >&2; exit 2 ;;
esac
