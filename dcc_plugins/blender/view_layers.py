"""The shot's render layers as Blender view layers: what ``sdf render`` renders, and F12 in a session.

Built from the core's plan (:func:`sdf.dcc_plugins.render_plan.plan_layer`), after the host has
built the scene. Each render layer gets a collection ``sdf layer <name>`` and a view layer of
the same name that includes only it (the session's own collection is excluded there):

- ``<name> beauty``: members seen as they are;
- ``<name> matte``: a *holdout* collection (alpha 0, no contribution);
- ``<name> indirect``: *indirect only* (``primary_visibility: false``: unseen by the camera,
  still casting shadows and reflecting);
- ``<name> lights``: the lights the layer names; the dome light (the scene's World) lights the view
  layer only when the layer names it (``use_sky``: the World itself is one for the whole scene);
- ``sdf render support``: the placement empties, the root and the cameras (never rendered, but
  proxies below them and the camera must evaluate in that view layer).

Members whose own object flags differ in this layer (``casts_shadows: false``; a shadows-only
member's *shadow catcher*) are linked duplicates: they share the proxy's mesh (filled every frame
by the host) and follow it with a Copy Transforms constraint, so the host's objects stay untouched.
Every member's ``pass_index`` is its number in the model tree (the integer id matte); each light
belongs to a Cycles light group named after its top-level group (per-light-group beauty).
"""
from __future__ import annotations

import bpy

from .materials import add_aov_output

PREFIX = "sdf layer "
SUPPORT = "sdf render support"
_SUPPORT_ROLES = ("root", "node", "camera", "light_group")


def _remove_previous(scene) -> None:
    for vl in list(scene.view_layers):
        if vl.get("sdf_layer") is not None and len(scene.view_layers) > 1:
            scene.view_layers.remove(vl)
    for coll in list(bpy.data.collections):
        if coll.get("sdf_render"):
            for obj in list(coll.objects):
                if obj.get("sdf_duplicate_of") is not None:
                    bpy.data.objects.remove(obj, do_unlink=True)
            bpy.data.collections.remove(coll)


def _collection(name: str, parent):
    coll = bpy.data.collections.new(name)
    coll["sdf_render"] = True
    parent.children.link(coll)
    return coll


def _duplicate(obj, coll, *, catcher: bool, shadows: bool):
    dup = obj.copy()  # shares the mesh the host fills every frame
    for key in ("sdf_path", "sdf_role"):
        if key in dup:
            del dup[key]
    dup["sdf_duplicate_of"] = obj.get("sdf_path", obj.name)
    dup.parent = None
    con = dup.constraints.new("COPY_TRANSFORMS")
    con.target = obj
    dup.is_shadow_catcher = catcher
    dup.visible_shadow = shadows
    coll.objects.link(dup)
    return dup


def _passes(vl, aovs: list[dict], groups: set[str]) -> None:
    vl.use_pass_combined = True
    for aov in aovs:
        r = aov["recipe"]
        p = r["pass"]
        if p == "depth":
            vl.use_pass_z = True
        elif p == "normal":
            vl.use_pass_normal = True
        elif p == "position":
            vl.use_pass_position = True
        elif p == "object_id":
            vl.use_pass_object_index = True
        elif p == "cryptomatte":
            vl.use_pass_cryptomatte_object = True
            vl.pass_cryptomatte_depth = 6
        elif p == "shadow":
            vl.cycles.use_pass_shadow_catcher = True
        elif p == "emission":
            vl.use_pass_emit = True
        elif p == "light":
            fam = {"Diff": "diffuse", "Gloss": "glossy", "Trans": "transmission"}[r["family"]]
            setattr(vl, f"use_pass_{fam}_color", True)
            if r["part"] in ("direct", "total"):
                setattr(vl, f"use_pass_{fam}_direct", True)
            if r["part"] in ("indirect", "total"):
                setattr(vl, f"use_pass_{fam}_indirect", True)
        elif p == "lightgroup":
            groups.add(r["group"])
        elif p == "primvar":
            kind = "VALUE" if aov["data_type"] in ("float", "int") else "COLOR"
            if aov["name"] not in vl.aovs:
                a = vl.aovs.add()
                a.name, a.type = aov["name"], kind
            for mat in bpy.data.materials:
                if mat.get("sdf_material") is not None:
                    add_aov_output(mat, aov["name"], r["primvar"], kind)
    for g in sorted(groups):
        if g not in vl.lightgroups:
            vl.lightgroups.add(name=g)


def build_view_layers(host, layers: list[dict]) -> dict[str, object]:
    """One view layer per planned render layer (replacing those built before); returns name -> view layer."""
    scene = host.scene
    _remove_previous(scene)
    proxies = {**host.nodes("proxy"), **host.nodes("geometry")}
    lights = host.nodes("light")
    support = bpy.data.collections.new(SUPPORT)
    support["sdf_render"] = True
    for role in _SUPPORT_ROLES:
        for obj in host.nodes(role).values():
            support.objects.link(obj)
    groups_all = {}
    for layer in layers:
        groups_all.update(layer["light_groups"])
    for path, obj in lights.items():
        if obj.type == "LIGHT" and path in groups_all:
            obj.lightgroup = groups_all[path]
    world = scene.world
    out = {}
    for layer in layers:
        name = layer["name"]
        top = _collection(PREFIX + name, scene.collection)
        colls = {s: _collection(f"{name} {s}", top) for s in ("beauty", "matte", "indirect", "lights")}
        top.children.link(support)
        for path, m in layer["members"].items():
            obj = proxies.get(path)
            if obj is None:
                continue
            obj.pass_index = int(m["id"])
            state = m["state"]
            target = colls["matte" if state == "matte" else "indirect" if state == "indirect" else "beauty"]
            if state == "catcher" or not m["casts_shadows"]:
                dup = _duplicate(obj, target, catcher=state == "catcher", shadows=bool(m["casts_shadows"]))
                dup.pass_index = int(m["id"])
            else:
                target.objects.link(obj)
        dome_lit = False
        for path in layer["lights"]:
            obj = lights.get(path)
            if obj is None:
                continue
            if obj.type == "LIGHT":
                colls["lights"].objects.link(obj)
            else:
                dome_lit = True  # the dome is the World
        vl = scene.view_layers.get(name) or scene.view_layers.new(name)
        vl["sdf_layer"] = name
        # The World is the scene's, one for every view layer; a layer whose lights leave the dome out
        # renders without it through the view layer's own switch (Cycles gives a layer without its sky
        # no light from the World), so F12 of the layer and sdf render agree with nothing swapped.
        vl.use_sky = dome_lit
        vl["sdf_collection"] = top.name
        groups = set()
        _passes(vl, layer["aovs"], groups)
        if world is not None and world.get("sdf_path") is not None:
            dome_group = next((g for p, g in layer["light_groups"].items() if p == world["sdf_path"]), None)
            if dome_group:
                world.lightgroup = dome_group
        out[name] = vl
    for vl in out.values():  # once every layer's collection exists: each view layer sees its own only
        top = vl["sdf_collection"]
        for lc in vl.layer_collection.children:
            lc.exclude = lc.collection.name != top
        lcs = vl.layer_collection.children[top].children
        name = vl["sdf_layer"]
        lcs[f"{name} matte"].holdout = True
        lcs[f"{name} indirect"].indirect_only = True
    for vl in scene.view_layers:  # the scene's own view layer renders nothing of the shot's
        if vl.get("sdf_layer") is None:
            vl.use = False
    return out


def configure(scene, samples: int = 64, denoise: bool = False, threads: int = 2) -> None:
    """Cycles on the CPU, fixed samples and seed, no adaptive sampling: a rerun is bit-identical.
    Shared by ``sdf render`` and a DCC session (so F12 renders what ``sdf render`` renders)."""
    scene.render.engine = "CYCLES"
    c = scene.cycles
    c.device = "CPU"
    c.samples = int(samples)
    c.use_adaptive_sampling = False
    c.use_animated_seed = False
    c.use_denoising = bool(denoise)
    if denoise:
        c.denoiser = "OPENIMAGEDENOISE"
    scene.render.threads_mode = "FIXED"
    scene.render.threads = max(1, int(threads))
    scene.render.film_transparent = True
    scene.render.use_motion_blur = False
    scene.render.resolution_percentage = 100
    settings = scene.render.image_settings
    settings.media_type = "MULTI_LAYER_IMAGE"
    settings.file_format = "OPEN_EXR_MULTILAYER"
    settings.color_depth = "32"


def sync_session(session) -> list[str]:
    """A DCC session's scene gets the shot's render layers as view layers, Cycles set up as ``sdf render``
    sets it, and the first layer's camera and resolution: F12 renders what ``sdf render`` renders (the
    same :func:`build_view_layers`, the dome included or left out per layer alike). Returns the view
    layers' names (none when the department does not see render layers)."""
    from sdf.dcc_plugins.render_plan import session_layers

    layers = session_layers(session.view())
    if not layers:
        return []
    host = session.host
    built = build_view_layers(host, layers)
    scene = host.scene
    configure(scene)
    first = layers[0]
    cam = host.nodes("camera").get(f"/cameras/{first['camera']}")
    if cam is not None:
        scene.camera = cam
    scene.render.resolution_x, scene.render.resolution_y = first["resolution"]
    scene.cycles.seed = int(scene.frame_current)
    return list(built)
