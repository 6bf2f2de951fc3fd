"""Render a picture of a lighting session in a real Blender (Workbench, headless) for the README.

    scripts/dev blender scripts/blender_session_screenshot.py docs/blender_session.png

Generates the small demo shot in a temporary folder, opens it as lighting, and renders frame
1024 from a work camera behind and above the shot camera, so the lights around the set are in
view: proxies (other departments' geometry, from the frame cache, drawn as stored: flat crate,
grass as curves, sparks as points) in grey, and the department's own lights. A render shows no
light objects (Workbench draws no overlays, and a headless Blender has no viewport to draw
them), so each light is drawn for the picture by a shape in its colour, where it is and facing
where it shines: a sun as an arrow, an area light as its rectangle, a spot as its cone, a point
light as a ball; the shot camera as a pyramid. The shapes are the picture's, not the session's:
they are made after the session is open and never published.
"""
import math
import os
import sys
import tempfile

import bpy
import bmesh  # noqa: I001 (bpy first: it makes bmesh importable)
from mathutils import Matrix, Vector

bpy.ops.wm.read_factory_settings(use_empty=True)
import sdf.dcc_plugins.blender as sb  # noqa: E402
from sdf.demo import generate  # noqa: E402

out = os.path.abspath(sys.argv[-1] if sys.argv[-1].endswith(".png") else "blender_session.png")
sb.register()
shot = generate(os.path.join(tempfile.mkdtemp(), "proj"), "small")
assert bpy.ops.sdf.open_shot(filepath=shot, department="lighting") == {"FINISHED"}
scene = bpy.context.scene
scene.frame_set(1024)
s = sb.session()
for obj in s.host.nodes("proxy").values():  # proxies: read-only, shown in the department view's grey
    obj.color = (0.62, 0.62, 0.64, 1.0)


def gizmo(name, build, matrix, color):
    """A mesh made by ``build(bm)`` placed at ``matrix``, in ``color``: what the picture shows of a light."""
    bm = bmesh.new()
    build(bm)
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    obj = bpy.data.objects.new(name, me)
    scene.collection.objects.link(obj)
    obj.matrix_world = matrix
    obj.color = (*color, 1.0)
    return obj


def pointing(length):
    """A cone of ``length`` from the origin along -Z (where a Blender light shines), apex at the origin."""
    def build(bm, radius):
        bmesh.ops.create_cone(bm, cap_ends=True, segments=24, radius1=0.0, radius2=radius, depth=length,
                              matrix=Matrix.Translation((0, 0, -length / 2)))
    return build


def arrow(bm):
    bmesh.ops.create_cone(bm, cap_ends=True, segments=16, radius1=0.04, radius2=0.04, depth=1.2,
                          matrix=Matrix.Translation((0, 0, -0.6)))
    bmesh.ops.create_cone(bm, cap_ends=True, segments=16, radius1=0.15, radius2=0.0, depth=0.35,
                          matrix=Matrix.Translation((0, 0, -1.35)))
    bmesh.ops.create_uvsphere(bm, u_segments=16, v_segments=8, radius=0.2)


def saturated(color):
    """The light's colour, saturated so that a warm key and a cool fill tell apart from the grey set."""
    m = max(color) or 1.0
    return tuple(max(0.0, 1.0 - 2.0 * (1.0 - c / m)) for c in color)


# Only the lights: their shapes stand in for them (Workbench would draw nothing for a light object).
for path, obj in s.host.nodes("light").items():
    light = obj.data
    if obj.type != "LIGHT":
        continue
    m, color = obj.matrix_world.copy(), saturated(tuple(light.color))
    if light.type == "SUN":
        gizmo(f"{obj.name} (sun)", arrow, m, color)
    elif light.type == "AREA":
        sx, sy = light.size, light.size_y if light.shape in ("RECTANGLE", "ELLIPSE") else light.size
        gizmo(f"{obj.name} (area)", lambda bm: bmesh.ops.create_grid(bm, x_segments=1, y_segments=1, size=0.5,
                                                                     matrix=Matrix.Diagonal((sx, sy, 1, 1))), m, color)
        gizmo(f"{obj.name} (area direction)", lambda bm: pointing(0.8)(bm, 0.08), m, color)
    elif light.type == "SPOT":
        length = 1.2
        gizmo(f"{obj.name} (spot)", lambda bm: pointing(length)(bm, length * math.tan(light.spot_size / 2)), m, color)
    else:
        gizmo(f"{obj.name} (point)", lambda bm: bmesh.ops.create_uvsphere(
            bm, u_segments=24, v_segments=12, radius=max(light.shadow_soft_size, 0.12)), m, color)

shot_cam = scene.camera
if shot_cam is not None:  # the shot camera as a pyramid looking where it looks
    gizmo("shot camera", lambda bm: pointing(0.7)(bm, 0.35), shot_cam.matrix_world.copy(), (0.9, 0.9, 0.9))

# A work camera behind, to the right of and above the shot camera, aimed at the set.
work = bpy.data.objects.new("work camera", bpy.data.cameras.new("work camera"))
scene.collection.objects.link(work)
work.data.lens = 26.0
work.data.clip_end = 1000.0
target = Vector((-0.3, 0.3, 2.2))
work.location = Vector((5.0, -9.5, 6.5))
work.rotation_euler = (target - work.location).to_track_quat("-Z", "Y").to_euler()
scene.camera = work

scene.render.engine = "BLENDER_WORKBENCH"
scene.display.shading.color_type = "OBJECT"
scene.display.shading.light = "STUDIO"
scene.display.shading.show_object_outline = True
scene.display.shading.show_cavity = True
scene.render.resolution_x, scene.render.resolution_y = 960, 540
scene.render.filepath = out
bpy.ops.render.render(write_still=True)
print(out)
