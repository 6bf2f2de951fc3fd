"""Reading ahead of the playhead in background threads (for files that are copied, not mapped).

The prefetcher keeps a queue of (object, frame) reads in front of the playhead, in the
direction of play. Every call to :meth:`Prefetcher.follow` starts a new *generation*:
queued reads of older generations are dropped (a seek cancels what was queued for the
old position), and reads already running finish into the cache, where they may still be
useful. The window is limited both in frames and in bytes (half the cache budget), so
prefetching never evicts the frames about to be shown.
"""
from __future__ import annotations

import threading
from collections import deque

from sdf.alembic.frame_data import DEFAULT_LAYOUT, FrameLayout

from .frame_cache import FrameCache, frame_key


class Prefetcher:
    def __init__(self, cache: FrameCache, workers: int = 2, ahead: int = 24,
                 layout: FrameLayout | str = DEFAULT_LAYOUT):
        self.cache = cache
        self.layout = layout  # as the player asks for frames (a player: PLAYER_LAYOUT): the keys must match
        self.ahead = ahead
        self._queue: deque = deque()
        self._cond = threading.Condition()
        self._generation = 0
        self._closed = False
        self.errors: list[Exception] = []
        self._threads = [threading.Thread(target=self._run, name=f"sdf-prefetch-{i}", daemon=True)
                         for i in range(max(1, workers))]
        for t in self._threads:
            t.start()

    def follow(self, items, frame: float, direction: int, frames: list[float], fps: float,
               interpolation: str = "nearest", loop: bool = True, frame_bytes: int | None = None) -> None:
        """Queue reads for ``frame`` (what the player has not read yet: objects load side by side) and the
        frames after it (before it when ``direction`` < 0)."""
        if self.cache.budget == 0:
            return
        ahead = self.ahead
        if frame_bytes:
            ahead = max(1, min(ahead, int(self.cache.budget * 0.5 // max(frame_bytes, 1))))
        try:
            pos = frames.index(frame)
        except ValueError:
            pos = min(range(len(frames)), key=lambda i: abs(frames[i] - frame)) if frames else 0
        step = 1 if direction >= 0 else -1
        todo = []
        readers = {path: self.cache.reader(path) for path, _ in items}
        # A mapped file's samples are views: reading them ahead buys nothing (measured: it slowed the
        # player by the helpers' share of the GIL), and its pages are mapped in bulk when it opens
        # (sdf.alembic.ogawa). Copied files are read ahead: preadv runs without the GIL.
        items = [(path, obj) for path, obj in items if readers[path].mode != "mapped"]
        keys = {path: readers[path].identity for path, _ in items}
        held = self.cache.held_keys()
        for k in range(0, ahead + 1):  # from the current frame: its other objects load beside the player
            i = pos + k * step
            if not loop and not 0 <= i < len(frames):
                break
            f = frames[i % len(frames)]
            for path, obj in items:
                if frame_key(keys[path], obj, f, fps, interpolation, self.layout) not in held:
                    todo.append((path, obj, f))
        if not todo and self.idle():
            return
        with self._cond:
            self._generation += 1
            gen = self._generation
            self._queue.clear()
            self._queue.extend((gen, path, obj, f, fps, interpolation) for path, obj, f in todo)
            self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            self._generation += 1
            self._queue.clear()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                gen, path, obj, f, fps, interp = self._queue.popleft()
                if gen != self._generation:
                    continue
            try:
                if not self.cache.contains(path, obj, f, fps, interp, self.layout):
                    self.cache.get(path, obj, f, fps, interp, count=False, layout=self.layout)
            except Exception as exc:  # reported by the player; never kills the thread
                if len(self.errors) < 100:
                    self.errors.append(exc)

    def idle(self) -> bool:
        with self._cond:
            return not self._queue

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout=5)
