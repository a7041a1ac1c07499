#!/usr/bin/env python3
"""rrq_flood.py: TFTP read requests from spoofed sources, for tests (stdlib only).

Run it as root inside a client namespace that can reach the server. Each
request goes out through a raw IPv4 socket with IP_HDRINCL, so its source
address is whatever this tool writes there: a random address of --src (a
network, e.g. 198.18.128.0/17, none of them a real client's) and a random
port from 1024. The kernel fills in the IP checksum and routes the frame (the
namespace needs a route to --server); the UDP checksum is 0 (none, allowed
over IPv4). Replies go to the spoofed addresses and nobody takes them.

It sends as fast as it can (or at most --rate a second) until --count
requests or --seconds have passed, whichever comes first, and prints one line of key=value pairs: sent, secs,
rate (requests/s), errors (sends refused by the kernel: a full queue).
"""
import argparse, ipaddress, random, socket, struct, sys, time


def rrq(name, opts):
    body = b"\x00\x01" + name.encode() + b"\x00octet\x00"
    for k, v in opts:
        body += k.encode() + b"\x00" + v.encode() + b"\x00"
    return body


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--src", required=True, help="network the sources are drawn from")
    ap.add_argument("--file", default="pxelinux.0")
    ap.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                    help="a TFTP option (e.g. windowsize=64), repeatable")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=0, help="requests a second at most (0: no cap)")
    a = ap.parse_args()
    net = ipaddress.IPv4Network(a.src)
    if a.count <= 0 or a.seconds <= 0 or net.num_addresses < 4:
        ap.error("--count and --seconds must be positive, --src a network of 4 or more")
    opts = [tuple(o.split("=", 1)) for o in a.option]
    payload = rrq(a.file, opts)
    udp_len = 8 + len(payload)
    base, span = int(net.network_address) + 1, net.num_addresses - 2
    dst = socket.inet_aton(a.server)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # version/IHL, TOS, total length, id (0: the kernel sets it), flags, TTL 64, UDP
    ip_head = struct.pack("!BBHHHBB", 0x45, 0, 20 + udp_len, 0, 0, 64, 17)
    pack, rnd, to = struct.pack, random.getrandbits, (a.server, 0)
    sent = errors = 0
    t0 = time.monotonic()
    end = t0 + a.seconds
    while sent < a.count:
        if sent % 256 == 0:
            now = time.monotonic()
            if now >= end:
                break
            if a.rate > 0 and sent > a.rate * (now - t0):
                time.sleep(min(sent / a.rate - (now - t0), end - now))
        src = pack("!I", base + rnd(32) % span)
        frame = (ip_head + b"\x00\x00" + src + dst +
                 pack("!HHHH", 1024 + rnd(16) % 64512, 69, udp_len, 0) + payload)
        try:
            s.sendto(frame, to)
            sent += 1
        except (BlockingIOError, OSError):
            errors += 1
            if errors > 10 * (sent + 1000):
                break
    secs = time.monotonic() - t0
    print(f"sent={sent} secs={secs:.2f} rate={sent / secs:.0f} errors={errors}")
    return 0 if sent else 1


if __name__ == "__main__":
    sys.exit(main())
