"""Frames for playback without the Alembic library in the process: an index plus sample arrays by digest.

:class:`PlaybackReader` answers like :class:`sdf.alembic.frames.AlembicReader` (same :class:`FrameData`,
same layouts, same sample choice) but is built from two safer parts:

- the file's *index* (:mod:`sdf.alembic.sample_index`), made by alembic3d in a worker process, so a
  file that crashes the library costs a worker, not the player;
- the sample arrays, read by digest straight from the file (:mod:`sdf.alembic.ogawa`): zero-copy views
  under a read lease, or copies; a file truncated or rewritten while it plays is an error
  naming it, and the arrays already handed out keep their values.

Everything the arrays feed (face counts against indices, indices against points, UV and
normal indexing) is checked in numpy before it is used, with the same checks as the
library-backed reader. Equal samples are one block in the file and one array here, so a
cache keyed by digest holds each distinct sample once (:attr:`FrameData.shared`).
"""
from __future__ import annotations

import os
import threading

import numpy as np

from sdf.errors import AlembicError
from sdf.alembic import schemas as abc_schemas
from sdf.alembic.frame_data import DEFAULT_LAYOUT, INTERPOLATIONS, LAYOUTS, FrameData, FrameLayout, lerp, exception_reason
from sdf.alembic.topology import Topology, check_polygons, draw_topology, gather_draw, line_segments, point_layout_normals
from sdf.alembic.ogawa import SampleStore
from sdf.alembic.sample_index import ObjectIndex, index_file

_F4 = np.dtype(np.float32)
_STATIC_TOPOLOGY = ("kConstantTopology", "kHomogenousTopology", "kHomogeneousTopology")
#: Time comparisons allow this much (seconds), as the Alembic library does for sample times.
EPSILON = 1e-9


def _key_text(key: tuple) -> str:
    """A topology key (digests and scopes) as the text a Topology carries."""
    return "|".join(str(k.hex() if isinstance(k, bytes) else k) for k in key)


def _pick(times: np.ndarray, t: float, rule: str) -> int:
    """Alembic's floor / ceil / near sample index at time ``t`` (near breaks ties towards the floor)."""
    n = len(times)
    if n <= 1:
        return 0
    floor = int(np.searchsorted(times, t + EPSILON, "right")) - 1
    floor = min(max(floor, 0), n - 1)
    ceil = min(max(int(np.searchsorted(times, t - EPSILON, "left")), 0), n - 1)
    if rule == "floor":
        return floor
    if rule == "ceil":
        return ceil
    return floor if abs(t - times[floor]) <= abs(times[ceil] - t) else ceil


class IndexedObject:
    """One object of the index, with the time lookups the reader needs."""

    def __init__(self, index: ObjectIndex):
        self.index = index
        self.path = index.path
        self.schema_name = index.schema
        self.num_samples = len(index.times)
        self.times = np.asarray(index.times, np.float64)
        self.parents = index.parents
        self._parent_times = [np.asarray(p.times, np.float64) for p in index.parents]
        self.topologies: dict = {}
        self.building: dict = {}   # topology key -> Event while one thread builds it
        self.lock = threading.Lock()

    def sample_for(self, time: float, interpolation: str) -> tuple[int, int, float]:
        if self.num_samples <= 1:
            return 0, 0, 0.0
        if interpolation == "nearest":
            i = _pick(self.times, time, "near")
            return i, i, 0.0
        lo = _pick(self.times, time, "floor")
        if interpolation == "floor":
            return lo, lo, 0.0
        hi = _pick(self.times, time, "ceil")
        if hi == lo:
            return lo, lo, 0.0
        t0, t1 = self.times[lo], self.times[hi]
        w = 0.0 if t1 <= t0 else min(max((time - t0) / (t1 - t0), 0.0), 1.0)
        return lo, hi, float(w)

    def world_at(self, time: float) -> np.ndarray:
        world = np.identity(4)
        for parent, times in zip(self.parents, self._parent_times):  # nearest parent first
            if not len(times):
                continue
            i = _pick(times, time, "near")
            world = world @ parent.matrices[i]
            if not parent.inherits[i]:
                break
        return world

    @property
    def parents_animated(self) -> bool:
        """Whether any Xform above (or at) the object changes over time."""
        return any(len(p.times) > 1 and not np.all(p.matrices == p.matrices[0]) for p in self.parents)

    @property
    def animated(self) -> bool:
        return self.num_samples > 1 or self.parents_animated


class PlaybackReader:
    """Frames of the objects in one Alembic archive, for playback (thread-safe).

    ``mapped``: allow zero-copy views under a read lease (see :mod:`sdf.alembic.ogawa`); False always copies.
    ``populate_bytes``: map in every page of a file up to this size in the background when it opens
    (the cache passes its budget: a file it could hold whole is about to be played).
    ``reindex``: index the file again rather than use the index kept on disk for its identity."""

    def __init__(self, path: str, *, mapped: bool = True, populate_bytes: int = 0, reindex: bool = False):
        self.path = os.path.abspath(path)
        self.store = SampleStore(self.path, mapped=mapped, populate_bytes=populate_bytes)  # the lease first: the index then describes a fixed file
        self.identity = self.store.identity
        index = index_file(self.path, fresh=reindex)
        if index.identity != self.identity:
            raise AlembicError("the file changed while it was being opened; try again", self.path)
        self._objects = {p: IndexedObject(o) for p, o in index.objects.items()}
        self._lock = threading.RLock()

    @property
    def needs_reopen(self) -> bool:
        """The file changed under this reader (its lease broke, or a sample was not where the index
        says): open it again to read more."""
        return self.store.changed or self.store.stale

    @property
    def mode(self) -> str:
        """``mapped`` or ``copied`` (see :mod:`sdf.alembic.ogawa`)."""
        return self.store.mode

    def close(self) -> None:
        self.store.close()

    # -- what is in the file -------------------------------------------------------------------
    def object(self, object_path: str) -> IndexedObject:
        o = self._objects.get(object_path) or self._objects.get("/" + object_path.strip("/"))
        if o is None:
            raise AlembicError(f"no object '{object_path}' in {os.path.basename(self.path)}", self.path)
        if o.schema_name not in abc_schemas.PLAYBACK:
            raise AlembicError(f"object '{o.path}' is {o.schema_name or 'untyped'}; playback draws "
                               f"{abc_schemas.labels(abc_schemas.PLAYBACK)}", self.path)
        return o

    def objects(self) -> list[str]:
        return [p for p, o in self._objects.items() if o.schema_name in abc_schemas.PLAYBACK]

    def num_samples(self, object_path: str) -> int:
        return self.object(object_path).num_samples

    def is_animated(self, object_path: str) -> bool:
        return self.object(object_path).animated

    def time_range(self, object_path: str) -> tuple[float, float] | None:
        o = self.object(object_path)
        return (float(o.times[0]), float(o.times[-1])) if o.num_samples else None

    def bounds(self, object_path: str, frame: float, fps: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The stored self bounds at ``frame`` (see :meth:`sdf.alembic.frames.AlembicReader.bounds`)."""
        o = self.object(object_path)
        boxes = o.index.bounds
        if boxes is None or not o.num_samples:
            return None
        lo, hi = boxes[_pick(o.times, frame / fps, "near")]
        if not (np.all(np.abs(lo) < 1e30) and np.all(np.abs(hi) < 1e30)) or np.any(lo > hi):
            return None
        return lo.astype(np.float32), hi.astype(np.float32)

    # -- reading -------------------------------------------------------------------------------
    def read(self, object_path: str, frame: float, fps: float, interpolation: str = "nearest",
             allocator=None, layout: FrameLayout | str = DEFAULT_LAYOUT) -> FrameData:
        """As :meth:`sdf.alembic.frames.AlembicReader.read`. ``layout="stored"`` hands out positions and normals
        as the file stores them (shared between frames with equal samples, zero-copy when mapped)
        with the draw topology that says how to gather them (:func:`sdf.alembic.frames.gather_draw`)."""
        if layout not in LAYOUTS:
            raise ValueError(f"layout is one of {', '.join(LAYOUTS)}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation is one of {', '.join(INTERPOLATIONS)}")
        o = self.object(object_path)
        try:
            return self._read(o, frame, fps, interpolation, allocator, layout)
        except AlembicError:
            raise
        except (IndexError, ValueError, MemoryError, OverflowError, TypeError) as exc:
            raise AlembicError(f"object '{object_path}' at frame {frame:g}: corrupt or unreadable data "
                               f"({exception_reason(exc)})", self.path) from None

    def _read(self, o: IndexedObject, frame, fps, interpolation, allocator, layout) -> FrameData:
        time = frame / fps
        world = o.world_at(time)
        if o.schema_name == abc_schemas.XFORM:
            return FrameData(o.path, frame, 0, "xform", np.zeros((0, 3), np.float32), None, None, world)
        if o.num_samples == 0:
            return FrameData(o.path, frame, 0, abc_schemas.DRAWS_AS[o.schema_name], np.zeros((0, 3), np.float32),
                             None, None, world)
        lo, hi, w = o.sample_for(time, interpolation)
        if o.schema_name in abc_schemas.MESHES:
            data = self._mesh(o, lo, allocator, layout)
            if w > 0.0:
                other = self._mesh(o, hi, None, layout)
                if other.topology is data.topology and len(other.positions) == len(data.positions):
                    data.positions = lerp(data.positions, other.positions, w)
                    if data.normals is not None and other.normals is not None and \
                            data.normals.shape == other.normals.shape:
                        data.normals = lerp(data.normals, other.normals, w)
                    data.shared = ()
        elif o.schema_name == abc_schemas.CURVES:
            data = self._curves(o, lo, allocator)
        else:
            data = self._points(o, lo, allocator)
            if w > 0.0:
                other = self._points(o, hi, None)
                if len(other.positions) == len(data.positions):
                    data.positions = lerp(data.positions, other.positions, w)
                    data.shared = tuple(s for s in data.shared if s[0] != "P")
        data.frame, data.world = frame, world
        return data

    # -- arrays by digest --------------------------------------------------------------------------
    def _digest(self, o: IndexedObject, name: str, index: int) -> bytes | None:
        keys = o.index.arrays.get(name)
        if not keys:
            return None
        return keys[min(index, len(keys) - 1)]

    def _array(self, o: IndexedObject, name: str, index: int, dtype, width: int = 1, allocator=None,
               shared: list | None = None) -> np.ndarray | None:
        digest = self._digest(o, name, index)
        if digest is None:
            return None
        a = self.store.array(digest, dtype, width, what=f"object '{o.path}' {name} sample {index}",
                             allocator=allocator)
        if shared is not None and a.nbytes:
            shared.append((name, digest, a.nbytes))
        return a

    def _indices(self, o: IndexedObject, name: str, index: int) -> np.ndarray | None:
        """A geometry parameter's stored uint32 indices as int32 (a view: no copy), int64 past 2^31."""
        a = self._array(o, name, index, np.uint32)
        if a is None:
            return None
        return a.view(np.int32) if not len(a) or int(a.max()) < 2**31 else a.astype(np.int64)

    def _once(self, o: IndexedObject, key, build) -> Topology:
        """The topology under ``key``, built by one thread only: a prefetcher and the player asking for
        two frames of one big mesh at once wait for one build instead of doing it twice."""
        while True:
            with o.lock:
                topo = o.topologies.get(key)
                if topo is not None:
                    return topo
                event = o.building.get(key)
                mine = event is None
                if mine:
                    event = o.building[key] = threading.Event()
            if not mine:
                event.wait()
                continue  # built (or failed: then this thread tries, and raises its own error)
            try:
                topo = build().freeze()  # shared by every frame that uses it: nobody may write it
                with o.lock:
                    o.topologies[key] = topo
                return topo
            finally:
                with o.lock:
                    o.building.pop(key, None)
                event.set()

    # -- meshes ------------------------------------------------------------------------------------
    def _mesh(self, o: IndexedObject, index: int, allocator, layout: FrameLayout | str) -> FrameData:
        shared: list = []
        positions = self._array(o, "P", index, _F4, 3, allocator, shared)
        tindex = 0 if o.index.variance in _STATIC_TOPOLOGY else index
        if layout == FrameLayout.POINTS:
            topology = self._polygons(o, tindex, len(positions))
            normals = None
            if topology.normals_scope is not None:  # the stored normals, as stored: the host applies them
                normals = self._array(o, "N", index, _F4, 3, allocator, shared)
                if normals is not None and len(normals) < topology.normals_need:
                    normals = None
                    shared.pop()
            return FrameData(o.path, 0, index, "mesh", positions, normals, topology, np.identity(4),
                             shared=tuple(shared))
        topology = self._triangles(o, tindex, len(positions), per_corner=layout == FrameLayout.STORED)
        if len(positions) != topology.source_point_count:
            raise AlembicError(f"object '{o.path}' sample {index}: {len(positions)} points, but its topology has "
                               f"{topology.source_point_count}", self.path)
        normals = None
        if topology.normal_of_vertex is not None:
            raw = self._array(o, "N", index, _F4, 3, allocator, shared)
            if raw is not None and len(raw) >= topology.normals_need:
                normals = raw
            elif raw is not None:
                shared.pop()
        if layout == FrameLayout.DRAW:
            positions, normals = gather_draw(positions, normals, topology, allocator)
            shared = []
        return FrameData(o.path, 0, index, "mesh", positions, normals, topology, np.identity(4), shared=tuple(shared))

    def _topology_digests(self, o: IndexedObject, index: int, *names: str) -> tuple:
        return tuple(self._digest(o, n, index) for n in names)

    def _triangles(self, o: IndexedObject, index: int, point_count: int, per_corner: bool = False) -> Topology:
        key = ("corners" if per_corner else "draw",) + \
            self._topology_digests(o, index, "counts", "indices", "uv", "uv.i", "N.i") + \
            (o.index.scopes.get("uv"), o.index.scopes.get("N"), "N" in o.index.arrays)

        def build() -> Topology:
            counts = self._array(o, "counts", index, np.int32)
            corners = self._array(o, "indices", index, np.int32)
            check_polygons(counts, corners, point_count, o.path, index, self.path)
            uv = None
            if "uv" in o.index.arrays:
                uv = (self._array(o, "uv", index, _F4, 2), self._indices(o, "uv.i", index), o.index.scopes["uv"])
            normals = None
            if "N" in o.index.arrays:
                normals = (self._indices(o, "N.i", index), o.index.scopes["N"])
            face_sets = {}
            for name, keys in o.index.face_sets.items():
                if keys:
                    d = keys[min(index, len(keys) - 1)]
                    face_sets[name] = self.store.array(d, np.int32, what=f"object '{o.path}' face set {name}")\
                        .astype(np.int64)
            return draw_topology("d:" + _key_text(key), counts, corners, point_count, uv, normals, face_sets, per_corner)

        return self._once(o, key, build)

    def _polygons(self, o: IndexedObject, index: int, point_count: int) -> Topology:
        # Normals in the point layout: a polygon mesh's own (a SubD is shaded from its limit surface,
        # smooth, as Blender's importer does: its "N" is for renderers that do not subdivide).
        with_normals = o.schema_name == abc_schemas.POLYMESH and "N" in o.index.arrays
        key = ("points",) + self._topology_digests(o, index, "counts", "indices", "uv", "uv.i") + \
            (o.index.scopes.get("uv"),) + \
            ((self._digest(o, "N.i", index), o.index.scopes.get("N")) if with_normals else ())

        def build() -> Topology:
            counts = self._array(o, "counts", index, np.int32)
            corners = self._array(o, "indices", index, np.int32)
            check_polygons(counts, corners, point_count, o.path, index, self.path)
            uvs = None
            if "uv" in o.index.arrays:
                vals = self._array(o, "uv", index, _F4, 2)
                ind = self._indices(o, "uv.i", index)
                if ind is not None:
                    vals = vals[ind] if not len(ind) or int(ind.max()) < len(vals) else None
                if vals is not None:
                    if len(vals) == len(corners):
                        uvs = vals
                    elif len(vals) == point_count:
                        uvs = vals[corners]
            applies = point_layout_normals(o.index.scopes.get("N"), self._indices(o, "N.i", index), len(corners),
                                           point_count) if with_normals else None
            scope, rows, need = applies or (None, None, 0)
            return Topology("p:" + _key_text(key), "polygons", corners, uvs, None, rows, scope, None, {}, point_count,
                            point_count, normals_need=need, face_counts=counts)

        topo = self._once(o, key, build)
        if topo.source_point_count != point_count:
            raise AlembicError(f"object '{o.path}': sample {index} has {point_count} points, its topology "
                               f"{topo.source_point_count}", self.path)
        return topo

    # -- curves and points -------------------------------------------------------------------------
    def _widths(self, o: IndexedObject, index: int, allocator) -> np.ndarray | None:
        vals = self._array(o, "widths", index, _F4)
        ind = self._indices(o, "widths.i", index)
        if vals is None or ind is None:
            return vals
        if len(ind) and (int(ind.max()) >= len(vals)):
            return None  # corrupt indices: no widths rather than a read outside the values
        return vals[ind]

    def _curves(self, o: IndexedObject, index: int, allocator) -> FrameData:
        shared: list = []
        positions = self._array(o, "P", index, _F4, 3, allocator, shared)
        nverts = self._array(o, "nverts", index, np.int32)
        if len(nverts) and (int(nverts.min()) < 0 or int(nverts.sum(dtype=np.int64)) != len(positions)):
            raise AlembicError(f"object '{o.path}' sample {index}: curve vertex counts add up to "
                               f"{int(nverts.sum(dtype=np.int64))}, but it has {len(positions)} points", self.path)
        key = ("curves", self._digest(o, "nverts", index))
        topo = self._once(o, key, lambda: Topology("c:" + key[1].hex(), "lines", line_segments(nverts), None, None,
                                                   None, None, None, {}, len(positions), len(positions),
                                                   face_counts=nverts, curve=o.index.curve))
        return FrameData(o.path, 0, index, "curves", positions, None, topo, np.identity(4),
                         widths=self._widths(o, index, allocator), shared=tuple(shared))

    def _points(self, o: IndexedObject, index: int, allocator) -> FrameData:
        shared: list = []
        positions = self._array(o, "P", index, _F4, 3, allocator, shared)
        ids = self._array(o, "ids", index, np.uint64, 1, allocator, shared)
        velocities = self._array(o, "v", index, _F4, 3, allocator, shared)
        if velocities is not None and len(velocities) != len(positions):
            velocities = None
            shared = [s for s in shared if s[0] != "v"]
        topo = Topology("points", "points", None, None, None, None, None, None, {}, len(positions), len(positions))
        return FrameData(o.path, 0, index, "points", positions, None, topo, np.identity(4),
                         widths=self._widths(o, index, allocator), ids=ids, velocities=velocities,
                         shared=tuple(shared))

