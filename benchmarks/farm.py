"""Batch work on Dask: one worker against two, and the engine's overhead per task, measured in one run.

    python benchmarks/farm.py [--shots 8] [--repeat 3] [--steps validate,convert,playblast]

On N small demo shots (generated once under benchmarks/.data/farm), the same job runs:

- serial: each task's command line (``sdf farm task ...``) run directly, one after another:
  the work itself, with no engine;
- dask 1 / dask 2: ``sdf.farm.dask_run.run`` on a LocalCluster of 1 and 2 worker processes.

Reported (medians of ``--repeat`` runs, interleaved): the speed-up of 2 workers over 1 (goal
>= 1.7x on this 2-core machine), and the engine's overhead per task: (dask 1 - serial) / tasks,
as a share of the mean task time (goal < 5%), from the first submit to the last result, and
counting the cluster's start and shutdown.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import DATA, median, table  # noqa: E402


def shots(n: int) -> list[str]:
    from sdf.demo import generate

    out = []
    for i in range(n):
        d = os.path.join(DATA, "farm", f"p{i:02d}")
        shot = os.path.join(d, "shots", "sh010", "sh010.sdf")
        if not os.path.exists(shot):
            generate(d, "small")
        out.append(shot)
    return out


def serial(job, out: str) -> float:
    t0 = time.perf_counter()
    for task in job.tasks:
        subprocess.run([sys.executable, "-m", "sdf.cli", *task.argv(out)], check=True, capture_output=True)
    return time.perf_counter() - t0


def on_dask(job, out: str, workers: int) -> tuple[float, float]:
    """(wall time with the cluster's start and shutdown, time from the first submit to the last result)."""
    from sdf.farm import dask_run

    t0 = time.perf_counter()
    results = dask_run.run(job, out, workers=workers)
    total = time.perf_counter() - t0
    assert all(r.status == "ok" for r in results), [r.error for r in results if r.status != "ok"]
    return total, dask_run.TIMING["work"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: python benchmarks/farm.py --shots 8 --repeat 3",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shots", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", default="validate,convert,playblast")
    ap.add_argument("--chunk", type=int, default=24)
    ap.add_argument("--shot", help=argparse.SUPPRESS)  # the suite's smoke test: a quick, small run
    args = ap.parse_args()
    if args.shot:
        args.shots, args.steps = 2, "validate"
    from sdf.farm.job import build, parse_step

    shot_files = shots(args.shots)
    job = build(shot_files, [parse_step(s) for s in args.steps.split(",")], args.chunk)
    runs: dict[str, list[float]] = {"serial": [], "dask1": [], "dask1_no_start": [], "dask2": [],
                                    "dask2_no_start": []}  # *_no_start: first submit to last result
    for _ in range(args.repeat):
        for variant in ("serial", "dask1", "dask2"):
            out = tempfile.mkdtemp(prefix="sdf-farm-bench-")
            try:
                if variant == "serial":
                    runs["serial"].append(serial(job, out))
                else:
                    total, body = on_dask(job, out, int(variant[-1]))
                    runs[variant].append(total)
                    runs[variant + "_no_start"].append(body)
            finally:
                shutil.rmtree(out, ignore_errors=True)
    med = {k: median(v) for k, v in runs.items()}
    n = len(job.tasks)
    mean_task = med["serial"] / n
    over = (med["dask1"] - med["serial"]) / n
    over_body = (med["dask1_no_start"] - med["serial"]) / n
    print(f"{args.shots} shots, steps {args.steps}, {n} tasks, medians of {args.repeat} runs, "
          f"load {os.getloadavg()[0]:.2f}")
    print(table(["variant", "wall s", "per task s"],
                [[k, f"{v:.2f}", f"{v / n:.3f}"] for k, v in med.items()]))
    print(f"summary: 2 workers {med['dask1'] / med['dask2']:.2f}x faster than 1 "
          f"({med['dask1_no_start'] / med['dask2_no_start']:.2f}x first submit to last result; goal >=1.7x); "
          f"engine overhead {over_body * 1e3:.0f} ms/task = {over_body / mean_task * 100:.1f}% of a {mean_task:.2f} s "
          f"task from the first submit to the last result (goal <5%); {over * 1e3:.0f} ms = "
          f"{over / mean_task * 100:.1f}% counting the cluster's start and shutdown")


if __name__ == "__main__":
    main()
