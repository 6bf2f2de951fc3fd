"""Render a picture of a lighting session in a real Blender (Workbench, headless) for the README.

    scripts/dev blender scripts/blender_session_screenshot.py docs/blender_session.png

Generates the small demo shot in a temporary folder, opens it as lighting, and renders
frame 1024 through the shot camera: proxies (other departments' geometry, from the frame
cache) in grey, the department's own lights drawn by Workbench's object outlines.
"""
import os
import sys
import tempfile

import bpy

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
scene.render.engine = "BLENDER_WORKBENCH"
scene.display.shading.color_type = "OBJECT"
scene.display.shading.light = "STUDIO"
scene.display.shading.show_object_outline = True
scene.display.shading.show_cavity = True
scene.render.resolution_x, scene.render.resolution_y = 960, 540
scene.render.filepath = out
bpy.ops.render.render(write_still=True)
print(out)
