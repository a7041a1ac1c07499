#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fake_redfish.py: a BMC that speaks just enough Redfish for
tests/integration/test_power.sh to check rackboot's redfish driver.

  fake_redfish.py --addr A --port P --user U --password-file F --log L
                  [--cert C --key K] [--system SYS1] [--state Off]

Serves one system:
  GET  /redfish/v1/Systems               {"Members": [{"@odata.id": ".../SYS1"}]}
  GET  /redfish/v1/Systems/SYS1          {"PowerState": "On" | "Off"}
  POST /redfish/v1/Systems/SYS1/Actions/ComputerSystem.Reset
       {"ResetType": "On" | "ForceOff" | "ForceRestart"}: 204
Like many BMCs it refuses ForceRestart of a system that is off (409). A
request without the right basic credentials gets 401 with a Redfish error
body; a POST whose body is not JSON with Content-Type application/json,
or names another ResetType, gets 400. Every request is appended to the log
as one JSON line: method, path, auth (true/false), body (parsed or raw).
Prints "ready" on stdout once it listens.
"""
import argparse
import base64
import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SYSTEMS = "/redfish/v1/Systems"


def redfish_error(message):
    return {"error": {"code": "Base.1.0.GeneralError", "message": "See ExtendedInfo",
                      "@Message.ExtendedInfo": [{"Message": message}]}}


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeBMC/1.0"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def record(self, auth_ok, body):
        with open(self.server.opts.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "auth": auth_ok, "body": body}) + "\n")

    def answer(self, code, obj=None):
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(code)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        want = f"{self.server.opts.user}:{self.server.password}".encode()
        got = self.headers.get("Authorization", "")
        return got == "Basic " + base64.b64encode(want).decode()

    def do_GET(self):
        ok = self.authorised()
        self.record(ok, None)
        sysp = f"{SYSTEMS}/{self.server.opts.system}"
        if not ok:
            return self.answer(401, redfish_error(
                "The authentication credentials included with this request are invalid."))
        if self.path == SYSTEMS:
            return self.answer(200, {"Members@odata.count": 1,
                                     "Members": [{"@odata.id": sysp}]})
        if self.path == sysp:
            return self.answer(200, {"@odata.id": sysp, "Id": self.server.opts.system,
                                     "PowerState": self.server.state})
        return self.answer(404, redfish_error(f"No resource at {self.path}."))

    def do_POST(self):
        ok = self.authorised()
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        self.record(ok, body)
        if not ok:
            return self.answer(401, redfish_error(
                "The authentication credentials included with this request are invalid."))
        target = f"{SYSTEMS}/{self.server.opts.system}/Actions/ComputerSystem.Reset"
        if self.path != target:
            return self.answer(404, redfish_error(f"No action at {self.path}."))
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json" \
                or not isinstance(body, dict):
            return self.answer(400, redfish_error("The request body is not JSON."))
        kind = body.get("ResetType")
        if kind == "On":
            self.server.state = "On"
        elif kind == "ForceOff":
            self.server.state = "Off"
        elif kind == "ForceRestart":
            if self.server.state == "Off":
                return self.answer(409, redfish_error(
                    "ForceRestart is not possible while the system is powered off."))
        else:
            return self.answer(400, redfish_error(f"Unsupported ResetType {kind!r}."))
        return self.answer(204)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--system", default="SYS1")
    ap.add_argument("--state", default="Off")
    opts = ap.parse_args()
    srv = ThreadingHTTPServer((opts.addr, opts.port), Handler)
    srv.opts = opts
    srv.state = opts.state
    with open(opts.password_file, encoding="utf-8") as f:
        srv.password = f.readline().rstrip("\r\n")
    if opts.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.cert, opts.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
