"""The LRU frame cache: decoded Alembic frames kept in memory, bounded in bytes.

Key: (file identity, object path, frame, fps, interpolation, layout). The file identity is the
real path with its inode, times and size, so a file rewritten on disk gets new keys; its old
entries are dropped the first time the change is seen. Values are :class:`sdf.alembic.frame_data.FrameData`
with read-only arrays, read by :class:`sdf.alembic.playback_reader.PlaybackReader` (the Alembic library
runs only in its index worker; see that module for why no file can crash the player).

What is counted, so that the bytes held are what memory really holds:

- *samples*: arrays that are one stored sample (``FrameData.shared``) are counted once per
  digest, however many frames use them (a character holding a pose for 20 frames is one
  sample), and released with the last frame that uses them. With ``layout="stored"`` (the
  viewer and ``sdf play``) positions and normals are such samples, usually zero-copy views of
  the file's pages (see :mod:`sdf.alembic.ogawa`);
- *topology* (index buffer, UVs, face sets) is shared by every frame with the same
  connectivity, counted once in the same way;
- what belongs to one frame alone (its world matrix, interpolated or gathered arrays).

The budget is in bytes: ``budget_bytes``, else ``$SDF_CACHE_MB``, else a quarter of physical
memory. Eviction is least-recently-used by bytes on top of lru-dict (a C LRU map, used here
as the recency order; the byte accounting is ours). A frame larger than the whole budget is
returned but not stored; a budget of 0 turns storing off and playback still works.

A file that changes while it plays and cannot be opened again (half written, corrupt) keeps
its old reader: frames already held keep playing, the others raise an error naming the file,
and :attr:`FrameCache.problems` says so once. A file rewritten in place can keep its identity
(timestamps tick coarsely), and the index kept on disk for that identity may then describe the
old content: a reader that finds a sample missing is reopened with the file indexed again.
Frames are handed out read-only, their shared topology included.

All methods are thread-safe. A read of a key already being read by another thread (the
prefetcher, usually) waits for that read instead of repeating it.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from dataclasses import asdict, dataclass

import lru

from sdf.alembic import io as alembic_io
from sdf.errors import SdfError
from sdf.alembic.frame_data import DEFAULT_LAYOUT, FrameData, FrameLayout
from sdf.alembic.playback_reader import PlaybackReader

from .arena import Arena

DEFAULT_SHARE = 0.25
#: Shortest time between two re-indexings of a file whose identity did not change (see FrameCache.reader).
REINDEX_SECONDS = 0.5


def default_budget() -> int:
    env = os.environ.get("SDF_CACHE_MB")
    if env:
        try:
            mb = float(env)
        except ValueError:
            raise SdfError(f"SDF_CACHE_MB must be a number of megabytes, got {env!r}") from None
        if mb < 0:
            raise SdfError("SDF_CACHE_MB cannot be negative")
        return int(mb * 2**20)
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        total = 8 * 2**30
    return int(total * DEFAULT_SHARE)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    not_stored: int = 0      # frames larger than the budget
    invalidations: int = 0   # entries dropped because their file changed
    bytes_held: int = 0
    topology_bytes: int = 0  # part of bytes_held
    sample_bytes: int = 0    # part of bytes_held: stored samples, each distinct one counted once
    shared_hits: int = 0     # frames whose samples were already held for another frame
    entries: int = 0
    bytes_read: int = 0
    read_seconds: float = 0.0
    budget: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["hit_rate"] = self.hit_rate
        return d


def _freeze(data: FrameData) -> FrameData:
    for a in (data.positions, data.normals, data.widths, data.ids, data.velocities, data.world):
        if a is not None and a.flags.writeable:
            a.flags.writeable = False
    if data.topology is not None:
        data.topology.freeze()  # shared by every frame of the mesh (the readers freeze it as they build it)
    return data


def frame_key(identity: tuple, object_path: str, frame: float, fps: float, interpolation: str = "nearest",
              layout: FrameLayout | str = DEFAULT_LAYOUT) -> tuple:
    """What one cached frame is keyed by: the file's identity (so a rewritten file misses), the object,
    the frame and how it was read. The cache and its prefetcher must spell it the same way."""
    return (identity, object_path, float(frame), float(fps), interpolation, layout)


class FrameCache:
    """See the module docstring. ``check_interval``: how often (seconds) a file is re-stat'ed for changes."""

    def __init__(self, budget_bytes: int | None = None, *, check_interval: float = 0.1,
                 chunk_bytes: int | None = None, spares: int | None = None, mapped: bool = True,
                 populate: bool = True):
        budget = default_budget() if budget_bytes is None else int(budget_bytes)
        if budget < 0:
            raise SdfError("cache budget cannot be negative")
        self._lock = threading.RLock()
        self._opening = threading.Lock()
        self._lru = lru.LRU(1 << 30)  # recency order only; bytes are bounded below
        self._sizes: dict = {}
        self._topo: dict = {}          # (identity, object, topology key) -> [bytes, refcount]
        self._topo_of: dict = {}       # frame key -> topology ref key
        self._blocks: dict = {}        # (identity, digest) -> [bytes, refcount]: stored samples held
        self._blocks_of: dict = {}     # frame key -> its block keys
        self.mapped = mapped           # zero-copy views of files under a read lease (see sdf.alembic.ogawa)
        # Map a file's pages in bulk when it opens (a player about to play it all); a DCC showing a
        # frame at a time leaves them to be mapped as its frames are drawn.
        self.populate = populate
        self.problems: list[str] = []  # files that changed and could not be reopened (held frames still play)
        self._readers: dict[str, PlaybackReader] = {}
        self._inflight: dict = {}
        self._checked: dict[str, float] = {}
        self._reindex_after: dict[str, float] = {}  # real path -> when its index may be made again
        self._real: dict[str, str] = {}  # path as given -> real path, resolved once
        # Chunks sized to the budget: spare chunks are overhead, so small budgets get small chunks.
        # A host that shows one frame at a time (a DCC) asks for small chunks and no spares.
        chunk = int(chunk_bytes or min(64 << 20, max(1 << 20, budget // 16)))
        self.arena = Arena(chunk, spares=(2 if budget >= 4 * chunk else 0) if spares is None else spares)
        # Release the arena's spare chunks and helper thread when the cache goes away.
        weakref.finalize(self, Arena.close, self.arena)
        self.check_interval = check_interval
        self.stats = CacheStats(budget=budget)
        from sdf.alembic.sample_index import warm_up

        warm_up()  # the index worker boots while the caller opens its shot

    # -- configuration -----------------------------------------------------------------------
    @property
    def budget(self) -> int:
        return self.stats.budget

    def set_budget(self, budget_bytes: int) -> None:
        if budget_bytes < 0:
            raise SdfError("cache budget cannot be negative")
        with self._lock:
            self.stats.budget = int(budget_bytes)
            self._evict()

    # -- readers -------------------------------------------------------------------------------
    def reader(self, path: str) -> PlaybackReader:
        """The reader for ``path``, replaced (and old entries dropped) when the file changes.

        A file that changed but cannot be opened again (half written, corrupt) keeps its old
        reader: frames already held keep playing, others raise an error naming the file."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = os.path.realpath(path)
        now = time.monotonic()
        r = self._readers.get(real)
        if r is not None and now - self._checked.get(real, -1e9) < self.check_interval and not r.needs_reopen:
            return r  # checked for changes a moment ago: a stat per read would dominate warm playback
        try:
            identity = alembic_io.file_identity(real)
        except FileNotFoundError:
            if r is not None:
                self._note(f"{path}: removed while playing; frames already held still play")
                self._checked[real] = now
                return r
            raise SdfError("Alembic file not found (removed while playing?)", path) from None
        with self._opening:  # one reader per file, even when several threads notice a change at once
            with self._lock:
                r = self._readers.get(real)
                self._checked[real] = now
                if r is not None and r.identity == identity and not r.needs_reopen:
                    return r
            # The same identity, yet the file changed under the reader: its index (kept on disk per
            # identity) was made mid-rewrite, so index it again; at most every REINDEX_SECONDS, as a
            # file whose index never matches (corrupt) would otherwise be indexed for every frame.
            reindex = r is not None and r.identity == identity
            if reindex:
                if now < self._reindex_after.get(real, 0.0):
                    return r
                self._reindex_after[real] = now + max(self.check_interval, REINDEX_SECONDS)
            try:
                fresh = PlaybackReader(real, mapped=self.mapped, reindex=reindex,
                                       populate_bytes=self.stats.budget // 2 if self.populate else 0)
            except SdfError as exc:
                if r is None:
                    raise
                self._note(f"{exc}; frames already held still play")
                return r
            with self._lock:
                old = self._readers.get(real)
                if old is not None:
                    self._drop_identity(old.identity)
                    old.close()
                self._readers[real] = fresh
            return fresh

    def _note(self, problem: str) -> None:
        with self._lock:
            if problem not in self.problems and len(self.problems) < 100:
                self.problems.append(problem)

    def _drop_identity(self, identity) -> None:
        for key in [k for k in self._lru.keys() if k[0] == identity]:
            self._remove(key)
            self.stats.invalidations += 1

    def invalidate(self, path: str | None = None) -> None:
        with self._lock:
            if path is None:
                for key in list(self._lru.keys()):
                    self._remove(key)
                for r in self._readers.values():
                    r.close()
                self._readers.clear()
                return
            r = self._readers.pop(os.path.realpath(path), None)
            if r is not None:
                self._drop_identity(r.identity)
                r.close()

    # -- get -----------------------------------------------------------------------------------
    def key(self, path: str, object_path: str, frame: float, fps: float, interpolation: str = "nearest",
            layout: FrameLayout | str = DEFAULT_LAYOUT):
        return frame_key(self.reader(path).identity, object_path, frame, fps, interpolation, layout)

    def contains(self, path: str, object_path: str, frame: float, fps: float, interpolation: str = "nearest",
                 layout: FrameLayout | str = DEFAULT_LAYOUT) -> bool:
        key = self.key(path, object_path, frame, fps, interpolation, layout)  # never under the lock: may open
        with self._lock:
            return self._lru.has_key(key)

    def get(self, path: str, object_path: str, frame: float, fps: float, interpolation: str = "nearest",
            *, count: bool = True, layout: FrameLayout | str = DEFAULT_LAYOUT) -> FrameData:
        """One frame through the cache; ``layout`` as :meth:`sdf.alembic.frames.AlembicReader.read` (a Blender or
        Houdini session asks for POINTS, a player for STORED)."""
        reader = self.reader(path)
        key = frame_key(reader.identity, object_path, frame, fps, interpolation, layout)
        while True:
            with self._lock:
                hit = self._lru.get(key)
                if hit is not None:
                    if count:
                        self.stats.hits += 1
                    return hit
                event = self._inflight.get(key)
                if event is None:
                    event = self._inflight[key] = threading.Event()
                    break
            event.wait()  # another thread is reading this frame: use its result
            with self._lock:
                hit = self._lru.get(key)
            if hit is not None:
                if count:
                    with self._lock:
                        self.stats.hits += 1
                return hit
            if self.stats.budget == 0 or not count:
                break  # nothing is stored: read it ourselves
        try:
            t0 = time.perf_counter()
            store = self.stats.budget > 0
            data = _freeze(reader.read(object_path, frame, fps, interpolation,
                                       allocator=self.arena if store else None, layout=layout))
            elapsed = time.perf_counter() - t0
            with self._lock:
                if count:
                    self.stats.misses += 1
                self.stats.read_seconds += elapsed
                self.stats.bytes_read += data.nbytes
                self._store(key, reader.identity, data)
            return data
        finally:
            with self._lock:
                ev = self._inflight.pop(key, None)
            if ev is not None:
                ev.set()

    # -- accounting ----------------------------------------------------------------------------
    def _store(self, key, identity, data: FrameData) -> None:
        topo = data.topology
        tkey = (identity, data.object_path, topo.key) if topo is not None else None
        extra = 0
        if tkey is not None and tkey not in self._topo:
            extra = topo.nbytes
        bkeys = [(identity, digest) for _, digest, _ in data.shared]
        extra += sum(n for (_, _, n), b in zip(data.shared, bkeys) if b not in self._blocks)
        own = data.own_nbytes
        size = own + extra
        if size > self.stats.budget:
            self.stats.not_stored += 1
            return
        if self._lru.has_key(key):
            return
        self._lru[key] = data
        self._sizes[key] = own
        self.stats.bytes_held += own
        if bkeys:
            if all(b in self._blocks for b in bkeys):
                self.stats.shared_hits += 1
            for (_, _, n), b in zip(data.shared, bkeys):
                entry = self._blocks.get(b)
                if entry is None:
                    entry = self._blocks[b] = [n, 0]
                    self.stats.bytes_held += n
                    self.stats.sample_bytes += n
                entry[1] += 1
            self._blocks_of[key] = bkeys
        if tkey is not None:
            entry = self._topo.get(tkey)
            if entry is None:
                entry = self._topo[tkey] = [topo.nbytes, 0]
                self.stats.bytes_held += topo.nbytes
                self.stats.topology_bytes += topo.nbytes
            entry[1] += 1
            self._topo_of[key] = tkey
        self.stats.entries = len(self._sizes)
        self._evict(protect=key)

    def _remove(self, key) -> None:
        if self._lru.has_key(key):
            del self._lru[key]
        size = self._sizes.pop(key, 0)
        self.stats.bytes_held -= size
        for b in self._blocks_of.pop(key, ()):
            entry = self._blocks[b]
            entry[1] -= 1
            if entry[1] == 0:
                del self._blocks[b]
                self.stats.bytes_held -= entry[0]
                self.stats.sample_bytes -= entry[0]
        tkey = self._topo_of.pop(key, None)
        if tkey is not None:
            entry = self._topo[tkey]
            entry[1] -= 1
            if entry[1] == 0:
                del self._topo[tkey]
                self.stats.bytes_held -= entry[0]
                self.stats.topology_bytes -= entry[0]
        self.stats.entries = len(self._sizes)

    def _evict(self, protect=None) -> None:
        while self.stats.bytes_held > self.stats.budget and len(self._sizes):
            key, _ = self._lru.peek_last_item()
            if key == protect and len(self._sizes) == 1:
                break
            self._remove(key)
            self.stats.evictions += 1

    def close(self) -> None:
        """Stop the arena's helper thread and drop everything held."""
        self.invalidate()
        self.arena.close()

    def held_keys(self):
        """A live view of the keys held (membership tests only; do not iterate from another thread)."""
        return self._sizes.keys()

    def cached_frames(self, path: str, object_path: str) -> set[float]:
        """Frames of one object currently held (for drawing the cache on a timeline)."""
        identity = self.reader(path).identity
        with self._lock:
            return {k[2] for k in self._lru.keys() if k[0] == identity and k[1] == object_path}

    def snapshot(self) -> CacheStats:
        with self._lock:
            return CacheStats(**{k: v for k, v in asdict(self.stats).items()})
