"""A department session in Blender against importing every Alembic asset natively, in one run.

    scripts/dev blender benchmarks/dcc_blender.py [--size medium] [--repeat 3] [--frames N]

Runs in the Blender environment (``bpy``). Each variant runs in its own fresh Blender
process, so time and peak memory are its own; the two variants alternate, ``--repeat``
times, and medians are printed side by side:

- session: ``bpy.ops.sdf.open_shot(department="lighting")``: proxies drawn from the frame
  cache, native lights and cameras, ignored data never read;
- native:  ``bpy.ops.wm.alembic_import`` of every Alembic file the lighting session draws
  (the same geometry), Blender's own importer with its ``MESH_SEQUENCE_CACHE`` modifiers.

For each: the time to open and the peak memory the open added (``ru_maxrss`` above the process
after ``import bpy``); the same until the first frame is drawn in full (the session opens its
proxies as bounding boxes, the way Maya's gpuCache and Cortex's SceneShape draw bounds until
geometry is loaded, and fills them right after, one per UI tick or all at the next frame
change); and the time to step through the shot's frames with ``scene.frame_set`` twice
(first pass, second pass), with the peak memory over the whole run (the open, the first frame
and both passes: what an artist's system monitor shows at worst). Goals: the session opens >= 5x
faster with >= 50% less memory, its second pass is >= 3x faster than the native import's, and its
peak over the passes stays below the native import's (the session's frame cache has a budget, see
``sdf.dcc_plugins.feed``; what it held at the end is printed).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(variant: str, shot: str, frames: int) -> dict:
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    import sdf.dcc_plugins.blender as sb

    sb.register()
    base = _rss_kb()
    resource.getrusage(resource.RUSAGE_SELF)
    scene = bpy.context.scene
    t0 = time.perf_counter()
    if variant == "session":
        assert bpy.ops.sdf.open_shot(filepath=shot, department="lighting") == {"FINISHED"}
    else:
        from sdf.dcc_plugins.plan import plan_session
        from sdf.document.opening import open_shot

        view = open_shot(shot, "lighting")
        files = sorted({g.file for g in plan_session(view).geometry})
        for f in files:
            assert bpy.ops.wm.alembic_import(filepath=f, as_background_job=False) == {"FINISHED"}
        scene.frame_start, scene.frame_end = view.frame_range.start, view.frame_range.end
    open_s = time.perf_counter() - t0
    peak_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    # Until the first frame is drawn in full: the session's proxies open as bounds and fill here.
    scene.frame_set(scene.frame_current)
    full_s = time.perf_counter() - t0
    peak_full = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    start = scene.frame_start
    span = range(start, min(scene.frame_end, start + frames - 1) + 1)
    passes = []
    for _ in range(2):
        t0 = time.perf_counter()
        for f in span:
            scene.frame_set(f)
        passes.append((time.perf_counter() - t0) / len(span))
    held = {}
    if variant == "session":
        from sdf.dcc_plugins.feed import cache_held, frame_cache

        held = {f"cache_{k}": v for k, v in cache_held(frame_cache()).items()}
    return {**held, "open_s": open_s, "open_mb": peak_open / 1024.0, "full_s": full_s, "full_mb": peak_full / 1024.0,
            "pass1_ms": passes[0] * 1e3,
            "pass2_ms": passes[1] * 1e3, "frames": len(span),
            "peak_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: scripts/dev blender benchmarks/dcc_blender.py --size medium",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    ap.add_argument("--shot", help="use this shot instead of the generated demo")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--frames", type=int, default=10_000, help="at most this many frames per pass")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    shot = args.shot or demo_shot(args.size)
    if args.child:
        print("CHILD " + json.dumps(child(args.child, shot, args.frames)), flush=True)
        return
    runs: dict[str, list[dict]] = {"session": [], "native": []}
    for i in range(args.repeat):
        for variant in ("session", "native"):
            out = subprocess.run([sys.executable, __file__, "--shot", shot, "--frames", str(args.frames),
                                  "--child", variant], capture_output=True, text=True)
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("CHILD ")]
            if out.returncode or not line:
                sys.exit(f"{variant} run failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
            runs[variant].append(json.loads(line[-1][6:]))
            print(f"  run {i + 1} {variant}: {runs[variant][-1]}", file=sys.stderr, flush=True)
    med = {v: {k: median([r[k] for r in rs]) for k in rs[0]} for v, rs in runs.items()}
    s, n = med["session"], med["native"]
    rows = [[v, f"{m['open_s']:.3f}", f"{m['open_mb']:.0f}", f"{m['full_s']:.3f}", f"{m['full_mb']:.0f}",
             f"{m['pass1_ms']:.1f}", f"{m['pass2_ms']:.1f}", f"{m['peak_mb']:.0f}"] for v, m in med.items()]
    print(f"shot: {shot} ({s['frames']:.0f} frames), medians of {args.repeat} runs, load {os.getloadavg()[0]:.2f}")
    print(table(["variant", "open s", "open MB", "1st frame drawn s", "then MB", "pass 1 ms/frame",
                 "pass 2 ms/frame", "peak MB over the passes"], rows))
    from sdf.dcc_plugins.feed import format_cache

    print("session's " + format_cache({k[6:]: runs["session"][-1][k] for k in runs["session"][-1]
                                       if k.startswith("cache_")}) + " (last run, after both passes)")
    open_x = n["open_s"] / s["open_s"]
    full_x = n["full_s"] / s["full_s"]
    mem = 1.0 - s["open_mb"] / n["open_mb"] if n["open_mb"] > 0 else 0.0
    mem_full = 1.0 - s["full_mb"] / n["full_mb"] if n["full_mb"] > 0 else 0.0
    pass2_x = n["pass2_ms"] / s["pass2_ms"]
    pass1_x = n["pass1_ms"] / s["pass1_ms"]
    peak = 1.0 - s["peak_mb"] / n["peak_mb"] if n["peak_mb"] > 0 else 0.0
    print(f"summary: open {open_x:.1f}x faster (goal >=5x), {mem * 100:.0f}% less memory (goal >=50%); "
          f"until the first frame is drawn in full {full_x:.1f}x faster, {mem_full * 100:.0f}% less memory; "
          f"first pass {pass1_x:.2f}x, second pass {pass2_x:.1f}x faster (goal >=3x); "
          f"peak over the passes {s['peak_mb']:.0f} vs {n['peak_mb']:.0f} MB, {peak * 100:.0f}% less "
          f"(goal: below the native import's)")


if __name__ == "__main__":
    main()
