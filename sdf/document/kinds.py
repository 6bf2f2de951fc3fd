"""The kinds of data a shot holds: one registry of each kind's document schema and element class.

Every other module asks here (which kinds exist, in which order, which schema a part document of a
kind carries, and which class builds it), so a new kind is an entry here, not a search for lists.
"""
from __future__ import annotations

from typing import Callable

from sdf.document.cameras import CameraSet
from sdf.document.elements import Element
from sdf.document.lights import LightTree
from sdf.document.model_tree import ModelTree, Overlay
from sdf.document.references import Layout, RigList
from sdf.document.render_layers import RenderLayerSet

#: Every kind of data a shot holds, in pipeline order, with the schema of its document.
PART_SCHEMAS: dict[str, str] = {
    "layout": "Layout",
    "model_tree": "ModelTree",
    "rig": "RigList",
    "cameras": "CameraSet",
    "placement": "Overlay",
    "animation": "Overlay",
    "materials": "Overlay",
    "fx": "Overlay",
    "lights": "LightTree",
    "render_layers": "RenderLayerSet",
}
KINDS: tuple[str, ...] = tuple(PART_SCHEMAS)
OVERLAY_KINDS = ("placement", "animation", "materials", "fx")
#: Shot-level settings (frame range, fps, units) belong to the layout department's kind.
SHOT_KIND = "layout"

_BUILDERS: dict[str, Callable[[dict], Element]] = {
    "Layout": Layout.from_json,
    "ModelTree": ModelTree.from_json,
    "RigList": RigList.from_json,
    "CameraSet": CameraSet.from_json,
    "Overlay": Overlay.from_json,
    "LightTree": LightTree.from_json,
    "RenderLayerSet": RenderLayerSet.from_json,
}


def builder(schema_name: str) -> Callable[[dict], Element]:
    """The function that builds a part document of ``schema_name`` into its root element."""
    return _BUILDERS[schema_name]
