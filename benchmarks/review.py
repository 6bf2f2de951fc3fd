"""Review pixels: playblast frame rate with and without the OCIO transform and the burn-in, and movie
encoding time per frame, measured side by side in one run.

    python benchmarks/review.py [--size medium] [--frames N] [--repeat 3] [--width 960 --height 540]

Each frame is drawn by one offscreen view (the playblast's) in turn as:

- ``raw``: multisampled scene-linear frame resolved and read back through the ``Raw`` view (OCIO's
  shader is then a pass-through: the cost of the pass itself, not of a transform);
- ``view``: the same through the config's default view (ACES 2.0 SDR in the studio config);
- ``view + burn-in``: and the burn-in drawn on it (Pillow, CPU);
- ``view, 1 sample``: as ``view`` without multisampling (what the window does on llvmpipe).

The transform's cost is ``view`` minus ``raw``, as a share of a ``view`` frame (target < 10% on
llvmpipe); since whole frames vary more between runs than the pass costs, the display pass alone
(resolve, OCIO shader, read back) is also timed for both views after each frame, and the burn-in's
drawing alone. Encoding: the frames drawn are then encoded to H.264 (``.mp4``) and ProRes 422 HQ
(``.mov``) through PyAV, milliseconds per frame. Medians over ``--repeat`` runs; the load is printed.

    python benchmarks/review.py --dailies [--size small] [--frames 4] [--repeat 3] [--width 960 --height 540]

instead times the dailies movie (``sdf dailies --movie``) per frame from renders beside playblasts of
the same frames at the same size: the shot's first render layer is rendered once by Cycles
(``sdf render``, 4 samples) and played-blasted once, then each run writes the H.264 dailies movie of
the playblast (PNG read, encode) and of the render (EXR part read, OCIO from its colour space,
burn-in, encode) in turn, with the render path's stages timed alone as well.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402

import sdf  # noqa: E402
from sdf.cache.frame_cache import FrameCache  # noqa: E402


def main() -> None:
    from sdf.viewer.burnin import BurnIn
    from sdf.viewer.colour import Transform
    from sdf.viewer.movie import MovieWriter
    from sdf.viewer.offscreen import OffscreenView
    from sdf.viewer.scene import build_scene

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--shot", help="Use this shot instead of the demo.")
    ap.add_argument("--frames", type=int, default=8, help="Frames per run (0: the whole shot).")
    ap.add_argument("--width", type=int, default=960)
    ap.add_argument("--height", type=int, default=540)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dailies", action="store_true", help="Time dailies movies from renders beside playblasts.")
    args = ap.parse_args()
    if args.dailies:
        return dailies(args)
    shot_path = args.shot or demo_shot(args.size)
    shot = sdf.open(shot_path, department="animation")
    cache = FrameCache()
    scene = build_scene(shot, cache, shading="materials")
    frames = list(shot.frame_range)[: args.frames or None]
    camera = shot.shot_camera.name if shot.shot_camera else None
    default = Transform.open(os.path.dirname(shot_path))
    raw = default.with_view(default.display, "Raw") if "Raw" in default.views() else None
    if raw is None:
        raise SystemExit(f"the config has no Raw view for {default.display}: nothing to compare against")
    view = OffscreenView(scene, cache, args.width, args.height, transform=default)
    single = OffscreenView(scene, cache, args.width, args.height, transform=default, samples=0)
    plain = OffscreenView(scene, cache, args.width, args.height, transform=raw)
    by_name = {"raw": plain, "view": view, "view + burn-in": view, "view, 1 sample": single}
    burn = BurnIn.for_shot(shot, frames, camera)
    for f in frames:  # warm the cache: the comparison is of pixels, not of reading files
        view.render(f, camera)
    runs = {"raw": [], "view": [], "view + burn-in": [], "view, 1 sample": []}
    encode = {".mp4": [], ".mov": []}
    passes = {"raw": [], "view": []}
    burn_draw = []
    pictures = []
    for _ in range(max(args.repeat, 1)):
        spent = {k: 0.0 for k in runs}
        pictures = []
        for f in frames:
            for name in runs:  # one frame through each variant in turn: side by side, same load
                v = by_name[name]
                t0 = time.perf_counter()
                rgba, _ = v.render(f, camera)
                if name == "view + burn-in":
                    t1 = time.perf_counter()
                    rgba = burn.draw(rgba, f)
                    burn_draw.append(time.perf_counter() - t1)
                    pictures.append(rgba)
                spent[name] += time.perf_counter() - t0
            for name in passes:  # the display pass alone, on the frame just drawn by each
                v = by_name[name]
                t0 = time.perf_counter()
                v.display.present(v.fbo)
                v.fbo.read(components=4)
                passes[name].append(time.perf_counter() - t0)
        for name, s in spent.items():
            runs[name].append(s / len(frames))
        with tempfile.TemporaryDirectory() as tmp:
            for ext in encode:
                writer = MovieWriter(os.path.join(tmp, "m" + ext), (args.width, args.height), shot.fps, frames[0])
                t0 = time.perf_counter()
                for rgba in pictures:
                    writer.add(rgba)
                writer.close()
                encode[ext].append((time.perf_counter() - t0) / len(pictures))
    view.release()
    single.release()
    plain.release()
    renderer = view.ctx.info["GL_RENDERER"]
    ms = {k: 1000 * median(v) for k, v in runs.items()}
    rows = [[k, f"{1000 / v:.2f}", f"{v:.1f}"] for k, v in ms.items()]
    share = (ms["view"] - ms["raw"]) / ms["view"]
    pass_ms = {k: 1000 * median(v) for k, v in passes.items()}
    pass_share = (pass_ms["view"] - pass_ms["raw"]) / ms["view"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"shot: {shot_path}  ({len(scene.items)} objects, {len(frames)} frames x {args.repeat} runs, "
          f"{args.width}x{args.height}, renderer: {renderer}, view: {default.label}, load {load:.2f})")
    print(table(["playblast frame", "fps", "ms (median)"], rows))
    print(table(["display pass", "ms (median)"], [[k, f"{v:.1f}"] for k, v in pass_ms.items()]))
    print(table(["movie", "encode ms per frame (median)"],
                [[ext, f"{1000 * median(v):.1f}"] for ext, v in encode.items()]))
    print(f"summary: the OCIO view transform costs {100 * pass_share:.1f}% of a playblast frame by the pass alone "
          f"({pass_ms['view'] - pass_ms['raw']:.1f} ms), {100 * share:.1f}% by whole frames (target < 10%), "
          f"the burn-in {1000 * median(burn_draw):.1f} ms a frame, 4x multisampling "
          f"{ms['view'] / ms['view, 1 sample']:.1f}x the frame; H.264 encodes in {1000 * median(encode['.mp4']):.1f} "
          f"ms/frame, ProRes in {1000 * median(encode['.mov']):.1f} ms/frame on {renderer}")


def dailies(args) -> None:
    """The ``--dailies`` comparison (see the module docstring)."""
    import subprocess

    from sdf.dcc_plugins.render_plan import render_department
    from sdf.viewer.review import find_dailies, write_dailies_movie
    from sdf.viewer.review_renders import read_linear

    shot_path = args.shot or demo_shot(args.size)
    view = sdf.open(shot_path, department=render_department(shot_path))
    layer = next((l.name for l in view.render_layers if l.enabled), None)
    if layer is None:
        raise SystemExit(f"{shot_path} has no enabled render layer to render")
    first = view.frame_range.start
    last = min(view.frame_range.end, first + max(args.frames, 1) - 1)
    size = f"{args.width}x{args.height}"
    sdf_cli = [sys.executable, "-m", "sdf.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        made = {}
        for what, cmd in (("render", ["render", shot_path, "--layer", layer, "--frames", f"{first}-{last}",
                                      "--resolution", size, "--samples", "4", "--out", os.path.join(tmp, "r")]),
                          ("playblast", ["view", shot_path, "--playblast", os.path.join(tmp, "pb"),
                                         "--frames", f"{first}-{last}", "--size", size])):
            t0 = time.perf_counter()
            subprocess.run([*sdf_cli, *cmd], check=True, capture_output=True)
            made[what] = time.perf_counter() - t0
        entries = {"playblast": find_dailies(shot_path, "playblast", [os.path.join(tmp, "pb")], []),
                   "render": find_dailies(shot_path, "render", [], [os.path.join(tmp, "r")], layer=layer)}
        n = last - first + 1
        movie = {k: [] for k in entries}
        stages = {"EXR read": [], "OCIO (CPU)": [], "burn-in": []}
        r = entries["render"]
        for _ in range(max(args.repeat, 1)):
            for name, entry in entries.items():  # side by side: the same run, the same load
                t0 = time.perf_counter()
                write_dailies_movie([entry], os.path.join(tmp, f"{name}.mp4"))
                movie[name].append((time.perf_counter() - t0) / n)
            for f in r["frames"]:
                t0 = time.perf_counter()
                rgb = read_linear(r, f)
                t1 = time.perf_counter()
                code = r["transform"].encode_u8(rgb)
                t2 = time.perf_counter()
                rgba = np.concatenate([code, np.full(code.shape[:2] + (1,), 255, np.uint8)], axis=-1)
                t3 = time.perf_counter()
                r["burn_in"].draw(rgba, f)
                t4 = time.perf_counter()
                stages["EXR read"].append(t1 - t0)
                stages["OCIO (CPU)"].append(t2 - t1)
                stages["burn-in"].append(t4 - t3)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    ms = {k: 1000 * median(v) for k, v in movie.items()}
    print(f"shot: {shot_path}  (layer {layer}, frames {first}-{last} x {args.repeat} runs, {size}, "
          f"view: {r['transform'].label}, made once: render {made['render']:.1f} s, playblast "
          f"{made['playblast']:.1f} s, load {load:.2f})")
    print(table(["dailies movie (H.264)", "ms per frame (median)"], [[k, f"{v:.1f}"] for k, v in ms.items()]))
    print(table(["render frame stage", "ms (median)"], [[k, f"{1000 * median(v):.1f}"] for k, v in stages.items()]))
    print(f"summary: a dailies movie frame from a render takes {ms['render'] / ms['playblast']:.2f}x a playblast's "
          f"({ms['render']:.1f} vs {ms['playblast']:.1f} ms)")


if __name__ == "__main__":
    main()
