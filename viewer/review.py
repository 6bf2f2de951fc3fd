"""Dailies: the day's playblasts as an OpenTimelineIO timeline that OpenRV and xStudio open.

Every playblast folder gets a manifest, ``<shot>.playblast.json``, saying what was drawn (shot file,
department, the version of each part, camera, artist, date, display and view, movie). ``sdf dailies``
finds each shot's newest manifest under the folders it is given, counts the frames actually on disk
(a farm writes a playblast in chunks, each rewriting the same manifest), and lays the shots end to
end in the order given (the cut order): one clip per shot whose media is the movie when there is one
and the image sequence otherwise (both are listed, the movie active), with available and source
ranges at the shot's rate in the shot's own frame numbers, and the facts as clip metadata under
``"sdf"``. With ``--movie`` the sequences are also joined into one movie (burn-ins included).
"""
from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from sdf.runtime import jsonio
from sdf.errors import SdfError, display_path

SUFFIX = ".playblast.json"
#: Dailies start at one hour, as edits do; the movie's timecode says so too.
EDIT_START_SECONDS = 3600


def write_manifest(out_dir: str, info, transform, fmt: str, movie: str | None, burn_in: bool, slate: bool) -> str:
    """``<out_dir>/<shot>.playblast.json`` describing the playblast just written there."""
    data = {
        "shot": info.shot, "shot_file": info.shot_file, "department": info.department,
        "versions": dict(info.versions), "camera": info.camera, "lens": info.lens, "artist": info.artist,
        "date": info.date, "written": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
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
                if best is None or str(m.get("written", "")) > str(best.get("written", "")):
                    best = dict(m, folder=folder, manifest=path)
    if best is None:
        where = ", ".join(display_path(r) for r in roots)
        raise SdfError(f"no playblast of this shot{' by ' + department if department else ''} under {where}",
                       shot_file)
    best["frames"] = frames_on_disk(best["folder"], best["shot"], best.get("format", "png"))
    if not best["frames"] and not (best.get("movie") and os.path.isfile(best["movie"])):
        raise SdfError("the playblast's manifest names no frames or movie that exist", best["manifest"])
    return best


def _contiguous(frames: list[int], manifest: str) -> tuple[int, int]:
    first, last = frames[0], frames[-1]
    if last - first + 1 != len(frames):
        missing = sorted(set(range(first, last + 1)) - set(frames))
        raise SdfError(f"the playblast is missing frame {missing[0]} ({len(missing)} missing): run it again", manifest)
    return first, last


def clip_for(entry: dict):
    """One OTIO clip for a playblast manifest (see :func:`find_playblast`)."""
    import opentimelineio as otio

    rate = float(entry["fps"])
    refs = {}
    frames = entry["frames"]
    if frames:
        first, last = _contiguous(frames, entry["manifest"])
        available = otio.opentime.TimeRange(otio.opentime.RationalTime(first, rate),
                                            otio.opentime.RationalTime(last - first + 1, rate))
        refs["image_sequence"] = otio.schema.ImageSequenceReference(
            target_url_base=Path(entry["folder"]).resolve().as_uri() + "/", name_prefix=f"{entry['shot']}.",
            name_suffix=f".{entry.get('format', 'png')}", start_frame=first, frame_step=1, rate=rate,
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
    clip.metadata["sdf"] = {k: entry.get(k) for k in ("shot", "shot_file", "department", "versions", "camera", "lens",
                                                      "artist", "date", "written", "display", "view")}
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
    track = otio.schema.Track(name="playblasts", kind=otio.schema.TrackKind.Video)
    for e in entries:
        track.append(clip_for(e))
    timeline.tracks.append(track)
    return timeline


def write_timeline(timeline, path: str) -> None:
    import opentimelineio as otio

    jsonio.atomic_write_bytes(path, otio.adapters.write_to_string(timeline, "otio_json").encode())


def write_dailies_movie(entries: list[dict], path: str, progress=None) -> int:
    """The shots' image sequences (already through the colour transform, with their burn-ins) joined
    into one movie starting at 01:00:00:00; returns the frame count."""
    from .images import read_png
    from .movie import MovieWriter

    writer = None
    total = sum(len(e["frames"]) for e in entries)
    n = 0
    try:
        for e in entries:
            if not e["frames"] or e.get("format", "png") != "png":
                raise SdfError("a dailies movie joins PNG playblasts; this one has none", e["manifest"])
            for f in e["frames"]:
                rgba = read_png(os.path.join(e["folder"], f"{e['shot']}.{f:04d}.png"))
                if writer is None:
                    fps = float(e["fps"])
                    writer = MovieWriter(path, (rgba.shape[1], rgba.shape[0]), fps, EDIT_START_SECONDS * round(fps))
                writer.add(rgba)
                n += 1
                if progress:
                    progress(n, total)
        writer.close()
        writer = None
    finally:
        if writer is not None:
            writer.abort()
    return n
