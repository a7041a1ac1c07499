# lib.sh: helpers the integration scripts share. Sourced, never run; the
# caller sets P (its namespace prefix) and the pass/fail counters.

ok()    { pass=$((pass + 1)); echo "ok - $*"; }
bad()   { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }

# The config sections every rack test shares: af_xdp on $P-srv0, no
# hugepages, small memory. Args: address/prefix, HTTP root, TFTP root.
rb_yaml_base() {
  cat <<YAML
server:
  address: $1
port:
  mode: af_xdp
  interface: $P-srv0
dataplane:
  lcores: "0,1"
  hugepages: off
  memory_mb: 256
  mbufs: 8192
http:
  port: 80
  root: $2
tftp:
  root: $3
YAML
}

# SIGTERM to a rackboot, up to 10 s to go; returns its exit status.
rb_stop() { # pid
  kill -TERM "$1"
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null
}
