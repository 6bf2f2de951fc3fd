"""Alembic -> USD for NURBS patches, lights, materials and material assignments (made by the test)."""
import numpy as np
import pytest

from sdf.converters.options import ConvertOptions
from sdf.converters.registry import convert


def _archive(path):
    import imath
    from alembic3d import Abc, AbcGeom, AbcMaterial

    from sdf.alembic.write import float_array, int_array, put, v3f, write_archive

    def body(arch):
        top = arch.getTop()
        mats = AbcGeom.OXform(top, "materials")
        put(mats.getSchema(), AbcGeom.XformSample())
        schema = AbcMaterial.OMaterial(mats, "red").getSchema()
        schema.setShader("arnold", "surface", "standard_surface")
        params = schema.getShaderParameters("arnold", "surface")
        Abc.OFloatProperty(params, "base").setValue(0.8)
        Abc.OC3fProperty(params, "base_color").setValue(imath.Color3f(1, 0, 0))
        blue = AbcMaterial.OMaterial(mats, "blue").getSchema()
        blue.setShader("arnold", "surface", "standard_surface")
        Abc.OC3fProperty(blue.getShaderParameters("arnold", "surface"), "base_color").setValue(imath.Color3f(0, 0, 1))
        xf = AbcGeom.OXform(top, "box")
        put(xf.getSchema(), AbcGeom.XformSample())
        mesh = AbcGeom.OPolyMesh(xf, "boxShape")
        points = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]], np.float32)
        put(mesh.getSchema(), AbcGeom.OPolyMeshSchemaSample(
            v3f(points), int_array(np.array([0, 1, 2, 3, 0, 1, 5, 4], np.int32)), int_array(np.array([4, 4], np.int32))))
        AbcMaterial.addMaterialAssignment(mesh, "/materials/red")
        fs = mesh.getSchema().createFaceSet("lid")  # Maya's per-face shading group
        put(fs.getSchema(), AbcGeom.OFaceSetSchemaSample(int_array(np.array([1], np.int32))))
        AbcMaterial.addMaterialAssignment(fs, "/materials/blue")
        patch = AbcGeom.ONuPatch(top, "patch")
        cvs = np.array([[x, y, 0.1 * x * y] for y in range(4) for x in range(5)], np.float32)
        put(patch.getSchema(), AbcGeom.ONuPatchSchemaSample(
            v3f(cvs), 5, 4, 4, 3, float_array(np.array([0, 0, 0, 0, 0.5, 1, 1, 1, 1], np.float32)),
            float_array(np.array([0, 0, 0, 1, 1, 1, 1], np.float32))))
        lamp = AbcGeom.OLight(top, "key")
        Abc.OFloatProperty(lamp.getSchema().getUserProperties(), "intensity").setValue(5.0)
        lamp.getSchema().setCameraSample(AbcGeom.CameraSample())  # Alembic's default: 35 mm, 3.6 x 2.4 cm

    write_archive(path, body)


def test_patches_lights_materials_and_assignments(tmp_path):
    from pxr import Usd, UsdGeom, UsdLux, UsdShade

    src, out = str(tmp_path / "shade.abc"), str(tmp_path / "shade.usda")
    _archive(src)
    opts = ConvertOptions()
    convert(src, out, opts)
    stage = Usd.Stage.Open(out)
    assert not any("unsupported" in w for w in opts.warnings), opts.warnings
    # Materials: one shader per target and type, its parameters as inputs.
    red = UsdShade.Material(stage.GetPrimAtPath("/shade/materials/red"))
    shader = UsdShade.Shader(stage.GetPrimAtPath("/shade/materials/red/arnold_surface"))
    assert red and shader.GetShaderId() == "standard_surface"
    assert np.isclose(shader.GetInput("base").Get(), 0.8)
    assert tuple(shader.GetInput("base_color").Get()) == (1, 0, 0)
    assert red.GetSurfaceOutput("arnold").GetConnectedSources()[0][0].source.GetPrim() == shader.GetPrim()
    # Assignments: the mesh's to its material, the face set's to its own, as a materialBind subset.
    mesh = stage.GetPrimAtPath("/shade/box/boxShape")
    bound, _ = UsdShade.MaterialBindingAPI(mesh).ComputeBoundMaterial()
    assert bound.GetPath() == "/shade/materials/red"
    subsets = UsdShade.MaterialBindingAPI(mesh).GetMaterialBindSubsets()
    assert [s.GetPrim().GetName() for s in subsets] == ["lid"] and list(subsets[0].GetIndicesAttr().Get()) == [1]
    lid, _ = UsdShade.MaterialBindingAPI(subsets[0].GetPrim()).ComputeBoundMaterial()
    assert lid.GetPath() == "/shade/materials/blue"
    # The NURBS patch, value by value.
    patch = UsdGeom.NurbsPatch(stage.GetPrimAtPath("/shade/patch"))
    assert (patch.GetUVertexCountAttr().Get(), patch.GetVVertexCountAttr().Get()) == (5, 4)
    assert (patch.GetUOrderAttr().Get(), patch.GetVOrderAttr().Get()) == (4, 3)
    assert list(patch.GetUKnotsAttr().Get()) == [0, 0, 0, 0, 0.5, 1, 1, 1, 1]
    cvs = np.array(patch.GetPointsAttr().Get())
    assert cvs.shape == (20, 3) and np.isclose(cvs[19, 2], 0.1 * 4 * 3)
    # The light: a SphereLight at its place, the exporter's properties carried, and a warning.
    key = stage.GetPrimAtPath("/shade/key")
    assert key.IsA(UsdLux.SphereLight) and key.GetAttribute("userProperties:intensity").Get() == 5.0
    assert any("/key" in w and "SphereLight" in w for w in opts.warnings)
    # Its camera (the light's frustum) is carried, in USD's units: a 35 mm lens, a 3.6 x 2.4 cm back.
    frustum = UsdGeom.Camera(key.GetChild("frustum"))
    assert frustum and frustum.GetFocalLengthAttr().Get() == pytest.approx(35.0)
    assert frustum.GetHorizontalApertureAttr().Get() == pytest.approx(36.0)


def test_shader_network_becomes_a_usdshade_network(tmp_path):
    """A material's network (nodes, connections, terminals, interface parameters), made with Alembic's
    API, arrives as a UsdShade network of the same nodes and connections."""
    import imath
    from alembic3d import Abc, AbcMaterial
    from pxr import Usd, UsdShade

    from sdf.alembic.write import write_archive

    def body(arch):
        schema = AbcMaterial.OMaterial(arch.getTop(), "skin").getSchema()
        schema.addNetworkNode("albedo_tex", "arnold", "image")
        schema.addNetworkNode("tint", "arnold", "multiply")
        schema.addNetworkNode("surf", "arnold", "standard_surface")
        schema.addNetworkNode("bump", "arnold", "bump2d")
        Abc.OStringProperty(schema.getNetworkNodeParameters("albedo_tex"), "filename").setValue("skin_albedo.tx")
        Abc.OC3fProperty(schema.getNetworkNodeParameters("tint"), "input2").setValue(imath.Color3f(1, 0.8, 0.7))
        Abc.OFloatProperty(schema.getNetworkNodeParameters("surf"), "specular").setValue(0.4)
        Abc.OFloatProperty(schema.getNetworkNodeParameters("bump"), "bump_height").setValue(0.02)
        schema.setNetworkNodeConnection("tint", "input1", "albedo_tex", "out")
        schema.setNetworkNodeConnection("surf", "base_color", "tint", "out")
        schema.setNetworkNodeConnection("surf", "normal", "bump", "out")
        schema.setNetworkTerminal("arnold", "surface", "surf", "out")
        Abc.OFloatProperty(schema.getNetworkInterfaceParameters(), "spec").setValue(0.6)
        schema.setNetworkInterfaceParameterMapping("spec", "surf", "specular")

    src, out = str(tmp_path / "net.abc"), str(tmp_path / "net.usda")
    write_archive(src, body)
    convert(src, out, ConvertOptions())
    stage = Usd.Stage.Open(out)
    mat = UsdShade.Material(stage.GetPrimAtPath("/net/skin"))
    shaders = {p.GetName(): UsdShade.Shader(p) for p in mat.GetPrim().GetChildren()}
    assert {n: s.GetShaderId() for n, s in shaders.items()} == {
        "albedo_tex": "image", "tint": "multiply", "surf": "standard_surface", "bump": "bump2d"}
    assert all(s.GetPrim().GetCustomDataByKey("alembic:target") == "arnold" for s in shaders.values())
    assert shaders["albedo_tex"].GetInput("filename").Get() == "skin_albedo.tx"
    assert tuple(shaders["tint"].GetInput("input2").Get()) == pytest.approx((1, 0.8, 0.7))
    assert shaders["bump"].GetInput("bump_height").Get() == pytest.approx(0.02)

    def source(inp):
        (info,), _ = inp.GetConnectedSources()
        return info.source.GetPrim().GetName(), info.sourceName

    assert source(shaders["tint"].GetInput("input1")) == ("albedo_tex", "out")
    assert source(shaders["surf"].GetInput("base_color")) == ("tint", "out")
    assert source(shaders["surf"].GetInput("normal")) == ("bump", "out")
    assert source(mat.GetSurfaceOutput("arnold")) == ("surf", "out")
    # The interface parameter: a material input with its value, driving the node parameter it maps to.
    assert mat.GetInput("spec").Get() == pytest.approx(0.6)
    spec = shaders["surf"].GetInput("specular")
    assert spec.Get() == pytest.approx(0.4) and source(spec) == ("skin", "spec")
    # Every connected node input, counted: nothing but these four.
    connected = [(s.GetPrim().GetName(), i.GetBaseName()) for s in shaders.values() for i in s.GetInputs()
                 if i.HasConnectedSource()]
    assert sorted(connected) == [("surf", "base_color"), ("surf", "normal"), ("surf", "specular"), ("tint", "input1")]
