"""Reading Alembic objects frame by frame as GPU-ready buffers.

For an object at a frame, :class:`AlembicReader` returns a :class:`FrameData`:

- ``positions``: float32, C-contiguous, shape (n, 3), in *draw layout* (one row per vertex
  the GPU draws);
- ``normals``: the same layout, or None when the file has none;
- ``topology``: a :class:`Topology` shared by every frame with the same connectivity:
  a triangulated uint32 index buffer (counter-clockwise, as OpenGL expects; Alembic stores
  polygons clockwise), UVs in draw layout, face sets as triangle ranges, and the map from
  draw vertices back to Alembic points;
- ``world``: the 4x4 world matrix (row vectors) from the object's Alembic parents.

Face-varying data (indexed UVs as Maya writes them, face-varying normals) means one
Alembic point may need several draw vertices. The split is worked out once per topology
(unique combinations of point, UV and normal index per face corner), so for a mesh whose
topology does not change, per frame work is one gather of positions and normals, and
nothing at all when every attribute is per-vertex (the positions array is then a zero-copy
view of what alembic3d read). Heterogeneous topology (a mesh whose face counts change) is
recomputed for the frames that need it and shared between frames whose connectivity is
byte-identical.

Frames map to time as ``frame / fps``. Between samples, ``interpolation`` chooses the
``nearest`` sample (default), the ``floor`` sample, or ``linear`` blending of positions
and normals when both samples have the same point count.
"""
from __future__ import annotations

import os
import threading

import numpy as np

from sdf.alembic import io as alembic_io
from sdf.alembic import schemas as abc_schemas
from sdf.errors import AlembicError
from sdf.alembic.frame_data import (DEFAULT_LAYOUT, INTERPOLATIONS, LAYOUTS,
                                    FrameData, FrameLayout, exception_reason, lerp)
from sdf.alembic.sample_index import curve_kind
from sdf.alembic.topology import (MAX_ELEMENTS, Topology, check_polygons, draw_topology, gather_draw,  # noqa: F401
                       line_segments, placed, point_layout_normals, topology_key)


def _np(a, dtype=None) -> np.ndarray:
    arr = np.asarray(a)
    return arr if dtype is None or arr.dtype == dtype else arr.astype(dtype)


def _matrix(m) -> np.ndarray:
    return np.array([[m[i][j] for j in range(4)] for i in range(4)], dtype=np.float64)


def _scope_name(param) -> str:
    return str(param.getScope()).rsplit(".", 1)[-1].replace("k", "", 1).replace("Scope", "").lower()


class _Object:
    """What the reader knows about one Alembic object: its typed schema, samples and topology cache."""

    def __init__(self, archive_path: str, obj):
        from alembic3d import Abc

        self.path = obj.getFullName()
        self.obj = obj
        self.schema_name = alembic_io.object_schema(obj)
        wrap = Abc.WrapExistingFlag.kWrapExisting
        typed = abc_schemas.reader_class(self.schema_name) if self.schema_name in abc_schemas.FRAME_READER else None
        if typed is None:
            raise AlembicError(f"object '{self.path}' is {self.schema_name or 'untyped'}; the reader handles "
                               f"{abc_schemas.labels(abc_schemas.FRAME_READER)}", archive_path)
        self.schema = typed(obj, wrap).getSchema()
        self.num_samples = self.schema.getNumSamples()
        self.time_sampling = self.schema.getTimeSampling()
        self.variance = None
        if self.schema_name in abc_schemas.MESHES:
            self.variance = str(self.schema.getTopologyVariance()).rsplit(".", 1)[-1]
        self.topologies: dict = {}
        self.lock = threading.Lock()
        self.parents = self._xform_parents()

    def _xform_parents(self):
        from alembic3d import Abc, AbcGeom

        chain = []
        node = self.obj if self.schema_name == abc_schemas.XFORM else self.obj.getParent()
        while node is not None and node.valid() and node.getFullName() != "/":
            if alembic_io.object_schema(node) == abc_schemas.XFORM:
                chain.append(AbcGeom.IXform(node, Abc.WrapExistingFlag.kWrapExisting).getSchema())
            node = node.getParent()
        return chain

    def sample_for(self, time: float, interpolation: str) -> tuple[int, int, float]:
        """(floor or nearest index, next index, blend weight) at ``time``."""
        n = self.num_samples
        if n <= 1:
            return 0, 0, 0.0
        ts = self.time_sampling
        if interpolation == "nearest":
            i = ts.getNearIndex(time, n)
            return i, i, 0.0
        lo = ts.getFloorIndex(time, n)
        if interpolation == "floor":
            return lo, lo, 0.0
        hi = ts.getCeilIndex(time, n)
        if hi == lo:
            return lo, lo, 0.0
        t0, t1 = ts.getSampleTime(lo), ts.getSampleTime(hi)
        w = 0.0 if t1 <= t0 else min(max((time - t0) / (t1 - t0), 0.0), 1.0)
        return lo, hi, w

    def world_at(self, time: float) -> np.ndarray:

        world = np.identity(4)
        for schema in self.parents:  # nearest parent first
            n = schema.getNumSamples()
            if n == 0:
                continue
            index = schema.getTimeSampling().getNearIndex(time, n) if n > 1 else 0
            sample = schema.getValue(alembic_io.select(schema, index))
            world = world @ _matrix(sample.getMatrix())
            if not sample.getInheritsXforms():
                break
        return world


def _expanded(param, index: int) -> np.ndarray | None:
    """A geometry parameter's values expanded through its indices, or None if the indices are corrupt.

    alembic3d expands in C++ without checking the indices against the values (a corrupted
    index reads outside the array: SIGSEGV), so they are checked first; the comparison runs in
    imath and comes back as an int array numpy reads without a copy (imath's unsigned arrays
    have no buffer of their own).
    """
    sel = alembic_io.select(param, index)
    if param.isIndexed():
        iv = param.getIndexedValue(sel)
        n = len(iv.getVals())
        idx = iv.getIndices()
        if len(idx) and np.asarray(idx >= n).any():
            return None
    return _np(param.getExpandedValue(sel).getVals(), np.float32)


class AlembicReader:
    """Frames of the objects in one Alembic archive as GPU-ready buffers (thread-safe)."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.identity = alembic_io.file_identity(self.path)
        self.archive = alembic_io.open_archive(self.path, cached=False)
        self._objects: dict[str, _Object] = {}
        self._lock = threading.RLock()

    def object(self, object_path: str) -> _Object:
        with self._lock:
            o = self._objects.get(object_path)
            if o is None:
                obj = alembic_io.find_object(self.archive, object_path, self.path, None)
                try:
                    o = _Object(self.path, obj)
                except AlembicError:
                    raise
                except (RuntimeError, IndexError, ValueError, MemoryError, OverflowError) as exc:
                    raise AlembicError(f"object '{object_path}': corrupt or unreadable header ({exception_reason(exc)})",
                                       self.path) from None
                self._objects[object_path] = o
            return o

    def objects(self) -> list[str]:
        return [p for p, o in alembic_io.walk_objects(self.archive)
                if alembic_io.object_schema(o) in abc_schemas.FRAME_READER]

    def num_samples(self, object_path: str) -> int:
        return self.object(object_path).num_samples

    def is_animated(self, object_path: str) -> bool:
        o = self.object(object_path)
        return o.num_samples > 1 or any(p.getNumSamples() > 1 and not p.isConstant() for p in o.parents)

    def time_range(self, object_path: str) -> tuple[float, float] | None:
        o = self.object(object_path)
        if o.num_samples == 0:
            return None
        return o.time_sampling.getSampleTime(0), o.time_sampling.getSampleTime(o.num_samples - 1)

    def bounds(self, object_path: str, frame: float, fps: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The object's stored bounds (min, max in its own space) at ``frame``, without reading its points;
        None when the archive stores none (some writers do not) or the box is empty."""
        o = self.object(object_path)
        if o.schema_name not in abc_schemas.GEOMETRY or o.num_samples == 0:
            return None
        try:
            prop = o.schema.getSelfBoundsProperty()
            if not prop.valid() or prop.getNumSamples() == 0:
                return None
            n = prop.getNumSamples()
            index = prop.getTimeSampling().getNearIndex(frame / fps, n) if n > 1 else 0
            box = prop.getValue(alembic_io.select(prop, index))
            lo = np.array([box.min()[i] for i in range(3)], np.float64)
            hi = np.array([box.max()[i] for i in range(3)], np.float64)
        except (RuntimeError, AttributeError):
            return None
        # An empty Imath box is +/-max double: no bounds stored in practice.
        if not (np.all(np.abs(lo) < 1e30) and np.all(np.abs(hi) < 1e30)) or np.any(lo > hi):
            return None
        return lo.astype(np.float32), hi.astype(np.float32)

    # -- reading ---------------------------------------------------------------------------
    def read(self, object_path: str, frame: float, fps: float, interpolation: str = "nearest",
             allocator=None, layout: FrameLayout | str = DEFAULT_LAYOUT) -> FrameData:
        """One object at one frame. ``allocator`` (an object with ``copy(a)`` and ``take(a, index)``)
        places the per-frame arrays in memory of the caller's choosing, e.g. a cache's arena;
        without it they are numpy arrays (or views of what alembic3d read).

        ``layout="points"`` keeps a mesh in Alembic's own layout, for hosts whose meshes are
        points plus polygons (Blender, Maya): positions are the archive's points as read (no
        gather), and the topology is ``"polygons"``: face counts, face indices in Alembic's
        clockwise order and UVs per face corner, with no triangulation and no seam split.
        Normals are left to the host. Other kinds read the same in every layout.

        ``layout="stored"`` keeps positions and normals as the file stores them, with the draw
        topology whose ``point_of_vertex`` and ``normal_of_vertex`` say how to gather them
        (:func:`sdf.alembic.topology.gather_draw`; the viewer does it on the GPU). Playback reads it
        through :class:`sdf.alembic.playback_reader.PlaybackReader`, which shares equal samples.
        """
        if layout not in LAYOUTS:
            raise ValueError(f"layout is one of {', '.join(LAYOUTS)}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation is one of {', '.join(INTERPOLATIONS)}")
        try:
            data = self._read(object_path, frame, fps, interpolation, allocator, layout)
        except AlembicError:
            raise
        except (RuntimeError, IndexError, ValueError, MemoryError, OverflowError, TypeError) as exc:
            # The library's own errors, or data that broke an assumption the checks above did not
            # cover: one error naming the file and the object, never a raw exception.
            raise AlembicError(f"object '{object_path}' at frame {frame:g}: corrupt or unreadable data "
                               f"({exception_reason(exc)})",
                               self.path) from None
        if allocator is not None:
            # Arrays the reader did not already place (views of alembic3d's buffers) move now, so
            # alembic3d's transient memory is freed and reused for the next read.
            for name in ("positions", "normals", "widths", "ids", "velocities"):
                a = getattr(data, name)
                if a is not None and not getattr(a, "placed", False) and a.size:
                    setattr(data, name, allocator.copy(a))
        return data

    def _read(self, object_path, frame, fps, interpolation, allocator, layout=DEFAULT_LAYOUT) -> FrameData:
        o = self.object(object_path)
        time = frame / fps
        world = o.world_at(time)
        if o.schema_name in (abc_schemas.XFORM, abc_schemas.CAMERA):
            kind = "xform" if o.schema_name == abc_schemas.XFORM else "camera"
            return FrameData(o.path, frame, 0, kind, np.zeros((0, 3), np.float32), None, None, world)
        if o.num_samples == 0:  # some real archives have objects with no samples at all
            return FrameData(o.path, frame, 0, abc_schemas.DRAWS_AS[o.schema_name], np.zeros((0, 3), np.float32),
                             None, None, world)
        lo, hi, w = o.sample_for(time, interpolation)
        if o.schema_name in abc_schemas.MESHES:
            mesh = self._mesh_points if layout == FrameLayout.POINTS else self._mesh
            gather = layout == FrameLayout.DRAW
            data = mesh(o, lo, allocator if w == 0.0 else None, gather)
            if w > 0.0:
                other = mesh(o, hi, None, gather)
                if other.topology is data.topology:
                    data.positions = lerp(data.positions, other.positions, w)
                    if data.normals is not None and other.normals is not None:
                        data.normals = lerp(data.normals, other.normals, w)
        elif o.schema_name == abc_schemas.CURVES:
            data = self._curves(o, lo)
        else:
            data = self._points(o, lo)
            if w > 0.0:
                other = self._points(o, hi)
                if len(other.positions) == len(data.positions):
                    data.positions = lerp(data.positions, other.positions, w)
        data.frame, data.world = frame, world
        return data

    def _mesh(self, o: _Object, index: int, allocator=None, gather: bool = True) -> FrameData:

        ss = alembic_io.select(o.schema, index)
        positions = _np(o.schema.getPositionsProperty().getValue(ss), np.float32)
        topo_index = 0 if o.variance in ("kConstantTopology", "kHomogenousTopology", "kHomogeneousTopology") else index
        topology = self._mesh_topology(o, topo_index, len(positions))
        normals = None
        nparam = self._normals_param(o)
        if nparam is not None and nparam.getNumSamples():
            n_index = min(index, nparam.getNumSamples() - 1)
            nsel = alembic_io.select(nparam, n_index)
            raw = _np(nparam.getValueProperty().getValue(nsel), np.float32) \
                if nparam.isIndexed() else _np(nparam.getExpandedValue(nsel).getVals(), np.float32)
            if topology.normal_of_vertex is not None and len(raw) >= topology.normals_need:
                normals = raw
        if len(positions) != topology.source_point_count:
            raise AlembicError(f"object '{o.path}' sample {index}: {len(positions)} points, but its topology has "
                               f"{topology.source_point_count}", self.path)
        if gather:
            positions, normals = gather_draw(positions, normals, topology, allocator)
        return FrameData(o.path, 0, index, "mesh", positions, normals, topology, np.identity(4))

    def _mesh_points(self, o: _Object, index: int, allocator=None, gather: bool = False) -> FrameData:
        """A mesh in Alembic's point layout (see :meth:`read`)."""
        ss = alembic_io.select(o.schema, index)
        positions = _np(o.schema.getPositionsProperty().getValue(ss), np.float32)
        topo_index = 0 if o.variance in ("kConstantTopology", "kHomogenousTopology", "kHomogeneousTopology") else index
        with o.lock:
            topo = o.topologies.get(("points", topo_index))
        if topo is None:
            sel = alembic_io.select(o.schema, topo_index)
            counts = _np(o.schema.getFaceCountsProperty().getValue(sel), np.int32)
            corners = _np(o.schema.getFaceIndicesProperty().getValue(sel), np.int32)
            check_polygons(counts, corners, len(positions), o.path, topo_index, self.path)
            uvs = None
            uvp = o.schema.getUVsParam()
            vals = _expanded(uvp, min(topo_index, uvp.getNumSamples() - 1)) \
                if uvp.valid() and uvp.getNumSamples() else None
            if vals is not None:
                if len(vals) == len(corners):
                    uvs = vals
                elif len(vals) == len(positions):
                    uvs = vals[corners]
            applies, ind = None, None
            nparam = self._normals_param(o) if o.schema_name == abc_schemas.POLYMESH else None  # SubD: smooth
            if nparam is not None and nparam.getNumSamples():
                if nparam.isIndexed():
                    nsel = alembic_io.select(nparam, min(topo_index, nparam.getNumSamples() - 1))
                    ind = _np(nparam.getIndexedValue(nsel).getIndices()).astype(np.int64)
                applies = point_layout_normals(_scope_name(nparam), ind, len(corners), len(positions))
            scope, rows, need = applies or (None, None, 0)
            key = "points:" + topology_key(counts, corners, *(() if ind is None else (ind,))) + (scope or "")
            topo = Topology(key, "polygons", corners, uvs, None, rows, scope, None, {}, len(positions),
                            len(positions), normals_need=need, face_counts=counts).freeze()
            with o.lock:
                topo = o.topologies.setdefault(("points", topo_index), topo)
        elif topo.source_point_count != len(positions):
            raise AlembicError(f"object '{o.path}': sample {index} has {len(positions)} points, its topology "
                               f"{topo.source_point_count}", self.path)
        normals = None
        if topo.normals_scope is not None:  # the stored normals, as stored: the host applies them
            nparam = self._normals_param(o)
            nsel = alembic_io.select(nparam, min(index, nparam.getNumSamples() - 1))
            raw = _np(nparam.getValueProperty().getValue(nsel), np.float32) \
                if nparam.isIndexed() else _np(nparam.getExpandedValue(nsel).getVals(), np.float32)
            normals = raw if len(raw) >= topo.normals_need else None
        return FrameData(o.path, 0, index, "mesh", positions, normals, topo, np.identity(4))

    @staticmethod
    def _normals_param(o: _Object):
        if o.schema_name == abc_schemas.POLYMESH:
            p = o.schema.getNormalsParam()
            return p if p.valid() else None
        arb = o.schema.getArbGeomParams()  # SubD: normals travel as an arbitrary "N"
        if arb.valid() and arb.getPropertyHeader("N") is not None:
            from alembic3d import AbcGeom
            return AbcGeom.IN3fGeomParam(arb, "N")
        return None

    def _mesh_topology(self, o: _Object, index: int, point_count: int) -> Topology:

        with o.lock:
            cached = o.topologies.get(index)
            if cached is not None:
                return cached
            ss = alembic_io.select(o.schema, index)
            counts = _np(o.schema.getFaceCountsProperty().getValue(ss), np.int32)
            corners = _np(o.schema.getFaceIndicesProperty().getValue(ss), np.int32).astype(np.int64)
            check_polygons(counts, corners, point_count, o.path, index, self.path)
            uv = None
            uvp = o.schema.getUVsParam()
            if uvp.valid() and uvp.getNumSamples():
                uss = alembic_io.select(uvp, min(index, uvp.getNumSamples() - 1))
                if uvp.isIndexed():
                    iv = uvp.getIndexedValue(uss)
                    uv = (_np(iv.getVals(), np.float32), _np(iv.getIndices()).astype(np.int64), _scope_name(uvp))
                else:
                    uv = (_np(uvp.getExpandedValue(uss).getVals(), np.float32), None, _scope_name(uvp))
            normals = None
            nparam = self._normals_param(o)
            if nparam is not None and nparam.getNumSamples():
                ind = None
                if nparam.isIndexed():
                    iv = nparam.getIndexedValue(alembic_io.select(nparam, min(index, nparam.getNumSamples() - 1)))
                    ind = _np(iv.getIndices()).astype(np.int64)
                normals = (ind, _scope_name(nparam))
            scopes = np.frombuffer(f"{uv[2] if uv else ''}/{normals[1] if normals else ''}".encode(), np.uint8)
            key = topology_key(counts, corners, uv[1] if uv else None, normals[0] if normals else None, scopes)
            shared = next((t for t in o.topologies.values() if t.key == key), None)
            if shared is not None:
                o.topologies[index] = shared
                return shared
            face_sets = {}
            for name in o.schema.getFaceSetNames() if o.schema_name == abc_schemas.POLYMESH else ():
                fs = o.schema.getFaceSet(name).getSchema()
                if fs.getNumSamples():
                    face_sets[name] = _np(fs.getValue(alembic_io.select(fs, min(index, fs.getNumSamples() - 1)))
                                          .getFaces(), np.int64)
            topo = draw_topology(key, counts, corners, point_count, uv, normals, face_sets).freeze()
            o.topologies[index] = topo
            return topo

    def _curves(self, o: _Object, index: int) -> FrameData:

        ss = alembic_io.select(o.schema, index)
        sample = o.schema.getValue(ss)
        positions = _np(sample.getPositions(), np.float32)
        nverts = _np(sample.getCurvesNumVertices(), np.int32)
        if len(nverts) and (int(nverts.min()) < 0 or int(nverts.sum(dtype=np.int64)) != len(positions)):
            raise AlembicError(f"object '{o.path}' sample {index}: curve vertex counts add up to "
                               f"{int(nverts.sum(dtype=np.int64))}, but it has {len(positions)} points", self.path)
        key = topology_key(nverts)
        with o.lock:
            topo = next((t for t in o.topologies.values() if t.key == key), None)
            if topo is None:
                # Each curve drawn as the polyline through its control points (a playback preview).
                topo = Topology(key, "lines", line_segments(nverts), None, None, None, None, None, {}, len(positions),
                                len(positions), face_counts=nverts, curve=curve_kind(sample)).freeze()
            o.topologies[index] = topo
        widths = None
        wp = o.schema.getWidthsParam()
        if wp.valid() and wp.getNumSamples():
            widths = _expanded(wp, min(index, wp.getNumSamples() - 1))
        return FrameData(o.path, 0, index, "curves", positions, None, topo, np.identity(4), widths=widths)

    def _points(self, o: _Object, index: int) -> FrameData:

        sample = o.schema.getValue(alembic_io.select(o.schema, index))
        positions = _np(sample.getPositions(), np.float32)
        ids = _np(sample.getIds()).astype(np.uint64) if sample.getIds() is not None else None
        vel = sample.getVelocities()
        velocities = _np(vel, np.float32) if vel is not None and len(vel) == len(positions) else None
        widths = None
        wp = o.schema.getWidthsParam()
        if wp.valid() and wp.getNumSamples():
            widths = _expanded(wp, min(index, wp.getNumSamples() - 1))
        topo = Topology("points", "points", None, None, None, None, None, None, {}, len(positions), len(positions))
        return FrameData(o.path, 0, index, "points", positions, None, topo, np.identity(4), widths=widths, ids=ids,
                         velocities=velocities)

    def camera(self, object_path: str, frame: float, fps: float) -> dict:
        """Lens and film back of a camera object at ``frame`` (millimetres), with its world matrix."""

        o = self.object(object_path)
        if o.schema_name != abc_schemas.CAMERA:
            raise AlembicError(f"object '{object_path}' is not a camera", self.path)
        time = frame / fps
        index = o.time_sampling.getNearIndex(time, o.num_samples) if o.num_samples > 1 else 0
        s = o.schema.getValue(alembic_io.select(o.schema, index))
        return {"focal_length": s.getFocalLength(), "horizontal_aperture": s.getHorizontalAperture() * 10.0,
                "vertical_aperture": s.getVerticalAperture() * 10.0, "near_clip": s.getNearClippingPlane(),
                "far_clip": s.getFarClippingPlane(), "f_stop": s.getFStop(), "focus_distance": s.getFocusDistance(),
                "world": o.world_at(time)}
