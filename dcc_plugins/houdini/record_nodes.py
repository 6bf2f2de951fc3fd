"""The Houdini host's record kinds as nodes: placement, materials, effects, cameras and layout.

Each kind is built from the core's neutral records (:mod:`sdf.dcc_plugins.records`) into Houdini
nodes, and read back from them, by a ``build_<kind>(host, records, editable)`` /
``read_<kind>(host)`` pair: the codecs :class:`.host.HoudiniHost` declares (lights' are in
:mod:`.lights`; proxies, native geometry and baking stay in :mod:`.host`). Blender and Maya have
the same module with the same functions. Every node carries ``sdf_path`` and ``sdf_role`` user
data; read-only ones are locked with :func:`lock`. A model-tree node is a ``null`` wired below
its parent's, so a node's parent is its first input (:func:`parent_path`).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import hou

from .keys import flat, key_matrix, key_times, m4, matrix_at, parm, parm_tuple

if TYPE_CHECKING:
    from .host import HoudiniHost

#: The transform parameters a read-only node has locked.
XFORM_PARMS = ("t", "r", "s", "shear", "scale", "p", "pr")


def lock(node: hou.OpNode, locked: bool) -> None:
    """Transform parameters locked and the node unpickable (read-only data), or both released."""
    for name in XFORM_PARMS:
        tup = node.parmTuple(name)
        if tup is not None:
            tup.lock(tuple(locked for _ in range(len(tup))))
    if isinstance(node, hou.ObjNode):
        node.setSelectableInViewport(not locked)


# placement: a null per model-tree node, wired as the tree

def build_placement(host: "HoudiniHost", records: list[dict[str, Any]], editable: bool) -> None:
    wanted = {r["path"] for r in records}
    for path, node in host.nodes("node").items():
        if path not in wanted:
            node.destroy()
    for r in records:
        nodes = host.nodes("node")
        node = nodes.get(r["path"]) or host.new_node("null", r["name"], "node", r["path"],
                                                 nodes.get(r["parent"] or ""))
        lock(node, False)
        node.setParmTransform(m4(r["transform"]))
        node.setDisplayFlag(bool(r["visible"]))
        node.setUserData("sdf_name", r["name"])
        node.setUserData("sdf_leaf", "1" if r["leaf"] else "0")
        lock(node, not editable)


def parent_path(node: hou.Node) -> str | None:
    """The sdf path of the node wired above ``node`` (None: the root)."""
    inputs = node.inputs()
    parent = inputs[0] if inputs else None
    path = parent.userData("sdf_path") if parent is not None else None
    return None if path in (None, "/") else path


def read_placement(host: "HoudiniHost") -> list[dict[str, Any]]:
    return [{"path": path, "parent": parent_path(node), "leaf": node.userData("sdf_leaf") == "1",
             "name": node.userData("sdf_name") or node.name(), "transform": flat(node.parmTransform()),
             "visible": node.isDisplayFlagSet()} for path, node in host.nodes("node").items()]


def leaf_geometry(host: "HoudiniHost") -> dict[str, hou.ObjNode]:
    return {**host.nodes("proxy"), **host.nodes("geometry")}


def build_materials(host: "HoudiniHost", records: list[dict[str, Any]], editable: bool) -> None:
    geo = leaf_geometry(host)
    for r in records:
        node = geo.get(r["path"])
        if node is None:
            continue
        node.setUserData("sdf_material", r["material"] or "")
        slot = node.parm("shop_materialpath")
        if slot is not None:
            slot.lock(False)
            slot.set(material_node(r["material"]) if r["material"] else "")
            slot.lock(not editable)


def material_node(ref: str) -> str:
    """A material node per reference in /mat, holding the reference (Houdini assigns by node path)."""
    mat = hou.node("/mat")
    assert mat is not None
    for child in mat.children():
        if child.userData("sdf_material") == ref:
            return child.path()
    node = mat.createNode("principledshader::2.0", ref.rsplit("#", 1)[-1] or "material",
                          force_valid_node_name=True)
    node.setUserData("sdf_material", ref)
    return node.path()


def read_materials(host: "HoudiniHost") -> list[dict[str, Any]]:
    out = []
    for path, node in leaf_geometry(host).items():
        if node.userData("sdf_material") is None:
            continue
        slot = node.parm("shop_materialpath")
        target = hou.node(str(slot.eval())) if slot is not None and slot.eval() else None
        ref = (target.userData("sdf_material") or target.path()) if target is not None else None
        out.append({"path": path, "material": ref})
    return out


def build_fx(host: "HoudiniHost", records: list[dict[str, Any]], editable: bool) -> None:
    nodes = host.nodes("node")
    for r in records:
        if r["path"] in nodes:
            nodes[r["path"]].setUserData("sdf_effects", json.dumps(list(r["effects"])))


def read_fx(host: "HoudiniHost") -> list[dict[str, Any]]:
    return [{"path": p, "effects": json.loads(n.userData("sdf_effects") or "[]")}
            for p, n in host.nodes("node").items() if n.userData("sdf_effects") is not None]


# cameras

def build_cameras(host: "HoudiniHost", records: list[dict[str, Any]], editable: bool) -> None:
    for node in host.nodes("camera").values():
        node.destroy()
    for r in records:
        if r["path"] == "/cameras":
            host.root().setUserData("sdf_shot_camera", r.get("shot_camera") or "")
            continue
        d = r["data"]
        node = host.new_node("cam", d["name"], "camera", r["path"], None)
        parm(node, "focal").set(float(d["focal_length"]))
        parm(node, "aperture").set(float(d["horizontal_aperture"]))
        parm(node, "aspect").set(1.0)
        parm_tuple(node, "res").set((1920, max(1, int(round(1920 * d["vertical_aperture"] / d["horizontal_aperture"])))))
        parm(node, "near").set(float(d["near_clip"]))
        parm(node, "far").set(float(d["far_clip"]))
        parm(node, "fstop").set(float(d["f_stop"]))
        parm(node, "focus").set(float(d["focus_distance"]))
        node.setUserData("sdf_vertical_aperture", repr(float(d["vertical_aperture"])))
        samples = d["transform"]["samples"]
        start = float(d["transform"]["start"])
        if len(samples) > 1:
            for i, m in enumerate(samples):
                key_matrix(node, m, start + i)
        else:
            node.setParmTransform(m4(samples[0] if samples else None))
            node.setUserData("sdf_start", repr(start))
        node.setUserData("sdf_metadata", json.dumps(d.get("metadata") or {}))
        lock(node, not editable)


def read_cameras(host: "HoudiniHost") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"path": "/cameras",
                                  "shot_camera": host.root().userData("sdf_shot_camera") or None}]
    for path, node in host.nodes("camera").items():
        times = key_times(node, ("t", "r", "s"))
        if times:
            start, end = int(round(times[0])), int(round(times[-1]))
            samples = [matrix_at(node, float(f)) for f in range(start, end + 1)]
        else:
            start = int(float(node.userData("sdf_start") or (host.settings.frame_start if host.settings else 1)))
            samples = [flat(node.parmTransform())]
        h_ap = parm(node, "aperture").evalAsFloat()
        res = parm_tuple(node, "res").evalAsFloats()
        v_ap = h_ap * res[1] / res[0] if res[0] else float(node.userData("sdf_vertical_aperture") or h_ap)
        stored = node.userData("sdf_vertical_aperture")
        if stored is not None and abs(float(stored) - v_ap) < 0.5 * h_ap / res[0]:
            v_ap = float(stored)  # the resolution rounds the aspect: keep the exact film back if it still fits
        d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1], "focal_length": parm(node, "focal").evalAsFloat(),
                             "horizontal_aperture": h_ap, "vertical_aperture": v_ap,
                             "near_clip": parm(node, "near").evalAsFloat(),
                             "far_clip": parm(node, "far").evalAsFloat(),
                             "f_stop": parm(node, "fstop").evalAsFloat(),
                             "focus_distance": parm(node, "focus").evalAsFloat(),
                             "transform": {"start": start, "samples": samples}}
        meta = json.loads(node.userData("sdf_metadata") or "{}")
        if meta:
            d["metadata"] = meta
        out.append({"path": path, "data": d})
    return out


# layout

def build_layout(host: "HoudiniHost", records: list[dict[str, Any]], editable: bool) -> None:
    for node in host.nodes("layout_proxy").values():
        node.destroy()
    for r in records:
        if r["path"] == "/layout":
            host.root().setUserData("sdf_layout_camera", r.get("shot_camera") or "")
            continue
        d = r["data"]
        b = [float(v) for v in d["bounds"]]
        node = host.new_node("geo", d["name"], "layout_proxy", r["path"], None)
        box = node.createNode("box", "bounds")
        parm_tuple(box, "size").set((b[3] - b[0], b[4] - b[1], b[5] - b[2]))
        parm_tuple(box, "t").set(((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2))
        node.setParmTransform(m4(d.get("transform")))
        node.setUserData("sdf_stands_for", d.get("stands_for") or "")
        lock(node, not editable)
        for tup_name in ("size", "t"):
            tup = box.parmTuple(tup_name)
            if tup is not None:
                tup.lock((not editable,) * len(tup))


def read_layout(host: "HoudiniHost") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"path": "/layout",
                                  "shot_camera": host.root().userData("sdf_layout_camera") or None}]
    for path, node in host.nodes("layout_proxy").items():
        box = node.node("bounds")
        assert box is not None
        size = parm_tuple(box, "size").evalAsFloats()
        center = parm_tuple(box, "t").evalAsFloats()
        d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1],
                             "bounds": [center[i] - size[i] / 2 for i in range(3)]
                             + [center[i] + size[i] / 2 for i in range(3)],
                             "transform": flat(node.parmTransform())}
        if node.userData("sdf_stands_for"):
            d["stands_for"] = node.userData("sdf_stands_for")
        out.append({"path": path, "data": d})
    return out
