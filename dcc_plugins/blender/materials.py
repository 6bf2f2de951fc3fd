"""Materials as Cycles sees them: the shot's MaterialX surface (:mod:`sdf.dcc_plugins.shading`) as a
Principled BSDF, plus the shader AOV outputs a render layer's primvar AOVs read through."""
from __future__ import annotations

def _principled(mat):
    mat.use_nodes = True
    nt = mat.node_tree
    bsdf = next((n for n in nt.nodes if n.type == "BSDF_PRINCIPLED"), None)
    if bsdf is None:
        bsdf = nt.nodes.new("ShaderNodeBsdfPrincipled")
        out = next((n for n in nt.nodes if n.type == "OUTPUT_MATERIAL"), None) or nt.nodes.new("ShaderNodeOutputMaterial")
        nt.links.new(bsdf.outputs["BSDF"], out.inputs["Surface"])
    return bsdf


def shade(mat, params: dict) -> None:
    """Set a material's Principled BSDF from surface parameters; the viewport colour follows."""
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
