"""Alembic -> USD for the shapes: meshes (subdivision, UVs, normals, face sets), curves, points, their
widths and arbitrary parameters, and cameras.

Each writer takes the :class:`sdf.converters.alembic_usd.StageWriter` walking the archive, and asks it
which samples to author (``writer.samples``: every one in range, constant properties once) and to put
each value (``writer.put``), so a value clip's writer that keeps fewer samples writes fewer here too.
The walk (which prim each Alembic object becomes, transforms, visibility, the stage's time and
units) is :mod:`sdf.converters.alembic_usd`; lights and materials are :mod:`.alembic_usd_lights`
and :mod:`.alembic_usd_shading`.

Choices, as in :mod:`sdf.converters.alembic_usd`: meshes keep Alembic's clockwise indices with
``orientation = "leftHanded"``; camera lenses and film backs go from mm (cm) to tenths of a scene unit.
"""
from __future__ import annotations

import numpy as np

from sdf.alembic import io as alembic_io
from sdf.alembic import schemas as abc_schemas

from .options import usd_safe_name

_SCOPE = {"kVertexScope": "vertex", "kVaryingScope": "varying", "kFacevaryingScope": "faceVarying",
          "kUniformScope": "uniform", "kConstantScope": "constant"}
_SUBD_SCHEME = {"catmull-clark": "catmullClark", "catmullclark": "catmullClark", "loop": "loop",
                "bilinear": "bilinear"}
_BOUNDARY = {0: "none", 1: "edgeAndCorner", 2: "edgeOnly"}


def _vt(kind: str, a):
    from pxr import Vt
    a = np.ascontiguousarray(a)
    return {"v3f": Vt.Vec3fArray, "v2f": Vt.Vec2fArray, "int": Vt.IntArray, "float": Vt.FloatArray,
            "int64": Vt.Int64Array}[kind].FromNumpy(a)


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


def mesh(writer, schema, mesh, schema_name) -> None:
    from pxr import UsdGeom

    mesh.CreateOrientationAttr().Set(UsdGeom.Tokens.leftHanded)
    subd = schema_name == abc_schemas.SUBD
    points, counts, indices = mesh.CreatePointsAttr(), mesh.CreateFaceVertexCountsAttr(), \
        mesh.CreateFaceVertexIndicesAttr()
    extent = mesh.CreateExtentAttr()
    samples = writer.samples(schema)
    varying = subd or str(schema.getTopologyVariance()).endswith("HeterogenousTopology") or \
        str(schema.getTopologyVariance()).endswith("HeterogeneousTopology")
    topo_done = False
    for i, tc in samples:
        s = schema.getValue(alembic_io.select(schema, i))
        p = np.asarray(s.getPositions(), np.float32)
        writer.put(points, _vt("v3f", p), tc)
        if len(p):
            writer.put(extent, _extent(s, p), tc)
        if not topo_done or varying:
            fc = _vt("int", np.asarray(s.getFaceCounts(), np.int32))
            fi = _vt("int", np.asarray(s.getFaceIndices(), np.int32))
            if varying and len(samples) > 1:
                writer.put(counts, fc, tc)
                writer.put(indices, fi, tc)
            elif not topo_done:
                counts.Set(fc)
                indices.Set(fi)
            topo_done = True
        vel = s.getVelocities()
        if vel is not None and len(vel):
            writer.put(mesh.CreateVelocitiesAttr(), _vt("v3f", np.asarray(vel, np.float32)), tc)
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
    uvs(writer, schema, mesh)
    normals(writer, schema, mesh, subd)
    if not subd:
        face_sets(writer, schema, mesh)
    arb_params(writer, schema, mesh.GetPrim(), skip={"N"} if subd else set())


def uvs(writer, schema, mesh) -> None:
    from pxr import Sdf, UsdGeom

    uvp = schema.getUVsParam()
    if not uvp.valid() or uvp.getNumSamples() == 0:
        return
    pv = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, _scope(uvp))
    for i, tc in writer.samples(uvp):
        sel = alembic_io.select(uvp, i)
        if uvp.isIndexed():
            iv = uvp.getIndexedValue(sel)
            writer.put(pv, _vt("v2f", np.asarray(iv.getVals(), np.float32)), tc)
            writer.put(pv.CreateIndicesAttr(), _vt("int", np.asarray(iv.getIndices()).astype(np.int32)), tc)
        else:
            writer.put(pv, _vt("v2f", np.asarray(uvp.getExpandedValue(sel).getVals(), np.float32)), tc)


def normals(writer, schema, mesh, subd: bool) -> None:
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
        for i, tc in writer.samples(param):
            iv = param.getIndexedValue(alembic_io.select(param, i))
            writer.put(pv, _vt("v3f", np.asarray(iv.getVals(), np.float32)), tc)
            writer.put(pv.CreateIndicesAttr(), _vt("int", np.asarray(iv.getIndices()).astype(np.int32)), tc)
    else:
        attr = mesh.CreateNormalsAttr()
        mesh.SetNormalsInterpolation(_scope(param))
        for i, tc in writer.samples(param):
            vals = param.getExpandedValue(alembic_io.select(param, i)).getVals()
            writer.put(attr, _vt("v3f", np.asarray(vals, np.float32)), tc)


def face_sets(writer, schema, mesh) -> None:
    from pxr import UsdGeom, Vt

    # Imported here: the shading module reads light values, and the light writer writes its camera here.
    from .alembic_usd_shading import face_set_material

    for name in schema.getFaceSetNames():
        fs = schema.getFaceSet(name).getSchema()
        if fs.getNumSamples() == 0:
            continue
        faces = np.asarray(fs.getValue(alembic_io.select(fs, 0)).getFaces(), np.int32)
        material = face_set_material(writer, schema.getFaceSet(name))
        subset = UsdGeom.Subset.CreateGeomSubset(mesh, usd_safe_name(name), UsdGeom.Tokens.face,
                                                 Vt.IntArray.FromNumpy(faces),
                                                 "materialBind" if material else "faceSets")
        if material:  # an assignment on the face set (Maya's shading groups): bound to the subset
            from pxr import UsdShade

            UsdShade.MaterialBindingAPI.Apply(subset.GetPrim()).Bind(
                UsdShade.Material.Define(writer.stage, material))


def arb_params(writer, schema, prim, skip=()) -> None:
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
        for k, tc in writer.samples(param):
            sel = alembic_io.select(param, k)
            if param.isIndexed():
                iv = param.getIndexedValue(sel)
                writer.put(pv, _vt_any(type_name, iv.getVals()), tc)
                writer.put(pv.CreateIndicesAttr(), _vt("int", np.asarray(iv.getIndices()).astype(np.int32)), tc)
            else:
                writer.put(pv, _vt_any(type_name, param.getExpandedValue(sel).getVals()), tc)
    if skipped:
        writer.options.warn(f"{prim.GetPath()}: arbitrary parameters of types USD has no primvar for, "
                          f"not translated: {', '.join(skipped)}")


def curves(writer, schema, curves) -> None:
    from pxr import UsdGeom, Vt

    points, counts = curves.CreatePointsAttr(), curves.CreateCurveVertexCountsAttr()
    extent = curves.CreateExtentAttr()
    samples = writer.samples(schema)
    for i, tc in samples:
        s = schema.getValue(alembic_io.select(schema, i))
        p = np.asarray(s.getPositions(), np.float32)
        writer.put(points, _vt("v3f", p), tc)
        writer.put(counts, _vt("int", np.asarray(s.getCurvesNumVertices(), np.int32)), tc)
        if len(p):
            writer.put(extent, Vt.Vec3fArray([tuple(map(float, p.min(0) - 0.1)), tuple(map(float, p.max(0) + 0.1))]), tc)
        if i == samples[0][0]:
            cubic = str(s.getType()).endswith("kCubic")
            curves.CreateTypeAttr().Set(UsdGeom.Tokens.cubic if cubic else UsdGeom.Tokens.linear)
            basis = str(s.getBasis()).rsplit(".", 1)[-1]
            curves.CreateBasisAttr().Set({"kBezierBasis": "bezier", "kCatmullromBasis": "catmullRom",
                                          "kBsplineBasis": "bspline"}.get(basis, "bspline"))
            periodic = str(s.getWrap()).endswith("kPeriodic")
            curves.CreateWrapAttr().Set("periodic" if periodic else "nonperiodic")
    widths(writer, schema, curves)
    arb_params(writer, schema, curves.GetPrim())


def points(writer, schema, pts) -> None:
    points, ids, vels = pts.CreatePointsAttr(), pts.CreateIdsAttr(), pts.CreateVelocitiesAttr()
    extent = pts.CreateExtentAttr()
    for i, tc in writer.samples(schema):
        s = schema.getValue(alembic_io.select(schema, i))
        p = np.asarray(s.getPositions(), np.float32)
        writer.put(points, _vt("v3f", p), tc)
        if len(p):
            writer.put(extent, _extent(s, p), tc)
        if s.getIds() is not None and len(s.getIds()) == len(p):
            writer.put(ids, _vt("int64", np.asarray(s.getIds()).astype(np.int64)), tc)
        v = s.getVelocities()
        if v is not None and len(v) == len(p):
            writer.put(vels, _vt("v3f", np.asarray(v, np.float32)), tc)
    widths(writer, schema, pts)
    arb_params(writer, schema, pts.GetPrim())


def widths(writer, schema, gprim) -> None:
    """Curve or point widths, with their interpolation, every sample (constant ones once)."""
    wp = schema.getWidthsParam()
    if not (wp.valid() and wp.getNumSamples()):
        return
    attr = gprim.CreateWidthsAttr()
    gprim.SetWidthsInterpolation(_scope(wp))
    for i, tc in writer.samples(wp):
        values = wp.getExpandedValue(alembic_io.select(wp, i)).getVals()
        writer.put(attr, _vt("float", np.asarray(values, np.float32)), tc)


def camera(writer, schema, cam) -> None:
    from pxr import Gf, UsdGeom

    k = 0.01 / writer.mpu  # mm -> tenths of a scene unit
    attrs = {n: getattr(cam, f"Create{n}Attr")() for n in ("FocalLength", "HorizontalAperture",
                                                            "VerticalAperture", "HorizontalApertureOffset",
                                                            "VerticalApertureOffset", "ClippingRange",
                                                            "FStop", "FocusDistance")}
    cam.CreateProjectionAttr().Set(UsdGeom.Tokens.perspective)
    for i, tc in writer.samples(schema):
        s = schema.getValue(alembic_io.select(schema, i))
        writer.put(attrs["FocalLength"], float(s.getFocalLength()) * k, tc)
        writer.put(attrs["HorizontalAperture"], float(s.getHorizontalAperture()) * 10 * k, tc)
        writer.put(attrs["VerticalAperture"], float(s.getVerticalAperture()) * 10 * k, tc)
        writer.put(attrs["HorizontalApertureOffset"], float(s.getHorizontalFilmOffset()) * 10 * k, tc)
        writer.put(attrs["VerticalApertureOffset"], float(s.getVerticalFilmOffset()) * 10 * k, tc)
        writer.put(attrs["ClippingRange"], Gf.Vec2f(float(s.getNearClippingPlane()), float(s.getFarClippingPlane())), tc)
        writer.put(attrs["FStop"], float(s.getFStop()), tc)
        writer.put(attrs["FocusDistance"], float(s.getFocusDistance()), tc)
    # The shutter is not read: writers disagree on its unit (Alembic says seconds, Maya's AbcExport
    # writes 9.6 for a 144-degree shutter at 24 fps), and a wrong one would blur over hundreds of frames.
