"""The playback data path, without a window: what a viewer does per frame, minus drawing.

For every visible leaf of the model tree whose geometry is animated, each frame is read
through the cache and handed to a *draw callback*; the default callback copies the
buffers into a preallocated upload buffer, as a GL upload to a persistent mapped buffer
would. Passes are timed separately, so the second pass shows what the cache buys.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from sdf.errors import SdfError
from sdf.alembic.frame_data import PLAYER_LAYOUT, FrameData, FrameLayout
from sdf.document.shot import Shot

from .drawables import Drawable, drawables
from .frame_cache import FrameCache
from .player import Player
from .prefetch import Prefetcher


#: What is played: one drawable leaf (see :mod:`sdf.cache.drawables`).
PlayItem = Drawable


def playable_items(shot: Shot, cache: FrameCache, *, animated_only: bool = True) -> tuple[list[PlayItem], list[str]]:
    """Visible leaves with geometry, by the one drawables rule: (items, problems) where problems name what
    could not be read. A view that ignores the model tree raises: it has nothing to play."""
    return drawables(shot, cache.reader, visible_only=True, animated_only=animated_only, need_tree=True)


class UploadBuffer:
    """A preallocated byte buffer standing in for a GPU buffer: each frame's data is copied in."""

    def __init__(self, nbytes: int = 1 << 20):
        self.buffer = np.empty(max(nbytes, 16), np.uint8)
        self.used = 0

    def begin(self) -> None:
        self.used = 0

    def put(self, array: np.ndarray | None) -> None:
        if array is None or array.size == 0:
            return
        n = array.nbytes
        if self.used + n > len(self.buffer):
            grown = np.empty(max(len(self.buffer) * 2, self.used + n), np.uint8)
            grown[:self.used] = self.buffer[:self.used]
            self.buffer = grown
        np.copyto(self.buffer[self.used:self.used + n], array.reshape(-1).view(np.uint8))
        self.used += n

    def upload(self, frame_data: Iterable[FrameData]) -> int:
        """Copy each frame's positions and normals in as stored: the viewer splits seams on the GPU
        (an index per draw vertex, fetched in the vertex shader), so this is all a frame uploads."""
        self.begin()
        for d in frame_data:
            self.put(d.positions)
            self.put(d.normals)
        return self.used


@dataclass
class PassResult:
    index: int
    frames: int
    seconds: float
    hits: int
    misses: int
    bytes_uploaded: int
    frame_seconds: list[float] = field(default_factory=list)
    dropped: int = 0   # frames real-time pacing skipped because reading and drawing fell behind

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else float("inf")

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def as_dict(self) -> dict:
        return {"pass": self.index, "frames": self.frames, "seconds": self.seconds, "fps": self.fps,
                "hits": self.hits, "misses": self.misses, "hit_rate": self.hit_rate,
                "bytes_uploaded": self.bytes_uploaded, "dropped": self.dropped,
                "median_frame_ms": 1000 * float(np.median(self.frame_seconds)) if self.frame_seconds else 0.0}


def play(shot: Shot, cache: FrameCache, frames: list[int], *, passes: int = 2, prefetch: bool = True,
         items: list[PlayItem] | None = None, draw: Callable[[int, list[FrameData]], None] | None = None,
         interpolation: str = "nearest", progress: Callable[[int, int], None] | None = None,
         layout: FrameLayout | str = PLAYER_LAYOUT, problems: list[str] | None = None,
         real_time: bool = False) -> list[PassResult]:
    """Play ``frames`` ``passes`` times through ``cache``; returns per-pass results.

    Frames are asked for as a player does, as stored (:data:`sdf.alembic.frame_data.PLAYER_LAYOUT`): the cache holds each distinct sample
    once, zero-copy where it can, and what a frame uploads is those arrays; the split into draw
    vertices is the GPU's (see :mod:`sdf.viewer.render`).

    Each pass is played by the same :class:`~sdf.cache.player.Player` the viewer window uses, once
    through: every frame in order as fast as it can, or with ``real_time`` paced to the shot's fps,
    the frames it fell behind on skipped and counted (``PassResult.dropped``).

    An object whose file breaks or changes while it plays is left out of the frames it cannot
    give (its error is added to ``problems`` once); the rest of the shot plays on."""
    if items is None:
        items, _ = playable_items(shot, cache)
    buffer = UploadBuffer()
    if draw is None:
        def draw(frame: int, data: list[FrameData]) -> None:
            buffer.upload(data)
    fps = shot.fps
    pairs = [(i.file, i.object) for i in items]
    prefetcher = Prefetcher(cache, layout=layout) if prefetch and cache.budget > 0 else None
    results = []
    frame_bytes = None
    player = Player(frames, fps, mode="once", every_frame=not real_time)
    position = {f: i for i, f in enumerate(frames)}
    try:
        for p in range(passes):
            before = cache.snapshot()
            uploaded = 0
            times = []
            player.seek(frames[0])
            t_pass = time.perf_counter()
            for frame in player.run():
                t0 = time.perf_counter()
                if prefetcher is not None:
                    prefetcher.follow(pairs, frame, 1, frames, fps, interpolation, loop=passes > 1,
                                      frame_bytes=frame_bytes)
                data = []
                for path, obj in pairs:
                    try:
                        data.append(cache.get(path, obj, frame, fps, interpolation, layout=layout))
                    except SdfError as exc:
                        if problems is not None and str(exc) not in problems:
                            problems.append(str(exc))
                frame_bytes = sum(d.nbytes for d in data) or None
                draw(frame, data)
                uploaded += sum(d.positions.nbytes + (d.normals.nbytes if d.normals is not None else 0) for d in data)
                times.append(time.perf_counter() - t0)
                if progress:
                    progress(p * len(frames) + position[frame] + 1, passes * len(frames))
            seconds = time.perf_counter() - t_pass
            after = cache.snapshot()
            results.append(PassResult(p + 1, len(times), seconds, after.hits - before.hits,
                                      after.misses - before.misses, uploaded, times, player.dropped))
    finally:
        if prefetcher is not None:
            prefetcher.close()
    return results
