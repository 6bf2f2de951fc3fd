"""How the viewer colours and lights a shot: material base colours and the shot's own lights.

Shading modes:

- ``department``: what the department owns in a hue per element, read-only data grey (the
  view a lead uses to see who owns what);
- ``materials``: each leaf in its material's base colour, read from the shot's MaterialX
  libraries (``standard_surface`` ``base_color``; an emissive material's ``emission_color``),
  with a fixed headlight;
- ``lights``: the materials lit by the shot's own lights instead: each light's colour times
  its intensity and ``2^exposure`` from its place (points, spots, areas) or direction
  (distant), and a dome light's colour as ambient, so a lighter sees a light edit.

Colour values are converted from their MaterialX ``colorspace`` (the input's, else its node's, else
the document's; unmarked values are ``lin_rec709``) to the renderer's scene-linear space through
OpenColorIO, so an sRGB-authored base colour is not shown as if it were linear.

A base colour fed by an image texture (MaterialX ``<image>``, see :mod:`sdf.dcc_plugins.textures`) is
the texture times the ``base`` weight, sampled with the mesh's UVs; its pixels are converted to
scene-linear on the CPU (:mod:`sdf.viewer.textures`) in the colour space the hosts read it in.

Materials a department ignores are never read; a leaf without a material (or whose library
cannot be read) is drawn in a neutral grey and the problem is listed once; so is a missing texture
file (its material is then drawn in its base weight's grey).
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import numpy as np

SHADINGS = ("department", "materials", "lights")
NO_MATERIAL = (0.55, 0.55, 0.55)
#: Lights the shader takes at most (the brightest are kept).
MAX_LIGHTS = 8


def _floats(text: str | None) -> tuple[float, ...] | None:
    try:
        return tuple(float(x) for x in (text or "").split(","))
    except ValueError:
        return None


def read_library(path: str, problems: list | None = None) -> dict[str, tuple[float, float, float]]:
    """Material name -> base colour (scene-linear Rec.709), from a MaterialX document."""
    return {name: look["colour"] for name, look in read_looks(path, problems).items()}


def read_looks(path: str, problems: list | None = None) -> dict[str, dict]:
    """Material name -> ``{"colour": base colour (scene-linear Rec.709), "textures": ..., "problems": ...}``
    from a MaterialX document; the textures and problems as :func:`sdf.dcc_plugins.shading.usable` takes them."""
    from sdf.dcc_plugins.textures import surface_textures

    from .colour import materialx_to_linear

    root = ET.parse(path).getroot()
    shaders = {}
    for node in root:
        inputs = {i.get("name"): i for i in node.findall("input")}
        used = inputs.get("base_color")
        colour = _floats(used.get("value")) if used is not None else None
        textures, texture_problems = surface_textures(root, node, path) if node.tag == "standard_surface" else ({}, [])
        if "base_color" in textures:  # the texture times the base weight
            weight = _floats(inputs["base"].get("value")) if "base" in inputs else (1.0,)
            shaders[node.get("name")] = {"colour": (weight or (1.0,))[:1] * 3, "textures": textures,
                                         "problems": texture_problems}
            continue
        emission = _floats(inputs["emission"].get("value")) if "emission" in inputs else None
        if (colour is None or len(colour) != 3) and emission and emission[0] > 0 and "emission_color" in inputs:
            used = inputs["emission_color"]
            colour = _floats(used.get("value"))
        if colour is not None and len(colour) == 3:
            space = used.get("colorspace") or node.get("colorspace") or root.get("colorspace")
            linear = materialx_to_linear(colour, space)
            if linear is None:
                if problems is not None:
                    problems.append(f"{path}: {node.get('name')}: unknown colorspace '{space}', taken as lin_rec709")
                linear = colour
            shaders[node.get("name")] = {"colour": linear, "textures": textures, "problems": texture_problems}
    out = {}
    for node in root.findall("surfacematerial"):
        for i in node.findall("input"):
            if i.get("name") == "surfaceshader" and i.get("nodename") in shaders:
                out[node.get("name")] = shaders[i.get("nodename")]
    return out


def material_looks(shot, leaves) -> tuple[dict[str, tuple[float, float, float]], dict, list[str]]:
    """(leaf path -> base colour, leaf path -> base colour texture, problems) for the leaves whose material
    the view can see. A material's problems (a missing texture file...) are listed once, however many
    leaves use it."""
    from sdf.dcc_plugins.shading import usable

    if "materials" in shot.parts and shot.access("materials") == "ignore":
        return {}, {}, []
    libraries: dict[str, dict] = {}
    colours, textures, problems = {}, {}, []
    looks: dict[str, dict] = {}
    for node in leaves:
        ref = getattr(node, "material", None)
        if not ref:
            continue
        lib, _, name = str(ref).partition("#")
        key = shot.material_library(node)
        if key is None:
            problems.append(f"{node.path}: material library '{lib}' not found")
            continue
        if key not in libraries:
            try:
                libraries[key] = read_looks(key, problems)
            except (OSError, ET.ParseError) as exc:
                libraries[key] = {}
                problems.append(f"{key}: cannot read the material library ({exc})")
        if name in libraries[key]:
            if ref not in looks:
                looks[ref] = usable(str(ref), libraries[key][name], problems)
            colours[node.path] = looks[ref]["colour"]
            if "base_color" in looks[ref]["textures"]:
                textures[node.path] = looks[ref]["textures"]["base_color"]
        else:
            problems.append(f"{node.path}: no material '{name}' with a base colour in {os.path.basename(key)}")
    return colours, textures, problems


def shot_lights(lights, frame: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(positions or directions (n, 3), colours (n, 3), directional flags (n,), ambient (3,)) of the shot's
    lights at ``frame``, in world space, at most :data:`MAX_LIGHTS` of them, brightest first."""
    entries, ambient = [], np.zeros(3)
    for light in lights:
        if not getattr(light, "visible", True):
            continue
        energy = float(light.value_at("intensity", frame)) * 2.0 ** float(light.value_at("exposure", frame) or 0.0)
        colour = np.array(light.value_at("color", frame), float) * energy
        if light.type == "dome":
            ambient += colour
            continue
        m = np.array(light.world_matrix_at(frame)).reshape(4, 4)
        if light.type == "distant":
            d = -m[2, :3]  # lights shine down their -Z axis; the shader wants the way to the light
            entries.append((-d / (np.linalg.norm(d) or 1.0), colour, 1.0))
        else:
            entries.append((m[3, :3], colour, 0.0))
    entries.sort(key=lambda e: -float(e[1].sum()))
    entries = entries[:MAX_LIGHTS]
    if not entries:
        return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), ambient
    return (np.array([e[0] for e in entries]), np.array([e[1] for e in entries]), np.array([e[2] for e in entries]),
            ambient)
