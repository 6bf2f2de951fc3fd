"""``sdfProxy``: the read-only locator that draws another department's geometry in Maya.

In the manner of Cortex's SceneShape, maya-usd's proxy shape and Maya's gpuCache, the node
holds no Maya geometry. Its inputs are the shot file, the department, the element path and
the time (connected to ``time1.outTime``); its outputs (``outFrame``, ``outPointCount``) are
computed, not writable and not stored. Viewport 2.0 draws it through an
``MPxSubSceneOverride`` straight from the frame cache's GPU-ready buffers (positions,
normals, triangle indices: :mod:`sdf.dcc_plugins.feed`), copied into Maya's vertex and index
buffers with one ``memmove`` each, shaded in a colour per element and outlined by its bounds
in the selection colour when selected. Its bounding box comes from the Alembic bounds.
Nothing in Maya can edit what it draws: the geometry lives only in the cache, and the
session locks the node and its transform (``lockNode``).

Known stub slips worked around here (``types-maya-strict`` 2025.0.6): ``MVertexBuffer.acquire``
and ``MIndexBuffer.acquire`` are declared to return ``float`` where Maya returns the buffer's
address as an integer; ``MPxSubSceneOverride.update`` is declared to return ``Self`` where
Maya expects ``None``; ``MPxSubSceneOverride.supportedDrawAPIs`` names an undefined
``DrawAPI``; ``MRenderItem`` is declared twice in ``OpenMayaRender.pyi`` and so not exported
(reached through :data:`RenderItem` below).
"""
from __future__ import annotations

import colorsys
import ctypes
import hashlib
from typing import Any, cast

import maya.api.OpenMaya as om
import maya.api.OpenMayaAnim as oma
import maya.api.OpenMayaRender as omr
import maya.api.OpenMayaUI as omui
import numpy as np

from .. import feed

NODE_NAME = "sdfProxy"
NODE_ID = om.MTypeId(0x0007F0A1)  # from Autodesk's range for local, unregistered nodes
DRAW_CLASSIFICATION = "drawdb/subscene/sdfProxy"
DRAW_REGISTRANT = "sdfProxySubSceneOverride"
#: ``omr.MRenderItem``, which the stubs declare twice and so do not export (see the module docstring).
RenderItem: Any = getattr(omr, "MRenderItem")


def element_colour(path: str) -> tuple[float, float, float]:
    """A stable, muted colour per element path (read-only data drawn distinguishably, not loudly)."""
    h = int(hashlib.md5(path.encode()).hexdigest()[:6], 16) / 0xFFFFFF
    r, g, b = colorsys.hsv_to_rgb(h, 0.35, 0.8)
    return float(r), float(g), float(b)


class SdfProxy(omui.MPxLocatorNode):
    """See the module docstring."""

    shot_file = om.MObject()
    department = om.MObject()
    element_path = om.MObject()
    time = om.MObject()
    out_frame = om.MObject()
    out_point_count = om.MObject()

    def __init__(self) -> None:
        omui.MPxLocatorNode.__init__(self)
        self.data: Any = None
        self.error: str | None = None

    @staticmethod
    def creator() -> "SdfProxy":
        return SdfProxy()

    @staticmethod
    def initialize() -> None:
        typed = om.MFnTypedAttribute()
        strings = []
        for long_name, short_name in (("shotFile", "sf"), ("department", "dep"), ("elementPath", "ep")):
            attr = typed.create(long_name, short_name, om.MFnData.kString)
            typed.storable = True
            typed.keyable = False
            strings.append(attr)
        SdfProxy.shot_file, SdfProxy.department, SdfProxy.element_path = strings
        unit = om.MFnUnitAttribute()
        SdfProxy.time = unit.create("time", "tm", om.MFnUnitAttribute.kTime, 0.0)
        unit.storable = True
        numeric = om.MFnNumericAttribute()
        SdfProxy.out_frame = numeric.create("outFrame", "ofr", om.MFnNumericData.kDouble, 0.0)
        numeric.writable = False
        numeric.storable = False
        SdfProxy.out_point_count = numeric.create("outPointCount", "opc", om.MFnNumericData.kInt, 0)
        numeric.writable = False
        numeric.storable = False
        for attr in (SdfProxy.shot_file, SdfProxy.department, SdfProxy.element_path, SdfProxy.time,
                     SdfProxy.out_frame, SdfProxy.out_point_count):
            om.MPxNode.addAttribute(attr)
        for source in (SdfProxy.shot_file, SdfProxy.department, SdfProxy.element_path, SdfProxy.time):
            for out in (SdfProxy.out_frame, SdfProxy.out_point_count):
                om.MPxNode.attributeAffects(source, out)

    # -- evaluation ---------------------------------------------------------------------------
    def inputs(self, block: om.MDataBlock) -> tuple[str, str, str, float]:
        shot = block.inputValue(SdfProxy.shot_file).asString()
        dept = block.inputValue(SdfProxy.department).asString()
        path = block.inputValue(SdfProxy.element_path).asString()
        frame = block.inputValue(SdfProxy.time).asTime().asUnits(om.MTime.uiUnit())
        return shot, dept, path, float(frame)

    def compute(self, plug: om.MPlug, block: om.MDataBlock) -> None:  # type: ignore[override]
        if plug not in (SdfProxy.out_frame, SdfProxy.out_point_count):
            return None  # not ours: Maya handles it (returning None is "unknown plug" in API 2.0)
        shot, dept, path, frame = self.inputs(block)
        try:
            self.data = feed.frame(shot, dept, path, frame)
            self.error = None
        except Exception as exc:  # a broken file must not stop Maya's evaluation: draw nothing, say why
            self.data, self.error = None, str(exc)
            om.MGlobal.displayWarning(f"sdfProxy {path}: {exc}")
        block.outputValue(SdfProxy.out_frame).setDouble(frame)
        count = 0 if self.data is None else int(len(self.data.positions))
        block.outputValue(SdfProxy.out_point_count).setInt(count)
        block.setClean(SdfProxy.out_frame)
        block.setClean(SdfProxy.out_point_count)
        return None

    def current(self) -> Any:
        """The frame drawn now: pulling an output makes Maya evaluate the node at the current time."""
        om.MPlug(self.thisMObject(), SdfProxy.out_frame).asDouble()
        return self.data

    # -- bounds ---------------------------------------------------------------------------------
    def isBounded(self) -> bool:
        return True

    def boundingBox(self) -> om.MBoundingBox:
        box = om.MBoundingBox()
        data = self.current()
        if data is not None and len(data.positions):
            pts = _world_points(data)
            box.expand(om.MPoint(*map(float, pts.min(axis=0))))
            box.expand(om.MPoint(*map(float, pts.max(axis=0))))
            return box
        node = om.MFnDependencyNode(self.thisMObject())
        shot = node.findPlug("shotFile", False).asString()
        dept = node.findPlug("department", False).asString()
        path = node.findPlug("elementPath", False).asString()
        try:
            stored = feed.bounds(shot, dept, path, float(oma.MAnimControl.currentTime().asUnits(om.MTime.uiUnit())))
        except Exception:
            stored = None
        if stored is not None:
            box.expand(om.MPoint(*map(float, stored[0])))
            box.expand(om.MPoint(*map(float, stored[1])))
        return box


def _world_points(data: Any) -> np.ndarray:
    """Positions with the Alembic object's own transform applied (row vectors, as Maya's)."""
    world = np.asarray(data.world, dtype=np.float64)
    pts = np.asarray(data.positions, dtype=np.float64)
    return (pts @ world[:3, :3] + world[3, :3]).astype(np.float32)


def _fill(buffer: Any, array: np.ndarray, count: int) -> None:
    """Copy a contiguous numpy array into a Viewport 2.0 buffer: acquire, one memmove, commit."""
    address = int(buffer.acquire(count, True))  # the stub says float; Maya returns the address
    ctypes.memmove(address, array.ctypes.data, array.nbytes)
    buffer.commit(address)


class SdfProxySubScene(omr.MPxSubSceneOverride):
    """Viewport 2.0 drawing of one ``sdfProxy``: a shaded item, and its bounds when selected."""

    SHADED = "sdfProxyShaded"
    BOUNDS = "sdfProxyBounds"

    def __init__(self, obj: om.MObject) -> None:
        omr.MPxSubSceneOverride.__init__(self, obj)
        self.node = obj
        self.drawn: tuple[Any, ...] | None = None

    @staticmethod
    def creator(obj: om.MObject) -> "SdfProxySubScene":
        return SdfProxySubScene(obj)

    def supportedDrawAPIs(self) -> int:
        return int(omr.MRenderer.kAllDevices)

    def _proxy(self) -> SdfProxy | None:
        user = om.MFnDependencyNode(self.node).userNode()
        return user if isinstance(user, SdfProxy) else None

    def _path(self) -> om.MDagPath:
        return cast(om.MDagPath, om.MDagPath.getAPathTo(self.node))

    def requiresUpdate(self, container: omr.MSubSceneContainer, frameContext: omr.MFrameContext) -> bool:
        proxy = self._proxy()
        data = proxy.current() if proxy is not None else None
        status = omr.MGeometryUtilities.displayStatus(self._path())
        key = (id(data), getattr(data, "frame", None), int(status))
        return key != self.drawn

    def update(self, container: omr.MSubSceneContainer,  # type: ignore[override]
               frameContext: omr.MFrameContext) -> None:
        proxy = self._proxy()
        data = proxy.current() if proxy is not None else None
        path = self._path()
        status = omr.MGeometryUtilities.displayStatus(path)
        self.drawn = (id(data), getattr(data, "frame", None), int(status))
        if data is None or data.topology is None or data.topology.indices is None or not len(data.positions):
            container.clear()
            return None
        element = om.MFnDependencyNode(self.node).findPlug("elementPath", False).asString()
        shaded = container.find(self.SHADED)
        if shaded is None:
            shaded = RenderItem.create(self.SHADED, RenderItem.MaterialSceneItem, omr.MGeometry.kTriangles)
            shader = omr.MRenderer.getShaderManager().getStockShader(omr.MShaderManager.k3dBlinnShader)
            shader.setParameter("diffuseColor", [*element_colour(element), 1.0])
            shaded.setShader(shader)
            container.add(shaded)
        positions = np.ascontiguousarray(_world_points(data))
        normals = data.normals
        if normals is None:
            normals = _vertex_normals(positions, data.topology.indices)
        world = np.asarray(data.world, dtype=np.float32)
        normals = np.ascontiguousarray(np.asarray(normals, np.float32) @ world[:3, :3])
        indices = np.ascontiguousarray(data.topology.indices, dtype=np.uint32)
        buffers = omr.MVertexBufferArray()
        for name, semantic, array in (("positions", omr.MGeometry.kPosition, positions),
                                      ("normals", omr.MGeometry.kNormal, normals)):
            desc = omr.MVertexBufferDescriptor("", semantic, omr.MGeometry.kFloat, 3)
            vb = omr.MVertexBuffer(desc)
            _fill(vb, array, len(array))
            buffers.append(vb, name)
        ib = omr.MIndexBuffer(omr.MGeometry.kUnsignedInt32)
        _fill(ib, indices, len(indices))
        box = om.MBoundingBox(om.MPoint(*map(float, positions.min(axis=0))),
                              om.MPoint(*map(float, positions.max(axis=0))))
        self.setGeometryForRenderItem(shaded, buffers, ib, box)
        self._bounds_item(container, box, status, path)
        return None

    def _bounds_item(self, container: omr.MSubSceneContainer, box: om.MBoundingBox, status: int,
                     path: om.MDagPath) -> None:
        """Selection highlight: the bounds drawn in Maya's wireframe colour for the selection state."""
        selected = status in (omr.MGeometryUtilities.kActive, omr.MGeometryUtilities.kLead)
        item = container.find(self.BOUNDS)
        if item is None:
            item = RenderItem.create(self.BOUNDS, RenderItem.DecorationItem, omr.MGeometry.kLines)
            item.setShader(omr.MRenderer.getShaderManager().getStockShader(omr.MShaderManager.k3dSolidShader))
            item.depthPriority(RenderItem.sActiveWireDepthPriority)
            container.add(item)
        item.enable(selected)
        if not selected:
            return
        colour = omr.MGeometryUtilities.wireframeColor(path)
        item.getShader().setParameter("solidColor", [colour.r, colour.g, colour.b, 1.0])
        lo, hi = box.min, box.max
        corners = np.array([(x, y, z) for x in (lo.x, hi.x) for y in (lo.y, hi.y) for z in (lo.z, hi.z)], np.float32)
        edges = np.array([0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 1, 3, 4, 6, 5, 7, 0, 4, 1, 5, 2, 6, 3, 7], np.uint32)
        buffers = omr.MVertexBufferArray()
        vb = omr.MVertexBuffer(omr.MVertexBufferDescriptor("", omr.MGeometry.kPosition, omr.MGeometry.kFloat, 3))
        _fill(vb, corners, len(corners))
        buffers.append(vb, "positions")
        ib = omr.MIndexBuffer(omr.MGeometry.kUnsignedInt32)
        _fill(ib, edges, len(edges))
        self.setGeometryForRenderItem(item, buffers, ib, box)


def _vertex_normals(positions: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals from triangles, for files that store none."""
    tris = np.asarray(indices, dtype=np.int64).reshape(-1, 3)
    p = positions.astype(np.float64)
    face = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    normals = np.zeros_like(p)
    for k in range(3):
        np.add.at(normals, tris[:, k], face)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    length[length == 0] = 1.0
    out: np.ndarray = (normals / length).astype(np.float32)
    return out


def register(plugin: om.MFnPlugin) -> None:
    plugin.registerNode(NODE_NAME, NODE_ID, SdfProxy.creator, SdfProxy.initialize, om.MPxNode.kLocatorNode,
                        DRAW_CLASSIFICATION)
    omr.MDrawRegistry.registerSubSceneOverrideCreator(DRAW_CLASSIFICATION, DRAW_REGISTRANT,
                                                      SdfProxySubScene.creator)


def deregister(plugin: om.MFnPlugin) -> None:
    omr.MDrawRegistry.deregisterSubSceneOverrideCreator(DRAW_CLASSIFICATION, DRAW_REGISTRANT)
    plugin.deregisterNode(NODE_ID)
