"""Mesh topology for drawing: connectivity shared by every frame with the same polygons.

A :class:`Topology` is computed once per distinct connectivity and shared by the frames that
use it, so per-frame work is only the arrays that change. :func:`draw_topology` turns
Alembic's polygons and their UV and normal indexing into a triangle index buffer over *draw
vertices* (a point splits where its face corners disagree on UV or normal), with the maps
from draw vertices back to stored points and normals; :func:`gather_draw` applies those
maps on the CPU, the viewer applies them on the GPU. Both readers (:mod:`sdf.alembic.frames`, the
library-backed one, and :mod:`sdf.alembic.playback_reader`) build topology here, from plain arrays
that :func:`check_polygons` has checked first.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from sdf.errors import AlembicError

@dataclass
class Topology:
    """Connectivity and per-vertex constants of a draw: shared between frames, counted once by caches."""

    key: str
    kind: str                        # "triangles", "lines" or "points"
    indices: np.ndarray | None       # uint32: triangles (m*3) or line segments (m*2); None for points
    uvs: np.ndarray | None           # float32 (n, 2) in draw layout
    point_of_vertex: np.ndarray | None  # int64 (n,): Alembic point per draw vertex; None = identity
    normal_of_vertex: np.ndarray | None  # int64 (n,): index into the normals array per draw vertex
    normals_scope: str | None        # "vertex" or "facevarying"
    face_of_triangle: np.ndarray | None  # int32 (m,) source face per triangle (stored layout: only with face sets)
    face_sets: dict[str, np.ndarray] = field(default_factory=dict)  # name -> triangle indices (draw layout)
    vertex_count: int = 0
    source_point_count: int = 0
    normals_need: int = 0            # normals a frame must have for normal_of_vertex to apply
    normals_identity: bool = False   # normal_of_vertex is 0..n-1: per-frame normals used as read
    face_counts: np.ndarray | None = None  # int32 per polygon ("polygons", the point layout) or per curve ("lines")
    # Per-corner topology (the stored layout): UVs as stored, and each draw vertex's row in them
    # (``uvs`` is then None; :func:`gather_draw` and the GPU index them like positions).
    uv_rows: np.ndarray | None = None
    uv_of_vertex: np.ndarray | None = None
    #: Curves: how the file says to interpolate them, in Alembic's words: (type, wrap, basis), e.g.
    #: ("cubic", "nonperiodic", "bspline"). A host draws the curve the file describes, not its polyline.
    curve: tuple[str, str, str] | None = None

    def arrays(self) -> list[np.ndarray]:
        return [a for a in (self.indices, self.uvs, self.point_of_vertex, self.normal_of_vertex,
                            self.face_of_triangle, self.face_counts, self.uv_rows, self.uv_of_vertex,
                            *self.face_sets.values()) if a is not None]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays())

    def freeze(self) -> "Topology":
        """Make every array read-only, as the readers do once a topology is shared between frames: one
        consumer writing into an index buffer would otherwise corrupt every frame of the mesh, in
        every view, silently. Returns ``self``."""
        for a in self.arrays():
            if a.flags.writeable:
                a.flags.writeable = False
        return self

def point_layout_normals(scope: str | None, indices: np.ndarray | None, corner_count: int,
                         point_count: int) -> tuple[str, np.ndarray | None, int] | None:
    """How a mesh's stored normals apply in the point layout (points plus polygons, Alembic's corner
    order): ``(scope, rows, need)`` where ``scope`` is "facevarying" (one normal per face corner: hard
    edges, as Maya and Houdini write them) or "vertex" (one per point), ``rows`` the stored normal of
    each corner or point (None: the normals in order) and ``need`` how many normals a sample must have.
    None when the normals cannot apply (a scope without a per-corner or per-point meaning, indices of
    the wrong length): the host then shades as a file without normals."""
    per = {"facevarying": corner_count, "vertex": point_count, "varying": point_count}.get(scope or "")
    if per is None:
        return None
    scope = "facevarying" if scope == "facevarying" else "vertex"
    if indices is None:
        return scope, None, per
    if len(indices) != per or (len(indices) and int(indices.min()) < 0):
        return None
    rows = np.asarray(indices, np.int64)
    return scope, rows, int(rows.max()) + 1 if len(rows) else 0


def gather_draw(positions: np.ndarray, normals: np.ndarray | None, topology: "Topology", allocator=None):
    """Positions and normals as stored (``layout="stored"``) gathered into draw layout: one row per
    vertex the GPU draws. Without a gather to do (every attribute per point) the inputs come
    back as they are; gathered rows go in ``allocator``'s memory when given (a cache's arena),
    else numpy's. Normals whose count does not fit the topology are None."""
    if topology is None or topology.kind != "triangles":
        return positions, normals
    if topology.point_of_vertex is not None:
        positions = _gather(positions, topology.point_of_vertex, allocator)
    if normals is not None:
        if topology.normal_of_vertex is None or len(normals) < topology.normals_need:
            normals = None
        elif not (topology.normals_identity and len(normals) == topology.vertex_count):
            normals = _gather(normals, topology.normal_of_vertex, allocator)
    return positions, normals


def _gather(rows: np.ndarray, index: np.ndarray, allocator=None) -> np.ndarray:
    return placed(allocator.take(rows, index)) if allocator is not None else np.take(rows, index, axis=0)


def draw_uvs(topology: "Topology") -> np.ndarray | None:
    """UVs in draw layout, one row per draw vertex, whichever way the topology keeps them."""
    if topology is None or topology.uv_rows is None:
        return None if topology is None else topology.uvs
    return topology.uv_rows[topology.uv_of_vertex]


def topology_key(*arrays) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        if a is None:
            h.update(b"-")
        else:
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).view(np.uint8))
    return h.hexdigest()


def _unique_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(first index of each unique row, row -> unique id) for rows made of non-negative int columns.

    Packs the columns into one int64 key when their ranges allow (about ten times faster
    than ``np.unique(axis=0)``), else falls back to the row-wise unique.
    """
    key = np.zeros(len(columns[0]), np.int64)
    span = 1
    for c in columns:
        width = int(c.max(initial=0)) + 1
        if span * width >= 2**62:
            table = np.stack(columns, axis=1)
            _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
            return first, inverse.reshape(-1)
        key = key * width + c
        span *= width
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)

#: Most points or face corners accepted in one sample: far beyond any production mesh, far below
#: what a corrupted count would make the reader allocate.
MAX_ELEMENTS = 1 << 31


def check_polygons(counts: np.ndarray, corners: np.ndarray, point_count: int, obj: str, index: int,
                    path: str) -> None:
    """Everything the topology code relies on, checked before it allocates or indexes anything."""
    where = f"object '{obj}' sample {index}"
    if len(counts) and int(counts.min()) < 0:
        raise AlembicError(f"{where}: a negative face vertex count ({int(counts.min())})", path)
    total = int(counts.sum(dtype=np.int64))
    if total != len(corners):
        raise AlembicError(f"{where}: face counts add up to {total} corners, but {len(corners)} face indices "
                           "are stored", path)
    if total > MAX_ELEMENTS:
        raise AlembicError(f"{where}: {total} face corners is more than this reader accepts", path)
    if len(corners) and (int(corners.min()) < 0 or int(corners.max()) >= point_count):
        bad = int(corners.min()) if int(corners.min()) < 0 else int(corners.max())
        raise AlembicError(f"{where}: face index {bad} is out of range for its {point_count} points", path)


def _fan(counts: np.ndarray, corner_base: np.ndarray | None = None):
    """Triangles as corner indices (m, 3), counter-clockwise, plus the face of each triangle."""
    # In 32-bit and in place where numpy allows: fresh pages are what a big mesh's topology costs.
    counts = counts.astype(np.int64, copy=False)
    ntri = np.maximum(counts - 2, 0)
    total = int(ntri.sum())
    starts = (np.cumsum(counts) - counts).astype(np.uint32)
    first = (np.cumsum(ntri) - ntri).astype(np.uint32)
    face = np.repeat(np.arange(len(counts), dtype=np.int32), ntri)
    k = np.arange(total, dtype=np.uint32)
    k -= np.repeat(first, ntri)
    base = starts[face]
    k += base
    # Alembic winds clockwise: (0, k+2, k+1) is the counter-clockwise fan.
    tris = np.empty((total, 3), np.uint32)
    tris[:, 0] = base
    np.add(k, 2, out=tris[:, 1])
    np.add(k, 1, out=tris[:, 2])
    return tris, face


def line_segments(nverts: np.ndarray) -> np.ndarray:
    """uint32 index pairs drawing each curve as the polyline through its control points: every point
    joined to the next, except the last point of each curve (counts already checked)."""
    total = int(nverts.sum(dtype=np.int64))
    keep = np.ones(total, bool)
    ends = np.cumsum(nverts.astype(np.int64))
    keep[ends[nverts > 0] - 1] = False
    seg = np.flatnonzero(keep).astype(np.uint32)
    out = np.empty((len(seg), 2), np.uint32)
    out[:, 0] = seg
    np.add(seg, 1, out=out[:, 1])
    return out.reshape(-1)


def _triangles(counts: np.ndarray, table: np.ndarray | None, want_face: bool = True):
    """(uint32 triangle indices, face of each triangle or None): the counter-clockwise fan of every
    polygon, through ``table`` (face corner -> draw vertex; None: the corner is the vertex).

    Meshes whose faces all have the same size (all quads, as most production meshes) take one
    gather with a fixed pattern and no temporaries; others take :func:`_fan`."""
    if table is not None:
        table = table.view(np.uint32) if table.dtype == np.int32 else table.astype(np.uint32)
    m = len(counts)
    n = int(counts[0]) if m else 0
    if n >= 3 and bool((counts == n).all()):
        # Alembic winds clockwise: (0, k+2, k+1) for each k is the counter-clockwise fan.
        pattern = np.array([(0, k + 2, k + 1) for k in range(n - 2)], np.uint32).reshape(-1)
        if table is None:
            indices = (np.arange(0, m * n, n, dtype=np.uint32)[:, None] + pattern).reshape(-1)
        else:
            indices = np.take(table.reshape(m, n), pattern, axis=1).reshape(-1)
        face = np.repeat(np.arange(m, dtype=np.int32), n - 2) if want_face else None
        return indices, face
    tris, face = _fan(counts)
    if not len(tris):
        return np.zeros(0, np.uint32), face
    return (tris.reshape(-1) if table is None else np.take(table, tris.reshape(-1))), face


def draw_topology(key: str, counts: np.ndarray, corners: np.ndarray, point_count: int,
                  uv: tuple | None = None, normals: tuple | None = None,
                  face_sets: dict[str, np.ndarray] | None = None, per_corner: bool = False) -> Topology:
    """A mesh's draw topology from its arrays (already checked with :func:`check_polygons`).

    ``uv``: (values, indices or None, scope); ``normals``: (indices or None, scope); their values
    are per frame, only their indexing shapes the topology. ``face_sets``: name -> face numbers.
    Malformed UV or normal indexing drops that attribute rather than failing the mesh.

    Where face corners disagree on UV or normal, a point splits into several draw vertices:
    by default one per distinct combination (the fewest vertices; finding them sorts every
    corner, the costliest step for a big mesh). ``per_corner`` makes every face corner its own
    draw vertex instead: the same triangles with the same values, more vertices, no sort;
    for a GPU that fetches stored rows per vertex (the viewer), it is the cheaper topology to
    build on a cold pass.
    """
    if not per_corner:
        corners = corners.astype(np.int64, copy=False)  # the unique split packs int64 keys
    uv_idx, uv_vals = None, None
    if uv is not None:
        uv_vals, uv_idx, scope = uv
        if scope in ("vertex", "varying"):
            uv_idx = corners if uv_idx is None else (uv_idx[corners] if len(uv_idx) > int(corners.max(initial=-1))
                                                     else np.zeros(0, np.int64))
        elif uv_idx is None:
            uv_idx = np.arange(len(corners))
        if len(uv_idx) != len(corners) or (len(uv_idx) and (uv_idx.max() >= len(uv_vals) or uv_idx.min() < 0)):
            uv_idx, uv_vals = None, None  # malformed UVs: draw without them rather than crash
    n_idx, n_scope = None, None
    if normals is not None:
        ind, scope = normals
        n_scope = "facevarying" if scope == "facevarying" else "vertex"
        if ind is not None:
            if n_scope != "facevarying" and len(corners) and len(ind) <= corners.max():
                ind = np.zeros(0, np.int64)  # fewer per-point indices than points: drop the normals
            n_idx = ind if n_scope == "facevarying" else (ind[corners] if len(ind) else ind)
        else:
            n_idx = np.arange(len(corners)) if n_scope == "facevarying" else corners
        if len(n_idx) != len(corners) or (len(n_idx) and n_idx.min() < 0):
            n_idx, n_scope = None, None
    columns = [corners] + [c for c in (uv_idx, n_idx) if c is not None]
    if len(columns) == 1 or all(np.array_equal(c, corners) for c in columns[1:]):
        vertex_of_corner = corners  # every attribute is per point: draw vertices are the points
        point_of_vertex = None
        first_corner = None
    elif per_corner:
        first_corner = vertex_of_corner = None  # draw vertex k is face corner k: no table needed
        point_of_vertex = corners
    else:
        columns = [corners] + [c for c in columns[1:] if not np.array_equal(c, corners)]
        first_corner, vertex_of_corner = _unique_rows(columns)
        point_of_vertex = corners[first_corner]
    indices, face = _triangles(counts, None if per_corner and point_of_vertex is not None else vertex_of_corner,
                               want_face=bool(face_sets) or not per_corner)
    uvs = uv_rows = uv_of_vertex = None
    if uv_idx is not None and per_corner and point_of_vertex is not None:
        uv_rows, uv_of_vertex = uv_vals, uv_idx
    elif uv_idx is not None:
        if first_corner is None and uv_idx is corners and len(uv_vals) == point_count:
            uvs = uv_vals  # per-point UVs, not indexed: already one row per draw vertex
        elif first_corner is None:
            uvs = np.zeros((point_count, 2), np.float32)
            uvs[corners] = uv_vals[uv_idx]
        else:
            uvs = np.ascontiguousarray(uv_vals[uv_idx if per_corner else uv_idx[first_corner]])
    normal_of_vertex = None
    if n_idx is not None and per_corner and point_of_vertex is not None:
        normal_of_vertex = n_idx
    elif n_idx is not None:
        if first_corner is None:
            normal_of_vertex = np.zeros(point_count, np.int64)
            normal_of_vertex[corners] = n_idx
        else:
            normal_of_vertex = n_idx if per_corner else n_idx[first_corner]
    sets = {name: np.nonzero(np.isin(face, faces))[0].astype(np.uint32) for name, faces in (face_sets or {}).items()}
    if not face_sets and per_corner:
        face = None  # only face sets need it; the stored layout does not build it for nothing
    n_vertices = point_count if point_of_vertex is None else len(point_of_vertex)
    need = int(normal_of_vertex.max(initial=-1)) + 1 if normal_of_vertex is not None else 0
    if per_corner and point_of_vertex is not None:  # normals in corner order, unindexed: used as read
        identity = normal_of_vertex is not None and n_scope == "facevarying" and normals[0] is None
    else:
        identity = normal_of_vertex is not None and _is_identity(normal_of_vertex, n_vertices)
    return Topology(key, "triangles", indices, uvs, point_of_vertex, normal_of_vertex, n_scope, face, sets,
                    n_vertices, point_count, need, identity, uv_rows=uv_rows, uv_of_vertex=uv_of_vertex)


class _PlacedArray(np.ndarray):
    """Marks an array already in the caller's memory (so ``read`` does not copy it again)."""

    placed = True


def placed(a: np.ndarray) -> np.ndarray:
    return a.view(_PlacedArray)


def _is_identity(index: np.ndarray, n: int) -> bool:
    return len(index) == n and bool(np.array_equal(index, np.arange(n)))
