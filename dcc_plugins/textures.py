"""Image textures in the shot's MaterialX materials, and the colour space each one is read in.

A ``standard_surface`` input connected to an ``<image>`` node (directly by ``nodename``, or through
a ``nodegraph``'s ``output``) is a texture: its ``file`` and the colour space its pixels are
encoded in. Every shader of materials calls :func:`texture_colour_space` for that space, so a
Cycles render, the viewer and a USD export read the same file the same way:

- the ``colorspace`` attribute, as MaterialX scopes it: on the ``file`` input, else on the image
  node, else its node graph, else the document;
- with none anywhere, the file's type: 8-bit formats (PNG, JPEG, TIFF, TGA...) hold display-encoded
  colour (``srgb_texture``), float formats (OpenEXR, Radiance HDR) scene-linear light (``lin_rec709``);
- a ``float`` image (roughness) is data, never colour-converted (``raw``), as MaterialX says.

Each host then names the space in its own words through :data:`SPACES` (Blender's colour-space
names, USD's ``sourceColorSpace`` tokens); the viewer converts with OpenColorIO, which knows
MaterialX's names. Host-independent: no DCC is imported here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

#: Extensions of float image formats: scene-linear unless a colour space says otherwise.
FLOAT_FORMATS = (".exr", ".hdr")
SRGB, LINEAR, RAW = "srgb_texture", "lin_rec709", "raw"


@dataclass(frozen=True)
class Space:
    """How one MaterialX colour space is named by each consumer."""

    blender: str   # Blender 5.0's image colour space (``Image.colorspace_settings.name``)
    usd: str       # UsdUVTexture ``inputs:sourceColorSpace``: "sRGB" or "raw" (USD has no other tokens)


#: MaterialX colour spaces the hosts can read exactly. Others still convert in the viewer (OpenColorIO
#: knows every MaterialX name); a host given one of them falls back by :func:`host_space`.
SPACES = {
    SRGB: Space("sRGB", "sRGB"),
    LINEAR: Space("Linear Rec.709", "raw"),
    RAW: Space("Non-Color", "raw"),
    "acescg": Space("ACEScg", "raw"),
    "lin_ap1": Space("ACEScg", "raw"),
    "lin_ap0": Space("ACES2065-1", "raw"),
    "lin_rec2020": Space("Linear Rec.2020", "raw"),
    "lin_displayp3": Space("Linear DCI-P3 D65", "raw"),
    "srgb_displayp3": Space("Display P3", "sRGB"),
}


def texture_colour_space(declared: str | None, path: str, value_type: str = "color3") -> str:
    """The MaterialX colour space a texture's pixels are in: ``declared`` (the scoped ``colorspace``
    attribute) when there is one, else by the file's type; ``raw`` for a non-colour (float) image."""
    if not value_type.startswith("color"):
        return RAW
    if declared:
        return declared
    return LINEAR if os.path.splitext(path)[1].lower() in FLOAT_FORMATS else SRGB


def host_space(colorspace: str) -> tuple[Space, str | None]:
    """(how the hosts name ``colorspace``, a problem or None). A space no host table lists is read as
    linear Rec.709 when its name says linear (``lin_...``), else as sRGB, and that is the problem."""
    space = SPACES.get(colorspace)
    if space is not None:
        return space, None
    fallback = LINEAR if colorspace.startswith("lin_") else SRGB
    return SPACES[fallback], f"colour space '{colorspace}' is read as {fallback} (the renderer has no such space)"


@dataclass(frozen=True)
class Texture:
    """One image texture feeding a surface input."""

    file: str          # absolute path
    colorspace: str    # MaterialX name, decided by texture_colour_space
    input: str         # the surface input it feeds: "base_color", "specular_roughness"

    @property
    def exists(self) -> bool:
        return os.path.isfile(self.file)


def _connected_image(root, node_input):
    """(image node, its node graph or None) that a surface input is connected to, or (None, None)."""
    name = node_input.get("nodename")
    graph = None
    if node_input.get("nodegraph"):
        graph = next((g for g in root.findall("nodegraph") if g.get("name") == node_input.get("nodegraph")), None)
        if graph is None:
            return None, None
        out = next((o for o in graph.findall("output") if o.get("name") == (node_input.get("output") or "out")),
                   None) or next(iter(graph.findall("output")), None)
        name = out.get("nodename") if out is not None else None
    if not name:
        return None, None
    scope = graph if graph is not None else root
    node = next((n for n in scope if n.get("name") == name and n.tag != "output"), None)
    return node, graph


def surface_textures(root, shader, library: str) -> tuple[dict[str, Texture], list[str]]:
    """(input name -> :class:`Texture`, problems) for a ``standard_surface`` node's ``base_color`` and
    ``specular_roughness`` inputs that an ``<image>`` feeds. ``library`` is the MaterialX file: a
    relative ``file`` (after the scoped ``fileprefix``) is relative to its folder. An input connected
    to any other node is a problem; the shader keeps its constant for it."""
    textures, problems = {}, []
    for i in shader.findall("input"):
        name = i.get("name")
        if name not in ("base_color", "specular_roughness") or not (i.get("nodename") or i.get("nodegraph")):
            continue
        node, graph = _connected_image(root, i)
        where = f"{os.path.basename(library)}: {shader.get('name')}.{name}"
        if node is None or node.tag != "image":
            kind = node.tag if node is not None else "missing"
            problems.append(f"{where}: connected to a {kind} node, not an image; its constant value is used")
            continue
        file_input = next((f for f in node.findall("input") if f.get("name") == "file"), None)
        if file_input is None or not file_input.get("value"):
            problems.append(f"{where}: image node '{node.get('name')}' has no file; its constant value is used")
            continue
        scopes = [e for e in (file_input, node, graph, root) if e is not None]
        prefix = next((e.get("fileprefix") for e in scopes if e.get("fileprefix")), "")
        path = os.path.join(os.path.dirname(os.path.abspath(library)), prefix + file_input.get("value"))
        declared = next((e.get("colorspace") for e in scopes if e.get("colorspace")), None)
        space = texture_colour_space(declared, path, node.get("type") or "color3")
        textures[name] = Texture(os.path.normpath(path), space, name)
    return textures, problems


def missing_texture(material_ref: str, texture: Texture) -> str:
    """The one line a missing texture file is reported with, by every shader of materials."""
    return f"material '{material_ref}': texture file not found: {texture.file} ({texture.input}); " \
           f"its constant value is used"
