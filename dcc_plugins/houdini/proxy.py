"""The Python SOP inside each proxy ``geo`` node: one packed Alembic primitive, rebuilt at each cook.

The primitive is an ``AlembicRef`` packed primitive made from Python
(``Geometry.createPacked``), pointing at the file and object the session resolved for the
element, at the current time: Houdini loads and draws the geometry lazily, and a packed
primitive cannot be edited without unpacking it, which the locked node does not allow.
Alembic packed primitives take the sample time in seconds in their ``abcframe`` intrinsic
(Houdini's Alembic SOP divides its Frame by its FPS the same way).
"""
from __future__ import annotations

import hou


def cook(sop: hou.SopNode) -> None:
    geo_node = sop.parent()
    geo = sop.geometry()
    if geo is None:  # not cooking: nothing to fill
        return
    geo.clear()
    path = geo_node.userData("sdf_file") if geo_node is not None else None
    obj = geo_node.userData("sdf_object") if geo_node is not None else None
    if not path or not obj:
        return
    prim = geo.createPacked("AlembicRef")
    prim.setIntrinsicValue("abcfilename", path)
    prim.setIntrinsicValue("abcobjectpath", obj)
    prim.setIntrinsicValue("abcframe", hou.time())
    prim.setIntrinsicValue("abcusetransform", 1)
