#!/usr/bin/env bash
# http_bench.sh: HTTP install-repository throughput, rackboot vs nginx, in one run.
#
# On a private virtual rack (namespaces $RB_PREFIX-*), for each port mode
# (af_xdp with XDP steering; af_packet with the tap exception port) it starts
# rackboot, and nginx in the same server namespace serving the same directory
# on port 8080, then downloads a 64 MiB file with 1 and 50 parallel curl
# clients from a client namespace, alternating the two servers, REPS times.
# Also measured once: nginx on the plain veth with no rackboot at all.
# Prints aggregate MB/s medians and rackboot/nginx ratios. Bounded: every
# curl has --max-time, and everything started here is stopped by PID.
#
# Workloads (RB_HTTP_WORKLOADS, "file mix"): "file" is the single 64 MiB
# file; "mix" is an install's repository traffic: a set of RB_MIX_SET (200)
# files shaped like a distribution's packages (sizes drawn once, seed 42:
# 60% 4-100 KB, 30% 100 KB-2 MB, 8% 2-10 MB, 2% 10-40 MB), of which each
# client fetches RB_MIX_FILES (40) different ones, one after another over
# one keep-alive connection (one curl with many URLs); every file's size is
# checked, and the connections each client opened are counted (1: the
# connection was kept alive).
#
# usage: benchmarks/http_bench.sh [REPS (default 5)] [SIZE_MB (default 64)]
# env:   RB_REPS, RB_SIZE_MB (when no arguments), RB_CLIENTS="1 50",
#        RB_MODES="af_xdp af_packet", RB_RESULTS=results,
#        RB_HTTP_THREADS=0 (rackboot's http.threads: 0, its default, is a
#        thread per connection; N an epoll pool of N threads. nginx runs 2
#        workers, Debian's "auto" on this 2-core box. Measured here on the
#        package mix, 50 clients, median of 5: 0.99x nginx with 0, 0.89x
#        with 2)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib/rack.sh
. scripts/lib/rack.sh
REPS=${1:-${RB_REPS:-5}}
SIZE_MB=${2:-${RB_SIZE_MB:-64}}
read -ra CLIENTS <<<"${RB_CLIENTS:-1 50}"
MODES=${RB_MODES:-"af_xdp af_packet"}     # port modes to measure
THREADS=${RB_HTTP_THREADS:-0}             # rackboot http.threads: its default
WORKLOADS=${RB_HTTP_WORKLOADS:-"file mix"}
MIX_SET=${RB_MIX_SET:-200}
MIX_FILES=${RB_MIX_FILES:-40}
[[ $MIX_SET =~ ^[1-9][0-9]*$ && $MIX_FILES =~ ^[1-9][0-9]*$ && $MIX_FILES -le $MIX_SET ]] ||
  { echo "http_bench.sh: RB_MIX_SET, RB_MIX_FILES: positive, RB_MIX_FILES <= RB_MIX_SET" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "http_bench.sh: run as root" >&2; exit 1; }
scripts/deps.sh >/dev/null
scripts/build.sh >/dev/null

export RB_PREFIX=rbb$$
P=$RB_PREFIX
work=$(rb_workdir bench)
ng_pid=
results=${RB_RESULTS:-results}/http_bench-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$(dirname "$results")"

cleanup() {
  [ -n "$srv_pid" ] && kill_wait "$srv_pid"
  [ -n "$ng_pid" ] && kill_wait "$ng_pid"
  scripts/rack.sh down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/repo" "$work/tftp" "$work/nginx"
chmod 755 "$work" "$work/repo"   # nginx workers run unprivileged
head -c $((SIZE_MB << 20)) /dev/urandom > "$work/repo/image.bin"
cat /dev/null "$work/repo/image.bin" > /dev/null    # page cache, for both servers
# The package set: "name size" lines in mix.list, the files under pool/.
if [[ " $WORKLOADS " == *" mix "* ]]; then
  mkdir -p "$work/repo/pool"
  awk -v n="$MIX_SET" 'BEGIN { srand(42)
    for (i = 0; i < n; i++) { c = rand(); u = rand()
      if (c < 0.6) { lo = 4e3; hi = 1e5 } else if (c < 0.9) { lo = 1e5; hi = 2e6 }
      else if (c < 0.98) { lo = 2e6; hi = 1e7 } else { lo = 1e7; hi = 4e7 }
      printf "pkg-%03d.deb %d\n", i, lo * exp(u * log(hi / lo)) } }' > "$work/mix.list"
  while read -r f sz; do head -c "$sz" /dev/urandom > "$work/repo/pool/$f"; done < "$work/mix.list"
  cat "$work/repo/pool"/* > /dev/null
  mapfile -t MIX < "$work/mix.list"
fi

cat > "$work/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 8080; root $work/repo; }
}
NGX

scripts/rack.sh up >/dev/null
scripts/rack.sh client c1 198.18.0.10/24 >/dev/null

start_nginx() {
  ip netns exec "$P-srv" nginx -c "$work/nginx/nginx.conf" &
  ng_pid=$!
  for _ in $(seq 1 50); do in_ns c1 curl -s -o /dev/null --max-time 1 http://198.18.0.1:8080/ && return 0; sleep 0.1; done
  echo "nginx did not start" >&2; return 1
}
stop_nginx() { kill_wait "$ng_pid"; ng_pid=; }

start_rb() { # mode exception
  cat > "$work/rb.yaml" <<YAML
server: { address: 198.18.0.1/24 }
port: { mode: $1, interface: $P-srv0, exception: $2, tap_name: ${P}t }
dataplane: { lcores: "0,1", hugepages: auto, memory_mb: 256 }
http: { port: 80, root: $work/repo, threads: $THREADS }
api: { token_file: $work/api.token }
tftp: { root: $work/tftp }
YAML
  rb_start "$work/rb.yaml" "$work/rb.log"
}
stop_rb() { rb_stop "$srv_pid"; srv_pid=; }

# One round: N parallel downloads; prints aggregate MB/s (0 on any failure).
round() { # url n
  local url=$1 n=$2 t0 t1 i bytes=0 fails=0
  t0=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    in_ns c1 curl -s --max-time 120 -o /dev/null -w '%{size_download}\n' "$url" > "$work/c.$i" &
  done
  wait
  t1=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    b=$(cat "$work/c.$i"); [ "${b:-0}" = $((SIZE_MB << 20)) ] || fails=$((fails + 1)); bytes=$((bytes + ${b:-0}))
  done
  [ "$fails" = 0 ] || { echo "round $url x$n: $fails incomplete downloads" >&2; echo 0; return; }
  awk -v b="$bytes" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f\n", b / (t1 - t0) / 1e6 }'
}
median() { sort -n | awk '{a[NR]=$1} END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }

# One package-mix round: N clients, each one curl fetching its MIX_FILES
# files over one connection; prints aggregate MB/s (0 on any short file).
# Client i takes files (37 i + 11 k) mod MIX_SET, k < MIX_FILES: distinct
# for a client, as long as MIX_SET shares no factor with 11 (200 does not).
round_mix() { # base-url n
  local base=$1 n=$2 t0 t1 i k idx bytes=0 fails=0 conns=0 got want c
  for i in $(seq 1 "$n"); do
    : > "$work/mix.cfg.$i"; : > "$work/mix.exp.$i"
    for ((k = 0; k < MIX_FILES; k++)); do
      idx=$(( (37 * i + 11 * k) % MIX_SET ))
      printf 'url = "%s/pool/%s"\noutput = "/dev/null"\n' "$base" "${MIX[$idx]% *}" >> "$work/mix.cfg.$i"
      echo "${MIX[$idx]#* }" >> "$work/mix.exp.$i"
    done
  done
  t0=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    in_ns c1 curl -s --max-time 300 -w '%{size_download} %{num_connects}\n' -K "$work/mix.cfg.$i" > "$work/m.$i" &
  done
  wait
  t1=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    while read -r want <&3 && read -r got c <&4; do
      [ "$got" = "$want" ] || fails=$((fails + 1))
      bytes=$((bytes + got)) conns=$((conns + c))
    done 3< "$work/mix.exp.$i" 4< "$work/m.$i"
    [ "$(wc -l < "$work/m.$i")" = "$MIX_FILES" ] || fails=$((fails + 1))
  done
  echo "    mix $base x$n: $bytes bytes, $conns connections for $((n * MIX_FILES)) files" >&2
  [ "$fails" = 0 ] || { echo "round mix $base x$n: $fails short files" >&2; echo 0; return; }
  awk -v b="$bytes" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f\n", b / (t1 - t0) / 1e6 }'
}

declare -A R
measure() { # label url n
  local label=$1 url=$2 n=$3 v=()
  for _ in $(seq 1 "$REPS"); do v+=("$(round "$url" "$n")"); done
  R[$label,$n]=$(printf '%s\n' "${v[@]}" | median)
  echo "  $label x$n: ${v[*]} MB/s -> median ${R[$label,$n]}" >&2
}

echo "http_bench: $SIZE_MB MiB file, clients ${CLIENTS[*]}, $REPS reps, $(nproc) cores, kernel $(uname -r)" >&2

# Reference: nginx alone on the plain veth (no XDP program, no rackboot).
in_srv ip addr add 198.18.0.1/24 dev "$P-srv0"
start_nginx
for n in "${CLIENTS[@]}"; do measure "nginx-plain-veth" http://198.18.0.1:8080/image.bin "$n"; done
stop_nginx
in_srv ip addr del 198.18.0.1/24 dev "$P-srv0"

for m in $MODES; do
  case $m in af_xdp) set -- af_xdp xdp ;; af_packet) set -- af_packet tap ;; *) echo "unknown mode $m" >&2; exit 2 ;; esac
  start_rb "$1" "$2" || { echo "rackboot failed to start in $1 mode" >&2; exit 1; }
  start_nginx
  for wl in $WORKLOADS; do
    sfx=; [ "$wl" = file ] || sfx=-$wl
    for n in "${CLIENTS[@]}"; do
      for _ in $(seq 1 "$REPS"); do
        # Alternate within the repetition so drift hits both servers alike.
        if [ "$wl" = mix ]; then
          R_rb+=("$(round_mix http://198.18.0.1 "$n")")
          R_ng+=("$(round_mix http://198.18.0.1:8080 "$n")")
        else
          R_rb+=("$(round http://198.18.0.1/image.bin "$n")")
          R_ng+=("$(round http://198.18.0.1:8080/image.bin "$n")")
        fi
      done
      R[rackboot-$1$sfx,$n]=$(printf '%s\n' "${R_rb[@]}" | median)
      R[nginx-$1$sfx,$n]=$(printf '%s\n' "${R_ng[@]}" | median)
      echo "  $1$sfx x$n rackboot: ${R_rb[*]}  nginx: ${R_ng[*]}" >&2
      R_rb=() R_ng=()
    done
  done
  stop_nginx
  stop_rb
done

ROWS=() MS=()
for m in $MODES; do
  for wl in $WORKLOADS; do
    sfx=; [ "$wl" = file ] || sfx=-$wl
    ROWS+=("rackboot-$m$sfx" "nginx-$m$sfx") MS+=("$m$sfx")
  done
done
{
  echo "HTTP throughput, aggregate MB/s (median of $REPS), same rack, same run; workloads: $WORKLOADS" \
    "(file: one $SIZE_MB MiB file; mix: $MIX_FILES of $MIX_SET package-like files per client, one keep-alive connection);" \
    "rackboot http.threads: $THREADS ($( [ "$THREADS" = 0 ] && echo "a thread per connection, the default" || echo "an epoll pool")), nginx 2 workers"
  printf '%-22s' "server / port mode"; for n in "${CLIENTS[@]}"; do printf ' %10s' "x$n"; done; echo
  for row in nginx-plain-veth "${ROWS[@]}"; do
    printf '%-22s' "$row"; for n in "${CLIENTS[@]}"; do printf ' %10s' "${R[$row,$n]:--}"; done; echo
  done
  for m in "${MS[@]}"; do
    for n in "${CLIENTS[@]}"; do
      awk -v a="${R[rackboot-$m,$n]:-0}" -v b="${R[nginx-$m,$n]:-0}" -v m="$m" -v n="$n" \
        'BEGIN { printf "ratio rackboot/nginx %-10s x%-3s %.2f\n", m, n, (b > 0 ? a / b : 0) }'
    done
  done
} | tee "$results"
echo "(saved to $results)"
