#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tftp_spoof.py: TFTP packets with a forged IPv4 source, for the reflector
test (tests/integration/test_reflect.sh). Raw socket (root), one packet per
destination port, nothing received. Use only on the virtual rack.

  tftp_spoof.py rrq SRC SPORT DST FILE [NAME=VALUE...]   a read request to DST:69
  tftp_spoof.py ack SRC SPORT DST BLOCK PORT-PORT        an ACK to each port
"""
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(src, sport, dst, dport, payload):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, 64, socket.IPPROTO_UDP, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def main(argv):
    if len(argv) < 6 or argv[1] not in ("rrq", "ack"):
        sys.stderr.write(__doc__)
        return 2
    kind, src, sport, dst = argv[1], argv[2], int(argv[3]), argv[4]
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    if kind == "rrq":
        body = b"\0\1" + argv[5].encode() + b"\0octet\0"
        for opt in argv[6:]:
            name, value = opt.split("=", 1)
            body += name.encode() + b"\0" + value.encode() + b"\0"
        sock.sendto(packet(src, sport, dst, 69, body), (dst, 0))
        sent = 1
    else:
        block = int(argv[5])
        lo, hi = (int(x) for x in argv[6].split("-"))
        for port in range(lo, hi + 1):
            sock.sendto(packet(src, sport, dst, port, struct.pack("!HH", 4, block)), (dst, 0))
            sent += 1
    print("sent %d" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
