"""Alembic -> USD conversion: throughput against the raw alembic3d read, and memory as value clips.

    python benchmarks/convert.py [--size large] [--repeat 3] [--what throughput|memory|both]

*throughput*: for each animation cache of the demo shot, measured side by side in one run
(interleaved, medians): *raw* reads every sample's positions, topology, normals and UVs with
alembic3d into numpy; *convert* runs the one-layer conversion in this process. Prints vertex-frames
per second for both, their ratio (target: converting costs at most 3 times the raw read) and the
USD file size against the Alembic size.

*memory*: the largest cache (or ``--file``) converted by separate processes, each mode once per
round, rounds interleaved, medians of ``--repeat``: ``in-process`` is ``sdf convert --clip-frames 0``
converting in the command's own process, as it did before conversions ran in a child; ``one`` is
``sdf convert --clip-frames 0`` as it is (a child process, one layer); ``clips jJ`` is ``sdf
convert --clip-frames N -j J`` (value clips of N frames, J worker processes). For each: wall
seconds, Alembic MB converted per second, CPU seconds of the whole process tree (steadier than
wall time on a shared machine), the peak of the summed resident memory of the tree (sampled
every 10 ms from /proc) and its largest single process (``ru_maxrss`` from ``wait4``), with
ratios against ``in-process``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import demo_shot, median, table  # noqa: E402

from sdf.alembic import io as alembic_io  # noqa: E402
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


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and every descendant, in kB (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def measure(argv: list[str]) -> tuple[float, float, float, float]:
    """Run ``argv``: (wall seconds, peak MB of the process tree, MB of its largest process, CPU seconds of
    the whole tree: less sensitive than wall time to what else the machine runs)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
    return seconds, peak / 1024, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def memory(src: str, repeat: int, per_clip: int, out_dir: str) -> None:
    py = sys.executable
    out = os.path.join(out_dir, "m", "m.usdc")
    cli = [py, "-m", "sdf.cli", "convert", src, out]
    modes = {
        # sdf convert as it was before it ran conversions in a child: the same command, converting in-process
        "in-process": [py, "-c", "import sys; import sdf.converters.isolated as i, sdf.converters.registry as r; "
                       "i.convert = r.convert; from sdf.cli import main; main(sys.argv[1:])",
                       "convert", src, out, "--clip-frames", "0"],
        "one": cli + ["--clip-frames", "0"],
        "clips j1": cli + ["--clip-frames", str(per_clip), "-j", "1"],
        "clips j2": cli + ["--clip-frames", str(per_clip), "-j", "2"],
    }
    runs: dict[str, list[tuple[float, float, float, float]]] = {m: [] for m in modes}
    load_before = _load()
    for _ in range(repeat):
        for name, argv in modes.items():
            # A fresh folder each time, and no dirty pages left by the previous run: replacing its 500 MB
            # file, or writing it back, would be charged to whichever mode came next.
            os.makedirs(os.path.dirname(out))
            os.sync()
            runs[name].append(measure(argv))
            shutil.rmtree(os.path.dirname(out))
    mb = os.path.getsize(src) / 2**20
    base = [median([r[k] for r in runs["in-process"]]) for k in range(4)]
    rows = []
    for name, rs in runs.items():
        t, peak, largest, cpu = (median([r[k] for r in rs]) for k in range(4))
        rows.append([name, f"{t:.2f}", f"{mb / t:.0f}", f"{cpu:.2f}", f"{peak:.0f}", f"{largest:.0f}",
                     f"{t / base[0]:.2f}x", f"{cpu / base[3]:.2f}x", f"{peak / base[1]:.2f}x",
                     f"{largest / base[2]:.2f}x"])
    print(f"\n{os.path.basename(src)}: {mb:.0f} MB, value clips of {per_clip} frames "
          f"(median of {repeat} rounds; load average before {load_before}, after {_load()})")
    print(table(["mode", "wall s", "abc MB/s", "cpu s", "tree peak MB", "largest MB", "wall vs in-process",
                 "cpu vs", "tree peak vs", "largest vs"], rows))
    clips = {name: [median([r[k] for r in runs[name]]) for k in range(4)] for name in runs}
    print(f"summary: value clips of {per_clip} frames take {clips['clips j1'][0] / base[0]:.2f}x the time of one "
          f"layer in-process with {clips['clips j1'][1] / base[1]:.2f}x its memory (largest process "
          f"{clips['clips j1'][2] / base[2]:.2f}x; 2 jobs: {clips['clips j2'][0] / base[0]:.2f}x the time, "
          f"{clips['clips j2'][1] / base[1]:.2f}x the memory); one layer in a child process takes "
          f"{clips['one'][0] / base[0]:.2f}x the time")


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def throughput(files: list[str], repeat: int, out_dir: str, shot: str) -> None:
    rows, raw_total, conv_total, vf_total, abc_bytes, usd_bytes = [], 0.0, 0.0, 0, 0, 0
    for f in files:
        raws, convs = [], []
        out = os.path.join(out_dir, os.path.basename(f).replace(".abc", ".usdc"))
        for _ in range(repeat):
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
    print(f"shot: {shot}  (median of {repeat} runs per file)")
    print(table(["archive", "M vertex-frames", "raw M/s", "convert M/s", "convert/raw", "abc MB", "usdc MB"], rows))
    print(f"summary: converting {vf_total / 1e6:.1f} M vertex-frames at {vf_total / conv_total / 1e6:.1f} M/s costs "
          f"{conv_total / raw_total:.2f}x the raw read (target <= 3); USD is {usd_bytes / abc_bytes:.2f}x the "
          f"Alembic size ({usd_bytes / 2**20:.0f} MB vs {abc_bytes / 2**20:.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="large", choices=["small", "medium", "large"])
    ap.add_argument("--shot", help="Use this shot's animation caches instead of the demo's.")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--what", default="both", choices=["throughput", "memory", "both"])
    ap.add_argument("--file", help="memory: convert this Alembic file (default: the shot's largest cache).")
    ap.add_argument("--clip-frames", type=int, default=24, help="memory: frames per value clip (default 24).")
    args = ap.parse_args()
    shot = args.shot or demo_shot(args.size)
    anim = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(shot))), "assets", "anim")
    files = sorted(os.path.join(anim, f) for f in os.listdir(anim) if f.endswith(".abc"))
    out_dir = tempfile.mkdtemp(prefix="sdf-bench-convert-")
    try:
        if args.what in ("throughput", "both"):
            throughput(files, args.repeat, out_dir, shot)
        if args.what in ("memory", "both"):
            memory(args.file or max(files, key=os.path.getsize), args.repeat, args.clip_frames, out_dir)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
