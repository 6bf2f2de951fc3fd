"""Rendering a layer with Cycles: time per frame and memory, scene build with and without sdf, farm scaling.

    python benchmarks/render.py [--size medium] [--layer characters] [--frames 1001-1004] [--repeat 3]

On the demo shot (generated once under benchmarks/.data), side by side in one run, each
measurement repeated ``--repeat`` times (interleaved) and reported as its median:

- ``sdf render``: seconds per frame and peak memory of the render process, one layer at
  480x270, 32 samples, 2 threads, no denoising (goal < 8 s a frame, < 1 GB);
- scene build: the sdf path (the Blender host's session and the layer as a view layer) against
  Blender's own Alembic importer plus the layer set up by hand in a script (``render_scene.py``);
- the farm: ``sdf farm run --step render`` over the frames, one frame per task, one thread a task,
  on 1 and 2 Dask workers (goal >= 1.8x).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import demo_shot, median, table  # noqa: E402


def blender_python() -> str:
    from sdf.dcc_plugins.render_run import find_blender

    return find_blender(None)


def sdf_render(shot, layer, frames, res, samples, out) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "sdf.cli", "render", shot, "--layer", layer, "--frames", frames,
                           "--resolution", res, "--samples", str(samples), "--threads", "2", "--out", out, "--json"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.strip().splitlines()[-1])
    return json.loads(proc.stdout)["frames"]


def scene_build(way, shot, layer, frame) -> float:
    proc = subprocess.run([blender_python(), os.path.join(HERE, "render_scene.py"), way, shot, layer, str(frame)],
                          capture_output=True, text=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("SECONDS ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"scene build ({way}) failed: {proc.stderr[-500:]}")
    return float(line[0].split()[1])


def farm(shot, layer, frames, res, samples, workers, out) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sdf.cli", "farm", "run", shot, "--step", "render", "--layer", layer,
                           "--frames", frames, "--resolution", res, "--samples", str(samples), "--chunk", "1",
                           "--threads", "1", "--workers", str(workers), "--out", out], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.strip().splitlines()[-1])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: python benchmarks/render.py --size medium --repeat 3",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium")
    ap.add_argument("--layer", default="characters")
    ap.add_argument("--frames", default="1001-1004")
    ap.add_argument("--resolution", default="480x270")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shot", help=argparse.SUPPRESS)  # the suite's smoke test: a quick, small run
    args = ap.parse_args()
    if args.shot:
        shot, args.frames, args.resolution, args.samples = args.shot, "1001-1002", "64x36", 4
    else:
        shot = demo_shot(args.size)
    first = int(args.frames.split("-")[0])
    per_frame, memory, build_sdf, build_blender, farm1, farm2 = [], [], [], [], [], []
    tmp = tempfile.mkdtemp(prefix="sdf-bench-render-")
    try:
        for i in range(args.repeat):
            rows = sdf_render(shot, args.layer, args.frames, args.resolution, args.samples, os.path.join(tmp, f"r{i}"))
            per_frame.append(median([r["seconds"] for r in rows]))
            memory.append(max(r["memory_mb"] for r in rows))
            build_sdf.append(scene_build("sdf", shot, args.layer, first))
            build_blender.append(scene_build("blender", shot, args.layer, first))
            if args.shot:  # the smoke run: the farm's render step has its own tests (tests/farm)
                continue
            farm1.append(farm(shot, args.layer, args.frames, args.resolution, args.samples, 1,
                              os.path.join(tmp, f"f1_{i}")))
            farm2.append(farm(shot, args.layer, args.frames, args.resolution, args.samples, 2,
                              os.path.join(tmp, f"f2_{i}")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [["sdf render, s/frame", f"{median(per_frame):.2f}"],
            ["peak memory, MB", f"{median(memory):.0f}"],
            ["scene build, sdf (session + view layer), s", f"{median(build_sdf):.2f}"],
            ["scene build, Blender importer + script, s", f"{median(build_blender):.2f}"],
            ["farm, 1 worker, s", f"{median(farm1):.1f}" if farm1 else "-"],
            ["farm, 2 workers, s", f"{median(farm2):.1f}" if farm2 else "-"]]
    print(f"render benchmark: {os.path.basename(shot)} layer {args.layer}, frames {args.frames}, "
          f"{args.resolution}, {args.samples} samples, medians of {args.repeat}")
    print(table(["measure", "median"], rows))
    print(f"summary: {median(per_frame):.2f} s/frame, {median(memory):.0f} MB peak, scene build sdf/blender "
          f"{median(build_sdf) / median(build_blender):.2f}x, farm 2 vs 1 workers "
          + (f"{median(farm1) / median(farm2):.2f}x" if farm1 else "not run"))


if __name__ == "__main__":
    main()
