"""USD -> Alembic.

Alembic's conventions: Y-up, polygons clockwise, shapes carry no transform. So:

- each Xformable prim becomes an Alembic Xform with its local matrix per time sample; a gprim
  (Mesh, BasisCurves, Points) or Camera becomes an Xform of its name holding a shape named
  ``<name>Shape``, as Maya writes them;
- a right-handed USD mesh (USD's default) has each polygon's corners reversed (and its
  face-varying UVs and normals with them); a left-handed one is kept as is;
- a Z-up stage is turned Y-up, and ``--meters-per-unit`` rescales, by baking one correction
  matrix into the top-level transforms (the hierarchy is kept). Without it, units are kept:
  Blender's metres stay metres, as Blender's own Alembic export does;
- cameras and UsdLux lights are written by :mod:`usd_alembic_lights` (lens and film back from
  USD's tenths of a scene unit to millimetres and centimetres; a light's type and inputs as the
  Alembic light's user properties);
- geometry of the ``render`` purpose is written beside the ``default`` one (``--purpose``); what
  is left out is named in a warning, never dropped without a word.

Skinned and blend-shape animation (UsdSkel; Blender writes shape keys that way) is baked to
point samples first, in the stage's session layer. Prims of other types (materials, volumes,
skeletons...) are skipped with a warning naming each.
"""
from __future__ import annotations

import os

import numpy as np

from sdf.alembic.write import (bool_array, color_array, double_array, float_array, frame_sampling, int_array, m44d,
                               put, string_array, uint_array, v2f, v3f, write_archive)

from .usd_alembic_lights import CameraLightMixin
from .usd_alembic_shapes import (IMPLICIT, ImplicitMixin, InstancingMixin, as_array, corner_reversal,  # noqa: F401
                                 geom_param, normals_sample, tessellate)
from .options import ConvertError, ConvertOptions, Staging, axis_matrix, units_matrix

GPRIMS = ("Mesh", "BasisCurves", "Points")
#: Implicit surfaces, written as polygon meshes (tessellated here: Alembic has no implicit shapes).

# USD primvar type -> (alembic3d geom param class prefix, converter to an imath array)
PRIMVAR_TYPES = {
    "float[]": ("Float", float_array), "double[]": ("Double", double_array), "int[]": ("Int32", int_array),
    "bool[]": ("Boolean", bool_array), "string[]": ("String", string_array),
    "float2[]": ("V2f", v2f), "texCoord2f[]": ("V2f", v2f),
    "float3[]": ("V3f", v3f), "vector3f[]": ("V3f", v3f), "normal3f[]": ("N3f", v3f), "point3f[]": ("P3f", v3f),
    "color3f[]": ("C3f", color_array), "color4f[]": ("C4f", color_array),
}
# UsdSkel prims whose effect is baked into the meshes' points before conversion.
SKEL_TYPES = {"Skeleton", "SkelAnimation", "BlendShape"}
# Primvars the shape schemas carry themselves, or that belong to other systems.
CONSUMED = {"st", "normals", "widths", "displayColor", "displayOpacity"}


def open_stage(src: str, options: ConvertOptions | None = None):
    """Open a stage; skinning and blend shapes (Blender's shape keys) are baked to point samples.

    The bake is authored in the stage's session layer, so the source files are never touched.
    Skeletons that cannot be baked (instanced ones, for example) are named in a warning.
    """
    from pxr import Tf, Usd

    from .usd_input import check_crate, reason

    if not os.path.exists(src):
        raise ConvertError("input not found", src)
    crate = check_crate(src)
    try:
        stage = Usd.Stage.Open(src)
    except Tf.ErrorException as exc:
        what = "corrupt USD crate file: " if crate else ""
        raise ConvertError(f"cannot be read: {what}{reason(str(exc), src)}", src) from None
    if stage is None:
        raise ConvertError("cannot be read as a USD stage", src)
    if options is not None:  # a reference that cannot be opened loses what it holds: say so
        errors = [str(e).strip() for e in stage.GetCompositionErrors()]
        for text in errors[:5]:
            options.warn(f"composition: {text}")
        if len(errors) > 5:
            options.warn(f"composition: {len(errors) - 5} more errors")
    _bake_skinning(stage, options)
    return stage


def _bake_skinning(stage, options: ConvertOptions | None) -> None:
    from pxr import Gf, Usd, UsdSkel

    roots = [p for p in stage.Traverse(Usd.TraverseInstanceProxies()) if p.IsA(UsdSkel.Root)]
    if not roots:
        return
    stage.SetEditTarget(Usd.EditTarget(stage.GetSessionLayer()))
    frames = options.frames if options is not None else None
    interval = Gf.Interval(frames[0], frames[1]) if frames else Gf.Interval.GetFullInterval()
    try:
        baked = UsdSkel.BakeSkinning(stage.Traverse(), interval)
    except Exception:  # a malformed skeleton must not stop the rest of the conversion
        baked = False
    if baked and options is not None:
        options.skel_baked = True
    if not baked and options is not None:
        options.warn("skinning or blend shapes could not be baked for some of: " +
                     ", ".join(str(r.GetPath()) for r in roots) + " (instanced skeletons cannot be); "
                     "those meshes are written at their rest points")


class Converter(InstancingMixin, ImplicitMixin, CameraLightMixin):
    def __init__(self, stage, options: ConvertOptions):
        from pxr import UsdGeom

        self.stage = stage
        self.options = options
        self.fps = options.fps or stage.GetTimeCodesPerSecond() or 24.0
        self.up = UsdGeom.GetStageUpAxis(stage)
        self.mpu = UsdGeom.GetStageMetersPerUnit(stage)
        self.target_mpu = options.meters_per_unit or self.mpu
        self.correction = axis_matrix(self.up, options.up_axis or "Y") @ units_matrix(self.mpu, self.target_mpu)
        self.scale = self.mpu / self.target_mpu
        self.codes = self._time_codes()

    def _time_codes(self) -> list[float]:
        from pxr import Usd

        codes = set()
        # Prototypes kept below an ``over`` or a ``class`` are written (see ``_children``): their samples count.
        for prim in self.stage.Traverse(Usd.TraverseInstanceProxies(
                Usd.PrimIsActive & Usd.PrimIsLoaded & Usd.PrimHasDefiningSpecifier)):
            for attr in prim.GetAttributes():
                for t in attr.GetTimeSamples():
                    if self.options.in_range(t):
                        codes.add(float(t))
        if self.options.every_frame and codes:
            # Every whole frame from the first code to the last (the stage's range when it states one);
            # USD interpolates between the stage's own samples.
            first, last = min(codes), max(codes)
            if self.stage.HasAuthoredTimeCodeRange():
                first, last = self.stage.GetStartTimeCode(), self.stage.GetEndTimeCode()
            codes = {float(f) for f in range(int(np.ceil(first)), int(np.floor(last)) + 1) if self.options.in_range(f)}
        return sorted(codes)

    def animated(self, attr) -> bool:
        return bool(attr) and attr.GetNumTimeSamples() > 1

    def times_for(self, *attrs) -> list:
        """Time codes to sample: every code when any attribute is animated, else just the default."""
        from pxr import Usd
        if any(self.animated(a) for a in attrs if a) and self.codes:
            return self.codes
        return [Usd.TimeCode.EarliestTime() if any(a and a.GetNumTimeSamples() for a in attrs) else
                Usd.TimeCode.Default()]

    # -- hierarchy -----------------------------------------------------------------------------
    def run(self, archive) -> int:
        self.ts = self._sampling(archive)
        self._written: dict = {}  # prototype path -> {child name: the OObject written for the first instance}
        self._capture = None      # (parent OObject, {name: OObject}) while an instance's first copy is written
        count = 0
        self.geometry = self.cameras = self.lights = 0
        self.left_out: dict[str, set[str]] = {}  # purpose -> paths of the subtrees not written for it
        roots = list(self._children(self.stage.GetPseudoRoot()))
        try:
            for i, prim in enumerate(roots):
                count += self.prim(prim, archive.getTop(), top=True)
                self.options.tick(os.path.basename(self.stage.GetRootLayer().identifier), i + 1, len(roots))
        finally:
            self._written.clear()  # the archive is finished only once no object of it is referenced
        for purpose, paths in sorted(self.left_out.items()):
            shown = sorted(paths)
            self.options.warn(f"left out {len(shown)} prim(s) of purpose '{purpose}' and what is below them "
                              f"(--purpose {'all' if purpose == 'guide' else purpose} writes them): "
                              + ", ".join(shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else ""))
        return count

    def _sampling(self, archive) -> int:
        """One sample per time code: uniform when the codes are consecutive frames, else acyclic at the
        stage's own codes (keys at 0 and 100 stay at frames 0 and 100)."""
        from alembic3d import AbcCoreAbstract

        codes = self.codes
        if len(codes) < 2 or np.allclose(np.diff(codes), 1.0, atol=1e-9):
            return frame_sampling(archive, self.fps, codes[0] if codes else 1.0)
        times = AbcCoreAbstract.TimeVector()
        for c in codes:
            times.append(c / self.fps)
        tst = AbcCoreAbstract.TimeSamplingType(AbcCoreAbstract.AcyclicFlag.kAcyclic)
        return archive.addTimeSampling(AbcCoreAbstract.TimeSampling(tst, times))

    #: Nesting depth of PointInstancer prototypes being written (see ``_children``).
    _in_prototype = 0

    def _children(self, prim):
        """Children including instance proxies: an instanceable prim's prototype is written expanded,
        as a copy per instance (``GetChildren`` alone skips them and their meshes are lost).

        Inside a PointInstancer's prototype, children below an ``over`` or a ``class`` are written
        too: prototypes are often kept there so that they are not drawn on their own, and USD's
        default predicate (defined, not abstract, ancestors included) would drop their meshes."""
        from pxr import Usd

        if self._in_prototype:
            return prim.GetFilteredChildren(Usd.TraverseInstanceProxies(
                Usd.PrimIsActive & Usd.PrimIsLoaded & Usd.PrimHasDefiningSpecifier))
        return prim.GetFilteredChildren(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate))

    def prototype(self, write):
        """``write()`` for a PointInstancer prototype (its subtree walked as ``_children`` says)."""
        self._in_prototype += 1
        try:
            return write()
        finally:
            self._in_prototype -= 1

    def wanted_purpose(self, prim) -> bool:
        """Whether the prim's purpose is written (``--purpose``); a subtree left out is noted for the warning."""
        from pxr import UsdGeom

        img = UsdGeom.Imageable(prim)
        if not img:
            return True
        purpose = str(img.ComputePurpose())
        wanted = {"render": ("default", "render"), "proxy": ("default", "proxy")}.get(
            self.options.purpose, ("default", "render", "proxy", "guide"))
        if purpose in wanted:
            return True
        self.left_out.setdefault(purpose, set()).add(str(prim.GetPath()))
        return False

    def _shape(self, prim, parent, top: bool):
        """The Alembic Xform a shape (or a group) of ``prim`` goes under, with its transform."""
        from alembic3d import AbcGeom

        xf = AbcGeom.OXform(parent, prim.GetName(), self.ts)
        self._made(parent, prim.GetName(), xf)
        self.xform(prim, xf, top)
        return xf

    def prim(self, prim, parent, top: bool) -> int:
        from pxr import UsdGeom, UsdLux

        type_name = prim.GetTypeName()
        if not prim.IsActive() or (prim.IsAbstract() and not self._in_prototype):
            return 0
        if not self.wanted_purpose(prim):
            return 0
        imageable = prim.IsA(UsdGeom.Xformable)
        if type_name in GPRIMS or type_name == "Camera":
            xf = self._shape(prim, parent, top)
            getattr(self, type_name.lower() if type_name != "BasisCurves" else "curves")(prim, xf)
            if type_name != "Camera":
                self.geometry += 1
            n = 1
            for child in self._children(prim):
                if child.GetTypeName() != "GeomSubset":
                    n += self.prim(child, xf, False)
            return n
        if type_name == "PointInstancer":
            xf = self._shape(prim, parent, top)
            if self.options.instances == "points":
                return 1 + self.instancer_points(prim, xf)
            return 1 + self.point_instancer(prim, xf)
        if type_name in IMPLICIT:
            xf = self._shape(prim, parent, top)
            self.implicit(prim, xf, type_name)
            self.geometry += 1
            return 1 + sum(self.prim(c, xf, False) for c in self._children(prim))
        if prim.HasAPI(UsdLux.LightAPI):
            xf = self._shape(prim, parent, top)
            self.light(prim, xf)
            frustum = self.frustum_of(prim)
            return 1 + sum(self.prim(c, xf, False) for c in self._children(prim) if c != frustum)
        if type_name in SKEL_TYPES and self.options.skel_baked:
            return 0  # consumed: their animation was baked into the meshes' points
        if imageable or type_name in ("", "Scope"):
            if type_name not in ("Xform", "Scope", "", "SkelRoot"):
                self.options.warn(f"skipped {prim.GetPath()}: unsupported USD type '{type_name}' "
                                  "(its children are kept)")
            xf = self._shape(prim, parent, top)
            if prim.IsInstance() and self.options.instances != "expand":
                return 1 + self._instance(prim, xf, str(prim.GetPrototype().GetPath()))
            return 1 + sum(self.prim(c, xf, False) for c in self._children(prim))
        self.options.warn(f"skipped {prim.GetPath()}: unsupported USD type '{type_name}'")
        return 0

    def xform(self, prim, oxf, top: bool) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        xformable = UsdGeom.Xformable(prim)
        ops_attrs = [op.GetAttr() for op in xformable.GetOrderedXformOps()] if xformable else []
        times = self.times_for(*ops_attrs) if ops_attrs else [None]
        schema = oxf.getSchema()
        for tc in times:
            m = np.identity(4)
            resets = False
            if xformable and tc is not None:
                gm = xformable.GetLocalTransformation(tc)
                m = np.array(gm, dtype=np.float64).reshape(4, 4)
                resets = xformable.GetResetXformStack()
            if top:
                m = m @ self.correction
            s = AbcGeom.XformSample()
            s.setMatrix(m44d(m))
            if resets:
                s.setInheritsXforms(False)
            put(schema, s)

    # -- shapes --------------------------------------------------------------------------------
    def mesh(self, prim, oxf) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        mesh = UsdGeom.Mesh(prim)
        scheme = mesh.GetSubdivisionSchemeAttr().Get() or "catmullClark"
        subd = scheme != "none"
        shape_cls = AbcGeom.OSubD if subd else AbcGeom.OPolyMesh
        shape = shape_cls(oxf, prim.GetName() + "Shape", self.ts)
        schema = shape.getSchema()
        left = mesh.GetOrientationAttr().Get() == UsdGeom.Tokens.leftHanded
        pv_api = UsdGeom.PrimvarsAPI(prim)
        st = pv_api.GetPrimvar("st")
        if not st or not st.IsDefined():
            st = next((p for p in pv_api.GetPrimvars() if p.GetTypeName().role == "TextureCoordinate"
                       or str(p.GetTypeName()) in ("texCoord2f[]", "float2[]")), None)
        normals_pv = pv_api.GetPrimvar("normals")
        normals_attr = mesh.GetNormalsAttr()
        attrs = [mesh.GetPointsAttr(), mesh.GetFaceVertexCountsAttr(), mesh.GetFaceVertexIndicesAttr()]
        times = self.times_for(*attrs, normals_attr)
        for tc in times:
            points = as_array(mesh.GetPointsAttr().Get(tc), np.float32)
            counts = as_array(mesh.GetFaceVertexCountsAttr().Get(tc), np.int32)
            indices = as_array(mesh.GetFaceVertexIndicesAttr().Get(tc), np.int32)
            if points is None or counts is None or indices is None:
                continue
            order = np.arange(len(indices)) if left else corner_reversal(counts)
            if subd:
                sample = AbcGeom.OSubDSchemaSample(v3f(points), int_array(indices[order]), int_array(counts))
                sample.setSubdivisionScheme({"catmullClark": "catmull-clark", "loop": "loop",
                                             "bilinear": "bilinear"}.get(scheme, "catmull-clark"))
                for getter, setter, conv in (("GetCreaseIndicesAttr", "setCreaseIndices", int_array),
                                             ("GetCreaseLengthsAttr", "setCreaseLengths", int_array),
                                             ("GetCreaseSharpnessesAttr", "setCreaseSharpnesses", float_array),
                                             ("GetCornerIndicesAttr", "setCornerIndices", int_array),
                                             ("GetCornerSharpnessesAttr", "setCornerSharpnesses", float_array)):
                    v = getattr(mesh, getter)().Get(tc)
                    if v is not None and len(v):
                        getattr(sample, setter)(conv(np.asarray(v)))
            else:
                sample = AbcGeom.OPolyMeshSchemaSample(v3f(points), int_array(indices[order]), int_array(counts))
            if st:
                uv = geom_param(st, tc, order, "v2f")
                if uv is not None:
                    sample.setUVs(uv)
            if not subd:
                if normals_pv and normals_pv.IsDefined() and normals_pv.HasValue():
                    n = geom_param(normals_pv, tc, order, "n3f")
                else:
                    n = normals_sample(mesh, tc, order) if normals_attr.HasValue() else None
                if n is not None:
                    sample.setNormals(n)
            put(schema, sample)
        self.arb_params(prim, schema, times, order_of=lambda tc: (
            np.arange(len(mesh.GetFaceVertexIndicesAttr().Get(tc) or [])) if left else
            corner_reversal(np.asarray(mesh.GetFaceVertexCountsAttr().Get(tc) or [], np.int32))),
            skip={st.GetPrimvarName() if st else "st"})
        if not subd:
            for subset in UsdGeom.Subset.GetAllGeomSubsets(mesh):
                if subset.GetElementTypeAttr().Get() != UsdGeom.Tokens.face:
                    continue
                faces = as_array(subset.GetIndicesAttr().Get(), np.int32)
                if faces is not None:
                    fs = schema.createFaceSet(subset.GetPrim().GetName())
                    put(fs.getSchema(), AbcGeom.OFaceSetSchemaSample(int_array(faces)))

    def arb_params(self, prim, schema, times, order_of=None, skip=()) -> None:
        """Other primvars as arbitrary geometry parameters, with their interpolation and indices.

        Face-varying values (and indices) follow the same corner reversal as the mesh. Types
        Alembic has no geometry parameter for are named in a warning.
        """
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        GS = AbcGeom.GeometryScope
        scopes = {"faceVarying": GS.kFacevaryingScope, "vertex": GS.kVertexScope, "varying": GS.kVaryingScope,
                  "uniform": GS.kUniformScope, "constant": GS.kConstantScope}
        skipped = []
        for pv in UsdGeom.PrimvarsAPI(prim).GetPrimvarsWithValues():
            name = pv.GetPrimvarName()
            if name in CONSUMED or name in skip or name.startswith("skel:"):
                continue
            kind = PRIMVAR_TYPES.get(str(pv.GetTypeName()))
            if kind is None:
                skipped.append(f"{name} ({pv.GetTypeName()})")
                continue
            prefix, conv = kind
            interp = pv.GetInterpolation()
            scope = scopes.get(interp, GS.kConstantScope)
            indexed = pv.IsIndexed()
            param_cls = getattr(AbcGeom, f"O{prefix}GeomParam")
            sample_cls = getattr(AbcGeom, f"O{prefix}GeomParamSample")
            param = param_cls(schema.getArbGeomParams(), name, indexed, scope, 1, self.ts)
            for tc in times:
                values = pv.Get(tc)
                if values is None:
                    continue
                values = list(values) if prefix in ("Boolean", "String") else np.asarray(values)
                indices = np.asarray(pv.GetIndices(tc)) if indexed else None
                if interp == "faceVarying" and order_of is not None:
                    order = order_of(tc)
                    if indexed:
                        indices = indices[order]
                    elif len(values) == len(order):
                        values = [values[i] for i in order] if isinstance(values, list) else values[order]
                if prefix in ("V2f", "V3f", "N3f", "P3f", "C3f", "C4f"):
                    values = np.asarray(values, np.float32)
                sample = sample_cls(conv(values), uint_array(indices), scope) if indexed else \
                    sample_cls(conv(values), scope)
                put(param, sample)
        if skipped:
            self.options.warn(f"{prim.GetPath()}: primvars of types Alembic has no parameter for, not written: "
                              f"{', '.join(skipped)}")

    def curves(self, prim, oxf) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        c = UsdGeom.BasisCurves(prim)
        schema = AbcGeom.OCurves(oxf, prim.GetName() + "Shape", self.ts).getSchema()
        ctype = AbcGeom.CurveType.kCubic if c.GetTypeAttr().Get() == "cubic" else AbcGeom.CurveType.kLinear
        wrap = AbcGeom.CurvePeriodicity.kPeriodic if c.GetWrapAttr().Get() == "periodic" else \
            AbcGeom.CurvePeriodicity.kNonPeriodic
        basis = {"bezier": AbcGeom.BasisType.kBezierBasis, "catmullRom": AbcGeom.BasisType.kCatmullromBasis}.get(
            c.GetBasisAttr().Get(), AbcGeom.BasisType.kBsplineBasis)
        for tc in self.times_for(c.GetPointsAttr(), c.GetCurveVertexCountsAttr(), c.GetWidthsAttr()):
            points = as_array(c.GetPointsAttr().Get(tc), np.float32)
            counts = as_array(c.GetCurveVertexCountsAttr().Get(tc), np.int32)
            if points is None or counts is None:
                continue
            widths = c.GetWidthsAttr().Get(tc)
            w = AbcGeom.OFloatGeomParamSample()
            if widths is not None and len(widths):
                scope = AbcGeom.GeometryScope.kConstantScope if len(widths) == 1 else AbcGeom.GeometryScope.kVertexScope
                w = AbcGeom.OFloatGeomParamSample(float_array(np.asarray(widths, np.float32)), scope)
            sample = AbcGeom.OCurvesSchemaSample(v3f(points), int_array(counts), ctype, wrap, w)
            sample.setBasis(basis)
            put(schema, sample)
        self.arb_params(prim, schema, self.times_for(c.GetPointsAttr()))

    def points(self, prim, oxf) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        p = UsdGeom.Points(prim)
        schema = AbcGeom.OPoints(oxf, prim.GetName() + "Shape", self.ts).getSchema()
        for tc in self.times_for(p.GetPointsAttr(), p.GetIdsAttr(), p.GetVelocitiesAttr(), p.GetWidthsAttr()):
            pts = as_array(p.GetPointsAttr().Get(tc), np.float32)
            if pts is None:
                continue
            vel = p.GetVelocitiesAttr().Get(tc)
            widths = p.GetWidthsAttr().Get(tc)
            w = AbcGeom.OFloatGeomParamSample()
            if widths is not None and len(widths):
                w = AbcGeom.OFloatGeomParamSample(float_array(np.asarray(widths, np.float32)),
                                                  AbcGeom.GeometryScope.kVaryingScope)
            sample = AbcGeom.OPointsSchemaSample(v3f(pts), v3f(np.asarray(vel, np.float32)) if vel is not None and
                                                 len(vel) == len(pts) else v3f(np.zeros((0, 3), np.float32)), w)
            ids = p.GetIdsAttr().Get(tc)
            sample.setIds(int_array(np.asarray(ids, np.int64) if ids is not None and len(ids) == len(pts)
                                    else np.arange(len(pts))))
            put(schema, sample)
        self.arb_params(prim, schema, self.times_for(p.GetPointsAttr()))


def usd_to_alembic(src: str, dst: str, options: ConvertOptions) -> dict:
    stage = open_stage(src, options)
    conv = Converter(stage, options)
    with Staging(dst, options.force) as staging:
        staging.check_targets([dst])
        target = staging.path(dst)
        # Alembic has no units: the ones written are stated in the description, which Alembic -> USD reads.
        count = write_archive(target, conv.run, description=f"converted from {os.path.basename(src)} "
                                                            f"(metersPerUnit {conv.target_mpu:g})")
        if not (conv.geometry or conv.cameras or conv.lights) and not options.allow_empty:
            raise ConvertError("the stage defines nothing Alembic can hold: no geometry, camera or light (a stage "
                               "of overrides only: a look file, variant selections?); --allow-empty writes the "
                               "archive anyway", src)
        staging.commit()
    return {"output": dst, "objects": count, "fps": conv.fps, "time_codes": len(conv.codes),
            "geometry": conv.geometry, "cameras": conv.cameras, "lights": conv.lights,
            "up_axis_in": conv.up, "meters_per_unit_in": conv.mpu, "warnings": list(options.warnings)}
