"""Scene build for a render, two ways, timed inside Blender (run by ``benchmarks/render.py`` in the bpy Python).

    python render_scene.py sdf|blender SHOT LAYER FRAME

``sdf``: the toolkit's path: the Blender host's session (proxies filled from the frame cache,
cameras, lights, materials) and the layer as a view layer (:mod:`sdf.dcc_plugins.blender.view_layers`).
``blender``: the way without sdf: Blender's own Alembic importer on each leaf's cache, then the
layer set up by hand in a script (members into a collection, mattes into a holdout collection,
the camera from the shot's camera document). Prints ``SECONDS <s>`` and ``OBJECTS <n>``.
"""
import json
import os
import sys
import time

import bpy


def sdf_way(shot, layer, frame):
    from sdf.dcc_plugins.blender.host import BlenderHost
    from sdf.dcc_plugins.blender.view_layers import build_view_layers
    from sdf.dcc_plugins.render_plan import plan_layer
    from sdf.dcc_plugins.session import Session

    t0 = time.perf_counter()
    host = BlenderHost(bpy.context.scene)
    session = Session.open(host, shot, "lighting")
    bpy.context.scene.frame_set(frame)
    session.show(frame)
    view = session.view()
    build_view_layers(host, [plan_layer(view, view.render_layers.get(layer), os.path.dirname(shot))])
    return time.perf_counter() - t0


def blender_way(shot, layer, frame):
    """What a TD writes without the toolkit: read the documents as JSON, import, set up by hand."""
    import re

    t0 = time.perf_counter()
    base = os.path.dirname(shot)
    doc = json.load(open(shot))
    parts = {k: json.load(open(os.path.join(base, v["ref"]))) for k, v in doc["parts"].items() if "ref" in v}
    project_assets = os.path.normpath(os.path.join(base, doc.get("search_path", ["."])[0]))
    anim = parts["animation"]["opinions"]
    tree = parts["model_tree"]
    rl = next(l for l in parts["render_layers"]["layers"] if l["name"] == layer)
    scene = bpy.context.scene
    scene.frame_set(frame)
    members = bpy.data.collections.new("members")
    matte = bpy.data.collections.new("matte")
    scene.collection.children.link(members)
    scene.collection.children.link(matte)

    def leaves(node, path):
        here = f"{path}/{node['name']}"
        if node.get("children"):
            for child in node["children"]:
                yield from leaves(child, here)
        else:
            yield here, node

    def glob(p):
        return re.compile("^" + re.escape(p).replace(r"\*\*", ".*").replace(r"\*", "[^/]*") + "(/.*)?$")

    member_rx = [glob(p) for p in rl["members"]]
    matte_rx = [glob(o["members"]) for o in rl.get("overrides", ()) if o.get("matte")]
    for top in tree["children"]:
        for path, node in leaves(top, ""):
            if not any(rx.match(path) for rx in member_rx):
                continue
            src = anim.get(path, {}).get("animation") or node["source"]
            before = set(bpy.data.objects)
            bpy.ops.wm.alembic_import(filepath=os.path.join(project_assets, src["file"]), set_frame_range=False)
            target = matte if any(rx.match(path) for rx in matte_rx) else members
            for obj in set(bpy.data.objects) - before:
                for c in list(obj.users_collection):
                    c.objects.unlink(obj)
                target.objects.link(obj)
    cam_doc = next(c for c in parts["cameras"]["cameras"] if c["name"] == rl["camera"])
    cam = bpy.data.cameras.new(cam_doc["name"])
    cam.lens, cam.sensor_width = cam_doc["focal_length"], cam_doc["horizontal_aperture"]
    cam_obj = bpy.data.objects.new(cam_doc["name"], cam)
    scene.collection.objects.link(cam_obj)
    scene.camera = cam_obj
    vl = scene.view_layers.new(layer)
    vl.layer_collection.children["matte"].holdout = True
    bpy.context.evaluated_depsgraph_get()
    return time.perf_counter() - t0


if __name__ == "__main__":
    bpy.ops.wm.read_factory_settings(use_empty=True)
    way, shot, layer, frame = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seconds = (sdf_way if way == "sdf" else blender_way)(shot, layer, frame)
    print(f"SECONDS {seconds:.4f}")
    print(f"OBJECTS {len([o for o in bpy.data.objects if o.type == 'MESH'])}")
