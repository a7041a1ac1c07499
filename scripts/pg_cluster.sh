#!/usr/bin/env bash
# pg_cluster.sh CMD [ARG...]: run CMD against a temporary PostgreSQL server,
# then stop the server and remove it, whatever CMD did.
#
# Root only: the server runs as the `postgres` user (Debian's `postgresql`
# package, binaries under /usr/lib/postgresql/<major>/bin). Everything lives
# in one fresh directory under /tmp: the cluster, its log and its unix
# socket. The server listens on that socket only (listen_addresses is
# empty: no TCP at all), with password authentication (scram-sha-256) for
# the superuser `postgres`, whose password is random and kept in a file
# only root may read. CMD sees:
#   RB_PG_URI            postgresql://postgres@/rackboot?host=DIR&port=PORT
#                        (no password in it; database `rackboot`, created)
#   RB_PG_PASSWORD_FILE  that password, one line, mode 0600, owned by root
#   RB_PG_DIR            the directory (the socket is DIR/.s.PGSQL.PORT)
#   RB_PG_BIN            the server's binary directory
# and psql works with PGHOST/PGPORT/PGUSER/PGDATABASE/PGPASSFILE set to it.
# Bounded: the server gets 30 s to start and to stop (then it is killed);
# the caller bounds CMD. Exit status: CMD's, or 1 when the set-up failed
# (with the reason and the server log on stderr: never a skip).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: pg_cluster.sh CMD [ARG...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "pg_cluster.sh: run as root (the server runs as postgres)" >&2; exit 1; }

bin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bin=$d
done
[ -n "$bin" ] || { echo "pg_cluster.sh: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
id postgres >/dev/null 2>&1 || { echo "pg_cluster.sh: no postgres user" >&2; exit 1; }

dir=$(mktemp -d /tmp/rb-pg.XXXXXX)
port=5432 # names the socket file only: the directory is ours alone
as_pg() { runuser -u postgres -- "$@"; }

cleanup() {
  local rc=$?
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -t 30 stop >/dev/null 2>&1 ||
      as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_failed() {
  echo "pg_cluster.sh: $1" >&2
  local f
  for f in "$dir/initdb.log" "$dir/server.log"; do
    [ -f "$f" ] && tail -n 30 "$f" >&2
  done
  exit 1
}

chown postgres: "$dir"
# 0711: the service user rackboot drops to must reach the socket (its
# commits and reconnects run after the drop), and nobody may list it.
chmod 0711 "$dir"
# The password: for initdb (read by postgres) and for the clients (root).
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/pw.root"
echo >>"$dir/pw.root"
chmod 0600 "$dir/pw.root"
install -o postgres -m 0600 "$dir/pw.root" "$dir/pw.initdb"
as_pg "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw.initdb" \
  --auth-local=scram-sha-256 --auth-host=reject -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
  setup_failed "initdb failed"
rm -f "$dir/pw.initdb"
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses='' -k $dir -p $port -c fsync=on" start >/dev/null ||
  setup_failed "the server did not start"

export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
# libpq's password file: host:port:database:user:password (root's, 0600).
printf '%s:%s:*:postgres:%s\n' "$dir" "$port" "$(cat "$dir/pw.root")" >"$dir/pgpass"
chmod 0600 "$dir/pgpass"
export PGPASSFILE=$dir/pgpass
"$bin/psql" -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE rackboot' >/dev/null ||
  setup_failed "CREATE DATABASE failed"
export PGDATABASE=rackboot
export RB_PG_URI="postgresql://postgres@/rackboot?host=$dir&port=$port"
# The same password for rackboot started as root that drops to its
# service user: the file must be that user's own (owned_file.h).
if id rackboot >/dev/null 2>&1; then
  install -o rackboot -m 0600 "$dir/pw.root" "$dir/pw.rackboot"
fi
export RB_PG_PASSWORD_FILE=$dir/pw.root RB_PG_DIR=$dir RB_PG_BIN=$bin
export RB_PG_SERVICE_PASSWORD_FILE=$dir/pw.rackboot
"$@"
