"""The Maya host: :class:`~sdf.dcc_plugins.host.HostAdapter` in terms of ``maya.cmds``.

Translation only; the session core decides everything. What a session builds:

- a ``sdf_<shot>`` transform as the root, and the scene's time unit, linear unit, up axis and
  playback range set from the shot (Maya's matrices are row vectors like the documents', so
  a document matrix is ``xform -matrix`` as it is);
- a transform per model-tree node (placement), and below each leaf either an ``sdfProxy``
  locator (other departments' geometry, drawn from the frame cache, node and transform locked
  with ``lockNode``) or native geometry imported with Maya's own ``AbcImport`` (the
  department's own caches, deformed by the artist and baked back at publish);
- lights as Maya lights (``directionalLight``, ``pointLight``, ``spotLight``, ``areaLight``; a
  dome as an ``ambientLight`` keeping its texture path), with ``intensity = intensity x
  2^exposure`` and keys as linear animation curves; cameras as Maya cameras keyed per frame
  (film back in inches, as Maya stores it); materials as shading groups holding the material
  reference in ``sdfMaterial``; layout proxies as cubes.

Every node carries ``sdfPath`` and ``sdfRole`` string attributes: they identify it, not its
(renamable) name. The session record lives in a ``network`` node, ``sdfSession``, saved with
the scene.

Record kinds become nodes through the codecs the host declares (:attr:`MayaHost.codecs`):
placement, materials, effects, cameras and layout in :mod:`.record_nodes`, lights in
:mod:`.lights`; matrices and keys are converted in :mod:`.keys`. This module keeps the scene,
proxies, native geometry, baking and the session record.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Iterator, cast

import maya.api.OpenMaya as om
import maya.cmds as cmds
import numpy as np

from ..bake import winding_order
from ..host import BakedFrame, Codec, HostAdapter, ProxyState, register_host
from ..plan import GeometryItem, SceneSettings
from sdf.alembic.frame_data import FrameData, FrameLayout

from . import lights, record_nodes
from .keys import key_times, matrix
from .record_nodes import add_string, get_string, lock

RECORD_NODE = "sdfSession"
_TIME_UNITS = {24.0: "film", 25.0: "pal", 30.0: "ntsc", 48.0: "show", 50.0: "palf", 60.0: "ntscf",
               23.976: "23.976fps", 29.97: "29.97fps", 47.952: "47.952fps", 59.94: "59.94fps"}
_LINEAR_UNITS = {0.001: "mm", 0.01: "cm", 1.0: "m", 1000.0: "km", 0.0254: "in", 0.3048: "ft", 0.9144: "yd"}


def _points(shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (object space), polygon counts and corner indices of a mesh, through OpenMaya."""
    sel = om.MSelectionList()
    sel.add(shape)
    fn = om.MFnMesh(sel.getDagPath(0))
    # The stubs type MSpace's constants as int but getPoints' argument as MSpace: same value, cast.
    points = fn.getPoints(cast(om.MSpace, om.MSpace.kObject))
    pts = np.array([(points[i].x, points[i].y, points[i].z) for i in range(len(points))], dtype=np.float64)
    counts, corners = fn.getVertices()
    return pts, np.array(list(counts), dtype=np.int32), np.array(list(corners), dtype=np.int32)


@register_host
class MayaHost(HostAdapter):
    """The session's nodes in the open Maya scene."""

    name = "maya"
    layout = FrameLayout.DRAW  # sdfProxy hands Viewport 2.0 the cache's GPU-ready buffers as they are
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
    def nodes(self, role: str) -> dict[str, str]:
        """sdf path -> node name, for the session's nodes of one role."""
        out: dict[str, str] = {}
        for node in cast(list[str], cmds.ls("*.sdfRole", objectsOnly=True, recursive=True, long=True) or []):
            if get_string(node, "sdfRole") == role:
                out[get_string(node, "sdfPath")] = node
        return out

    def tag(self, node: str, role: str, path: str) -> str:
        """Mark a node as the session's: its role and sdf path (the codecs and the geometry tag every node)."""
        add_string(node, "sdfRole", role)
        add_string(node, "sdfPath", path)
        return node

    def root(self) -> str:
        found = self.nodes("root").get("/")
        if found is not None:
            return found
        name = f"sdf_{self.settings.name if self.settings else 'shot'}"
        root = cmds.createNode("transform", name=name)
        return cmds.ls(self.tag(root, "root", "/"), long=True)[0]

    def delete(self, nodes: Iterable[str]) -> None:
        """Delete session nodes and what is below them, unlocking them first."""
        for node in nodes:
            if cmds.objExists(node):
                cmds.lockNode(node, lock=False)
                for child in cast(list[str], cmds.listRelatives(node, allDescendents=True, fullPath=True) or []):
                    cmds.lockNode(child, lock=False)
                cmds.delete(node)

    # -- the scene --------------------------------------------------------------------------------
    def apply_settings(self, settings: SceneSettings) -> None:
        self.settings = settings
        unit = _TIME_UNITS.get(round(settings.fps, 3), f"{settings.fps:g}fps")
        cmds.currentUnit(time=unit)
        linear = _LINEAR_UNITS.get(settings.meters_per_unit)
        if linear is not None:
            cmds.currentUnit(linear=linear)
        cmds.upAxis(axis=settings.up_axis.lower())
        cmds.playbackOptions(minTime=settings.frame_start, maxTime=settings.frame_end,
                             animationStartTime=settings.frame_start, animationEndTime=settings.frame_end)
        cmds.currentTime(settings.frame_start)
        root = self.root()
        lock(root, False)
        if linear is None:  # a unit Maya has no name for: scale the root from centimetres
            s = settings.meters_per_unit / 0.01
            cmds.setAttr(f"{root}.scale", s, s, s)
        lock(root, True)

    def current_frame(self) -> float:
        return float(cast(float, cmds.currentTime(query=True)))


    # -- geometry ---------------------------------------------------------------------------------
    def build_geometry(self, items: list[GeometryItem]) -> None:
        self._ensure_settings()
        proxies = self.nodes("proxy")
        wanted = {g.path for g in items if g.is_proxy}
        self.delete(cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
                    for path, shape in proxies.items() if path not in wanted)
        native = self.nodes("geometry")
        nodes = self.nodes("node")
        record = self.load_record() or {}
        for item in items:
            parent = nodes.get(item.path, self.root())
            if item.is_proxy:
                if item.path in proxies and item.path in wanted:
                    shape = proxies[item.path]
                    cmds.lockNode(shape, lock=False)
                    add_string(shape, "elementPath", item.path)
                    cmds.lockNode(shape, lock=True)
                    continue
                self._build_proxy(item, parent, record)
            elif item.path not in native:
                self._build_native(item, parent)

    def _build_proxy(self, item: GeometryItem, parent: str, record: dict[str, Any]) -> None:
        name = item.path.rsplit("/", 1)[-1]
        xform = cmds.createNode("transform", name=f"{name}_proxy", parent=parent)
        xform = cmds.ls(xform, long=True)[0]
        shape = cmds.createNode("sdfProxy", name=f"{name}_proxyShape", parent=xform)
        shape = cmds.ls(shape, long=True)[0]
        cmds.setAttr(f"{shape}.shotFile", record.get("shot_file", ""), type="string")
        cmds.setAttr(f"{shape}.department", record.get("department", ""), type="string")
        cmds.setAttr(f"{shape}.elementPath", item.path, type="string")
        cmds.connectAttr("time1.outTime", f"{shape}.time", force=True)
        self.tag(shape, "proxy", item.path)
        add_string(shape, "sdfOwner", item.owner)
        lock(xform, True)
        cmds.lockNode(shape, lock=True)

    def _build_native(self, item: GeometryItem, parent: str) -> None:
        """The department's own geometry: Maya's AbcImport, live on the cache, below the leaf."""
        before = set(cast(list[str], cmds.listRelatives(parent, children=True, fullPath=True) or []))
        name = item.object.rstrip("/").rsplit("/", 1)[-1]
        cmds.lockNode(parent, lock=False)
        # AbcImport is the command of Maya's AbcImport plugin: it joins maya.cmds when the plugin loads,
        # so the stubs (generated from maya.cmds without plugins) do not list it.
        cmds.loadPlugin("AbcImport", quiet=True)
        abc_import = getattr(cmds, "AbcImport")
        # Maya's reader gets a private, checked snapshot of the cache (see sdf.dcc_plugins.snapshot).
        from sdf.dcc_plugins.snapshot import checked_snapshot

        fps = self.settings.fps if self.settings is not None else 24.0
        snap, bad = checked_snapshot(item.file, item.object, fps)
        if bad:
            self.report("warning", f"{item.path}: {bad}; not imported")
            cmds.lockNode(parent, lock=get_string(parent, "sdfRole") == "node" and
                          bool(cmds.getAttr(f"{parent}.translate", lock=True)))
            return
        abc_import(snap, mode="import", filterObjects=f"^{name}$", reparent=parent)
        made = [c for c in cast(list[str], cmds.listRelatives(parent, children=True, fullPath=True) or [])
                if c not in before]
        for node in made:
            for shape in cast(list[str], cmds.listRelatives(node, allDescendents=True, type="mesh",
                                                            fullPath=True) or []):
                self.tag(shape, "geometry", item.path)
        cmds.lockNode(parent, lock=get_string(parent, "sdfRole") == "node" and
                      bool(cmds.getAttr(f"{parent}.translate", lock=True)))

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        """sdfProxy pulls its own frames at draw time; dirtying it is all a push needs."""
        shape = self.nodes("proxy").get(item.path)
        if shape is not None:
            cmds.dgdirty(shape)

    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        shape = self.nodes("proxy").get(item.path)
        if shape is None:
            return None
        from .. import feed

        xform = cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
        frame = self.current_frame()
        record = self.load_record() or {}
        data = feed.frame(record.get("shot_file", ""), record.get("department", ""), item.path, frame)
        local = np.asarray(matrix(xform), dtype=np.float64).reshape(4, 4)
        combined = np.asarray(data.world, dtype=np.float64) @ local  # row vectors: Alembic, then the proxy's own
        # The points are drawn straight from the cache; there is nothing in Maya to edit them with.
        return ProxyState(tuple(float(v) for v in combined.reshape(-1)), None, frame)

    def geometry_signature(self, item: GeometryItem) -> str:
        shape = self.nodes("geometry").get(item.path)
        if shape is None:
            return "deleted"
        h = hashlib.sha256()
        xform = cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
        h.update(repr(matrix(xform)).encode())
        for node in cast(list[str], cmds.listHistory(shape) or []):
            h.update(repr((cmds.nodeType(node), node)).encode())
            for attr in cast(list[str], cmds.listAttr(node, keyable=True, scalar=True) or []):
                try:
                    h.update(repr((attr, cmds.getAttr(f"{node}.{attr}"))).encode())
                except RuntimeError:
                    continue
        for node in (xform, shape):
            for t in key_times(node, cast(list[str], cmds.listAttr(node, keyable=True) or [])):
                h.update(repr(t).encode())
        tweaks = cmds.getAttr(f"{shape}.pnts[*]") if cmds.getAttr(f"{shape}.pnts", size=True) else []
        h.update(repr(tweaks).encode())
        return h.hexdigest()

    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        shape = self.nodes("geometry").get(item.path)
        return self._bake(shape, list(frames)) if shape is not None else iter(())

    def _bake(self, shape: str, frames: list[float]) -> Iterator[BakedFrame]:
        keep = self.current_frame()
        xform = cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
        try:
            for f in frames:
                cmds.currentTime(f)
                pts, counts, corners = _points(shape)
                local = np.asarray(matrix(xform), dtype=np.float64).reshape(4, 4)  # into the leaf's space
                pos = pts @ local[:3, :3] + local[3, :3]
                yield BakedFrame(float(f), pos.astype(np.float32), counts, corners[winding_order(counts)])
        finally:
            cmds.currentTime(keep)

    # -- persistence ------------------------------------------------------------------------------
    def save_record(self, record: dict[str, Any]) -> None:
        if not cmds.objExists(RECORD_NODE):
            cmds.createNode("network", name=RECORD_NODE)
        add_string(RECORD_NODE, "record", json.dumps(record))

    def load_record(self) -> dict[str, Any] | None:
        if not cmds.objExists(RECORD_NODE):
            return None
        text = get_string(RECORD_NODE, "record")
        return cast(dict[str, Any], json.loads(text)) if text else None

    def report(self, level: str, message: str) -> None:
        {"error": om.MGlobal.displayError, "warning": om.MGlobal.displayWarning}.get(
            level, om.MGlobal.displayInfo)(f"sdf: {message}")
