"""The Blender host's record kinds as nodes: placement, materials, effects, cameras and layout.

Each kind is built from the core's neutral records (:mod:`sdf.dcc_plugins.records`) into Blender
nodes, and read back from them, by a ``build_<kind>(host, records, editable)`` /
``read_<kind>(host)`` pair: the codecs :class:`.host.BlenderHost` declares (lights' are in
:mod:`.lights`; geometry, proxies and baking stay in :mod:`.host`). Maya and Houdini have the
same module with the same functions.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import bpy
import numpy as np

from .camera_lens import apply_dof, read_dof
from .keys import from_blender, key_frames, key_matrix, linear, matrix_at, to_blender

if TYPE_CHECKING:
    from .host import BlenderHost

_LOCK_ATTRS = ("lock_location", "lock_rotation", "lock_scale")


def lock_object(obj, locked: bool) -> None:
    """Transforms locked and the node unselectable (read-only data), or both released."""
    for attr in _LOCK_ATTRS:
        setattr(obj, attr, (locked,) * 3)
    obj.lock_rotation_w = locked
    obj.hide_select = locked


# placement: the model tree's transform hierarchy

def build_placement(host: "BlenderHost", records: list[dict], editable: bool) -> None:
    existing = host.nodes("node")
    root = host.root()
    wanted = {r["path"] for r in records}
    for path, obj in existing.items():
        if path not in wanted:
            host.remove(obj)
    for r in records:  # parents come before children (a walk of the tree)
        obj = existing.get(r["path"]) or host.new_object(r["name"], None, "node", r["path"])
        obj.empty_display_type = "PLAIN_AXES"
        obj.empty_display_size = 0.2
        parent = host.nodes("node").get(r["parent"]) if r["parent"] else root
        host.parent_to(obj, parent)
        obj.matrix_basis = to_blender(r["transform"])
        obj.hide_render = obj.hide_viewport = not r["visible"]
        obj["sdf_leaf"] = bool(r["leaf"])
        obj["sdf_name"] = r["name"]
        lock_object(obj, not editable)


def read_placement(host: "BlenderHost") -> list[dict]:
    out = []
    for path, obj in host.nodes("node").items():
        parent = obj.parent.get("sdf_path") if obj.parent is not None else None
        out.append({"path": path, "parent": None if parent in (None, "/") else parent,
                    "leaf": bool(obj.get("sdf_leaf")), "name": obj.get("sdf_name", obj.name),
                    "transform": from_blender(obj.matrix_basis), "visible": not obj.hide_render})
    return out


# materials: an object-linked material slot on each leaf's geometry

def leaf_geometry(host: "BlenderHost") -> dict:
    return {**host.nodes("proxy"), **host.nodes("geometry")}


def build_materials(host: "BlenderHost", records: list[dict], editable: bool) -> None:
    geo = leaf_geometry(host)
    for r in records:
        obj = geo.get(r["path"])
        if obj is None:
            continue
        obj["sdf_material_ref"] = r["material"] or ""
        mat = None
        if r["material"]:
            mat = next((m for m in bpy.data.materials if m.get("sdf_material") == r["material"]), None)
            if mat is None:
                mat = bpy.data.materials.new(r["material"].rsplit("#", 1)[-1])
                mat["sdf_material"] = r["material"]
        if not obj.material_slots:
            obj.data.materials.append(None) if obj.data is not None and not obj.data.materials else None
        if obj.material_slots:
            obj.material_slots[0].link = "OBJECT"
            obj.material_slots[0].material = mat
        if editable:
            obj.hide_select = False  # selectable to assign materials; transforms stay locked


def read_materials(host: "BlenderHost") -> list[dict]:
    out = []
    for path, obj in leaf_geometry(host).items():
        if "sdf_material_ref" not in obj:
            continue
        mat = obj.material_slots[0].material if obj.material_slots else None
        ref = None if mat is None else mat.get("sdf_material", mat.name)
        out.append({"path": path, "material": ref})
    return out


# fx: effect references on each model-tree node

def build_fx(host: "BlenderHost", records: list[dict], editable: bool) -> None:
    nodes = host.nodes("node")
    for r in records:
        obj = nodes.get(r["path"])
        if obj is not None:
            obj["sdf_effects"] = json.dumps(list(r["effects"]))


def read_fx(host: "BlenderHost") -> list[dict]:
    out = []
    for path, obj in host.nodes("node").items():
        if "sdf_effects" in obj:
            out.append({"path": path, "effects": json.loads(obj["sdf_effects"])})
    return out


# cameras: camera objects, keyed per frame when they move

def _meters_per_unit(host: "BlenderHost") -> float:
    return host.settings.meters_per_unit if host.settings is not None else host.scene.unit_settings.scale_length


def build_cameras(host: "BlenderHost", records: list[dict], editable: bool) -> None:
    for obj in host.nodes("camera").values():
        host.remove(obj)
    root = host.root()
    for r in records:
        if r["path"] == "/cameras":
            root["sdf_shot_camera"] = r.get("shot_camera") or ""
            continue
        d = r["data"]
        cam = bpy.data.cameras.new(d["name"])
        cam.lens = d["focal_length"]
        cam.sensor_fit = "HORIZONTAL"
        cam.sensor_width, cam.sensor_height = d["horizontal_aperture"], d["vertical_aperture"]
        cam.clip_start, cam.clip_end = d["near_clip"], d["far_clip"]
        apply_dof(cam, d["f_stop"], d["focus_distance"], _meters_per_unit(host))
        obj = host.new_object(d["name"], cam, "camera", r["path"])
        host.parent_to(obj, root)
        samples = d["transform"]["samples"]
        start = d["transform"]["start"]
        if len(samples) > 1:
            prev = None
            for i, m in enumerate(samples):
                prev = key_matrix(obj, m, start + i, prev)
            linear(obj)
        else:
            obj.matrix_basis = to_blender(samples[0] if samples else None)
            obj["sdf_start"] = start
        obj["sdf_metadata"] = json.dumps(d.get("metadata") or {})
        lock_object(obj, not editable)
    shot_cam = host.nodes("camera").get(f"/cameras/{root.get('sdf_shot_camera')}")
    if shot_cam is not None:
        host.scene.camera = shot_cam


def read_cameras(host: "BlenderHost") -> list[dict]:
    root = host.root()
    out = [{"path": "/cameras", "shot_camera": root.get("sdf_shot_camera") or None}]
    for path, obj in host.nodes("camera").items():
        cam = obj.data
        frames = key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale"))
        if frames:
            start, end = int(round(frames[0])), int(round(frames[-1]))
            samples = [matrix_at(obj, f) for f in range(start, end + 1)]
        else:
            start, samples = int(obj.get("sdf_start", host.settings.frame_start)), [from_blender(obj.matrix_basis)]
        f_stop, focus = read_dof(cam, _meters_per_unit(host))
        d = {"name": path.rsplit("/", 1)[-1], "focal_length": cam.lens, "horizontal_aperture": cam.sensor_width,
             "vertical_aperture": cam.sensor_height, "near_clip": cam.clip_start, "far_clip": cam.clip_end,
             "f_stop": f_stop, "focus_distance": focus,
             "transform": {"start": start, "samples": samples}}
        meta = json.loads(obj.get("sdf_metadata", "{}"))
        if meta:
            d["metadata"] = meta
        out.append({"path": path, "data": d})
    return out


# layout: rough-layout proxies as box meshes

def build_layout(host: "BlenderHost", records: list[dict], editable: bool) -> None:
    for obj in host.nodes("layout_proxy").values():
        host.remove(obj)
    root = host.root()
    for r in records:
        if r["path"] == "/layout":
            root["sdf_layout_camera"] = r.get("shot_camera") or ""
            continue
        d = r["data"]
        b = d["bounds"]
        me = bpy.data.meshes.new(d["name"])
        corners = [(x, y, z) for x in (b[0], b[3]) for y in (b[1], b[4]) for z in (b[2], b[5])]
        faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
        me.from_pydata(corners, [], faces)
        obj = host.new_object(d["name"], me, "layout_proxy", r["path"])
        obj.display_type = "WIRE"
        host.parent_to(obj, root)
        obj.matrix_basis = to_blender(d.get("transform"))
        obj["sdf_stands_for"] = d.get("stands_for") or ""
        lock_object(obj, not editable)


def read_layout(host: "BlenderHost") -> list[dict]:
    root = host.root()
    out = [{"path": "/layout", "shot_camera": root.get("sdf_layout_camera") or None}]
    for path, obj in host.nodes("layout_proxy").items():
        co = np.empty(len(obj.data.vertices) * 3, np.float32)
        obj.data.vertices.foreach_get("co", co)
        co = co.reshape(-1, 3)
        d = {"name": path.rsplit("/", 1)[-1], "bounds": [*map(float, co.min(axis=0)), *map(float, co.max(axis=0))],
             "transform": from_blender(obj.matrix_basis)}
        if obj.get("sdf_stands_for"):
            d["stands_for"] = obj["sdf_stands_for"]
        out.append({"path": path, "data": d})
    return out
