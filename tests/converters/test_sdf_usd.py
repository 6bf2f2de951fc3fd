"""SDF <-> USD: department layer stack, validation, round trip, foreign stages."""
import os

import numpy as np
import pytest

import sdf
from sdf.converters.options import ConvertOptions
from sdf.converters.registry import convert
from sdf.converters.sdf_usd import open_for_department
from conftest import corpus_files


@pytest.fixture
def stage_dir(demo, tmp_path):
    root, shot = demo
    out = tmp_path / "usd"
    out.mkdir()
    result = convert(shot, str(out / "sh010.usda"), ConvertOptions())
    return shot, str(out / "sh010.usda"), result


def test_layer_stack_one_layer_per_department_strongest_downstream(stage_dir):
    from pxr import Sdf, Usd

    shot, root_usd, result = stage_dir
    stage = Usd.Stage.Open(root_usd)
    names = [os.path.splitext(os.path.basename(l.identifier))[0]
             for l in stage.GetLayerStack(includeSessionLayers=False)]
    assert names == ["sh010", "lighting", "fx", "texture_shader", "animation", "final_layout", "tracking", "rig",
                     "model", "layout"]
    layers = {n: l for n, l in zip(names, stage.GetLayerStack(includeSessionLayers=False))}
    # Each department's opinions live in its own layer.
    assert layers["lighting"].GetPrimAtPath("/sh010/lights/dome") is not None
    assert layers["model"].GetPrimAtPath("/sh010/lights") is None
    hero_xf = Sdf.Path("/sh010/model/chars/hero.xformOp:transform")
    assert layers["final_layout"].GetAttributeAtPath(hero_xf) is not None
    assert layers["texture_shader"].GetPrimAtPath("/sh010/Looks/skin") is not None
    assert layers["tracking"].GetPrimAtPath("/sh010/cameras/shotCam") is not None
    assert layers["animation"].GetPrimAtPath("/sh010/model/chars/hero/body/geometry/shape") is not None
    # Stage metadata from the shot.
    assert stage.GetTimeCodesPerSecond() == 24 and (stage.GetStartTimeCode(), stage.GetEndTimeCode()) == (1001, 1048)
    assert stage.GetDefaultPrim().GetPath() == "/sh010"


def test_composed_values_match_the_shot(stage_dir):
    from pxr import Usd, UsdGeom, UsdLux, UsdRender, UsdShade

    shot_path, root_usd, _ = stage_dir
    shot = sdf.open(shot_path)
    stage = Usd.Stage.Open(root_usd)
    hero = stage.GetPrimAtPath("/sh010/model/chars/hero")
    np.testing.assert_allclose(np.array(UsdGeom.Xformable(hero).GetLocalTransformation()).reshape(-1),
                               shot.model_tree.find("/chars/hero").transform)
    body = stage.GetPrimAtPath("/sh010/model/chars/hero/body")
    assert UsdShade.MaterialBindingAPI(body).ComputeBoundMaterial()[0].GetPath() == "/sh010/Looks/skin"
    # Animation: the deforming cache replaced the rest pose, every frame.
    from sdf.alembic.frames import AlembicReader
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/sh010/model/chars/hero/body/geometry/shape"))
    anim = shot.model_tree.find("/chars/hero/body").animation
    reader = AlembicReader(shot.resolve(anim.file))
    for frame in (1001, 1030):
        d = reader.read(anim.object, frame, 24.0)
        pts = np.asarray(mesh.GetPointsAttr().Get(frame))
        pov = d.topology.point_of_vertex
        np.testing.assert_array_equal(pts[pov] if pov is not None else pts, d.positions)
    # The bouncing ball: Alembic parent transforms per frame on the geometry prim.
    ball = UsdGeom.Xformable(stage.GetPrimAtPath("/sh010/model/props/ball/geometry"))
    assert ball.TransformMightBeTimeVarying()
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/sh010/cameras/shotCam"))
    assert cam.GetFocalLengthAttr().Get() == pytest.approx(35.0)  # centimetre scene: tenths of a unit are mm
    assert len(UsdGeom.Xformable(cam).GetTimeSamples()) == 48
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/sh010/lights/dome"))
    tex = dome.GetTextureFileAttr().Get()
    assert tex.resolvedPath.endswith("sky.exr") and os.path.exists(tex.resolvedPath)
    lamp = UsdLux.LightAPI(stage.GetPrimAtPath("/sh010/lights/practicals/lamp"))
    assert lamp.GetIntensityAttr().Get(1001) == pytest.approx(2.0)
    assert lamp.GetIntensityAttr().Get(1024) == pytest.approx(6.0)
    assert stage.GetPrimAtPath("/sh010/lights/rim_group/rim").HasAPI(UsdLux.ShapingAPI)
    settings = UsdRender.Settings(stage.GetPrimAtPath("/Render/settings"))
    assert len(settings.GetProductsRel().GetTargets()) == 3
    product = UsdRender.Product(stage.GetPrimAtPath("/Render/products/characters"))
    assert product.GetProductNameAttr().Get() == "renders/characters/characters.####.exr"
    assert [t.name for t in product.GetOrderedVarsRel().GetTargets()] == ["beauty", "diffuse", "specular", "N", "depth"]
    rpass = UsdRender.Pass(stage.GetPrimAtPath("/Render/passes/environment"))
    members = {str(p) for p in rpass.GetRenderVisibilityCollectionAPI().GetIncludesRel().GetTargets()}
    assert "/sh010/model/env/rock" in members and "/sh010/model/chars/hero" not in members
    rig = stage.GetPrimAtPath("/sh010").GetAttribute("sdf:rigs:hero_rig").Get()
    assert rig.resolvedPath.endswith("hero_rig.ma")


def test_output_passes_usd_validation(stage_dir):
    from pxr import Usd, UsdValidation

    _, root_usd, _ = stage_dir
    registry = UsdValidation.ValidationRegistry()
    context = UsdValidation.ValidationContext(registry.GetOrLoadAllValidators())
    errors = [e for e in context.Validate(Usd.Stage.Open(root_usd))
              if e.GetType() == UsdValidation.ValidationErrorType.Error]
    assert errors == [], [e.GetMessage() for e in errors]


def test_department_view_locks_other_layers(stage_dir):
    from pxr import Tf

    _, root_usd, _ = stage_dir
    stage = open_for_department(root_usd, "lighting")
    key = stage.GetPrimAtPath("/sh010/lights/key_group/key")
    key.GetAttribute("inputs:intensity").Set(9.0)  # own layer: fine
    assert os.path.basename(stage.GetEditTarget().GetLayer().identifier) == "lighting.usda"
    from pxr import Usd
    for dept in ("model", "final_layout"):
        layer = next(l for l in stage.GetLayerStack() if l.identifier.endswith(f"{dept}.usda"))
        assert not layer.permissionToEdit
        stage.SetEditTarget(Usd.EditTarget(layer))
        with pytest.raises(Tf.ErrorException):
            stage.GetPrimAtPath("/sh010/model/chars/hero").CreateAttribute(
                "sdf:intruder", __import__("pxr").Sdf.ValueTypeNames.Float).Set(1.0)


def test_geometry_is_converted_once_and_reused_while_unchanged(demo, tmp_path):
    root, shot = demo
    out = str(tmp_path / "sh010.usda")
    first = convert(shot, out, ConvertOptions())
    geo = sorted(first["geometry"])
    mtimes = {g: os.stat(g).st_mtime_ns for g in geo}
    assert len(geo) == 13  # 7 rest-pose files + 6 animation caches
    # Change one Alembic file: only its .usdc is redone.
    changed = os.path.join(root, "assets", "anim", "cloth_anim.abc")
    os.utime(changed, ns=(1, 1))
    convert(shot, out, ConvertOptions(force=True))
    redone = [g for g in geo if os.stat(g).st_mtime_ns != mtimes[g]]
    assert len(redone) == 1 and "cloth_anim" in redone[0]


def test_flatten_writes_one_layer(demo, tmp_path):
    from pxr import Usd

    _, shot = demo
    (tmp_path / "flat").mkdir()
    out = str(tmp_path / "flat" / "flat.usdc")
    convert(shot, out, ConvertOptions(flatten=True))
    assert sorted(os.listdir(tmp_path / "flat")) == ["flat.usdc"]
    stage = Usd.Stage.Open(out)
    assert len(stage.GetLayerStack(includeSessionLayers=False)) == 1
    assert stage.GetPrimAtPath("/sh010/model/chars/hero/body/geometry/shape").GetTypeName() == "Mesh"


def test_round_trip_sdf_usd_sdf_keeps_every_field(stage_dir):
    shot_path, root_usd, _ = stage_dir
    back = os.path.join(os.path.dirname(shot_path), "roundtrip.sdf")
    result = convert(root_usd, back, ConvertOptions())
    assert result["from_sdf_stage"]
    a, b = sdf.open(shot_path), sdf.open(back)
    a.load_all()
    b.load_all()
    assert sorted(a.parts) == sorted(b.parts)
    for kind in a.parts:
        assert a._docs[kind].to_json() == b._docs[kind].to_json(), kind
    for field in ("name", "fps", "up_axis", "meters_per_unit", "search_path", "intermediate"):
        assert getattr(a, field) == getattr(b, field), field
    assert (a.frame_range.start, a.frame_range.end) == (b.frame_range.start, b.frame_range.end)
    assert dict(a.metadata) == dict(b.metadata)
    from sdf.pipeline.validate import validate
    assert validate(back).ok


def test_maya_usd_to_sdf(tmp_path):
    src = [p for p in corpus_files(".usda") if p.endswith("vertexAnim.usda")]
    if not src:
        pytest.skip("shared corpus not present")
    out = str(tmp_path / "maya.sdf")
    result = convert(src[0], out, ConvertOptions())
    assert not result["from_sdf_stage"]
    shot = sdf.open(out)
    assert shot.fps == 24 or shot.fps > 0
    leaves = list(shot.model_tree.leaves())
    assert leaves
    from sdf.pipeline.validate import validate
    report = validate(out)
    assert report.ok, [str(e) for e in report.errors]
    from sdf.alembic.frames import AlembicReader
    leaf = leaves[0]
    reader = AlembicReader(shot.resolve(leaf.source.file, os.path.dirname(leaf._doc.path)))
    assert reader.num_samples(leaf.source.object) == 200


def test_blender_style_usd_to_sdf(tmp_path):
    from test_alembic_usd import _blender_stage
    from pxr import Usd, UsdLux, UsdRender

    src = str(tmp_path / "blender.usda")
    _blender_stage(src)
    stage = Usd.Stage.Open(src)
    sun = UsdLux.DistantLight.Define(stage, "/root/Sun")
    sun.CreateIntensityAttr().Set(3.0)
    sun.CreateIntensityAttr().Set(1.0, 1)
    sun.CreateIntensityAttr().Set(5.0, 2)
    product = UsdRender.Product.Define(stage, "/Render/beauty")
    product.CreateProductNameAttr().Set("render/beauty.####.exr")
    var = UsdRender.Var.Define(stage, "/Render/Vars/color")
    var.CreateDataTypeAttr().Set("color3f")
    var.CreateSourceNameAttr().Set("Ci")
    product.CreateOrderedVarsRel().SetTargets([var.GetPath()])
    stage.SetStartTimeCode(1)
    stage.SetEndTimeCode(2)
    stage.GetRootLayer().Save()
    out = str(tmp_path / "b.sdf")
    convert(src, out, ConvertOptions())
    shot = sdf.open(out)
    assert shot.up_axis == "Y" and shot.meters_per_unit == 1.0
    cam = shot.cameras.get("Camera")
    assert cam.focal_length == pytest.approx(50.0) and cam.horizontal_aperture == pytest.approx(36.0)
    light = shot.lights.find("Sun")
    assert light.type == "distant" and light.value_at("intensity", 2) == pytest.approx(5.0)
    layer = shot.render_layers.get("beauty")
    assert layer.output.path == "render/beauty.####.exr" and layer.aovs[0].name == "color"
    assert shot.model_tree.find("/root/Plane/Plane").source.object == "/root/Plane/Plane/PlaneShape"
    from sdf.pipeline.validate import validate
    assert validate(out).ok


def test_department_recorded_by_convert_is_used_when_opening(demo, tmp_path):
    _, shot = demo
    out = str(tmp_path / "lit.usda")
    convert(shot, out, ConvertOptions(department="lighting"))
    stage = open_for_department(out)
    assert os.path.basename(stage.GetEditTarget().GetLayer().identifier) == "lighting.usda"
    model = next(l for l in stage.GetLayerStack() if l.identifier.endswith("model.usda"))
    assert not model.permissionToEdit


def test_a_shot_written_back_from_usd_anywhere_in_the_project_validates(demo, run):
    """Relative references (search path, intermediate data) are rebased to the new shot's folder."""
    proj, shot = demo
    os.makedirs(os.path.join(proj, "out"))
    usd = os.path.join(proj, "out", "sh010.usda")
    assert run("convert", shot, usd).exit_code == 0
    for target in (os.path.join(proj, "back.sdf"), os.path.join(proj, "shots", "sh010", "v2", "back.sdf")):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        res = run("convert", usd, target)
        assert res.exit_code == 0, res.output
        res = run("validate", target)
        assert res.exit_code == 0, res.output


def test_looks_have_preview_surfaces_and_the_textures_colour_space(stage_dir):
    """Each look is a UsdPreviewSurface; the demo cloth's sRGB texture a UsdUVTexture reading the file the
    MaterialX library names, with sourceColorSpace sRGB, on the meshes' st primvar."""
    from pxr import Usd, UsdShade

    shot_path, root_usd, result = stage_dir
    stage = Usd.Stage.Open(root_usd)
    skin = UsdShade.Material(stage.GetPrimAtPath("/sh010/Looks/skin"))
    surface = skin.ComputeSurfaceSource()[0]
    assert surface.GetIdAttr().Get() == "UsdPreviewSurface"
    assert tuple(surface.GetInput("diffuseColor").Get()) == pytest.approx((0.8, 0.5, 0.4))
    cloth = UsdShade.Material(stage.GetPrimAtPath("/sh010/Looks/cloth"))
    diffuse = cloth.ComputeSurfaceSource()[0].GetInput("diffuseColor")
    texture = UsdShade.Shader(diffuse.GetConnectedSources()[0][0].source.GetPrim())
    assert texture.GetIdAttr().Get() == "UsdUVTexture"
    assert texture.GetInput("sourceColorSpace").Get() == "sRGB"
    asset = texture.GetInput("file").Get()
    assert os.path.basename(asset.path) == "flag.png" and os.path.isfile(asset.resolvedPath)
    reader = UsdShade.Shader(texture.GetInput("st").GetConnectedSources()[0][0].source.GetPrim())
    assert reader.GetIdAttr().Get() == "UsdPrimvarReader_float2" and reader.GetInput("varname").Get() == "st"
    assert not any("flag.png" in w for w in result["warnings"])


def test_a_missing_texture_is_one_warning_and_the_look_keeps_its_constant(demo, tmp_path):
    from pxr import Usd, UsdShade

    root, shot = demo
    os.remove(os.path.join(root, "assets", "textures", "flag.png"))
    result = convert(shot, str(tmp_path / "sh010.usda"), ConvertOptions())
    missing = [w for w in result["warnings"] if "flag.png" in w]
    assert len(missing) == 1 and "materials/shading.mtlx#cloth" in missing[0]
    stage = Usd.Stage.Open(str(tmp_path / "sh010.usda"))
    surface = UsdShade.Material(stage.GetPrimAtPath("/sh010/Looks/cloth")).ComputeSurfaceSource()[0]
    assert not surface.GetInput("diffuseColor").HasConnectedSource()


def test_linear_texture_is_raw_in_usd(tmp_path):
    """A texture declared lin_rec709 (or an undeclared EXR) is sourceColorSpace raw; an undeclared PNG sRGB."""
    from pxr import Usd, UsdShade

    from sdf.converters.usd_looks import preview_surface
    from sdf.dcc_plugins.shading import DEFAULTS
    from sdf.dcc_plugins.textures import Texture

    stage = Usd.Stage.CreateInMemory()
    spaces = {}
    for name, colorspace in (("lin", "lin_rec709"), ("srgb", "srgb_texture")):
        mat = UsdShade.Material.Define(stage, f"/Looks/{name}")
        params = {"base_color": (0.8, 0.8, 0.8), "roughness": 0.2, "metalness": 0.0, "emission": 0.0,
                  "emission_color": DEFAULTS["emission_color"], "opacity": 1.0,
                  "textures": {"base_color": Texture(str(tmp_path / "a.exr"), colorspace, "base_color")}}
        assert preview_surface(stage, mat, params, str(tmp_path)) == []
        spaces[name] = stage.GetPrimAtPath(f"/Looks/{name}/base_color_texture").GetAttribute(
            "inputs:sourceColorSpace").Get()
    assert spaces == {"lin": "raw", "srgb": "sRGB"}
