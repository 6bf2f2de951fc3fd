"""What a renderer needs from the shot's MaterialX materials: a Principled-style surface per material.

The texture/shader department's libraries hold ``standard_surface`` shaders behind
``surfacematerial`` nodes; a leaf names one as ``library.mtlx#material``. A host turns the
parameters below into its own surface shader (Blender: the Principled BSDF), so a render and
a DCC session show the same materials. Only what a physically based surface needs is read:
base colour and weight, metalness, specular roughness, emission and opacity, with
``standard_surface``'s own defaults where the library leaves an input out; base colour and roughness
may be image textures (:mod:`sdf.dcc_plugins.textures`: the file and the colour space it is read in).
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

#: standard_surface defaults (MaterialX 1.38) for the inputs read here.
DEFAULTS = {"base": 1.0, "base_color": (0.8, 0.8, 0.8), "metalness": 0.0, "specular_roughness": 0.2,
            "emission": 0.0, "emission_color": (1.0, 1.0, 1.0), "opacity": (1.0, 1.0, 1.0)}


def _value(text: str | None, default):
    try:
        parts = [float(x) for x in (text or "").split(",")]
    except ValueError:
        return default
    if isinstance(default, tuple):
        return tuple(parts) if len(parts) == len(default) else default
    return parts[0] if len(parts) == 1 else default


def read_library(path: str) -> dict[str, dict]:
    """Material name -> surface parameters (``base_color`` already times ``base``), from one MaterialX file.

    ``textures`` maps a surface input ("base_color", "specular_roughness") to the
    :class:`~sdf.dcc_plugins.textures.Texture` that feeds it (the base colour texture is times
    ``base``); ``problems`` are the lines to report when the material is used."""
    from .textures import surface_textures

    root = ET.parse(path).getroot()
    shaders = {}
    for node in root:
        if node.tag != "standard_surface":
            continue
        values = dict(DEFAULTS)
        for i in node.findall("input"):
            name = i.get("name")
            if name in DEFAULTS:
                values[name] = _value(i.get("value"), DEFAULTS[name])
        textures, problems = surface_textures(root, node, path)
        shaders[node.get("name")] = {
            "base": values["base"], "textures": textures, "problems": problems,
            "base_color": tuple(values["base"] * c for c in values["base_color"]),
            "metalness": values["metalness"], "roughness": values["specular_roughness"],
            "emission_color": values["emission_color"], "emission": values["emission"],
            "opacity": sum(values["opacity"]) / 3.0}
    out = {}
    for node in root.findall("surfacematerial"):
        for i in node.findall("input"):
            if i.get("name") == "surfaceshader" and i.get("nodename") in shaders:
                out[node.get("name")] = shaders[i.get("nodename")]
    return out


def material_shading(shot) -> tuple[dict[str, dict], list[str]]:
    """(material reference -> surface parameters, problems) for every material the shot's leaves use.

    A reference whose library cannot be found or read, or that names no ``standard_surface``
    material, is a problem (one line each) and gets no parameters: the host keeps its default.
    A texture whose file is missing is a problem too; the material keeps its constant for that input."""
    if "materials" in shot.parts and shot.access("materials") == "ignore":
        return {}, []
    libraries: dict[str, dict] = {}
    out: dict[str, dict] = {}
    problems: list[str] = []
    for node in shot.model_tree.leaves():
        ref = node.material
        if not ref or ref in out:
            continue
        lib, _, name = str(ref).partition("#")
        path = shot.material_library(node)
        if path is None:
            problems.append(f"{node.path}: material library '{lib}' not found")
            continue
        if path not in libraries:
            try:
                libraries[path] = read_library(path)
            except (OSError, ET.ParseError) as exc:
                libraries[path] = {}
                problems.append(f"{path}: cannot read the material library ({exc})")
        if name in libraries[path]:
            out[ref] = usable(ref, libraries[path][name], problems)
        else:
            problems.append(f"{node.path}: no standard_surface material '{name}' in {os.path.basename(path)}")
    return out, problems


def usable(ref: str, params: dict, problems: list[str]) -> dict:
    """A material's parameters with only the textures whose files exist; its problems and one line per
    missing file (naming the material and the file) appended to ``problems``. Every shader of materials
    (the hosts, the viewer, the USD export) goes through here, so each reports a missing file alike."""
    from .textures import missing_texture

    problems.extend(f"material '{ref}': {p}" for p in params.get("problems", ()))
    textures = {}
    for key, tex in params.get("textures", {}).items():
        if tex.exists:
            textures[key] = tex
        else:
            problems.append(missing_texture(ref, tex))
    return dict(params, textures=textures)
