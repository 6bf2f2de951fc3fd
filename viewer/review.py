"""Dailies: the day's playblasts as an OpenTimelineIO timeline that OpenRV and xStudio open.

Every playblast folder gets a manifest, ``<shot>.playblast.json``, saying what was drawn (shot file,
department, the version of each part, camera, artist, date, display and view, movie). ``sdf dailies``
finds each shot's newest manifest under the folders it is given, counts the frames actually on disk
(a farm writes a playblast in chunks, each rewriting the same manifest), and lays the shots end to
end in the order given (the cut order): one clip per shot whose media is the movie when there is one
and the image sequence otherwise (both are listed, the movie active), with available and source
ranges at the shot's rate in the shot's own frame numbers, and the facts as clip metadata under
``"sdf"``. With ``--movie`` the sequences are also joined into one movie (burn-ins included).

A shot's dailies can be its render instead (``--source render``; :mod:`sdf.viewer.review_renders`
finds it): the clip references the rendered EXR frames of one layer, and the movie draws them
through the project's OCIO display/view from the EXR's colour space, with a burn-in naming the
layer and AOV. ``--source latest`` (the default) takes whichever of the two is newer per shot.
"""
from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from sdf.runtime import jsonio
from sdf.errors import SdfError, display_path

from .review_renders import NotFound, find_render

SUFFIX = ".playblast.json"
SOURCES = ("latest", "playblast", "render")
#: Dailies start at one hour, as edits do; the movie's timecode says so too.
EDIT_START_SECONDS = 3600


def write_manifest(out_dir: str, info, transform, fmt: str, movie: str | None, burn_in: bool, slate: bool) -> str:
    """``<out_dir>/<shot>.playblast.json`` describing the playblast just written there."""
    data = {
        "shot": info.shot, "shot_file": info.shot_file, "department": info.department,
        "versions": dict(info.versions), "camera": info.camera, "lens": info.lens, "artist": info.artist,
        "date": info.date, "written": datetime.datetime.now(datetime.timezone.utc).isoformat(),  # to the microsecond, as file times
        "fps": info.fps, "range": [info.first, info.last], "format": fmt, "frame_padding": 4,
        "display": transform.display, "view": transform.view,
        "burn_in": bool(burn_in), "slate": bool(slate),
        "movie": os.path.abspath(movie) if movie else None,
    }
    path = os.path.join(out_dir, info.shot + SUFFIX)
    jsonio.write(path, data)
    return path


def frames_on_disk(folder: str, shot: str, fmt: str) -> list[int]:
    rx = re.compile(re.escape(shot) + r"\.(\d{4,})\." + re.escape(fmt) + "$")
    return sorted(int(m.group(1)) for m in map(rx.match, os.listdir(folder)) if m)


def find_playblast(shot_file: str, roots: list[str], department: str | None = None) -> dict:
    """The newest manifest for ``shot_file`` under ``roots`` (by its written time), with ``folder`` and
    ``frames`` (the numbers present) added."""
    want = os.path.realpath(shot_file)
    best = None
    for root in roots:
        if not os.path.isdir(root):
            raise SdfError("playblast folder does not exist", root)
        for folder, _, names in os.walk(root):
            for name in names:
                if not name.endswith(SUFFIX):
                    continue
                path = os.path.join(folder, name)
                try:
                    m = jsonio.read(path)
                except SdfError:
                    continue  # a broken manifest is not a playblast; another may be
                if not isinstance(m, dict) or os.path.realpath(str(m.get("shot_file", ""))) != want:
                    continue
                if department and m.get("department") != department:
                    continue
                if best is None or written(m) > written(best):
                    best = dict(m, folder=folder, manifest=path)
    if best is None:
        where = ", ".join(display_path(r) for r in roots)
        raise NotFound(f"no playblast of this shot{' by ' + department if department else ''} under {where}",
                       shot_file)
    best["frames"] = frames_on_disk(best["folder"], best["shot"], best.get("format", "png"))
    if not best["frames"] and not (best.get("movie") and os.path.isfile(best["movie"])):
        raise SdfError("the playblast's manifest names no frames or movie that exist", best["manifest"])
    return best


def find_dailies(shot_file: str, source: str, playblasts: list[str], renders: list[str],
                 department: str | None = None, layer: str | None = None, aov: str = "Ci",
                 display: str | None = None, view: str | None = None) -> dict:
    """The shot's dailies entry from ``source``: its newest playblast, its render (see
    :func:`~sdf.viewer.review_renders.find_render`), or for ``latest`` whichever of the two was
    written last (one that does not exist is no candidate; a bad ``--layer`` is an error all the same)."""
    if source not in SOURCES:
        raise SdfError(f"--source: '{source}' is not one of {', '.join(SOURCES)}")
    if source == "playblast":
        return find_playblast(shot_file, playblasts, department)
    if source == "render":
        return find_render(shot_file, renders, layer, aov, department, display, view)
    found, missing = [], []
    for find in (lambda: find_playblast(shot_file, playblasts, department),
                 lambda: find_render(shot_file, renders, layer, aov, department, display, view)):
        try:
            found.append(find())
        except NotFound as exc:
            missing.append(exc.message)
    if not found:
        raise NotFound("; ".join(missing), shot_file)
    return max(found, key=written)


def written(entry: dict) -> datetime.datetime:
    """When a playblast or render was written (a manifest without the time, or with one that does not
    read as a time: never). Compared at the microsecond: a render's time is its file's, and a playblast
    made within the same second as a render must still count as the later one."""
    try:
        when = datetime.datetime.fromisoformat(str(entry.get("written") or "1970-01-01T00:00:00+00:00"))
    except ValueError:
        return datetime.datetime.fromtimestamp(0, datetime.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)  # a time without a zone: UTC


def contiguous(frames: list[int], manifest: str) -> tuple[int, int]:
    """The first and last frame of a sequence with no holes (a clip plays every frame), or SdfError."""
    first, last = frames[0], frames[-1]
    if last - first + 1 != len(frames):
        missing = sorted(set(range(first, last + 1)) - set(frames))
        what = "render" if manifest.endswith(".exr") else "playblast"
        raise SdfError(f"the {what} is missing frame {missing[0]} ({len(missing)} missing): run it again", manifest)
    return first, last


#: The facts a clip carries as ``metadata["sdf"]`` (those an entry has: a render's layer, AOV and renderer).
CLIP_FACTS = ("source", "shot", "shot_file", "department", "versions", "camera", "lens", "artist", "date", "written",
              "display", "view", "layer", "aov", "renderer", "renderer_version", "samples", "colour_space",
              "up_to_date")


def clip_for(entry: dict):
    """One OTIO clip for a dailies entry (a playblast manifest, :func:`find_playblast`, or a render,
    :func:`~sdf.viewer.review_renders.find_render`)."""
    import opentimelineio as otio

    rate = float(entry["fps"])
    refs = {}
    frames = entry["frames"]
    if frames:
        first, last = contiguous(frames, entry["manifest"])
        available = otio.opentime.TimeRange(otio.opentime.RationalTime(first, rate),
                                            otio.opentime.RationalTime(last - first + 1, rate))
        refs["image_sequence"] = otio.schema.ImageSequenceReference(
            target_url_base=Path(entry["folder"]).resolve().as_uri() + "/",
            name_prefix=entry.get("name_prefix", f"{entry['shot']}."),
            name_suffix=entry.get("name_suffix", f".{entry.get('format', 'png')}"), start_frame=first, frame_step=1,
            rate=rate,
            frame_zero_padding=int(entry.get("frame_padding", 4)), available_range=available)
    movie = entry.get("movie")
    if movie and os.path.isfile(movie):
        from .movie import probe

        info = probe(movie)
        slate = 1 if entry.get("slate") else 0
        start = (frames[0] if frames else int(entry["range"][0])) - slate
        refs["movie"] = otio.schema.ExternalReference(
            target_url=Path(movie).resolve().as_uri(),
            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                                    otio.opentime.RationalTime(info["frames"], rate)))
        if not frames:
            frames = list(range(start + slate, start + info["frames"]))
    source = otio.opentime.TimeRange(otio.opentime.RationalTime(frames[0], rate),
                                     otio.opentime.RationalTime(len(frames), rate))
    clip = otio.schema.Clip(name=entry["shot"], source_range=source)
    active = "movie" if "movie" in refs else "image_sequence"
    clip.set_media_references(refs, active)
    facts = dict(entry, source=entry.get("source", "playblast"))
    clip.metadata["sdf"] = {k: facts[k] for k in CLIP_FACTS if k in facts}
    return clip


def build_timeline(entries: list[dict], name: str):
    import opentimelineio as otio

    rates = {float(e["fps"]) for e in entries}
    if len(rates) > 1:
        raise SdfError(f"the shots have different frame rates ({', '.join(f'{r:g}' for r in sorted(rates))}): "
                       "dailies play at one rate")
    rate = rates.pop()
    timeline = otio.schema.Timeline(name=name)
    timeline.global_start_time = otio.opentime.RationalTime(EDIT_START_SECONDS * round(rate), rate)
    track = otio.schema.Track(name="dailies", kind=otio.schema.TrackKind.Video)
    for e in entries:
        track.append(clip_for(e))
    timeline.tracks.append(track)
    return timeline


def write_timeline(timeline, path: str) -> None:
    import opentimelineio as otio

    jsonio.atomic_write_bytes(path, otio.adapters.write_to_string(timeline, "otio_json").encode())


def write_dailies_movie(entries: list[dict], path: str, size: tuple[int, int] | None = None, progress=None) -> int:
    """The shots joined into one movie starting at 01:00:00:00; returns the frame count. Playblasts
    are their PNGs (already through the colour transform, with their burn-ins); renders are drawn
    here (:func:`~sdf.viewer.review_renders.display_frame`: OCIO from the EXR's colour space, the
    burn-in). Every frame is ``size`` (w, h), by default the first shot's."""
    from .images import read_png
    from .movie import MovieWriter
    from .review_renders import display_frame

    writer = None
    total = sum(len(e["frames"]) for e in entries)
    n = 0
    try:
        for e in entries:
            render = e.get("source") == "render"
            if not render and (not e["frames"] or e.get("format", "png") != "png"):
                raise SdfError("a dailies movie joins PNG playblasts; this one has none", e["manifest"])
            for f in e["frames"]:
                if render:
                    rgba = display_frame(e, f, e["transform"], size, burn_in=True)
                else:
                    rgba = fit(read_png(os.path.join(e["folder"], f"{e['shot']}.{f:04d}.png")), size)
                if writer is None:
                    fps = float(e["fps"])
                    # Chroma subsampling wants even sizes: a frame of odd size (a 240x135 preview render)
                    # loses its last row or column rather than failing the day's movie.
                    size = size or (rgba.shape[1] - rgba.shape[1] % 2, rgba.shape[0] - rgba.shape[0] % 2)
                    writer = MovieWriter(path, size, fps, EDIT_START_SECONDS * round(fps))
                writer.add(even_crop(rgba, size))
                n += 1
                if progress:
                    progress(n, total)
        writer.close()
        writer = None
    finally:
        if writer is not None:
            writer.abort()
    return n


def even_crop(rgba, size: tuple[int, int]):
    """A frame one pixel wider or taller than ``size`` (w, h), its odd size made even, cropped to it."""
    w, h = size
    if rgba.shape[1] - w in (0, 1) and rgba.shape[0] - h in (0, 1):
        return rgba[:h, :w]
    return rgba


def fit(rgba, size: tuple[int, int] | None):
    """A display-referred frame (h, w, 4) uint8 at ``size`` (w, h): as it is, or resampled (Lanczos)."""
    import numpy as np
    from PIL import Image

    if size is None or (rgba.shape[1], rgba.shape[0]) == tuple(size):
        return rgba
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgba), "RGBA").resize(tuple(size),
                                                                                 Image.Resampling.LANCZOS))
