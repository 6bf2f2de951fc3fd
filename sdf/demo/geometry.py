"""Procedural geometry for the demo shot, as numpy arrays (float32 positions, int32 topology).

Everything is deterministic (seeded), so two runs of ``sdf demo`` write identical data.
"""
from __future__ import annotations

import numpy as np


def grid(nu: int, nv: int, size: float = 1.0):
    """A plane in XZ of nu x nv quads: (positions, counts, indices, uv_values, uv_indices)."""
    u = np.linspace(-0.5, 0.5, nu + 1, dtype=np.float32) * size
    v = np.linspace(-0.5, 0.5, nv + 1, dtype=np.float32) * size
    uu, vv = np.meshgrid(u, v)
    pos = np.stack([uu.ravel(), np.zeros(uu.size, np.float32), vv.ravel()], axis=1)
    i = np.arange(nv)[:, None] * (nu + 1) + np.arange(nu)[None, :]
    quads = np.stack([i, i + nu + 1, i + nu + 2, i + 1], axis=-1).reshape(-1, 4)
    counts = np.full(len(quads), 4, np.int32)
    uvs = np.stack([(uu.ravel() / size + 0.5), (vv.ravel() / size + 0.5)], axis=1).astype(np.float32)
    return pos.astype(np.float32), counts, quads.ravel().astype(np.int32), uvs, quads.ravel().astype(np.int32)


def sphere(segments: int, rings: int, radius: float = 1.0):
    """A latitude-longitude sphere with triangle fans at the poles (mixed 3- and 4-sided faces).

    UVs are face-varying and indexed: the seam column of UV values exists twice while the
    positions do not, as Maya writes them.
    Returns (positions, counts, indices, uv_values, uv_indices, normals).
    """
    theta = np.linspace(0, np.pi, rings + 1)[1:-1]  # exclude poles
    phi = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    st, ct = np.sin(theta)[:, None], np.cos(theta)[:, None]
    ring = np.stack([st * np.cos(phi), np.broadcast_to(ct, (len(theta), segments)), st * np.sin(phi)], axis=-1)
    body = ring.reshape(-1, 3)
    top, bottom = np.array([[0, 1, 0]]), np.array([[0, -1, 0]])
    normals = np.concatenate([top, body, bottom]).astype(np.float32)
    pos = (normals * radius).astype(np.float32)
    r_in = rings - 1  # rings of vertices in the body

    def vid(r, s):
        return 1 + r * segments + (s % segments)

    # UV grid: (rings+1) rows x (segments+1) columns.
    uv_u = np.linspace(0, 1, segments + 1)
    uv_v = np.linspace(1, 0, rings + 1)
    uv_vals = np.stack(np.meshgrid(uv_u, uv_v), axis=-1).reshape(-1, 2).astype(np.float32)

    def uid(row, col):
        return row * (segments + 1) + col

    counts, idx, uidx = [], [], []
    for s in range(segments):  # top fan
        counts.append(3)
        idx += [0, vid(0, s + 1), vid(0, s)]
        uidx += [uid(0, s), uid(1, s + 1), uid(1, s)]
    for r in range(r_in - 1):
        for s in range(segments):
            counts.append(4)
            idx += [vid(r, s), vid(r, s + 1), vid(r + 1, s + 1), vid(r + 1, s)]
            uidx += [uid(r + 1, s), uid(r + 1, s + 1), uid(r + 2, s + 1), uid(r + 2, s)]
    last = len(pos) - 1
    for s in range(segments):  # bottom fan
        counts.append(3)
        idx += [vid(r_in - 1, s), vid(r_in - 1, s + 1), last]
        uidx += [uid(rings - 1, s), uid(rings - 1, s + 1), uid(rings, s)]
    return (pos, np.array(counts, np.int32), np.array(idx, np.int32), uv_vals, np.array(uidx, np.int32), normals)


def box(size: float = 1.0):
    """A cube of 6 quads: (positions, counts, indices)."""
    h = size / 2
    pos = np.array([[-h, -h, -h], [h, -h, -h], [h, h, -h], [-h, h, -h],
                    [-h, -h, h], [h, -h, h], [h, h, h], [-h, h, h]], np.float32)
    idx = np.array([0, 3, 2, 1, 4, 5, 6, 7, 0, 1, 5, 4, 2, 3, 7, 6, 1, 2, 6, 5, 0, 4, 7, 3], np.int32)
    return pos, np.full(6, 4, np.int32), idx


def flat_normals(pos: np.ndarray, counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Face-varying normals of a hard-surface convex shape: every corner of a face gets the face's
    outward normal (the direction from the shape's centre to the face's centre, exact for a box),
    as Maya and Houdini write a model whose edges are hard."""
    centre = pos.mean(axis=0)
    face = np.repeat(np.arange(len(counts)), counts)
    sums = np.zeros((len(counts), 3))
    np.add.at(sums, face, pos[idx])
    out = sums / counts[:, None] - centre
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out[face].astype(np.float32)


def subdivided_box(level: int, size: float = 1.0, seed: int = 7):
    """A lumpy rock: a cube whose faces are split level x level, pushed out by seeded noise."""
    n = max(1, level)
    faces_pos, faces_idx = [], []
    offset = 0
    rng = np.random.default_rng(seed)
    axes = [(0, 1, 2, 1), (0, 1, 2, -1), (1, 2, 0, 1), (1, 2, 0, -1), (2, 0, 1, 1), (2, 0, 1, -1)]
    for a, b, c, sign in axes:
        g = np.linspace(-0.5, 0.5, n + 1)
        aa, bb = np.meshgrid(g, g)
        p = np.zeros((aa.size, 3))
        p[:, a] = aa.ravel()
        p[:, b] = bb.ravel()
        p[:, c] = 0.5 * sign
        i = np.arange(n)[:, None] * (n + 1) + np.arange(n)[None, :]
        q = np.stack([i, i + 1, i + n + 2, i + n + 1], axis=-1).reshape(-1, 4)
        if sign < 0:
            q = q[:, ::-1]
        faces_pos.append(p)
        faces_idx.append(q + offset)
        offset += len(p)
    pos = np.concatenate(faces_pos)
    # Weld duplicate positions along cube edges.
    keys = np.round(pos * 1e5).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    welded = pos[first]
    idx = inverse.reshape(-1)[np.concatenate(faces_idx).ravel()]
    dirs = welded / np.linalg.norm(welded, axis=1, keepdims=True)
    welded = dirs * (0.5 + 0.08 * rng.standard_normal(len(welded)))[:, None] * size
    counts = np.full(len(idx) // 4, 4, np.int32)
    return welded.astype(np.float32), counts, idx.astype(np.int32)


def vertex_normals(pos: np.ndarray, counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Area-weighted smooth vertex normals via a fan triangulation of each face."""
    tris = fan_triangles(counts, idx)
    p = pos.astype(np.float64)
    fn = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    n = np.zeros_like(p)
    for k in range(3):
        np.add.at(n, tris[:, k], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    length[length == 0] = 1
    return (n / length).astype(np.float32)


def fan_triangles(counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Triangles (m, 3) from polygons by fanning around each face's first vertex."""
    counts = np.asarray(counts, np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ntri = np.maximum(counts - 2, 0)
    face = np.repeat(np.arange(len(counts)), ntri)
    k = np.arange(ntri.sum()) - np.repeat(np.cumsum(ntri) - ntri, ntri)
    base = starts[face]
    return np.stack([idx[base], idx[base + k + 1], idx[base + k + 2]], axis=1)


def alembic_winding(counts: np.ndarray) -> np.ndarray:
    """Permutation of face corners turning counter-clockwise polygons into Alembic's clockwise order.

    Each face keeps its first corner and reverses the rest (v0 v1 v2 v3 -> v0 v3 v2 v1), as
    Maya's exporter does. Apply it to vertex indices and to face-varying indices alike.
    """
    counts = np.asarray(counts, np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    face = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(int(counts.sum())) - starts[face]
    return np.where(k == 0, starts[face], starts[face] + counts[face] - k)
