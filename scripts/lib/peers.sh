# shellcheck shell=bash
# shellcheck disable=SC2034 # srv_pid is the caller's (scripts/lib/rack.sh)
# scripts/lib/peers.sh: the peer DHCP and HTTP servers the benchmarks run
# next to rackboot (the TFTP peers are tftp_peer_start in rack.sh). Sourced
# after scripts/lib/rack.sh; each starter runs its server in $P-srv through
# srv_exec (so it joins RB_SRV_CG), sets srv_pid, and returns 1 (with why in
# its LOG) when it cannot start. None adds the server address: the caller
# does (srv_addr_add), as one address serves DHCP, TFTP and HTTP.
#
# The pool: POOL "first-last", SUBNET "a.b.c.d/len", the server SRV_IP
# (198.18.0.1), which is also the router, next server and name server.

# kea_start DIR LOG SOCKET SUBNET POOL [BOOTFILE [LEASE-DATABASE [EXTRA]]]:
# kea-dhcp4 on $P-srv0, memfile leases in DIR (persisted, as by default)
# unless LEASE-DATABASE (a JSON object) says otherwise, "udp" sockets
# (relayed traffic) or "raw" (clients without an address, broadcast);
# BOOTFILE, when given, as next-server + boot-file-name; EXTRA: more
# members of Dhcp4, each ending in a comma (e.g. "multi-threading").
kea_start() {
  local dir=$1 log=$2 sock=$3 subnet=$4 pool=$5 boot=${6:-} ip=${SRV_IP:-198.18.0.1} extra=
  local leases=${7:-"{ \"type\": \"memfile\", \"persist\": true, \"name\": \"$1/leases4.csv\", \"lfc-interval\": 0 }"}
  command -v kea-dhcp4 >/dev/null || { echo "kea-dhcp4 not installed" > "$log"; return 1; }
  [ -z "$boot" ] || extra=", \"next-server\": \"$ip\", \"boot-file-name\": \"$boot\""
  cat > "$dir/kea-dhcp4.conf" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "$P-srv0" ], "dhcp-socket-type": "$sock" },
  "lease-database": $leases,
  ${8:-}
  "valid-lifetime": 3600,
  "subnet4": [ { "id": 1, "subnet": "$subnet",
                 "pools": [ { "pool": "${pool/-/ - }" } ]$extra,
                 "option-data": [ { "name": "routers", "data": "$ip" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                 "output_options": [ { "output": "$dir/kea.log" } ] } ]
} }
JSON
  # Pid and logger lock files in DIR, not /run/kea, so a system Kea or
  # another benchmark does not collide with this one.
  KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir \
    srv_exec ip netns exec "$P-srv" kea-dhcp4 -c "$dir/kea-dhcp4.conf" > "$log" 2>&1 &
  srv_pid=$!
}

# dhcpd_start DIR LOG SUBNET POOL BOOTFILE: ISC dhcpd (isc-dhcp-server) on
# $P-srv0 in the foreground, configured as a classic PXE how-to does (the
# seed's: next-server, filename, one subnet with a range, mask, routers,
# name server, lease times 600/7200; nothing tuned), leases in DIR.
dhcpd_start() {
  local dir=$1 log=$2 subnet=$3 pool=$4 boot=$5 ip=${SRV_IP:-198.18.0.1} mask
  [ -x /usr/sbin/dhcpd ] || { echo "dhcpd missing (apt-get install isc-dhcp-server)" > "$log"; return 1; }
  mask=$(awk -v l="${subnet#*/}" 'BEGIN { m = 0; for (i = 0; i < 32; i++) m = m * 2 + (i < l);
    printf "%d.%d.%d.%d", int(m / 16777216) % 256, int(m / 65536) % 256, int(m / 256) % 256, m % 256 }')
  cat > "$dir/dhcpd.conf" <<CONF
next-server $ip;
filename "$boot";
subnet ${subnet%/*} netmask $mask {
  range ${pool%-*} ${pool#*-};
  option subnet-mask $mask;
  option routers $ip;
  option domain-name-servers $ip;
  default-lease-time 600;
  max-lease-time 7200;
}
CONF
  : > "$dir/dhcpd.leases"
  srv_exec ip netns exec "$P-srv" /usr/sbin/dhcpd -4 -f -d -q -cf "$dir/dhcpd.conf" \
    -lf "$dir/dhcpd.leases" -pf "$dir/dhcpd.pid" "$P-srv0" > "$log" 2>&1 &
  srv_pid=$!
}

# apache_start DIR LOG ALIAS_DIR: Apache httpd (apache2, its default event
# MPM) on $SRV_IP:80 in the foreground, serving ALIAS_DIR under /PXEServer
# with directory indexes, as the seed's pxeboot.conf does (its 2.2
# "Order/Allow from all" is 2.4's "Require all granted").
apache_start() {
  local dir=$1 log=$2 alias=$3 m=/usr/lib/apache2/modules
  [ -x /usr/sbin/apache2 ] || { echo "apache2 missing (apt-get install apache2)" > "$log"; return 1; }
  mkdir -p "$dir/www"
  cat > "$dir/apache2.conf" <<CONF
ServerRoot /etc/apache2
ServerName rackboot-bench
DefaultRuntimeDir $dir
PidFile $dir/apache2.pid
Listen ${SRV_IP:-198.18.0.1}:80
User www-data
Group www-data
ErrorLog $dir/apache-error.log
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule alias_module $m/mod_alias.so
LoadModule autoindex_module $m/mod_autoindex.so
LoadModule dir_module $m/mod_dir.so
LoadModule mime_module $m/mod_mime.so
TypesConfig /etc/mime.types
DocumentRoot $dir/www
Alias /PXEServer $alias
<Directory $alias>
  Options Indexes FollowSymLinks
  Require all granted
</Directory>
CONF
  srv_exec ip netns exec "$P-srv" /usr/sbin/apache2 -f "$dir/apache2.conf" -DFOREGROUND > "$log" 2>&1 &
  srv_pid=$!
}
