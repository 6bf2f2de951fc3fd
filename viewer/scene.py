"""What the viewer draws for a shot seen by a department.

Every visible drawable leaf (:func:`sdf.cache.drawables.drawables`, the rule ``sdf play`` and the
DCC sessions follow too) becomes a :class:`DrawItem`: its Alembic file and object,
the model-tree matrix above it, and a colour: elements whose geometry the department owns
(model geometry for model, animation caches for animation...) get a distinct hue per
element, read-only ones a neutral grey. Ignored data is never loaded: a department that
ignores the model tree draws no geometry at all. Files that cannot be read are listed in
``missing`` and skipped, so a shot with holes still draws what it has.
"""
from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass, field

import numpy as np

from sdf.errors import SdfError
from sdf.cache.drawables import drawables
from sdf.document.shot import Shot

READ_ONLY = (0.62, 0.62, 0.64)
CAMERA_COLOUR = (1.0, 0.85, 0.1)
LIGHT_COLOUR = (1.0, 0.55, 0.1)


def element_colour(path: str) -> tuple[float, float, float]:
    """A stable, saturated colour per element path."""
    h = int(hashlib.md5(path.encode()).hexdigest()[:6], 16) / 0xFFFFFF
    return colorsys.hsv_to_rgb(h, 0.75, 0.95)


@dataclass
class DrawItem:
    node: str
    file: str
    object: str
    node_matrix: np.ndarray  # row vectors, model-tree matrix above the leaf
    colour: tuple[float, float, float]
    editable: bool
    animated: bool
    visible: bool = True
    material_colour: tuple[float, float, float] | None = None  # the material's base colour, when known
    texture: object | None = None  # the base colour's image texture (sdf.dcc_plugins.textures.Texture), if any
    matte: bool = False   # a render layer's holdout: hides what is behind it, drawn as nothing
    id: int = 0           # 1, 2...: the element's number in the id matte AOV


@dataclass
class Scene:
    shot: Shot
    items: list[DrawItem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    cameras: list = field(default_factory=list)
    lights: list = field(default_factory=list)
    camera_access: str = "ignore"
    light_access: str = "ignore"
    shading: str = "department"   # "department", "materials" or "lights" (see sdf.viewer.looks)
    layer: str | None = None       # the render layer previewed: its members only, with its overrides

    @property
    def frames(self) -> list[int]:
        return list(self.shot.frame_range)


def _render_layer(shot: Shot, name: str):
    if "render_layers" not in shot.parts or shot.access("render_layers") == "ignore":
        raise SdfError(f"render layer '{name}': this view does not see render layers "
                       f"(the {shot.department or 'default'} department ignores them)", shot.file, "render_layers")
    layer = shot.render_layers.get(name)
    if layer is None:
        names = ", ".join(layer.name for layer in shot.render_layers) or "none"
        raise SdfError(f"no render layer '{name}' (render layers: {names})", shot.file, "render_layers")
    return layer


def build_scene(shot: Shot, cache, shading: str = "department", layer: str | None = None) -> Scene:
    """What to draw. ``layer`` previews a render layer: only its members, with its overrides
    (``visible`` or ``primary_visibility`` off: not drawn; ``matte``: a holdout) and, when it
    names lights, only those for the ``lights`` shading."""
    from sdf.document.model_tree import pattern_regex

    from .looks import SHADINGS, material_looks

    if shading not in SHADINGS:
        raise SdfError(f"shading is one of {', '.join(SHADINGS)}, not '{shading}'")
    rl = _render_layer(shot, layer) if layer else None
    scene = Scene(shot, shading=shading, layer=layer)
    drawn, scene.missing = drawables(shot, cache.reader, visible_only=True)
    tree = shot.model_tree if drawn else None
    numbers = tree.leaf_numbers() if tree is not None else {}
    states = rl.leaf_states(tree) if rl is not None and tree is not None else None
    for d in drawn:
        matte = False
        if states is not None:
            member = states.get(d.node)
            if member is None or member.state == "indirect":
                continue  # not in the layer, or shadows only: nothing of it in the layer's picture
            matte = member.state in ("matte", "catcher")
        node = tree.find(d.node)
        parent = node._parent
        m = np.array(parent.world_matrix()).reshape(4, 4) if hasattr(parent, "world_matrix") else np.identity(4)
        local = np.array(node.local_matrix()).reshape(4, 4)
        scene.items.append(DrawItem(d.node, d.file, d.object, local @ m,
                                    element_colour(d.node) if d.editable else READ_ONLY, d.editable, d.animated,
                                    matte=matte, id=numbers[d.node]))
    if scene.items:
        colours, textures, problems = material_looks(shot, [shot.model_tree.find(i.node) for i in scene.items])
        for item in scene.items:
            item.material_colour = colours.get(item.node)
            item.texture = textures.get(item.node)
        scene.missing.extend(problems)
    if "cameras" in shot.parts and shot.access("cameras") != "ignore":
        scene.cameras = list(shot.cameras)
        scene.camera_access = shot.access("cameras")
    if "lights" in shot.parts and shot.access("lights") != "ignore":
        scene.lights = shot.lights.lights()
        scene.light_access = shot.access("lights")
        if rl is not None and rl.lights:
            patterns = [pattern_regex(p) for p in rl.lights]
            scene.lights = [lt for lt in scene.lights if any(rx.match(lt.path) for rx in patterns)]
    return scene

