"""What a proxy draws besides its points, decided once for every host: shading, curves, point sizes.

A proxy must look the way the Alembic file says, the way the DCC's own importer would show it,
or a lighter lights the wrong thing: a hard-surface crate shaded smooth renders melted, grass
drawn as loose edges never reaches a render. So, from a frame read in the point layout
(:meth:`sdf.alembic.frames.AlembicReader.read` with ``layout="points"``):

- :func:`shading`: the file's own normals, per face corner (hard edges) or per point, in the
  host's winding (Alembic's polygons are clockwise, Blender's and Maya's counter-clockwise:
  corner normals follow the corners they belong to). A mesh without normals, and a SubD, are
  shaded smooth: that is how Blender's Alembic importer reads them (checked face by face in
  ``tests/dcc_plugins``);
- :func:`curve_shape`: each curve's point count, how it interpolates (the basis the file
  names: a cubic B-spline is a NURBS curve of order 4) and a radius per point from the file's
  widths (a width is a diameter, as in Alembic, RenderMan and USD);
- :func:`point_radii`: a radius per point from the file's widths.

Hosts turn these into their own types (``blender/meshes.py``); nothing here imports a host.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sdf.alembic.frame_data import FrameData

from .bake import winding_order

#: Width given to curves and points whose file has none, as a fraction of the bounds' diagonal:
#: thin, but still something a render shows (Alembic has no default width).
DEFAULT_WIDTH_OF_DIAGONAL = 1e-3


def shading(data: FrameData) -> tuple[str, np.ndarray] | None:
    """The stored normals of a mesh frame as the host applies them: ``("corner", normals)`` with one
    row per face corner in the host's (counter-clockwise) corner order, or ``("point", normals)`` with
    one row per point. None: the file stores no normals that apply, so the mesh is shaded smooth."""
    topo = data.topology
    if data.normals is None or topo is None or topo.kind != "polygons" or topo.normals_scope is None:
        return None
    rows = topo.normal_of_vertex
    normals = data.normals if rows is None else data.normals[rows]
    if topo.normals_scope == "facevarying":
        if len(normals) < len(topo.indices):
            return None
        return "corner", np.ascontiguousarray(normals[:len(topo.indices)][winding_order(topo.face_counts)],
                                              np.float32)
    if len(normals) < len(data.positions):
        return None
    return "point", np.ascontiguousarray(normals[:len(data.positions)], np.float32)


@dataclass
class CurveShape:
    counts: np.ndarray   # int32: points per curve
    basis: str           # "poly", "bspline" (NURBS), "catmullrom" or "bezier"
    order: int           # NURBS order (degree + 1): 4 for a cubic B-spline, 2 for a polyline
    periodic: bool       # closed curves
    radii: np.ndarray    # float32: one radius per point


def _default_width(positions: np.ndarray) -> float:
    if not len(positions):
        return 0.0
    diagonal = float(np.linalg.norm(positions.max(axis=0) - positions.min(axis=0)))
    return diagonal * DEFAULT_WIDTH_OF_DIAGONAL or 1e-3


def _radii(widths: np.ndarray | None, n_points: int, per_item: np.ndarray | None, positions) -> np.ndarray:
    """Widths as the file scopes them (one, one per curve, one per point) as a radius per point."""
    w = None if widths is None else np.asarray(widths, np.float32).reshape(-1)
    if w is not None and len(w) == n_points:
        out = w
    elif w is not None and per_item is not None and len(w) == len(per_item):
        out = np.repeat(w, per_item)
    elif w is not None and len(w) == 1:
        out = np.full(n_points, w[0], np.float32)
    else:
        out = np.full(n_points, _default_width(positions), np.float32)
    return np.ascontiguousarray(out * 0.5, np.float32)


def curve_shape(data: FrameData) -> CurveShape:
    """The curves of a frame: counts, basis and order, and radii from the file's widths."""
    topo = data.topology
    n = len(data.positions)
    counts = np.asarray(topo.face_counts if topo is not None and topo.face_counts is not None else [n], np.int32)
    kind, wrap, basis = (topo.curve if topo is not None and topo.curve else ("linear", "nonperiodic", "nobasis"))
    if kind != "cubic" or basis not in ("bspline", "catmullrom", "bezier"):  # linear, or orders per curve
        basis, order = "poly", 2
    else:
        order = 4  # cubic; a curve of fewer points than its order is drawn as a polyline by hosts
    return CurveShape(counts, basis, order, wrap == "periodic", _radii(data.widths, n, counts, data.positions))


def point_radii(data: FrameData) -> np.ndarray:
    """A radius per point from the file's widths."""
    return _radii(data.widths, len(data.positions), None, data.positions)
