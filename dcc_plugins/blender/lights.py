"""Lights between the documents and Blender: the lights record kind's codec (:func:`build_lights`,
:func:`read_lights`), types, units, shapes, keyed animation and the dome.

Blender's ``energy`` is the shot's ``intensity x 2^exposure`` (the exposure is kept on the
light as ``sdf_exposure``) times the light's power factor (:mod:`sdf.dcc_plugins.light_units`:
UsdLux radiance to Cycles power, by type and size), so Cycles lights the shot as a UsdLux
renderer would; reading back divides by the same factor, so values round-trip. UsdLux spot
cone angles are half-angles, Blender's ``spot_size`` is the full angle. A dome light is the
scene's World (a Background node, with an Environment Texture for its image).
"""
from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING

import bpy

from sdf.dcc_plugins.light_units import power_factor, sphere_radius
from sdf.dcc_plugins.records import close

from .keys import curves_for, from_blender, key_frames, key_matrix, linear, matrix_at, to_blender
from .record_nodes import lock_object

if TYPE_CHECKING:
    from .host import BlenderHost

TYPES = {"distant": "SUN", "point": "POINT", "sphere": "POINT", "spot": "SPOT", "rect": "AREA", "disk": "AREA"}


def light_data(data):
    light = bpy.data.lights.new(data["name"], TYPES[data["type"]])
    exposure = float(data.get("exposure", 0.0))
    light["sdf_exposure"] = exposure
    light["sdf_type"] = data["type"]
    light.color = data.get("color", (1.0, 1.0, 1.0))
    light.energy = float(data.get("intensity", 1.0)) * 2.0 ** exposure * power_factor(data)
    t = data["type"]
    if t == "distant":
        light.angle = math.radians(data.get("angle", 0.53))
    elif t in ("point", "sphere", "spot"):
        light.shadow_soft_size = sphere_radius(data)
        light.use_soft_falloff = False  # a true sphere light: the irradiance power_factor assumes
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


def key_light(obj, data) -> None:
    anim = data.get("animation") or {}
    light = obj.data
    scale = 2.0 ** float(data.get("exposure", 0.0)) * power_factor(data)
    for key in anim.get("intensity", ()):
        light.energy = key[1] * scale
        light.keyframe_insert("energy", frame=key[0])
    for key in anim.get("color", ()):
        light.color = key[1:4]
        light.keyframe_insert("color", frame=key[0])
    prev = None
    for key in anim.get("transform", ()):
        prev = key_matrix(obj, key[1:], key[0], prev)
    linear(light)
    linear(obj)
    light.energy = float(data.get("intensity", 1.0)) * scale
    light.color = data.get("color", (1.0, 1.0, 1.0))


def build_dome(scene, r) -> None:
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
        # Cycles' automatic importance map is 1024 wide and rebuilt for every render (2 s a frame
        # here); the texture's own width is all the detail it can sample.
        world.cycles.sampling_method = "MANUAL"
        world.cycles.sample_map_resolution = max(64, min(2048, int(env.image.size[0]) or 256))
    world["sdf_path"] = r["path"]
    world["sdf_exposure"] = float(data.get("exposure", 0.0))
    scene.world = world


def _digits(value: float) -> float:
    """A value read back through a float32 (Blender's) and a power factor, to the 7 significant digits
    float32 holds: an artist's 8 comes back as 8, not 7.9999996."""
    return float(f"{value:.7g}")


def _shape_of(light, data) -> dict:
    """The light's type and size as Blender holds them now (for its power factor)."""
    t = data["type"]
    shape = {"type": t}
    if t == "distant":
        shape["angle"] = math.degrees(light.angle)
    elif t in ("point", "sphere", "spot"):
        shape["radius"] = light.shadow_soft_size
    elif t == "rect":
        shape["width"], shape["height"] = light.size, light.size_y
    elif t == "disk":
        shape["radius"] = light.size / 2.0
    return shape


def read_light_data(light, data, anim) -> None:
    scale = 2.0 ** float(light.get("sdf_exposure", 0.0)) * power_factor(_shape_of(light, data))
    data["exposure"] = float(light.get("sdf_exposure", 0.0))
    curves = curves_for(light, "energy")
    if curves:
        fc = curves[0]
        # Keys are float32 in Blender: a key the artist left alone keeps the document's exact number.
        before = {float(k[0]): float(k[1]) for k in anim.get("intensity", ())}
        keys = []
        for kp in fc.keyframe_points:
            frame, value = kp.co[0], _digits(kp.co[1] / scale)
            old = before.get(float(frame))
            keys.append([frame, old if old is not None and close(old, value) else value])
        anim["intensity"] = keys
    else:
        anim.pop("intensity", None)
        data["intensity"] = _digits(light.energy / scale)
    color_curves = curves_for(light, "color")
    if color_curves:
        frames = key_frames(light, ("color",))
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


def read_dome(scene, data) -> None:
    world = scene.world
    if world is None or world.get("sdf_path") is None or not world.node_tree:
        return
    bg = next((n for n in world.node_tree.nodes if n.type == "BACKGROUND"), None)
    if bg is None:
        return
    scale = 2.0 ** float(world.get("sdf_exposure", 0.0))
    data["intensity"] = bg.inputs["Strength"].default_value / scale
    if not bg.inputs["Color"].is_linked:
        data["color"] = list(bg.inputs["Color"].default_value)[:3]


# -- the record kind: lights and groups as objects, a dome as the World -----------------------------

def build_lights(host: "BlenderHost", records: list[dict], editable: bool) -> None:
    existing = {**host.nodes("light"), **host.nodes("light_group")}
    for obj in existing.values():
        host.remove(obj)
    world = host.scene.world
    if world is not None and "sdf_path" in world:
        del world["sdf_path"]
    root = host.root()
    made = {}
    for r in records:
        data = r["data"]
        parent = made.get(r["parent"], root)
        if data["type"] == "group":
            obj = host.new_object(data["name"], None, "light_group", r["path"])
            obj.empty_display_type = "SPHERE"
            obj.empty_display_size = 0.1
        elif data["type"] == "dome":
            obj = host.new_object(data["name"], None, "light", r["path"])
            obj.empty_display_type = "SPHERE"
            obj.empty_display_size = 0.3
            build_dome(host.scene, r)
        else:
            obj = host.new_object(data["name"], light_data(data), "light", r["path"])
            key_light(obj, data)
        host.parent_to(obj, parent)
        if not (data.get("animation") or {}).get("transform"):
            obj.matrix_basis = to_blender(data.get("transform"))
        obj.hide_render = obj.hide_viewport = not data.get("visible", True)
        obj["sdf_data"] = json.dumps(data)
        if r.get("texture_file"):
            obj["texture_file"] = r["texture_file"]
        lock_object(obj, not editable)
        made[r["path"]] = obj


def read_lights(host: "BlenderHost") -> list[dict]:
    out = []
    nodes = {**host.nodes("light"), **host.nodes("light_group")}
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
            read_dome(host.scene, data)
        elif data["type"] != "group":
            read_light_data(obj.data, data, anim)
        if anim:
            data["animation"] = anim
        else:
            data.pop("animation", None)
        if data["type"] not in ("group",) and "texture_file" in obj:
            rec["texture_file"] = obj["texture_file"]
        out.append(rec)
    return out
