"""Materials as Cycles sees them: the shot's MaterialX surface (:mod:`sdf.dcc_plugins.shading`) as a
Principled BSDF, plus the shader AOV outputs a render layer's primvar AOVs read through.

A texture (:mod:`sdf.dcc_plugins.textures`) is an Image Texture node on the mesh's UV map, its image
read in the colour space the shared rule decides (an 8-bit sRGB texture's code 128 is 0.216 in the
render, not 0.502); the nodes it adds are named ``sdf:...`` so shading again replaces them.
"""
from __future__ import annotations

import os


#: Prefix of the nodes :func:`shade` adds, so a second call finds and replaces them.
NODE_PREFIX = "sdf:"

def _principled(mat):
    mat.use_nodes = True
    nt = mat.node_tree
    bsdf = next((n for n in nt.nodes if n.type == "BSDF_PRINCIPLED"), None)
    if bsdf is None:
        bsdf = nt.nodes.new("ShaderNodeBsdfPrincipled")
        out = next((n for n in nt.nodes if n.type == "OUTPUT_MATERIAL"), None) or nt.nodes.new("ShaderNodeOutputMaterial")
        nt.links.new(bsdf.outputs["BSDF"], out.inputs["Surface"])
    return bsdf


def shade(mat, params: dict) -> list[str]:
    """Set a material's Principled BSDF from surface parameters, its textures as Image Texture nodes;
    the viewport colour follows. Returns problems (a colour space Blender has no name for)."""
    bsdf = _principled(mat)
    base = tuple(params["base_color"])
    bsdf.inputs["Base Color"].default_value = (*base, 1.0)
    bsdf.inputs["Metallic"].default_value = float(params["metalness"])
    bsdf.inputs["Roughness"].default_value = float(params["roughness"])
    bsdf.inputs["Emission Color"].default_value = (*params["emission_color"], 1.0)
    bsdf.inputs["Emission Strength"].default_value = float(params["emission"])
    bsdf.inputs["Alpha"].default_value = float(params["opacity"])
    mat.diffuse_color = (*base, 1.0)
    mat.metallic, mat.roughness = float(params["metalness"]), float(params["roughness"])
    nt = mat.node_tree
    for node in [n for n in nt.nodes if n.name.startswith(NODE_PREFIX)]:
        nt.nodes.remove(node)
    problems = []
    textures = params.get("textures") or {}
    if "base_color" in textures:
        colour = _image_node(nt, textures["base_color"], problems).outputs["Color"]
        weight = float(params.get("base", 1.0))
        if weight != 1.0:  # standard_surface's base weight scales the texture as it scales the constant
            mix = _node(nt, "ShaderNodeMix", "base")
            mix.data_type, mix.blend_type = "RGBA", "MULTIPLY"
            mix.inputs["Factor"].default_value = 1.0
            nt.links.new(colour, mix.inputs["A"])
            mix.inputs["B"].default_value = (weight, weight, weight, 1.0)
            colour = mix.outputs["Result"]
        nt.links.new(colour, bsdf.inputs["Base Color"])
    if "specular_roughness" in textures:
        nt.links.new(_image_node(nt, textures["specular_roughness"], problems).outputs["Color"],
                     bsdf.inputs["Roughness"])
    return problems


def _node(nt, kind: str, name: str):
    node = nt.nodes.new(kind)
    node.name = node.label = NODE_PREFIX + name
    return node


def _image(bpy, path: str, colorspace: str):
    """The image of ``path`` read in ``colorspace``: one per file and colour space (a colour space is a
    property of Blender's image, not of the node, so one file read as sRGB by one material and as data
    by another needs two images)."""
    real = os.path.realpath(path)
    for image in bpy.data.images:
        if image.filepath and os.path.realpath(bpy.path.abspath(image.filepath)) == real and \
                image.colorspace_settings.name == colorspace:
            return image
    image = bpy.data.images.load(path, check_existing=False)
    image.colorspace_settings.name = colorspace
    return image


def _image_node(nt, texture, problems: list[str]):
    """An Image Texture node reading ``texture`` in its colour space, on the mesh's UV map."""
    import bpy

    from ..textures import host_space

    space, problem = host_space(texture.colorspace)
    if problem:
        problems.append(f"{texture.file}: {problem}")
    image = _image(bpy, texture.file, space.blender)
    node = _node(nt, "ShaderNodeTexImage", texture.input)
    node.image = image
    uv = _node(nt, "ShaderNodeUVMap", texture.input + ".uv")  # no name: the mesh's active UV map
    nt.links.new(uv.outputs["UV"], node.inputs["Vector"])
    return node


def add_aov_output(mat, aov_name: str, primvar: str, kind: str) -> None:
    """An AOV Output node writing the primvar (a mesh attribute) into the view layer's shader AOV
    ``aov_name``; ``kind`` is "COLOR" or "VALUE". Idempotent."""
    nt = _principled(mat).id_data
    for node in nt.nodes:
        if node.type == "OUTPUT_AOV" and node.aov_name == aov_name:
            return
    attr = nt.nodes.new("ShaderNodeAttribute")
    attr.attribute_name = primvar
    out = nt.nodes.new("ShaderNodeOutputAOV")
    out.aov_name = aov_name
    if kind == "VALUE":
        nt.links.new(attr.outputs["Fac"], out.inputs["Value"])
    else:
        nt.links.new(attr.outputs["Color"], out.inputs["Color"])
