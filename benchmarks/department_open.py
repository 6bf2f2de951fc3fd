"""Opening a shot per department versus loading everything eagerly.

    python benchmarks/department_open.py [--size medium] [--repeat 5]

Each measurement runs in a fresh Python process (imports done before the clock starts), so
no run benefits from another's warm caches in the interpreter; the OS page cache and the
on-disk cache of documents already checked (by content hash, see ``sdf.document.shot._CheckedCache``)
are warm for all of them alike (every variant runs once untimed first). With
``SDF_NO_CHECK_CACHE=1`` every document is checked afresh in every run.

Module imports happen before the clock in every variant: they are process start-up, paid
once per session, not per shot.

- eager: what a DCC pays to load the shot file: every part read, every Alembic archive
  opened, and every object's first-frame sample (positions and topology) read.
- department D: ``sdf.open(shot, department=D)`` plus every part D owns or reads (its view
  ready to use); ignored data is never read and Alembic archives are opened later, on demand,
  by the frame cache.

Prints median seconds and peak resident memory added by the open, and the ratios
eager/department measured side by side in this run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
import sdf
from sdf.alembic import io as alembic_io
from alembic3d import Abc
import sdf.document.departments, sdf.pipeline.validate, sdf.pipeline.publish, fastjsonschema  # imports are process start-up, not open cost

def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def eager(path):
    shot = sdf.open(path)
    shot.load_all()
    held = []
    for role, text, abs_path in shot.referenced_files():
        if abs_path.endswith(".abc"):
            archive = alembic_io.open_archive(abs_path, cached=False)
            for name, obj in alembic_io.walk_objects(archive):
                props = obj.getProperties()
                for i in range(props.getNumProperties()):
                    h = props.getPropertyHeader(i)
                    if h.isCompound() and h.getName().startswith(".geom"):
                        geom = props.getProperty(h.getName())
                        for pname in ("P", ".faceIndices", ".faceCounts", "N", "uv"):
                            if geom.getPropertyHeader(pname) is not None and geom.getPropertyHeader(pname).isArray():
                                prop = geom.getProperty(pname)
                                if prop.getNumSamples():
                                    held.append(np.array(prop.getValue(alembic_io.select(prop, 0))))
    return shot, held

def department(path, dept):
    shot = sdf.open(path, department=dept)
    shot.load_all()
    if shot.access("model_tree") != "ignore":
        list(shot.model_tree.walk())
    return shot, None

path, variant = sys.argv[1], sys.argv[2]
before = rss()
t = time.perf_counter()
result = eager(path) if variant == "eager" else department(path, variant)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "bytes": max(peak, rss()) - before}))
"""


def measure(shot: str, variant: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, shot, variant], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--shot", help="Use this shot instead of the demo.")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    shot = args.shot or demo_shot(args.size)
    from sdf.document.departments import load_policy

    departments = sorted(load_policy(None, os.path.dirname(shot)).departments)
    variants = ["eager"] + departments
    for v in variants:  # warm the page cache for everyone alike
        measure(shot, v)
    samples = {v: [] for v in variants}
    for _ in range(args.repeat):
        for v in variants:  # interleaved, so noise hits every variant alike
            samples[v].append(measure(shot, v))
    med = {v: (median([s["seconds"] for s in samples[v]]), median([s["bytes"] for s in samples[v]])) for v in variants}
    e_t, e_b = med["eager"]
    rows = []
    for v in variants:
        t, b = med[v]
        rows.append([v, f"{t * 1000:.1f}", f"{b / 2**20:.1f}", f"{e_t / t:.1f}x" if v != "eager" else "-",
                     f"{b / e_b:.2f}" if v != "eager" else "-"])
    print(f"shot: {shot}  (median of {args.repeat} runs each, fresh process per run)")
    print(table(["variant", "open ms", "added MB", "eager/dept time", "dept/eager memory"], rows))
    lt, lb = med["lighting"]
    print(f"summary: lighting view opens {e_t / lt:.1f}x faster than the eager load and holds "
          f"{100 * lb / e_b:.0f}% of its memory (targets: >=10x, <50%)")


if __name__ == "__main__":
    main()
