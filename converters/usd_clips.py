"""Alembic -> USD as value clips: memory bounded by a chunk of frames, however long the cache.

A USD layer keeps every value it is given in memory until it is saved (the crate writer does
not stream), so converting a cache into one layer needs about as much memory as the cache
holds: 596 MB for a 506 MB file, and a cache larger than memory cannot be converted at all.
USD's own answer for long caches is value clips: each clip layer holds the samples of a chunk
of frames, and the stage composes them back as if they were one layer. For
``sdf convert X.abc out/X.usdc --clip-frames 24``::

    out/X.usdc                   the layer to open: stage metadata, the topology as a sublayer, and
                                 the clip set on the root prim (assetPaths, active, times, primPath,
                                 manifestAssetPath, interpolateMissingClipValues)
    out/X.clips/X.topology.usdc  every prim and every value that does not change over time
                                 (``UsdUtils.StitchClipsTopology`` of the clips)
    out/X.clips/X.manifest.usdc  the animated attributes (``UsdUtils.StitchClipsManifest``)
    out/X.clips/X.1001.usdc ...  one clip per chunk of frames, named by its first frame

Composing to the same values as one layer, sub-frames included:

- clip k is active from the first frame of its chunk until the next chunk starts, with clip
  time equal to stage time;
- each clip also holds, per attribute, the last sample before its chunk (unless one falls on
  its first frame) and the first sample at or after the next chunk, so that any time in the
  chunk interpolates between exactly the samples one layer would (``_ChunkWriter.keep``);
- an attribute no sample of which falls in a clip is interpolated from the neighbouring clips
  (``interpolateMissingClipValues``), as one layer holds a value past its last sample.

Chunks are written one after the other, each read from the archive on its own and its layer
saved and released before the next: the memory held is one chunk's, whatever the frame count.
With ``jobs`` above 1, that many worker processes (``isolated.Job``) each take every
``jobs``-th chunk, and a library crash in one is an error naming the file; with one job the
converting process writes them itself (``sdf convert`` runs it as a child process already,
see ``isolated``).
"""
from __future__ import annotations

import math
import os

from sdf.alembic import io as alembic_io
from sdf.errors import AlembicError

from .alembic_usd import (StageWriter, alembic_to_one_layer, archive_fps, archive_units, snap_code,
                          write_stage_from_alembic)
from .options import ConvertOptions, Staging, usd_safe_name

#: Auto mode (no --clip-frames): caches larger than this are written as clips (SDF_CLIPS_ABOVE_MB).
AUTO_ABOVE_BYTES = 2 << 30
#: Auto mode: about this many bytes of samples per clip, judged from the cache's bytes per frame.
AUTO_CLIP_BYTES = 256 << 20
#: Clips written at once when ``jobs`` is not given: one, the least memory and as fast as one layer
#: (benchmarks/convert.py); more worker processes are faster only where cores are free.
DEFAULT_JOBS = 1


def auto_threshold() -> int:
    mb = os.environ.get("SDF_CLIPS_ABOVE_MB")
    return int(float(mb) * 2**20) if mb else AUTO_ABOVE_BYTES


def frames_per_clip(src: str, options: ConvertOptions) -> int:
    """Frames per value clip for this conversion; 0 for one layer.

    ``options.clip_frames`` decides when given (0: one layer). Otherwise (auto) a cache up to
    :func:`auto_threshold` bytes is one layer, as it always was, and a larger one is split into
    clips of about ``AUTO_CLIP_BYTES`` each, judged from the file's size per frame.
    """
    if options.clip_frames is not None:
        return max(0, int(options.clip_frames))
    size = os.path.getsize(src)
    if size <= auto_threshold():
        return 0
    archive = alembic_io.open_archive(src, cached=False)
    codes = time_codes(archive, options.fps or archive_fps(archive) or 24.0, ConvertOptions(), src)
    frames = len({math.floor(c) for c in codes})
    if frames <= 1:
        return 0
    return max(1, int(AUTO_CLIP_BYTES // (size / frames)))


def time_codes(archive, fps: float, options: ConvertOptions, src: str) -> list[float]:
    """Every time code in range at which some property has a sample, sorted.

    Taken from the archive's time samplings and the most samples any property takes from each
    (stored in the archive), so no object is read. A sampling used by one sample at most only
    ever gives default values, never time samples, and is left out.
    """
    codes = set()
    most = os.path.getsize(src) // 8  # every sample takes at least its 8-byte entry in a group
    for i in range(archive.getNumTimeSamplings()):
        n = int(archive.getMaxNumSamplesForTimeSamplingIndex(i) or 0)
        if n < 2:
            continue
        if n > most:
            raise AlembicError(f"corrupt Alembic file: time sampling {i} claims {n} samples", src)
        ts = archive.getTimeSampling(i)
        for k in range(n):
            tc = snap_code(ts.getSampleTime(k) * fps)
            if options.in_range(tc):
                codes.add(tc)
    return sorted(codes)


def chunk_starts(codes: list[float], per_clip: int) -> list[float]:
    """First frame of each chunk of ``per_clip`` frames that holds a time code (chunks aligned on the first)."""
    first = math.floor(codes[0])
    return sorted({first + per_clip * math.floor((c - first) / per_clip) for c in codes})


class _ChunkWriter(StageWriter):
    """Writes the samples of one chunk ``[lo, hi)`` (``hi`` None: no end) and those that bracket it."""

    window: tuple[float, float | None] = (-math.inf, None)

    def keep(self, timed):
        lo, hi = self.window
        hi = math.inf if hi is None else hi
        first = next((k for k, (_, tc) in enumerate(timed) if tc >= lo), len(timed))
        end = next((k for k, (_, tc) in enumerate(timed) if tc >= hi), len(timed))
        if first > 0 and not (first < len(timed) and timed[first][1] == lo):
            first -= 1  # the sample before the chunk: interpolation up to its first sample in it
        if end < len(timed):
            end += 1  # the first sample of the next chunk: interpolation up to the chunk's end
        if end - first < 2 <= len(timed):
            # Two samples at least: the mesh writer authors topology as a default value when it is
            # given one sample, which would disagree with the time samples of the other clips.
            first, end = (first - 1, end) if first > 0 else (first, end + 1)
        return timed[first:end]


def write_clip(src: str, dst: str, options: ConvertOptions, lo: float, hi: float | None) -> list[float]:
    """The clip layer of frames ``[lo, hi)`` at ``dst``; the time codes it holds in that range."""
    made: list[_ChunkWriter] = []

    class Writer(_ChunkWriter):
        window = (lo, hi)

        def __init__(self, *args):
            super().__init__(*args)
            made.append(self)

    write_stage_from_alembic(src, dst, options, writer_class=Writer)
    end = math.inf if hi is None else hi
    return sorted({tc for tc in made[0].codes if lo <= tc < end}) if made else []


def write_clips(src: str, folder: str, options: ConvertOptions, chunks: list) -> dict:
    """Worker process: the clip layers ``chunks`` ([file name, lo, hi] each) one after the other.

    One chunk's samples are in memory at a time: each layer is saved and released before the
    next is read, and the next reuses the memory, so a worker's peak is one chunk's whatever
    the number of chunks. Imports and the archive's opening are paid once per worker.
    """
    tick, options.progress = options.progress, None
    codes: list[float] = []
    for k, (name, lo, hi) in enumerate(chunks):
        codes += write_clip(src, os.path.join(folder, name), options, lo, hi)
        if tick:
            tick(os.path.basename(src), k + 1, len(chunks))
    return {"codes": codes, "warnings": list(options.warnings)}


def _frame_name(frame: float) -> str:
    return f"{int(frame):04d}" if float(frame).is_integer() else f"{frame:g}"


def alembic_to_usd_clips(src: str, dst: str, options: ConvertOptions, per_clip: int) -> dict:
    """Write ``dst`` and its ``.clips`` folder (see the module's documentation)."""
    from . import isolated

    archive = alembic_io.open_archive(src, cached=False)
    fps = options.fps or archive_fps(archive) or 24.0
    mpu = options.meters_per_unit or archive_units(archive)
    codes = time_codes(archive, fps, options, src)
    del archive
    if not codes:
        where = f" in frames {options.frames[0]}-{options.frames[1]}" if options.frames else ""
        options.warn(f"{os.path.basename(src)}: nothing is animated{where}, so it was written as one layer, "
                     "without clips")
        return alembic_to_one_layer(src, dst, options)
    starts = chunk_starts(codes, per_clip)
    stem, ext = os.path.splitext(os.path.basename(dst))
    clips_final = os.path.join(os.path.dirname(os.path.abspath(dst)), stem + ".clips")
    root = "/" + usd_safe_name(os.path.splitext(os.path.basename(src))[0])
    with Staging(dst, options.force) as staging:
        staging.check_targets([dst, clips_final])
        clips_dir = staging.directory(clips_final)  # planned first: committed before the layer naming it
        top = staging.path(dst)
        names = [f"{stem}.{_frame_name(s)}{ext}" for s in starts]
        worker = dict(options.to_json(), fps=fps, meters_per_unit=mpu, clip_frames=0)
        chunks = [[name, s, starts[k + 1] if k + 1 < len(starts) else None]
                  for k, (name, s) in enumerate(zip(names, starts))]
        parallel = max(1, min(options.jobs or DEFAULT_JOBS, len(chunks)))
        label = f"{os.path.basename(src)}: clips"
        if parallel == 1:
            # This process is the one worker: under `sdf convert` it already is a child process, and a
            # second one would only import USD again.
            mine = ConvertOptions.from_json(worker)
            mine.progress = lambda _what, done, _count: options.tick(label, done, len(chunks) + 1)
            results = [write_clips(src, clips_dir, mine, chunks)]
        else:
            # Chunk k to worker k mod jobs: the workers move through the frames side by side.
            jobs = [isolated.Job("clips", src, clips_dir, worker, chunks=chunks[w::parallel])
                    for w in range(parallel)]

            def progress(_job, what, done, count):
                options.tick(label, sum(j.progress[1] for j in jobs if j.progress), len(chunks) + 1)

            results = isolated.run_jobs(jobs, parallel, progress)
        for r in results:
            for w in r["warnings"]:
                if w not in options.warnings:
                    options.warn(w)
        written = sorted({c for r in results for c in r["codes"]})
        clip_files = [os.path.join(clips_dir, n) for n in names]
        _write_top(top, clips_dir, clip_files, stem, ext, root, starts, written or codes, fps, mpu, options, src,
                   per_clip)
        options.tick(label, len(chunks) + 1, len(chunks) + 1)
        staging.commit()
    return {"fps": fps, "meters_per_unit": mpu, "up_axis": options.up_axis or "Y", "root": root,
            "time_codes": len(written), "clips": len(names), "frames_per_clip": per_clip, "clips_dir": clips_final,
            "warnings": list(options.warnings), "output": dst}


def _write_top(top, clips_dir, clip_files, stem, ext, root, starts, codes, fps, mpu, options, src, per_clip):
    """The topology and manifest (stitched from the clips), then the layer that composes them."""
    from pxr import Sdf, Usd, UsdGeom, UsdUtils

    topology_file = os.path.join(clips_dir, f"{stem}.topology{ext}")
    manifest_file = os.path.join(clips_dir, f"{stem}.manifest{ext}")
    topology = Sdf.Layer.CreateNew(topology_file)
    if not UsdUtils.StitchClipsTopology(topology, clip_files):
        raise RuntimeError(f"UsdUtils.StitchClipsTopology failed for {clip_files[0]}...")
    topology.Save()
    manifest = Sdf.Layer.CreateNew(manifest_file)
    if not UsdUtils.StitchClipsManifest(manifest, topology, clip_files, Sdf.Path(root)):
        raise RuntimeError(f"UsdUtils.StitchClipsManifest failed for {clip_files[0]}...")
    manifest.Save()

    folder = os.path.basename(clips_dir)
    layer = Sdf.Layer.CreateNew(top)
    layer.subLayerPaths.append(f"./{folder}/{os.path.basename(topology_file)}")
    stage = Usd.Stage.Open(layer)
    prim = stage.GetPrimAtPath(root)
    stage.SetDefaultPrim(prim)
    clips = Usd.ClipsAPI(prim)
    clips.SetClipPrimPath(root)
    clips.SetClipAssetPaths([Sdf.AssetPath(f"./{folder}/{os.path.basename(f)}") for f in clip_files])
    clips.SetClipActive([(float(s), float(k)) for k, s in enumerate(starts)])
    clips.SetClipTimes([(float(codes[0]), float(codes[0])), (float(codes[-1]), float(codes[-1]))])
    clips.SetClipManifestAssetPath(Sdf.AssetPath(f"./{folder}/{os.path.basename(manifest_file)}"))
    clips.SetInterpolateMissingClipValues(True)
    up = options.up_axis or "Y"
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z if up == "Z" else UsdGeom.Tokens.y)
    UsdGeom.SetStageMetersPerUnit(stage, mpu)
    stage.SetTimeCodesPerSecond(fps)
    stage.SetFramesPerSecond(fps)
    stage.SetStartTimeCode(codes[0])
    stage.SetEndTimeCode(codes[-1])
    layer.customLayerData = {"sdf:source": os.path.abspath(src), "sdf:sourceIdentity": alembic_io.identity_text(src),
                             "sdf:clips": {"framesPerClip": per_clip, "count": len(clip_files)}}
    layer.Save()
