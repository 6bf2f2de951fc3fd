"""The shot's MaterialX surfaces as ``UsdPreviewSurface`` networks on the exported ``Looks`` materials.

The SDF -> USD export (:mod:`sdf.converters.sdf_usd`) defines one ``UsdShade.Material`` per material
reference; this gives it the surface every USD renderer and viewer understands, from the same
parameters a DCC host shades with (:func:`sdf.dcc_plugins.shading.material_shading`): diffuse colour,
roughness, metallic, emission and opacity. An image texture (:mod:`sdf.dcc_plugins.textures`) becomes
a ``UsdUVTexture`` read through a ``UsdPrimvarReader_float2`` of the meshes' ``st`` primvar (the
name the Alembic -> USD conversion gives UVs), with ``inputs:sourceColorSpace`` from the shared
colour-space rule: ``sRGB`` for an sRGB-encoded texture, ``raw`` for linear or data. A space USD has
no token for is also written as the ``file`` input's ``colorSpace`` metadata (its MaterialX name).
"""
from __future__ import annotations

import os

#: The UsdUVTexture output and the UsdPreviewSurface input each textured MaterialX input maps to.
TEXTURED = {"base_color": ("rgb", "diffuseColor", "color3f"), "specular_roughness": ("r", "roughness", "float")}


def _asset(file: str, layer_dir: str) -> str:
    """A texture's asset path: relative to the layer that names it when on the same drive (portable with
    the export), else absolute."""
    try:
        return os.path.relpath(file, layer_dir).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return file


def preview_surface(stage, material, params: dict, layer_dir: str) -> list[str]:
    """Define ``material``'s ``surface`` (UsdPreviewSurface) from surface ``params`` and its textures;
    returns problems (a colour space USD has no token for). ``layer_dir``: where the layer is written."""
    from pxr import Gf, Sdf, UsdShade

    from sdf.dcc_plugins.textures import host_space

    path = material.GetPath()
    surface = UsdShade.Shader.Define(stage, path.AppendChild("surface"))
    surface.CreateIdAttr("UsdPreviewSurface")
    emitted = Gf.Vec3f(*(float(params["emission"]) * c for c in params["emission_color"]))
    values = {"diffuseColor": (Sdf.ValueTypeNames.Color3f, Gf.Vec3f(*params["base_color"])),
              "roughness": (Sdf.ValueTypeNames.Float, float(params["roughness"])),
              "metallic": (Sdf.ValueTypeNames.Float, float(params["metalness"])),
              "emissiveColor": (Sdf.ValueTypeNames.Color3f, emitted),
              "opacity": (Sdf.ValueTypeNames.Float, float(params["opacity"]))}
    for name, (kind, value) in values.items():
        surface.CreateInput(name, kind).Set(value)
    material.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
    textures = params.get("textures") or {}
    if not textures:
        return []
    reader = UsdShade.Shader.Define(stage, path.AppendChild("st_reader"))
    reader.CreateIdAttr("UsdPrimvarReader_float2")
    reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("st")
    st = reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
    problems = []
    for key, texture in sorted(textures.items()):
        output, target, kind = TEXTURED[key]
        space, problem = host_space(texture.colorspace)
        shader = UsdShade.Shader.Define(stage, path.AppendChild(f"{key}_texture"))
        shader.CreateIdAttr("UsdUVTexture")
        file_input = shader.CreateInput("file", Sdf.ValueTypeNames.Asset)
        file_input.Set(Sdf.AssetPath(_asset(texture.file, layer_dir)))
        shader.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set(space.usd)
        if texture.colorspace not in ("srgb_texture", "lin_rec709", "raw"):
            file_input.GetAttr().SetColorSpace(texture.colorspace)
        if problem:
            problems.append(f"{texture.file}: {problem}")
        for wrap in ("wrapS", "wrapT"):
            shader.CreateInput(wrap, Sdf.ValueTypeNames.Token).Set("repeat")
        shader.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(st)
        if key == "base_color" and float(params.get("base", 1.0)) != 1.0:
            b = float(params["base"])
            shader.CreateInput("scale", Sdf.ValueTypeNames.Float4).Set(Gf.Vec4f(b, b, b, 1.0))
        out = shader.CreateOutput(output, getattr(Sdf.ValueTypeNames, {"color3f": "Float3", "float": "Float"}[kind]))
        surface.GetInput(target).ConnectToSource(out)
    return problems
