"""Alembic -> USD.

usd-core has no Alembic plugin, so this translation is ours. Choices, stated once:

- The archive becomes one root prim named after the file (the stage's default prim), so a
  whole asset can be referenced and can carry an axis or units correction.
- Alembic stores polygons clockwise. Like USD's own Alembic plugin, meshes are authored with
  ``orientation = "leftHanded"`` and their indices untouched, so every index (and every
  face-varying UV index) survives exactly.
- Time: a sample at ``t`` seconds is authored at time code ``t * fps``; the stage's
  timeCodesPerSecond and framesPerSecond are ``fps`` (from ``--fps``, else the archive's
  uniform sampling, else 24). Objects with one sample get a default value, not a time sample.
- Cameras: Alembic gives focal length in mm and film back in cm; USD wants both in tenths
  of a scene unit, i.e. ``mm * 0.01 / metersPerUnit`` (mm when the scene is in centimetres).
- Units: Alembic has none. An archive written by USD -> Alembic states its units in its
  description (``metersPerUnit 1``); otherwise Maya's and unknown writers' archives are taken to
  be centimetres, Houdini's and Blender's metres (from the application string); ``--meters-per-unit``
  and ``--up-axis`` bake a conversion into the root prim's transform.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from sdf.alembic import io as alembic_io
from sdf.alembic import schemas as abc_schemas

from . import alembic_usd_lights as lights
from . import alembic_usd_shading as shading
from .options import ConvertError, ConvertOptions, Staging, axis_matrix, units_matrix, usd_safe_name

if TYPE_CHECKING:
    from pxr import Gf

_SCOPE = {"kVertexScope": "vertex", "kVaryingScope": "varying", "kFacevaryingScope": "faceVarying",
          "kUniformScope": "uniform", "kConstantScope": "constant"}
_SUBD_SCHEME = {"catmull-clark": "catmullClark", "catmullclark": "catmullClark", "loop": "loop",
                "bilinear": "bilinear"}
_BOUNDARY = {0: "none", 1: "edgeAndCorner", 2: "edgeOnly"}


#: How USD -> Alembic states the units it wrote in the archive's description (Alembic has no unit field).
UNITS_NOTE = "metersPerUnit"


def archive_units(archive) -> float:
    """Meters per unit stated by the archive (``metersPerUnit N`` in its description, as USD -> Alembic
    writes it), else implied by the application that wrote it."""
    import re

    from alembic3d import Abc

    try:
        info = Abc.GetArchiveInfo(archive)
        app = (info.get("appName") or info.get("userDescription") or "") if isinstance(info, dict) else str(info)
        description = str(info.get("userDescription") or "") if isinstance(info, dict) else ""
    except Exception:
        app = description = ""
    stated = re.search(UNITS_NOTE + r" ([0-9.eE+-]+)", description)
    if stated:
        try:
            value = float(stated.group(1))
            if value > 0:
                return value
        except ValueError:
            pass
    app = app.lower()
    return 1.0 if ("houdini" in app or "blender" in app) else 0.01


def archive_fps(archive) -> float | None:
    """Frames per second from the archive's time samplings, weighted by how many samples use each.

    Uniform samplings give their rate; an acyclic one (a tracked camera written frame by frame)
    gives the rate of its typical interval. Each candidate counts as many times as the most
    samples any property takes from it, so a sampling used once (Maya's one-second default, say)
    does not outvote the one every animated object uses.
    """
    weights: dict[float, int] = {}
    for i in range(1, archive.getNumTimeSamplings()):
        ts = archive.getTimeSampling(i)
        tst = ts.getTimeSamplingType()
        try:
            used = int(archive.getMaxNumSamplesForTimeSamplingIndex(i))
        except Exception:
            used = 1
        rate = None
        if tst.isUniform() and tst.getTimePerCycle() > 0:
            rate = 1.0 / tst.getTimePerCycle()
        elif tst.isAcyclic():
            times = np.asarray(ts.getStoredTimes(), dtype=np.float64)
            steps = np.diff(times)
            steps = steps[steps > 1e-9]
            if len(steps):
                rate = 1.0 / float(np.median(steps))
        if rate is not None and used > 1:
            rate = _nice_rate(rate)
            weights[rate] = weights.get(rate, 0) + used
    return max(weights, key=weights.get) if weights else None


#: Frame rates as productions name them: a measured rate this close to one is that one.
_RATES = (23.976, 24.0, 25.0, 29.97, 30.0, 47.952, 48.0, 50.0, 59.94, 60.0, 12.0, 15.0, 120.0)


def _nice_rate(rate: float) -> float:
    for r in _RATES:
        if abs(rate - r) < 1e-3 * r:
            return 24000 / 1001 if r == 23.976 else 30000 / 1001 if r == 29.97 else \
                48000 / 1001 if r == 47.952 else 60000 / 1001 if r == 59.94 else r
    return round(rate, 6)


def snap_code(tc: float) -> float:
    """A time code (seconds x fps) snapped to its frame when floating point is all that separates them:
    5.999999999999999 becomes 6.0, a real sub-frame sample (5.5, 5.25) stays where it is."""
    nearest = round(tc)
    return float(nearest) if abs(tc - nearest) <= 1e-6 * max(1.0, abs(tc)) else tc


def _vt(kind: str, a):
    from pxr import Vt
    a = np.ascontiguousarray(a)
    return {"v3f": Vt.Vec3fArray, "v2f": Vt.Vec2fArray, "int": Vt.IntArray, "float": Vt.FloatArray,
            "int64": Vt.Int64Array}[kind].FromNumpy(a)


def _matrix(m) -> "Gf.Matrix4d":
    from pxr import Gf
    return Gf.Matrix4d(*[m[i][j] for i in range(4) for j in range(4)])


def _extent(sample, p: np.ndarray):
    """The sample's extent: Alembic's stored self-bounds when present, else computed (slower)."""
    from pxr import Vt

    try:
        b = sample.getSelfBounds()
        lo, hi = b.min(), b.max()
        if lo[0] <= hi[0]:
            return Vt.Vec3fArray([(float(lo[0]), float(lo[1]), float(lo[2])), (float(hi[0]), float(hi[1]), float(hi[2]))])
    except Exception:
        pass
    return Vt.Vec3fArray([tuple(map(float, p.min(0))), tuple(map(float, p.max(0)))])


# (Alembic POD, extent, interpretation or None) -> (alembic3d geom param class, Sdf value type name)
ARB_TYPES = {
    ("kFloat32POD", 1, None): ("IFloatGeomParam", "FloatArray"),
    ("kFloat32POD", 2, None): ("IV2fGeomParam", "Float2Array"),
    ("kFloat32POD", 3, "rgb"): ("IC3fGeomParam", "Color3fArray"),
    ("kFloat32POD", 3, "normal"): ("IN3fGeomParam", "Normal3fArray"),
    ("kFloat32POD", 3, "point"): ("IP3fGeomParam", "Point3fArray"),
    ("kFloat32POD", 3, None): ("IV3fGeomParam", "Vector3fArray"),
    ("kFloat32POD", 4, "rgba"): ("IC4fGeomParam", "Color4fArray"),
    ("kFloat64POD", 1, None): ("IDoubleGeomParam", "DoubleArray"),
    ("kInt32POD", 1, None): ("IInt32GeomParam", "IntArray"),
    ("kBooleanPOD", 1, None): ("IBooleanGeomParam", "BoolArray"),
    ("kStringPOD", 1, None): ("IStringGeomParam", "StringArray"),
}


def arb_kind(arb, name: str):
    """(param class, value type) for an arbitrary parameter, or None when USD has no primvar type for it."""
    header = arb.getPropertyHeader(name)
    interp = header.getMetaData().get("interpretation") or None
    if header.isCompound():  # indexed: the type lives on the .vals child
        vals = arb.getProperty(name).getPropertyHeader(".vals")
        if vals is None:
            return None
        dt = vals.getDataType()
        interp = interp or vals.getMetaData().get("interpretation") or None
    else:
        dt = header.getDataType()
    pod, extent = str(dt.getPod()).rsplit(".", 1)[-1], int(dt.getExtent())
    return ARB_TYPES.get((pod, extent, interp)) or ARB_TYPES.get((pod, extent, None))


def _vt_any(type_name: str, values):
    """Vt array of ``type_name`` from an imath array (numeric ones through numpy)."""
    from pxr import Sdf

    vt_type = getattr(Sdf.ValueTypeNames, type_name).type.pythonClass
    if type_name in ("BoolArray", "StringArray"):
        return vt_type(list(values))
    return vt_type.FromNumpy(np.ascontiguousarray(np.asarray(values)))


def _scope(param) -> str:
    return _SCOPE.get(str(param.getScope()).rsplit(".", 1)[-1], "vertex")


class StageWriter:
    def __init__(self, stage, fps: float, mpu: float, options: ConvertOptions):
        self.stage = stage
        self.fps = fps
        self.mpu = mpu
        self.options = options
        self.codes: list[float] = []

    def samples(self, source) -> list[tuple[int, float | None]]:
        """(index, time code or None for a single default value) of the samples to author.

        A property Alembic reports constant (every sample the same: Alembic stores such
        repeats once) gets one default value instead of a time sample per frame.
        """
        n = source.getNumSamples()
        if n == 0:
            return []
        constant = getattr(source, "isConstant", None)
        if n == 1 or (constant is not None and constant()):
            return [(0, None)]
        ts = source.getTimeSampling()
        out = []
        for i in range(n):
            tc = snap_code(ts.getSampleTime(i) * self.fps)
            if self.options.in_range(tc):
                out.append((i, tc))
        out = self.keep(out)
        self.codes.extend(tc for _, tc in out)
        return out

    def keep(self, timed: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The time samples to author out of every one in range: all of them (one value clip keeps fewer)."""
        return timed

    @staticmethod
    def put(attr, value, tc) -> None:
        from pxr import Usd
        attr.Set(value, Usd.TimeCode.Default() if tc is None else tc)

    # -- objects -----------------------------------------------------------------------------
    def object(self, obj, path) -> None:
        from alembic3d import Abc, AbcGeom
        from pxr import UsdGeom

        schema_name = alembic_io.object_schema(obj)
        wrap = Abc.WrapExistingFlag.kWrapExisting
        if schema_name == abc_schemas.XFORM:
            prim = UsdGeom.Xform.Define(self.stage, path)
            self.xform(AbcGeom.IXform(obj, wrap).getSchema(), prim)
        elif schema_name in abc_schemas.MESHES:
            cls = abc_schemas.reader_class(schema_name)
            self.mesh(cls(obj, wrap).getSchema(), UsdGeom.Mesh.Define(self.stage, path), schema_name)
        elif schema_name == abc_schemas.CURVES:
            self.curves(AbcGeom.ICurves(obj, wrap).getSchema(), UsdGeom.BasisCurves.Define(self.stage, path))
        elif schema_name == abc_schemas.POINTS:
            self.points(AbcGeom.IPoints(obj, wrap).getSchema(), UsdGeom.Points.Define(self.stage, path))
        elif schema_name == abc_schemas.CAMERA:
            self.camera(AbcGeom.ICamera(obj, wrap).getSchema(), UsdGeom.Camera.Define(self.stage, path))
        elif schema_name == abc_schemas.FACESET:
            return  # written with its mesh
        elif schema_name == abc_schemas.NUPATCH:
            shading.nupatch(self, AbcGeom.INuPatch(obj, wrap).getSchema(), UsdGeom.NurbsPatch.Define(self.stage, path))
        elif schema_name == abc_schemas.LIGHT:
            lights.light(self, obj, path)
        elif schema_name == abc_schemas.MATERIAL:
            shading.material(self, obj, path)
        else:
            self.options.warn(f"skipped {obj.getFullName()}: unsupported Alembic schema "
                              f"'{schema_name or 'untyped'}' (children kept under an Xform)")
            UsdGeom.Xform.Define(self.stage, path)
        self.visibility(obj, path)
        if schema_name in abc_schemas.SOURCES:
            shading.bind(self, obj, self.stage.GetPrimAtPath(path))
        for i in range(obj.getNumChildren()):
            child = obj.getChild(i)
            if alembic_io.object_schema(child) == abc_schemas.FACESET:
                continue
            self.object(child, f"{path}/{usd_safe_name(child.getName())}")

    def visibility(self, obj, path) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        try:
            prop = AbcGeom.GetVisibilityProperty(obj)
        except Exception:
            return
        if not prop.valid() or prop.getNumSamples() == 0:
            return
        img = UsdGeom.Imageable(self.stage.GetPrimAtPath(path))
        if not img:
            return
        attr = img.CreateVisibilityAttr()
        for i, tc in self.samples(prop):
            hidden = int(prop.getValue(alembic_io.select(prop, i))) == 0
            self.put(attr, UsdGeom.Tokens.invisible if hidden else UsdGeom.Tokens.inherited, tc)

    def xform(self, schema, prim) -> None:
        samples = self.samples(schema)
        if not samples:
            return
        op = prim.MakeMatrixXform()
        for i, tc in samples:
            s = schema.getValue(alembic_io.select(schema, i))
            self.put(op, _matrix(s.getMatrix()), tc)
            if not s.getInheritsXforms():
                prim.SetResetXformStack(True)

    def mesh(self, schema, mesh, schema_name) -> None:
        from pxr import UsdGeom

        mesh.CreateOrientationAttr().Set(UsdGeom.Tokens.leftHanded)
        subd = schema_name == abc_schemas.SUBD
        points, counts, indices = mesh.CreatePointsAttr(), mesh.CreateFaceVertexCountsAttr(), \
            mesh.CreateFaceVertexIndicesAttr()
        extent = mesh.CreateExtentAttr()
        samples = self.samples(schema)
        varying = subd or str(schema.getTopologyVariance()).endswith("HeterogenousTopology") or \
            str(schema.getTopologyVariance()).endswith("HeterogeneousTopology")
        topo_done = False
        for i, tc in samples:
            s = schema.getValue(alembic_io.select(schema, i))
            p = np.asarray(s.getPositions(), np.float32)
            self.put(points, _vt("v3f", p), tc)
            if len(p):
                self.put(extent, _extent(s, p), tc)
            if not topo_done or varying:
                fc = _vt("int", np.asarray(s.getFaceCounts(), np.int32))
                fi = _vt("int", np.asarray(s.getFaceIndices(), np.int32))
                if varying and len(samples) > 1:
                    self.put(counts, fc, tc)
                    self.put(indices, fi, tc)
                elif not topo_done:
                    counts.Set(fc)
                    indices.Set(fi)
                topo_done = True
            vel = s.getVelocities()
            if vel is not None and len(vel):
                self.put(mesh.CreateVelocitiesAttr(), _vt("v3f", np.asarray(vel, np.float32)), tc)
        if subd:
            s = schema.getValue(alembic_io.select(schema, 0)) if schema.getNumSamples() else None
            if s is not None:
                mesh.CreateSubdivisionSchemeAttr().Set(_SUBD_SCHEME.get(s.getSubdivisionScheme().lower(),
                                                                        "catmullClark"))
                for getter, creator, kind in (("getCreaseIndices", mesh.CreateCreaseIndicesAttr, "int"),
                                              ("getCreaseLengths", mesh.CreateCreaseLengthsAttr, "int"),
                                              ("getCreaseSharpnesses", mesh.CreateCreaseSharpnessesAttr, "float"),
                                              ("getCornerIndices", mesh.CreateCornerIndicesAttr, "int"),
                                              ("getCornerSharpnesses", mesh.CreateCornerSharpnessesAttr, "float"),
                                              ("getHoles", mesh.CreateHoleIndicesAttr, "int")):
                    v = getattr(s, getter)()
                    if v is not None and len(v):
                        creator().Set(_vt(kind, np.asarray(v, np.float32 if kind == "float" else np.int32)))
                b = s.getInterpolateBoundary()
                if b in _BOUNDARY:
                    mesh.CreateInterpolateBoundaryAttr().Set(_BOUNDARY[b])
        else:
            mesh.CreateSubdivisionSchemeAttr().Set(UsdGeom.Tokens.none)
        # UVs as primvars:st, normals as normals (or an indexed primvars:normals).
        self.uvs(schema, mesh)
        self.normals(schema, mesh, subd)
        if not subd:
            self.face_sets(schema, mesh)
        self.arb_params(schema, mesh.GetPrim(), skip={"N"} if subd else set())

    def uvs(self, schema, mesh) -> None:
        from pxr import Sdf, UsdGeom

        uvp = schema.getUVsParam()
        if not uvp.valid() or uvp.getNumSamples() == 0:
            return
        pv = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, _scope(uvp))
        for i, tc in self.samples(uvp):
            sel = alembic_io.select(uvp, i)
            if uvp.isIndexed():
                iv = uvp.getIndexedValue(sel)
                self.put(pv, _vt("v2f", np.asarray(iv.getVals(), np.float32)), tc)
                self.put(pv.CreateIndicesAttr(), _vt("int", np.asarray(iv.getIndices()).astype(np.int32)), tc)
            else:
                self.put(pv, _vt("v2f", np.asarray(uvp.getExpandedValue(sel).getVals(), np.float32)), tc)

    def normals(self, schema, mesh, subd: bool) -> None:
        from pxr import Sdf, UsdGeom

        if subd:
            arb = schema.getArbGeomParams()
            if not (arb.valid() and arb.getPropertyHeader("N") is not None):
                return
            from alembic3d import AbcGeom
            param = AbcGeom.IN3fGeomParam(arb, "N")
        else:
            param = schema.getNormalsParam()
            if not param.valid():
                return
        if param.getNumSamples() == 0:
            return
        if param.isIndexed():
            pv = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("normals", Sdf.ValueTypeNames.Normal3fArray, _scope(param))
            for i, tc in self.samples(param):
                iv = param.getIndexedValue(alembic_io.select(param, i))
                self.put(pv, _vt("v3f", np.asarray(iv.getVals(), np.float32)), tc)
                self.put(pv.CreateIndicesAttr(), _vt("int", np.asarray(iv.getIndices()).astype(np.int32)), tc)
        else:
            attr = mesh.CreateNormalsAttr()
            mesh.SetNormalsInterpolation(_scope(param))
            for i, tc in self.samples(param):
                vals = param.getExpandedValue(alembic_io.select(param, i)).getVals()
                self.put(attr, _vt("v3f", np.asarray(vals, np.float32)), tc)

    def face_sets(self, schema, mesh) -> None:
        from pxr import UsdGeom, Vt

        for name in schema.getFaceSetNames():
            fs = schema.getFaceSet(name).getSchema()
            if fs.getNumSamples() == 0:
                continue
            faces = np.asarray(fs.getValue(alembic_io.select(fs, 0)).getFaces(), np.int32)
            material = shading.face_set_material(self, schema.getFaceSet(name))
            subset = UsdGeom.Subset.CreateGeomSubset(mesh, usd_safe_name(name), UsdGeom.Tokens.face,
                                                     Vt.IntArray.FromNumpy(faces),
                                                     "materialBind" if material else "faceSets")
            if material:  # an assignment on the face set (Maya's shading groups): bound to the subset
                from pxr import UsdShade

                UsdShade.MaterialBindingAPI.Apply(subset.GetPrim()).Bind(
                    UsdShade.Material.Define(self.stage, material))

    def arb_params(self, schema, prim, skip=()) -> None:
        """Arbitrary geometry parameters (Maya colour sets, Houdini attributes) as primvars.

        Types USD has a primvar for are translated with their interpolation and indices;
        anything else is named in a warning, never dropped silently.
        """
        from alembic3d import AbcGeom
        from pxr import Sdf, UsdGeom

        arb = schema.getArbGeomParams()
        if not arb.valid():
            return
        api = UsdGeom.PrimvarsAPI(prim)
        skipped = []
        for i in range(arb.getNumProperties()):
            name = arb.getPropertyHeader(i).getName()
            if name in skip:
                continue
            kind = arb_kind(arb, name)
            if kind is None:
                skipped.append(name)
                continue
            cls_name, type_name = kind
            param = getattr(AbcGeom, cls_name)(arb, name)
            if not param.valid() or param.getNumSamples() == 0:
                continue
            pv = api.CreatePrimvar(usd_safe_name(name), getattr(Sdf.ValueTypeNames, type_name), _scope(param))
            for k, tc in self.samples(param):
                sel = alembic_io.select(param, k)
                if param.isIndexed():
                    iv = param.getIndexedValue(sel)
                    self.put(pv, _vt_any(type_name, iv.getVals()), tc)
                    self.put(pv.CreateIndicesAttr(), _vt("int", np.asarray(iv.getIndices()).astype(np.int32)), tc)
                else:
                    self.put(pv, _vt_any(type_name, param.getExpandedValue(sel).getVals()), tc)
        if skipped:
            self.options.warn(f"{prim.GetPath()}: arbitrary parameters of types USD has no primvar for, "
                              f"not translated: {', '.join(skipped)}")

    def curves(self, schema, curves) -> None:
        from pxr import UsdGeom, Vt

        points, counts = curves.CreatePointsAttr(), curves.CreateCurveVertexCountsAttr()
        extent = curves.CreateExtentAttr()
        samples = self.samples(schema)
        for i, tc in samples:
            s = schema.getValue(alembic_io.select(schema, i))
            p = np.asarray(s.getPositions(), np.float32)
            self.put(points, _vt("v3f", p), tc)
            self.put(counts, _vt("int", np.asarray(s.getCurvesNumVertices(), np.int32)), tc)
            if len(p):
                self.put(extent, Vt.Vec3fArray([tuple(map(float, p.min(0) - 0.1)), tuple(map(float, p.max(0) + 0.1))]), tc)
            if i == samples[0][0]:
                cubic = str(s.getType()).endswith("kCubic")
                curves.CreateTypeAttr().Set(UsdGeom.Tokens.cubic if cubic else UsdGeom.Tokens.linear)
                basis = str(s.getBasis()).rsplit(".", 1)[-1]
                curves.CreateBasisAttr().Set({"kBezierBasis": "bezier", "kCatmullromBasis": "catmullRom",
                                              "kBsplineBasis": "bspline"}.get(basis, "bspline"))
                periodic = str(s.getWrap()).endswith("kPeriodic")
                curves.CreateWrapAttr().Set("periodic" if periodic else "nonperiodic")
        self.widths(schema, curves)
        self.arb_params(schema, curves.GetPrim())

    def points(self, schema, pts) -> None:
        points, ids, vels = pts.CreatePointsAttr(), pts.CreateIdsAttr(), pts.CreateVelocitiesAttr()
        extent = pts.CreateExtentAttr()
        for i, tc in self.samples(schema):
            s = schema.getValue(alembic_io.select(schema, i))
            p = np.asarray(s.getPositions(), np.float32)
            self.put(points, _vt("v3f", p), tc)
            if len(p):
                self.put(extent, _extent(s, p), tc)
            if s.getIds() is not None and len(s.getIds()) == len(p):
                self.put(ids, _vt("int64", np.asarray(s.getIds()).astype(np.int64)), tc)
            v = s.getVelocities()
            if v is not None and len(v) == len(p):
                self.put(vels, _vt("v3f", np.asarray(v, np.float32)), tc)
        self.widths(schema, pts)
        self.arb_params(schema, pts.GetPrim())

    def widths(self, schema, gprim) -> None:
        """Curve or point widths, with their interpolation, every sample (constant ones once)."""
        wp = schema.getWidthsParam()
        if not (wp.valid() and wp.getNumSamples()):
            return
        attr = gprim.CreateWidthsAttr()
        gprim.SetWidthsInterpolation(_scope(wp))
        for i, tc in self.samples(wp):
            values = wp.getExpandedValue(alembic_io.select(wp, i)).getVals()
            self.put(attr, _vt("float", np.asarray(values, np.float32)), tc)

    def camera(self, schema, cam) -> None:
        from pxr import Gf, UsdGeom

        k = 0.01 / self.mpu  # mm -> tenths of a scene unit
        attrs = {n: getattr(cam, f"Create{n}Attr")() for n in ("FocalLength", "HorizontalAperture",
                                                                "VerticalAperture", "HorizontalApertureOffset",
                                                                "VerticalApertureOffset", "ClippingRange",
                                                                "FStop", "FocusDistance")}
        cam.CreateProjectionAttr().Set(UsdGeom.Tokens.perspective)
        for i, tc in self.samples(schema):
            s = schema.getValue(alembic_io.select(schema, i))
            self.put(attrs["FocalLength"], float(s.getFocalLength()) * k, tc)
            self.put(attrs["HorizontalAperture"], float(s.getHorizontalAperture()) * 10 * k, tc)
            self.put(attrs["VerticalAperture"], float(s.getVerticalAperture()) * 10 * k, tc)
            self.put(attrs["HorizontalApertureOffset"], float(s.getHorizontalFilmOffset()) * 10 * k, tc)
            self.put(attrs["VerticalApertureOffset"], float(s.getVerticalFilmOffset()) * 10 * k, tc)
            self.put(attrs["ClippingRange"], Gf.Vec2f(float(s.getNearClippingPlane()), float(s.getFarClippingPlane())), tc)
            self.put(attrs["FStop"], float(s.getFStop()), tc)
            self.put(attrs["FocusDistance"], float(s.getFocusDistance()), tc)
        # The shutter is not read: writers disagree on its unit (Alembic says seconds, Maya's AbcExport
        # writes 9.6 for a 144-degree shutter at 24 fps), and a wrong one would blur over hundreds of frames.


def write_stage_from_alembic(src: str, usd_path: str, options: ConvertOptions, root_name: str | None = None,
                             writer_class=StageWriter) -> dict:
    """Translate ``src`` into a new stage saved at ``usd_path`` (no staging: the caller stages)."""
    from pxr import Sdf, Usd, UsdGeom

    archive = alembic_io.open_archive(src, cached=False)
    fps = options.fps or archive_fps(archive) or 24.0
    source_mpu = archive_units(archive)
    mpu = options.meters_per_unit or source_mpu
    up = options.up_axis or "Y"
    layer = Sdf.Layer.CreateNew(usd_path)
    stage = Usd.Stage.Open(layer)
    root = "/" + usd_safe_name(root_name or os.path.splitext(os.path.basename(src))[0])
    root_prim = UsdGeom.Xform.Define(stage, root)
    stage.SetDefaultPrim(root_prim.GetPrim())
    correction = axis_matrix("Y", up) @ units_matrix(source_mpu, mpu)
    if not np.allclose(correction, np.identity(4)):
        root_prim.MakeMatrixXform().Set(_matrix(correction))
    writer = writer_class(stage, fps, mpu, options)
    writer.root = root
    top = archive.getTop()
    n = top.getNumChildren()
    for i in range(n):
        child = top.getChild(i)
        writer.object(child, f"{root}/{usd_safe_name(child.getName())}")
        options.tick(os.path.basename(src), i + 1, n)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z if up == "Z" else UsdGeom.Tokens.y)
    UsdGeom.SetStageMetersPerUnit(stage, mpu)
    stage.SetTimeCodesPerSecond(fps)
    stage.SetFramesPerSecond(fps)
    if writer.codes:
        stage.SetStartTimeCode(min(writer.codes))
        stage.SetEndTimeCode(max(writer.codes))
    layer.customLayerData = {"sdf:source": os.path.abspath(src),
                             "sdf:sourceIdentity": alembic_io.identity_text(src)}
    layer.Save()
    return {"fps": fps, "meters_per_unit": mpu, "up_axis": up, "root": root, "time_codes": len(set(writer.codes)),
            "warnings": list(options.warnings)}


def alembic_to_usd(src: str, dst: str, options: ConvertOptions) -> dict:
    """One USD layer, or value clips (``usd_clips``) when asked for or when the cache is too large for one."""
    if not os.path.exists(src):
        raise ConvertError("input not found", src)
    from .usd_clips import alembic_to_usd_clips, frames_per_clip

    per_clip = frames_per_clip(src, options)
    if per_clip:
        return alembic_to_usd_clips(src, dst, options, per_clip)
    return alembic_to_one_layer(src, dst, options)


def alembic_to_one_layer(src: str, dst: str, options: ConvertOptions) -> dict:
    with Staging(dst, options.force) as staging:
        staging.check_targets([dst])
        info = write_stage_from_alembic(src, staging.path(dst), options)
        staging.commit()
    return dict(info, output=dst)
