#!/usr/bin/env bash
# test_pg.sh: two rackboot servers share one PostgreSQL lease database.
# Run by scripts/pg_cluster.sh (meson test pg-net), which starts a
# temporary server on a unix socket and hands over RB_PG_URI and
# RB_PG_PASSWORD_FILE.
#  - both servers start on the same database (schema made once), each with
#    its own port and address on the rack switch
#  - a DORA storm of a few thousand clients with scattered MACs through a
#    relay that forwards every request to both servers (as a broadcast
#    reaches both): both serve; no address is ACKed to two clients, and
#    every ACK the clients saw is the database's row for that address
#  - the servers learned each other's leases (the change feed)
#  - server 1 killed (-9) mid-storm: server 2 goes on answering, and the
#    clients server 1 had bound get their same address from server 2
#  - server 1 restarted catches up (loads every lease); rows a third
#    server wrote since (inserted with psql, not yet read by server 1, which
#    now polls once a minute) make its claims lose: the clients get NAKs,
#    never those addresses, and come back to other ones
#  - the database stopped: no ACK without a commit, the failure counted
#    and logged once; started again: the servers reconnect by themselves
#    and the same clients get their leases
#  - the host lifecycle lives in the same database: an inventory host's
#    row in host_state from the start, its DHCP (the unseeded storm's
#    client 0) an event in host_events that both servers' APIs show
#  - dhcp.balance 1/2 and 2/2: each DISCOVER offered by one server; server
#    1 gone, server 2 takes its share's clients after their wait
# Needs root. Its own namespace prefix; bounded: the storms run 8 s each.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
: "${RB_PG_URI:?run me through scripts/pg_cluster.sh}" "${RB_PG_PASSWORD_FILE:?}" "${RB_PG_BIN:?}"
[ -f "${RB_PG_SERVICE_PASSWORD_FILE:?}" ] || { echo "test_pg.sh: no service user's password file (is the rackboot user there? scripts/deps.sh makes it)" >&2; exit 1; }
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_pg.sh ip curl jq timeout awk sort
STORM=$RB_BUILD/benchmarks/dhcp_storm
PSQL=$RB_PG_BIN/psql
CLIENTS=3000
RATE=500

export RB_PREFIX=rpg$(($$ % 100000))
P=$RB_PREFIX
work=$(rb_workdir pg)
pass=0 fail=0
pid1="" pid2=""

cleanup() {
  [ -n "$pid1" ] && rb_stop "$pid1"
  [ -n "$pid2" ] && rb_stop "$pid2"
  "$RACK" down >/dev/null 2>&1
  [ -n "${RB_KEEP:-}" ] && cp -r "$work" "$RB_KEEP"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sql() { "$PSQL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# metric_of ADDR NAME: NAME's value in the /metrics of the server at ADDR.
metric_of() { SRV_IP=$1 metric "$2"; }

"$RACK" up >/dev/null
"$RACK" server s2 >/dev/null
"$RACK" client c1 198.18.0.9/20 >/dev/null

# config N ADDRESS: server N's configuration (its own roots and token).
config() {
  mkdir -p "$work/s$1/repo" "$work/s$1/tftp"
  echo "server $1" > "$work/s$1/repo/hello.txt"
  chmod -R a+rX "$work/s$1"
  rb_yaml_base "$2/20" "$work/s$1/repo" "$work/s$1/tftp"
  cat <<YAML
dhcp:
  mode: server
  database: $RB_PG_URI
  database_password_file: $RB_PG_SERVICE_PASSWORD_FILE
  database_poll_ms: 200
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/20
      pool: 198.18.1.0-198.18.15.254
hosts:
  - name: pgnode
    mac: $HOST_MAC
YAML
}
# dhcp_storm's client 0 without --seed (the seeded storms' MACs differ in
# their second octet).
HOST_MAC=02:5e:00:00:00:00
config 1 198.18.0.1 > "$work/rb1.yaml"
SRV_NS=s2 config 2 198.18.0.2 > "$work/rb2.yaml"

rb_start "$work/rb1.yaml" "$work/rb1.log" || bail "server 1 did not start"
pid1=$srv_pid
# Server 2 logs its status line every second (the database-down checks).
RB_OPTS="--status --status-every 1" SRV_NS=s2 rb_start "$work/rb2.yaml" "$work/rb2.log" ||
  bail "server 2 did not start"
pid2=$srv_pid
check "two servers start on one PostgreSQL database" [ -n "$pid1" ] && [ -n "$pid2" ]
check "the schema was made once, version 2" \
  [ "$(sql "select version from schema_version where component = 'leases'")" = 2 ]
check "no password in either server's output" \
  bash -c "! grep -qF \"\$(cat '$RB_PG_PASSWORD_FILE')\" '$work/rb1.log' '$work/rb2.log'"

# The host lifecycle in the same database (component 'lifecycle').
# wait_sql SQL WANT: up to 10 s for SQL to return WANT (the flush runs
# every ~200 ms); prints what it returned last.
wait_sql() {
  local got="" i
  for i in $(seq 50); do
    got=$(sql "$1")
    [ "$got" = "$2" ] && break
    sleep 0.2
  done
  echo "$got"
}
check "the lifecycle's schema is in it too, version 1" \
  [ "$(sql "select version from schema_version where component = 'lifecycle'")" = 1 ]
got=$(wait_sql "select name || ' ' || state from host_state where mac = '$HOST_MAC'" "pgnode ready")
check "the inventory host's state is a row in host_state ($got)" [ "$got" = "pgnode ready" ]
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.1 --relay 198.18.0.9 --rate 5 --clients 1 \
  --duration 2 --timeout 2000 --acks "$work/acks0" > "$work/storm0.out"
check "the host's DHCP was ACKed ($(grep -c "^$HOST_MAC " "$work/acks0") ACKs)" grep -q "^$HOST_MAC " "$work/acks0"
got=$(wait_sql "select count(*) > 0 from host_events where mac = '$HOST_MAC' and kind = 'dhcp'" t)
check "its DHCP is an event in host_events ($got)" [ "$got" = t ]
# The kinds of the events of pgnode the API of the server in namespace $1 shows.
api_kinds() {
  in_ns "$1" curl -s --max-time 5 http://127.0.0.1:8081/api/v1/hosts/pgnode | jq -r '.. | .kind? // empty'
}
n=$(api_kinds srv | grep -c '^dhcp$')
check "server 1's API shows the DHCP event ($n)" [ "$n" -ge 1 ]
n=$(api_kinds s2 | grep -c '^dhcp$')
check "server 2's API shows it too, from the database ($n)" [ "$n" -ge 1 ]

# storm SEED ACKS: 8 s of DORA through the relay at 198.18.0.9 to both servers.
storm() {
  in_ns c1 timeout -k 5 40 "$STORM" --server 198.18.0.1 --server 198.18.0.2 --relay 198.18.0.9 \
    --rate "$RATE" --clients "$CLIENTS" --duration 8 --timeout 2000 --seed "$1" --acks "$2"
}
# An address ACKed to two different MACs in FILE... (lines "MAC ADDRESS SERVER").
double_acks() { cat "$@" | awk '{print $2, $1}' | sort -u | awk '{print $1}' | uniq -d | wc -l; }
# ACKs in FILE whose address the database does not hold for that MAC.
not_in_db() {
  sql "select (ip >> 24) || '.' || (ip >> 16 & 255) || '.' || (ip >> 8 & 255) || '.' || (ip & 255),
              encode(chaddr, 'hex') from leases where state = 2" |
    awk -F'|' '{ gsub(/../, "&:", $2); sub(/:$/, "", $2); print $1, $2 }' | sort > "$work/db.txt"
  awk '{print $2, $1}' "$1" | sort -u | comm -23 - "$work/db.txt" | wc -l
}

seed=$((RANDOM * 32768 + RANDOM + 1))
out=$(storm "$seed" "$work/acks1")
echo "# storm: $out"
done1=$(sed -n 's/.* done=\([0-9]*\).*/\1/p' <<<"$out")
by1=$(awk '$3 == "198.18.0.1"' "$work/acks1" | wc -l)
by2=$(awk '$3 == "198.18.0.2"' "$work/acks1" | wc -l)
check "a storm of $CLIENTS clients at $RATE/s against both: ${done1:-0} DORAs done" [ "${done1:-0}" -ge 1000 ]
check "both servers ACKed clients ($by1 and $by2)" [ "$by1" -gt 0 ] && [ "$by2" -gt 0 ]
n=$(double_acks "$work/acks1")
check "no address ACKed to two clients ($n)" [ "$n" = 0 ]
n=$(not_in_db "$work/acks1")
check "every ACK is the database's row for its address ($n not)" [ "$n" = 0 ]
lost=$(( $(metric_of 198.18.0.1 rackboot_lease_claims_lost_total) + $(metric_of 198.18.0.2 rackboot_lease_claims_lost_total) ))
naks=$(( $(metric_of 198.18.0.1 rackboot_dp_dhcp_nak_claim_lost_total) + $(metric_of 198.18.0.2 rackboot_dp_dhcp_nak_claim_lost_total) ))
l1=$(metric_of 198.18.0.1 rackboot_lease_changes_learned_total)
l2=$(metric_of 198.18.0.2 rackboot_lease_changes_learned_total)
echo "# claims lost: $lost, NAKs sent for them: $naks; changes learned: $l1 and $l2"
check "each server learned the other's leases ($l1, $l2)" [ "${l1:-0}" -gt 0 ] && [ "${l2:-0}" -gt 0 ]
check "every lost claim's held ACK became a NAK ($lost claims, $naks NAKs)" [ "$lost" = "$naks" ]

# The same clients again; server 1 killed 3 s in: server 2 answers them,
# with the addresses the database holds for them.
storm "$seed" "$work/acks2" > "$work/storm2.out" &
spid=$!
sleep 3
kill -9 "$pid1"
wait "$pid1" 2>/dev/null
pid1=
wait "$spid"
echo "# storm with server 1 killed: $(cat "$work/storm2.out")"
after=$(tail -n +"$(($(wc -l < "$work/acks2") / 2))" "$work/acks2" | awk '$3 == "198.18.0.2"' | wc -l)
check "server 2 answers after server 1 is gone ($after ACKs in the second half)" [ "$after" -gt 100 ]
# Clients server 1 bound in the first storm and server 2 answered in the second.
moved=$(awk 'NR == FNR { if ($3 == "198.18.0.1") a[$1] = $2; next }
             $3 == "198.18.0.2" && ($1 in a) { n++; if (a[$1] != $2) d++ }
             END { print n + 0, d + 0 }' "$work/acks1" "$work/acks2")
check "server 1's clients got their same address from server 2 (moved, changed: $moved)" \
  [ "${moved%% *}" -gt 0 ] && [ "${moved#* }" = 0 ]
n=$(double_acks "$work/acks1" "$work/acks2")
check "no address ACKed to two clients over both storms ($n)" [ "$n" = 0 ]
n=$(not_in_db "$work/acks2")
check "every ACK of the second storm is the database's row ($n not)" [ "$n" = 0 ]

# Server 1 again, reading the feed once a minute only: it catches up at
# start, then does not hear of the "ghost" server's rows below.
# It walks the pool in FIFO order here (dhcp.pool_order; client-hash is the
# default with PostgreSQL), so that the addresses it offers next are known.
sed -e 's/database_poll_ms: 200/database_poll_ms: 60000/' \
  -e 's/^  rate_limit: 0/  rate_limit: 0\n  pool_order: fifo/' "$work/rb1.yaml" > "$work/rb1b.yaml"
rb_start "$work/rb1b.yaml" "$work/rb1.log" || bail "server 1 did not restart"
pid1=$srv_pid
loaded=$(grep -o '[0-9]* lease record(s) loaded' "$work/rb1.log" | tail -n 1)
check "server 1 restarted catches up from the database (${loaded:-nothing loaded})" \
  [ "${loaded%% *}" -ge 3000 ]
# The first storm's clients again, to server 1 alone: those server 2 bound
# while server 1 was down get the same address from server 1.
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.1 --relay 198.18.0.9 --rate 200 \
  --clients "$CLIENTS" --duration 2 --timeout 2000 --seed "$seed" --acks "$work/acks_back" \
  > "$work/storm_back.out"
echo "# the same clients to the restarted server 1: $(cat "$work/storm_back.out")"
back=$(awk 'NR == FNR { if ($3 == "198.18.0.2") a[$1] = $2; next }
            $3 == "198.18.0.1" && ($1 in a) { n++; if (a[$1] != $2) d++ }
            END { print n + 0, d + 0 }' "$work/acks2" "$work/acks_back")
check "server 1 restarted gives server 2's clients their addresses (same, changed: $back)" \
  [ "${back%% *}" -ge 50 ] && [ "${back#* }" = 0 ]
n=$(not_in_db "$work/acks_back")
check "every ACK of the restarted server 1 is the database's row ($n not)" [ "$n" = 0 ]
ip2int() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo $(((a << 24) + (b << 16) + (c << 8) + d)); }
# The 20 lowest free pool addresses (the first server 1 would offer) now
# held by a third server's clients (MACs 02:ee:...).
sql "insert into leases (ip, state, expires, updated, htype, hlen, chaddr, client_key, hostname,
       change, origin)
     select a, 2, extract(epoch from now())::bigint + 3600, extract(epoch from now())::bigint, 1, 6,
            '\\x02ee'::bytea || substring(int8send(a) from 5 for 4),
            '\\x0102ee'::bytea || substring(int8send(a) from 5 for 4), '',
            pg_current_xact_id()::text::bigint, 0
     from generate_series($(ip2int 198.18.1.0), $(ip2int 198.18.15.254)) a
     where a not in (select ip from leases) order by a limit 20"
sql "select (ip >> 24) || '.' || (ip >> 16 & 255) || '.' || (ip >> 8 & 255) || '.' || (ip & 255)
     from leases where encode(chaddr, 'hex') like '02ee%'" | sort > "$work/ghosts"
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.1 --relay 198.18.0.9 --rate 20 --clients 10 \
  --duration 4 --timeout 1000 --seed $((seed ^ 0x40000000)) --acks "$work/acks3" > "$work/storm3.out"
echo "# 10 new clients to server 1 only: $(cat "$work/storm3.out")"
lost=$(metric_of 198.18.0.1 rackboot_lease_claims_lost_total)
naks=$(metric_of 198.18.0.1 rackboot_dp_dhcp_nak_claim_lost_total)
check "server 1's claims on the other server's addresses lost ($lost), each a NAK ($naks)" \
  [ "${lost:-0}" -ge 1 ] && [ "$lost" = "$naks" ]
n=$(awk '{print $2}' "$work/acks3" | sort -u | comm -12 - "$work/ghosts" | wc -l)
check "no client was ACKed one of those addresses ($n)" [ "$n" = 0 ]
got=$(awk '{print $1}' "$work/acks3" | sort -u | wc -l)
check "the NAKed clients came back and got other addresses ($got of 10 bound)" [ "$got" = 10 ]
check "the other server's rows are intact ($(sql "select count(*) from leases where encode(chaddr, 'hex') like '02ee%' and state = 2") of 20)" \
  [ "$(sql "select count(*) from leases where encode(chaddr, 'hex') like '02ee%' and state = 2")" = 20 ]
n=$(double_acks "$work/acks1" "$work/acks2" "$work/acks_back" "$work/acks3")
check "no address ACKed to two clients over the whole run ($n)" [ "$n" = 0 ]

# The database stopped, then started again (same socket, same data).
pg_ctl() { runuser -u postgres -- "$RB_PG_BIN/pg_ctl" -D "$RB_PG_DIR/data" -t 30 "$@" >/dev/null; }
pg_ctl -m fast stop || bail "cannot stop the database"
seed4=$((seed ^ 0x20000000))
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.2 --relay 198.18.0.9 --rate 5 --clients 5 \
  --duration 3 --timeout 1000 --seed "$seed4" --acks "$work/acks4" > "$work/storm4.out"
echo "# 5 new clients, database down: $(cat "$work/storm4.out")"
check "database down: no ACK without a commit ($(wc -l < "$work/acks4") ACKs)" [ ! -s "$work/acks4" ]
f=$(SRV_IP=198.18.0.2 metric 'rackboot_lease_commits_total{result="failed"}')
g=$(SRV_IP=198.18.0.2 metric rackboot_dp_lease_batches_given_up_total)
check "the failed commits are counted ($f failed, $g batches given up)" [ "${f:-0}" -ge 1 ] && [ "${g:-0}" -ge 1 ]
n=$(grep -c "lease db: commit failed" "$work/rb2.log")
check "and logged once ($n)" [ "$n" = 1 ]
# Clients whose leases the database already holds (the first storm's),
# database still down: dhcp.database_down: renew (the default) ACKs them
# their stored address for the time the stored lease has left (the unit
# test test_renew_held checks the times), never a new one.
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.2 --relay 198.18.0.9 --rate 50 --clients 100 \
  --duration 2 --timeout 3000 --seed "$seed" --acks "$work/acks_down" > "$work/storm_down.out"
echo "# 100 known clients, database down: $(cat "$work/storm_down.out")"
got=$(awk '{print $1}' "$work/acks_down" | sort -u | wc -l)
d=$(SRV_IP=198.18.0.2 metric rackboot_dp_dhcp_ack_db_down_total)
check "database down: known clients renewed from the table ($got of 100; $d ACKs counted)" \
  [ "$got" -ge 90 ] && [ "${d:-0}" -ge "$(wc -l < "$work/acks_down")" ]
for _ in $(seq 10); do grep -q "LEASE DB DOWN" "$work/rb2.log" && break; sleep 0.5; done
check "the status line says so: $(grep -o 'LEASE DB DOWN[^|]*' "$work/rb2.log" | tail -n 1)" \
  grep -q "LEASE DB DOWN" "$work/rb2.log"
pg_ctl -l "$RB_PG_DIR/server.log" -w -o "-c listen_addresses='' -k $RB_PG_DIR -p $PGPORT" start ||
  bail "cannot start the database again"
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.2 --relay 198.18.0.9 --rate 5 --clients 5 \
  --duration 3 --timeout 2000 --seed "$seed4" --acks "$work/acks5" > "$work/storm5.out"
echo "# the same 5 clients, database back: $(cat "$work/storm5.out")"
got=$(awk '{print $1}' "$work/acks5" | sort -u | wc -l)
check "database back: the servers reconnect by themselves, the clients get leases ($got of 5)" \
  [ "$got" = 5 ]
n=$(not_in_db "$work/acks5")
check "...that are in the database ($n not)" [ "$n" = 0 ]
check "the recovery is logged" grep -q "lease db: commits succeed again" "$work/rb2.log"
n=$(not_in_db "$work/acks_down")
check "the clients renewed while it was down hold the addresses it has for them ($n not)" [ "$n" = 0 ]
n=$(double_acks "$work/acks1" "$work/acks2" "$work/acks_back" "$work/acks3" "$work/acks5")
check "no address ACKed to two clients over the whole run ($n)" [ "$n" = 0 ]

# dhcp.balance: the two servers split the DISCOVERs (shares 1/2 and 2/2);
# server 1 gone, server 2 takes its share's clients once they have waited
# dhcp.balance_takeover_s (3 s; dhcp_storm's clients send secs 0, so it is
# the time since server 2 first left each one's DISCOVER).
rb_stop "$pid1"; pid1=
rb_stop "$pid2"; pid2=
# An empty pool (the servers load the table at start): what is measured is
# the offers, not a pool the storms above left nearly full.
sql "delete from leases"
for i in 1 2; do
  sed "s|^  rate_limit: 0|  rate_limit: 0\n  balance: $i/2|" "$work/rb$i.yaml" > "$work/rb${i}c.yaml"
done
rb_start "$work/rb1c.yaml" "$work/rb1.log" || bail "server 1 did not start with balance 1/2"
pid1=$srv_pid
SRV_NS=s2 rb_start "$work/rb2c.yaml" "$work/rb2.log" || bail "server 2 did not start with balance 2/2"
pid2=$srv_pid
seed6=$((seed ^ 0x10000000))
in_ns c1 timeout -k 5 30 "$STORM" --server 198.18.0.1 --server 198.18.0.2 --relay 198.18.0.9 \
  --rate 1000 --clients 2000 --duration 2 --timeout 2000 --seed "$seed6" --acks "$work/acks6" > "$work/storm6.out"
echo "# balanced, 2000 new clients to both: $(cat "$work/storm6.out")"
by1=$(awk '$3 == "198.18.0.1"' "$work/acks6" | wc -l)
by2=$(awk '$3 == "198.18.0.2"' "$work/acks6" | wc -l)
o1=$(metric_of 198.18.0.1 rackboot_dp_dhcp_offer_total)
o2=$(metric_of 198.18.0.2 rackboot_dp_dhcp_offer_total)
d1=$(metric_of 198.18.0.1 rackboot_dp_dhcp_discover_total)
d2=$(metric_of 198.18.0.2 rackboot_dp_dhcp_discover_total)
left1=$(metric_of 198.18.0.1 'rackboot_dp_drops_total{reason="dhcp_balance_other"}')
check "balanced: both servers ACKed their share ($by1 and $by2 of $(wc -l < "$work/acks6"))" \
  [ "$by1" -gt 500 ] && [ "$by2" -gt 500 ]
check "each DISCOVER offered by one server only ($o1 + $o2 offers, $d1 and $d2 DISCOVERs heard)" \
  [ "$((o1 + o2))" = "$d1" ] && [ "$d1" = "$d2" ]
check "server 1 counts what it left to server 2 ($left1 = $o2)" [ "${left1:-0}" = "$o2" ]
naks=$(( $(metric_of 198.18.0.1 rackboot_dp_dhcp_nak_total) + $(metric_of 198.18.0.2 rackboot_dp_dhcp_nak_total) ))
check "no NAK: each server offers from its own part of the pool ($naks NAKs in all)" [ "$naks" = 0 ]
rb_stop "$pid1"; pid1=
in_ns c1 timeout -k 5 40 "$STORM" --server 198.18.0.1 --server 198.18.0.2 --relay 198.18.0.9 \
  --rate 500 --clients 2000 --duration 8 --timeout 2000 --seed "$seed6" --acks "$work/acks7" > "$work/storm7.out"
echo "# server 1 gone, the same clients twice each, 4 s apart: $(cat "$work/storm7.out")"
took=$(metric_of 198.18.0.2 rackboot_dp_dhcp_balance_takeover_total)
moved=$(awk 'NR == FNR { if ($3 == "198.18.0.1") a[$1] = $2; next }
             $3 == "198.18.0.2" && ($1 in a) { n++; if (a[$1] != $2) d++ }
             END { print n + 0, d + 0 }' "$work/acks6" "$work/acks7")
check "server 2 takes over server 1's share after the wait ($took takeovers; moved, changed: $moved)" \
  [ "${took:-0}" -gt 250 ] && [ "${moved%% *}" -gt 250 ] && [ "${moved#* }" = 0 ]
n=$(double_acks "$work/acks6" "$work/acks7")
check "no address ACKed to two clients, balanced ($n)" [ "$n" = 0 ]

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
