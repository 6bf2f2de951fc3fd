"""Filling Blender meshes from the frame cache's buffers, and reading their points back.

Bulk data goes through the generic attribute API (``position``, ``.corner_vert``, UV maps): in
Blender 5.0 ``attributes[...].data.foreach_set`` copies a buffer in one go (1.3 ms for a million
points), where the legacy ``vertices.foreach_set("co")`` and ``loops`` paths take a hundred times
longer. Alembic stores polygons clockwise, Blender counter-clockwise: :func:`winding_order`
reverses each polygon's corners (and is its own inverse). What a proxy looks like besides its
points (normals, curves, point sizes) is decided in :mod:`sdf.dcc_plugins.shapes`; this module only
turns it into Blender data: custom normals, a Curves datablock, a point cloud.
"""
from __future__ import annotations

import numpy as np

from sdf.dcc_plugins.bake import winding_order
from sdf.dcc_plugins.shapes import curve_shape, point_radii, shading
from sdf.alembic.frame_data import FrameData


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


def set_positions(d, positions) -> None:
    """Points of a mesh or of curves (both keep them in the ``position`` attribute)."""
    d.attributes["position"].data.foreach_set("vector", _aligned(positions).reshape(-1))


def get_positions(d) -> np.ndarray:
    attr = d.attributes.get("position")
    co = np.empty((len(attr.data) if attr is not None else 0) * 3, np.float32)
    if len(co):
        attr.data.foreach_get("vector", co)
    return co.reshape(-1, 3)


def _attribute(d, name: str, kind: str, domain: str):
    """``d``'s attribute ``name`` of that type and domain, made anew if it differs."""
    attr = d.attributes.get(name)
    if attr is not None and (attr.data_type != kind or attr.domain != domain):
        d.attributes.remove(attr)
        attr = None
    return attr if attr is not None else d.attributes.new(name, kind, domain)


def set_normals(me, data: FrameData) -> None:
    """The file's own normals as Blender's custom normals (the ``custom_normal`` float attribute: a
    buffer copy, where ``normals_split_custom_set`` took 0.6 s for 260k corners); per corner for hard
    edges, per point otherwise. Without stored normals the mesh is smooth (:func:`shapes.shading`)."""
    found = shading(data)
    if found is None:
        attr = me.attributes.get("custom_normal")
        if attr is not None:
            me.attributes.remove(attr)
        return
    domain, normals = found
    attr = _attribute(me, "custom_normal", "FLOAT_VECTOR", "CORNER" if domain == "corner" else "POINT")
    attr.data.foreach_set("vector", _aligned(normals).reshape(-1))


def set_radii(d, radii: np.ndarray) -> None:
    _attribute(d, "radius", "FLOAT", "POINT").data.foreach_set("value", _aligned(radii))


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


_BOX_EDGES = np.array([0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 1, 3, 4, 6, 5, 7, 0, 4, 1, 5, 2, 6, 3, 7], np.int32)
_BOX_FACES = np.array([0, 1, 3, 2, 4, 6, 7, 5, 0, 4, 5, 1, 2, 3, 7, 6, 0, 2, 6, 4, 1, 5, 7, 3], np.int32)


def fill_box(d, positions) -> None:
    """The bounding box of ``positions``: a box mesh, or for curves its twelve edges as thin polylines."""
    lo = positions.min(axis=0) if len(positions) else np.zeros(3, np.float32)
    hi = positions.max(axis=0) if len(positions) else np.zeros(3, np.float32)
    corners = np.array([(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])],
                       np.float32)
    if is_curves(d):
        _rebuild_curves(d, np.full(12, 2, np.int32), "POLY")
        set_positions(d, corners[_BOX_EDGES])
        set_radii(d, np.full(24, max(float(np.linalg.norm(hi - lo)) * 1e-3, 1e-4), np.float32))
        d.update_tag()
        return
    fill_polygons(d, corners, np.full(6, 4, np.int32), _BOX_FACES)


def is_curves(d) -> bool:
    return hasattr(d, "add_curves")


def fill_from_frame(d, data: FrameData) -> None:
    """Rebuild a proxy from a frame's buffers (a new topology, or the first frame): a mesh with the
    file's normals, curves (``d`` a Curves datablock) or points (a mesh of vertices with a radius each,
    which :func:`points_modifier` draws as a point cloud)."""
    if is_curves(d):
        fill_curves(d, data)
        return
    me = d
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
        set_normals(me, data)
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
    elif data.kind == "points":
        set_radii(me, point_radii(data))
    me.update()


def update_frame(d, data: FrameData) -> None:
    """A frame of the same topology: points, and what the file may animate with them (normals, widths)."""
    set_positions(d, data.positions)
    if is_curves(d):
        set_radii(d, curve_shape(data).radii)
        d.update_tag()
        return
    if data.kind == "points":
        set_radii(d, point_radii(data))
    elif data.normals is not None:
        set_normals(d, data)
    d.update()


# Blender's NURBS knots: ENDPOINT for open curves (as Blender's Alembic importer sets them), NORMAL
# for closed ones, BEZIER for Bezier segments drawn as NURBS.
_KNOTS = {"normal": 0, "endpoint": 1, "bezier": 2}
_CURVE_TYPE = {"poly": "POLY", "bspline": "NURBS", "catmullrom": "CATMULL_ROM", "bezier": "NURBS"}


def _rebuild_curves(cv, counts: np.ndarray, curve_type: str) -> None:
    if len(cv.curves):
        cv.remove_curves()
    if len(counts):
        cv.add_curves(counts.tolist())
        cv.set_types(type=curve_type)


def fill_curves(cv, data: FrameData) -> None:
    """Curves as the file describes them (:func:`shapes.curve_shape`) in a Curves datablock (Blender's
    hair curves, which Cycles and the viewport draw with their radii)."""
    shape = curve_shape(data)
    kind = _CURVE_TYPE[shape.basis]
    _rebuild_curves(cv, shape.counts, kind)
    m = len(shape.counts)
    if m:
        if kind == "NURBS":
            _attribute(cv, "nurbs_order", "INT8", "CURVE").data.foreach_set(
                "value", np.full(m, shape.order, np.int8))
            knots = "bezier" if shape.basis == "bezier" else "normal" if shape.periodic else "endpoint"
            _attribute(cv, "knots_mode", "INT8", "CURVE").data.foreach_set("value", np.full(m, _KNOTS[knots], np.int8))
        if shape.periodic:
            _attribute(cv, "cyclic", "BOOLEAN", "CURVE").data.foreach_set("value", np.ones(m, bool))
    set_positions(cv, data.positions)
    set_radii(cv, shape.radii)
    cv.update_tag()


POINTS_GROUP = "SDF points"


def _points_group():
    """The node group drawing a mesh's vertices as a point cloud with their ``radius``: Blender's Python
    API cannot size a PointCloud (5.0 has no add or resize for its points), so the proxy keeps its points
    in a mesh and Geometry Nodes' Mesh to Points makes the cloud Cycles and the viewport draw."""
    import bpy

    ng = bpy.data.node_groups.get(POINTS_GROUP)
    if ng is not None:
        return ng
    ng = bpy.data.node_groups.new(POINTS_GROUP, "GeometryNodeTree")
    ng.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    ng.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    nodes, links = ng.nodes, ng.links
    gin, gout = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")
    to_points = nodes.new("GeometryNodeMeshToPoints")
    radius = nodes.new("GeometryNodeInputNamedAttribute")
    radius.data_type = "FLOAT"
    radius.inputs["Name"].default_value = "radius"
    links.new(gin.outputs[0], to_points.inputs["Mesh"])
    links.new(radius.outputs["Attribute"], to_points.inputs["Radius"])
    links.new(to_points.outputs["Points"], gout.inputs[0])
    return ng


def points_modifier(obj, on: bool) -> None:
    """Draw a points proxy's mesh as a point cloud (on), or as the mesh itself (its bounds box)."""
    mod = obj.modifiers.get(POINTS_GROUP)
    if mod is None:
        mod = obj.modifiers.new(POINTS_GROUP, "NODES")
        mod.node_group = _points_group()
    if mod.show_viewport != on or mod.show_render != on:  # unchanged flags: no re-evaluation each frame
        mod.show_viewport = mod.show_render = on
