"""The Blender host's records: placement, materials, effects, lights, cameras and layout as nodes.

Each kind is built from the core's neutral records (:mod:`sdf.dcc_plugins.records`) into Blender
nodes, and read back from them, by a ``_build_<kind>`` / ``_read_<kind>`` pair the host
(:class:`.host.BlenderHost`) dispatches to; geometry, proxies and baking stay in :mod:`.host`.
"""
from __future__ import annotations

import json

import bpy
import numpy as np

from . import lights
from .camera_lens import apply_dof, read_dof
from .keys import from_blender, key_frames, key_matrix, linear, matrix_at, to_blender

_LOCK_ATTRS = ("lock_location", "lock_rotation", "lock_scale")


def lock_object(obj, locked: bool) -> None:
    """Transforms locked and the node unselectable (read-only data), or both released."""
    for attr in _LOCK_ATTRS:
        setattr(obj, attr, (locked,) * 3)
    obj.lock_rotation_w = locked
    obj.hide_select = locked


class RecordNodes:
    """Mixed into the host: it provides ``nodes``, ``root``, ``_new_object``, ``_remove``, ``_parent``,
    ``scene``."""

    # placement: the model tree's transform hierarchy
    def _build_placement(self, records, editable):
        existing = self.nodes("node")
        root = self.root()
        wanted = {r["path"] for r in records}
        for path, obj in existing.items():
            if path not in wanted:
                self._remove(obj)
        for r in records:  # parents come before children (a walk of the tree)
            obj = existing.get(r["path"]) or self._new_object(r["name"], None, "node", r["path"])
            obj.empty_display_type = "PLAIN_AXES"
            obj.empty_display_size = 0.2
            parent = self.nodes("node").get(r["parent"]) if r["parent"] else root
            self._parent(obj, parent)
            obj.matrix_basis = to_blender(r["transform"])
            obj.hide_render = obj.hide_viewport = not r["visible"]
            obj["sdf_leaf"] = bool(r["leaf"])
            obj["sdf_name"] = r["name"]
            lock_object(obj, not editable)

    def _read_placement(self):
        out = []
        for path, obj in self.nodes("node").items():
            parent = obj.parent.get("sdf_path") if obj.parent is not None else None
            out.append({"path": path, "parent": None if parent in (None, "/") else parent,
                        "leaf": bool(obj.get("sdf_leaf")), "name": obj.get("sdf_name", obj.name),
                        "transform": from_blender(obj.matrix_basis), "visible": not obj.hide_render})
        return out

    # materials: an object-linked material slot on each leaf's geometry
    def _leaf_geometry(self):
        return {**self.nodes("proxy"), **self.nodes("geometry")}

    def _build_materials(self, records, editable):
        geo = self._leaf_geometry()
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

    def _read_materials(self):
        out = []
        for path, obj in self._leaf_geometry().items():
            if "sdf_material_ref" not in obj:
                continue
            mat = obj.material_slots[0].material if obj.material_slots else None
            ref = None if mat is None else mat.get("sdf_material", mat.name)
            out.append({"path": path, "material": ref})
        return out

    # fx: effect references on each model-tree node
    def _build_fx(self, records, editable):
        nodes = self.nodes("node")
        for r in records:
            obj = nodes.get(r["path"])
            if obj is not None:
                obj["sdf_effects"] = json.dumps(list(r["effects"]))

    def _read_fx(self):
        out = []
        for path, obj in self.nodes("node").items():
            if "sdf_effects" in obj:
                out.append({"path": path, "effects": json.loads(obj["sdf_effects"])})
        return out

    # lights
    def _build_lights(self, records, editable):
        existing = {**self.nodes("light"), **self.nodes("light_group")}
        for obj in existing.values():
            self._remove(obj)
        world = self.scene.world
        if world is not None and "sdf_path" in world:
            del world["sdf_path"]
        root = self.root()
        made = {}
        for r in records:
            data = r["data"]
            parent = made.get(r["parent"], root)
            if data["type"] == "group":
                obj = self._new_object(data["name"], None, "light_group", r["path"])
                obj.empty_display_type = "SPHERE"
                obj.empty_display_size = 0.1
            elif data["type"] == "dome":
                obj = self._new_object(data["name"], None, "light", r["path"])
                obj.empty_display_type = "SPHERE"
                obj.empty_display_size = 0.3
                lights.build_dome(self.scene, r)
            else:
                obj = self._new_object(data["name"], lights.light_data(data), "light", r["path"])
                lights.key_light(obj, data)
            self._parent(obj, parent)
            if not (data.get("animation") or {}).get("transform"):
                obj.matrix_basis = to_blender(data.get("transform"))
            obj.hide_render = obj.hide_viewport = not data.get("visible", True)
            obj["sdf_data"] = json.dumps(data)
            if r.get("texture_file"):
                obj["texture_file"] = r["texture_file"]
            lock_object(obj, not editable)
            made[r["path"]] = obj


    def _read_lights(self):
        out = []
        nodes = {**self.nodes("light"), **self.nodes("light_group")}
        for path, obj in nodes.items():
            data = json.loads(obj["sdf_data"])
            parent = obj.parent.get("sdf_path") if obj.parent is not None else None
            rec = {"path": path, "parent": None if parent in (None, "/") else parent, "data": data}
            anim = dict(data.get("animation") or {})
            tkeys = key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale"))
            if tkeys:
                anim["transform"] = [[f, *matrix_at(obj, f)] for f in tkeys]
            else:
                anim.pop("transform", None)
                data["transform"] = from_blender(obj.matrix_basis)
            data["visible"] = not obj.hide_render
            if data["type"] == "dome":
                lights.read_dome(self.scene, data)
            elif data["type"] != "group":
                lights.read_light_data(obj.data, data, anim)
            if anim:
                data["animation"] = anim
            else:
                data.pop("animation", None)
            if data["type"] not in ("group",) and "texture_file" in obj:
                rec["texture_file"] = obj["texture_file"]
            out.append(rec)
        return out

    def _meters_per_unit(self) -> float:
        return self.settings.meters_per_unit if self.settings is not None else self.scene.unit_settings.scale_length

    def _build_cameras(self, records, editable):
        for obj in self.nodes("camera").values():
            self._remove(obj)
        root = self.root()
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
            apply_dof(cam, d["f_stop"], d["focus_distance"], self._meters_per_unit())
            obj = self._new_object(d["name"], cam, "camera", r["path"])
            self._parent(obj, root)
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
        shot_cam = self.nodes("camera").get(f"/cameras/{root.get('sdf_shot_camera')}")
        if shot_cam is not None:
            self.scene.camera = shot_cam

    def _read_cameras(self):
        root = self.root()
        out = [{"path": "/cameras", "shot_camera": root.get("sdf_shot_camera") or None}]
        for path, obj in self.nodes("camera").items():
            cam = obj.data
            frames = key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale"))
            if frames:
                start, end = int(round(frames[0])), int(round(frames[-1]))
                samples = [matrix_at(obj, f) for f in range(start, end + 1)]
            else:
                start, samples = int(obj.get("sdf_start", self.settings.frame_start)), [from_blender(obj.matrix_basis)]
            f_stop, focus = read_dof(cam, self._meters_per_unit())
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
    def _build_layout(self, records, editable):
        for obj in self.nodes("layout_proxy").values():
            self._remove(obj)
        root = self.root()
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
            obj = self._new_object(d["name"], me, "layout_proxy", r["path"])
            obj.display_type = "WIRE"
            self._parent(obj, root)
            obj.matrix_basis = to_blender(d.get("transform"))
            obj["sdf_stands_for"] = d.get("stands_for") or ""
            lock_object(obj, not editable)

    def _read_layout(self):
        root = self.root()
        out = [{"path": "/layout", "shot_camera": root.get("sdf_layout_camera") or None}]
        for path, obj in self.nodes("layout_proxy").items():
            co = np.empty(len(obj.data.vertices) * 3, np.float32)
            obj.data.vertices.foreach_get("co", co)
            co = co.reshape(-1, 3)
            d = {"name": path.rsplit("/", 1)[-1], "bounds": [*map(float, co.min(axis=0)), *map(float, co.max(axis=0))],
                 "transform": from_blender(obj.matrix_basis)}
            if obj.get("sdf_stands_for"):
                d["stands_for"] = obj["sdf_stands_for"]
            out.append({"path": path, "data": d})
        return out

    # -- geometry -----------------------------------------------------------------------------------
