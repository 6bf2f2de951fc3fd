"""The Maya host's record kinds as nodes: placement, materials, effects, cameras and layout.

Each kind is built from the core's neutral records (:mod:`sdf.dcc_plugins.records`) into Maya
nodes, and read back from them, by a ``build_<kind>(host, records, editable)`` /
``read_<kind>(host)`` pair: the codecs :class:`.host.MayaHost` declares (lights' are in
:mod:`.lights`; proxies, native geometry and baking stay in :mod:`.host`). Blender and Houdini
have the same module with the same functions. Every node carries ``sdfPath`` and ``sdfRole``
string attributes (:func:`add_string`); read-only ones are locked with :func:`lock`.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import maya.cmds as cmds
import numpy as np

from .keys import CHANNELS, key_matrix, key_times, m16, matrix

if TYPE_CHECKING:
    from .host import MayaHost

_MM_PER_INCH = 25.4


def add_string(node: str, name: str, value: str) -> None:
    """Set a string attribute, adding it first if the node has none of that name."""
    if not cmds.attributeQuery(name, node=node, exists=True):
        cmds.addAttr(node, longName=name, dataType="string")
    cmds.setAttr(f"{node}.{name}", value, type="string")


def get_string(node: str, name: str, default: str = "") -> str:
    """A string attribute's value, or ``default`` if the node has none of that name."""
    if not cmds.attributeQuery(name, node=node, exists=True):
        return default
    value = cmds.getAttr(f"{node}.{name}")
    return default if value is None else str(value)


def lock(node: str, locked: bool) -> None:
    """Transform attributes and the node locked (read-only data), or both released."""
    for attr in ("translate", "rotate", "scale", "shear", "rotatePivot", "scalePivot", "visibility"):
        if cmds.attributeQuery(attr, node=node, exists=True):
            cmds.setAttr(f"{node}.{attr}", lock=locked)
    cmds.lockNode(node, lock=locked)


# placement: a transform per model-tree node

def build_placement(host: "MayaHost", records: list[dict[str, Any]], editable: bool) -> None:
    existing = host.nodes("node")
    host.delete(n for p, n in existing.items() if p not in {r["path"] for r in records})
    root = host.root()
    for r in records:
        node = host.nodes("node").get(r["path"])
        parent = (host.nodes("node").get(r["parent"]) or root) if r["parent"] else root
        if node is None:
            made = cmds.createNode("transform", name=r["name"], parent=parent)
            node = cmds.ls(made, long=True)[0]
            host.tag(node, "node", r["path"])
        lock(node, False)
        cmds.xform(node, matrix=m16(r["transform"]), objectSpace=True)
        cmds.setAttr(f"{node}.visibility", bool(r["visible"]))
        add_string(node, "sdfName", r["name"])
        add_string(node, "sdfLeaf", "1" if r["leaf"] else "0")
        lock(node, not editable)


def read_placement(host: "MayaHost") -> list[dict[str, Any]]:
    out = []
    for path, node in host.nodes("node").items():
        parents = cast(list[str], cmds.listRelatives(node, parent=True, fullPath=True) or [])
        parent = get_string(parents[0], "sdfPath") if parents else ""
        out.append({"path": path, "parent": None if parent in ("", "/") else parent,
                    "leaf": get_string(node, "sdfLeaf") == "1", "name": get_string(node, "sdfName"),
                    "transform": matrix(node), "visible": bool(cmds.getAttr(f"{node}.visibility"))})
    return out


def leaf_shapes(host: "MayaHost") -> dict[str, str]:
    out = {}
    for role in ("proxy", "geometry"):
        out.update(host.nodes(role))
    return out


def build_materials(host: "MayaHost", records: list[dict[str, Any]], editable: bool) -> None:
    shapes = leaf_shapes(host)
    for r in records:
        shape = shapes.get(r["path"])
        if shape is None:
            continue
        add_string(shape, "sdfMaterialRef", r["material"] or "")
        if not r["material"]:
            continue
        sg = shading_group(r["material"])
        locked = bool(cast(list[bool], cmds.lockNode(shape, query=True, lock=True))[0])
        cmds.lockNode(shape, lock=False)
        cmds.sets(shape, edit=True, forceElement=sg)
        cmds.lockNode(shape, lock=locked)


def shading_group(ref: str) -> str:
    for sg in cast(list[str], cmds.ls(type="shadingEngine") or []):
        if get_string(sg, "sdfMaterial") == ref:
            return sg
    name = ref.rsplit("#", 1)[-1] or "material"
    shader = cast(str, cmds.shadingNode("lambert", asShader=True, name=f"{name}_mtl"))
    sg = cast(str, cmds.sets(renderable=True, noSurfaceShader=True, empty=True, name=f"{name}SG"))
    cmds.connectAttr(f"{shader}.outColor", f"{sg}.surfaceShader", force=True)
    add_string(sg, "sdfMaterial", ref)
    return sg


def read_materials(host: "MayaHost") -> list[dict[str, Any]]:
    out = []
    for path, shape in leaf_shapes(host).items():
        if not cmds.attributeQuery("sdfMaterialRef", node=shape, exists=True):
            continue
        sgs = cast(list[str], cmds.listConnections(f"{shape}.instObjGroups", type="shadingEngine") or [])
        ref = None
        for sg in sgs:
            ref = get_string(sg, "sdfMaterial", sg) or None
            break
        out.append({"path": path, "material": ref})
    return out


def build_fx(host: "MayaHost", records: list[dict[str, Any]], editable: bool) -> None:
    nodes = host.nodes("node")
    for r in records:
        node = nodes.get(r["path"])
        if node is not None:
            cmds.lockNode(node, lock=False)
            add_string(node, "sdfEffects", json.dumps(list(r["effects"])))
            cmds.lockNode(node, lock=not editable)


def read_fx(host: "MayaHost") -> list[dict[str, Any]]:
    out = []
    for path, node in host.nodes("node").items():
        if cmds.attributeQuery("sdfEffects", node=node, exists=True):
            out.append({"path": path, "effects": json.loads(get_string(node, "sdfEffects", "[]"))})
    return out

# cameras

def build_cameras(host: "MayaHost", records: list[dict[str, Any]], editable: bool) -> None:
    host.delete(host.nodes("camera").values())
    root = host.root()
    for r in records:
        if r["path"] == "/cameras":
            cmds.lockNode(root, lock=False)
            add_string(root, "sdfShotCamera", r.get("shot_camera") or "")
            cmds.lockNode(root, lock=True)
            continue
        d = r["data"]
        made = cast(list[str], cmds.camera(name=d["name"]))
        node = cast(list[str], cmds.parent(made[0], root))[0]
        node = cmds.ls(node, long=True)[0]
        shape = cast(list[str], cmds.listRelatives(node, shapes=True, fullPath=True))[0]
        host.tag(node, "camera", r["path"])
        cmds.setAttr(f"{shape}.focalLength", float(d["focal_length"]))
        cmds.setAttr(f"{shape}.horizontalFilmAperture", float(d["horizontal_aperture"]) / _MM_PER_INCH)
        cmds.setAttr(f"{shape}.verticalFilmAperture", float(d["vertical_aperture"]) / _MM_PER_INCH)
        cmds.setAttr(f"{shape}.nearClipPlane", float(d["near_clip"]))
        cmds.setAttr(f"{shape}.farClipPlane", float(d["far_clip"]))
        cmds.setAttr(f"{shape}.fStop", float(d["f_stop"]))
        cmds.setAttr(f"{shape}.focusDistance", float(d["focus_distance"]))
        samples = d["transform"]["samples"]
        start = float(d["transform"]["start"])
        if len(samples) > 1:
            for i, m in enumerate(samples):
                key_matrix(node, [float(v) for v in m], start + i)
        else:
            cmds.xform(node, matrix=m16(samples[0] if samples else None), objectSpace=True)
            add_string(node, "sdfStart", repr(start))
        add_string(node, "sdfMetadata", json.dumps(d.get("metadata") or {}))
        lock(node, not editable)


def read_cameras(host: "MayaHost") -> list[dict[str, Any]]:
    root = host.root()
    out: list[dict[str, Any]] = [{"path": "/cameras", "shot_camera": get_string(root, "sdfShotCamera") or None}]
    for path, node in host.nodes("camera").items():
        shape = cast(list[str], cmds.listRelatives(node, shapes=True, fullPath=True))[0]
        times = key_times(node, CHANNELS)
        if times:
            start, end = int(round(times[0])), int(round(times[-1]))
            samples = [matrix(node, float(f)) for f in range(start, end + 1)]
        else:
            start = int(float(get_string(node, "sdfStart", str(host.settings.frame_start if host.settings else 1))))
            samples = [matrix(node)]

        def get(attr: str) -> float:
            return float(cast(float, cmds.getAttr(f"{shape}.{attr}")))

        d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1], "focal_length": get("focalLength"),
                             "horizontal_aperture": get("horizontalFilmAperture") * _MM_PER_INCH,
                             "vertical_aperture": get("verticalFilmAperture") * _MM_PER_INCH,
                             "near_clip": get("nearClipPlane"), "far_clip": get("farClipPlane"),
                             "f_stop": get("fStop"), "focus_distance": get("focusDistance"),
                             "transform": {"start": start, "samples": samples}}
        meta = json.loads(get_string(node, "sdfMetadata", "{}"))
        if meta:
            d["metadata"] = meta
        out.append({"path": path, "data": d})
    return out


# layout

def build_layout(host: "MayaHost", records: list[dict[str, Any]], editable: bool) -> None:
    host.delete(host.nodes("layout_proxy").values())
    root = host.root()
    for r in records:
        if r["path"] == "/layout":
            cmds.lockNode(root, lock=False)
            add_string(root, "sdfLayoutCamera", r.get("shot_camera") or "")
            cmds.lockNode(root, lock=True)
            continue
        d = r["data"]
        b = [float(v) for v in d["bounds"]]
        made = cast(list[str], cmds.polyCube(name=d["name"], width=b[3] - b[0], height=b[4] - b[1],
                                             depth=b[5] - b[2], constructionHistory=False))
        node = cast(list[str], cmds.parent(made[0], root))[0]
        node = cmds.ls(node, long=True)[0]
        cmds.move((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2, f"{node}.vtx[*]", relative=True,
                  objectSpace=True)
        cmds.xform(node, matrix=m16(d.get("transform")), objectSpace=True)
        host.tag(node, "layout_proxy", r["path"])
        add_string(node, "sdfStandsFor", d.get("stands_for") or "")
        lock(node, not editable)


def read_layout(host: "MayaHost") -> list[dict[str, Any]]:
    root = host.root()
    out: list[dict[str, Any]] = [{"path": "/layout", "shot_camera": get_string(root, "sdfLayoutCamera") or None}]
    for path, node in host.nodes("layout_proxy").items():
        pts = np.array(cast(list[float], cmds.xform(f"{node}.vtx[*]", query=True, translation=True,
                                                    objectSpace=True)), dtype=np.float64).reshape(-1, 3)
        d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1],
                             "bounds": [*map(float, pts.min(axis=0)), *map(float, pts.max(axis=0))],
                             "transform": matrix(node)}
        if get_string(node, "sdfStandsFor"):
            d["stands_for"] = get_string(node, "sdfStandsFor")
        out.append({"path": path, "data": d})
    return out
