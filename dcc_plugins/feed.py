"""Frames for proxy nodes that draw themselves: Maya's ``sdfProxy`` asks here at draw time.

A host whose proxies are nodes evaluated by the host (Maya's locator with its own draw
override) cannot be pushed frames by :meth:`~.session.Session.show`; the node pulls them. It
knows only its inputs (shot file, department, element path, time), so this module resolves
an element to its Alembic file and object once, through a department view (ignored data is
never read), and hands out frames through one frame cache shared by every proxy in the
process: the second pass plays from memory.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sdf.errors import SdfError
from sdf.frames import DEFAULT_LAYOUT, FrameData, FrameLayout
from sdf.shot import open_shot

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

            # Memory is taken as frames are shown: small arena chunks, none prepared ahead and no file
            # mapped in bulk, since a DCC shows one frame at a time and the artist's scene needs memory too.
            _cache = FrameCache(chunk_bytes=16 << 20, spares=0, populate=False)
        return _cache


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
