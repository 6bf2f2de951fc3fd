"""Lights between the documents and Houdini: the lights record kind's codec (:func:`build_lights`,
:func:`read_lights`).

Lights are ``hlight::2.0`` nodes (Houdini lights have exposure natively, so intensity and exposure
are kept apart), a dome an ``envlight`` with its texture, groups ``null`` nodes; keys are linear.
The full light JSON is kept in the node's user data (``sdf_data``) for what Houdini's lights do
not hold.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import hou

from .keys import flat, key_matrix, key_times, m4, matrix_at, parm, parm_tuple, set_key
from .record_nodes import lock, parent_path

if TYPE_CHECKING:
    from .host import HoudiniHost

_LIGHT_TYPES = {"distant": "distant", "point": "point", "sphere": "sphere", "spot": "point", "rect": "grid",
                "disk": "disk"}


def build_lights(host: "HoudiniHost", records: list[dict[str, Any]], editable: bool) -> None:
    for role in ("light", "light_group"):
        for node in host.nodes(role).values():
            node.destroy()
    made: dict[str, hou.ObjNode] = {}
    for r in records:
        data = r["data"]
        parent = made.get(r["parent"] or "")
        if data["type"] == "group":
            node = host.new_node("null", data["name"], "light_group", r["path"], parent)
        elif data["type"] == "dome":
            node = host.new_node("envlight", data["name"], "light", r["path"], parent)
            if r.get("texture_file"):
                parm(node, "env_map").set(str(r["texture_file"]))
                node.setUserData("sdf_texture_file", str(r["texture_file"]))
        else:
            node = host.new_node("hlight::2.0", data["name"], "light", r["path"], parent)
            parm(node, "light_type").set(_LIGHT_TYPES[data["type"]])
            if data["type"] == "spot":
                parm(node, "coneenable").set(1)
                parm(node, "coneangle").set(2.0 * float(data.get("cone_angle", 45.0)))
                parm(node, "conedelta").set(float(data.get("cone_softness") or 0.0) * 10.0)
            if data["type"] in ("rect", "disk"):
                w = float(data.get("width", 2.0 * float(data.get("radius") or 0.5)))
                h = float(data.get("height", w))
                parm_tuple(node, "areasize").set((w, h))
        if data["type"] != "group":
            light_values(node, data)
        node.setUserData("sdf_data", json.dumps(data))
        anim = data.get("animation") or {}
        if anim.get("transform"):
            for key in anim["transform"]:
                key_matrix(node, key[1:], float(key[0]))
        else:
            node.setParmTransform(m4(data.get("transform")))
        node.setDisplayFlag(bool(data.get("visible", True)))
        lock(node, not editable)
        made[r["path"]] = node


def light_values(node: hou.ObjNode, data: dict[str, Any]) -> None:
    parm_tuple(node, "light_color").set(tuple(float(c) for c in data.get("color", (1.0, 1.0, 1.0))))
    parm(node, "light_intensity").set(float(data.get("intensity", 1.0)))
    parm(node, "light_exposure").set(float(data.get("exposure", 0.0)))
    anim = data.get("animation") or {}
    for key in anim.get("intensity", ()):
        set_key(parm(node, "light_intensity"), float(key[0]), float(key[1]))
    for key in anim.get("color", ()):
        for p, v in zip(parm_tuple(node, "light_color"), key[1:4]):
            set_key(p, float(key[0]), float(v))


def read_lights(host: "HoudiniHost") -> list[dict[str, Any]]:
    out = []
    for role in ("light_group", "light"):
        for path, node in host.nodes(role).items():
            data = json.loads(node.userData("sdf_data") or "{}")
            anim = dict(data.get("animation") or {})
            times = key_times(node, ("t", "r", "s"))
            if times:
                anim["transform"] = [[t, *matrix_at(node, t)] for t in times]
            else:
                anim.pop("transform", None)
                data["transform"] = flat(node.parmTransform())
            data["visible"] = node.isDisplayFlagSet()
            if role == "light":
                read_light_values(node, data, anim)
            if anim:
                data["animation"] = anim
            else:
                data.pop("animation", None)
            rec: dict[str, Any] = {"path": path, "parent": parent_path(node), "data": data}
            if node.userData("sdf_texture_file"):
                rec["texture_file"] = node.userData("sdf_texture_file")
            out.append(rec)
    return out


def read_light_values(node: hou.ObjNode, data: dict[str, Any], anim: dict[str, Any]) -> None:
    intensity = parm(node, "light_intensity")
    if intensity.keyframes():
        anim["intensity"] = [[hou.timeToFrame(k.time()), intensity.evalAsFloatAtFrame(hou.timeToFrame(k.time()))]
                             for k in intensity.keyframes()]
    else:
        anim.pop("intensity", None)
        data["intensity"] = intensity.evalAsFloat()
    colour = parm_tuple(node, "light_color")
    times = key_times(node, ("light_color",))
    if times:
        anim["color"] = [[t, *colour.evalAsFloatsAtFrame(t)] for t in times]
    else:
        anim.pop("color", None)
        data["color"] = list(colour.evalAsFloats())
    data["exposure"] = parm(node, "light_exposure").evalAsFloat()
    if data["type"] == "spot":
        data["cone_angle"] = parm(node, "coneangle").evalAsFloat() / 2.0
        data["cone_softness"] = parm(node, "conedelta").evalAsFloat() / 10.0
    elif data["type"] == "rect":
        data["width"], data["height"] = parm_tuple(node, "areasize").evalAsFloats()[:2]
    elif data["type"] == "disk":
        data["radius"] = parm_tuple(node, "areasize").evalAsFloats()[0] / 2.0
