#!/usr/bin/env python3
"""tftp_stall.py SERVER FILE MODE: a TFTP client that misbehaves on purpose
(stdlib only), for the boot event checks.

Modes:
  stall   RRQ without options; waits for DATA 1 and exits without ever
          acknowledging it (the server must give the transfer up: timeout)
  probe   what EDK2 does to learn a file's size: RRQ with tsize 0 and
          blksize 1468, waits for the OACK and answers it with ERROR 8
          (the server must see a client error, code 8, not a timeout)

Prints the server's transfer port. Exit 0 when the expected packet came
(within 5 s), 1 otherwise, 2 on usage error.
"""
import socket
import struct
import sys


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("stall", "probe"):
        print(__doc__, file=sys.stderr)
        return 2
    server, name, mode = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
    rrq = struct.pack("!H", 1) + name + b"\0octet\0"
    if mode == "probe":
        rrq += b"tsize\0" + b"0\0" + b"blksize\0" + b"1468\0"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(rrq, (server, 69))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        print("no answer", file=sys.stderr)
        return 1
    op = struct.unpack("!H", data[:2])[0]
    want = 3 if mode == "stall" else 6  # DATA, OACK
    if op != want:
        print("got opcode %d, wanted %d" % (op, want), file=sys.stderr)
        return 1
    if mode == "probe":
        s.sendto(struct.pack("!HH", 5, 8) + b"tsize probe\0", peer)
    print(peer[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
