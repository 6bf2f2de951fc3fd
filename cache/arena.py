"""Memory for cached frames: large pre-touched chunks, prepared off the playback thread, recycled whole.

Why: a cache, unlike a reader, keeps every frame it decodes, so each frame lands in memory
never touched before, and the first touch of every 4 KiB page is a page fault. On the
machine we measured (a VM), filling 14 MB of fresh memory cost 28 ms against 0.8 ms for
memory already touched: the faults, not the reading, made the first playback pass slow.
Transparent huge pages were not granted there, and ``MADV_HUGEPAGE`` made first touch three
times slower, so we do not ask for them.

So cached arrays are carved out of ``mmap`` chunks that a background thread maps and
populates *before* they are needed (``MAP_POPULATE``: the kernel fills the mapping in one
call, about half the cost of faulting page by page here; else every page is touched) (numpy's fill releases the GIL, so on a second core the
faults cost the playback thread nothing). Arrays are handed out with a bump pointer; each
chunk counts its live arrays (a ``weakref.finalize`` per array) and, once eviction has
dropped them all, goes back to the spare list and is reused without faulting again.

The cost: a chunk stays mapped while any array in it lives, so resident memory can exceed
the bytes the cache accounts for by up to the partly used chunks. With LRU eviction in
playback order, chunks empty in the order they filled, which keeps that slack small.
"""
from __future__ import annotations

import mmap
import threading
import weakref

import numpy as np

CHUNK = 64 << 20
ALIGN = 64
HUGE = 2 << 20


class _Chunk:
    __slots__ = ("mm", "size", "used", "live", "__weakref__")

    def __init__(self, size: int):
        self.size = size
        populate = getattr(mmap, "MAP_POPULATE", 0)
        self.mm = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
        if not populate:
            # Pre-touch every page: take the faults now, in whichever thread creates the chunk.
            view = np.frombuffer(self.mm, dtype=np.uint8)
            view[:] = 0
            del view
        self.used = 0
        self.live = 0


class Arena:
    """``spares``: chunks kept mapped and touched ahead of need (prepared by a background thread)."""

    def __init__(self, chunk_bytes: int = CHUNK, spares: int = 2):
        self.chunk_bytes = chunk_bytes
        self.spares = spares
        self._lock = threading.RLock()
        self._current: _Chunk | None = None
        self._free: list[_Chunk] = []
        self.mapped = 0
        self._wake = threading.Event()
        self._closed = False
        self._thread = None  # started on first use: a cache that never stores maps nothing

    def _ensure_helper(self) -> None:
        if self._thread is None and self.spares > 0 and not self._closed:
            self._thread = threading.Thread(target=self._prepare, name="sdf-arena", daemon=True)
            self._thread.start()

    def _prepare(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                with self._lock:
                    if self._closed or len(self._free) >= self.spares:
                        break
                    self.mapped += self.chunk_bytes
                chunk = _Chunk(self.chunk_bytes)  # the faults happen here, off the playback thread
                with self._lock:
                    self._free.append(chunk)
            if self._closed:
                return

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        with self._lock:
            self.mapped -= sum(c.size for c in self._free)
            self._free.clear()

    def empty(self, shape, dtype) -> np.ndarray:
        """An uninitialised array in arena memory."""
        dtype = np.dtype(dtype)
        n = int(np.prod(shape)) * dtype.itemsize
        if n == 0:
            return np.empty(shape, dtype)
        need = (n + ALIGN - 1) // ALIGN * ALIGN
        with self._lock:
            chunk = self._current
            if need > self.chunk_bytes:
                chunk = self._new(((need + HUGE - 1) // HUGE) * HUGE)
            elif chunk is None or chunk.used + need > chunk.size:
                self._retire(chunk)
                chunk = self._current = self._take()
            start = chunk.used
            chunk.used += need
            chunk.live += 1
        arr = np.frombuffer(chunk.mm, dtype=np.uint8, count=n, offset=start).view(dtype).reshape(shape)
        weakref.finalize(arr, self._release, chunk)
        return arr

    def copy(self, a: np.ndarray | None) -> np.ndarray | None:
        if a is None:
            return None
        out = self.empty(a.shape, a.dtype)
        np.copyto(out, a)
        return out

    def take(self, source: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``source[index]`` (rows) gathered straight into arena memory."""
        out = self.empty((len(index),) + source.shape[1:], source.dtype)
        np.take(source, index, axis=0, out=out)
        return out

    # -- chunk bookkeeping ------------------------------------------------------------------
    def _new(self, size: int) -> _Chunk:
        self.mapped += size
        return _Chunk(size)

    def _take(self) -> _Chunk:
        self._ensure_helper()
        self._wake.set()  # top the spares up again
        if self._free:
            chunk = self._free.pop()
            chunk.used = 0
            return chunk
        return self._new(self.chunk_bytes)

    def _retire(self, chunk: _Chunk | None) -> None:
        if chunk is not None and chunk.live == 0:
            self._recycle(chunk)

    def _recycle(self, chunk: _Chunk) -> None:
        if chunk.size == self.chunk_bytes and len(self._free) < max(self.spares, 1) and not self._closed:
            self._free.append(chunk)
        else:
            self.mapped -= chunk.size  # unmapped when the last reference goes

    def _release(self, chunk: _Chunk) -> None:
        with self._lock:
            chunk.live -= 1
            if chunk.live == 0 and chunk is not self._current:
                self._recycle(chunk)
