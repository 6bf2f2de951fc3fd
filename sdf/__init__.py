"""sdf: Scene Description Files for animation and VFX shots.

    import sdf
    shot = sdf.open("demo/shots/sh010/sh010.sdf")
    for leaf in shot.model_tree.leaves():
        print(leaf.path, leaf.source.file, leaf.material)
    shot.lights.find("key_group/key").intensity = 8.0
    shot.save()

    sdf.pipeline.publish(shot, "lighting", "brighter key")

The core is four subpackages by concern, and depends on nothing outside itself:
``sdf.document`` (the shot, its parts and elements, the kind registry, schema and checks),
``sdf.pipeline`` (departments, working copies, publishing, validation), ``sdf.alembic`` (the
Alembic engine: reading, writing, frame readers, sample index) and ``sdf.runtime`` (file I/O,
the per-user cache, isolated worker processes). The frame cache (``sdf.cache``), converters
(``sdf.converters``), viewer (``sdf.viewer``), farm (``sdf.farm``) and DCC plugins
(``sdf.dcc_plugins``) build on it; it imports none of them.
"""
from sdf.document.cameras import Camera, CameraSet
from sdf.document.elements import IDENTITY, Keys, compose, translation
from sdf.errors import (AlembicError, FormatError, PublishConflict, ReadOnlyError, ResolveError, SchemaVersionError,
                     SdfError)
from sdf.document.lights import Light, LightGroup, LightTree
from sdf.document.model_tree import AlembicSource, ModelNode, ModelTree, Overlay
from sdf.document.references import Intermediate, Layout, Proxy, Rig, RigList
from sdf.document.render_layers import AOV, Output, Override, RenderLayer, RenderLayerSet
from sdf.document.parts import FrameRange
from sdf.document.shot import KINDS, IgnoredError, Shot
from sdf.document.opening import create_shot, open_shot
from sdf.pipeline.publish import Published, publish

__version__ = "0.1.0"

open = open_shot  # noqa: A001  - ``sdf.open(path)`` is the public entry point

__all__ = [
    "AOV", "AlembicError", "AlembicSource", "Camera", "CameraSet", "FormatError", "FrameRange", "IDENTITY",
    "IgnoredError", "Intermediate", "KINDS", "Keys", "Layout", "Light", "LightGroup", "LightTree", "ModelNode",
    "ModelTree", "Output", "Overlay", "Override", "Proxy", "PublishConflict", "ReadOnlyError", "RenderLayer",
    "RenderLayerSet", "ResolveError", "Rig", "RigList", "SchemaVersionError", "SdfError", "Shot", "compose",
    "create_shot", "open", "open_shot", "publish", "Published", "translation",
]
