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
# usage: benchmarks/http_bench.sh [REPS (default 5)] [SIZE_MB (default 64)]
# env:   RB_REPS, RB_SIZE_MB (when no arguments), RB_CLIENTS="1 50",
#        RB_MODES="af_xdp af_packet", RB_HTTP_THREADS=2, RB_RESULTS=results
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib/rack.sh
. scripts/lib/rack.sh
REPS=${1:-${RB_REPS:-5}}
SIZE_MB=${2:-${RB_SIZE_MB:-64}}
read -ra CLIENTS <<<"${RB_CLIENTS:-1 50}"
MODES=${RB_MODES:-"af_xdp af_packet"}     # port modes to measure
THREADS=${RB_HTTP_THREADS:-2}             # rackboot http.threads (nginx: 2 workers)
[ "$(id -u)" = 0 ] || { echo "http_bench.sh: run as root" >&2; exit 1; }
scripts/deps.sh >/dev/null
scripts/build.sh >/dev/null

export RB_PREFIX=rbb$$
P=$RB_PREFIX
work=$(mktemp -d /tmp/rackboot-bench.XXXXXX)
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
  for n in "${CLIENTS[@]}"; do
    for _ in $(seq 1 "$REPS"); do
      # Alternate within the repetition so drift hits both servers alike.
      R_rb+=("$(round http://198.18.0.1/image.bin "$n")")
      R_ng+=("$(round http://198.18.0.1:8080/image.bin "$n")")
    done
    R[rackboot-$1,$n]=$(printf '%s\n' "${R_rb[@]}" | median)
    R[nginx-$1,$n]=$(printf '%s\n' "${R_ng[@]}" | median)
    echo "  $1 x$n rackboot: ${R_rb[*]}  nginx: ${R_ng[*]}" >&2
    R_rb=() R_ng=()
  done
  stop_nginx
  stop_rb
done

{
  echo "HTTP throughput, aggregate MB/s (median of $REPS), $SIZE_MB MiB file, same rack, same run"
  printf '%-22s' "server / port mode"; for n in "${CLIENTS[@]}"; do printf ' %10s' "x$n"; done; echo
  for row in nginx-plain-veth $(for m in $MODES; do echo "rackboot-$m" "nginx-$m"; done); do
    printf '%-22s' "$row"; for n in "${CLIENTS[@]}"; do printf ' %10s' "${R[$row,$n]}"; done; echo
  done
  for m in $MODES; do
    for n in "${CLIENTS[@]}"; do
      awk -v a="${R[rackboot-$m,$n]}" -v b="${R[nginx-$m,$n]}" -v m="$m" -v n="$n" \
        'BEGIN { printf "ratio rackboot/nginx %-10s x%-3s %.2f\n", m, n, (b > 0 ? a / b : 0) }'
    done
  done
} | tee "$results"
echo "(saved to $results)"
