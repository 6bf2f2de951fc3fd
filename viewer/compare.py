"""Comparing two versions of a department's data: side by side, a wipe, or the other version as a ghost.

A lead asks what a publish changed: ``sdf view SHOT -d animation --compare animation@2`` draws
the shot as it is now (the part at its current version) against the same shot with that part
read at published version 2 (:meth:`sdf.document.shot.Shot.pinned`). Both are drawn by the same renderer
through the same camera; the two pictures are then put together:

- ``side``: each at half the width, now on the left, the other version on the right;
- ``wipe``: now left of the wipe line, the other version right of it (a thin line marks it);
- ``ghost``: now, with what the other version draws tinted over it at a third strength.
"""
from __future__ import annotations

import numpy as np

from sdf.errors import SdfError

MODES = ("side", "wipe", "ghost")
GHOST = np.array([90, 200, 255], np.float32)  # the other version's tint
LINE = np.array([240, 240, 240, 255], np.uint8)


def parse(spec: str) -> tuple[str, str]:
    """``KIND@VERSION`` (``animation@2``, ``placement@latest``) as (kind, version)."""
    kind, sep, version = spec.partition("@")
    if not sep or not kind or not version:
        raise SdfError(f"--compare expects KIND@VERSION (e.g. animation@2), got '{spec}'")
    return kind, version


def composite(now: np.ndarray, other: np.ndarray, mode: str, background, wipe: float = 0.5) -> np.ndarray:
    """The two pictures (uint8 RGBA, same size; for ``side`` each already half width) as one;
    ``background`` is the background's display code values (0..1)."""
    if mode == "side":
        return np.concatenate([now, other], axis=1)
    if mode == "wipe":
        out = now.copy()
        x = int(round(wipe * now.shape[1]))
        out[:, x:] = other[:, x:]
        out[:, max(x - 1, 0):x + 1] = LINE
        return out
    if mode == "ghost":
        bg = np.round(np.asarray(background) * 255)
        drawn = np.abs(other[..., :3].astype(np.int16) - bg).max(axis=2) > 3
        out = now.astype(np.float32)
        shade = other[..., :3].astype(np.float32).mean(axis=2, keepdims=True) / 255.0
        ghost = GHOST * (0.5 + 0.5 * shade)
        out[..., :3] = np.where(drawn[..., None], out[..., :3] * 0.65 + ghost * 0.35, out[..., :3])
        return np.clip(out, 0, 255).astype(np.uint8)
    raise SdfError(f"compare mode is one of {', '.join(MODES)}, not '{mode}'")


def draw_compare(renderer, scene_now, scene_other, cache, frame: float, camera: str | None, orbit, size,
                 mode: str, hidden=frozenset()) -> np.ndarray:
    """Both versions drawn by ``renderer`` through ``camera`` (or ``orbit``) and put together (see the
    module docstring): what the window shows and what snapshots and playblasts write."""
    from .render import BACKGROUND
    from .view_camera import view_for

    w, h = size
    part = (w // 2, h) if mode == "side" else (w, h)
    images = []
    for scene in (scene_now, scene_other):
        view, proj = view_for(scene, camera, frame, part[0] / part[1], orbit)
        images.append(renderer.draw_to_array(scene, cache, frame, view, proj, part, hidden=hidden,
                                             look_through=camera))
    shown = renderer.display.transform.encode(BACKGROUND) if renderer.display is not None else BACKGROUND
    return composite(images[0], images[1], mode, shown)
