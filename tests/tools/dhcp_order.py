#!/usr/bin/env python3
"""dhcp_order.py: RELEASE, then REQUEST again, for many clients inside one commit batch.

Run it inside a client namespace (as root) against a rackboot with more than
one worker. Each client (MACs 02:00:00:0d:00:01..N) first gets a lease by an
ordinary DORA (dhcp_probe.py's). Then, while the lease database is locked
(BEGIN IMMEDIATE on DB, so the batch in flight waits and every later record
queues up for the next batch), each client RELEASEs its address, and 0.3 s
later (every RELEASE decided) asks for it again (INIT-REBOOT REQUEST), each
message from its own UDP source port so the port's RSS hash spreads them over
the workers' queues (and from alternate CPUs: see send_from). The lock is let go
after --hold seconds. Every client then holds an ACK (or at least was last
granted the address), so the database must say "bound" for every one; the
caller checks that.

Prints one JSON object: {"clients": [{"mac": ..., "ip": ...}, ...]}. Exit 0
when every client got its first lease, 1 otherwise.
"""
import argparse, json, os, socket, sqlite3, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dhcp_probe  # noqa: E402

CPUS = sorted(os.sched_getaffinity(0))


def args_for(mac, iface):
    return argparse.Namespace(iface=iface, mac=mac, arch=None, pxe=False, ipxe=False,
                              http_boot=False, client_id=None, hostname=None,
                              request_ip=None, server_id=None, timeout=10.0, collect=0.0,
                              unicast=False, mode="dora")


def send_from(iface, sport, pkt, cpu):
    # Where a frame enters the server's port may follow the sending CPU
    # rather than the flow's hash (a veth picks the queue when it
    # forwards): the messages go from alternate CPUs as well as ports.
    os.sched_setaffinity(0, {CPUS[cpu % len(CPUS)]})
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, dhcp_probe.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", sport))
    s.sendto(pkt, ("255.255.255.255", 67))
    s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", default="eth0")
    p.add_argument("--db", required=True, help="the lease database to hold locked")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--hold", type=float, default=1.0, help="seconds the database stays locked")
    a = p.parse_args()
    clients = []
    for i in range(1, a.clients + 1):
        ca = args_for("02:00:00:0d:00:%02x" % i, a.iface)
        c = dhcp_probe.Client(ca)
        res = {}
        for _ in range(3):   # as a real client retries
            ack = dhcp_probe.dora(c, ca, res)
            if ack:
                break
        c.udp.close()
        c.raw.close()
        if not ack:
            print(json.dumps({"clients": [{"mac": x.a.mac, "ip": ip} for x, ip, _ in clients],
                              "error": "no lease for %s: %s" % (ca.mac, res.get("error"))}))
            return 1
        clients.append((c, ack["yiaddr"], ack["server_id"]))
    db = sqlite3.connect(a.db, timeout=10, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    try:
        # Every RELEASE is decided before any REQUEST is sent: the two
        # may land on different workers, and the server must see them in
        # the client's order for "bound" to be the right answer.
        for i, (c, ip, sid) in enumerate(clients):
            send_from(a.iface, 20000 + i,
                      c.packet(7, ciaddr=ip, extra=[(54, socket.inet_aton(sid))]), i)
        time.sleep(0.3)
        for i, (c, ip, sid) in enumerate(clients):
            send_from(a.iface, 30000 + 7 * i, c.packet(3, extra=[(50, socket.inet_aton(ip))]),
                      i + 1)
        time.sleep(a.hold)
    finally:
        db.execute("ROLLBACK")
        db.close()
    print(json.dumps({"clients": [{"mac": c.a.mac, "ip": ip} for c, ip, _ in clients]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
