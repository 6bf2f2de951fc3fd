"""Rendering a layer with Cycles: time per frame and memory, scene build with and without sdf, farm scaling.

    python benchmarks/render.py [--size medium] [--layer characters] [--frames 1001-1004] [--repeat 3]
                                [--only render|farm] [--chunk N]

On the demo shot (generated once under benchmarks/.data), side by side in one run, each
measurement repeated ``--repeat`` times (interleaved) and reported as its median:

- ``sdf render``: seconds per frame and peak memory of the render process, one layer at
  480x270, 32 samples, 2 threads, no denoising (goal < 8 s a frame, < 1 GB);
- scene build: the sdf path (the Blender host's session and the layer as a view layer) against
  Blender's own Alembic importer plus the layer set up by hand in a script (``render_scene.py``);
- the farm: ``sdf farm run --step render`` over the frames, one thread a task, on 1 and 2 Dask workers
  (goal >= 1.8x), the same job both ways: by default two tasks (``--chunk``: the frames over 2), so two
  workers are both busy and each task imports bpy and builds the scene once for its frames. Reported
  apart: the cluster's start and close, each task's fixed cost (its process, planning, Blender's start,
  the scene build), the seconds a frame, the work phase (first task submitted to last result) and the
  whole run, with the load average (the machine may be shared).
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


def load() -> float:
    """The 1-minute load average (``uptime``'s first figure): the machine is shared, and it says how much."""
    return os.getloadavg()[0]


def farm(shot, layer, frames, res, samples, workers, chunk, out) -> dict:
    """One ``sdf farm run --step render`` through the farm's own functions (what the command calls), so the
    farm's own clock (``dask_run.TIMING``) and each task's render report give the fixed costs apart:

    ``start`` the Dask cluster (worker processes) started; ``work`` first task submitted to last result;
    ``close`` the cluster shut down; per task ``fixed`` its seconds less its frames' (the task's process,
    planning, Blender's start to bpy imported = ``ready``, the scene built once = ``build``); per frame
    ``frame`` (render and EXR written), all 1 thread a task."""
    from sdf.farm import dask_run
    from sdf.farm.job import Step, build
    from sdf.farm.steps import render_report_path

    a, b = (int(v) for v in frames.split("-"))
    step = Step("render", "render", options=("--resolution", res, "--samples", str(samples), "--threads", "1"),
                layers=(layer,))
    job = build([os.path.abspath(shot)], [step], chunk, (a, b))
    before = load()
    t0 = time.perf_counter()
    results = dask_run.run(job, out, workers=workers)
    wall = time.perf_counter() - t0
    bad = [r for r in results if r.status != "ok"]
    if bad:
        raise SystemExit(f"farm run failed: {bad[0].key}: {bad[0].error}")
    row = {"wall": wall, **{k: dask_run.TIMING[k] for k in ("start", "work", "close")}, "fixed": [], "ready": [],
           "build": [], "frame": [], "load": (before + load()) / 2}
    for task, res_ in zip(job.tasks, results):
        report = json.load(open(render_report_path(os.path.join(out, task.label), task.layer, task.frames)))
        frames_s = [f["seconds"] for f in report["frames"]]
        row.setdefault("cores", []).extend(f["cpu_seconds"] / f["seconds"] for f in report["frames"])
        row["fixed"].append(res_.seconds - sum(frames_s))
        row["ready"].append(report["timing"]["ready"])
        row["build"].append(report["timing"]["scene_build"])
        row["frame"].extend(frames_s)
    return row


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
    ap.add_argument("--chunk", type=int, default=None,
                    help="farm: frames a task (default: the frames over 2, one task for each of 2 workers)")
    ap.add_argument("--only", choices=("render", "farm"), default=None,
                    help="only sdf render and the scene builds, or only the farm (each takes minutes)")
    ap.add_argument("--shot", help=argparse.SUPPRESS)  # the suite's smoke test: a quick, small run
    args = ap.parse_args()
    if args.shot:
        shot, args.frames, args.resolution, args.samples = args.shot, "1001-1002", "64x36", 4
        args.only = args.only or "render"  # the farm's render step has its own tests (tests/farm)
    else:
        shot = demo_shot(args.size)
    first, last = (int(v) for v in args.frames.split("-"))
    nframes = last - first + 1
    chunk = args.chunk or max(1, (nframes + 1) // 2)
    per_frame, memory, build_sdf, build_blender = [], [], [], []
    runs: dict[int, list[dict]] = {1: [], 2: []}
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix="sdf-bench-render-")
    try:
        for i in range(args.repeat):
            if args.only != "farm":
                rows = sdf_render(shot, args.layer, args.frames, args.resolution, args.samples,
                                  os.path.join(tmp, f"r{i}"))
                per_frame.append(median([r["seconds"] for r in rows]))
                memory.append(max(r["memory_mb"] for r in rows))
                build_sdf.append(scene_build("sdf", shot, args.layer, first))
                build_blender.append(scene_build("blender", shot, args.layer, first))
            if args.only != "render":
                for n in (1, 2) if i % 2 == 0 else (2, 1):  # interleaved: a change in load hits both alike
                    runs[n].append(farm(shot, args.layer, args.frames, args.resolution, args.samples, n, chunk,
                                        os.path.join(tmp, f"f{n}_{i}")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"render benchmark: {os.path.basename(shot)} layer {args.layer}, frames {args.frames}, "
          f"{args.resolution}, {args.samples} samples, medians of {args.repeat}")
    print(f"uptime before: {uptime_before}\nuptime after:  {uptime_after}")
    if per_frame:
        print(table(["measure", "median"], [
            ["sdf render, s/frame (2 threads)", f"{median(per_frame):.2f}"],
            ["peak memory, MB", f"{median(memory):.0f}"],
            ["scene build, sdf (session + view layer), s", f"{median(build_sdf):.2f}"],
            ["scene build, Blender importer + script, s", f"{median(build_blender):.2f}"]]))
        print(f"summary: {median(per_frame):.2f} s/frame, {median(memory):.0f} MB peak, scene build sdf/blender "
              f"{median(build_sdf) / median(build_blender):.2f}x")
    if runs[1]:
        def m(n, key, agg=None):
            vals = [agg(r[key]) if agg else r[key] for r in runs[n]]
            return median(vals)

        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        tasks = len(runs[1][0]["fixed"])
        print(f"\nfarm: {nframes} frames in {tasks} task(s) of {chunk} frame(s), 1 thread a task")
        print(table(["measure, s", "1 worker", "2 workers"], [
            ["cluster start", f"{m(1, 'start'):.2f}", f"{m(2, 'start'):.2f}"],
            ["task fixed cost (process, plan, Blender, scene)", f"{m(1, 'fixed', mean):.2f}",
             f"{m(2, 'fixed', mean):.2f}"],
            ["  of which Blender start to bpy imported", f"{m(1, 'ready', mean):.2f}", f"{m(2, 'ready', mean):.2f}"],
            ["  of which scene build (once a task)", f"{m(1, 'build', mean):.2f}", f"{m(2, 'build', mean):.2f}"],
            ["frame (render + EXR)", f"{m(1, 'frame', mean):.2f}", f"{m(2, 'frame', mean):.2f}"],
            ["  CPU the render process took (CPU s / s)", f"{m(1, 'cores', mean):.2f}", f"{m(2, 'cores', mean):.2f}"],
            ["work (first submit to last result)", f"{m(1, 'work'):.1f}", f"{m(2, 'work'):.1f}"],
            ["cluster close", f"{m(1, 'close'):.2f}", f"{m(2, 'close'):.2f}"],
            ["whole run", f"{m(1, 'wall'):.1f}", f"{m(2, 'wall'):.1f}"],
            ["load average during (1 min)", f"{m(1, 'load'):.1f}", f"{m(2, 'load'):.1f}"]]))
        work = m(1, "work") / m(2, "work")
        whole = m(1, "wall") / m(2, "wall")
        got1, got2 = m(1, "cores", mean), 2 * m(2, "cores", mean)
        # Two workers on two free cores: each task as long as it took alone (its fixed cost and frames as
        # with 1 worker), the two side by side; the cluster's start and close as measured with 2 workers.
        per_task = m(1, "work") / tasks
        free = m(2, "start") + per_task * -(-tasks // 2) + m(2, "close")
        print(f"summary: farm 2 vs 1 workers {whole:.2f}x whole run, {work:.2f}x the work alone; the render "
              f"processes took {got1:.2f} cores with 1 worker and {got2:.2f} with 2 (a 1-thread Cycles render keeps a "
              f"second thread spinning while a core is free, and gives it up under contention); with a free core a worker this job would take {free:.1f} s on 2 workers, "
              f"{m(1, 'wall') / free:.2f}x (projected from the 1-worker tasks, not measured)")


if __name__ == "__main__":
    main()
