"""USD -> Alembic for what is not a plain gprim: instances, PointInstancers and implicit shapes
(and the mesh's UV and normal samples, face-varying values in Alembic's corner order).

Mixed into the converter (:mod:`usd_alembic`), which owns the hierarchy walk: instanceable prims
and PointInstancer instances become Alembic instances of one written copy, copies, or (for
PointInstancers) points with their instance attributes (``--instances``); implicit Cube,
Sphere, Cylinder, Cone and Capsule prims become polygon meshes.
"""
from __future__ import annotations

import numpy as np

from sdf.alembic.write import float_array, int_array, m44d, put, uint_array, v2f, v3f

IMPLICIT = ("Cube", "Sphere", "Cylinder", "Cone", "Capsule")


def corner_reversal(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, np.int64)
    face = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(int(counts.sum())) - starts[face]
    return np.where(k == 0, starts[face], starts[face] + counts[face] - k)


def as_array(value, dtype=None):
    if value is None:
        return None
    a = np.asarray(value)
    return a.astype(dtype) if dtype is not None else a


class InstancingMixin:
    def _instance(self, prim, xf, key: str, children=None) -> int:
        """The children of an instance: written for the first instance of ``key`` (a prototype), Alembic
        instances of those (``addChildInstance``) for every later one, which the readers resolve."""
        children = list(self._children(prim)) if children is None else children
        done = self._written.get(key)
        if done is not None:
            for name, target in done.items():
                xf.addChildInstance(target, name)
            return 0
        outer, self._capture = self._capture, (xf, {})
        try:
            n = sum(self.prim(c, xf, False) for c in children)
            self._written[key] = self._capture[1]
        finally:
            self._capture = outer
        return n

    def _made(self, parent, name: str, obj) -> None:
        """Note an object written directly below the instance being captured (see ``_instance``)."""
        if self._capture is not None and self._capture[0] is parent:
            self._capture[1][name] = obj

    def point_instancer(self, prim, oxf) -> int:
        """Each instance as an Xform (its instance transform, animated if it is) holding an expanded copy
        of its prototype; the prototypes themselves are written only through their instances."""
        from alembic3d import AbcGeom
        from pxr import Usd, UsdGeom

        pi = UsdGeom.PointInstancer(prim)
        protos = [self.stage.GetPrimAtPath(t) for t in pi.GetPrototypesRel().GetTargets()]
        attrs = [pi.GetPositionsAttr(), pi.GetOrientationsAttr(), pi.GetScalesAttr(), pi.GetProtoIndicesAttr()]
        times = self.times_for(*attrs)
        first = times[0]
        indices = list(pi.GetProtoIndicesAttr().Get(first) or [])
        per_time = []
        for tc in times:
            code = tc if isinstance(tc, Usd.TimeCode) else Usd.TimeCode(tc)
            per_time.append(pi.ComputeInstanceTransformsAtTime(code, code))
        count = 0
        for i, proto_index in enumerate(indices):
            if not 0 <= proto_index < len(protos) or not protos[proto_index]:
                self.options.warn(f"{prim.GetPath()}: instance {i} names no prototype ({proto_index})")
                continue
            ixf = AbcGeom.OXform(oxf, f"instance_{i}", self.ts)
            schema = ixf.getSchema()
            for mats in per_time:
                s = AbcGeom.XformSample()
                s.setMatrix(m44d(np.array(mats[i], dtype=np.float64).reshape(4, 4) if i < len(mats)
                                 else np.identity(4)))
                put(schema, s)
            proto = protos[proto_index]
            if self.options.instances == "expand":
                count += 1 + self.prototype(lambda: self.prim(proto, ixf, False))
            else:  # one written copy per prototype, Alembic instances of it everywhere else
                key = f"{prim.GetPath()}:{proto.GetPath()}"
                count += 1 + self.prototype(lambda: self._instance(proto, ixf, key, [proto]))
        if indices:
            self.geometry += 1
        return count

    def instancer_points(self, prim, oxf) -> int:
        """A PointInstancer as points (``--instances points``): a point per instance with its id,
        ``orientation`` (4 floats: w x y z, USD's real part first), ``scale`` and ``protoIndex`` as
        geometry parameters, over time; the prototypes are written once, under ``prototypes``."""
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        GS = AbcGeom.GeometryScope
        pi = UsdGeom.PointInstancer(prim)
        attrs = [pi.GetPositionsAttr(), pi.GetOrientationsAttr(), pi.GetScalesAttr(), pi.GetProtoIndicesAttr(),
                 pi.GetIdsAttr()]
        pts = AbcGeom.OPoints(oxf, "points", self.ts)
        schema = pts.getSchema()
        arb = schema.getArbGeomParams()
        orient = AbcGeom.OFloatGeomParam(arb, "orientation", False, GS.kVaryingScope, 4, self.ts)
        scale = AbcGeom.OV3fGeomParam(arb, "scale", False, GS.kVaryingScope, 1, self.ts)
        index = AbcGeom.OInt32GeomParam(arb, "protoIndex", False, GS.kVaryingScope, 1, self.ts)
        for tc in self.times_for(*attrs):
            positions = as_array(pi.GetPositionsAttr().Get(tc), np.float32)
            positions = np.zeros((0, 3), np.float32) if positions is None else positions.reshape(-1, 3)
            n = len(positions)
            ids = as_array(pi.GetIdsAttr().Get(tc), np.int64)
            ids = np.arange(n, dtype=np.int64) if ids is None or len(ids) != n else ids
            quats = pi.GetOrientationsAttr().Get(tc)
            q = np.array([[x.GetReal(), *x.GetImaginary()] for x in quats], np.float32) \
                if quats is not None and len(quats) == n else np.tile(np.array([1, 0, 0, 0], np.float32), (n, 1))
            scales = as_array(pi.GetScalesAttr().Get(tc), np.float32)
            scales = scales.reshape(-1, 3) if scales is not None and len(scales) == n else np.ones((n, 3), np.float32)
            protos = as_array(pi.GetProtoIndicesAttr().Get(tc), np.int32)
            protos = protos if protos is not None and len(protos) == n else np.zeros(n, np.int32)
            sample = AbcGeom.OPointsSchemaSample(v3f(positions))
            sample.setIds(int_array(ids.astype(np.int32)))  # stored as uint64; the binding takes int32 arrays
            put(schema, sample)
            put(orient, AbcGeom.OFloatGeomParamSample(float_array(q.reshape(-1)), GS.kVaryingScope))
            put(scale, AbcGeom.OV3fGeomParamSample(v3f(scales), GS.kVaryingScope))
            put(index, AbcGeom.OInt32GeomParamSample(int_array(protos), GS.kVaryingScope))
        holder = AbcGeom.OXform(oxf, "prototypes", self.ts)
        identity = AbcGeom.XformSample()
        identity.setMatrix(m44d(np.identity(4)))
        put(holder.getSchema(), identity)
        count = 2
        for target in pi.GetPrototypesRel().GetTargets():
            proto = self.stage.GetPrimAtPath(target)
            if proto:
                count += self.prototype(lambda: self.prim(proto, holder, False))
        self.geometry += 1
        return count


class ImplicitMixin:
    def implicit(self, prim, oxf, type_name: str) -> None:
        """A Cube, Sphere, Cylinder, Cone or Capsule as a polygon mesh (its size animated if it is)."""
        from alembic3d import AbcGeom

        attrs = [prim.GetAttribute(n) for n in ("size", "radius", "height", "axis")]
        shape = AbcGeom.OPolyMesh(oxf, prim.GetName() + "Shape", self.ts)
        schema = shape.getSchema()
        for tc in self.times_for(*[a for a in attrs if a]):
            def get(name, default):
                a = prim.GetAttribute(name)
                v = a.Get(tc) if a else None
                return default if v is None else v
            points, counts, indices = tessellate(type_name, float(get("size", 2.0)), float(get("radius", 1.0)),
                                                 float(get("height", 2.0)), str(get("axis", "Z")))
            order = corner_reversal(counts)  # tessellated counter-clockwise; Alembic is clockwise
            put(schema, AbcGeom.OPolyMeshSchemaSample(v3f(points), int_array(indices[order]), int_array(counts)))


def tessellate(kind: str, size: float, radius: float, height: float, axis: str, segments: int = 24,
               rings: int = 12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, face counts and counter-clockwise face indices of an implicit USD shape (its own axis)."""
    if kind == "Cube":
        h = size / 2.0
        pts = np.array([(x, y, z) for x in (-h, h) for y in (-h, h) for z in (-h, h)], np.float32)
        faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
        return pts, np.full(6, 4, np.int32), np.array(faces, np.int32).reshape(-1)
    angles = np.linspace(0.0, 2.0 * np.pi, segments, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    if kind in ("Sphere", "Capsule"):
        half = 0.0 if kind == "Sphere" else height / 2.0
        lat = np.linspace(-np.pi / 2, np.pi / 2, rings + 1)[1:-1]
        rows = []
        for a in lat:  # a capsule is a sphere split at its equator and pulled apart by its height
            z = radius * np.sin(a) + (half if a > 0 else -half if a < 0 else 0.0)
            rows.append(np.column_stack([radius * np.cos(a) * ring, np.full(segments, z)]))
        body = np.concatenate(rows)
        pts = np.concatenate([body, [(0, 0, -radius - half), (0, 0, radius + half)]]).astype(np.float32)
        bottom, top = len(body), len(body) + 1
        counts, idx = [], []
        for r in range(len(lat) - 1):
            for s in range(segments):
                a, b = r * segments + s, r * segments + (s + 1) % segments
                counts.append(4)
                idx += [a, b, b + segments, a + segments]
        for s in range(segments):
            counts += [3, 3]
            idx += [bottom, (s + 1) % segments, s]
            last = (len(lat) - 1) * segments
            idx += [top, last + s, last + (s + 1) % segments]
    else:  # Cylinder, Cone: side, and caps
        top_r = radius if kind == "Cylinder" else 0.0
        lo = np.column_stack([radius * ring, np.full(segments, -height / 2.0)])
        hi = np.column_stack([top_r * ring, np.full(segments, height / 2.0)])
        pts = np.concatenate([lo, hi, [(0, 0, -height / 2.0), (0, 0, height / 2.0)]]).astype(np.float32)
        counts, idx = [], []
        for s in range(segments):
            a, b = s, (s + 1) % segments
            counts.append(4)
            idx += [a, b, b + segments, a + segments]
            counts += [3, 3]
            idx += [2 * segments, b, a]
            idx += [2 * segments + 1, a + segments, b + segments]
    pts = np.asarray(pts, np.float32)
    if axis == "X":
        pts = pts[:, [2, 0, 1]]
    elif axis == "Y":
        pts = pts[:, [1, 2, 0]]
    return pts, np.asarray(counts, np.int32), np.asarray(idx, np.int32)


def geom_param(pv, tc, order, kind):
    """A UV or normal primvar's sample as an Alembic geometry parameter sample, face-varying values
    (or indices) in the reversed corner order."""
    from alembic3d import AbcGeom

    GS = AbcGeom.GeometryScope
    interp = pv.GetInterpolation()
    values = pv.Get(tc)
    if values is None:
        return None
    values = np.asarray(values, np.float32)
    indices = pv.GetIndices(tc) if pv.IsIndexed() else None
    scope = {"faceVarying": GS.kFacevaryingScope, "vertex": GS.kVertexScope, "varying": GS.kVaryingScope,
             "uniform": GS.kUniformScope, "constant": GS.kConstantScope}.get(interp, GS.kVertexScope)
    conv, sample_cls = (v2f, AbcGeom.OV2fGeomParamSample) if kind == "v2f" else (v3f, AbcGeom.ON3fGeomParamSample)
    if interp == "faceVarying":
        if indices is not None:
            return sample_cls(conv(values), uint_array(np.asarray(indices)[order]), scope)
        return sample_cls(conv(values[order]), scope)
    if indices is not None:
        return sample_cls(conv(values), uint_array(np.asarray(indices)), scope)
    return sample_cls(conv(values), scope)


def normals_sample(mesh, tc, order):
    """The ``normals`` attribute's sample as an Alembic normals sample (face-varying ones reversed)."""
    from alembic3d import AbcGeom

    GS = AbcGeom.GeometryScope
    values = np.asarray(mesh.GetNormalsAttr().Get(tc), np.float32)
    interp = mesh.GetNormalsInterpolation()
    if interp == "faceVarying":
        return AbcGeom.ON3fGeomParamSample(v3f(values[order]), GS.kFacevaryingScope)
    return AbcGeom.ON3fGeomParamSample(v3f(values), GS.kVertexScope if interp == "vertex" else GS.kVaryingScope)
