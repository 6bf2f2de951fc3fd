"""Solaris: the shot's USD department layer stack on a LOP network, the department's layer the edit target.

``sdf convert SHOT out/shot.usda`` writes a root layer that sublayers one layer per department
(:mod:`sdf.converters.sdf_usd`). :func:`build` loads that stack in ``/stage`` so that upstream
layers come in as loaded (read-only) layers and the department's own layer is where edits go:
a Python LOP opens the stack, marks every other layer not editable (``SetPermissionToEdit``)
and authors the node's edits into the department's layer, which ``save`` writes back to its
file. Everything else in Solaris (viewport, render) sees the composed stage as usual.
"""
from __future__ import annotations

import os

import hou

#: Code of the Python LOP (kept here so it is type-checked with the rest; it runs inside the LOP).
LOP_CODE = """from sdf.dcc_plugins.houdini import solaris
solaris.cook(hou.pwd())
"""


def department_layer(root_layer: str, department: str) -> str:
    """The file of a department's layer in a stack written by ``sdf convert``."""
    from pxr import Sdf  # type: ignore[import-untyped]  # usd-core ships no type information

    layer = Sdf.Layer.FindOrOpen(root_layer)
    if layer is None:
        raise hou.OperationFailed(f"{root_layer}: not a USD layer")
    base = os.path.dirname(root_layer)
    for sub in layer.subLayerPaths:
        path = os.path.normpath(os.path.join(base, sub))
        if os.path.splitext(os.path.basename(path))[0].split(".")[-1] == department:
            return path
    raise hou.OperationFailed(f"{root_layer}: no layer for department '{department}'")


def build(root_layer: str, department: str) -> hou.LopNode:
    """A LOP network in /stage showing the stack, editing the department's layer only."""
    stage = hou.node("/stage")
    if stage is None:
        raise hou.OperationFailed("this Houdini session has no /stage network")
    name = f"sdf_{department}"
    existing = stage.node(name)
    if existing is not None:
        existing.destroy()
    lop = stage.createNode("pythonscript", name, force_valid_node_name=True)
    assert isinstance(lop, hou.LopNode)
    lop.setUserData("sdf_root_layer", os.path.abspath(root_layer))
    lop.setUserData("sdf_department", department)
    lop.setUserData("sdf_department_layer", department_layer(root_layer, department))
    code = lop.parm("python")
    if code is None:
        raise hou.OperationFailed(f"{lop.path()} is not a Python Script LOP")
    code.set(LOP_CODE)
    lop.setDisplayFlag(True)
    return lop


def cook(lop: hou.LopNode) -> None:
    """Inside the Python LOP: compose the stack, lock upstream layers, edit the department's."""
    from pxr import Sdf, Usd

    stage = lop.editableStage()
    if stage is None:
        return
    root = lop.userData("sdf_root_layer") or ""
    own = lop.userData("sdf_department_layer") or ""
    layer = Sdf.Layer.FindOrOpen(root)
    if layer is None:
        raise hou.OperationFailed(f"{root}: cannot open the shot's layer stack")
    editable = stage.GetRootLayer()
    editable.subLayerPaths.append(root)
    for path in layer.subLayerPaths:
        sub = Sdf.Layer.FindOrOpen(os.path.normpath(os.path.join(os.path.dirname(root), path)))
        if sub is not None and os.path.normpath(sub.realPath) != os.path.normpath(own):
            sub.SetPermissionToEdit(False)
    own_layer = Sdf.Layer.FindOrOpen(own)
    if own_layer is not None:
        stage.SetEditTarget(Usd.EditTarget(own_layer))


def save(lop: hou.LopNode) -> str:
    """Write the department's layer (what the artist edited through the LOP) back to its file."""
    from pxr import Sdf

    own = lop.userData("sdf_department_layer") or ""
    layer = Sdf.Layer.FindOrOpen(own)
    if layer is None or not layer.Save():
        raise hou.OperationFailed(f"{own}: could not save the department's layer")
    return own
