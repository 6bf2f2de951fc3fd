"""USD -> Alembic -> USD for cameras and UsdLux lights: stages made here, compared value by value."""
import numpy as np
import pytest

from sdf.alembic import io as alembic_io
from sdf.converters.options import ConvertOptions
from sdf.converters.registry import convert
from conftest import corpus_files

FOCAL = {1001: 35.0, 1002: 50.0, 1003: 85.0}


def _camera_stage(path, mpu):
    """A camera-only stage, as tracking hands it to layout: the lens animated over three frames.

    Values are in tenths of a scene unit, as USD stores them: with centimetres (mpu 0.01) one
    unit is a millimetre, with metres (Blender) 35 mm is 0.35.
    """
    from pxr import Gf, Usd, UsdGeom

    k = 0.01 / mpu  # millimetres -> tenths of a scene unit
    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageMetersPerUnit(stage, mpu)
    stage.SetTimeCodesPerSecond(24)
    stage.SetStartTimeCode(1001)
    stage.SetEndTimeCode(1003)
    cam = UsdGeom.Camera.Define(stage, "/shot/cam")
    cam.AddTranslateOp().Set(Gf.Vec3d(1, 2, 30))
    for frame, mm in FOCAL.items():
        cam.GetFocalLengthAttr().Set(mm * k, frame)
    cam.GetHorizontalApertureAttr().Set(36.0 * k)
    cam.GetVerticalApertureAttr().Set(24.0 * k)
    cam.GetHorizontalApertureOffsetAttr().Set(1.5 * k)
    cam.GetVerticalApertureOffsetAttr().Set(-0.5 * k)
    cam.GetClippingRangeAttr().Set(Gf.Vec2f(0.5, 5000.0))
    cam.GetFocusDistanceAttr().Set(250.0)
    cam.GetFStopAttr().Set(2.8)
    cam.GetShutterOpenAttr().Set(-0.25)
    cam.GetShutterCloseAttr().Set(0.25)
    stage.GetRootLayer().Save()
    return path


def _abc_object(path, suffix):
    archive = alembic_io.open_archive(path, cached=False)
    objects = dict(alembic_io.walk_objects(archive))
    return archive, next(o for p, o in objects.items() if p.endswith(suffix))


@pytest.mark.parametrize("mpu", [0.01, 1.0])
def test_camera_only_stage_converts_every_lens_sample_in_alembic_units(tmp_path, run, mpu):
    from alembic3d import Abc, AbcGeom
    from pxr import Usd, UsdGeom

    src = _camera_stage(str(tmp_path / "cam.usda"), mpu)
    out = tmp_path / "cam.abc"
    res = run("convert", src, out)  # no --allow-empty: a camera is something Alembic holds
    assert res.exit_code == 0, res.output
    archive, obj = _abc_object(str(out), "/cam/camShape")
    schema = AbcGeom.ICamera(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert schema.getNumSamples() == 3
    for i, (frame, mm) in enumerate(FOCAL.items()):
        assert schema.getTimeSampling().getSampleTime(i) * 24 == pytest.approx(frame)
        s = schema.getValue(alembic_io.select(schema, i))
        assert s.getFocalLength() == pytest.approx(mm)                      # millimetres
        assert s.getHorizontalAperture() == pytest.approx(3.6)             # centimetres
        assert s.getVerticalAperture() == pytest.approx(2.4)
        assert s.getHorizontalFilmOffset() == pytest.approx(0.15)
        assert s.getVerticalFilmOffset() == pytest.approx(-0.05)
        assert (s.getNearClippingPlane(), s.getFarClippingPlane()) == pytest.approx((0.5, 5000.0))
        assert s.getFocusDistance() == pytest.approx(250.0)
        assert s.getFStop() == pytest.approx(2.8)
        assert (s.getShutterOpen(), s.getShutterClose()) == pytest.approx((-0.25 / 24, 0.25 / 24))
    # And back: the same lens at every frame, in tenths of the new stage's unit.
    back = tmp_path / "cam_back.usda"
    assert run("convert", out, back).exit_code == 0
    stage = Usd.Stage.Open(str(back))
    assert UsdGeom.GetStageMetersPerUnit(stage) == mpu  # stated in the archive: Alembic has no units
    k = 0.01 / mpu
    cam = UsdGeom.Camera(next(p for p in stage.Traverse() if p.GetName() == "camShape"))
    for frame, mm in FOCAL.items():
        assert cam.GetFocalLengthAttr().Get(frame) == pytest.approx(mm * k, rel=1e-6)
        assert cam.GetHorizontalApertureAttr().Get(frame) == pytest.approx(36.0 * k, rel=1e-6)
        assert cam.GetHorizontalApertureOffsetAttr().Get(frame) == pytest.approx(1.5 * k, rel=1e-6)
        assert tuple(cam.GetClippingRangeAttr().Get(frame)) == pytest.approx((0.5, 5000.0))
        assert cam.GetFStopAttr().Get(frame) == pytest.approx(2.8)
        assert cam.GetFocusDistanceAttr().Get(frame) == pytest.approx(250.0)


def _light_stage(path):
    """A light-only stage: a sphere light with an animated intensity and a cone, a rect light with a
    texture and a frustum camera, a distant light and a dome light."""
    from pxr import Gf, Sdf, Usd, UsdGeom, UsdLux

    stage = Usd.Stage.CreateNew(path)
    stage.SetTimeCodesPerSecond(24)
    key = UsdLux.SphereLight.Define(stage, "/lights/key")
    key.AddTranslateOp().Set(Gf.Vec3d(3, 4, 5))
    key.CreateColorAttr().Set(Gf.Vec3f(1.0, 0.5, 0.25))
    key.CreateIntensityAttr().Set(10.0, 1)
    key.CreateIntensityAttr().Set(20.0, 2)
    key.CreateIntensityAttr().Set(40.0, 3)
    key.CreateExposureAttr().Set(1.5)
    key.CreateRadiusAttr().Set(0.3)
    key.CreateTreatAsPointAttr().Set(False)
    UsdLux.ShapingAPI.Apply(key.GetPrim()).CreateShapingConeAngleAttr().Set(40.0)
    card = UsdLux.RectLight.Define(stage, "/lights/card")
    card.CreateWidthAttr().Set(2.0)
    card.CreateHeightAttr().Set(0.5)
    card.CreateTextureFileAttr().Set(Sdf.AssetPath("tex/card.exr"))
    card.CreateIntensityAttr().Set(3.0)
    frustum = UsdGeom.Camera.Define(stage, "/lights/card/frustum")
    frustum.GetFocalLengthAttr().Set(25.0)
    frustum.GetHorizontalApertureAttr().Set(20.0)
    sun = UsdLux.DistantLight.Define(stage, "/lights/sun")
    sun.CreateAngleAttr().Set(0.5)
    sun.CreateIntensityAttr().Set(50000.0)
    sky = UsdLux.DomeLight.Define(stage, "/lights/sky")
    sky.CreateTextureFileAttr().Set(Sdf.AssetPath("tex/sky.exr"))
    sky.CreateTextureFormatAttr().Set("latlong")
    stage.GetRootLayer().Save()
    return path


def _user_properties(obj):
    from alembic3d import Abc, AbcGeom

    schema = AbcGeom.ILight(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    user = schema.getUserProperties()
    out = {}
    for i in range(user.getNumProperties()):
        name = user.getPropertyHeader(i).getName()
        prop = Abc.IScalarProperty(user, name)
        out[name] = [prop.getValue(alembic_io.select(prop, k)) for k in range(prop.getNumSamples())]
    return schema, out


def test_light_only_stage_writes_alembic_lights_and_reads_them_back(tmp_path, run):
    from pxr import Usd, UsdGeom, UsdLux

    src = _light_stage(str(tmp_path / "lights.usda"))
    out = tmp_path / "lights.abc"
    res = run("convert", src, out)
    assert res.exit_code == 0, res.output
    _, key = _abc_object(str(out), "/key/keyShape")
    assert alembic_io.object_schema(key) == "AbcGeom_Light"
    schema, props = _user_properties(key)
    assert props["type"] == ["SphereLight"]
    assert props["intensity"] == pytest.approx([10.0, 20.0, 40.0])  # every time sample
    assert [tuple(c) for c in props["color"]] == [pytest.approx((1.0, 0.5, 0.25))]
    assert props["exposure"] == pytest.approx([1.5]) and props["radius"] == pytest.approx([0.3])
    assert props["shaping:cone:angle"] == pytest.approx([40.0]) and props["treatAsPoint"] == [False]
    assert not schema.getCameraSchema().valid()  # no frustum given: none written
    _, card = _abc_object(str(out), "/card/cardShape")
    schema, props = _user_properties(card)
    assert props["type"] == ["RectLight"] and props["texture:file"] == ["tex/card.exr"]
    assert (props["width"], props["height"]) == (pytest.approx([2.0]), pytest.approx([0.5]))
    cam = schema.getCameraSchema()
    assert cam.valid() and cam.getValue(alembic_io.select(cam, 0)).getFocalLength() == pytest.approx(25.0)
    archive = alembic_io.open_archive(str(out), cached=False)
    assert not [p for p, _ in alembic_io.walk_objects(archive) if "frustum" in p]  # the light's own camera
    _, sun = _abc_object(str(out), "/sun/sunShape")
    assert _user_properties(sun)[1]["angle"] == pytest.approx([0.5])
    _, sky = _abc_object(str(out), "/sky/skyShape")
    assert _user_properties(sky)[1]["texture:format"] == ["latlong"]

    # Alembic -> USD: the same light types and values, every sample, and the frustum as a camera.
    back = tmp_path / "lights_back.usda"
    res = run("convert", out, back)
    assert res.exit_code == 0 and "stores no type" not in res.output
    stage = Usd.Stage.Open(str(back))
    by_name = {p.GetName(): p for p in stage.Traverse()}
    key = UsdLux.SphereLight(by_name["keyShape"])
    assert key and [key.GetIntensityAttr().Get(f) for f in (1, 2, 3)] == pytest.approx([10.0, 20.0, 40.0])
    assert tuple(key.GetColorAttr().Get()) == pytest.approx((1.0, 0.5, 0.25))
    assert key.GetExposureAttr().Get() == pytest.approx(1.5) and key.GetRadiusAttr().Get() == pytest.approx(0.3)
    assert key.GetTreatAsPointAttr().Get() is False
    assert UsdLux.ShapingAPI(key.GetPrim()).GetShapingConeAngleAttr().Get() == pytest.approx(40.0)
    card = UsdLux.RectLight(by_name["cardShape"])
    assert card and card.GetTextureFileAttr().Get().path == "tex/card.exr"
    assert (card.GetWidthAttr().Get(), card.GetHeightAttr().Get()) == (2.0, 0.5)
    frustum = UsdGeom.Camera(card.GetPrim().GetChild("frustum"))
    assert frustum and frustum.GetFocalLengthAttr().Get() == pytest.approx(25.0)
    assert frustum.GetHorizontalApertureAttr().Get() == pytest.approx(20.0)
    assert UsdLux.DistantLight(by_name["sunShape"]).GetAngleAttr().Get() == pytest.approx(0.5)
    assert UsdLux.DomeLight(by_name["skyShape"]).GetTextureFormatAttr().Get() == "latlong"
    # The light's place: its transform arrived on the Xform above it.
    xf = UsdGeom.Xformable(by_name["key"]).GetLocalTransformation(1)
    assert tuple(xf.ExtractTranslation()) == pytest.approx((3, 4, 5))


def test_stage_with_nothing_alembic_holds_is_still_refused(tmp_path, run):
    from pxr import Usd, UsdShade

    stage = Usd.Stage.CreateNew(str(tmp_path / "look.usda"))
    UsdShade.Material.Define(stage, "/looks/red")
    stage.GetRootLayer().Save()
    res = run("convert", tmp_path / "look.usda", tmp_path / "look.abc")
    assert res.exit_code == 2 and "no geometry, camera or light" in res.output
    assert not (tmp_path / "look.abc").exists()


@pytest.mark.parametrize("name", ["sphereLight.usda", "animatedLight.usda"])
def test_corpus_light_stages_convert(tmp_path, name):
    """The UsdLux files in the shared corpus (written elsewhere) convert, every value carried."""
    from pxr import Usd, UsdLux

    src = next(p for p in corpus_files(".usda") if p.endswith(name))
    out = str(tmp_path / "l.abc")
    convert(src, out, ConvertOptions())
    stage = Usd.Stage.Open(src)
    archive = alembic_io.open_archive(out, cached=False)
    lights = {p.rsplit("/", 1)[-1]: o for p, o in alembic_io.walk_objects(archive)
              if alembic_io.object_schema(o) == "AbcGeom_Light"}
    usd_lights = [p for p in stage.Traverse() if p.HasAPI(UsdLux.LightAPI)]
    assert sorted(lights) == sorted(p.GetName() + "Shape" for p in usd_lights)
    for prim in usd_lights:
        _, props = _user_properties(lights[prim.GetName() + "Shape"])
        for attr in prim.GetAuthoredAttributes():
            if not attr.GetName().startswith("inputs:"):
                continue
            prop_name = attr.GetName()[len("inputs:"):]
            times = attr.GetTimeSamples() or [Usd.TimeCode.Default()]
            expect = [attr.Get(t) for t in times]
            got = props[prop_name]
            if isinstance(expect[0], float):
                assert got == pytest.approx(expect), (prim.GetPath(), prop_name)
            else:
                assert [tuple(g) if not isinstance(g, (bool, int, str)) else g for g in got] == \
                    [tuple(e) if not isinstance(e, (bool, int, str)) else e for e in expect], (prim.GetPath(), prop_name)
    if name == "sphereLight.usda":  # Maya's spot light: a point sphere light with a cone
        _, props = _user_properties(lights["SpotLight23Shape"])
        assert props["treatAsPoint"] == [True] and np.isclose(props["shaping:cone:angle"][0], 66)


def test_alembic_light_with_a_mistyped_input_keeps_it_as_a_user_property(tmp_path):
    """A light naming a UsdLux type whose ``intensity`` is a string: the light keeps its type and other
    inputs, the odd value is kept as ``userProperties:intensity`` and named in a warning."""
    from alembic3d import Abc, AbcGeom
    from pxr import Usd, UsdLux

    from sdf.alembic.write import write_archive

    def body(arch):
        user = AbcGeom.OLight(arch.getTop(), "fill").getSchema().getUserProperties()
        Abc.OStringProperty(user, "type").setValue("DiskLight")
        Abc.OStringProperty(user, "intensity").setValue("bright")
        Abc.OFloatProperty(user, "radius").setValue(0.75)

    src, out = str(tmp_path / "odd.abc"), str(tmp_path / "odd.usda")
    write_archive(src, body)
    opts = ConvertOptions()
    convert(src, out, opts)
    stage = Usd.Stage.Open(out)
    prim = stage.GetPrimAtPath("/odd/fill")
    disk = UsdLux.DiskLight(prim)
    assert disk and disk.GetRadiusAttr().Get() == pytest.approx(0.75)
    assert not disk.GetIntensityAttr().HasAuthoredValue()
    assert prim.GetAttribute("userProperties:intensity").Get() == "bright"
    assert any("/fill" in w and "intensity" in w for w in opts.warnings), opts.warnings
