#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fake_api.py: a stand-in for rackboot's HTTP API, on loopback, for
rackbootctl's integration test (test_rackbootctl.py).

It serves canned JSON in the shapes the API documents, checks the
Authorization header the way the API does (every POST needs the token; a
GET needs it only when `token_for_get` is set, as for a non-loopback
client) and checks POST bodies strictly (unknown field, wrong type, bad
selector: 400). Every request is recorded with its headers and body.
Errors on demand: `fail[path] = (status, message)` answers that path with
that status once per request until removed; `hang` makes every request
wait without answering (for timeouts).

Run alone (`fake_api.py TOKEN`) it prints its port and serves until
killed, for trying rackbootctl by hand.
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

STATES = ["unknown", "ready", "reinstall-pending", "booting", "installing",
          "installed", "local-boot", "failed"]
NOW = 1714557600.0  # 2024-05-01 10:00:00 UTC


def host(name, mac, state, phase=None, progress=None, reason=None, secs=0,
         ip=None, profile="debian12", install=False):
    return {"name": name, "mac": mac, "ip": ip, "profile": profile,
            "state": state, "phase": phase, "since": int(NOW - secs),
            "seconds_in_state": secs, "progress": progress,
            "reason": reason, "install": install}


HOSTS = [
    host("node001", "52:54:00:00:00:01", "booting", "kernel",
         {"file": "debian/vmlinuz", "bytes": 37900000, "size": 65000000},
         secs=12, ip="198.18.0.101", install=True),
    host("node002", "52:54:00:00:00:02", "installing", "repository",
         {"file": "pool/main/l/linux/linux-image.deb", "bytes": 1234500000,
          "size": None}, secs=192, ip="198.18.0.102", install=True),
    host("node003", "52:54:00:00:00:03", "failed", "initrd", None,
         "tftp timeout on initrd.img", secs=720, ip="198.18.0.103"),
    host("node004", "52:54:00:00:00:04", "installed", secs=7200,
         ip="198.18.0.104"),
    host("node005", "52:54:00:00:00:05", "ready", profile=None),
]
LABELS = {"node001": {"rack": "r1"}, "node002": {"rack": "r1"},
          "node003": {"rack": "r2"}}

EVENTS = [
    {"id": 1, "time": NOW - 40.25, "host": "node001", "kind": "state",
     "from": "ready", "to": "booting", "phase": "dhcp", "detail": "DISCOVER"},
    {"id": 2, "time": NOW - 20.5, "host": "node001", "kind": "phase",
     "from": None, "to": None, "phase": "loader", "detail": "ipxe.efi"},
    {"id": 3, "time": NOW - 12, "host": "node001", "kind": "phase",
     "from": None, "to": None, "phase": "kernel", "detail": "debian/vmlinuz"},
    {"id": 4, "time": NOW - 720, "host": "node003", "kind": "state",
     "from": "booting", "to": "failed", "phase": "initrd",
     "detail": "tftp timeout on initrd.img"},
]

PROFILES = [
    {"name": "debian12", "install": True, "localboot": False,
     "kernel": "debian/vmlinuz", "initrd": ["debian/initrd.gz"],
     "templates": ["preseed.cfg"]},
    {"name": "local", "install": False, "localboot": True, "kernel": None,
     "initrd": [], "templates": []},
]

LEASES = [
    {"address": "198.18.0.101", "state": "bound", "mac": "52:54:00:00:00:01",
     "client_id": "01:52:54:00:00:00:01", "hostname": "node001",
     "expires": int(NOW + 3000), "expires_in": 3000, "updated": NOW - 60},
    {"address": "198.18.0.150", "state": "expired", "mac": "52:54:00:00:00:99",
     "client_id": None, "hostname": None, "expires": int(NOW - 10),
     "expires_in": -10, "updated": NOW - 7210},
]

ARCHES = ["bios", "efi-ia32", "efi-x64", "efi-arm64", "http-x64", "http-arm64"]
MAC_RE = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")
BODY_MAX = 65536


def big_rack(n=500):
    """n hosts: a few moving and failed among many installed."""
    out = []
    for i in range(n):
        name = f"r{i:04d}"
        mac = f"52:54:01:00:{i >> 8:02x}:{i & 255:02x}"
        if i % 50 == 7:
            out.append(host(name, mac, "failed", "kernel", None,
                            f"dhcp timeout #{i}", secs=300))
        elif i % 10 == 3:
            out.append(host(name, mac, "booting", "initrd",
                            {"file": "initrd.gz", "bytes": i * 100000,
                             "size": 60000000}, secs=5))
        elif i % 10 == 5:
            out.append(host(name, mac, "installing", "repository",
                            {"file": "pool/x.deb", "bytes": i * 1000000,
                             "size": None}, secs=60))
        else:
            out.append(host(name, mac, "installed", secs=3600))
    return out


class BadSelector(Exception):
    pass


def select(hosts, sel):
    """The hosts a selector picks, in inventory order (the API's grammar)."""
    picked = set()
    for term in sel.split(","):
        term = term.strip()
        if term == "all":
            picked.update(h["name"] for h in hosts)
        elif ":" not in term and term:
            if term not in {h["name"] for h in hosts}:
                raise BadSelector(f"selector: no host '{term}'")
            picked.add(term)
        else:
            kind, _, val = term.partition(":")
            for h in hosts:
                if (kind == "state" and h["state"] == val) or \
                   (kind == "mac" and h["mac"] == val.lower()) or \
                   (kind == "profile" and h["profile"] == val) or \
                   (kind == "label" and "=" in val and
                        LABELS.get(h["name"], {}).get(val.split("=")[0]) ==
                        val.split("=", 1)[1]):
                    picked.add(h["name"])
            if kind not in ("state", "mac", "profile", "label", "group"):
                raise BadSelector(f"selector: bad term '{term}'")
    return [h for h in hosts if h["name"] in picked]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass

    def reply(self, status, obj, close=False):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.reply(status, {"error": message})

    def handle_any(self, method):
        api = self.server.api
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        if length > BODY_MAX:
            self.reply(413, {"error": "request body too large"}, close=True)
            return
        body = self.rfile.read(length) if length else b""
        with api.lock:
            api.requests.append({"method": method, "path": url.path,
                                 "query": query, "raw_path": self.path,
                                 "headers": dict(self.headers.items()),
                                 "body": body.decode(errors="replace")})
            fail = api.fail.get(url.path)
        if api.hang:
            time.sleep(api.hang)
            return
        auth = self.headers.get("Authorization")
        if (method == "POST" or api.token_for_get) and auth != f"Bearer {api.token}":
            self.error(401, "token required")
            return
        if fail:
            if fail[0] == "garbage":
                data = b"<html>not the API</html>\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.error(fail[0], fail[1])
            return
        try:
            self.route(method, url.path, query, body)
        except BadSelector as e:
            self.error(400, str(e))

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def hosts(self):
        return big_rack() if self.server.api.big else HOSTS

    def route(self, method, path, query, body):
        gets = {"/api/v1/status", "/api/v1/hosts", "/api/v1/profiles",
                "/api/v1/leases", "/api/v1/events"}
        posts = {"/api/v1/reinstall", "/api/v1/power", "/api/v1/reload"}
        if path in posts and method != "POST" or \
           (path in gets or path.startswith(("/api/v1/hosts/", "/api/v1/explain/"))) \
           and method != "GET":
            self.error(405, "method not allowed")
            return
        if path == "/api/v1/status":
            hosts = self.hosts()
            counts = {}
            for h in hosts:
                counts[h["state"]] = counts.get(h["state"], 0) + 1
            phases = {}
            for h in hosts:
                if h["phase"] and h["state"] in ("booting", "installing"):
                    phases[h["phase"]] = phases.get(h["phase"], 0) + 1
            fails = sum(1 for h in hosts if h["state"] == "failed")
            self.reply(200, {"server": "198.18.0.1", "version": "0.1.0",
                             "uptime_s": 11520, "hosts": counts, "phases": phases,
                             "failures": {"tftp-timeout": fails},
                             "rate_bps": 812400000, "eta_s": 250,
                             "leases": {"bound": 1}})
        elif path == "/api/v1/hosts":
            self.reply(200, {"hosts": select(self.hosts(), query.get("select", "all"))})
        elif path.startswith("/api/v1/hosts/"):
            name = unquote(path[len("/api/v1/hosts/"):])
            for h in self.hosts():
                if h["name"] == name:
                    ev = [{k: v for k, v in e.items() if k != "host"}
                          for e in EVENTS if e["host"] == name]
                    self.reply(200, dict(h, events=ev))
                    return
            self.error(404, f"no host '{name}'")
        elif path == "/api/v1/profiles":
            self.reply(200, {"profiles": PROFILES})
        elif path == "/api/v1/leases":
            st = query.get("state")
            if st and st not in ("bound", "released", "declined", "expired"):
                self.error(400, f"bad lease state '{st}'")
                return
            self.reply(200, {"leases": [l for l in LEASES if not st or l["state"] == st]})
        elif path.startswith("/api/v1/explain/"):
            mac = unquote(path[len("/api/v1/explain/"):])
            arch = query.get("arch", "bios")
            if not MAC_RE.match(mac):
                self.error(400, f"'{mac}' is not a MAC address")
            elif arch not in ARCHES:
                self.error(400, f"'{arch}' is not an architecture")
            else:
                self.reply(200, {"mac": mac, "text":
                                 f"machine {mac.lower()} ({arch})\n"
                                 "  host: node001 (reservation by MAC)\n"
                                 "  profile: debian12\n\tboot: ipxe.efi\n"})
        elif path == "/api/v1/events":
            since = int(query.get("since", "0"))
            if query.get("follow") == "1":
                self.follow(since)
                return
            ev = [e for e in EVENTS if e["id"] > since]
            self.reply(200, {"events": ev, "last": EVENTS[-1]["id"]})
        elif path in posts:
            self.post(path, body)
        else:
            self.error(404, "no such path")

    def follow(self, since):
        """Events after since, a keep-alive between them; then the server
        closes, unless follow_hold: then keep-alives until the client goes."""
        api = self.server.api
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        sent = 0
        try:
            for e in EVENTS:
                if e["id"] <= since or sent == 2:
                    continue
                if sent:
                    self.wfile.write(b"\n")
                self.wfile.write((json.dumps(e) + "\n").encode())
                self.wfile.flush()
                sent += 1
                time.sleep(0.05)
            deadline = time.monotonic() + 30
            while api.follow_hold and time.monotonic() < deadline:
                self.wfile.write(b"\n")
                self.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def post(self, path, raw):
        api = self.server.api
        if path == "/api/v1/reload":
            if raw.strip() not in (b"", b"{}"):
                self.error(400, "reload takes no body")
            elif api.reload_error:
                self.error(400, api.reload_error)
            else:
                self.reply(200, {"ok": True})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self.error(400, "malformed JSON")
            return
        if self.headers.get("Content-Type") != "application/json":
            self.error(400, "Content-Type must be application/json")
            return
        fields = {"/api/v1/reinstall": {"select": str, "power_cycle": bool},
                  "/api/v1/power": {"select": str, "action": str}}[path]
        if not isinstance(body, dict):
            self.error(400, "the body must be an object")
            return
        for k, v in body.items():
            if k not in fields:
                self.error(400, f"unknown field '{k}'")
                return
            if not isinstance(v, fields[k]):
                self.error(400, f"'{k}' has the wrong type")
                return
        if "select" not in body:
            self.error(400, "'select' is missing")
            return
        hosts = select(self.hosts(), body["select"])
        names = [h["name"] for h in hosts]
        if path == "/api/v1/reinstall":
            self.reply(200, {"marked": len(names), "hosts": names, "ms": 3,
                             "db": {"transactions": 1, "rows": 2 * len(names),
                                    "seconds": 0.002}})
            return
        action = body.get("action")
        if action not in ("on", "off", "cycle", "status"):
            self.error(400, f"bad action '{action}'")
        elif action == "status":
            res = []
            for h in hosts:
                if h["name"] == "node003":
                    res.append({"host": h["name"], "ok": False,
                                "error": "BMC 198.18.1.103: timed out"})
                else:
                    res.append({"host": h["name"], "ok": True,
                                "state": "on" if h["state"] != "ready" else "off"})
            self.reply(200, {"results": res})
        else:
            self.reply(200, {"queued": len(names), "hosts": names})


class FakeAPI:
    """The server on 127.0.0.1 in a thread; fields may be changed between requests."""

    def __init__(self, token):
        self.token = token
        self.fail = {}
        self.hang = 0
        self.token_for_get = False
        self.follow_hold = False
        self.reload_error = None
        self.big = False
        self.requests = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.api = self
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        self.fail.clear()
        self.hang = 0
        self.token_for_get = self.follow_hold = self.big = False
        self.reload_error = None
        with self.lock:
            self.requests.clear()

    def last(self):
        with self.lock:
            return self.requests[-1] if self.requests else None


if __name__ == "__main__":
    api = FakeAPI(sys.argv[1] if len(sys.argv) > 1 else "0" * 64).start()
    print(api.port, flush=True)
    try:
        api.thread.join()
    except KeyboardInterrupt:
        api.stop()
