"""Frames for proxy nodes that draw themselves: Maya's ``sdfProxy`` asks here at draw time.

A host whose proxies are nodes evaluated by the host (Maya's locator with its own draw
override) cannot be pushed frames by :meth:`~.session.Session.show`; the node pulls them. It
knows only its inputs (shot file, department, element path, time), so this module resolves
an element to its Alembic file and object once, through a department view (ignored data is
never read), and hands out frames through one frame cache shared by every proxy in the
process: the second pass plays from memory, within the cache's budget (:func:`dcc_budget`).
"""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from sdf.errors import SdfError
from sdf.alembic.frame_data import DEFAULT_LAYOUT, FrameData, FrameLayout
from sdf.document.opening import open_shot

_lock = threading.Lock()
_resolved: dict[tuple[str, str, str], tuple[str, str, float]] = {}
if TYPE_CHECKING:
    from sdf.cache.frame_cache import FrameCache

_cache: "FrameCache | None" = None


def frame_cache() -> "FrameCache":
    """The process-wide frame cache of proxy nodes."""
    global _cache
    with _lock:
        if _cache is None:
            from sdf.cache.frame_cache import FrameCache

            # Memory is taken as frames are shown: small arena chunks, none prepared ahead, and samples
            # copied out of the files rather than mapped: a mapped page, once drawn, stays in the process's
            # resident size until the file is closed, whatever the cache evicts, so only copies let the
            # budget bound what the artist's system monitor shows.
            _cache = FrameCache(dcc_budget(), chunk_bytes=16 << 20, spares=0, populate=False, mapped=False)
        return _cache


#: The frame cache of a DCC session, in MB (``$SDF_DCC_CACHE_MB`` overrides). Sized on the medium demo
#: (benchmarks/dcc_blender.py): Blender's own meshes for the proxies take about 200 MB, Blender's import of
#: the same files peaks at about 420 MB, so a session holding this much stays below it; playing from the
#: file's pages when a frame is not held is still far faster than Blender's own reader.
DCC_CACHE_MB = 128


def dcc_budget() -> int:
    """The DCC session's frame-cache budget in bytes: ``$SDF_DCC_CACHE_MB``, else :data:`DCC_CACHE_MB`."""
    env = os.environ.get("SDF_DCC_CACHE_MB")
    if not env:
        return DCC_CACHE_MB << 20
    try:
        mb = float(env)
    except ValueError:
        raise SdfError(f"SDF_DCC_CACHE_MB must be a number of megabytes, got {env!r}") from None
    if mb < 0:
        raise SdfError("SDF_DCC_CACHE_MB cannot be negative")
    return int(mb * 2**20)


def resolve(shot_file: str, department: str, element_path: str) -> tuple[str, str, float]:
    """(Alembic file, object, shot fps) drawn for an element, as the department sees it."""
    key = (shot_file, department, element_path)
    with _lock:
        hit = _resolved.get(key)
    if hit is not None:
        return hit
    view = open_shot(shot_file, department or None)
    node = view.model_tree.find(element_path)
    if node is None or node.geometry is None:
        raise SdfError(f"no leaf {element_path} in the model tree", shot_file, "model_tree")
    value = (view.geometry_path(node), node.geometry.object, view.fps)
    with _lock:
        _resolved[key] = value
    return value


def forget(shot_file: str | None = None) -> None:
    """Drop resolutions (after an Update: an upstream publish may point an element elsewhere)."""
    with _lock:
        for key in [k for k in _resolved if shot_file is None or k[0] == shot_file]:
            del _resolved[key]


def frame(shot_file: str, department: str, element_path: str, frame_number: float,
          layout: FrameLayout | str = DEFAULT_LAYOUT) -> FrameData:
    """One element at one frame, through the shared cache."""
    path, obj, fps = resolve(shot_file, department, element_path)
    return frame_cache().get(path, obj, frame_number, fps, layout=layout)


def bounds(shot_file: str, department: str, element_path: str, frame_number: float) -> tuple | None:
    """The element's stored Alembic bounds at a frame (min, max) in its own space, or None."""
    path, obj, fps = resolve(shot_file, department, element_path)
    return frame_cache().reader(path).bounds(obj, frame_number, fps)


def cache_held(cache) -> dict:
    """What the session's frame cache holds: frames, bytes, its budget, hits and misses (an artist's
    system monitor shows the process's memory; this says how much of it is the cache)."""
    s = cache.snapshot()
    return {"entries": s.entries, "bytes": s.bytes_held, "budget": s.budget, "hits": s.hits, "misses": s.misses}


def format_cache(held: dict) -> str:
    mb = 1 << 20
    asked = held["hits"] + held["misses"]
    rate = f", {100.0 * held['hits'] / asked:.0f}% of frames from memory" if asked else ""
    return (f"frame cache: {held['entries']} frames, {held['bytes'] / mb:.1f} of {held['budget'] / mb:.0f} MB "
            f"budget{rate}")
