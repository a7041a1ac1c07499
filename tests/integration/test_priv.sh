#!/usr/bin/env bash
# test_priv.sh: privilege separation on the virtual rack (docs/security.md,
# "Who runs as whom").
#  - started as root the ordinary way, the control runs as the service user
#    (server.user, rackboot) with CAP_NET_ADMIN and CAP_KILL alone in its
#    main thread and nothing in its other threads; the dataplane stays root
#  - it still serves DHCP (lease durable in the database it can write), HTTP
#    and the API, reloads on SIGHUP, and stops cleanly (the address it added
#    removed: CAP_NET_ADMIN at the stop)
#  - the lease database, its -wal/-shm and the API token are the service
#    user's, 0600
#  - the API from the rack without the token is refused (401)
#  - a lease database that others can read, a symlinked one, one of another
#    owner, and a token file others can read each stop the start, and the
#    message names the file, what is wrong and the command that fixes it
# Needs root.
set -uo pipefail
: "${RB_BUILD:?}" "${RB_SRC:?}"
# shellcheck source=scripts/lib/rack.sh
. "$RB_SRC/scripts/lib/rack.sh"
rb_require test_priv.sh ip curl udhcpc

export RB_PREFIX=rbv$$ # rbv: this test
P=$RB_PREFIX
SRV_IP=198.18.0.1
work=$(rb_workdir priv)
pass=0 fail=0 srv_pid=''
db=$work/db/leases.db
tok=$work/api.token
svc_uid=$(id -u rackboot)

cleanup() {
  [ -n "$srv_pid" ] && rb_stop "$srv_pid"
  "$RACK" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/repo" "$work/tftp"
echo "repository file" > "$work/repo/hello.txt"
"$RACK" up >/dev/null || bail "rack.sh up failed"
"$RACK" client c1 >/dev/null || bail "no client namespace"
"$RACK" client c2 198.18.0.10/24 >/dev/null || bail "no second client namespace"
# The API on every address (not the default loopback), so that the rack
# can try it at all.
{ rb_yaml_base "$SRV_IP/24" "$work/repo" "$work/tftp" | sed 's/^api:$/api:\n  address: 0.0.0.0/'
  cat <<YAML
dhcp:
  mode: server
  database: $db
  rate_limit: 0
  subnets:
    - subnet: 198.18.0.0/24
      pool: 198.18.0.100-198.18.0.150
hosts:
  - name: n1
    mac: "52:54:00:00:00:01"
    power: {driver: ipmi, address: 198.18.0.50, username: admin, password_file: $work/bmc.pass}
  - name: n2
    mac: "52:54:00:00:00:02"
    power: {driver: command, command: $work/power.sh}
YAML
} > "$work/rb.yaml"
# Power files as an operator might leave them: root's password file (the
# drivers run as rackboot), a script rackboot may not run.
printf 'secret' > "$work/bmc.pass"
chmod 600 "$work/bmc.pass"
printf '#!/bin/sh\nexit 0\n' > "$work/power.sh"
chmod 700 "$work/power.sh"

status_field() { awk -v k="$2:" '$1 == k {print $2; exit}' "/proc/$1/status"; } # pid key
owner_mode() { stat -c '%U %a' "$1"; }

# --- who runs as whom ---------------------------------------------------------
rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start"
user=$(ps -o user= -p "$srv_pid" | tr -d ' ')
check "ps: the control runs as the service user ($user)" [ "$user" = rackboot ]
uids=$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' "/proc/$srv_pid/status")
check "real, effective, saved and file uid are rackboot's ($uids)" \
  [ "$uids" = "$svc_uid $svc_uid $svc_uid $svc_uid" ]
groups=$(status_field "$srv_pid" Groups)
check "supplementary groups: rackboot's only ($groups)" [ "$groups" = "$(id -g rackboot)" ]
# CAP_KILL is 5, CAP_NET_ADMIN 12: 0x1020.
capeff=$(status_field "$srv_pid" CapEff) capprm=$(status_field "$srv_pid" CapPrm)
capinh=$(status_field "$srv_pid" CapInh) capbnd=$(status_field "$srv_pid" CapBnd)
capamb=$(status_field "$srv_pid" CapAmb)
check "main thread: CapEff is CAP_NET_ADMIN + CAP_KILL ($capeff)" [ "$capeff" = 0000000000001020 ]
check "main thread: CapPrm the same ($capprm)" [ "$capprm" = 0000000000001020 ]
check "main thread: nothing inheritable or ambient ($capinh, $capamb)" \
  [ "$capinh $capamb" = "0000000000000000 0000000000000000" ]
check "main thread: the bounding set is those two ($capbnd)" [ "$capbnd" = 0000000000001020 ]
others=0 with_caps=0
for t in /proc/"$srv_pid"/task/*; do
  [ "${t##*/}" = "$srv_pid" ] && continue
  others=$((others + 1))
  [ "$(status_field "$srv_pid/task/${t##*/}" CapEff)" = 0000000000000000 ] || with_caps=$((with_caps + 1))
done
check "the control has other threads ($others: HTTP, the channel, power)" [ "$others" -gt 0 ]
check "...and they hold no capability ($with_caps do)" [ "$with_caps" = 0 ]
dp=$(dataplane_of "$srv_pid") || dp=''
dp_user=$([ -n "$dp" ] && ps -o user= -p "$dp" | tr -d ' ')
check "the dataplane (pid ${dp:-none}) stays root (${dp_user:-none})" [ "$dp_user" = root ]
grep -o 'running as user.*' "$work/rb.log" | sed 's/^/# /'
check "the log says who the control became" grep -q "running as user rackboot (uid $svc_uid), keeping CAP_NET_ADMIN and CAP_KILL" "$work/rb.log"

check "it warns that the password file is out of its reach" \
  grep -qF "host n1: power $work/bmc.pass: user rackboot cannot read it: Permission denied" "$work/rb.log"
check "...and that the power script is" \
  grep -qF "host n2: power $work/power.sh: user rackboot cannot run it: Permission denied" "$work/rb.log"
chown rackboot "$work/bmc.pass"
chmod 755 "$work/power.sh"

# --- what it holds ------------------------------------------------------------
check "lease database: rackboot's, 0600 ($(owner_mode "$db"))" [ "$(owner_mode "$db")" = "rackboot 600" ]
for f in "$db-wal" "$db-shm"; do
  check "${f##*/}: rackboot's, 0600 ($(owner_mode "$f"))" [ "$(owner_mode "$f")" = "rackboot 600" ]
done
check "its directory (made by rackboot) is rackboot's ($(owner_mode "$work/db"))" [ "$(owner_mode "$work/db")" = "rackboot 755" ]
check "API token: rackboot's, 0600 ($(owner_mode "$tok"))" [ "$(owner_mode "$tok")" = "rackboot 600" ]

# --- it still works -----------------------------------------------------------
in_ns c1 timeout 15 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s /bin/true > "$work/udhcpc.out" 2>&1
lease=$(grep -o 'lease of 198.18.0.1[0-9][0-9]' "$work/udhcpc.out" | head -n 1)
check "the dataplane serves DHCP (${lease:-no lease})" [ -n "$lease" ]
bound=$(in_srv curl -s --max-time 5 "http://127.0.0.1:8081/api/v1/leases?state=bound" | grep -o '"address": *"198.18.0.1[0-9][0-9]"' | head -n 1)
check "...and the control committed it to the database it now writes as rackboot (${bound:-none})" [ -n "$bound" ]
acks=$(in_ns c2 curl -s --max-time 5 "http://$SRV_IP/metrics" | awk '$1 == "rackboot_dp_dhcp_ack_total" {print $2}')
check "/metrics has the dataplane's counters over the channel (dhcp_ack_total ${acks:-none})" [ "${acks:-0}" -ge 1 ]
check "HTTP serves the repository" [ "$(in_ns c2 curl -s --max-time 5 "http://$SRV_IP/hello.txt")" = "repository file" ]
code=$(in_ns c2 curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$SRV_IP:8081/api/v1/leases")
check "the API from the rack without the token is refused ($code)" [ "$code" = 401 ]
code=$(in_ns c2 curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $(cat "$tok")" "http://$SRV_IP:8081/api/v1/leases")
check "...and served with it ($code)" [ "$code" = 200 ]
n0=$(grep -c 'reload: .* now served' "$work/rb.log")
kill -HUP "$srv_pid"
for _ in $(seq 1 50); do [ "$(grep -c 'reload: .* now served' "$work/rb.log")" -gt "$n0" ] && break; sleep 0.1; done
check "SIGHUP reload reads the config again as rackboot ($(grep -o 'reload: .*' "$work/rb.log" | tail -n 1))" \
  [ "$(grep -c 'reload: .* now served' "$work/rb.log")" -gt "$n0" ]
check "...and the dataplane still serves DHCP" in_ns c1 timeout 15 udhcpc -i eth0 -f -q -n -t 5 -T 1 -s /bin/true
rb_stop "$srv_pid"; rc=$?; srv_pid=''
check "SIGTERM stops cleanly (exit $rc)" [ "$rc" = 0 ]
check "the server address is gone from the port (removed with CAP_NET_ADMIN)" \
  [ -z "$(in_srv ip -4 addr show dev "$P-srv0" | grep "$SRV_IP/")" ]
dp_alive=$(kill -0 "${dp:-0}" 2>/dev/null && echo yes)
check "no dataplane left" [ -z "$dp_alive" ]
check "...nor its runtime directory" [ -z "$(ls -d /var/run/dpdk/rackboot"${dp:-x}"* 2>/dev/null)" ]

# --- files it refuses -------------------------------------------------------------
# refused NAME WANT: a start refused, its log holding WANT (a fixed string).
refused() {
  local rc
  rb_refused "$work/rb.yaml" "$work/$1.log" 30; rc=$?
  check "$1: rackboot does not start (exit $rc)" [ "$rc" = 1 ]
  check "...and says: $(grep -F -- "$2" "$work/$1.log" | head -n 1 | cut -c1-240)" \
    grep -qF -- "$2" "$work/$1.log"
}
chmod 644 "$db"
refused world-readable "lease database: $db: mode 0644 lets others read or change the lease database; chmod 640 $db"
chmod 660 "$db"
refused group-writable "$db: mode 0660 lets others read or change the lease database; chmod 640 $db"
chmod 600 "$db"
chown root "$db"
refused root-owned "$db: owned by root (uid 0), not by rackboot (uid $svc_uid) that rackboot runs as; the lease database must be rackboot's own: chown rackboot $db"
chown rackboot "$db"
mv "$db" "$db.real"
ln -s "$db.real" "$db"
refused symlinked "$db: is a symbolic link; the lease database must be a regular file (remove the link)"
rm "$db"
mv "$db.real" "$db"
# The -wal is gone after a clean stop (its directory is rackboot's); one
# left by a crash, or put there, is checked like the database.
install -m 644 -o rackboot /dev/null "$db-wal"
refused wal-readable "$db-wal: mode 0644 lets others read or change the lease database"
rm -f "$db-wal"
chmod 640 "$tok"
refused token-readable "api.token_file $tok: mode 0640 lets others read or change the API token; chmod 600 $tok"
chmod 600 "$tok"
chown root "$tok"
refused token-root-owned "$tok: owned by root (uid 0), not by rackboot (uid $svc_uid)"
chown rackboot "$tok"
# What the control opens by name after the drop must be in its reach.
chmod 700 "$work/repo"
refused repo-unreachable "http.root $work/repo: user rackboot cannot read it: Permission denied"
chmod 755 "$work/repo"
rb_start "$work/rb.yaml" "$work/rb.log" || bail "rackboot did not start again with the files put right"
ok "with the files put right it starts again"
rb_stop "$srv_pid"; srv_pid=''

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
