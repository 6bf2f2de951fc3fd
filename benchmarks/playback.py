"""Playback data path: raw Alembic reads vs the frame cache (cold and warm) vs a memory copy.

    python benchmarks/playback.py [--size medium|large] [--frames N] [--repeat 3]

For every visible animated object of the demo shot, per frame, measured side by side in
one run (each variant repeated, interleaved, medians reported):

- raw:   read with alembic3d directly, no cache: positions, normals, face indices and
         counts, UVs (what a DCC reads to draw a frame), as numpy, then copied into the
         upload buffer;
- reader: sdf's reader without a cache (draw layout built, memory reused frame to frame);
- cold:  first pass through the frame cache, with the prefetcher reading ahead
         (the cache also builds the draw layout: triangles, split seams);
- warm:  second pass, every frame a hit;
- bound: copying the same bytes into the upload buffer with numpy from memory
         (the memory-bandwidth floor).

Also checks that the bytes held match positions and normals per frame x frames plus each
topology once, and that a budget smaller than the shot keeps playing while evicting.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402

import sdf  # noqa: E402
from sdf.alembic_io import select  # noqa: E402
from sdf.cache.frame_cache import FrameCache  # noqa: E402
from sdf.cache.playback import UploadBuffer, play, playable_items  # noqa: E402


def raw_pass(items, frames, fps, buffer: UploadBuffer) -> float:
    from alembic3d import Abc, AbcGeom

    wrap = Abc.WrapExistingFlag.kWrapExisting
    archives = {}
    schemas = []
    for it in items:
        archive = archives.setdefault(it.file, Abc.IArchive(it.file))
        obj = archive.getTop()
        for name in [p for p in it.object.split("/") if p]:
            obj = obj.getChild(name)
        schema_name = obj.getMetaData().get("schema") or ""
        cls = AbcGeom.IPolyMesh if "PolyMesh" in schema_name else AbcGeom.ISubD if "SubD" in schema_name else \
            AbcGeom.ICurves if "Curve" in schema_name else AbcGeom.IPoints
        schemas.append((cls, cls(obj, wrap).getSchema()))
    t0 = time.perf_counter()
    for frame in frames:
        buffer.begin()
        for cls, schema in schemas:
            ts = schema.getTimeSampling()
            n = schema.getNumSamples()
            ss = select(schema, ts.getNearIndex(frame / fps, n) if n > 1 else 0)
            sample = schema.getValue(ss)
            buffer.put(np.asarray(sample.getPositions()))
            if cls is AbcGeom.IPolyMesh:
                np.asarray(sample.getFaceIndices())
                np.asarray(sample.getFaceCounts())
                nparam = schema.getNormalsParam()
                if nparam.valid() and nparam.getNumSamples():
                    buffer.put(np.asarray(nparam.getValueProperty().getValue(ss)))
                uv = schema.getUVsParam()
                if uv.valid() and uv.getNumSamples():
                    np.asarray(uv.getValueProperty().getValue(ss))
    return time.perf_counter() - t0


def reader_pass(items, frames, fps, buffer: UploadBuffer) -> float:
    from sdf.frames import AlembicReader

    readers = {i.file: AlembicReader(i.file) for i in items}
    t0 = time.perf_counter()
    for frame in frames:
        buffer.upload([readers[i.file].read(i.object, frame, fps) for i in items])
    return time.perf_counter() - t0


def bound_pass(sources: list[list[np.ndarray]], buffer: UploadBuffer) -> float:
    t0 = time.perf_counter()
    for arrays in sources:
        buffer.begin()
        for a in arrays:
            buffer.put(a)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--shot", help="Use this shot instead of the demo.")
    ap.add_argument("--frames", type=int, default=0, help="Play only the first N frames (0: all).")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    shot_path = args.shot or demo_shot(args.size)
    shot = sdf.open(shot_path, department="animation")
    frames = list(shot.frame_range)
    if args.frames:
        frames = frames[:args.frames]
    probe = FrameCache()
    items, problems = playable_items(shot, probe)
    for p in problems:
        print("warning:", p, file=sys.stderr)
    buffer = UploadBuffer(64 << 20)
    runs = {"raw": [], "reader": [], "cold": [], "warm": [], "bound": []}
    held = expected = None
    for r in range(args.repeat):
        runs["raw"].append(raw_pass(items, frames, shot.fps, buffer))
        runs["reader"].append(reader_pass(items, frames, shot.fps, buffer))
        cache = FrameCache()
        res = play(shot, cache, frames, passes=2, prefetch=True, items=items,
                   draw=lambda f, data: buffer.upload(data))
        runs["cold"].append(res[0].seconds)
        runs["warm"].append(res[1].seconds)
        assert res[1].hit_rate == 1.0, "second pass must be served from the cache"
        sources = []
        for frame in frames:
            data = [cache.get(i.file, i.object, frame, shot.fps) for i in items]
            sources.append([a for d in data for a in (d.positions, d.normals) if a is not None])
        runs["bound"].append(bound_pass(sources, buffer))
        stats = cache.snapshot()
        held = stats.bytes_held
        per_frame = sum(d.nbytes for frame in frames for d in (cache.get(i.file, i.object, frame, shot.fps)
                                                               for i in items))
        expected = per_frame + stats.topology_bytes
        del cache, sources
        gc.collect()
    med = {k: median(v) for k, v in runs.items()}
    n = len(frames)
    rows = [[k, f"{1000 * med[k] / n:.2f}", f"{n / med[k]:.1f}", f"{med['raw'] / med[k]:.1f}x"] for k in runs]
    print(f"shot: {shot_path}  ({len(items)} animated objects, {n} frames, median of {args.repeat} runs)")
    print(table(["variant", "ms/frame", "fps", "speed vs raw"], rows))
    print(f"cache bytes held {held / 2**20:.1f} MB vs positions+normals per frame x frames + topology once "
          f"{expected / 2**20:.1f} MB ({100 * (held - expected) / expected:+.1f}%)")
    # A budget smaller than the shot: playback keeps working, evicts and says so.
    small = FrameCache(max(held // 3, 1))
    res = play(shot, small, frames, passes=2, prefetch=True, items=items, draw=lambda f, d: buffer.upload(d))
    s = small.snapshot()
    print(f"budget {small.budget / 2**20:.0f} MB (a third of the shot): pass 2 {res[1].fps:.1f} fps, "
          f"hit rate {100 * res[1].hit_rate:.0f}%, {s.evictions} evictions, held {s.bytes_held / 2**20:.0f} MB")
    print(f"ceiling on this machine: raw is {med['raw'] / med['bound']:.1f}x the memory-copy bound, so no cache "
          f"can be more than that much faster than raw here")
    print(f"summary: cold {med['raw'] / med['cold']:.2f}x raw (target >=1), warm {med['raw'] / med['warm']:.1f}x "
          f"raw (target >=20), warm {med['warm'] / med['bound']:.2f}x bound (target <=3)")


if __name__ == "__main__":
    main()
