"""Lights between the documents and Maya: the lights record kind's codec (:func:`build_lights`,
:func:`read_lights`).

Maya lights (``directionalLight``, ``pointLight``, ``spotLight``, ``areaLight``; a dome as an
``ambientLight`` keeping its texture path) with ``intensity = intensity x 2^exposure`` (the
exposure kept on the shape as ``sdfExposure``), keys as linear animation curves; the full
light JSON is kept on the node (``sdfData``) for what Maya's lights do not hold.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import maya.cmds as cmds

from .keys import CHANNELS, key_matrix, key_times, m16, matrix
from .record_nodes import add_string, get_string, lock

if TYPE_CHECKING:
    from .host import MayaHost

_LIGHT_TYPES = {"distant": "directionalLight", "point": "pointLight", "sphere": "pointLight", "spot": "spotLight",
                "rect": "areaLight", "disk": "areaLight", "dome": "ambientLight"}


def build_lights(host: "MayaHost", records: list[dict[str, Any]], editable: bool) -> None:
    old = {**host.nodes("light"), **host.nodes("light_group")}
    host.delete(old.values())
    made: dict[str, str] = {}
    root = host.root()
    for r in records:
        data = r["data"]
        parent = made.get(r["parent"] or "", root)
        if data["type"] == "group":
            node = cmds.createNode("transform", name=data["name"], parent=parent)
            node = cmds.ls(node, long=True)[0]
            host.tag(node, "light_group", r["path"])
        else:
            shape = cast(str, cmds.shadingNode(_LIGHT_TYPES[data["type"]], asLight=True, name=data["name"]))
            node = (cmds.listRelatives(shape, parent=True, fullPath=True) or cmds.ls(shape, long=True))[0]
            node = cast(list[str], cmds.parent(node, parent))[0]
            node = cmds.ls(node, long=True)[0]
            host.tag(node, "light", r["path"])
            light_values(node, data)
        add_string(node, "sdfData", json.dumps(data))
        if r.get("texture_file"):
            add_string(node, "sdfTextureFile", r["texture_file"])
        anim = data.get("animation") or {}
        if anim.get("transform"):
            for key in anim["transform"]:
                key_matrix(node, [float(v) for v in key[1:]], float(key[0]))
        else:
            cmds.xform(node, matrix=m16(data.get("transform")), objectSpace=True)
        cmds.setAttr(f"{node}.visibility", bool(data.get("visible", True)))
        lock(node, not editable)
        made[r["path"]] = node


def light_shape(node: str) -> str:
    return cast(list[str], cmds.listRelatives(node, shapes=True, fullPath=True))[0]


def light_values(node: str, data: dict[str, Any]) -> None:
    shape = light_shape(node)
    exposure = float(data.get("exposure", 0.0))
    scale = 2.0 ** exposure
    add_string(shape, "sdfExposure", repr(exposure))
    cmds.setAttr(f"{shape}.color", *[float(c) for c in data.get("color", (1.0, 1.0, 1.0))], type="double3")
    cmds.setAttr(f"{shape}.intensity", float(data.get("intensity", 1.0)) * scale)
    t = data["type"]
    if t == "spot":
        cmds.setAttr(f"{shape}.coneAngle", 2.0 * float(data.get("cone_angle", 45.0)))
        cmds.setAttr(f"{shape}.penumbraAngle", float(data.get("cone_softness") or 0.0) * 10.0)
    params = {k: data[k] for k in ("radius", "width", "height", "angle") if data.get(k) is not None}
    add_string(shape, "sdfShape", json.dumps(params))  # sizes Maya's light shapes do not hold as such
    anim = data.get("animation") or {}
    for key in anim.get("intensity", ()):
        cmds.setKeyframe(shape, attribute="intensity", time=float(key[0]), value=float(key[1]) * scale,
                         inTangentType="linear", outTangentType="linear")
    for key in anim.get("color", ()):
        for channel, value in zip(("colorR", "colorG", "colorB"), key[1:4]):
            cmds.setKeyframe(shape, attribute=channel, time=float(key[0]), value=float(value),
                             inTangentType="linear", outTangentType="linear")


def read_lights(host: "MayaHost") -> list[dict[str, Any]]:
    out = []
    for role in ("light_group", "light"):
        for path, node in host.nodes(role).items():
            data = json.loads(get_string(node, "sdfData", "{}"))
            parents = cast(list[str], cmds.listRelatives(node, parent=True, fullPath=True) or [])
            parent = get_string(parents[0], "sdfPath") if parents else ""
            anim = dict(data.get("animation") or {})
            times = key_times(node, CHANNELS)
            if times:
                anim["transform"] = [[t, *matrix(node, t)] for t in times]
            else:
                anim.pop("transform", None)
                data["transform"] = matrix(node)
            data["visible"] = bool(cmds.getAttr(f"{node}.visibility"))
            if role == "light":
                read_light_values(node, data, anim)
            if anim:
                data["animation"] = anim
            else:
                data.pop("animation", None)
            rec: dict[str, Any] = {"path": path, "parent": None if parent in ("", "/") else parent, "data": data}
            if cmds.attributeQuery("sdfTextureFile", node=node, exists=True):
                rec["texture_file"] = get_string(node, "sdfTextureFile")
            out.append(rec)
    return out


def read_light_values(node: str, data: dict[str, Any], anim: dict[str, Any]) -> None:
    shape = light_shape(node)
    exposure = float(get_string(shape, "sdfExposure", "0.0"))
    scale = 2.0 ** exposure
    data["exposure"] = exposure
    times = key_times(shape, ("intensity",))
    if times:
        values = cast(list[float], cmds.keyframe(shape, attribute="intensity", query=True, valueChange=True))
        anim["intensity"] = [[t, float(v) / scale] for t, v in zip(times, values)]
    else:
        anim.pop("intensity", None)
        data["intensity"] = float(cast(float, cmds.getAttr(f"{shape}.intensity"))) / scale
    ctimes = key_times(shape, ("colorR", "colorG", "colorB"))
    if ctimes:
        anim["color"] = [[t, *[float(cast(float, cmds.getAttr(f"{shape}.{c}", time=t)))
                               for c in ("colorR", "colorG", "colorB")]] for t in ctimes]
    else:
        anim.pop("color", None)
        data["color"] = [float(v) for v in cast(list[tuple[float, float, float]], cmds.getAttr(f"{shape}.color"))[0]]
    if data["type"] == "spot":
        data["cone_angle"] = float(cast(float, cmds.getAttr(f"{shape}.coneAngle"))) / 2.0
        data["cone_softness"] = float(cast(float, cmds.getAttr(f"{shape}.penumbraAngle"))) / 10.0
    data.update(json.loads(get_string(shape, "sdfShape", "{}")))
