"""Alembic -> USDC conversion throughput against reading the same samples with alembic3d alone.

    python benchmarks/convert.py [--size large] [--repeat 3]

For each animation cache of the demo shot, measured side by side in one run (interleaved,
medians): *raw* reads every sample's positions, topology, normals and UVs with alembic3d into
numpy; *convert* runs ``sdf convert X.abc X.usdc``. Prints vertex-frames per second for both,
their ratio (target: converting costs at most 3 times the raw read) and the USD file size
against the Alembic size.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402

from sdf import alembic_io  # noqa: E402
from sdf.converters.options import ConvertOptions  # noqa: E402
from sdf.converters.registry import convert  # noqa: E402


def raw_read(path: str) -> tuple[float, int]:
    """Seconds to read every sample of every geometry object; vertex-frames read."""
    from alembic3d import Abc, AbcGeom

    t0 = time.perf_counter()
    archive = Abc.IArchive(path)
    wrap = Abc.WrapExistingFlag.kWrapExisting
    vertex_frames = 0
    for name, obj in alembic_io.walk_objects(archive):
        kind = alembic_io.object_schema(obj)
        cls = {"AbcGeom_PolyMesh": AbcGeom.IPolyMesh, "AbcGeom_SubD": AbcGeom.ISubD, "AbcGeom_Curve": AbcGeom.ICurves,
               "AbcGeom_Points": AbcGeom.IPoints}.get(kind)
        if cls is None:
            continue
        schema = cls(obj, wrap).getSchema()
        for i in range(schema.getNumSamples()):
            s = schema.getValue(alembic_io.select(schema, i))
            p = np.asarray(s.getPositions())
            vertex_frames += len(p)
            if kind in ("AbcGeom_PolyMesh", "AbcGeom_SubD"):
                np.asarray(s.getFaceIndices())
                np.asarray(s.getFaceCounts())
                if kind == "AbcGeom_PolyMesh":
                    n = schema.getNormalsParam()
                    if n.valid() and n.getNumSamples():
                        np.asarray(n.getValueProperty().getValue(alembic_io.select(n, min(i, n.getNumSamples() - 1))))
                uv = schema.getUVsParam()
                if uv.valid() and uv.getNumSamples():
                    np.asarray(uv.getValueProperty().getValue(alembic_io.select(uv, min(i, uv.getNumSamples() - 1))))
    return time.perf_counter() - t0, vertex_frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="large", choices=["small", "medium", "large"])
    ap.add_argument("--shot", help="Use this shot's animation caches instead of the demo's.")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    shot = args.shot or demo_shot(args.size)
    anim = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(shot))), "assets", "anim")
    files = sorted(os.path.join(anim, f) for f in os.listdir(anim) if f.endswith(".abc"))
    out_dir = tempfile.mkdtemp(prefix="sdf-bench-convert-")
    rows, raw_total, conv_total, vf_total, abc_bytes, usd_bytes = [], 0.0, 0.0, 0, 0, 0
    try:
        for f in files:
            raws, convs = [], []
            out = os.path.join(out_dir, os.path.basename(f).replace(".abc", ".usdc"))
            for _ in range(args.repeat):
                seconds, vf = raw_read(f)
                raws.append(seconds)
                t0 = time.perf_counter()
                convert(f, out, ConvertOptions(force=True))
                convs.append(time.perf_counter() - t0)
            r, c = median(raws), median(convs)
            raw_total, conv_total, vf_total = raw_total + r, conv_total + c, vf_total + vf
            a, u = os.path.getsize(f), os.path.getsize(out)
            abc_bytes, usd_bytes = abc_bytes + a, usd_bytes + u
            rows.append([os.path.basename(f), f"{vf / 1e6:.2f}", f"{vf / r / 1e6:.1f}", f"{vf / c / 1e6:.1f}",
                         f"{c / r:.2f}x", f"{a / 2**20:.1f}", f"{u / 2**20:.1f}"])
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    print(f"shot: {shot}  (median of {args.repeat} runs per file)")
    print(table(["archive", "M vertex-frames", "raw M/s", "convert M/s", "convert/raw", "abc MB", "usdc MB"], rows))
    print(f"summary: converting {vf_total / 1e6:.1f} M vertex-frames at {vf_total / conv_total / 1e6:.1f} M/s costs "
          f"{conv_total / raw_total:.2f}x the raw read (target <= 3); USD is {usd_bytes / abc_bytes:.2f}x the "
          f"Alembic size ({usd_bytes / 2**20:.0f} MB vs {abc_bytes / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
