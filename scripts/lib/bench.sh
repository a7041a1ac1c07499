# shellcheck shell=bash
# shellcheck disable=SC2034 # RB_SRV_CG is read by srv_exec (scripts/lib/rack.sh)
# scripts/lib/bench.sh: what the benchmarks (benchmarks/) share to measure
# a server: the box's busy time, the server's CPU time from a cgroup of its
# own, its processes' resident memory, a median. Sourced after
# scripts/lib/rack.sh (whose srv_exec puts every server it starts into
# RB_SRV_CG):
#
#   . scripts/lib/rack.sh; . scripts/lib/bench.sh
#   srv_cg_setup "$P-srv"      # before starting servers; srv_cg_remove at exit

# Busy ticks of the whole box, all cores (everything but idle and iowait).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# median: of the numbers on stdin, one a line; nothing for no input.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# srv_cg_setup NAME: a cgroup NAME for the servers (cgroup v2, else v1's
# cpuacct); sets CG (its directory, '' without one), CGK (v2|v1|'') and
# RB_SRV_CG, so threads and forked children of every server started with
# srv_exec count. Kernel work done in softirq context (forwarding on the
# rack bridge) is charged to no one.
srv_cg_setup() {
  CG='' CGK=''
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then CG=/sys/fs/cgroup/$1 CGK=v2
  elif [ -d /sys/fs/cgroup/cpuacct ]; then CG=/sys/fs/cgroup/cpuacct/$1 CGK=v1; fi
  [ -z "$CG" ] || mkdir -p "$CG" 2>/dev/null || CG='' CGK=''
  RB_SRV_CG=$CG
}
# srv_cg_remove: remove the cgroup (stop the servers first). Up to 5 s:
# killed orphans stay in it as zombies until init reaps them.
srv_cg_remove() {
  local _
  [ -n "${CG:-}" ] && [ -d "$CG" ] || return 0
  for _ in $(seq 1 25); do rmdir "$CG" 2>/dev/null && return 0; sleep 0.2; done
  echo "cgroup $CG not removed: $(wc -l < "$CG/cgroup.procs") processes left in it" >&2
}

# srv_cpu: microseconds of CPU used in the cgroup so far (0 without one).
srv_cpu() {
  case ${CGK:-} in
    v2) awk '$1 == "usage_usec" { print $2 }' "$CG/cpu.stat" ;;
    v1) echo $(( $(cat "$CG/cpuacct.usage") / 1000 )) ;;
    *) echo 0 ;;
  esac
}

# srv_mem: one line per process in the cgroup: "PID COMM RSS_KB ANON_KB
# FILE_KB SHMEM_KB HUGETLB_KB PSS_KB" (from /proc/PID/status and
# smaps_rollup; HugetlbPages is the hugepage memory it maps, which RSS
# does not count; PSS shares each page among the processes mapping it, so
# forked servers' PSS adds up where their RSS counts shared pages again).
srv_mem() {
  local p
  [ -n "${CG:-}" ] || return 0
  while read -r p; do
    awk -v p="$p" 'FNR == 1 { f++ } f == 1 && $1 == "Name:" { n = $2 } f == 1 && $1 == "VmRSS:" { r = $2 }
      f == 1 && $1 == "RssAnon:" { a = $2 } f == 1 && $1 == "RssFile:" { fl = $2 }
      f == 1 && $1 == "RssShmem:" { s = $2 } f == 1 && $1 == "HugetlbPages:" { h = $2 }
      f == 2 && $1 == "Pss:" { ps = $2 }
      END { if (n != "") printf "%s %s %d %d %d %d %d %d\n", p, n, r, a, fl, s, h, ps }' \
      "/proc/$p/status" "/proc/$p/smaps_rollup" 2>/dev/null || true
  done < "$CG/cgroup.procs"
}

# srv_mem_sampler FILE SECS_BETWEEN: run in the background; appends
# "EPOCH_S <srv_mem line>" for every process every SECS_BETWEEN s until
# killed.
srv_mem_sampler() {
  local t
  while :; do
    t=$(date +%s.%N)
    srv_mem | sed "s/^/$t /" >> "$1"
    sleep "$2"
  done
}
