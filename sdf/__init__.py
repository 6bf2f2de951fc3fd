"""sdf: Scene Description Files for animation and VFX shots.

    import sdf
    shot = sdf.open("demo/shots/sh010/sh010.sdf")
    for leaf in shot.model_tree.leaves():
        print(leaf.path, leaf.source.file, leaf.material)
    shot.lights.find("key_group/key").intensity = 8.0
    shot.save()

This package holds the document model, departments, resolution and the Alembic/USD
readers. The frame cache (``sdf.cache``), converters (``sdf.converters``), viewer
(``sdf.viewer``) and DCC plugins (``sdf.dcc_plugins``) build on it; it imports none of them.
"""
from .cameras import Camera, CameraSet
from .elements import IDENTITY, Keys, compose, translation
from .errors import (AlembicError, FormatError, PublishConflict, ReadOnlyError, ResolveError, SchemaVersionError,
                     SdfError)
from .lights import Light, LightGroup, LightTree
from .model_tree import AlembicSource, ModelNode, ModelTree, Overlay
from .references import Intermediate, Layout, Proxy, Rig, RigList
from .render_layers import AOV, Output, Override, RenderLayer, RenderLayerSet
from .shot import KINDS, FrameRange, IgnoredError, Shot, create_shot, open_shot

__version__ = "0.1.0"

open = open_shot  # noqa: A001  - ``sdf.open(path)`` is the public entry point

__all__ = [
    "AOV", "AlembicError", "AlembicSource", "Camera", "CameraSet", "FormatError", "FrameRange", "IDENTITY",
    "IgnoredError", "Intermediate", "KINDS", "Keys", "Layout", "Light", "LightGroup", "LightTree", "ModelNode",
    "ModelTree", "Output", "Overlay", "Override", "Proxy", "PublishConflict", "ReadOnlyError", "RenderLayer",
    "RenderLayerSet", "ResolveError", "Rig", "RigList", "SchemaVersionError", "SdfError", "Shot", "compose",
    "create_shot", "open", "open_shot", "translation",
]
