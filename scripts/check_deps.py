#!/usr/bin/env python3
"""check_deps.py BUILD_DIR: fail when two files of one source directory use
each other's symbols both ways.

Reads the object files of rackboot's own libraries and programs (util/,
proto/, dataplane/, control/, rackbootctl/ and their subfolders; not tests
or benchmarks)
with nm: a file "uses" another when it has an undefined symbol that the
other defines. Prints every edge inside a directory, then the two-way pairs.
Exit 1 when there is any two-way pair, 2 when nothing was found to check.
"""
import glob
import os
import subprocess
import sys

TOP = ("util", "proto", "dataplane", "control", "rackbootctl")


def source_of(build, obj):
    """The source path (relative to the tree) an object was compiled from."""
    rel = os.path.relpath(obj, build)
    top = rel.split(os.sep)[0]
    base = os.path.basename(obj)[: -len(".o")]  # e.g. provision_bootcfg.c
    src_root = os.path.dirname(os.path.abspath(os.path.join(os.path.dirname(__file__))))
    # meson flattens subfolders into the object name with '_'
    parts = base.split("_")
    for i in range(len(parts), 0, -1):
        cand = os.path.join(top, *parts[: i - 1], "_".join(parts[i - 1:])) if i > 1 else None
        if cand and os.path.exists(os.path.join(src_root, cand)):
            return cand
    return os.path.join(top, base)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    objs = []
    for top in TOP:
        objs += glob.glob(os.path.join(build, top, "*.p", "*.o"))
    if not objs:
        print(f"check_deps: no object files under {build}/{{{','.join(TOP)}}}", file=sys.stderr)
        return 2
    defs, undef, files = {}, {}, set()
    for o in sorted(objs):
        src = source_of(build, o)
        files.add(src)
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        undef.setdefault(src, set())
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBR":
                defs[p[2]] = src
            elif len(p) == 2 and p[0] == "U":
                undef[src].add(p[1])
    edges = {}
    for f, syms in undef.items():
        for s in syms:
            d = defs.get(s)
            if d and d != f and os.path.dirname(d) == os.path.dirname(f):
                edges.setdefault((f, d), set()).add(s)
    for (a, b) in sorted(edges):
        print(f"{a} -> {b}: {', '.join(sorted(edges[(a, b)]))}")
    both = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
    print(f"{len(files)} files, {len(edges)} edges inside a directory, "
          f"two-way pairs: {', '.join(' <-> '.join(p) for p in both) if both else 'none'}")
    return 1 if both else 0


if __name__ == "__main__":
    sys.exit(main())
