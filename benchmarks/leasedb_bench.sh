#!/usr/bin/env bash
# leasedb_bench.sh: the lease store's commit rate, SQLite against PostgreSQL,
# in one run, without the network (build/benchmarks/leasedb_bench).
#
# For each batch size (RB_BATCHES, "1 16 64 256": the records one commit
# carries; a DORA storm's batches hold a few hundred) and each store, REPS
# times alternating the stores: commit RB_RECORDS new bound leases (distinct
# clients and addresses) into a fresh database, SQLite (WAL, synchronous
# FULL, a file under /tmp) and PostgreSQL (a temporary server,
# scripts/pg_cluster.sh: unix socket, fsync on). Prints each store's median
# records/s and the PostgreSQL/SQLite ratio per batch size, and the median
# of each run's 99th percentile commit time (a server holds its ACKs that
# long). This isolates
# what issue 14's DORA benchmark (benchmarks/dhcp_bench.sh) measures through
# the whole server: the cost of the store itself.
#
# usage: benchmarks/leasedb_bench.sh [REPS (default 3)]
# env:   RB_BATCHES="1 16 64 256", RB_RECORDS=20000, RB_BUILD=build
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
REPS=${1:-${RB_REPS:-3}}
BATCHES=${RB_BATCHES:-"1 16 64 256"}
RECORDS=${RB_RECORDS:-20000}
BIN=${RB_BUILD:-build}/benchmarks/leasedb_bench
[[ $REPS =~ ^[1-9][0-9]*$ && $RECORDS =~ ^[1-9][0-9]*$ ]] ||
  { echo "leasedb_bench.sh: REPS and RB_RECORDS are positive integers" >&2; exit 2; }
[ -x "$BIN" ] || { echo "leasedb_bench.sh: no $BIN (meson compile -C ${RB_BUILD:-build})" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "leasedb_bench.sh: run as root (the temporary PostgreSQL runs as postgres)" >&2; exit 1; }

# The PostgreSQL server is started around the whole run: re-enter under it.
if [ -z "${RB_PG_URI:-}" ]; then
  exec scripts/pg_cluster.sh "$0" "$@"
fi

work=$(mktemp -d /tmp/rb-leasedb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

pg_reset() {
  PGOPTIONS='-c client_min_messages=warning' psql -qX -v ON_ERROR_STOP=1 -c \
    "DROP TABLE IF EXISTS leases, host_state, host_events, schema_version" \
    >/dev/null
}

# one STORE BATCH -> "records/s commit_ms_p99" (nothing when the run failed, with its reason on stderr)
one() {
  local where out pw=
  if [ "$1" = sqlite ]; then
    rm -f "$work"/leases.db*
    where=$work/leases.db
  else
    pg_reset || return
    where=$RB_PG_URI pw=$RB_PG_PASSWORD_FILE
  fi
  out=$(RB_PG_PASSWORD_FILE=$pw timeout 300 "$BIN" "$where" "$2" "$RECORDS") || { echo "# $1 batch $2: failed" >&2; return; }
  awk '{ for (i = 1; i < NF; i++) { if ($i == "records/s") r = $(i + 1); if ($i == "commit_ms_p99") p = $(i + 1) }
         print r, p }' <<<"$out"
}

median() { cut -d' ' -f"$1" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

echo "# leasedb_bench: $RECORDS records per run, $REPS runs per store and batch size, alternating"
echo "# PostgreSQL: $("$RB_PG_BIN/postgres" --version), fsync on; SQLite: WAL, synchronous FULL, $work"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %14s %14s %10s %16s %12s\n' batch sqlite_rec/s pg_rec/s pg/sqlite sqlite_p99_ms pg_p99_ms
for b in $BATCHES; do
  : >"$work/s" && : >"$work/p"
  for _ in $(seq 1 "$REPS"); do
    one sqlite "$b" >>"$work/s"
    one pg "$b" >>"$work/p"
  done
  s=$(median 1 <"$work/s") p=$(median 1 <"$work/p")
  printf '%-8s %14.0f %14.0f %10s %16.2f %12.2f\n' "$b" "${s:-0}" "${p:-0}" \
    "$(awk -v s="${s:-0}" -v p="${p:-0}" 'BEGIN { if (s > 0 && p > 0) printf "%.2fx", p / s; else print "-" }')" \
    "$(median 2 <"$work/s")" "$(median 2 <"$work/p")"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
