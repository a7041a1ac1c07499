#!/usr/bin/env python3
"""dhcp_probe.py: a scriptable DHCP/PXE client for tests (stdlib only).

Run it inside a client network namespace (as root). It needs no address on
the interface: requests go out through a UDP socket bound to 0.0.0.0:68 with
SO_BROADCAST and SO_BINDTODEVICE, to 255.255.255.255:67. Replies are read from
an AF_PACKET socket on the same interface, so a reply is seen whatever its
destination IP (broadcast, or unicast to an address the kernel does not hold
yet) and its destination MAC can be reported.

Modes:
  dora      DISCOVER, OFFER, REQUEST, ACK (the default)
  discover  DISCOVER and the OFFERs only
  inform    INFORM from --request-ip (or eth0's address), expect an ACK
  release   DORA (unless --request-ip and --server-id are given), then RELEASE
  decline   DORA (unless --request-ip and --server-id are given), then DECLINE
  proxy     DORA with PXE options while collecting proxyDHCP offers; then a
            REQUEST to the proxy's server-id at port 4011 from the leased
            address (added to the interface for the exchange, removed after)

Prints one JSON object: {"replies": [...], "lease": {...}}; every option is
hex by code, plus decoded convenience fields. Exit 0 when the exchange
completed (ACK received, or RELEASE/DECLINE sent), 1 on timeout or NAK (the
partial JSON is still printed), 2 on usage error.
"""
import argparse, ipaddress, json, random, select, socket, struct, subprocess, sys, time, uuid

MAGIC = b"\x63\x82\x53\x63"
TYPES = {1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack", 6: "nak",
         7: "release", 8: "inform"}
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


class Malformed(Exception):
    pass


def ip4(b):
    return socket.inet_ntoa(b)


def parse_options(data, opts):
    """Parse TLV options into opts {code: bytes}; repeated codes concatenate (RFC 3396)."""
    i = 0
    while i < len(data):
        code = data[i]
        if code == 255:
            return True
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            raise Malformed("option %d: length byte missing" % code)
        n = data[i + 1]
        if i + 2 + n > len(data):
            raise Malformed("option %d: length %d overruns packet" % (code, n))
        opts[code] = opts.get(code, b"") + data[i + 2:i + 2 + n]
        i += 2 + n
    return False


def parse_bootp(p):
    """Decode a BOOTP/DHCP payload into a dict; raises Malformed on any bounds problem."""
    if len(p) < 240:
        raise Malformed("short packet: %d bytes" % len(p))
    if p[236:240] != MAGIC:
        raise Malformed("bad magic cookie")
    op, _, hlen = p[0], p[1], p[2]
    xid, secs, flags = struct.unpack("!IHH", p[4:12])
    opts = {}
    parse_options(p[240:], opts)
    over = opts.get(52, b"\0")[0] if opts.get(52) else 0
    file_f, sname_f = p[108:236], p[44:108]
    if over & 1:
        parse_options(file_f, opts)
    if over & 2:
        parse_options(sname_f, opts)
    cstr = lambda b: b.split(b"\0", 1)[0].decode("latin-1")
    r = {"op": op, "xid": xid, "secs": secs, "flags": flags,
         "chaddr": p[28:28 + min(hlen, 16)].hex(":"),
         "ciaddr": ip4(p[12:16]), "yiaddr": ip4(p[16:20]), "siaddr": ip4(p[20:24]),
         "giaddr": ip4(p[24:28]),
         "sname": "" if over & 2 else cstr(sname_f), "file": "" if over & 1 else cstr(file_f)}
    mt = opts.get(53, b"")
    r["type"] = TYPES.get(mt[0], "type%d" % mt[0]) if len(mt) == 1 else "bootp"
    r["options"] = {str(k): v.hex() for k, v in sorted(opts.items())}
    r.update(decode(opts))
    return r, opts


def decode(o):
    """Convenience fields for the options tests look at most."""
    d = {}
    ips = lambda b: [ip4(b[i:i + 4]) for i in range(0, len(b) - len(b) % 4, 4)]
    text = lambda b: b.rstrip(b"\0").decode("latin-1")
    if len(o.get(54, b"")) == 4: d["server_id"] = ip4(o[54])
    if len(o.get(51, b"")) == 4: d["lease_time"] = struct.unpack("!I", o[51])[0]
    if len(o.get(1, b"")) == 4: d["subnet_mask"] = ip4(o[1])
    if 3 in o: d["routers"] = ips(o[3])
    if 6 in o: d["dns"] = ips(o[6])
    if 15 in o: d["domain"] = text(o[15])
    if 67 in o: d["bootfile"] = text(o[67])
    if 66 in o: d["tftp_server"] = text(o[66])
    if 60 in o: d["vendor_class"] = text(o[60])
    if 43 in o: d["option43"] = o[43].hex()
    if 97 in o: d["uuid"] = o[97].hex()
    if 82 in o: d["relay_info"] = o[82].hex()
    d.setdefault("server_id", None)
    return d


def parse_frame(frame):
    """Ethernet/IPv4/UDP frame -> (src ip:port, dst ip:port, dst mac, payload) or None if not UDP."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or ip[9] != 17 or len(ip) < ihl + 8:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
    if ulen < 8 or ihl + ulen > min(total, len(ip)):
        raise Malformed("UDP length %d overruns IP packet" % ulen)
    return ("%s:%d" % (ip4(ip[12:16]), sport), "%s:%d" % (ip4(ip[16:20]), dport),
            frame[0:6].hex(":"), dport, ip[ihl + 8:ihl + ulen])


class Client:
    def __init__(self, a):
        self.a = a
        self.mac = bytes.fromhex(a.mac.replace(":", "").replace("-", ""))
        self.xid = random.getrandbits(32)
        self.replies = []
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.udp.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, a.iface.encode())
        self.udp.bind(("0.0.0.0", 68))
        self.raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.raw.bind((a.iface, ETH_P_IP))

    def options(self, mtype, extra=()):
        a, o = self.a, [(53, bytes([mtype]))]
        if a.client_id: o.append((61, bytes.fromhex(a.client_id)))
        if a.hostname: o.append((12, a.hostname.encode()))
        if a.arch is not None: o.append((93, struct.pack("!H", a.arch)))
        if a.pxe:
            o += [(60, b"PXEClient:Arch:%05d:UNDI:002001" % a.arch), (94, b"\x01\x02\x01"),
                  (97, b"\x00" + uuid.uuid5(uuid.NAMESPACE_OID, a.mac).bytes), (57, b"\x04\xec")]
        elif a.http_boot:
            o.append((60, b"HTTPClient:Arch:%05d:UNDI:003016" % a.arch))
        if a.ipxe:
            # iPXE's user class, and its feature list (175): HTTP (19) and PXEEXT (17).
            o += [(77, b"iPXE"), (175, b"\x13\x01\x01\x11\x01\x02")]
        o += list(extra)
        if mtype in (1, 3, 8):
            o.append((55, bytes([1, 3, 6, 12, 15, 28, 42, 43, 51, 54, 58, 59, 60, 66, 67, 97])))
        return o

    def packet(self, mtype, ciaddr="0.0.0.0", extra=()):
        flags = 0 if self.a.unicast else 0x8000   # broadcast: we may hold no address yet
        hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, self.xid, 0, flags,
                          socket.inet_aton(ciaddr), bytes(4), bytes(4), bytes(4),
                          self.mac, b"", b"")
        body = b"".join(bytes([c, len(v)]) + v for c, v in self.options(mtype, extra))
        pkt = hdr + MAGIC + body + b"\xff"
        return pkt + bytes(max(0, 300 - len(pkt)))   # BOOTP minimum size

    def send(self, pkt, dst="255.255.255.255", port=67):
        self.udp.sendto(pkt, (dst, port))

    def wait(self, want, timeout, collect=0.0, accept=lambda r: True):
        """Read replies for our xid until one of type in `want` passes accept (or, with
        collect, until collect seconds passed). Returns the first accepted reply or None."""
        t_collect = time.monotonic() + collect
        t_end = time.monotonic() + max(timeout, collect)
        first = None
        while True:
            left = (t_collect if first else t_end) - time.monotonic()
            if left <= 0:
                return first
            if not select.select([self.raw], [], [], left)[0]:
                continue
            frame, addr = self.raw.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            try:
                f = parse_frame(frame)
                if not f or f[3] != 68:
                    continue
                r, opts = parse_bootp(f[4])
            except (Malformed, struct.error, IndexError, UnicodeError) as e:
                self.replies.append({"type": "malformed", "error": str(e), "len": len(frame)})
                continue
            if r["op"] != 2 or r["xid"] != self.xid:
                continue
            r["from"], r["to"], r["dst_mac"] = f[0], f[1], f[2]
            r["_opts"] = opts
            self.replies.append(r)
            if r["type"] in want and accept(r) and not first:
                first = r


def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def iface_addr(iface):
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", iface],
                         capture_output=True, text=True).stdout.split()
    return out[out.index("inet") + 1].split("/")[0] if "inet" in out else None


class TempAddr:
    """Adds ip/prefix to iface for a with-block unless it is already there."""
    def __init__(self, iface, ip, prefix):
        self.args = ["%s/%d" % (ip, prefix), "dev", iface]
        self.added = False

    def __enter__(self):
        self.added = subprocess.run(["ip", "addr", "add"] + self.args,
                                    capture_output=True).returncode == 0
        return self

    def __exit__(self, *exc):
        if self.added:
            subprocess.run(["ip", "addr", "del"] + self.args, capture_output=True)


def prefix_of(r, default=24):
    try:
        return ipaddress.IPv4Network("0.0.0.0/" + r["subnet_mask"]).prefixlen
    except (KeyError, TypeError, ValueError):
        return default


def is_proxy_offer(r):
    return (r["type"] == "offer" and r["yiaddr"] == "0.0.0.0"
            and r["_opts"].get(60, b"").startswith(b"PXEClient"))


def boot_item(o43):
    """Option 43 for the port-4011 request: echo the offer's boot item (71), or pick the
    first boot menu entry (9) at layer 0, as a PXE ROM would. b"" if neither."""
    subs = {}
    try:
        parse_options(o43, subs)
    except Malformed:
        return b""
    if len(subs.get(71, b"")) == 4:
        return b"\x47\x04" + subs[71] + b"\xff"
    if len(subs.get(9, b"")) >= 3:
        return b"\x47\x04" + subs[9][0:2] + b"\x00\x00\xff"
    return b""


def dora(c, a, result):
    """DISCOVER/OFFER/REQUEST/ACK; returns the ACK or None (NAK, timeout)."""
    ext = [(50, socket.inet_aton(a.request_ip))] if a.request_ip else []
    c.send(c.packet(1, extra=ext))
    pick = lambda r: r["yiaddr"] != "0.0.0.0" and (not a.server_id or r["server_id"] == a.server_id)
    offer = c.wait({"offer"}, a.timeout, a.collect, pick)
    if not offer:
        result["error"] = "no offer" + (" from " + a.server_id if a.server_id else "")
        return None
    if not offer["server_id"]:
        result["error"] = "offer without server-id"
        return None
    c.send(c.packet(3, extra=[(50, socket.inet_aton(offer["yiaddr"])),
                              (54, socket.inet_aton(offer["server_id"]))]))
    ack = c.wait({"ack", "nak"}, a.timeout,
                 accept=lambda r: r["server_id"] in (None, offer["server_id"]))
    if not ack or ack["type"] == "nak":
        result["error"] = "nak" if ack else "no ack"
        return None
    result["lease"] = {"ip": ack["yiaddr"], **{k: v for k, v in ack.items() if k not in (
        "options", "_opts", "op", "xid", "secs", "flags", "chaddr", "type")}}
    return ack


def run(c, a, result):
    if a.mode == "discover":
        ext = [(50, socket.inet_aton(a.request_ip))] if a.request_ip else []
        c.send(c.packet(1, extra=ext))
        ok = c.wait({"offer"}, a.timeout, a.collect) is not None
        if not ok: result["error"] = "no offer"
        return ok
    if a.mode == "inform":
        ip = a.request_ip or iface_addr(a.iface)
        if not ip:
            result["error"] = "inform needs --request-ip or an address on " + a.iface
            return False
        # The server answers unicast to ciaddr, so the kernel must hold it (to answer ARP).
        with TempAddr(a.iface, ip, 32):
            c.send(c.packet(8, ciaddr=ip))
            ok = c.wait({"ack"}, a.timeout, a.collect) is not None
        if not ok: result["error"] = "no ack"
        return ok
    if a.mode in ("release", "decline"):
        if a.request_ip and a.server_id:
            ip, sid, plen = a.request_ip, a.server_id, 24
        else:
            ack = dora(c, a, result)
            if not ack:
                return False
            ip, sid, plen = ack["yiaddr"], ack["server_id"], prefix_of(ack)
        if a.mode == "decline":   # broadcast, from 0.0.0.0, naming the address (RFC 2131 4.4.1)
            c.send(c.packet(4, extra=[(50, socket.inet_aton(ip)), (54, socket.inet_aton(sid))]))
        else:                     # unicast to the server, from the address
            with TempAddr(a.iface, ip, plen):
                c.send(c.packet(7, ciaddr=ip, extra=[(54, socket.inet_aton(sid))]), dst=sid)
                time.sleep(0.2)   # let ARP resolve and the frame leave before the address goes
        result["sent"] = a.mode
        return True
    if a.mode == "proxy":
        a.collect = a.collect or 1.0   # give every proxyDHCP server time to offer
        ack = dora(c, a, result)
        if not ack:
            return False
        proxies = [r for r in c.replies if is_proxy_offer(r)]
        if not proxies:
            result["error"] = "no proxy offer"
            return False
        px = proxies[0]
        sid = px["server_id"] or px["from"].split(":")[0]
        item = boot_item(px["_opts"].get(43, b""))
        ext = [(43, item)] if item else []
        with TempAddr(a.iface, ack["yiaddr"], prefix_of(ack)):
            c.send(c.packet(3, ciaddr=ack["yiaddr"], extra=ext), dst=sid, port=4011)
            pack = c.wait({"ack"}, a.timeout, accept=lambda r: r["from"].endswith(":4011"))
        result["proxy_server"] = sid
        if not pack:
            result["error"] = "no ack from proxy %s:4011" % sid
            return False
        result["proxy_ack"] = {k: v for k, v in pack.items() if k != "_opts"}
        return True
    return dora(c, a, result) is not None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", default="eth0")
    p.add_argument("--mac", help="chaddr (default: the interface's MAC)")
    p.add_argument("--arch", type=int, help="client architecture, option 93")
    p.add_argument("--pxe", action="store_true", help="PXE ROM options 60, 93, 94, 97")
    p.add_argument("--ipxe", action="store_true", help="iPXE user class (77) and option 175")
    p.add_argument("--http-boot", action="store_true", help="UEFI HTTP boot vendor class")
    p.add_argument("--client-id", help="option 61, hex")
    p.add_argument("--hostname")
    p.add_argument("--request-ip")
    p.add_argument("--mode", default="dora",
                   choices=["dora", "discover", "inform", "release", "decline", "proxy"])
    p.add_argument("--server-id", help="accept offers from this server only / release to it")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per reply (default 3)")
    p.add_argument("--collect", type=float, default=0.0,
                   help="collect every OFFER for this many seconds")
    p.add_argument("--unicast", action="store_true", help="clear the broadcast flag")
    a = p.parse_args()
    try:
        a.mac = a.mac or iface_mac(a.iface)
        if len(bytes.fromhex(a.mac.replace(":", "").replace("-", ""))) != 6:
            raise ValueError("--mac needs 6 bytes")
        if a.client_id and not 2 <= len(bytes.fromhex(a.client_id)) <= 255:
            raise ValueError("--client-id needs 2..255 bytes")
        if a.hostname and len(a.hostname.encode()) > 255:
            raise ValueError("--hostname longer than 255 bytes")
        for ip in (a.request_ip, a.server_id):
            if ip: socket.inet_aton(ip)
    except (OSError, ValueError) as e:
        p.error(str(e))
    if a.pxe and a.http_boot:
        p.error("--pxe and --http-boot are exclusive")
    if a.mode == "proxy":
        a.pxe = True
    if a.arch is None and (a.pxe or a.http_boot):
        a.arch = 16 if a.http_boot else 0
    result = {"mode": a.mode, "mac": a.mac}
    try:
        c = Client(a)
    except OSError as e:   # not root, no such interface, port 68 taken
        p.error("cannot open sockets on %s: %s" % (a.iface, e))
    result["xid"] = "%08x" % c.xid
    try:
        ok = run(c, a, result)
    except KeyboardInterrupt:
        ok = False
        result["error"] = "interrupted"
    result["replies"] = [{k: v for k, v in r.items() if k != "_opts"} for r in c.replies]
    result.setdefault("lease", None)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
