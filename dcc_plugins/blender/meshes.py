"""Filling Blender meshes from the frame cache's buffers, and reading their points back.

Bulk data goes through the generic attribute API (``position``, ``.corner_vert``, UV maps): in
Blender 5.0 ``attributes[...].data.foreach_set`` copies a buffer in one go (1.3 ms for a million
points), where the legacy ``vertices.foreach_set("co")`` and ``loops`` paths take a hundred times
longer. Alembic stores polygons clockwise, Blender counter-clockwise: :func:`winding_order`
reverses each polygon's corners (and is its own inverse).
"""
from __future__ import annotations

import numpy as np

from sdf.dcc_plugins.bake import winding_order
from sdf.frames import FrameData


_staging: dict[int, np.ndarray] = {}


def _aligned(a: np.ndarray) -> np.ndarray:
    """``a`` as float32 rows Blender's ``foreach_set`` takes through the buffer protocol. The frame
    cache hands out views of the Alembic file's pages, which Ogawa does not align; Blender falls
    back to reading an unaligned buffer item by item (78 ms a frame for two 400k-point proxies),
    so those are copied first into a staging array kept for the next frame (a memcpy)."""
    a = np.ascontiguousarray(a, np.float32)
    if a.flags.aligned:
        return a
    buf = _staging.get(a.size)
    if buf is None:
        if len(_staging) > 16:
            _staging.clear()
        buf = _staging[a.size] = np.empty(a.size, np.float32)
    np.copyto(buf, a.reshape(-1))
    return buf


def set_positions(me, positions) -> None:
    me.attributes["position"].data.foreach_set("vector", _aligned(positions).reshape(-1))


def get_positions(me) -> np.ndarray:
    co = np.empty(len(me.vertices) * 3, np.float32)
    if len(co):
        me.attributes["position"].data.foreach_get("vector", co)
    return co.reshape(-1, 3)


def set_corners(me, corner_verts) -> None:
    me.attributes[".corner_vert"].data.foreach_set("value", np.ascontiguousarray(corner_verts, np.int32))


def get_corners(me) -> np.ndarray:
    out = np.empty(len(me.loops), np.int32)
    if len(out):
        me.attributes[".corner_vert"].data.foreach_get("value", out)
    return out


def reverse_winding(counts, idx) -> np.ndarray:
    return np.asarray(idx)[winding_order(counts)]


def fill_polygons(me, pos, counts, idx) -> None:
    me.clear_geometry()
    me.vertices.add(len(pos))
    set_positions(me, pos)
    if counts is not None and len(counts):
        me.loops.add(len(idx))
        set_corners(me, idx)
        me.polygons.add(len(counts))
        me.polygons.foreach_set("loop_start", (np.cumsum(counts) - counts).astype(np.int32))
    me.update()


def fill_box(me, positions) -> None:
    """The bounding box of ``positions`` as a wire-drawn box mesh."""
    lo = positions.min(axis=0) if len(positions) else np.zeros(3, np.float32)
    hi = positions.max(axis=0) if len(positions) else np.zeros(3, np.float32)
    corners = np.array([(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])],
                       np.float32)
    counts = np.full(6, 4, np.int32)
    faces = np.array([0, 1, 3, 2, 4, 6, 7, 5, 0, 4, 5, 1, 2, 3, 7, 6, 0, 2, 6, 4, 1, 5, 7, 3], np.int32)
    fill_polygons(me, corners, counts, faces)


def fill_from_frame(me, data: FrameData) -> None:
    """Rebuild a proxy mesh from a frame's GPU-ready buffers (a new topology, or the first frame)."""
    topo = data.topology
    me.clear_geometry()
    n = len(data.positions)
    me.vertices.add(n)
    set_positions(me, data.positions)
    if topo is not None and topo.kind == "polygons":
        counts = topo.face_counts
        order = winding_order(counts)  # Alembic's clockwise polygons, counter-clockwise in Blender
        me.loops.add(len(topo.indices))
        set_corners(me, topo.indices[order])
        me.polygons.add(len(counts))
        me.polygons.foreach_set("loop_start", (np.cumsum(counts) - counts).astype(np.int32))
        if topo.uvs is not None:
            layer = me.uv_layers.new(name="uv")
            me.attributes[layer.name].data.foreach_set(
                "vector", np.ascontiguousarray(topo.uvs[order], dtype=np.float32).reshape(-1))
        me.shade_smooth()
    elif topo is not None and topo.kind == "triangles" and topo.indices is not None:
        tris = topo.indices.astype(np.int32)
        m = len(tris) // 3
        me.loops.add(len(tris))
        set_corners(me, tris)
        me.polygons.add(m)
        me.polygons.foreach_set("loop_start", np.arange(0, 3 * m, 3, dtype=np.int32))
        if topo.uvs is not None:
            layer = me.uv_layers.new(name="uv")
            me.attributes[layer.name].data.foreach_set(
                "vector", np.ascontiguousarray(topo.uvs[tris], dtype=np.float32).reshape(-1))
        me.shade_smooth()
    elif topo is not None and topo.kind == "lines" and topo.indices is not None:
        segs = topo.indices.astype(np.int32)
        me.edges.add(len(segs) // 2)
        me.edges.foreach_set("vertices", segs)
    me.update()
