"""The Blender host: :class:`~sdf.dcc_plugins.host.HostAdapter` in terms of ``bpy``.

Translation only; every decision is the core's (:mod:`sdf.dcc_plugins.session`). What a
session builds in the scene, all in one collection ``SDF <shot>``:

- a root empty turning the shot's up axis into Blender's Z up (Y-up shots are rotated +90
  degrees about X, as Blender's own Alembic importer does); everything hangs below it, so
  values inside stay in shot units and axes, and ``unit_settings.scale_length`` says how
  big a unit is;
- one empty per model-tree node (placement), a mesh per leaf below it: a **proxy** (filled
  every frame from the frame cache's buffers by a ``frame_change_post`` handler, transforms
  locked, not selectable: a mesh with the file's normals, Blender curves with the file's
  widths, or a point cloud; see :mod:`.meshes`) or **native geometry** (a mesh with Blender's own
  ``MESH_SEQUENCE_CACHE`` modifier on the department's cache, which the artist deforms);
- lights and light groups as Blender lights and empties, a dome light as the World;
  cameras as cameras, keyed per frame; layout proxies as box meshes.

Every node carries ``sdf_path`` and ``sdf_role`` custom properties: they, not Blender's
(unique, renamable) names, identify it. Read-only nodes are locked and unselectable; edits
made anyway (through Python, say) are detected by the core at publish and refused.

Record kinds become nodes through the codecs the host declares (:attr:`BlenderHost.codecs`):
placement, materials, effects, cameras and layout in :mod:`.record_nodes`, lights in
:mod:`.lights`; matrices and keys are converted in :mod:`.keys`, meshes filled in :mod:`.meshes`.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Iterable, Iterator

import bpy
import numpy as np
from mathutils import Matrix

from sdf.dcc_plugins.host import BakedFrame, Codec, HostAdapter, ProxyState, register_host
from sdf.dcc_plugins.plan import GeometryItem, SceneSettings
from sdf.alembic.frame_data import FrameData, FrameLayout

from .keys import fcurve_signature, from_blender, key_frames, key_matrix, linear, rna_signature, to_blender
from .meshes import POINTS_GROUP, fill_box, fill_from_frame, fill_polygons, get_corners, get_positions, \
    points_modifier, reverse_winding, update_frame, winding_order
from . import lights, record_nodes
from .record_nodes import lock_object

RECORD_KEY = "sdf_session"
#: What Blender's Alembic reader does to every point and matrix it reads: Y up becomes Z up.
_ABC_TO_BLENDER = Matrix.Rotation(math.radians(90.0), 4, "X")
# -- the host -------------------------------------------------------------------------------------

@register_host
class BlenderHost(HostAdapter):
    """The session's nodes in one Blender scene."""

    name = "blender"
    layout = FrameLayout.POINTS  # Blender meshes are points and polygons: no seam split, positions straight in
    codecs = {
        "placement": Codec(build=record_nodes.build_placement, read=record_nodes.read_placement),
        "materials": Codec(build=record_nodes.build_materials, read=record_nodes.read_materials),
        "fx": Codec(build=record_nodes.build_fx, read=record_nodes.read_fx),
        "lights": Codec(build=lights.build_lights, read=lights.read_lights),
        "cameras": Codec(build=record_nodes.build_cameras, read=record_nodes.read_cameras),
        "layout": Codec(build=record_nodes.build_layout, read=record_nodes.read_layout),
    }

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

    def new_object(self, name: str, data, role: str, path: str):
        """A new object of the session's collection, tagged with its role and sdf path (the codecs and
        the geometry make every node through this)."""
        obj = bpy.data.objects.new(name, data)
        self._collection().objects.link(obj)
        obj["sdf_path"] = path
        obj["sdf_role"] = role
        return obj

    def remove(self, obj) -> None:
        """Delete a session object and its data once nothing else uses it."""
        data = obj.data
        bpy.data.objects.remove(obj, do_unlink=True)
        if data is not None and data.users == 0:
            if isinstance(data, bpy.types.Mesh):
                bpy.data.meshes.remove(data)
            elif isinstance(data, bpy.types.Curves):
                bpy.data.hair_curves.remove(data)
            elif isinstance(data, bpy.types.Light):
                bpy.data.lights.remove(data)
            elif isinstance(data, bpy.types.Camera):
                bpy.data.cameras.remove(data)

    def root(self):
        root = self.nodes("root").get("/")
        if root is None:
            root = self.new_object(f"{self.settings.name}_root", None, "root", "/")
            root.empty_display_type = "ARROWS"
            root.empty_display_size = 0.5
        if self.settings is not None:
            root.matrix_basis = Matrix.Rotation(math.radians(90.0), 4, "X") if self.settings.up_axis == "Y" \
                else Matrix.Identity(4)
        lock_object(root, True)
        return root

    def parent_to(self, obj, parent) -> None:
        """Parent without Blender's parent-inverse: a node's matrix stays its local matrix in the shot."""
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

    def shade_materials(self, shading: dict[str, dict]) -> None:
        from .materials import shade

        for mat in bpy.data.materials:
            params = shading.get(mat.get("sdf_material"))
            if params is not None:
                for problem in shade(mat, params):
                    self.report("warning", problem)

    # -- geometry -----------------------------------------------------------------------------------
    def build_geometry(self, items: list[GeometryItem]) -> None:
        self._ensure_settings()
        proxies = self.nodes("proxy")
        native = self.nodes("geometry")
        wanted = {g.path for g in items if g.is_proxy}
        for path, obj in proxies.items():
            if path not in wanted:
                self.remove(obj)
        nodes = self.nodes("node")
        for item in items:
            parent = nodes.get(item.path, self.root())
            if item.is_proxy:
                obj = proxies.get(item.path)
                if obj is not None and (obj.get("sdf_file") != item.file or obj.get("sdf_object") != item.object):
                    self.remove(obj)
                    obj = None
                if obj is not None and obj.get("sdf_kind") != item.kind:
                    self.remove(obj)  # another kind of geometry now (or a proxy saved before kinds were drawn)
                    obj = None
                if obj is None:
                    name = item.path.rsplit("/", 1)[-1]
                    # Curves are Blender curves (hair curves); points a mesh of vertices drawn as a point cloud.
                    data = (bpy.data.hair_curves if item.kind == "curves" else bpy.data.meshes).new(f"{name}_proxy")
                    obj = self.new_object(f"{name}_proxy", data, "proxy", item.path)
                    obj.data.materials.append(None)
                    obj["sdf_kind"] = item.kind
                    if item.kind == "points":
                        points_modifier(obj, False)
                obj["sdf_file"], obj["sdf_object"], obj["sdf_owner"] = item.file, item.object, item.owner
                obj["sdf_topology"] = obj.get("sdf_topology", "")
                self.parent_to(obj, parent)
                lock_object(obj, True)
            elif item.path not in native:
                self._build_native(item, parent)

    def _build_native(self, item: GeometryItem, parent) -> None:
        from sdf.dcc_plugins.memory import read_alembic_mesh

        fps = self.settings.fps
        pos, counts, idx = read_alembic_mesh(item.file, item.object, self.settings.frame_start, fps)
        name = item.path.rsplit("/", 1)[-1]
        me = bpy.data.meshes.new(name)
        fill_polygons(me, pos, counts, reverse_winding(counts, idx))
        obj = self.new_object(name, me, "geometry", item.path)
        obj.data.materials.append(None)
        self.parent_to(obj, parent)
        # Blender's own Alembic reader (the modifier below) runs in Blender's process, where a corrupt
        # cache would crash the artist's session: it only gets a file whose every sample the library
        # read without dying in a worker process (sdf.alembic.deep_check). Otherwise the mesh stays still.
        # It reads a private snapshot of the file, not the file (see sdf.dcc_plugins.snapshot).
        from sdf.dcc_plugins.snapshot import checked_snapshot

        snap, bad = checked_snapshot(item.file, item.object, fps, bpy.app.tempdir or None)
        if bad:
            self.report("warning", f"{item.path}: {bad}; kept still at frame {self.settings.frame_start}, "
                                   "without its animation")
        else:
            bpy.ops.cachefile.open(filepath=snap)
            cache = next(c for c in bpy.data.cache_files if bpy.path.abspath(c.filepath) == snap)
            mod = obj.modifiers.new("sdf cache", "MESH_SEQUENCE_CACHE")
            mod.cache_file = cache
            mod.object_path = item.object
        # Blender's Alembic reader turns Y-up data to Z-up (a +90 degree turn about X) on read; the
        # shot's own up axis is handled once, by the root. So the object's matrix undoes the reader's turn.
        turn = _ABC_TO_BLENDER.inverted() if not bad else Matrix.Identity(4)
        from sdf.dcc_plugins.feed import frame_cache

        o = frame_cache().reader(item.file).object(item.object)
        frames = range(self.settings.frame_start, self.settings.frame_end + 1)
        animated = o.parents_animated
        prev = None
        for f in (frames if animated else [self.settings.frame_start]):
            basis = to_blender(o.world_at(f / fps).reshape(-1)) @ turn
            if animated:  # the Alembic transform, keyed: native data the animator can change
                m = from_blender(basis)
                prev = key_matrix(obj, m, f, prev)
            else:
                obj.matrix_basis = basis
        if animated:
            linear(obj)
        obj["sdf_file"], obj["sdf_object"] = item.file, item.object

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        obj = self.nodes("proxy").get(item.path) if not hasattr(self, "_proxy_index") else self._proxy_index.get(item.path)
        if obj is None:
            return
        d = obj.data
        topo = data.topology
        key = topo.key if topo is not None else f"points:{len(data.positions)}"
        bounds = data.kind == "bounds" or (self.bounds_first and not obj.get("sdf_topology"))
        if bounds:
            fill_box(d, data.positions)
            obj["sdf_topology"] = ""  # still to fill with the real geometry
        elif obj.get("sdf_topology") != key or len(d.attributes["position"].data) != len(data.positions):
            fill_from_frame(d, data)
            obj["sdf_topology"] = key
        else:
            update_frame(d, data)
        if data.kind == "points" or (bounds and obj.modifiers.get(POINTS_GROUP) is not None):
            points_modifier(obj, not bounds)
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
        if not key_frames(obj, ("location", "rotation_quaternion", "rotation_euler", "scale")):
            h.update(repr([tuple(r) for r in obj.matrix_basis]).encode())  # keyed: the keys say it all
        for mod in obj.modifiers:
            h.update(mod.type.encode())
            rna_signature(mod, h)
        for con in obj.constraints:
            h.update(con.type.encode())
            rna_signature(con, h)
        if me.shape_keys is not None:
            for kb in me.shape_keys.key_blocks:
                h.update(repr((kb.name, kb.value, kb.mute)).encode())
                kco = np.empty(len(kb.data) * 3, np.float32)
                kb.data.foreach_get("co", kco)
                h.update(kco.tobytes())
            fcurve_signature(me.shape_keys, h)
        fcurve_signature(obj, h)
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
                    loops = get_corners(me)
                    order = winding_order(counts)
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
