"""The Blender host: :class:`~sdf.dcc_plugins.host.HostAdapter` in terms of ``bpy``.

Translation only; every decision is the core's (:mod:`sdf.dcc_plugins.session`). What a
session builds in the scene, all in one collection ``SDF <shot>``:

- a root empty turning the shot's up axis into Blender's Z up (Y-up shots are rotated +90
  degrees about X, as Blender's own Alembic importer does); everything hangs below it, so
  values inside stay in shot units and axes, and ``unit_settings.scale_length`` says how
  big a unit is;
- one empty per model-tree node (placement), a mesh per leaf below it: a **proxy** (mesh
  filled every frame from the frame cache's buffers by a ``frame_change_post`` handler,
  transforms locked, not selectable) or **native geometry** (a mesh with Blender's own
  ``MESH_SEQUENCE_CACHE`` modifier on the department's cache, which the artist deforms);
- lights and light groups as Blender lights and empties, a dome light as the World;
  cameras as cameras, keyed per frame; layout proxies as box meshes.

Every node carries ``sdf_path`` and ``sdf_role`` custom properties: they, not Blender's
(unique, renamable) names, identify it. Read-only nodes are locked and unselectable; edits
made anyway (through Python, say) are detected by the core at publish and refused.

Matrices: the documents use row vectors (translation in the last row); Blender's
``Matrix`` uses column vectors, so one is the other's transpose.

Light units: Blender's ``energy`` is the shot's ``intensity x 2^exposure`` (the exposure is
kept on the light as ``sdf_exposure``), with no photometric conversion, so values round-trip
exactly; spot cone angles are UsdLux half-angles (Blender's ``spot_size`` is the full angle).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from typing import Iterable, Iterator

import bpy
import numpy as np
from mathutils import Matrix

from sdf.elements import IDENTITY
from sdf.frames import FrameData

from sdf.dcc_plugins.host import BakedFrame, HostAdapter, ProxyState
from sdf.dcc_plugins.plan import GeometryItem, SceneSettings

RECORD_KEY = "sdf_session"
#: What Blender's Alembic reader does to every point and matrix it reads: Y up becomes Z up.
_ABC_TO_BLENDER = Matrix.Rotation(math.radians(90.0), 4, "X")
_LOCK_ATTRS = ("lock_location", "lock_rotation", "lock_scale")


# -- small helpers ------------------------------------------------------------------------------

def to_blender(m) -> Matrix:
    """A document matrix (16 floats, row vectors) as a Blender Matrix (column vectors)."""
    a = np.asarray(IDENTITY if m is None else m, dtype=np.float64).reshape(4, 4).T
    return Matrix(a.tolist())


def from_blender(m: Matrix) -> list[float]:
    return [float(v) for v in np.array(m, dtype=np.float64).T.reshape(-1)]


def _lock(obj, locked: bool) -> None:
    for attr in _LOCK_ATTRS:
        setattr(obj, attr, (locked,) * 3)
    obj.lock_rotation_w = locked
    obj.hide_select = locked


def _channelbag(id_data):
    """The F-curves animating ``id_data`` (Blender 4.4+ slotted actions, or the older flat list)."""
    ad = id_data.animation_data
    if ad is None or ad.action is None:
        return []
    action = ad.action
    if hasattr(action, "fcurves") and not hasattr(ad, "action_slot"):
        return list(action.fcurves)
    from bpy_extras import anim_utils

    bag = anim_utils.action_get_channelbag_for_slot(action, ad.action_slot)
    return list(bag.fcurves) if bag is not None else []


def _linear(id_data) -> None:
    for fc in _channelbag(id_data):
        for kp in fc.keyframe_points:
            kp.interpolation = "LINEAR"


def _curves_for(id_data, data_path: str) -> dict[int, object]:
    return {fc.array_index: fc for fc in _channelbag(id_data) if fc.data_path == data_path}


def _key_frames(id_data, data_paths: Iterable[str]) -> list[float]:
    frames = set()
    for fc in _channelbag(id_data):
        if fc.data_path in data_paths:
            frames.update(kp.co[0] for kp in fc.keyframe_points)
    return sorted(frames)


def _matrix_at(obj, frame: float) -> list[float]:
    """The object's local matrix at ``frame``, evaluated from its F-curves (no scene frame change)."""
    loc = list(obj.location)
    scale = list(obj.scale)
    mode = obj.rotation_mode
    rot_path = "rotation_quaternion" if mode == "QUATERNION" else "rotation_euler"
    rot = list(obj.rotation_quaternion) if mode == "QUATERNION" else list(obj.rotation_euler)
    for path, values in (("location", loc), ("scale", scale), (rot_path, rot)):
        for i, fc in _curves_for(obj, path).items():
            values[i] = fc.evaluate(frame)
    from mathutils import Euler, Quaternion, Vector

    r = Quaternion(rot).normalized().to_matrix() if mode == "QUATERNION" else Euler(rot, mode).to_matrix()
    m = Matrix.LocRotScale(Vector(loc), r, Vector(scale))
    return from_blender(m)


def _key_matrix(obj, m, frame: float, prev_quat=None):
    """Key location, rotation (quaternion) and scale of ``obj`` to the document matrix ``m`` at ``frame``."""
    obj.rotation_mode = "QUATERNION"
    loc, quat, scale = to_blender(m).decompose()
    if prev_quat is not None:
        quat.make_compatible(prev_quat)
    obj.location, obj.rotation_quaternion, obj.scale = loc, quat, scale
    for path in ("location", "rotation_quaternion", "scale"):
        obj.keyframe_insert(path, frame=frame)
    return quat


def _rna_signature(struct, h) -> None:
    """Feed every plain, writable property of an RNA struct (a modifier, a constraint) to a hash."""
    for prop in struct.bl_rna.properties:
        if prop.identifier in ("rna_type", "name", "show_expanded", "is_override_data_editable") or prop.is_readonly:
            continue
        try:
            value = getattr(struct, prop.identifier)
        except AttributeError:
            continue
        if prop.type in ("BOOLEAN", "INT", "FLOAT", "STRING", "ENUM"):
            try:
                value = tuple(value) if getattr(prop, "array_length", 0) else value
            except TypeError:
                pass
            h.update(repr((prop.identifier, value)).encode())
        elif prop.type == "POINTER":
            h.update(repr((prop.identifier, getattr(value, "name", None))).encode())


def _fcurve_signature(id_data, h) -> None:
    for fc in _channelbag(id_data):
        h.update(fc.data_path.encode())
        h.update(str(fc.array_index).encode())
        n = len(fc.keyframe_points)
        co = np.empty(n * 2, np.float32)
        fc.keyframe_points.foreach_get("co", co)
        h.update(co.tobytes())


# -- the host -------------------------------------------------------------------------------------

class BlenderHost(HostAdapter):
    """The session's nodes in one Blender scene."""

    name = "blender"
    layout = "points"  # Blender meshes are points and polygons: no seam split, positions straight in

    def __init__(self, scene=None, *, bounds_first: bool = False):
        self.scene = scene or bpy.context.scene
        self.settings: SceneSettings | None = None
        #: Draw a proxy that holds no geometry yet as its bounding box (the locator way: Maya's
        #: gpuCache and Cortex's SceneShape draw bounds until geometry is loaded). The operator opens
        #: a shot this way and fills the proxies right after, one per UI tick (:meth:`unfilled`).
        self.bounds_first = bounds_first

    # -- the collection and its nodes -------------------------------------------------------------
    def _collection(self):
        name = self.scene.get("sdf_collection")
        coll = bpy.data.collections.get(name) if name else None
        if coll is None:
            coll = bpy.data.collections.new(f"SDF {self.settings.name if self.settings else 'shot'}")
            self.scene.collection.children.link(coll)
            self.scene["sdf_collection"] = coll.name
        return coll

    def nodes(self, role: str | None = None) -> dict[str, object]:
        """sdf path -> object, for the session's objects (of one role)."""
        name = self.scene.get("sdf_collection")
        coll = bpy.data.collections.get(name) if name else None
        if coll is None:
            return {}
        out = {}
        for obj in coll.all_objects:
            if "sdf_path" in obj and (role is None or obj.get("sdf_role") == role):
                out[obj["sdf_path"]] = obj
        return out

    def _new_object(self, name: str, data, role: str, path: str):
        obj = bpy.data.objects.new(name, data)
        self._collection().objects.link(obj)
        obj["sdf_path"] = path
        obj["sdf_role"] = role
        return obj

    def _remove(self, obj) -> None:
        data = obj.data
        bpy.data.objects.remove(obj, do_unlink=True)
        if data is not None and data.users == 0:
            if isinstance(data, bpy.types.Mesh):
                bpy.data.meshes.remove(data)
            elif isinstance(data, bpy.types.Light):
                bpy.data.lights.remove(data)
            elif isinstance(data, bpy.types.Camera):
                bpy.data.cameras.remove(data)

    def root(self):
        root = self.nodes("root").get("/")
        if root is None:
            root = self._new_object(f"{self.settings.name}_root", None, "root", "/")
            root.empty_display_type = "ARROWS"
            root.empty_display_size = 0.5
        if self.settings is not None:
            root.matrix_basis = Matrix.Rotation(math.radians(90.0), 4, "X") if self.settings.up_axis == "Y" \
                else Matrix.Identity(4)
        _lock(root, True)
        return root

    def _parent(self, obj, parent) -> None:
        obj.parent = parent
        obj.matrix_parent_inverse = Matrix.Identity(4)

    # -- the scene ----------------------------------------------------------------------------------
    def apply_settings(self, settings: SceneSettings) -> None:
        self.settings = settings
        scene = self.scene
        scene.frame_start, scene.frame_end = settings.frame_start, settings.frame_end
        fps = int(round(settings.fps))
        scene.render.fps = max(fps, 1)
        scene.render.fps_base = scene.render.fps / settings.fps
        scene.unit_settings.system = "METRIC"
        scene.unit_settings.scale_length = settings.meters_per_unit
        if not settings.frame_start <= scene.frame_current <= settings.frame_end:
            scene.frame_set(settings.frame_start)
        self.root()

    def current_frame(self) -> float:
        return float(self.scene.frame_current)

    def _ensure_settings(self) -> None:
        if self.settings is None:
            rec = self.load_record()
            if rec:
                self.settings = SceneSettings(**rec["settings"])

    # -- records ------------------------------------------------------------------------------------
    def build_records(self, kind: str, records: list[dict], editable: bool) -> None:
        self._ensure_settings()
        getattr(self, f"_build_{kind}")(records, editable)

    def read_records(self, kind: str) -> list[dict]:
        self._ensure_settings()
        return getattr(self, f"_read_{kind}")()

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
            _lock(obj, not editable)

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
                self._build_dome(r)
            else:
                obj = self._new_object(data["name"], self._light_data(data), "light", r["path"])
                self._key_light(obj, data)
            self._parent(obj, parent)
            if not (data.get("animation") or {}).get("transform"):
                obj.matrix_basis = to_blender(data.get("transform"))
            obj.hide_render = obj.hide_viewport = not data.get("visible", True)
            obj["sdf_data"] = json.dumps(data)
            if r.get("texture_file"):
                obj["texture_file"] = r["texture_file"]
            _lock(obj, not editable)
            made[r["path"]] = obj

    _TYPES = {"distant": "SUN", "point": "POINT", "sphere": "POINT", "spot": "SPOT", "rect": "AREA", "disk": "AREA"}

    def _light_data(self, data):
        light = bpy.data.lights.new(data["name"], self._TYPES[data["type"]])
        exposure = float(data.get("exposure", 0.0))
        light["sdf_exposure"] = exposure
        light["sdf_type"] = data["type"]
        light.color = data.get("color", (1.0, 1.0, 1.0))
        light.energy = float(data.get("intensity", 1.0)) * 2.0 ** exposure
        t = data["type"]
        if t == "distant":
            light.angle = math.radians(data.get("angle", 0.53))
        elif t in ("point", "sphere", "spot"):
            light.shadow_soft_size = float(data.get("radius") or 0.0)
            if t == "spot":
                light.spot_size = math.radians(2.0 * data.get("cone_angle", 90.0))
                light.spot_blend = float(data.get("cone_softness") or 0.0)
        elif t == "rect":
            light.shape = "RECTANGLE"
            light.size, light.size_y = float(data.get("width", 1.0)), float(data.get("height", 1.0))
        elif t == "disk":
            light.shape = "DISK"
            light.size = 2.0 * float(data.get("radius") or 0.5)
        return light

    def _key_light(self, obj, data) -> None:
        anim = data.get("animation") or {}
        light = obj.data
        scale = 2.0 ** float(data.get("exposure", 0.0))
        for key in anim.get("intensity", ()):
            light.energy = key[1] * scale
            light.keyframe_insert("energy", frame=key[0])
        for key in anim.get("color", ()):
            light.color = key[1:4]
            light.keyframe_insert("color", frame=key[0])
        prev = None
        for key in anim.get("transform", ()):
            prev = _key_matrix(obj, key[1:], key[0], prev)
        _linear(light)
        _linear(obj)
        light.energy = float(data.get("intensity", 1.0)) * scale
        light.color = data.get("color", (1.0, 1.0, 1.0))

    def _build_dome(self, r) -> None:
        data = r["data"]
        world = bpy.data.worlds.new(f"{data['name']} (sdf dome)")
        world.use_nodes = True
        nt = world.node_tree
        bg = next(n for n in nt.nodes if n.type == "BACKGROUND")
        bg.inputs["Color"].default_value = (*data.get("color", (1.0, 1.0, 1.0)), 1.0)
        bg.inputs["Strength"].default_value = float(data.get("intensity", 1.0)) * 2.0 ** float(data.get("exposure", 0))
        if r.get("texture_file") and os.path.isfile(r["texture_file"]):
            env = nt.nodes.new("ShaderNodeTexEnvironment")
            env.image = bpy.data.images.load(r["texture_file"], check_existing=True)
            nt.links.new(env.outputs["Color"], bg.inputs["Color"])
        world["sdf_path"] = r["path"]
        world["sdf_exposure"] = float(data.get("exposure", 0.0))
        self.scene.world = world

    def _read_lights(self):
        out = []
        nodes = {**self.nodes("light"), **self.nodes("light_group")}
        for path, obj in nodes.items():
            data = json.loads(obj["sdf_data"])
            parent = obj.parent.get("sdf_path") if obj.parent is not None else None
            rec = {"path": path, "parent": None if parent in (None, "/") else parent, "data": data}
            anim = dict(data.get("animation") or {})
            tkeys = _key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale"))
            if tkeys:
                anim["transform"] = [[f, *_matrix_at(obj, f)] for f in tkeys]
            else:
                anim.pop("transform", None)
                data["transform"] = from_blender(obj.matrix_basis)
            data["visible"] = not obj.hide_render
            if data["type"] == "dome":
                self._read_dome(data)
            elif data["type"] != "group":
                self._read_light_data(obj.data, data, anim)
            if anim:
                data["animation"] = anim
            else:
                data.pop("animation", None)
            if data["type"] not in ("group",) and "texture_file" in obj:
                rec["texture_file"] = obj["texture_file"]
            out.append(rec)
        return out

    def _read_light_data(self, light, data, anim) -> None:
        scale = 2.0 ** float(light.get("sdf_exposure", 0.0))
        data["exposure"] = float(light.get("sdf_exposure", 0.0))
        curves = _curves_for(light, "energy")
        if curves:
            fc = curves[0]
            anim["intensity"] = [[kp.co[0], kp.co[1] / scale] for kp in fc.keyframe_points]
        else:
            anim.pop("intensity", None)
            data["intensity"] = light.energy / scale
        color_curves = _curves_for(light, "color")
        if color_curves:
            frames = _key_frames(light, ("color",))
            anim["color"] = [[f, *(color_curves[i].evaluate(f) if i in color_curves else light.color[i]
                                   for i in range(3))] for f in frames]
        else:
            anim.pop("color", None)
            data["color"] = list(light.color)
        t = data["type"]
        if t == "distant":
            data["angle"] = math.degrees(light.angle)
        elif t in ("point", "sphere", "spot"):
            if light.shadow_soft_size or data.get("radius") is not None:
                data["radius"] = light.shadow_soft_size
            if t == "spot":
                data["cone_angle"] = math.degrees(light.spot_size) / 2.0
                data["cone_softness"] = light.spot_blend
        elif t == "rect":
            data["width"], data["height"] = light.size, light.size_y
        elif t == "disk":
            data["radius"] = light.size / 2.0

    def _read_dome(self, data) -> None:
        world = self.scene.world
        if world is None or world.get("sdf_path") is None or not world.node_tree:
            return
        bg = next((n for n in world.node_tree.nodes if n.type == "BACKGROUND"), None)
        if bg is None:
            return
        scale = 2.0 ** float(world.get("sdf_exposure", 0.0))
        data["intensity"] = bg.inputs["Strength"].default_value / scale
        if not bg.inputs["Color"].is_linked:
            data["color"] = list(bg.inputs["Color"].default_value)[:3]

    # cameras
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
            cam.dof.aperture_fstop = d["f_stop"]
            cam.dof.focus_distance = d["focus_distance"]
            obj = self._new_object(d["name"], cam, "camera", r["path"])
            self._parent(obj, root)
            samples = d["transform"]["samples"]
            start = d["transform"]["start"]
            if len(samples) > 1:
                prev = None
                for i, m in enumerate(samples):
                    prev = _key_matrix(obj, m, start + i, prev)
                _linear(obj)
            else:
                obj.matrix_basis = to_blender(samples[0] if samples else None)
                obj["sdf_start"] = start
            obj["sdf_metadata"] = json.dumps(d.get("metadata") or {})
            _lock(obj, not editable)
        shot_cam = self.nodes("camera").get(f"/cameras/{root.get('sdf_shot_camera')}")
        if shot_cam is not None:
            self.scene.camera = shot_cam

    def _read_cameras(self):
        root = self.root()
        out = [{"path": "/cameras", "shot_camera": root.get("sdf_shot_camera") or None}]
        for path, obj in self.nodes("camera").items():
            cam = obj.data
            frames = _key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale"))
            if frames:
                start, end = int(round(frames[0])), int(round(frames[-1]))
                samples = [_matrix_at(obj, f) for f in range(start, end + 1)]
            else:
                start, samples = int(obj.get("sdf_start", self.settings.frame_start)), [from_blender(obj.matrix_basis)]
            d = {"name": path.rsplit("/", 1)[-1], "focal_length": cam.lens, "horizontal_aperture": cam.sensor_width,
                 "vertical_aperture": cam.sensor_height, "near_clip": cam.clip_start, "far_clip": cam.clip_end,
                 "f_stop": cam.dof.aperture_fstop, "focus_distance": cam.dof.focus_distance,
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
            _lock(obj, not editable)

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
    def build_geometry(self, items: list[GeometryItem]) -> None:
        self._ensure_settings()
        proxies = self.nodes("proxy")
        native = self.nodes("geometry")
        wanted = {g.path for g in items if g.is_proxy}
        for path, obj in proxies.items():
            if path not in wanted:
                self._remove(obj)
        nodes = self.nodes("node")
        for item in items:
            parent = nodes.get(item.path, self.root())
            if item.is_proxy:
                obj = proxies.get(item.path)
                if obj is not None and (obj.get("sdf_file") != item.file or obj.get("sdf_object") != item.object):
                    self._remove(obj)
                    obj = None
                if obj is None:
                    name = item.path.rsplit("/", 1)[-1]
                    obj = self._new_object(f"{name}_proxy", bpy.data.meshes.new(f"{name}_proxy"), "proxy", item.path)
                    obj.data.materials.append(None)
                obj["sdf_file"], obj["sdf_object"], obj["sdf_owner"] = item.file, item.object, item.owner
                obj["sdf_topology"] = obj.get("sdf_topology", "")
                self._parent(obj, parent)
                _lock(obj, True)
            elif item.path not in native:
                self._build_native(item, parent)

    def _build_native(self, item: GeometryItem, parent) -> None:
        from sdf.dcc_plugins.memory import read_alembic_mesh

        fps = self.settings.fps
        pos, counts, idx = read_alembic_mesh(item.file, item.object, self.settings.frame_start, fps)
        name = item.path.rsplit("/", 1)[-1]
        me = bpy.data.meshes.new(name)
        _fill_polygons(me, pos, counts, _reverse_winding(counts, idx))
        obj = self._new_object(name, me, "geometry", item.path)
        obj.data.materials.append(None)
        self._parent(obj, parent)
        bpy.ops.cachefile.open(filepath=item.file)
        cache = next(c for c in bpy.data.cache_files if bpy.path.abspath(c.filepath) == item.file)
        mod = obj.modifiers.new("sdf cache", "MESH_SEQUENCE_CACHE")
        mod.cache_file = cache
        mod.object_path = item.object
        # Blender's Alembic reader turns Y-up data to Z-up (a +90 degree turn about X) on read; the
        # shot's own up axis is handled once, by the root. So the object's matrix undoes the reader's turn.
        from sdf.frames import AlembicReader

        o = AlembicReader(item.file).object(item.object)
        frames = range(self.settings.frame_start, self.settings.frame_end + 1)
        animated = any(p.getNumSamples() > 1 and not p.isConstant() for p in o.parents)
        prev = None
        for f in (frames if animated else [self.settings.frame_start]):
            basis = to_blender(o.world_at(f / fps).reshape(-1)) @ _ABC_TO_BLENDER.inverted()
            if animated:  # the Alembic transform, keyed: native data the animator can change
                m = from_blender(basis)
                prev = _key_matrix(obj, m, f, prev)
            else:
                obj.matrix_basis = basis
        if animated:
            _linear(obj)
        obj["sdf_file"], obj["sdf_object"] = item.file, item.object

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        obj = self.nodes("proxy").get(item.path) if not hasattr(self, "_proxy_index") else self._proxy_index.get(item.path)
        if obj is None:
            return
        me = obj.data
        topo = data.topology
        key = topo.key if topo is not None else f"points:{len(data.positions)}"
        if data.kind == "bounds" or (self.bounds_first and not obj.get("sdf_topology")):
            _fill_box(me, data.positions)
            obj["sdf_topology"] = ""  # still to fill with the real geometry
        elif obj.get("sdf_topology") != key or len(me.vertices) != len(data.positions):
            _fill_from_frame(me, data)
            obj["sdf_topology"] = key
        else:
            set_positions(me, data.positions)
            me.update()
        obj.matrix_basis = to_blender(np.asarray(data.world).reshape(-1))
        obj["sdf_frame"] = float(data.frame)

    def unfilled(self) -> list[str]:
        """Proxies still drawn as their bounds."""
        return [p for p, o in self.nodes("proxy").items() if not o.get("sdf_topology")]

    def begin_frame(self) -> None:
        """Index the proxies once per frame (the core draws them one by one)."""
        self._proxy_index = self.nodes("proxy")

    def end_frame(self) -> None:
        self.__dict__.pop("_proxy_index", None)

    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        obj = self.nodes("proxy").get(item.path)
        if obj is None:
            return None
        filled = bool(obj.get("sdf_topology"))  # a proxy still drawn as bounds has no points to compare
        return ProxyState(tuple(from_blender(obj.matrix_basis)), get_positions(obj.data) if filled else None,
                          float(obj.get("sdf_frame", self.scene.frame_current)))

    def geometry_signature(self, item: GeometryItem) -> str:
        obj = self.nodes("geometry").get(item.path)
        if obj is None:
            return "deleted"
        h = hashlib.sha256()
        me = obj.data
        h.update(get_positions(me).tobytes())
        if not _key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale")):
            h.update(repr([tuple(r) for r in obj.matrix_basis]).encode())  # keyed: the keys say it all
        for mod in obj.modifiers:
            h.update(mod.type.encode())
            _rna_signature(mod, h)
        for con in obj.constraints:
            h.update(con.type.encode())
            _rna_signature(con, h)
        if me.shape_keys is not None:
            for kb in me.shape_keys.key_blocks:
                h.update(repr((kb.name, kb.value, kb.mute)).encode())
                kco = np.empty(len(kb.data) * 3, np.float32)
                kb.data.foreach_get("co", kco)
                h.update(kco.tobytes())
            _fcurve_signature(me.shape_keys, h)
        _fcurve_signature(obj, h)
        h.update(repr(obj.parent.get("sdf_path") if obj.parent else None).encode())
        return h.hexdigest()

    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        obj = self.nodes("geometry").get(item.path)
        if obj is None:
            return iter(())
        return self._bake(obj, list(frames))

    def _bake(self, obj, frames) -> Iterator[BakedFrame]:
        scene = self.scene
        keep = scene.frame_current
        leaf = obj.parent
        try:
            for f in frames:
                scene.frame_set(int(f))
                dg = bpy.context.evaluated_depsgraph_get()
                ev = obj.evaluated_get(dg)
                me = ev.to_mesh()
                try:
                    co = get_positions(me)
                    # Into the leaf's space (below its placement node): the object's own evaluated matrix.
                    local = np.array(leaf.matrix_world.inverted() @ ev.matrix_world if leaf else ev.matrix_world)
                    pos = co.reshape(-1, 3).astype(np.float64) @ local[:3, :3].T + local[:3, 3]
                    counts = np.empty(len(me.polygons), np.int32)
                    me.polygons.foreach_get("loop_total", counts)
                    loops = _get_corners(me)
                    order = _winding_order(counts)
                    uvs = None
                    if me.uv_layers.active is not None:
                        uv = np.empty(len(me.loops) * 2, np.float32)
                        me.attributes[me.uv_layers.active.name].data.foreach_get("vector", uv)
                        uvs = uv.reshape(-1, 2)[order]
                    yield BakedFrame(float(f), pos.astype(np.float32), counts, loops[order], uvs)
                finally:
                    ev.to_mesh_clear()
        finally:
            scene.frame_set(keep)

    # -- persistence --------------------------------------------------------------------------------
    def save_record(self, record: dict) -> None:
        self.scene[RECORD_KEY] = json.dumps(record)

    def load_record(self) -> dict | None:
        text = self.scene.get(RECORD_KEY)
        return json.loads(text) if text else None

    def report(self, level: str, message: str) -> None:
        print(f"sdf {level}: {message}")


# -- mesh filling -----------------------------------------------------------------------------------
# Bulk data goes through the generic attribute API ("position", ".corner_vert", UV maps): in
# Blender 5.0 ``attributes[...].data.foreach_set`` copies a buffer in one go (1.3 ms for a
# million points), where the legacy ``vertices.foreach_set("co")`` and ``loops`` paths take a
# hundred times longer.

def set_positions(me, positions) -> None:
    me.attributes["position"].data.foreach_set("vector", np.ascontiguousarray(positions, np.float32).reshape(-1))


def get_positions(me) -> np.ndarray:
    co = np.empty(len(me.vertices) * 3, np.float32)
    if len(co):
        me.attributes["position"].data.foreach_get("vector", co)
    return co.reshape(-1, 3)


def _set_corners(me, corner_verts) -> None:
    me.attributes[".corner_vert"].data.foreach_set("value", np.ascontiguousarray(corner_verts, np.int32))


def _get_corners(me) -> np.ndarray:
    out = np.empty(len(me.loops), np.int32)
    if len(out):
        me.attributes[".corner_vert"].data.foreach_get("value", out)
    return out


def _winding_order(counts: np.ndarray) -> np.ndarray:
    """Corner order that reverses each polygon's winding (it is its own inverse)."""
    counts = np.asarray(counts, dtype=np.int64)
    if not len(counts):
        return np.zeros(0, np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(int(counts.sum())) - starts
    return starts + (np.repeat(counts, counts) - 1 - within)


def _reverse_winding(counts, idx) -> np.ndarray:
    return np.asarray(idx)[_winding_order(counts)]


def _fill_polygons(me, pos, counts, idx) -> None:
    me.clear_geometry()
    me.vertices.add(len(pos))
    set_positions(me, pos)
    if counts is not None and len(counts):
        me.loops.add(len(idx))
        _set_corners(me, idx)
        me.polygons.add(len(counts))
        me.polygons.foreach_set("loop_start", (np.cumsum(counts) - counts).astype(np.int32))
    me.update()


def _fill_box(me, positions) -> None:
    """The bounding box of ``positions`` as a wire-drawn box mesh."""
    lo = positions.min(axis=0) if len(positions) else np.zeros(3, np.float32)
    hi = positions.max(axis=0) if len(positions) else np.zeros(3, np.float32)
    corners = np.array([(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])],
                       np.float32)
    counts = np.full(6, 4, np.int32)
    faces = np.array([0, 1, 3, 2, 4, 6, 7, 5, 0, 4, 5, 1, 2, 3, 7, 6, 0, 2, 6, 4, 1, 5, 7, 3], np.int32)
    _fill_polygons(me, corners, counts, faces)


def _fill_from_frame(me, data: FrameData) -> None:
    """Rebuild a proxy mesh from a frame's GPU-ready buffers (a new topology, or the first frame)."""
    topo = data.topology
    me.clear_geometry()
    n = len(data.positions)
    me.vertices.add(n)
    set_positions(me, data.positions)
    if topo is not None and topo.kind == "polygons":
        counts = topo.face_counts
        order = _winding_order(counts)  # Alembic's clockwise polygons, counter-clockwise in Blender
        me.loops.add(len(topo.indices))
        _set_corners(me, topo.indices[order])
        me.polygons.add(len(counts))
        me.polygons.foreach_set("loop_start", (np.cumsum(counts) - counts).astype(np.int32))
        if topo.uvs is not None:
            layer = me.uv_layers.new(name="uv")
            me.attributes[layer.name].data.foreach_set(
                "vector", np.ascontiguousarray(topo.uvs[order], dtype=np.float32).reshape(-1))
        me.shade_smooth()
    elif topo is not None and topo.kind == "triangles" and topo.indices is not None:
        tris = topo.indices.astype(np.int32)
        m = len(tris) // 3
        me.loops.add(len(tris))
        _set_corners(me, tris)
        me.polygons.add(m)
        me.polygons.foreach_set("loop_start", np.arange(0, 3 * m, 3, dtype=np.int32))
        if topo.uvs is not None:
            layer = me.uv_layers.new(name="uv")
            me.attributes[layer.name].data.foreach_set(
                "vector", np.ascontiguousarray(topo.uvs[tris], dtype=np.float32).reshape(-1))
        me.shade_smooth()
    elif topo is not None and topo.kind == "lines" and topo.indices is not None:
        segs = topo.indices.astype(np.int32)
        me.edges.add(len(segs) // 2)
        me.edges.foreach_set("vertices", segs)
    me.update()
