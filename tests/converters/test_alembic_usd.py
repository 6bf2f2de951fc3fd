"""Alembic <-> USD: values compared sample by sample, not just files appearing."""
import os

import numpy as np
import pytest

from sdf.alembic import io as alembic_io
from sdf.converters.alembic_usd import snap_code
from sdf.converters.options import ConvertOptions, usd_safe_name
from sdf.converters.registry import convert
from conftest import corpus_files


def _abc_objects(path):
    archive = alembic_io.open_archive(path, cached=False)
    return archive, list(alembic_io.walk_objects(archive))


def _usd_path(root, abc_path):
    return root + "".join("/" + usd_safe_name(p) for p in abc_path.split("/") if p)


def _compare_archive_with_stage(abc, usd_file):
    """Every sample of every object: positions, topology, UVs, matrices, camera lenses."""
    from alembic3d import Abc, AbcGeom
    from pxr import Usd, UsdGeom

    stage = Usd.Stage.Open(usd_file)
    fps = stage.GetTimeCodesPerSecond()
    root = stage.GetDefaultPrim().GetPath().pathString
    archive, objects = _abc_objects(abc)
    wrap = Abc.WrapExistingFlag.kWrapExisting
    checked = 0
    for path, obj in objects:
        prim = stage.GetPrimAtPath(_usd_path(root, path))
        kind = alembic_io.object_schema(obj)
        if kind == "AbcGeom_FaceSet":
            continue
        assert prim, f"{path} missing in {usd_file}"
        if kind in ("AbcGeom_PolyMesh", "AbcGeom_SubD", "AbcGeom_Points", "AbcGeom_Curve"):
            cls = {"AbcGeom_PolyMesh": AbcGeom.IPolyMesh, "AbcGeom_SubD": AbcGeom.ISubD,
                   "AbcGeom_Points": AbcGeom.IPoints, "AbcGeom_Curve": AbcGeom.ICurves}[kind]
            schema = cls(obj, wrap).getSchema()
            n = schema.getNumSamples()
            pts = UsdGeom.PointBased(prim).GetPointsAttr()
            for i in range(n):
                t = schema.getTimeSampling().getSampleTime(i)
                tc = Usd.TimeCode(snap_code(t * fps)) if n > 1 else Usd.TimeCode.Default()
                s = schema.getValue(alembic_io.select(schema, i))
                np.testing.assert_array_equal(np.asarray(pts.Get(tc)), np.asarray(s.getPositions()),
                                              err_msg=f"{path} sample {i}")
                checked += 1
                if kind in ("AbcGeom_PolyMesh", "AbcGeom_SubD") and i == 0:
                    mesh = UsdGeom.Mesh(prim)
                    tc0 = Usd.TimeCode(t * fps) if n > 1 else Usd.TimeCode.Default()
                    np.testing.assert_array_equal(np.asarray(mesh.GetFaceVertexIndicesAttr().Get(tc0)),
                                                  np.asarray(s.getFaceIndices()))
                    assert mesh.GetOrientationAttr().Get() == "leftHanded"
                    uvp = schema.getUVsParam()
                    if uvp.valid() and uvp.getNumSamples():
                        st = UsdGeom.PrimvarsAPI(prim).GetPrimvar("st")
                        if uvp.isIndexed():
                            iv = uvp.getIndexedValue(alembic_io.select(uvp, 0))
                            np.testing.assert_array_equal(np.asarray(st.GetIndices(tc0)), np.asarray(iv.getIndices()))
                            np.testing.assert_array_equal(np.asarray(st.Get(tc0)), np.asarray(iv.getVals()))
                    if kind == "AbcGeom_PolyMesh":
                        subsets = {s.GetPrim().GetName() for s in UsdGeom.Subset.GetAllGeomSubsets(mesh)}
                        assert subsets == {usd_safe_name(n) for n in schema.getFaceSetNames()}
        elif kind == "AbcGeom_Xform":
            schema = AbcGeom.IXform(obj, wrap).getSchema()
            n = schema.getNumSamples()
            xf = UsdGeom.Xformable(prim)
            for i in range(n):
                t = schema.getTimeSampling().getSampleTime(i)
                tc = Usd.TimeCode(snap_code(t * fps)) if n > 1 else Usd.TimeCode.Default()
                m = schema.getValue(alembic_io.select(schema, i)).getMatrix()
                expect = np.array([[m[r][c] for c in range(4)] for r in range(4)])
                np.testing.assert_allclose(np.array(xf.GetLocalTransformation(tc)), expect, atol=1e-12,
                                           err_msg=f"{path} sample {i}")
                checked += 1
        elif kind == "AbcGeom_Camera":
            schema = AbcGeom.ICamera(obj, wrap).getSchema()
            s = schema.getValue(alembic_io.select(schema, 0))
            cam = UsdGeom.Camera(prim)
            tc = Usd.TimeCode(snap_code(schema.getTimeSampling().getSampleTime(0) * fps)) if schema.getNumSamples() > 1 \
                else Usd.TimeCode.Default()
            # Maya writes centimetres: USD's tenths of a unit are millimetres.
            assert cam.GetFocalLengthAttr().Get(tc) == pytest.approx(s.getFocalLength())
            assert cam.GetHorizontalApertureAttr().Get(tc) == pytest.approx(s.getHorizontalAperture() * 10)
            near, far = cam.GetClippingRangeAttr().Get(tc)
            assert (near, far) == pytest.approx((s.getNearClippingPlane(), s.getFarClippingPlane()))
            checked += 1
    return checked


DEMO = ["cloth_anim", "hero_anim", "crystal_anim", "props_anim", "grass_anim", "sparks_anim"]


@pytest.mark.parametrize("name", DEMO)
def test_demo_archives_to_usd_every_sample(demo_master, tmp_path, name):
    root, _ = demo_master
    src = os.path.join(root, "assets", "anim", f"{name}.abc")
    out = str(tmp_path / f"{name}.usdc")
    result = convert(src, out, ConvertOptions())
    assert result["fps"] == 24.0 and result["time_codes"] == 48
    assert _compare_archive_with_stage(src, out) >= 48
    from pxr import Usd, UsdGeom
    stage = Usd.Stage.Open(out)
    assert stage.GetStartTimeCode() == 1001 and stage.GetEndTimeCode() == 1048
    assert UsdGeom.GetStageUpAxis(stage) == "Y" and UsdGeom.GetStageMetersPerUnit(stage) == 0.01


@pytest.mark.skipif(not corpus_files(".abc"), reason="shared corpus not present")
@pytest.mark.parametrize("src", corpus_files(".abc"), ids=os.path.basename)
def test_corpus_archives_to_usd_every_sample(tmp_path, src):
    out = str(tmp_path / "out.usda")
    convert(src, out, ConvertOptions())
    assert _compare_archive_with_stage(src, out) >= 1


def test_rock_subd_creases_and_the_rest(demo_master, tmp_path):
    from pxr import Usd, UsdGeom

    root, _ = demo_master
    out = str(tmp_path / "rock.usda")
    convert(os.path.join(root, "assets", "model", "rock.abc"), out, ConvertOptions())
    stage = Usd.Stage.Open(out)  # held: prims die with their stage
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/rock/rock/rockShape"))
    assert mesh.GetSubdivisionSchemeAttr().Get() == "catmullClark"
    assert list(mesh.GetCreaseLengthsAttr().Get()) == [4] and list(mesh.GetCornerSharpnessesAttr().Get()) == [3.0]
    assert mesh.GetNormalsAttr().HasValue()


def test_frame_range_fps_units_and_axis_options(demo_master, tmp_path):
    from pxr import Usd, UsdGeom

    root, _ = demo_master
    src = os.path.join(root, "assets", "anim", "cloth_anim.abc")
    out = str(tmp_path / "c.usda")
    convert(src, out, ConvertOptions(frames=(1010, 1019), up_axis="Z", meters_per_unit=1.0))
    stage = Usd.Stage.Open(out)
    assert (stage.GetStartTimeCode(), stage.GetEndTimeCode()) == (1010, 1019)
    assert UsdGeom.GetStageUpAxis(stage) == "Z" and UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    m = np.array(UsdGeom.Xformable(stage.GetDefaultPrim()).GetLocalTransformation())
    np.testing.assert_allclose(np.array([0, 1, 0]) @ m[:3, :3], [0, 0, 0.01], atol=1e-12)  # Y-up cm -> Z-up m (row vectors)
    out2 = str(tmp_path / "c48.usda")
    convert(src, out2, ConvertOptions(fps=48.0))
    s2 = Usd.Stage.Open(out2)
    assert s2.GetTimeCodesPerSecond() == 48 and s2.GetStartTimeCode() == 2002


def _maya_usd(name):
    path = [p for p in corpus_files(".usda") if p.endswith(name)]
    if not path:
        pytest.skip("shared corpus not present")
    return path[0]


def test_maya_usd_to_alembic_keeps_every_time_sample(tmp_path):
    from alembic3d import Abc, AbcGeom
    from pxr import Usd, UsdGeom

    for name in ("vertexAnim.usda", "transformAnim.usda"):
        src = _maya_usd(name)
        out = str(tmp_path / (name + ".abc"))
        result = convert(src, out, ConvertOptions())
        assert result["time_codes"] == 200
        stage = Usd.Stage.Open(src)
        archive = Abc.IArchive(out)
        for prim in stage.Traverse():
            if prim.GetTypeName() == "Mesh":
                obj = alembic_io.find_object(archive, str(prim.GetPath()) + "/" + prim.GetName() + "Shape")
                schema = AbcGeom.IPolyMesh(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
                pts = UsdGeom.Mesh(prim).GetPointsAttr()
                codes = pts.GetTimeSamples() or [Usd.TimeCode.Default()]
                assert schema.getNumSamples() in (len(codes), 1) or len(codes) == 1
                for i, tc in enumerate(codes if len(codes) > 1 else []):
                    sample = schema.getValue(alembic_io.at_time(tc / stage.GetTimeCodesPerSecond()))
                    np.testing.assert_array_equal(np.asarray(sample.getPositions()), np.asarray(pts.Get(tc)))
            if prim.IsA(UsdGeom.Xform) and UsdGeom.Xformable(prim).TransformMightBeTimeVarying():
                obj = alembic_io.find_object(archive, str(prim.GetPath()))
                schema = AbcGeom.IXform(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
                for tc in UsdGeom.Xformable(prim).GetTimeSamples()[::17]:
                    m = schema.getValue(alembic_io.at_time(tc / stage.GetTimeCodesPerSecond())).getMatrix()
                    got = np.array([[m[r][c] for c in range(4)] for r in range(4)])
                    np.testing.assert_allclose(got, np.array(UsdGeom.Xformable(prim).GetLocalTransformation(tc)),
                                               atol=1e-9)


def _blender_stage(path):
    """A stage written the way Blender's USD export writes: Z-up, metres, lens in tenths of a unit."""
    from pxr import Gf, Sdf, Usd, UsdGeom, Vt

    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageUpAxis(stage, "Z")
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    stage.SetTimeCodesPerSecond(24)
    root = UsdGeom.Xform.Define(stage, "/root")
    stage.SetDefaultPrim(root.GetPrim())
    UsdGeom.Xform.Define(stage, "/root/Plane")
    mesh = UsdGeom.Mesh.Define(stage, "/root/Plane/Plane")
    pts = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)]
    for tc, z in ((1, 0.0), (2, 0.5)):
        mesh.GetPointsAttr().Set(Vt.Vec3fArray([Gf.Vec3f(x, y, z) for x, y, _ in pts]), tc)
    mesh.GetFaceVertexCountsAttr().Set([4])
    mesh.GetFaceVertexIndicesAttr().Set([0, 1, 2, 3])  # counter-clockwise seen from +Z
    st = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, "faceVarying")
    st.Set([(0, 0), (1, 0), (1, 1), (0, 1)])
    UsdGeom.Xform.Define(stage, "/root/Camera")
    cam = UsdGeom.Camera.Define(stage, "/root/Camera/Camera")
    cam.GetFocalLengthAttr().Set(0.5)           # 50 mm in tenths of a metre
    cam.GetHorizontalApertureAttr().Set(0.36)   # 36 mm
    cam.GetVerticalApertureAttr().Set(0.24)
    cam.GetClippingRangeAttr().Set(Gf.Vec2f(0.1, 100))
    stage.GetRootLayer().Save()


def test_blender_style_usd_to_alembic(tmp_path):
    from alembic3d import Abc, AbcGeom

    src = str(tmp_path / "blender.usda")
    _blender_stage(src)
    out = str(tmp_path / "blender.abc")
    convert(src, out, ConvertOptions())
    archive = Abc.IArchive(out)
    cam = AbcGeom.ICamera(alembic_io.find_object(archive, "/root/Camera/Camera/CameraShape"),
                          Abc.WrapExistingFlag.kWrapExisting).getSchema().getValue()
    assert cam.getFocalLength() == pytest.approx(50.0) and cam.getHorizontalAperture() == pytest.approx(3.6)
    xf = AbcGeom.IXform(alembic_io.find_object(archive, "/root"), Abc.WrapExistingFlag.kWrapExisting)
    m = xf.getSchema().getValue().getMatrix()
    up = np.array([0, 0, 1, 0]) @ np.array([[m[r][c] for c in range(4)] for r in range(4)])
    np.testing.assert_allclose(up[:3], [0, 1, 0], atol=1e-12)  # Z-up turned Y-up; metres kept
    mesh = AbcGeom.IPolyMesh(alembic_io.find_object(archive, "/root/Plane/Plane/PlaneShape"),
                             Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert mesh.getNumSamples() == 2
    s = mesh.getValue(alembic_io.select(mesh, 1))
    assert list(s.getFaceIndices()) == [0, 3, 2, 1]  # Alembic's clockwise order
    uv = mesh.getUVsParam().getExpandedValue(alembic_io.select(mesh.getUVsParam(), 0)).getVals()
    assert [tuple(round(c, 6) for c in uv[i]) for i in range(4)] == [(0, 0), (0, 1), (1, 1), (1, 0)]
    assert np.asarray(s.getPositions())[:, 2].max() == pytest.approx(0.5)


def test_alembic_usd_alembic_round_trip(demo_master, tmp_path):
    from alembic3d import Abc, AbcGeom

    root, _ = demo_master
    src = os.path.join(root, "assets", "anim", "hero_anim.abc")
    usd = str(tmp_path / "hero.usdc")
    back = str(tmp_path / "hero_back.abc")
    convert(src, usd, ConvertOptions())
    convert(usd, back, ConvertOptions())
    a = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(src), "/hero/body"),
                          Abc.WrapExistingFlag.kWrapExisting).getSchema()
    b = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(back), "/hero_anim/hero/body/bodyShape"),
                          Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert a.getNumSamples() == b.getNumSamples() == 48
    for i in (0, 20, 47):
        sa, sb = a.getValue(alembic_io.select(a, i)), b.getValue(alembic_io.select(b, i))
        np.testing.assert_array_equal(np.asarray(sa.getPositions()), np.asarray(sb.getPositions()))
        np.testing.assert_array_equal(np.asarray(sa.getFaceIndices()), np.asarray(sb.getFaceIndices()))
    assert sorted(b.getFaceSetNames()) == ["head", "torso"]


def test_unsupported_prims_are_named(tmp_path):
    def build(stage):
        stage.DefinePrim("/fx/smoke", "Volume")  # UsdVol: no Alembic schema holds a volume
        _triangle(stage, "/fx/smoke/card")

    src = _stage(str(tmp_path / "fog.usda"), build)
    opts = ConvertOptions()
    convert(src, str(tmp_path / "fog.abc"), opts)
    assert any("/fx/smoke" in w and "unsupported USD type 'Volume'" in w and "children are kept" in w
               for w in opts.warnings), opts.warnings
    _, objects = _abc_objects(str(tmp_path / "fog.abc"))
    assert any(p.endswith("/fx/smoke/card/cardShape") for p, _ in objects)


def _corpus(name):
    path = [p for p in corpus_files(".abc") if p.endswith(name)]
    if not path:
        pytest.skip("shared corpus not present")
    return path[0]


def test_arbitrary_parameters_become_primvars_and_come_back(tmp_path):
    from alembic3d import Abc, AbcGeom
    from pxr import Usd, UsdGeom

    src = _corpus("coloredMesh.abc")
    usd, back = str(tmp_path / "c.usda"), str(tmp_path / "c.abc")
    opts = ConvertOptions()
    convert(src, usd, opts)
    assert not any("not translated" in w for w in opts.warnings)
    stage = Usd.Stage.Open(usd)
    api = UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/coloredMesh/pPlane1/pPlaneShape1"))
    colour = api.GetPrimvar("colorSet1")
    assert str(colour.GetTypeName()) == "color4f[]" and colour.GetInterpolation() == "faceVarying"
    assert list(colour.GetIndices()) == [2, 3, 1, 0]
    assert list(api.GetPrimvar("ABC_int").Get()) == [10] and api.GetPrimvar("ABC_int").GetInterpolation() == "constant"
    convert(usd, back, ConvertOptions())
    a = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(src), "/pPlane1/pPlaneShape1"),
                          Abc.WrapExistingFlag.kWrapExisting).getSchema()
    b = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(back),
                                                 "/coloredMesh/pPlane1/pPlaneShape1/pPlaneShape1Shape"),
                          Abc.WrapExistingFlag.kWrapExisting).getSchema()
    pa, pb = (AbcGeom.IC4fGeomParam(s.getArbGeomParams(), "colorSet1") for s in (a, b))
    ia, ib = pa.getIndexedValue(alembic_io.select(pa, 0)), pb.getIndexedValue(alembic_io.select(pb, 0))
    assert np.asarray(ia.getVals()).tolist() == np.asarray(ib.getVals()).tolist()
    assert list(ia.getIndices()) == list(ib.getIndices())
    for name, check in (("bool.abc", lambda api: list(api.GetPrimvar("abc_testBoolTrue").Get()) == [True]),
                        ("noTopLevelStoredBounds.abc",
                         lambda api: api.GetPrimvar("name").GetInterpolation() == "uniform")):
        out = str(tmp_path / (name + ".usda"))
        convert(_corpus(name), out, ConvertOptions())
        st = Usd.Stage.Open(out)
        mesh = next(p for p in st.Traverse() if p.GetTypeName() == "Mesh")
        assert check(UsdGeom.PrimvarsAPI(mesh))


def test_face_varying_primvars_follow_the_winding(tmp_path):
    from alembic3d import Abc, AbcGeom
    from pxr import Sdf, Usd, UsdGeom

    src = str(tmp_path / "quad.usda")
    stage = Usd.Stage.CreateNew(src)
    mesh = UsdGeom.Mesh.Define(stage, "/quad")
    mesh.GetPointsAttr().Set([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)])
    mesh.GetFaceVertexCountsAttr().Set([4])
    mesh.GetFaceVertexIndicesAttr().Set([0, 1, 2, 3])
    cd = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("Cd", Sdf.ValueTypeNames.Color3fArray, "faceVarying")
    cd.Set([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1)])  # one colour per corner, in USD's corner order
    stage.GetRootLayer().Save()
    out = str(tmp_path / "quad.abc")
    convert(src, out, ConvertOptions())
    s = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(out), "/quad/quadShape"),
                          Abc.WrapExistingFlag.kWrapExisting).getSchema()
    sample = s.getValue(alembic_io.select(s, 0))
    corners = list(sample.getFaceIndices())
    p = AbcGeom.IC3fGeomParam(s.getArbGeomParams(), "Cd")
    colours = np.asarray(p.getExpandedValue(alembic_io.select(p, 0)).getVals()).tolist()
    expect = {0: [1, 0, 0], 1: [0, 1, 0], 2: [0, 0, 1], 3: [1, 1, 1]}
    assert corners == [0, 3, 2, 1] and [expect[c] for c in corners] == colours  # each colour stays on its point


def test_skinned_usd_is_baked_to_point_samples(tmp_path):
    from alembic3d import Abc, AbcGeom

    src = _maya_usd("arm.usda")
    before = open(src, "rb").read()
    out = str(tmp_path / "arm.abc")
    opts = ConvertOptions()
    convert(src, out, opts)
    assert open(src, "rb").read() == before  # baked in the session layer, the source untouched
    mesh = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(out), "/Model/Arm/ArmShape"),
                             Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert mesh.getNumSamples() == 10
    first = np.asarray(mesh.getValue(alembic_io.select(mesh, 0)).getPositions())
    last = np.asarray(mesh.getValue(alembic_io.select(mesh, 9)).getPositions())
    assert np.abs(first - last).max() > 1e-3
    inst = ConvertOptions()
    convert(_maya_usd("instancedSkinning.usda"), str(tmp_path / "inst.abc"), inst)
    assert any("could not be baked" in w and "instanced" in w for w in inst.warnings)


def _blender_shape_keys(path):
    """Shape-key animation the way Blender's USD export writes it: UsdSkel blend shapes, Z-up, metres."""
    from pxr import Gf, Usd, UsdGeom, UsdSkel

    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageUpAxis(stage, "Z")
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    stage.SetStartTimeCode(1)
    stage.SetEndTimeCode(3)
    stage.SetTimeCodesPerSecond(24)
    root = UsdSkel.Root.Define(stage, "/root")
    stage.SetDefaultPrim(root.GetPrim())
    skel = UsdSkel.Skeleton.Define(stage, "/root/Skel")
    skel.CreateJointsAttr().Set(["root"])
    skel.CreateBindTransformsAttr().Set([Gf.Matrix4d(1)])
    skel.CreateRestTransformsAttr().Set([Gf.Matrix4d(1)])
    anim = UsdSkel.Animation.Define(stage, "/root/Skel/Anim")
    anim.CreateJointsAttr().Set(["root"])
    anim.CreateTranslationsAttr().Set([Gf.Vec3f(0, 0, 0)])
    anim.CreateRotationsAttr().Set([Gf.Quatf(1)])
    anim.CreateScalesAttr().Set([Gf.Vec3h(1, 1, 1)])
    anim.CreateBlendShapesAttr().Set(["Key_1"])
    weights = anim.CreateBlendShapeWeightsAttr()
    weights.Set([0.0], 1)
    weights.Set([1.0], 3)
    UsdSkel.BindingAPI.Apply(skel.GetPrim()).CreateAnimationSourceRel().SetTargets([anim.GetPath()])
    mesh = UsdGeom.Mesh.Define(stage, "/root/Plane")
    mesh.GetPointsAttr().Set([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)])
    mesh.GetFaceVertexCountsAttr().Set([4])
    mesh.GetFaceVertexIndicesAttr().Set([0, 1, 2, 3])
    key = UsdSkel.BlendShape.Define(stage, "/root/Plane/Key_1")
    key.CreateOffsetsAttr().Set([(0, 0, 1)] * 4)
    binding = UsdSkel.BindingAPI.Apply(mesh.GetPrim())
    binding.CreateSkeletonRel().SetTargets([skel.GetPath()])
    binding.CreateBlendShapesAttr().Set(["Key_1"])
    binding.CreateBlendShapeTargetsRel().SetTargets([key.GetPath()])
    binding.CreateJointIndicesPrimvar(constant=True, elementSize=1).Set([0])
    binding.CreateJointWeightsPrimvar(constant=True, elementSize=1).Set([1.0])
    binding.CreateGeomBindTransformAttr().Set(Gf.Matrix4d(1))
    stage.GetRootLayer().Save()


def test_blender_shape_keys_become_point_samples(tmp_path):
    from alembic3d import Abc, AbcGeom

    src = str(tmp_path / "keys.usda")
    _blender_shape_keys(src)
    out = str(tmp_path / "keys.abc")
    opts = ConvertOptions()
    convert(src, out, opts)
    assert opts.warnings == []  # skeleton, animation and blend shape consumed by the bake
    mesh = AbcGeom.IPolyMesh(alembic_io.find_object(Abc.IArchive(out), "/root/Plane/PlaneShape"),
                             Abc.WrapExistingFlag.kWrapExisting).getSchema()
    z = [float(np.asarray(mesh.getValue(alembic_io.select(mesh, i)).getPositions())[0][2])
         for i in range(mesh.getNumSamples())]
    assert z == pytest.approx([0.0, 0.5, 1.0])  # the key's weight 0 -> 1 over frames 1-3


@pytest.mark.parametrize("fps", [24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0])
def test_time_codes_land_on_frames_at_every_rate(tmp_path, fps):
    """Sample times are frame/fps seconds in floating point: their codes must come back as whole frames."""
    from alembic3d import AbcGeom
    from pxr import Usd

    from sdf.alembic.write import frame_sampling, m44d, put, write_archive

    src = str(tmp_path / "rate.abc")
    first = 1001

    def body(archive):
        ts = frame_sampling(archive, fps, first)
        xf = AbcGeom.OXform(archive.getTop(), "moving", ts)
        for i in range(40):
            sample = AbcGeom.XformSample()
            sample.setMatrix(m44d(np.eye(4) + np.array([[0, 0, 0, 0]] * 3 + [[i * 0.1, 0, 0, 0]])))
            put(xf.getSchema(), sample)

    write_archive(src, body)
    usd = str(tmp_path / "rate.usda")
    convert(src, usd, ConvertOptions())
    stage = Usd.Stage.Open(usd)
    codes = stage.GetPrimAtPath("/rate/moving").GetAttribute("xformOp:transform").GetTimeSamples()
    assert len(codes) == 40 and codes == [float(first + i) for i in range(40)], codes[:5]
    assert abs(stage.GetTimeCodesPerSecond() - fps) < 1e-9


def test_frame_rate_from_an_acyclic_camera_beside_a_one_second_sampling(tmp_path):
    from alembic3d import AbcCoreAbstract, AbcGeom

    from sdf.alembic.write import m44d, put, write_archive
    from sdf.converters.alembic_usd import archive_fps

    src = str(tmp_path / "cam.abc")

    def body(archive):
        times = AbcCoreAbstract.TimeVector()
        for i in range(30):
            times.append((1001 + i) / 24.0)
        tst = AbcCoreAbstract.TimeSamplingType(AbcCoreAbstract.AcyclicFlag.kAcyclic)
        acyclic = archive.addTimeSampling(AbcCoreAbstract.TimeSampling(tst, times))
        second = archive.addTimeSampling(AbcCoreAbstract.TimeSampling(1.0, 0.0))
        cam = AbcGeom.OXform(archive.getTop(), "camera", acyclic)
        for i in range(30):
            sample = AbcGeom.XformSample()
            sample.setMatrix(m44d(np.eye(4) + np.array([[0, 0, 0, 0]] * 3 + [[i * 0.1, 0, 0, 0]])))
            put(cam.getSchema(), sample)
        other = AbcGeom.OXform(archive.getTop(), "other", second)
        for i in range(2):
            sample = AbcGeom.XformSample()
            sample.setMatrix(m44d(np.eye(4) + np.array([[0, 0, 0, 0]] * 3 + [[i * 1.0, 0, 0, 0]])))
            put(other.getSchema(), sample)

    write_archive(src, body)
    assert archive_fps(alembic_io.open_archive(src, cached=False)) == 24.0


def _stage(path, build):
    from pxr import Usd, UsdGeom

    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageUpAxis(stage, "Y")
    stage.SetTimeCodesPerSecond(24)
    build(stage)
    stage.GetRootLayer().Save()
    return path


def _triangle(stage, path):
    from pxr import UsdGeom

    mesh = UsdGeom.Mesh.Define(stage, path)
    mesh.GetPointsAttr().Set([(0, 0, 0), (1, 0, 0), (0, 1, 0)])
    mesh.GetFaceVertexCountsAttr().Set([3])
    mesh.GetFaceVertexIndicesAttr().Set([0, 1, 2])
    return mesh


@pytest.mark.parametrize("mode", ["instance", "expand"])
def test_instanced_prims_become_alembic_instances_or_expanded_copies(tmp_path, mode):
    from pxr import Gf, Sdf, UsdGeom

    def build(stage):
        UsdGeom.Xform.Define(stage, "/proto")
        _triangle(stage, "/proto/tri")
        stage.GetPrimAtPath("/proto").SetSpecifier(Sdf.SpecifierClass)
        for i in range(3):
            inst = UsdGeom.Xform.Define(stage, f"/world/inst{i}")
            inst.AddTranslateOp().Set(Gf.Vec3d(10.0 * i, 0, 0))
            inst.GetPrim().GetReferences().AddInternalReference("/proto")
            inst.GetPrim().SetInstanceable(True)

    src = _stage(str(tmp_path / "inst.usda"), build)
    out = str(tmp_path / "inst.abc")
    convert(src, out, ConvertOptions(instances=mode))
    _, objects = _abc_objects(out)
    meshes = [p for p, o in objects if alembic_io.object_schema(o) in ("AbcGeom_PolyMesh", "AbcGeom_SubD")]
    assert len(meshes) == 3 and all("/world/inst" in p for p in meshes), meshes
    roots = [p for p, o in objects if o.isInstanceRoot()]
    assert len(roots) == (2 if mode == "instance" else 0), roots  # one written copy, two instances of it
    from sdf.alembic.frames import AlembicReader
    from sdf.alembic.playback_reader import PlaybackReader

    for reader in (AlembicReader(out), PlaybackReader(out)):  # both readers resolve the instances
        frames = [reader.read(p, 1, 24.0) for p in sorted(meshes)]
        xs = [round(float((f.positions[0] @ f.world[:3, :3] + f.world[3, :3])[0]), 4) for f in frames]
        assert xs == [0.0, 10.0, 20.0]
        assert all(np.array_equal(f.positions, frames[0].positions) for f in frames)


def test_sparse_time_samples_keep_their_frames(tmp_path):
    from pxr import UsdGeom

    def build(stage):
        xf = UsdGeom.Xform.Define(stage, "/mover")
        op = xf.AddTranslateOp()
        op.Set((0, 0, 0), 0)
        op.Set((10, 0, 0), 100)
        _triangle(stage, "/mover/tri")

    src = _stage(str(tmp_path / "sparse.usda"), build)
    out = str(tmp_path / "sparse.abc")
    convert(src, out, ConvertOptions())
    archive, objects = _abc_objects(out)
    from alembic3d import Abc, AbcGeom

    obj = dict(objects)["/sparse/mover"] if "/sparse/mover" in dict(objects) else \
        next(o for p, o in objects if p.endswith("/mover"))
    schema = AbcGeom.IXform(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    times = [schema.getTimeSampling().getSampleTime(i) * 24 for i in range(schema.getNumSamples())]
    assert times == [0.0, 100.0]
    # By option, every frame of the range, USD interpolating between the keys.
    every = str(tmp_path / "every.abc")
    convert(src, every, ConvertOptions(every_frame=True))
    from sdf.alembic.frames import AlembicReader

    r = AlembicReader(every)
    mover = next(p for p in r.objects() if p.endswith("/mover"))
    assert r.num_samples(mover) == 101
    assert np.isclose(r.read(mover, 50, 24.0).world[3, 0], 5.0) and np.isclose(r.read(mover, 100, 24.0).world[3, 0], 10)


def test_a_stage_of_overrides_only_is_refused_unless_asked(tmp_path, run):
    def build(stage):
        stage.OverridePrim("/chars/hero").CreateAttribute("primvars:displayColor",
                                                           __import__("pxr").Sdf.ValueTypeNames.Color3fArray)

    src = _stage(str(tmp_path / "look.usda"), build)
    res = run("convert", src, tmp_path / "look.abc")
    assert res.exit_code == 2 and "no geometry" in res.output and not (tmp_path / "look.abc").exists()
    assert run("convert", src, tmp_path / "look.abc", "--allow-empty").exit_code == 0


@pytest.mark.parametrize("kind", ["Cube", "Sphere", "Cylinder", "Cone", "Capsule"])
def test_implicit_prims_become_meshes(tmp_path, kind):
    from alembic3d import Abc, AbcGeom
    from pxr import UsdGeom

    def build(stage):
        prim = getattr(UsdGeom, kind).Define(stage, f"/shape{kind}")
        if kind == "Cube":
            prim.GetSizeAttr().Set(4.0)
        else:
            prim.GetRadiusAttr().Set(2.0)

    src = _stage(str(tmp_path / f"{kind}.usda"), build)
    out = str(tmp_path / f"{kind}.abc")
    opts = ConvertOptions()
    convert(src, out, opts)
    assert not any("unsupported" in w for w in opts.warnings)
    _, objects = _abc_objects(out)
    obj = next(o for p, o in objects if alembic_io.object_schema(o) == "AbcGeom_PolyMesh")
    sample = AbcGeom.IPolyMesh(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema().getValue()
    pts = np.asarray(sample.getPositions())
    counts, idx = np.asarray(sample.getFaceCounts()), np.asarray(sample.getFaceIndices())
    assert counts.sum() == len(idx) and idx.max() < len(pts)
    extent = 2.0 if kind == "Cube" else 2.0  # half of the cube's size 4, or the radius 2
    assert np.isclose(np.abs(pts[:, :2]).max(), extent, atol=1e-5)


@pytest.mark.parametrize("mode", ["instance", "expand"])
def test_point_instancer_instances_become_alembic_instances_or_copies(tmp_path, mode):
    from pxr import Gf, UsdGeom

    def build(stage):
        pi = UsdGeom.PointInstancer.Define(stage, "/scatter")
        UsdGeom.Scope.Define(stage, "/scatter/protos")
        _triangle(stage, "/scatter/protos/leaf")
        pi.GetPrototypesRel().AddTarget("/scatter/protos/leaf")
        pi.GetProtoIndicesAttr().Set([0, 0, 0, 0])
        pi.GetPositionsAttr().Set([Gf.Vec3f(i * 2.0, 0, 0) for i in range(4)])

    src = _stage(str(tmp_path / "pi.usda"), build)
    out = str(tmp_path / "pi.abc")
    opts = ConvertOptions(instances=mode)
    convert(src, out, opts)
    assert not any("PointInstancer" in w for w in opts.warnings)
    _, objects = _abc_objects(out)
    shapes = [p for p, o in objects if alembic_io.object_schema(o) in ("AbcGeom_PolyMesh", "AbcGeom_SubD")]
    assert len(shapes) == 4, shapes
    assert sum(o.isInstanceRoot() for _, o in objects) == (3 if mode == "instance" else 0)
    from sdf.alembic.frames import AlembicReader

    r = AlembicReader(out)
    xs = sorted(round(float(r.read(p, 0, 24.0).world[3, 0]), 4) for p in shapes)
    assert xs == [0.0, 2.0, 4.0, 6.0]


def test_point_instancer_as_points_with_ids_orientations_and_scales(tmp_path, run):
    from alembic3d import Abc, AbcGeom
    from pxr import Gf, UsdGeom

    def build(stage):
        pi = UsdGeom.PointInstancer.Define(stage, "/scatter")
        UsdGeom.Scope.Define(stage, "/scatter/protos")
        _triangle(stage, "/scatter/protos/leaf")
        _triangle(stage, "/scatter/protos/rock")
        pi.GetPrototypesRel().SetTargets(["/scatter/protos/leaf", "/scatter/protos/rock"])
        pi.GetProtoIndicesAttr().Set([0, 1, 1])
        pi.GetIdsAttr().Set([7, 8, 9])
        pi.GetPositionsAttr().Set([Gf.Vec3f(i, 2.0 * i, 0) for i in range(3)])
        pi.GetOrientationsAttr().Set([Gf.Quath(1, 0, 0, 0), Gf.Quath(0, 1, 0, 0), Gf.Quath(0.5, 0.5, 0.5, 0.5)])
        pi.GetScalesAttr().Set([Gf.Vec3f(1, 1, 1), Gf.Vec3f(2, 2, 2), Gf.Vec3f(1, 3, 1)])

    src = _stage(str(tmp_path / "pi.usda"), build)
    out = tmp_path / "pi.abc"
    assert run("convert", src, out, "--instances", "points").exit_code == 0
    _, objects = _abc_objects(str(out))
    obj = next(o for p, o in objects if alembic_io.object_schema(o) == "AbcGeom_Points")
    schema = AbcGeom.IPoints(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    sample = schema.getValue()
    assert np.allclose(np.asarray(sample.getPositions()), [[0, 0, 0], [1, 2, 0], [2, 4, 0]])
    assert list(np.asarray(sample.getIds())) == [7, 8, 9]
    arb = schema.getArbGeomParams()
    orient = np.asarray(AbcGeom.IFloatGeomParam(arb, "orientation").getExpandedValue().getVals()).reshape(-1, 4)
    assert np.allclose(orient, [[1, 0, 0, 0], [0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5]])
    scale = np.asarray(AbcGeom.IV3fGeomParam(arb, "scale").getExpandedValue().getVals())
    assert np.allclose(scale, [[1, 1, 1], [2, 2, 2], [1, 3, 1]])
    assert list(np.asarray(AbcGeom.IInt32GeomParam(arb, "protoIndex").getExpandedValue().getVals())) == [0, 1, 1]
    protos = [p for p, o in objects if "/prototypes/" in p and
              alembic_io.object_schema(o) in ("AbcGeom_PolyMesh", "AbcGeom_SubD")]
    assert len(protos) == 2, protos  # each prototype written once
