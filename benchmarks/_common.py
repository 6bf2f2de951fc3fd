"""Helpers shared by the benchmarks: finding or generating a demo shot, medians, tables."""
from __future__ import annotations

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("SDF_BENCH_DATA", os.path.join(HERE, ".data"))


def demo_shot(size: str) -> str:
    """The demo shot of ``size`` under benchmarks/.data, generated on first use."""
    from sdf.demo import generate

    out = os.path.join(DATA, size)
    shot = os.path.join(out, "shots", "sh010", "sh010.sdf")
    if not os.path.exists(shot):
        print(f"generating the {size} demo shot in {out} (once)...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        generate(out, size)
        print(f"  done in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    return shot


def median(values):
    return statistics.median(values)


def table(headers, rows) -> str:
    cols = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    for r in cols[1:]:
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)
