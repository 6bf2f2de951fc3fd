"""The Houdini host: :class:`~sdf.dcc_plugins.host.HostAdapter` in terms of ``hou``.

Translation only; the session core decides everything. What a session builds, all inside
one subnet ``/obj/sdf_<shot>`` whose transform turns a Z-up shot to Houdini's Y up and scales
shot units to metres:

- a ``null`` per model-tree node (placement), wired as the tree;
- below each leaf, a ``geo`` node holding one **packed Alembic primitive** (``AlembicRef``,
  created from Python by a Python SOP with the file, object path and time), so Houdini loads
  the geometry lazily and cannot edit it; the node's parameters are locked and it cannot be
  picked in the viewport. The department's own geometry is an editable ``geo`` with an
  Alembic SOP (unpacked), baked back at publish;
- lights as ``hlight::2.0`` nodes (Houdini lights have exposure natively), a dome as an
  ``envlight``; cameras as ``cam`` nodes keyed per frame; layout proxies as ``box`` SOPs.

Every node carries ``sdf_path`` and ``sdf_role`` user data: they identify it, not its name.
Matrices: ``hou.Matrix4`` is row-major with row vectors, like the documents. The session
record lives in the root subnet's user data and is saved with the ``.hip``.

Record kinds become nodes through the codecs the host declares (:attr:`HoudiniHost.codecs`):
placement, materials, effects, cameras and layout in :mod:`.record_nodes`, lights in
:mod:`.lights`; matrices, parameters and keys in :mod:`.keys`. This module keeps the scene,
proxies, native geometry, baking and the session record.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Iterator

import hou
import numpy as np

from ..bake import winding_order
from ..host import BakedFrame, Codec, HostAdapter, ProxyState, register_host
from ..plan import GeometryItem, SceneSettings
from sdf.alembic.frame_data import FrameData, FrameLayout

from . import lights, record_nodes
from .keys import flat, parm, parm_tuple
from .record_nodes import lock

RECORD_KEY = "sdf_session"


@register_host
class HoudiniHost(HostAdapter):
    """The session's nodes in the open Houdini scene."""

    name = "houdini"
    layout = FrameLayout.POINTS  # packed Alembic primitives read the archive themselves; checks use point layout
    codecs = {
        "placement": Codec(build=record_nodes.build_placement, read=record_nodes.read_placement),
        "materials": Codec(build=record_nodes.build_materials, read=record_nodes.read_materials),
        "fx": Codec(build=record_nodes.build_fx, read=record_nodes.read_fx),
        "lights": Codec(build=lights.build_lights, read=lights.read_lights),
        "cameras": Codec(build=record_nodes.build_cameras, read=record_nodes.read_cameras),
        "layout": Codec(build=record_nodes.build_layout, read=record_nodes.read_layout),
    }

    def __init__(self) -> None:
        self.settings: SceneSettings | None = None

    # -- nodes ----------------------------------------------------------------------------------
    def root(self) -> hou.ObjNode:
        obj = hou.node("/obj")
        assert obj is not None
        for child in obj.children():
            if child.userData("sdf_role") == "root" and isinstance(child, hou.ObjNode):
                return child
        name = f"sdf_{self.settings.name if self.settings else 'shot'}"
        root = obj.createNode("subnet", name)
        assert isinstance(root, hou.ObjNode)
        root.setUserData("sdf_role", "root")
        root.setUserData("sdf_path", "/")
        return root

    def nodes(self, role: str) -> dict[str, hou.ObjNode]:
        out: dict[str, hou.ObjNode] = {}
        for node in self.root().allSubChildren():
            if isinstance(node, hou.ObjNode) and node.userData("sdf_role") == role:
                out[node.userData("sdf_path") or ""] = node
        return out

    def new_node(self, type_name: str, name: str, role: str, path: str, parent: hou.ObjNode | None) -> hou.ObjNode:
        """A new node in the root subnet, tagged with its role and sdf path, wired below ``parent``
        (the codecs and the geometry make every node through this)."""
        node = self.root().createNode(type_name, name.replace("/", "_") or "node", force_valid_node_name=True)
        assert isinstance(node, hou.ObjNode)
        node.setUserData("sdf_role", role)
        node.setUserData("sdf_path", path)
        if parent is not None and parent != self.root():
            node.setFirstInput(parent)
        return node

    # -- the scene --------------------------------------------------------------------------------
    def apply_settings(self, settings: SceneSettings) -> None:
        self.settings = settings
        hou.setFps(settings.fps)
        hou.playbar.setFrameRange(settings.frame_start, settings.frame_end)
        hou.playbar.setPlaybackRange(settings.frame_start, settings.frame_end)
        hou.setFrame(settings.frame_start)
        root = self.root()
        lock(root, False)
        parm_tuple(root, "r").set((-90.0 if settings.up_axis == "Z" else 0.0, 0.0, 0.0))
        parm(root, "scale").set(settings.meters_per_unit)  # Houdini's unit is the metre
        lock(root, True)

    def current_frame(self) -> float:
        return hou.frame()

    # -- geometry ---------------------------------------------------------------------------------
    def build_geometry(self, items: list[GeometryItem]) -> None:
        self._ensure_settings()
        proxies = self.nodes("proxy")
        wanted = {g.path for g in items if g.is_proxy}
        for path, stale in proxies.items():
            if path not in wanted:
                stale.destroy()
        native = self.nodes("geometry")
        nodes = self.nodes("node")
        for item in items:
            parent = nodes.get(item.path)
            if item.is_proxy:
                found = proxies.get(item.path)
                if found is None:
                    node = self.new_node("geo", f"{item.path.rsplit('/', 1)[-1]}_proxy", "proxy", item.path, parent)
                    sop = node.createNode("python", "packed_alembic")
                    parm(sop, "python").set("from sdf.dcc_plugins.houdini import proxy\nproxy.cook(hou.pwd())\n")
                    parm(sop, "python").lock(True)
                else:
                    node = found
                node.setUserData("sdf_file", item.file)
                node.setUserData("sdf_object", item.object)
                node.setUserData("sdf_owner", item.owner)
                lock(node, True)
            elif item.path not in native:
                # Houdini's reader gets a private, checked snapshot of the cache (see sdf.dcc_plugins.snapshot).
                from sdf.dcc_plugins.snapshot import checked_snapshot

                snap, bad = checked_snapshot(item.file, item.object, self.settings.fps if self.settings else 24.0)
                if bad:
                    self.report("warning", f"{item.path}: {bad}; not loaded")
                    continue
                own = self.new_node("geo", item.path.rsplit("/", 1)[-1], "geometry", item.path, parent)
                abc = own.createNode("alembic", "cache")
                parm(abc, "fileName").set(snap)
                parm(abc, "objectPath").set(item.object)
                parm(abc, "loadmode").set("houdini")  # unpacked: native, editable geometry
                own.setUserData("sdf_file", item.file)
                own.setUserData("sdf_object", item.object)

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        """Packed Alembic primitives load themselves at each frame; nothing to push."""

    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        node = self.nodes("proxy").get(item.path)
        if node is None:
            return None
        from .. import feed

        record = self.load_record() or {}
        frame = self.current_frame()
        data = feed.frame(record.get("shot_file", ""), record.get("department", ""), item.path, frame,
                          layout=FrameLayout.POINTS)
        local = np.asarray(node.parmTransform().asTupleOfTuples(), dtype=np.float64)
        combined = np.asarray(data.world, dtype=np.float64) @ local
        return ProxyState(tuple(float(v) for v in combined.reshape(-1)), None, frame)

    def geometry_signature(self, item: GeometryItem) -> str:
        node = self.nodes("geometry").get(item.path)
        if node is None:
            return "deleted"
        h = hashlib.sha256()
        h.update(repr(flat(node.parmTransform())).encode())
        for child in node.allSubChildren():
            h.update(child.type().name().encode())
            if not isinstance(child, hou.OpNode):
                continue
            for p in child.parms():
                h.update(repr((p.name(), p.rawValue(), len(p.keyframes()))).encode())
        return h.hexdigest()

    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        node = self.nodes("geometry").get(item.path)
        return self._bake(node, list(frames)) if node is not None else iter(())

    def _bake(self, node: hou.ObjNode, frames: list[float]) -> Iterator[BakedFrame]:
        keep = hou.frame()
        try:
            for f in frames:
                hou.setFrame(f)
                sop = node.displayNode()
                if sop is None or not isinstance(sop, hou.SopNode):
                    raise hou.OperationFailed(f"{node.path()} has no geometry to bake")
                geo = sop.geometry()
                if geo is None:
                    raise hou.OperationFailed(f"{sop.path()} did not cook")
                pts = np.array(geo.pointFloatAttribValues("P"), dtype=np.float64).reshape(-1, 3)
                counts = np.array([len(list(p.vertices())) for p in geo.prims()], dtype=np.int32)
                corners = np.array([v.point().number() for p in geo.prims() for v in p.vertices()], dtype=np.int32)
                local = np.asarray(node.parmTransform().asTupleOfTuples(), dtype=np.float64)
                pos = pts @ local[:3, :3] + local[3, :3]
                yield BakedFrame(float(f), pos.astype(np.float32), counts, corners[winding_order(counts)])
        finally:
            hou.setFrame(keep)

    # -- persistence ------------------------------------------------------------------------------
    def save_record(self, record: dict[str, Any]) -> None:
        self.root().setUserData(RECORD_KEY, json.dumps(record))

    def load_record(self) -> dict[str, Any] | None:
        obj = hou.node("/obj")
        if obj is None:
            return None
        for child in obj.children():
            if child.userData("sdf_role") == "root":
                text = child.userData(RECORD_KEY)
                return dict(json.loads(text)) if text else None
        return None

    def report(self, level: str, message: str) -> None:
        severity = {"error": hou.severityType.Error, "warning": hou.severityType.Warning}.get(
            level, hou.severityType.Message)
        if hou.isUIAvailable():
            hou.ui.setStatusMessage(f"sdf: {message}", severity=severity)
        else:
            print(f"sdf {level}: {message}")
