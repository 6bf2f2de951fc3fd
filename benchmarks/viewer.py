"""Offscreen drawing of the demo shot through the viewer's renderer: first and second pass.

    python benchmarks/viewer.py [--size medium] [--frames N] [--width 960 --height 540]

Draws every frame through the shot camera into an offscreen framebuffer (the same renderer
the window uses), reading geometry through the frame cache. For each pass it prints frames
per second and the share of frame time spent getting data (cache lookups, or reads on a
miss) versus drawing (upload, draw calls, and waiting for the GPU), with the OpenGL renderer
named. Target: on the second pass the data path takes under 10% of frame time.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402

import sdf  # noqa: E402
from sdf.cache.frame_cache import FrameCache  # noqa: E402


def main() -> None:
    from sdf.cache.prefetch import Prefetcher
    from sdf.viewer.offscreen import OffscreenView
    from sdf.viewer.scene import build_scene

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--shot", help="Use this shot instead of the demo.")
    ap.add_argument("--frames", type=int, default=0, help="Only the first N frames (0: all).")
    ap.add_argument("--width", type=int, default=960)
    ap.add_argument("--height", type=int, default=540)
    ap.add_argument("--repeat", type=int, default=1, help="Ignored by the smoke test; kept for symmetry.")
    args = ap.parse_args()
    shot_path = args.shot or demo_shot(args.size)
    shot = sdf.open(shot_path, department="animation")
    cache = FrameCache()
    scene = build_scene(shot, cache)
    frames = list(shot.frame_range)[: args.frames or None]
    view = OffscreenView(scene, cache, args.width, args.height)
    renderer_name = view.ctx.info["GL_RENDERER"]
    camera = shot.shot_camera.name if shot.shot_camera else None
    prefetch = Prefetcher(cache)
    pairs = [(i.file, i.object) for i in scene.items if i.animated]
    rows = []
    results = []
    try:
        for p in (1, 2):
            data, draw = [], []
            for f in frames:
                prefetch.follow(pairs, f, 1, frames, shot.fps, loop=True)
                _, t = view.render(f, camera)
                data.append(t.data_seconds)
                draw.append(t.draw_seconds)
            total = sum(data) + sum(draw)
            share = sum(data) / total
            results.append((len(frames) / total, share))
            rows.append([f"pass {p}", f"{len(frames) / total:.1f}", f"{1000 * median(data):.2f}",
                         f"{1000 * median(draw):.2f}", f"{100 * share:.1f}%"])
    finally:
        prefetch.close()
    print(f"shot: {shot_path}  ({len(scene.items)} objects, {len(frames)} frames, {args.width}x{args.height}, "
          f"renderer: {renderer_name})")
    print(table(["pass", "fps", "data ms (median)", "draw ms (median)", "data share"], rows))
    print(f"summary: second pass {results[1][0]:.1f} fps on {renderer_name}; the data path is "
          f"{100 * results[1][1]:.1f}% of frame time (target < 10%)")


if __name__ == "__main__":
    main()
