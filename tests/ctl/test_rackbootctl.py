#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_rackbootctl.py RACKBOOTCTL: every rackbootctl command against
fake_api.py on 127.0.0.1 (no root, no rackboot): the text and --json
output, the requests and POST bodies the server receives, the token, and
the exit codes 0-5 (server errors on demand, a closed port, a server that
never answers). `watch` runs --once, as plain frames into a pipe and on a
pseudo-terminal (the screen is restored after SIGTERM); `events --follow`
reads two events and sees the server close, or is stopped by SIGTERM.

Every rackbootctl run is bounded (subprocess timeout) and every process
started is waited for by its handle.
"""
import fcntl
import json
import os
import pty
import re
import secrets
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_api  # noqa: E402

BIN = None
API = None
TOKEN = secrets.token_hex(32)
TMP = None
TOKFILE = None
RUN_TIMEOUT = 15


def clean_env(extra=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC", "LANG": "C"}
    env.update(extra or {})
    return env


def run(*args, token=True, env=None, server=True, timeout=RUN_TIMEOUT):
    cmd = [BIN]
    if server:
        cmd += ["--server", API.url]
    if token:
        cmd += ["--token-file", TOKFILE]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=clean_env(env))


def lines(text):
    return text.splitlines()


class Base(unittest.TestCase):
    def setUp(self):
        API.reset()

    def ok(self, p, code=0):
        self.assertEqual(p.returncode, code,
                         f"exit {p.returncode}, stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p

    def err(self, p, code, message):
        self.ok(p, code)
        self.assertTrue(p.stderr.startswith("rackbootctl: "), p.stderr)
        self.assertIn(message, p.stderr)


class TestListings(Base):
    def test_status(self):
        p = self.ok(run("status"))
        out = lines(p.stdout)
        self.assertEqual(out[0], "server    198.18.0.1")
        self.assertIn("hosts     5: ready 1, booting 1, installing 1, installed 1, failed 1",
                      out)
        self.assertIn("rate      812.4 MB/s", out)
        self.assertIn("eta       4m10s", out)
        self.assertIn("uptime    3h12m", out)
        req = API.last()
        self.assertEqual((req["method"], req["path"]), ("GET", "/api/v1/status"))
        self.assertEqual(req["headers"].get("Authorization"), f"Bearer {TOKEN}")
        self.assertEqual(p.stderr, "")

    def test_json(self):
        p = self.ok(run("status", "--json"))
        self.assertEqual(json.loads(p.stdout)["server"], "198.18.0.1")
        p = self.ok(run("--json", "hosts"))
        names = [h["name"] for h in json.loads(p.stdout)["hosts"]]
        self.assertEqual(names, [h["name"] for h in fake_api.HOSTS])
        for cmd in (["profiles"], ["leases"], ["events"], ["host", "node001"],
                    ["explain", "52:54:00:00:00:01"]):
            p = self.ok(run("--json", *cmd))
            self.assertIsInstance(json.loads(p.stdout), dict, cmd)

    def test_hosts(self):
        p = self.ok(run("hosts"))
        out = lines(p.stdout)
        self.assertEqual(re.split(r"\s+", out[0]),
                         ["NAME", "MAC", "IP", "PROFILE", "STATE", "PHASE", "PROGRESS",
                          "SINCE", "REASON"])
        self.assertEqual(len(out), 6)
        self.assertRegex(out[1], r"^node001 +52:54:00:00:00:01 +198\.18\.0\.101 +debian12 +"
                                 r"booting +kernel +58%  37\.9/65\.0 MB +12s +-$")
        self.assertRegex(out[2], r"installing +repository +1234\.5 MB +3m12s")
        self.assertRegex(out[3], r"failed .* 12m00s +tftp timeout on initrd\.img$")
        # The selector travels escaped and arrives whole.
        p = self.ok(run("hosts", "label:rack=r1"))
        self.assertEqual([l.split()[0] for l in lines(p.stdout)[1:]], ["node001", "node002"])
        req = API.last()
        self.assertEqual(req["query"], {"select": "label:rack=r1"})
        self.assertIn("select=label%3Arack%3Dr1", req["raw_path"])

    def test_bad_selector(self):
        p = run("hosts", "bogus:x")
        self.err(p, 2, "selector: bad term 'bogus:x'")
        self.assertEqual(p.stdout, "")

    def test_host(self):
        p = self.ok(run("host", "node001"))
        out = lines(p.stdout)
        self.assertEqual(out[0], "name      node001")
        self.assertIn("state     booting for 12s (since 2024-05-01 09:59:48.000)", out)
        self.assertIn("progress  58%  37.9/65.0 MB (debian/vmlinuz)", out)
        self.assertIn("events (3):", out)
        self.assertRegex(p.stdout, r" 1  2024-05-01 09:59:19\.750  state  ready -> booting"
                                   r" +dhcp +DISCOVER")
        self.assertEqual(API.last()["path"], "/api/v1/hosts/node001")
        self.err(run("host", "nodeX"), 3, "no host 'nodeX'")

    def test_profiles_leases(self):
        p = self.ok(run("profiles"))
        self.assertRegex(p.stdout, r"debian12 +yes +no +debian/vmlinuz +debian/initrd\.gz"
                                   r" +preseed\.cfg")
        p = self.ok(run("leases"))
        self.assertRegex(p.stdout, r"198\.18\.0\.101 +bound .* node001 +50m00s")
        self.assertRegex(p.stdout, r"198\.18\.0\.150 +expired .* expired ")
        p = self.ok(run("leases", "--state", "expired"))
        self.assertEqual(len(lines(p.stdout)), 2)
        self.assertEqual(API.last()["query"], {"state": "expired"})
        self.err(run("leases", "--state", "gone"), 2, "--state: 'gone'")

    def test_explain(self):
        p = self.ok(run("explain", "52:54:00:00:00:01", "efi-x64"))
        self.assertEqual(p.stdout, "machine 52:54:00:00:00:01 (efi-x64)\n"
                                   "  host: node001 (reservation by MAC)\n"
                                   "  profile: debian12\n\tboot: ipxe.efi\n")
        req = API.last()
        self.assertEqual(req["path"], "/api/v1/explain/52:54:00:00:00:01")
        self.assertEqual(req["query"], {"arch": "efi-x64"})
        self.err(run("explain", "zz"), 2, "'zz' is not a MAC address")
        self.err(run("explain", "52:54:00:00:00:01", "sparc"), 2,
                 "'sparc' is not an architecture")

    def test_events(self):
        p = self.ok(run("events"))
        out = lines(p.stdout)
        self.assertEqual(len(out), 5)
        self.assertRegex(out[4], r"^ 4  2024-05-01 09:48:00\.000  node003  state"
                                 r"  booting -> failed  initrd  tftp timeout on initrd\.img$")
        p = self.ok(run("events", "--since", "2"))
        self.assertEqual([l.split()[0] for l in lines(p.stdout)[1:]], ["3", "4"])
        self.assertEqual(API.last()["query"], {"since": "2"})


class TestActions(Base):
    def test_reinstall(self):
        p = self.ok(run("reinstall", "node001,node002", "--power-cycle"))
        self.assertEqual(p.stdout,
                         "marked for reinstallation: 2 hosts: node001, node002 "
                         "(3 ms, 1 database transaction)\n")
        req = API.last()
        self.assertEqual((req["method"], req["path"]), ("POST", "/api/v1/reinstall"))
        self.assertEqual(json.loads(req["body"]),
                         {"select": "node001,node002", "power_cycle": True})
        self.assertEqual(req["headers"].get("Content-Type"), "application/json")
        self.ok(run("reinstall", "state:failed"))
        self.assertEqual(json.loads(API.last()["body"]),
                         {"select": "state:failed", "power_cycle": False})

    def test_reinstall_all_needs_yes(self):
        p = run("reinstall", "all")
        self.err(p, 2, "reinstall: the selector 'all' picks every host; add --yes")
        self.assertIsNone(API.last(), "nothing may be sent without --yes")
        self.err(run("reinstall", "node001,all"), 2, "add --yes")
        self.assertIsNone(API.last())
        p = self.ok(run("reinstall", "all", "--yes"))
        self.assertIn("5 hosts: node001, node002, node003, node004, node005", p.stdout)
        self.assertEqual(json.loads(API.last()["body"])["select"], "all")

    def test_power(self):
        p = self.ok(run("power", "status", "all"), 1)
        out = lines(p.stdout)
        self.assertEqual(out[0].split(), ["HOST", "STATE", "ERROR"])
        self.assertRegex(p.stdout, r"node003 +unknown +BMC 198\.18\.1\.103: timed out")
        self.assertRegex(p.stdout, r"node005 +off +-")
        self.assertIn("rackbootctl: power status failed for 1 host", p.stderr)
        self.assertEqual(json.loads(API.last()["body"]), {"select": "all", "action": "status"})
        # --json prints the reply, and the exit code still says some failed.
        p = self.ok(run("--json", "power", "status", "all"), 1)
        self.assertEqual(len(json.loads(p.stdout)["results"]), 5)
        self.ok(run("power", "status", "node001"))
        p = self.ok(run("power", "cycle", "label:rack=r1"))
        self.assertEqual(p.stdout, "queued power cycle for 2 hosts: node001, node002\n")
        self.assertEqual(json.loads(API.last()["body"]),
                         {"select": "label:rack=r1", "action": "cycle"})
        API.reset()
        self.err(run("power", "off", "all"), 2, "add --yes")
        self.assertIsNone(API.last())
        self.err(run("power", "reboot", "node001"), 2, "power: 'reboot' is not one of")

    def test_reload(self):
        p = self.ok(run("reload"))
        self.assertEqual(p.stdout, "reloaded\n")
        req = API.last()
        self.assertEqual((req["method"], req["path"], req["body"]),
                         ("POST", "/api/v1/reload", ""))
        API.reload_error = "/etc/rackboot/hosts.yaml:12:5: unknown profile 'x'"
        self.err(run("reload"), 2, "/etc/rackboot/hosts.yaml:12:5: unknown profile 'x'")


class TestAuth(Base):
    def test_post_needs_token(self):
        p = run("reinstall", "node001", token=False)
        self.err(p, 4, "token required")
        with open(os.path.join(TMP, "wrong"), "w") as f:
            f.write("f" * 64 + "\n")
        os.chmod(f.name, 0o600)
        p = subprocess.run([BIN, "--server", API.url, "--token-file", f.name, "reload"],
                           capture_output=True, text=True, timeout=RUN_TIMEOUT,
                           env=clean_env())
        self.err(p, 4, "token required")
        self.assertEqual(API.last()["headers"].get("Authorization"), "Bearer " + "f" * 64)

    def test_get_from_afar(self):
        API.token_for_get = True
        self.err(run("hosts", token=False), 4, "token required")
        self.ok(run("hosts"))
        # The token from the environment.
        self.ok(run("hosts", token=False, env={"RACKBOOT_TOKEN": TOKEN}))
        self.assertEqual(API.last()["headers"].get("Authorization"), f"Bearer {TOKEN}")
        self.err(run("hosts", token=False, env={"RACKBOOT_TOKEN": "two words"}), 2,
                 "RACKBOOT_TOKEN is not a token")

    def test_token_file(self):
        loose = os.path.join(TMP, "loose")
        with open(loose, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(loose, 0o644)
        p = subprocess.run([BIN, "--server", API.url, "--token-file", loose, "reload"],
                           capture_output=True, text=True, timeout=RUN_TIMEOUT,
                           env=clean_env())
        self.ok(p)
        self.assertIn("rackbootctl: warning: the token file", p.stderr)
        self.assertIn("mode 0600", p.stderr)
        # --token-file wins over the environment.
        self.ok(run("reload", env={"RACKBOOT_TOKEN": "wrong"}))
        p = subprocess.run([BIN, "--server", API.url, "--token-file", "/nonexistent/t",
                            "status"], capture_output=True, text=True,
                           timeout=RUN_TIMEOUT, env=clean_env())
        self.err(p, 2, "cannot use the token file /nonexistent/t")


class TestErrors(Base):
    def test_on_demand(self):
        cases = [(500, 5), (503, 5), (400, 2), (405, 2), (413, 2), (404, 3), (403, 4),
                 (401, 4)]
        for status, code in cases:
            API.fail["/api/v1/status"] = (status, f"canned {status}")
            self.err(run("status"), code, f"canned {status}")
            self.err(run("--json", "status"), code, f"canned {status}")
        API.fail["/api/v1/status"] = ("garbage", None)
        self.err(run("status"), 5, f"{API.url}/api/v1/status: the reply is not JSON")
        API.fail["/api/v1/reinstall"] = (500, "database is locked")
        self.err(run("reinstall", "node001"), 5, "database is locked")

    def test_unreachable(self):
        # Bound but not listening: connections are refused, and nobody else
        # can take the port while the test runs.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}"
            p = subprocess.run([BIN, "--server", url, "status"], capture_output=True,
                               text=True, timeout=RUN_TIMEOUT, env=clean_env())
            self.err(p, 5, f"cannot reach {url}")
            p = subprocess.run([BIN, "watch", "--once"], capture_output=True, text=True,
                               timeout=RUN_TIMEOUT, env=clean_env({"RACKBOOT_SERVER": url}))
            self.err(p, 5, f"cannot reach {url}")

    def test_timeout(self):
        API.hang = 5
        t0 = time.monotonic()
        self.err(run("--timeout", "0.5", "status"), 5, "timed out after 0.5 s")
        self.assertLess(time.monotonic() - t0, 4)

    def test_usage(self):
        self.err(run(), 2, "no command given")
        self.err(run("frob"), 2, "'frob' is not a command")
        p = subprocess.run([BIN, "--server", "ftp://127.0.0.1/", "status"],
                           capture_output=True, text=True, timeout=RUN_TIMEOUT,
                           env=clean_env())
        self.err(p, 2, "'ftp://127.0.0.1/' is not an http:// or https:// URL")
        self.assertIsNone(API.last())

    def test_help(self):
        a = self.ok(run("help", "watch"))
        b = self.ok(run("watch", "--help"))
        self.assertEqual(a.stdout, b.stdout)
        self.assertIn("usage: rackbootctl [OPTIONS] watch", a.stdout)
        self.assertIn("Exit codes:", a.stdout)
        self.assertIn("--interval S", a.stdout)
        p = self.ok(run("--help"))
        for cmd in ("status", "hosts", "host", "leases", "reinstall", "power", "reload",
                    "explain", "watch", "events"):
            self.assertRegex(p.stdout, rf"\n  {cmd} ")
        self.assertIsNone(API.last())

    def test_server_from_environment(self):
        p = subprocess.run([BIN, "status"], capture_output=True, text=True,
                           timeout=RUN_TIMEOUT, env=clean_env({"RACKBOOT_SERVER": API.url}))
        self.ok(p)
        self.assertEqual(API.last()["path"], "/api/v1/status")


class TestWatch(Base):
    def test_once(self):
        p = self.ok(run("watch", "--once"))
        self.assertNotIn("\x1b", p.stdout)
        out = lines(p.stdout)
        self.assertEqual(out[0], "rackboot 198.18.0.1  0.1.0  up 3h12m  leases 1 bound")
        self.assertEqual(out[1],
                         "hosts 5: ready 1, booting 1, installing 1, installed 1, failed 1")
        self.assertEqual(out[3], "rate 812.4 MB/s  eta 4m10s  failures: tftp-timeout 1")
        self.assertRegex(p.stdout, r"node001 +booting +kernel +12s +\[#######\.\.\.\.\.\]"
                                   r"  58%  37\.9/65\.0 MB\n")
        self.assertRegex(p.stdout, r"node002 +installing +repository +3m12s +1234\.5 MB\n")
        self.assertEqual(out[-2:], ["failed (1):",
                                    "node003  12m00s  tftp timeout on initrd.img"])
        self.assertEqual([r["path"] for r in API.requests],
                         ["/api/v1/status", "/api/v1/hosts"])

    def test_once_selection_and_json(self):
        p = self.ok(run("watch", "state:failed,node001", "--once"))
        self.assertIn("hosts 2 of 5: booting 1, failed 1", p.stdout)
        self.assertEqual(API.last()["query"], {"select": "state:failed,node001"})
        p = self.ok(run("--json", "watch", "--once"))
        j = json.loads(p.stdout)
        self.assertEqual(j["status"]["server"], "198.18.0.1")
        self.assertEqual(len(j["hosts"]["hosts"]), 5)

    def test_once_500_hosts(self):
        API.big = True
        p = self.ok(run("watch", "--once", env={"LINES": "30", "COLUMNS": "100"}))
        out = lines(p.stdout)
        self.assertLessEqual(len(out), 30)
        self.assertTrue(all(len(l) <= 100 for l in out))
        self.assertEqual(out[1], "hosts 500: booting 50, installing 50, installed 390,"
                                 " failed 10")
        more = [l for l in out if l.startswith("... and ") and "more:" in l]
        self.assertEqual(len(more), 1)
        shown = [l for l in out if re.match(r"r\d{4} +(booting|installing|installed)", l)]
        self.assertTrue(shown)
        self.assertTrue(all(re.match(r"r\d{4} +(booting|installing)", l) for l in shown))
        self.assertIn(f"... and {500 - len(shown)} more:", more[0])
        self.assertIn("failed (10):", out)
        self.assertTrue(any(l.endswith("more failed") for l in out))
        # Without a size the whole rack is listed.
        p = self.ok(run("watch", "--once"))
        self.assertEqual(len(lines(p.stdout)), 6 + 500 + 2 + 10)

    def test_once_errors(self):
        API.fail["/api/v1/hosts"] = (500, "inventory unavailable")
        self.err(run("watch", "--once"), 5, "inventory unavailable")
        API.fail["/api/v1/hosts"] = (400, "selector: bad term 'x:'")
        self.err(run("watch", "x:", "--once"), 2, "selector: bad term 'x:'")

    def test_frames_into_a_pipe(self):
        proc = subprocess.Popen([BIN, "--server", API.url, "watch", "--interval", "0.2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=clean_env())
        try:
            data = read_until(proc.stdout.fileno(), lambda d: d.count(b"\n\nrackboot ") >= 1
                              and d.endswith(b"\n\n"), 10)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 0, err)
        text = (data + out).decode()
        self.assertNotIn("\x1b", text)
        frames = text.split("\n\nrackboot ")
        self.assertGreaterEqual(len(frames), 2)
        self.assertTrue(frames[0].startswith("rackboot 198.18.0.1"))
        self.assertTrue(frames[1].startswith("198.18.0.1  0.1.0"))

    def test_terminal(self):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        proc = subprocess.Popen([BIN, "--server", API.url, "watch", "--interval", "0.2"],
                                stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                                env=clean_env({"TERM": "xterm"}))
        os.close(slave)
        try:
            data = read_until(master, lambda d: d.count(b"\x1b[H") >= 2, 10)
        finally:
            proc.send_signal(signal.SIGTERM)
            rest = read_until(master, lambda d: b"\x1b[?1049l" in d, 10)
            proc.communicate(timeout=10)
            os.close(master)
        self.assertEqual(proc.returncode, 0)
        self.assertTrue(data.startswith(b"\x1b[?1049h\x1b[?25l"), data[:40])
        self.assertIn(b"rackboot 198.18.0.1", data)
        self.assertIn(b"\x1b[K", data)
        # The screen and the cursor come back.
        self.assertIn(b"\x1b[?25h\x1b[?1049l", data + rest)


class TestFollow(Base):
    def test_two_events_then_close(self):
        p = self.ok(run("events", "--follow"), 5)
        out = lines(p.stdout)
        self.assertEqual(len(out), 2)
        self.assertRegex(out[0], r"^ +1  2024-05-01 09:59:19\.750  node001 +state +"
                                 r"ready -> booting +dhcp +DISCOVER$")
        self.assertRegex(out[1], r"^ +2  .* loader +ipxe\.efi$")
        self.assertIn("rackbootctl: the server ended the event stream after event 2 "
                      "(resume with --since 2)", p.stderr)
        self.assertEqual(API.last()["query"], {"follow": "1"})
        p = self.ok(run("--json", "events", "--follow", "--since", "2"), 5)
        self.assertEqual([json.loads(l)["id"] for l in lines(p.stdout)], [3, 4])
        self.assertEqual(API.last()["query"], {"follow": "1", "since": "2"})

    def test_errors(self):
        API.fail["/api/v1/events"] = (401, "token required")
        self.err(run("events", "--follow"), 4, "token required")
        API.fail["/api/v1/events"] = (400, "bad since")
        self.err(run("events", "--follow"), 2, "bad since")

    def test_interrupted(self):
        API.follow_hold = True
        proc = subprocess.Popen([BIN, "--server", API.url, "events", "--follow"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=clean_env())
        try:
            data = read_until(proc.stdout.fileno(), lambda d: d.count(b"\n") >= 2, 10)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(len(lines((data + out).decode())), 2)
        self.assertEqual(err, b"")


def read_until(fd, done, seconds):
    """Read fd until done(data) or seconds pass; returns what was read."""
    data = b""
    deadline = time.monotonic() + seconds
    while not done(data) and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def main():
    global BIN, API, TMP, TOKFILE
    if len(sys.argv) < 2:
        print("usage: test_rackbootctl.py RACKBOOTCTL [unittest args]", file=sys.stderr)
        return 2
    BIN = os.path.abspath(sys.argv.pop(1))
    with tempfile.TemporaryDirectory(prefix="rackbootctl-test.") as tmp:
        TMP = tmp
        TOKFILE = os.path.join(tmp, "api.token")
        with open(TOKFILE, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(TOKFILE, 0o600)
        API = fake_api.FakeAPI(TOKEN).start()
        try:
            prog = unittest.main(exit=False, verbosity=2)
        finally:
            API.stop()
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
