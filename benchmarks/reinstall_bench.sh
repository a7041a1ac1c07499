#!/usr/bin/env bash
# reinstall_bench.sh: a rack of N (500) generated hosts, what rackboot's
# provisioning layer costs at that size, with dnsmasq as the peer that
# loads the same hosts in the same run.
#
# The hosts are a CSV file (name, mac, address, profile, labels) beside a
# config with an install profile (a kickstart template with the host's
# callback URL) and a local-boot default. REPS times each, medians printed:
#   check       `rackboot --check`: config, 500 hosts, templates rendered
#               for every host, boot configs for every loader family
#   dnsmasq     `dnsmasq --test` of the same 500 hosts as dhcp-host lines
#               (the peer: it only parses them, it renders nothing)
#   reload      `rackbootctl reload` of a running rackboot: the whole
#               inventory and snapshot again, published to the dataplane
#   hosts       `rackbootctl hosts --json`, and that it lists N hosts
#   reinstall   POST /api/v1/reinstall {"select": "all"}: marks all N; the
#               reply's db.transactions and db.seconds (the marks and their
#               events in the lifecycle database), the call's ms, and the
#               commits /metrics counted for it
# Cobbler (`cobbler sync`, minutes at 1,000+ systems by its users' reports)
# is not packaged for Debian 12 and cannot be measured here.
#
# usage: benchmarks/reinstall_bench.sh [REPS (5)] [N (500)]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib/rack.sh
. scripts/lib/rack.sh
REPS=${1:-5}
N=${2:-500}
[ "$(id -u)" = 0 ] || { echo "reinstall_bench.sh: run as root" >&2; exit 1; }
if [ "$N" -lt 1 ] || [ "$N" -gt 1000 ]; then echo "reinstall_bench.sh: N is 1..1000" >&2; exit 1; fi
scripts/deps.sh >/dev/null
scripts/build.sh >/dev/null
CTL=$PWD/build/rackbootctl/rackbootctl
for t in "$RB" "$CTL"; do [ -x "$t" ] || { echo "reinstall_bench.sh: $t not built" >&2; exit 1; }; done
for t in dnsmasq jq curl; do command -v $t >/dev/null || { echo "reinstall_bench.sh: $t missing (scripts/deps.sh)" >&2; exit 1; }; done

export RB_PREFIX=rbr$$
P=$RB_PREFIX
work=$(rb_workdir bench)
srv_pid=
results=${RB_RESULTS:-results}/reinstall_bench-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$(dirname "$results")"
cleanup() {
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the rack's inventory ----------------------------------------------------
mkdir -p "$work/repo" "$work/tftp"
head -c 100000 /dev/urandom > "$work/tftp/vmlinuz"
head -c 100000 /dev/urandom > "$work/tftp/initrd.gz"
cat > "$work/ks.tpl" <<'TPL'
# kickstart for {{hostname}} ({{mac}}, {{ip}})
url --url {{http}}/debian
network --bootproto=dhcp --hostname={{hostname}}
%post
curl -fsS "{{callback_url}}?status=ok"
%end
TPL
{
  echo "name,mac,address,profile,labels"
  for ((i = 0; i < N; i++)); do
    printf 'node%03d,52:54:00:be:%02x:%02x,198.18.%d.%d,inst,rack=r%02d\n' \
      "$i" $((i / 256)) $((i % 256)) $((1 + i / 200)) $((10 + i % 200)) $((i / 40))
  done
} > "$work/hosts.csv"
# The same hosts for dnsmasq.
{
  echo "port=0"
  echo "dhcp-range=198.18.0.100,198.18.0.250,255.255.252.0,1h"
  tail -n +2 "$work/hosts.csv" | awk -F, '{ printf "dhcp-host=%s,%s,%s\n", $2, $3, $1 }'
} > "$work/dnsmasq.conf"

{ rb_yaml_base 198.18.0.1/22 "$work/repo" "$work/tftp"
  cat <<YAML
dhcp:
  mode: server
  database: $work/leases.db
  subnets:
    - subnet: 198.18.0.0/22
      pool: 198.18.0.100-198.18.0.250
boot:
  unknown: local
profiles:
  inst:
    install: true
    kernel: vmlinuz
    initrd: [initrd.gz]
    cmdline: "console=ttyS0 ks={{http}}/t/ks.cfg"
    templates: {ks.cfg: $work/ks.tpl}
hosts_files: [$work/hosts.csv]
YAML
} > "$work/rackboot.yaml"
chmod -R a+rX "$work"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
  printf "%.4g", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
secs() { # command...: its wall time in seconds (stdout: the time only)
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "reinstall_bench.sh: failed: $*" >&2
  t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

"$RACK" up >/dev/null || { echo "reinstall_bench.sh: rack.sh up failed" >&2; exit 1; }
ctl() { in_srv "$CTL" --token-file "$work/api.token" "$@"; }
: > "$work/check.s"; : > "$work/dnsmasq.s"; : > "$work/reload.s"; : > "$work/hosts.s"
: > "$work/rein.ms"; : > "$work/rein.db"
in_srv "$RB" --check -c "$work/rackboot.yaml" > "$work/check.out" 2>&1 ||
  { echo "reinstall_bench.sh: the config is refused:"; cat "$work/check.out"; exit 1; } >&2
dnsmasq --test -C "$work/dnsmasq.conf" > "$work/dnsmasq.out" 2>&1 ||
  { echo "reinstall_bench.sh: dnsmasq refuses its config:"; cat "$work/dnsmasq.out"; exit 1; } >&2
for ((r = 1; r <= REPS; r++)); do
  secs in_srv "$RB" --check -c "$work/rackboot.yaml" >> "$work/check.s"
  secs dnsmasq --test -C "$work/dnsmasq.conf" >> "$work/dnsmasq.s"
done

rb_start "$work/rackboot.yaml" "$work/rackboot.log" 60 || exit 1
listed=$(ctl hosts --json | jq '.hosts | length')
commits() { in_srv curl -s --max-time 5 http://198.18.0.1/metrics |
  awk '$1 == "rackboot_lifecycle_db_commits_total" { print $2 }'; }
for ((r = 1; r <= REPS; r++)); do
  secs ctl reload >> "$work/reload.s"
  secs ctl hosts --json >> "$work/hosts.s"
  c0=$(commits)
  reply=$(in_srv curl -s --max-time 30 -H "Authorization: Bearer $(cat "$work/api.token")" \
    -d '{"select": "all"}' http://127.0.0.1:8081/api/v1/reinstall)
  c1=$(commits)
  jq -r '.ms' <<<"$reply" >> "$work/rein.ms"
  echo "$(jq -r '"\(.marked) \(.db.transactions) \(.db.rows) \(.db.seconds)"' <<<"$reply") $((c1 - c0))" >> "$work/rein.db"
done

{
  echo "# reinstall_bench: $N hosts (CSV), $REPS reps, $(nproc) cores, $(date -u +%FT%TZ)"
  printf '%-44s %10s\n' "load (median seconds)" ""
  printf '  %-42s %10s\n' "rackboot --check (parse + render all)" "$(median < "$work/check.s")"
  printf '  %-42s %10s\n' "dnsmasq --test (parse only)" "$(median < "$work/dnsmasq.s")"
  printf '  %-42s %10s\n' "rackbootctl reload (running server)" "$(median < "$work/reload.s")"
  printf '  %-42s %10s\n' "rackbootctl hosts --json" "$(median < "$work/hosts.s")"
  printf '  %-42s %10s\n' "hosts listed by hosts --json" "$listed"
  printf '%s\n' "reinstall all (each rep: marked, db transactions, rows, db seconds, /metrics commits)"
  sed 's/^/  /' "$work/rein.db"
  printf '  %-42s %10s\n' "reinstall call, median ms" "$(median < "$work/rein.ms")"
  printf '  %-42s %10s\n' "db seconds, median" "$(awk '{ print $4 }' "$work/rein.db" | median)"
  printf '  %-42s %10s\n' "check / dnsmasq ratio" \
    "$(awk -v a="$(median < "$work/check.s")" -v b="$(median < "$work/dnsmasq.s")" 'BEGIN { printf "%.2f", a / b }')"
} | tee "$results"
echo "# saved in $results"
[ "$listed" = "$N" ] || { echo "reinstall_bench.sh: hosts --json listed $listed of $N" >&2; exit 1; }
