#!/usr/bin/env python3
"""run_report.py RESULTS_DIR: the report of one benchmarks/run.

Reads what benchmarks/run left in RESULTS_DIR (raw/: facts, the link's raw
mode runs, each storm's summary line, per-node JSON, server CPU, memory
samples, rackboot's /metrics, the peers' logs; side/: the side-by-side
benchmarks' tables) and writes there:
  results.json   every figure below, per repeat and as medians
  report.md      the machine's facts, the tables, where each server's time
                 went, memory idle and at the storm's peak
  *.png          gnuplot plots: dora.png, tftp_goodput.png, storm_cdf.png,
                 cpu_per_gb.png (and the .dat/.gp files that made them)
Only the standard library; gnuplot from PATH.
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

RES = sys.argv[1] if len(sys.argv) > 1 else sys.exit("usage: run_report.py RESULTS_DIR")
RAW = os.path.join(RES, "raw")
TFTP_PAYLOAD = 1468  # bytes of file per 1514-byte DATA frame (blksize 1468)


def kv_line(text):
    return dict(m.groups() for m in re.finditer(r"(\w+)=(\S+)", text))


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, spec=".1f"):
    return "-" if v is None else format(v, spec)


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


facts = {}
for line in read(os.path.join(RAW, "facts.txt")).splitlines():
    k, _, v = line.partition("=")
    facts[k] = v
nodes_n = int(facts.get("nodes", 0))
servers = facts.get("servers", "").split()

# ------------------------------------------------------------------ the link
link = {}
for path in sorted(glob.glob(os.path.join(RAW, "link-r*-*.txt"))):
    d = kv_line(read(path))
    size, secs, got = int(d["size"]), float(d["secs"]), int(d["received"])
    link.setdefault(size, []).append({"received": got, "secs": secs, "pps": got / secs,
                                      "sent": int(d.get("tx_pkts", 0) or 0)})
link_pps = {s: med([r["pps"] for r in v]) for s, v in link.items()}
# The other way (server port -> storm port), the direction TFTP DATA flows:
# the link limit when measured, else the storm->server figure.
linkrev = []
for path in sorted(glob.glob(os.path.join(RAW, "linkrev-r*-1514.txt"))):
    d = kv_line(read(path))
    linkrev.append({"received": int(d["received"]), "secs": float(d["secs"]),
                    "pps": int(d["received"]) / float(d["secs"])})
linkrev_pps = med([r["pps"] for r in linkrev])
pps1514 = linkrev_pps or link_pps.get(1514)
link_dir = "server->storm, the direction of TFTP DATA" if linkrev_pps else "storm->server only"
link_mbps = pps1514 * TFTP_PAYLOAD / 1e6 if pps1514 else None  # MB/s of TFTP payload


# ------------------------------------------------------------------ memory
def mem_by_comm(lines):
    """{comm: [procs, rss, anon, file, shmem, hugetlb, pss]} summed over processes
    (pss is rss where the sample has none)."""
    out = {}
    for line in lines:
        f = line.split()
        if len(f) < 7:
            continue
        a = out.setdefault(f[1], [0, 0, 0, 0, 0, 0, 0])
        a[0] += 1
        for i in range(5):
            a[i + 1] += int(f[2 + i])
        a[6] += int(f[7]) if len(f) > 7 else int(f[2])
    return out


def mem_total(m):
    """What the server holds: PSS (shared pages split among their users) + hugetlb, KiB."""
    return sum(v[6] + v[5] for v in m.values())


def mem_peak(path):
    """The sample with the largest total PSS + hugetlb: its per-comm split."""
    samples = {}
    for line in read(path).splitlines():
        t, _, rest = line.partition(" ")
        samples.setdefault(t, []).append(rest)
    best, best_total = {}, -1
    for lines in samples.values():
        m = mem_by_comm(lines)
        total = mem_total(m)
        if total > best_total:
            best, best_total = m, total
    return best, len(samples)


# ------------------------------------------------------------------ storms
def metrics(path):
    out = {}
    for line in read(path).splitlines():
        if line.startswith("#") or " " not in line:
            continue
        k, _, v = line.rpartition(" ")
        try:
            out[k] = float(v)
        except ValueError:
            pass
    return out


storm = {}
for name in servers:
    runs = []
    for st_path in sorted(glob.glob(os.path.join(RAW, f"storm-{name}-r*.status"))):
        rep = int(re.search(r"-r(\d+)\.status$", st_path).group(1))
        base = st_path[: -len(".status")]
        st = kv_line(read(st_path))
        run = {"rep": rep, "status": st.get("status")}
        if st.get("status") != "ran":
            runs.append(run)
            continue
        summ = kv_line(next((l for l in read(base + ".out").splitlines() if l.startswith("nodes=")), ""))
        run.update({k: float(v) for k, v in summ.items() if re.fullmatch(r"-?[0-9.]+", v)})
        run["exit"] = int(st["rc"])
        run["server_alive"] = st.get("alive") == "1"
        run["wall"] = float(st["wall"])
        run["srv_cpu_s"] = int(st["srv_cpu_us"]) / 1e6
        run["box_busy_pct"] = 100 * int(st["box_busy_ticks"]) / int(st["hz"]) / run["wall"]
        try:
            js = json.loads(read(base + ".json", "{}") or "{}")
        except ValueError:
            js = {}
        nl = js.get("nodes", [])
        run["boot_ms"] = sorted(n["files"][-1]["done_ms"] for n in nl if n.get("state") == "done")
        run["lease_ms"] = sorted(n["lease_ms"] for n in nl if n.get("lease_ms", 0) > 0)
        fails = {}
        for n in nl:
            if n.get("state") != "done":
                fails[n.get("fail") or n.get("state")] = fails.get(n.get("fail") or n.get("state"), 0) + 1
        run["fail_reasons"] = fails
        gb = run.get("bytes", 0) / 1e9
        run["cpu_s_per_gb"] = run["srv_cpu_s"] / gb if gb > 0 else None
        # The burst DORA rate the storm saw: leases / time to the last lease.
        run["storm_dora_per_s"] = (len(run["lease_ms"]) / (run["lease_ms"][-1] / 1000)
                                   if run["lease_ms"] and run["lease_ms"][-1] > 0 else None)
        run["last_node_s"] = (run["boot_ms"][-1] / 1000 if run["boot_ms"]
                              and run.get("done") == nodes_n else None)
        run["link_time_s"] = run.get("bytes", 0) / (pps1514 * TFTP_PAYLOAD) if pps1514 else None
        run["pct_of_link"] = (100 * run["link_time_s"] / run["last_node_s"]
                              if run["link_time_s"] and run["last_node_s"] else None)
        if name == "rackboot-mc":
            # One copy crosses the link for every member: bytes delivered
            # over the link's rate says nothing. The storm's own count of
            # group frames does (mc_frames=, its second line).
            mc = kv_line(next((l for l in read(base + ".out").splitlines() if l.startswith("mc_frames=")), ""))
            run.update({k: int(v) for k, v in mc.items() if v.isdigit()})
            run["link_time_s"] = run["pct_of_link"] = None
        idle = mem_by_comm(read(base + ".mem_idle").splitlines())
        peak, nsamples = mem_peak(base + ".mem")
        run["mem_idle"], run["mem_peak"], run["mem_samples"] = idle, peak, nsamples
        if name.startswith("rackboot"):
            m0, m1 = metrics(base + ".metrics0"), metrics(base + ".metrics")
            run["metrics_delta"] = {k: v - m0.get(k, 0) for k, v in m1.items()
                                    if ("_total" in k) and v - m0.get(k, 0) != 0}
        logs = {}
        for lp in sorted(glob.glob(os.path.join(RAW, f"{name}-r{rep}.logs", "*.log"))):
            text = read(lp).splitlines()
            bad = [l for l in text if re.search(r"error|fail|timeout|abort|no free|refus", l, re.I)]
            logs[os.path.basename(lp)] = {"lines": len(text), "error_lines": len(bad),
                                          "examples": sorted(set(bad))[:3]}
        run["logs"] = logs
        runs.append(run)
    storm[name] = runs


def smed(name, key):
    return med([r.get(key) for r in storm.get(name, []) if r.get("status") == "ran"])


summary = {}
for name in servers:
    ran = [r for r in storm.get(name, []) if r.get("status") == "ran"]
    summary[name] = {
        "runs": len(storm.get(name, [])), "runs_ran": len(ran),
        "runs_all_done": sum(1 for r in ran if r.get("done") == nodes_n),
        "done_median": smed(name, "done"), "secs_median": smed(name, "secs"),
        "last_node_s_median": smed(name, "last_node_s"),
        "lease_ms_p50_median": smed(name, "lease_ms_p50"), "lease_ms_max_median": smed(name, "lease_ms_max"),
        "boot_ms_p50_median": smed(name, "boot_ms_p50"), "boot_ms_max_median": smed(name, "boot_ms_max"),
        "goodput_mbit_median": smed(name, "goodput_mbit"), "srv_cpu_s_median": smed(name, "srv_cpu_s"),
        "cpu_s_per_gb_median": smed(name, "cpu_s_per_gb"), "storm_dora_per_s_median": smed(name, "storm_dora_per_s"),
        "pct_of_link_median": smed(name, "pct_of_link"),
    }
peers = [n for n in servers if not n.startswith("rackboot") and summary[n]["last_node_s_median"]]
best_peer = min(peers, key=lambda n: summary[n]["last_node_s_median"]) if peers else None
rb_last = summary.get("rackboot", {}).get("last_node_s_median")
ratio_storm = (summary[best_peer]["last_node_s_median"] / rb_last) if best_peer and rb_last else None
dora_peers = [n for n in servers if not n.startswith("rackboot") and summary[n]["storm_dora_per_s_median"]]
best_dora_peer = max(dora_peers, key=lambda n: summary[n]["storm_dora_per_s_median"]) if dora_peers else None
rb_dora = summary.get("rackboot", {}).get("storm_dora_per_s_median")
ratio_dora = rb_dora / summary[best_dora_peer]["storm_dora_per_s_median"] if best_dora_peer and rb_dora else None

# ------------------------------------------------------------------ multicast
# One image's transfer time: the 1-node storm (unicast, same files, same
# rack, same run) before rackboot-mc's first repeat; the multicast total:
# rackboot-mc's time to its last node. Both are DHCP + loader + initrd.
single = {}
_sl = kv_line(next((l for l in read(os.path.join(RAW, "storm-single.out")).splitlines()
                    if l.startswith("nodes=")), ""))
if _sl.get("done") == "1":
    single = {"boot_s": float(_sl["boot_ms_max"]) / 1000, "secs": float(_sl["secs"])}
    try:
        _sj = json.loads(read(os.path.join(RAW, "storm-single.json"), "{}") or "{}")
        _f = _sj["nodes"][0]["files"]
        single["initrd_s"] = (_f[-1]["done_ms"] - _f[0]["done_ms"]) / 1000
    except (ValueError, KeyError, IndexError):
        pass
mc_last = summary.get("rackboot-mc", {}).get("last_node_s_median")
uni_last = summary.get("rackboot", {}).get("last_node_s_median")
multicast = {"single": single, "mc_last_node_s": mc_last, "unicast_last_node_s": uni_last,
             "mc_over_one_image": mc_last / single["boot_s"] if mc_last and single.get("boot_s") else None,
             "unicast_over_mc": uni_last / mc_last if mc_last and uni_last else None}

# ------------------------------------------------------------------ side benchmarks
side = {"runs": {}}
for line in read(os.path.join(RES, "side", "side.txt")).splitlines():
    f = line.split()
    if f:
        side["runs"][f[0]] = kv_line(line)


def md_rows(path):
    rows = []
    for line in read(path).splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:] if rows else []


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


dhcp = []
for path in glob.glob(os.path.join(RES, "side", "dhcp-*", "table.md")):
    for r in md_rows(path):
        dhcp.append({"server": r[0], "dora_per_s": num(r[1]), "runs": r[2], "notes": r[-1]})
side["dhcp"] = dhcp
# The same search with rackboot-storm's DORA rate mode as the generator
# (side/dhcp_rbstorm/), and both runs' perf profiles (perf.md).
dhcp_rb = []
for path in glob.glob(os.path.join(RES, "side", "dhcp_rbstorm", "dhcp-*", "table.md")):
    for r in md_rows(path):
        dhcp_rb.append({"server": r[0], "dora_per_s": num(r[1]), "runs": r[2], "drop_pct": r[3],
                        "gen_cpu_pct": r[4], "notes": r[-1]})
side["dhcp_rbstorm"] = dhcp_rb
side["dhcp_rbstorm_env"] = "".join(read(p) for p in glob.glob(os.path.join(RES, "side", "dhcp_rbstorm", "dhcp-*", "env.txt")))
perf_md = {}
for label, pat in (("dhcp_storm (kernel sockets, relay)", ("dhcp-*",)),
                   ("rackboot-storm (DPDK port, PXE broadcasts)", ("dhcp_rbstorm", "dhcp-*"))):
    for path in glob.glob(os.path.join(RES, "side", *pat, "perf.md")):
        perf_md[label] = read(path)
side["perf_md_files"] = list(perf_md)
tftp = []
tftp_link = ""
for path in glob.glob(os.path.join(RES, "side", "tftp-*", "table.md")):
    tftp_link = next((l for l in read(path).splitlines() if l.startswith("rack link")), "")
    for r in md_rows(path):
        tftp.append({"server": r[0], "clients": int(r[1]), "windowsize": r[2], "MBps": num(r[3]),
                     "pct_of_link": r[4], "cpu_s_per_gb": num(r[5]), "runs": r[6], "notes": r[7]})
side["tftp"], side["tftp_link"] = tftp, tftp_link
http = {"rows": {}, "ratios": []}
for path in glob.glob(os.path.join(RES, "side", "http_bench-*.txt")):
    lines = read(path).splitlines()
    cols = [c for c in lines[1].split() if re.fullmatch(r"x\d+", c)] if len(lines) > 1 else []
    for line in lines[2:]:
        f = line.split()
        if line.startswith("ratio"):
            http["ratios"].append(line)
        elif f:
            http["rows"][f[0]] = dict(zip(cols, f[1:]))
    http["header"] = lines[0] if lines else ""
side["http"] = http

# ------------------------------------------------------------------ results.json
results = {"facts": facts, "link": {"runs": link, "pps_median": link_pps, "reverse_runs": linkrev,
                                    "reverse_1514_pps_median": linkrev_pps, "limit_direction": link_dir,
                                    "tftp_payload_MBps": link_mbps},
           "storm": {"nodes": nodes_n, "summary": summary, "runs": {
               n: [{k: v for k, v in r.items() if k not in ("boot_ms", "lease_ms")} for r in rs]
               for n, rs in storm.items()},
               "best_peer_to_last_node": best_peer, "rackboot_speedup_vs_best_peer": ratio_storm,
               "best_peer_storm_dora": best_dora_peer, "rackboot_storm_dora_ratio": ratio_dora,
               "multicast": multicast,
               "not_measured": ["PXE MTFTP (the storm emulates RFC 2090 only)",
                                "HTTP stages (the storm has none: Apache in the seed's stack sits idle)"]},
           "side": side}
with open(os.path.join(RES, "results.json"), "w") as f:
    json.dump(results, f, indent=1, default=str)

# ------------------------------------------------------------------ plots
plots = []


def gnuplot(name, script, data):
    for fname, text in data.items():
        with open(os.path.join(RES, fname), "w") as f:
            f.write(text)
    gp = os.path.join(RES, name + ".gp")
    with open(gp, "w") as f:
        f.write(f"set terminal pngcairo size 900,560 font 'sans,10'\nset output '{name}.png'\n" + script)
    r = subprocess.run(["gnuplot", name + ".gp"], cwd=RES, capture_output=True, text=True)
    if r.returncode == 0:
        plots.append(name + ".png")
    else:
        print(f"run_report: gnuplot {name}: {r.stderr.strip()}", file=sys.stderr)


# DORA/s by server: the side DHCP benchmark (dhcp_storm rate search) and
# the rack storm's burst (all nodes at once: leases / time to the last).
rows = {}
for d in dhcp:
    rows.setdefault(d["server"].replace("kea", "kea-atftpd") if d["server"] == "kea" else d["server"], [None, None, None])[0] = d["dora_per_s"]
for n in servers:
    rows.setdefault(n, [None, None, None])[1] = summary[n]["storm_dora_per_s_median"]
for d in dhcp_rb:
    rows.setdefault(d["server"].replace("kea", "kea-atftpd") if d["server"] == "kea" else d["server"], [None, None, None])[2] = d["dora_per_s"]
if rows:
    dat = "".join(f'"{n}" ' + " ".join(fmt(x, ".0f") if x is not None else "0" for x in v) + "\n"
                  for n, v in rows.items())
    gnuplot("dora", "set title 'DHCP DORA/s by server'\nset style data histograms\n"
            "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\nset ylabel 'DORA/s'\n"
            "set logscale y\nset yrange [1:*]\nset grid ytics\nset key top right\n"
            "plot 'dora.dat' using 2:xtic(1) title 'dhcp\\_bench, dhcp\\_storm as generator (<=2.5% loss)', "
            f"'' using 3 title 'rack storm, {nodes_n} nodes at once (leases / time to last lease)', "
            "'' using 4 title 'dhcp\\_bench, rackboot-storm as generator (<=2.5% loss)'\n",
            {"dora.dat": dat})

# TFTP goodput by client count, per server and windowsize.
series = {}
for t in tftp:
    if t["MBps"] is not None:
        series.setdefault(f'{t["server"]} w{t["windowsize"]}', []).append((t["clients"], t["MBps"]))
if series:
    dat, plot = "", []
    for i, (k, pts) in enumerate(sorted(series.items())):
        dat += f"# {k}\n" + "".join(f"{c} {v}\n" for c, v in sorted(pts)) + "\n\n"
        plot.append(f"'tftp_goodput.dat' index {i} using 1:2 with linespoints title '{k}'")
    link_line = f"{link_mbps:.1f} with lines dt 2 lc 'black' title 'link (storm raw mode, 1514 B)'" if link_mbps else ""
    gnuplot("tftp_goodput", "set title 'TFTP aggregate goodput by client count (tftp\\_bench, blksize 1468)'\n"
            "set xlabel 'concurrent clients'\nset ylabel 'MB/s'\nset logscale x\nset grid\nset key outside right\n"
            "plot " + ", ".join(plot + ([link_line] if link_line else [])) + "\n", {"tftp_goodput.dat": dat})

# CDF of node time-to-boot (last byte), all repeats pooled, per server.
dat, plot = "", []
for i, n in enumerate(servers):
    pts = sorted(t for r in storm.get(n, []) for t in r.get("boot_ms", []))
    total = sum(nodes_n for r in storm.get(n, []) if r.get("status") == "ran")
    kind = "multicast" if n == "rackboot-mc" else "unicast"
    dat += f"# {n}\n" + "".join(f"{t / 1000:.4f} {(j + 1) / total:.5f}\n" for j, t in enumerate(pts)) + "\n\n"
    plot.append(f"'storm_cdf.dat' index {i} using 1:2 with steps lw 2 title '{n} {kind} ({len(pts)}/{total} nodes done)'")
if plot:
    gnuplot("storm_cdf", f"set title 'Rack storm: {nodes_n} nodes, DHCP + loader + {facts.get('initrd_mb')} MiB initrd, "
            "CDF of time to the last byte'\nset xlabel 'seconds since each node sent its first DISCOVER'\n"
            "set ylabel 'fraction of nodes'\nset yrange [0:1.02]\nset grid\nset key bottom right\n"
            "plot " + ", ".join(plot) + "\n", {"storm_cdf.dat": dat})

# CPU-seconds per GB served, by server: the storm and tftp_bench's largest round.
rows = {n: [summary[n]["cpu_s_per_gb_median"], None] for n in servers}
if tftp:
    top = max(t["clients"] for t in tftp)
    for t in tftp:
        if t["clients"] == top and t["windowsize"] == "1":
            rows.setdefault(t["server"], [None, None])[1] = t["cpu_s_per_gb"]
dat = "".join(f'"{n}" {v[0] if v[0] is not None else 0} {v[1] if v[1] is not None else 0}\n' for n, v in rows.items())
gnuplot("cpu_per_gb", "set title 'Server CPU-seconds per GB served (cgroup CPU time)'\nset style data histograms\n"
        "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\nset ylabel 'CPU-s per GB'\n"
        "set grid ytics\nset yrange [0:*]\n"
        f"plot 'cpu_per_gb.dat' using 2:xtic(1) title 'rack storm ({nodes_n} nodes)', "
        f"'' using 3 title 'tftp\\_bench, {max((t['clients'] for t in tftp), default=0)} clients, lockstep'\n",
        {"cpu_per_gb.dat": dat})

# ------------------------------------------------------------------ report.md
o = []
w = o.append
w(f"# benchmarks/run: {facts.get('mode')} mode, {facts.get('date')}\n")
w("## The machine\n")
w("| fact | value |\n|---|---|")
for k in ("cores", "cpu_model", "kernel", "mem_total_kb", "hugepages_total", "mtu", "storm_pmd",
          "rackboot_port", "dpdk", "versions", "loadavg_start", "loadavg_end", "wall_secs"):
    w(f"| {k} | {facts.get(k, '-')} |")
w("\nThe box is shared: the load averages above say how busy it was; figures move with it.\n")
w("## The link (rackboot-storm raw mode, same run)\n")
w("| direction | frame | received pps (median) | runs |\n|---|---|---|---|")
for s in sorted(link):
    w(f"| storm->server | {s} B | {fmt(link_pps[s], '.0f')} | {', '.join(fmt(r['pps'], '.0f') for r in link[s])} |")
if linkrev:
    w(f"| server->storm | 1514 B | {fmt(linkrev_pps, '.0f')} | {', '.join(fmt(r['pps'], '.0f') for r in linkrev)} |")
if link_mbps:
    w(f"\nLink limit for TFTP ({link_dir}): {pps1514:.0f} frames/s x {TFTP_PAYLOAD} B = **{link_mbps:.1f} MB/s** "
      f"({link_mbps * 8:.0f} Mbit/s of file). Each figure is one af_packet sender (rackboot-storm's raw mode, "
      "a syscall per burst) into a veth; a server that sends faster than that program (af_xdp) can "
      "exceed it, so % of link above 100 is possible.\n")
w(f"## Rack storm: {nodes_n} nodes, DHCP + loader.efi (300,000 B) + {facts.get('initrd_mb')} MiB initrd, "
  f"every byte verified, TFTP "
  f"{'lockstep (no windowsize)' if facts.get('windowsize', '0') == '0' else 'windowsize ' + facts.get('windowsize') + ' asked (a server without it answers lockstep)'}, "
  f"{facts.get('reps')} repeat(s), medians\n")
w("| server | runs all done | nodes done | time to last node s | % of link | lease p50 / max ms | "
  "boot p50 / max ms | goodput Mbit/s | storm DORA/s | server CPU-s | CPU-s per GB |")
w("|---|---|---|---|---|---|---|---|---|---|---|")
for n in servers:
    s = summary[n]
    w(f"| {n} | {s['runs_all_done']}/{s['runs']} | {fmt(s['done_median'], '.0f')}/{nodes_n} | "
      f"{fmt(s['last_node_s_median'], '.2f')} | {fmt(s['pct_of_link_median'], '.0f')}% | "
      f"{fmt(s['lease_ms_p50_median'])} / {fmt(s['lease_ms_max_median'])} | "
      f"{fmt(s['boot_ms_p50_median'], '.0f')} / {fmt(s['boot_ms_max_median'], '.0f')} | "
      f"{fmt(s['goodput_mbit_median'], '.0f')} | {fmt(s['storm_dora_per_s_median'], '.0f')} | "
      f"{fmt(s['srv_cpu_s_median'], '.2f')} | {fmt(s['cpu_s_per_gb_median'], '.2f')} |")
w("")
if ratio_storm:
    w(f"- Time to the last node: rackboot {rb_last:.2f} s, best peer {best_peer} "
      f"{summary[best_peer]['last_node_s_median']:.2f} s: best peer's time / rackboot's = **{ratio_storm:.2f}x** "
      f"({'rackboot faster' if ratio_storm > 1 else 'rackboot slower'}; target >= 3x).")
else:
    # No peer reached its last node: say how far each got. A peer cut by
    # the storm's bound needs at least that bound (a lower bound of its
    # ratio); one whose storm ended before it has nodes that failed.
    bound = float(facts.get("storm_timeout_s") or 0)
    unfinished = [n for n in servers if not n.startswith("rackboot")
                  and not summary[n]["last_node_s_median"]]
    if rb_last and unfinished:
        parts = []
        for n in unfinished:
            s = summary[n]
            cut = bound and (s["secs_median"] or 0) >= bound - 1
            parts.append(f"{n} {fmt(s['done_median'], '.0f')}/{nodes_n} done when its storm ended at "
                         f"{fmt(s['secs_median'], '.1f')} s, "
                         + (f"cut by the {bound:.0f} s bound: at least {bound / rb_last:.2f}x rackboot's time"
                            if cut else "the others failed: it never reaches its last node"))
        w(f"- Time to the last node: rackboot {rb_last:.2f} s; no peer reached its last node ("
          + "; ".join(parts) + ").")
    else:
        w("- Time to the last node: no ratio (rackboot or every peer had runs with nodes not done).")
if ratio_dora:
    w(f"- Storm DORA/s (all nodes at once, leases / time to the last lease): rackboot / {best_dora_peer} = "
      f"**{ratio_dora:.2f}x** (target >= 10x vs Kea; a {nodes_n}-node burst measures latency as much as rate).")
if "rackboot-mc" in servers:
    sg = multicast["single"]
    w(f"- Multicast (rackboot-mc: the initrd by RFC 2090, one group stream): time to the last node "
      f"{fmt(mc_last, '.2f')} s vs unicast rackboot {fmt(uni_last, '.2f')} s"
      + (f" (unicast / multicast = {multicast['unicast_over_mc']:.1f}x)" if multicast["unicast_over_mc"] else "")
      + f". One image's transfer time (a 1-node storm, same files, this run): {fmt(sg.get('boot_s'), '.2f')} s "
      f"(its initrd alone {fmt(sg.get('initrd_s'), '.2f')} s). **Multicast total / one image's transfer "
      f"time = {fmt(multicast['mc_over_one_image'], '.2f')}** (target <= 2). Its % of link is left out: "
      "one copy on the wire serves every member (the storm saw "
      + ", ".join(f"{fmt(r.get('mc_frames'), '.0f')} group frames, {fmt(r.get('mc_deliveries'), '.0f')} deliveries"
                  for r in storm.get("rackboot-mc", []) if r.get("status") == "ran")
      + "); its goodput and CPU-s per GB count every member's verified bytes.")
w("- Not measured: PXE MTFTP (the storm emulates RFC 2090 only); the HTTP stages of an install "
  "(Apache in the seed's stack sits idle).")
if facts.get("initrd_mb") != "64":
    w(f"- The issue asks 64 MiB initrds; this run used {facts.get('initrd_mb')} MiB: the 64 MiB storm is a "
      "separate bounded run (`benchmarks/run --reps 1 --initrd-mb 64 --storm-timeout 300 --servers "
      "\"rackboot-mc rackboot seed\" --no-side`, README \"Rack storm\"): four unicast servers x 3 repeats "
      "of 500 x 64 MiB (32 GB each) do not fit 20 minutes.")
w(f"- Each storm is bounded by {facts.get('storm_timeout_s', '?')} s; a server not done by then shows its "
  "completions at the timeout (nodes done) and no time to the last node.\n")
w("### Per repeat\n")
w("| server | rep | exit | done / failed | secs | last node s | dhcp / tftp retries | dups | rx_lost | "
  "server CPU-s | box busy % | failures |")
w("|---|---|---|---|---|---|---|---|---|---|---|---|")
for n in servers:
    for r in storm.get(n, []):
        if r.get("status") != "ran":
            w(f"| {n} | {r['rep']} | - | - | - | - | - | - | - | - | - | {r.get('status')} |")
            continue
        w(f"| {n} | {r['rep']} | {r['exit']} | {fmt(r.get('done'), '.0f')} / {fmt(r.get('failed'), '.0f')} | "
          f"{fmt(r.get('secs'), '.2f')} | {fmt(r.get('last_node_s'), '.2f')} | "
          f"{fmt(r.get('dhcp_retries'), '.0f')} / {fmt(r.get('tftp_retries'), '.0f')} | {fmt(r.get('dups'), '.0f')} | "
          f"{fmt(r.get('rx_lost'), '.0f')} | {r['srv_cpu_s']:.2f} | {min(r['box_busy_pct'], 100 * int(facts.get('cores', 1))):.0f} of {100 * int(facts.get('cores', 1))} | "
          f"{', '.join(f'{k} x{v}' for k, v in r['fail_reasons'].items()) or '-'}"
          f"{'' if r['server_alive'] else '; server exited'} |")
w("\n### Where each server's time went\n")
for n in servers:
    ran = [r for r in storm.get(n, []) if r.get("status") == "ran"]
    if not ran:
        w(f"- **{n}**: never ran (did not start or answer; see raw/{n}-r1.logs).")
        continue
    r = ran[-1]
    cores_busy = r["srv_cpu_s"] / r["wall"]
    ncores = int(facts.get("cores", 1))
    # rackboot's packets go through its worker lcores only (the main
    # lcore serves the channel): those bound it, not the box's cores.
    m = re.search(r"(\d+) lcores", facts.get("rackboot_port", ""))
    if n.startswith("rackboot") and m and int(m.group(1)) > 1:
        limit, on = int(m.group(1)) - 1, f"its {int(m.group(1)) - 1} worker lcore(s)"
    else:
        limit, on = ncores, f"{ncores} cores"
    full = "; the box full" if r["box_busy_pct"] >= 90 * ncores else ""
    parts = [f"server CPU {cores_busy:.2f} cores busy over the storm's {r['wall']:.1f} s "
             f"({'CPU-bound' if cores_busy > 0.9 * limit else 'not CPU-bound'} on {on}{full}), "
             f"box {r['box_busy_pct']:.0f}% busy",
             f"lease p50 {fmt(r.get('lease_ms_p50'))} ms / max {fmt(r.get('lease_ms_max'))} ms, "
             f"DHCP retries {fmt(r.get('dhcp_retries'), '.0f')}, TFTP retries (node timeouts) "
             f"{fmt(r.get('tftp_retries'), '.0f')}, duplicate blocks {fmt(r.get('dups'), '.0f')}"]
    if n == "seed" and (r.get("lease_ms_p50") or 0) > 900:
        parts.append("ISC dhcpd pings each address before offering it (ping-check, on by default; the seed's "
                     "config keeps the default) and waits up to 1 s for an echo: at least 1 s per lease")
    if (r.get("dhcp_retries") or 0) > 0:
        parts.append(f"{r['dhcp_retries']:.0f} DHCP messages resent by the nodes: no answer within firmware's "
                     "4 s (then 8, 16 s), so a lost or unanswered DISCOVER/REQUEST costs a node 4 s or more")
    if r["fail_reasons"].get("dhcp_nak"):
        parts.append("nodes failed after 4 NAKs to their REQUESTs (each NAK restarts with a DISCOVER); likely cause, "
                     "not verified from the server's log: the address offered was given to another node meanwhile")
    if r["fail_reasons"]:
        parts.append("failed nodes: " + ", ".join(f"{k} x{v}" for k, v in r["fail_reasons"].items()))
    if n == "rackboot":
        md = r.get("metrics_delta", {})
        rto = md.get("rackboot_dp_tftp_retransmits_total", 0)
        if cores_busy < 0.5 and rto > 0:
            parts.append(f"waiting more than computing: {rto:.0f} blocks resent on its retransmission timer "
                         "while the nodes' ACKs were still on their way (the `tftp_stale_ack` drops are their late ACKs)")
        keys = [k for k in md if "drops" in k or "retransmit" in k or "batches" in k or "held" in k]
        parts.append("/metrics during the storm: " + (", ".join(f"{k} {md[k]:.0f}" for k in sorted(keys)) or "no drops"))
    for lname, l in r.get("logs", {}).items():
        if l["lines"]:
            parts.append(f"{lname}: {l['lines']} lines, {l['error_lines']} error-like"
                         + (f" (e.g. `{l['examples'][0][:120]}`)" if l["examples"] else ""))
    w(f"- **{n}** (rep {r['rep']}): " + "; ".join(parts) + ".")
w("\n## Memory (resident, KiB; idle after start-up, and the storm's peak sample)\n")
w("Per process name (processes of that name summed). PSS splits each shared page among the processes "
  "mapping it, so PSS adds up across forked processes where RSS counts shared pages once per process; the "
  "totals are PSS + hugetlb. RSS counts anonymous + file + shared memory; "
  "hugetlb (hugepage memory DPDK maps) is apart and not in RSS. This box has no hugepages "
  f"(HugePages_Total {facts.get('hugepages_total')}), so rackboot runs with `hugepages: off` and DPDK's "
  "memory (memory_mb 256, touched as used) shows as the dataplane's shmem.\n")
w("| server | process | procs idle / peak | PSS idle | PSS peak | RSS idle | RSS peak | anon peak | file peak | "
  "shmem peak (DPDK) | hugetlb peak |")
w("|---|---|---|---|---|---|---|---|---|---|---|")
for n in servers:
    ran = [r for r in storm.get(n, []) if r.get("status") == "ran"]
    if not ran:
        continue
    r = ran[-1]
    for comm in sorted(set(r["mem_idle"]) | set(r["mem_peak"])):
        i = r["mem_idle"].get(comm, [0] * 7)
        p = r["mem_peak"].get(comm, [0] * 7)
        w(f"| {n} | {comm} | {i[0]} / {p[0]} | {i[6]} | {p[6]} | {i[1]} | {p[1]} | {p[2]} | {p[3]} | {p[4]} | {p[5]} |")
    w(f"| {n} | **total (PSS + hugetlb)** | | **{mem_total(r['mem_idle'])}** | **{mem_total(r['mem_peak'])}** | | | | | | |")
rb_runs = [r for r in storm.get("rackboot", []) if r.get("status") == "ran"]
if rb_runs:
    r = rb_runs[-1]
    m1 = metrics(os.path.join(RAW, f"storm-rackboot-r{r['rep']}.metrics"))
    cache = m1.get("rackboot_dp_tftp_cache_bytes", 0) / 1024
    di = mem_total({k: v for k, v in r["mem_idle"].items() if k.startswith("rackboot-datap")})
    dp = mem_total({k: v for k, v in r["mem_peak"].items() if k.startswith("rackboot-datap")})
    ci = sum(v[1] for k, v in r["mem_idle"].items() if k == "rackboot")
    cp = sum(v[1] for k, v in r["mem_peak"].items() if k == "rackboot")
    w("\nrackboot's memory, from its documented sizes (docs/security.md): the dataplane allocates its "
      "tables at start, per worker: TFTP sessions `tftp.max_sessions` x (144 B + 96 B name + 16 B hash) = "
      "16384 x 256 B = 4 MiB, multicast 260 KiB, the event ring 544 KiB, ACKs held for their commit "
      "`DP_HELD_MAX` 8192 x 1.5 KiB = 12.5 MiB; the lease table (one slot per pool "
      "address, made at start, docs/architecture.md) and the DPDK mbuf "
      "pool (`dataplane.mbufs`) are sized by the config, not by the clients. What grows with the storm is "
      "the image cache (`tftp.cache_mb`, up to 1024 MiB): each file served is loaded once, whatever the "
      "number of nodes. So: peak - idle (dataplane) ~= the image cache's bytes + pages first touched, "
      "with no per-node term.")
    w(f"\n- This run ({nodes_n} nodes): dataplane idle {di} KiB, peak {dp} KiB, growth **{dp - di} KiB**; "
      f"image cache {cache:.0f} KiB (`rackboot_dp_tftp_cache_bytes`); control {ci} -> {cp} KiB. "
      + ("The growth is within the cache plus 8 MiB of touched pages: the formula holds."
         if dp - di <= cache + 8192 else
         "The growth exceeds the cache by more than 8 MiB: the formula does not account for it (look at raw/storm-rackboot-*.mem)."))
    w("- The peers for comparison: tftpd-hpa forks a process per transfer (its RSS grows with "
      "concurrent nodes), atftpd a thread per transfer, dnsmasq serves TFTP from its one process.\n")
w("## Side-by-side benchmarks (short mode)\n")
for k, v in side["runs"].items():
    w(f"- {k}: exit {v.get('rc')}, {v.get('secs')} s")
if dhcp:
    w("\n### DHCP DORA/s (benchmarks/dhcp_bench.sh, dhcp_storm rate search, <= 2.5% loss)\n")
    w("| server | median DORA/s | runs | notes |\n|---|---|---|---|")
    for d in dhcp:
        w(f"| {d['server']} | {fmt(d['dora_per_s'], '.0f')} | {d['runs']} | {d['notes']} |")
    best = max((d for d in dhcp if d["server"] != "rackboot" and d["dora_per_s"]), key=lambda d: d["dora_per_s"], default=None)
    rb = next((d["dora_per_s"] for d in dhcp if d["server"] == "rackboot"), None)
    if best and rb:
        w(f"\nrackboot / {best['server']}: **{rb / best['dora_per_s']:.2f}x**")
if dhcp_rb:
    w("\n### DHCP DORA/s with rackboot-storm as the generator (dhcp_bench.sh RB_LOADGEN=rackboot-storm, "
      "<= 2.5% loss)\n")
    w("".join(f"- {l}\n" for l in side["dhcp_rbstorm_env"].splitlines() if l))
    w("| server | median DORA/s | runs | drop % | generator CPU % | notes |\n|---|---|---|---|---|---|")
    for d in dhcp_rb:
        w(f"| {d['server']} | {fmt(d['dora_per_s'], '.0f')} | {d['runs']} | {d['drop_pct']} | {d['gen_cpu_pct']} | "
          f"{d['notes']} |")
    rb = next((d["dora_per_s"] for d in dhcp_rb if d["server"] == "rackboot"), None)
    kea = next((d["dora_per_s"] for d in dhcp_rb if d["server"] == "kea"), None)
    if rb and kea:
        w(f"\nrackboot / kea with the storm as generator: **{rb / kea:.2f}x** (target >= 10: "
          f"{'met' if rb / kea >= 10 else 'missed'})")
if perf_md:
    w("\n### Where the time went in the DHCP benchmarks (perf)\n")
    for label, text in perf_md.items():
        w(f"Generator: {label}.\n")
        w(text.replace("## Where the time went", "#### Where the time went").replace("\n### ", "\n##### "))
if tftp:
    w("\n### TFTP goodput (benchmarks/tftp_bench.sh)\n")
    w(tftp_link + "\n")
    w("| server | clients | windowsize | MB/s | % of link | CPU-s per GB | runs |\n|---|---|---|---|---|---|---|")
    for t in tftp:
        w(f"| {t['server']} | {t['clients']} | {t['windowsize']} | {fmt(t['MBps'])} | {t['pct_of_link']} | "
          f"{fmt(t['cpu_s_per_gb'], '.2f')} | {t['runs']} |")
    for c in sorted({t["clients"] for t in tftp}):
        for wnd in sorted({t["windowsize"] for t in tftp}):
            rb = next((t["MBps"] for t in tftp if t["server"] == "rackboot" and t["clients"] == c and t["windowsize"] == wnd), None)
            pe = [t for t in tftp if t["server"] != "rackboot" and t["clients"] == c and t["windowsize"] == wnd and t["MBps"]]
            if rb and pe:
                b = max(pe, key=lambda t: t["MBps"])
                w(f"- {c} clients, windowsize {wnd}: rackboot / best peer ({b['server']}) = {rb / b['MBps']:.2f}x")
if http["rows"]:
    w("\n### HTTP (benchmarks/http_bench.sh)\n")
    w(http.get("header", "") + "\n")
    cols = sorted({c for v in http["rows"].values() for c in v}, key=lambda c: int(c[1:]))
    w("| server / port mode | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols))
    for k, v in http["rows"].items():
        w(f"| {k} | " + " | ".join(v.get(c, "-") for c in cols) + " |")
    w("")
    for line in http["ratios"]:
        w(f"- {line}")
w("\n## Plots\n")
for p in plots:
    w(f"![{p}]({p})")
w("\nRaw data: raw/ (storm summaries, per-node JSON, memory samples, metrics, logs), side/ (the "
  "side benchmarks' own results directories).")
with open(os.path.join(RES, "report.md"), "w") as f:
    f.write("\n".join(o) + "\n")
print(f"run_report: {RES}/report.md, results.json, {len(plots)} plots")
