"""Render checks that need ``bpy`` itself, one per process: ``python render_scenarios.py NAME WORKDIR``.

Prints one JSON line of facts prefixed ``RESULT``; ``test_render.py`` asserts on them.
"""
import json
import math
import os
import sys

import bpy
import numpy as np

bpy.ops.wm.read_factory_settings(use_empty=True)

from sdf.dcc_plugins.blender import lights  # noqa: E402
from sdf.dcc_plugins.light_units import irradiance  # noqa: E402

DISTANCE = 3.0
LIGHTS = [
    {"name": "sun", "type": "distant", "intensity": 2.0e4, "angle": 0.53},
    {"name": "bulb", "type": "sphere", "intensity": 40.0, "radius": 0.5},
    {"name": "dot", "type": "point", "intensity": 5.0},
    {"name": "cone", "type": "spot", "intensity": 40.0, "radius": 0.3, "cone_angle": 30.0, "cone_softness": 0.0},
    {"name": "panel", "type": "rect", "intensity": 3.0, "width": 2.0, "height": 1.0, "exposure": 1.0},
    {"name": "puck", "type": "disk", "intensity": 6.0, "radius": 0.6},
    {"name": "sky", "type": "dome", "intensity": 0.5},
]


def _scene():
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 256
    scene.cycles.use_denoising = False
    scene.cycles.seed = 1
    scene.render.resolution_x = scene.render.resolution_y = 4
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2
    st = scene.render.image_settings
    st.media_type = "MULTI_LAYER_IMAGE"
    st.file_format = "OPEN_EXR_MULTILAYER"
    st.color_depth = "32"
    me = bpy.data.meshes.new("plane")
    me.from_pydata([(-0.05, -0.05, 0), (0.05, -0.05, 0), (0.05, 0.05, 0), (-0.05, 0.05, 0)], [], [(0, 1, 2, 3)])
    plane = bpy.data.objects.new("plane", me)
    scene.collection.objects.link(plane)
    mat = bpy.data.materials.new("white")
    mat.use_nodes = True
    nt = mat.node_tree
    nt.nodes.clear()
    diffuse = nt.nodes.new("ShaderNodeBsdfDiffuse")
    diffuse.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    out = nt.nodes.new("ShaderNodeOutputMaterial")
    nt.links.new(diffuse.outputs["BSDF"], out.inputs["Surface"])
    me.materials.append(mat)
    cam = bpy.data.cameras.new("cam")
    cam.type = "ORTHO"
    cam.ortho_scale = 0.05
    cam_obj = bpy.data.objects.new("cam", cam)
    cam_obj.location = (0.0, 0.0, 1.0)
    scene.collection.objects.link(cam_obj)
    scene.camera = cam_obj
    return scene


def _measure(scene, path) -> float:
    import OpenEXR

    scene.render.filepath = path
    bpy.ops.render.render(write_still=True)
    with OpenEXR.File(path, separate_channels=True) as f:
        for part in f.parts:
            for name, ch in part.channels.items():
                if name.endswith("Combined.R"):
                    return float(np.asarray(ch.pixels, float).mean())
    raise RuntimeError("no Combined pass")


def light_units(work):
    scene = _scene()
    rows = []
    for data in LIGHTS:
        data = dict(data, color=[1.0, 1.0, 1.0])
        for obj in [o for o in scene.objects if o.type == "LIGHT"]:
            bpy.data.objects.remove(obj, do_unlink=True)
        scene.world = None
        if data["type"] == "dome":
            lights.build_dome(scene, {"data": data, "path": "/lights/sky"})
        else:
            obj = bpy.data.objects.new(data["name"], lights.light_data(data))
            obj.location = (0.0, 0.0, 0.0 if data["type"] == "distant" else DISTANCE)
            obj.visible_camera = False
            scene.collection.objects.link(obj)
        value = _measure(scene, os.path.join(work, f"{data['name']}.exr"))
        rows.append({"type": data["type"], "cycles": value * math.pi, "usdlux": irradiance(data, DISTANCE)})
    return rows


def dof_units(work):
    """One lens in a metre shot and in the same shot a hundred times bigger in centimetres: the edge of an
    out-of-focus plane is blurred alike (the aperture scales with the scene), and not at all at f-stop 0."""
    from sdf.dcc_plugins.blender.camera_lens import apply_dof

    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 16
    scene.cycles.seed = 1
    scene.render.film_transparent = True
    scene.render.resolution_x, scene.render.resolution_y = 64, 36
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2
    rows = {}
    for name, unit, f_stop in (("metres", 1.0, 0.1), ("centimetres", 0.01, 0.1), ("pinhole", 1.0, 0.0)):
        for obj in list(bpy.data.objects):
            bpy.data.objects.remove(obj, do_unlink=True)
        k = 1.0 / unit  # scene units per metre
        me = bpy.data.meshes.new("edge")
        me.from_pydata([(-k, -k, 0), (0, -k, 0), (0, k, 0), (-k, k, 0)], [], [(0, 1, 2, 3)])
        scene.collection.objects.link(bpy.data.objects.new("edge", me))
        cam = bpy.data.cameras.new("cam")
        apply_dof(cam, f_stop, 2.0 * k, unit)  # focused 3 m in front of the plane
        obj = bpy.data.objects.new("cam", cam)
        obj.location = (0.0, 0.0, 5.0 * k)
        cam.clip_start, cam.clip_end = 0.1 * k, 100.0 * k
        scene.collection.objects.link(obj)
        scene.camera = obj
        scene.unit_settings.system = "METRIC"
        scene.unit_settings.scale_length = unit
        scene.render.filepath = os.path.join(work, f"{name}.png")
        bpy.ops.render.render(write_still=True)
        img = bpy.data.images.load(scene.render.filepath)
        alpha = np.array(img.pixels[:]).reshape(36, 64, 4)[:, :, 3]
        rows[name] = {"blurred": int(((alpha > 0.02) & (alpha < 0.98)).sum()), "fstop": cam.dof.aperture_fstop,
                      "use_dof": cam.dof.use_dof, "middle": alpha[18].round(3).tolist()}
    return rows


def session_f12(work, *layers):
    """A lighting session opened on the render test shot (``render_shot.py``, already under WORK) in a scene
    that has a World of its own (as Blender's startup scene has): its view layers, and F12 of each of
    ``layers`` (default ``matte``) at 64x36, 4 samples, frame 1, each written as an EXR."""
    import sdf.dcc_plugins.blender as sb

    sb.register()
    startup = bpy.data.worlds.new("World")  # what an artist's scene has before the shot is opened
    startup.use_nodes = True
    next(n for n in startup.node_tree.nodes if n.type == "BACKGROUND").inputs["Strength"].default_value = 1.0
    bpy.context.scene.world = startup
    shot = os.path.join(work, "shots", "rt", "rt.sdf")
    result = bpy.ops.sdf.open_shot(filepath=shot, department="lighting")
    scene = bpy.context.scene
    scene.frame_set(1)
    sb.session().show(1)
    facts = {"open": list(result), "view_layers": sorted(vl.name for vl in scene.view_layers if vl.use),
             "engine": scene.render.engine, "camera": scene.camera.get("sdf_path") if scene.camera else None,
             "world": scene.world.get("sdf_path") if scene.world else None, "files": {}}
    scene.cycles.samples = 4
    scene.render.resolution_x, scene.render.resolution_y = 64, 36
    for layer in layers or ("matte",):
        for vl in scene.view_layers:
            vl.use = vl.name == layer
        scene.render.filepath = os.path.join(work, f"f12_{layer}.exr")
        bpy.ops.render.render(write_still=True)
        facts["files"][layer] = scene.render.filepath
    facts["status"] = bpy.ops.sdf.status() and sb.last_status()
    return facts


def image_node_uv(mat):
    """The UV Map node feeding the material's Image Texture node, if one does."""
    tex = next(n for n in mat.node_tree.nodes if n.type == "TEX_IMAGE")
    links = tex.inputs["Vector"].links
    return links[0].from_node if links and links[0].from_node.type == "UVMAP" else None


TEXTURE_LIBRARY = """<?xml version="1.0"?>
<materialx version="1.38">
  <image name="{name}_tex" type="color3">
    <input name="file" type="filename" value="grey128.png" {space} />
  </image>
  <standard_surface name="{name}_srf" type="surfaceshader">
    <input name="base_color" type="color3" nodename="{name}_tex" />
  </standard_surface>
  <surfacematerial name="{name}" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="{name}_srf" />
  </surfacematerial>
</materialx>
"""


def srgb_texture(work):
    """A constant texture of code value 128 on the plane, under a uniform white world (radiance 1, no
    specular: the plane shows its albedo), read as the MaterialX library declares it: sRGB, linear, or
    undeclared (a PNG: sRGB). Facts per case: the Combined pass's mean red and the image's colour space."""
    from sdf.dcc_plugins.blender.materials import shade
    from sdf.dcc_plugins.shading import read_library
    from sdf.demo.assets import write_png

    scene = _scene()
    scene.cycles.samples = 16
    world = bpy.data.worlds.new("white")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = 1.0
    scene.world = world
    plane = scene.objects["plane"]
    plane.data.uv_layers.new(name="uv")
    write_png(os.path.join(work, "grey128.png"), np.full((8, 8, 3), 128, np.uint8))
    facts = {}
    for name, space in (("srgb", 'colorspace="srgb_texture"'), ("linear", 'colorspace="lin_rec709"'),
                        ("undeclared", "")):
        lib = os.path.join(work, f"{name}.mtlx")
        with open(lib, "w") as fh:
            fh.write(TEXTURE_LIBRARY.format(name=name, space=space))
        mat = bpy.data.materials.new(name)
        problems = shade(mat, read_library(lib)[name])
        bsdf = next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
        bsdf.inputs["Specular IOR Level"].default_value = 0.0
        plane.data.materials.clear()
        plane.data.materials.append(mat)
        image = next(n for n in mat.node_tree.nodes if n.type == "TEX_IMAGE").image
        scene.render.filepath = os.path.join(work, f"{name}.exr")
        bpy.ops.render.render(write_still=True)
        import OpenEXR

        with OpenEXR.File(scene.render.filepath, separate_channels=True) as f:
            means = {n.split(".")[-2]: float(np.asarray(c.pixels, float).mean())
                     for p in f.parts for n, c in p.channels.items() if n.endswith(".R")}
        facts[name] = {"combined": means.get("Combined"), "colorspace": image.colorspace_settings.name,
                       "problems": problems, "uv_linked": bool(image_node_uv(mat))}
    # The same file read in two colour spaces by two materials: each keeps its own after both are shaded.
    facts["at_the_end"] = {m.name: next(n for n in m.node_tree.nodes if n.type == "TEX_IMAGE").image
                           .colorspace_settings.name for m in bpy.data.materials if m.name in facts}
    return facts


if __name__ == "__main__":
    name, work = sys.argv[1], sys.argv[2]
    print("RESULT " + json.dumps(globals()[name](work, *sys.argv[3:])))
